#!/usr/bin/env bash
# Makes sure the pinned Gymnasium venv (.venv-gym, git-ignored) exists and prints its python.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv="$root/.venv-gym"
req="$root/scripts/reference/requirements-gym.txt"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2
"$venv/bin/python" - "$req" <<'PY' >&2 || "$venv/bin/pip" install -q -r "$req" >&2
import sys
from importlib.metadata import version
for line in open(sys.argv[1]):
    line = line.split('#')[0].strip()
    if line:
        name, want = line.split('==')
        assert version(name) == want
PY
echo "$venv/bin/python"
