"""Loading libscopeon and declaring its C functions (see scopeon-ffi/include/scopeon.h)."""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path
from typing import Iterator, Optional

#: The C ABI version this binding was written for (``SCOPEON_ABI_VERSION`` in scopeon.h).
ABI_VERSION = 1

if sys.platform == "darwin":
    _NAMES = ("libscopeon.dylib",)
elif sys.platform == "win32":
    _NAMES = ("scopeon.dll",)
else:
    _NAMES = ("libscopeon.so",)


def _workspace_target_dirs() -> Iterator[Path]:
    """``$CARGO_TARGET_DIR``, then the ``target/`` of the Cargo workspace holding this package."""
    env = os.environ.get("CARGO_TARGET_DIR")
    if env:
        yield Path(env)
    for parent in Path(__file__).resolve().parents:
        manifest = parent / "Cargo.toml"
        if manifest.is_file() and "[workspace]" in manifest.read_text(encoding="utf-8"):
            yield parent / "target"
            return


def _candidates() -> Iterator[Path]:
    """Where the library is looked for: beside the package, then the workspace's target
    directory (the most recently built of debug and release)."""
    here = Path(__file__).resolve().parent
    for name in _NAMES:
        yield here / name
    for target in _workspace_target_dirs():
        built = [target / profile / name for profile in ("debug", "release") for name in _NAMES]
        yield from sorted(
            (p for p in built if p.is_file()), key=lambda p: p.stat().st_mtime, reverse=True
        )


def find_library() -> str:
    """The path of libscopeon: ``$SCOPEON_LIBRARY``, else the first candidate that exists."""
    explicit = os.environ.get("SCOPEON_LIBRARY")
    if explicit:
        return explicit
    for path in _candidates():
        if path.is_file():
            return str(path)
    raise ImportError(
        "libscopeon not found: set SCOPEON_LIBRARY to its path, put it beside the scopeon "
        "package, or build it with `cargo build -p scopeon-ffi`"
    )


_Status = ctypes.c_int32
_char_pp = ctypes.POINTER(ctypes.c_void_p)


def _declare(lib: ctypes.CDLL) -> None:
    signatures = {
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
    for name, argtypes in signatures.items():
        function = getattr(lib, name)
        function.argtypes = argtypes
        function.restype = _Status


def load(path: Optional[str] = None) -> ctypes.CDLL:
    """Loads libscopeon, declares its functions and checks its ABI version."""
    path = path or find_library()
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        raise ImportError(f"cannot load libscopeon from {path}: {e}") from e
    _declare(lib)
    abi = ctypes.c_uint32()
    if lib.scopeon_abi_version(ctypes.byref(abi)) != 0 or abi.value != ABI_VERSION:
        raise ImportError(
            f"{path} has C ABI version {abi.value}; this binding needs {ABI_VERSION}"
        )
    return lib
