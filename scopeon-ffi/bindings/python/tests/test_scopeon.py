"""The Python binding over libscopeon: scan a fixture home, report, and the error paths."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path

import jsonschema
import pytest

import scopeon
from scopeon import Db, ScopeonError, Status

from conftest import NOW, log_line

FFI_DIR = Path(__file__).resolve().parents[3]
REPO = FFI_DIR.parent
SCHEMA = json.loads((REPO / "schemas" / "scopeon.report.v1.schema.json").read_text())


def validate(report: dict, schema: dict = SCHEMA) -> None:
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(report)]
    assert not errors, errors


def document_schema(name: str) -> dict:
    return json.loads((REPO / "schemas" / f"{name}.schema.json").read_text())


def find_cli() -> str:
    cli = os.environ.get("SCOPEON_CLI") or shutil.which("scopeon", path=str(REPO / "target" / "debug"))
    if not cli:
        pytest.skip("the scopeon CLI is not built (ci.sh sets SCOPEON_CLI)")
    return cli


def test_versions_and_library_lookup():
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", scopeon.version())
    assert scopeon.abi_version() == scopeon.ABI_VERSION == 1
    assert Path(scopeon.find_library()).is_file()


def test_scan_then_report(home: Path):
    with Db() as db:
        assert (home / ".scopeon" / "scopeon.db").is_file()
        summary = db.scan()
        assert summary["schema"] == "scopeon.scan.v1"
        assert summary["files"] == 1
        claude = summary["providers"][0]
        assert claude["provider"] == "claude_code"
        assert claude["new_records"] == 2
        assert claude["skipped"] == {"invalid_json": 1}
        assert db.scan(providers="claude_code")["providers"][0]["new_records"] == 0

        report = db.report(by=["day", "model"])
        validate(report)
        assert report["schema"] == "scopeon.report.v1"
        assert report["group_by"] == ["day", "model"]
        assert report["generated_at"] == NOW
        assert report["demo"] is False and report["scan"] is None
        assert [row["key"] for row in report["rows"]] == [
            {"day": "2026-11-20", "model": "claude-sonnet-4-5"},
            {"day": "2026-11-21", "model": "claude-opus-4-1"},
        ]
        assert report["totals"]["requests"] == 2
        assert report["totals"]["total_tokens"] == 42
        assert report["totals"]["cost_usd"] > 0

        # The window syntax and filters of `scopeon report`.
        assert db.report(since="7d", by=())["totals"]["requests"] == 1  # from 2026-11-21
        assert db.report(since="8d", by=())["totals"]["requests"] == 2
        assert db.report(since="2026-11-21", by="")["totals"]["requests"] == 1
        week = db.report(by="week,provider", tz="Europe/Berlin", provider="claude_code")
        validate(week)
        assert week["rows"][0]["key"] == {"week": "2026-W47", "provider": "claude_code"}
        assert db.report(model=["claude-opus-4-1"], by=[])["totals"]["requests"] == 1
        assert db.report(project="/elsewhere", by=[])["totals"]["requests"] == 0
        assert db.report(cost="auto")["cost_mode"] == "auto"


def test_scan_roots_and_providers(home: Path, tmp_path: Path):
    other = tmp_path / "elsewhere"
    (other / "projects" / "p").mkdir(parents=True)
    (other / "projects" / "p" / "s2.jsonl").write_text(
        log_line("m3", "2026-11-22T08:00:00Z", "claude-haiku-4-5", 1, 2)
    )
    with Db(tmp_path / "db" / "scopeon.db") as db:
        assert db.scan(roots={"claude_code": [str(other)]})["providers"][0]["new_records"] == 1
        db.scan()
        listing = db.providers()
        assert listing["schema"] == "scopeon.providers.v1"
        claude = listing["providers"][0]
        assert claude["provider"] == "claude_code" and claude["enabled"] is True
        assert {"path": str(home / ".claude"), "exists": True} in claude["roots"]
        assert claude["records"] == 3
        # Both logs are tracked: a scan forgets only files gone from the roots it walked.
        assert claude["files_tracked"] == 2


def test_report_matches_the_cli(home: Path):
    """`Db.report` returns the very document `scopeon report --json --no-scan` prints."""
    cli = os.environ.get("SCOPEON_CLI") or shutil.which("scopeon", path=str(REPO / "target" / "debug"))
    if not cli:
        pytest.skip("the scopeon CLI is not built (ci.sh sets SCOPEON_CLI)")
    db_path = home / "cli.db"
    with Db(db_path) as db:
        db.scan()
        ours = db.report(since="2026-11-01", by=["day", "model", "project"], tz="Europe/Berlin")
    out = subprocess.run(
        [cli, "--db", str(db_path), "--tz", "Europe/Berlin", "--json", "report", "--no-scan",
         "--since", "2026-11-01", "--by", "day,model,project"],
        check=True, capture_output=True, text=True,
    )
    assert json.loads(out.stdout) == ours


def test_blocks_and_context_match_the_cli(home: Path):
    """`Db.blocks` and `Db.context` return the very documents `scopeon blocks --json --no-scan`
    and `scopeon context --json --no-scan` print for the same database and the same now."""
    cli = find_cli()
    db_path = home / "cli.db"
    during = "2026-11-21T09:10:00Z"  # inside the second block, 10 minutes after its request
    with Db(db_path) as db:
        db.scan()
        blocks = db.blocks(token_limit="max", gaps=True, since="2026-11-20", tz="Europe/Berlin")
        active = db.blocks("claude_code", active=True, token_limit=500, now=during)
        context = db.context(now=datetime(2026, 11, 21, 9, 10, tzinfo=timezone.utc))
        quiet = db.context(provider=["claude_code"], active_minutes=5, now=during)

    def cli_json(*args: str, now: str = NOW) -> dict:
        out = subprocess.run(
            [cli, "--db", str(db_path), *args], check=True, capture_output=True, text=True,
            env=dict(os.environ, SCOPEON_NOW=now),
        )
        return json.loads(out.stdout)

    assert blocks == cli_json("--tz", "Europe/Berlin", "--json", "blocks", "--no-scan",
                              "--token-limit", "max", "--gaps", "--since", "2026-11-20")
    assert active == cli_json("--json", "blocks", "--no-scan", "--provider", "claude_code",
                              "--active", "--token-limit", "500", now=during)
    assert context == cli_json("--json", "context", "--no-scan", now=during)

    validate(blocks, document_schema("scopeon.blocks.v1"))
    assert blocks["generated_at"] == NOW
    spans = [(b["start"], b["is_gap"]) for b in blocks["blocks"]]
    assert spans == [
        ("2026-11-20T10:00:00Z", False), ("2026-11-20T15:00:00Z", True), ("2026-11-21T09:00:00Z", False),
    ]
    assert blocks["blocks"][2]["token_limit"]["limit"] == 30  # max: the first block, 10 + 20
    validate(active, document_schema("scopeon.blocks.v1"))
    [current] = active["blocks"]
    assert current["is_active"] is True and current["total_tokens"] == 12
    assert current["token_limit"] == {"limit": 500, "projected_percent": current["token_limit"]["projected_percent"],
                                      "status": "ok"}
    validate(context, document_schema("scopeon.context.v1"))
    [session] = context["sessions"]
    assert (session["session"], session["model"], session["context_tokens"]) == ("s1", "claude-opus-4-1", 5)
    assert quiet["sessions"] == []


def test_prices_the_cli_configured_stay_with_the_database(home: Path, tmp_path: Path):
    """A database the CLI priced with overrides reports the same costs through this binding,
    opened with no configuration, and again through the CLI; nothing is re-priced between."""
    cli = os.environ.get("SCOPEON_CLI") or shutil.which("scopeon", path=str(REPO / "target" / "debug"))
    if not cli:
        pytest.skip("the scopeon CLI is not built (ci.sh sets SCOPEON_CLI)")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    config = elsewhere / "config.toml"
    config.write_text('[pricing."claude-sonnet-4-5"]\ninput = 1000\noutput = 2000\n')
    db_path = home / "priced.db"

    def cli_report(*extra: str) -> dict:
        out = subprocess.run(
            [cli, "--db", str(db_path), *extra, "--json", "report", "--by", "model"],
            check=True, capture_output=True, text=True,
        )
        return json.loads(out.stdout)

    def generation() -> int:
        with sqlite3.connect(db_path) as c:
            return int(c.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])

    priced = cli_report("--config", str(config))
    sonnet = next(r for r in priced["rows"] if r["key"]["model"] == "claude-sonnet-4-5")
    # 10 input tokens at 1000 USD/Mtok and 20 output tokens at 2000 USD/Mtok.
    assert sonnet["cost_usd"] == pytest.approx(0.05)
    before = generation()
    # No config.toml in this home: the binding opens the database without a configuration.
    assert not (home / ".scopeon" / "config.toml").exists()
    with Db(db_path) as db:
        ours = db.report(by=["model"])
    assert ours["rows"] == priced["rows"] and ours["totals"] == priced["totals"]
    assert ours["pricing_version"] == priced["pricing_version"]
    again = cli_report()
    assert again["rows"] == priced["rows"] and again["totals"] == priced["totals"]
    assert generation() == before, "nothing was re-priced in between"


def test_bad_path(tmp_path: Path):
    plain = tmp_path / "plain-file"
    plain.write_text("x")
    with pytest.raises(ScopeonError) as e:
        Db(plain / "sub" / "scopeon.db")  # a directory cannot be made below a file
    assert e.value.status == Status.IO
    assert str(plain) in e.value.message
    with pytest.raises(ScopeonError) as e:
        Db(b"/tmp/\xff.db")
    assert e.value.status == Status.UTF8
    with pytest.raises(ScopeonError) as e:
        Db("")
    assert e.value.status == Status.INVALID_ARGUMENT


def test_unsafe_database_is_refused(tmp_path: Path):
    path = tmp_path / "shared.db"
    path.write_bytes(b"")
    path.chmod(0o666)
    with pytest.raises(ScopeonError) as e:
        Db(path)
    assert e.value.status == Status.UNSAFE_DATABASE
    assert "chmod" in e.value.message


def test_no_home(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("HOME")
    monkeypatch.delenv("SCOPEON_DB", raising=False)
    with pytest.raises(ScopeonError) as e:
        Db()
    assert e.value.status == Status.NO_HOME


def test_bad_json_and_bad_values(home: Path):
    with Db(":memory:") as db:
        for request, status, needle in [
            ("{not json", Status.JSON, "invalid query request"),
            ("[]", Status.JSON, "expected a JSON object"),
            ({"sinc": "7d"}, Status.JSON, "unknown field `sinc`"),
            ({"by": 7}, Status.JSON, "a string, an array of strings"),
            ({"schema": "scopeon.query.v2"}, Status.INVALID_ARGUMENT, "unsupported request schema"),
        ]:
            with pytest.raises(ScopeonError) as e:
                db.query(request)
            assert e.value.status == status, e.value
            assert needle in e.value.message
        for kwargs, needle in [
            ({"by": ["dya"]}, 'unknown grouping key "dya"'),
            ({"tz": "Mars/Olympus"}, "unknown time zone"),
            ({"since": "last tuesday"}, "invalid time"),
            ({"cost": "cheap"}, "unknown cost mode"),
            ({"provider": "codexx"}, 'unknown provider "codexx"'),
        ]:
            with pytest.raises(ScopeonError) as e:
                db.report(**kwargs)
            assert e.value.status == Status.INVALID_ARGUMENT
            assert needle in e.value.message and str(e.value).endswith("[INVALID_ARGUMENT]")
        with pytest.raises(ScopeonError) as e:
            db.scan(providers=["nope"])
        assert e.value.status == Status.INVALID_ARGUMENT


def test_bad_blocks_and_context_requests_name_the_field(home: Path):
    with Db(":memory:") as db:
        for call, status, needle in [
            (lambda: db.blocks(since="soon"), Status.INVALID_ARGUMENT, 'field `since`: invalid time "soon"'),
            (lambda: db.blocks(tz="Mars/Olympus"), Status.INVALID_ARGUMENT, "field `tz`: unknown time zone"),
            (lambda: db.blocks(token_limit="lots"), Status.INVALID_ARGUMENT, "field `token_limit`"),
            (lambda: db.blocks(token_limit=1.5), Status.JSON, "field `token_limit`: invalid type"),
            (lambda: db.blocks(now="noon"), Status.INVALID_ARGUMENT, "field `now`"),
            (lambda: db.context(provider="nope"), Status.INVALID_ARGUMENT, 'field `providers`: unknown provider "nope"'),
            (lambda: db.context(active_minutes=-5), Status.JSON, "field `active_minutes`"),
            (lambda: db.query({"schema": "scopeon.blocks_request.v1", "gap": True}), Status.JSON,
             "unknown field `gap`"),
            (lambda: db.query({"schema": "scopeon.blocks_request.v9"}), Status.INVALID_ARGUMENT,
             "scopeon.blocks_request.v1"),
        ]:
            with pytest.raises(ScopeonError) as e:
                call()
            assert e.value.status == status, e.value
            assert needle in e.value.message, e.value
    with pytest.raises(ValueError):
        scopeon.blocks_request(now=datetime(2026, 11, 27, 12))  # no time zone


def test_broken_config_file(home: Path):
    config = home / ".scopeon" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[scan]\nmax_lines = 3\n")
    # The configuration is read when the database is opened, as the CLI reads it.
    with pytest.raises(ScopeonError) as e:
        Db(":memory:")
    assert e.value.status == Status.CONFIG
    assert "max_lines" in e.value.message


def test_closed_handle(home: Path):
    db = Db(":memory:")
    db.close()
    db.close()  # twice is harmless
    assert db.closed and "closed" in repr(db)
    for call in (db.scan, db.report, db.blocks, db.context, db.providers, lambda: db.query("{}")):
        with pytest.raises(ScopeonError) as e:
            call()
        assert e.value.status == Status.NULL
        assert e.value.message == "the database is closed"
    with Db(":memory:") as inner:
        pass
    assert inner.closed


def test_price():
    entry = scopeon.price("claude-sonnet-4-5-20250929")
    assert entry["schema"] == "scopeon.price.v1"
    assert entry["canonical"] == "claude-sonnet-4-5"
    assert entry["rates"]["input"] == "3" and entry["rates"]["cache_read"] == "0.3"
    assert entry["long_context"]["above_tokens"] == 200000
    assert scopeon.price("us.anthropic.claude-sonnet-4-5-20250929-v1:0")["regional_uplift"] is True
    with pytest.raises(ScopeonError) as e:
        scopeon.price("no-such-model")
    assert e.value.status == Status.UNKNOWN_MODEL
    assert 'unknown model "no-such-model"' in e.value.message


PANIC_CHILD = """
import os, scopeon
from scopeon import Db, ScopeonError, Status
os.environ["SCOPEON_TEST_FFI_PANIC"] = "scopeon_price"
try:
    scopeon.price("claude-sonnet-4-5")
    raise SystemExit("no panic")
