#!/usr/bin/env python3
"""Writes Tests/S2ACCoreTests/Fixtures/torch_agents.json: one PyTorch update of each agent on
fixed weights, a fixed batch and fixed standard-normal noise, checked by TorchAgentTests.swift.

This is our own PyTorch implementation of the losses of REFERENCE.md section 4 (not the
authors' code). Pinned like torch_critic_fixture.py: torch==2.15.0, numpy==2.3.5.
Run from the repository root:  <venv>/bin/python scripts/reference/torch_agents.py
Benchmark (used by bench-agents):  <venv>/bin/python scripts/reference/torch_agents.py bench --threads 1

Weights and batch are not stored: both sides draw them from xoshiro256** (the suite's
Xoshiro256(seed:)) as value = bound * (2u - 1), u = (next >> 11) * 2^-53, in double, then
rounded to float32 (see `draw`). The noise is stored (it is small). One function per agent
(`sac_case`, ...) returns that agent's entry; add new agents to AGENTS.
"""
import argparse
import json
import math
import os
import sys
import time

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


class TorchSAC:
    """SAC, REFERENCE sections 3-4, with weights drawn from `rng` in the order actor trunk
    layers, mu, log_std (bias bound `log_std_bias_bound`), q1, q2, q1_target, q2_target."""

    def __init__(self, c, rng, act=torch.relu):
        self.c, self.act = c, act
        obs, na, h = c["obs"], c["act"], c["actor_hidden"]
        self.trunk = mlp_layers(rng, [obs] + h)
        self.mu = linear(rng, h[-1], na)
        self.log_std = linear(rng, h[-1], na, bias_bound=c["log_std_bias_bound"])
        self.q1, self.q2, self.q1t, self.q2t = [mlp_layers(rng, [obs + na] + c["critic_hidden"] + [1]) for _ in range(4)]
        self.actor_params = named("trunk", self.trunk) + [
            ("mu.weight", self.mu.weight), ("mu.bias", self.mu.bias),
            ("log_std.weight", self.log_std.weight), ("log_std.bias", self.log_std.bias)]
        self.critic_params = named("q1", self.q1) + named("q2", self.q2)

    def policy(self, s, xi):
        hh = mlp_forward(self.trunk, s, self.act, True)
        m = self.mu(hh)
        ls = torch.clamp(self.log_std(hh), -20.0, 2.0)
        u = m + torch.exp(ls) * xi
        logp = (-0.5 * xi ** 2 - ls - 0.5 * math.log(2 * math.pi)).sum(dim=1)
        logp = logp - (2 * (math.log(2.0) - u - torch.nn.functional.softplus(-2 * u))).sum(dim=1)
        return self.c["act_limit"] * torch.tanh(u), logp

    def mean_action(self, s):
        return self.c["act_limit"] * torch.tanh(self.mu(mlp_forward(self.trunk, s, self.act, True)))

    def q(self, layers, s, a):
        return mlp_forward(layers, torch.cat([s, a], dim=1), self.act, False).reshape(-1)

    def critic_loss(self, data, next_noise):
        c = self.c
        s, a, r = data["observations"], data["actions"], data["rewards"]
        s2, d = data["next_observations"], data["terminated"]
        with torch.no_grad():
            a2, logp2 = self.policy(s2, next_noise)
            soft = torch.minimum(self.q(self.q1t, s2, a2), self.q(self.q2t, s2, a2)) - c["alpha_critic"] * logp2
            y = r + c["gamma"] * (1 - d) * soft
        return ((self.q(self.q1, s, a) - y) ** 2).mean() + ((self.q(self.q2, s, a) - y) ** 2).mean()

    def actor_loss(self, data, noise):
        s = data["observations"]
        pa, logp = self.policy(s, noise)
        return (self.c["alpha_actor"] * logp - torch.minimum(self.q(self.q1, s, pa), self.q(self.q2, s, pa))).mean()

    def targets(self):
        return [(lt, ls) for tgt, src in ((self.q1t, self.q1), (self.q2t, self.q2)) for lt, ls in zip(tgt, src)]


