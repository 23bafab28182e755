"""Testing stages (the distribute stage is ``distribute.py``). Without targets the engine skips them with
NO_TARGETS; with targets, until they are built, they are skipped saying so."""

from __future__ import annotations

from agents.workflow.context import StageContext, StageOutput
from tools.progress import ProgressCallback

NO_TARGETS = "no targets configured"


def _not_built(stage: str) -> StageOutput:
    return StageOutput(skipped=f"the {stage} stage is not built yet")


def test_cases(context: StageContext, progress: ProgressCallback) -> StageOutput:
    return _not_built("test_cases")


def execute(context: StageContext, progress: ProgressCallback) -> StageOutput:
    return _not_built("execute")
