"""Column quality checks. Each returns an issue with its rate (share of present values) or None.

Rates are what synthesis later re-applies, so they are measured exactly; no check ever records a value.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tools.profile.dates import day_seconds
from tools.profile.model import QualityIssue
from tools.profile.patterns import shape_counts
from tools.profile.stats import share_list
from tools.profile.types import Inference
from tools.profile.values import ColumnValues, sample_positions
from tools.sensitive.emails import EMAIL_RE  # internationalised addresses (IDN, UTF-8 local parts) are not malformed

# The UK Government's bulk-data postcode pattern, anchored as a whole.
UK_POSTCODE_RE = (
    r"^(?:([Gg][Ii][Rr] 0[Aa]{2})|((([A-Za-z][0-9]{1,2})|(([A-Za-z][A-Ha-hJ-Yj-y][0-9]{1,2})|(([A-Za-z][0-9][A-Za-z])"
    r"|([A-Za-z][A-Ha-hJ-Yj-y][0-9][A-Za-z]?))))\s?[0-9][A-Za-z]{2}))$"
)
US_ZIP_RE = r"^[0-9]{5}(?:-[0-9]{4})?$"
POSTCODE_FORMATS = {"uk": UK_POSTCODE_RE, "us": US_ZIP_RE}
PHONE_RE = r"^\+?[\d\s().-]{7,20}$"
IPV4_RE = r"^\d{1,3}(?:\.\d{1,3}){3}$"
EARLIEST = dt.date(1900, 1, 2)
PLACEHOLDERS = {"low_placeholder": dt.date(1900, 1, 1), "high_placeholder": dt.date(9999, 12, 31)}
FUTURE_YEARS = 50

_EMAIL_WORDS = {"email", "mail", "emailaddress"}
_POSTCODE_WORDS = {"postcode", "postal", "zip", "zipcode", "postalcode"}
_PHONE_WORDS = {"phone", "mobile", "tel", "telephone", "msisdn", "fax", "cell", "landline", "phoneno"}
_ENTITY_ROLES = {"email": "email", "postcode": "postcode", "phone": "phone", "msisdn": "phone"}


def name_tokens(name: str) -> set[str]:
    """``homePhoneNo`` / ``home_phone_no`` -> {home, phone, no}; plus joined neighbours (post+code)."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    words = [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]
    return set(words) | {a + b for a, b in itertools.pairwise(words)}


def _matches(text: pa.Array, pattern: str) -> np.ndarray:
    return np.asarray(pc.fill_null(pc.match_substring_regex(text, pattern), False).to_numpy(zero_copy_only=False), bool)


NOT_CONTACT_TYPES = frozenset({"boolean", "date", "datetime", "decimal", "float", "free_text", "empty"})
NAMED_EMAIL_SHARE = 0.2  # a column named like an email field is one when at least this share has an @


def column_role(values: ColumnValues, inference: Inference, entity: str | None) -> str | None:
    """email / postcode / phone from the classifier's entity, the column name, or most values."""
    if entity in _ENTITY_ROLES:
        return _ENTITY_ROLES[entity]
    if entity not in (None, "none"):
        return None  # the classifier knows what it is (an IP address, a sort code...): not a contact field
    if inference.type in NOT_CONTACT_TYPES:
        return None  # a flag, a date, a measure or prose is no contact field, whatever its name says
    tokens = name_tokens(values.name)
    usable = np.flatnonzero(values.usable)
    if not len(usable):
        return None
    pick = usable[sample_positions(len(usable))]  # the role is a majority call: a sample decides it
    text, weights = values.text.take(pa.array(pick)), values.counts[pick]
    total = int(weights.sum())

    def share(mask: np.ndarray) -> float:
        return float(weights[mask].sum()) / total

    at_share = share(_matches(text, "@"))
    if tokens & _EMAIL_WORDS:
        # "voice_mail_plan" holding yes/no is no email column: a named one needs some addresses in it
        return "email" if at_share >= NAMED_EMAIL_SHARE else None
    if tokens & _POSTCODE_WORDS:
        return "postcode"
    if tokens & _PHONE_WORDS:
        return "phone"
    if inference.type not in ("text", "identifier", "category"):
        return None
    if at_share >= 0.5:
        return "email"
    if share(_matches(text, UK_POSTCODE_RE)) >= 0.5:
        return "postcode"
    phone_like = _matches(text, PHONE_RE) & (_matches(text, r"^[+0(]") | _matches(text, r"[\s().-]"))
    phone_like &= _matches(text, r"^\D*(?:\d\D*){8,}$") & ~_matches(text, IPV4_RE)  # 8+ digits; not 10.0.0.1
    if share(phone_like) >= 0.8:
        return "phone"
    return None


def _issue(kind: str, count: int, present: int, **kwargs: object) -> QualityIssue | None:
    if not count or not present:
        return None
    return QualityIssue(kind=kind, rate=round(count / present, 6), count=count, **kwargs)


def whitespace(values: ColumnValues) -> QualityIssue | None:
    """Present values with leading or trailing whitespace."""
    return _issue("whitespace", values.weight(values.present & values.padded), values.n_present)


