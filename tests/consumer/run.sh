#!/usr/bin/env bash
# Installs the build tree BUILD into a temporary prefix, builds tests/consumer against it with
# find_package and the same program with pkg-config, runs both and checks what they print; then
# builds the examples/sram_cim plugin against the installed package, as a user would, and runs
# the installed atleus-vp on the example's platform (RoBERTa-Base fine-tuning, and a model too
# large for its macros).
# Usage: run.sh BUILD_DIR
set -euo pipefail
build="$1"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
fail() { echo "consumer: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >/dev/null
[ -f "$prefix/include/atleus/platform/run/workload_platform.hpp" ] || fail "headers not installed"
[ -f "$prefix/share/atleus-vp/configs/atleus.yaml" ] || fail "presets not installed"

# 1. find_package(atleus CONFIG), executable and shared object.
cmake -S "$here" -B "$work/build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
cmake --build "$work/build" -j 2 >/dev/null
cmake --install "$work/build" >/dev/null
out="$("$prefix/bin/consumer")"
echo "$out"
grep -qx "preset: $prefix/share/atleus-vp/configs/atleus.yaml" <<<"$out" ||
  fail "the preset was not found relative to the installation"
[ -f "$prefix/lib/libconsumer_plugin.so" ] || fail "no shared object with atleus::vp"
# The symbol table is read whole first: `grep -q` quitting early would kill nm with SIGPIPE,
# which pipefail reports as a failure.
symbols="$(nm -D --defined-only "$prefix/lib/libconsumer_plugin.so")"
grep -q consumer_plugin_tiers <<<"$symbols" || fail "the shared object lacks its entry points"

# 2. pkg-config: the same program, compiled by hand.
pcdir="$(dirname "$(find "$prefix" -name atleus.pc | head -1)")"
flags="$(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags --libs atleus)"
# shellcheck disable=SC2086
g++ -std=c++17 -O1 "$here/main.cpp" -o "$work/consumer_pc" $flags
out_pc="$("$work/consumer_pc")"
[ "$(grep -v '^preset:' <<<"$out")" = "$(grep -v '^preset:' <<<"$out_pc")" ] ||
  fail "the pkg-config build printed other results"
echo "consumer: find_package and pkg-config builds agree"

# 3. examples/sram_cim: a block kind built out of tree against the installed package (the
# installed preset replaces the example's in-tree include), loaded through `plugins:`.
[ -x "$prefix/bin/atleus-vp" ] || { echo "consumer: no atleus-vp installed; sram_cim skipped"; exit 0; }
example="$here/../../examples/sram_cim"
cim="$work/sram_cim"
mkdir -p "$cim"
sed "s|^include: .*|include: $prefix/share/atleus-vp/configs/atleus.yaml|" \
  "$example/sram_cim.yaml" >"$cim/sram_cim.yaml"
cmake -S "$example" -B "$cim/build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
  >/dev/null
cmake --build "$cim/build" -j 2 >/dev/null
[ -f "$cim/build/libsram_cim.so" ] || fail "the sram_cim plugin was not built"
"$prefix/bin/atleus-vp" run --platform "$cim/sram_cim.yaml" --model roberta-base \
  --mode finetune --batch 1 --seq-len 128 --out "$cim/run" --quiet ||
  fail "RoBERTa-Base fine-tuning on the sram_cim platform failed"
set +e
"$prefix/bin/atleus-vp" run --platform "$cim/sram_cim.yaml" --model bert-large \
  --mode finetune --batch 1 --seq-len 128 --out "$cim/large" --quiet 2>"$cim/large.err"
code=$?
set -e
# CIM cores alone: they claim only frozen products, so nothing can run the attention.
printf 'include: sram_cim.yaml\nname: cim-only\ntiers:\n  - {name: c, core: cim, grid: [2, 2], topology: mesh}\nvertical: {adjacent: true, skip: [], links: []}\nmemory: {hbm: {attach: [[0, 0, 0]]}}\nhost: {attach: [0, 0, 0]}\n' \
  >"$cim/cim-only.yaml"
set +e
"$prefix/bin/atleus-vp" run --platform "$cim/cim-only.yaml" --model roberta-base --mode inference \
  --batch 1 --seq-len 128 --out "$cim/only" --quiet 2>"$cim/only.err"
only_code=$?
set -e
[ "$only_code" = 3 ] && grep -q "no systolic core for attention" "$cim/only.err" ||
  fail "CIM cores alone: exit $only_code, $(cat "$cim/only.err")"
python3 "$here/check_sram_cim.py" "$cim/run/summary.json" "$code" "$cim/large.err" ||
  fail "the sram_cim run disagrees with the closed forms"
echo "consumer: sram_cim plugin built out of tree and checked"
