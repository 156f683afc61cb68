# Fig 8: MuJoCo learning curves of every MuJoCo agent (issue 14). `make mujoco SEEDS=5` trains
# the preset's (agent, environment, seed) grid with mujoco-curves (complete run files are kept,
# interrupted runs resume from their checkpoints), then writes the tables (`report`), Fig 8a-e
# and Fig 8f-j's statistics over the campaign's final scores, twice: raw returns, and returns as
# fractions of S2AC(phi,theta)'s mean final score per environment (gamma 1 for the optimality
# gap, measured against it as the paper's is). PRESET=quick (default; sized in README, "MuJoCo
# learning curves"), smoke (seconds; run by `make test`), paper (1M steps, five environments; for a
# cluster), authors-code. AGENTS=a,b and MUJOCO_ENVS=e,f restrict the grid; JOBS runs in parallel.
.PHONY: mujoco mujoco-smoke
MUJOCO_PRESET = $(or $(PRESET),quick)
MUJOCO_OUT = Results/mujoco/$(MUJOCO_PRESET)
MUJOCO_ARGS = $(if $(AGENTS),--agents $(AGENTS),) $(if $(MUJOCO_ENVS),--envs $(MUJOCO_ENVS),)
# Bootstrap replicates and other rliable-stats flags for the campaign's statistics.
MUJOCO_RLIABLE_ARGS ?=

mujoco: build
	$(BIN)/mujoco-curves --preset $(MUJOCO_PRESET) --seeds $(SEEDS) --jobs $(JOBS) --out $(MUJOCO_OUT) $(MUJOCO_ARGS)
	$(BIN)/report --results Results
	python3 scripts/plots/fig8.py --train $(BIN)/train --tables Results/tables --campaign $(MUJOCO_PRESET) \
		--figures Results/figures/mujoco/$(MUJOCO_PRESET)
	$(BIN)/rliable-stats --runs $(MUJOCO_OUT)/runs --out $(MUJOCO_OUT)/rliable --force $(MUJOCO_RLIABLE_ARGS)
	python3 scripts/plots/rliable_plots.py --tables $(MUJOCO_OUT)/rliable --x s2ac-phi-theta
	$(BIN)/rliable-stats --runs $(MUJOCO_OUT)/runs --out $(MUJOCO_OUT)/rliable-normalized --force \
		--normalize-by s2ac-phi-theta --gamma 1 $(MUJOCO_RLIABLE_ARGS)
	python3 scripts/plots/rliable_plots.py --tables $(MUJOCO_OUT)/rliable-normalized --x s2ac-phi-theta
	$(BIN)/report --results Results

# The whole pipeline at smoke size, one seed: part of `make test`.
mujoco-smoke: build
	$(MAKE) mujoco PRESET=smoke SEEDS=1 JOBS=2 MUJOCO_RLIABLE_ARGS="--reps 500"
TEST_PREREQS += mujoco-smoke
