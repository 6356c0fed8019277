"""Where the binding loads libscopeon from, and what it refuses.

Each layout is a copy of the package's Python files in a scratch site-packages, imported by a
child Python, which reports the package it imported, the library it chose and the libscopeon
files mapped into it (Linux: /proc/self/maps), so a library that was opened but not chosen
would show too. The libraries planted in these layouts are copies of the real one: loadable,
of the right ABI, so only the loader's rules keep them out.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

import pytest

import scopeon
from scopeon import _native

from conftest import INSTALLED

LIBRARY = Path(scopeon.find_library())
PACKAGE = Path(scopeon.__file__).resolve().parent
LINUX = sys.platform.startswith("linux")

CHILD = r"""
import json, os, sys
import scopeon
mapped = None
if sys.platform.startswith("linux"):
    with open("/proc/self/maps") as maps:
        paths = {line.split(None, 5)[5].strip() for line in maps if len(line.split(None, 5)) == 6}
    mapped = sorted(os.path.realpath(p) for p in paths if os.path.basename(p).startswith("libscopeon"))
print(json.dumps({"package": scopeon.__file__, "library": scopeon.find_library(), "mapped": mapped}))
"""

# What a developer's shell may carry that would change the lookup under test.
LOOKUP_VARIABLES = ("SCOPEON_LIBRARY", "SCOPEON_DEV_TREE", "CARGO_TARGET_DIR", "PYTHONPATH")


def install_copy(site: Path, bundled: Optional[str] = None) -> Path:
    """The package's Python files in ``site/scopeon``, with a copy of the real library named
    ``bundled`` beside them (none when ``bundled`` is None). Returns the package directory."""
    package = site / "scopeon"
    package.mkdir(parents=True)
    for source in PACKAGE.glob("*.py"):
        shutil.copy2(source, package / source.name)
    if bundled is not None:
        shutil.copy2(LIBRARY, package / bundled)
    return package


def untrusted_checkout(root: Path) -> Path:
    """A directory posing as a Cargo workspace with a built library; returns that library."""
    root.mkdir(parents=True)
    (root / "Cargo.toml").write_text('[workspace]\nmembers = []\n')
    planted = root / "target" / "debug" / "libscopeon.so"
    planted.parent.mkdir(parents=True)
    shutil.copy2(LIBRARY, planted)
    return planted


def import_in_child(site: Path, **env: str) -> subprocess.CompletedProcess:
    child_env = {k: v for k, v in os.environ.items() if k not in LOOKUP_VARIABLES}
    child_env["PYTHONPATH"] = str(site)
    child_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", CHILD], cwd=site, env=child_env, capture_output=True, text=True
    )


def loaded(site: Path, **env: str) -> Dict[str, object]:
    """What the child imported and loaded; fails the test if the import failed."""
    out = import_in_child(site, **env)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert Path(report["package"]).resolve().parent == (site / "scopeon").resolve()
    return report


def assert_loaded(report: Dict[str, object], library: Path) -> None:
    assert Path(report["library"]) == library.resolve()
    if report["mapped"] is not None:
        assert report["mapped"] == [os.path.realpath(library)]


def test_a_workspace_above_the_installed_package_is_not_searched(tmp_path: Path):
    root = tmp_path / "cloned-repo"
    planted = untrusted_checkout(root)
    site = root / ".venv" / "lib" / "site-packages"
    install_copy(site)

    for env in ({}, {"CARGO_TARGET_DIR": str(root / "target")}, {"SCOPEON_DEV_TREE": "0"}):
        out = import_in_child(site, **env)
        assert out.returncode != 0, out.stdout
        assert "ImportError: libscopeon not found beside the scopeon package" in out.stderr
        assert "pip install" in out.stderr and "SCOPEON_LIBRARY" in out.stderr
        assert "SCOPEON_DEV_TREE=1" in out.stderr
        assert str(planted) not in out.stderr

    # The same layout is found once the development search is asked for: what kept the planted
    # library out above is the missing SCOPEON_DEV_TREE=1, not a layout the search misses.
    assert_loaded(loaded(site, SCOPEON_DEV_TREE="1"), planted)


@pytest.mark.skipif(not LINUX, reason="the names setuptools-rust and cargo give on Linux")
@pytest.mark.parametrize("name", ["libscopeon.abi3.so", "libscopeon.so"])
def test_the_bundled_library_is_found_first(tmp_path: Path, name: str):
    root = tmp_path / "cloned-repo"
    untrusted_checkout(root)
    site = root / ".venv" / "lib" / "site-packages"
    bundled = install_copy(site, bundled=name) / name

    assert_loaded(loaded(site), bundled)
    assert_loaded(loaded(site, SCOPEON_DEV_TREE="1"), bundled)


def test_scopeon_library_wins(tmp_path: Path):
    root = tmp_path / "cloned-repo"
    untrusted_checkout(root)
    site = root / ".venv" / "lib" / "site-packages"
    install_copy(site, bundled=_native._bundled_names()[0])
    explicit = tmp_path / "chosen" / LIBRARY.name
    explicit.parent.mkdir()
    shutil.copy2(LIBRARY, explicit)

    assert_loaded(loaded(site, SCOPEON_LIBRARY=str(explicit), SCOPEON_DEV_TREE="1"), explicit)


def test_scopeon_library_must_name_a_file(tmp_path: Path):
    site = tmp_path / "site"
    install_copy(site, bundled=_native._bundled_names()[0])
    out = import_in_child(site, SCOPEON_LIBRARY=str(tmp_path / "missing.so"))
    assert out.returncode != 0
    assert "missing.so', which is not a file" in out.stderr
    assert "or unset it to use the library installed with the package" in out.stderr


def test_an_unknown_dev_tree_value_is_refused(tmp_path: Path):
    site = tmp_path / "site"
    install_copy(site, bundled=_native._bundled_names()[0])
    out = import_in_child(site, SCOPEON_DEV_TREE="yes")
    assert out.returncode != 0
    assert "SCOPEON_DEV_TREE='yes' is not understood: set it to 1 or unset it" in out.stderr


def test_a_library_of_another_abi_is_refused(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(_native, "ABI_VERSION", scopeon.ABI_VERSION + 1)
    with pytest.raises(ImportError) as refused:
        _native.load(str(LIBRARY))
    message = str(refused.value)
    assert f"has C ABI version {scopeon.ABI_VERSION}, but this scopeon package needs version " \
        f"{scopeon.ABI_VERSION + 1}" in message
    assert "reinstall with pip" in message


@pytest.mark.skipif(not LINUX, reason="loads the C library by its Linux name")
def test_a_library_that_is_not_libscopeon_is_refused():
    ctypes.CDLL("libc.so.6")  # present, or the test means nothing
    with pytest.raises(ImportError, match=r"libc\.so\.6 is not libscopeon: it has no scopeon_"):
        _native.load("libc.so.6")


@pytest.mark.skipif(not INSTALLED, reason="tests the installed package (SCOPEON_TEST_INSTALLED=1)")
def test_the_installed_package_loads_the_library_pip_bundled():
    assert LIBRARY.parent == PACKAGE
    assert LIBRARY.name in _native._bundled_names()
    assert "SCOPEON_LIBRARY" not in os.environ and "SCOPEON_DEV_TREE" not in os.environ
