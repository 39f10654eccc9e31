#!/usr/bin/env python3
"""Paper charts (PNG) from the output folder of `atleus-vp run`.

Usage: plot_run.py DIR [--out PLOTDIR]     (PLOTDIR defaults to DIR/plots)

Reads DIR/summary.json, DIR/kernels.csv and DIR/links.csv and writes, for every mode present
(finetune, inference):
  <mode>-energy-breakdown.png   energy per component, J and share of the total
  <mode>-stage-breakdown.png    per-layer compute / communication / stall time per stage
  <mode>-core-utilisation.png   one heatmap per tier, shared colour scale
  <mode>-link-utilisation.png   planar links per tier coloured by utilisation, vertical and
                                skip links summarised per tier pair
  <mode>-kernels.png            busy time of the 15 busiest kernel classes

Every input is read and checked before anything is drawn, and every figure is rendered in
memory before the first file is written, so bad input leaves nothing behind: one line on
stderr naming the file, exit code 2. Output is deterministic: fixed sizes and dpi, no
timestamps or version strings in the PNG metadata.
"""

import csv
import io
import json
import math
import os
import sys

# Figure sizes in inches at DPI; tests/cli_plot.cpp checks the resulting pixel sizes.
DPI = 300
SIZES = {
    "energy-breakdown": (3.5, 2.6),  # one paper column
    "stage-breakdown": (3.5, 2.6),
    "kernels": (3.5, 3.6),
    "core-utilisation": (7.0, 2.4),  # two columns: one panel per tier
    "link-utilisation": (7.0, 2.6),
}
TOP_KERNELS = 15
# summary.json's energy_breakdown_j keys in the README's order; unknown keys follow sorted.
ENERGY_ORDER = ["reram", "systolic", "sfu", "noc_routers", "noc_links", "tsv", "hbm", "static"]
ENERGY_LABELS = {"reram": "ReRAM", "systolic": "systolic", "sfu": "SFU",
                 "noc_routers": "NoC routers", "noc_links": "NoC links", "tsv": "TSV",
                 "hbm": "HBM", "static": "static"}
UNIT_COLOURS = {"reram": "#1f77b4", "systolic": "#ff7f0e", "sfu": "#2ca02c"}
MODE_LABELS = {"finetune": "fine-tuning", "inference": "inference"}


class InputError(Exception):
    """A problem with an input file; the message starts with the file's path."""


# ---------------------------------------------------------------- reading and checking input

def load_summary(path):
    if not os.path.isfile(path):
        raise InputError(f"{path}: no such file")
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except json.JSONDecodeError as e:
        raise InputError(f"{path}:{e.lineno}:{e.colno}: malformed JSON: {e.msg}")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read: {e}")
    if not isinstance(doc, dict):
        raise InputError(f"{path}: expected a JSON object at the top level")
    return doc


def modes_of(doc, path):
    """[(mode, per-mode object)]: both modes nest under their names, one mode sits at the top."""
    nested = [(m, doc[m]) for m in ("finetune", "inference") if isinstance(doc.get(m), dict)]
    if nested:
        return nested
    if isinstance(doc.get("mode"), str):
        return [(doc["mode"], doc)]
    raise InputError(f"{path}: no 'finetune'/'inference' object and no 'mode' key")


KIND_NAMES = {float: "a number", int: "an integer", str: "a string", list: "an array",
              dict: "an object"}


def need(obj, key, kind, path, where):
    if key not in obj:
        raise InputError(f"{path}: {where}{key}: missing")
    value = obj[key]
    ok = (isinstance(value, (int, float)) and not isinstance(value, bool)) if kind is float \
        else isinstance(value, kind)
    if not ok:
        raise InputError(f"{path}: {where}{key}: expected {KIND_NAMES[kind]}")
    return value


