"""The MCP server through the official MCP client: a real subprocess over stdio and over streamable HTTP."""

from __future__ import annotations

import csv
import json
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult, TextContent, TextResourceContents
from pydantic import AnyUrl

from server.mcp_admin import ADMIN_TOOLS
from tests.conftest import ROOT, SHOP
from tools.capability.registry import capabilities
from tools.errors import DoppelError

BANK = ROOT / "playbooks" / "samples" / "bank_accounts.csv"
DOPPEL = Path(sys.executable).parent / "doppel"  # the installed entry point (make install)
RUN_TOOLS = {"start_run", "resume_run", "run_status", "approve_run", "answer_failure", "list_runs"} | ADMIN_TOOLS
TOKEN = "Dq7-vN2xKp4RmZ8sT1wYb6HcJf3LgE0u9"  # 32+ random characters: strong enough for any bind
CALL_LIMIT = 120  # seconds: a hung server fails the test instead of hanging it

Progress = list[tuple[float, float | None, str | None]]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOPPEL_")}
    # the test's folder is the workspace: its outputs and configs live there (the bundled samples are readable)
    return env | {"DOPPEL_HOME": str(home), "DOPPEL_USER": "tester", "DOPPEL_WORKSPACE_ROOT": str(home.parent)} | extra


