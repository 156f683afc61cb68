# The S2AC reproduction suite. `make help` lists the targets.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= release
BIN = .build/$(CONFIG)
QUICK ?= 0
SEEDS ?= 5
# Code is generated for the CPU that builds it (AVX2/AVX-512 where present): the elementwise
# loops run 2-4 times as many lanes as the baseline x86-64 target. Swift never fuses a
# multiply and an add on its own and never reorders a floating-point sum, so results are
# bit-identical to a baseline build (README, "Reproducibility"); SWIFTFLAGS= builds for the baseline.
SWIFTFLAGS ?= -Xswiftc -target-cpu -Xswiftc native

.PHONY: help deps build test bench report clean

# Each part of the suite adds its own targets in mk/<part>.mk: figure targets, benchmarks
# (appended to BENCHES, run by `make bench`) and set-up steps the tests need (TEST_PREREQS).
BENCHES :=
TEST_PREREQS :=
include $(sort $(wildcard mk/*.mk))

help:
	@echo "make fig4            Fig 4, 9, 10: entropy evaluation and kernel sweep (QUICK=1 for a reduced grid)"
	@echo "make multigoal       Fig 5, 6, 11-15, 17: multigoal agents over alphas (PRESET=quick|smoke|paper, JOBS=2, AGENTS=a,b)"
	@echo "make multigoal PRESET=paper LAUNCHER=slurm   the same as one Slurm job array (SLURM_PARTITION, SLURM_TIME, SLURM_CPUS, SLURM_MAX, ...; DRY_RUN=1)"
	@echo "make multigoal-status / multigoal-report   each run's state from the files / the report step, then pictures and tables"
	@echo "make slurm-start     a single-node Slurm on this machine (slurm-stop, slurm-status)"
	@echo "make obstacle        Fig 7, 16: the trained multigoal agents tested with the obstacle (after make multigoal)"
	@echo "make multigoal-before-fixes   the multigoal campaign with the samplers before the fidelity fixes, into Results-before-fixes/ (PRESET, JOBS)"
	@echo "make rliable RLIABLE_SCORES=F.csv   Fig 8f-j statistics for a score table"
	@echo "make test            build and run every test"
	@echo "make fuzz            libFuzzer over the result, checkpoint and CSV readers (FUZZ_SECONDS=60 per target; Fuzz/README.md)"
	@echo "make bench           speed benchmarks -> Results/bench/*.csv ($(BENCHES))"
	@echo "make assets          pinned MuJoCo models into assets/mujoco/"
	@echo "make report          CSV tables under Results/tables/ and the reviewer's page Results/report/index.html (every paper claim beside ours)"
	@echo "make deps            install missing Debian and Python packages"
	@echo "make build           release build of the library and every executable"

deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build -c $(CONFIG) $(SWIFTFLAGS)

test: deps $(TEST_PREREQS)
	$(SWIFT) build -c $(CONFIG) $(SWIFTFLAGS)
	$(SWIFT) test -c $(CONFIG) $(SWIFTFLAGS)

bench: build $(BENCHES)

report: build
	$(BIN)/report --results Results

clean:
	rm -rf .build
