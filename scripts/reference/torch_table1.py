#!/usr/bin/env python3
"""Table 1's PyTorch column: our PyTorch version of each agent's test-time action selection,
timed as `table1` times the Swift one (run by `table1` itself, once per engine thread count).

  <python with torch> scripts/reference/torch_table1.py --cases CASES.json --threads 1 --reps 300 --warmup 30

CASES.json is a list of {agent, env, obs, act, limit, config} (`limit`: the action bound), `config` being the agent's resolved
configuration as `table1` built it (the JSON of TrainRunConfig: `s2ac`, `amortized`, `sac`,
`sql`, `sacNF`). Networks take these sizes; their weights are drawn from numpy (timing does not
depend on them). Each case is timed from an observation array to an action array:
  s2ac-phi, s2ac-phi-theta: q0, L SVGD steps (score by autograd), min Q of the particles, a
      softmax pick (torch_s2ac.py's Agent.act, without the log-density);
  s2ac-phi-theta-psi: one pass of f_psi(s, z);
  sac, sac-nf: the mean action (torch_agents.py);
  sql: m sampler outputs, min Q, a softmax pick (torch_agents.py's TorchSQL.act_softmax).
Prints `index,median_ms,q1_ms,q3_ms` per case (CPU time with one thread, wall time with more,
as `table1`), progress on standard error. Run with OMP_WAIT_POLICY=passive (table1 sets it).
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
import torch_s2ac  # noqa: E402
from torch_agents import SACNFTorch, TorchSAC, TorchSQL  # noqa: E402


class NumpyUniform:
    """The `uniform(bound, count)` the reference classes draw their weights with, from numpy
    (the xoshiro256** of the fixtures is pure Python and slow at Humanoid's sizes)."""

    def __init__(self, seed):
        self.g = np.random.default_rng(seed)

    def uniform(self, bound, count):
        return self.g.uniform(-bound, bound, count)


def sac_family(config, obs, act, limit):
    """torch_agents' configuration dict of SAC or SAC-NF from the Swift configuration."""
    sac = config["sacNF"]["sac"] if config.get("sacNF") else config["sac"]
    c = {"obs": obs, "act": act, "act_limit": limit, "critic_hidden": sac["criticHidden"],
         "actor_hidden": sac["actorHidden"], "log_std_bias_bound": 1.0 / math.sqrt(sac["actorHidden"][-1]),
         "lr_critic": sac["criticLearningRate"], "lr_actor": sac["actorLearningRate"]}
    if config.get("sacNF"):
        nf = config["sacNF"]
        c.update(flow_layers=nf["flowLayers"], flow_bound=nf["flowInitBound"], lr_flow=nf["flowLearningRate"])
    return c


def selection(case, limit, rng):
    """The case's selection as a function of one observation row [1, obs]."""
    agent, config, obs, act = case["agent"], case["config"], case["obs"], case["act"]
    if agent.startswith("s2ac"):
        torch_s2ac.OBS, torch_s2ac.ACT = obs, act
        cfg = dict(config["s2ac"])
        model = torch_s2ac.Agent(cfg, agent != "s2ac-phi", rng, torch.float32, amortized=config.get("amortized"))
        m = cfg["particles"]
        if agent == "s2ac-phi-theta-psi":
            normal = config["amortized"]["noise"] == "normal"

            def amortized(s):
                with torch.no_grad():
                    z = torch.randn(1, act) if normal else torch.rand(1, act)
                    return model.amortized_actions(s, z)
            return amortized
        if agent == "s2ac-phi":
            return lambda s: model.act(s, torch.randn(m, act))
        return lambda s: model.act(s, torch.randn(m, act).clamp(-cfg["truncation"], cfg["truncation"]))
    if agent == "sql":
        sql = config["sql"]
        c = {"particles": sql["particles"], "critic_hidden": sql["criticHidden"], "actor_hidden": sql["actorHidden"],
             "act_limit": limit, "lr_critic": sql["criticLearningRate"], "lr_actor": sql["actorLearningRate"]}
        model, gen = TorchSQL(c, obs, act), torch.Generator().manual_seed(0)
        return lambda s: model.act_softmax(s, torch.rand(c["particles"], act, generator=gen), gen)
    if agent in ("sac", "sac-nf"):
        c = sac_family(config, obs, act, limit)
        model = SACNFTorch(c, rng) if agent == "sac-nf" else TorchSAC(c, rng)

        def mean(s):
            with torch.no_grad():
                return model.mean_action(s)
        return mean
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=30)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    clock = time.process_time if args.threads == 1 else time.perf_counter
    with open(args.cases) as f:
        cases = json.load(f)
    for i, case in enumerate(cases):
        select = selection(case, case["limit"], NumpyUniform(i))
        if select is None:
            print(f"torch_table1: no PyTorch version of {case['agent']}", file=sys.stderr)
            continue
        states = np.random.default_rng(1000 + i).standard_normal((64, case["obs"])).astype(np.float32)
        for k in range(args.warmup):
            select(torch.from_numpy(states[k % 64:k % 64 + 1])).numpy()
        times = []
        for k in range(args.reps):
            t0 = clock()
            select(torch.from_numpy(states[k % 64:k % 64 + 1])).numpy()
            times.append((clock() - t0) * 1e3)
        q1, med, q3 = np.percentile(times, [25, 50, 75])
        print(f"{i},{med:.6g},{q1:.6g},{q3:.6g}", flush=True)
        print(f"torch_table1: [{i + 1}/{len(cases)}] {case['agent']} {case['env']}, {args.threads} thread(s): "
              f"median {med:.4g} ms", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
