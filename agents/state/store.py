"""Reads and writes of run state. Each function works inside the caller's session (its transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from agents.state.models import Approval, EventRecord, Run, StageCheckpoint, utcnow
from tools.errors import DoppelError


def get_run(s: Session, run_id: str) -> Run:
    """The run, or a DoppelError naming the id (with the closest ids when a prefix was given)."""
    run = s.get(Run, run_id)
    if run is not None:
        return run
    prefix = col(Run.id).startswith(run_id, autoescape=True)
    matches = s.exec(select(Run).where(prefix).limit(2)).all() if len(run_id) >= 4 else []
    if len(matches) == 1:
        return matches[0]
    hint = "; the prefix is ambiguous" if matches else "; see `doppel runs list`"
    raise DoppelError(f"run '{run_id}': no such run{hint}")


def set_run(s: Session, run: Run, **values: Any) -> Run:
    for key, value in values.items():
        setattr(run, key, value)
    run.updated_at = utcnow()
    s.add(run)
    return run


def find_runs(s: Session, query: str | None, limit: int) -> Sequence[Run]:
    """Newest first; ``query`` matches the run id prefix, the name, the state or the user (substring)."""
    stmt = select(Run)
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(
            sa.or_(
                col(Run.id).startswith(query, autoescape=True),
                sa.func.lower(Run.name).like(like),
                sa.func.lower(Run.state).like(like),
                sa.func.lower(Run.user).like(like),
            )
        )
    return s.exec(stmt.order_by(col(Run.created_at).desc(), col(Run.id)).limit(limit)).all()


def checkpoints(s: Session, run_id: str) -> dict[str, StageCheckpoint]:
    return {c.stage: c for c in s.exec(select(StageCheckpoint).where(StageCheckpoint.run_id == run_id)).all()}


def checkpoint(s: Session, run_id: str, stage: str) -> StageCheckpoint:
    """The stage's row, created (pending) if it does not exist yet."""
    row = s.exec(
        select(StageCheckpoint).where(StageCheckpoint.run_id == run_id, StageCheckpoint.stage == stage)
    ).first()
    return row or StageCheckpoint(run_id=run_id, stage=stage, state="pending")


def delete_checkpoints(s: Session, run_id: str, stages: Sequence[str]) -> None:
    if stages:
        s.execute(
            sa.delete(StageCheckpoint).where(
                col(StageCheckpoint.run_id) == run_id, col(StageCheckpoint.stage).in_(list(stages))
            )
        )


def delete_approvals(s: Session, run_id: str, points: Sequence[str]) -> None:
    """Forget the questions (and answers) at ``points``: a rewound run asks them again."""
    if points:
        s.execute(sa.delete(Approval).where(col(Approval.run_id) == run_id, col(Approval.point).in_(list(points))))


def approvals(s: Session, run_id: str, point: str | None = None) -> Sequence[Approval]:
    """Every question of the run (of one point), oldest first."""
    stmt = select(Approval).where(Approval.run_id == run_id)
    if point is not None:
        stmt = stmt.where(Approval.point == point)
    return s.exec(stmt.order_by(col(Approval.created_at), col(Approval.id))).all()


def pending_question(s: Session, run_id: str) -> Approval | None:
    return s.exec(
        select(Approval)
        .where(Approval.run_id == run_id, Approval.status == "pending")
        .order_by(col(Approval.created_at).desc())
    ).first()


def add_event(s: Session, run_id: str, kind: str, event: dict[str, Any]) -> int:
    """Append an event with the next sequence number (1, 2, ...) of the run."""
    last = s.exec(select(sa.func.max(EventRecord.seq)).where(EventRecord.run_id == run_id)).one()
    seq = int(last or 0) + 1
    s.add(EventRecord(run_id=run_id, seq=seq, kind=kind, event=event))
    return seq


def last_seq(s: Session, run_id: str) -> int:
    """The sequence number of the run's newest event (0 when it has none)."""
    return int(s.exec(select(sa.func.max(EventRecord.seq)).where(EventRecord.run_id == run_id)).one() or 0)


def events(s: Session, run_id: str, after_seq: int = 0) -> Sequence[EventRecord]:
    return s.exec(
        select(EventRecord)
        .where(EventRecord.run_id == run_id, EventRecord.seq > after_seq)
        .order_by(col(EventRecord.seq))
    ).all()


def require_state(run: Run, *allowed: str, action: str) -> None:
    if run.state not in allowed:
        raise DoppelError(f"run {run.id}: cannot {action}: the run is {run.state.replace('_', ' ')}")
