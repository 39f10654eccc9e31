"""Output helpers of the paper reproduction: fixed-format CSV, deterministic PNG bar charts, the
claims table (paper value, ours, ratio, note) and the ordering checks (PASS/FAIL)."""

import csv
import math
import os

from paper_explanations import CHECK_NOTES, CLAIM_NOTES, MOVED_NOTES, explain

DEVIATION = 0.25  # a ratio further than this from 1 needs an explanation in the note
UNEXPLAINED = "UNEXPLAINED deviation (add its reason to scripts/paper_explanations.py)"
NA = "preset not available"


def fmt(v):
    """Numbers in one fixed format so reruns give identical files."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        return f"{v:.6g}"
    return str(v)


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow([fmt(r.get(h)) for h in header])


class Claims:
    """Rows of the claims table and the ordering checks."""

    def __init__(self):
        self.rows = []
        self.checks = []

    def value(self, claim, paper, ours, note=""):
        """A numeric claim: ratio = ours / paper; a deviation over 25% gets its explanation."""
        if ours is None:
            self.rows.append({"claim": claim, "paper": paper, "ours": NA, "ratio": "",
                              "note": note or NA})
            return
        ratio = ours / paper if paper else float("nan")
        if abs(ratio - 1.0) > DEVIATION:
            why = explain(CLAIM_NOTES, claim) or UNEXPLAINED
            note = f"{note}. {why}" if note else why
        self.rows.append({"claim": claim, "paper": paper, "ours": ours, "ratio": ratio,
                          "note": note})

    def text(self, claim, paper, ours, note=""):
        """A qualitative claim (e.g. "> 1"): no ratio; the note says whether it holds."""
        self.rows.append({"claim": claim, "paper": paper, "ours": ours, "ratio": "",
                          "note": note})

    def check(self, name, ok, detail):
        """An ordering the paper states; ok None means it cannot be checked yet."""
        status = "N/A" if ok is None else ("PASS" if ok else "FAIL")
        self.checks.append((status, name, detail))

    def note_moves(self, previous_csv):
        """Every claim whose number differs from the reproduction in `previous_csv` says what it
        was and why it moved (MOVED_NOTES), or that the move is not traced."""
        try:
            with open(previous_csv, newline="") as f:
                before = {r["claim"]: r["ours"] for r in csv.DictReader(f)}
        except (OSError, KeyError, csv.Error):
            return
        for r in self.rows:
            was = before.get(r["claim"])
            now = fmt(r["ours"])
            if was is None or was == now:
                continue
            why = explain(MOVED_NOTES, r["claim"]) or "not traced to one change"
            moved = f"moved from {was}: {why}"
            r["note"] = f"{r['note']}. {moved}" if r["note"] else moved

    def write_csv(self, path):
        write_csv(path, ["claim", "paper", "ours", "ratio", "note"], self.rows)

    def markdown(self):
        out = ["| claim | paper | ours | ratio | note |", "|---|---|---|---|---|"]
        for r in self.rows:
            cells = [fmt(r[k]).replace("|", "/") for k in ("claim", "paper", "ours", "ratio",
                                                              "note")]
            out.append("| " + " | ".join(cells) + " |")
        return "\n".join(out)

    def check_lines(self):
        return [f"{s}: {n} ({d})" for s, n, d in self.checks]

    def failed_explanations(self):
        """(ordering, why) for every ordering that does not hold."""
        return [(n, explain(CHECK_NOTES, n) or UNEXPLAINED) for s, n, _ in self.checks
                if s == "FAIL"]

    def not_holding(self, claim):
        """The note of a qualitative claim that does not hold."""
        return "does not hold. " + (explain(CLAIM_NOTES, claim) or UNEXPLAINED)


def save_png(fig, path):
    """Fixed dpi, no software/date metadata: same inputs, same bytes."""
    fig.savefig(path, dpi=150, metadata={"Software": None})


def bar_chart(plt, path, title, groups, series, values, ylabel, log=False, hline=None):
    """Grouped bars: values[(group, series)] -> number (missing or None: no bar)."""
    fig, ax = plt.subplots(figsize=(7.0, 3.2))
    n = max(len(series), 1)
    width = 0.8 / n
    for i, s in enumerate(series):
        xs, ys = [], []
        for g_i, g in enumerate(groups):
            v = values.get((g, s))
            if v is None or (isinstance(v, float) and (math.isnan(v) or (log and v <= 0))):
                continue
            xs.append(g_i - 0.4 + width * (i + 0.5))
            ys.append(v)
        ax.bar(xs, ys, width=width, label=s)
    if hline is not None:
        ax.axhline(hline, color="black", linewidth=0.8, linestyle="--")
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(groups, fontsize=7, rotation=20, ha="right")
    if log:
        ax.set_yscale("log", base=2)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.tick_params(axis="y", labelsize=7)
    ax.legend(fontsize=7)
    fig.tight_layout()
    save_png(fig, path)
    plt.close(fig)


def ensure_dir(path):
    os.makedirs(path, exist_ok=True)
