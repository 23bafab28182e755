"""Type inference: what a text column really holds, and the share of values that parse as that type.

The type is chosen on an evenly spaced sample of distinct values (cheap), then confirmed by parsing all
of them once. Pre-masked values (``****``) and blanks do not vote.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tools.profile.dates import ParsedDates, parse_dates
from tools.profile.model import ColumnType, Share, TypeInference
from tools.profile.numbers import ParsedNumbers, parse_numbers
from tools.profile.values import ColumnValues, sample_positions

TYPE_SHARE = 0.9  # a type wins when at least this share of usable values parse as it
CATEGORY_MAX = 100
BOOLEAN_PAIRS: tuple[tuple[str, str], ...] = (("yes", "no"), ("y", "n"), ("true", "false"), ("t", "f"), ("1", "0"))


@dataclass
class Inference:
    """The public verdict plus per-distinct-value parses the rest of the profile reuses."""

    result: TypeInference
    parsed: np.ndarray  # per distinct value: parses as the type
    numbers: np.ndarray | None = None  # per distinct value, NaN when not a number
    dates: ParsedDates | None = None

    @property
    def type(self) -> ColumnType:
        return self.result.type


def _share(mask: np.ndarray, weights: np.ndarray, total: int) -> float:
    return float(weights[mask].sum()) / total if total else 0.0


def infer_type(values: ColumnValues) -> Inference:
    usable = values.usable
    idx = np.flatnonzero(usable)
    total = values.weight(usable)
    none = np.zeros(len(values.counts), dtype=bool)
    if not values.n_present:
        return Inference(TypeInference(type="empty", share=0.0), none)
    if not total:  # everything present is pre-masked
        return Inference(TypeInference(type="text", share=1.0), values.present.copy())
    text = values.text.take(pa.array(idx))
    weights = values.counts[idx]
    present = values.n_present
    found = (
        _boolean(text, weights, total)
        or _dates(text, weights, total)
        or _numbers(text, weights, total)
        or _strings(text, weights, total, _distinct_usable(values, idx))
    )
    parsed = none.copy()
    parsed[idx] = found.parsed
    found.parsed = parsed
    found.result.share = round(float(values.counts[parsed].sum()) / present, 6)
    if found.numbers is not None:
        full = np.full(len(values.counts), np.nan)
        full[idx] = found.numbers
        found.numbers = full
    if found.dates is not None:
        found.dates = _spread(found.dates, idx, len(values.counts))
    return found


def _distinct_usable(values: ColumnValues, idx: np.ndarray) -> int:
    """Distinct stripped values among the usable ones (exact)."""
    subset = values.text.take(pa.array(idx))
    return len(pc.unique(subset)) if values.padded[idx].any() else len(idx)


def _matches(text: pa.Array, pattern: str) -> np.ndarray:
    return np.asarray(pc.fill_null(pc.match_substring_regex(text, pattern), False).to_numpy(zero_copy_only=False), bool)


def _boolean(text: pa.Array, weights: np.ndarray, total: int) -> Inference | None:
    if len(text) > 64:
        return None
    originals = [str(v) for v in text.to_pylist()]
    lower = np.array([v.lower() for v in originals], dtype=object)
    for true, false in BOOLEAN_PAIRS:
        is_true, is_false = lower == true, lower == false
        if not is_true.any() or not is_false.any():
            continue
        hit = is_true | is_false
        if _share(hit, weights, total) < TYPE_SHARE:
            continue
        literal = {side: _most_common(originals, weights, mask) for side, mask in (("t", is_true), ("f", is_false))}
        result = TypeInference(type="boolean", true_literal=literal["t"], false_literal=literal["f"])
        return Inference(result, hit)
    return None


def _most_common(originals: list[str], weights: np.ndarray, mask: np.ndarray) -> str:
    best: dict[str, int] = {}
    for i in np.flatnonzero(mask):
        best[originals[i]] = best.get(originals[i], 0) + int(weights[i])
    return max(best.items(), key=lambda kv: (kv[1], kv[0]))[0]


def _dates(text: pa.Array, weights: np.ndarray, total: int) -> Inference | None:
    pick = sample_positions(len(text))
    trial = parse_dates(text.take(pa.array(pick)) if len(pick) < len(text) else text)
    if _share(trial.ok, weights[pick], int(weights[pick].sum())) < TYPE_SHARE:
        return None
    parsed = trial if len(pick) == len(text) else parse_dates(text)
    if _share(parsed.ok, weights, total) < TYPE_SHARE:
        return None
    with_time = _share(parsed.has_time, weights, total) >= 0.5 * _share(parsed.ok, weights, total)
    counts = parsed.format_counts(weights)
    ok_rows = sum(counts.values())
    formats = [
        Share(value=label, count=c, share=round(c / ok_rows, 6))
        for label, c in sorted(counts.items(), key=lambda kv: -kv[1])
    ]
    result = TypeInference(
        type="datetime" if with_time else "date", formats=formats, day_first_ambiguous=parsed.day_first_ambiguous
    )
    return Inference(result, parsed.ok, dates=parsed)


def _numbers(text: pa.Array, weights: np.ndarray, total: int) -> Inference | None:
    pick = sample_positions(len(text))
    trial = parse_numbers(text.take(pa.array(pick)) if len(pick) < len(text) else text)
    w = weights[pick]
    if _share(trial.ok, w, int(w.sum())) < TYPE_SHARE:
        return None
    if trial.leading_zero.any() and _share(trial.leading_zero, w, int(w[trial.integer].sum())) >= 0.01:
        return None  # zero-padded codes: keep them as text
    parsed = trial if len(pick) == len(text) else parse_numbers(text)
    if _share(parsed.ok, weights, total) < TYPE_SHARE:
        return None
    return Inference(_number_type(parsed, weights), parsed.ok, numbers=np.where(parsed.ok, parsed.values, np.nan))


def _number_type(parsed: ParsedNumbers, weights: np.ndarray) -> TypeInference:
    ok = parsed.ok
    fractional = ok & (parsed.decimal | parsed.exponent | (parsed.grouped & (parsed.scale > 0)))
    extras = {
        "thousands_separator": bool(parsed.grouped[ok].any()),
        "currency_symbol": parsed.symbols[0] if len(parsed.symbols) == 1 else None,
        "leading_zeros": bool(parsed.leading_zero[ok].any()),
    }
    if not fractional.any():
        return TypeInference(type="integer", **extras)
    if not (parsed.exponent & ok).any():
        scales = parsed.scale[fractional]
        w = weights[fractional]
        tally = np.bincount(scales, weights=w)
        modal = int(np.argmax(tally))
        if modal > 0 and tally[modal] >= 0.95 * w.sum():
            return TypeInference(type="decimal", scale=modal, **extras)
    return TypeInference(type="float", **extras)


def _strings(text: pa.Array, weights: np.ndarray, total: int, distinct: int) -> Inference:
    """category / free_text / identifier / text from cardinality and shape of the words; the ratios are
    measured on a sample of distinct values, the cardinality exactly."""
    pick = sample_positions(len(text))
    sample, w = (text.take(pa.array(pick)), weights[pick]) if len(pick) < len(text) else (text, weights)
    lengths = np.asarray(pc.utf8_length(sample).to_numpy(zero_copy_only=False), dtype=np.float64)
    words = np.asarray(pc.count_substring_regex(sample, r"\s+").to_numpy(zero_copy_only=False), np.float64) + 1
    mean_len = float(np.average(lengths, weights=w))
    mean_words = float(np.average(words, weights=w))
    n = int(w.sum())
    digits = _share(_matches(sample, r"\d"), w, n)
    emails = _share(_matches(sample, "@"), w, n)
    spaces = _share(words > 1, w, n)
    ratio = distinct / total
    kind: ColumnType
    if mean_words >= 8 or mean_len >= 60 or (mean_words >= 5 and ratio >= 0.3):
        kind = "free_text"  # checked before category: sentences are never kept as top values
    elif distinct <= CATEGORY_MAX and distinct <= 0.5 * total:
        kind = "category"
    elif ratio >= 0.9 and digits >= 0.5 and spaces <= 0.05 and emails < 0.5 and mean_len <= 64:
        kind = "identifier"
    else:
        kind = "text"
    leading = kind in ("identifier", "category", "text") and bool(_matches(sample, r"^0\d+$").any())
    parsed = np.ones(len(text), dtype=bool)
    return Inference(TypeInference(type=kind, leading_zeros=leading), parsed)


def _spread(parsed: ParsedDates, idx: np.ndarray, n: int) -> ParsedDates:
    """Per-usable-value parse results placed back at their distinct-value positions."""
    ok = np.zeros(n, dtype=bool)
    seconds = np.zeros(n, dtype=np.int64)
    has_time = np.zeros(n, dtype=bool)
    index = np.full(n, -1, dtype=np.int64)
    ok[idx], seconds[idx], has_time[idx], index[idx] = parsed.ok, parsed.seconds, parsed.has_time, parsed.format_index
    return ParsedDates(ok, seconds, has_time, index, parsed.formats, parsed.day_first_ambiguous)
