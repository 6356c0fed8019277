"""`scopeon mcp` seen by a real client: the official MCP Python SDK (`mcp` on PyPI) starts it
over stdio on the fixture home (`home/`), initializes, lists the tools, calls each one, checks
every structuredContent against the tool's outputSchema (jsonschema, Draft 2020-12 with
formats) and compares usage_report with `scopeon report --json` (docs/mcp.md).

Run by `run.sh`, which builds the binary and names it in SCOPEON_BIN.
"""

import asyncio
import json
import os
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

HERE = Path(__file__).resolve().parent
NOW = "2026-11-21T03:00:00Z"
MARKER = "SCOPEON-PRIVACY-MARKER-4f1c"
BINARY = os.environ.get("SCOPEON_BIN") or str(HERE.parents[2] / "target" / "debug" / "scopeon")

TOOLS = {
    "usage_report": {},
    "blocks": {"since": "2026-11-20"},
    "context": {"active_minutes": 24 * 60},
    "list_sessions": {},
    "session_usage": {"session_id": "s1"},
    "price": {"model": "claude-sonnet-4-5"},
    "providers": {},
}


@pytest.fixture
def home(tmp_path):
    """A copy of the fixture home: the database is written under it."""
    target = tmp_path / "home"
    shutil.copytree(HERE / "home", target)
    return target


def server_env(home):
    return {"HOME": str(home), "TZ": "UTC", "SCOPEON_NOW": NOW}


def run_session(home, body):
    """Starts `scopeon mcp` on `home`, initializes, runs `body(session, init)`."""

    async def main():
        params = StdioServerParameters(command=BINARY, args=["mcp"], env=server_env(home))
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write, read_timeout_seconds=30) as session:
                init = await session.initialize()
                return await body(session, init)

    return asyncio.run(main())


def validator(schema):
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def structured(result):
    """The structured content, checked to be the same JSON as the text block."""
    assert not result.is_error, result.content
    assert result.structured_content is not None
    assert json.loads(result.content[0].text) == result.structured_content
    return result.structured_content


def test_initialize_and_the_tool_list(home):
    async def body(session, init):
        assert init.server_info.name == "scopeon"
        assert init.capabilities.tools is not None
        listed = await session.list_tools()
        return {tool.name: tool for tool in listed.tools}

    tools = run_session(home, body)
    assert set(tools) == set(TOOLS)
    for name, tool in tools.items():
        assert tool.annotations.read_only_hint is True, name
        assert tool.annotations.destructive_hint is False, name
        assert tool.input_schema["type"] == "object", name
        jsonschema.Draft202012Validator.check_schema(tool.input_schema)
        assert tool.output_schema["type"] == "object", name
        assert "data_as_of" in tool.output_schema["required"], name
        validator(tool.output_schema)


def test_every_tool_answers_within_its_output_schema(home):
    async def body(session, init):
        schemas = {tool.name: tool.output_schema for tool in (await session.list_tools()).tools}
        answers = {}
        for name, arguments in TOOLS.items():
            result = await session.call_tool(name, arguments)
            answers[name] = (schemas[name], structured(result))
        return answers

    answers = run_session(home, body)
    for name, (schema, doc) in answers.items():
        errors = sorted(validator(schema).iter_errors(doc), key=str)
        assert not errors, f"{name}: {errors[0]}"
        assert "data_as_of" in doc, name
        assert MARKER not in json.dumps(doc), name
    assert answers["session_usage"][1]["totals"]["requests"] == 4
    assert answers["blocks"][1]["blocks"], "the fixture has blocks on 2026-11-20 and 21"


def test_usage_report_totals_equal_the_cli(home):
    cli = subprocess.run(
        [BINARY, "report", "--json", "--by", "model"],
        env=server_env(home),
        capture_output=True,
        check=True,
    )
    report = json.loads(cli.stdout)
    assert report["totals"]["requests"] == 7

    async def body(session, init):
        # The CLI stored everything; wait for the server's own scan so data_as_of is set.
        for _ in range(200):
            doc = structured(await session.call_tool("usage_report", {"by": ["model"]}))
            if doc["data_as_of"] is not None:
                return doc
            await asyncio.sleep(0.1)
        return doc

    doc = run_session(home, body)
    assert doc["data_as_of"] == NOW
    assert doc["totals"] == report["totals"]
    assert doc["rows"] == report["rows"]
    assert doc["page"]["total"] == len(report["rows"])


def test_bad_arguments_are_tool_errors_the_model_can_read(home):
    async def body(session, init):
        return [
            await session.call_tool("usage_report", {"by": ["fortnight"]}),
            await session.call_tool("list_sessions", {"limit": 1000}),
        ]

    for result in run_session(home, body):
        assert result.is_error is True
        assert result.content[0].text
