"""Weighted summary statistics over distinct values (value, count), equal to the per-row results."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tools.profile.model import QUANTILES, Histogram, LengthStats, NumericStats, Share, quantile_key

HISTOGRAM_BINS = 20
TOP_VALUES = 50
TOP_MIN_COUNT = 5


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs: tuple[float, ...] = QUANTILES) -> np.ndarray:
    """Quantiles (linear interpolation, numpy's default) of the sample where each value repeats weight times."""
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cum = np.cumsum(w)
    total = int(cum[-1])
    positions = np.asarray(qs) * (total - 1)
    lo, hi = np.floor(positions).astype(np.int64), np.ceil(positions).astype(np.int64)
    v_lo = v[np.searchsorted(cum, lo, side="right")]
    v_hi = v[np.searchsorted(cum, hi, side="right")]
    frac = positions - lo
    return np.asarray(v_lo + (v_hi - v_lo) * frac, dtype=np.float64)


def histogram(values: np.ndarray, weights: np.ndarray, bins: int = HISTOGRAM_BINS) -> tuple[np.ndarray, np.ndarray]:
    low, high = float(values.min()), float(values.max())
    if low == high:
        low, high = low - 0.5, high + 0.5
    counts, edges = np.histogram(values, bins=bins, range=(low, high), weights=weights)
    return counts.astype(np.int64), edges


def numeric_stats(values: np.ndarray, weights: np.ndarray) -> NumericStats | None:
    """Stats of finite parsed numbers (NaN = not parsed) weighted by their row counts."""
    ok = np.isfinite(values) & (weights > 0)
    if not ok.any():
        return None
    v, w = values[ok], weights[ok].astype(np.float64)
    mean = float(np.average(v, weights=w))
    std = float(np.sqrt(np.average((v - mean) ** 2, weights=w)))
    qs = weighted_quantiles(v, w.astype(np.int64))
    counts, edges = histogram(v, w)
    return NumericStats(
        min=float(v.min()),
        max=float(v.max()),
        mean=mean,
        std=std,
        quantiles={quantile_key(q): float(x) for q, x in zip(QUANTILES, qs, strict=True)},
        histogram=Histogram(edges=[float(e) for e in edges], counts=[int(c) for c in counts]),
    )


def length_stats(text: pa.Array, weights: np.ndarray) -> LengthStats | None:
    if not len(text) or weights.sum() == 0:
        return None
    lengths = pc.utf8_length(text).to_numpy(zero_copy_only=False).astype(np.float64)
    keep = weights > 0
    lengths, w = lengths[keep], weights[keep]
    p50, p95 = weighted_quantiles(lengths, w, (0.5, 0.95))
    return LengthStats(
        min=int(lengths.min()),
        max=int(lengths.max()),
        mean=round(float(np.average(lengths, weights=w)), 3),
        p50=float(p50),
        p95=float(p95),
    )


def top_values(raw: pa.Array, counts: np.ndarray, present: int) -> list[Share]:
    """Most frequent values with at least TOP_MIN_COUNT rows (rarer ones could single a record out)."""
    order = np.argsort(-counts, kind="stable")[:TOP_VALUES]
    out: list[Share] = []
    for i in order:
        c = int(counts[i])
        if c < TOP_MIN_COUNT:
            break
        out.append(Share(value=raw[int(i)].as_py(), count=c, share=round(c / present, 6)))
    return out


def share_list(labels: list[str], counts: np.ndarray, total: int, limit: int = 10) -> list[Share]:
    """(label, count) pairs as Shares, most frequent first."""
    order = np.argsort(-counts, kind="stable")[:limit]
    return [Share(value=labels[i], count=int(counts[i]), share=round(int(counts[i]) / total, 6)) for i in order]
