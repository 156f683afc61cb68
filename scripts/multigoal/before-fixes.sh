#!/usr/bin/env bash
# The multigoal campaign with the `paper` preset's samplers as they were before the fidelity
# fixes (README, "Multigoal: before and after the fidelity fixes"), for the before/after
# comparison. Same binary, same recording and probes as `make multigoal`; the old samplers are
# today's with these `--set` overrides:
#   S2AC(phi,theta), S2AC(phi), S2AC(phi,theta,psi): s2ac.squashedScore=false (Q scored at the
#     pre-squash u) and s2ac.stepSize=eps/alpha. The old step divided the score by alpha and
#     left the repulsion and Thm 3.3's kernel terms unweighted:
#       (eps/m) sum_j [k_j grad Q_j / alpha + grad k_j] = (eps/alpha) (1/m) sum_j [k_j grad Q_j + alpha grad k_j],
#     and the likelihood's terms scale alike (Theorem33Tests.samplerBeforeTheFixIsStepEpsOverAlpha).
#     f_psi's own update had Eq. 24's placement before the fixes and reads no step size.
#     s2ac.sigmaP0=0.3: S2AC(phi)'s q0 N(0, 0.3 I) read as a standard deviation (the other two
#     agents do not read it).
#   SQL: sql.uniformValueSamples=false and sql.squashCorrection=false.
#   SAC, SAC-NF: the fixes did not change them; trained as `make multigoal` trains them.
# Checked against the binary of the last commit before the fixes (644c2b2), 130 steps (30
# updates) of each agent at alpha 0.1 and 10: the S2AC agents' losses agree to 7e-7 relative,
# the SQL runs end with the same params_sha256.
#
# Usage: scripts/multigoal/before-fixes.sh [PRESET]   (quick, paper or smoke; default quick;
# JOBS=2; OUT=Results-before-fixes; AFTER=Results, the folder of the `make multigoal` to compare with)
# Writes OUT (runs, obstacle runs, tables, pictures and a reviewer's page of their own), never
# Results/: the page of Results/ stays the fixed samplers'. When AFTER holds the same preset's
# tables, OUT/tables/multigoal_before_after.{csv,md} puts the two side by side (before_after.py). Complete runs are kept, so an
# interrupted comparison continues where it stopped.
set -euo pipefail
cd "$(dirname "$0")/../.."
preset=${1:-quick}
# The train preset behind the campaign preset (MultigoalPreset.trainPreset).
case $preset in
  quick|paper) train_preset=paper ;;
  smoke) train_preset=smoke ;;
  *) echo "before-fixes.sh: PRESET must be quick, paper or smoke, got '$preset'" >&2; exit 2 ;;
esac
jobs=${JOBS:-2}
case $jobs in
  ''|*[!0-9]*|0) echo "before-fixes.sh: JOBS must be a positive integer, got '$jobs'" >&2; exit 2 ;;
esac
bin=.build/release
root=${OUT:-Results-before-fixes}
out=$root/multigoal/$preset
make --no-print-directory build

# The preset's alphas, as the campaign lists its runs, and its S2AC step size on Multigoal.
alphas=$($bin/multigoal-modes --preset "$preset" --agents sac --out "$out" --status |
         sed -n 's/^multigoal-modes: sac,\([^,]*\),0: .*/\1/p')
eps=$($bin/train --agent s2ac-phi-theta --env Multigoal --preset "$train_preset" --show-config |
      awk '$1 == "s2ac.stepSize" { print $2 }')
[ -n "$alphas" ] && [ -n "$eps" ] || { echo "before-fixes.sh: could not read the preset's alphas or step size" >&2; exit 1; }
echo "before-fixes.sh: preset $preset, alphas $(echo $alphas), step size $eps -> $out"

for alpha in $alphas; do
  step=$(python3 -c "import sys; print(repr(float(sys.argv[1]) / float(sys.argv[2])))" "$eps" "$alpha")
  $bin/multigoal-modes --preset "$preset" --agents s2ac-phi-theta-psi,s2ac-phi-theta,s2ac-phi --alphas "$alpha" \
    --set s2ac.squashedScore=false --set s2ac.stepSize="$step" --set s2ac.sigmaP0=0.3 --out "$out" --jobs "$jobs"
done
$bin/multigoal-modes --preset "$preset" --agents sql --set sql.uniformValueSamples=false \
  --set sql.squashCorrection=false --out "$out" --jobs "$jobs"
$bin/multigoal-modes --preset "$preset" --agents sac,sac-nf --out "$out" --jobs "$jobs"
$bin/obstacle-robustness --runs "$out"
python3 scripts/plots/multigoal.py --train $bin/train --runs "$out" --figures "$root/figures/multigoal/$preset"
$bin/report --results "$root" --claims scripts/reference/paper_claims.csv
after=${AFTER:-Results}
if [ -s "$after/tables/multigoal_goals.csv" ] && grep -q "^$preset," "$after/tables/multigoal_goals.csv"; then
  python3 scripts/multigoal/before_after.py --before "$root/tables" --after "$after/tables" --preset "$preset"
else
  echo "before-fixes.sh: no $preset tables in $after/tables for the side-by-side table: make multigoal PRESET=$preset, then run this again (complete runs are kept)"
fi
