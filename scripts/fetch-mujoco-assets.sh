#!/usr/bin/env bash
# Fetches the MJCF models of the five MuJoCo environments: Gymnasium's own asset files, taken
# from the pinned gymnasium wheel on PyPI (no dependencies installed), each checked against
# scripts/mujoco-assets.sha256. Idempotent: files already present with the right checksum are
# kept. Usage: scripts/fetch-mujoco-assets.sh [DEST] (default: assets/mujoco). `make assets`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
dest=${1:-$root/assets/mujoco}
manifest="$here/mujoco-assets.sha256"
wheel_name="gymnasium-1.4.0-py3-none-any.whl"
wheel_sha256="1cb947c59e7c72d8eabb2c2274c00cd20948e69f8452a9ef4092223be24fdf0e"
py=${PYTHON:-python3}

mkdir -p "$dest"
if (cd "$dest" && sha256sum --quiet -c "$manifest" >/dev/null 2>&1); then
    exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "assets: downloading $wheel_name (no dependencies)"
"$py" -m pip download -q "gymnasium==1.4.0" --no-deps --only-binary=:all: -d "$tmp"
echo "$wheel_sha256  $tmp/$wheel_name" | sha256sum --quiet -c - || {
    echo "assets: $wheel_name does not have the pinned sha256" >&2; exit 2; }
"$py" - "$tmp/$wheel_name" "$dest" "$manifest" <<'PY'
import sys, zipfile, pathlib
wheel, dest, manifest = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3]
names = [line.split()[1] for line in open(manifest) if line.strip()]
with zipfile.ZipFile(wheel) as z:
    for name in names:
        (dest / name).write_bytes(z.read(f"gymnasium/envs/mujoco/assets/{name}"))
PY
(cd "$dest" && sha256sum --quiet -c "$manifest") || {
    echo "assets: a model in $dest does not match scripts/mujoco-assets.sha256" >&2; exit 2; }
echo "assets: $(wc -l < "$manifest") models in $dest verified"
