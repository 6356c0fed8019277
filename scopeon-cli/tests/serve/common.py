"""Starting `scopeon serve` on a copy of the MCP tests' fixture home for the scripts of this
directory (browser.py, schemathesis.sh through serve_fixture.py). Every wait is bounded."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
FIXTURE = ROOT / "scopeon-cli" / "tests" / "mcp" / "home"
NOW = "2026-11-21T03:00:00Z"


class Server:
    """A running `scopeon serve --port 0` on a temporary copy of the fixture home."""

    def __init__(self, binary, *args, env=None):
        self.home = tempfile.mkdtemp(prefix="scopeon-serve-")
        shutil.copytree(FIXTURE, self.home, dirs_exist_ok=True)
        environment = {"HOME": self.home, "TZ": "UTC", "SCOPEON_NOW": NOW, "PATH": "/usr/bin:/bin"}
        environment.update(env or {})
        self.process = subprocess.Popen(
            [binary, "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environment,
            text=True,
        )
        line = self.process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not match:
            self.stop()
            raise RuntimeError(f"serve did not print its URL: {line!r}")
        self.url = f"http://127.0.0.1:{match.group(1)}"
        deadline = time.monotonic() + 30
        while self.get("/health")["data_as_of"] is None:
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the first scan did not complete in 30 s")
            time.sleep(0.1)

    def get(self, path, headers=None):
        request = urllib.request.Request(self.url + path, headers=headers or {})
        with urllib.request.urlopen(request, timeout=20) as answer:
            return json.load(answer)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.home, ignore_errors=True)


def binary():
    target = os.environ.get("CARGO_TARGET_DIR") or str(ROOT / "target")
    return os.environ.get("SCOPEON_BIN") or str(Path(target) / "debug" / "scopeon")
