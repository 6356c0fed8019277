"""Test setup: which scopeon package is tested, and a fixture home for each test.

By default the tests import the package from this checkout, which then needs the library
through ``SCOPEON_LIBRARY`` or ``SCOPEON_DEV_TREE=1``. With ``SCOPEON_TEST_INSTALLED=1`` they
import the installed package instead (ci.sh: the wheel installed in a fresh virtualenv), and
refuse to run if that import would come from this checkout.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
INSTALLED = os.environ.get("SCOPEON_TEST_INSTALLED") == "1"

if not INSTALLED:
    sys.path.insert(0, str(PACKAGE_ROOT))

import scopeon  # noqa: E402

if INSTALLED and Path(scopeon.__file__).resolve().is_relative_to(PACKAGE_ROOT):
    raise pytest.UsageError(
        f"SCOPEON_TEST_INSTALLED=1 but scopeon was imported from this checkout "
        f"({scopeon.__file__}): run pytest from another directory, with the virtualenv's python"
    )

NOW = "2026-11-27T12:00:00Z"


def log_line(message_id: str, timestamp: str, model: str, input_tokens: int, output_tokens: int) -> str:
    """One assistant line of a Claude Code transcript."""
    return (
        '{"type":"assistant","sessionId":"s1","cwd":"/home/dev/app",'
        f'"requestId":"r-{message_id}","timestamp":"{timestamp}",'
        f'"message":{{"id":"{message_id}","model":"{model}",'
        f'"usage":{{"input_tokens":{input_tokens},"output_tokens":{output_tokens}}}}}}}\n'
    )


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home with a tiny Claude Code log: two requests (one logged twice) and a broken line."""
    home = tmp_path / "home"
    project = home / ".claude" / "projects" / "-home-dev-app"
    project.mkdir(parents=True)
    first = log_line("m1", "2026-11-20T10:00:00Z", "claude-sonnet-4-5", 10, 20)
    (project / "s1.jsonl").write_text(
        first
        + first
        + log_line("m2", "2026-11-21T09:00:00Z", "claude-opus-4-1", 5, 7)
        + "not json\n"
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("SCOPEON_NOW", NOW)
    for var in ("CLAUDE_CONFIG_DIR", "XDG_CONFIG_HOME", "SCOPEON_DB", "SCOPEON_TEST_FFI_PANIC"):
        monkeypatch.delenv(var, raising=False)
    return home
