"""The synthetic data folder a suite draws its records from: tables, their primary keys, the records.

Every supported table file of the folder is read as text cells (``tools.ingest.readers``), Doppel's own
side files left out. A table's primary key is the REST target's key for the resource it feeds, else the
first ``*_id`` / ``id`` / ``key`` column (the table's own, ``customer_id`` for customers, first) that is
filled in nearly every row and distinct in 80% of them, else the first column of any name distinct in 95%.
A record is used only when its key appears once, so a key names one record.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from tools.errors import DoppelError
from tools.testcases.rest_rules import RestDescription

SIDE_FILES = {"metadata.json", "evaluation.json", "manifest.json", "profile.json", "sensitivity.json"}
# a key column is nearly always filled and this share of its values distinct (duplicated rows are a quality
# issue synthesis reproduces: their keys are left out, the rest still name one record each)
UNIQUE_SHARE = {"named": 0.8, "other": 0.95}


@dataclass
class Table:
    name: str
    frame: pd.DataFrame
    key: str
    _index: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        keys = self.frame[self.key]
        counts = keys.value_counts(dropna=True)
        once = set(counts[counts == 1].index)
        self._index = {str(k): i for i, k in enumerate(keys) if k is not None and k in once}

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    @property
    def noun(self) -> str:
        """The entity the table holds: the last word of its name (``telecom_customers`` -> ``customers``)."""
        return self.name.lower().replace("-", "_").split("_")[-1]

    def keys(self) -> list[str]:
        """The keys that name exactly one record, in file order."""
        return list(self._index)

    def record(self, key: str) -> dict[str, Any]:
        if key not in self._index:
            raise DoppelError(f"{self.name}: no single record with {self.key} = {key!r}")
        row = self.frame.iloc[self._index[key]]
        return {str(c): (None if pd.isna(v) else v) for c, v in row.items()}

    def records(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(key, record)`` of every record a key names, in file order (empty cells are None)."""
        columns = self.columns
        rows = self.frame.astype(object).where(self.frame.notna(), None).to_numpy()
        for key, i in self._index.items():
            yield key, dict(zip(columns, rows[i].tolist(), strict=True))

    def distinct(self, column: str, limit: int) -> list[str] | None:
        """The column's distinct values (casefolded) when there are at most ``limit``, else None."""
        values = self.frame[column].dropna().astype(str).str.strip().str.casefold().unique()
        return None if len(values) > limit else [str(v) for v in values]


def _is_key(frame: pd.DataFrame, column: str, share: float) -> bool:
    filled = frame[column].dropna()
    if len(frame) == 0 or len(filled) < 0.99 * len(frame):
        return False
    return filled.nunique() >= share * len(filled)


def choose_key(name: str, frame: pd.DataFrame, rest: RestDescription | None = None) -> str:
    columns = [str(c) for c in frame.columns]
    resource = rest.for_table(name) if rest else None
    if resource is not None and resource.key in columns:
        return resource.key
    named = [
        c for c in columns if c.lower() in ("id", "key") or c.lower().endswith(("_id", "_key")) or c.endswith("Id")
    ]
    noun = name.lower().split("_")[-1].rstrip("s")
    named.sort(key=lambda c: 0 if c.lower().startswith(noun) else 1)
    for column in named:
        if _is_key(frame, column, UNIQUE_SHARE["named"]):
            return column
    for column in columns:
        if _is_key(frame, column, UNIQUE_SHARE["other"]):
            return column
    raise DoppelError(f"table {name}: no column is a primary key (filled and unique); name the records by one")


class DataFolder:
    """The tables of a data folder (an export stage's folder, or any folder of table files)."""

    def __init__(self, folder: Path, rest: RestDescription | None = None) -> None:
        from tools.ingest.readers import SUPPORTED, read_sample

        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise DoppelError(f"{self.folder}: no such data folder")
        files = sorted(
            p
            for p in self.folder.iterdir()
            if p.is_file() and p.suffix.lower() in SUPPORTED and p.name not in SIDE_FILES and p.name[0] not in "._"
        )
        if not files:
            raise DoppelError(f"{self.folder}: the data folder holds no table files ({', '.join(SUPPORTED)})")
        self.tables: dict[str, Table] = {}
        for path in files:
            for table in read_sample(path):
                self.tables[table.name] = Table(table.name, table.frame, choose_key(table.name, table.frame, rest))

    def __getitem__(self, name: str) -> Table:
        return self.tables[name]
