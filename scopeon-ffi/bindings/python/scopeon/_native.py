"""Finding and loading libscopeon, and declaring its C functions (scopeon-ffi/include/scopeon.h).

The library is looked for, in this order:

1. ``$SCOPEON_LIBRARY``: the path of the library file, used as given (it must exist).
2. Beside this package: the library ``pip install`` built and bundled (``libscopeon.abi3.so``,
   named like an extension module by setuptools-rust), or a ``libscopeon.so`` /
   ``libscopeon.dylib`` / ``scopeon.dll`` put there by hand.
3. Only when ``$SCOPEON_DEV_TREE=1``: ``$CARGO_TARGET_DIR``, then the ``target/`` of the Cargo
   workspace holding this package (the newer of ``debug`` and ``release``), for working on a
   Scopeon checkout without installing.

The workspace search is off by default because it trusts whatever directory the package sits
in: a package installed inside someone else's repository (a virtualenv in a cloned project)
would find that repository's ``Cargo.toml`` and run its ``target/`` library at ``import
scopeon``. The package directory itself is trusted: whoever can write there can change this
code too.
"""

from __future__ import annotations

import ctypes
import importlib.machinery
import os
import sys
from pathlib import Path
from typing import Iterator, List, Optional

#: The C ABI version this binding was written for (``SCOPEON_ABI_VERSION`` in scopeon.h).
ABI_VERSION = 1

#: The variable that turns on the search of a Cargo workspace's target directory.
DEV_TREE_VARIABLE = "SCOPEON_DEV_TREE"

if sys.platform == "darwin":
    _PLAIN_NAMES = ("libscopeon.dylib",)
elif sys.platform == "win32":
    _PLAIN_NAMES = ("scopeon.dll",)
else:
    _PLAIN_NAMES = ("libscopeon.so",)

_PACKAGE_DIR = Path(__file__).resolve().parent


def _bundled_names() -> List[str]:
    """File names the library may have beside the package: the ones setuptools-rust gives it
    (``libscopeon`` and an extension-module suffix: ``.abi3.so`` for the wheel, ``.pyd`` on
    Windows), then the platform's plain name."""
    names = ["libscopeon" + suffix for suffix in importlib.machinery.EXTENSION_SUFFIXES]
    names += _PLAIN_NAMES
    return list(dict.fromkeys(names))


def dev_tree_enabled() -> bool:
    """Whether ``$SCOPEON_DEV_TREE`` asks for the Cargo workspace search (``1``; unset, empty
    or ``0`` leave it off). Any other value is refused rather than guessed."""
    value = os.environ.get(DEV_TREE_VARIABLE, "")
    if value in ("", "0"):
        return False
    if value == "1":
        return True
    raise ImportError(f"{DEV_TREE_VARIABLE}={value!r} is not understood: set it to 1 or unset it")


def _dev_target_dirs() -> Iterator[Path]:
    """``$CARGO_TARGET_DIR``, then the ``target/`` of the Cargo workspace holding this package."""
    env = os.environ.get("CARGO_TARGET_DIR")
    if env:
        yield Path(env)
    for parent in _PACKAGE_DIR.parents:
        manifest = parent / "Cargo.toml"
        if manifest.is_file() and "[workspace]" in manifest.read_text(encoding="utf-8"):
            yield parent / "target"
            return


def _dev_candidates(targets: List[Path]) -> Iterator[Path]:
    """Built libraries in the given target directories, the most recent of debug and release
    first in each."""
    for target in targets:
        built = [target / profile / name for profile in ("debug", "release") for name in _PLAIN_NAMES]
        yield from sorted(
            (p for p in built if p.is_file()), key=lambda p: p.stat().st_mtime, reverse=True
        )


def _explicit_library(value: str) -> str:
    path = Path(value)
    if not path.is_file():
        raise ImportError(
            f"SCOPEON_LIBRARY is {value!r}, which is not a file: set it to the path of "
            f"{_PLAIN_NAMES[0]} (built by `cargo build --release -p scopeon-ffi`), or unset it "
            "to use the library installed with the package"
        )
    # Absolute, so the loader opens this file rather than searching its own paths for the name.
    return str(path.resolve())


