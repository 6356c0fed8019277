"""Scopeon from Python: what your AI coding agents cost, from the logs they already write.

A thin ctypes binding of libscopeon (``scopeon-ffi/include/scopeon.h``)::

    import scopeon

    with scopeon.Db() as db:                      # ~/.scopeon/scopeon.db (or $SCOPEON_DB)
        db.scan()                                 # read new log lines
        report = db.report(since="7d", by=["day", "model"])
        print(report["totals"]["cost_usd"])
        active = db.blocks(active=True, token_limit="max")["blocks"]

Results are the JSON documents of the C ABI as dicts: ``report`` returns the whole
``scopeon.report.v1`` document that ``scopeon report --json`` prints, ``blocks`` and
``context`` the ``scopeon.blocks.v1`` and ``scopeon.context.v1`` documents of ``scopeon blocks
--json`` and ``scopeon context --json``. Failures raise :class:`ScopeonError` carrying the C
status and message.

The library is the one ``pip install`` bundled beside this package, unless ``$SCOPEON_LIBRARY``
names another file; ``$SCOPEON_DEV_TREE=1`` also searches a Cargo workspace's target directory
(see :mod:`scopeon._native`). Its C ABI version is checked at import.

Threads: calls on one :class:`Db` from several threads are serialized by a lock (the C handle
itself refuses concurrent use); distinct ``Db`` objects run concurrently, since the C calls
release the GIL.
"""

from __future__ import annotations

import ctypes
import enum
import json
import os
import threading
from datetime import datetime
from typing import Any, Dict, Iterable, Optional, Union

from . import _native
from ._native import ABI_VERSION, find_library

__all__ = [
    "ABI_VERSION",
    "Db",
    "ScopeonError",
    "Status",
    "abi_version",
    "blocks_request",
    "context_request",
    "find_library",
    "price",
    "query_request",
    "scan_request",
    "version",
]

_lib = _native.load()

Strings = Union[str, Iterable[str], None]
Instant = Union[str, datetime, None]


class Status(enum.IntEnum):
    """The ``ScopeonStatus`` codes of scopeon.h (``SCOPEON_OK``, ``SCOPEON_E_*``)."""

    OK = 0
    NULL = 1
    UTF8 = 2
    JSON = 3
    INVALID_ARGUMENT = 4
    UNKNOWN_MODEL = 5
    NO_HOME = 6
    CONFIG = 7
    IO = 8
    DATABASE = 9
    UNSAFE_DATABASE = 10
    BUSY = 11
    PANIC = 12
    INTERNAL = 13


class ScopeonError(Exception):
    """A libscopeon call failed: ``status`` (a :class:`Status`, or an int from a newer
    library) and ``message`` (what went wrong, and where the user can act, what to do)."""

    def __init__(self, status: int, message: str) -> None:
        try:
            status = Status(status)
        except ValueError:
            pass
        self.status = status
        self.message = message
        super().__init__(status, message)

    def __str__(self) -> str:
        name = self.status.name if isinstance(self.status, Status) else str(self.status)
        return f"{self.message} [{name}]"


def _take_string(pointer: ctypes.c_void_p) -> Optional[str]:
    """Copies a string libscopeon returned and frees it."""
    if not pointer.value:
        return None
    try:
        return ctypes.string_at(pointer.value).decode("utf-8")
    finally:
        _lib.scopeon_string_free(pointer)


def _thread_error() -> str:
    message = ctypes.c_void_p()
    _lib.scopeon_last_error(ctypes.byref(message))
    return _take_string(message) or "unknown error"


def _check(status: int) -> None:
    if status != Status.OK:
        raise ScopeonError(status, _thread_error())


def _json_call(function: Any, *args: Any) -> Dict[str, Any]:
    out = ctypes.c_void_p()
    _check(function(*args, ctypes.byref(out)))
    text = _take_string(out)
    return json.loads(text) if text is not None else {}


def _strings(value: Strings) -> Optional[list]:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return list(value)


def scan_request(
    providers: Strings = None,
    *,
    rebuild: bool = False,
    roots: Optional[Dict[str, Iterable[str]]] = None,
) -> Dict[str, Any]:
    """The ``scopeon.scan_request.v1`` request :meth:`Db.scan` sends."""
    request: Dict[str, Any] = {"schema": "scopeon.scan_request.v1"}
    if providers is not None:
        request["providers"] = _strings(providers)
    if rebuild:
        request["rebuild"] = True
    if roots is not None:
        request["roots"] = {k: _strings(v) for k, v in roots.items()}
    return request


