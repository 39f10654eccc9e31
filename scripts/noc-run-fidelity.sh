#!/usr/bin/env bash
# The preset workloads under each NoC model `run` supports: simulated time, energy, wall time,
# and the deviation of each model from `packet` in time and energy. Prints a Markdown table
# (results/noc/README.md and README.md's "NoC models" section carry it).
# Usage: scripts/noc-run-fidelity.sh [--bin ATLEUS_VP] [--models "packet flow flit"]
#                                    [--flit-layers N] [--flit-batch B] [--quick]
#   --bin          use this executable instead of building Release into build/
#   --models       the models to run (default: packet flow flit; packet always runs as the
#                  reference)
#   --flit-layers  flit rows run the workload cut to its first N layers and a batch of
#                  --flit-batch (defaults 2 and 1; 0: the whole workload), each beside a packet
#                  row on the same cut workload as its reference: the cycle-level model takes
#                  minutes to hours per preset workload
#   --quick        one small workload only (a smoke test of the script)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin=""
models="packet flow flit"
flit_layers=2
flit_batch=1
quick=0
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin="$(realpath "$2")"; shift 2 ;;
    --models) models="$2"; shift 2 ;;
    --flit-layers) flit_layers="$2"; shift 2 ;;
    --flit-batch) flit_batch="$2"; shift 2 ;;
    --quick) quick=1; shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "noc-run-fidelity: unknown argument $1" >&2; exit 2 ;;
  esac
done
case " $models " in *" packet "*) ;; *) models="packet $models" ;; esac
if [ -z "$bin" ]; then
  "$root/scripts/build.sh" "$root/build" -DATLEUS_TESTS=OFF >/dev/null
  bin="$root/build/atleus-vp"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The preset workloads: the paper's BERT/RoBERTa fine-tuning and inference (task presets'
# batch and sequence length) and a generation run. BERT-Large's full fine-tuning does not fit
# the Atleus ReRAM (run exits 3), so it reloads weights; LoRA-only fine-tuning fits.
workloads=(
  "roberta-base squad finetune|--model roberta-base --task squad --mode finetune"
  "roberta-base squad inference|--model roberta-base --task squad --mode inference"
  "bert-large squad finetune, reload, b32|--model bert-large --task squad --mode finetune --batch 32 --allow-reload"
  "bert-large squad finetune, lora-only, b32|--model bert-large --task squad --mode finetune --batch 32 --backward lora-only"
  "bert-large squad inference|--model bert-large --task squad --mode inference"
  "bert-base swag finetune|--model bert-base --task swag --mode finetune"
  "qwen2.5-0.5b M4F4 generate 64+16|--model qwen2.5-0.5b --quant M4F4 --mode generate --prompt-len 64 --gen-len 16"
)
if [ "$quick" = 1 ]; then
  workloads=("roberta-base squad inference, 2 layers|--model roberta-base --task squad --mode inference --layers 2 --batch 2")
  flit_layers=0  # already cut
fi

rows="$work/rows.tsv"
: > "$rows"
# One run: appends a row (label, model, simulated time, energy, wall time).
run_one() {
  local label="$1" m="$2"
  shift 2
  local out="$work/run"
  rm -rf "$out"
  local start
  start=$(date +%s.%N)
  if ! "$bin" run --quiet "$@" --set "noc.model=$m" --out "$out" >/dev/null; then
    echo "noc-run-fidelity: failed: $bin run $* --set noc.model=$m" >&2
    exit 1
  fi
  local wall
  wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
  python3 - "$label" "$m" "$wall" "$out/summary.json" >> "$rows" <<'PY'
import json, sys
label, model, wall, path = sys.argv[1:5]
j = json.load(open(path))
print(f"{label}\t{model}\t{j['simulated_time_s']!r}\t{j['energy_j']!r}\t{wall}")
PY
}
for w in "${workloads[@]}"; do
  label="${w%%|*}"
  read -r -a args <<< "${w#*|}"
  for m in $models; do
    if [ "$m" = flit ] && [ "$flit_layers" != 0 ]; then
      # The workload's own batch gives way to the cut's.
      cut=()
      for ((i = 0; i < ${#args[@]}; i++)); do
        if [ "${args[i]}" = --batch ]; then i=$((i + 1)); else cut+=("${args[i]}"); fi
      done
      cut+=(--layers "$flit_layers" --batch "$flit_batch")
      run_one "$label; $flit_layers layers, batch $flit_batch" packet "${cut[@]}"
      run_one "$label; $flit_layers layers, batch $flit_batch" flit "${cut[@]}"
    else
      run_one "$label" "$m" "${args[@]}"
    fi
  done
done

python3 - "$rows" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
ref = {r[0]: (float(r[2]), float(r[3])) for r in rows if r[1] == "packet"}
print("| workload | model | simulated time (s) | energy (J) | wall (s) | time vs packet | energy vs packet |")
print("|---|---|---:|---:|---:|---:|---:|")
worst_t = worst_e = 0.0
for label, model, t, e, wall in rows:
    t, e = float(t), float(e)
    rt, re = ref[label]
    dt, de = (t - rt) / rt * 100, (e - re) / re * 100
    if model != "packet":
        worst_t, worst_e = max(worst_t, abs(dt)), max(worst_e, abs(de))
    dev = ("", "") if model == "packet" else (f"{dt:+.3f}%", f"{de:+.3f}%")
    print(f"| {label} | {model} | {t:.6g} | {e:.6g} | {wall} | {dev[0]} | {dev[1]} |")
print()
print(f"Largest deviation from packet: {worst_t:.3f}% in time, {worst_e:.3f}% in energy.")
PY
