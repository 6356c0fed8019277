#!/usr/bin/env bash
# The dashboard of `scopeon serve` in headless Chromium (Debian's `chromium` package):
# browser.py loads the page on the fixture and compares its numbers with the API's; the
# screenshots stay under the cargo target directory (serve-browser/) as artifacts.
set -euo pipefail
cd "$(dirname "$0")/../../.."
cargo build -p scopeon-cli --bin scopeon --locked
PYTHONDONTWRITEBYTECODE=1 python3 scopeon-cli/tests/serve/browser.py
