"""Per-column comparisons: KS and Wasserstein for numbers and dates, chi-squared and total variation for
categories, text-length KS for identifiers and free text, and SDMetrics coverage/boundary metrics."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from tools.quality.frames import ColumnInfo, TypedTable, seconds
from tools.quality.model import ColumnMetrics
from tools.quality.numbers import clean, rate


def ks(real: np.ndarray, synthetic: np.ndarray) -> tuple[float | None, float | None]:
    """Two-sample Kolmogorov-Smirnov statistic and p-value (None when either side is empty)."""
    if not len(real) or not len(synthetic):
        return None, None
    result = stats.ks_2samp(real, synthetic)
    return clean(result.statistic), clean(result.pvalue)


def wasserstein(real: np.ndarray, synthetic: np.ndarray) -> tuple[float | None, float | None]:
    """Earth mover's distance, raw and divided by the real range (so columns compare on one scale)."""
    if not len(real) or not len(synthetic):
        return None, None
    distance = float(stats.wasserstein_distance(real, synthetic))
    span = float(real.max() - real.min())
    normalised = distance / span if span > 0 else (0.0 if distance == 0 else None)
    return clean(distance), clean(normalised)


def category_counts(real: pd.Series, synthetic: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Counts per category over the union of both sides' categories (missing values left out)."""
    r, s = real.dropna().value_counts(), synthetic.dropna().value_counts()
    union = r.index.union(s.index)
    return r.reindex(union, fill_value=0).to_numpy(np.float64), s.reindex(union, fill_value=0).to_numpy(np.float64)


def tv_distance(real_counts: np.ndarray, synthetic_counts: np.ndarray) -> float | None:
    """Total variation distance between the two category frequency distributions (0 same, 1 disjoint)."""
    if real_counts.sum() == 0 or synthetic_counts.sum() == 0:
        return None
    return clean(0.5 * np.abs(real_counts / real_counts.sum() - synthetic_counts / synthetic_counts.sum()).sum())


def chi2_pvalue(real_counts: np.ndarray, synthetic_counts: np.ndarray) -> float | None:
    """Chi-squared test of homogeneity on the 2 x K table: could both samples come from one distribution?"""
    if real_counts.sum() == 0 or synthetic_counts.sum() == 0:
        return None
    if len(real_counts) < 2:
        return 1.0  # one category on both sides: identical
    table = np.vstack([real_counts, synthetic_counts])
    return clean(stats.chi2_contingency(table, correction=False).pvalue)


def column_metrics(table: TypedTable, shape_scores: dict[str, float | None]) -> list[ColumnMetrics]:
    return [_one(table, col, shape_scores.get(col.name)) for col in table.columns]


def _one(table: TypedTable, col: ColumnInfo, shape: float | None) -> ColumnMetrics:
    real_text, synth_text = table.real_text[col.name], table.synthetic_text[col.name]
    metrics = ColumnMetrics(
        column=col.name,
        kind=col.kind,
        sensitive=col.sensitive,
        real_missing_rate=rate(real_text.isna().sum(), len(real_text)),
        synthetic_missing_rate=rate(synth_text.isna().sum(), len(synth_text)),
        synthetic_unparsed_rate=clean(table.unparsed.get(col.name)),
        shape_score=shape,
    )
    if col.kind in ("numerical", "datetime"):
        r, s = _finite(seconds(table.real[col.name])), _finite(seconds(table.synthetic[col.name]))
        metrics.ks_statistic, metrics.ks_pvalue = ks(r, s)
        metrics.wasserstein, metrics.wasserstein_normalised = wasserstein(r, s)
        metrics.boundary_adherence = _sdmetric("BoundaryAdherence", r, s)
        metrics.range_coverage = _sdmetric("RangeCoverage", r, s)
    elif col.kind in ("categorical", "boolean"):
        rc, sc = category_counts(table.real[col.name], table.synthetic[col.name])
        metrics.tv_distance = tv_distance(rc, sc)
        metrics.chi2_pvalue = chi2_pvalue(rc, sc)
        metrics.category_coverage = _sdmetric("CategoryCoverage", table.real[col.name], table.synthetic[col.name])
    elif col.kind in ("identifier", "text"):
        lengths_r = real_text.dropna().str.len().to_numpy(np.float64)
        lengths_s = synth_text.dropna().str.len().to_numpy(np.float64)
        metrics.length_ks, _ = ks(lengths_r, lengths_s)
        if metrics.length_ks is not None:
            metrics.shape_score = clean(1 - metrics.length_ks)
    return metrics


def _finite(values: np.ndarray) -> np.ndarray:
    return values[np.isfinite(values)]


def _sdmetric(name: str, real: np.ndarray | pd.Series, synthetic: np.ndarray | pd.Series) -> float | None:
    """A single-column SDMetrics metric; None when it does not apply (e.g. a constant real column)."""
    import sdmetrics.single_column as single

    if not len(real) or not len(synthetic):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return clean(getattr(single, name).compute(pd.Series(real), pd.Series(synthetic)))
    except Exception:  # a metric that cannot run on this column reads as n/a, like SDMetrics' own reports
        return None
