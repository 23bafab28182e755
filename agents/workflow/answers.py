"""Recording a person's (or --approve-all's) answer to the question a paused run is waiting on.

Answers are only recorded here; ``resume_run`` acts on them. An approval may carry changes (only where
the stage accepts them, e.g. column overrides at ``after:classify``), checked before they are stored.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlmodel import Session

from agents.state import audit, store
from agents.state.models import Approval, Run, utcnow
from tools.errors import DoppelError
from tools.settings import Settings

Decision = Literal["approve", "change", "abort"]
FailureChoice = Literal["retry", "skip", "abort"]
FAILURE_PREFIX = "failure:"

_APPROVAL_STATUS = {"approve": "approved", "change": "changed", "abort": "aborted"}
_FAILURE_STATUS = {"retry": "retry", "skip": "skip", "abort": "aborted"}


def is_failure(question: Approval) -> bool:
    return question.point.startswith(FAILURE_PREFIX)


def waiting_question(s: Session, run: Run, failure: bool) -> Approval:
    question = store.pending_question(s, run.id)
    wanted = "a failure answer (retry, skip or abort)" if failure else "an approval"
    if question is None or is_failure(question) != failure:
        state = run.state.replace("_", " ")
        if question is None and run.state.startswith("paused"):
            state += ", and its question is answered: `doppel resume` continues it"
        raise DoppelError(f"run {run.id}: not waiting for {wanted}; it is {state}")
    return question


def check_changes(settings: Settings, run: Run, question: Approval, changes: dict[str, Any]) -> None:
    from agents.workflow.stages import SPECS

    if not changes:
        raise DoppelError("changes: 'change' needs at least one change, e.g. {'table.column': {'sensitive': false}}")
    when, _, stage = question.point.partition(":")
    spec = SPECS.get(stage)  # type: ignore[call-overload]
    if when != "after" or spec is None or spec.check_changes is None:
        accepting = ", ".join(f"after:{s}" for s, v in SPECS.items() if v.check_changes)
        raise DoppelError(f"changes: the approval at {question.point} takes none (only {accepting}); approve or abort")
    spec.check_changes(settings.runs_dir / run.id / stage, changes)


def record(
    s: Session,
    settings: Settings,
    run: Run,
    question: Approval,
    response: str,
    changes: dict[str, Any],
    *,
    auto: bool = False,
) -> None:
    """Store the answer, audit it and, for abort, end the run."""
    failure = is_failure(question)
    question.status = (_FAILURE_STATUS if failure else _APPROVAL_STATUS)[response]
    question.response = response
    question.changes = changes
    question.decided_by = settings.user
    question.decided_at = utcnow()
    question.auto = auto
    s.add(question)
    stage = question.point.partition(":")[2]
    detail: dict[str, Any] = {
        "event": "answered" if failure else "decided",
        "point": question.point,
        "approval_id": question.id,
        "response": response,
        "auto": auto,
    }
    if changes:
        detail["changes"] = changes
    audit.record(s, "failure" if failure else "approval", settings.user, detail, run_id=run.id, stage=stage)
    if response == "abort":
        store.set_run(s, run, state="aborted")
        audit.record(
            s,
            "run",
            settings.user,
            {"event": "end", "state": "aborted", "at_point": question.point},
            run_id=run.id,
            stage=stage,
        )
