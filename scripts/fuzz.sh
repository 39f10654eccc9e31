#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ with clang (ASan + UBSan) and runs each for
# SECONDS (default 60), seeded from the presets and the test inputs. Findings (crash-*, leak-*,
# timeout-*, oom-*) land in build-fuzz/findings/TARGET/; copy them into the target's corpus
# (tests/fuzz/corpus/TARGET/) as regression inputs once fixed.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (FUZZ_SEED=N fixes libFuzzer's random seed)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SECONDS_PER_TARGET="${1:-60}"
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] &&
  TARGETS=(fuzz_yaml_config fuzz_set_override fuzz_workload_yaml fuzz_hf_config fuzz_platform)
OUT="$ROOT/build-fuzz"
mkdir -p "$OUT/include" "$OUT/obj"
ln -sfn "$ROOT" "$OUT/include/atleus"
CXX="${CXX:-clang++}"
FLAGS=(-std=c++17 -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
       -I"$OUT/include" -I"$ROOT")
# The pure-C++ loaders (no SystemC): workloads/ and the platform YAML reader.
SOURCES=("$ROOT"/workloads/*.cpp "$ROOT/platform/yaml_config.cpp")
OBJS=()
for src in "${SOURCES[@]}"; do
  obj="$OUT/obj/$(basename "${src%.cpp}").o"
  if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ]; then "$CXX" "${FLAGS[@]}" -c "$src" -o "$obj"; fi
  OBJS+=("$obj")
done
# The whole platform loader needs the library (models, NoC, SystemC): a clang build of it,
# instrumented the same way, linked with Debian's SystemC.
build_library() {
  cmake -S "$ROOT" -B "$OUT/lib" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER="$CXX" \
    -DATLEUS_BUILD_CLI=OFF -DATLEUS_TESTS=OFF -DATLEUS_INSTALL=OFF \
    -DCMAKE_CXX_FLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
    >/dev/null
  cmake --build "$OUT/lib" -j "$(nproc)" --target atleus_vp atleus_workloads >/dev/null
}
for t in "${TARGETS[@]}"; do
  if [ "$t" = fuzz_platform ]; then
    build_library
    "$CXX" "${FLAGS[@]}" -fsanitize=fuzzer -I"$OUT/lib/include" "$ROOT/tests/fuzz/$t.cpp" \
      "$OUT/lib/libatleus_vp.a" "$OUT/lib/libatleus_workloads.a" \
      $(pkg-config --libs systemc) -lyaml-cpp -ldl -o "$OUT/$t"
    continue
  fi
  "$CXX" "${FLAGS[@]}" -fsanitize=fuzzer -DATLEUS_PRESET="\"$ROOT/platform/configs/atleus.yaml\"" \
    "$ROOT/tests/fuzz/$t.cpp" "${OBJS[@]}" -lyaml-cpp -o "$OUT/$t"
done

seed() {  # seed corpus of a target: its committed corpus plus the matching inputs of the tree
  local t="$1" dir="$OUT/corpus/$1"
  mkdir -p "$dir"
  [ -d "$ROOT/tests/fuzz/corpus/$t" ] && cp -r "$ROOT/tests/fuzz/corpus/$t/." "$dir/"
  case "$t" in
    fuzz_yaml_config) cp "$ROOT"/platform/configs/*.yaml "$ROOT"/tests/data/yaml/*.yaml "$dir/" ;;
    fuzz_set_override)
      printf 'noc.router.clock_mhz=1e-300\n' > "$dir/clock"
      printf 'tiers[0].grid=[8,8]\n' > "$dir/grid"
      printf 'noc=null\ncore_types.sa.rows=.nan\n' > "$dir/null" ;;
    fuzz_workload_yaml) cp "$ROOT"/tests/bad_inputs/files/workload/*.yaml "$dir/" ;;
    fuzz_hf_config) cp "$ROOT"/tests/data/hf/*.json "$dir/" ;;
    fuzz_platform) cp "$ROOT"/platform/configs/*.yaml "$dir/" ;;
  esac
}

status=0
for t in "${TARGETS[@]}"; do
  seed "$t"
  mkdir -p "$OUT/findings/$t"
  echo "== $t: $SECONDS_PER_TARGET s"
  (cd "$OUT/findings/$t" &&
   ASAN_OPTIONS=detect_leaks=1 "$OUT/$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 ${FUZZ_SEED:+-seed=$FUZZ_SEED} \
     -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 "$OUT/corpus/$t" 2>&1 |
   grep -E "^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY)|cov:" |
   tail -4) || status=1
  if ls "$OUT/findings/$t"/{crash,leak,timeout,oom}-* >/dev/null 2>&1; then
    echo "findings in $OUT/findings/$t"
    status=1
  fi
done
exit $status
