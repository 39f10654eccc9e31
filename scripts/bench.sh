#!/usr/bin/env bash
# Speed of the simulator on fixed workloads (Release build): wall time, simulated time per wall
# second, transactions (layer transactions, NoC packets, core ops) per wall second, peak memory.
# Figures vary with the machine; nothing here is asserted.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh"
"$root/scripts/build.sh" "$root/build" -DATLEUS_TESTS=OFF >/dev/null
bin="$root/build/atleus-vp"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf "%-52s %8s %13s %12s %8s\n" workload wall_s sim_s/wall_s tx/wall_s peak_MB
report() {  # label, wall, rss_kb, json file, [mode key]
  python3 - "$@" <<'PY'
import json, sys
label, wall, rss, path = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
j = json.load(open(path))
if len(sys.argv) > 5: j = j[sys.argv[5]]
wall = max(wall, 1e-3)
sim = j["simulated_time_s"]
tx = j.get("transactions", j.get("flits_delivered", 0) / max(j.get("packet_flits", 1), 1))
print(f"{label:<52} {wall:8.2f} {sim/wall:13.3e} {tx/wall:12.0f} {rss/1024:8.1f}")
PY
}
timed() {  # label, then the command line; writes $work/out.json
  local label="$1"; shift
  /usr/bin/env time -f "%e %M" -o "$work/time" "$@" > "$work/stdout"
  read -r wall rss < "$work/time"
}
timed run "$bin" run --quiet --model roberta-base --task squad --mode finetune --out "$work/r1"
report "run roberta-base squad finetune (batch 16)" "$wall" "$rss" "$work/r1/summary.json"
# BERT-Large's full fine-tuning does not fit the Atleus ReRAM: it reloads weights.
timed run "$bin" run --quiet --model bert-large --task squad --mode finetune --allow-reload \
  --out "$work/r2"
report "run bert-large squad finetune reload (batch 16)" "$wall" "$rss" "$work/r2/summary.json"
# The same at batch 32 under each NoC model `run` takes (README, "NoC models").
for m in packet flow; do
  timed run "$bin" run --quiet --model bert-large --task squad --mode finetune --allow-reload \
    --batch 32 --set noc.model=$m --out "$work/r2_$m"
  report "run bert-large squad finetune reload b32, noc $m" "$wall" "$rss" "$work/r2_$m/summary.json"
done
timed run "$bin" run --quiet --model gpt2-medium --task wikitext --seq-len 1024 --mode inference --out "$work/r3"
report "run gpt2-medium wikitext inference n=1024 (batch 16)" "$wall" "$rss" "$work/r3/summary.json"
for p in 3d-tpu haima gpu-v100; do
  timed run "$bin" run --quiet --platform "$p" --model roberta-base --task squad --mode finetune \
    --out "$work/b_$p"
  report "run roberta-base squad finetune on $p (batch 16)" "$wall" "$rss" "$work/b_$p/summary.json"
done
timed run "$bin" run --quiet --model roberta-base --task squad --seq-len 128 --layers 1 --batch 1 \
  --mode inference --functional --out "$work/r4"
report "run roberta-base 1 layer n=128 inference --functional" "$wall" "$rss" "$work/r4/summary.json"
python3 - "$work/r4/summary.json" "$wall" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); wall = max(float(sys.argv[2]), 1e-3)
macs = j["macs"]["reram"] + j["macs"]["systolic"]
print(f"  functional: {macs:.3e} MACs computed twice (hardware numerics and float) in {wall:.2f} s"
      f" = {macs / wall:.3e} MAC/s per numerics")
PY
# Serving (continuous batching): every distinct step is a platform simulation of its own, so
# the wall time follows the distinct steps, which grow as arrivals stagger the cache lengths.
printf "%-52s %8s %14s %12s\n" "serving qwen2.5-0.5b M4F4 P=128 G=32, 32 requests" wall_s "steps (distinct)" steps/wall_s
for rate in 5 500; do
  timed run "$bin" run --quiet --model qwen2.5-0.5b --quant M4F4 --mode generate --prompt-len 128 \
    --gen-len 32 --arrival-rate "$rate" --requests 32 --max-batch 8 --out "$work/s_$rate"
  python3 - "$work/s_$rate/summary.json" "$wall" "rate $rate/s, max batch 8" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))["generate"]["serving"]; wall = max(float(sys.argv[2]), 1e-3)
steps = v["decode_steps"] + v["prefills"]
distinct = v["decode_steps_simulated"] + v["prefills_simulated"]
print(f"  {sys.argv[3]:<50} {wall:8.2f} {f'{steps} ({distinct})':>14} {steps / wall:12.1f}")
PY
done
for spec in "atleus uniform 0.05 20000" "3d-mesh uniform 0.3 20000" "3d-mesh transpose 0.9 5000"; do
  set -- $spec
  timed traffic "$bin" traffic --platform "$1" --pattern "$2" --rate "$3" --packets "$4" --json
  cp "$work/stdout" "$work/t.json"
  report "traffic $1 $2 $3, $4 pkt/node" "$wall" "$rss" "$work/t.json"
