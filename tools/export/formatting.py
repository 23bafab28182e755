"""Vectorised (pyarrow.compute) value-to-text conversions shared by the CSV, JSON and SQL writers.

Everything here works column-at-a-time on arrow arrays and keeps nulls as nulls; Python only sees
distinct UTC offsets and JSON-field values (which must be parsed to be validated).
Formats are the ISO 8601 / ``datetime.isoformat`` ones: fractions of a second appear only when
non-zero, the offset is ``+HH:MM``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SLICE_ROWS = 16_384  # rows formatted at a time: bounds memory and keeps 32-bit string offsets safe
_ZERO_FRACTION = ".000000"
# json.dumps escapes exactly these besides \" and \\; other C0 controls become \u00XX.
_JSON_SHORT_ESCAPES = (("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"), ("\b", "\\b"), ("\f", "\\f"))
_JSON_OTHER_CONTROLS = [chr(c) for c in range(0x20) if chr(c) not in "\n\r\t\b\f"]


def unsupported_fields(schema: pa.Schema) -> list[str]:
    """Columns whose arrow type the writers do not handle (reported before any file is created)."""
    bad = []
    for field in schema:
        t = field.type
        ok = (
            pa.types.is_string(t)
            or pa.types.is_large_string(t)
            or (pa.types.is_integer(t) and t.bit_width <= 64 and t != pa.uint64())
            or t in (pa.float32(), pa.float64(), pa.bool_(), pa.date32())
            or pa.types.is_decimal128(t)
            or t == pa.time64("us")
            or (pa.types.is_timestamp(t) and t.unit == "us")
        )
        if not ok:
            bad.append(f"{field.name}: {t}")
    return bad


def strip_zero_fraction(texts: pa.Array) -> pa.Array:
    """``09:15:00.000000`` -> ``09:15:00`` (as ``isoformat`` does); ``.000000`` occurs nowhere else."""
    return pc.replace_substring(texts, _ZERO_FRACTION, "", max_replacements=1)


def format_time(arr: pa.Array) -> pa.Array:
    """time64[us] -> ``HH:MM:SS[.ffffff]``."""
    return strip_zero_fraction(pc.cast(arr, pa.string()))


def _offset_text(seconds: int) -> str:
    """UTC offset as ``datetime.isoformat`` writes it: ``+HH:MM``, or ``+HH:MM:SS`` for historic zones."""
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


def _naive_text(arr: pa.Array, sep: str) -> pa.Array:
    # arrow casts timestamp[us] to "YYYY-MM-DD HH:MM:SS.ffffff" (30x faster than strftime).
    texts = strip_zero_fraction(pc.cast(arr, pa.string()))
    return texts if sep == " " else pc.replace_substring(texts, " ", sep, max_replacements=1)


def format_timestamp(arr: pa.Array, sep: str = " ", utc_naive: bool = False) -> pa.Array:
    """timestamp[us] -> ISO 8601 text; zone-aware values get their offset in the column's own zone.

    ``utc_naive`` renders zone-aware values as UTC wall time without offset (MySQL DATETIME).
    The offset is computed per row (local wall time minus UTC) and spelled per distinct value, so
    DST changes and historic offsets with seconds (London was -00:01:15 before 1847) come out as
    Python's ``isoformat`` writes them; arrow's own ``%z`` would drop such seconds.
    """
    utc = arr.cast(pa.timestamp("us"))  # arrow stores UTC: dropping the zone leaves UTC wall time
    if arr.type.tz is None or utc_naive:
        return _naive_text(utc, sep)
    local = pc.local_timestamp(arr)
    offsets = pc.divide(pc.subtract(pc.cast(local, pa.int64()), pc.cast(utc, pa.int64())), 1_000_000)
    distinct = pc.unique(offsets).drop_null()
    labels = pa.array([_offset_text(v) for v in distinct.to_pylist()], pa.string())
    spelled = pc.take(labels, pc.index_in(offsets, value_set=distinct))
    return pc.binary_join_element_wise(_naive_text(local, sep), spelled, "")


def format_scalar_column(arr: pa.Array, ts_sep: str = " ") -> pa.Array:
    """Any non-string supported column -> text (numbers as arrow prints them, decimals with their scale)."""
    t = arr.type
    if pa.types.is_timestamp(t):
        return format_timestamp(arr, sep=ts_sep)
    if pa.types.is_time(t):
        return format_time(arr)
    return pc.cast(arr, pa.string())


def _replace_where(texts: pa.Array, mask: pa.Array, fix: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """Apply ``fix`` only to the rows selected by ``mask`` (usually few): cheaper than to all rows."""
    mask = pc.fill_null(mask, False)
    hits = pc.sum(mask).as_py() or 0
    if hits == 0:
        return texts
    if hits * 4 > len(texts):  # dense: filtering and splicing would cost more than fixing every row
        return pc.if_else(mask, fix(texts), texts)
    return pc.replace_with_mask(texts, mask, fix(texts.filter(mask)))


# CSV formula injection (OWASP; ASVS 1.2.10 adds NUL): a spreadsheet runs a cell starting with one of these.
FORMULA_TRIGGER = r"^[=+\-@\t\r\x00]"
# Cells left alone although they start with + or -: numbers (-12.5, +3, 1e5, -1,234.50, -5%) and phone
# numbers (+44 20 7946 0958, +1-555-0100: digits, spaces, dashes, dots and parentheses after an optional +).
# Neither holds a letter, so neither can hold a function, a reference or a DDE command.
_NUMBER = r"[+-]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?%?"
_PHONE = r"\+?[ ().-]*[0-9][0-9 ().-]*"
SAFE_CELL = rf"^(?:{_NUMBER}|{_PHONE})$"


def formula_cells(texts: pa.Array) -> pa.Array:
    """True where a cell would run as a formula: text starting with = + - @ TAB CR or NUL that is
    neither a number nor a phone number (nulls: False)."""
    starts = pc.fill_null(pc.match_substring_regex(texts, FORMULA_TRIGGER), False)
    if not pc.any(starts).as_py():
        return starts
    # anchored, so rows that do not start with a sign or digit fail at their first character
    safe = pc.fill_null(pc.match_substring_regex(texts, SAFE_CELL), False)
    return pc.and_(starts, pc.invert(safe))


def neutralise_formulas(texts: pa.Array) -> pa.Array:
    """The one CSV formula policy of every Doppel writer: ``'`` before text that :func:`formula_cells`
    selects; numbers and phone numbers are never changed, so ``'`` is the only thing ever added."""
    return _replace_where(texts, formula_cells(texts), lambda sub: pc.binary_join_element_wise("'", sub, ""))


