#!/usr/bin/env python3
"""Pictures in the style of the paper's Fig 8f-j from the tables rliable-stats writes.

  rliable_aggregates.png  Fig 8f-i: median, IQM, mean, optimality gap; one row per algorithm,
                          a bar for the 95 % interval and a tick at the point estimate
  rliable_poi.png         Fig 8j: P(X > Y) of one algorithm X (--x, default the first in the
                          table) over every other, with intervals
  rliable_profiles.png    performance profiles (run-score and average-score) with bands
  rliable_curves.png      IQM at every evaluation step with bands (when rliable_curves.csv exists)

Usage: python3 scripts/plots/rliable_plots.py --tables Results/rliable [--out DIR] [--x NAME]
Needs matplotlib (scripts/requirements-plots.txt).
"""
import argparse
import csv
import os
import sys
from collections import OrderedDict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

TITLES = OrderedDict([("median", "Median"), ("iqm", "IQM"), ("mean", "Mean"), ("optimality_gap", "Optimality Gap")])


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def save(fig, path):
    tmp = os.path.join(os.path.dirname(path) or ".", "." + os.path.basename(path) + ".tmp.png")
    fig.savefig(tmp, dpi=150, bbox_inches="tight")
    os.replace(tmp, path)
    plt.close(fig)
    print("wrote", path)


def colors(names):
    cmap = plt.get_cmap("tab10")
    return {n: cmap(i % 10) for i, n in enumerate(names)}


def aggregates(table, out):
    data = rows(table)
    algs = list(OrderedDict.fromkeys(r["algorithm"] for r in data))
    col = colors(algs)
    fig, axes = plt.subplots(1, 4, figsize=(14, 0.45 * len(algs) + 1.2), sharey=True)
    for ax, (metric, title) in zip(axes, TITLES.items()):
        for i, a in enumerate(algs):
            r = next(r for r in data if r["metric"] == metric and r["algorithm"] == a)
            lo, hi, est = float(r["ci_low"]), float(r["ci_high"]), float(r["estimate"])
            ax.barh(i, hi - lo, left=lo, height=0.6, color=col[a], alpha=0.75)
            ax.vlines(est, i - 0.3, i + 0.3, color="k", lw=1.5)
        ax.set_title(title)
        ax.grid(axis="x", alpha=0.3)
        ax.set_xlabel("normalised score")
    axes[0].set_yticks(range(len(algs)), algs)
    axes[0].invert_yaxis()
    reps, seed = data[0]["reps"], data[0]["seed"]
    fig.suptitle(f"rliable aggregates, 95% stratified-bootstrap intervals ({reps} reps, seed {seed})", y=1.02)
    save(fig, os.path.join(out, "rliable_aggregates.png"))


def poi(table, out, x):
    data = rows(table)
    if not data:
        print("no pairs in", table, file=sys.stderr)
        return
    x = x or data[0]["algorithm_x"]
    mine = [r for r in data if r["algorithm_x"] == x]
    if not mine:
        sys.exit(f"rliable_plots: no pairs with algorithm_x {x} in {table}")
    fig, ax = plt.subplots(figsize=(6, 0.45 * len(mine) + 1.2))
    for i, r in enumerate(mine):
        lo, hi, est = float(r["ci_low"]), float(r["ci_high"]), float(r["estimate"])
        ax.barh(i, hi - lo, left=lo, height=0.6, color="tab:blue", alpha=0.7)
        ax.vlines(est, i - 0.3, i + 0.3, color="k", lw=1.5)
    ax.axvline(0.5, color="gray", ls="--", lw=1)
    ax.set_yticks(range(len(mine)), [f"{x} vs {r['algorithm_y']}" for r in mine])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"P({x} > Y)")
    ax.set_title(f"Probability of improvement ({mine[0]['reps']} reps)")
    save(fig, os.path.join(out, "rliable_poi.png"))


def profiles(table, out):
    data = rows(table)
    kinds = list(OrderedDict.fromkeys(r["profile"] for r in data))
    algs = list(OrderedDict.fromkeys(r["algorithm"] for r in data))
    col = colors(algs)
    fig, axes = plt.subplots(1, len(kinds), figsize=(6 * len(kinds), 4), squeeze=False)
    for ax, kind in zip(axes[0], kinds):
        for a in algs:
            rs = [r for r in data if r["profile"] == kind and r["algorithm"] == a]
            tau = [float(r["tau"]) for r in rs]
            ax.plot(tau, [float(r["estimate"]) for r in rs], color=col[a], label=a)
            ax.fill_between(tau, [float(r["ci_low"]) for r in rs], [float(r["ci_high"]) for r in rs], color=col[a], alpha=0.2)
        ax.set_xlabel("normalised score tau")
        ax.set_ylabel("fraction of runs > tau" if kind == "run_score" else "fraction of tasks with mean > tau")
        ax.set_title(kind.replace("_", "-") + " profile")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    save(fig, os.path.join(out, "rliable_profiles.png"))


def curves(table, out):
    data = rows(table)
    algs = list(OrderedDict.fromkeys(r["algorithm"] for r in data))
    col = colors(algs)
    fig, ax = plt.subplots(figsize=(7, 4))
    for a in algs:
        rs = [r for r in data if r["algorithm"] == a]
        step = [float(r["step"]) for r in rs]
        ax.plot(step, [float(r["iqm"]) for r in rs], color=col[a], label=a)
        ax.fill_between(step, [float(r["ci_low"]) for r in rs], [float(r["ci_high"]) for r in rs], color=col[a], alpha=0.2)
    ax.set_xlabel("environment steps")
    ax.set_ylabel("IQM normalised score")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    save(fig, os.path.join(out, "rliable_curves.png"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tables", required=True, help="folder with rliable_aggregate.csv and friends")
    ap.add_argument("--out", help="folder for the PNGs (default: --tables)")
    ap.add_argument("--x", help="algorithm X of the probability-of-improvement panel")
    args = ap.parse_args()
    out = args.out or args.tables
    agg = os.path.join(args.tables, "rliable_aggregate.csv")
    if not os.path.isfile(agg):
        print(f"rliable_plots: error: no {agg}; run rliable-stats first", file=sys.stderr)
        sys.exit(2)
    os.makedirs(out, exist_ok=True)
    aggregates(agg, out)
    for name, fn in (("rliable_poi.csv", lambda p: poi(p, out, args.x)), ("rliable_profiles.csv", lambda p: profiles(p, out)),
                     ("rliable_curves.csv", lambda p: curves(p, out))):
        path = os.path.join(args.tables, name)
        if os.path.isfile(path):
            fn(path)


if __name__ == "__main__":
    main()
