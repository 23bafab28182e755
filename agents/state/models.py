"""The tables. Names carry a ``doppel_`` prefix so they can share a database (or schema) with others.

Times are stored as naive UTC (portable across SQLite and PostgreSQL) and read back as aware UTC.
JSON columns hold metadata only: paths, hashes, counts, column names, never a production value.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

RunState = Literal["running", "paused_approval", "paused_failure", "completed", "aborted"]
StageState = Literal["pending", "running", "completed", "skipped", "failed"]
ApprovalStatus = Literal["pending", "approved", "changed", "aborted", "retry", "skip"]
AuditKind = Literal["run", "classification", "external_call", "approval", "failure"]
AUDIT_KINDS: tuple[AuditKind, ...] = AuditKind.__args__  # type: ignore[attr-defined]


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Aware UTC in Python, naive UTC in the database (SQLite keeps no zone; PostgreSQL needs none)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Doppel stores aware UTC times")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _time(index: bool = False, nullable: bool = False) -> Any:
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def _json(default: Any = dict) -> Any:
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False))


class Run(SQLModel, table=True):
    __tablename__ = "doppel_run"

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(index=True, max_length=200)
    config: dict[str, Any] = _json()
    seed: int = Field(sa_column=Column(sa.BigInteger, nullable=False))
    state: str = Field(max_length=20, index=True)
    current_stage: str | None = Field(default=None, max_length=20)
    user: str = Field(max_length=200)
    created_at: datetime = _time(index=True)
    updated_at: datetime = _time()
    # The process advancing the run (schema version 2): a "running" run whose process is gone was interrupted.
    owner_host: str | None = Field(default=None, max_length=255)
    owner_pid: int | None = Field(default=None)


class StageCheckpoint(SQLModel, table=True):
    """One row per (run, stage), updated by each attempt; ``outputs`` maps artifact -> {sha256, bytes}."""

    __tablename__ = "doppel_stage_checkpoint"
    __table_args__ = (sa.UniqueConstraint("run_id", "stage"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="doppel_run.id", index=True, max_length=40)
    stage: str = Field(max_length=20)
    state: str = Field(max_length=20)
    attempt: int = 0
    started_at: datetime = _time()
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    seconds: float = 0.0
    outputs: dict[str, Any] = _json()
    counts: dict[str, Any] = _json()
    changes: dict[str, Any] = _json()
    summary: dict[str, Any] = _json()
    skip_kind: str | None = Field(default=None, max_length=20)  # not_applicable, after_failure or dependency
    message: str | None = Field(default=None, sa_column=Column(sa.Text, nullable=True))


class Approval(SQLModel, table=True):
    """A question put to a human: an approval point (``after:classify``) or a failure (``failure:<stage>``)."""

    __tablename__ = "doppel_approval"

    id: str = Field(primary_key=True, max_length=40)
    run_id: str = Field(foreign_key="doppel_run.id", index=True, max_length=40)
    point: str = Field(max_length=40)
    question: str = Field(sa_column=Column(sa.Text, nullable=False))
    context: dict[str, Any] = _json()
    status: str = Field(default="pending", max_length=20)
    response: str | None = Field(default=None, max_length=20)
    changes: dict[str, Any] = _json()
    decided_by: str | None = Field(default=None, max_length=200)
    auto: bool = Field(default=False, description="answered by --approve-all, not by a person")
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    created_at: datetime = _time()


class AuditRecord(SQLModel, table=True):
    __tablename__ = "doppel_audit"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20, index=True)
    run_id: str | None = Field(default=None, max_length=40, index=True)
    stage: str | None = Field(default=None, max_length=20)
    user: str = Field(max_length=200, index=True)
    at: datetime = _time(index=True)
    detail: dict[str, Any] = _json()


class EventRecord(SQLModel, table=True):
    """Every event of a run in order (``seq`` from 1), so a UI can replay it."""

    __tablename__ = "doppel_event"
    __table_args__ = (sa.UniqueConstraint("run_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="doppel_run.id", index=True, max_length=40)
    seq: int
    kind: str = Field(max_length=30)
    event: dict[str, Any] = _json()


class RunCost(SQLModel, table=True):
    """A run's cost: the estimate made when it started and the actual breakdown after each stage (USD)."""

    __tablename__ = "doppel_run_cost"

    run_id: str = Field(foreign_key="doppel_run.id", primary_key=True, max_length=40)
    provider: str = Field(max_length=40)
    model_id: str = Field(max_length=200)
    estimate: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    actual: dict[str, Any] = _json()
    tips: list[str] = _json(list)
    total: float = 0.0
    updated_at: datetime = _time()


class SavedConfiguration(SQLModel, table=True):
    """A run configuration kept under an id and a name, with tags, to list, search, load and share."""

    __tablename__ = "doppel_configuration"

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(index=True, unique=True, max_length=200)
    description: str | None = Field(default=None, sa_column=Column(sa.Text, nullable=True))
    tags: list[str] = _json(list)
    config: dict[str, Any] = _json()
    user: str = Field(max_length=200)
    created_at: datetime = _time(index=True)
    updated_at: datetime = _time()


class User(SQLModel, table=True):
    """A person who may sign in to the UI (schema version 3): a role and a scrypt password hash."""

    __tablename__ = "doppel_user"

    name: str = Field(primary_key=True, max_length=100)
    role: str = Field(max_length=20)
    password_hash: str = Field(max_length=300)
    must_change: bool = Field(default=False, description="a generated one-time password")
    created_at: datetime = _time()


class ApiKey(SQLModel, table=True):
    """A user's API key (schema version 3), stored as a sha256 hash; ``prefix`` names it in listings."""

    __tablename__ = "doppel_api_key"

    id: int | None = Field(default=None, primary_key=True)
    user: str = Field(foreign_key="doppel_user.name", index=True, max_length=100)
    prefix: str = Field(max_length=20)
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = _time()


class SchemaVersion(SQLModel, table=True):
    """One row per schema version applied to this database (``agents/state/migrations.py``)."""

    __tablename__ = "doppel_schema_version"

    version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    applied_at: datetime = _time()
    description: str = Field(max_length=200)
