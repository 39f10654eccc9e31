#!/usr/bin/env python3
"""Charts (PNG) of a design-space study from the folder of `atleus-vp sweep`.

Usage: plot_sweep.py DIR [--out PLOTDIR]     (PLOTDIR defaults to DIR/plots)

Reads DIR/results.csv, DIR/pareto.csv and DIR/sweep.json (the objectives) and writes, for
every pair of objectives X, Y:
  pareto-<Y>-vs-<X>.png   every ok point, coloured by a third objective when there is one (else
                          by workload), the Pareto front drawn as a step line through its points
and status.png (points per status and workload). The same plots as sweep.html, for papers.

Everything is read and checked before anything is drawn, and every figure is rendered in
memory before the first file is written: bad input gives one line on stderr naming the file,
exit code 2, and leaves nothing behind. Deterministic: fixed sizes and dpi, no timestamps.
"""

import csv
import io
import itertools
import json
import math
import os
import sys

DPI = 200
SIZE = (3.5, 2.8)  # one paper column


class BadInput(Exception):
    pass


def read_csv(path):
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        raise BadInput(f"{path}: cannot read: {e.strerror}")
    except csv.Error as e:
        raise BadInput(f"{path}: not a CSV: {e}")
    return rows


def number(text):
    try:
        v = float(text)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def load(folder):
    results = read_csv(os.path.join(folder, "results.csv"))
    front = read_csv(os.path.join(folder, "pareto.csv"))
    path = os.path.join(folder, "sweep.json")
    try:
        with open(path) as f:
            meta = json.load(f)
    except OSError as e:
        raise BadInput(f"{path}: cannot read: {e.strerror}")
    except json.JSONDecodeError as e:
        raise BadInput(f"{path}:{e.lineno}:{e.colno}: not JSON: {e.msg}")
    objectives = meta.get("objectives") or [
        {"metric": "energy_per_sequence_j", "goal": "min"},
        {"metric": "latency_per_sequence_s", "goal": "min"}]
    cols = results[0].keys() if results else []
    for o in objectives:
        if results and o["metric"] not in cols:
            raise BadInput(f"{os.path.join(folder, 'results.csv')}: no column {o['metric']}")
    return results, front, objectives


def render(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def pareto_plot(plt, results, front, x, y, colour):
    ok = [r for r in results if r["status"] == "ok" and number(r[x["metric"]]) is not None
          and number(r[y["metric"]]) is not None]
    fig, ax = plt.subplots(figsize=SIZE)
    xs = [number(r[x["metric"]]) for r in ok]
    ys = [number(r[y["metric"]]) for r in ok]
    if colour is not None:
        cs = [number(r[colour["metric"]]) or 0.0 for r in ok]
        sc = ax.scatter(xs, ys, c=cs, s=12, cmap="viridis", zorder=2)
        fig.colorbar(sc, ax=ax).set_label(colour["metric"], fontsize=6)
    else:
        names = sorted({r["workload"] for r in ok})
        for i, w in enumerate(names):
            pts = [(a, b) for a, b, r in zip(xs, ys, ok) if r["workload"] == w]
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=12, zorder=2, label=w,
                       color=f"C{i % 10}")
    # The front on these two objectives among the sweep's front: sorted by x, drawn as steps.
    pts = sorted({(number(r[x["metric"]]), number(r[y["metric"]])) for r in front
                  if number(r.get(x["metric"])) is not None
                  and number(r.get(y["metric"])) is not None})
    if pts:
        ax.plot([p[0] for p in pts], [p[1] for p in pts], color="C3", lw=1, marker="o", ms=4,
                mfc="none", drawstyle="steps-post" if x["goal"] == y["goal"] else "default",
                label="Pareto", zorder=3)
    if colour is None or pts:
        ax.legend(fontsize=6)
    ax.set_xlabel(f"{x['metric']} ({x['goal']})", fontsize=7)
    ax.set_ylabel(f"{y['metric']} ({y['goal']})", fontsize=7)
    ax.tick_params(labelsize=6)
    for axis, vs in ((ax.xaxis, xs), (ax.yaxis, ys)):
        if vs and min(vs) > 0 and max(vs) / min(vs) > 100:
            (ax.set_xscale if axis is ax.xaxis else ax.set_yscale)("log")
        else:
            axis.set_major_locator(MaxNLocator(4))
            fmt = ScalarFormatter(useMathText=True)
            fmt.set_powerlimits((-2, 3))
            axis.set_major_formatter(fmt)
            axis.offsetText.set_fontsize(6)
    fig.tight_layout()
    data = render(fig)
    plt.close(fig)
    return data


def status_plot(plt, results):
    workloads = sorted({r["workload"] for r in results})
    statuses = ["ok", "infeasible", "error", "pending"]
    fig, ax = plt.subplots(figsize=SIZE)
    bottom = [0] * len(workloads)
    for i, st in enumerate(statuses):
        n = [sum(1 for r in results if r["workload"] == w and r["status"] == st)
             for w in workloads]
        if any(n):
            ax.bar(workloads, n, bottom=bottom, label=st, color=f"C{i}")
            bottom = [a + b for a, b in zip(bottom, n)]
    ax.set_ylabel("points", fontsize=7)
    ax.tick_params(labelsize=6)
    ax.legend(fontsize=6)
    fig.tight_layout()
    data = render(fig)
    plt.close(fig)
    return data


def main(argv):
    args = argv[1:]
    out = None
    if "--out" in args:
        i = args.index("--out")
        if i + 1 >= len(args):
            raise BadInput("--out: a folder is required")
        out = args[i + 1]
        del args[i:i + 2]
    if len(args) != 1:
        raise BadInput("usage: plot.sh SWEEP_DIR [--out PLOTDIR]")
    folder = args[0]
    out = out or os.path.join(folder, "plots")
    results, front, objectives = load(folder)
    import matplotlib.pyplot as plt
    global MaxNLocator, ScalarFormatter
    from matplotlib.ticker import MaxNLocator, ScalarFormatter
    files = {"status.png": status_plot(plt, results)}
    for x, y in itertools.combinations(objectives, 2):
        third = next((o for o in objectives if o is not x and o is not y), None)
        name = f"pareto-{y['metric']}-vs-{x['metric']}.png"
        files[name] = pareto_plot(plt, results, front, x, y, third)
    os.makedirs(out, exist_ok=True)
    for name, data in sorted(files.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        print(os.path.join(out, name))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except BadInput as e:
        print(f"plot.sh: {e}", file=sys.stderr)
        sys.exit(2)
