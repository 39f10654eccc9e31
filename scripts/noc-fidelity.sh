#!/usr/bin/env bash
# The NoC at three fidelities, cross-checked: synthetic traffic on the 3D mesh and the Atleus
# NoC, uniform and transpose, 1- and 4-flit packets, offered loads from near zero to past
# saturation, under the flit model, the packet model (preset: unbounded buffers; and with
# noc.packet.back_pressure) and the flow model. Writes results/noc/README.md with the
# latency-load curves (PNG), saturation throughput and each model's deviation from flit, and
# the preset workloads' time and energy under each model `run` takes (noc-run-fidelity.sh).
# Usage: noc-fidelity.sh [--quick] (quick: fewer loads and packets; what the test runs).
# Environment: ATLEUS_VP (binary, default build/atleus-vp), OUT (default results/noc).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${ATLEUS_VP:-$root/build/atleus-vp}"
out="${OUT:-$root/results/noc}"
quick=0
[ "${1:-}" = "--quick" ] && quick=1
mkdir -p "$out"
PY=/usr/bin/python3
[ -x "$PY" ] || PY="$(command -v python3)"

if [ "$quick" = 1 ]; then
  platforms=(3d-mesh); patterns=(uniform); sizes=(1); rates=(0.05 0.9); packets=300; flow_packets=100
else
  platforms=(3d-mesh atleus); patterns=(uniform transpose); sizes=(1 4)
  rates=(0.02 0.1 0.2 0.4 0.6 0.7 0.8 0.95); packets=1000; flow_packets=200
fi
# The packet model's input FIFOs match the flit model's virtual channels (4 of 8 flits).
same_router=(--set noc.router.virtual_channels=4 --set noc.router.buffer_depth_flits=8
             --set noc.flit.vcs=4 --set noc.flit.buffer_flits=8)
data="$out/traffic.jsonl"
: > "$data"
for p in "${platforms[@]}"; do
  for pat in "${patterns[@]}"; do
    for f in "${sizes[@]}"; do
      for r in "${rates[@]}"; do
        for m in flit packet packet-bp flow; do
          n=$packets
          case $m in
            flit) set_model=(--set noc.model=flit) ;;
            packet) set_model=(--set noc.model=packet) ;;
            packet-bp) set_model=(--set noc.model=packet --set noc.packet.back_pressure=true) ;;
            flow) set_model=(--set noc.model=flow); n=$flow_packets ;;
          esac
          start=$(date +%s.%N)
          j=$("$bin" traffic --platform "$p" --pattern "$pat" --rate "$r" --packet-flits "$f" \
                --packets "$n" "${same_router[@]}" "${set_model[@]}" --json |
              "$PY" -c 'import json, sys; print(json.dumps(json.load(sys.stdin)))')
          wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
          echo "{\"platform\":\"$p\",\"pattern\":\"$pat\",\"flits\":$f,\"rate\":$r,\"model\":\"$m\",\"wall_s\":$wall,\"result\":$j}" >> "$data"
        done
      done
    done
  done
done
# The preset workloads under each model `run` takes.
run_quick=()
[ "$quick" = 1 ] && run_quick=(--quick)
"$root/scripts/noc-run-fidelity.sh" --bin "$bin" "${run_quick[@]}" > "$out/run_models.md"
"$PY" "$root/scripts/noc_fidelity.py" "$data" "$out" "$out/run_models.md"
