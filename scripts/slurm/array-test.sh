#!/usr/bin/env bash
# The cluster launcher on a real Slurm (SlurmArrayTests runs it in `make test`):
#   scripts/slurm/array-test.sh [BIN]     BIN: the built executables (default .build/release)
# Starts the single-node cluster of scripts/slurm/local-cluster.sh unless it runs already (and
# then stops it again), submits a smoke multigoal campaign as one job array and checks:
#   1. every run file is complete and has the params_sha256 of the same run made by the local
#      launcher;
#   2. a task sent SIGTERM mid-run (to its batch shell, as Slurm's B:TERM does before a time
#      limit) writes its checkpoint, requeues itself, resumes and finishes with the same bits;
#   3. after one run file is deleted, submitting again submits exactly one task;
#   4. the report step (the dependent job, and by hand) names a missing run with its task id
#      and log file;
#   5. bad input (no sbatch on the PATH, --max-concurrent 0, a time limit shorter than the
#      signal margin) is one line and exit 2.
# Prints what it saw: task ids, times, the requeued task's checkpoint step, the hashes.
# Fails with a message saying why, also when Slurm cannot start; never skips.
set -euo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(cd "${1:-$here/.build/release}" && pwd)
cluster=$here/scripts/slurm/local-cluster.sh
modes=$bin/multigoal-modes
t0=$(date +%s)

say() { echo "array-test: [$(( $(date +%s) - t0 )) s] $*"; }
fail() { echo "array-test: FAILED: $*" >&2; exit 1; }

[ -x "$modes" ] || fail "$modes is not built (make test builds it first)"
command -v h5dump >/dev/null || fail "h5dump is missing: run scripts/install-deps.sh"

work=$(mktemp -d /tmp/s2ac-array-test.XXXXXX)
started=0
cleanup() {
    # Jobs of this test only (by name), then the cluster if this test started it.
    if [ -n "${SLURM_CONF:-}" ]; then scancel --name=s2ac-array-test >/dev/null 2>&1 || true; fi
    if [ "$started" = 1 ]; then "$cluster" stop >/dev/null 2>&1 || echo "array-test: stopping the cluster failed" >&2; fi
    rm -rf "$work"
}
trap cleanup EXIT

if "$cluster" status >/dev/null 2>&1; then
    say "using the running local cluster"
else
    out=$("$cluster" start 2>&1) || fail "Slurm could not start: $out"
    started=1
    say "$out"
fi
eval "$("$cluster" env)"