done
# Flit-level NoC (noc.model: flit): flit-router traversals (a flit through one router's switch)
# per wall second on the 4x4x4 mesh, 1-flit uniform packets, at 0.1 and near saturation (the
# flit model's 3d-mesh saturates at about 0.74 flits/node/cycle with the preset's router).
printf "%-52s %8s %14s %12s %10s\n" "flit NoC (3d-mesh, 1-flit uniform)" wall_s traversals trav/wall_s accepted
for spec in "0.1 20000" "0.7 6000"; do
  set -- $spec
  timed traffic "$bin" traffic --platform 3d-mesh --set noc.model=flit --pattern uniform \
    --packet-flits 1 --rate "$1" --packets "$2" --json
  python3 - "$work/stdout" "$wall" "rate $1, $2 pkt/node" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); wall = max(float(sys.argv[2]), 1e-3)
n = j["router_traversals"]
print(f"  {sys.argv[3]:<50} {wall:8.2f} {n:14d} {n / wall:12.3e} {j['accepted_rate']:10.3f}")
PY
done
# Packet and flow NoC on the same traffic: transactions (packets; in the flow model, flows) per
# wall second, 3d-mesh, 1-flit uniform packets at 0.1 flits/node/cycle.
for m in "packet" "packet --set noc.packet.back_pressure=true" "flow"; do
  # shellcheck disable=SC2086
  timed traffic "$bin" traffic --platform 3d-mesh --set noc.model=$m --pattern uniform \
    --packet-flits 1 --rate 0.1 --packets 5000 --json
  cp "$work/stdout" "$work/t.json"
  report "traffic 3d-mesh 0.1, noc.model=${m/ --set noc.packet./ +}" "$wall" "$rss" "$work/t.json"
done
# Sweeps: a 48-point study (RoBERTa-Base SQuAD fine-tuning, batch 16; array shape x quantisation
# x flit width x LoRA rank): points per minute with --jobs 1 and --jobs 2, the sweep's overhead
# per point over the same points run with plain `run` one after another, and resume after
# kill -9 of the driver (points recomputed that had completed: the target is none).
cat > "$work/sweep.yaml" <<'YAML'
base:
  workloads:
    roberta: {model: roberta-base, task: squad, mode: finetune, batch: 16}
axes:
  array:
    variants:
      tall: {core_types.sa.rows: 128, core_types.sa.cols: 32}
      square: {core_types.sa.rows: 64, core_types.sa.cols: 64}
  quant: [M8F8, M8F4]
  noc.router.flit_bytes: [16, 32, 64]
  lora_rank: [8, 16, 32, 64]
YAML
printf "%-52s %8s %12s\n" "sweep (48 points, roberta-base squad finetune)" wall_s points/min
for jobs in 1 2; do
  rm -rf "$work/sw"
  start=$(date +%s.%N)
  "$bin" sweep "$work/sweep.yaml" --out "$work/sw" --jobs "$jobs" 2>/dev/null
  end=$(date +%s.%N)
  python3 -c "w = $end - $start; print(f'  {\"--jobs $jobs\":<50} {w:8.2f} {48 * 60 / w:12.1f}')"
  [ "$jobs" = 1 ] && sweep1=$(python3 -c "print($end - $start)")
done
# The same 48 points through plain `run`, one after another.
start=$(date +%s.%N)
while read -r cmd; do
  eval "$cmd --out $work/plain" >/dev/null 2>&1
done < <(for d in "$work"/sw/points/*/; do
  sed -e 's/ --out [^ ]*//' -e "s|^atleus-vp |$bin |" "$d/command.txt"
done)
end=$(date +%s.%N)
python3 -c "
plain = $end - $start; sweep = $sweep1
print(f'  {\"plain run x 48, one after another\":<50} {plain:8.2f} {48 * 60 / plain:12.1f}')
print(f'  sweep overhead per point over plain run: {100 * (sweep - plain) / plain:+.1f}% (target: under 5%)')"
# Resume after kill -9 of the driver, midway.
rm -rf "$work/sw"
"$bin" sweep "$work/sweep.yaml" --out "$work/sw" --jobs 2 2>/dev/null &
driver=$!
while [ "$(find "$work/sw/points" -maxdepth 1 -mindepth 1 ! -name '.tmp-*' 2>/dev/null | wc -l)" -lt 20 ] &&
  kill -0 "$driver" 2>/dev/null; do
  sleep 0.2
done
kill -9 "$driver"
wait "$driver" 2>/dev/null || true
before=$(find "$work/sw/points" -maxdepth 1 -mindepth 1 ! -name '.tmp-*' | wc -l)
"$bin" sweep "$work/sweep.yaml" --out "$work/sw" --resume --jobs 2 2> "$work/resume.err"
ran=$(sed -n 's/.* complete, \([0-9]*\) to run.*/\1/p' "$work/resume.err")
echo "  resume after kill -9 with $before of 48 points complete: $ran run, $((ran - (48 - before))) completed points recomputed (target: 0)"
