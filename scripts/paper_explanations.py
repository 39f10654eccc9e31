"""Why our figures differ from the Atleus paper's, from the models (not tuned away).

Each entry is (prefix of a claim or ordering name, explanation). paper_report.Claims puts the
explanation of a claim whose ratio is more than 25% off in its note, and lists every ordering
that does not hold with its explanation; a deviation without an entry is marked UNEXPLAINED.
The CSV named in an entry holds the numbers it refers to.
"""

FIG6_SHAPE = (
    "SCALE-Sim's output-stationary fold costs R + C + T - 2 cycles and a product needs "
    "ceil(M/R) x ceil(N/C) folds, so for the n x n attention products (M = N = n, T = d/h) a "
    "square 64x64 array wastes the fewest cycles. The paper picked 128x32 because LoRA's thin "
    "products (N = r = 32) fit 32 columns exactly; in our operation graph both attention "
    "products (2 d n^2 MACs per layer) dwarf LoRA (4 d r n), so attention decides the shape. "
    "fig6_sa_sizing.csv also shows the special-function unit (sfu_s, one lane per column, a "
    "[default]: the paper gives no softmax/norm hardware) taking 2-3x the array's time.")

CLAIM_NOTES = [
    ("Fig. 6: SA/ReRAM stage delay at 4096 PEs",
     "RoBERTa-Base's ReRAM stages run on 2 copies of every matrix (auto duplication fills the "
     "spare crossbars), which halves the ReRAM stage the SA must match; GPT-2 Medium fills the "
     "crossbars with one copy and meets the budget with 64x64. " + FIG6_SHAPE),
    ("Fig. 7: GPT-2 M ReRAM share of compute dynamic energy",
     "The paper's 91.9% of MACs for 32.8% of the energy implies a ReRAM MAC about 23x cheaper "
     "than an SA MAC; ours is about 4x cheaper (fig7_split.csv: ~0.56 pJ per 8-bit ReRAM MAC, "
     "ISAAC-derived and dominated by one 8-bit ADC conversion per column per input bit, "
     "against ~2.3 pJ per SA MAC, the paper's 2.13 W over 4096 PEs at 16 bits plus SRAM and "
     "SFU). The paper's ReRAM energies came from a modified NeuroSim, which it does not give."),
    ("Fig. 8: 3D mesh + skip NoC area",
     "The 16 skip links are 256-bit "
     "([default] flit width) and keep the aspect ratio of a one-tier TSV while spanning three "
     "tiers, so each skip TSV is 3x wider (9x the footprint) and is charged in every tier it "
     "crosses: about 50 mm^2 against the plain mesh's 13 mm^2 of routers and TSVs "
     "(fig8_noc.csv). The paper gives neither link width nor TSVs per link; with narrower links "
     "or area counted once the ratio falls toward the paper's."),
    ("Fig. 8: Atleus NoC area",
     "As for mesh + skip: the 16 wide skip TSVs dominate the NoC area; the SFC removes planar "
     "links but planar wires have no area in our model (routers and TSVs only), so Atleus saves "
     "only the routers' smaller radix."),
    ("Fig. 8: Atleus NoC EDP (uniform traffic latency)",
     "This EDP uses uniform random traffic (atleus-vp traffic), which is not Atleus's traffic: "
     "the space-filling curve keeps only 2 planar links per ReRAM core, so random pairs take "
     "longer paths. On the workload itself (EDP with run time, BERT-Large SWAG) Atleus has the "
     "lowest EDP, with the run time or with its own packets' latency, as the paper says."),
    ("Fig. 11 fine-tuning (lora-only): Atleus max speedup vs V100",
     "Our V100 is a roofline: each kernel runs at 50% of peak (the paper's measured "
     "utilisation) with a 5 us launch, and nothing else. HuggingFace PEFT on a real V100 also "
     "runs the framework's extra kernels (bias, dropout, residual, layout copies, casts) and "
     "Python dispatch, which the roofline leaves out, so our GPU is faster than the one the "
     "paper measured. On the Atleus side, the attention stage S2 bounds the pipeline in our "
     "model, and it is limited by the special-function unit (32 lanes, a [default]) computing "
     "softmax over n^2 h elements per layer; sensitivity.csv shows how the speedup moves with "
     "the SFU width."),
    ("Fig. 11 fine-tuning (lora-only): Atleus max energy efficiency vs V100",
     "Energy efficiency is the speedup times the power ratio: the GPU draws 300 W while busy "
     "(board power, 40 W idle), Atleus tens of watts (energy over time in "
     "fig11_finetune.csv), so the gap is that power ratio scaled by our smaller speedup (see "
     "the row above). The paper gives no GPU power figure."),
    ("Fig. 11 fine-tuning (lora-only): 3D-TPU speedup vs V100",
     "The 3D-TPU streams every frozen matrix from HBM for every sequence: each core has the "
     "Atleus SA's 1 Mb of SRAM (section 8), far too small for a weight matrix, so operands are "
     "re-fetched at the core's share of HBM bandwidth (20 B/cycle = 16 GB/s, 256 GB/s over 16 "
     "cores), and the HBM reaches the stack through two routers. Its 128x128 arrays then wait "
     "on memory. A 3D-TPU that kept its weights on chip would not pay this; the paper does not "
     "say how its 3D-TPU, with the same SRAM as Atleus's SA, holds them."),
    ("Fig. 12: Atleus M4F4 energy / M8F8",
     "Only the ReRAM energy scales with weight bits: at 4 bits it halves exactly (half the "
     "2-bit cells, half the ADC conversions). The SA's attention and LoRA work (16-bit), the "
     "SFU, HBM, NoC and static energy do not change, so the total falls to about 0.67 of M8F8; "
     "the paper's near-linear slope matches the ReRAM part alone."),
    ("Sec. 8: 2D / 3D cost, nominal areas with the preset's TSV yield",
     "With 32,768 TSVs (256-bit links, [default]) at a 1e-5 failure rate each, the TSV yield is "
     "0.72, which raises the stack's cost; with no TSV loss the same cost model gives 1.82, near "
     "the paper's 1.67 (the row above)."),
    ("Sec. 8: 2D / 3D cost, Atleus preset's computed areas",
     "Our ReRAM tiers come out at 117 mm^2 (ISAAC tiles plus wide skip-TSV footprints) and the "
     "SA tier at 43 mm^2, not four 100 mm^2 tiers, and the 2D die of the same cores needs no "
     "TSVs (338 mm^2); with the 0.72 TSV yield above the stack is then about as costly as one "
     "die. The paper's 67% assumes equal 100 mm^2 tiers (row 'no TSV loss')."),
]

