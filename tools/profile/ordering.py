"""Date columns that are (mostly) ordered, like ``start <= end``: later turned into constraints, with the
observed violation rate re-applied as a quality issue."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tools.profile.model import OrderingConstraint

HOLDS = 0.95
MIN_ROWS = 5
MAX_COLUMNS = 20


@dataclass
class DateColumn:
    name: str
    seconds: np.ndarray  # per row, UTC epoch seconds
    ok: np.ndarray  # per row: parsed


def orderings(columns: list[DateColumn]) -> list[OrderingConstraint]:
    """Pairs where ``first <= second`` holds for >= 95% of rows having both, and is strict somewhere."""
    columns = columns[:MAX_COLUMNS]
    out: list[OrderingConstraint] = []
    for i, a in enumerate(columns):
        for b in columns[i + 1 :]:
            both = a.ok & b.ok
            n = int(both.sum())
            if n < MIN_ROWS:
                continue
            x, y = a.seconds[both], b.seconds[both]
            for first, second, lo, hi in ((a, b, x, y), (b, a, y, x)):
                le = int((lo <= hi).sum())
                if le >= HOLDS * n and (lo < hi).any():
                    out.append(
                        OrderingConstraint(
                            first=first.name,
                            second=second.name,
                            rows_compared=n,
                            violation_rate=round(1 - le / n, 6),
                        )
                    )
                    break
    return out
