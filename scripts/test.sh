#!/usr/bin/env bash
# Installs what is missing, then builds and runs every test twice: a Release build and an
# AddressSanitizer + UndefinedBehaviorSanitizer build; then a short fuzz pass over every
# libFuzzer target (ATLEUS_FUZZ_SECONDS per target, default 20; 0 skips it).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh" --tests
jobs="$(nproc)"
status=0
for variant in release asan; do
  dir="$root/build-test-$variant"
  args=(-DATLEUS_TESTS=ON)
  [ "$variant" = asan ] && args+=(-DATLEUS_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo)
  echo "== $variant build" >&2
  "$root/scripts/build.sh" "$dir" "${args[@]}"
  echo "== $variant tests" >&2
  ( source "$root/scripts/sanitizer-env.sh"
    ctest --test-dir "$dir" --output-on-failure -j "$jobs" ) || status=1
done
fuzz_seconds="${ATLEUS_FUZZ_SECONDS:-20}"
if [ "$fuzz_seconds" -gt 0 ]; then
  echo "== fuzz pass ($fuzz_seconds s per target)" >&2
  FUZZ_SEED=1 "$root/scripts/fuzz.sh" "$fuzz_seconds" || status=1
fi
exit $status
