#!/usr/bin/env python3
"""Writes the rliable conformance fixtures the Swift tests read (Tests/S2ACCoreTests/Fixtures/rliable/).

Runs the pinned rliable (scripts/reference/requirements-rliable.txt) on small synthetic
datasets (ties, skew, 3, 5, 7 and 10 runs, unequal run counts, a learning curve) and records
  * point estimates: median, IQM, mean, optimality gap (gamma 1 and 0.5), probability of
    improvement for every ordered pair, both performance profiles on a tau grid, IQM per step;
  * interval endpoints: rliable's stratified-bootstrap percentile intervals (its bootstrap
    classes and arch's conf_int, as get_interval_estimates calls them), repeated over several
    bootstrap seeds: the mean and sd of each endpoint across seeds, and the Monte Carlo band
    the Swift tests use as tolerance (quantiles of all seeds' replicates pooled, at
    alpha -+ 4 sqrt(alpha (1 - alpha) / reps); see `spread`).
rliable 1.2 draws from numpy's global generator (it ignores `random_state`), so each seed is set
with np.random.seed before each call.

Usage: .venv-rliable/bin/python scripts/reference/rliable_fixture.py [--out DIR]
"""
import argparse
import json
import os
import sys
from importlib.metadata import version

import numpy as np
from rliable import library as rly
from rliable import metrics

AGG_REPS = 2000      # replicates per bootstrap for aggregates and curves
AGG_SEEDS = 10       # bootstrap seeds for aggregates
POI_REPS = 1000      # replicates for probability of improvement and profiles
POI_SEEDS = 6
CONFIDENCE = 0.95


def four(x):
    return np.array([metrics.aggregate_median(x), metrics.aggregate_iqm(x),
                     metrics.aggregate_mean(x), metrics.aggregate_optimality_gap(x)])


METRICS = ["median", "iqm", "mean", "optimality_gap"]


def spread(runs, pooled, reps):
    """runs: per seed (low array, high array) from rliable's conf_int; pooled: every seed's
    bootstrap replicates stacked (n x k). Returns per entry the mean and sd of each endpoint
    across seeds, and the band a percentile endpoint from `reps` replicates falls in with high
    probability: the pooled quantiles at alpha -+ 4 sqrt(alpha (1 - alpha) / reps) (the usual
    binomial band for an empirical quantile; it stays honest for discrete statistics, where the
    endpoint jumps between lattice values and the across-seed sd says little)."""
    lows = np.array([r[0] for r in runs], dtype=float)
    highs = np.array([r[1] for r in runs], dtype=float)
    alpha = (1 - CONFIDENCE) / 2
    d = 4 * np.sqrt(alpha * (1 - alpha) / reps)
    q = lambda level, method: np.percentile(pooled, 100 * min(max(level, 0.0), 1.0), axis=0, method=method)
    out = {"low_mean": lows.mean(axis=0).tolist(), "low_sd": lows.std(axis=0, ddof=1).tolist(),
           "high_mean": highs.mean(axis=0).tolist(), "high_sd": highs.std(axis=0, ddof=1).tolist(),
           "low_band": [q(alpha - d, "lower").tolist(), q(alpha + d, "higher").tolist()],
           "high_band": [q(1 - alpha - d, "lower").tolist(), q(1 - alpha + d, "higher").tolist()]}
    # Sanity: rliable's own endpoints fall in the band.
    inside = np.mean([(np.array(out["low_band"][0]) - 1e-12 <= lo).all() and (lo <= np.array(out["low_band"][1]) + 1e-12).all()
                      and (np.array(out["high_band"][0]) - 1e-12 <= hi).all() and (hi <= np.array(out["high_band"][1]) + 1e-12).all()
                      for lo, hi in zip(lows, highs)])
    if inside < 1:
        print(f"note: {100 * (1 - inside):.0f}% of rliable's own seeds fall outside the band", file=sys.stderr)
    return out


def intervals(score_dict, func, reps, seeds):
    """rliable's get_interval_estimates (percentile method), once per bootstrap seed, keeping
    each bootstrap's replicates too (arch stores them in `_results`)."""
    runs = {k: [] for k in score_dict}
    pooled = {k: [] for k in score_dict}
    for s in range(seeds):
        np.random.seed(1000 + s)
        for k, scores in score_dict.items():
            if isinstance(scores, np.ndarray):
                bs = rly.StratifiedBootstrap(scores)
            else:
                bs = rly.StratifiedIndependentBootstrap(*scores)
            ci = np.asarray(bs.conf_int(func, reps=reps, size=CONFIDENCE, method="percentile"), dtype=float).reshape(2, -1)
            runs[k].append((ci[0], ci[1]))
            pooled[k].append(np.asarray(bs._results, dtype=float).reshape(reps, -1))
    return {k: spread(runs[k], np.concatenate(pooled[k]), reps) for k in score_dict}


