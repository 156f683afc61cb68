# Campaigns on a Slurm cluster (README, "Running on a cluster"). LAUNCHER=slurm makes a campaign
# target (`make multigoal`, and the MuJoCo campaign's) submit its missing runs as ONE job array
# instead of running them here; the SLURM_* variables become the campaign's options:
#   SLURM_PARTITION  --partition          SLURM_ACCOUNT  --account
#   SLURM_TIME       --time of each task   SLURM_MEM      --mem of each task
#   SLURM_CPUS       --cpus-per-task: each run's engine threads (default 1)
#   SLURM_MAX        tasks at once, --array=0-(N-1)%MAX (default 32)
#   SLURM_SIGNAL_MARGIN  seconds before the time limit at which a task checkpoints and requeues (300)
#   SLURM_CHECKPOINT_EVERY  steps between checkpoints (1000)
#   SLURM_FLAGS      further sbatch flags, e.g. SLURM_FLAGS='--qos=long --constraint=avx512'
#   DRY_RUN=1        print the batch script and the manifest, submit nothing
# `make slurm-start` / `slurm-stop` / `slurm-status` run a single-node Slurm on this machine
# (scripts/slurm/local-cluster.sh; SlurmArrayTests starts and stops it by itself).
.PHONY: slurm-start slurm-stop slurm-status
LAUNCHER ?= local
SLURM_CPUS ?= 1
SLURM_MAX ?= 32
SLURM_SIGNAL_MARGIN ?= 300
SLURM_CHECKPOINT_EVERY ?= 1000
DRY_RUN ?= 0
# The launch options every campaign takes; CAMPAIGN_LAUNCH adds the checkpoint interval for
# campaigns whose runs take it from the launcher (multigoal; a MuJoCo run's preset sets its own).
CAMPAIGN_LAUNCH_BASE = --launcher $(LAUNCHER) \
	$(if $(filter slurm,$(LAUNCHER)),--cpus-per-task $(SLURM_CPUS) --max-concurrent $(SLURM_MAX) \
	  --signal-margin $(SLURM_SIGNAL_MARGIN) \
	  $(if $(SLURM_PARTITION),--partition $(SLURM_PARTITION)) $(if $(SLURM_ACCOUNT),--account $(SLURM_ACCOUNT)) \
	  $(if $(SLURM_TIME),--time $(SLURM_TIME)) $(if $(SLURM_MEM),--mem $(SLURM_MEM)) \
	  $(if $(SLURM_FLAGS),--sbatch-flags='$(SLURM_FLAGS)') $(if $(filter 1,$(DRY_RUN)),--dry-run))
CAMPAIGN_LAUNCH = $(CAMPAIGN_LAUNCH_BASE) $(if $(filter slurm,$(LAUNCHER)),--checkpoint-every $(SLURM_CHECKPOINT_EVERY))

slurm-start: deps
	bash scripts/slurm/local-cluster.sh start
	@bash scripts/slurm/local-cluster.sh env | sed 's/^/run this for the Slurm commands: /'

slurm-stop:
	bash scripts/slurm/local-cluster.sh stop

slurm-status:
	bash scripts/slurm/local-cluster.sh status