def _quote(texts: pa.Array) -> pa.Array:
    return pc.binary_join_element_wise('"', pc.replace_substring(texts, '"', '""'), '"', "")


def csv_quote(texts: pa.Array) -> pa.Array:
    """RFC 4180: quote fields holding comma, quote, CR or LF (and empty strings, to tell them from
    nulls, which stay empty fields); double embedded quotes."""
    return _replace_where(texts, pc.match_substring_regex(texts, r'[",\r\n]|^$'), _quote)


def json_string(texts: pa.Array) -> pa.Array:
    """Strings -> JSON string literals, byte-identical to ``json.dumps(s, ensure_ascii=False)``."""
    out = pc.replace_substring(pc.replace_substring(texts, "\\", "\\\\"), '"', '\\"')
    if pc.any(pc.match_substring_regex(out, r"[\x00-\x1f]")).as_py():
        for raw, escaped in _JSON_SHORT_ESCAPES:
            out = pc.replace_substring(out, raw, escaped)
        if pc.any(pc.match_substring_regex(out, r"[\x00-\x1f]")).as_py():
            for raw in _JSON_OTHER_CONTROLS:
                out = pc.replace_substring(out, raw, f"\\u{ord(raw):04x}")
    return pc.binary_join_element_wise('"', out, '"', "")


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")  # Python's json accepts NaN / Infinity; JSON does not


# One decoder for all calls: json.loads(..., parse_constant=...) would build a new one per value.
_STRICT_JSON = json.JSONDecoder(parse_constant=_reject_constant)


def is_json_text(text: str) -> bool:
    """Strict JSON check (no NaN/Infinity, no raw control characters in strings)."""
    try:
        _STRICT_JSON.decode(text)
    except ValueError:
        return False
    return True


def inline_json(texts: pa.Array) -> pa.Array:
    """JSON-text column -> JSON values to embed: valid text is inlined as is (on one line), invalid text
    (e.g. an injected anomaly) becomes a JSON string so the document stays valid.

    Each distinct text is parsed once (Python's parser; arrow has no JSON validation kernel).
    """
    distinct = pc.unique(texts).drop_null()
    invalid = pa.array([v for v in distinct.to_pylist() if not is_json_text(v)], pa.string())
    # In valid JSON, raw CR/LF/TAB can only be insignificant whitespace: flatten for JSON Lines.
    inlined = texts
    for raw in ("\r", "\n", "\t"):
        inlined = pc.replace_substring(inlined, raw, " ")
    if len(invalid) == 0:
        return inlined
    bad = pc.fill_null(pc.is_in(texts, value_set=invalid), False)
    return pc.replace_with_mask(inlined, bad, json_string(texts.filter(bad)))


def join_columns(pieces: Sequence[pa.Array | str], null_text: str) -> pa.Array:
    """Concatenate per-row pieces (arrays or constant strings); nulls become ``null_text``."""
    return pc.binary_join_element_wise(*pieces, "", null_handling="replace", null_replacement=null_text)


def text_bytes(texts: pa.Array) -> memoryview:
    """The concatenated bytes of a null-free string array, without copying."""
    if texts.null_count:
        raise ValueError("text_bytes needs an array without nulls")
    if len(texts) == 0:
        return memoryview(b"")
    offset_type = np.int64 if pa.types.is_large_string(texts.type) else np.int32
    _, offsets_buf, data_buf = texts.buffers()
    assert offsets_buf is not None and data_buf is not None
    offsets = np.frombuffer(offsets_buf, dtype=offset_type)
    start, end = int(offsets[texts.offset]), int(offsets[texts.offset + len(texts)])
    return memoryview(data_buf)[start:end]
