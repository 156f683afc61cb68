# Fig 5-7, 11-17: the multigoal experiments. `make multigoal` trains the (agent, alpha, seed)
# grid of the preset with multigoal-modes (complete run files are kept, so an interrupted or
# extended campaign continues), then writes the pictures, the report tables and the reviewer's page. `make obstacle`
# tests those trained agents with the wall (no retraining). PRESET=quick (default): 4000 steps,
# alpha {0.1, 1, 10}, one seed, every agent, under 2 hours with JOBS=2 (README); PRESET=paper:
# 20000 steps, alpha {0.1, 1, 5, 10, 20}, 20 seeds (a cluster); PRESET=smoke: seconds.
# AGENTS=a,b restricts the agents (multigoal-modes stops with exit 2 on agents not built yet).
.PHONY: multigoal obstacle
PRESET ?= quick
JOBS ?= 2
MULTIGOAL_OUT = Results/multigoal/$(PRESET)
MULTIGOAL_AGENTS = $(if $(AGENTS),--agents $(AGENTS),)

multigoal: build
	$(BIN)/multigoal-modes --preset $(PRESET) --jobs $(JOBS) --out $(MULTIGOAL_OUT) $(MULTIGOAL_AGENTS)
	python3 scripts/plots/multigoal.py --train $(BIN)/train --runs $(MULTIGOAL_OUT) --figures Results/figures/multigoal/$(PRESET)
	$(BIN)/report --results Results

obstacle: build
	$(BIN)/obstacle-robustness --runs $(MULTIGOAL_OUT)
	python3 scripts/plots/multigoal.py --train $(BIN)/train --runs $(MULTIGOAL_OUT) --figures Results/figures/multigoal/$(PRESET)
	$(BIN)/report --results Results
