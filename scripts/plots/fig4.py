#!/usr/bin/env python3
"""Pictures of Fig 4a, 4b, 4c, 9 and 10 from the result files of entropy-eval and kernel-sweep.

Reads <results>/fig4a-<config>[-quick].h5, fig4b-<config>[-quick].h5 and fig4c[-quick].h5
(layout: Results/README.md, "Fig 4, 9, 10") and writes PNGs under <figures>:
  fig4a-<config>.png        particles of each sampler over the target density, with the estimates
  fig4a-<config>-steps.png  the four estimates after every step, against the truth
  fig4b-<config>.png        final estimate against the kernel sigma, one marker per (m, L)
  fig9-<config>.png         final SVGD particles for every sigma x (m, L), start N(0,6I) and N(4,0.2I)
  fig4c.png, fig10a.png     mixtures with M components (dimension 2; every dimension), mean and std over seeds
  fig10b.png                single Gaussians of growing std, every dimension
"""
import argparse
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ESTIMATES = ["logdet", "trace", "closed form 1/(m-1)", "closed form 1/m"]
SAMPLERS = ["svgd", "sgld", "dld", "hmc"]


def load(path):
    """The /runs table of a result file as a list of dicts, each with its per-run group."""
    f = h5py.File(path, "r")
    runs = f["runs"]
    n = len(runs["figure"])
    cols = {}
    for name, ds in runs.items():
        if isinstance(ds, h5py.Dataset):
            vals = ds[()]
            if vals.dtype.kind in "SO":
                vals = [v.decode() if isinstance(v, bytes) else str(v) for v in vals]
            cols[name] = vals
    rows = []
    for i in range(n):
        row = {k: v[i] for k, v in cols.items()}
        row["group"] = runs["%05d" % i]
        rows.append(row)
    return f, rows


def gaussian_density(group, lim):
    mean = group["target_mean"][()]
    cov = group["target_covariance"][()]
    xs = np.linspace(lim[0], lim[1], 200)
    ys = np.linspace(lim[2], lim[3], 200)
    X, Y = np.meshgrid(xs, ys)
    d = np.stack([X - mean[0], Y - mean[1]], axis=-1)
    prec = np.linalg.inv(cov)
    q = np.einsum("...i,ij,...j->...", d, prec, d)
    return X, Y, np.exp(-0.5 * q) / (2 * np.pi * np.sqrt(np.linalg.det(cov)))


def fmt(x):
    return "-" if np.isnan(x) else "%.2f" % x


def fig4a(path, out):
    f, rows = load(path)
    config = rows[0]["config"]
    starts = list(dict.fromkeys(r["start"] for r in rows))
    lim = (-7, 7, -7, 7)
    fig, axes = plt.subplots(len(starts), 5, figsize=(20, 4.2 * len(starts)), squeeze=False)
    for s, start in enumerate(starts):
        rs = {r["sampler"]: r for r in rows if r["start"] == start}
        first = rs["svgd"]
        X, Y, P = gaussian_density(first["group"], lim)
        panels = [("q0 " + start, first["group"]["initial_particles"][()], None)]
        panels += [(k.upper(), rs[k]["group"]["final_particles"][()], rs[k]) for k in SAMPLERS if k in rs]
        for c, (title, pts, r) in enumerate(panels):
            ax = axes[s][c]
            ax.contourf(X, Y, P, levels=12, cmap="Oranges")
            ax.scatter(pts[:, 0], pts[:, 1], s=6, c="k")
            ax.set_xlim(lim[0], lim[1]); ax.set_ylim(lim[2], lim[3])
            if r is None:
                ax.set_title(title)
            else:
                e = r["estimates"]
                ax.set_title("%s (m=%d, L=%d)\nlogdet %s  trace %s\nclosed %s / %s  truth %.2f" % (
                    title, r["particles"], r["steps"], fmt(e[0]), fmt(e[1]), fmt(e[2]), fmt(e[3]), r["ground_truth"]),
                    fontsize=9)
    fig.suptitle("Fig 4a (%s configuration)" % config)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "fig4a-%s.png" % config), dpi=110)
    plt.close(fig)

    fig, axes = plt.subplots(len(starts), 4, figsize=(18, 4 * len(starts)), squeeze=False)
    for s, start in enumerate(starts):
        for c, k in enumerate(SAMPLERS):
            ax = axes[s][c]
            r = next((r for r in rows if r["start"] == start and r["sampler"] == k), None)
            if r is None:
                continue
            steps = r["group"]["entropy_by_step"][()]
            for j, name in enumerate(ESTIMATES):
                if not np.all(np.isnan(steps[:, j])):
                    ax.plot(steps[:, j], label=name)
            ax.axhline(r["ground_truth"], color="k", ls=":", label="truth")
            ax.set_title("%s from %s" % (k.upper(), start))
            ax.set_xlabel("step")
            ax.set_ylabel("entropy estimate")
            lo = min(r["ground_truth"] - 4, np.nanmin(steps[-1]))
            ax.set_ylim(max(lo, r["ground_truth"] - 15), r["ground_truth"] + 4)
        axes[s][0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "fig4a-%s-steps.png" % config), dpi=110)
    plt.close(fig)
    f.close()


