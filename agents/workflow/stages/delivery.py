"""Distribution and testing stages. Targets cannot be configured yet (RunConfig rejects them), so the
engine skips these stages with NO_TARGETS; called anyway, they say what is missing."""

from __future__ import annotations

from agents.workflow.context import StageContext, StageOutput
from tools.errors import DoppelError
from tools.progress import ProgressCallback

NO_TARGETS = "no targets configured"


def _not_built(stage: str) -> StageOutput:
    raise DoppelError(f"targets: the {stage} stage is not available yet; remove the targets from the run config")


def distribute(context: StageContext, progress: ProgressCallback) -> StageOutput:
    return _not_built("distribute")


def test_cases(context: StageContext, progress: ProgressCallback) -> StageOutput:
    return _not_built("test_cases")


def execute(context: StageContext, progress: ProgressCallback) -> StageOutput:
    return _not_built("execute")
