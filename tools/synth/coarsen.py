"""Quasi-identifiers and sensitive attributes are modelled, but never in a form that singles someone out.

- A category label that recurs (at least ``k`` sample rows) is public vocabulary (``Caucasian``,
  ``Cardiology``, ``250.83``) and is learned as it is. A rarer label is merged, before any model sees it,
  into a frequent label of the same written shape (``V58`` into ``V57`` or ``V45``, letters and digits
  alike), drawn in proportion to the frequent labels' counts, or into any frequent label when none has
  its shape: a label that is not in the output's vocabulary can never be written, and a label that
  never was in the sample never is.
- A quasi-identifying date (a birth date) is learned to the month; the day is drawn afresh in the
  output, so a synthetic birth date is never borrowed whole from a sample row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tools.profile.patterns import shape

DEFAULT_K = 10


def merge_rare_labels(values: np.ndarray, k: int, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """``values`` (object labels, None for missing) with every label seen fewer than ``k`` times (spellings
    that differ only in padding or case counted together) replaced by a frequent label of the same shape;
    and how many distinct spellings were merged. With no frequent label at all, the values are returned
    unchanged (the caller regenerates such a column instead)."""
    series = pd.Series(values, dtype=object)
    counts = series.value_counts(dropna=True)
    # a label recurs whatever its padding or case ("Wales " is Wales): those are quirks of the writing
    folded = pd.Series([str(label).strip().casefold() for label in counts.index], index=counts.index)
    per_label = folded.map(counts.groupby(folded.to_numpy()).sum())
    frequent = counts[per_label >= k]
    rare = counts[per_label < k]
    if rare.empty or frequent.empty:
        return values, 0
    frequent_shapes = pd.Series([shape(str(label)) for label in frequent.index], index=frequent.index)
    out = values.copy()
    for written, labels in rare.groupby([shape(str(label)) for label in rare.index]).groups.items():
        pool = frequent[frequent_shapes == written]
        if pool.empty:
            pool = frequent
        rows = np.flatnonzero(series.isin(list(labels)).to_numpy())
        weights = pool.to_numpy(dtype=np.float64)
        out[rows] = pool.index.to_numpy(dtype=object)[rng.choice(len(pool), size=len(rows), p=weights / weights.sum())]
    return out, len(rare)


def frequent_share(values: pd.Series, k: int) -> float:
    """Share of present values whose label is shared by at least ``k`` rows."""
    counts = values.dropna().astype(str).value_counts()
    total = int(counts.sum())
    return float(counts[counts >= k].sum()) / total if total else 0.0


def to_month(stamps: np.ndarray) -> np.ndarray:
    """Dates truncated to the first of their month (NaT kept): what a quasi-identifying date is learned as."""
    return stamps.astype("datetime64[M]").astype(stamps.dtype)


def any_day_of_month(stamps: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Month-start dates moved to a random day of their month (NaT kept)."""
    values = np.asarray(stamps, dtype="datetime64[ns]")
    months = values.astype("datetime64[M]")
    days = ((months + 1).astype("datetime64[D]") - months.astype("datetime64[D]")).astype(np.int64)
    valid = ~np.isnat(values)
    offset = np.zeros(len(values), dtype=np.int64)
    offset[valid] = np.floor(rng.random(int(valid.sum())) * days[valid]).astype(np.int64)
    return months.astype("datetime64[D]").astype("datetime64[ns]") + offset.astype("timedelta64[D]")
