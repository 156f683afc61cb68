#!/usr/bin/env python3
"""Writes Tests/S2ACCoreTests/Fixtures/torch_critic.json: PyTorch's values for an ELU critic
(state 11 + action 3 -> 256 -> 256 -> 1) in float32 and float64, used by TorchCriticTests.swift.

Pinned: torch==2.15.0, numpy==2.3.5 (Python 3.11). Installed into a git-ignored venv with
    python3 -m venv .venv-torch
    .venv-torch/bin/pip install torch==2.15.0 numpy==2.3.5
`pip install --no-deps torch==2.15.0` plus its pure-Python deps was tried first and fails at
`import torch` (the PyPI Linux wheel preloads CUDA libraries such as libcublasLt at import), so
the install needs the dependencies (about 5 GB of CUDA wheels; only the CPU is used).
Run from the repository root:  .venv-torch/bin/python scripts/reference/torch_critic_fixture.py

Weights, inputs and directions are not stored: both sides draw them from xoshiro256** seeded
through SplitMix64 (the suite's Xoshiro256(seed:)), as u = (next >> 11) * 2^-53 and
value = bound * (2u - 1) in double, then rounded to the dtype. That keeps the file small and
exact. The fixture stores a few drawn values so the Swift side can confirm it drew the same.
"""
import json
import math
import os
import sys

import numpy as np
import torch

PINNED = {"torch": "2.15.0", "numpy": "2.3.5"}
MASK = (1 << 64) - 1
SEED = 2024
BATCH = 8
STATE, ACTION, HIDDEN = 11, 3, 256
STEP = 0.1  # the SVGD-like step a' = a + STEP * dQ/da


class Xoshiro256:
    """xoshiro256** (Blackman & Vigna), state from SplitMix64 of the seed, as in Random.swift."""

    def __init__(self, seed):
        x = seed
        self.s = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & MASK
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            self.s.append(z ^ (z >> 31))

    @staticmethod
    def rotl(v, k):
        return ((v << k) | (v >> (64 - k))) & MASK

    def next(self):
        s0, s1, s2, s3 = self.s
        result = (self.rotl((s1 * 5) & MASK, 7) * 9) & MASK
        t = (s1 << 17) & MASK
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = self.rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return result

    def uniform(self, bound, count):
        # Double arithmetic, exactly as the Swift test does before rounding to the dtype.
        return [bound * (2.0 * ((self.next() >> 11) * 2.0 ** -53) - 1.0) for _ in range(count)]


def draw(rng, bound, shape, dtype):
    n = int(np.prod(shape))
    return torch.tensor(np.array(rng.uniform(bound, n), dtype=np.float64).reshape(shape), dtype=dtype)


