"""Dates in a sample: the format most values fit, and whether they are plausible birth dates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from tools.sensitive.values import PatternResult, Values


@dataclass(frozen=True, slots=True)
class DateFacts:
    """How the values parse as dates, and the ages they would imply as birth dates."""

    checked: int
    parsed: int
    fmt: str | None
    with_time: int
    ages_0_120: int
    ages_16_100: int
    ages_1_120: int  # dates at least a year back: birth dates of children too, not this year's events
    age_std: float
    locale: str | None

    @property
    def share(self) -> float:
        return self.parsed / self.checked if self.checked else 0.0


_DATE_FORMATS = (
    "%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%Y", "%m-%d-%Y", "%Y%m%d", "%d %b %Y",
    "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M", "%d/%m/%y", "%m/%d/%y", "%d-%b-%Y", "%d-%b-%y", "%d %b %y", "%d.%m.%y",
    "%Y.%m.%d", "%d-%B-%Y",
)  # fmt: skip


_DATE_HINT = re.compile(
    r"^(?:\d{1,4}[-/. ]+(?:\d{1,2}|[A-Za-z]{3,9})[-/., ]+\d{2,4}|[A-Za-z]{3,9} \d{1,2}, \d{4}|\d{8}|(?:19|20)\d{2})\b"
)


def parse_dates(v: Values, today: date | None = None) -> DateFacts:
    """Parse with the format most values fit (or as years, 1900-2099); ages relative to ``today``."""
    empty = DateFacts(v.n, 0, None, 0, 0, 0, 0, 0.0, None)
    if v.n == 0 or v.raw.str.contains(_DATE_HINT).mean() < 0.5:
        return empty
    best: tuple[int, str | None, pd.Series] = (0, None, pd.Series(dtype="datetime64[ns]"))
    counts: dict[str, int] = {}
    for candidate in _DATE_FORMATS:
        parsed = pd.to_datetime(v.raw, format=candidate, errors="coerce")
        count = int(parsed.notna().sum())
        counts[candidate] = count
        if count > best[0]:
            best = (count, candidate, parsed)
        if count == v.n:
            break
    years = v.raw.str.fullmatch(r"(?:19|20)\d{2}")
    if years.sum() > best[0]:
        mid_year = (v.raw[years] + "-07-01").reindex(v.raw.index)
        best = (int(years.sum()), "%Y", pd.to_datetime(mid_year, format="%Y-%m-%d", errors="coerce"))
    count, fmt, parsed = best
    if count == 0:
        return empty
    if count < v.n:
        parsed = _fill_other_formats(v.raw, parsed, fmt, counts)
        count = int(parsed.notna().sum())
    dates = parsed.dropna()
    with_time = int((dates != dates.dt.normalize()).sum())
    # day resolution: nanosecond timestamps overflow on differences of more than 292 years (year 1700, 2300)
    days = np.datetime64(today or date.today(), "D") - dates.to_numpy().astype("datetime64[D]")
    ages = pd.Series(days.astype(np.int64) / 365.25)
    locale = None
    if fmt in {"%d/%m/%Y", "%m/%d/%Y"}:
        dmy, mdy = counts.get("%d/%m/%Y", 0), counts.get("%m/%d/%Y", 0)
        locale = "en_GB" if dmy > mdy else "en_US" if mdy > dmy else None
    return DateFacts(
        checked=v.n,
        parsed=count,
        fmt=fmt,
        with_time=with_time,
        ages_0_120=int(ages.between(0, 120).sum()),
        ages_16_100=int(ages.between(16, 100).sum()),
        ages_1_120=int(ages.between(1, 120).sum()),
        age_std=float(ages.std()) if len(ages) > 1 else 0.0,
        locale=locale,
    )


def _fill_other_formats(raw: pd.Series, parsed: pd.Series, fmt: str | None, counts: dict[str, int]) -> pd.Series:
    """Exports mix formats (1977-07-31, 24/06/1990, 02-Apr-1960): values the main format misses are
    parsed by the others, most frequent first, so one column is judged on all its dates."""
    filled = parsed.copy()
    for other in sorted(counts, key=lambda f: -counts[f]):
        missing = filled.isna()
        if not missing.any() or counts[other] == 0:
            break
        if other != fmt:
            filled[missing] = pd.to_datetime(raw[missing], format=other, errors="coerce")
    return filled


def dob_result(facts: DateFacts) -> PatternResult:
    """Birth dates: parse as dates, ages 0-120 throughout, mostly 16-100, spread over years, no times. Dates
    all at least a year back and spread over years (pupils' birth dates) are weaker evidence: enough to
    support a birth-date name, not to make one."""
    parsed = max(facts.parsed, 1)
    dated = facts.share >= 0.8 and facts.with_time / parsed < 0.2
    plausible = (
        dated and facts.ages_0_120 / parsed >= 0.95 and facts.ages_16_100 / parsed >= 0.6 and facts.age_std >= 4.0
    )
    young = not plausible and dated and facts.ages_1_120 / parsed >= 0.95 and facts.age_std >= 1.0
    note = (
        f"{facts.share:.0%} parse as dates, {facts.ages_16_100 / parsed:.0%} imply ages 16-100" if facts.parsed else ""
    )
    if young:
        note = f"{facts.share:.0%} parse as dates, all at least a year back, spread over years"
    return PatternResult(
        "date_of_birth",
        "plausible birth dates" if facts.fmt != "%Y" else "plausible birth years",
        facts.checked,
        float(facts.ages_0_120 if plausible else facts.ages_1_120 if young else 0),
        0.3 if young else 0.7,
        floor=0.5,
        full=0.8,
        note=note,
    )
