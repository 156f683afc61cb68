"""Gymnasium's speed on one MuJoCo environment, for bench-envs (which interleaves it with
its own measurements): `python bench_gym_env.py ENV STEPS SEED` prints environment steps per
CPU second (process time), over STEPS steps of uniformly random actions from the action space,
resets included, through gymnasium.make (its standard wrappers, as a user runs it)."""
import sys
import time
import warnings

from gym_ids import gymnasium_make

warnings.filterwarnings("ignore")
env_id, steps, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
env = gymnasium_make(env_id)
env.action_space.seed(seed)
env.reset(seed=seed)
for _ in range(100):  # warm-up
    env.step(env.action_space.sample())
env.reset(seed=seed)
start = time.process_time()
for _ in range(steps):
    _, _, terminated, truncated, _ = env.step(env.action_space.sample())
    if terminated or truncated:
        env.reset()
elapsed = time.process_time() - start
print(steps / elapsed)
