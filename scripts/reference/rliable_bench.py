#!/usr/bin/env python3
"""Times the pinned rliable on a scores CSV, for `make bench` (bench-rliable runs it).

Computes what bench-rliable times in Swift, the way rliable's own examples do:
  * aggregates: get_interval_estimates over a function returning median, IQM, mean and
    optimality gap, percentile intervals, --agg-reps replicates (rliable's default 50000);
  * probability of improvement: get_interval_estimates over every ordered pair, --poi-reps.
Prints one JSON object on stdout: timings and point estimates (for a cross-check).

Usage: .venv-rliable/bin/python scripts/reference/rliable_bench.py --scores FILE.csv
"""
import argparse
import csv
import json
import time
from collections import OrderedDict

import numpy as np
from rliable import library as rly
from rliable import metrics


def load(path):
    cells = OrderedDict()
    tasks = []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            alg, task = row["algorithm"], row["task"]
            if task not in tasks:
                tasks.append(task)
            cells.setdefault(alg, OrderedDict()).setdefault(task, []).append(float(row["score"]))
    return {a: np.array([by_task[t] for t in tasks]).T for a, by_task in cells.items()}  # runs x tasks


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scores", required=True)
    ap.add_argument("--agg-reps", type=int, default=50000)
    ap.add_argument("--poi-reps", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    scores = load(args.scores)
    four = lambda x: np.array([metrics.aggregate_median(x), metrics.aggregate_iqm(x),
                               metrics.aggregate_mean(x), metrics.aggregate_optimality_gap(x)])
    np.random.seed(args.seed)  # rliable 1.2 draws from numpy's global generator
    t0 = time.perf_counter()
    points, cis = rly.get_interval_estimates(scores, four, reps=args.agg_reps)
    t_agg = time.perf_counter() - t0
    names = list(scores)
    pairs = {f"{x}>{y}": [scores[x], scores[y]] for x in names for y in names if x != y}
    t0 = time.perf_counter()
    poi, poi_cis = rly.get_interval_estimates(pairs, metrics.probability_of_improvement, reps=args.poi_reps)
    t_poi = time.perf_counter() - t0
    print(json.dumps({
        "aggregate_seconds": t_agg, "poi_seconds": t_poi, "agg_reps": args.agg_reps, "poi_reps": args.poi_reps,
        "aggregates": {k: np.asarray(v, float).tolist() for k, v in points.items()},
        "aggregate_cis": {k: np.asarray(v, float).tolist() for k, v in cis.items()},
        "poi": {k: float(v) for k, v in poi.items()},
    }))


if __name__ == "__main__":
    main()
