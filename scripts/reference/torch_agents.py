#!/usr/bin/env python3
"""Writes Tests/S2ACCoreTests/Fixtures/torch_agents.json: one PyTorch update of each agent on
fixed weights, a fixed batch and fixed noise, checked by TorchAgentTests.swift.

This is our own PyTorch implementation of the losses of REFERENCE.md section 4 (not the
authors' code). Pinned like torch_critic_fixture.py: torch==2.15.0, numpy==2.3.5.
Run from the repository root:  <venv>/bin/python scripts/reference/torch_agents.py
Benchmark (bench-agents' PyTorch side for these agents):
  OMP_WAIT_POLICY=passive <venv>/bin/python scripts/reference/torch_agents.py bench --threads 1

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
from torch_critic_fixture import PINNED, Xoshiro256, write_fixture  # noqa: E402

DTYPE = torch.float32


def draw(rng, bound, shape):
    n = int(np.prod(shape))
    return torch.tensor(np.array(rng.uniform(bound, n), dtype=np.float64).reshape(shape), dtype=DTYPE)


def linear(rng, fan_in, fan_out, bias_bound=None, scale=1.0):
    """nn.Linear with weight then bias drawn with bound scale/sqrt(fan_in) (bias_bound if given)."""
    lin = torch.nn.Linear(fan_in, fan_out, dtype=DTYPE)
    bound = scale / math.sqrt(fan_in)
    with torch.no_grad():
        lin.weight.copy_(draw(rng, bound, (fan_out, fan_in)))
        lin.bias.copy_(draw(rng, bias_bound if bias_bound is not None else bound, (fan_out,)))
    return lin


def mlp_layers(rng, sizes, scale=1.0):
    return [linear(rng, sizes[i], sizes[i + 1], scale=scale) for i in range(len(sizes) - 1)]


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



SQL = {"seed": 616, "batch": 8, "obs": 5, "act": 2, "act_limit": 1.5, "particles": 4, "critic_hidden": [16, 16],
       "actor_hidden": [16, 16, 16], "lr_critic": 1e-3, "lr_actor": 2e-3, "gamma": 0.9, "alpha": 0.5,
       "score_temperature": 0.5, "tau": 0.1, "sampler_scale": 2.0}


SQL_PAPER = dict(SQL, seed=617, uniform_value=True, squash_correction=True)


class TorchSQL:
    """SQL as REFERENCE.md sections 3-4 describe the authors' version: twin ReLU critics and
    targets, sampler a = act_limit * tanh(f(s, xi)) with xi ~ U[0,1)^d, soft value
    V(s') = alpha logsumexp_j(minQ'(s', a'_j) / alpha) + alpha (d log 2 - log m), and the
    sampler moved along the SVGD direction of the RBF kernel ("forth" bandwidth) between a
    fixed particle set (the score) and a second, moved set (whose network output is pushed).
    Written in the [B, m(fixed), m(moved), d] layout; the Swift side loops per state.
    The paper preset (Haarnoja et al.'s softqlearning, config `uniform_value`,
    `squash_correction`): value samples a'_j = L (2 xi_j - 1), uniform on [-L, L]^d, with the
    constant alpha (d log(2L) - log m); the score is the gradient of
    Q / T + sum log(1 - (a / L)^2 + 1e-6), taken by autograd of that sum."""

    def __init__(self, c, obs, act, rng=None):
        self.c, self.obs, self.act, self.m = c, obs, act, c["particles"]
        if rng is None:  # benchmark: PyTorch's own initialisation
            def make(sizes):
                return [torch.nn.Linear(sizes[i], sizes[i + 1]) for i in range(len(sizes) - 1)]
        else:
            def make(sizes, scale=1.0):
                return mlp_layers(rng, sizes, scale)
        self.q1, self.q2, self.q1t, self.q2t = (make([obs + act] + c["critic_hidden"] + [1]) for _ in range(4))
        for tgt, src in ((self.q1t, self.q1), (self.q2t, self.q2)):
            for lt, ls in zip(tgt, src):
                with torch.no_grad():
                    lt.weight.copy_(ls.weight); lt.bias.copy_(ls.bias)
        self.f = make([obs + act] + c["actor_hidden"] + [act], *([c["sampler_scale"]] if rng else []))
        self.critic_params = named("q1", self.q1) + named("q2", self.q2)
        self.actor_params = named("svgd_net", self.f)
        self.opt_c = torch.optim.Adam([t for _, t in self.critic_params], lr=c["lr_critic"])
        self.opt_a = torch.optim.Adam([t for _, t in self.actor_params], lr=c["lr_actor"])

    def sample(self, s, xi):
        return self.c["act_limit"] * torch.tanh(mlp_forward(self.f, torch.cat([s, xi], dim=1), torch.relu, False))

    @staticmethod
    def q(layers, s, a):
        return mlp_forward(layers, torch.cat([s, a], dim=1), torch.relu, False).reshape(-1)

    def min_q(self, s, a):
        return torch.minimum(self.q(self.q1, s, a), self.q(self.q2, s, a))

    def target(self, s2, r, d, xi):
        c, m = self.c, self.m
        with torch.no_grad():
            s2r = s2.repeat_interleave(m, dim=0)
            lim = c["act_limit"] if c.get("uniform_value") else 1.0
            a2 = lim * (2 * xi - 1) if c.get("uniform_value") else self.sample(s2r, xi)
            qt = torch.minimum(self.q(self.q1t, s2r, a2), self.q(self.q2t, s2r, a2)).view(-1, m)
            v = c["alpha"] * torch.logsumexp(qt / c["alpha"], dim=1)
            v = v + c["alpha"] * (self.act * math.log(2.0 * lim) - math.log(m))
            return r + c["gamma"] * (1 - d) * v

    def critic_loss(self, s, a, y):
        return ((self.q(self.q1, s, a) - y) ** 2).mean() + ((self.q(self.q2, s, a) - y) ** 2).mean()

    def direction(self, s, xi_fixed, xi_moved):
        """The moved particles (with their graph) and the detached SVGD direction, [B*m, d]."""
        m, dim = self.m, self.act
        sr = s.repeat_interleave(m, dim=0)
        fixed = self.sample(sr, xi_fixed).detach().requires_grad_(True)
        if self.c.get("squash_correction"):
            lim, t = self.c["act_limit"], self.c.get("score_temperature") or 1.0
            log_p = self.min_q(sr, fixed).sum() / t + torch.log(1 - (fixed / lim) ** 2 + 1e-6).sum()
            score = torch.autograd.grad(log_p, fixed)[0]
        else:
            score = torch.autograd.grad(self.min_q(sr, fixed).sum(), fixed)[0]
            if self.c.get("score_temperature") is not None:
                score = score / self.c["score_temperature"]
        moved = self.sample(sr, xi_moved)
        with torch.no_grad():
            a, x, g = fixed.view(-1, m, 1, dim), moved.view(-1, 1, m, dim), score.view(-1, m, 1, dim)
            diff = a - x                                     # a_j - x_i, [B, j, i, d]
            r2 = (diff ** 2).sum(-1, keepdim=True)           # [B, j, i, 1]
            h2 = r2.mean(dim=(1, 2, 3), keepdim=True) / 2 / (2 * math.log(m + 1.0))   # "forth": sigma^2
            gamma = 1.0 / (1e-8 + 2 * h2)
            k = torch.exp(-gamma * r2)
            phi = (k * g - 2 * gamma * diff * k).sum(1) / m  # [B, i, d]
        return moved, phi.reshape(-1, dim), torch.sqrt(h2).reshape(-1)

    def update(self, s, a, r, s2, d, xi_next, xi_fixed, xi_moved):
        y = self.target(s2, r, d, xi_next)
        self.opt_c.zero_grad()
        lc = self.critic_loss(s, a, y)
        lc.backward()
        self.opt_c.step()
        for _, t in self.critic_params:
            t.requires_grad_(False)
        moved, phi, sigma = self.direction(s, xi_fixed, xi_moved)
        surrogate = -(phi * moved).sum()
        self.opt_a.zero_grad()
        surrogate.backward()
        self.opt_a.step()
        for _, t in self.critic_params:
            t.requires_grad_(True)
        with torch.no_grad():
            tau = self.c["tau"]
            for tgt, src in ((self.q1t, self.q1), (self.q2t, self.q2)):
                for lt, ls in zip(tgt, src):
                    lt.weight.mul_(1 - tau).add_(tau * ls.weight)
                    lt.bias.mul_(1 - tau).add_(tau * ls.bias)
        return lc, y, surrogate, phi, sigma

    def act_softmax(self, s, xi, gen):
        with torch.no_grad():
            sr = s.repeat_interleave(self.m, dim=0)
            a = self.sample(sr, xi)
            q = self.min_q(sr, a).view(-1, self.m)
            w = torch.softmax(q, dim=1)
            pick = torch.multinomial(w, 1, generator=gen).reshape(-1)
            return a.view(-1, self.m, self.act)[torch.arange(len(s)), pick]


def sql_paper_case():
    """SQL's paper preset (uniform value samples, squash correction), as `sql_case` otherwise."""
    return sql_case(SQL_PAPER)


