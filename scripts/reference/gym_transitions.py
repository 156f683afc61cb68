"""Conformance fixtures for the MuJoCo environments, written with Gymnasium itself.

For each environment (default arguments; Ant also with use_contact_forces=True) it writes
Tests/S2ACCoreTests/Fixtures/gym_<name>.bin holding
  - transitions: single steps from states reached by random rollouts (first steps of
    episodes, terminal steps and random others), each with the full state before the step
    (time, qpos, qvel, qacc_warmstart, and the stale xpos/xipos the environment reads as its
    "before" position) and what Gymnasium returned;
  - episodes: whole episodes from a reset with random actions, the pre-forward reset state
    (init_qpos + noise, as handed to set_state) and every step's outcome.
File format: one line of JSON (the header: environment, versions, and the list of arrays with
their shapes), then the arrays in that order as little-endian float64, row-major.
Run: scripts/reference/make_gym_fixtures.sh (pinned venv .venv-gym).
"""
import json
import sys
from pathlib import Path

import gymnasium
import mujoco
import numpy as np

OUT = Path(__file__).resolve().parents[2] / "Tests" / "S2ACCoreTests" / "Fixtures"
ENVS = [  # (fixture name, env id, kwargs, transitions, episode steps budget)
    ("Hopper-v4", "Hopper-v4", {}, 48, 300),
    ("Walker2d-v4", "Walker2d-v4", {}, 48, 300),
    ("HalfCheetah-v4", "HalfCheetah-v4", {}, 48, 1),
    ("Ant-v4", "Ant-v4", {}, 48, 1),
    ("Ant-v4-contact", "Ant-v4", {"use_contact_forces": True}, 48, 1),
    ("Humanoid-v4", "Humanoid-v4", {}, 32, 60),
]


def snapshot(u):
    d = u.data
    return dict(time=np.array([d.time]), qpos=d.qpos.copy(), qvel=d.qvel.copy(),
                qacc_warmstart=d.qacc_warmstart.copy(), xpos=d.xpos.copy(), xipos=d.xipos.copy())


def transitions(env, u, count, rng):
    """Random rollouts; keeps every first step and terminal step (up to a third each) and random others."""
    firsts, terminals, others = [], [], []
    env.reset(seed=int(rng.integers(2**31)))
    first = True
    while len(others) < count or (len(firsts) < count // 3 and len(terminals) < count // 3):
        before = snapshot(u)
        action = env.action_space.sample()
        obs, reward, terminated, truncated, info = env.step(action)
        row = dict(before, action=action.astype(np.float64), next_qpos=u.data.qpos.copy(),
                   next_qvel=u.data.qvel.copy(), next_obs=obs, reward=np.array([reward]),
                   terminated=np.array([float(terminated)]), x_velocity=np.array([info["x_velocity"]]))
        if first:
            firsts.append(row)
        elif terminated:
            terminals.append(row)
        elif rng.random() < 0.05:
            others.append(row)
        first = terminated or truncated
        if first:
            env.reset(seed=int(rng.integers(2**31)))
        if len(others) > 20 * count:
            break
    rows = firsts[: count // 3] + terminals[: count // 3]
    rows += others[: count - len(rows)]
    return {k: np.stack([r[k] for r in rows]) for k in rows[0]}


def episodes(env, u, budget, rng):
    """Whole episodes from resets until `budget` steps are recorded (at least one episode)."""
    captured = {}
    original = u.set_state

    def recording_set_state(qpos, qvel):
        captured["qpos"], captured["qvel"] = np.array(qpos), np.array(qvel)
        original(qpos, qvel)

    u.set_state = recording_set_state
    out = {k: [] for k in ("start_qpos", "start_qvel", "reset_obs", "length")}
    steps = {k: [] for k in ("action", "reward", "terminated", "truncated", "obs", "qpos", "qvel")}
    total = 0
    while total < budget or not out["length"]:
        obs0, _ = env.reset(seed=int(rng.integers(2**31)))
        out["start_qpos"].append(captured["qpos"]); out["start_qvel"].append(captured["qvel"])
        out["reset_obs"].append(obs0)
        n = 0
        while True:
            action = env.action_space.sample()
            obs, reward, terminated, truncated, _ = env.step(action)
            for k, v in (("action", action.astype(np.float64)), ("reward", [reward]),
                         ("terminated", [float(terminated)]), ("truncated", [float(truncated)]),
                         ("obs", obs), ("qpos", u.data.qpos.copy()), ("qvel", u.data.qvel.copy())):
                steps[k].append(np.asarray(v, dtype=np.float64))
            n += 1
            if terminated or truncated:
                break
        out["length"].append(np.array([float(n)]))
        total += n
    u.set_state = original
    result = {"episode_" + k: np.stack(v) for k, v in out.items()}
    result.update({"episode_step_" + k: np.stack(v) for k, v in steps.items()})
    return result


def write(path, header, arrays):
    header = dict(header, arrays=[{"name": k, "shape": list(v.shape)} for k, v in arrays.items()])
    with open(path, "wb") as f:
        f.write(json.dumps(header).encode() + b"\n")
        for v in arrays.values():
            f.write(np.ascontiguousarray(v, dtype="<f8").tobytes())


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for i, (name, env_id, kwargs, count, budget) in enumerate(ENVS):
        rng = np.random.default_rng(1000 + i)
        env = gymnasium.make(env_id, **kwargs)
        env.action_space.seed(2000 + i)
        u = env.unwrapped
        arrays = transitions(env, u, count, rng)
        if budget:
            arrays.update(episodes(env, u, budget, rng))
        header = {"env": env_id, "kwargs": kwargs, "gymnasium": gymnasium.__version__,
                  "mujoco": mujoco.__version__, "numpy": np.__version__,
                  "nbody": int(u.model.nbody), "frame_skip": int(u.frame_skip)}
        path = OUT / f"gym_{name}.bin"
        write(path, header, arrays)
        ep = int(arrays["episode_length"].sum()) if budget else 0
        print(f"{path.name}: {len(arrays['reward'])} transitions "
              f"({int(arrays['terminated'].sum())} terminal), {ep} episode steps, {path.stat().st_size} bytes")


if __name__ == "__main__":
    sys.exit(main())
