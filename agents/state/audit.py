"""The audit trail: who ran what, on which inputs (paths and hashes), what was decided and by whom.

Records hold metadata only (paths, sha256, counts, column names, entity types, confidences). Older
records than ``settings.retention_days`` are moved by ``archive`` into gzip JSONL under
``<home>/archive/`` and deleted from the table in the same transaction.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from agents.state.db import session
from agents.state.models import AUDIT_KINDS, AuditKind, AuditRecord, utcnow
from tools.errors import DoppelError
from tools.redact import redact_data
from tools.settings import Settings

ExportFormat = Literal["json", "csv"]


class AuditEntry(BaseModel):
    """One audit record as exported."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: AuditKind
    run_id: str | None
    stage: str | None
    user: str
    at: datetime
    detail: dict[str, Any]


class AuditFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: datetime | None = Field(None, description="records at or after this time")
    until: datetime | None = Field(None, description="records before this time")
    user: str | None = None
    kind: AuditKind | None = None
    run_id: str | None = None


def record(
    s: Session,
    kind: AuditKind,
    user: str,
    detail: dict[str, Any],
    *,
    run_id: str | None = None,
    stage: str | None = None,
) -> None:
    """Add one record inside the caller's transaction (a URL's password in ``detail`` masked)."""
    if kind not in AUDIT_KINDS:
        raise ValueError(f"unknown audit kind {kind!r}")
    s.add(AuditRecord(kind=kind, run_id=run_id, stage=stage, user=user, detail=redact_data(detail)))


def query(settings: Settings, where: AuditFilter | None = None, limit: int | None = None) -> list[AuditEntry]:
    """Matching records, oldest first."""
    where = where or AuditFilter()
    stmt = select(AuditRecord)
    if where.since is not None:
        stmt = stmt.where(col(AuditRecord.at) >= _aware(where.since))
    if where.until is not None:
        stmt = stmt.where(col(AuditRecord.at) < _aware(where.until))
    if where.user is not None:
        stmt = stmt.where(AuditRecord.user == where.user)
    if where.kind is not None:
        stmt = stmt.where(AuditRecord.kind == where.kind)
    if where.run_id is not None:
        stmt = stmt.where(AuditRecord.run_id == where.run_id)
    stmt = stmt.order_by(col(AuditRecord.at), col(AuditRecord.id))
    if limit is not None:
        stmt = stmt.limit(limit)
    with session(settings) as s:
        return [AuditEntry.model_validate(r) for r in s.exec(stmt).all()]


def run_of(settings: Settings, ref: str) -> str:
    """The run id ``--run REF`` means: an id audit records carry, or a run's id or unique prefix.

    Anything else is an error naming REF (an unknown run would otherwise export ``[]`` as if it were clean)."""
    from agents.state import store

    with session(settings) as s:
        if s.exec(select(AuditRecord.id).where(AuditRecord.run_id == ref).limit(1)).first() is not None:
            return ref
        try:
            return store.get_run(s, ref).id
        except DoppelError as exc:
            raise DoppelError(f"--{exc}") from None  # "--run 'REF': no such run; ..."


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


CSV_COLUMNS = ("id", "kind", "run_id", "stage", "user", "at", "detail")


def render(entries: Sequence[AuditEntry], fmt: ExportFormat, neutralise_formulas: bool = True) -> str:
    """JSON (an array) or CSV (``detail`` as a JSON cell). CSV cells follow Doppel's formula policy
    (``tools.export.formatting.neutralise_formulas``) unless ``neutralise_formulas`` is off."""
    if fmt == "json":
        return json.dumps([e.model_dump(mode="json") for e in entries], indent=2, ensure_ascii=False) + "\n"
    rows = []
    for e in entries:
        data = e.model_dump(mode="json")
        rows.append(
            [
                *(str(data[c]) if data[c] is not None else "" for c in CSV_COLUMNS[:-1]),
                json.dumps(e.detail, sort_keys=True, ensure_ascii=False),
            ]
        )
    if neutralise_formulas and rows:
        import pyarrow as pa

        from tools.export.formatting import neutralise_formulas as neutralise

        columns = [neutralise(pa.array(cells, pa.string())).to_pylist() for cells in zip(*rows, strict=True)]
        rows = [list(row) for row in zip(*columns, strict=True)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue()


class ArchiveResult(BaseModel):
    archived: int
    path: Path | None
    cutoff: datetime


def archive(settings: Settings, *, now: datetime | None = None) -> ArchiveResult:
    """Move records older than ``retention_days`` into ``<home>/archive/audit-<cutoff>.jsonl.gz``.

    The file is complete and synced before the rows are deleted; a failed delete removes the file,
    so a record is always in exactly one place."""
    cutoff = (now or utcnow()) - timedelta(days=settings.retention_days)
    with session(settings) as s:
        rows = s.exec(
            select(AuditRecord).where(col(AuditRecord.at) < cutoff).order_by(col(AuditRecord.at), col(AuditRecord.id))
        ).all()
        if not rows:
            return ArchiveResult(archived=0, path=None, cutoff=cutoff)
        folder = settings.home / "archive"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = cutoff.strftime("%Y%m%dT%H%M%S")
        path = folder / f"audit-{stamp}-{rows[0].id}-{rows[-1].id}.jsonl.gz"
        _write_gzip_jsonl(path, [AuditEntry.model_validate(r).model_dump(mode="json") for r in rows])
        try:
            for r in rows:
                s.delete(r)
            s.flush()
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    return ArchiveResult(archived=len(rows), path=path, cutoff=cutoff)


def _write_gzip_jsonl(path: Path, documents: list[dict[str, Any]]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "wb") as raw:
            with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
                for doc in documents:
                    gz.write((json.dumps(doc, ensure_ascii=False) + "\n").encode("utf-8"))
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DoppelError(f"{path}: cannot write the audit archive: {exc.strerror or exc}") from None


def read_archive(path: Path) -> list[AuditEntry]:
    """Records from an archive file (for checks and restores)."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [AuditEntry.model_validate_json(line) for line in fh if line.strip()]
