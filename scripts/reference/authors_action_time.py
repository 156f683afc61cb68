#!/usr/bin/env python3
"""Times the authors' own test-time action selection (their `test_agent` path), for Table 1's
README paragraph: how long their code takes to pick one action on this machine.

  <python with torch> scripts/reference/authors_action_time.py --stac PATH/STAC [--reps 300 --threads 1]

PATH is a checkout of the authors' repository (SafaMessaoud/S2AC-Energy-Based-RL-with-Stein-Soft-
Actor-Critic; nothing of it is committed here). Their `main.py` needs gym, mujoco_py and a saved
agent to reach `test_agent`; this script skips those: it builds their `ActorCritic` as `main.py`
builds it (its defaults: 256 wide, two critic and three actor layers, 10 particles, SVGD step 0.1,
sigma_p0 0.5, ELU, ReLU for SAC and SQL) with fresh weights (timing does not depend on them) and
times, per action, the lines of `core.py`'s `test_agent` that turn an observation array into an
action array: the tensor of the observation, its m copies, `ac(o_, action_selection=...,
with_logprob=False)`, and the action back as a numpy array. The environment's step is not timed.

Rows (the paper's Table 1 agents, with the options the authors' README uses for them):
  sac                  --actor sac, selection max (the mean)
  sql                  --actor svgd_sql, selection softmax
  s2ac-phi-theta       --actor svgd_p0_pram --svgd_steps 3, selection softmax
  s2ac-phi-theta-psi   the same with --with_amor_infer, selection amortized (their `act` draws q0 and
                       runs the L SVGD steps before it returns f_psi's output, and returns one
                       action per copy of the observation, m in all)
Prints one CSV line per (agent, env): agent,env,obs,act,threads,reps,median_ms,q1_ms,q3_ms
(CPU time of the process with one thread, wall time with more, as `table1`).
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

# The paper's Table 1 environments with v2's dimensions (the authors ran the -v2 versions).
ENVS = [("Hopper-v2", 11, 3), ("Walker2d-v2", 17, 6), ("HalfCheetah-v2", 17, 6), ("Ant-v2", 111, 8)]
AGENTS = ["sac", "sql", "s2ac-phi-theta", "s2ac-phi-theta-psi"]


class Box:
    """What ActorCritic reads of a gym space: its shape and upper bound."""

    def __init__(self, n):
        self.shape = (n,)
        self.high = np.ones(n, dtype=np.float32)


def build(agent, obs, act, torch, AttrDict, ActorCritic):
    """ActorCritic with main.py's arguments for `agent`; returns it and its test selection."""
    hid, elu, relu = 256, torch.nn.ELU, torch.nn.ReLU
    activation = relu if agent in ("sac", "sql") else elu
    critic = AttrDict(hidden_sizes=[hid] * 2, activation=activation, critic_cnn=False, gpu_id=0)
    device = torch.device("cpu")
    if agent == "sac":
        actor, selection = "sac", "max"
        kwargs = AttrDict(hidden_sizes=[hid] * 3, test_action_selection=selection, device=device,
                          activation=activation, batch_size=100)
    elif agent == "sql":
        actor, selection = "svgd_sql", "softmax"
        kwargs = AttrDict(num_svgd_particles=10, test_action_selection=selection, batch_size=100, device=device,
                          hidden_sizes=[hid] * 3, activation=activation, kernel_sigma=None, adaptive_sig=4)
    else:
        psi = agent == "s2ac-phi-theta-psi"
        actor, selection = "svgd_p0_pram", ("amortized" if psi else "softmax")
        kwargs = AttrDict(num_svgd_particles=10, num_svgd_steps=3, svgd_lr=0.1, test_action_selection=selection,
                          svgd_sigma_p0=0.5, batch_size=100, device=device, hidden_sizes=[hid] * 3,
                          activation=activation, kernel_sigma=None, adaptive_sig=4, alpha=0.2, with_amor_infer=psi)
    ac = ActorCritic(actor, Box(obs), Box(act), "/nonexistent", False, None, critic, kwargs)
    return ac, selection


def clock(threads):
    return time.process_time if threads == 1 else time.perf_counter


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stac", required=True, help="the STAC folder of a checkout of the authors' repository")
    parser.add_argument("--reps", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--agents", default=",".join(AGENTS))
    args = parser.parse_args()
    if args.reps < 1 or args.warmup < 0 or args.threads < 1:
        print("authors_action_time: --reps and --threads must be >= 1, --warmup >= 0", file=sys.stderr)
        sys.exit(2)
    agents = args.agents.split(",")
    unknown = [a for a in agents if a not in AGENTS]
    if unknown:
        print(f"authors_action_time: unknown agent {unknown[0]} (known: {','.join(AGENTS)})", file=sys.stderr)
        sys.exit(2)
    if not os.path.isfile(os.path.join(args.stac, "actorcritic.py")):
        print(f"authors_action_time: {args.stac} has no actorcritic.py (give the STAC folder of the authors' repository)",
              file=sys.stderr)
        sys.exit(2)
    import torch
    torch.set_num_threads(args.threads)
    sys.path.insert(0, os.path.abspath(args.stac))
    from actorcritic import ActorCritic  # noqa: E402  (the authors' module)
    from utils import AttrDict  # noqa: E402

    now = clock(args.threads)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    print("agent,env,obs,act,threads,reps,median_ms,q1_ms,q3_ms")
    for agent in agents:
        for env, obs_dim, act_dim in ENVS:
            ac, selection = build(agent, obs_dim, act_dim, torch, AttrDict, ActorCritic)
            m = ac.pi.num_particles
            observations = rng.standard_normal((args.warmup + args.reps, obs_dim))
            times = []
            for i, o in enumerate(observations):
                start = now()
                # core.py's test_agent, from the observation array to the action array.
                o = torch.as_tensor(o, dtype=torch.float32).view(-1, obs_dim)
                o_ = o.view(-1, 1, obs_dim).repeat(1, m, 1).view(-1, obs_dim)
                a, _ = ac(o_, action_selection=selection, with_logprob=False)
                a = a.detach().cpu().numpy().squeeze()
                elapsed = now() - start
                # Their amortized selection maps each of the m copies of the observation, so
                # it returns m actions (test_agent would pass them all to the environment).
                assert a.shape == ((m, act_dim) if selection == "amortized" else (act_dim,)), (agent, env, a.shape)
                if i >= args.warmup:
                    times.append(elapsed * 1e3)
            q1, median, q3 = statistics.quantiles(times, n=4) if len(times) > 1 else (times[0],) * 3
            print(f"{agent},{env},{obs_dim},{act_dim},{args.threads},{args.reps},{median:.4g},{q1:.4g},{q3:.4g}", flush=True)


if __name__ == "__main__":
    main()
