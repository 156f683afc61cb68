# The tensor engine: speed benchmark (see Experiments/BenchEngine).
.PHONY: bench-engine
BENCHES += bench-engine

bench-engine: build
	@mkdir -p Results/bench
	$(BIN)/bench-engine --output Results/bench/engine.csv
