# Fig 8: MuJoCo learning curves of every MuJoCo agent (issue 14). `make mujoco SEEDS=5` trains
# the preset's (agent, environment, seed) grid with mujoco-curves (complete run files are kept,
# interrupted runs resume from their checkpoints), then writes the tables (`report`), Fig 8a-e
# and Fig 8f-j's statistics over the campaign's final scores as fractions of S2AC(phi,theta)'s
# mean final score per environment (gamma 1 for the optimality gap, measured against it as the
# paper's is). PRESET=quick (default; sized in README, "MuJoCo
# learning curves"), smoke (seconds; run by `make test`), paper (1M steps, five environments; for a
# cluster), authors-code. AGENTS=a,b and MUJOCO_ENVS=e,f restrict the grid; JOBS runs in parallel.
# LAUNCHER=slurm submits the missing runs as one job array (mk/slurm.mk's SLURM_* variables);
# `make mujoco-status` shows the runs' states, `make mujoco-report` checks the campaign and
# writes the tables and pictures once the array is done.
.PHONY: mujoco mujoco-smoke
MUJOCO_PRESET = $(or $(PRESET),quick)
# The results folder the campaign, its tables and pictures go to (`make test`'s smoke run uses
# one of its own, so a user's Results/ and the reviewer's page never see smoke numbers).
MUJOCO_RESULTS ?= Results
MUJOCO_OUT = $(MUJOCO_RESULTS)/mujoco/$(MUJOCO_PRESET)
MUJOCO_ARGS = $(if $(AGENTS),--agents $(AGENTS),) $(if $(MUJOCO_ENVS),--envs $(MUJOCO_ENVS),)
# Bootstrap replicates and other rliable-stats flags for the campaign's statistics.
MUJOCO_RLIABLE_ARGS ?=

MUJOCO_GRID = --preset $(MUJOCO_PRESET) --seeds $(SEEDS) --out $(MUJOCO_OUT) $(MUJOCO_ARGS)

mujoco: build assets
ifeq ($(LAUNCHER),slurm)
	$(BIN)/mujoco-curves $(MUJOCO_GRID) $(CAMPAIGN_LAUNCH_BASE)
else
	$(BIN)/mujoco-curves $(MUJOCO_GRID) --jobs $(JOBS)
	$(MAKE) --no-print-directory mujoco-tables
endif

mujoco-status: build assets
	$(BIN)/mujoco-curves $(MUJOCO_GRID) --status

# The report step by hand (after a Slurm array): missing or failed runs with their task ids and
# logs, then the tables and pictures of the runs there are.
mujoco-report: build assets
	-$(BIN)/mujoco-curves $(MUJOCO_GRID) --report
	$(MAKE) --no-print-directory mujoco-tables

.PHONY: mujoco-tables mujoco-status mujoco-report
mujoco-tables:
	$(BIN)/report --results $(MUJOCO_RESULTS)
	python3 scripts/plots/fig8.py --train $(BIN)/train --tables $(MUJOCO_RESULTS)/tables --campaign $(MUJOCO_PRESET) \
		--figures $(MUJOCO_RESULTS)/figures/mujoco/$(MUJOCO_PRESET)
	$(BIN)/rliable-stats --runs $(MUJOCO_OUT)/runs --out $(MUJOCO_OUT)/rliable --force \
		--normalize-by s2ac-phi-theta --gamma 1 $(MUJOCO_RLIABLE_ARGS)
	python3 scripts/plots/rliable_plots.py --tables $(MUJOCO_OUT)/rliable --x s2ac-phi-theta
	$(BIN)/report --results $(MUJOCO_RESULTS)

# The whole pipeline at smoke size, one seed, in a results folder of its own: part of `make test`.
mujoco-smoke: build assets
	rm -rf .build/mujoco-smoke
	$(MAKE) mujoco PRESET=smoke SEEDS=1 JOBS=2 MUJOCO_RLIABLE_ARGS="--reps 500" MUJOCO_RESULTS=.build/mujoco-smoke
	test -s .build/mujoco-smoke/tables/mujoco_mean_curves.csv && test -s .build/mujoco-smoke/figures/mujoco/smoke/fig8_raw.png \
		&& test -s .build/mujoco-smoke/mujoco/smoke/rliable/rliable_aggregate.csv
TEST_PREREQS += mujoco-smoke
