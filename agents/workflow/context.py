"""What a stage function gets (StageContext) and returns (StageOutput)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from agents.events import Decision, Event, Progress, Stage
from agents.workflow.config import RunConfig
from tools.progress import ProgressCallback
from tools.settings import Settings

PROGRESS_INTERVAL = 0.25  # seconds between stored progress events of one step


class StageOutput(BaseModel):
    """A stage's result. Files are whatever the stage wrote into ``context.work``; the engine hashes them."""

    counts: dict[str, int] = Field(default_factory=dict)
    message: str | None = None
    skipped: str | None = Field(None, description="why the stage did nothing, e.g. 'no targets configured'")
    summary: dict[str, Any] = Field(
        default_factory=dict, description="what an approval after this stage shows (names and counts only)"
    )
    volatile: list[str] = Field(
        default_factory=list, description="files (relative to the stage folder) that embed wall-clock times"
    )


class StageRecord(BaseModel):
    """An earlier stage as checkpointed (what the report stage summarises)."""

    state: str
    counts: dict[str, Any] = Field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = Field(default_factory=dict)
    message: str | None = None
    skip_kind: str | None = None


@dataclass
class StageContext:
    """Everything a stage may use. It writes only into ``work`` (a temp folder renamed into place)."""

    run_id: str
    stage: Stage
    config: RunConfig
    settings: Settings
    run_dir: Path
    work: Path
    seed: int
    run_seed: int
    today: date
    emit: Callable[[Event], None]
    changes: dict[str, Any] = field(default_factory=dict)
    history: dict[str, StageRecord] = field(default_factory=dict)
    audit: Callable[[str, dict[str, Any]], None] = field(default=lambda kind, detail: None)
    _last_progress: dict[str, float] = field(default_factory=dict)
    _first_progress: dict[str, float] = field(default_factory=dict)

    def stage_dir(self, stage: Stage) -> Path:
        """The published folder of an earlier stage."""
        return self.run_dir / stage

    def progress(self, step: str, done: int, total: int | None) -> None:
        """A ProgressCallback for tools: turned into Progress events (throttled, first and last always)."""
        now = time.monotonic()
        last = self._last_progress.get(step)
        final = total is not None and done >= total
        if last is not None and not final and now - last < PROGRESS_INTERVAL:
            return
        self._last_progress[step] = now
        first = self._first_progress.setdefault(step, now)
        eta = None
        if total is not None and 0 < done < total:
            eta = round((now - first) / done * (total - done), 1)  # the pace so far, carried forward
        self.emit(Progress(run_id=self.run_id, stage=self.stage, action=step, done=done, total=total, eta_seconds=eta))

    def decide(self, subject: str, decision: str, confidence: float | None, evidence: list[str]) -> None:
        self.emit(
            Decision(
                run_id=self.run_id,
                stage=self.stage,
                subject=subject,
                decision=decision,
                confidence=confidence,
                evidence=evidence,
            )
        )


StageFunction = Callable[[StageContext, ProgressCallback], StageOutput]