def sac_case():
    """SAC on SAC's fixed weights, batch and noise (draw order in TorchSAC, then the batch)."""
    c = SAC
    rng = Xoshiro256(c["seed"])
    agent = TorchSAC(c, rng)
    data = batch(rng, c["batch"], c["obs"], c["act"], c["act_limit"])
    gen = torch.Generator().manual_seed(c["seed"])
    next_noise = torch.randn(c["batch"], c["act"], generator=gen, dtype=DTYPE)
    noise = torch.randn(c["batch"], c["act"], generator=gen, dtype=DTYPE)
    actor_params, critic_params = agent.actor_params, agent.critic_params

    # Losses and gradients at the initial parameters.
    lc = agent.critic_loss(data, next_noise)
    gc = torch.autograd.grad(lc, [t for _, t in critic_params])
    la = agent.actor_loss(data, noise)
    ga = torch.autograd.grad(la, [t for _, t in actor_params])

    # One full update: critic Adam step, actor loss on the updated critics and its Adam
    # step (critic parameters untouched by it), then Polyak averaging of the targets.
    opt_c = torch.optim.Adam([t for _, t in critic_params], lr=c["lr_critic"])
    opt_a = torch.optim.Adam([t for _, t in actor_params], lr=c["lr_actor"])
    opt_c.zero_grad()
    agent.critic_loss(data, next_noise).backward()
    opt_c.step()
    opt_a.zero_grad()
    actor_loss_after = agent.actor_loss(data, noise)
    grads_after = torch.autograd.grad(actor_loss_after, [t for _, t in actor_params])
    for (_, t), g in zip(actor_params, grads_after):
        t.grad = g
    opt_a.step()
    with torch.no_grad():
        for lt, ls in agent.targets():
            for pt, ps in ((lt.weight, ls.weight), (lt.bias, ls.bias)):
                pt.copy_(c["tau"] * ps + (1 - c["tau"]) * pt)
    after = {f"actor.{n}": flat(t) for n, t in actor_params}
    for prefix, layers in (("q1", agent.q1), ("q2", agent.q2), ("q1_target", agent.q1t), ("q2_target", agent.q2t)):
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


def sac_bench(obs, act, repeats):
    """One SAC update (paper sizes: critics and actor 2 x 256, ReLU, batch 100) and one mean
    action for one state; returns the median milliseconds (update, action). Written for speed
    the way a tuned PyTorch SAC is: fused Adam, autograd.grad of the actor loss into the actor
    only, foreach lerp for the targets."""
    c = dict(SAC, batch=100, obs=obs, act=act, act_limit=1.0, critic_hidden=[256, 256], actor_hidden=[256, 256],
             lr_critic=3e-4, lr_actor=3e-4, tau=0.005, log_std_bias_bound=1.0 / math.sqrt(256))
    rng = Xoshiro256(5)
    agent = TorchSAC(c, rng)
    data = batch(rng, c["batch"], obs, act, 1.0)
    data["terminated"] = torch.zeros(c["batch"])  # the fixture's pattern needs a multiple of 8
    actor = [t for _, t in agent.actor_params]
    critic = [t for _, t in agent.critic_params]
    opt_c = torch.optim.Adam(critic, lr=c["lr_critic"], fused=True)
    opt_a = torch.optim.Adam(actor, lr=c["lr_actor"], fused=True)
    targets = [p for lt, _ in agent.targets() for p in (lt.weight, lt.bias)]
    sources = [p for _, ls in agent.targets() for p in (ls.weight, ls.bias)]

    def update():
        next_noise, noise = torch.randn(c["batch"], act), torch.randn(c["batch"], act)
        opt_c.zero_grad(set_to_none=True)
        agent.critic_loss(data, next_noise).backward()
        opt_c.step()
        for t, g in zip(actor, torch.autograd.grad(agent.actor_loss(data, noise), actor)):
            t.grad = g
        opt_a.step()
        with torch.no_grad():
            torch._foreach_lerp_(targets, sources, c["tau"])

    state = data["observations"][:1]

    def action():
        with torch.no_grad():
            return agent.mean_action(state)

    return bench_median(update, repeats), bench_median(action, repeats)


def bench_median(f, repeats, warmup=2):
    """Median milliseconds of f: CPU time with one thread, wall time otherwise (bench-agents' rule)."""
    clock = time.process_time if torch.get_num_threads() == 1 else time.perf_counter
    times = []
    for k in range(warmup + repeats):
        t0 = clock()
        f()
        if k >= warmup:
            times.append((clock() - t0) * 1e3)
    return float(np.median(times))


AGENTS = {"sac": sac_case}

# agent -> bench function(obs, act, repeats) -> (update ms, action ms), at Hopper (11 x 3) and
# multigoal (2 x 2) dimensions; `bench` prints agent,obs,act,update_ms,action_ms per line.
BENCHES = {"sac": sac_bench}
BENCH_DIMS = [(11, 3), (2, 2)]


def bench(threads, repeats):
    torch.set_num_threads(threads)
    for name, f in BENCHES.items():
        for obs, act in BENCH_DIMS:
            u, a = f(obs, act, repeats)
            print(f"{name},{obs},{act},{u:.4f},{a:.4f}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", nargs="?", choices=["fixtures", "bench"], default="fixtures")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=10)
    args = ap.parse_args()
    if args.mode == "bench":
        bench(args.threads, args.repeats)
        return
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
