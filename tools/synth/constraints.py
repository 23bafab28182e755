"""Constraints on the typed synthetic table, from the profile and from the user.

* ranges: numbers and dates kept inside the sample's observed [min, max] (or the user's bounds);
* orderings such as ``start <= end``: violations brought to the sample's own violation rate (extra
  ones fixed by moving the later column by a gap seen in compliant rows, missing ones injected as
  the later column set 1-30 days before the earlier one);
* fixed combinations: a category that determines another in the sample (``device_model`` ->
  ``manufacturer``) determines it in the output; user-named column sets keep only seen combinations;
* explicit correlations: the second column's values re-ordered (its marginal unchanged) so the
  Spearman correlation with the first reaches the target.
"""

from __future__ import annotations

import graphlib
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from tools.errors import DoppelError
from tools.synth.model import ConstraintReport, CorrelationRule, FixedCombinationRule, OrderingRule, RangeRule
from tools.synth.training import TrainingTable

FD_SHARE = 0.995  # a determines b when b equals its most common value given a in this share of rows
FD_GAIN = 0.1  # ... and a's mapping errs on at most this share of the rows b's most common value would
FD_MAX_LEVELS = 200
FD_SAMPLE = 50_000
NS = 1_000_000_000


@dataclass
class FixedMap:
    determinant: str
    dependent: str
    mapping: dict[object, object]  # determinant value -> dependent value, typed as the training frame


def find_fixed_maps(training: TrainingTable) -> list[FixedMap]:
    """Category pairs where one determines the other in (nearly) every row that has both."""
    frame = training.frame
    if len(frame) > FD_SAMPLE:
        frame = frame.iloc[np.linspace(0, len(frame) - 1, FD_SAMPLE).astype(np.int64)]
    columns = [c for c, codec in training.codecs.items() if codec.kind in ("category", "boolean")]
    coded: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for c in columns:
        codes, uniques = pd.factorize(frame[c], use_na_sentinel=True)
        if 2 <= len(uniques) <= FD_MAX_LEVELS:
            coded[c] = (codes, np.asarray(uniques, dtype=object))
    found: list[FixedMap] = []
    names = list(coded)
    for a in names:
        for b in names:
            if a == b:
                continue
            ca, ua = coded[a]
            cb, ub = coded[b]
            both = (ca >= 0) & (cb >= 0)
            n = int(both.sum())
            if n < 20 or (_same_partition(ca, cb, both) and names.index(a) > names.index(b)):
                continue  # a one-to-one pair: keep one direction (it implies the other)
            table = np.bincount(ca[both] * len(ub) + cb[both], minlength=len(ua) * len(ub)).reshape(len(ua), len(ub))
            if table.max(axis=1).sum() < FD_SHARE * n or (table.sum(axis=0) > 0).sum() < 2:
                continue
            wrong_by_a = n - int(table.max(axis=1).sum())
            wrong_alone = n - int(table.sum(axis=0).max())  # guessing b's most common value for every row
            if wrong_by_a > FD_GAIN * wrong_alone:
                continue  # b is (nearly) constant: a "determines" it only by ignoring its rare values
            seen = table.sum(axis=1) > 0
            mapping = {ua[i]: ub[int(np.argmax(table[i]))] for i in np.flatnonzero(seen)}  # typed, as in the frame
            found.append(FixedMap(a, b, mapping))
    return found


def _same_partition(ca: np.ndarray, cb: np.ndarray, both: np.ndarray) -> bool:
    pairs = pd.unique(ca[both] * (cb.max() + 1) + cb[both])
    return len(pairs) == len(np.unique(ca[both])) == len(np.unique(cb[both]))


def apply_fixed_maps(frame: pd.DataFrame, maps: list[FixedMap], table: str) -> list[ConstraintReport]:
    reports = []
    for m in maps:
        a, b = frame[m.determinant], frame[m.dependent]
        mapped = a.map(m.mapping)
        change = mapped.notna() & b.notna() & (mapped != b)
        frame.loc[change, m.dependent] = mapped[change]
        reports.append(
            ConstraintReport(
                table=table, kind="fixed_combination", columns=[m.determinant, m.dependent], source="profile",
                rows_changed=int(change.sum()), note=f"{m.determinant} determines {m.dependent} in the sample",
            )
        )  # fmt: skip
    return reports


