"""Date and datetime recognition over many written forms, vectorised with Arrow regex extraction.

Parsing is done by hand (regex groups -> numpy datetime arithmetic) rather than with pandas so that
years 1-9999 work (placeholders like 9999-12-31 must be seen, not turned into NaT) and every value's
format is known, e.g. ``%d/%m/%Y`` vs ``%m/%d/%Y`` (decided by values above 12).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_TIME = (
    r"(?:(?P<ts>T| |, ?)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
    r"(?P<ap> ?[AaPp]\.?[Mm]\.?)?)?(?P<tz> ?(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?))?"
)
_FAMILIES: dict[str, str] = {
    "ymd": r"^(?P<y>\d{4})(?P<s1>[-/.])(?P<m>\d{1,2})(?P<s2>[-/.])(?P<d>\d{1,2})" + _TIME + "$",
    "compact": r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:(?P<ts>T?)(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2}))?$",
    "numeric": r"^(?P<a>\d{1,2})(?P<s1>[-/.])(?P<b>\d{1,2})(?P<s2>[-/.])(?P<y>\d{4}|\d{2})" + _TIME + "$",
    "d_mon_y": r"^(?P<d>\d{1,2})(?P<s1>[- ]?)(?P<mon>[A-Za-z]{3,9})\.?(?P<s2>[- ])(?P<y>\d{4}|\d{2})" + _TIME + "$",
    "mon_d_y": r"^(?P<mon>[A-Za-z]{3,9})\.? (?P<d>\d{1,2})(?P<s2>,? )(?P<y>\d{4})" + _TIME + "$",
}
_MONTH_NAMES = (
    "jan january", "feb february", "mar march", "apr april", "may", "jun june", "jul july", "aug august",
    "sep sept september", "oct october", "nov november", "dec december",
)  # fmt: skip
_MONTHS = {name: i for i, names in enumerate(_MONTH_NAMES, start=1) for name in names.split()}
EPOCH_DAY = np.datetime64("1970-01-01", "D")


@dataclass
class ParsedDates:
    """Per input value: parsed or not, UTC epoch seconds, whether a time was written, and the index of
    its format in ``formats`` (-1 when not parsed)."""

    ok: np.ndarray
    seconds: np.ndarray
    has_time: np.ndarray
    format_index: np.ndarray
    formats: list[str]
    day_first_ambiguous: bool = False

    def format_counts(self, weights: np.ndarray) -> dict[str, int]:
        """Rows per format label, given the rows behind each value."""
        keep = self.format_index >= 0
        sums = np.bincount(self.format_index[keep], weights=weights[keep], minlength=len(self.formats))
        out: dict[str, int] = {}
        for label, total in zip(self.formats, sums, strict=True):
            if total > 0:
                out[label] = out.get(label, 0) + int(total)
        return out


class _Groups:
    """Regex groups of one extraction as Arrow string arrays ("" when absent or unmatched)."""

    def __init__(self, struct: pa.StructArray) -> None:
        self.struct = struct
        self.names = {struct.type.field(i).name for i in range(struct.type.num_fields)}
        self.n = len(struct)

    def text(self, name: str) -> pa.Array:
        if name not in self.names:
            return pa.repeat(pa.scalar("", pa.large_string()), self.n)
        return pc.fill_null(self.struct.field(name), "")

    def ints(self, name: str) -> np.ndarray:
        arr = self.text(name)
        arr = pc.if_else(pc.equal(arr, ""), "0", arr)
        return np.asarray(pc.cast(arr, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)

    def present(self, name: str) -> np.ndarray:
        return _np_bool(pc.not_equal(self.text(name), ""))

    def length(self, name: str) -> np.ndarray:
        return np.asarray(pc.utf8_length(self.text(name)).to_numpy(zero_copy_only=False), dtype=np.int64)

    def codes(self, name: str) -> tuple[np.ndarray, list[str]]:
        """Dictionary codes of a group's text (few distinct values: separators, zone shapes)."""
        encoded = pc.dictionary_encode(self.text(name))
        return np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64), [
            str(v) for v in encoded.dictionary.to_pylist()
        ]


