# MuJoCo environments (issue 4): pinned Gymnasium models and the environment benchmark.
.PHONY: assets bench-envs

# Gymnasium's MJCF files, from the pinned wheel, checked by sha256 (scripts/mujoco-assets.sha256).
assets:
	@bash scripts/fetch-mujoco-assets.sh

TEST_PREREQS += assets

# Steps per second: ours, the bare mj_step loop, and Gymnasium (pinned venv), interleaved.
BENCHES += bench-envs
bench-envs: build assets
	@mkdir -p Results/bench
	$(BIN)/bench-envs --python "$$(bash scripts/reference/gym_venv.sh)" --output Results/bench/envs.csv
