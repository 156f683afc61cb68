#!/usr/bin/env python3
"""Our PyTorch reimplementation of the S2AC updates (REFERENCE.md section 4) for the Swift
conformance tests, and an update-time benchmark.

  fixtures:  .venv-torch/bin/python scripts/reference/torch_s2ac.py fixtures [--presets paper]
             -> Tests/S2ACCoreTests/Fixtures/torch_s2ac.json (TorchS2ACTests.swift)
  benchmark: .venv-torch/bin/python scripts/reference/torch_s2ac.py bench --threads 1
             -> one CSV line per agent on stdout (used by bench-agents)

Written from the paper and REFERENCE.md; it follows the authors' tensor layout (kernel
gradients as [B, m, m, d] tensors, actor_svgd.py style) rather than the Swift code's matrix
products, so the two sides compute the same quantities by different routes.

Weights, inputs and the q0 noise are not stored: both sides draw them from xoshiro256**
(the generator of torch_critic_fixture.py): per network, per Linear layer, weight then bias
with bound 1/sqrt(fan_in), networks in the order q1, q2, then (S2AC(phi,theta)) the q0
trunk, mu head, log-std head, then (S2AC(phi,theta,psi)) f_psi; then observations, actions,
rewards, next observations (bound 1), next-state noise and current-state noise (bound 2, so
|xi| <= t = 3 holds), then (psi) the sampler noise z (bound 1).

S2AC(phi,theta,psi): after the S2AC(phi,theta) update, psi moves f_psi(s, z) along the Stein
direction of Eq. 24 (amortized SVGD, Wang & Liu 2016): the particles are f_psi's own samples,
detached, and the direction is evaluated at the same samples (the kernel and its bandwidth
over their pairwise distances, as the actor's SVGD).
"""
import argparse
import copy
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_critic_fixture import PINNED, Xoshiro256, draw, write_fixture  # noqa: E402

OBS, ACT, BATCH, M, L = 11, 3, 4, 5, 3
TERMINATED = [0.0, 1.0, 0.0, 0.0]


def base_config(preset):
    """Mirrors S2ACConfig's fields (JSON keys as Swift's Codable writes them)."""
    paper = preset == "paper"
    return {
        "preset": preset, "particles": M, "stepsPhi": L, "stepsPhiTheta": L, "stepSize": 0.1,
        "sigmaP0": math.sqrt(0.5) if paper else 0.5,  # Table 4's N(0, 0.5 I) as a covariance in `paper`
        "authorsLogQ0": not paper, "authorsA0Pool": False, "truncation": 3.0, "logStdRange": [-20.0, 2.0],
        "sigmaRange": [0.1, 1.0], "bandwidth": "forth", "traceNormalization": "paper" if paper else "authors",
        "criticHidden": [16, 16], "actorHidden": [16, 16], "criticLearningRate": 3e-4 if paper else 1e-3,
        "actorLearningRate": 3e-4 if paper else 1e-3, "gamma": 0.99, "tau": 0.005,
        "alphaCritic": 1.0 if paper else 0.2, "alphaActor": 1.0 if paper else 0.2, "actionLimit": 1.0,
        **({"svgdTemperature": 1.0, "squashedScore": True} if paper else {}),
    }


def temperature(cfg):
    """alpha of the sampler's target exp(Q / alpha), on the repulsion (Eq. 24); 1 for the code's sampler."""
    return cfg.get("svgdTemperature") if cfg.get("svgdTemperature") is not None else 1.0


def linear(rng, fan_in, fan_out, dtype):
    lin = torch.nn.Linear(fan_in, fan_out, dtype=dtype)
    bound = 1.0 / math.sqrt(fan_in)
    with torch.no_grad():
        lin.weight.copy_(draw(rng, bound, (fan_out, fan_in), dtype))
        lin.bias.copy_(draw(rng, bound, (fan_out,), dtype))
    return lin


def mlp(rng, sizes, dtype, final_activation=False):
    mods = []
    for i in range(len(sizes) - 1):
        mods.append(linear(rng, sizes[i], sizes[i + 1], dtype))
        if i < len(sizes) - 2 or final_activation:
            mods.append(torch.nn.ELU())
    return torch.nn.Sequential(*mods)


