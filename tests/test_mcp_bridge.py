"""The MCP adapters in process: progress from foreign threads, throttling, error results, run resources."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.server.fastmcp import FastMCP
from mcp.shared.memory import create_connected_server_and_client_session
from mcp.types import TextContent, TextResourceContents
from pydantic import AnyUrl, BaseModel, ConfigDict, Field

from server.mcp_progress import describe
from server.mcp_tools import capability_tool
from tests.conftest import ROOT
from tools.capability.registry import Capability
from tools.errors import DoppelError
from tools.progress import ProgressCallback
from tools.workspace import Workspace

BANK = ROOT / "playbooks" / "samples" / "bank_accounts.csv"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: str = Field(description="what the fake capability does")
    parts: list[int] = Field(default_factory=list)


class Result(BaseModel):
    mode: str
    total: int


def fake(request: Request, progress: ProgressCallback | None = None) -> Result:
    if request.mode == "user-error":
        raise DoppelError("the sample is empty", [])
    if request.mode == "bug":
        raise KeyError("oops")
    if progress is not None:
        # from a thread the capability starts itself, not an AnyIO worker thread
        def work() -> None:
            for i in range(101):  # rapid calls: throttled, the last one always sent
                progress("reading", i, 100)
            progress("writing", 1, None)
            progress("writing", 2, None)

        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
    return Result(mode=request.mode, total=sum(request.parts))


def server() -> FastMCP[Any]:
    cap = Capability("fake_tool", "A fake capability for adapter tests.", "data_processor", fake, Request, Result, True)
    return FastMCP("test", tools=[capability_tool(cap, Workspace.at(Path.cwd()))])


@pytest.mark.anyio
async def test_progress_from_a_foreign_thread_is_throttled_and_increasing() -> None:
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, total, message))

    async with create_connected_server_and_client_session(server()) as client:
        with anyio.fail_after(30):
            result = await client.call_tool("fake_tool", {"mode": "ok", "parts": [1, 2]}, progress_callback=on_progress)
    assert not result.isError
    assert result.structuredContent == {"mode": "ok", "total": 3}
    values = [p[0] for p in progress]
    assert values == sorted(set(values))
    assert 2 <= len(progress) < 10, progress  # 103 calls, a few notifications
    assert (100.0, 100.0, "reading (100/100)") in progress
    assert progress[-1] == (102.0, None, "writing (2)")  # reading counted complete, total now unknown


@pytest.mark.anyio
async def test_errors_are_results_with_plain_messages() -> None:
    async with create_connected_server_and_client_session(server()) as client:
        texts = {}
        for arguments in ({"mode": "user-error"}, {"mode": "bug"}, {"mode": "ok", "parts": ["x"]}, {}):
            result = await client.call_tool("fake_tool", arguments)
            assert result.isError and result.structuredContent is None
            assert isinstance(result.content[0], TextContent)
            texts[str(arguments)] = result.content[0].text
    assert texts["{'mode': 'user-error'}"].endswith(": the sample is empty")
    assert "internal error (KeyError): 'oops'; the server log has the details" in texts["{'mode': 'bug'}"]
    assert "parts.0: Input should be a valid integer" in texts["{'mode': 'ok', 'parts': ['x']}"]
    assert "mode: Field required" in texts["{}"]
    assert not any("Traceback" in t for t in texts.values())


def test_event_lines() -> None:
    from agents.events import Decision, Failed, Progress, StageCompleted

    assert describe(Progress(stage="synthesise", action="Fitting GaussianCopula", done=3, total=10)) == (
        "[synthesise] Fitting GaussianCopula (3/10)"
    )
    assert describe(Decision(stage="classify", subject="t.email", decision="email", confidence=0.97)) == (
        "[classify] t.email: email (97%)"
    )
    assert describe(StageCompleted(stage="distribute", skipped="no targets configured")) == (
        "[distribute] skipped: no targets configured"
    )
    assert describe(Failed(stage="export", error="disk full", remedy="Free space")) == (
        "[export] failed: disk full. Free space"
    )
    assert describe(Decision(subject="run x", decision="completed")) == "run x: completed"


# ---------------------------------------------------------------- run resources (in process)


def _stand_in_synthesise(context: Any, progress: ProgressCallback) -> Any:
    """Until tools.synth lands: every column of the sample shuffled on its own, as the "synthetic" table."""
    import numpy as np
    import pandas as pd

    from agents.workflow.context import StageOutput

    real = pd.read_csv(BANK, nrows=context.config.sample_rows)
    rng = np.random.default_rng(context.seed)
    rows = context.config.rows
    fake = pd.DataFrame({c: real[c].to_numpy()[rng.integers(0, len(real), rows)] for c in real.columns})
    fake.to_csv(context.work / "bank_accounts.csv", index=False)
    progress("Shuffling the sample's columns", 1, 1)
    return StageOutput(counts={"tables": 1, "rows": rows})


@pytest.mark.anyio
async def test_report_resources_serve_the_evaluate_stage_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    from agents.workflow.stages import SPECS
    from server.mcp_server import build_server
    from tools.settings import RetrySettings, Settings

    monkeypatch.setitem(SPECS, "synthesise", dataclasses.replace(SPECS["synthesise"], run=_stand_in_synthesise))
    config = tmp_path / "bank.yaml"
    config.write_text(f"name: bank-report\ndata: ['{BANK}']\nsample_rows: 120\nrows: 60\nseed: 5\n", encoding="utf-8")
    settings = Settings(home=tmp_path / "home", user="tester", retry=RetrySettings(attempts=1), workspace_root=tmp_path)
    progress: list[str] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append(message or "")

    async with create_connected_server_and_client_session(build_server(settings)) as client:
        with anyio.fail_after(120):
            result = await client.call_tool(
                "start_run", {"config": str(config), "approve_all": True}, progress_callback=on_progress
            )
        assert not result.isError, result.content
        status = result.structuredContent
        assert status is not None and status["state"] == "completed", status
        assert any(m.startswith("[evaluate] started") for m in progress)
        run_id = status["run_id"]
        html = (await client.read_resource(AnyUrl(f"doppel://runs/{run_id}/report"))).contents[0]
        assert isinstance(html, TextResourceContents) and html.mimeType == "text/html"
        assert html.text == (Path(status["artifacts_dir"]) / "evaluate" / "report.html").read_text(encoding="utf-8")
        assert "<html" in html.text.lower()
        scores = (await client.read_resource(AnyUrl(f"doppel://runs/{run_id}/evaluation"))).contents[0]
        assert isinstance(scores, TextResourceContents) and scores.mimeType == "application/json"
        assert [t["name"] for t in json.loads(scores.text)["tables"]] == ["bank_accounts"]
