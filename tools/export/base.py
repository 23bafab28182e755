"""The export interface: one streaming writer per table, fed arrow record batches in row order.

Writers never leave half-written files: they write to a temporary name in the output folder and
rename on ``close()``; ``abort()`` removes what they started.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Protocol

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

ExportFormat = Literal["csv", "json", "jsonl", "sql", "parquet", "avro"]
Dialect = Literal["postgres", "mysql", "sqlite"]
Compression = Literal["gzip", "zstd"]

EXTENSIONS: dict[str, str] = {
    "csv": "csv",
    "json": "json",
    "jsonl": "jsonl",
    "sql": "sql",
    "parquet": "parquet",
    "avro": "avro",
}
ANOMALY_COLUMN = "_anomalies"
NEUTRALISE_FORMULAS = "CSV: prefix ' to text and header names starting with = + - @ TAB or CR (not numbers or phones)"
KEEP_FORMULAS = "CSV: write cells starting with = + - @ TAB or CR as they are (no ' prefix)"


class ExportOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: ExportFormat = "csv"
    dialect: Dialect = "postgres"
    compression: Compression | None = None
    chunk_rows: int | None = Field(None, gt=0, description="rows per numbered part file; None: one file")
    neutralise_formulas: bool = Field(True, description=NEUTRALISE_FORMULAS)
    sql_batch_rows: int = Field(500, gt=0)


class ForeignKey(BaseModel):
    field: str
    ref_table: str
    ref_field: str
    # False when invalid_reference edge cases are injected: a constraint would reject those rows.
    enforce: bool = True


class TableInfo(BaseModel):
    """What a writer needs to know beyond the arrow schema: keys and JSON-valued columns."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    name: str
    arrow_schema: pa.Schema
    primary_key: list[str] = Field(default_factory=list)
    foreign_keys: list[ForeignKey] = Field(default_factory=list)
    json_fields: list[str] = Field(default_factory=list)


class TableWriter(Protocol):
    def write(self, batch: pa.RecordBatch) -> None:
        """Append rows (in order) to the output."""

    def close(self) -> list[Path]:
        """Finish, atomically publish and return the files written (in order)."""

    def abort(self) -> None:
        """Remove anything this writer started; the output folder is as it was."""
