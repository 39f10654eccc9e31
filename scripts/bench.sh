#!/usr/bin/env bash
# Speed of the simulator on fixed workloads (Release build): wall time, simulated time per wall
# second, packets per wall second, peak memory. Figures vary with the machine; nothing here is
# asserted.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh"
"$root/scripts/build.sh" "$root/build" -DATLEUS_TESTS=OFF >/dev/null
bin="$root/build/atleus-vp"
printf "%-44s %9s %12s %14s %9s\n" workload wall_s sim_s/wall_s packets/wall_s peak_MB
bench() {
  local label="$1"; shift
  local out tfile
  tfile=$(mktemp)
  out=$(/usr/bin/env time -f "%e %M" -o "$tfile" "$bin" "$@" --json)
  read -r wall rss < "$tfile"
  rm -f "$tfile"
  python3 - "$label" "$wall" "$rss" "$out" <<'PY'
import json, sys
label, wall, rss, out = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
wall = max(wall, 1e-3)
pk = out["flits_delivered"] / max(out["packet_flits"], 1)
print(f"{label:<44} {wall:9.2f} {out['simulated_time_s']/wall:12.3e} {pk/wall:14.0f} {rss/1024:9.1f}")
PY
}
bench "traffic atleus uniform 0.05, 20k pkt/node" traffic --platform atleus --rate 0.05 --packets 20000
bench "traffic 3d-mesh uniform 0.3, 20k pkt/node" traffic --platform 3d-mesh --rate 0.3 --packets 20000
bench "traffic 3d-mesh transpose 0.9, 5k pkt/node" traffic --platform 3d-mesh --pattern transpose --rate 0.9 --packets 5000