def fig4b_and_9(path, out):
    f, rows = load(path)
    config = rows[0]["config"]
    starts = list(dict.fromkeys(r["start"] for r in rows))
    sigmas = sorted(set(float(r["bandwidth"][6:-1]) for r in rows))
    pairs = list(dict.fromkeys((r["particles"], r["steps"]) for r in rows))
    fig, axes = plt.subplots(1, len(starts), figsize=(7 * len(starts) + 2.5, 4.5), squeeze=False)
    markers = "os^*Pd"
    for s, start in enumerate(starts):
        ax = axes[0][s]
        for p, (m, L) in enumerate(pairs):
            rs = sorted((r for r in rows if r["start"] == start and (r["particles"], r["steps"]) == (m, L)),
                        key=lambda r: float(r["bandwidth"][6:-1]))
            x = np.arange(len(rs))
            ax.scatter(x, [r["estimates"][2] for r in rs], marker=markers[p % len(markers)], label="m=%d, L=%d closed" % (m, L))
            ax.scatter(x, [r["estimates"][0] for r in rs], marker=markers[p % len(markers)], facecolors="none",
                       edgecolors="C%d" % p, label="m=%d, L=%d logdet" % (m, L))
        ax.axhline(rows[0]["ground_truth"], color="g", ls=":", label="truth")
        ax.set_xticks(range(len(sigmas)), ["%g" % v for v in sigmas])
        ax.set_xlabel("kernel sigma")
        ax.set_ylabel("H(q^L)")
        low = -1.0
        ax.set_ylim(low, 5.5)
        hidden = sum(1 for r in rows if r["start"] == start for j in (0, 2) if r["estimates"][j] < low)
        ax.set_title("Fig 4b, start %s%s" % (start, "" if hidden == 0 else " (%d values below %g not shown)" % (hidden, low)))
    axes[0][-1].legend(fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5))
    fig.tight_layout()
    fig.savefig(os.path.join(out, "fig4b-%s.png" % config), dpi=110)
    plt.close(fig)

    lim = (-7, 7, -7, 7)
    X, Y, P = gaussian_density(rows[0]["group"], lim)
    fig, axes = plt.subplots(len(starts) * len(pairs), len(sigmas),
                             figsize=(2.4 * len(sigmas), 2.4 * len(starts) * len(pairs)), squeeze=False)
    for s, start in enumerate(starts):
        for p, (m, L) in enumerate(pairs):
            for c, sig in enumerate(sigmas):
                ax = axes[s * len(pairs) + p][c]
                r = next(r for r in rows if r["start"] == start and (r["particles"], r["steps"]) == (m, L)
                         and float(r["bandwidth"][6:-1]) == sig)
                pts = r["group"]["final_particles"][()]
                ax.contourf(X, Y, P, levels=10, cmap="Oranges")
                ax.scatter(pts[:, 0], pts[:, 1], s=3, c="k")
                ax.set_xlim(lim[0], lim[1]); ax.set_ylim(lim[2], lim[3])
                ax.set_xticks([]); ax.set_yticks([])
                ax.set_title("s=%g m=%d L=%d\n%s" % (sig, m, L, start), fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "fig9-%s.png" % config), dpi=100)
    plt.close(fig)
    f.close()


