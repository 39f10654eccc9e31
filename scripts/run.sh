#!/usr/bin/env bash
# One command for users: installs what is missing, builds Release, runs atleus-vp.
# Extra arguments go to the executable.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh"
log="$(mktemp)"
if ! "$root/scripts/build.sh" "$root/build" -DATLEUS_TESTS=OFF >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"
exec "$root/build/atleus-vp" "$@"
