#!/usr/bin/env python3
"""Writes Tests/S2ACCoreTests/Fixtures/torch_ddpg_ppo.json: DDPG and PPO updates on fixed
weights and fixed data, checked by TorchDDPGPPOTests.swift.

Our own PyTorch implementation of the updates of cleanrl's `ddpg_continuous_action.py` and
`ppo_continuous_action.py` (the formulas written out here, not imported). Pinned like
torch_agents.py: torch==2.15.0, numpy==2.3.5, float32, one thread.
Run from the repository root:  <venv>/bin/python scripts/reference/torch_ddpg_ppo.py

Weights and data are not stored where both sides can draw them: xoshiro256** (the suite's
Xoshiro256(seed:)) gives value = bound * (2u - 1) in double, rounded to float32 (`draw` of
torch_agents.py), weight then bias per layer with bound 1/sqrt(fan_in).

- ddpg: actor, target actor, critic, target critic, then the batch of torch_agents.py; two
  updates on that batch (policy_frequency 2: the first moves the critic only, the second the
  critic, the actor and both targets), each with its losses, gradients and parameters after.
- ppo-minibatch: critic, policy mean, log std (bound 0.5), then a minibatch of policy inputs,
  actions, advantages, returns, and perturbations of the old log-densities and values; one
  step: losses, gradients before clipping, their global norm, parameters after.
- ppo-epochs: the same networks, a 32-step rollout (terminated at step 9, truncated at 20
  with V(s_T) of a drawn final observation, the last step open), GAE, then `epochs` passes of
  minibatches shuffled by Fisher-Yates with Lemire's bounded integers from Xoshiro256(shuffle_seed),
  as PPO.learn does: advantages, returns, losses of the last minibatch, parameters after.
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_critic_fixture import MASK, PINNED, Xoshiro256, write_fixture  # noqa: E402
from torch_agents import batch, draw, flat, mlp_forward, mlp_layers, named  # noqa: E402

DTYPE = torch.float32

DDPG = {"seed": 717, "batch": 8, "obs": 5, "act": 2, "act_limit": 1.5, "actor_hidden": [16, 16],
        "critic_hidden": [16, 16], "lr_actor": 1e-3, "lr_critic": 2e-3, "gamma": 0.99, "tau": 0.1,
        "policy_frequency": 2}


def ddpg_case():
    c = DDPG
    rng = Xoshiro256(c["seed"])
    obs, na = c["obs"], c["act"]
    actor = mlp_layers(rng, [obs] + c["actor_hidden"] + [na])
    actor_t = mlp_layers(rng, [obs] + c["actor_hidden"] + [na])
    q = mlp_layers(rng, [obs + na] + c["critic_hidden"] + [1])
    q_t = mlp_layers(rng, [obs + na] + c["critic_hidden"] + [1])
    data = batch(rng, c["batch"], obs, na, c["act_limit"])
    s, a, r, s2, d = data["observations"], data["actions"], data["rewards"], data["next_observations"], data["terminated"]

    def mu(layers, x):
        return c["act_limit"] * mlp_forward(layers, x, torch.relu, False).tanh()

    def qv(layers, x, u):
        return mlp_forward(layers, torch.cat([x, u], dim=1), torch.relu, False).reshape(-1)

    actor_params = named("actor", actor)
    critic_params = named("q", q)
    opt_q = torch.optim.Adam([t for _, t in critic_params], lr=c["lr_critic"])
    opt_a = torch.optim.Adam([t for _, t in actor_params], lr=c["lr_actor"])

    def params():
        out = {}
        for prefix, layers in (("actor", actor), ("actor_target", actor_t), ("q", q), ("q_target", q_t)):
            out.update({n: flat(t) for n, t in named(prefix, layers)})
        return out

    updates = []
    for step in (1, 2):
        with torch.no_grad():
            y = r + (1 - d) * c["gamma"] * qv(q_t, s2, mu(actor_t, s2))
        critic_loss = ((qv(q, s, a) - y) ** 2).mean()
        gq = torch.autograd.grad(critic_loss, [t for _, t in critic_params])
        for (_, t), g in zip(critic_params, gq):
            t.grad = g
        opt_q.step()
        entry = {"critic_loss": float(critic_loss.detach()), "critic_grads": {n: flat(g) for (n, _), g in zip(critic_params, gq)}}
        if step % c["policy_frequency"] == 0:
            actor_loss = -qv(q, s, mu(actor, s)).mean()
            ga = torch.autograd.grad(actor_loss, [t for _, t in actor_params])
            for (_, t), g in zip(actor_params, ga):
                t.grad = g
            opt_a.step()
            with torch.no_grad():
                for tgt, src in ((actor_t, actor), (q_t, q)):
                    for lt, ls in zip(tgt, src):
                        for pt, ps in ((lt.weight, ls.weight), (lt.bias, ls.bias)):
                            pt.copy_(c["tau"] * ps + (1 - c["tau"]) * pt)
            entry["actor_loss"] = float(actor_loss.detach())
            entry["actor_grads"] = {n: flat(g) for (n, _), g in zip(actor_params, ga)}
        entry["params_after"] = params()
        updates.append(entry)
    return {"config": c, "terminated": flat(data["terminated"]), "truncated": flat(data["truncated"]), "updates": updates}


PPO = {"seed": 818, "obs": 5, "act": 2, "hidden": [16, 16], "log_std_bound": 0.5, "minibatch": 8, "lr": 3e-4,
       "fraction_remaining": 0.75, "adam_eps": 1e-5, "clip": 0.2, "ent_coef": 0.01, "vf_coef": 0.5,
       "max_grad_norm": 0.5, "gamma": 0.99, "gae_lambda": 0.95, "rollout": 32, "minibatches": 4, "epochs": 2,
       "shuffle_seed": 919, "terminated_at": 9, "truncated_at": 20}


class TorchPPO:
    """cleanrl's `Agent` with drawn weights: critic layers, policy mean layers, log std."""

    def __init__(self, c, rng):
        obs, na, h = c["obs"], c["act"], c["hidden"]
        self.c = c
        self.critic = mlp_layers(rng, [obs] + h + [1])
        self.mean = mlp_layers(rng, [obs] + h + [na])
        self.log_std = draw(rng, c["log_std_bound"], (1, na)).requires_grad_()
        self.named = named("critic", self.critic) + named("actor.mean", self.mean) + [("actor.log_std", self.log_std)]
        self.params = [t for _, t in self.named]
        self.opt = torch.optim.Adam(self.params, lr=c["lr"] * c["fraction_remaining"], eps=c["adam_eps"])

    def value(self, x):
        return mlp_forward(self.critic, x, torch.tanh, False).reshape(-1)

    def dist(self, x):
        m = mlp_forward(self.mean, x, torch.tanh, False)
        return torch.distributions.Normal(m, torch.exp(self.log_std.expand_as(m)))

    def losses(self, x, a, old_logp, adv, ret, old_v):
        c = self.c
        d = self.dist(x)
        logp, entropy = d.log_prob(a).sum(1), d.entropy().sum(1)
        logratio = logp - old_logp
        ratio = logratio.exp()
        with torch.no_grad():
            approx_kl = ((ratio - 1) - logratio).mean()
            clipfrac = ((ratio - 1.0).abs() > c["clip"]).float().mean()
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        pg = torch.max(-adv * ratio, -adv * torch.clamp(ratio, 1 - c["clip"], 1 + c["clip"])).mean()
        v = self.value(x)
        v_clipped = old_v + torch.clamp(v - old_v, -c["clip"], c["clip"])
        v_loss = 0.5 * torch.max((v - ret) ** 2, (v_clipped - ret) ** 2).mean()
        ent = entropy.mean()
        loss = pg - c["ent_coef"] * ent + c["vf_coef"] * v_loss
        return loss, {"loss": float(loss.detach()), "policy_loss": float(pg.detach()), "value_loss": float(v_loss.detach()),
                      "entropy": float(ent.detach()),
                      "approx_kl": float(approx_kl), "clip_fraction": float(clipfrac)}

    def step(self, *minibatch):
        loss, out = self.losses(*minibatch)
        self.opt.zero_grad()
        loss.backward()
        out["grads"] = {n: flat(t.grad) for n, t in self.named}
        out["grad_norm"] = float(torch.nn.utils.clip_grad_norm_(self.params, self.c["max_grad_norm"]))
        self.opt.step()
        return out

    def after(self):
        return {n: flat(t) for n, t in self.named}