def check_mode(m, path, w):
    """Checks the per-mode keys the charts use (w: key prefix of the mode's object), so drawing
    cannot fail half-way."""
    for k, v in need(m, "energy_breakdown_j", dict, path, w).items():
        need({k: v}, k, float, path, f"{w}energy_breakdown_j.")
    for i, st in enumerate(need(m, "pipeline", list, path, w)):
        where = f"{w}pipeline[{i}]."
        if not isinstance(st, dict):
            raise InputError(f"{path}: {where[:-1]}: expected object")
        need(st, "stage", str, path, where)
        for k in ("compute_per_layer_s", "communication_per_layer_s", "stall_per_layer_s"):
            need(st, k, float, path, where)
    for i, c in enumerate(need(m, "cores", list, path, w)):
        where = f"{w}cores[{i}]."
        if not isinstance(c, dict):
            raise InputError(f"{path}: {where[:-1]}: expected object")
        for k in ("tier", "x", "y"):
            need(c, k, int, path, where)
        need(c, "utilisation", float, path, where)
    for i, t in enumerate(m.get("tiers", [])):
        where = f"{w}tiers[{i}]."
        if not isinstance(t, dict):
            raise InputError(f"{path}: {where[:-1]}: expected object")
        need(t, "index", int, path, where)
        g = need(t, "grid", list, path, where)
        if len(g) != 2 or not all(isinstance(v, int) and v > 0 for v in g):
            raise InputError(f"{path}: {where}grid: expected [columns, rows]")


def load_csv(path, columns):
    """Rows of a CSV as dicts; the listed numeric columns are converted (int or float)."""
    if not os.path.isfile(path):
        raise InputError(f"{path}: no such file")
    try:
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            missing = [c for c in ["mode"] + list(columns) if c not in header]
            if missing:
                raise InputError(f"{path}:1: missing column '{missing[0]}'")
            rows = []
            for row in reader:
                for c, conv in columns.items():
                    try:
                        row[c] = conv(row[c])
                    except (TypeError, ValueError):
                        raise InputError(f"{path}:{reader.line_num}: {c}: not a number: "
                                         f"{row[c]!r}")
                rows.append(row)
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise InputError(f"{path}: cannot read: {e}")
    return rows


KERNEL_COLUMNS = {"kernel": str, "unit": str, "count": int, "busy_s": float}
LINK_COLUMNS = {"kind": str, "from_tier": int, "from_x": int, "from_y": int, "to_tier": int,
                "to_x": int, "to_y": int, "utilisation": float}


# ---------------------------------------------------------------- helpers

def time_unit(max_s):
    """(scale, label) so that the largest value reads between 1 and 1000."""
    for scale, label in ((1.0, "s"), (1e3, "ms"), (1e6, "µs"), (1e9, "ns")):
        if max_s * scale >= 1.0:
            return scale, label
    return 1e12, "ps"


def fmt_j(v):
    if v == 0:
        return "0 J"
    for scale, label in ((1.0, "J"), (1e3, "mJ"), (1e6, "µJ"), (1e9, "nJ")):
        if abs(v) * scale >= 1.0:
            return f"{v * scale:.3g} {label}"
    return f"{v:.3g} J"


def subtitle(doc, mode):
    wl = doc.get("workload") if isinstance(doc.get("workload"), dict) else {}
    parts = []
    if wl.get("model"):
        parts.append(str(wl["model"]) + (f" / {wl['task']}" if wl.get("task") else ""))
    if doc.get("platform"):
        parts.append(os.path.splitext(os.path.basename(str(doc["platform"])))[0])
    parts.append(MODE_LABELS.get(mode, mode))
    return ", ".join(parts)


def tier_grids(m):
    """{tier: (columns, rows, label)} from tiers[], or from the cores when it is absent."""
    grids = {}
    for t in m.get("tiers", []):
        name = t.get("name", f"tier {t['index']}")
        kind = t.get("kind")
        grids[t["index"]] = (t["grid"][0], t["grid"][1],
                             f"T{t['index']} {name}" + (f" ({kind})" if kind else ""))
    for c in m["cores"]:
        cols, rows, label = grids.get(c["tier"], (0, 0, f"T{c['tier']}"))
        grids[c["tier"]] = (max(cols, c["x"] + 1), max(rows, c["y"] + 1), label)
    return dict(sorted(grids.items()))


