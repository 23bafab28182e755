"""Generalisation: each value replaced by a coarser one that many people share.

Dates become the first day of their month, year or decade, written back in the value's own format
(``12/03/1985`` -> ``01/01/1985``, ``2021-06-03T10:22:31Z`` -> ``2021-06-01T00:00:00Z``); numbers
become bands (``30-39``); UK postcodes their district (outward code ``SW1A``), US ZIP codes their
first three digits; rare categories a shared ``Other``. Parsing reuses the profiler's vectorised date
and number readers on the distinct values; rendering is done once per distinct output.
"""

from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tools.anonymise.model import GeneraliseRule
from tools.anonymise.text import expand, factorise
from tools.errors import DoppelError
from tools.profile.dates import EPOCH_DAY, parse_dates
from tools.profile.numbers import parse_numbers

MIN_PARSED_SHARE = 0.5  # below this the rule does not fit the column: an error, not a column of blanks
_TZ_LABEL = re.compile(r" ?(?:Z|%Z|%z|%:z)$")
_TZ_TEXT = r"(?P<tz> ?(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?))$"
_TOKEN = re.compile(r"%(:z|[A-Za-z%])")
_UK = r"^(?P<out>[A-Z]{1,2}\d[A-Z\d]?)(?:\d[A-Z]{2})?$"
_US = r"^(?P<zip3>\d{3})\d{2}(?:-?\d{4})?$"


@dataclass
class Generalised:
    values: pd.Series
    blanked: int
    note: str | None = None


def generalise(values: pd.Series, rule: GeneraliseRule, where: str) -> Generalised:
    """Generalised copy of ``values`` (missing stays missing). ``where`` ("table.column") is only used
    in error messages, which name the column and never a value."""
    codes, uniques = factorise(values)
    weights = np.bincount(codes[codes >= 0], minlength=len(uniques)) if len(uniques) else np.zeros(0, np.int64)
    kind: str = rule.to
    if kind == "decade":
        kind = "date_decade" if _date_share(uniques, weights) >= _number_share(uniques, weights) else "band"
    if kind in ("month", "year", "date_decade"):
        mapped, ok = _dates(uniques, {"month": "month", "year": "year"}.get(kind, "decade"))
        what = "dates"
    elif kind == "band":
        width = 10.0 if rule.to == "decade" else rule.width
        mapped, ok = _bands(uniques, width, rule.top)
        what = "numbers"
    elif kind == "district":
        mapped, ok = _districts(uniques)
        what = "UK postcodes or US ZIP codes"
    else:
        mapped, ok = _common(uniques, weights, rule.min_count, rule.other), np.ones(len(uniques), dtype=bool)
        what = "values"
    present = int(weights.sum())
    parsed_rows = int(weights[ok].sum())
    if present and parsed_rows / present < MIN_PARSED_SHARE:
        raise DoppelError(
            f"{where}: generalise to {rule.to} needs {what}, but only {parsed_rows:,} of {present:,} "
            f"non-empty values ({parsed_rows / present:.0%}) parse as such; choose another rule for this column"
        )
    unparsed = ~ok
    if rule.on_unparsed == "keep":
        mapped[unparsed] = uniques[unparsed]
        blanked = 0
    else:
        mapped[unparsed] = None
        blanked = int(weights[unparsed].sum())
    note = None
    if unparsed.any():
        action = "emptied" if rule.on_unparsed == "blank" else "left as they were"
        note = f"{int(weights[unparsed].sum()):,} values that are not {what} were {action}"
    return Generalised(expand(codes, mapped, values), blanked, note)


def _trimmed(uniques: np.ndarray) -> pa.Array:
    """Distinct values without surrounding spaces (padding is a quality issue, not another value)."""
    return pc.utf8_trim_whitespace(pa.array(uniques, pa.string()))


# ------------------------------------------------------------------------------------------ dates


def _date_share(uniques: np.ndarray, weights: np.ndarray) -> float:
    if not len(uniques):
        return 0.0
    parsed = parse_dates(_trimmed(uniques))
    return float(weights[parsed.ok].sum()) / max(int(weights.sum()), 1)


