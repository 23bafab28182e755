"""Segmented Gaussian copulas: one SDV GaussianCopula per value of the category that shapes the rest of
the row, so that dependence a single copula cannot hold survives.

A Gaussian copula ties columns through one correlation matrix of normal scores. It keeps "amount rises
with balance" but not "ATM withdrawals are negative and round while BACS credits are large and
positive": a category's effect on another column's whole shape is not a correlation. When one
category column is strongly associated with the others (mean Cramér's V / correlation ratio at least
``MIN_ASSOCIATION``), each of its frequent values gets its own copula, fitted on its rows only, and
sampled in the proportions of the sample. Values with fewer than ``MIN_SEGMENT_ROWS`` rows are modelled
together, with the column kept as an ordinary learned column. Everything is SDV; only how the rows are
split between synthesizers is ours. Only learned (non-sensitive) columns are ever seen here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

MIN_ASSOCIATION = 0.3
MIN_SEGMENT_ROWS = 100
MAX_SEGMENTS = 12
ASSOCIATION_ROWS = 20_000
CATEGORICAL = {"categorical", "boolean"}
LEARNED = CATEGORICAL | {"numerical", "datetime"}

Fitter = Callable[[pd.DataFrame, dict[str, str], int, int], pd.DataFrame]
"""(training frame, sdtypes of its columns, rows to sample, seed) -> sampled frame."""


@dataclass(frozen=True)
class Segmentation:
    column: str
    association: float
    segments: list[object]  # values with their own copula, most frequent first

    def describe(self) -> str:
        return f"{self.column} ({len(self.segments)} segments, association {self.association:.2f})"


Coded = tuple[np.ndarray, int]  # codes 0..k-1 of a column, and k


def _codes(series: pd.Series, sdtype: str, bins: int = 10) -> Coded:
    """Compact integer codes of a column for a contingency table: categories as is, numbers and dates
    in quantile bins, missing as its own code."""
    if sdtype in CATEGORICAL:
        return _compact(np.asarray(pd.factorize(series, use_na_sentinel=True)[0]))
    values = pd.to_numeric(series, errors="coerce") if sdtype == "numerical" else _as_number(series)
    ranked = pd.Series(values).rank(method="average", pct=True).to_numpy()
    codes = np.floor(np.nan_to_num(ranked, nan=-1.0) * bins).clip(-1, bins - 1)
    return _compact(codes.astype(np.int64))


def _compact(values: np.ndarray) -> Coded:
    _, inverse = np.unique(values, return_inverse=True)
    return inverse.astype(np.int64), int(inverse.max()) + 1 if len(inverse) else 0


def _as_number(series: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(series, errors="coerce")
    return pd.Series(stamps.to_numpy(dtype="datetime64[ns]").astype("int64"), index=series.index).where(stamps.notna())


def cramers_v(a: np.ndarray, b: np.ndarray) -> float:
    """Cramér's V of two integer-coded columns (missing is a category of its own)."""
    return _v(_compact(np.asarray(a)), _compact(np.asarray(b)))


def _v(a: Coded, b: Coded) -> float:
    (ia, ra), (ib, rb) = a, b
    if min(ra, rb) < 2:
        return 0.0
    table = np.bincount(ia * rb + ib, minlength=ra * rb).reshape(ra, rb).astype(float)
    n = table.sum()
    expected = np.outer(table.sum(1), table.sum(0)) / n
    chi2 = float(((table - expected) ** 2 / np.where(expected > 0, expected, 1.0)).sum())
    return float(np.sqrt(chi2 / (n * (min(ra, rb) - 1))))


