#!/usr/bin/env python3
"""Fig 8a-e: MuJoCo learning curves from the tables `report` writes.

  fig8_raw.png       one panel per environment: the mean over seeds of each run's mean test
                     return at every evaluation step, with the min-max band over seeds (as the
                     paper draws it)
  fig8_smoothed.png  the same curves Savitzky-Golay smoothed (mujoco_mean_curves.csv's smooth_*
                     columns, computed by `report`; window 10 evaluations as appendix K says,
                     order 2; curves of fewer than 10 evaluations are left out)

Usage: python3 scripts/plots/fig8.py --tables Results/tables --campaign quick --figures DIR
       [--train .build/release/train]   (the agent order comes from `train --list-agents --json`)
Needs matplotlib (scripts/requirements-plots.txt). Computes nothing itself: every value drawn is
a column of a table.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import textwrap
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def agent_order(train):
    out = subprocess.run([train, "--list-agents", "--json"], check=True, capture_output=True, text=True).stdout
    return [(a["id"], a["paper_name"]) for a in json.loads(out)]


def draw(rows, order, prefix, title, path):
    envs = []
    for r in rows:
        if r["env"] not in envs:
            envs.append(r["env"])
    if not envs:
        return False
    fig, axes = plt.subplots(1, len(envs), figsize=(4.2 * len(envs), 3.4), squeeze=False)
    for ax, env in zip(axes[0], envs):
        by_agent = defaultdict(list)
        for r in rows:
            if r["env"] == env:
                by_agent[r["agent"]].append(r)
        for agent, name in order:
            pts = sorted(by_agent.get(agent, []), key=lambda r: int(r["step"]))
            if not pts:
                continue
            x = [int(r["step"]) for r in pts]
            y = [float(r[prefix + "mean"]) for r in pts]
            lo = [float(r[prefix + "min"]) for r in pts]
            hi = [float(r[prefix + "max"]) for r in pts]
            line, = ax.plot(x, y, label="%s (%s seeds)" % (name, pts[-1]["seeds"]), linewidth=1.4)
            ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.15, linewidth=0)
        ax.set_title(env)
        ax.set_xlabel("environment steps")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("test return")
    axes[0][-1].legend(fontsize=7, loc="best")
    # The title is wrapped to the figure's width (about 11 characters an inch at this size), so a
    # one-panel figure does not cut it off.
    fig.suptitle("\n".join(textwrap.wrap(title, width=max(30, int(11 * 4.2 * len(envs))))), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return True


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tables", default="Results/tables")
    p.add_argument("--campaign", default="quick", help="the mujoco-curves preset folder the runs came from")
    p.add_argument("--figures", default=None, help="output folder (default Results/figures/mujoco/<campaign>)")
    p.add_argument("--train", default=".build/release/train")
    args = p.parse_args()
    path = os.path.join(args.tables, "mujoco_mean_curves.csv")
    if not os.path.exists(path):
        print("fig8.py: no %s; run `report` after mujoco-curves" % path, file=sys.stderr)
        return 2
    # Fig 8 draws each run's own test rule; the rule S2AC runs also play (max beside softmax)
    # stays in the tables.
    rows = [r for r in read(path) if r["campaign"] == args.campaign and r.get("primary", "1") == "1"]
    if not rows:
        print("fig8.py: %s has no rows of campaign '%s'" % (path, args.campaign), file=sys.stderr)
        return 2
    try:
        order = agent_order(args.train)
    except (OSError, subprocess.CalledProcessError) as e:
        print("fig8.py: cannot list the agents with %s: %s" % (args.train, e), file=sys.stderr)
        return 2
    figures = args.figures or os.path.join("Results", "figures", "mujoco", args.campaign)
    os.makedirs(figures, exist_ok=True)
    written = []
    label = "campaign %s: mean over seeds, band = min-max over seeds" % args.campaign
    smoothed = [r for r in rows if r["smooth_mean"] != ""]
    for prefix, name, what, chosen in (("", "fig8_raw.png", "raw", rows),
                                       ("smooth_", "fig8_smoothed.png", "Savitzky-Golay smoothed, window 10, order 2", smoothed)):
        if not chosen:
            print("fig8.py: no curve has the 10 evaluations smoothing needs; %s not drawn" % name)
            continue
        out = os.path.join(figures, name)
        if draw(chosen, order, prefix, "Fig 8a-e (%s), %s" % (what, label), out):
            written.append(out)
    for w in written:
        print("fig8.py: wrote", w)
    return 0


if __name__ == "__main__":
    sys.exit(main())
