# Fig 5-7, 11-17: the multigoal experiments. `make multigoal` trains the (agent, alpha, seed)
# grid of the preset with multigoal-modes (complete run files are kept, so an interrupted or
# extended campaign continues), then writes the pictures, the report tables and the reviewer's page. `make obstacle`
# tests those trained agents with the wall (no retraining). PRESET=quick (default): 4000 steps,
# alpha {0.1, 1, 10}, seeds 0 and 1, every agent, about 14000 CPU s of runs (2 hours with JOBS=2)
# on a 2-core AMD EPYC with OpenBLAS's Haswell kernel (README, "Multigoal"); PRESET=paper:
# 20000 steps, alpha {0.1, 1, 5, 10, 20}, 20 seeds (a cluster); PRESET=smoke: seconds.
# AGENTS=a,b restricts the agents (multigoal-modes stops with exit 2 on agents not built yet).
# LAUNCHER=slurm (mk/slurm.mk): the missing runs go to one Slurm job array and a report job
# after it; `make multigoal-report` then writes the pictures and tables, `make multigoal-status`
# shows each run's state from the files.
.PHONY: multigoal multigoal-status multigoal-report obstacle
PRESET ?= quick
JOBS ?= 2
MULTIGOAL_OUT = Results/multigoal/$(PRESET)
MULTIGOAL_AGENTS = $(if $(AGENTS),--agents $(AGENTS),)
MULTIGOAL_GRID = --preset $(PRESET) --out $(MULTIGOAL_OUT) $(MULTIGOAL_AGENTS)

multigoal: build
ifeq ($(LAUNCHER),slurm)
	$(BIN)/multigoal-modes $(MULTIGOAL_GRID) $(CAMPAIGN_LAUNCH)
else
	$(BIN)/multigoal-modes $(MULTIGOAL_GRID) --jobs $(JOBS)
	$(MAKE) --no-print-directory multigoal-tables
endif

multigoal-status: build
	$(BIN)/multigoal-modes $(MULTIGOAL_GRID) --status

# The report step by hand: missing or failed runs with their Slurm task ids and logs (it goes
# on to the tables with the runs there are), then the pictures and the tables.
multigoal-report: build
	-$(BIN)/multigoal-modes $(MULTIGOAL_GRID) --report
	$(MAKE) --no-print-directory multigoal-tables

.PHONY: multigoal-tables
multigoal-tables:
	python3 scripts/plots/multigoal.py --train $(BIN)/train --runs $(MULTIGOAL_OUT) --figures Results/figures/multigoal/$(PRESET)
	$(BIN)/report --results Results

obstacle: build
	$(BIN)/obstacle-robustness --runs $(MULTIGOAL_OUT)
	python3 scripts/plots/multigoal.py --train $(BIN)/train --runs $(MULTIGOAL_OUT) --figures Results/figures/multigoal/$(PRESET)
	$(BIN)/report --results Results

# The multigoal campaign with the samplers as they were before the fidelity fixes, for the
# before/after comparison (scripts/multigoal/before-fixes.sh; README, "Multigoal: before and
# after the fidelity fixes"): PRESET=quick by default, into Results-before-fixes/.
.PHONY: multigoal-before-fixes before-fixes-smoke
multigoal-before-fixes: build
	JOBS=$(JOBS) scripts/multigoal/before-fixes.sh $(PRESET)

# The same at smoke size in a folder of its own, beside a smoke campaign of today's samplers,
# checking every run's overrides and the side-by-side table: part of make test.
before-fixes-smoke: build
	rm -rf .build/before-fixes-smoke .build/before-fixes-smoke-after
	$(BIN)/multigoal-modes --preset smoke --out .build/before-fixes-smoke-after/multigoal/smoke --jobs 2
	$(BIN)/report --results .build/before-fixes-smoke-after
	AFTER=.build/before-fixes-smoke-after OUT=.build/before-fixes-smoke JOBS=2 scripts/multigoal/before-fixes.sh smoke
	python3 scripts/multigoal/check_before_fixes.py .build/before-fixes-smoke/multigoal/smoke \
		--before-after .build/before-fixes-smoke/tables/multigoal_before_after.csv \
		--eps $$($(BIN)/train --agent s2ac-phi-theta --env Multigoal --preset smoke --show-config | awk '$$1 == "s2ac.stepSize" { print $$2 }')
	test -s .build/before-fixes-smoke/tables/multigoal_goals.csv && test -s .build/before-fixes-smoke/report/index.html
TEST_PREREQS += before-fixes-smoke