def sql_case(c=SQL):
    """SQL, REFERENCE sections 3-4. Draw order: q1, q2, q1_target, q2_target (then set to
    copies of q1, q2), the sampler f's layers (bounds times sampler_scale = 2, so the particles
    of a state spread and the kernel is not a few ulps wide), then the batch. The U[0,1) noise is stored:
    s' particles, fixed particles, moved particles ([batch * m, act] each)."""
    rng = Xoshiro256(c["seed"])
    obs, act, lim, m = c["obs"], c["act"], c["act_limit"], c["particles"]
    agent = TorchSQL(c, obs, act, rng)
    data = batch(rng, c["batch"], obs, act, lim)
    gen = torch.Generator().manual_seed(c["seed"])
    xi_next, xi_fixed, xi_moved = (torch.rand(c["batch"] * m, act, generator=gen, dtype=DTYPE) for _ in range(3))
    s, a, r, s2, d = data["observations"], data["actions"], data["rewards"], data["next_observations"], data["terminated"]

    # Critic loss and gradients at the initial parameters; the actor's after the critic step.
    y0 = agent.target(s2, r, d, xi_next)
    lc0 = agent.critic_loss(s, a, y0)
    gc = torch.autograd.grad(lc0, [t for _, t in agent.critic_params])
    lc, y, surrogate, phi, sigma = agent.update(s, a, r, s2, d, xi_next, xi_fixed, xi_moved)
    ga = {n: flat(t.grad) for n, t in agent.actor_params}
    assert float(lc.detach()) == float(lc0.detach()), "the update's critic loss differs from the one at the initial weights"
    after = {}
    for prefix, layers in (("q1", agent.q1), ("q2", agent.q2), ("q1_targ", agent.q1t), ("q2_targ", agent.q2t)):
        after.update({n: flat(t) for n, t in named(prefix, layers)})
    after.update({n: flat(t) for n, t in agent.actor_params})
    return {
        "config": c,
        "terminated": flat(data["terminated"]),
        "truncated": flat(data["truncated"]),
        "next_noise": flat(xi_next),
        "fixed_noise": flat(xi_fixed),
        "moved_noise": flat(xi_moved),
        "target": flat(y),
        "critic_loss": float(lc.detach()),
        "critic_grads": {n: flat(g) for (n, _), g in zip(agent.critic_params, gc)},
        "actor_surrogate": float(surrogate.detach()),
        "direction": flat(phi),
        "kernel_sigma": flat(sigma),
        "actor_grads": ga,
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


class SACNFTorch(TorchSAC):
    """SAC-NF with K radial layers between the Gaussian sample and the tanh (see SACNF.swift);
    SAC's critic and actor losses over this policy. Draw order: actor trunk layers, mu, log_std
    (bias bound `log_std_bias_bound`), each flow layer's z0 [1, act], log_alpha [1], beta [1]
    (bound `flow_bound`), q1, q2, q1_target, q2_target."""

    def __init__(self, c, rng, weight_bound=None):
        obs, act, h = c["obs"], c["act"], c["actor_hidden"]
        self.c, self.act = c, torch.relu
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


AGENTS = {"sac": sac_case, "sql": sql_case, "sac-nf": sac_nf_case, "sql-paper": sql_paper_case}


def bench_sql(threads, repeats):
    """bench-agents' PyTorch side for the agents of this file: one full SQL update (batch 100,
    m 10, authors-code sizes: critics 2 x 256, sampler 3 x 256) and one softmax action for one
    state, at Hopper (11 x 3) and multigoal (2 x 2) dimensions. Prints
    agent,env_dims,update_ms,action_ms (medians; CPU time with one thread, wall time otherwise)."""
    torch.set_num_threads(threads)
    clock = time.process_time if threads == 1 else time.perf_counter  # bench-agents' rule
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    for obs, act in ((11, 3), (2, 2)):
        c = dict(SQL, particles=10, critic_hidden=[256, 256], actor_hidden=[256, 256, 256], lr_critic=1e-3,
                 lr_actor=1e-3, gamma=0.99, alpha=0.2, score_temperature=None, tau=0.005, act_limit=1.0)
        agent = TorchSQL(c, obs, act)
        b, m = 100, c["particles"]
        s, a, r, s2 = torch.randn(b, obs), torch.rand(b, act) * 2 - 1, torch.randn(b), torch.randn(b, obs)
        d = torch.zeros(b)
        ups, acts = [], []
        for k in range(repeats + 2):
            t0 = clock()
            agent.update(s, a, r, s2, d, torch.rand(b * m, act), torch.rand(b * m, act), torch.rand(b * m, act))
            t1 = clock()
            agent.act_softmax(s[:1], torch.rand(m, act), gen)
            t2 = clock()
            if k >= 2:
                ups.append((t1 - t0) * 1e3); acts.append((t2 - t1) * 1e3)
        print(f"sql,{obs}x{act},{np.median(ups):.4f},{np.median(acts):.4f}")


def bench_sac_nf(threads, repeats, warmup=3):
    """One SAC-NF update (batch 100, 2 x 256 ReLU networks,
    2 radial layers) and one single-state action at Hopper (11 x 3) and multigoal (2 x 2)
    dimensions; prints `sac-nf,<obs>x<act>,<update ms>,<action ms>` per case (medians; CPU
    time with one thread, wall time otherwise, as bench-agents measures)."""
    torch.set_num_threads(threads)
    clock = time.process_time if threads == 1 else time.perf_counter
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
        for _ in range(warmup):
            one_update(); one_action()
        for _ in range(repeats):
            t = clock(); one_update(); up.append(clock() - t)
            t = clock(); one_action(); ac.append(clock() - t)
        print(f"sac-nf,{obs}x{act},{1e3 * float(np.median(up)):.6g},{1e3 * float(np.median(ac)):.6g}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", nargs="?", choices=["fixtures", "bench"], default="fixtures")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--agents", default=",".join(AGENTS),
                    help="fixtures: the entries to recompute; the others are copied from the existing file "
                         "(PyTorch's float32 kernels differ in the last bits between CPUs)")
    args = ap.parse_args()
    got = {"torch": torch.__version__.split("+")[0], "numpy": np.__version__}
    if got != PINNED:
        sys.exit(f"torch_agents: need {PINNED}, found {got}")
    if args.mode == "bench":
        torch.set_num_threads(args.threads)
        for obs, act in ((11, 3), (2, 2)):
            u, a = sac_bench(obs, act, args.repeats)
            print(f"sac,{obs}x{act},{u:.4f},{a:.4f}", flush=True)
        bench_sql(args.threads, args.repeats)
        bench_sac_nf(args.threads, args.repeats)
        return
    torch.set_num_threads(1)
    out = {
        "generator": "xoshiro256** via Xoshiro256(seed:), value = bound * (2u - 1) in double, rounded to float32; "
                     "per Linear weight then bias, bound 1/sqrt(fan_in); draw order in each agent's docstring",
        "versions": got,
        "agents": {},
    }
    chosen = args.agents.split(",")
    unknown = set(chosen) - set(AGENTS)
    if unknown:
        sys.exit(f"torch_agents: unknown agents {sorted(unknown)}")
    old = {}
    if set(chosen) != set(AGENTS):
        with open(os.path.join("Tests", "S2ACCoreTests", "Fixtures", "torch_agents.json")) as f:
            old = json.load(f)["agents"]
    for name, f in AGENTS.items():
        out["agents"][name] = f() if name in chosen else old[name]
    write_fixture("torch_agents.json", out)


if __name__ == "__main__":
    main()