# Two agents x two alphas, 2000 steps: S2AC(phi,theta) takes long enough to be stopped mid-run.
grid=(--preset smoke --agents sac,s2ac-phi-theta --alphas 1,10 --steps 2000 --quiet)
slurm=(--launcher slurm --checkpoint-every 200 --max-concurrent 2 --time 10 --signal-margin 60 --sbatch-flags=--job-name=s2ac-array-test)
camp=$work/cluster
runs=(s2ac-phi-theta,1.0,0 s2ac-phi-theta,10.0,0 sac,1.0,0 sac,10.0,0)
file_of() { local a=${1%%,*} rest=${1#*,}; echo "${a}_alpha${rest%%,*}_seed${rest##*,}.h5"; }
sha() { h5dump -a /train/params_sha256 "$1" 2>/dev/null | sed -n 's/.*(0): "\([0-9a-f]*\)".*/\1/p'; }

# Waits until no job of the test is queued or running (at most $1 seconds).
wait_idle() {
    local i
    for i in $(seq 1 $(( $1 * 2 ))); do
        [ -z "$(squeue -h --name=s2ac-array-test -o %i)" ] && return 0
        sleep 0.5
    done
    squeue --name=s2ac-array-test >&2
    fail "the jobs did not finish within $1 s"
}

# The array job id of the last submission line.
array_id() { sed -n 's/.*submitted array job \([0-9]*\):.*/\1/p' <<< "$1"; }

# --- bad input: one line, exit 2 ----------------------------------------------------------
for bad in "--max-concurrent 0" "--cpus-per-task 0" "--time 4 --signal-margin 300" "--time 1-2-3"; do
    set +e; err=$("$modes" "${grid[@]}" --out "$camp" "${slurm[@]}" $bad 2>&1 >/dev/null); code=$?; set -e
    [ $code -eq 2 ] && [ "$(wc -l <<< "$err")" -eq 1 ] || fail "$bad gave exit $code: $err"
    say "$bad -> exit 2: $err"
done
set +e; err=$(PATH=/nonexistent "$modes" "${grid[@]}" --out "$camp" "${slurm[@]}" 2>&1 >/dev/null); code=$?; set -e
[ $code -eq 2 ] && [ "$(wc -l <<< "$err")" -eq 1 ] || fail "no sbatch gave exit $code: $err"
say "no sbatch on the PATH -> exit 2: $err"
rm -rf "$camp"

# --- 1 and 2: the array, one task stopped mid-run -------------------------------------------
out=$("$modes" "${grid[@]}" --out "$camp" "${slurm[@]}")
echo "$out"
array=$(array_id "$out")
[ -n "$array" ] || fail "no array job id in: $out"
manifest=$camp/slurm/1/manifest.tsv
[ "$(tail -n +2 "$manifest" | wc -l)" -eq 4 ] || fail "the manifest has not 4 runs: $(cat "$manifest")"
stopped_run=s2ac-phi-theta,1.0,0
task=$(awk -F '\t' -v r="$stopped_run" '$2 == r { print $1 }' "$manifest")
ckpt=$camp/runs/$(file_of $stopped_run)
ckpt=${ckpt%.h5}.ckpt.h5
say "array $array submitted: 4 tasks; $stopped_run is task ${array}_$task"
for i in $(seq 1 600); do [ -s "$ckpt" ] && break; sleep 0.2; done
[ -s "$ckpt" ] || fail "task ${array}_$task wrote no checkpoint in 120 s: $(cat "$camp"/slurm/1/logs/* 2>/dev/null | tail -n 5)"
# The batch shell alone gets SIGTERM, as Slurm sends it with --signal=B:TERM@margin before the
# time limit, and must pass it on to the run. The signal goes straight to the batch shell
# slurmd started (its copy of job.sh in the spool): `scancel --batch --signal=TERM` on a task of
# an array with --requeue is answered "try again later" by Slurm 22.05, which then repeats the
# signal for half a minute (reaching the requeued task too, and once cancelling the job), so
# whether a task got one signal or several depended on timing.
job=$(squeue -h -j "${array}_$task" -o %A)
spool=$(awk -F= '$1 == "SlurmdSpoolDir" { print $2 }' "$SLURM_CONF")
batch=$(pgrep -f "$spool/job0*$job/slurm_script" | head -n 1)
[ -n "$batch" ] || fail "no batch shell of job $job under $spool"
kill -TERM "$batch"
say "SIGTERM sent to task ${array}_$task, job $job: its batch shell, pid $batch (as Slurm's B:TERM)"
wait_idle 300
say "the array and its report job have ended"
log=$camp/slurm/1/logs/${array}_$task.log
grep -q "restart 1" "$log" && grep -q "resuming from" "$log" || fail "task ${array}_$task was not requeued and resumed: $(cat "$log")"
stop_line=$(grep "stopped by signal 15 at step" "$log") || fail "task ${array}_$task did not stop with a checkpoint: $(cat "$log")"
step=$(sed -n 's/.*at step \([0-9]*\);.*/\1/p' <<< "$stop_line")
[ "$(grep -c "SIGTERM: passed on" "$log")" -eq 1 ] || fail "task ${array}_$task got SIGTERM more than once: $(cat "$log")"
say "task ${array}_$task: stopped at step $step with its checkpoint, requeued, $(grep -o 'resumed at step [0-9]*' "$log")"
grep -h '^\[' "$camp"/slurm/1/logs/"${array}"_*.log | sed 's/^/    /'
status=$("$modes" "${grid[@]}" --out "$camp" --status)
grep -q "4 runs: 4 complete" <<< "$status" || fail "not every run is complete: $status"
report_log=$(ls "$camp"/slurm/1/logs/report_*.log)
grep -q "4 of 4 runs complete" "$report_log" || fail "the report job said: $(cat "$report_log")"
say "report job: $(head -n 1 "$report_log" | sed 's/^multigoal-modes: //')"

local_camp=$work/local
"$modes" "${grid[@]}" --out "$local_camp" --jobs 2 > /dev/null
say "the same runs by the local launcher, params_sha256:"
for r in "${runs[@]}"; do
    a=$(sha "$camp/runs/$(file_of "$r")"); b=$(sha "$local_camp/runs/$(file_of "$r")")
    [ -n "$a" ] && [ "$a" = "$b" ] || fail "$r: Slurm $a, local $b"
    echo "    $r: $a (Slurm = local)"
done

# --- 3: resubmission after one run file is deleted submits exactly one task -----------------
gone=sac,10.0,0
rm "$camp/runs/$(file_of $gone)"
out=$("$modes" "${grid[@]}" --out "$camp" "${slurm[@]}" --no-report-job)
echo "$out"
grep -q "3 complete, 1 to run" <<< "$out" || fail "the resubmission planned otherwise: $out"
array2=$(array_id "$out")
[ "$(tail -n +2 "$camp/slurm/2/manifest.tsv" | cut -f 2)" = "$gone" ] || fail "the resubmission's manifest: $(cat "$camp/slurm/2/manifest.tsv")"
tasks=$(scontrol show job "$array2" 2>/dev/null | grep -o "ArrayTaskId=[^ ]*" | sed 's/%.*//' | tr '\n' ' ')
[ "$tasks" = "ArrayTaskId=0 " ] || fail "array $array2 holds tasks $tasks"
wait_idle 120
[ "$(sha "$camp/runs/$(file_of $gone)")" = "$(sha "$local_camp/runs/$(file_of $gone)")" ] || fail "$gone differs after the resubmission"
say "resubmission: array $array2 with 1 task ($gone), done, same params_sha256"

# --- 4: the report step names a missing run ---------------------------------------------------
missing=sac,1.0,0
rm "$camp/runs/$(file_of $missing)"
set +e; report=$("$modes" "${grid[@]}" --out "$camp" --report); code=$?; set -e
echo "$report" | sed 's/^/    /'
[ $code -eq 1 ] || fail "--report with a missing run gave exit $code"
grep -q "^multigoal-modes: $missing: missing; task [0-9]* of array $array .*log .*${array}_[0-9]*.log" <<< "$report" \
    || fail "the report does not name $missing with its task and log"
say "report by hand: names $missing with its task id and log (exit 1)"
say "passed in $(( $(date +%s) - t0 )) s"
