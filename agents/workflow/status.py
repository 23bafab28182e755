"""RunStatus: what every layer (CLI, MCP, supervisor, UI) is told about a run."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from sqlmodel import Session

from agents.events import STAGES, ApprovalRequested, Failed, Stage
from agents.state import store
from agents.state.models import Run
from agents.workflow.locking import owner_alive
from tools.settings import Settings

RunStateName = Literal["running", "interrupted", "paused_approval", "paused_failure", "completed", "aborted"]
StageStateName = Literal["pending", "running", "completed", "skipped", "failed"]


class StageStatus(BaseModel):
    stage: Stage
    state: StageStateName = "pending"
    seconds: float = 0.0
    outputs: list[str] = Field(default_factory=list, description="artifact paths relative to the run folder")
    message: str | None = None


class RunStatus(BaseModel):
    run_id: str
    name: str
    state: RunStateName
    current_stage: Stage | None
    stages: list[StageStatus]
    pending_approval: ApprovalRequested | None = None
    pending_failure: Failed | None = None
    artifacts_dir: Path
    created_at: datetime
    updated_at: datetime
    resume_command: str | None = Field(
        None, description="for an interrupted run (its process stopped mid-stage): the command that continues it"
    )


def status_of(s: Session, run: Run, settings: Settings) -> RunStatus:
    """The run as every layer sees it, built from its row, checkpoints and open question."""
    from agents.workflow.answers import is_failure

    done = store.checkpoints(s, run.id)
    stages = []
    for stage in STAGES:
        cp = done.get(stage)
        if cp is None:
            stages.append(StageStatus(stage=stage))
            continue
        stages.append(
            StageStatus(
                stage=stage,
                state=cp.state,
                seconds=round(cp.seconds, 3),
                outputs=[f"{stage}/{rel}" for rel in cp.outputs],
                message=cp.message,
            )
        )
    question = store.pending_question(s, run.id)
    approval = failure = None
    if question is not None and is_failure(question):
        failure = Failed.model_validate(question.context["event"])
    elif question is not None:
        approval = ApprovalRequested.model_validate(question.context["event"])
    state = run.state
    if state == "running" and not owner_alive(settings.runs_dir / run.id, run.owner_host, run.owner_pid):
        state = "interrupted"
    return RunStatus(
        run_id=run.id,
        name=run.name,
        state=state,
        current_stage=run.current_stage,
        stages=stages,
        pending_approval=approval,
        pending_failure=failure,
        artifacts_dir=settings.runs_dir / run.id,
        created_at=run.created_at,
        updated_at=run.updated_at,
        resume_command=f"doppel resume {run.id}" if state == "interrupted" else None,
    )
