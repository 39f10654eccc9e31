#!/usr/bin/env bash
# Installs the Debian packages the build needs, only those that are missing.
# With --tests, also what the test suite needs (a headless browser, matplotlib for plots, a
# single-node Slurm cluster for the sweep's Slurm backend, clang with libFuzzer for the fuzz pass);
# with --plots, matplotlib only (plot.sh, reproduce-paper.sh).
set -euo pipefail
PACKAGES=(build-essential cmake pkg-config libsystemc-dev libyaml-cpp-dev catch2 libboost-dev
          nlohmann-json3-dev libcli11-dev libssl-dev libsqlite3-dev sqlite3
          libmuparser-dev time python3)
case "${1:-}" in
  --tests) PACKAGES+=(chromium python3-matplotlib slurm-wlm munge clang libclang-rt-14-dev) ;;
  --plots) PACKAGES+=(python3-matplotlib) ;;
esac
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
