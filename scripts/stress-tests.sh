#!/usr/bin/env bash
# Runs the sanitizer build's SystemC tests (ctest label `sim`, one process per test case) N
# times with the test suite's sanitizer options and counts failures: a flaky crash at start-up
# or exit shows here long before it fails CI. Usage: stress-tests.sh [N] [LABEL]
# (default 50 repetitions of label `sim`). Builds build-test-asan first if needed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
reps="${1:-50}"
label="${2:-sim}"
dir="$root/build-test-asan"
"$root/scripts/build.sh" "$dir" -DATLEUS_TESTS=ON -DATLEUS_SANITIZE=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
source "$root/scripts/sanitizer-env.sh"
tests="$(ctest --test-dir "$dir" -N -L "$label" | sed -n 's/^Total Tests: //p')"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
failed_runs=0
failed_tests=0
start=$(date +%s)
for ((i = 1; i <= reps; i++)); do
  if ctest --test-dir "$dir" -L "$label" -j "$(nproc)" --output-on-failure >"$log" 2>&1; then
    n=0
  else
    n="$(sed -n 's/.* tests passed, \([0-9]*\) tests failed out of.*/\1/p' "$log")"
    n="${n:-1}"
    failed_runs=$((failed_runs + 1))
    echo "repetition $i: $n failed" >&2
    grep -E "Failed|Sanitizer|Tracer caught" "$log" | head -20 >&2 || true
  fi
  failed_tests=$((failed_tests + n))
done
echo "stress-tests: $reps repetitions of $tests '$label' tests ($((reps * tests)) test runs)" \
  "in $(($(date +%s) - start)) s: $failed_tests failed test runs, $failed_runs failed repetitions"
[ "$failed_tests" -eq 0 ]