def flat(t):
    # float() of a float32 or float64 value is exact; json writes the shortest repr that
    # parses back to the same double, so the values round-trip bit for bit.
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def case(dtype):
    rng = Xoshiro256(SEED)
    sizes = [STATE + ACTION, HIDDEN, HIDDEN, 1]
    layers = []
    for i in range(3):
        lin = torch.nn.Linear(sizes[i], sizes[i + 1], dtype=dtype)
        bound = 1.0 / math.sqrt(sizes[i])  # PyTorch's default init range for both tensors
        with torch.no_grad():
            lin.weight.copy_(draw(rng, bound, (sizes[i + 1], sizes[i]), dtype))
            lin.bias.copy_(draw(rng, bound, (sizes[i + 1],), dtype))
        layers.append(lin)
    critic = torch.nn.Sequential(layers[0], torch.nn.ELU(), layers[1], torch.nn.ELU(), layers[2])
    names = [f"layers.{i}.{p}" for i in range(3) for p in ("weight", "bias")]
    params = [t for lin in layers for t in (lin.weight, lin.bias)]
    first_drawn = {n: flat(p)[:4] for n, p in zip(names, params)}

    state = draw(rng, 1.0, (BATCH, STATE), dtype)
    action = draw(rng, 1.0, (BATCH, ACTION), dtype).requires_grad_(True)
    v = draw(rng, 1.0, (BATCH, ACTION), dtype)

    q = critic(torch.cat([state, action], dim=1))
    dq_da = torch.autograd.grad(q.sum(), action, create_graph=True)[0]
    hvp = torch.autograd.grad((dq_da * v).sum(), action, retain_graph=True)[0]
    moved = action + STEP * dq_da
    loss = -critic(torch.cat([state, moved], dim=1)).mean()
    grads = torch.autograd.grad(loss, params + [action])

    big = grads[2]  # layers.1.weight: 65536 values, stored as row sums, column sums and samples
    picks = [rng.next() % big.numel() for _ in range(512)]
    big_flat = flat(big)
    adam_after = adam_steps(critic, names, params, state, action.detach(), picks) if dtype == torch.float64 else None
    return {
        "dtype": str(dtype).replace("torch.", ""),
        "adam": adam_after,
        "first_drawn": first_drawn,
        "q": flat(q),
        "dq_da": flat(dq_da),
        "hvp": flat(hvp),
        "loss": float(loss.detach()),
        "loss_grad_action": flat(grads[-1]),
        "loss_grads": {n: flat(g) for n, g in zip(names, grads[:-1]) if n != "layers.1.weight"},
        "loss_grad_layers.1.weight": {
            "row_sums": flat(big.sum(dim=1)),
            "column_sums": flat(big.sum(dim=0)),
            "indices": picks,
            "values": [big_flat[i] for i in picks],
        },
    }


ADAM = {"lr": 1e-2, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.01, "steps": 3}


def adam_steps(critic, names, params, state, action, picks):
    """Parameters after a few torch.optim.Adam steps on the second-order loss (float64 only:
    in float32, Adam's normalised step amplifies last-bit gradient differences)."""
    opt = torch.optim.Adam(params, lr=ADAM["lr"], betas=ADAM["betas"], eps=ADAM["eps"],
                           weight_decay=ADAM["weight_decay"])
    for _ in range(ADAM["steps"]):
        opt.zero_grad()
        a = action.clone().requires_grad_(True)
        dq = torch.autograd.grad(critic(torch.cat([state, a], dim=1)).sum(), a, create_graph=True)[0]
        loss = -critic(torch.cat([state, a + STEP * dq], dim=1)).mean()
        loss.backward()
        opt.step()
    big = flat(params[2])
    return {
        "settings": {k: (list(v) if isinstance(v, tuple) else v) for k, v in ADAM.items()},
        "params": {n: flat(p) for n, p in zip(names, params) if n != "layers.1.weight"},
        "layers.1.weight": {"row_sums": flat(params[2].sum(dim=1)), "values": [big[i] for i in picks]},
    }


def write_fixture(name, out):
    """Writes `out` as compact JSON to Tests/S2ACCoreTests/Fixtures/<name> (one line)."""
    path = os.path.join("Tests", "S2ACCoreTests", "Fixtures", name)
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def main():
    got = {"torch": torch.__version__.split("+")[0], "numpy": np.__version__}
    if got != PINNED:
        sys.exit(f"torch_critic_fixture: need {PINNED}, found {got}")
    torch.set_num_threads(1)
    out = {
        "generator": "xoshiro256** via Xoshiro256(seed:), u = (next >> 11) * 2^-53, value = bound * (2u - 1); "
                     "per layer weight then bias with bound 1/sqrt(fan_in); then state, action, v with bound 1; "
                     "then 512 indices next() % 65536",
        "seed": SEED,
        "step": STEP,
        "batch": BATCH,
        "sizes": [STATE, ACTION, HIDDEN],
        "versions": got,
        "cases": [case(torch.float32), case(torch.float64)],
    }
    write_fixture("torch_critic.json", out)


if __name__ == "__main__":
    main()
