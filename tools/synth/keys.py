"""New key values: unique, in the production layout, never equal to a production key.

The layout is the format constant every production value shares (a leading non-digit run such as
``CUST-`` or ``TXN``: the same for everyone, so it identifies no one) plus the usual digit count.
Keys of other layouts are drawn from the column's shapes until unique.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from tools.generators.identity import ascii_strings, decimal_chars
from tools.synth.shapes import ShapeMix, fill_mix

_PREFIXED = re.compile(r"^(\D*?)(\d+)$")
MAX_PREFIX = 12
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@dataclass
class KeyLayout:
    prefix: str | None  # None: not prefix + digits
    width: int = 0
    uuid: bool = False


def stripped_values(series: pd.Series) -> pd.Series:
    text = series.dropna().astype(str).str.strip()
    return text[text != ""]


def key_layout(series: pd.Series) -> KeyLayout:
    """Prefix + digits when every value is written that way with one shared prefix."""
    values = stripped_values(series)
    if values.empty:
        return KeyLayout(None)
    if bool(values.str.match(UUID_RE.pattern).all()):
        return KeyLayout(None, uuid=True)
    parts = values.str.extract(_PREFIXED.pattern)
    if parts[0].isna().any():
        return KeyLayout(None)
    prefixes = parts[0].unique()
    if len(prefixes) != 1 or len(str(prefixes[0])) > MAX_PREFIX:
        return KeyLayout(None)
    width = int(parts[1].str.len().mode().iloc[0])
    return KeyLayout(str(prefixes[0]), width)


def make_keys(
    layout: KeyLayout, size: int, rng: np.random.Generator, avoid: set[str], mix: ShapeMix | None = None
) -> pa.Array:
    """``size`` distinct keys, none of them in ``avoid`` (the production keys)."""
    if size == 0:
        return pa.array([], pa.string())
    if layout.uuid:
        return _uuids(size, rng)
    if layout.prefix is not None:
        return _prefixed(layout, size, rng, avoid)
    if mix is None or not mix:
        return _prefixed(KeyLayout("K", max(6, len(str(size)) + 2)), size, rng, avoid)
    out: list[str] = []
    seen = set(avoid)
    for _ in range(50):
        batch = fill_mix(mix, (size - len(out)) * 2 + 16, rng).to_pylist()
        for value in batch:
            if value not in seen:
                seen.add(value)
                out.append(value)
                if len(out) == size:
                    return pa.array(out, pa.string())
    return _prefixed(KeyLayout("K", max(6, len(str(size)) + 2)), size, rng, avoid)


def _prefixed(layout: KeyLayout, size: int, rng: np.random.Generator, avoid: set[str]) -> pa.Array:
    prefix = layout.prefix or ""
    width = layout.width
    while 10**width < 3 * (size + len(avoid)):  # keep collisions rare: widen the number if it is crowded
        width += 1
    taken = {int(v[len(prefix) :]) for v in avoid if v.startswith(prefix) and v[len(prefix) :].isdigit()}
    chosen: list[np.ndarray] = []
    have = 0
    seen: set[int] = set(taken)
    while have < size:
        draw = rng.integers(0, 10**width, size=(size - have) * 2 + 16, dtype=np.int64)
        _, first = np.unique(draw, return_index=True)
        draw = draw[np.sort(first)]
        fresh = np.array([d for d in draw.tolist() if d not in seen], dtype=np.int64)[: size - have]
        seen.update(fresh.tolist())
        chosen.append(fresh)
        have += len(fresh)
    numbers = np.concatenate(chosen)
    digits = ascii_strings(decimal_chars(numbers, width))
    if not prefix:
        return digits
    return pa.array([prefix + d for d in digits.to_pylist()], pa.string())


def _uuids(size: int, rng: np.random.Generator) -> pa.Array:
    raw = rng.integers(0, 256, size=(size, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexed = [bytes(row).hex() for row in raw]
    return pa.array([f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}" for h in hexed], pa.string())