# ---------------------------------------------------------------- charts

def chart_energy(plt, doc, mode, m):
    eb = m["energy_breakdown_j"]
    keys = [k for k in ENERGY_ORDER if k in eb] + sorted(k for k in eb if k not in ENERGY_ORDER)
    total = sum(eb.values())
    fig, ax = plt.subplots(figsize=SIZES["energy-breakdown"], layout="constrained")
    ys = list(range(len(keys)))[::-1]
    vals = [eb[k] for k in keys]
    positive = [v for v in vals if v > 0]
    ax.barh(ys, [v if v > 0 else 0 for v in vals], color="#4c72b0", height=0.7)
    ax.set_yticks(ys, [ENERGY_LABELS.get(k, k) for k in keys])
    if positive:
        # Static energy dwarfs the NoC terms; a log axis keeps every component visible.
        # The largest bar ends at 64% of the width, leaving room for its label.
        left, right = math.log10(min(positive) / 3), math.log10(max(positive))
        ax.set_xscale("log")
        ax.set_xlim(10 ** left, 10 ** (left + max(right - left, 1.0) / 0.64))
    ax.set_xlabel("energy (J, log scale)")
    for y, v in zip(ys, vals):
        share = 100.0 * v / total if total > 0 else 0.0
        x = v if v > 0 else (min(positive) / 3 if positive else 0)
        ax.annotate(f"{fmt_j(v)}  ({share:.3g}%)", (x, y), xytext=(3, 0),
                    textcoords="offset points", va="center", fontsize=6.5)
    ax.set_title(f"Energy breakdown, total {fmt_j(total)}\n{subtitle(doc, mode)}")
    ax.grid(axis="x", which="major", lw=0.4, alpha=0.5)
    return fig


