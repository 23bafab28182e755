"""Small array helpers shared by the synthesis modules."""

from __future__ import annotations

import numpy as np


def keep_where(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    """An object array of ``values`` with None where ``mask`` is False."""
    out = np.asarray(values, dtype=object).copy()
    out[~np.asarray(mask, dtype=bool)] = None
    return out


def allocate(rng: np.random.Generator, size: int, weights: np.ndarray | list[float]) -> np.ndarray:
    """An index per row with each index used in proportion to ``weights`` exactly (largest remainder),
    in random order: shares come out as observed, without sampling noise."""
    w = np.asarray(weights, dtype=np.float64)
    if size == 0 or not len(w):
        return np.zeros(size, dtype=np.int64)
    exact = w / w.sum() * size
    counts = np.floor(exact).astype(np.int64)
    short = size - int(counts.sum())
    if short > 0:
        counts[np.argsort(-(exact - counts), kind="stable")[:short]] += 1
    return rng.permutation(np.repeat(np.arange(len(w)), counts))


def flags(rng: np.random.Generator, size: int, share: float) -> np.ndarray:
    """``round(share * size)`` True values in random positions."""
    out = np.zeros(size, dtype=bool)
    out[rng.permutation(size)[: round(min(max(share, 0.0), 1.0) * size)]] = True
    return out
