# Table 1: every agent's test-time action selection timed at the MuJoCo dimensions (table1),
# at one and two engine threads, with our PyTorch version of the same selection beside it when
# a Python that imports torch is found (TORCH_PYTHON, default .venv-torch/bin/python, then
# python3 on PATH; TORCH_PYTHON=none skips it); then the picture, the tables and the
# reviewer's page. TABLE1_ARGS passes more options (--reps 50, --agents sac,sql, --runs F.ckpt.h5).
.PHONY: table1
TABLE1_OUT ?= Results/table1
TABLE1_TORCH = $(if $(filter-out .venv-torch/bin/python,$(TORCH_PYTHON)),$(TORCH_PYTHON),auto)

table1: build assets
	@echo "make table1: 6 agents x 5 environments x 2 thread counts, a few minutes (more on a busy machine); progress below"
	$(BIN)/table1 --out $(TABLE1_OUT)/table1.h5 --force --torch-python $(TABLE1_TORCH) $(TABLE1_ARGS)
	python3 scripts/plots/table1.py --results $(TABLE1_OUT) --figures Results/figures/table1
	$(BIN)/report --results Results
