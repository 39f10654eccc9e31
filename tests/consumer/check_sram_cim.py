#!/usr/bin/env python3
"""Checks the sram_cim example's runs (tests/consumer/run.sh) against closed forms written here
from the example's figures (examples/sram_cim/sram_cim.yaml) and the models' shapes.

Usage: check_sram_cim.py SUMMARY_JSON LARGE_EXIT_CODE LARGE_STDERR
"""
import csv
import json
import os
import sys

summary_path, large_code, large_err_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


# The example's core: 1024 macros of 64 kbit at 200 MHz; 89 TOPS/W at 4-bit inputs x 4-bit
# weights, two operations per MAC, energy scaled by input bits x weight bits; m input vectors
# take m x input bits cycles.
MACROS, MACRO_BITS, CLOCK_HZ = 1024, 64 * 1024, 200e6
E_REF = 2 / 89e12
BITS = 8  # M8F8 weights and 8-bit activations, the run's defaults
GRAD_BITS = 16  # gradients (dY of dX = dY W^T) stay 16-bit (lora_bits)


def e_mac(input_bits, weight_bits):
    return E_REF * input_bits * weight_bits / (4 * 4)


# RoBERTa-Base: 12 layers, d_model 768, d_ff 3072; one layer's frozen matrices (Q, K, V, O,
# FF-1, FF-2). Fine-tuning with full backward accounting reads every frozen matrix twice per
# token: the forward product (8-bit activations) and the transposed one (16-bit gradients).
# 128 tokens, batch 1.
TOKENS, LAYERS = 128, 12
layer_weights = 4 * 768 * 768 + 2 * 768 * 3072
forward_macs = LAYERS * TOKENS * layer_weights
frozen_macs = 2 * forward_macs
frozen_j = forward_macs * (e_mac(BITS, BITS) + e_mac(GRAD_BITS, BITS))

with open(summary_path) as f:
    s = json.load(f)
macs = s["macs"].get("sram_cim", 0)
energy = s["energy_breakdown_j"].get("sram_cim", 0.0)
print(f"sram_cim: {macs} MACs (closed form {frozen_macs}), {energy:.9g} J "
      f"(closed form {frozen_j:.9g} J; {e_mac(BITS, BITS) * 1e15:.6g} fJ per forward MAC, "
      f"{e_mac(GRAD_BITS, BITS) * 1e15:.6g} fJ per transposed MAC)")
check(macs == frozen_macs, f"sram_cim MACs {macs} != {frozen_macs}")
check(abs(energy - frozen_j) <= 1e-9 * frozen_j, f"sram_cim energy {energy} != {frozen_j}")
check(s["macs"].get("reram", 0) == 0, "frozen MACs left on ReRAM cores")

# Every frozen kernel on the CIM cores: its energy and its busy time (one kernel per layer, each
# TOKENS x input bits cycles).
with open(os.path.join(os.path.dirname(summary_path), "kernels.csv")) as f:
    rows = [r for r in csv.DictReader(f) if r["core_kind"] == "sram_cim"]
check(len(rows) == 8, f"{len(rows)} kernels on the CIM cores, expected 4 forward + 4 transposed")
for r in rows:
    ib = GRAD_BITS if r["kernel"].endswith("_dx") else BITS
    count, kmacs = int(r["count"]), int(r["macs"])
    # kernels.csv prints 9 significant digits.
    check(abs(float(r["energy_j"]) - kmacs * e_mac(ib, BITS)) <= 1e-8 * kmacs * e_mac(ib, BITS),
          f"{r['kernel']}: energy {r['energy_j']} != MACs x {e_mac(ib, BITS)}")
    busy = count * TOKENS * ib / CLOCK_HZ
    check(abs(float(r["busy_s"]) - busy) <= 1e-8 * busy, f"{r['kernel']}: busy {r['busy_s']} != {busy}")

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