def ppo_agent_and_inputs(c, n):
    """The drawn PPO networks, then n policy inputs and n actions (bound 2), and the generator."""
    rng = Xoshiro256(c["seed"])
    agent = TorchPPO(c, rng)
    return agent, rng, draw(rng, 2.0, (n, c["obs"])), draw(rng, 2.0, (n, c["act"]))


def ppo_minibatch_case():
    c = PPO
    b = c["minibatch"]
    agent, rng, x, a = ppo_agent_and_inputs(c, b)
    adv, ret = draw(rng, 1.0, (b,)), draw(rng, 1.0, (b,))
    dlogp, dv = draw(rng, 0.3, (b,)), draw(rng, 0.3, (b,))
    with torch.no_grad():
        # Old log-densities and values near the current ones, so some ratios and value changes clip.
        old_logp = agent.dist(x).log_prob(a).sum(1) + dlogp
        old_v = agent.value(x) + dv
    out = agent.step(x, a, old_logp, adv, ret, old_v)
    out.update({"config": c, "old_log_probs": flat(old_logp), "old_values": flat(old_v), "params_after": agent.after()})
    return out


def lemire_index(rng, n):
    """Xoshiro256's nextIndex: Lemire's multiply-shift without modulo bias."""
    m = rng.next() * n
    if (m & MASK) < n:
        threshold = ((1 << 64) - n) % n
        while (m & MASK) < threshold:
            m = rng.next() * n
    return m >> 64


