"""Typed frames for both sides, parsed the same way, plus the SDMetrics metadata dict.

Each column's kind comes from the REAL profile. Both sides' cells go through one parser call on their
union of distinct values (numbers: ``parse_numbers``; dates: ``parse_dates``), so a day-first decision
or a currency symbol is read identically on the real and the synthetic side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from tools.profile.dates import parse_dates
from tools.profile.model import ColumnProfile, TableProfile
from tools.profile.numbers import parse_numbers
from tools.quality.model import ColumnKind

_KINDS: dict[str, ColumnKind] = {
    "integer": "numerical", "decimal": "numerical", "float": "numerical", "date": "datetime",
    "datetime": "datetime", "boolean": "boolean", "category": "categorical", "identifier": "identifier",
    "text": "text", "free_text": "text", "empty": "empty",
}  # fmt: skip
SDTYPES: dict[ColumnKind, str] = {
    "numerical": "numerical", "datetime": "datetime", "categorical": "categorical", "boolean": "categorical",
    "identifier": "id", "text": "text",
}  # fmt: skip
ID_LIKE_DISTINCT = 0.95
_MIN_SECONDS = pd.Timestamp.min.value // 10**9 + 1
_MAX_SECONDS = pd.Timestamp.max.value // 10**9 - 1


@dataclass
class ColumnInfo:
    """How one common column is compared. ``id_like``: unique-ish integers (IMSI, account numbers) that
    say nothing about closeness of records, so privacy distances leave them out."""

    name: str
    kind: ColumnKind
    sensitive: bool
    key: bool = False
    id_like: bool = False

    @property
    def distributional(self) -> bool:
        return self.kind in ("numerical", "datetime", "categorical", "boolean")

    @property
    def record_feature(self) -> bool:
        """Used for exact copies, distances and ML features."""
        return self.distributional and not self.key and not self.id_like


@dataclass
class TypedTable:
    """Both sides over their common columns: typed values, stripped text (None = missing) and the
    share of present synthetic cells that did not parse as the real column's type."""

    name: str
    columns: list[ColumnInfo]
    real: pd.DataFrame
    synthetic: pd.DataFrame
    real_text: pd.DataFrame
    synthetic_text: pd.DataFrame
    unparsed: dict[str, float] = field(default_factory=dict)

    def info(self, name: str) -> ColumnInfo:
        return next(c for c in self.columns if c.name == name)

    def of_kind(self, *kinds: ColumnKind) -> list[ColumnInfo]:
        return [c for c in self.columns if c.kind in kinds]


def column_info(profile: ColumnProfile, keys: list[str]) -> ColumnInfo:
    kind = _KINDS[profile.inferred.type]
    key = profile.name in keys
    if key and kind != "empty":
        kind = "identifier"
    id_like = kind == "numerical" and profile.inferred.type == "integer" and profile.distinct_ratio >= ID_LIKE_DISTINCT
    return ColumnInfo(profile.name, kind, profile.sensitive, key, id_like)


def stripped(series: pd.Series) -> pd.Series:
    """Cells as stripped text; None for null and blank cells (what the profile counts as missing)."""
    text = series.astype("string").str.strip()
    return text.where(text.notna() & (text != ""), None).astype(object)


def type_tables(name: str, real: pd.DataFrame, synthetic: pd.DataFrame, profile: TableProfile) -> TypedTable:
    """Typed, aligned frames over the columns both sides share, in the real column order."""
    keys = profile.candidate_keys
    columns = [column_info(c, keys) for c in profile.columns if c.name in synthetic.columns]
    typed_real: dict[str, Any] = {}
    typed_synth: dict[str, Any] = {}
    text_real: dict[str, pd.Series] = {}
    text_synth: dict[str, pd.Series] = {}
    unparsed: dict[str, float] = {}
    for col in columns:
        r, s = stripped(real[col.name]), stripped(synthetic[col.name])
        text_real[col.name], text_synth[col.name] = r, s
        if col.kind in ("numerical", "datetime"):
            values = _parse(pd.concat([r, s], ignore_index=True), col.kind)
            typed_real[col.name], typed_synth[col.name] = values[: len(r)], values[len(r) :]
            present = s.notna().to_numpy()
            bad = present & pd.isna(values[len(r) :])
            unparsed[col.name] = float(bad.sum() / present.sum()) if present.any() else 0.0
        else:
            typed_real[col.name], typed_synth[col.name] = r.to_numpy(), s.to_numpy()
    return TypedTable(
        name=name,
        columns=columns,
        real=pd.DataFrame(typed_real, index=pd.RangeIndex(len(real))),
        synthetic=pd.DataFrame(typed_synth, index=pd.RangeIndex(len(synthetic))),
        real_text=pd.DataFrame(text_real, index=pd.RangeIndex(len(real))),
        synthetic_text=pd.DataFrame(text_synth, index=pd.RangeIndex(len(synthetic))),
        unparsed=unparsed,
    )


def _parse(text: pd.Series, kind: ColumnKind) -> np.ndarray:
    """Parse distinct values once, then spread back to rows; unparsed and missing cells become NaN/NaT."""
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    arrow = pa.array(np.asarray(uniques, dtype=object), type=pa.large_string())
    if kind == "numerical":
        numbers = parse_numbers(arrow)
        per_value = np.where(numbers.ok, numbers.values, np.nan)
        return np.concatenate([per_value, [np.nan]])[codes]
    dates = parse_dates(arrow)
    ok = dates.ok & (dates.seconds > _MIN_SECONDS) & (dates.seconds < _MAX_SECONDS)
    seconds = np.where(ok, dates.seconds, 0).astype("datetime64[s]").astype("datetime64[ns]")
    per_value = np.where(ok, seconds, np.datetime64("NaT", "ns"))
    return np.concatenate([per_value, np.array(["NaT"], dtype="datetime64[ns]")])[codes]


def sdmetrics_metadata(table: TypedTable) -> dict[str, Any]:
    """The unified SDMetrics metadata dict for one table; empty columns are left out."""
    columns = {c.name: {"sdtype": SDTYPES[c.kind]} for c in table.columns if c.kind != "empty"}
    meta: dict[str, Any] = {"columns": columns}
    keys = [c.name for c in table.columns if c.key]
    if keys:
        meta["primary_key"] = keys[0]
        if len(keys) > 1:
            meta["alternate_keys"] = keys[1:]
    return {"tables": {table.name: meta}}


def seconds(values: pd.Series) -> np.ndarray:
    """A numerical or datetime column as float64 (datetimes in epoch seconds), NaN when missing."""
    if pd.api.types.is_datetime64_any_dtype(values):
        out = values.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(np.float64) / 1e9
        return np.where(values.isna().to_numpy(), np.nan, out)
    return values.to_numpy(dtype=np.float64, na_value=np.nan)
