#!/usr/bin/env bash
# Regenerates the MuJoCo conformance fixtures with the pinned Gymnasium stack in .venv-gym.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv="$root/.venv-gym"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q -r "$root/scripts/reference/requirements-gym.txt"
"$venv/bin/python" "$root/scripts/reference/gym_transitions.py"
