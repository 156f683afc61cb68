#!/usr/bin/env python3
"""Writes Tests/S2ACCoreTests/Fixtures/torch_agents.json: one PyTorch update of each agent on
fixed weights, a fixed batch and fixed standard-normal noise, checked by TorchAgentTests.swift.

This is our own PyTorch implementation of the losses of REFERENCE.md section 4 (not the
authors' code). Pinned like torch_critic_fixture.py: torch==2.15.0, numpy==2.3.5.
Run from the repository root:  <venv>/bin/python scripts/reference/torch_agents.py

Weights and batch are not stored: both sides draw them from xoshiro256** (the suite's
Xoshiro256(seed:)) as value = bound * (2u - 1), u = (next >> 11) * 2^-53, in double, then
rounded to float32 (see `draw`). The noise is stored (it is small). One function per agent
(`sac_case`, ...) returns that agent's entry; add new agents to AGENTS.
"""
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_critic_fixture import PINNED, Xoshiro256  # noqa: E402

DTYPE = torch.float32


def draw(rng, bound, shape):
    n = int(np.prod(shape))
    return torch.tensor(np.array(rng.uniform(bound, n), dtype=np.float64).reshape(shape), dtype=DTYPE)


def linear(rng, fan_in, fan_out, bias_bound=None):
    """nn.Linear with weight then bias drawn with bound 1/sqrt(fan_in) (bias_bound if given)."""
    lin = torch.nn.Linear(fan_in, fan_out, dtype=DTYPE)
    bound = 1.0 / math.sqrt(fan_in)
    with torch.no_grad():
        lin.weight.copy_(draw(rng, bound, (fan_out, fan_in)))
        lin.bias.copy_(draw(rng, bias_bound if bias_bound is not None else bound, (fan_out,)))
    return lin


def mlp_layers(rng, sizes):
    return [linear(rng, sizes[i], sizes[i + 1]) for i in range(len(sizes) - 1)]


def mlp_forward(layers, x, act, final_act):
    for i, lin in enumerate(layers):
        x = lin(x)
        if i < len(layers) - 1 or final_act:
            x = act(x)
    return x