class Agent:
    def __init__(self, cfg, with_actor, rng, dtype, amortized=None):
        self.cfg, self.with_actor, self.dtype, self.amortized = cfg, with_actor, dtype, amortized
        self.q1 = mlp(rng, [OBS + ACT] + cfg["criticHidden"] + [1], dtype)
        self.q2 = mlp(rng, [OBS + ACT] + cfg["criticHidden"] + [1], dtype)
        self.q1_targ, self.q2_targ = copy.deepcopy(self.q1), copy.deepcopy(self.q2)
        self.q_params = list(self.q1.parameters()) + list(self.q2.parameters())
        self.q_opt = torch.optim.Adam(self.q_params, lr=cfg["criticLearningRate"])
        if with_actor:
            h = cfg["actorHidden"]
            self.trunk = mlp(rng, [OBS] + h, dtype, final_activation=True)
            self.mu = linear(rng, h[-1], ACT, dtype)
            self.log_std = linear(rng, h[-1], ACT, dtype)
            self.pi_params = list(self.trunk.parameters()) + list(self.mu.parameters()) + list(self.log_std.parameters())
            self.pi_opt = torch.optim.Adam(self.pi_params, lr=cfg["actorLearningRate"])
        if amortized is not None:
            self.f_psi = mlp(rng, [OBS + ACT] + amortized["hidden"] + [ACT], dtype)
            self.psi_params = list(self.f_psi.parameters())
            self.psi_opt = torch.optim.Adam(self.psi_params, lr=amortized["learningRate"])

    def amortized_actions(self, s_rep, z):
        return self.cfg["actionLimit"] * torch.tanh(self.f_psi(torch.cat([s_rep, z], -1)))

    def psi_update(self, s, z):
        """Eq. 24-25 as amortized SVGD: the particles are f_psi's own samples a_i = f_psi(s, z_i),
        detached, and the direction is evaluated at the same samples,
        Delta_j = 1/m sum_i k(a_i, a_j) grad Q(a_i) + w grad_{a_i} k(a_i, a_j);
        psi descends -mean_j Delta_j . f_psi(s, z_j) with Delta held constant."""
        cfg, m = self.cfg, self.cfg["particles"]
        b = s.shape[0]
        s_rep = s.repeat_interleave(m, 0)
        f = self.amortized_actions(s_rep, z)
        a = f.detach().requires_grad_(True)
        grad_q = torch.autograd.grad(self.min_q(s_rep, a).sum(), a)[0].view(b, m, 1, ACT)   # [b, i, 1, d]
        a3 = a.detach().view(b, m, ACT)
        diff = a3.unsqueeze(2) - a3.unsqueeze(1)                                  # [b, i, j, d] = a_i - a_j
        dist_sq = (diff ** 2).sum(-1, keepdim=True)
        h = (dist_sq.reshape(b, -1).mean(1) / 2) / (2 * math.log(m + 1.0))       # "forth"
        gamma = (1.0 / (1e-8 + 2 * h)).view(b, 1, 1, 1)
        kappa = torch.exp(-gamma * dist_sq)
        kappa_grad = -2.0 * diff * gamma * kappa                                  # grad_{a_i} k(a_i, a_j)
        w = temperature(cfg)
        direction = (kappa * grad_q + w * kappa_grad).sum(1) / m                  # [b, j, d]
        loss = -(direction.reshape(-1, ACT) * f).sum() / f.shape[0]
        grads = torch.autograd.grad(loss, self.psi_params)
        for p, g in zip(self.psi_params, grads):
            p.grad = g
        self.psi_opt.step()
        self.psi_opt.zero_grad()
        return {"psi_loss": float(loss.detach()), "psi_direction": direction, "psi_grads": grads}

    def min_q(self, s, a):
        x = torch.cat([s, a], dim=-1)
        return torch.min(self.q1(x), self.q2(x))

    def svgd(self, s_rep, u0, logq0, steps, differentiable, log_prob=True):
        """L SVGD steps on the pre-squash particles; returns (actions, per-particle log q^L);
        without `log_prob` (acting) the trace terms are skipped and log q^L is log q0's part only.
        Eq. 24's placement: h_i = 1/m sum_j [k_ji grad Q(a_j) + alpha grad_{a_j} k_ji], so the
        trace's kernel term (Thm 3.3) carries alpha and the score term does not. With
        `squashedScore` (paper) the particles are u and "grad Q" is the u-space score times alpha,
        grad_u [Q(s, L tanh u) + alpha log|det J_tanh(u)|], taken here by autograd of that sum."""
        cfg, m = self.cfg, self.cfg["particles"]
        n, d = u0.shape
        b = n // m
        norm = (m - 1) if cfg["traceNormalization"] == "authors" else m
        eps = cfg["stepSize"]
        eye = torch.eye(m, dtype=self.dtype)
        u = u0 if (differentiable and u0.requires_grad) else u0.detach().requires_grad_(True)
        logp = torch.zeros(b, m, dtype=self.dtype)
        for _ in range(steps):
            w = temperature(cfg)
            if cfg.get("squashedScore"):
                log_det = 2 * (math.log(2.0) - u - torch.nn.functional.softplus(-2 * u))
                energy = self.min_q(s_rep, cfg["actionLimit"] * torch.tanh(u)).sum() + w * log_det.sum()
            else:
                energy = self.min_q(s_rep, u).sum()
            score = torch.autograd.grad(energy, u, create_graph=differentiable)[0]
            x, sc = u.view(b, m, d), score.view(b, m, d)
            diff = x.unsqueeze(2) - x.unsqueeze(1)                       # [b, i, j, d] = x_i - x_j
            r2 = (diff ** 2).sum(-1)
            h = (r2.detach().reshape(b, -1).mean(1) / 2) / (2 * math.log(m + 1.0))   # "forth"
            gamma = (1.0 / (1e-8 + 2 * h)).view(b, 1, 1)
            k = torch.exp(-gamma * r2)
            k_grad = -2.0 * gamma.unsqueeze(-1) * diff * k.unsqueeze(-1)  # grad_{x_i} k(x_i, x_j)
            direction = (k.matmul(sc) + w * k_grad.sum(1)) / m
            if log_prob:
                term1 = (k_grad * sc.unsqueeze(1)).sum(-1).sum(2) / norm
                term2 = -2 * w * gamma.view(b, 1) * ((k_grad.transpose(1, 2) * diff).sum(-1) - d * (k - eye)).sum(2) / norm
                logp = logp - eps * (term1 + term2)
            u = u + eps * direction.reshape(n, d)
            if not differentiable:
                u = u.detach().requires_grad_(True)
                logp = logp.detach()
        if not differentiable:
            u = u.detach()
        tanh_corr = (2 * (math.log(2.0) - u - torch.nn.functional.softplus(-2 * u))).sum(-1)
        logp_total = logq0 + logp.reshape(n) - tanh_corr
        return cfg["actionLimit"] * torch.tanh(u), logp_total

    def q0(self, s, xi, differentiable):
        m = self.cfg["particles"]
        s_rep = s.repeat_interleave(m, 0)
        if not self.with_actor:
            sp = self.cfg["sigmaP0"]
            a0 = sp * xi
            var = sp if self.cfg["authorsLogQ0"] else sp * sp
            logq0 = -0.5 * ACT * math.log(2 * math.pi * var) - (a0 ** 2).sum(-1) / (2 * var)
            return s_rep, a0, logq0, self.cfg["stepsPhi"]
        hid = self.trunk(s)
        lo, hi = self.cfg["logStdRange"]
        sigma = torch.clamp(torch.exp(torch.clamp(self.log_std(hid), lo, hi)), *self.cfg["sigmaRange"])
        mu = self.mu(hid).repeat_interleave(m, 0)
        sigma = sigma.repeat_interleave(m, 0)
        a0 = mu + sigma * xi
        logq0 = torch.distributions.Normal(mu, sigma).log_prob(a0).sum(-1)
        return s_rep, a0, logq0, self.cfg["stepsPhiTheta"]

    def sample(self, s, xi, differentiable, log_prob=True):
        s_rep, a0, logq0, steps = self.q0(s, xi, differentiable)
        a, logp = self.svgd(s_rep, a0, logq0, steps, differentiable, log_prob)
        return s_rep, a, logp

    def act(self, s, xi):
        """One state's action, softmax over min Q of the final particles (beta = 1); as the
        Swift acting path, without the log-density the update needs."""
        s_rep, a, _ = self.sample(s, xi, differentiable=False, log_prob=False)
        with torch.no_grad():
            q = self.min_q(s_rep, a).view(-1)
            idx = torch.multinomial(torch.softmax(q, 0), 1)
        return a[idx]

    def update(self, s, a, r, s2, d, xi_next, xi_cur):
        cfg, m, b = self.cfg, self.cfg["particles"], s.shape[0]
        out = {}
        s2_rep, a2, logp2 = self.sample(s2, xi_next, differentiable=False)
        with torch.no_grad():
            x2 = torch.cat([s2_rep, a2.detach()], -1)
            q_next = torch.min(self.q1_targ(x2), self.q2_targ(x2)).view(b, m).mean(1)
            y = r + cfg["gamma"] * (1 - d) * (q_next - cfg["alphaCritic"] * logp2.detach().view(b, m).mean(1))
        x = torch.cat([s, a], -1)
        loss_q = ((self.q1(x).view(b) - y) ** 2).mean() + ((self.q2(x).view(b) - y) ** 2).mean()
        grads = torch.autograd.grad(loss_q, self.q_params)
        for p, g in zip(self.q_params, grads):
            p.grad = g
        self.q_opt.step()
        self.q_opt.zero_grad()
        out.update(critic_loss=float(loss_q.detach()), target=y, log_prob_next=logp2, critic_grads=grads)
        if self.with_actor:
            s_rep, a_cur, logp = self.sample(s, xi_cur, differentiable=True)
            q = self.min_q(s_rep, a_cur).view(b, m).mean(1)
            loss_pi = (cfg["alphaActor"] * logp.view(b, m).mean(1) - q).mean()
            pg = torch.autograd.grad(loss_pi, self.pi_params)
            for p, g in zip(self.pi_params, pg):
                p.grad = g
            self.pi_opt.step()
            self.pi_opt.zero_grad()
            out.update(actor_loss=float(loss_pi.detach()), log_prob_actor=logp, actor_grads=pg)
        with torch.no_grad():
            for net, targ in ((self.q1, self.q1_targ), (self.q2, self.q2_targ)):
                for p, pt in zip(net.parameters(), targ.parameters()):
                    pt.mul_(1 - cfg["tau"]).add_(cfg["tau"] * p)
        return out

    def all_params(self):
        ps = [list(n.parameters()) for n in (self.q1, self.q2, self.q1_targ, self.q2_targ)]
        flat_list = [p for group in ps for p in group]
        if self.with_actor:
            flat_list += self.pi_params
        if self.amortized is not None:
            flat_list += self.psi_params
        return flat_list


