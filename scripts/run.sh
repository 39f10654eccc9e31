#!/usr/bin/env bash
# One command for users: installs what is missing, builds Release, runs atleus-vp.
# Extra arguments go to the executable.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh"
"$root/scripts/build.sh" "$root/build" -DATLEUS_TESTS=OFF >&2
exec "$root/build/atleus-vp" "$@"
