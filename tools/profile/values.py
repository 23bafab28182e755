"""A column reduced to its distinct values and their counts, so every later check runs once per
distinct value (vectorised with Arrow) instead of once per row."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


@dataclass
class ColumnValues:
    """``codes[row]`` indexes ``raw``/``text``/``counts`` (-1 for a null cell)."""

    name: str
    rows: int
    codes: np.ndarray
    raw: pa.Array  # distinct raw values (large_string)
    text: pa.Array  # the same, whitespace-stripped
    counts: np.ndarray  # rows per distinct value
    nulls: int
    present: np.ndarray = field(init=False)  # per distinct value: non-blank after stripping
    masked: np.ndarray = field(init=False)  # per distinct value: pre-masked (set by patterns.find_masked)
    padded: np.ndarray = field(init=False)  # per distinct value: raw differs from stripped
    _distinct_text: pa.Array | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        lengths = pc.utf8_length(self.text).to_numpy(zero_copy_only=False)
        self.present = lengths > 0
        self.masked = np.zeros(len(self.counts), dtype=bool)
        same = pc.equal(self.raw, self.text).to_numpy(zero_copy_only=False)
        self.padded = ~np.asarray(same, dtype=bool)

    def distinct_text(self) -> pa.Array:
        """Distinct stripped present values (raw values are distinct already unless some were padded)."""
        if self._distinct_text is None:
            idx = np.flatnonzero(self.present)
            subset = self.text.take(pa.array(idx))
            self._distinct_text = pc.unique(subset) if self.padded[idx].any() else subset
        return self._distinct_text

    @property
    def n_present(self) -> int:
        return int(self.counts[self.present].sum())

    @property
    def n_blank(self) -> int:
        return int(self.counts[~self.present].sum())

    @property
    def usable(self) -> np.ndarray:
        """Distinct values that count for typing and validity checks: present and not pre-masked."""
        return self.present & ~self.masked

    def weight(self, mask: np.ndarray) -> int:
        return int(self.counts[mask].sum())


def column_values(name: str, series: pd.Series) -> ColumnValues:
    """Factorise a column of text cells (None/NaN = null); non-text cells are turned into text first."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=object)
    if len(uniques) and pd.api.types.infer_dtype(uniques, skipna=False) != "string":
        as_text = np.array([u if isinstance(u, str) else _text(u) for u in uniques], dtype=object)
        remap, uniques = pd.factorize(as_text)
        uniques = np.asarray(uniques, dtype=object)
        codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
    codes = codes.astype(np.int32, copy=False)
    valid = codes[codes >= 0]
    counts = np.bincount(valid, minlength=len(uniques)).astype(np.int64)
    raw = pa.array(uniques, type=pa.large_string())
    text = pc.utf8_trim_whitespace(raw)
    return ColumnValues(
        name=name, rows=len(series), codes=codes, raw=raw, text=text, counts=counts, nulls=len(series) - len(valid)
    )


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def expand(per_value: np.ndarray, codes: np.ndarray, missing: object) -> np.ndarray:
    """Per-row array from a per-distinct-value array; rows with code -1 get ``missing``."""
    padded = np.concatenate([per_value, np.array([missing], dtype=per_value.dtype)])
    return padded[codes]


SAMPLE = 5000


def sample_positions(n: int, size: int = SAMPLE) -> np.ndarray:
    """Evenly spaced positions (deterministic) for decisions that a sample of distinct values can make."""
    return np.arange(n) if n <= size else np.unique(np.linspace(0, n - 1, size).astype(np.int64))
