"""Vectorised building blocks for generators: sampling word lists by index, digits, concatenation.

Everything works on whole columns through numpy and pyarrow compute, never a Python call per value.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

DATA_PACKAGE = "tools.generators"


@cache
def words(name: str) -> pa.Array:
    """A bundled word list (``data/<name>.txt``, one entry per line, '#' comments) as an arrow array."""
    text = files(DATA_PACKAGE).joinpath("data", f"{name}.txt").read_text(encoding="utf-8")
    entries = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not entries:
        raise ValueError(f"word list '{name}' is empty")
    return pa.array(entries, type=pa.string())


def has_words(name: str) -> bool:
    return files(DATA_PACKAGE).joinpath("data", f"{name}.txt").is_file()


def pick(rng: np.random.Generator, choices: pa.Array, size: int, p: np.ndarray | None = None) -> pa.Array:
    """Sample ``size`` entries of ``choices`` (uniform, or with probabilities ``p``)."""
    if p is None:
        idx = rng.integers(0, len(choices), size=size)
    else:
        idx = np.searchsorted(np.cumsum(p), rng.random(size), side="right")
        idx = np.minimum(idx, len(choices) - 1)
    return choices.take(pa.array(idx))


def digits(rng: np.random.Generator, size: int, n: int, low: int | None = None) -> pa.Array:
    """``n``-digit zero-padded decimal strings; ``low`` sets the smallest value (e.g. no leading zero)."""
    start = 0 if low is None else low
    values = rng.integers(start, 10**n, size=size, dtype=np.int64)
    return zero_pad(values, n)


def zero_pad(values: np.ndarray | pa.Array, width: int) -> pa.Array:
    """Integers as decimal strings left-padded with zeros to ``width``."""
    as_text = pc.cast(pa.array(values), pa.string())
    return pc.utf8_lpad(as_text, width=width, padding="0")


def concat(*parts: pa.Array | str) -> pa.Array:
    """Element-wise string concatenation; plain ``str`` parts are broadcast."""
    return pc.binary_join_element_wise(*parts, "")


def letters(rng: np.random.Generator, size: int, n: int, alphabet: str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ") -> pa.Array:
    """``n`` random characters from ``alphabet`` per value."""
    table = pa.array(list(alphabet), type=pa.string())
    cols = [table.take(pa.array(rng.integers(0, len(alphabet), size=size))) for _ in range(n)]
    return concat(*cols) if n > 1 else cols[0]


def locale_words(kind: str, locale: str | None, default: str = "en_US") -> pa.Array:
    """The word list for ``kind`` in ``locale``, falling back to the language, then ``default``."""
    for candidate in (locale, (locale or "").split("_")[0], default):
        if candidate and has_words(f"{kind}.{candidate}"):
            return words(f"{kind}.{candidate}")
    return words(kind)


def to_decimal(values: np.ndarray, scale: int) -> pa.Array:
    """Floats rounded exactly to ``scale`` places as arrow decimals (via integer minor units)."""
    minor = np.rint(np.asarray(values, dtype=float) * 10**scale).astype(np.int64)
    return pa.Array.from_buffers(pa.decimal128(18, scale), len(minor), [None, pa.py_buffer(_decimal_words(minor))])


def _decimal_words(minor: np.ndarray) -> bytes:
    # decimal128 is two little-endian int64 words per value: low word, then sign extension.
    words = np.empty((len(minor), 2), dtype="<i8")
    words[:, 0] = minor
    words[:, 1] = np.where(minor < 0, -1, 0)
    return words.tobytes()


def fixed_width_strings(chars: np.ndarray) -> pa.Array:
    """An ``(n, width)`` uint8 matrix of ASCII codes as ``n`` arrow strings, built from the buffer directly.

    The fastest way to make fixed-width text (ids, card numbers): no Python string per value."""
    n, width = chars.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    data = np.ascontiguousarray(chars, dtype=np.uint8)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def keyed_permutation(index: np.ndarray, size: int, key: int) -> np.ndarray:
    """A bijection of [0, size) chosen by ``key``: distinct indices below ``size`` give distinct values, in
    any chunk (unique integers, enum values and small regex spaces are dealt out this way)."""
    mixer = np.random.default_rng(key)
    mult = int(mixer.integers(1, max(size, 2)))
    while np.gcd(mult, size) != 1:
        mult += 1
    offset = int(mixer.integers(0, max(size, 1)))
    return (index.astype(object) * mult + offset) % size if size > 2**31 else (index * mult + offset) % size


def dealt(choices: pa.Array, row_start: int, size: int, key: int) -> pa.Array:
    """Rows ``row_start`` onwards of ``choices`` dealt out in a keyed order: each at most once while the
    rows stay within ``len(choices)``."""
    index = np.arange(row_start, row_start + size, dtype=np.int64)
    return choices.take(pa.array(keyed_permutation(index, len(choices), key)))
