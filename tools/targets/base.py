"""The one interface every target kind implements, and what loading reports.

A :class:`Target` is opened from its typed configuration (``tools.targets.config``) and driven by the
loader (``tools.targets.loader``), one table at a time, parents before children:

- ``check()``: reachable, credentials accepted; raises :class:`TargetError` with what to fix.
- ``begin(tables, mode)``: prepare for these tables (create missing SQL tables with their keys, resolve
  Salesforce record types, ...).
- ``load(table, batch, mode)``: write one batch of rows; returns a :class:`BatchResult` (loaded, updated,
  rejected with reasons, retried requests, and the keys written: what ``unload`` later removes).
- ``finish(table)``: the end of a table (file targets publish their file here).
- ``unload(table, keys)``: remove exactly these keys (recorded by earlier loads); returns how many went.
- ``report()``: what the target is, for every output: kind, where (never a password), stand-in or real.
- ``close()``: release connections.

Transient failures are retried inside the target (tenacity, exponential backoff, ``Retry-After``
honoured) and counted as ``retried``; what is still failing after that raises :class:`TargetError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import pyarrow as pa
from pydantic import BaseModel, Field

from tools.errors import DoppelError

Mode = Literal["insert", "upsert"]
LoadMode = Literal["insert", "upsert", "replace"]
ColumnKind = Literal["integer", "float", "decimal", "boolean", "date", "datetime", "text"]
Key = Any  # one value (a single-column key) or a list of values (a composite key); JSON-able


class TargetError(DoppelError):
    """A target cannot go on: unreachable, refused, or an insert that met existing keys."""

    exit_code = 1


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    kind: ColumnKind = "text"
    scale: int | None = None  # decimals: digits after the point, the same in every value
    max_length: int = 0  # text: the longest value (for key columns that need a VARCHAR)


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]
    enforce: bool = True  # False: some values reference no parent row (edge cases): no constraint

    def describe(self, child: str) -> str:
        return f"{child}.{','.join(self.columns)} -> {self.parent}.{','.join(self.parent_columns)}"


@dataclass(frozen=True)
class TablePlan:
    """One table as every target sees it: its columns (typed), primary key and foreign keys."""

    name: str
    columns: tuple[ColumnInfo, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    rows: int = 0

    def column(self, name: str) -> ColumnInfo:
        return next(c for c in self.columns if c.name == name)

    def key_of(self, row: dict[str, Any]) -> Key:
        values = [row.get(c) for c in self.primary_key]
        return values[0] if len(values) == 1 else values


@dataclass
class Batch:
    """Rows of one table (in order) with their keys; ``arrow`` holds the same rows, typed."""

    index: int
    arrow: pa.Table
    rows: list[dict[str, Any]]
    keys: list[Key]
    first_row: int = 0


@dataclass
class Rejection:
    key: Key
    reason: str


@dataclass
class BatchResult:
    loaded: int = 0
    updated: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    retried: int = 0
    written: list[Key] = field(default_factory=list)  # what unload removes (target ids, or the rows' keys)

    def add(self, other: BatchResult) -> BatchResult:
        self.loaded += other.loaded
        self.updated += other.updated
        self.rejected += other.rejected
        self.retried += other.retried
        self.written += other.written
        return self


class TargetInfo(BaseModel):
    """What a target is, safe to print and store: never a password."""

    name: str
    kind: str
    where: str = Field(description="URL (password masked), folder or bucket")
    stand_in: bool = Field(False, description="a local stand-in (mocks/), not the real system")
    identity: str = Field(description="the same target across loads: kind and where")


class Target(Protocol):
    """See the module docstring."""

    def check(self) -> None: ...

    def begin(self, tables: Sequence[TablePlan], mode: Mode) -> None: ...

    def load(self, table: TablePlan, batch: Batch, mode: Mode) -> BatchResult: ...

    def finish(self, table: TablePlan) -> BatchResult: ...

    def unload(self, table: str, keys: Sequence[Key]) -> int: ...

    def report(self) -> TargetInfo: ...

    def close(self) -> None: ...
