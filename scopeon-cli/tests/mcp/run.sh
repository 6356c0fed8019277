#!/usr/bin/env bash
# `scopeon mcp` with a real client: the official MCP Python SDK drives the server over stdio
# (test_mcp.py; docs/mcp.md). Builds the binary, keeps a virtual environment with pinned
# versions under the cargo target directory, and runs pytest.
set -euo pipefail
cd "$(dirname "$0")/../../.."
target=${CARGO_TARGET_DIR:-$PWD/target}
venv="$target/mcp-venv"
# Pinned so that a new SDK release cannot change what CI checks unannounced.
packages=(mcp==2.3.0 pytest==9.2.0 jsonschema==4.26.0)

cargo build -p scopeon-cli --bin scopeon --locked
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -m pip freeze 2>/dev/null | grep -qx "mcp==2.3.0"; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${packages[@]}"
fi
PYTHONDONTWRITEBYTECODE=1 SCOPEON_BIN="$target/debug/scopeon" "$venv/bin/python" -m pytest -q -p no:cacheprovider scopeon-cli/tests/mcp/test_mcp.py
