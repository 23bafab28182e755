"""Profile a set of ingested tables: per column, per table, and across tables (foreign keys)."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from tools.errors import DoppelError
from tools.ingest.model import IngestedTable
from tools.profile import correlations
from tools.profile import rules as row_rules
from tools.profile.column import DATES, NUMERIC, ColumnResult, profile_column
from tools.profile.keys import KeyColumn, duplicate_rows, foreign_keys, key_column
from tools.profile.model import DatasetProfile, QualityIssue, TableProfile
from tools.profile.ordering import DateColumn, orderings
from tools.profile.quality import in_range
from tools.profile.values import column_values, expand
from tools.sensitive.model import ColumnClassification

WORKERS = max(1, min(4, os.cpu_count() or 1))
PARALLEL_ROWS = 50_000
Lookup = dict[tuple[str, str], ColumnClassification]


def profile_tables(
    tables: list[IngestedTable],
    classifications: list[ColumnClassification] | None = None,
    *,
    today: dt.date | None = None,
    rules: bool = True,
) -> DatasetProfile:
    """Profile every table. Sensitivity comes from ``classifications`` or, when None, from the
    sensitivity classifier; a column without a classification is treated as sensitive. ``rules=False``
    skips looking for row rules (an evaluation measures the real sample's rules on its synthetic side)."""
    names = Counter(t.name for t in tables)
    if clashes := sorted(n for n, c in names.items() if c > 1):
        raise DoppelError(f"table names must be unique; repeated: {', '.join(clashes)}")
    today = today or dt.date.today()
    lookup, warnings = _sensitivity(tables, classifications)
    warnings = [w for t in tables for w in t.warnings] + warnings  # what reading changed comes first
    profiles: list[TableProfile] = []
    keys: list[KeyColumn] = []
    for table in tables:
        profile, table_keys = profile_table(table, lookup, today, rules)
        profiles.append(profile)
        keys.extend(table_keys)
    return DatasetProfile(
        reference_date=today.isoformat(), tables=profiles, foreign_keys=foreign_keys(keys), warnings=warnings
    )


def _sensitivity(
    tables: list[IngestedTable], classifications: list[ColumnClassification] | None
) -> tuple[Lookup, list[str]]:
    warnings: list[str] = []
    if classifications is None:
        try:
            from tools.sensitive.classify import classify_tables
        except ImportError:
            warnings.append("sensitivity classifier unavailable: every column treated as sensitive (no values kept)")
            return {}, warnings
        classifications = list(classify_tables(tables))
    lookup = {(c.table, c.column): c for c in classifications}
    missing = [f"{t.name}.{c}" for t in tables for c in map(str, t.frame.columns) if (t.name, c) not in lookup]
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        warnings.append(f"no sensitivity classification for {shown}: treated as sensitive")
    return lookup, warnings


def profile_table(
    table: IngestedTable, lookup: Lookup, today: dt.date, rules: bool = True
) -> tuple[TableProfile, list[KeyColumn]]:
    """Columns one by one, then what needs several columns: duplicates, keys, orderings, correlations,
    and the rules (nearly) every row obeys."""
    frame = table.frame
    rows = len(frame)

    def one(i: int) -> ColumnResult:
        name = str(frame.columns[i])
        return profile_column(column_values(name, frame.iloc[:, i]), lookup.get((table.name, name)), today)

    workers = min(WORKERS, frame.shape[1]) if rows >= PARALLEL_ROWS else 1
    if workers > 1:  # Arrow kernels release the GIL, so two threads overlap well on two cores
        with ThreadPoolExecutor(workers) as pool:
            results = list(pool.map(one, range(frame.shape[1])))
    else:
        results = [one(i) for i in range(frame.shape[1])]
    duplicates = duplicate_rows([r.values.codes for r in results], rows)
    order = orderings(_date_columns(results))
    quality: list[QualityIssue] = []
    if duplicates:
        quality.append(
            QualityIssue(kind="duplicate_rows", rate=round(duplicates / rows, 6), count=duplicates, basis="rows")
        )
    for o in order:
        if o.violation_rate > 0:
            count = round(o.violation_rate * o.rows_compared)
            quality.append(
                QualityIssue(
                    kind="ordering_violation",
                    rate=o.violation_rate,
                    count=count,
                    basis="pairs",
                    details={"first": o.first, "second": o.second},
                )
            )
    profile = TableProfile(
        name=table.name,
        source=table.source,
        rows=rows,
        duplicate_rows=duplicates,
        duplicate_row_rate=round(duplicates / rows, 6) if rows else 0.0,
        candidate_keys=[r.profile.name for r in results if r.key],
        columns=[r.profile for r in results],
        orderings=order,
        correlations=_correlations(results, rows),
        quality=quality,
        rules=row_rules.discover(_typed(results, rows, today), order) if rules else [],
    )
    keys = [k for r in results if (k := key_column(table.name, r.values, r.inference.type, r.key)) is not None]
    return profile, keys


def _date_columns(results: list[ColumnResult]) -> list[DateColumn]:
    out = []
    for r in results:
        dates = r.inference.dates
        if r.inference.type in DATES and dates is not None:
            codes = r.values.codes
            out.append(DateColumn(r.profile.name, expand(dates.seconds, codes, 0), expand(dates.ok, codes, False)))
    return out


def _typed(results: list[ColumnResult], rows: int, today: dt.date) -> row_rules.Typed:
    """The columns rules are looked for in: numbers, dates and categories that are not identifiers (never
    keys), as the profiler parsed them."""
    typed = row_rules.Typed(rows)
    for r in results:
        kind = r.inference.type
        if r.key or r.profile.role == "identifier":
            continue
        if kind in NUMERIC and r.inference.numbers is not None:
            typed.add_number(r.profile.name, r.values, r.inference.numbers)
        elif kind in DATES and r.inference.dates is not None:
            dates = r.inference.dates
            typed.add_date(r.profile.name, r.values, dates.seconds, dates.ok & in_range(dates.seconds, today))
        elif kind in ("category", "boolean"):
            typed.add_label(r.profile.name, r.values)
    return typed


def _correlations(results: list[ColumnResult], rows: int) -> list[correlations.Correlation]:
    sample = correlations.sample_rows(rows)
    numeric: list[correlations.NumericColumn] = []
    categorical: list[correlations.CategoricalColumn] = []
    for r in results:
        codes = r.values.codes if sample is None else r.values.codes[sample]
        kind = r.inference.type
        if kind in NUMERIC and not r.key and r.inference.numbers is not None:
            numeric.append(correlations.NumericColumn(r.profile.name, expand(r.inference.numbers, codes, np.nan)))
        elif kind in ("category", "boolean"):
            levels, n = _levels(r)
            categorical.append(correlations.CategoricalColumn(r.profile.name, expand(levels, codes, -1), n))
    return correlations.numeric(numeric) + correlations.cramers_v(categorical)


def _levels(result: ColumnResult) -> tuple[np.ndarray, int]:
    """Per distinct raw value, the index of its stripped spelling (-1 for blanks and masks)."""
    values = result.values
    if result.inference.type == "boolean":
        parsed = result.inference.parsed
        lower = np.array([str(v).lower() for v in values.text.to_pylist()], dtype=object)
        truthy = np.isin(lower, ["yes", "y", "true", "t", "1"])
        return np.where(parsed, truthy.astype(np.int64), -1), 2
    codes, uniques = pd.factorize(np.asarray(values.text.to_pylist(), dtype=object))
    levels = np.where(values.usable, codes, -1).astype(np.int64)
    return levels, len(uniques)