def gae(rewards, values, terminated, truncated, bootstrap, last_value, gamma, lam):
    """GAE(lambda) in float64 with truncation bootstrapping from V(s_T) (RolloutBuffer's rule)."""
    n = len(rewards)
    adv, nxt = [0.0] * n, 0.0
    for t in reversed(range(n)):
        if terminated[t]:
            next_value = 0.0
        elif truncated[t]:
            next_value = bootstrap[t]
        elif t == n - 1:
            next_value = last_value
        else:
            next_value = values[t + 1]
        done = terminated[t] or truncated[t]
        delta = rewards[t] + gamma * next_value - values[t]
        nxt = delta + gamma * lam * (0.0 if done else 1.0) * nxt
        adv[t] = nxt
    return adv


def ppo_epochs_case():
    c = PPO
    n, obs = c["rollout"], c["obs"]
    agent, rng, x, a = ppo_agent_and_inputs(c, n)
    rewards = draw(rng, 1.0, (n,))
    final_obs, next_obs = draw(rng, 2.0, (1, obs)), draw(rng, 2.0, (1, obs))
    terminated = [1.0 if t == c["terminated_at"] else 0.0 for t in range(n)]
    truncated = [1.0 if t == c["truncated_at"] else 0.0 for t in range(n)]
    with torch.no_grad():
        logp = agent.dist(x).log_prob(a).sum(1)
        values = agent.value(x)
        v_final = float(agent.value(final_obs)[0])
        v_next = float(agent.value(next_obs)[0])
    bootstrap = [v_final if truncated[t] else 0.0 for t in range(n)]
    values_f = [float(v) for v in values]
    adv = gae([float(r) for r in rewards], values_f, terminated, truncated, bootstrap, v_next, c["gamma"], c["gae_lambda"])
    adv_t = torch.tensor(np.array(adv), dtype=DTYPE)
    ret_t = torch.tensor(np.array([a_ + v for a_, v in zip(adv, values_f)]), dtype=DTYPE)
    shuffle = Xoshiro256(c["shuffle_seed"])
    size = n // c["minibatches"]
    last, orders = None, []
    order = list(range(n))  # cleanrl: `b_inds = np.arange(batch_size)` once, shuffled in place every epoch
    for _ in range(c["epochs"]):
        for i in range(n - 1, 0, -1):
            j = lemire_index(shuffle, i + 1)
            order[i], order[j] = order[j], order[i]
        orders.append(list(order))
        for start in range(0, n, size):
            idx = torch.tensor(order[start:start + size])
            last = agent.step(x[idx], a[idx], logp[idx], adv_t[idx], ret_t[idx], values[idx])
    return {"config": c, "rewards": flat(rewards), "terminated": terminated, "truncated": truncated,
            "final_value": v_final, "next_value": v_next, "log_probs": flat(logp), "values": flat(values),
            "advantages": flat(adv_t), "returns": flat(ret_t), "orders": orders,
            "last": {k: v for k, v in last.items() if k != "grads"}, "params_after": agent.after()}


CASES = {"ddpg": ddpg_case, "ppo-minibatch": ppo_minibatch_case, "ppo-epochs": ppo_epochs_case}


def main():
    got = {"torch": torch.__version__.split("+")[0], "numpy": np.__version__}
    if got != PINNED:
        sys.exit(f"torch_ddpg_ppo: need {PINNED}, found {got}")
    torch.set_num_threads(1)
    out = {"versions": got, "cases": {name: f() for name, f in CASES.items()}}
    write_fixture("torch_ddpg_ppo.json", out)


if __name__ == "__main__":
    main()
