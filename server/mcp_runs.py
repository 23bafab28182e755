"""Workflow runs over MCP: tools to start, follow and answer runs, and resources to read them.

The tools are thin over ``agents.workflow.api``; each blocking call runs in a worker thread, and a run's
events stream to the client as progress notifications while ``start_run``/``resume_run`` work. A run
that pauses (an approval point, a failed stage) returns its status; answer it, then ``resume_run``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from mcp.server.fastmcp import Context, FastMCP
from pydantic import BaseModel, Field, ValidationError

from agents.workflow.status import RunStatus
from server.mcp_progress import EventProgress, wants_progress
from server.mcp_tools import in_thread, validation_message
from tools.errors import DoppelError
from tools.settings import Settings
from tools.workspace import Workspace

RunId = Annotated[str, Field(description="the run id (or a unique prefix of 4+ characters)")]
EVALUATE_HTML = "evaluate/report.html"
EVALUATE_JSON = "evaluate/evaluation.json"


class RunList(BaseModel):
    runs: list[RunStatus] = Field(description="newest first")


def add_run_tools(mcp: FastMCP[Any], settings: Settings, workspace: Workspace) -> None:
    """Register start_run, resume_run, run_status, approve_run, answer_failure and list_runs; a run config
    and every path in it must be inside ``workspace`` (or one of Doppel's bundled playbooks)."""
    from agents.workflow import api

    @mcp.tool()
    async def start_run(
        ctx: Context[Any, Any, Any],
        config: Annotated[str, Field(description="run config YAML path, or a playbook name (telecom, bank, ...)")],
        approve_all: Annotated[bool, Field(description="approve every approval point (recorded as such)")] = False,
        seed: Annotated[int | str | None, Field(description="overrides the config's seed")] = None,
    ) -> RunStatus:
        """Run the whole workflow (ingest, profile, classify, synthesise, evaluate, export, ..., report)
        with a checkpoint after each stage, streaming its events as progress. Returns the run's status:
        completed, or paused at an approval point or after a failure (answer it, then resume_run)."""

        sink = _sink(ctx)  # made here: it captures the event loop the worker thread reports back to

        def work() -> RunStatus:
            loaded = _config(config, seed, workspace)
            return api.start_run(loaded, approve_all=approve_all, sink=sink, settings=settings)

        return await in_thread(work)

    @mcp.tool()
    async def resume_run(
        ctx: Context[Any, Any, Any],
        run_id: RunId,
        approve_all: Annotated[bool, Field(description="approve every further approval point")] = False,
    ) -> RunStatus:
        """Continue a paused or interrupted run from its last checkpoint, acting on the answer recorded
        with approve_run or answer_failure; streams events as progress like start_run."""
        sink = _sink(ctx)
        return await in_thread(lambda: api.resume_run(run_id, approve_all=approve_all, sink=sink, settings=settings))

    @mcp.tool()
    async def run_status(run_id: RunId) -> RunStatus:
        """A run's state, its stages with their outputs, and the question it waits on, if any."""
        return await in_thread(lambda: api.get_run(run_id, settings=settings))

    @mcp.tool()
    async def approve_run(
        run_id: RunId,
        decision: Literal["approve", "change", "abort"] = "approve",
        changes: Annotated[
            dict[str, dict[str, Any]] | None,
            Field(description='with decision "change": {"table.column": {"sensitive": false, "entity": "email"}}'),
        ] = None,
    ) -> RunStatus:
        """Answer the approval a run is paused at: approve, change (with column overrides) or abort.
        Only records the answer: call resume_run to continue."""
        return await in_thread(lambda: api.approve(run_id, decision, changes, settings=settings))

    @mcp.tool()
    async def answer_failure(run_id: RunId, choice: Literal["retry", "skip", "abort"]) -> RunStatus:
        """Answer a run paused after a failed stage: retry it, skip it, or abort the run. Only records
        the answer: call resume_run to continue."""
        return await in_thread(lambda: api.answer_failure(run_id, choice, settings=settings))

    @mcp.tool()
    async def list_runs(
        query: Annotated[str | None, Field(description="id prefix, or part of the name, state or user")] = None,
        limit: Annotated[int, Field(ge=1, le=500)] = 20,
    ) -> RunList:
        """Runs, newest first, each with its state and stages."""
        return RunList(runs=await in_thread(lambda: api.list_runs(query=query, limit=limit, settings=settings)))


def add_run_resources(mcp: FastMCP[Any], settings: Settings) -> None:
    """Register doppel://runs, doppel://runs/{run_id}, .../events, .../report and .../evaluation."""
    from agents.workflow import api

    @mcp.resource("doppel://runs", name="runs", mime_type="application/json")
    async def runs() -> str:
        """The 50 newest runs with their states."""
        found = await in_thread(lambda: api.list_runs(limit=50, settings=settings))
        return RunList(runs=found).model_dump_json(indent=2)

    @mcp.resource("doppel://runs/{run_id}", name="run", mime_type="application/json")
    async def run(run_id: str) -> str:
        """A run's status: state, stages, outputs and the question it waits on."""
        status = await in_thread(lambda: api.get_run(run_id, settings=settings))
        return status.model_dump_json(indent=2)

    @mcp.resource("doppel://runs/{run_id}/events", name="run events", mime_type="application/json")
    async def events(run_id: str) -> str:
        """Every event of the run, in order."""
        found = await in_thread(lambda: api.run_events(run_id, settings=settings))
        return json.dumps([e.model_dump(mode="json") for e in found], indent=2)

    @mcp.resource("doppel://runs/{run_id}/report", name="evaluation report", mime_type="text/html")
    async def report(run_id: str) -> str:
        """The evaluate stage's HTML report (quality, diagnostics, privacy, charts)."""
        return await in_thread(lambda: _artifact(api.get_run(run_id, settings=settings), EVALUATE_HTML))

    @mcp.resource("doppel://runs/{run_id}/evaluation", name="evaluation results", mime_type="application/json")
    async def evaluation(run_id: str) -> str:
        """The evaluate stage's results as JSON (scores, per-column tests, privacy)."""
        return await in_thread(lambda: _artifact(api.get_run(run_id, settings=settings), EVALUATE_JSON))


def _config(arg: str, seed: int | str | None, workspace: Workspace) -> Any:
    """The RunConfig of a path or playbook name inside ``workspace``, with ``seed`` (validated) when given."""
    from agents.workflow.config import load_confined_config

    loaded = load_confined_config(arg, workspace)
    if seed is None:
        return loaded
    try:
        return type(loaded).model_validate(loaded.model_dump() | {"seed": seed})
    except ValidationError as exc:
        raise DoppelError(validation_message(exc)) from None


def _sink(ctx: Context[Any, Any, Any]) -> EventProgress | None:
    return EventProgress(ctx) if wants_progress(ctx) else None


def _artifact(status: RunStatus, relative: str) -> str:
    """A stage output of the run as text; a clear error while it does not exist (yet)."""
    evaluate = next((s for s in status.stages if s.stage == "evaluate"), None)
    if evaluate is None or relative not in evaluate.outputs:
        state = evaluate.state if evaluate else "absent"
        raise DoppelError(f"run {status.run_id}: no {Path(relative).name} (the evaluate stage is {state})")
    return (status.artifacts_dir / relative).read_text(encoding="utf-8")