def dataset(name, description, algs, taus, curve=None):
    fx = {"name": name, "description": description,
          "versions": {p: version(p) for p in ("rliable", "numpy", "scipy", "arch")},
          "confidence": CONFIDENCE,
          "algorithms": [{"name": k, "rows": v.tolist()} for k, v in algs.items()]}
    fx["points"] = {k: {"median": float(metrics.aggregate_median(v)),
                        "iqm": float(metrics.aggregate_iqm(v)),
                        "mean": float(metrics.aggregate_mean(v)),
                        "optimality_gap": float(metrics.aggregate_optimality_gap(v)),
                        "optimality_gap_half": float(metrics.aggregate_optimality_gap(v, gamma=0.5))}
                    for k, v in algs.items()}
    fx["aggregate_intervals"] = {"reps": AGG_REPS, "seeds": AGG_SEEDS, "metrics": METRICS,
                                 "by_algorithm": intervals(algs, four, AGG_REPS, AGG_SEEDS)}
    names = list(algs)
    pairs = {f"{x}|{y}": [algs[x], algs[y]] for x in names for y in names if x != y}
    poi_spread = intervals(pairs, metrics.probability_of_improvement, POI_REPS, POI_SEEDS)
    fx["poi"] = {"reps": POI_REPS, "seeds": POI_SEEDS, "pairs": [
        {"x": k.split("|")[0], "y": k.split("|")[1],
         "estimate": float(metrics.probability_of_improvement(*v)), **{e: (s[0] if e.endswith(("mean", "sd")) else [s[0][0], s[1][0]]) for e, s in poi_spread[k].items()}}
        for k, v in pairs.items()]}
    taus = np.asarray(taus, dtype=float)
    prof = {"taus": taus.tolist(), "reps": POI_REPS, "seeds": POI_SEEDS, "by_algorithm": {}}
    for kind, profile in (("run_score", rly.score_distributions), ("average_score", rly.average_score_distributions)):
        func = lambda x, profile=profile: profile(x, taus)
        sp = intervals(algs, func, POI_REPS, POI_SEEDS)
        for k, v in algs.items():
            prof["by_algorithm"].setdefault(k, {})[kind] = {"estimate": np.asarray(func(v), float).tolist(), **sp[k]}
    fx["profiles"] = prof
    if curve is not None:
        steps, cur = curve   # cur: name -> array (runs, tasks, steps)
        iqm_steps = lambda x: np.array([metrics.aggregate_iqm(x[..., j]) for j in range(x.shape[-1])])
        fx["curves"] = {"steps": list(map(float, steps)), "reps": AGG_REPS, "seeds": POI_SEEDS, "by_algorithm": {
            k: {"scores": np.moveaxis(v, -1, 0).tolist(), "iqm": iqm_steps(v).tolist(), **spread_k}
            for (k, v), spread_k in zip(cur.items(), intervals(cur, iqm_steps, AGG_REPS, POI_SEEDS).values())}}
    return fx


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.join(here, "..", "..", "Tests", "S2ACCoreTests", "Fixtures", "rliable")
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=default_out)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    g = np.random.default_rng(20240506)
    sets = []

    # Ties: scores on a coarse grid, one algorithm equal to another on a task, 3 runs.
    a = g.integers(0, 5, size=(3, 4)) / 4.0
    b = g.integers(0, 5, size=(3, 4)) / 4.0
    b[:, 1] = a[:, 1]
    c = np.clip(a + g.integers(-1, 2, size=(3, 4)) / 4.0, 0, 1.25)
    sets.append(dataset("ties_3runs", "3 runs x 4 tasks on a grid of quarters; B equals A on task 1",
                        {"A": a, "B": b, "C": c}, np.linspace(0, 1.25, 11)))

    # Skew: lognormal scores, 5 runs x 5 tasks (the Fig 8 shape).
    algs = {n: np.exp(g.normal(mu, 0.8, size=(5, 5))) / 3.0 for n, mu in (("S2AC", 0.2), ("SAC", 0.0), ("DDPG", -0.5))}
    sets.append(dataset("skew_5runs", "5 runs x 5 tasks, lognormal (heavy right tail)", algs, np.linspace(0, 3, 31)))

    # 10 runs, 3 tasks, normal; plus a 7-run algorithm (unequal run counts across algorithms).
    algs = {"P": g.normal(0.7, 0.2, size=(10, 3)), "Q": g.normal(0.6, 0.3, size=(10, 3)),
            "R": g.normal(0.65, 0.25, size=(7, 3))}
    sets.append(dataset("normal_10runs", "10, 10 and 7 runs x 3 tasks, normal", algs, np.linspace(-0.2, 1.4, 17)))

    # A learning curve: 5 runs x 3 tasks x 6 steps.
    steps = [0, 20000, 40000, 60000, 80000, 100000]
    cur = {}
    for n, rate in (("S2AC", 1.0), ("SAC", 0.7)):
        base = g.uniform(0.3, 1.0, size=(5, 3, 1)) * rate
        cur[n] = base * (1 - np.exp(-np.array(steps) / 30000.0)) + g.normal(0, 0.05, size=(5, 3, 6))
    final = {k: v[..., -1] for k, v in cur.items()}
    sets.append(dataset("curve_5runs", "5 runs x 3 tasks x 6 steps; final step for the aggregates",
                        final, np.linspace(0, 1, 11), curve=(steps, cur)))

    for fx in sets:
        path = os.path.join(args.out, fx["name"] + ".json")
        with open(path + ".tmp", "w") as f:
            json.dump(fx, f, indent=1)
        os.replace(path + ".tmp", path)
        print("wrote", path, file=sys.stderr)


if __name__ == "__main__":
    main()