def chart_stages(plt, doc, mode, m):
    stages = m["pipeline"]
    parts = [("compute_per_layer_s", "compute", "#4c72b0"),
             ("communication_per_layer_s", "communication", "#dd8452"),
             ("stall_per_layer_s", "stall", "#c44e52")]
    totals = [sum(st[k] for k, _, _ in parts) for st in stages]
    scale, unit = time_unit(max(totals, default=0.0))
    fig, ax = plt.subplots(figsize=SIZES["stage-breakdown"], layout="constrained")
    xs = list(range(len(stages)))
    bottom = [0.0] * len(stages)
    for key, label, colour in parts:
        vals = [st[key] * scale for st in stages]
        ax.bar(xs, vals, bottom=bottom, label=label, color=colour, width=0.6)
        bottom = [b + v for b, v in zip(bottom, vals)]
    # "S1 reram mha" -> "S1\nreram mha": short stage tags on the first line.
    ax.set_xticks(xs, [st["stage"].replace(" ", "\n", 1) for st in stages])
    ax.set_ylabel(f"time per layer ({unit})")
    ax.set_title(f"Per-layer time by pipeline stage\n{subtitle(doc, mode)}")
    ax.legend(fontsize=6.5, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(axis="y", lw=0.4, alpha=0.5)
    ax.set_axisbelow(True)
    return fig


def chart_cores(plt, doc, mode, m):
    import numpy as np
    grids = tier_grids(m)
    util = {(c["tier"], c["x"], c["y"]): 100.0 * c["utilisation"] for c in m["cores"]}
    vmax = max(util.values(), default=0.0) or 1.0
    fig, axes = plt.subplots(1, len(grids), figsize=SIZES["core-utilisation"],
                             layout="constrained", squeeze=False)
    image = None
    for ax, (tier, (cols, rows, label)) in zip(axes[0], grids.items()):
        grid = np.full((rows, cols), np.nan)
        for (t, x, y), u in util.items():
            if t == tier:
                grid[y, x] = u
        image = ax.imshow(grid, origin="lower", cmap="viridis", vmin=0.0, vmax=vmax,
                          extent=(-0.5, cols - 0.5, -0.5, rows - 0.5))
        if cols * rows <= 36:
            for (t, x, y), u in sorted(util.items()):
                if t == tier:
                    ax.text(x, y, f"{u:.1f}", ha="center", va="center", fontsize=6,
                            color="white" if u < 0.6 * vmax else "black")
        ax.set_title(label, fontsize=7.5)
        ax.set_xticks(range(cols))
        ax.set_yticks(range(rows))
        ax.set_xlabel("x")
        ax.set_ylabel("y")
    bar = fig.colorbar(image, ax=axes[0].tolist(), shrink=0.85, pad=0.02)
    bar.set_label("core utilisation (%)")
    fig.suptitle(f"Core utilisation per tier (cell value in %), {subtitle(doc, mode)}",
                 fontsize=8.5)
    return fig


def offset_line(x0, y0, x1, y1, offset, bow=0.0):
    """Points of a segment shifted to the right of its direction of travel (so the two
    directions of one link stay apart), optionally bowed further to that side."""
    import numpy as np
    dx, dy = x1 - x0, y1 - y0
    length = max((dx * dx + dy * dy) ** 0.5, 1e-9)
    nx, ny = dy / length, -dx / length  # right-hand normal
    t = np.linspace(0.0, 1.0, 24 if bow else 2)
    side = offset + bow * 4 * t * (1 - t)
    return np.column_stack([x0 + dx * t + nx * side, y0 + dy * t + ny * side])


def link_paths(lk, cols, rows, offset=0.09, stub=0.45):
    """Polylines for one planar link. A wrap-around link of a torus (end to end of a row or
    column) is drawn as two stubs, leaving past one edge and entering from the other; any
    other long link bows out of the straight line it would share with its neighbours."""
    x0, y0, x1, y1 = lk["from_x"], lk["from_y"], lk["to_x"], lk["to_y"]
    if y0 == y1 and cols > 2 and abs(x1 - x0) == cols - 1:
        out = -1 if x1 > x0 else 1  # the way the packet leaves x0
        return [offset_line(x0, y0, x0 + out * stub, y0, offset),
                offset_line(x1 - out * stub, y1, x1, y1, offset)]
    if x0 == x1 and rows > 2 and abs(y1 - y0) == rows - 1:
        out = -1 if y1 > y0 else 1
        return [offset_line(x0, y0, x0, y0 + out * stub, offset),
                offset_line(x1, y1 - out * stub, x1, y1, offset)]
    far = abs(x1 - x0) + abs(y1 - y0) > 1
    return [offset_line(x0, y0, x1, y1, offset, 0.3 if far else 0.0)]


def chart_links(plt, doc, mode, m, links):
    from matplotlib.cm import ScalarMappable
    from matplotlib.collections import LineCollection
    from matplotlib.colors import ListedColormap, Normalize
    import numpy as np
    grids = tier_grids(m)
    planar = [lk for lk in links if lk["kind"] == "planar" and lk["from_tier"] == lk["to_tier"]]
    other = [lk for lk in links if lk not in planar]
    vmax = max((100.0 * lk["utilisation"] for lk in planar), default=0.0) or 1.0
    norm = Normalize(0.0, vmax)
    # plasma without its palest yellow, so lightly used links still show on white.
    cmap = ListedColormap(plt.get_cmap("plasma")(np.linspace(0.85, 0.0, 256)))
    # One panel per tier, then the vertical/skip summary when there are such links.
    ratios = [1.0] * len(grids) + ([1.0] if other else [])
    fig, axes = plt.subplots(1, len(ratios), figsize=SIZES["link-utilisation"],
                             layout="constrained", squeeze=False,
                             gridspec_kw={"width_ratios": ratios})
    tier_axes = axes[0][:len(grids)]
    for i, (ax, (tier, (cols, rows, label))) in enumerate(zip(tier_axes, grids.items())):
        used, idle, colours = [], [], []
        for lk in planar:
            if lk["from_tier"] != tier:
                continue
            paths = link_paths(lk, cols, rows)
            if lk["utilisation"] > 0:
                used.extend(paths)
                colours.extend([100.0 * lk["utilisation"]] * len(paths))
            else:
                idle.extend(paths)
        ax.add_collection(LineCollection(idle, colors="#c0c0c0", linewidths=0.6,
                                         linestyles=(0, (2, 1.5))))
        lc = LineCollection(used, cmap=cmap, norm=norm, linewidths=1.6, capstyle="round")
        lc.set_array(np.asarray(colours))
        ax.add_collection(lc)
        xs = [x for x in range(cols) for _ in range(rows)]
        ys = [y for _ in range(cols) for y in range(rows)]
        ax.scatter(xs, ys, s=24, marker="s", facecolor="white", edgecolor="#404040",
                   linewidths=0.6, zorder=3)
        ax.set_xlim(-0.6, cols - 0.4)
        ax.set_ylim(-0.6, rows - 0.4)
        ax.set_aspect("equal")
        ax.set_xticks(range(cols))
        ax.set_yticks(range(rows))
        ax.set_xlabel("x")
        if i == 0:
            ax.set_ylabel("y")
        ax.set_title(label, fontsize=7)
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=list(tier_axes), shrink=0.8,
                       pad=0.02)
    bar.set_label("planar link utilisation (%)\ndashed: idle", fontsize=6.5)
    if other:
        chart_vertical_summary(axes[0][-1], other)
    fig.suptitle(f"Link utilisation (each direction drawn to the right of its travel), "
                 f"{subtitle(doc, mode)}", fontsize=8)
    return fig


