#!/usr/bin/env bash
# `scopeon serve` against its own OpenAPI document with schemathesis (from PyPI, pinned),
# in a virtual environment kept under the cargo target directory (schemathesis_run.py).
set -euo pipefail
cd "$(dirname "$0")/../../.."
target=${CARGO_TARGET_DIR:-$PWD/target}
venv="$target/serve-venv"
# Pinned so that a new release cannot change what CI checks unannounced.
version=4.32.5

cargo build -p scopeon-cli --bin scopeon --locked
if [ ! -x "$venv/bin/schemathesis" ] || ! "$venv/bin/python" -m pip freeze 2>/dev/null | grep -qx "schemathesis==$version"; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$version"
fi
mkdir -p "$target/serve-schemathesis"
PYTHONDONTWRITEBYTECODE=1 SCHEMATHESIS="$venv/bin/schemathesis" SCHEMATHESIS_WORKDIR="$target/serve-schemathesis" \
    "$venv/bin/python" scopeon-cli/tests/serve/schemathesis_run.py
