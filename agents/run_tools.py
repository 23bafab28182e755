"""The supervisor's own tools: start, follow, answer and explain workflow runs from a conversation.

Thin over ``agents.workflow.api`` (the MCP server's run tools are thin over the same functions). A run
config, and every path in it, must be inside the workspace (``tools.workspace``), as for MCP. In a
conversation "approve" means "go on", so ``approve_run`` records the answer and resumes the run; a run
tool with no run id acts on the newest run (paused, for approve/resume). A run's events stream to the
chat while it works, through the same tool stream as capability progress.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agents.strands_adapter import EventEmitter, TypedTool, validation_message
from agents.workflow.status import RunStatus
from tools.errors import DoppelError
from tools.settings import Settings
from tools.workspace import workspace_of

SENSITIVITY_FILE = "classify/sensitivity.json"


class RunWorkflowRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    config: str = Field(description="run config YAML path, or a playbook name (telecom, bank, hospital)")
    approve_all: bool = Field(False, description="approve every approval point (recorded as such)")
    rows: int | None = Field(None, ge=1, description="overrides the config's row count")
    seed: int | str | None = Field(None, description="overrides the config's seed")


class RunRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: str | None = Field(None, description="run id or a unique prefix; default: the newest run")


class ResumeRequest(RunRef):
    approve_all: bool = Field(False, description="approve every further approval point")


class ApproveRequest(RunRef):
    decision: Literal["approve", "change", "abort"] = "approve"
    changes: dict[str, dict[str, Any]] | None = Field(
        None, description='with "change": {"table.column": {"sensitive": false, "entity": "email"}}'
    )


class FailureAnswerRequest(RunRef):
    choice: Literal["retry", "skip", "abort"] = Field(description="retry the failed stage, skip it, or abort the run")


class ListRunsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str | None = Field(None, description="id prefix, or part of the name, state or user")
    limit: int = Field(20, ge=1, le=500)


class RunList(BaseModel):
    runs: list[RunStatus] = Field(description="newest first")


class ExplainColumnRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    column: str = Field(min_length=1, description="column name or table.column")
    run_id: str | None = Field(None, description="look in this run's classification; default: the newest with it")


def run_tools(settings: Settings) -> list[TypedTool]:
    """The supervisor's run tools, bound to ``settings``."""
    from agents.workflow import api
    from agents.workflow.config import load_confined_config

    workspace = workspace_of(settings)

    def start(request: RunWorkflowRequest, emit: EventEmitter) -> RunStatus:
        config = load_confined_config(request.config, workspace)
        overrides = {k: v for k, v in {"rows": request.rows, "seed": request.seed}.items() if v is not None}
        if overrides:
            try:
                config = type(config).model_validate(config.model_dump() | overrides)
            except ValidationError as exc:
                raise DoppelError(validation_message(exc)) from None
        return api.start_run(config, approve_all=request.approve_all, sink=emit, settings=settings)

    def resume(request: ResumeRequest, emit: EventEmitter) -> RunStatus:
        run_id = request.run_id or _newest(settings, paused=True)
        return api.resume_run(run_id, approve_all=request.approve_all, sink=emit, settings=settings)

    def approve(request: ApproveRequest, emit: EventEmitter) -> RunStatus:
        run_id = request.run_id or _newest(settings, paused=True)
        if request.decision == "abort" and api.get_run(run_id, settings=settings).state == "paused_failure":
            return api.answer_failure(run_id, "abort", settings=settings)
        status = api.approve(run_id, request.decision, request.changes, settings=settings)
        if status.state == "aborted" or request.decision == "abort":
            return status
        return api.resume_run(status.run_id, sink=emit, settings=settings)

    def failure(request: FailureAnswerRequest, emit: EventEmitter) -> RunStatus:
        run_id = request.run_id or _newest(settings, paused=True)
        status = api.answer_failure(run_id, request.choice, settings=settings)
        if request.choice == "abort":
            return status
        return api.resume_run(status.run_id, sink=emit, settings=settings)

    def status(request: RunRef, emit: EventEmitter) -> RunStatus:
        return api.get_run(request.run_id or _newest(settings), settings=settings)

    def listing(request: ListRunsRequest, emit: EventEmitter) -> RunList:
        return RunList(runs=api.list_runs(query=request.query, limit=request.limit, settings=settings))

    def explain(request: ExplainColumnRequest, emit: EventEmitter) -> BaseModel:
        from tools.capability.explain import ExplainSensitivityRequest, explain_sensitivity

        report = find_sensitivity_report(settings, request.column, request.run_id)
        return explain_sensitivity(ExplainSensitivityRequest(report=report, column=request.column))

    return [
        TypedTool(
            "run_workflow",
            "Run the whole workflow of a run config or playbook (ingest, profile, classify, synthesise, evaluate, "
            "export, ..., report) with a checkpoint per stage, streaming progress; returns the run's status "
            "(completed, or paused at an approval point or after a failure).",
            RunWorkflowRequest,
            start,
            workspace,
        ),
        TypedTool(
            "resume_workflow",
            "Continue a paused or interrupted run from its last checkpoint.",
            ResumeRequest,
            resume,
            workspace,
        ),
        TypedTool(
            "approve_run",
            "Answer the approval a run waits on (approve, change with column overrides, or abort) and, unless "
            "aborted, continue the run.",
            ApproveRequest,
            approve,
            workspace,
        ),
        TypedTool(
            "answer_failure",
            "Answer a run paused after a failed stage: retry it or skip it (then the run continues), or abort.",
            FailureAnswerRequest,
            failure,
            workspace,
        ),
        TypedTool("run_status", "A run's state, stages, outputs and open question.", RunRef, status, workspace),
        TypedTool("list_runs", "Past runs, newest first, with their states.", ListRunsRequest, listing, workspace),
        TypedTool(
            "explain_column",
            "Why a column was marked sensitive or not: entity, confidence, strategy and the evidence, from the "
            "newest classification that has the column (a run's or one made in this chat).",
            ExplainColumnRequest,
            explain,
            workspace,
        ),
    ]


def _newest(settings: Settings, *, paused: bool = False) -> str:
    from agents.workflow import api

    for status in api.list_runs(limit=50, settings=settings):
        if not paused or status.state in ("paused_approval", "paused_failure", "running", "interrupted"):
            return status.run_id
    raise DoppelError("no paused run to continue" if paused else "no runs yet: try 'run the telecom workflow'")


def find_sensitivity_report(settings: Settings, column: str, run_id: str | None = None) -> Path:
    """The newest sensitivity.json holding ``column``: from runs (newest first) and this chat's own files."""
    from agents.models.factory import chat_folder
    from agents.workflow import api
    from tools.sensitive.report import read_report

    candidates: list[Path] = []
    runs = [api.get_run(run_id, settings=settings)] if run_id else api.list_runs(limit=50, settings=settings)
    candidates += [r.artifacts_dir / SENSITIVITY_FILE for r in runs]
    chat = chat_folder(settings)
    if run_id is None and chat.is_dir():
        candidates += list(chat.glob("sensitivity*.json"))
    existing = sorted((p for p in candidates if p.is_file()), key=lambda p: p.stat().st_mtime, reverse=True)
    wanted = column.strip().strip("`'\"").lower()
    for path in existing:
        report = read_report(path)
        if any(wanted in (c.column.lower(), f"{c.table}.{c.column}".lower()) for c in report.columns):
            return path
    where = f"run {run_id}" if run_id else "any run or chat classification"
    raise DoppelError(
        f"no classification of a column '{column}' in {where}; classify a sample first "
        "(e.g. 'classify playbooks/samples/telecom_customers.csv')"
    )
