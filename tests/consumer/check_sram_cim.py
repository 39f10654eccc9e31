#!/usr/bin/env python3
"""Checks the sram_cim example's runs (tests/consumer/run.sh) against closed forms written here
from the example's figures (examples/sram_cim/sram_cim.yaml) and the models' shapes.

Usage: check_sram_cim.py SUMMARY_JSON LARGE_EXIT_CODE LARGE_STDERR
"""
import json
import sys

summary_path, large_code, large_err_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


# The example's core: 1024 macros of 64 kbit; 89 TOPS/W at 4-bit inputs x 4-bit weights, two
# operations per MAC, energy scaled by input bits x weight bits.
MACROS, MACRO_BITS = 1024, 64 * 1024
E_REF = 2 / 89e12
BITS = 8  # M8F8 weights and 8-bit activations, the run's defaults
E_MAC = E_REF * BITS * BITS / (4 * 4)

# RoBERTa-Base: 12 layers, d_model 768, d_ff 3072; one layer's frozen matrices (Q, K, V, O,
# FF-1, FF-2). Fine-tuning with full backward accounting reads every frozen matrix twice per
# token: the forward product and the transposed one (dX = dY W^T). 128 tokens, batch 1.
layer_weights = 4 * 768 * 768 + 2 * 768 * 3072
frozen_macs = 2 * 12 * 128 * layer_weights

with open(summary_path) as f:
    s = json.load(f)
macs = s["macs"].get("sram_cim", 0)
energy = s["energy_breakdown_j"].get("sram_cim", 0.0)
print(f"sram_cim: {macs} MACs (closed form {frozen_macs}), {energy:.9g} J "
      f"(closed form {frozen_macs * E_MAC:.9g} J at {E_MAC * 1e15:.6g} fJ per MAC)")
check(macs == frozen_macs, f"sram_cim MACs {macs} != {frozen_macs}")
check(abs(energy - macs * E_MAC) <= 1e-9 * macs * E_MAC,
      f"sram_cim energy {energy} != MACs x {E_MAC}")
check(s["macs"].get("reram", 0) == 0, "frozen MACs left on ReRAM cores")

# BERT-Large: one layer (d_model 1024, d_ff 4096) per core does not fit 1024 x 64 kbit at 8
# bits: exit 3 with the numbers.
large_layer = 4 * 1024 * 1024 + 2 * 1024 * 4096
capacity = MACROS * MACRO_BITS // BITS
percent = int(large_layer / capacity * 100 + 0.5)
with open(large_err_path) as f:
    err = f.read()
expected = (f"does not fit in the memory of core type 'cim' (kind sram_cim): a core holds "
            f"{large_layer} frozen weights, {percent}% of its capacity ({capacity} weights at "
            f"{BITS} bits)")
print(f"bert-large: exit {large_code}: {err.strip()}")
check(large_code == 3, f"bert-large exit code {large_code}, expected 3")
check(expected in err, f"bert-large error lacks: {expected}")

for f_ in failures:
    print("check_sram_cim: " + f_, file=sys.stderr)
sys.exit(1 if failures else 0)
