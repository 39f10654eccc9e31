#!/usr/bin/env bash
# Paper charts (PNG) from an `atleus-vp run --out DIR` folder, or from an `atleus-vp sweep
# --out DIR` folder (Pareto plots of its objectives): plot.sh DIR [--out PLOTDIR]
# (PLOTDIR defaults to DIR/plots). Prints the files written; bad input gives one line on
# stderr naming the file and exit code 2. See scripts/plot_run.py and
# scripts/plot_sweep.py for the charts.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# Debian's interpreter, the one python3-matplotlib installs into (a python3 earlier on PATH,
# e.g. from pyenv, would not see it).
PY=/usr/bin/python3
[ -x "$PY" ] || PY="$(command -v python3)"

if ! "$PY" -c 'import matplotlib' 2>/dev/null; then
  "$HERE/setup.sh" --plots >&2
fi

# Agg: no display needed; MPLCONFIGDIR keeps matplotlib's cache out of the user's home.
export MPLBACKEND=Agg
MPLCONFIGDIR="$(mktemp -d)"
export MPLCONFIGDIR
trap 'rm -rf "$MPLCONFIGDIR"' EXIT
# A sweep folder holds sweep.json; a run folder summary.json.
script=plot_run.py
[ $# -ge 1 ] && [ -f "$1/sweep.json" ] && script=plot_sweep.py
"$PY" "$HERE/$script" "$@"