def query_request(
    since: Optional[str] = None,
    until: Optional[str] = None,
    by: Strings = ("day",),
    tz: Optional[str] = None,
    provider: Strings = None,
    project: Strings = None,
    model: Strings = None,
    cost: str = "calculated",
) -> Dict[str, Any]:
    """The ``scopeon.query.v1`` request :meth:`Db.report` sends."""
    request: Dict[str, Any] = {"schema": "scopeon.query.v1", "cost": cost}
    if since is not None:
        request["since"] = since
    if until is not None:
        request["until"] = until
    if by is not None:
        request["by"] = _strings(by)
    if tz is not None:
        request["tz"] = tz
    for key, value in (("providers", provider), ("projects", project), ("models", model)):
        if value is not None:
            request[key] = _strings(value)
    return request


def _instant(value: Instant) -> Optional[str]:
    """An RFC 3339 time: a string as given, an aware datetime in ISO 8601 form."""
    if value is None or isinstance(value, str):
        return value
    if value.tzinfo is None:
        raise ValueError("now: a datetime needs a time zone (tzinfo), e.g. datetime.now(timezone.utc)")
    return value.isoformat()


def blocks_request(
    provider: Strings = None,
    *,
    active: bool = False,
    recent: bool = False,
    since: Optional[str] = None,
    until: Optional[str] = None,
    token_limit: Union[int, str, None] = None,
    floor_hour: bool = False,
    gaps: bool = False,
    tz: Optional[str] = None,
    now: Instant = None,
) -> Dict[str, Any]:
    """The ``scopeon.blocks_request.v1`` request :meth:`Db.blocks` sends."""
    request: Dict[str, Any] = {"schema": "scopeon.blocks_request.v1"}
    if provider is not None:
        request["providers"] = _strings(provider)
    for key, flag in (("active", active), ("recent", recent), ("floor_hour", floor_hour), ("gaps", gaps)):
        if flag:
            request[key] = True
    for key, value in (("since", since), ("until", until), ("token_limit", token_limit), ("tz", tz),
                       ("now", _instant(now))):
        if value is not None:
            request[key] = value
    return request


def context_request(
    provider: Strings = None,
    *,
    session: Optional[str] = None,
    active_minutes: Optional[int] = None,
    now: Instant = None,
) -> Dict[str, Any]:
    """The ``scopeon.context_request.v1`` request :meth:`Db.context` sends."""
    request: Dict[str, Any] = {"schema": "scopeon.context_request.v1"}
    if provider is not None:
        request["providers"] = _strings(provider)
    for key, value in (("session", session), ("active_minutes", active_minutes), ("now", _instant(now))):
        if value is not None:
            request[key] = value
    return request


def version() -> str:
    """The library version, e.g. ``"0.1.0"``."""
    out = ctypes.c_char_p()
    _check(_lib.scopeon_version(ctypes.byref(out)))
    return (out.value or b"").decode("utf-8")


def abi_version() -> int:
    """The loaded library's C ABI version (equal to :data:`ABI_VERSION`)."""
    out = ctypes.c_uint32()
    _check(_lib.scopeon_abi_version(ctypes.byref(out)))
    return out.value


def price(model: str) -> Dict[str, Any]:
    """The built-in price table's entry for a model id as logged (``scopeon.price.v1``):
    canonical id, regional uplift, rates in USD per million tokens as exact decimal strings,
    long-context tier. An unknown model raises ``ScopeonError`` with ``Status.UNKNOWN_MODEL``."""
    return _json_call(_lib.scopeon_price, model.encode("utf-8"))


