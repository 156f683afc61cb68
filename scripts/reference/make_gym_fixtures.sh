#!/usr/bin/env bash
# Regenerates the MuJoCo conformance fixtures with the pinned Gymnasium stack in .venv-gym.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
python=$("$here/gym_venv.sh")
"$python" "$here/gym_transitions.py"
