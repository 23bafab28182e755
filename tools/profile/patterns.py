"""Character-class shapes (``SW1A 1AA`` -> ``AA9A 9AA``) and pre-masked values (``****1234``).

Shapes say how values are written without saying what they are, so they are kept even for sensitive
columns. They are computed once per distinct value with ``str.translate``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tools.profile.model import Patterns, QualityIssue, Share
from tools.profile.stats import share_list
from tools.profile.values import ColumnValues

MAX_SHAPE = 64
TOP_SHAPES = 10

# A mask: a run of * # or bullets, four or more X (XXXXXXXX1234), a token of only X (XXX-XX-1234, XX),
# or a token of two or more digits ending in (or broken by) a run of X for the hidden ones (ZIP 860xx,
# 12XX34; a UK postcode's inward code such as 1XX has one digit and is no mask).
MASK_RE = (
    r"[*#•]{2,}|X{4,}|x{4,}|(?:^|[^A-Za-z0-9])(?:X{2,3}|x{2,3})(?:$|[^A-Za-z0-9])"
    r"|(?:^|[^A-Za-z0-9])[0-9]{2,}(?:X{2,}|x{2,})[0-9Xx]*(?:$|[^A-Za-z0-9])"
)
_X_RUN = re.compile(r"[Xx]{2,}")


class _ShapeTable(dict[int, str]):
    """str.translate table: letters -> A, digits -> 9, anything else kept; filled on first sight."""

    def __missing__(self, key: int) -> str:
        ch = chr(key)
        value = "A" if ch.isalpha() else "9" if ch.isdigit() else ch
        self[key] = value
        return value


_SHAPES = _ShapeTable()
_MASK_SHAPES = _ShapeTable({0: "X", 1: "x"})


def shape(value: str) -> str:
    """Letters -> ``A`` (any case or script), digits -> ``9``, punctuation and spaces kept."""
    out = value.translate(_SHAPES)
    return out if len(out) <= MAX_SHAPE else out[:MAX_SHAPE] + "…"


def mask_shape(value: str) -> str:
    """Like :func:`shape` but mask characters stay as written: ``XX123456C`` masked as ``XX******C`` ->
    ``XX******A``, ``860xx`` -> ``999xx`` (a run of two or more X is a mask; a lone X is a letter)."""
    marked = _X_RUN.sub(lambda m: m.group().replace("X", "\0").replace("x", "\1"), value)
    return marked.translate(_MASK_SHAPES)


_ASCII_TABLE = bytes(ord("A") if chr(b).isalpha() else ord("9") if chr(b).isdigit() else b for b in range(128)) + bytes(
    range(128, 256)
)


def shapes_array(text: pa.Array) -> pa.Array:
    """Shapes of many values at once. ASCII values are translated as one byte buffer (no per-value
    Python); the rest (accented or other scripts) go through :func:`shape`. Long shapes are cut."""
    text = text.cast(pa.large_string())
    ascii_ = np.asarray(pc.fill_null(pc.string_is_ascii(text), True).to_numpy(zero_copy_only=False), bool)
    if ascii_.all():
        validity, offsets, data = text.buffers()
        translated = pa.py_buffer(data.to_pybytes().translate(_ASCII_TABLE)) if data is not None else data
        out = pa.LargeStringArray.from_buffers(len(text), offsets, translated, validity, text.null_count, text.offset)
        lengths = pc.utf8_length(out)
        if (pc.max(lengths).as_py() or 0) > MAX_SHAPE:
            ellipsis, empty = pa.scalar("…", pa.large_string()), pa.scalar("", pa.large_string())
            cut = pc.binary_join_element_wise(pc.utf8_slice_codeunits(out, 0, MAX_SHAPE), ellipsis, empty)
            out = pc.if_else(pc.greater(lengths, MAX_SHAPE), cut, out)
        return out
    shapes = np.empty(len(text), dtype=object)
    ascii_idx, other_idx = np.flatnonzero(ascii_), np.flatnonzero(~ascii_)
    if len(ascii_idx):
        shapes[ascii_idx] = shapes_array(text.take(pa.array(ascii_idx))).to_numpy(zero_copy_only=False)
    shapes[other_idx] = [shape(v) for v in text.take(pa.array(other_idx)).to_pylist()]
    return pa.array(shapes, pa.large_string())


def shape_counts(text: pa.Array, counts: np.ndarray, mask: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Distinct shapes of the selected distinct values and the rows behind each."""
    idx = np.flatnonzero(mask)
    if not len(idx):
        return [], np.zeros(0, dtype=np.int64)
    encoded = pc.dictionary_encode(shapes_array(text.take(pa.array(idx))))
    codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    totals = np.bincount(codes, weights=counts[idx], minlength=len(encoded.dictionary)).astype(np.int64)
    return [str(s) for s in encoded.dictionary.to_pylist()], totals


def patterns(values: ColumnValues) -> Patterns | None:
    mask = values.present
    total = values.n_present
    if not total:
        return None
    labels, counts = shape_counts(values.text, values.counts, mask)
    return Patterns(distinct=len(labels), top=share_list(labels, counts, total, TOP_SHAPES))


def find_masked(values: ColumnValues) -> None:
    """Flag distinct values that were masked before they reached us (``values.masked``)."""
    if not len(values.text):
        return
    hits = pc.match_substring_regex(values.text, MASK_RE).to_numpy(zero_copy_only=False)
    values.masked = np.asarray(hits, dtype=bool) & values.present


def masked_issue(values: ColumnValues) -> QualityIssue | None:
    """Share of present values that are pre-masked, with the mask shapes (never the values)."""
    if not values.masked.any():
        return None
    idx = np.flatnonzero(values.masked)
    shapes = [mask_shape(v) for v in values.text.take(pa.array(idx)).to_pylist()]
    grouped = pd.Series(values.counts[idx]).groupby(np.asarray(shapes, dtype=object), sort=False).sum()
    count = int(grouped.sum())
    present = values.n_present
    top: list[Share] = share_list([str(s) for s in grouped.index], grouped.to_numpy(dtype=np.int64), count)
    return QualityIssue(
        kind="masked_values",
        rate=round(count / present, 6),
        count=count,
        patterns=top,
        details={"distinct_masks": len(grouped)},
    )