def f32(t):
    return [float("%.9g" % v) for v in t.detach().reshape(-1).tolist()]


def case(preset, with_actor, dtype=torch.float32):
    cfg = base_config(preset)
    if preset == "paper":  # alpha and the action bound other than 1, so their places are tested
        cfg.update(svgdTemperature=0.5, alphaCritic=0.5, alphaActor=0.5, actionLimit=0.8)
    rng = Xoshiro256(77 if with_actor else 76)
    agent = Agent(cfg, with_actor, rng, dtype)
    s = draw(rng, 1.0, (BATCH, OBS), dtype)
    a = draw(rng, 1.0, (BATCH, ACT), dtype)
    r = draw(rng, 1.0, (BATCH,), dtype)
    s2 = draw(rng, 1.0, (BATCH, OBS), dtype)
    xi_next = draw(rng, 2.0, (BATCH * M, ACT), dtype)
    xi_cur = draw(rng, 2.0, (BATCH * M, ACT), dtype)
    d = torch.tensor(TERMINATED, dtype=dtype)
    out = agent.update(s, a, r, s2, d, xi_next, xi_cur)
    res = {
        "agent": "s2ac-phi-theta" if with_actor else "s2ac-phi", "seed": 77 if with_actor else 76,
        "config": cfg, "terminated": TERMINATED,
        "critic_loss": out["critic_loss"], "target": f32(out["target"]), "log_prob_next": f32(out["log_prob_next"]),
        "critic_grads": [f32(g) for g in out["critic_grads"]],
        "params_after": [f32(p) for p in agent.all_params()],
    }
    if with_actor:
        res.update(actor_loss=out["actor_loss"], log_prob_actor=f32(out["log_prob_actor"]),
                   actor_grads=[f32(g) for g in out["actor_grads"]])
    return res