def _np_bool(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def _two_digit_years(years: np.ndarray, short: np.ndarray) -> np.ndarray:
    """``yy`` -> 20yy up to ten years ahead of today, else 19yy (the usual pivot)."""
    pivot = dt.date.today().year % 100 + 10
    return np.where(short, np.where(years <= pivot, 2000 + years, 1900 + years), years)


_ZONE = r"^ ?(?:(?P<name>Z|UTC|GMT)|(?P<sign>[+-])(?P<h>\d{2}):?(?P<m>\d{2})?)$"
_BAD = np.iinfo(np.int64).min


def _offsets(tz: pa.Array) -> np.ndarray:
    """Zone text -> seconds east of UTC (0 for none/Z/UTC/GMT; int64 min when out of range)."""
    groups = _Groups(pc.extract_regex(tz, _ZONE))
    sign = np.where(_np_bool(pc.equal(groups.text("sign"), "-")), -1, 1)
    hours, minutes = groups.ints("h"), groups.ints("m")
    out = sign * (hours * 3600 + minutes * 60)
    return np.where((hours > 14) | (minutes > 59), _BAD, out)


def _parse_family(text: pa.Array, family: str) -> ParsedDates:
    n = len(text)
    g = _Groups(pc.extract_regex(text, _FAMILIES[family]))
    matched = _np_bool(g.struct.is_valid())
    y_short = g.length("y") == 2
    y = _two_digit_years(g.ints("y"), y_short)
    ambiguous = False
    day_first = np.ones(n, dtype=bool)
    if family == "numeric":
        a, b = g.ints("a"), g.ints("b")
        a_big, b_big = matched & (a > 12), matched & (b > 12)
        if b_big.any() and not a_big.any():
            day_first[:] = False
        elif not a_big.any() and not b_big.any():
            ambiguous = bool((matched & (a != b)).any())
        else:
            day_first = ~b_big
        d, m = np.where(day_first, a, b), np.where(day_first, b, a)
    elif family in ("d_mon_y", "mon_d_y"):
        mon_codes, mon_names = g.codes("mon")
        lookup = np.array([_MONTHS.get(name.lower(), 0) for name in mon_names] + [0], dtype=np.int64)
        m = lookup[mon_codes]
        d = g.ints("d")
    else:
        m, d = g.ints("m"), g.ints("d")
    s1, s1_names = g.codes("s1")
    s2, s2_names = g.codes("s2")
    if family in ("ymd", "numeric"):
        matched &= np.array(s1_names, dtype=object)[s1] == np.array(s2_names, dtype=object)[s2]
    hh, mm, ss = g.ints("H"), g.ints("M"), g.ints("S")
    pm = am = np.zeros(n, dtype=bool)
    if g.present("ap").any():
        ap_text = pc.utf8_trim_whitespace(pc.replace_substring(pc.utf8_lower(g.text("ap")), ".", ""))
        pm, am = _np_bool(pc.equal(ap_text, "pm")), _np_bool(pc.equal(ap_text, "am"))
    hour_ok = np.where(pm | am, (hh >= 1) & (hh <= 12), hh <= 23)
    hh = np.where(pm & (hh < 12), hh + 12, np.where(am & (hh == 12), 0, hh))
    offset = _offsets(g.text("tz")) if g.present("tz").any() else np.zeros(n, dtype=np.int64)
    ok = matched & (m >= 1) & (m <= 12) & (d >= 1) & (d <= 31) & (y >= 1) & (y <= 9999)
    ok &= hour_ok & (mm <= 59) & (ss <= 60) & (offset != _BAD)
    months = np.where(ok, (y - 1970) * 12 + (m - 1), 0)
    days = months.astype("datetime64[M]").astype("datetime64[D]") + np.where(ok, d - 1, 0)
    ok &= days.astype("datetime64[M]").astype(np.int64) == months
    seconds = (days - EPOCH_DAY).astype(np.int64) * 86400 + hh * 3600 + mm * 60 + np.minimum(ss, 59)
    seconds = np.where(ok, seconds - np.where(offset == _BAD, 0, offset), 0)
    has_h = g.present("H")
    has_time = ok & has_h
    index, formats = _formats(family, ok, g, day_first, y_short, s1, s1_names, s2, s2_names, has_h, pm | am)
    return ParsedDates(ok, seconds, has_time, index, formats, ambiguous)


def _formats(
    family: str,
    ok: np.ndarray,
    g: _Groups,
    day_first: np.ndarray,
    y_short: np.ndarray,
    s1: np.ndarray,
    s1_names: list[str],
    s2: np.ndarray,
    s2_names: list[str],
    has_h: np.ndarray,
    has_ap: np.ndarray,
) -> tuple[np.ndarray, list[str]]:
    """strftime-style format per value: its parts packed into one integer key, labelled once per key."""
    ts, ts_names = g.codes("ts")
    tz_shape = pc.replace_substring_regex(g.text("tz"), r"\d", "9")
    tz_codes, tz_names = _Groups(pa.StructArray.from_arrays([tz_shape], ["z"])).codes("z")
    flags = (
        day_first.astype(np.int64)
        | y_short.astype(np.int64) << 1
        | (g.length("mon") > 3).astype(np.int64) << 2
        | has_h.astype(np.int64) << 3
        | g.present("S").astype(np.int64) << 4
        | g.present("f").astype(np.int64) << 5
        | has_ap.astype(np.int64) << 6
        | _np_bool(pc.starts_with(g.text("ap"), " ")).astype(np.int64) << 7
    )
    key = ((((flags * 64 + s1) * 64 + s2) * 64 + ts) * 64) + tz_codes
    key = np.where(ok, key, -1)
    uniq, inverse = np.unique(key, return_inverse=True)
    formats: list[str] = []
    lookup = np.full(len(uniq), -1, dtype=np.int64)
    for i, k in enumerate(uniq.tolist()):
        if k < 0:
            continue
        tz_i, k = k % 64, k // 64
        ts_i, k = k % 64, k // 64
        s2_i, k = k % 64, k // 64
        s1_i, bits = k % 64, k // 64
        label = _label(family, bits, s1_names[s1_i], s2_names[s2_i], ts_names[ts_i], tz_names[tz_i])
        if label not in formats:
            formats.append(label)
        lookup[i] = formats.index(label)
    return lookup[inverse.reshape(-1)], formats


def _tz_label(shape: str) -> str:
    lead = " " if shape.startswith(" ") else ""
    z = shape.strip()
    if not z:
        return ""
    if z == "Z":
        return "Z"
    if z in ("UTC", "GMT"):
        return lead + "%Z"
    return lead + ("%:z" if ":" in z else "%z")


def _label(family: str, bits: int, s1: str, s2: str, ts: str, tz_shape: str) -> str:
    day_first, y2, long_month, has_h, has_s, has_f, has_ap, ap_space = ((bits >> i) & 1 for i in range(8))
    year = "%y" if y2 else "%Y"
    month = "%B" if long_month else "%b"
    if family == "compact":
        return "%Y%m%d" + (f"{ts}%H%M%S" if has_h else "")
    if family == "ymd":
        date = f"%Y{s1}%m{s2}%d"
    elif family == "numeric":
        date = f"%d{s1}%m{s2}{year}" if day_first else f"%m{s1}%d{s2}{year}"
    elif family == "d_mon_y":
        date = f"%d{s1}{month}{s2}{year}"
    else:
        date = f"{month} %d{s2}{year}"
    tz = _tz_label(tz_shape)
    if not has_h:
        return date + tz
    clock = ("%I" if has_ap else "%H") + ":%M" + (":%S" if has_s else "") + (".%f" if has_f else "")
    return date + ts + clock + ((" %p" if ap_space else "%p") if has_ap else "") + tz


def parse_dates(text: pa.Array) -> ParsedDates:
    """Try every family on the values not parsed yet; the first that parses a value wins."""
    n = len(text)
    ok = np.zeros(n, dtype=bool)
    seconds = np.zeros(n, dtype=np.int64)
    has_time = np.zeros(n, dtype=bool)
    index = np.full(n, -1, dtype=np.int64)
    formats: list[str] = []
    ambiguous = False
    todo = np.arange(n)
    for family in _FAMILIES:
        if not len(todo):
            break
        subset = text.take(pa.array(todo)) if len(todo) < n else text
        got = _parse_family(subset, family)
        hit = todo[got.ok]
        ok[hit] = True
        seconds[hit] = got.seconds[got.ok]
        has_time[hit] = got.has_time[got.ok]
        index[hit] = got.format_index[got.ok] + len(formats)
        formats.extend(got.formats)
        ambiguous |= got.day_first_ambiguous and bool(got.ok.any())
        todo = todo[~got.ok]
    return ParsedDates(ok, seconds, has_time, index, formats, ambiguous)


def iso(seconds: np.ndarray | int, with_time: bool) -> list[str]:
    """Epoch seconds -> ISO text (``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM:SS``)."""
    arr = np.atleast_1d(np.asarray(seconds, dtype=np.int64)).astype("datetime64[s]")
    return [str(x) for x in np.datetime_as_string(arr, unit="s" if with_time else "D")]


def day_seconds(day: dt.date) -> int:
    return int((np.datetime64(day.isoformat(), "D") - EPOCH_DAY).astype(np.int64)) * 86400


def years(seconds: np.ndarray) -> np.ndarray:
    return seconds.astype("datetime64[s]").astype("datetime64[Y]").astype(np.int64) + 1970