except ScopeonError as e:
    assert e.status == Status.PANIC, e
os.environ["SCOPEON_TEST_FFI_PANIC"] = "scopeon_query"
with Db(":memory:") as db:
    try:
        db.report()
        raise SystemExit("no panic")
    except ScopeonError as e:
        assert e.status == Status.PANIC and "internal panic" in e.message, e
    del os.environ["SCOPEON_TEST_FFI_PANIC"]
    assert db.report()["totals"]["requests"] == 0
print("ok")
"""


def test_a_panic_is_an_exception_not_a_crash(home: Path):
    """A panic inside the library becomes ScopeonError(PANIC). The switch that makes one exists
    only in a library built with the `test-panics` feature, which a user's install never is, so
    this runs in a child process loading that build."""
    lib = os.environ.get("SCOPEON_TEST_PANIC_LIBRARY")
    if not lib:
        pytest.skip("needs libscopeon built with --features test-panics (ci.sh sets SCOPEON_TEST_PANIC_LIBRARY)")
    env = {k: v for k, v in os.environ.items() if k not in ("SCOPEON_DEV_TREE",)}
    env["SCOPEON_LIBRARY"] = lib
    env["RUST_BACKTRACE"] = "0"
    out = subprocess.run([sys.executable, "-c", PANIC_CHILD], env=env, capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_threads_share_a_db_safely(home: Path):
    with Db() as db:
        db.scan()
        results, errors = [], []

        def work() -> None:
            try:
                for _ in range(20):
                    results.append(db.report(by=[])["totals"]["requests"])
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert results == [2] * 80


def test_status_codes_match_the_header():
    """Every SCOPEON_* status in scopeon.h has the same value here, and no other exists."""
    header = (FFI_DIR / "include" / "scopeon.h").read_text()
    defined = {
        ("OK" if name == "OK" else name[2:]): int(value)
        for name, value in re.findall(r"#define SCOPEON_(OK|E_[A-Z0-9_]+) (\d+)", header)
    }
    assert defined == {s.name: s.value for s in Status}


@pytest.mark.parametrize(
    "name, request_",
    [
        ("scopeon.query.v1", scopeon.query_request()),
        ("scopeon.query.v1", scopeon.query_request(
            since="7d", until="2026-11-30", by="day,model", tz="UTC", provider="claude_code",
            project=["/a", "/b"], model="claude-sonnet-4-5", cost="auto")),
        ("scopeon.query.v1", scopeon.query_request(by=())),
        ("scopeon.blocks_request.v1", scopeon.blocks_request()),
        ("scopeon.blocks_request.v1", scopeon.blocks_request(
            "claude_code,codex", active=True, recent=True, since="7d", until="2026-11-30",
            token_limit=500000, floor_hour=True, gaps=True, tz="UTC", now=NOW)),
        ("scopeon.blocks_request.v1", scopeon.blocks_request(["codex"], token_limit="max")),
        ("scopeon.context_request.v1", scopeon.context_request()),
        ("scopeon.context_request.v1", scopeon.context_request(
            "claude_code", session="s1", active_minutes=90, now=NOW)),
        ("scopeon.scan_request.v1", scopeon.scan_request()),
        ("scopeon.scan_request.v1", scopeon.scan_request(
            ["claude_code"], rebuild=True, roots={"claude_code": ["/logs"]})),
    ],
)
def test_requests_follow_their_committed_schemas(home: Path, name: str, request_: dict):
    schema = json.loads((FFI_DIR / "schemas" / f"{name}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(request_)
    answers = {
        "scopeon.query.v1": "scopeon.report.v1",
        "scopeon.blocks_request.v1": "scopeon.blocks.v1",
        "scopeon.context_request.v1": "scopeon.context.v1",
    }
    with Db(":memory:") as db:  # and the library accepts them
        if name in answers:
            assert db.query(request_)["schema"] == answers[name]
        else:
            raw = json.dumps(request_).encode("utf-8")
            assert db._call(scopeon._lib.scopeon_scan, raw)["schema"] == "scopeon.scan.v1"


@pytest.mark.parametrize(
    "name, bad",
    [
        ("scopeon.query.v1", {"sinc": "7d"}),
        ("scopeon.query.v1", {"by": 3}),
        ("scopeon.query.v1", {"provider": "a", "providers": ["b"]}),
        ("scopeon.blocks_request.v1", {"schema": "scopeon.blocks_request.v1", "gap": True}),
        ("scopeon.blocks_request.v1", {"schema": "scopeon.blocks_request.v1", "active": "yes"}),
        ("scopeon.blocks_request.v1", {"schema": "scopeon.blocks_request.v1", "token_limit": 1.5}),
        ("scopeon.blocks_request.v1", {"schema": "scopeon.blocks_request.v1", "provider": "a", "providers": ["b"]}),
        ("scopeon.context_request.v1", {"schema": "scopeon.context_request.v1", "active_minutes": -1}),
        ("scopeon.context_request.v1", {"schema": "scopeon.context_request.v1", "session": 7}),
        ("scopeon.context_request.v1", {"schema": "scopeon.context_request.v1", "since": "7d"}),
    ],
)
def test_request_schemas_refuse_what_the_library_refuses(home: Path, name: str, bad: dict):
    schema = json.loads((FFI_DIR / "schemas" / f"{name}.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    assert not validator.is_valid(bad)
    with Db(":memory:") as db, pytest.raises(ScopeonError) as e:
        db.query(bad)
    assert e.value.status == Status.JSON
