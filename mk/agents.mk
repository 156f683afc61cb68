# S2AC agents (issue 5): update and action-selection speed beside PyTorch (Experiments/BenchAgents).
.PHONY: bench-agents
BENCHES += bench-agents
TORCH_PYTHON ?= .venv-torch/bin/python
# Thread counts the agents are timed at (one CSV row per agent, dimensions and count).
BENCH_THREADS ?= 1,2

bench-agents: build
	@mkdir -p Results/bench
	$(BIN)/bench-agents --threads $(BENCH_THREADS) --torch-python $(TORCH_PYTHON) --output Results/bench/agents.csv
