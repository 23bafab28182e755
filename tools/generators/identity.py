"""Identity numbers: US SSN, UK National Insurance number, NHS number.

Also the two character-matrix helpers the PII generators share: values are built as ``(n, width)``
uint8 ASCII matrices with numpy and turned into an arrow string array in one step, with no
Python call per value.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, Literal

import numpy as np
import pyarrow as pa

from tools.generators.registry import GeneratorParams, Related, generator

ZERO = ord("0")
UPPER = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)

# ---------------------------------------------------------------- shared helpers


def ascii_strings(chars: np.ndarray) -> pa.Array:
    """Rows of an ``(n, width)`` uint8 ASCII matrix as arrow strings; 0 bytes are skipped (ragged rows)."""
    chars = np.ascontiguousarray(chars, dtype=np.uint8)
    n = chars.shape[0]
    keep = chars != 0
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(keep.sum(axis=1), out=offsets[1:])
    data = chars.reshape(-1) if keep.all() else chars[keep]
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def decimal_chars(values: np.ndarray, width: int) -> np.ndarray:
    """Non-negative integers as an ``(n, width)`` matrix of zero-padded ASCII digits."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((np.asarray(values, dtype=np.int64)[:, None] // powers) % 10 + ZERO).astype(np.uint8)


def random_digits(rng: np.random.Generator, size: int, width: int, low: int = 0) -> np.ndarray:
    """An ``(n, width)`` matrix of random ASCII digits, each at least ``low``."""
    return (rng.integers(low, 10, size=(size, width), dtype=np.uint8) + ZERO).astype(np.uint8)


def render(templates: Sequence[str], which: np.ndarray | None, chars: np.ndarray) -> pa.Array:
    """Format each row with a template: every '#' takes the row's next character, other characters are literal.

    ``which`` picks the template per row (None: the only one); ``chars`` is an ``(n, k)`` ASCII matrix.
    """
    n = chars.shape[0]
    out = np.zeros((n, max((len(t) for t in templates), default=0)), dtype=np.uint8)
    for k, template in enumerate(templates):
        rows = np.arange(n) if which is None else np.flatnonzero(which == k)
        if rows.size == 0:
            continue
        shape = np.frombuffer(template.encode("ascii"), dtype=np.uint8)
        slots = np.flatnonzero(shape == ord("#"))
        block = np.repeat(shape[None, :], rows.size, axis=0)
        block[:, slots] = chars[rows, : slots.size]
        out[rows, : shape.size] = block
    return ascii_strings(out)


# ---------------------------------------------------------------- US social security number


class SsnParams(GeneratorParams):
    dashes: bool = True


def _ssn_chars(rng: np.random.Generator, size: int) -> np.ndarray:
    area = rng.integers(1, 899, size=size)  # 001-898, then skip 666: 001-665, 667-899
    area += area >= 666
    group = rng.integers(1, 100, size=size)
    serial = rng.integers(1, 10_000, size=size)
    return np.hstack([decimal_chars(area, 3), decimal_chars(group, 2), decimal_chars(serial, 4)])


@generator("ssn", params=SsnParams, output=pa.string())
def ssn(rng: np.random.Generator, size: int, params: SsnParams, related: Related) -> Any:
    """US Social Security numbers AAA-GG-SSSS: area not 000, 666 or 9xx, group not 00, serial not 0000."""
    return render(["###-##-####" if params.dashes else "#########"], None, _ssn_chars(rng, size))


# ---------------------------------------------------------------- UK National Insurance number

NINO_FIRST_BANNED = set("DFIQUV")
NINO_SECOND_BANNED = set("DFIOQUV")
NINO_PREFIX_BANNED = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


@cache
def nino_prefixes() -> np.ndarray:
    """Every two-letter prefix HMRC allows, as a ``(k, 2)`` ASCII matrix."""
    letters = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    allowed = [
        a + b
        for a in letters
        for b in letters
        if a not in NINO_FIRST_BANNED and b not in NINO_SECOND_BANNED and a + b not in NINO_PREFIX_BANNED
    ]
    return np.frombuffer("".join(allowed).encode("ascii"), dtype=np.uint8).reshape(-1, 2)


def _nino_chars(rng: np.random.Generator, size: int) -> np.ndarray:
    prefixes = nino_prefixes()
    prefix = prefixes[rng.integers(0, len(prefixes), size=size)]
    suffix = UPPER[rng.integers(0, 4, size=size)][:, None]  # A-D
    return np.hstack([prefix, random_digits(rng, size, 6), suffix])


class NationalIdParams(GeneratorParams):
    country: Literal["GB", "US"] = "GB"
    separators: bool | None = None  # None: the country's usual form (GB QQ123456C, US 123-45-6789)


@generator("national_id", params=NationalIdParams, output=pa.string())
def national_id(rng: np.random.Generator, size: int, params: NationalIdParams, related: Related) -> Any:
    """National identity numbers: UK National Insurance numbers (HMRC prefix rules) or US SSNs."""
    if params.country == "US":
        dashed = True if params.separators is None else params.separators
        return render(["###-##-####" if dashed else "#########"], None, _ssn_chars(rng, size))
    return render(["## ## ## ## #" if params.separators else "#########"], None, _nino_chars(rng, size))


# ---------------------------------------------------------------- NHS number

NHS_WEIGHTS = np.arange(10, 1, -1, dtype=np.int64)  # 10..2 on the first nine digits


class NhsNumberParams(GeneratorParams):
    spaced: bool = False  # 3-3-4 as printed on NHS letters
    test_range: bool = False  # 999 xxx xxxx: numbers NHS England reserves for testing, never issued


def nhs_check_digit(body: np.ndarray) -> np.ndarray:
    """The mod-11 check digit of ``(n, 9)`` integer digits; 10 means the body cannot be used."""
    remainder = (body.astype(np.int64) @ NHS_WEIGHTS) % 11
    return np.where(remainder == 0, 0, 11 - remainder)


def _nhs_bodies(rng: np.random.Generator, size: int, test_range: bool) -> np.ndarray:
    if test_range:
        return 999_000_000 + rng.integers(0, 1_000_000, size=size)
    draw = rng.integers(0, 300_000_000, size=size)  # England and Wales issue 400-499 and 600-799 million
    return np.where(draw < 100_000_000, 400_000_000 + draw, 500_000_000 + draw)


@generator("nhs_number", params=NhsNumberParams, output=pa.string())
def nhs_number(rng: np.random.Generator, size: int, params: NhsNumberParams, related: Related) -> Any:
    """NHS numbers: ten digits with a valid mod-11 check digit (bodies whose check would be 10 are redrawn)."""
    body = decimal_chars(_nhs_bodies(rng, size, params.test_range), 9) - ZERO
    check = nhs_check_digit(body)
    bad = np.flatnonzero(check == 10)
    while bad.size:
        body[bad] = decimal_chars(_nhs_bodies(rng, bad.size, params.test_range), 9) - ZERO
        check[bad] = nhs_check_digit(body[bad])
        bad = bad[check[bad] == 10]
    chars = np.hstack([body, check[:, None]]).astype(np.uint8) + ZERO
    return render(["### ### ####" if params.spaced else "##########"], None, chars)
