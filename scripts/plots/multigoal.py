#!/usr/bin/env python3
"""Pictures of Fig 6, 7 and 11-17 from a multigoal-modes folder (and its obstacle/ files).

Reads <runs>/runs/*.h5 (kind multigoal-run) and <runs>/obstacle/*.h5 (kind multigoal-obstacle)
and writes PNGs under <figures>; every title carries the campaign preset (smoke, quick, paper):
  fig6-<rule>.png  test trajectories (first seed), agents x alphas, with the goals, one picture
              per test rule of S2AC and SQL (random, softmax, max; agents without the rule,
              SAC and SAC-NF, show their own, the mean action); each panel names its rule
  fig7-<rule>.png  the same agents on Multigoal-obstacle: green = hit the wall then reached a goal,
              red = hit it and reached none, grey = never hit it
  curves.png  learning curves: mean test return at every evaluation point of training, per
              agent, one panel per alpha (thin: each seed; thick: their mean)
  fig11.png   mu_theta and sigma_theta of S2AC(phi,theta) at the critical states during training
  fig12-<rule>.png  share of test episodes reaching each goal, pooled over seeds, per agent and
              alpha, with the mean final distance to the nearest goal in each panel's legend
  fig13.png   entropy estimate over the state grid, mean over seeds, agents x alphas
  fig14-<agent>.png  min(Q1,Q2) over the action square at the six critical states, with the
              agent's particles (first seed), alphas x states; entropy at those states below
  fig15.png   M1 and M2 along the test trajectories against alpha (mean and std over seeds)
  fig16-<rule>.png  share of obstacle episodes that hit the wall and then reached each goal
  fig17.png   the amortized agent (s2ac-phi-theta-psi, `amortized` selection): trajectories and goal shares
"""
import argparse
import glob
import json
import os
import subprocess
import sys
from collections import defaultdict

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

GOALS = [(5, 0), (-4, 3), (-4, -3)]
GOAL_NAMES = ["G1", "G2", "G3", "none"]
CRITICAL = [(-3.5, -2.5), (-2.5, 0.5), (-1, 0), (0, 0), (1, 0), (4, 0)]
WALL = ((-2, 0), (0, 2))
# The agents in the catalog's order, read from `train --list-agents --json` in main().
AGENT_ORDER = []
# The test rules of S2AC and SQL runs (MultigoalRunSpec.testSelections).
RULES = ["random", "softmax", "max"]


def load(folder, kind):
    """Every result file of `kind` in `folder` as a dict: spec, file handle. Checkpoints of
    runs still under way (`*.ckpt.h5`) and files of no kind are passed over."""
    out = []
    for path in sorted(glob.glob(os.path.join(folder, "*.h5"))):
        if path.endswith(".ckpt.h5"):
            continue
        f = h5py.File(path, "r")
        if "run" not in f:
            f.close()
            continue
        run = f["run"]
        k = run.attrs["kind"]
        k = k.decode() if isinstance(k, bytes) else str(k)
        if k != kind:
            f.close()
            continue
        cfg = run.attrs["config_json"]
        spec = json.loads(cfg.decode() if isinstance(cfg, bytes) else str(cfg))
        out.append({"spec": spec, "file": f, "agent": spec["agent"], "alpha": spec["alpha"], "seed": spec["seed"]})
    return out


def ordered(values, order):
    return sorted(set(values), key=lambda a: (order.index(a) if a in order else len(order), a))


def grid_axes(rows, cols, w=2.6, h=2.6):
    fig, axes = plt.subplots(len(rows), len(cols), figsize=(w * len(cols) + 0.6, h * len(rows) + 0.6), squeeze=False)
    return fig, axes


def draw_env(ax, wall=False):
    for i, (x, y) in enumerate(GOALS):
        ax.add_patch(plt.Circle((x, y), 0.5, color="tab:red", alpha=0.5))
        ax.text(x, y + 0.7, "G%d" % (i + 1), ha="center", fontsize=7)
    if wall:
        ax.plot([WALL[0][0], WALL[1][0]], [WALL[0][1], WALL[1][1]], color="darkred", lw=3)
    ax.set_xlim(-7, 7)
    ax.set_ylim(-7, 7)
    ax.set_aspect("equal")
    ax.tick_params(labelsize=6)