def apply_combinations(
    frame: pd.DataFrame, rule: FixedCombinationRule, seen: pd.DataFrame, table: str, rng: np.random.Generator
) -> ConstraintReport:
    """Rows whose combination of ``rule.columns`` never occurs in ``seen`` get a seen combination (one
    with the same first-column value when there is one), drawn by frequency."""
    cols = rule.columns
    key = _keys(frame[cols])
    seen_keys = _keys(seen[cols])
    bad = np.flatnonzero(~np.isin(key, seen_keys))
    combos = seen[cols].reset_index(drop=True)
    first = combos[cols[0]].astype(object).where(combos[cols[0]].notna(), None).to_numpy(dtype=object)
    for row in bad:
        value = frame[cols[0]].iloc[row]
        pool = np.flatnonzero(first == value) if value is not None and not pd.isna(value) else np.zeros(0, np.int64)
        pool = pool if len(pool) else np.arange(len(combos))
        pick = combos.iloc[int(rng.choice(pool))]
        for c in cols:
            frame.iloc[row, frame.columns.get_loc(c)] = pick[c]
    return ConstraintReport(table=table, kind="fixed_combination", columns=cols, source="user", rows_changed=len(bad))


def _keys(frame: pd.DataFrame) -> np.ndarray:
    parts = [frame[c].astype(object).where(frame[c].notna(), "\x00").astype(str) for c in frame.columns]
    joined = parts[0]
    for p in parts[1:]:
        joined = joined + "\x1f" + p
    return joined.to_numpy(dtype=object)


def clip_range(
    frame: pd.DataFrame, column: str, low: object, high: object, table: str, source: Literal["profile", "user"]
) -> ConstraintReport:
    """Clip a number or date column to [low, high] (None: open)."""
    values = frame[column]
    is_date = pd.api.types.is_datetime64_any_dtype(values)
    lo = pd.Timestamp(str(low)) if is_date and low is not None else low
    hi = pd.Timestamp(str(high)) if is_date and high is not None else high
    if not is_date:
        lo = None if low is None else float(str(low))
        hi = None if high is None else float(str(high))
    below = (values < lo) if lo is not None else pd.Series(False, index=values.index)
    above = (values > hi) if hi is not None else pd.Series(False, index=values.index)
    frame[column] = values.clip(lower=lo, upper=hi)
    return ConstraintReport(
        table=table, kind="range", columns=[column], source=source,
        rows_changed=int(below.sum() + above.sum()), note=f"[{_show(lo)}, {_show(hi)}]" if source == "user" else None,
    )  # fmt: skip


def _show(value: object) -> str:
    return "-inf" if value is None else str(value)


