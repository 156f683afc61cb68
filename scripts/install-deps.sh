#!/usr/bin/env bash
# Installs what the suite needs, only when it is missing (idempotent; safe to run often).
#   Debian packages: C libraries (HDF5, MuJoCo 2.2.2, OpenBLAS), pkg-config, hdf5-tools (h5dump),
#   chromium (the reviewer's page is checked in headless Chromium by a test), and a single-node
#   Slurm for the cluster launcher's test (slurmctld, slurmd, slurm-client 22.05, munge; started
#   by scripts/slurm/local-cluster.sh, never as system services).
#   Python packages for scripts/plots (pinned in scripts/requirements-plots.txt).
# Run as root on Debian 12 (the Makefile calls it before every build).
set -euo pipefail

debs=(libhdf5-dev libmujoco-dev libopenblas-dev pkg-config hdf5-tools chromium slurmctld slurmd slurm-client munge)
missing=()
for p in "${debs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing Debian packages: ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then
        echo "install-deps: need root to install ${missing[*]} (run: sudo apt-get install ${missing[*]})" >&2
        exit 2
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Python packages for the plotting scripts; the tests never need them.
if [ "${S2AC_SKIP_PYTHON:-0}" != "1" ]; then
    here=$(cd "$(dirname "$0")" && pwd)
    req="$here/requirements-plots.txt"
    py=${PYTHON:-python3}
    if command -v "$py" >/dev/null 2>&1 && [ -f "$req" ]; then
        if ! "$py" - "$req" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version, PackageNotFoundError
for line in open(sys.argv[1]):
    line = line.split('#')[0].strip()
    if not line:
        continue
    name, want = line.split('==')
    try:
        if version(name) != want:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
PY
        then
            echo "install-deps: installing Python packages from $req"
            "$py" -m pip install -q -r "$req"
        fi
    fi
fi
