# Fig 4, 9, 10: entropy evaluation (entropy-eval) and kernel-variance sweep (kernel-sweep).
# `make fig4` runs the full grids (about 4-5 minutes on 2 idle cores, most of it Fig 4c/10 in
# dimension 100 with the exact log-determinant); `make fig4 QUICK=1` a reduced Fig 4c grid
# (well under a minute). Both rewrite their result files, the report tables and the pictures.
.PHONY: fig4
FIG4_OUT ?= Results/fig4
FIG4_QUICK = $(if $(filter 1,$(QUICK)),--quick,)

fig4: build
	@echo "make fig4: Fig 4a/4b take seconds; Fig 4c/10 $(if $(FIG4_QUICK),about 10 s,about 4 minutes on 2 idle cores); progress below"
	$(BIN)/entropy-eval --experiment fig4a --config both --out $(FIG4_OUT) --force $(FIG4_QUICK)
	$(BIN)/kernel-sweep --config paper --out $(FIG4_OUT) --force $(FIG4_QUICK)
	$(BIN)/entropy-eval --experiment fig4c --out $(FIG4_OUT) --force $(FIG4_QUICK)
	$(BIN)/report --results Results
	python3 scripts/plots/fig4.py --results $(FIG4_OUT) --figures Results/figures $(FIG4_QUICK)
