"""Numbers fit for the result model: finite floats to 6 significant digits, None for NaN/inf/missing."""

from __future__ import annotations

import math
from typing import Any

DIGITS = 6


def clean(value: Any) -> float | None:
    """``float`` to 6 significant digits (so tiny p-values survive), or None when absent or not finite (JSON has
    no NaN, and None reads as 'n/a')."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return float(f"{number:.{DIGITS}g}") + 0.0 if math.isfinite(number) else None  # + 0.0: no '-0.0'


def rate(part: float, whole: float) -> float:
    """``part / whole``, 0.0 for an empty whole."""
    return round(part / whole, DIGITS) if whole else 0.0