def association(
    frame: pd.DataFrame, sdtypes: dict[str, str], column: str, codes: dict[str, Coded] | None = None
) -> float:
    """Mean Cramér's V of ``column`` with every other learned column (numbers and dates binned).
    ``codes``: the columns' codes already computed (``choose`` shares them between candidates)."""
    known = codes if codes is not None else {}
    own = known.get(column) or _codes(frame[column], "categorical")
    scores = [
        _v(own, known[other] if other in known else _codes(frame[other], sdtype))
        for other, sdtype in sdtypes.items()
        if other != column and other in frame and sdtype in LEARNED
    ]
    return float(np.mean(scores)) if scores else 0.0


def choose(frame: pd.DataFrame, sdtypes: dict[str, str], exclude: set[str] | None = None) -> Segmentation | None:
    """The category whose values shape the rest of the row most, if strong enough to segment by."""
    best: Segmentation | None = None
    sample = frame.iloc[:: max(1, len(frame) // ASSOCIATION_ROWS)]  # evenly spaced rows: enough to measure
    codes = {c: _codes(sample[c], t) for c, t in sdtypes.items() if c in sample and t in LEARNED}
    for column, sdtype in sdtypes.items():
        if sdtype != "categorical" or column in (exclude or set()) or column not in frame:
            continue
        counts = frame[column].value_counts(dropna=True)
        if not 2 <= len(counts) <= MAX_SEGMENTS * 4:
            continue
        big = [v for v, n in counts.items() if n >= MIN_SEGMENT_ROWS][:MAX_SEGMENTS]
        if not big or (len(big) == 1 and counts[big[0]] == len(frame)):
            continue  # nothing to split
        score = association(sample, sdtypes, column, codes)
        if score >= MIN_ASSOCIATION and (best is None or score > best.association):
            best = Segmentation(column=column, association=round(score, 4), segments=big)
    return best


def split_counts(frame: pd.DataFrame, seg: Segmentation, rows: int, rng: np.random.Generator) -> list[int]:
    """Rows to sample per segment, then for the rest (last), by a seeded multinomial draw."""
    column = frame[seg.column]
    shares = [float((column == v).sum()) for v in seg.segments]
    shares.append(float(len(frame)) - sum(shares))
    total = sum(shares)
    return [int(n) for n in rng.multinomial(rows, [s / total for s in shares])]


def sample_segmented(
    frame: pd.DataFrame, sdtypes: dict[str, str], rows: int, seed: int, fit: Fitter, seg: Segmentation | None
) -> pd.DataFrame:
    """``rows`` rows: one fitted copula per segment (``fit`` does the SDV work), or one for the whole
    frame when ``seg`` is None. Rows come out in a seeded shuffled order, columns in ``frame``'s."""
    if seg is None:
        return fit(frame, sdtypes, rows, seed)
    rng = np.random.default_rng([seed, 0x5E6])
    counts = split_counts(frame, seg, rows, rng)
    parts: list[pd.DataFrame] = []
    in_segment = frame[seg.column].isin(seg.segments)
    inner = {c: t for c, t in sdtypes.items() if c != seg.column}
    for i, (value, count) in enumerate(zip(seg.segments, counts, strict=False)):
        if count == 0:
            continue
        part = fit(frame.loc[frame[seg.column] == value].drop(columns=[seg.column]), inner, count, seed + i + 1)
        part[seg.column] = value
        parts.append(part)
    rest = int(counts[-1])
    if rest:
        parts.append(fit(frame.loc[~in_segment], sdtypes, rest, seed + len(seg.segments) + 1))
    sampled = pd.concat(parts, ignore_index=True)[list(frame.columns)]
    return sampled.iloc[rng.permutation(len(sampled))].reset_index(drop=True)


def with_dtypes(sampled: pd.DataFrame, like: pd.DataFrame) -> pd.DataFrame:
    """Each column back in the training frame's dtype where the segments' concatenation widened it."""
    out = sampled.copy()
    for column in out.columns:
        wanted: Any = like[column].dtype
        if out[column].dtype != wanted:
            with contextlib.suppress(TypeError, ValueError):  # a boolean column with gaps stays object
                out[column] = out[column].astype(wanted)
    return out
