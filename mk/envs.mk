# MuJoCo environments (issue 4): pinned Gymnasium models and the environment benchmark.
.PHONY: assets bench-envs

# Gymnasium's MJCF files, from the pinned wheel, checked by sha256 (scripts/mujoco-assets.sha256).
assets:
	@bash scripts/fetch-mujoco-assets.sh

TEST_PREREQS += assets