class Db:
    """An open Scopeon database.

    ``path``: the database file (str, bytes or os.PathLike); ``None`` for the default
    (``$SCOPEON_DB``, else ``~/.scopeon/scopeon.db``); ``":memory:"`` for a private in-memory
    one. Use it as a context manager, or call :meth:`close`.
    """

    def __init__(self, path: Union[str, bytes, "os.PathLike[str]", None] = None) -> None:
        self._lock = threading.Lock()
        self._handle: Optional[int] = None
        raw = None if path is None else os.fsencode(path)
        handle = ctypes.c_void_p()
        _check(_lib.scopeon_db_open(raw, ctypes.byref(handle)))
        self._handle = handle.value

    def __enter__(self) -> "Db":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        return f"<scopeon.Db {'closed' if self.closed else 'open'}>"

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._handle is None

    def close(self) -> None:
        """Closes the database. Closing twice is harmless."""
        with self._lock:
            handle, self._handle = self._handle, None
            if handle is not None:
                status = _lib.scopeon_db_close(handle)
                if status != Status.OK:
                    self._handle = handle
                    _check(status)

    def _call(self, function: Any, *args: Any) -> Dict[str, Any]:
        out = ctypes.c_void_p()
        with self._lock:  # one call per handle at a time, and never during close()
            handle = self._handle
            status = function(handle, *args, ctypes.byref(out))
            if status != Status.OK:
                if handle is None:
                    raise ScopeonError(status, "the database is closed")
                raise ScopeonError(status, self._handle_error(handle))
        text = _take_string(out)
        return json.loads(text) if text is not None else {}

    @staticmethod
    def _handle_error(handle: int) -> str:
        message = ctypes.c_void_p()
        _lib.scopeon_db_last_error(handle, ctypes.byref(message))
        return _take_string(message) or _thread_error()

    def scan(
        self,
        providers: Strings = None,
        *,
        rebuild: bool = False,
        roots: Optional[Dict[str, Iterable[str]]] = None,
    ) -> Dict[str, Any]:
        """Reads new log lines into the database, as ``scopeon scan``; returns the
        ``scopeon.scan.v1`` summary. ``providers`` narrows the scan (ids such as
        ``"claude_code"``), ``rebuild`` re-reads every file from its start, and ``roots`` maps a
        provider id to directories replacing its log roots for this scan."""
        request = scan_request(providers, rebuild=rebuild, roots=roots)
        return self._call(_lib.scopeon_scan, json.dumps(request).encode("utf-8"))

    def query(self, request: Union[str, Dict[str, Any]]) -> Dict[str, Any]:
        """Runs a raw request (a dict or JSON text) through ``scopeon_query``, which tells the
        kinds apart by ``schema``: ``scopeon.query.v1`` (or none) returns the
        ``scopeon.report.v1`` document, ``scopeon.blocks_request.v1`` ``scopeon.blocks.v1`` and
        ``scopeon.context_request.v1`` ``scopeon.context.v1``. :meth:`report`, :meth:`blocks`
        and :meth:`context` build the request for you."""
        text = request if isinstance(request, str) else json.dumps(request)
        return self._call(_lib.scopeon_query, text.encode("utf-8"))

    def report(
        self,
        since: Optional[str] = None,
        until: Optional[str] = None,
        by: Strings = ("day",),
        tz: Optional[str] = None,
        provider: Strings = None,
        project: Strings = None,
        model: Strings = None,
        cost: str = "calculated",
    ) -> Dict[str, Any]:
        """A report over what is stored, as ``scopeon report --json --no-scan``: the whole
        ``scopeon.report.v1`` document (``rows``, ``totals`` and run metadata).

        ``since``/``until``: ``YYYY-MM-DD``, ``YYYYMMDD``, ``Nd``, ``Nw``, ``Nh``; ``by``: any of
        day, week, month, model, project, session, provider (``()`` for totals only); ``tz``: an
        IANA zone (default ``$TZ``, else the system zone); ``provider``/``project``/``model``:
        exact filters (a string or several); ``cost``: calculated, reported or auto."""
        request = query_request(
            since=since, until=until, by=by, tz=tz, provider=provider, project=project,
            model=model, cost=cost,
        )
        return self.query(request)

    def blocks(
        self,
        provider: Strings = None,
        *,
        active: bool = False,
        recent: bool = False,
        since: Optional[str] = None,
        until: Optional[str] = None,
        token_limit: Union[int, str, None] = None,
        floor_hour: bool = False,
        gaps: bool = False,
        tz: Optional[str] = None,
        now: Instant = None,
    ) -> Dict[str, Any]:
        """Five-hour blocks as ``scopeon blocks --json --no-scan``: the whole
        ``scopeon.blocks.v1`` document (``blocks``, ``windows``, ``generated_at``).

        ``provider``: ids (default claude_code and codex); ``active``: only blocks containing
        now; ``recent``: the last 3 days; ``since``/``until``: as :meth:`report`, blocks
        overlapping the range; ``token_limit``: a number of tokens or ``"max"`` (the largest
        completed block); ``floor_hour``: estimated blocks start at the UTC hour, as ccusage;
        ``gaps``: list the gaps between blocks; ``tz``: the zone dates are read in; ``now``:
        compute as if it were then (RFC 3339 text or an aware datetime; default the clock, or
        ``$SCOPEON_NOW`` as when the database was opened)."""
        return self.query(blocks_request(
            provider, active=active, recent=recent, since=since, until=until,
            token_limit=token_limit, floor_hour=floor_hour, gaps=gaps, tz=tz, now=now,
        ))

    def context(
        self,
        provider: Strings = None,
        *,
        session: Optional[str] = None,
        active_minutes: Optional[int] = None,
        now: Instant = None,
    ) -> Dict[str, Any]:
        """How full each active session's context is, as ``scopeon context --json --no-scan``:
        the ``scopeon.context.v1`` document. ``provider``: ids (default all); ``session``: one
        session id; ``active_minutes``: sessions with a request in the last this many minutes
        (default 30); ``now`` as in :meth:`blocks`."""
        return self.query(context_request(provider, session=session, active_minutes=active_minutes, now=now))

    def providers(self) -> Dict[str, Any]:
        """The built-in providers (``scopeon.providers.v1``): enabled, roots searched and
        whether they exist, files tracked, records stored."""
        return self._call(_lib.scopeon_providers)