def amortized_config(preset):
    """Mirrors AmortizedSamplerConfig (small networks for the fixture)."""
    paper = preset == "paper"
    return {"preset": preset, "hidden": [16, 16], "learningRate": 3e-4 if paper else 1e-3,
            "noise": "normal" if paper else "uniform"}


def psi_case(preset, dtype=torch.float32):
    cfg, amo = base_config(preset), amortized_config(preset)
    if preset == "paper":  # a temperature other than 1, so Eq. 24's alpha on the repulsion is tested
        cfg.update(svgdTemperature=0.5, alphaCritic=0.5, alphaActor=0.5, actionLimit=0.8)
    rng = Xoshiro256(78)
    agent = Agent(cfg, True, rng, dtype, amortized=amo)
    s = draw(rng, 1.0, (BATCH, OBS), dtype)
    a = draw(rng, 1.0, (BATCH, ACT), dtype)
    r = draw(rng, 1.0, (BATCH,), dtype)
    s2 = draw(rng, 1.0, (BATCH, OBS), dtype)
    xi_next = draw(rng, 2.0, (BATCH * M, ACT), dtype)
    xi_cur = draw(rng, 2.0, (BATCH * M, ACT), dtype)
    z = draw(rng, 1.0, (BATCH * M, ACT), dtype)
    d = torch.tensor(TERMINATED, dtype=dtype)
    out = agent.update(s, a, r, s2, d, xi_next, xi_cur)
    psi = agent.psi_update(s, z)
    return {
        "agent": "s2ac-phi-theta-psi", "seed": 78, "config": cfg, "amortized": amo, "terminated": TERMINATED,
        "critic_loss": out["critic_loss"], "target": f32(out["target"]), "log_prob_next": f32(out["log_prob_next"]),
        "critic_grads": [f32(g) for g in out["critic_grads"]],
        "actor_loss": out["actor_loss"], "log_prob_actor": f32(out["log_prob_actor"]),
        "actor_grads": [f32(g) for g in out["actor_grads"]],
        "psi_loss": psi["psi_loss"], "psi_direction": f32(psi["psi_direction"]),
        "psi_grads": [f32(g) for g in psi["psi_grads"]],
        "params_after": [f32(p) for p in agent.all_params()],
    }


