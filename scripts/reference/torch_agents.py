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


SAC_NF = {"seed": 616, "batch": 8, "obs": 5, "act": 3, "act_limit": 1.5, "critic_hidden": [16, 16],
          "actor_hidden": [16, 16], "flow_layers": 2, "flow_bound": 0.4, "lr_critic": 1e-3, "lr_actor": 2e-3,
          "lr_flow": 5e-3, "gamma": 0.99, "alpha_critic": 0.2, "alpha_actor": 0.3, "tau": 0.1, "log_std_bias_bound": 3.0}


def radial_flow(z, z0, log_alpha, beta):
    """One radial layer (Rezende & Mohamed 2015): z + beta h (z - z0), h = 1/(alpha + |z - z0|),
    and log|det| = (d-1) log|1 + beta h| + log|1 + beta alpha h^2| per row."""
    d = z.shape[1]
    diff = z - z0
    r = torch.sqrt((diff ** 2).sum(dim=1, keepdim=True))
    alpha = torch.exp(log_alpha)
    h = 1.0 / (alpha + r)
    log_det = torch.log(torch.abs(1 + beta * alpha * h * h))
    if d > 1:
        log_det = log_det + (d - 1) * torch.log(torch.abs(1 + beta * h))
    return z + beta * h * diff, log_det.reshape(-1)


class SACNFTorch:
    """SAC-NF with K radial layers between the Gaussian sample and the tanh (see SACNF.swift).
    Draw order: actor trunk layers, mu, log_std (bias bound `log_std_bias_bound`), each flow
    layer's z0 [1, act], log_alpha [1], beta [1] (bound `flow_bound`), q1, q2, q1_target, q2_target."""

    def __init__(self, c, rng, weight_bound=None):
        obs, act, h = c["obs"], c["act"], c["actor_hidden"]
        self.c = c
        self.trunk = mlp_layers(rng, [obs] + h)
        self.mu = linear(rng, h[-1], act)
        self.log_std = linear(rng, h[-1], act, bias_bound=c["log_std_bias_bound"])
        self.flows = []
        for _ in range(c["flow_layers"]):
            self.flows.append([draw(rng, c["flow_bound"], s).requires_grad_() for s in ((1, act), (1,), (1,))])
        self.q1, self.q2, self.q1t, self.q2t = [mlp_layers(rng, [obs + act] + c["critic_hidden"] + [1]) for _ in range(4)]
        self._collect()

    def to_double(self):
        """The same values in float64 (for a rounding-free reference of the gradients)."""
        for layers in (self.trunk, [self.mu, self.log_std], self.q1, self.q2, self.q1t, self.q2t):
            for lin in layers:
                lin.double()
        self.flows = [[t.detach().double().requires_grad_() for t in f] for f in self.flows]
        self._collect()
        return self

    def _collect(self):
        c = self.c
        self.gaussian_params = named("trunk", self.trunk)
        self.gaussian_params += [("mu.weight", self.mu.weight), ("mu.bias", self.mu.bias),
                                 ("log_std.weight", self.log_std.weight), ("log_std.bias", self.log_std.bias)]
        self.flow_params = [(f"flow.{k}.{n}", t) for k, f in enumerate(self.flows) for n, t in zip(("z0", "log_alpha", "beta"), f)]
        self.actor_params = self.gaussian_params + self.flow_params
        self.critic_params = named("q1", self.q1) + named("q2", self.q2)
        self.opt_c = torch.optim.Adam([t for _, t in self.critic_params], lr=c["lr_critic"])
        self.opt_g = torch.optim.Adam([t for _, t in self.gaussian_params], lr=c["lr_actor"])
        self.opt_f = torch.optim.Adam([t for _, t in self.flow_params], lr=c["lr_flow"])

    def policy(self, s, xi):
        hh = mlp_forward(self.trunk, s, torch.relu, True)
        m = self.mu(hh)
        ls = torch.clamp(self.log_std(hh), -20.0, 2.0)
        u = m + torch.exp(ls) * xi
        logp = (-0.5 * xi ** 2 - ls - 0.5 * math.log(2 * math.pi)).sum(dim=1)
        for z0, log_alpha, beta in self.flows:
            u, log_det = radial_flow(u, z0, log_alpha, beta)
            logp = logp - log_det
        logp = logp - (2 * (math.log(2.0) - u - torch.nn.functional.softplus(-2 * u))).sum(dim=1)
        return self.c["act_limit"] * torch.tanh(u), logp

    def mean_action(self, s):
        u = self.mu(mlp_forward(self.trunk, s, torch.relu, True))
        for z0, log_alpha, beta in self.flows:
            u, _ = radial_flow(u, z0, log_alpha, beta)
        return self.c["act_limit"] * torch.tanh(u)

    @staticmethod
    def q(layers, s, a):
        return mlp_forward(layers, torch.cat([s, a], dim=1), torch.relu, False).reshape(-1)

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

    def update(self, data, next_noise, noise):
        """Critic Adam step; actor loss on the updated critics, one gradient, Adam steps of the
        Gaussian part and of the flow with their own rates; Polyak averaging. Returns the actor loss."""
        self.opt_c.zero_grad()
        self.critic_loss(data, next_noise).backward()
        self.opt_c.step()
        loss = self.actor_loss(data, noise)
        grads = torch.autograd.grad(loss, [t for _, t in self.actor_params])
        for (_, t), g in zip(self.actor_params, grads):
            t.grad = g
        self.opt_g.step()
        self.opt_f.step()
        tau = self.c["tau"]
        with torch.no_grad():
            for tgt, src in ((self.q1t, self.q1), (self.q2t, self.q2)):
                for lt, ls in zip(tgt, src):
                    for pt, ps in ((lt.weight, ls.weight), (lt.bias, ls.bias)):
                        pt.mul_(1 - tau).add_(tau * ps)
        return loss


