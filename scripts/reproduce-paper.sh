#!/usr/bin/env bash
# Reproduces the evaluation of the Atleus paper with atleus-vp and writes results/paper/: one
# CSV and PNG per study, claims.csv and README.md (claims, ours, ratios, orderings, wall time).
# Usage: scripts/reproduce-paper.sh [--bin ATLEUS_VP] [--out DIR]
#   --bin  use this executable instead of building Release into build/ (as run.sh does)
#   --out  results folder (default results/paper); replaced only when every study succeeded
# A failing run stops the script, names the run's command and exits non-zero; the previous
# results stay as they were.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
start=$(date +%s)
bin=""
out="$root/results/paper"
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin="$(realpath "$2")"; shift 2 ;;
    --out) out="$(realpath -m "$2")"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "reproduce-paper: unknown argument $1" >&2; exit 2 ;;
  esac
done

if [ -z "$bin" ]; then
  "$root/scripts/setup.sh" --plots
  log="$(mktemp)"
  if ! "$root/scripts/build.sh" "$root/build" -DATLEUS_TESTS=OFF >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "reproduce-paper: the build failed" >&2
    exit 1
  fi
  rm -f "$log"
  bin="$root/build/atleus-vp"
fi

# Debian's interpreter, the one python3-matplotlib installs into.
PY=/usr/bin/python3
[ -x "$PY" ] || PY="$(command -v python3)"
if ! "$PY" -c 'import matplotlib' 2>/dev/null; then
  "$root/scripts/setup.sh" --plots
fi

# Everything is written into a fresh folder beside the target and moved into place at the end.
mkdir -p "$(dirname "$out")"
stage="$(mktemp -d "$(dirname "$out")/.paper.XXXXXX")"
scratch="$(mktemp -d)"
MPLCONFIGDIR="$(mktemp -d)"
export MPLCONFIGDIR MPLBACKEND=Agg PYTHONDONTWRITEBYTECODE=1
trap 'rm -rf "$stage" "$scratch" "$MPLCONFIGDIR"' EXIT

# The claims of the reproduction being replaced: a claim whose number moved says so, and why.
previous=()
[ -f "$out/claims.csv" ] && previous=(--previous "$out/claims.csv")
"$PY" "$root/scripts/paper_studies.py" --bin "$bin" --out "$stage" --scratch "$scratch" \
  "${previous[@]}"

wall=$(( $(date +%s) - start ))
sed -i "s/@WALL_TIME@/Wall time of this reproduction: ${wall} s./" "$stage/README.md"
rm -rf "$out.old"
[ -e "$out" ] && mv "$out" "$out.old"
mv "$stage" "$out"
rm -rf "$out.old"
chmod 755 "$out"
echo "reproduce-paper: wrote $out"
echo "reproduce-paper: wall time ${wall} s"