def test_group(run, selection=None):
    """The run's test episodes under `selection`; a run tested with one rule only (SAC's mean
    action) gives that one; None when the run has several rules but not this one."""
    tests = run["file"]["test"]
    names = sorted(tests.keys())
    if selection is not None:
        if selection in tests:
            return tests[selection]
        return tests[names[0]] if len(names) == 1 else None
    return tests[names[0]]


def trajectories(ax, g, obstacle=False):
    pos = g["positions"][()]
    lengths = g["lengths"][()]
    goals = g["goals"][()]
    hits = g["first_hit"][()]
    for e in range(len(lengths)):
        p = pos[e, : lengths[e] + 1]
        if obstacle:
            color = "grey" if hits[e] < 0 else ("tab:green" if goals[e] >= 0 else "tab:red")
        else:
            color = "tab:blue"
        ax.plot(p[:, 0], p[:, 1], color=color, lw=0.8, alpha=0.8)


def first_seed(runs):
    by = {}
    for r in runs:
        key = (r["agent"], r["alpha"])
        if key not in by or r["seed"] < by[key]["seed"]:
            by[key] = r
    return by


def fig_trajectories(runs, preset, path, obstacle=False, selection=None, agents=None):
    by = first_seed(runs)
    agents = agents or ordered([r["agent"] for r in runs], AGENT_ORDER)
    alphas = sorted(set(r["alpha"] for r in runs))
    fig, axes = grid_axes(agents, alphas)
    for i, a in enumerate(agents):
        for j, alpha in enumerate(alphas):
            ax = axes[i][j]
            draw_env(ax, wall=obstacle)
            r = by.get((a, alpha))
            g = test_group(r, selection) if r else None
            if g is not None:
                trajectories(ax, g, obstacle)
                ax.set_title("%s, alpha %g (%s)" % (a, alpha, g.attrs["selection"].decode()
                                                    if isinstance(g.attrs["selection"], bytes) else g.attrs["selection"]), fontsize=7)
            else:
                ax.set_title("%s, alpha %g: no run" % (a, alpha), fontsize=7)
    fig.suptitle("%s (preset %s, first seed)" % (os.path.basename(path)[:-4], preset), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def final_distances(g):
    """Distance of each episode's last position to the nearest goal (recorded, or from the positions)."""
    if "final_distance" in g:
        return g["final_distance"][()]
    pos, lengths = g["positions"][()], g["lengths"][()]
    last = pos[np.arange(len(lengths)), lengths]
    return np.min(np.linalg.norm(last[:, None, :] - np.array(GOALS)[None], axis=-1), axis=1)


def goal_shares(runs, selection=None, after_hit=False):
    """(agent, alpha) -> (share of all episodes (seeds pooled) reaching each goal, or none;
    mean final distance to the nearest goal; the rule used); with `after_hit`, only episodes
    that hit the wall count towards a bucket."""
    counts = defaultdict(lambda: np.zeros(4))
    totals = defaultdict(float)
    distances = defaultdict(list)
    rules = {}
    for r in runs:
        g = test_group(r, selection)
        if g is None:
            continue
        key = (r["agent"], r["alpha"])
        rule = g.attrs["selection"]
        rules[key] = rule.decode() if isinstance(rule, bytes) else rule
        goals, hits = g["goals"][()], g["first_hit"][()]
        totals[key] += len(goals)
        distances[key] += list(final_distances(g))
        for goal, hit in zip(goals, hits):
            if not after_hit or hit >= 0:
                counts[key][goal if goal >= 0 else 3] += 1
    return {k: (counts[k] / max(totals[k], 1), float(np.mean(distances[k])), rules[k]) for k in totals}


def fig_shares(runs, preset, path, title, after_hit=False, selection=None, agents=None):
    shares = goal_shares(runs, selection, after_hit)
    agents = agents or ordered([r["agent"] for r in runs], AGENT_ORDER)
    alphas = sorted(set(r["alpha"] for r in runs))
    fig, axes = plt.subplots(1, len(agents), figsize=(3.2 * len(agents) + 0.6, 3), squeeze=False)
    width = 0.8 / max(len(alphas), 1)
    for i, a in enumerate(agents):
        ax = axes[0][i]
        for j, alpha in enumerate(alphas):
            entry = shares.get((a, alpha))
            if entry is None:
                continue
            s, distance, rule = entry
            ax.bar(np.arange(4) + j * width, s, width, label="alpha %g (final dist. %.2f)" % (alpha, distance))
        ax.set_xticks(np.arange(4) + 0.4 - width / 2)
        ax.set_xticklabels(GOAL_NAMES)
        ax.set_ylim(0, 1)
        used = sorted(set(e[2] for (agent, _), e in shares.items() if agent == a))
        ax.set_title("%s (%s)" % (a, ", ".join(used)), fontsize=8)
        ax.legend(fontsize=5)
        ax.tick_params(labelsize=7)
    axes[0][0].set_ylabel("share of episodes", fontsize=8)
    fig.suptitle("%s (preset %s, seeds pooled)" % (title, preset), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def fig_curves(runs, preset, path):
    """Mean test return against training steps, one panel per alpha, a colour per agent."""
    runs = [r for r in runs if "eval_steps" in r["file"]["train"] and len(r["file"]["train"]["eval_steps"])]
    if not runs:
        return False
    alphas = sorted(set(r["alpha"] for r in runs))
    agents = ordered([r["agent"] for r in runs], AGENT_ORDER)
    fig, axes = plt.subplots(1, len(alphas), figsize=(max(7, 4 * len(alphas)), 3.6), squeeze=False, sharey=True)
    for j, alpha in enumerate(alphas):
        ax = axes[0][j]
        for k, agent in enumerate(agents):
            rs = [r for r in runs if r["agent"] == agent and r["alpha"] == alpha]
            curves = []
            for r in rs:
                steps = r["file"]["train"]["eval_steps"][()]
                mean = r["file"]["train"]["eval_returns"][()].reshape(len(steps), -1).mean(axis=1)
                ax.plot(steps, mean, color="C%d" % k, lw=0.6, alpha=0.4)
                curves.append((tuple(steps), mean))
            same = [c for s, c in curves if s == curves[0][0]] if curves else []
            if same:
                ax.plot(curves[0][0], np.mean(same, axis=0), color="C%d" % k, lw=1.8,
                        label="%s (%d seed%s)" % (agent, len(same), "" if len(same) == 1 else "s"))
        ax.set_title("alpha %g" % alpha, fontsize=8)
        ax.set_xlabel("training steps", fontsize=7)
        ax.tick_params(labelsize=6)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("mean test return", fontsize=7)
    axes[0][-1].legend(fontsize=6)
    fig.suptitle("learning curves on Multigoal (preset %s)\nmean return of the test episodes at each evaluation"
                 % preset, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def fig11(runs, preset, path):
    runs = [r for r in runs if "steps" in r["file"]["q0"]]
    if not runs:
        return False
    alphas = sorted(set(r["alpha"] for r in runs))
    labels = ["mean x", "mean y", "std x", "std y"]
    fig, axes = grid_axes(labels, alphas, w=3, h=2.2)
    for j, alpha in enumerate(alphas):
        rs = [r for r in runs if r["alpha"] == alpha]
        steps = rs[0]["file"]["q0"]["steps"][()]
        mean = np.mean([r["file"]["q0"]["mean"][()] for r in rs if len(r["file"]["q0"]["steps"]) == len(steps)], axis=0)
        std = np.mean([r["file"]["q0"]["std"][()] for r in rs if len(r["file"]["q0"]["steps"]) == len(steps)], axis=0)
        for i, values in enumerate([mean[:, :, 0], mean[:, :, 1], std[:, :, 0], std[:, :, 1]]):
            ax = axes[i][j]
            for s, state in enumerate(CRITICAL):
                ax.plot(steps, values[:, s], lw=1, label="(%g, %g)" % state)
            ax.set_title("%s, alpha %g" % (labels[i], alpha), fontsize=7)
            ax.tick_params(labelsize=6)
    axes[0][-1].legend(fontsize=5)
    fig.suptitle("q0 of %s at the critical states during training (preset %s, seeds averaged)"
                 % (runs[0]["agent"], preset), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def fig13(runs, preset, path):
    runs = [r for r in runs if "grid" in r["file"]["entropy"]]
    if not runs:
        return False
    agents = ordered([r["agent"] for r in runs], AGENT_ORDER)
    alphas = sorted(set(r["alpha"] for r in runs))
    fig, axes = grid_axes(agents, alphas)
    for i, a in enumerate(agents):
        for j, alpha in enumerate(alphas):
            ax = axes[i][j]
            rs = [r for r in runs if r["agent"] == a and r["alpha"] == alpha]
            if not rs:
                ax.set_axis_off()
                continue
            axis = rs[0]["file"]["entropy"]["axis"][()]
            grid = np.mean([r["file"]["entropy"]["grid"][()] for r in rs], axis=0)
            step = (axis[1] - axis[0]) / 2 if len(axis) > 1 else 1
            im = ax.imshow(grid, origin="lower", extent=[axis[0] - step, axis[-1] + step, axis[0] - step, axis[-1] + step],
                           cmap="viridis")
            draw_env(ax)
            fig.colorbar(im, ax=ax, fraction=0.046)
            ax.set_title("%s, alpha %g" % (a, alpha), fontsize=7)
    fig.suptitle("entropy estimate over states (preset %s, seeds averaged)" % preset, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def fig14(runs, preset, folder):
    written = []
    by = first_seed(runs)
    for a in ordered([r["agent"] for r in runs], AGENT_ORDER):
        alphas = sorted(alpha for (ag, alpha) in by if ag == a)
        rs = [by[(a, alpha)] for alpha in alphas if "values" in by[(a, alpha)]["file"]["qgrid"]]
        if not rs:
            continue
        fig, axes = plt.subplots(len(rs) + 1, len(CRITICAL), figsize=(2.2 * len(CRITICAL), 2.2 * (len(rs) + 1)), squeeze=False)
        for i, r in enumerate(rs):
            q = r["file"]["qgrid"]
            axis = q["axis"][()]
            values = q["values"][()]
            parts = q["particles"][()] if "particles" in q else None
            for s in range(len(CRITICAL)):
                ax = axes[i][s]
                ax.contourf(axis, axis, values[s], levels=20, cmap="viridis")
                if parts is not None:
                    ax.scatter(parts[s, :, 0], parts[s, :, 1], s=6, color="white", edgecolors="black", linewidths=0.3)
                ax.set_title("alpha %g, s=(%g, %g)" % (r["alpha"], *CRITICAL[s]), fontsize=6)
                ax.set_aspect("equal")
                ax.tick_params(labelsize=5)
        for s in range(len(CRITICAL)):
            ax = axes[-1][s]
            ent = [r["file"]["entropy"]["critical"][()][s] if "critical" in r["file"]["entropy"] else np.nan for r in rs]
            ax.bar(range(len(rs)), ent)
            ax.set_xticks(range(len(rs)))
            ax.set_xticklabels(["%g" % r["alpha"] for r in rs], fontsize=6)
            ax.set_title("entropy at (%g, %g)" % CRITICAL[s], fontsize=6)
            ax.tick_params(labelsize=5)
        fig.suptitle("%s: min(Q1,Q2) over actions at the critical states, particles (preset %s, first seed)" % (a, preset), fontsize=9)
        fig.tight_layout()
        path = os.path.join(folder, "fig14-%s.png" % a)
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written


def fig15(runs, preset, path):
    rows = defaultdict(list)
    for r in runs:
        sm = test_group(r)["smoothness"]
        if "m1" in sm:
            rows[r["agent"]].append((r["alpha"], sm["m1"][()][0], sm["m2"][()][0]))
    if not rows:
        return False
    fig, axes = plt.subplots(1, 2, figsize=(8, 3))
    for a in ordered(list(rows), AGENT_ORDER):
        alphas = sorted(set(x[0] for x in rows[a]))
        for k, name in [(1, "M1"), (2, "M2")]:
            m = [np.mean([x[k] for x in rows[a] if x[0] == al]) for al in alphas]
            s = [np.std([x[k] for x in rows[a] if x[0] == al]) for al in alphas]
            axes[k - 1].errorbar(alphas, m, yerr=s, marker="o", ms=3, capsize=2, label=a)
            axes[k - 1].set_title(name + (": mean |grad_a Q|_1 / d" if k == 1 else ": mean |Hess_a Q|_1 / d^2"), fontsize=8)
            axes[k - 1].set_xscale("log")
            axes[k - 1].set_xlabel("alpha", fontsize=8)
    axes[0].legend(fontsize=6)
    fig.suptitle("smoothness of Q along test trajectories (preset %s, mean and std over seeds)" % preset, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", default="Results/multigoal/quick", help="a multigoal-modes output folder")
    p.add_argument("--figures", default=None, help="output folder (default Results/figures/multigoal/<preset>)")
    p.add_argument("--train", default=".build/release/train", help="the suite's train executable (lists the agents)")
    args = p.parse_args()
    try:
        listing = subprocess.run([args.train, "--list-agents", "--json"], check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        print("multigoal.py: cannot list the agents with %s --list-agents: %s" % (args.train, e), file=sys.stderr)
        return 2
    AGENT_ORDER[:] = [a["id"] for a in json.loads(listing)]
    runs = load(os.path.join(args.runs, "runs"), "multigoal-run")
    if not runs:
        print("multigoal.py: no multigoal run files in %s/runs" % args.runs, file=sys.stderr)
        return 2
    preset = runs[0]["spec"]["preset"]["name"]
    figures = args.figures or os.path.join("Results", "figures", "multigoal", preset)
    os.makedirs(figures, exist_ok=True)
    written = []
    main_runs = [r for r in runs if r["agent"] != "s2ac-phi-theta-psi"] or runs

    def out(name):
        path = os.path.join(figures, name)
        written.append(path)
        return path

    for rule in RULES:
        fig_trajectories(main_runs, preset, out("fig6-%s.png" % rule), selection=rule)
        fig_shares(runs, preset, out("fig12-%s.png" % rule), "share of test episodes reaching each goal, rule %s" % rule,
                   selection=rule)
    if fig_curves(runs, preset, os.path.join(figures, "curves.png")):
        written.append(os.path.join(figures, "curves.png"))
    if fig11([r for r in runs if r["agent"] == "s2ac-phi-theta"], preset, os.path.join(figures, "fig11.png")):
        written.append(os.path.join(figures, "fig11.png"))
    if fig13(runs, preset, os.path.join(figures, "fig13.png")):
        written.append(os.path.join(figures, "fig13.png"))
    written += fig14(runs, preset, figures)
    if fig15(runs, preset, os.path.join(figures, "fig15.png")):
        written.append(os.path.join(figures, "fig15.png"))
    obstacle = load(os.path.join(args.runs, "obstacle"), "multigoal-obstacle")
    if obstacle:
        for rule in RULES:
            fig_trajectories([r for r in obstacle if r["agent"] != "s2ac-phi-theta-psi"] or obstacle, preset,
                             out("fig7-%s.png" % rule), obstacle=True, selection=rule)
            fig_shares(obstacle, preset, out("fig16-%s.png" % rule),
                       "share of obstacle episodes reaching each goal after hitting the wall, rule %s" % rule,
                       after_hit=True, selection=rule)
    else:
        print("multigoal.py: no obstacle files yet (make obstacle); Fig 7 and 16 skipped", file=sys.stderr)
    psi = [r for r in runs if r["agent"] == "s2ac-phi-theta-psi"]
    if psi:
        fig_trajectories(psi, preset, out("fig17.png"), selection="amortized", agents=["s2ac-phi-theta-psi"])
    else:
        print("multigoal.py: no s2ac-phi-theta-psi runs; Fig 17 skipped", file=sys.stderr)
    for path in written:
        print("  " + path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