def sac_nf_case():
    """SAC-NF, SACNF.swift: draw order in SACNFTorch, then the batch."""
    c = SAC_NF
    rng = Xoshiro256(c["seed"])
    agent = SACNFTorch(c, rng)
    data = batch(rng, c["batch"], c["obs"], c["act"], c["act_limit"])
    gen = torch.Generator().manual_seed(c["seed"])
    next_noise = torch.randn(c["batch"], c["act"], generator=gen, dtype=DTYPE)
    noise = torch.randn(c["batch"], c["act"], generator=gen, dtype=DTYPE)
    lc = agent.critic_loss(data, next_noise)
    gc = torch.autograd.grad(lc, [t for _, t in agent.critic_params])
    la = agent.actor_loss(data, noise)
    ga = torch.autograd.grad(la, [t for _, t in agent.actor_params])
    with torch.no_grad():
        mean_action = agent.mean_action(data["observations"])
    # The same gradients in float64 from the same float32 inputs: the sum over the batch in a
    # log_alpha gradient cancels to ~1e-3 of its terms, where float32 rounding alone reaches 1e-5.
    agent64 = SACNFTorch(c, Xoshiro256(c["seed"])).to_double()
    data64 = {k: v.double() for k, v in data.items()}
    gc64 = torch.autograd.grad(agent64.critic_loss(data64, next_noise.double()), [t for _, t in agent64.critic_params])
    ga64 = torch.autograd.grad(agent64.actor_loss(data64, noise.double()), [t for _, t in agent64.actor_params])
    loss_after = agent.update(data, next_noise, noise)
    after = {f"actor.{n}": flat(t) for n, t in agent.actor_params}
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
        "critic_grads": {n: flat(g) for (n, _), g in zip(agent.critic_params, gc)},
        "actor_grads": {f"actor.{n}": flat(g) for (n, _), g in zip(agent.actor_params, ga)},
        "critic_grads_float64": {n: flat(g) for (n, _), g in zip(agent.critic_params, gc64)},
        "actor_grads_float64": {f"actor.{n}": flat(g) for (n, _), g in zip(agent.actor_params, ga64)},
        "mean_action": flat(mean_action),
        "actor_loss_after_critic_step": float(loss_after.detach()),
        "params_after_update": after,
    }


AGENTS = {"sac": sac_case, "sac-nf": sac_nf_case}


def bench(argv):
    """`bench --threads N --repeats R`: one SAC-NF update (batch 100, 2 x 256 ReLU networks,
    2 radial layers) and one single-state action at Hopper (11 x 3) and multigoal (2 x 2)
    dimensions; prints `sac-nf,<obs>x<act>,<update ms>,<action ms>` per case (medians; CPU
    time with one thread, wall time otherwise, as bench-agents measures)."""
    import argparse
    import time
    ap = argparse.ArgumentParser(prog="torch_agents.py bench")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    clock = time.process_time if a.threads == 1 else time.perf_counter
    for obs, act in ((11, 3), (2, 2)):
        c = dict(SAC_NF, obs=obs, act=act, batch=100, critic_hidden=[256, 256], actor_hidden=[256, 256],
                 lr_critic=3e-4, lr_actor=3e-4, lr_flow=3e-4, tau=0.005, act_limit=1.0, flow_bound=0.01)
        rng = Xoshiro256(1)
        agent = SACNFTorch(c, rng)
        data = batch(rng, 96, obs, act, 1.0)  # the patterns need a multiple of 8; rows redrawn below
        g = torch.Generator().manual_seed(1)
        data = {k: torch.randn(100, *v.shape[1:], generator=g, dtype=DTYPE) if k != "terminated" and k != "truncated"
                else torch.zeros(100, dtype=DTYPE) for k, v in data.items()}
        state = torch.randn(1, obs, generator=g, dtype=DTYPE)

        def one_update():
            agent.update(data, torch.randn(100, act, generator=g), torch.randn(100, act, generator=g))

        def one_action():
            with torch.no_grad():
                agent.policy(state, torch.randn(1, act, generator=g))

        up, ac = [], []
        for _ in range(a.warmup):
            one_update(); one_action()
        for _ in range(a.repeats):
            t = clock(); one_update(); up.append(clock() - t)
            t = clock(); one_action(); ac.append(clock() - t)
        print(f"sac-nf,{obs}x{act},{1e3 * float(np.median(up)):.6g},{1e3 * float(np.median(ac)):.6g}")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "bench":
        bench(sys.argv[2:])
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
