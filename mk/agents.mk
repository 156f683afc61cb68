# S2AC agents (issue 5): update and action-selection speed beside PyTorch (Experiments/BenchAgents).
.PHONY: bench-agents
BENCHES += bench-agents
TORCH_PYTHON ?= .venv-torch/bin/python

bench-agents: build
	@mkdir -p Results/bench
	$(BIN)/bench-agents --torch-python $(TORCH_PYTHON) --output Results/bench/agents.csv