def fig4c_and_10(path, out):
    f, rows = load(path)
    pairs = list(dict.fromkeys((r["particles"], r["steps"]) for r in rows))

    def panel(ax, figure, dim, key, xs, xlabel):
        for p, (m, L) in enumerate(pairs):
            for j, style in ((2, "-o"), (0, "--s")):
                means, sds = [], []
                for x in xs:
                    vals = [r["estimates"][j] for r in rows if r["figure"] == figure and r["dimension"] == dim
                            and (r["particles"], r["steps"]) == (m, L) and r[key] == x]
                    means.append(np.mean(vals) if vals else np.nan)
                    sds.append(np.std(vals) if vals else np.nan)
                ax.errorbar(range(len(xs)), means, yerr=sds, fmt=style, color="C%d" % p, capsize=3,
                            label="(m,L)=(%d,%d) %s" % (m, L, "closed 1/(m-1)" if j == 2 else "logdet"))
        truth = [np.mean([r["ground_truth"] for r in rows if r["figure"] == figure and r["dimension"] == dim and r[key] == x])
                 for x in xs]
        ax.plot(range(len(xs)), truth, "k:", marker="x", label="truth")
        ax.set_xticks(range(len(xs)), ["%g" % x for x in xs])
        ax.set_xlabel(xlabel)
        ax.set_ylabel("entropy")
        ax.set_title("dim %d" % dim)

    dims = sorted(set(int(r["dimension"]) for r in rows))
    comps = sorted(set(int(r["components"]) for r in rows if r["figure"] == "4c"))
    stds = sorted(set(float(r["std"]) for r in rows if r["figure"] == "10"))
    if 2 in dims:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        panel(ax, "4c", 2, "components", comps, "GMM components M")
        ax.legend(fontsize=7)
        ax.set_title("Fig 4c: dim 2, mean and std over %d seeds" % len(set(int(r["seed"]) for r in rows)))
        fig.tight_layout()
        fig.savefig(os.path.join(out, "fig4c.png"), dpi=110)
        plt.close(fig)
    for name, figure, key, xs, xlabel in (("fig10a", "4c", "components", comps, "GMM components M"),
                                          ("fig10b", "10", "std", stds, "Gaussian std")):
        fig, axes = plt.subplots(1, len(dims), figsize=(6 * len(dims), 4.5), squeeze=False)
        for c, dim in enumerate(dims):
            panel(axes[0][c], figure, dim, key, xs, xlabel)
        axes[0][0].legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(os.path.join(out, name + ".png"), dpi=100)
        plt.close(fig)
    f.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", default="Results/fig4", help="folder with the fig4 result files")
    ap.add_argument("--figures", default="Results/figures", help="where the PNGs go")
    ap.add_argument("--quick", action="store_true", help="read the -quick result files")
    args = ap.parse_args()
    suffix = "-quick" if args.quick else ""
    os.makedirs(args.figures, exist_ok=True)
    found = 0
    for config in ("paper", "authors-code"):
        for prefix, draw in (("fig4a", fig4a), ("fig4b", fig4b_and_9)):
            path = os.path.join(args.results, "%s-%s%s.h5" % (prefix, config, suffix))
            if os.path.exists(path):
                draw(path, args.figures)
                found += 1
    path = os.path.join(args.results, "fig4c%s.h5" % suffix)
    if os.path.exists(path):
        fig4c_and_10(path, args.figures)
        found += 1
    if found == 0:
        print("fig4.py: no fig4 result files under %s (run make fig4)" % args.results, file=sys.stderr)
        sys.exit(2)
    print("fig4.py: %d result files drawn into %s" % (found, args.figures))


if __name__ == "__main__":
    main()