FIXTURE = os.path.join("Tests", "S2ACCoreTests", "Fixtures", "torch_s2ac.json")


def fixtures(presets):
    """Writes the cases of `presets`; the other presets' cases are kept as they are in the
    existing file (PyTorch's float32 kernels differ in the last bits between CPUs, so
    regenerating a preset whose reading did not change would rewrite it for nothing)."""
    got = {"torch": torch.__version__.split("+")[0], "numpy": np.__version__}
    if got != PINNED:
        sys.exit(f"torch_s2ac: need {PINNED}, found {got}")
    torch.set_num_threads(1)
    old = {}
    if set(presets) != {"authors-code", "paper"}:
        with open(FIXTURE) as f:
            old = {(c["agent"], c["config"]["preset"]): c for c in json.load(f)["cases"]}

    def made(agent, preset, make):
        return make() if preset in presets else old[(agent, preset)]

    cases = [made("s2ac-phi-theta" if w else "s2ac-phi", p, lambda p=p, w=w: case(p, w))
             for w in (False, True) for p in ("authors-code", "paper")]
    cases += [made("s2ac-phi-theta-psi", p, lambda p=p: psi_case(p)) for p in ("authors-code", "paper")]
    out = {"versions": got, "sizes": {"obs": OBS, "act": ACT, "batch": BATCH, "particles": M, "steps": L},
           "cases": cases}
    write_fixture("torch_s2ac.json", out)


