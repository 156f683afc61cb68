# Fig 4, 9, 10: entropy evaluation (entropy-eval) and kernel-variance sweep (kernel-sweep).
# `make fig4` runs the full grids (measured: 3 min 32 s wall, 6 min 51 s CPU on 2 idle cores;
# 10.6 minutes with the machine shared by three other builds; most of it is Fig 4c/10 in
# dimension 100 with the exact log-determinant); `make fig4 QUICK=1` a reduced Fig 4c grid
# (measured: 26 s for the whole target, plots included), with
# `-quick` result files and pictures under Results/figures/quick. Both rewrite their result
# files, the pictures, the report tables and the reviewer's page (Results/report/index.html).
.PHONY: fig4
FIG4_OUT ?= Results/fig4
FIG4_QUICK = $(if $(filter 1,$(QUICK)),--quick,)
FIG4_FIGURES = Results/figures$(if $(FIG4_QUICK),/quick,)

fig4: build
	@echo "make fig4: Fig 4a/4b take seconds; Fig 4c/10 $(if $(FIG4_QUICK),about 10 s,about 4 minutes on 2 idle cores, more on a busy machine); progress below"
	$(BIN)/entropy-eval --experiment fig4a --config both --out $(FIG4_OUT) --force $(FIG4_QUICK)
	$(BIN)/kernel-sweep --config paper --out $(FIG4_OUT) --force $(FIG4_QUICK)
	$(BIN)/entropy-eval --experiment fig4c --out $(FIG4_OUT) --force $(FIG4_QUICK)
	python3 scripts/plots/fig4.py --results $(FIG4_OUT) --figures $(FIG4_FIGURES) $(FIG4_QUICK)
	$(BIN)/report --results Results