def ordered(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Pairs sorted so each column is fixed as a ``first`` before it is moved as a ``second``."""
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for first, second in pairs:
        sorter.add(second, first)
    try:
        rank = {c: i for i, c in enumerate(sorter.static_order())}
    except graphlib.CycleError:
        return pairs
    return sorted(pairs, key=lambda p: (rank[p[0]], rank[p[1]]))


def enforce_ordering(
    frame: pd.DataFrame, first: str, second: str, target_rate: float, rng: np.random.Generator
) -> tuple[int, float, int]:
    """Bring ``first > second`` rows to ``target_rate`` of the rows having both; returns (rows changed,
    achieved rate, rows compared)."""
    a = frame[first].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    b = frame[second].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    nat = np.iinfo(np.int64).min
    both = (a != nat) & (b != nat)
    n = int(both.sum())
    if n == 0:
        return 0, 0.0, 0
    gaps = (b - a)[both]
    good_gaps = gaps[gaps > 0]
    if not len(good_gaps):
        good_gaps = np.array([86400 * NS], dtype=np.int64)
    violating = np.flatnonzero(both & (a > b))
    target = round(target_rate * n)
    changed = 0
    if len(violating) > target:
        fix = rng.choice(violating, size=len(violating) - target, replace=False)
        gap = rng.choice(good_gaps, size=len(fix))
        high_b, low_a = b[both].max(), a[both].min()
        later = a[fix] <= high_b  # move the later value forward, staying inside its own range
        b[fix[later]] = a[fix[later]] + np.minimum(gap[later], high_b - a[fix[later]])
        early = fix[~later]  # else move the earlier value back, inside its range
        a[early] = np.maximum(b[early] - gap[~later], np.minimum(low_a, b[early]))
        changed = len(fix)
    elif len(violating) < target:
        compliant = np.flatnonzero(both & (a <= b))
        flip = rng.choice(compliant, size=min(len(compliant), target - len(violating)), replace=False)
        days = rng.integers(1, 31, size=len(flip)) * 86400 * NS  # a plausible slip, whole days so dates show it
        b[flip] = a[flip] - days
        changed = len(flip)
    frame[first] = a.astype("datetime64[ns]")  # int64 min is NaT, so gaps stay gaps
    frame[second] = b.astype("datetime64[ns]")
    achieved = float((both & (a > b)).sum()) / n
    return changed, achieved, n


def keep_ordering(
    frame: pd.DataFrame, first: str, second: str, rate: float, rng: np.random.Generator, table: str,
    source: Literal["profile", "user"],
) -> ConstraintReport:  # fmt: skip
    """``enforce_ordering`` with its report."""
    changed, achieved, compared = enforce_ordering(frame, first, second, rate, rng)
    return ConstraintReport(
        table=table, kind="ordering", columns=[first, second], source=source, rows_changed=changed, target=rate,
        achieved=round(achieved, 6), note=f"{compared} rows have both",
    )  # fmt: skip


def apply_correlation(frame: pd.DataFrame, rule: CorrelationRule, rng: np.random.Generator) -> float:
    """Re-order ``rule.b`` (values unchanged) so its Spearman correlation with ``rule.a`` nears
    ``rule.value``; returns the achieved correlation."""
    a = _numeric(frame[rule.a])
    b = _numeric(frame[rule.b])
    both = np.isfinite(a) & np.isfinite(b)
    rows = np.flatnonzero(both)
    if len(rows) < 3:
        raise DoppelError(f"correlation {rule.a} ~ {rule.b}: fewer than 3 rows have both values")
    ranks = stats.rankdata(a[rows]) / (len(rows) + 1)
    za = stats.norm.ppf(ranks)
    r = 2 * np.sin(np.pi * rule.value / 6)  # Spearman's rho -> the Gaussian copula's Pearson r
    z = r * za + np.sqrt(max(0.0, 1 - r * r)) * rng.standard_normal(len(rows))
    new_b = np.sort(b[rows])[np.argsort(np.argsort(z))]
    column = frame[rule.b]
    if pd.api.types.is_datetime64_any_dtype(column):
        values = column.to_numpy(dtype="datetime64[ns]").copy()
        values[rows] = new_b.astype(np.int64).astype("datetime64[ns]")
        frame[rule.b] = values
    else:
        values = column.to_numpy(dtype=np.float64).copy()
        values[rows] = new_b
        frame[rule.b] = values
    return spearman(frame[rule.a], frame[rule.b])


def _numeric(series: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(series):
        ints = series.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(np.float64)
        ints[series.isna().to_numpy()] = np.nan
        return ints
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)


def spearman(a: pd.Series, b: pd.Series) -> float:
    x, y = _numeric(a), _numeric(b)
    both = np.isfinite(x) & np.isfinite(y)
    if both.sum() < 3:
        return float("nan")
    return float(stats.spearmanr(x[both], y[both]).statistic)


def resolve(table: str | None, columns: list[str], available: dict[str, set[str]], what: str) -> str:
    """The table a user rule applies to: named, or the only table holding all its columns."""
    if table is not None:
        if table not in available:
            raise DoppelError(f"{what}: no table named '{table}' (tables: {', '.join(available)})")
        missing = [c for c in columns if c not in available[table]]
        if missing:
            raise DoppelError(f"{what}: table '{table}' has no column {', '.join(missing)}")
        return table
    holders = [t for t, cols in available.items() if all(c in cols for c in columns)]
    if len(holders) != 1:
        reason = "no table has" if not holders else f"tables {', '.join(holders)} all have"
        raise DoppelError(f"{what}: {reason} column(s) {', '.join(columns)}; name the table")
    return holders[0]


def describe(rule: RangeRule | OrderingRule | FixedCombinationRule | CorrelationRule) -> str:
    if isinstance(rule, RangeRule):
        return f"range on {rule.column}"
    if isinstance(rule, OrderingRule):
        return f"ordering {rule.first} <= {rule.second}"
    if isinstance(rule, FixedCombinationRule):
        return f"fixed combination of {', '.join(rule.columns)}"
    return f"correlation {rule.a} ~ {rule.b}"
