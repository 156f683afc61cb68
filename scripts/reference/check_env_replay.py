"""Checks env-replay against Gymnasium on fresh random rollouts (a user-facing conformance check).

  .venv-gym/bin/python scripts/reference/check_env_replay.py Humanoid-v4 [--steps 500]
  .venv-gym/bin/python scripts/reference/check_env_replay.py Ant-v4-contact   (use_contact_forces=True)

Runs Gymnasium with random actions, records each step's state before it (time, qpos, qvel,
qacc_warmstart, and the stale xpos/xipos), writes them as env-replay's input, runs
.build/release/env-replay, and prints the largest deviation of next_obs, reward, next_qpos and
next_qvel, and the number of differing terminated flags. Exit code 1 if anything exceeds 1e-12.
"""
import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import h5py
import numpy as np

from gym_ids import gymnasium_make

ROOT = Path(__file__).resolve().parents[2]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("env")
    p.add_argument("--steps", type=int, default=500)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--contact-forces", action="store_true", help="the same as the id Ant-v4-contact")
    p.add_argument("--binary", default=str(ROOT / ".build/release/env-replay"))
    a = p.parse_args()
    if a.contact_forces:
        a.env = "Ant-v4-contact"
    env = gymnasium_make(a.env)
    u = env.unwrapped
    env.action_space.seed(a.seed)
    env.reset(seed=a.seed)
    names = ("time", "qpos", "qvel", "qacc_warmstart", "xpos", "xipos", "action")
    inputs = {k: [] for k in names}
    expected = {k: [] for k in ("next_obs", "reward", "terminated", "next_qpos", "next_qvel")}
    for _ in range(a.steps):
        d = u.data
        for k, v in (("time", d.time), ("qpos", d.qpos), ("qvel", d.qvel), ("qacc_warmstart", d.qacc_warmstart),
                     ("xpos", d.xpos), ("xipos", d.xipos)):
            inputs[k].append(np.array(v, dtype=np.float64))
        action = env.action_space.sample()
        inputs["action"].append(action.astype(np.float64))
        obs, reward, terminated, truncated, _ = env.step(action)
        for k, v in (("next_obs", obs), ("reward", reward), ("terminated", terminated),
                     ("next_qpos", u.data.qpos.copy()), ("next_qvel", u.data.qvel.copy())):
            expected[k].append(v)
        if terminated or truncated:
            env.reset()
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.h5", Path(tmp) / "out.h5"
        with h5py.File(src, "w") as f:
            for k, v in inputs.items():
                f[k] = np.stack(v)
        cmd = [a.binary, "--env", a.env, "--input", str(src), "--output", str(dst)]
        subprocess.run(cmd, check=True)
        with h5py.File(dst, "r") as f:
            got = {k: f[k][()] for k in expected}
    worst = 0.0
    for k in ("next_obs", "reward", "next_qpos", "next_qvel"):
        dev = float(np.max(np.abs(got[k] - np.array(expected[k], dtype=np.float64))))
        worst = max(worst, dev)
        print(f"{a.env}: max |{k} - gymnasium| = {dev:.3g}")
    flips = int(np.sum(got["terminated"] != np.array(expected["terminated"], dtype=np.int8)))
    print(f"{a.env}: terminated flags differing: {flips} of {a.steps}")
    return 0 if worst <= 1e-12 and flips == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