CHECK_NOTES = [
    ("Fig. 6: 128x32 is the best 4096-PE shape", FIG6_SHAPE),
    ("Fig. 6: 4096 PEs meet the stage budget",
     "See the Fig. 6 row of the claims table."),
    ("Atleus NoC has the lowest EDP (uniform traffic latency)",
     "Uniform random traffic is not Atleus's traffic; see the Fig. 8 uniform-traffic row. On "
     "the workload (EDP with run time or with the workload's packet latency) Atleus is "
     "lowest."),
    ("Fig. 11 fine-tuning (lora-only): 3D-TPU about 2x",
     "See the 3D-TPU speedup row: weights streamed per sequence through 1 Mb SRAMs at 16 GB/s "
     "per core."),
    ("Fig. 11 fine-tuning (full backward): 3D-TPU about 2x",
     "As with the LoRA-only accounting: weight streaming bounds the 3D-TPU."),
    ("Fig. 15 inference: 3D-TPU about 2x",
     "As for fine-tuning: weight streaming bounds the 3D-TPU."),
    ("Atleus: NoC energy does not drop with quantization (",
     "At a fixed number of weight copies the NoC energy is the same at every precision "
     "(activations are dequantised in the tile, as the paper says). Automatic duplication "
     "gives M4F4 5 copies against M8F8's 2, which moves matrices to other cores and changes "
     "the routes; with one copy each (the ordering checked with --duplication 1) the NoC energy "
     "is identical."),
]


# Why a claim's number moved since the previous reproduction (the models that changed between
# them), by claim prefix; paper_report.Claims.note_moves adds the text to a moved claim's note.
_EDP = ("the NoC's terminal channels now take a cycle at injection and at ejection (BookSim2's "
        "default): the same two cycles on every packet narrow the gap fewer hops open, and "
        "router energy and leakage come from buffers, crossbar and allocators")
_AREA = ("router area is now built from buffers, crossbar and allocators (ORION/DSENT style) "
         "and each TSV bundle carries a keep-out ring, so the NoCs' areas moved against each "
         "other")
MOVED_NOTES = [
    ("Fig. 7: GPT-2 M ReRAM share of compute dynamic energy",
     "ReRAM energy is now summed from ISAAC's tile components (ADC energy per conversion by "
     "Walden's figure of merit, DAC, shift-and-add, dequantisation, eDRAM)"),
    ("Fig. 8: 3D mesh + skip NoC EDP", _EDP),
    ("Fig. 8: Atleus NoC EDP", _EDP),
    ("Fig. 8: 3D mesh + skip NoC area", _AREA),
    ("Fig. 8: Atleus NoC area", _AREA),
    ("Fig. 8: 3D mesh + skip stack cost", _AREA + "; cost follows area"),
    ("Fig. 8: Atleus stack cost", _AREA + "; cost follows area"),
    ("Fig. 10:", "terminal channels add a cycle at each end of every packet"),
    ("Fig. 11 fine-tuning (lora-only): Atleus max energy efficiency",
     "Atleus's energy now comes from the component models (ReRAM tile, routers with leakage)"),
    ("Fig. 11 fine-tuning (lora-only): Atleus max speedup",
     "the NoC's terminal channels shift packet timing (under 0.1%)"),
    ("Fig. 11 fine-tuning (lora-only): 3D-TPU speedup",
     "the NoC's terminal channels shift packet timing (under 0.1%)"),
    ("What-if: Atleus max speedup",
     "Atleus's time per sequence fell 3.8% with the V100's unchanged; with the NoC's terminal "
     "channels set back to 0 cycles the former 0.153655 ms per sequence returns exactly, so the "
     "move is theirs: a cycle at each end of a packet shifts when operands reach the "
     "SFU-bound cores and the stages overlap better, no component got faster"),
    ("Fig. 12: Atleus M4F4 energy",
     "the ADC's energy per conversion follows Walden's 2^bits and the tile's other parts are "
     "counted per component, so less of the energy scales with the weight bits"),
    ("Sec. 8: 2D / 3D cost",
     "tier areas come from the component area models (ISAAC tile components, the systolic "
     "array's PEs, SRAM and skew registers, routers from buffers and crossbar)"),
]


def explain(prefix_notes, name):
    """The explanation whose prefix begins `name`, or None."""
    for prefix, text in prefix_notes:
        if name.startswith(prefix):
            return text
    return None
