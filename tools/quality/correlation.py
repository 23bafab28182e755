"""Pearson and Spearman matrices over the numerical columns, real vs synthetic, and their |difference|.

Dates are left out (their correlations mostly restate "later rows are later"); identifier-like integers
too. Pairwise-complete observations; a constant column gives None cells rather than a made-up zero.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from tools.quality.frames import TypedTable
from tools.quality.model import CorrelationComparison
from tools.quality.numbers import clean

MAX_COLUMNS = 40
MIN_ROWS = 10
Method = Literal["pearson", "spearman"]
METHODS: tuple[Method, ...] = ("pearson", "spearman")


def matrix(frame: pd.DataFrame, method: Method) -> pd.DataFrame:
    """Correlation matrix with pairwise-complete rows; Spearman is Pearson on per-column ranks."""
    data = frame.rank() if method == "spearman" else frame
    return data.corr(method="pearson", min_periods=MIN_ROWS)


def correlation_columns(table: TypedTable) -> list[str]:
    """Numerical, non-identifier columns that vary on the real side (at most MAX_COLUMNS)."""
    names = [c.name for c in table.columns if c.kind == "numerical" and not c.id_like]
    varying = [n for n in names if table.real[n].astype(np.float64).std(skipna=True) > 0]
    return varying[:MAX_COLUMNS]


def compare(table: TypedTable, method: Method) -> CorrelationComparison | None:
    names = correlation_columns(table)
    if len(names) < 2:
        return None
    real = matrix(table.real[names].astype(np.float64), method)
    synthetic = matrix(table.synthetic[names].astype(np.float64), method)
    diff = (real - synthetic).abs()
    upper = diff.where(np.triu(np.ones(diff.shape, dtype=bool), k=1))
    stacked = upper.stack()
    worst: list[str] = []
    if len(stacked):
        first, second = stacked.idxmax()
        worst = [str(first), str(second)]
    return CorrelationComparison(
        method=method,
        columns=names,
        real=_rows(real),
        synthetic=_rows(synthetic),
        difference=_rows(diff),
        mean_abs_difference=clean(stacked.mean()) if len(stacked) else None,
        max_abs_difference=clean(stacked.max()) if len(stacked) else None,
        worst_pair=worst,
    )


def _rows(frame: pd.DataFrame) -> list[list[float | None]]:
    return [[clean(v) for v in row] for row in frame.to_numpy()]


def correlations(table: TypedTable) -> list[CorrelationComparison]:
    return [c for method in METHODS if (c := compare(table, method)) is not None]
