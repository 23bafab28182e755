"""Vehicle registrations (licence plates) of six countries, in given written shapes.

A shape is written like a profile's (``AA99 AAA``: ``A`` a letter, ``9`` a digit, anything else kept);
without shapes each country's usual form is made. Letters come from the letters the country issues (no I
or Q in the UK, consonants only in Spain and the Netherlands), a run of digits never starts with 0, a
UK current-style plate carries a real age identifier (02-25 or 51-75), an older UK prefix or suffix plate
a year letter, and a German plate a real area code of the shape's length. Values are built as whole
character matrices (numpy), never one Python call per value.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from tools.generators.identity import ZERO, render
from tools.generators.registry import GeneratorParams, Related, generator

Country = Literal["GB", "US", "DE", "NL", "FR", "ES"]

DEFAULT_SHAPES: dict[str, tuple[str, ...]] = {
    "GB": ("AA99 AAA",),
    "US": ("9AAA999", "AAA-9999"),
    "DE": ("A-AA 9999", "AA-A 999", "AAA-AA 99"),
    "NL": ("99-AAA-9", "A-999-AA", "AA-999-A"),
    "FR": ("AA-999-AA",),
    "ES": ("9999 AAA",),
}
LETTERS: dict[str, bytes] = {
    "GB": b"ABCDEFGHJKLMNOPRSTUVWXYZ",
    "US": b"ABCDEFGHJKLMNPRSTUVWXYZ",
    "DE": b"ABCDEFGHJKLMNPRSTUVWXYZ",
    "NL": b"BDFGHJKLNPRSTVXZ",
    "FR": b"ABCDEFGHJKLMNPQRSTVWXYZ",
    "ES": b"BCDFGHJKLMNPRSTVWXYZ",
}
UK_AGE_IDENTIFIERS = np.array([f"{n:02d}" for n in (*range(2, 26), *range(51, 76))])
UK_YEAR_LETTERS = b"ABCDEFGHJKLMNPRSTVWXY"  # prefix and suffix plates: no I, O, Q, U or Z
DE_AREAS: dict[int, tuple[str, ...]] = {
    1: ("B", "M", "K", "F", "S", "D", "L", "N", "H", "E"),
    2: ("HH", "KA", "BN", "DO", "MZ", "HB", "DD", "WI", "KI", "AC", "MS", "OS"),
    3: ("FFB", "LUP", "BGL", "GAP", "NWM", "STA", "WAF", "LDK"),
}


class VehicleRegistrationParams(GeneratorParams):
    country: Country = "GB"
    shapes: list[str] = Field(default_factory=list, description="written shapes, e.g. 'AA99 AAA' (default: usual)")
    weights: list[float] | None = Field(None, description="how often each shape is used (default: equally)")

    @model_validator(mode="after")
    def _check(self) -> VehicleRegistrationParams:
        for shape in self.shapes:
            if not shape.isascii() or "A" not in shape or "9" not in shape:
                raise ValueError(f"shape '{shape}': ASCII, with letters (A) and digits (9)")
        if self.weights is not None and (len(self.weights) != len(self.shapes) or min(self.weights, default=1) < 0):
            raise ValueError("weights: one non-negative weight per shape")
        return self


def _draw(rng: np.random.Generator, pool: bytes, shape: tuple[int, ...]) -> np.ndarray:
    letters = np.frombuffer(pool, dtype=np.uint8)
    return letters[rng.integers(0, len(letters), size=shape)]


def _runs(shape: str) -> list[tuple[str, int, int]]:
    """(kind, start, length) of each run of letters or digits in a shape, a separator ending a run; the
    start counts letters and digits only: ``AA-A 999`` -> (A, 0, 2), (A, 2, 1), (9, 3, 3)."""
    runs: list[tuple[str, int, int]] = []
    slot, joined = 0, False
    for ch in shape:
        if ch not in "A9":
            joined = False
            continue
        if joined and runs[-1][0] == ch:
            kind, start, length = runs[-1]
            runs[-1] = (kind, start, length + 1)
        else:
            runs.append((ch, slot, 1))
        slot, joined = slot + 1, True
    return runs


def plates(rng: np.random.Generator, size: int, country: str, shape: str) -> np.ndarray:
    """An ``(size, k)`` ASCII matrix of the letters and digits of ``size`` plates of one shape."""
    signature = "".join(ch for ch in shape if ch in "A9")
    chars = _draw(rng, LETTERS[country], (size, len(signature)))
    runs = _runs(shape)
    for kind, start, length in runs:
        if kind == "9":
            chars[:, start : start + length] = rng.integers(0, 10, size=(size, length)) + ZERO
            chars[:, start] = rng.integers(1, 10, size=size) + ZERO  # 0123 is not written on a plate
    kinds = "".join(kind for kind, _, _ in _runs(signature))
    if country == "GB" and signature == "AA99AAA":
        ages = UK_AGE_IDENTIFIERS[rng.integers(0, len(UK_AGE_IDENTIFIERS), size=size)]
        chars[:, 2:4] = np.frombuffer("".join(ages).encode("ascii"), dtype=np.uint8).reshape(size, 2)
    elif country == "GB" and kinds == "A9A" and runs[0][2] == 1:  # prefix: A123 BCD
        chars[:, 0] = _draw(rng, UK_YEAR_LETTERS, (size,))
    elif country == "GB" and kinds == "A9A" and runs[-1][2] == 1:  # suffix: ABC 123D
        chars[:, -1] = _draw(rng, UK_YEAR_LETTERS, (size,))
    elif country == "DE" and kinds.startswith("A") and runs[0][2] in DE_AREAS:
        areas = np.array(DE_AREAS[runs[0][2]])
        picked = areas[rng.integers(0, len(areas), size=size)]
        chars[:, : runs[0][2]] = np.frombuffer("".join(picked).encode("ascii"), dtype=np.uint8).reshape(size, -1)
    return chars


@generator("vehicle_registration", params=VehicleRegistrationParams)
def vehicle_registration(
    rng: np.random.Generator, size: int, params: VehicleRegistrationParams, related: Related
) -> Any:
    """Vehicle registrations (licence plates) of GB, US, DE, NL, FR or ES, in given shapes ('AA99 AAA')."""
    shapes = list(params.shapes or DEFAULT_SHAPES[params.country])
    weights = np.asarray(params.weights if params.weights is not None else [1.0] * len(shapes), dtype=np.float64)
    weights = weights / weights.sum() if weights.sum() > 0 else np.full(len(shapes), 1 / len(shapes))
    which = rng.choice(len(shapes), size=size, p=weights)
    width = max(sum(ch in "A9" for ch in s) for s in shapes)
    chars = np.zeros((size, width), dtype=np.uint8)
    for k, shape in enumerate(shapes):
        rows = np.flatnonzero(which == k)
        if rows.size:
            made = plates(rng, rows.size, params.country, shape)
            chars[rows, : made.shape[1]] = made
    templates = ["".join("#" if ch in "A9" else ch for ch in s) for s in shapes]
    return render(templates, which, chars)