def bench_config():
    """The authors-code sizes bench-agents times: m 10, L 20 / 3, critic 2x256, actor 3x256."""
    cfg = base_config("authors-code")
    cfg.update(particles=10, stepsPhi=20, stepsPhiTheta=3, criticHidden=[256, 256], actorHidden=[256, 256, 256])
    return cfg


def bench_batch(b=100):
    """A random batch of b transitions at the current OBS x ACT."""
    return torch.randn(b, OBS), torch.rand(b, ACT) * 2 - 1, torch.randn(b), torch.randn(b, OBS), torch.zeros(b)


def timed(update, act, repeats, clock, warmup=2):
    """Median ms of update() and of act(), called alternately, after warmup rounds."""
    ups, acts = [], []
    for k in range(repeats + warmup):
        t0 = clock()
        update()
        t1 = clock()
        act()
        t2 = clock()
        if k >= warmup:
            ups.append((t1 - t0) * 1e3); acts.append((t2 - t1) * 1e3)
    return np.median(ups), np.median(acts)


def bench(threads, repeats):
    """Hopper (obs 11, act 3) and multigoal (obs 2, act 2) dimensions, batch 100, m 10,
    authors-code preset sizes (critic 2x256, actor 3x256); prints
    agent@OBSxACT,svgd_steps,update_ms,action_ms (medians; CPU time with one thread, wall time
    otherwise, as bench-agents)."""
    global OBS, ACT
    torch.set_num_threads(threads)
    clock = time.process_time if threads == 1 else time.perf_counter  # bench-agents' rule
    for OBS, ACT in ((11, 3), (2, 2)):
        for with_actor in (False, True):
            cfg = bench_config()
            agent = Agent(cfg, with_actor, Xoshiro256(5), torch.float32)
            b, m = 100, 10
            s, a, r, s2, d = bench_batch(b)
            xi = lambda rows: torch.randn(rows, ACT).clamp(-3, 3)
            u, t = timed(lambda: agent.update(s, a, r, s2, d, xi(b * m), xi(b * m)),
                         lambda: agent.act(s[:1], xi(m)), repeats, clock)
            steps = cfg["stepsPhiTheta"] if with_actor else cfg["stepsPhi"]
            name = "s2ac-phi-theta" if with_actor else "s2ac-phi"
            print(f"{name}@{OBS}x{ACT},{steps},{u:.4f},{t:.4f}")
    for dims in ((11, 3), (2, 2)):
        bench_amortized(dims, repeats, clock)


def bench_amortized(dims, repeats, clock):
    """S2AC(phi,theta,psi) at obs x act: the full update (S2AC(phi,theta) then psi) and the
    amortized action of one state (one forward pass of f_psi); key s2ac-phi-theta-psi@OBSxACT."""
    global OBS, ACT
    OBS, ACT = dims
    cfg = bench_config()
    amo = {"preset": "authors-code", "hidden": [256, 256, 256], "learningRate": 1e-3, "noise": "uniform"}
    agent = Agent(cfg, True, Xoshiro256(6), torch.float32, amortized=amo)
    b, m = 100, 10
    s, a, r, s2, d = bench_batch(b)
    xi = lambda rows: torch.randn(rows, ACT).clamp(-3, 3)

    def update():
        agent.update(s, a, r, s2, d, xi(b * m), xi(b * m))
        agent.psi_update(s, torch.rand(b * m, ACT))

    def act():
        with torch.no_grad():
            agent.amortized_actions(s[:1], torch.rand(1, ACT))

    u, t = timed(update, act, repeats, clock)
    print(f"s2ac-phi-theta-psi@{OBS}x{ACT},{cfg['stepsPhiTheta']},{u:.4f},{t:.4f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["fixtures", "bench"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--presets", default="authors-code,paper",
                    help="fixtures: the presets to regenerate (the others are kept from the existing file)")
    args = ap.parse_args()
    fixtures(args.presets.split(",")) if args.mode == "fixtures" else bench(args.threads, args.repeats)