def invalid(values: ColumnValues, role: str) -> QualityIssue | None:
    """Malformed emails, or postcodes invalid in the column's own system (UK postcodes, or US ZIP codes
    when more values are ZIP codes), among present, unmasked values."""
    if role == "email":
        bad = values.usable & ~_matches(values.text, EMAIL_RE)
        return _issue("malformed_email", values.weight(bad), values.n_present)
    system = postcode_system(values)
    bad = values.usable & ~_matches(values.text, POSTCODE_FORMATS[system])
    return _issue("invalid_postcode", values.weight(bad), values.n_present, details={"format": system})


def postcode_system(values: ColumnValues) -> str:
    """``us`` when more usable values are US ZIP codes than UK postcodes, else ``uk``."""
    usable = values.usable
    uk = values.weight(usable & _matches(values.text, UK_POSTCODE_RE))
    us = values.weight(usable & _matches(values.text, US_ZIP_RE))
    return "us" if us > uk else "uk"


def phone_formats(values: ColumnValues) -> QualityIssue | None:
    """Several written shapes in one phone column: the rate is the share outside the dominant shape."""
    labels, counts = shape_counts(values.text, values.counts, values.usable)
    if len(labels) < 2:
        return None
    total = int(counts.sum())
    off = total - int(counts.max())
    issue = _issue("mixed_phone_formats", off, values.n_present, patterns=share_list(labels, counts, total), details={})
    if issue:
        issue.details["formats"] = len(labels)
    return issue


def date_range(values: ColumnValues, inference: Inference, today: dt.date) -> QualityIssue | None:
    """Dates before 1900-01-02, after today + 50 years, or set to a placeholder (1900-01-01, 9999-12-31)."""
    dates = inference.dates
    if dates is None:
        return None
    seconds = dates.seconds
    day = seconds - seconds % 86400
    low = day_seconds(EARLIEST)
    high = day_seconds(_add_years(today, FUTURE_YEARS)) + 86399
    ok = dates.ok
    details: dict[str, float | int | str] = {}
    flagged = np.zeros(len(ok), dtype=bool)
    for label, placeholder in PLACEHOLDERS.items():
        hit = ok & (day == day_seconds(placeholder))
        if hit.any():
            details[label] = values.weight(hit)
        flagged |= hit
    early, late = ok & (seconds < low) & ~flagged, ok & (seconds > high) & ~flagged
    if early.any():
        details["too_early"] = values.weight(early)
    if late.any():
        details["too_late"] = values.weight(late)
    flagged |= early | late
    return _issue("out_of_range_date", values.weight(flagged), values.n_present, details=details)


def in_range(seconds: np.ndarray, today: dt.date) -> np.ndarray:
    low = day_seconds(EARLIEST)
    high = day_seconds(_add_years(today, FUTURE_YEARS)) + 86399
    return (seconds >= low) & (seconds <= high)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def case_style(text: str) -> str:
    """How a spelling is cased: ``MALE`` upper, ``male`` lower, ``Not known`` capitalised, ``Not Known``
    title, anything else (``mALE``) mixed. Checked in that order."""
    if text == text.upper():
        return "upper"
    if text == text.lower():
        return "lower"
    if text == text[:1].upper() + text[1:].lower():
        return "capitalised"
    return "title" if text == text.title() else "mixed"


def inconsistent_case(values: ColumnValues) -> QualityIssue | None:
    """Categories spelled in several cases (``Active`` / ``active``): rate = rows not in the dominant spelling.
    ``patterns`` says how those rows are cased (style names and row counts, never a value)."""
    idx = np.flatnonzero(values.usable)
    if not len(idx):
        return None
    frame = pd.DataFrame({"text": values.text.take(pa.array(idx)).to_pylist(), "n": values.counts[idx]})
    frame = frame.groupby("text", sort=False, as_index=False)["n"].sum()
    frame["key"] = frame["text"].str.lower()
    groups = frame.groupby("key", sort=False)["n"]
    spellings = groups.size()
    affected = spellings[spellings > 1].index
    if not len(affected):
        return None
    sub = frame[frame["key"].isin(affected)]
    dominant = sub.loc[sub.groupby("key", sort=False)["n"].idxmax(), "text"]
    rest = sub[~sub.index.isin(dominant.index)]
    off = int(rest["n"].sum())
    styles = rest.groupby(rest["text"].map(case_style), sort=False)["n"].sum()
    issue = _issue("inconsistent_case", off, values.n_present, details={"groups": len(affected)})
    if issue is not None:
        issue.patterns = share_list([str(k) for k in styles.index], styles.to_numpy(dtype=np.int64), off)
    return issue


def unparsed(values: ColumnValues, inference: Inference) -> QualityIssue | None:
    """Present, unmasked values that do not parse as the column's (typed) type."""
    if inference.type not in ("boolean", "integer", "decimal", "float", "date", "datetime"):
        return None
    bad = values.usable & ~inference.parsed
    return _issue("unparsed_values", values.weight(bad), values.n_present)
