#!/usr/bin/env bash
# Teams on existing engines (docs/teams.md): Debian's `prometheus` scrapes `scopeon serve`'s
# /metrics, and a local OTLP receiver decoding with the official definitions (PyPI's
# opentelemetry-proto) takes `scopeon export otlp` and `serve --otlp-endpoint` pushes
# (test_teams.py). Builds the binary, keeps a virtual environment with pinned versions under
# the cargo target directory, and runs pytest. Everything listens on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/../../.."
target=${CARGO_TARGET_DIR:-$PWD/target}
venv="$target/teams-venv"
# Pinned so that a new release cannot change what CI checks unannounced.
packages=(opentelemetry-proto==1.45.2 protobuf==7.36.2 pytest==9.2.0)

command -v prometheus >/dev/null || { echo "prometheus is not installed (apt-get install prometheus)" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is not installed (apt-get install curl)" >&2; exit 1; }
cargo build -p scopeon-cli --bin scopeon --locked
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -m pip freeze 2>/dev/null | grep -qx "opentelemetry-proto==1.45.2"; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${packages[@]}"
fi
PYTHONDONTWRITEBYTECODE=1 SCOPEON_BIN="$target/debug/scopeon" "$venv/bin/python" -m pytest -q -p no:cacheprovider scopeon-cli/tests/teams/test_teams.py