@asynccontextmanager
async def stdio_session(tmp_path: Path) -> AsyncIterator[ClientSession]:
    """`python -m server.cli mcp --transport stdio` as a subprocess, with an initialised client session."""
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "server.cli", "mcp", "--transport", "stdio"],
        env=_env(tmp_path / "home"),
        cwd=str(ROOT),
    )
    with (tmp_path / "server-stderr.log").open("w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            yield session


@contextmanager
def http_server(tmp_path: Path, **env: str) -> Iterator[str]:
    """`doppel mcp --transport http --port 0` (no --host: the default bind) until it stops; its URL.

    The server binds before its banner and the banner names the port it got, so once the banner is read
    the server is listening: no port is picked beforehand and nothing is polled."""
    log = tmp_path / "http-server.log"
    proc = subprocess.Popen(
        [str(DOPPEL), "mcp", "--transport", "http", "--port", "0"],
        cwd=ROOT,
        env=_env(tmp_path / "home", **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    banner = proc.stderr.readline()  # blocks until the banner, or EOF when the server exits
    drain = threading.Thread(target=lambda: log.write_text(proc.stderr.read() if proc.stderr else ""), daemon=True)
    drain.start()
    try:
        found = re.search(r"(http://127\.0\.0\.1:\d+/mcp)", banner)
        assert found, f"no banner: {banner!r} (exit {proc.poll()})"
        yield found.group(1)
    finally:
        proc.terminate()
        proc.wait()
        drain.join()


@asynccontextmanager
async def http_session(url: str, headers: dict[str, str] | None = None) -> AsyncIterator[ClientSession]:
    client = httpx.AsyncClient(headers=headers, timeout=httpx.Timeout(30, read=CALL_LIMIT))
    async with (
        client,
        streamable_http_client(url, http_client=client) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


async def call(session: ClientSession, name: str, arguments: dict[str, Any], progress: Progress | None = None) -> Any:
    """Call a tool; the structured result (asserting it is not an error) and its text must agree."""
    result = await _call(session, name, arguments, progress)
    assert not result.isError, result.content
    assert result.structuredContent is not None
    text = result.content[0]
    assert isinstance(text, TextContent)
    assert json.loads(text.text) == result.structuredContent
    return result.structuredContent


async def _call(
    session: ClientSession, name: str, arguments: dict[str, Any], progress: Progress | None = None
) -> CallToolResult:
    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        assert progress is not None
        progress.append((value, total, message))

    with anyio.fail_after(CALL_LIMIT):
        return await session.call_tool(name, arguments, progress_callback=on_progress if progress is not None else None)


def error_text(result: CallToolResult) -> str:
    assert result.isError
    assert result.structuredContent is None
    text = result.content[0]
    assert isinstance(text, TextContent)
    assert "Traceback" not in text.text
    return text.text


async def read_text(session: ClientSession, uri: str) -> str:
    contents = (await session.read_resource(AnyUrl(uri))).contents
    assert len(contents) == 1 and isinstance(contents[0], TextResourceContents)
    return contents[0].text


def _csv_rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.reader(f)) - 1


def assert_increasing(progress: Progress) -> None:
    values = [p[0] for p in progress]
    assert values == sorted(set(values)), f"progress must increase with every notification: {values}"


# ---------------------------------------------------------------- stdio: capabilities


@pytest.mark.anyio
async def test_stdio_serves_every_capability_with_its_own_schemas(tmp_path: Path) -> None:
    registry = {c.name: c for c in capabilities()}
    async with stdio_session(tmp_path) as session:
        tools = {t.name: t for t in (await session.list_tools()).tools}
        assert set(tools) == set(registry) | RUN_TOOLS
        for name, cap in registry.items():
            assert tools[name].inputSchema == cap.input_schema(), name
            assert tools[name].outputSchema == cap.output_schema(), name
            assert tools[name].description == cap.description, name
        assert tools["start_run"].outputSchema is not None
        assert tools["start_run"].outputSchema["properties"]["state"]["enum"][0] == "running"

        # generate_data: the files exist with the rows asked for; progress per table, increasing
        progress: Progress = []
        out = tmp_path / "generated"
        arguments = {"schema_file": str(SHOP), "rows": 2500, "seed": "7", "out": str(out)}
        generated = await call(session, "generate_data", arguments, progress)
        assert generated["rows"] == {"customers": 2500, "orders": 2500}
        assert generated["files"] == {"customers": ["customers.csv"], "orders": ["orders.csv"]}
        assert _csv_rows(out / "customers.csv") == 2500 and _csv_rows(out / "orders.csv") == 2500
        assert json.loads((out / "metadata.json").read_text())["seed"] == generated["seed"]
        assert_increasing(progress)
        assert {m.split(" ")[0] for _, _, m in progress if m} == {"customers", "orders"}
        assert progress[-1][:2] == (5000.0, 5000.0)

        # profile_data and classify_data on a real sample; lists may arrive as JSON strings
        progress = []
        profiled = await call(
            session,
            "profile_data",
            {"data": json.dumps([str(BANK)]), "out": str(tmp_path / "profile.json")},
            progress,
        )
        assert [t["name"] for t in profiled["tables"]] == ["bank_accounts"]
        assert profiled["tables"][0]["rows"] == _csv_rows(BANK)
        assert "bank_accounts.iban" in profiled["sensitive_columns"]
        assert (tmp_path / "profile.json").is_file()
        assert_increasing(progress)
        assert progress[-1] == (2.0, 2.0, "Profile written (1/1)")  # two steps of one unit each

        classified = await call(session, "classify_data", {"data": [str(BANK)], "out": str(tmp_path / "s.json")})
        iban = next(c for c in classified["columns"] if c["column"] == "bank_accounts.iban")
        assert iban["sensitive"] is True and iban["entity"] == "iban"
        assert classified["total"] == len(classified["columns"]) > classified["sensitive"] > 0
        assert (tmp_path / "s.json").is_file()


@pytest.mark.anyio
async def test_stdio_errors_are_tool_errors_with_the_message(tmp_path: Path) -> None:
    async with stdio_session(tmp_path) as session:
        missing = await _call(session, "generate_data", {"schema_file": str(tmp_path / "nope.yaml")})
        assert "nope.yaml: no such schema file" in error_text(missing)

        invalid = await _call(session, "generate_data", {"schema_file": str(SHOP), "rows": -1, "colour": "red"})
        text = error_text(invalid)
        assert "rows: Input should be greater than or equal to 0" in text
        assert "colour: Extra inputs are not permitted" in text

        unknown = await _call(session, "run_status", {"run_id": "no-such-run"})
        assert "run 'no-such-run': no such run" in error_text(unknown)

        not_a_run = await _call(session, "start_run", {"config": str(SHOP)})
        assert "invalid run config" in error_text(not_a_run)  # a schema file is not a run config
        bad_seed = await _call(session, "start_run", {"config": str(_schema_run_config(tmp_path)), "seed": -1})
        assert error_text(bad_seed).endswith("seed: must not be negative")

        # a server that answered errors keeps serving
        assert (await call(session, "validate_schema", {"schema_file": str(SHOP)}))["valid"] is True


def test_stdio_protocol_channel_is_kept_clean() -> None:
    """After the server claims stdout, prints from Python and from C (descriptor 1) go to stderr."""
    script = (
        "import os\n"
        "from server.mcp_server import _claim_stdout\n"
        "protocol = _claim_stdout()\n"
        "print('python noise', flush=True)\n"
        "os.write(1, b'c noise\\n')\n"
        "protocol.write('protocol line\\n'); protocol.flush()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "protocol line\n"
    assert "python noise" in done.stderr and "c noise" in done.stderr


# ---------------------------------------------------------------- stdio: workflow runs


def _schema_run_config(tmp_path: Path) -> Path:
    path = tmp_path / "shop-run.yaml"
    path.write_text(f"name: shop-mcp\nschema_file: {SHOP}\nrows: 40\nseed: 11\n", encoding="utf-8")
    return path


def _sample_run_config(tmp_path: Path) -> Path:
    path = tmp_path / "bank-run.yaml"
    path.write_text(
        f"name: bank-mcp\ndata:\n  - {BANK}\nsample_rows: 200\nrows: 50\nseed: 3\napprovals: ['after:classify']\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.anyio
async def test_stdio_whole_run_streams_every_event_and_completes(tmp_path: Path) -> None:
    async with stdio_session(tmp_path) as session:
        progress: Progress = []
        status = await call(
            session, "start_run", {"config": str(_schema_run_config(tmp_path)), "approve_all": True}, progress
        )
        assert status["state"] == "completed", status
        states = {s["stage"]: s["state"] for s in status["stages"]}
        assert states["synthesise"] == states["export"] == states["report"] == "completed"
        export = next(s for s in status["stages"] if s["stage"] == "export")
        run_dir = Path(status["artifacts_dir"])
        assert run_dir.is_relative_to(tmp_path / "home")
        for rel in export["outputs"]:
            assert _csv_rows(run_dir / rel) == 40

        # one notification per stored event, in order, each saying its stage
        events = json.loads(await read_text(session, f"doppel://runs/{status['run_id']}/events"))
        assert len(progress) == len(events) > 4
        assert [p[0] for p in progress] == [float(i) for i in range(1, len(events) + 1)]
        messages = [m or "" for _, _, m in progress]
        for event, message in zip(events, messages, strict=True):
            where = f"[{event['stage']}] " if event["stage"] else ""
            assert message.startswith(where) and not message.startswith("[None]"), (event, message)
        assert messages[0].startswith("[ingest] started: ")
        assert any(m.startswith("[report] completed in ") for m in messages)

        # the same run through run_status, list_runs and the resources
        assert (await call(session, "run_status", {"run_id": status["run_id"][:12]}))["state"] == "completed"
        listed = await call(session, "list_runs", {"query": "shop-mcp"})
        assert [r["run_id"] for r in listed["runs"]] == [status["run_id"]]
        resource = json.loads(await read_text(session, f"doppel://runs/{status['run_id']}"))
        assert resource["state"] == "completed" and resource["stages"] == status["stages"]
        all_runs = json.loads(await read_text(session, "doppel://runs"))
        assert [r["run_id"] for r in all_runs["runs"]] == [status["run_id"]]
        templates = {t.uriTemplate for t in (await session.list_resource_templates()).resourceTemplates}
        assert {"doppel://runs/{run_id}/report", "doppel://runs/{run_id}/events"} <= templates
        # a schema run has no evaluation: the report resource says so instead of inventing one
        with pytest.raises(Exception, match=r"no report\.html"):
            await read_text(session, f"doppel://runs/{status['run_id']}/report")


@pytest.mark.anyio
async def test_stdio_run_pauses_for_approval_and_is_answered(tmp_path: Path) -> None:
    async with stdio_session(tmp_path) as session:
        progress: Progress = []
        paused = await call(session, "start_run", {"config": str(_sample_run_config(tmp_path))}, progress)
        assert paused["state"] == "paused_approval"
        assert paused["pending_approval"]["context"]["point"] == "after:classify"
        assert any("approval needed" in (m or "") for _, _, m in progress)
        run_id = paused["run_id"]

        refused = await _call(session, "approve_run", {"run_id": run_id, "decision": "approve", "changes": {"x.y": {}}})
        assert "use decision 'change'" in error_text(refused)

        answered = await call(session, "approve_run", {"run_id": run_id, "decision": "abort"})
        assert answered["state"] == "aborted"
        resumed = await call(session, "resume_run", {"run_id": run_id})
        assert resumed["state"] == "aborted"
        assert {s["stage"]: s["state"] for s in resumed["stages"]}["synthesise"] == "pending"


@pytest.mark.anyio
async def test_stdio_sample_run_completes_with_its_evaluation_report(tmp_path: Path) -> None:
    """A small bank run from the sample, end to end, with its evaluation report as a resource."""
    config = _sample_run_config(tmp_path)
    async with stdio_session(tmp_path) as session:
        progress: Progress = []
        status = await call(session, "start_run", {"config": str(config), "approve_all": True}, progress)
        assert status["state"] == "completed", status
        assert any((m or "").startswith("[synthesise] ") for _, _, m in progress)
        report = await read_text(session, f"doppel://runs/{status['run_id']}/report")
        assert report == (Path(status["artifacts_dir"]) / "evaluate" / "report.html").read_text(encoding="utf-8")
        evaluation = json.loads(await read_text(session, f"doppel://runs/{status['run_id']}/evaluation"))
        assert [t["name"] for t in evaluation["tables"]] == ["bank_accounts"]


# ---------------------------------------------------------------- streamable HTTP


@pytest.mark.anyio
async def test_http_serves_tools_with_progress(tmp_path: Path) -> None:
    with http_server(tmp_path) as url:
        async with http_session(url) as session:
            tools = (await session.list_tools()).tools
            assert {t.name for t in tools} == {c.name for c in capabilities()} | RUN_TOOLS
            registry = {c.name: c.input_schema() for c in capabilities()}
            assert all(t.inputSchema == registry[t.name] for t in tools if t.name in registry)
            progress: Progress = []
            out = tmp_path / "over-http"
            generated = await call(
                session,
                "generate_data",
                {"schema_file": str(SHOP), "rows": 300, "seed": "1", "out": str(out)},
                progress,
            )
            assert generated["rows"] == {"customers": 300, "orders": 300}
            assert _csv_rows(out / "orders.csv") == 300
            assert_increasing(progress)
            assert progress[-1][:2] == (600.0, 600.0)
            missing = await _call(session, "generate_data", {"schema_file": "x.yaml"})
            assert "x.yaml: no such schema file" in error_text(missing)
        # loopback without a token: a page reached through DNS rebinding (a foreign Host) is turned away
        body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        accept = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
        async with httpx.AsyncClient(timeout=10) as client:
            port = httpx.URL(url).port
            rebound = await client.post(url, json=body, headers=accept | {"Host": f"evil.example:{port}"})
            assert rebound.status_code == 421
            evil_origin = await client.post(url, json=body, headers=accept | {"Origin": "http://evil.example"})
            assert evil_origin.status_code == 403


@pytest.mark.anyio
async def test_http_bearer_token_is_required_when_configured(tmp_path: Path) -> None:
    with http_server(tmp_path, DOPPEL_MCP__TOKEN=TOKEN) as url:
        client_info = {"name": "test", "version": "1"}
        params = {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": client_info}
        body = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}
        accept = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
        async with httpx.AsyncClient(timeout=10) as client:
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"X-Token": TOKEN}):
                answer = await client.post(url, json=body, headers=accept | headers)
                assert answer.status_code == 401, headers
                assert answer.headers["www-authenticate"].startswith("Bearer")
                assert TOKEN not in answer.text
            # the same request with the token (the scheme is case-insensitive) is served
            passed = await client.post(url, json=body, headers=accept | {"Authorization": f"bearer {TOKEN}"})
            assert passed.status_code == 200 and passed.headers["mcp-session-id"]
        async with http_session(url, {"Authorization": f"Bearer {TOKEN}"}) as session:
            assert (await call(session, "validate_schema", {"schema_file": str(SHOP)}))["valid"] is True


def test_non_loopback_bind_without_token_is_refused(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(DOPPEL), "mcp", "--transport", "http", "--host", "0.0.0.0", "--port", "0"],
        cwd=ROOT,
        env=_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "refusing to serve MCP on 0.0.0.0" in done.stderr and "DOPPEL_MCP__TOKEN" in done.stderr
    assert "Traceback" not in done.stderr
    assert "Doppel MCP server" not in done.stderr  # refused before binding: no banner


def test_bind_rules() -> None:
    from server.mcp_auth import check_bind

    for host in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"):
        check_bind(host, None)
    check_bind("0.0.0.0", TOKEN)
    for host in ("0.0.0.0", "192.168.1.20", "::", "doppel.example.com"):
        with pytest.raises(DoppelError, match="refusing"):
            check_bind(host, None)
    with pytest.raises(DoppelError, match="empty"):
        check_bind("127.0.0.1", "  ")


def test_a_public_bind_needs_a_strong_token() -> None:
    """32+ characters with enough distinct ones; the refusal says how to make one and never repeats it."""
    import secrets

    from server.mcp_auth import check_bind

    spaced = "a b c d e f g h i j k l m n o p"
    weak_tokens = ("x", "a" * 32, "ab" * 20, "0123456789" * 4, "s3cret-token-for-tests", spaced)
    for weak in weak_tokens:
        with pytest.raises(DoppelError, match="too weak") as refused:
            check_bind("0.0.0.0", weak)
        message = str(refused.value)
        assert "secrets.token_urlsafe(32)" in message and "doppel mcp --new-token" in message
        assert weak not in message
    for _ in range(50):
        check_bind("0.0.0.0", secrets.token_urlsafe(32))
        check_bind("::", secrets.token_hex(16))
    check_bind("127.0.0.1", "x")  # loopback needs no token; one given there is an extra guard, not checked


def test_a_weak_token_is_refused_before_serving(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(DOPPEL), "mcp", "--transport", "http", "--host", "0.0.0.0", "--port", "0"],
        cwd=ROOT,
        env=_env(tmp_path / "home", DOPPEL_MCP__TOKEN="x"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "too weak" in done.stderr and "Doppel MCP server" not in done.stderr and "Traceback" not in done.stderr


def test_new_token_prints_a_strong_token() -> None:
    from server.mcp_auth import check_bind

    done = subprocess.run([str(DOPPEL), "mcp", "--new-token"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip().splitlines()[0]
    assert len(token) >= 32
    check_bind("0.0.0.0", token)
    assert "DOPPEL_MCP__TOKEN" in done.stdout + done.stderr


def test_a_port_in_use_is_one_clear_error_and_no_banner(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))  # held, listening, for the whole test
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [str(DOPPEL), "mcp", "--transport", "http", "--port", str(port)],
            cwd=ROOT,
            env=_env(tmp_path / "home"),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ") and f"127.0.0.1:{port}" in lines[0] and "in use" in lines[0]
    assert done.stdout == ""
