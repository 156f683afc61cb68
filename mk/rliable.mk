# rliable statistics (Fig 8f-j, issue 6): tables and pictures, conformance fixtures, bench.
#   make rliable RLIABLE_SCORES=FILE.csv   tables + pictures under $(RLIABLE_OUT)
#   make rliable-fixtures                  regenerate Tests/S2ACCoreTests/Fixtures/rliable (pinned rliable, ~8 min)
#   make bench-rliable                     Results/bench/rliable.csv (Swift vs rliable; rliable takes 2-8 minutes,
#                                          RLIABLE_BENCH_ARGS=--skip-rliable times Swift only)
RLIABLE_VENV ?= .venv-rliable
RLIABLE_PY = $(RLIABLE_VENV)/bin/python
RLIABLE_SCORES ?= Results/mujoco/scores.csv
RLIABLE_OUT ?= Results/rliable
RLIABLE_SEED ?= 0
RLIABLE_ARGS ?=
RLIABLE_BENCH_ARGS ?=

.PHONY: rliable rliable-venv rliable-fixtures bench-rliable
BENCHES += bench-rliable

rliable: build
	@test -f "$(RLIABLE_SCORES)" || { echo "make rliable: no scores at $(RLIABLE_SCORES); pass a CSV (algorithm,task,run,score[,step]) as RLIABLE_SCORES=FILE" >&2; exit 2; }
	$(BIN)/rliable-stats --scores $(RLIABLE_SCORES) --out $(RLIABLE_OUT) --seed $(RLIABLE_SEED) $(RLIABLE_ARGS)
	python3 scripts/plots/rliable_plots.py --tables $(RLIABLE_OUT)
	$(BIN)/report --results Results

# The pinned rliable, in a venv of its own; a failed install (PyPI unreachable) leaves no venv,
# and the bench then skips the rliable column with a note.
rliable-venv:
	@if [ ! -x $(RLIABLE_PY) ]; then \
		echo "rliable-venv: creating $(RLIABLE_VENV) from scripts/reference/requirements-rliable.txt"; \
		(python3 -m venv $(RLIABLE_VENV) && $(RLIABLE_PY) -m pip install -q -r scripts/reference/requirements-rliable.txt) \
		|| { echo "rliable-venv: could not install the pinned rliable (is PyPI reachable?); the bench skips rliable" >&2; rm -rf $(RLIABLE_VENV); }; \
	fi

rliable-fixtures: rliable-venv
	$(RLIABLE_PY) scripts/reference/rliable_fixture.py

bench-rliable: build rliable-venv
	$(BIN)/bench-rliable --out Results/bench --python $(RLIABLE_PY) $(RLIABLE_BENCH_ARGS)