KIND_COLOURS = {"vertical": "#4c72b0", "skip": "#55a868"}


def chart_vertical_summary(ax, links):
    """Mean and maximum utilisation of the vertical/skip links of each (kind, tier pair)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    groups = {}
    for lk in links:
        groups.setdefault((lk["kind"], lk["from_tier"], lk["to_tier"]), []).append(
            100.0 * lk["utilisation"])
    order = sorted(groups, key=lambda g: (g[0] != "vertical", g[0], min(g[1], g[2]),
                                          max(g[1], g[2]), g[1] > g[2]))
    ys = list(range(len(order)))[::-1]
    means = [sum(groups[g]) / len(groups[g]) for g in order]
    maxes = [max(groups[g]) for g in order]
    ax.barh(ys, means, color=[KIND_COLOURS.get(g[0], "#937860") for g in order], height=0.7)
    ax.scatter(maxes, ys, marker="|", s=40, color="black", zorder=3)
    ax.set_yticks(ys, [f"T{g[1]}→T{g[2]}" for g in order], fontsize=6)
    ax.set_xlabel("utilisation (%)")
    ax.set_xlim(0, (max(maxes) or 1.0) * 1.15)
    ax.set_title("TSV links", fontsize=7)
    kinds = sorted({g[0] for g in order}, key=lambda k: (k != "vertical", k))
    handles = [Patch(color=KIND_COLOURS.get(k, "#937860"), label=f"{k} mean") for k in kinds]
    handles.append(Line2D([], [], marker="|", ls="none", color="black", label="max"))
    ax.legend(handles=handles, fontsize=5.5, frameon=False, loc="best")
    ax.grid(axis="x", lw=0.4, alpha=0.5)
    ax.set_axisbelow(True)


def chart_kernels(plt, doc, mode, kernels):
    busy, unit_of = {}, {}
    for k in kernels:
        busy[k["kernel"]] = busy.get(k["kernel"], 0.0) + k["busy_s"]
        unit_of.setdefault(k["kernel"], k["unit"])
    # Busiest first; names break ties so the order never depends on the file's row order.
    ranked = sorted(busy, key=lambda n: (-busy[n], n))[:TOP_KERNELS]
    scale, unit = time_unit(max(busy.values(), default=0.0))
    fig, ax = plt.subplots(figsize=SIZES["kernels"], layout="constrained")
    ys = list(range(len(ranked)))[::-1]
    ax.barh(ys, [busy[n] * scale for n in ranked], height=0.7,
            color=[UNIT_COLOURS.get(unit_of[n], "#937860") for n in ranked])
    ax.set_yticks(ys, ranked, fontsize=6.5)
    ax.set_xlabel(f"busy time, summed over cores ({unit})")
    shown = f"top {len(ranked)} of {len(busy)}" if len(busy) > len(ranked) else f"all {len(busy)}"
    ax.set_title(f"Busy time per kernel class ({shown})\n{subtitle(doc, mode)}")
    from matplotlib.patches import Patch
    units = sorted({unit_of[n] for n in ranked})
    ax.legend(handles=[Patch(color=UNIT_COLOURS.get(u, "#937860"), label=u) for u in units],
              fontsize=6.5, frameon=False, loc="lower right", title="unit", title_fontsize=6.5)
    ax.grid(axis="x", lw=0.4, alpha=0.5)
    ax.set_axisbelow(True)
    return fig


# ---------------------------------------------------------------- main

def parse_args(argv):
    usage = "usage: plot.sh DIR [--out PLOTDIR]"
    if any(a in ("-h", "--help") for a in argv):
        print(usage)
        sys.exit(0)
    run_dir, out = None, None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--out" and i + 1 < len(argv):
            out = argv[i + 1]
            i += 2
        elif a.startswith("--out="):
            out = a[len("--out="):]
            i += 1
        elif not a.startswith("-") and run_dir is None:
            run_dir = a
            i += 1
        else:
            print(f"plot: unexpected argument '{a}'; {usage}", file=sys.stderr)
            sys.exit(2)
    if run_dir is None:
        print(f"plot: {usage}", file=sys.stderr)
        sys.exit(2)
    return run_dir, out or os.path.join(run_dir, "plots")


def render(fig):
    buf = io.BytesIO()
    # No Software/time metadata: reruns give identical bytes.
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def main(argv):
    run_dir, out_dir = parse_args(argv)
    if not os.path.isdir(run_dir):
        raise InputError(f"{run_dir}: no such directory")
    summary_path = os.path.join(run_dir, "summary.json")
    doc = load_summary(summary_path)
    modes = modes_of(doc, summary_path)
    for mode, m in modes:
        check_mode(m, summary_path, "" if m is doc else f"{mode}.")
    kernels = load_csv(os.path.join(run_dir, "kernels.csv"), KERNEL_COLUMNS)
    links = load_csv(os.path.join(run_dir, "links.csv"), LINK_COLUMNS)

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    matplotlib.rcParams.update({
        "font.family": "DejaVu Sans", "font.size": 7.5, "axes.titlesize": 8,
        "axes.labelsize": 7.5, "xtick.labelsize": 6.5, "ytick.labelsize": 6.5,
        "svg.hashsalt": "atleus-vp", "path.simplify": False,
    })

    images = []  # (file name, PNG bytes), all rendered before anything is written
    for mode, m in modes:
        mk = [k for k in kernels if k["mode"] == mode]
        ml = [lk for lk in links if lk["mode"] == mode]
        for name, draw in (("energy-breakdown", lambda: chart_energy(plt, doc, mode, m)),
                           ("stage-breakdown", lambda: chart_stages(plt, doc, mode, m)),
                           ("core-utilisation", lambda: chart_cores(plt, doc, mode, m)),
                           ("link-utilisation", lambda: chart_links(plt, doc, mode, m, ml)),
                           ("kernels", lambda: chart_kernels(plt, doc, mode, mk))):
            fig = draw()
            images.append((f"{mode}-{name}.png", render(fig)))
            plt.close(fig)

    try:
        os.makedirs(out_dir, exist_ok=True)
        for name, data in images:
            path = os.path.join(out_dir, name)
            with open(path, "wb") as f:
                f.write(data)
            print(path)
    except OSError as e:
        print(f"plot: {out_dir}: cannot write: {e.strerror}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except InputError as e:
        print(f"plot: {e}", file=sys.stderr)
        sys.exit(2)