def find_library() -> str:
    """The path of libscopeon: ``$SCOPEON_LIBRARY``, else beside the package, else (only with
    ``$SCOPEON_DEV_TREE=1``) a Cargo workspace's build. Raises ImportError saying what to do
    when there is none."""
    dev_tree = dev_tree_enabled()  # read first, so a mistyped value is reported in any case
    explicit = os.environ.get("SCOPEON_LIBRARY")
    if explicit:
        return _explicit_library(explicit)
    for name in _bundled_names():
        path = _PACKAGE_DIR / name
        if path.is_file():
            return str(path)
    searched = ""
    if dev_tree:
        targets = list(_dev_target_dirs())
        built = next(_dev_candidates(targets), None)
        if built is not None:
            return str(built)
        where = ", ".join(str(t) for t in targets) or "no Cargo workspace above the package"
        searched = f" {DEV_TREE_VARIABLE}=1 searched too: {where}."
    raise ImportError(
        f"libscopeon not found beside the scopeon package ({_PACKAGE_DIR}).{searched} Install "
        "the package with pip, which builds the library and bundles it (`pip install "
        "scopeon-ffi/bindings/python` in a Scopeon checkout; needs cargo), or set "
        f"SCOPEON_LIBRARY to the path of {_PLAIN_NAMES[0]} built by `cargo build --release -p "
        f"scopeon-ffi`. To use a checkout's target/ directory instead, set {DEV_TREE_VARIABLE}=1."
    )


_Status = ctypes.c_int32
_char_pp = ctypes.POINTER(ctypes.c_void_p)

_SIGNATURES = {
    "scopeon_version": [ctypes.POINTER(ctypes.c_char_p)],
    "scopeon_abi_version": [ctypes.POINTER(ctypes.c_uint32)],
    "scopeon_db_open": [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)],
    "scopeon_db_close": [ctypes.c_void_p],
    "scopeon_scan": [ctypes.c_void_p, ctypes.c_char_p, _char_pp],
    "scopeon_query": [ctypes.c_void_p, ctypes.c_char_p, _char_pp],
    "scopeon_providers": [ctypes.c_void_p, _char_pp],
    "scopeon_price": [ctypes.c_char_p, _char_pp],
    "scopeon_db_last_error": [ctypes.c_void_p, _char_pp],
    "scopeon_last_error": [_char_pp],
    "scopeon_string_free": [ctypes.c_void_p],
}


def _declare(lib: ctypes.CDLL, path: str) -> None:
    for name, argtypes in _SIGNATURES.items():
        try:
            function = getattr(lib, name)
        except AttributeError:
            raise ImportError(
                f"{path} is not libscopeon: it has no {name}. Point SCOPEON_LIBRARY at "
                f"{_PLAIN_NAMES[0]} from `cargo build -p scopeon-ffi`, or unset it"
            ) from None
        function.argtypes = argtypes
        function.restype = _Status


def _check_abi(lib: ctypes.CDLL, path: str) -> None:
    abi = ctypes.c_uint32()
    status = lib.scopeon_abi_version(ctypes.byref(abi))
    if status != 0:
        raise ImportError(f"{path}: scopeon_abi_version failed with status {status}")
    if abi.value != ABI_VERSION:
        raise ImportError(
            f"{path} has C ABI version {abi.value}, but this scopeon package needs version "
            f"{ABI_VERSION}: install the package and the library from the same Scopeon "
            "version (reinstall with pip), or point SCOPEON_LIBRARY at a matching build"
        )


def load(path: Optional[str] = None) -> ctypes.CDLL:
    """Loads libscopeon (``path``, else :func:`find_library`), declares its functions and
    refuses a library whose C ABI version is not :data:`ABI_VERSION`."""
    path = path or find_library()
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        raise ImportError(f"cannot load libscopeon from {path}: {e}") from e
    _declare(lib, path)
    _check_abi(lib, path)
    return lib
