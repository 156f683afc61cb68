"""Savitzky-Golay conformance fixture: scipy.signal.savgol_filter(x, window, polyorder) with
its defaults (mode='interp', deriv=0, delta=1.0), for the Swift `savitzkyGolay`.

  python3 -m venv .venv-scipy && .venv-scipy/bin/pip install -r scripts/reference/requirements-savgol.txt
  .venv-scipy/bin/python scripts/reference/savgol_fixture.py

Writes Tests/S2ACCoreTests/Fixtures/savgol.json:
  - cases: series x (noisy learning-curve shapes and a polynomial, from a seeded numpy
    generator) smoothed with windows 3, 4, 7, 10, 11 and orders 1, 2, 3 (order < window), at
    lengths equal to the window, one longer, and longer still; each with scipy's output y;
  - refused: (length, window, order) that scipy refuses, with its message (series shorter
    than the window in mode 'interp', order not below the window).
Deterministic: a rerun with the pinned versions gives the same bytes.
"""
import json
import sys
from pathlib import Path

import numpy as np
import scipy
from scipy.signal import savgol_filter

OUT = Path(__file__).resolve().parents[2] / "Tests" / "S2ACCoreTests" / "Fixtures" / "savgol.json"
WINDOWS = [3, 4, 7, 10, 11]
ORDERS = [1, 2, 3]


def series(rng, n, kind):
    t = np.arange(n, dtype=np.float64)
    if kind == "curve":  # a learning curve: saturating rise plus noise, returns in the thousands
        return 3000 * (1 - np.exp(-t / max(n / 3, 1))) + rng.normal(0, 150, n)
    if kind == "steps":  # jumps between plateaus, negative values
        return np.where(t < n / 2, -50.0, 400.0) + rng.normal(0, 20, n)
    return 0.5 - 0.25 * t + 0.03 * t**2 - 0.001 * t**3  # a cubic: order 3 reproduces it


def main():
    rng = np.random.default_rng(20240801)
    cases = []
    for window in WINDOWS:
        for order in ORDERS:
            if order >= window:
                continue
            for n, kind in ((window, "curve"), (window + 1, "steps"), (3 * window + 5, "curve"), (2 * window + 3, "cubic")):
                x = series(rng, n, kind)
                y = savgol_filter(x, window, order)
                cases.append({"window": window, "order": order, "kind": kind,
                              "x": [float(v) for v in x], "y": [float(v) for v in y]})
    refused = []
    for n, window, order in ((5, 10, 2), (9, 10, 1), (2, 3, 1), (0, 3, 1), (20, 4, 4), (20, 10, 12)):
        try:
            savgol_filter(np.linspace(0, 1, n), window, order)
        except ValueError as e:
            refused.append({"length": n, "window": window, "order": order, "scipy_message": str(e)})
        else:
            raise SystemExit(f"scipy accepted length {n}, window {window}, order {order}")
    fixture = {"generator": "scripts/reference/savgol_fixture.py", "scipy": scipy.__version__,
               "numpy": np.__version__, "mode": "interp", "cases": cases, "refused": refused}
    OUT.write_text(json.dumps(fixture, indent=None, separators=(",", ":")) + "\n")
    print(f"{OUT.name}: {len(cases)} cases, {len(refused)} refused, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    sys.exit(main())
