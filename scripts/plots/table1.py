#!/usr/bin/env python3
"""Table 1's picture: action-selection time against the action dimension, per agent, ours
(median with the interquartile range, one and two engine threads) and the paper's on one chart,
the paper's on an axis of their own (its units are not stated), from the `table1` result files.

  python3 scripts/plots/table1.py --results Results/table1 --figures Results/figures/table1
"""
import argparse
import glob
import os

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FormatStrFormatter, NullFormatter  # noqa: E402
import numpy as np  # noqa: E402

COLORS = {"sac": "tab:blue", "sql": "tab:orange", "s2ac-phi-theta": "tab:red", "s2ac-phi-theta-psi": "tab:purple",
          "s2ac-phi": "tab:brown", "sac-nf": "tab:green", "ddpg": "tab:gray", "ppo": "tab:olive"}


def strings(g, name):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in g[name][()]]


def load(folder):
    """Every cell of every table1 file below `folder`, as a list of dicts."""
    cells = []
    for path in sorted(glob.glob(os.path.join(folder, "**", "*.h5"), recursive=True)):
        with h5py.File(path, "r") as f:
            kind = f.attrs.get("kind")
            if (kind.decode() if isinstance(kind, bytes) else kind) != "table1":
                continue
            g = f["cells"]
            cols = {k: strings(g, k) for k in ("agent", "env", "weights")}
            cols.update({k: g[k][()] for k in ("action_dim", "threads", "median_ms", "q1_ms", "q3_ms", "paper_value")})
            for i in range(len(cols["agent"])):
                cells.append({k: v[i] for k, v in cols.items()})
    return cells


def series(cells, agent, key):
    """(action dims, values) of one agent, Walker2d and HalfCheetah (both 6) averaged."""
    by_dim = {}
    for c in cells:
        if c["agent"] == agent and np.isfinite(c[key]):
            by_dim.setdefault(int(c["action_dim"]), []).append(c)
    dims = sorted(by_dim)
    return dims, [by_dim[d] for d in dims]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", default="Results/table1")
    ap.add_argument("--figures", default="Results/figures/table1")
    args = ap.parse_args()
    cells = [c for c in load(args.results) if c["weights"] == "fresh"] or load(args.results)
    if not cells:
        raise SystemExit(f"table1.py: no table1 result files under {args.results}")
    os.makedirs(args.figures, exist_ok=True)
    agents = list(dict.fromkeys(c["agent"] for c in cells))
    fig, ours = plt.subplots(figsize=(10, 7))
    paper = ours.twinx()
    for agent in agents:
        color = COLORS.get(agent, None)
        for threads, style in ((1, "-o"), (2, "--s")):
            sub = [c for c in cells if int(c["threads"]) == threads]
            dims, groups = series(sub, agent, "median_ms")
            if not dims:
                continue
            med = [np.mean([c["median_ms"] for c in g]) for g in groups]
            lo = [med[i] - np.mean([c["q1_ms"] for c in g]) for i, g in enumerate(groups)]
            hi = [np.mean([c["q3_ms"] for c in g]) - med[i] for i, g in enumerate(groups)]
            ours.errorbar(dims, med, yerr=[lo, hi], fmt=style, color=color, capsize=3, ms=4,
                          label=f"{agent}, {threads} thread{'s' if threads > 1 else ''}",
                          alpha=1.0 if threads == 1 else 0.6)
        dims, groups = series(cells, agent, "paper_value")
        if dims:
            paper.plot(dims, [np.mean([c["paper_value"] for c in g]) for g in groups], ":D", color=color, mfc="none",
                       label=f"paper: {agent} (units unstated)")
    ours.set_yscale("log")
    ours.set_xlabel("action dimension")
    ours.set_ylabel("ms per action (median, IQR bars)")
    paper.set_yscale("log")
    # Ours span decades (major ticks only); the paper's one decade (minor ticks labelled too).
    ours.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ours.yaxis.set_minor_formatter(NullFormatter())
    paper.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    paper.yaxis.set_minor_formatter(FormatStrFormatter("%g"))
    paper.set_ylabel("paper's Table 1 value, dotted, hollow diamonds (units unstated)")
    ours.set_xticks(sorted({int(c["action_dim"]) for c in cells}))
    ours.grid(alpha=0.3)
    handles = [h for ax in (ours, paper) for h in ax.get_legend_handles_labels()[0]]
    labels = [t for ax in (ours, paper) for t in ax.get_legend_handles_labels()[1]]
    ours.legend(handles, labels, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3)
    ours.set_title("Table 1: time to select one action against the action dimension\n"
                   "ours: CPU, one observation; paper: units and hardware unstated "
                   "(Walker2d and HalfCheetah, both 6, averaged)", fontsize=9)
    fig.tight_layout()
    out = os.path.join(args.figures, "table1.png")
    fig.savefig(out, dpi=120)
    print(f"table1.py: wrote {out}")


if __name__ == "__main__":
    main()
