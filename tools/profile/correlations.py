"""Cross-column dependence: Pearson and Spearman between numbers, Cramér's V between categories.

Measured on a fixed random sample of rows (at most SAMPLE_ROWS) and on at most MAX_COLUMNS columns of
each kind, so 50+ column tables stay fast; only pairs above THRESHOLD in absolute value are kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tools.profile.model import Correlation

SAMPLE_ROWS = 200_000
MAX_COLUMNS = 30
MAX_LEVELS = 50
THRESHOLD = 0.1
MIN_ROWS = 10


@dataclass
class NumericColumn:
    name: str
    values: np.ndarray  # per sampled row, NaN when missing or unparsed


@dataclass
class CategoricalColumn:
    name: str
    codes: np.ndarray  # per sampled row, -1 when missing
    levels: int


def sample_rows(rows: int, seed: int = 0) -> np.ndarray | None:
    """Row positions to measure on (None = all rows); the same for every run on the same data size."""
    if rows <= SAMPLE_ROWS:
        return None
    return np.sort(np.random.default_rng(seed).choice(rows, SAMPLE_ROWS, replace=False))


def numeric(columns: list[NumericColumn]) -> list[Correlation]:
    """Pairwise-complete Pearson, and Spearman as Pearson on ranks (ranked per column)."""
    columns = [c for c in columns if np.nanstd(c.values) > 0][:MAX_COLUMNS] if columns else []
    if len(columns) < 2:
        return []
    frame = pd.DataFrame({c.name: c.values for c in columns})
    complete = frame.notna().astype(np.float64)
    overlap = complete.T @ complete
    out: list[Correlation] = []
    for method, matrix in (
        ("pearson", frame.corr(method="pearson", min_periods=MIN_ROWS)),
        ("spearman", frame.rank().corr(method="pearson", min_periods=MIN_ROWS)),
    ):
        out.extend(_pairs(matrix, overlap, method))
    return out


def _pairs(matrix: pd.DataFrame, overlap: pd.DataFrame, method: str) -> list[Correlation]:
    names = list(matrix.columns)
    out = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            value = matrix.at[a, b]
            if np.isfinite(value) and abs(value) > THRESHOLD:
                rows = int(overlap.at[a, b])
                out.append(Correlation(a=a, b=b, method=method, value=round(float(value), 6), rows=rows))
    return out


def cramers_v(columns: list[CategoricalColumn]) -> list[Correlation]:
    """Bias-corrected Cramér's V (Bergsma 2013) for each pair of low-cardinality columns."""
    columns = [c for c in columns if 2 <= c.levels <= MAX_LEVELS][:MAX_COLUMNS]
    out: list[Correlation] = []
    for i, a in enumerate(columns):
        for b in columns[i + 1 :]:
            both = (a.codes >= 0) & (b.codes >= 0)
            n = int(both.sum())
            if n < MIN_ROWS:
                continue
            table = np.bincount(a.codes[both] * b.levels + b.codes[both], minlength=a.levels * b.levels)
            value = _cramers_v(table.reshape(a.levels, b.levels).astype(np.float64))
            if value is not None and value > THRESHOLD:
                out.append(Correlation(a=a.name, b=b.name, method="cramers_v", value=round(value, 6), rows=n))
    return out


def _cramers_v(observed: np.ndarray) -> float | None:
    observed = observed[observed.sum(axis=1) > 0][:, observed.sum(axis=0) > 0]
    r, k = observed.shape
    if r < 2 or k < 2:
        return None
    n = observed.sum()
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / n
    chi2 = float(((observed - expected) ** 2 / expected).sum())
    phi2 = max(0.0, chi2 / n - (k - 1) * (r - 1) / (n - 1))
    r_c = r - (r - 1) ** 2 / (n - 1)
    k_c = k - (k - 1) ** 2 / (n - 1)
    denom = min(k_c - 1, r_c - 1)
    return float(np.sqrt(phi2 / denom)) if denom > 0 else None
