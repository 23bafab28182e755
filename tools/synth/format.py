"""Typed synthetic values written back in production's own text: its date formats in their observed
mix, its boolean literals, its decimal places, and its share of currency symbols and thousands
separators (``£25.00``, ``-1,250.00``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tools.synth.arrays import allocate, flags
from tools.synth.training import Codec

# strftime has no ISO-style offset directive before Python 3.12; synthetic timestamps are UTC
_ZONES = (("%:z", "+00:00"), ("%z", "+0000"), ("%Z", "UTC"))


def to_text(values: pd.Series | np.ndarray, codec: Codec, rng: np.random.Generator) -> np.ndarray:
    """Object array of strings, None where the value is missing."""
    series = pd.Series(values)
    if codec.kind == "number":
        return _numbers(series, codec, rng)
    if codec.kind == "date":
        return _dates(series, codec, rng)
    if codec.kind == "boolean":
        return _booleans(series, codec)
    return np.asarray(series.where(series.notna(), None).astype(object), dtype=object)


def _numbers(series: pd.Series, codec: Codec, rng: np.random.Generator) -> np.ndarray:
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)
    present = np.isfinite(values)
    out = np.full(len(values), None, dtype=object)
    if not present.any():
        return out
    v = values[present]
    if codec.integer:
        text = np.char.mod("%d", np.round(v).astype(np.int64))
    elif codec.scale is not None:
        text = np.char.mod(f"%.{codec.scale}f", np.round(v, codec.scale))
    else:
        text = np.array([repr(float(x)) if not float(x).is_integer() else str(int(x)) for x in v], dtype=object)
    text = np.asarray(text, dtype=object)
    if codec.grouped_share > 0:
        grouped = flags(rng, len(v), codec.grouped_share) & (np.abs(v) >= 1000)
        if grouped.any():
            text[grouped] = [_group(t) for t in text[grouped]]
    if codec.currency_symbol and codec.currency_share > 0:
        symbol = flags(rng, len(v), codec.currency_share)
        if symbol.any():
            text[symbol] = [_with_symbol(t, codec.currency_symbol) for t in text[symbol]]
    out[present] = text
    return out


def _group(text: str) -> str:
    sign = "-" if text.startswith("-") else ""
    body = text.lstrip("+-")
    whole, dot, frac = body.partition(".")
    return f"{sign}{int(whole):,}{dot}{frac}"


def _with_symbol(text: str, symbol: str) -> str:
    return f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"


def _dates(series: pd.Series, codec: Codec, rng: np.random.Generator) -> np.ndarray:
    stamps = pd.to_datetime(series, errors="coerce")
    present = stamps.notna().to_numpy()
    out = np.full(len(stamps), None, dtype=object)
    if not present.any():
        return out
    formats = codec.formats or [("%Y-%m-%d", 1.0)]
    weights = np.array([max(w, 0.0) for _, w in formats], dtype=np.float64)
    weights = weights / weights.sum() if weights.sum() > 0 else np.full(len(formats), 1 / len(formats))
    choice = allocate(rng, len(stamps), weights)
    for k, (fmt, _) in enumerate(formats):
        rows = present & (choice == k)
        if rows.any():  # strftime is a Python call per value: format each distinct stamp once
            codes, distinct = pd.factorize(stamps[rows])
            out[rows] = distinct.strftime(_strftime(fmt)).to_numpy(dtype=object)[codes]
    return out


def _strftime(fmt: str) -> str:
    for directive, literal in _ZONES:
        fmt = fmt.replace(directive, literal)
    return fmt


def _booleans(series: pd.Series, codec: Codec) -> np.ndarray:
    missing = series.isna().to_numpy()
    flags = series.where(~missing, False).astype(bool).to_numpy()
    out = np.where(flags, codec.true_literal, codec.false_literal).astype(object)
    out[missing] = None
    return out
