#!/usr/bin/env bash
# Retries, on the built suite, the reproductions listed in the reliability issue ("Nothing lost,
# nothing silently wrong"), each as a new user would type it, and prints one line per probe:
# held or BROKEN, with what was seen. Ends with the counts; exit 1 when a probe broke.
#
#   scripts/faults/retry-probes.sh [BIN]     BIN: the built executables (default .build/release)
#
# Needs: the suite built (make build), timeout(1); h5py in python3 for the probes that craft
# damaged files (skipped with the reason otherwise); root for the full-disk probes (a small
# tmpfs; skipped otherwise). Runs in a temporary folder, removed at the end. A few seconds of
# training per probe; about two minutes in all.
set -u
BIN=$(cd "${1:-.build/release}" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=$(mktemp -d /tmp/s2ac-probes.XXXXXX)
MNT=""
cleanup() { [ -n "$MNT" ] && umount "$MNT" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
cd "$W" || exit 2
held=0 broken=0 skipped=0
ok()   { held=$((held + 1)); printf 'held    %-34s %s\n' "$1" "$2"; }
bad()  { broken=$((broken + 1)); printf 'BROKEN  %-34s %s\n' "$1" "$2"; }
skip() { skipped=$((skipped + 1)); printf 'skipped %-34s %s\n' "$1" "$2"; }
# run CMD...: runs with a 120 s limit; sets rc, out (stdout+stderr), lines (its line count).
run() { out=$(timeout 120 "$@" 2>&1); rc=$?; lines=$(printf '%s' "$out" | grep -c .); }
first() { printf '%s' "$out" | head -1 | cut -c1-110; }
# expect2 NAME: held when the last run exited 2 with one line and no Foundation error dump.
expect2() {
    if [ "$rc" = 2 ] && [ "$lines" = 1 ] && ! grep -q NSCocoaErrorDomain <<<"$out"; then ok "$1" "exit 2: $(first)"
    else bad "$1" "exit $rc, $lines lines: $(first)"; fi
}
sum() { sha256sum "$1" 2>/dev/null | cut -c1-16; }
HAVE_H5PY=0; python3 -c 'import h5py' 2>/dev/null && HAVE_H5PY=1
T="$BIN/train"

echo "== 1. a campaign never replaces a complete run of another configuration"
run "$BIN/multigoal-modes" --preset smoke --agents sac --alphas 1 --out mg --quiet
f=$(ls mg/runs/*.h5 2>/dev/null | grep -v ckpt | head -1); before=$(sum "$f")
run "$BIN/multigoal-modes" --preset smoke --agents sac --alphas 1 --steps 200 --out mg --quiet
if [ "$rc" = 2 ] && [ "$(sum "$f")" = "$before" ] && [ -n "$before" ]; then ok "1 multigoal-modes --steps change" "exit 2, run kept: $(first)"
else bad "1 multigoal-modes --steps change" "exit $rc, file $(sum "$f") was $before"; fi

echo "== 2. two writers to one output"
( "$T" --agent sac --env Multigoal --steps 2500 --out X.h5 --quiet > w1.log 2>&1; echo $? > w1.rc ) &
sleep 0.5
"$T" --agent sac --env Multigoal --preset smoke --seed 1 --out X.h5 --quiet > w2.log 2>&1; echo $? > w2.rc
wait
r1=$(cat w1.rc) r2=$(cat w2.rc)
if { [ "$r1" = 0 ] && [ "$r2" = 2 ]; } || { [ "$r1" = 2 ] && [ "$r2" = 0 ]; }; then
    ok "2 train, two writers" "exits $r1/$r2: $(grep -h . w1.log w2.log | grep -v '^train:' | head -1 | cut -c1-90)"
else bad "2 train, two writers" "exits $r1/$r2"; fi
printf 'algorithm,task,run,score\n' > s.csv
for a in A B; do for r in 0 1 2 3 4; do echo "$a,t,$r,$((r * 3 + ${#a}))" >> s.csv; done; done
( "$BIN/rliable-stats" --scores s.csv --out R --reps 20000 > r1.log 2>&1; echo $? > r1.rc ) &
sleep 0.3
"$BIN/rliable-stats" --scores s.csv --out R --reps 50 > r2.log 2>&1; echo $? > r2.rc
wait
r1=$(cat r1.rc) r2=$(cat r2.rc)
if [ "$r1" != "$r2" ] && { [ "$r1" = 2 ] || [ "$r2" = 2 ]; }; then ok "2 rliable-stats, two writers" "exits $r1/$r2"
else bad "2 rliable-stats, two writers" "exits $r1/$r2: $(cat r1.log r2.log | head -2 | tr '\n' ' ' | cut -c1-90)"; fi

echo "== 3. damaged files are refused, never read as numbers"
run "$T" --agent s2ac-phi-theta --env Multigoal --preset smoke --steps 120 --eval-every 60 --checkpoint-every 60 --out c.h5 --quiet
if [ "$HAVE_H5PY" = 1 ] && [ -f c.ckpt.h5 ]; then
    cp c.ckpt.h5 c2.ckpt.h5; rm -f c2.h5
    python3 -c 'import h5py; f = h5py.File("c2.ckpt.h5", "r+"); f.attrs["updates"] = -1; f.close()'
    cp c.h5 c2.h5 2>/dev/null
    run "$T" --agent s2ac-phi-theta --env Multigoal --preset smoke --steps 120 --eval-every 60 --checkpoint-every 60 --out c2.h5 --resume --quiet --force
    if [ "$rc" = 2 ] && [ "$lines" = 1 ]; then ok "3 checkpoint updates = -1" "exit 2: $(first)"; else bad "3 checkpoint updates = -1" "exit $rc: $(first)"; fi
    for step in 1000000000 -50; do
        cp c.ckpt.h5 c3.ckpt.h5
        python3 -c "import h5py; f = h5py.File('c3.ckpt.h5', 'r+'); f.attrs['step'] = $step; f.close()"
        run "$T" --agent s2ac-phi-theta --env Multigoal --preset smoke --steps 120 --eval-every 60 --checkpoint-every 60 --out c3.h5 --resume --quiet
        if [ "$rc" = 2 ] && [ "$lines" = 1 ]; then ok "8 checkpoint step = $step" "exit 2: $(first)"; else bad "8 checkpoint step = $step" "exit $rc: $(first)"; fi
    done
    mkdir -p mgbad && cp "$(ls mg/runs/*.h5 | grep -v ckpt | head -1)" mgbad/run.h5
    python3 - <<'EOF'
import h5py
f = h5py.File("mgbad/run.h5", "r+")
found = []
def cut(name, obj):
    if isinstance(obj, h5py.Dataset) and name.endswith("entropy/grid"):
        found.append(name)
f.visititems(cut)
for name in found:
    data = f[name][...].reshape(-1)[:12]
    attrs = dict(f[name].attrs)
    del f[name]
    f[name] = data
    for k, v in attrs.items(): f[name].attrs[k] = v
f.close()
print(len(found))
EOF
    run "$BIN/report" --results mgbad --no-page
    if grep -qiE '(-?nan|inf|e\+2[0-9][0-9])' mgbad/tables/*.csv 2>/dev/null; then bad "3 multigoal grid cut to 12" "non-finite or huge numbers in the tables (exit $rc)"
    elif [ "$rc" != 0 ] && grep -q run.h5 <<<"$out"; then ok "3 multigoal grid cut to 12" "exit $rc, named: $(grep run.h5 <<<"$out" | head -1 | cut -c1-80)"
    else bad "3 multigoal grid cut to 12" "exit $rc: $(first)"; fi
else skip "3, 8 crafted files" "no h5py in python3, or no checkpoint written (exit $rc)"; fi

echo "== 4. divergence stops the run"
# Refused up front (the range train and the campaign share) or stopped with a diagnostic.
diverged() { # NAME FILE
    if [ "$rc" = 2 ] && [ "$lines" = 1 ] && [ ! -f "$2" ]; then ok "$1" "refused: $(first)"
    elif [ "$rc" != 0 ] && [ ! -f "$2" ] && grep -qiE 'non-finite|not finite|diverg|loss is' <<<"$out"; then ok "$1" "stopped, exit $rc: $(grep -iE 'non-finite|not finite|diverg|loss is' <<<"$out" | head -1 | cut -c1-80)"
    else bad "$1" "exit $rc, file $( [ -f "$2" ] && echo written || echo absent): $(first)"; fi
}
run "$T" --agent s2ac-phi --env Multigoal --preset smoke --sigma-p0 1e300 --out nan1.h5 --quiet; diverged "4 --sigma-p0 1e300" nan1.h5
run "$T" --agent s2ac-phi --env Multigoal --preset smoke --sigma-p0 1e-300 --out nan2.h5 --quiet; diverged "4 --sigma-p0 1e-300" nan2.h5
for lr in 1e30; do
    run "$T" --agent sac --env Multigoal --preset smoke --steps 2000 --set sac.criticLearningRate=$lr --set sac.actorLearningRate=$lr --out nan3.h5 --quiet
    diverged "4 sac learning rates $lr" nan3.h5
done
run "$BIN/multigoal-modes" --preset smoke --agents sac --alphas 1e-300 --out mg2 --quiet; expect2 "4 multigoal-modes --alphas 1e-300"

echo "== 6. a fresh start never overwrites a checkpoint of the same run"
run "$T" --agent sac --env Multigoal --preset smoke --steps 200 --checkpoint-every 100 --out k.h5 --quiet
rm -f k.h5; before=$(sum k.ckpt.h5)
run "$T" --agent sac --env Multigoal --preset smoke --steps 200 --checkpoint-every 100 --out k.h5 --quiet
if [ "$rc" = 2 ] && [ "$(sum k.ckpt.h5)" = "$before" ] && grep -q -- --resume <<<"$out"; then ok "6 rerun without --resume" "exit 2: $(first)"
else bad "6 rerun without --resume" "exit $rc, checkpoint $( [ "$(sum k.ckpt.h5)" = "$before" ] && echo kept || echo changed): $(first)"; fi

echo "== 7. report rebuilds its tables from what exists"
mkdir -p rep && cp c.h5 rep/a.h5 && cp k.ckpt.h5 /dev/null
run "$T" --agent sac --env Multigoal --preset smoke --steps 100 --out rep/b.h5 --quiet
run "$BIN/report" --results rep --no-page
rm rep/b.h5
run "$BIN/report" --results rep --no-page
if grep -q "b.h5" rep/tables/*.csv 2>/dev/null; then bad "7 stale tables" "b.h5 still listed after deletion"
else ok "7 stale tables" "b.h5 gone from every table"; fi

echo "== 8. smaller silent cases"
mkdir -p runs8 && cp c.h5 runs8/
if [ "$HAVE_H5PY" = 1 ]; then
    cp c.h5 runs8/other.h5
    python3 -c 'import h5py; f = h5py.File("runs8/other.h5", "r+"); f["run"].attrs["kind"] = "mystery"; f.close()'
    run "$BIN/rliable-stats" --runs runs8 --out R8 --reps 50
    if grep -q "other.h5" <<<"$out"; then ok "8 rliable-stats unknown kind" "warned: $(grep other.h5 <<<"$out" | head -1 | cut -c1-80)"
    else bad "8 rliable-stats unknown kind" "exit $rc, no word of other.h5"; fi
else skip "8 rliable-stats unknown kind" "no h5py to relabel a file"; fi
printf 'algorithm,task,run,score,score\n A,t,0,1,2\n' > dup.csv
run "$BIN/rliable-stats" --scores dup.csv --out R9; expect2 "8 duplicate CSV column"
printf 'algorithm,task,run,score\n' > big.csv; for r in 0 1 2; do echo "A,t,$r,1e308" >> big.csv; echo "B,t,$r,1" >> big.csv; done
run "$BIN/rliable-stats" --scores big.csv --out R10 --reps 50
if [ "$rc" = 2 ] || grep -qiE 'overflow|not finite|inf' <<<"$out"; then ok "8 scores near 1e308" "exit $rc: $(first)"; else bad "8 scores near 1e308" "exit $rc, silent"; fi
run "$BIN/multigoal-modes" --preset smoke --agents sac --alphas 1,1.0,1e0 --out mg3 --quiet; expect2 "8 duplicate alphas"

echo "== 9. a full disk: every writer exits 2, removes its temporary file, keeps the previous file"
if [ "$(id -u)" = 0 ] && MNT=$(mktemp -d "$W/full.XXXX") && mount -t tmpfs -o size=160k tmpfs "$MNT" 2>/dev/null; then
    run "$T" --agent sac --env Multigoal --preset smoke --steps 100 --out "$MNT/prev.h5" --quiet
    prev=$(sum "$MNT/prev.h5")
    dd if=/dev/zero of="$MNT/fill" bs=1k count=400 2>/dev/null
    check_full() { # NAME [EXIT]: the previous file intact, no partial file anywhere below, the
        # exit code (2; a campaign whose child failed: 1), one error line, no crash
        local partial errors want=${2:-2}; partial=$(find "$MNT" -name '*partial*' | wc -l)
        errors=$(grep -c 'error:' <<<"$out")
        if [ "$rc" = "$want" ] && [ "$errors" = 1 ] && [ "$partial" = 0 ] && [ "$(sum "$MNT/prev.h5")" = "$prev" ] \
            && ! grep -qiE 'segmentation|backtrace|signal 11' <<<"$out"; then ok "$1" "exit $rc: $(grep 'error:' <<<"$out" | cut -c1-90)"
        else bad "$1" "exit $rc, $errors error lines, $partial partial, previous $( [ "$(sum "$MNT/prev.h5")" = "$prev" ] && echo kept || echo changed): $(first)"; fi
    }
    run "$T" --agent sac --env Multigoal --preset smoke --steps 100 --out "$MNT/prev.h5" --force --quiet; check_full "9 train --force on a full disk"
    run "$BIN/rliable-stats" --scores s.csv --out "$MNT/R" --reps 50; check_full "9 rliable-stats on a full disk"
    run "$BIN/entropy-eval" --experiment fig4a --config paper --quick --out "$MNT/E"; check_full "9 entropy-eval on a full disk"
    run "$BIN/multigoal-modes" --preset smoke --agents sac --alphas 1 --out "$MNT/M" --quiet; check_full "9 multigoal-modes on a full disk" 1
    if [ "$HAVE_H5PY" = 1 ]; then
        python3 -c '
import h5py, numpy as np
n = 4
with h5py.File("in.h5", "w") as f:
    q = np.zeros((n, 6)); q[:, 1] = 1.25
    f["qpos"] = q; f["qvel"] = np.zeros((n, 6)); f["qacc_warmstart"] = np.zeros((n, 6))
    f["time"] = np.zeros(n); f["action"] = np.zeros((n, 3))'
        run "$BIN/env-replay" --env Hopper-v4 --input in.h5 --output "$MNT/prev.h5"; check_full "5 env-replay on a full disk"
    else skip "5 env-replay on a full disk" "no h5py to write its input"; fi
    umount "$MNT" && MNT=""
else skip "5, 9 full disk" "needs root and a tmpfs"; fi

echo "== 10. a FIFO named x.h5"
mkdir -p fifo && cp c.h5 fifo/ && mkfifo fifo/x.h5
run "$BIN/report" --results fifo --no-page
if [ "$rc" != 124 ]; then ok "10 report and a FIFO" "exit $rc: $(grep x.h5 <<<"$out" | head -1 | cut -c1-80)"; else bad "10 report and a FIFO" "hung"; fi
run "$BIN/rliable-stats" --runs fifo --out R11 --reps 50
if [ "$rc" != 124 ]; then ok "10 rliable-stats --runs and a FIFO" "exit $rc"; else bad "10 rliable-stats --runs and a FIFO" "hung"; fi

echo "== 11. sizes that cannot fit in memory"
run "$T" --agent sac --env Multigoal --critic-hidden 65536,65536 --out big.h5 --quiet; expect2 "11 --critic-hidden 65536,65536"
need=$(awk 'BEGIN { printf "%.0f", 1000000 * 18 * 256 * 4 }')
have=$(awk '/MemTotal/ { printf "%.0f", $2 * 1024 }' /proc/meminfo)
if [ "$need" -gt "$have" ]; then run "$BIN/bench-engine" --batches 1000000 --output b.csv; expect2 "11 bench-engine --batches 1000000"
else skip "11 bench-engine --batches 1000000" "its estimate ($((need >> 30)) GiB) fits this machine ($((have >> 30)) GiB): it would run"; fi

echo "== 12. signals and temporary files"
"$T" --agent sac --env Multigoal --steps 20000 --checkpoint-every 500 --out sig.h5 --quiet > sig.log 2>&1 & pid=$!
sleep 3; kill -TERM $pid; wait $pid; rc=$?
partial=$(ls -A | grep -c 'sig.h5.partial')
if [ "$rc" != 0 ] && [ "$rc" != 143 ] && [ -f sig.ckpt.h5 ] && [ "$partial" = 0 ]; then ok "12 SIGTERM to train" "exit $rc, checkpoint written, no partial file"
else bad "12 SIGTERM to train" "exit $rc, checkpoint $( [ -f sig.ckpt.h5 ] && echo yes || echo no), $partial partial"; fi
setsid "$BIN/multigoal-modes" --preset smoke --agents sac,sql --alphas 1 --steps 200000 --jobs 1 --out mg4 --quiet > mg4.log 2>&1 & pid=$!
sleep 4; kill -INT $pid; wait $pid; rc=$?; sleep 1
orphans=$(pgrep -f "mg4/runs" | wc -l)
if [ "$orphans" = 0 ] && [ "$rc" != 0 ]; then ok "12 SIGINT to multigoal-modes" "exit $rc, no child left"
else bad "12 SIGINT to multigoal-modes" "exit $rc, $orphans children left"; pkill -f "mg4/runs"; fi
mkdir -p stale && touch stale/.a.h5.partial-999999
run "$T" --agent sac --env Multigoal --preset smoke --steps 100 --out stale/a.h5 --quiet
if [ ! -e stale/.a.h5.partial-999999 ]; then ok "12 stale partial file" "removed: $(grep -i partial <<<"$out" | head -1 | cut -c1-80)"
else bad "12 stale partial file" "still there (exit $rc)"; fi

echo "== 13. outputs checked before the work; messages in words"
start=$(date +%s); run "$BIN/entropy-eval" --experiment fig4a --config paper --out /proc/x; took=$(( $(date +%s) - start ))
if [ "$rc" = 2 ] && [ "$took" -le 5 ]; then ok "13 entropy-eval --out /proc/x" "exit 2 in ${took} s: $(first)"; else bad "13 entropy-eval --out /proc/x" "exit $rc after ${took} s"; fi
run "$BIN/report" --results rep --tables /proc/x; expect2 "13 report --tables /proc/x"
run "$BIN/bench-engine" --repetitions 1 --warmup 0 --batches 3 --output /proc/x.csv; expect2 "13 bench-engine --output /proc/x.csv"
# Negative values where numbers are expected: a range message, not "Missing value".
for probe in "train --agent sac --env Multigoal --out n.h5 --seed -1" "entropy-eval --seed -1" "kernel-sweep --seed -1" \
             "rliable-stats --scores s.csv --out Rn --seed -1" "table1 --seed -1" "train --agent sac --env Multigoal --out n.h5 --steps -5" \
             "multigoal-modes --preset smoke --seeds -1" "mujoco-curves --preset smoke --seeds -1" "multigoal-modes --preset smoke --alphas -1"; do
    set -- $probe; t=$1; shift
    run "$BIN/$t" "$@"
    if [ "$rc" = 2 ] && [ "$lines" = 1 ] && ! grep -q "Missing value" <<<"$out"; then ok "13 $probe" "$(first | cut -c1-70)"
    else bad "13 $probe" "exit $rc: $(first)"; fi
done
run "$BIN/bench-envs" --bogus; if [ "$rc" = 2 ] && grep -q "bogus" <<<"$out"; then ok "13 bench-envs --bogus" "$(first)"; else bad "13 bench-envs --bogus" "exit $rc: $(first)"; fi

echo
echo "probes: $((held + broken)) retried, $held held, $broken broken, $skipped skipped"
[ "$broken" = 0 ]
