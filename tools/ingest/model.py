"""What ingesting a production sample yields: raw text cells plus how the file was read."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

SourceFormat = Literal["csv", "parquet", "json", "jsonl", "excel"]


class SourceInfo(BaseModel):
    """How a file was read, so a profile can say it (and a re-read can repeat it)."""

    path: Path
    format: SourceFormat
    encoding: str | None = None
    delimiter: str | None = None
    quotechar: str | None = None
    has_header: bool = True
    rows: int = 0
    columns: int = 0
    sheet: str | None = None


class IngestedTable(BaseModel):
    """One table of a sample. ``frame`` holds every cell as text (or None when empty), untouched,
    so type inference and quality checks see exactly what production had."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    name: str
    source: SourceInfo
    frame: pd.DataFrame = Field(repr=False)
    warnings: list[str] = Field(default_factory=list, description="what reading changed, e.g. renamed headers")
