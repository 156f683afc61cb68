#!/usr/bin/env python3
"""Checks a before-fixes.sh folder: every run file holds the overrides the script promises.

S2AC runs: s2ac.squashedScore false, s2ac.sigmaP0 0.3, s2ac.stepSize = eps / alpha with eps the
step of the same agent's configuration without overrides (given as --eps); SQL runs:
sql.uniformValueSamples and sql.squashCorrection false (SAC and SAC-NF take none). With
--before-after CSV (before_after.py's table against a `make multigoal` of the same preset and
binary): every cell has both sides, and SAC's and SAC-NF's, which the fixes did not change,
are the same on both. Exit 1 with one line per run or cell that differs, 2 on bad input.
Usage: check_before_fixes.py RUNS_FOLDER --eps EPS [--before-after CSV]
"""
import csv
import argparse
import glob
import json
import math
import os
import sys

import h5py


def main():
    p = argparse.ArgumentParser()
    p.add_argument("folder", help="a multigoal-modes output folder (with runs/)")
    p.add_argument("--eps", type=float, required=True, help="the S2AC step size of the preset")
    p.add_argument("--before-after", help="before_after.py's multigoal_before_after.csv")
    args = p.parse_args()
    paths = sorted(glob.glob(os.path.join(args.folder, "runs", "*.h5")))
    if not paths:
        print(f"check_before_fixes.py: no run files in {args.folder}/runs", file=sys.stderr)
        sys.exit(2)
    bad, agents = [], set()
    for path in paths:
        with h5py.File(path, "r") as f:
            raw = f["run"].attrs["config_json"]
        spec = json.loads(raw.decode() if isinstance(raw, bytes) else str(raw))
        agent, alpha, train = spec["agent"], float(spec["alpha"]), spec["train"]
        agents.add(agent)
        name = os.path.basename(path)
        if agent.startswith("s2ac"):
            s = train["s2ac"]
            if s["squashedScore"] is not False:
                bad.append(f"{name}: s2ac.squashedScore {s['squashedScore']}, expected false")
            if not math.isclose(s["sigmaP0"], 0.3, rel_tol=1e-12):
                bad.append(f"{name}: s2ac.sigmaP0 {s['sigmaP0']}, expected 0.3")
            if not math.isclose(s["stepSize"], args.eps / alpha, rel_tol=1e-12):
                bad.append(f"{name}: s2ac.stepSize {s['stepSize']}, expected {args.eps} / {alpha}")
        elif agent == "sql":
            s = train["sql"]
            for field in ("uniformValueSamples", "squashCorrection"):
                if s[field] is not False:
                    bad.append(f"{name}: sql.{field} {s[field]}, expected false")
    cells = 0
    if args.before_after:
        if not os.path.isfile(args.before_after):
            print(f"check_before_fixes.py: no {args.before_after}", file=sys.stderr)
            sys.exit(2)
        sides = {}
        with open(args.before_after, newline="") as f:
            for r in csv.DictReader(f):
                key = (r["agent"], r["alpha"], r["seed"], r["selection"])
                sides.setdefault(key, {})[r["side"]] = {k: v for k, v in r.items() if k != "side"}
        cells = len(sides)
        for key, both in sorted(sides.items()):
            if set(both) != {"before", "after"}:
                bad.append(f"{key}: only {', '.join(both)} in the before/after table")
            elif key[0] in ("sac", "sac-nf") and both["before"] != both["after"]:
                bad.append(f"{key}: {key[0]} differs before and after, though the fixes do not touch it")
        pooled = {(k[0], k[1], k[3]) for k in sides if k[2] == "all"}
        for cell in sorted({(k[0], k[1], k[3]) for k in sides if k[2] != "all"} - pooled):
            bad.append(f"{cell}: no row pooled over the seeds (seed all)")
        if not any(k[0] in ("sac", "sac-nf") for k in sides):
            bad.append("the before/after table has no SAC or SAC-NF cell to compare")
    for line in bad:
        print(f"check_before_fixes.py: {line}")
    print(f"check_before_fixes.py: {len(paths)} run files ({', '.join(sorted(agents))})"
          + (f", {cells} before/after cells" if args.before_after else "") + f", {len(bad)} differ")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