def named(prefix, layers):
    return [(f"{prefix}.layers.{i}.{p}", t) for i, lin in enumerate(layers) for p, t in (("weight", lin.weight), ("bias", lin.bias))]


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def batch(rng, b, obs, act, act_limit):
    """Observations, actions (inside the limit), rewards, next observations, in that order."""
    return {
        "observations": draw(rng, 1.0, (b, obs)),
        "actions": draw(rng, 0.9 * act_limit, (b, act)),
        "rewards": draw(rng, 1.0, (b,)),
        "next_observations": draw(rng, 1.0, (b, obs)),
        # Fixed patterns: termination stops bootstrapping, truncation does not.
        "terminated": torch.tensor([0, 1, 0, 0, 1, 0, 0, 0] * (b // 8), dtype=DTYPE),
        "truncated": torch.tensor([0, 0, 1, 0, 0, 0, 1, 0] * (b // 8), dtype=DTYPE),
    }


SAC = {"seed": 515, "batch": 8, "obs": 5, "act": 2, "act_limit": 1.5, "critic_hidden": [16, 16],
       "actor_hidden": [16, 16, 16], "lr_critic": 1e-3, "lr_actor": 2e-3, "gamma": 0.99,
       "alpha_critic": 0.2, "alpha_actor": 0.3, "tau": 0.1, "log_std_bias_bound": 3.0}


def sac_case():
    """SAC, REFERENCE sections 3-4. Draw order: actor trunk layers, mu, log_std (bias bound 3,
    so some log sigma are clamped), q1, q2, q1_target, q2_target, then the batch."""
    c = SAC
    rng = Xoshiro256(c["seed"])
    obs, act, lim = c["obs"], c["act"], c["act_limit"]
    h = c["actor_hidden"]
    trunk = mlp_layers(rng, [obs] + h)
    mu = linear(rng, h[-1], act)
    log_std = linear(rng, h[-1], act, bias_bound=c["log_std_bias_bound"])
    critics = [mlp_layers(rng, [obs + act] + c["critic_hidden"] + [1]) for _ in range(4)]
    q1, q2, q1t, q2t = critics
    data = batch(rng, c["batch"], obs, act, lim)
    gen = torch.Generator().manual_seed(c["seed"])
    next_noise = torch.randn(c["batch"], act, generator=gen, dtype=DTYPE)
    noise = torch.randn(c["batch"], act, generator=gen, dtype=DTYPE)

    actor_params = named("trunk", trunk)
    actor_params += [("mu.weight", mu.weight), ("mu.bias", mu.bias), ("log_std.weight", log_std.weight), ("log_std.bias", log_std.bias)]
    critic_params = named("q1", q1) + named("q2", q2)
    relu = torch.relu

    def policy(s, xi):
        hh = mlp_forward(trunk, s, relu, True)
        m = mu(hh)
        ls = torch.clamp(log_std(hh), -20.0, 2.0)
        u = m + torch.exp(ls) * xi
        logp = (-0.5 * xi ** 2 - ls - 0.5 * math.log(2 * math.pi)).sum(dim=1)
        logp = logp - (2 * (math.log(2.0) - u - torch.nn.functional.softplus(-2 * u))).sum(dim=1)
        return lim * torch.tanh(u), logp

    def q(layers, s, a):
        return mlp_forward(layers, torch.cat([s, a], dim=1), relu, False).reshape(-1)

    s, a, r = data["observations"], data["actions"], data["rewards"]
    s2, d = data["next_observations"], data["terminated"]

    def critic_loss():
        with torch.no_grad():
            a2, logp2 = policy(s2, next_noise)
            soft = torch.minimum(q(q1t, s2, a2), q(q2t, s2, a2)) - c["alpha_critic"] * logp2
            y = r + c["gamma"] * (1 - d) * soft
        return ((q(q1, s, a) - y) ** 2).mean() + ((q(q2, s, a) - y) ** 2).mean()

    def actor_loss():
        pa, logp = policy(s, noise)
        return (c["alpha_actor"] * logp - torch.minimum(q(q1, s, pa), q(q2, s, pa))).mean()

    # Losses and gradients at the initial parameters.
    lc = critic_loss()
    gc = torch.autograd.grad(lc, [t for _, t in critic_params])
    la = actor_loss()
    ga = torch.autograd.grad(la, [t for _, t in actor_params])

    # One full update: critic Adam step, actor loss on the updated critics and its Adam
    # step (critic parameters untouched by it), then Polyak averaging of the targets.
    opt_c = torch.optim.Adam([t for _, t in critic_params], lr=c["lr_critic"])
    opt_a = torch.optim.Adam([t for _, t in actor_params], lr=c["lr_actor"])
    opt_c.zero_grad()
    critic_loss().backward()
    opt_c.step()
    opt_a.zero_grad()
    actor_loss_after = actor_loss()
    grads_after = torch.autograd.grad(actor_loss_after, [t for _, t in actor_params])
    for (_, t), g in zip(actor_params, grads_after):
        t.grad = g
    opt_a.step()
    with torch.no_grad():
        for tgt, src in ((q1t, q1), (q2t, q2)):
            for lt, ls in zip(tgt, src):
                for pt, ps in ((lt.weight, ls.weight), (lt.bias, ls.bias)):
                    pt.copy_(c["tau"] * ps + (1 - c["tau"]) * pt)
    after = {f"actor.{n}": flat(t) for n, t in actor_params}
    for prefix, layers in (("q1", q1), ("q2", q2), ("q1_target", q1t), ("q2_target", q2t)):
        after.update({n: flat(t) for n, t in named(prefix, layers)})
    return {
        "config": c,
        "terminated": flat(data["terminated"]),
        "truncated": flat(data["truncated"]),
        "next_noise": flat(next_noise),
        "noise": flat(noise),
        "critic_loss": float(lc.detach()),
        "actor_loss": float(la.detach()),
        "critic_grads": {n: flat(g) for (n, _), g in zip(critic_params, gc)},
        "actor_grads": {f"actor.{n}": flat(g) for (n, _), g in zip(actor_params, ga)},
        "actor_loss_after_critic_step": float(actor_loss_after.detach()),
        "params_after_update": after,
    }


AGENTS = {"sac": sac_case}


def main():
    got = {"torch": torch.__version__.split("+")[0], "numpy": np.__version__}
    if got != PINNED:
        sys.exit(f"torch_agents: need {PINNED}, found {got}")
    torch.set_num_threads(1)
    out = {
        "generator": "xoshiro256** via Xoshiro256(seed:), value = bound * (2u - 1) in double, rounded to float32; "
                     "per Linear weight then bias, bound 1/sqrt(fan_in); draw order in each agent's docstring",
        "versions": got,
        "agents": {name: f() for name, f in AGENTS.items()},
    }
    path = os.path.join("Tests", "S2ACCoreTests", "Fixtures", "torch_agents.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
