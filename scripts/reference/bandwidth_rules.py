#!/usr/bin/env python3
"""The kernel bandwidth rules of the S2AC presets side by side (README, "Agents and train"):
the authors' "forth" rule and Tables 3-4's `sigma = sum_{i,j} |a_i - a_j|^2 / (4 (2 log m + 1))`,
read literally (the kernel's sigma, as the paper's kernel exp(-|x - y|^2 / (2 sigma^2)) uses
it) and as sigma^2.

1. The sigma each rule gives for the particle clouds of the presets' q0 (200 draws each).
2. SVGD (score undivided, repulsion weight 1, step 0.1, 500 steps, m = 10, q0 N(0, 0.3 I))
   on an equal mixture of N((2, 0), I) and N((-2, 0), I), 20 seeds: how often both modes keep
   particles, and the particles' spread along y (the target's is 1).

numpy only; a few seconds:  python3 scripts/reference/bandwidth_rules.py
"""
import numpy as np


def rules(x):
    """sigma under "forth", the tables' rule read as sigma, and read as sigma^2."""
    m = len(x)
    r2 = ((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)
    forth = np.sqrt(0.5 * r2.mean() / (2 * np.log(m + 1)))
    table = r2.sum() / (4 * (2 * np.log(m) + 1))
    return {"forth": forth, "table": table, "table as variance": np.sqrt(table)}


def mixture_score(x):
    mus = np.array([[2.0, 0.0], [-2.0, 0.0]])
    d = x[:, None, :] - mus[None]
    w = np.exp(-0.5 * (d ** 2).sum(-1))
    w /= w.sum(1, keepdims=True)
    return -(w[:, :, None] * d).sum(1)


def main():
    rng = np.random.default_rng(0)
    print("1. sigma of each rule on q0's particles (mean of 200 draws)")
    for name, m, d, var in (("multigoal q0 N(0, 0.3 I), m 10, d 2", 10, 2, 0.3),
                            ("MuJoCo q0 N(0, 0.5 I), m 10, d 6", 10, 6, 0.5),
                            ("Fig 4 q0 N(0, 6 I), m 200, d 2", 200, 2, 6.0)):
        draws = [rules(rng.normal(0, np.sqrt(var), (m, d))) for _ in range(200)]
        cells = ", ".join(f"{k} {np.mean([r[k] for r in draws]):.3g}" for k in draws[0])
        print(f"  {name} (particle std {np.sqrt(var):.2f}): {cells}")
    print("2. SVGD on a two-mode mixture, 20 seeds")
    for rule in ("forth", "table", "table as variance"):
        both, spread = 0, []
        for seed in range(20):
            x = np.random.default_rng(seed).normal(0, np.sqrt(0.3), (10, 2))
            for _ in range(500):
                diff = x[:, None, :] - x[None, :, :]
                sigma = rules(x)[rule]
                k = np.exp(-(diff ** 2).sum(-1) / (2 * sigma ** 2))
                x = x + 0.1 * (k @ mixture_score(x) + (k[:, :, None] * diff).sum(1) / sigma ** 2) / len(x)
            share = (x[:, 0] > 0).mean()
            both += 0 < share < 1
            spread.append(x[:, 1].std())
        print(f"  {rule}: both modes kept in {both} of 20 runs; spread along y {np.mean(spread):.2f} (target 1)")


if __name__ == "__main__":
    main()
