"""Profile one column. This is where the privacy rule is applied: a sensitive column keeps no value-level
statistic (no top values, min/max, quantiles, literals), only counts, rates, shapes and, for dates,
year-level counts. Free text never keeps values, sensitive or not."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from tools.profile import quality
from tools.profile.dates import iso, years
from tools.profile.keys import duplicate_key, is_candidate_key
from tools.profile.model import (
    QUANTILES,
    ColumnProfile,
    DateStats,
    Histogram,
    QualityIssue,
    Share,
    TypeInference,
    YearCount,
    quantile_key,
)
from tools.profile.patterns import find_masked, masked_issue, patterns
from tools.profile.stats import histogram, length_stats, numeric_stats, top_values, weighted_quantiles
from tools.profile.types import Inference, infer_type
from tools.profile.values import ColumnValues
from tools.sensitive.model import ColumnClassification

NUMERIC = ("integer", "decimal", "float")
DATES = ("date", "datetime")


@dataclass
class ColumnResult:
    """The public profile plus the parsed column, kept for table-level checks (keys, correlations)."""

    profile: ColumnProfile
    values: ColumnValues
    inference: Inference
    key: bool


def profile_column(values: ColumnValues, classification: ColumnClassification | None, today: dt.date) -> ColumnResult:
    """Type, statistics, shapes and quality issues of one column. Unclassified columns count as sensitive."""
    sensitive = classification.sensitive if classification is not None else True
    role = classification.role if classification is not None else "identifier"
    entity = classification.entity if classification is not None and classification.entity != "none" else None
    find_masked(values)
    inference = infer_type(values)
    kind = inference.type
    present = values.n_present
    distinct = int(values.present.sum())
    key = is_candidate_key(values, kind)
    profile = ColumnProfile(
        name=values.name,
        sensitive=sensitive,
        role=role,
        entity=entity,
        inferred=_public_inference(inference.result, sensitive),
        count=values.rows,
        present=present,
        nulls=values.nulls,
        blanks=values.n_blank,
        missing_rate=round((values.rows - present) / values.rows, 6) if values.rows else 0.0,
        distinct=distinct,
        distinct_ratio=round(distinct / present, 6) if present else 0.0,
        unique=bool(present and present == values.rows and (values.counts[values.present] <= 1).all()),
    )
    if kind in NUMERIC and not sensitive and inference.numbers is not None:
        profile.numeric = numeric_stats(inference.numbers, values.counts)
    if kind in DATES and inference.dates is not None:
        profile.dates = _dates(inference, values.counts, kind == "datetime", sensitive, entity, today)
    if kind != "empty":
        idx = np.flatnonzero(values.present)
        profile.lengths = length_stats(values.text.take(pa.array(idx)), values.counts[idx])
    if kind in ("category", "boolean") and not sensitive:
        profile.top_values = _top(values)
    if kind not in ("free_text", "empty"):
        profile.patterns = patterns(values)
    profile.quality = _issues(values, inference, entity, today, key)
    return ColumnResult(profile, values, inference, key)


def _public_inference(result: TypeInference, sensitive: bool) -> TypeInference:
    """A sensitive column's yes/no spellings are left out (synthesis reads a modelled flag's from the sample)."""
    if not sensitive:
        return result
    return result.model_copy(update={"true_literal": None, "false_literal": None})


def _dates(
    inference: Inference, counts: np.ndarray, with_time: bool, sensitive: bool, entity: str | None, today: dt.date
) -> DateStats | None:
    dates = inference.dates
    assert dates is not None
    keep = dates.ok & quality.in_range(dates.seconds, today) & (counts > 0)
    if not keep.any():
        return None
    seconds, weights = dates.seconds[keep], counts[keep]
    if sensitive or entity == "date_of_birth":
        year = years(seconds)
        first = int(year.min())
        tally = np.bincount(year - first, weights=weights)
        bins = [YearCount(year=first + i, count=int(c)) for i, c in enumerate(tally) if c]
        return DateStats(generalised=True, years=bins)
    qs = weighted_quantiles(seconds.astype(np.float64), weights)
    counts_h, edges = histogram(seconds.astype(np.float64), weights)
    labels = iso(np.round(qs).astype(np.int64), with_time)
    return DateStats(
        min=iso(int(seconds.min()), with_time)[0],
        max=iso(int(seconds.max()), with_time)[0],
        quantiles={quantile_key(q): v for q, v in zip(QUANTILES, labels, strict=True)},
        histogram=Histogram(edges=iso(np.round(edges).astype(np.int64), with_time), counts=[int(c) for c in counts_h]),
    )


def _top(values: ColumnValues) -> list[Share]:
    """Frequent stripped values (case kept) of a non-sensitive low-cardinality column."""
    idx = np.flatnonzero(values.usable)
    if not len(idx):
        return []
    frame = pd.DataFrame({"v": values.text.take(pa.array(idx)).to_pylist(), "n": values.counts[idx]})
    grouped = frame.groupby("v", sort=False)["n"].sum()
    return top_values(pa.array(grouped.index.astype(str), pa.large_string()), grouped.to_numpy(), values.n_present)


def _issues(
    values: ColumnValues, inference: Inference, entity: str | None, today: dt.date, key: bool
) -> list[QualityIssue]:
    kind = inference.type
    found: list[QualityIssue | None] = [quality.whitespace(values), masked_issue(values)]
    found.append(quality.unparsed(values, inference))
    role = quality.column_role(values, inference, entity)
    if role in ("email", "postcode"):
        found.append(quality.invalid(values, role))
    elif role == "phone":
        found.append(quality.phone_formats(values))
    if kind in DATES:
        found.append(quality.date_range(values, inference, today))
    if kind in ("category", "boolean"):
        found.append(quality.inconsistent_case(values))
    found.append(duplicate_key(values, kind, key, entity))
    return [issue for issue in found if issue is not None]
