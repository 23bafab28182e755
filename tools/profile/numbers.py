"""Numbers as written in exports: signs, thousands separators, currency symbols, fixed or varying scale."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_CURRENCY = r"^(?P<sign>[+-]?)(?P<symbol>[£$€])\s?"
_INT = r"^[+-]?\d+$"
_GROUPED = r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$"
_DECIMAL = r"^[+-]?(?:\d+\.\d*|\.\d+)$"
_EXPONENT = r"^[+-]?(?:\d+\.?\d*|\.\d+)[eE][+-]?\d+$"
_LEADING_ZERO = r"^[+-]?0\d"
MAX_INT_DIGITS = 18


def _np(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


@dataclass
class ParsedNumbers:
    """Per input value: which written form it has, its scale, and its value (NaN when not a number)."""

    integer: np.ndarray
    grouped: np.ndarray
    decimal: np.ndarray
    exponent: np.ndarray
    leading_zero: np.ndarray
    too_long: np.ndarray
    currency: np.ndarray
    scale: np.ndarray
    values: np.ndarray
    symbols: list[str]

    @property
    def ok(self) -> np.ndarray:
        return (self.integer | self.grouped | self.decimal | self.exponent) & ~self.too_long


def parse_numbers(text: pa.Array) -> ParsedNumbers:
    """Recognise the written forms with regexes, then cast the cleaned text to float64 in one go."""
    currency = _np(pc.match_substring_regex(text, _CURRENCY))
    symbols: list[str] = []
    if currency.any():
        found = pc.extract_regex(text, _CURRENCY + ".*$")
        symbols = sorted({str(s) for s in pc.unique(pc.drop_null(found.field("symbol"))).to_pylist()})
        text = pc.replace_substring_regex(text, _CURRENCY, r"\1")
    integer = _np(pc.match_substring_regex(text, _INT))
    grouped = _np(pc.match_substring_regex(text, _GROUPED))
    decimal = _np(pc.match_substring_regex(text, _DECIMAL))
    exponent = _np(pc.match_substring_regex(text, _EXPONENT))
    leading_zero = integer & _np(pc.match_substring_regex(text, _LEADING_ZERO))
    lengths = np.asarray(pc.utf8_length(text).to_numpy(zero_copy_only=False), dtype=np.int64)
    too_long = (integer | grouped) & (lengths > MAX_INT_DIGITS + 1)
    ok = (integer | grouped | decimal | exponent) & ~too_long
    cleaned = pc.replace_substring(text, ",", "") if grouped.any() else text
    masked = pc.if_else(pa.array(ok), cleaned, pa.scalar(None, cleaned.type))
    values = np.asarray(pc.cast(masked, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
    dot = np.asarray(pc.find_substring(text, ".").to_numpy(zero_copy_only=False), dtype=np.int64)
    scale = np.where((decimal | grouped) & (dot >= 0), lengths - dot - 1, 0)
    return ParsedNumbers(
        integer=integer,
        grouped=grouped,
        decimal=decimal,
        exponent=exponent,
        leading_zero=leading_zero,
        too_long=too_long,
        currency=currency,
        scale=scale,
        values=values,
        symbols=symbols,
    )