def _dates(uniques: np.ndarray, to: str) -> tuple[np.ndarray, np.ndarray]:
    """Per distinct value: the first day of its month/year/decade in its own format, and parsed or not."""
    mapped = np.empty(len(uniques), dtype=object)
    if not len(uniques):
        return mapped, np.zeros(0, dtype=bool)
    text = _trimmed(uniques)
    parsed = parse_dates(text)
    ok = parsed.ok
    if not ok.any():
        return mapped, ok
    fmt = np.where(ok, parsed.format_index, len(parsed.formats))
    labels = np.array([*parsed.formats, ""], dtype=object)[fmt]
    zoned = ok & np.array([bool(_TZ_LABEL.search(label)) for label in parsed.formats] + [False])[fmt]
    zone_text = np.full(len(uniques), "", dtype=object)
    offsets = np.zeros(len(uniques), dtype=np.int64)
    if zoned.any():
        idx = np.flatnonzero(zoned)
        found = [z or "" for z in pc.extract_regex(text.take(pa.array(idx)), _TZ_TEXT).field("tz").to_pylist()]
        zone_text[idx] = found
        offsets[idx] = [_offset_seconds(z) for z in found]
    local_days = ((parsed.seconds + offsets) // 86400).astype("timedelta64[D]") + EPOCH_DAY
    months = local_days.astype("datetime64[M]").astype(np.int64)
    year = months // 12 + 1970
    month = months % 12 + 1 if to == "month" else np.ones_like(months)
    if to == "decade":
        year = year - year % 10
    combos = pd.MultiIndex.from_arrays([labels[ok], year[ok], month[ok], zone_text[ok]])
    keys, distinct = combos.factorize()
    rendered = np.array([_render(lab, int(y), int(m)) + zone for lab, y, m, zone in distinct], dtype=object)
    mapped[np.flatnonzero(ok)] = rendered[keys]
    return mapped, ok


def _offset_seconds(zone: str) -> int:
    zone = zone.strip()
    if zone in ("", "Z", "UTC", "GMT"):
        return 0
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    return sign * (int(digits[:2]) * 3600 + int(digits[2:4] or 0) * 60)


def _render(label: str, year: int, month: int) -> str:
    """``label`` (the profiler's strftime-style format) for the first day of ``year``-``month`` at
    midnight, without its zone (the original zone text is appended by the caller)."""
    tokens = {
        "Y": f"{year:04d}",
        "y": f"{year % 100:02d}",
        "m": f"{month:02d}",
        "d": "01",
        "b": calendar.month_abbr[month],
        "B": calendar.month_name[month],
        "H": "00",
        "I": "12",
        "M": "00",
        "S": "00",
        "f": "000000",
        "p": "AM",
        "%": "%",
    }
    return _TOKEN.sub(lambda m: tokens.get(m.group(1), ""), _TZ_LABEL.sub("", label))


# ---------------------------------------------------------------------------------------- numbers


def _number_share(uniques: np.ndarray, weights: np.ndarray) -> float:
    if not len(uniques):
        return 0.0
    parsed = parse_numbers(_trimmed(uniques))
    return float(weights[parsed.ok].sum()) / max(int(weights.sum()), 1)


def _bands(uniques: np.ndarray, width: float, top: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Per distinct value: its band label (``30-39`` for whole numbers, ``2.5 to <5`` otherwise)."""
    mapped = np.empty(len(uniques), dtype=object)
    if not len(uniques):
        return mapped, np.zeros(0, dtype=bool)
    parsed = parse_numbers(_trimmed(uniques))
    ok = parsed.ok & np.isfinite(parsed.values)
    x = parsed.values
    whole = bool(np.all(x[ok] == np.floor(x[ok]))) and float(width).is_integer()
    lows = np.floor(np.where(ok, x, 0.0) / width) * width
    negative = bool((lows[ok] < 0).any())
    labels: dict[float, str] = {}
    for low in np.unique(lows[ok]).tolist():
        labels[low] = _band_label(low, width, whole, negative)
    idx = np.flatnonzero(ok)
    mapped[idx] = [labels[low] for low in lows[idx].tolist()]
    if top is not None:
        mapped[ok & (x >= top)] = f"{_num(top)}+"
    return mapped, ok


def _band_label(low: float, width: float, whole: bool, negative: bool) -> str:
    sep = " to " if negative else "-"
    if whole:
        return f"{_num(low)}{sep}{_num(low + width - 1)}"
    return f"{_num(low)} to <{_num(low + width)}"


def _num(x: float) -> str:
    if float(x).is_integer() and math.isfinite(x):
        return str(int(x))
    return f"{x:.10g}"


# --------------------------------------------------------------------------------------- postcodes


def _districts(uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """UK postcode -> outward code (``SW1A 1AA`` -> ``SW1A``); US ZIP -> first three digits."""
    mapped = np.empty(len(uniques), dtype=object)
    if not len(uniques):
        return mapped, np.zeros(0, dtype=bool)
    compact = pc.utf8_upper(pc.replace_substring_regex(pa.array(uniques, pa.string()), r"\s+", ""))
    uk = pc.extract_regex(compact, _UK)
    us = pc.extract_regex(compact, _US)
    uk_ok = np.asarray(uk.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    us_ok = np.asarray(us.is_valid().to_numpy(zero_copy_only=False), dtype=bool) & ~uk_ok
    uk_out = np.asarray(uk.field("out").to_numpy(zero_copy_only=False), dtype=object)
    us_out = np.asarray(us.field("zip3").to_numpy(zero_copy_only=False), dtype=object)
    mapped[uk_ok] = uk_out[uk_ok]
    mapped[us_ok] = us_out[us_ok]
    return mapped, uk_ok | us_ok


# ---------------------------------------------------------------------------------------- common


def _common(uniques: np.ndarray, weights: np.ndarray, min_count: int, other: str) -> np.ndarray:
    mapped = uniques.copy()
    mapped[weights < min_count] = other
    return mapped
