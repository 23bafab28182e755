"""Per-column summary statistics, accumulated chunk by chunk so memory stays flat."""

from __future__ import annotations

import math
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc


class ColumnStats:
    """Counts, nulls, and a type-appropriate summary (numbers, times, text lengths, true share)."""

    def __init__(self, arrow_type: pa.DataType) -> None:
        self.type = arrow_type
        self.count = 0
        self.nulls = 0
        self.low: Any = None
        self.high: Any = None
        self.total = 0.0
        self.total_sq = 0.0
        self.trues = 0

    @property
    def numeric(self) -> bool:
        t = self.type
        return pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)

    @property
    def text(self) -> bool:
        return pa.types.is_string(self.type) or pa.types.is_large_string(self.type)

    def add(self, values: pa.Array) -> None:
        self.count += len(values)
        self.nulls += values.null_count
        if len(values) == values.null_count:
            return
        if pa.types.is_boolean(self.type):
            self.trues += int(pc.sum(values).as_py() or 0)
            return
        subject = pc.utf8_length(values) if self.text else values
        if self.numeric or self.text:
            as_float = pc.cast(subject, pa.float64())
            self.total += pc.sum(as_float).as_py() or 0.0
            self.total_sq += pc.sum(pc.multiply(as_float, as_float)).as_py() or 0.0
        bounds = pc.min_max(subject)
        low, high = bounds["min"].as_py(), bounds["max"].as_py()
        self.low = low if self.low is None else min(self.low, low)
        self.high = high if self.high is None else max(self.high, high)

    def summary(self) -> dict[str, Any]:
        present = self.count - self.nulls
        out: dict[str, Any] = {"type": str(self.type), "count": self.count, "nulls": self.nulls}
        if present == 0:
            return out
        if pa.types.is_boolean(self.type):
            out["true_rate"] = round(self.trues / present, 6)
            return out
        prefix = "length_" if self.text else ""
        if self.numeric or self.text:
            mean = self.total / present
            var = max(self.total_sq / present - mean * mean, 0.0)
            out[f"{prefix}mean"] = round(mean, 6)
            out[f"{prefix}std"] = round(math.sqrt(var), 6)
        out[f"{prefix}min"] = _plain(self.low)
        out[f"{prefix}max"] = _plain(self.high)
        return out


def _plain(value: Any) -> Any:
    """JSON-friendly: numbers stay numbers, everything else becomes ISO / str."""
    if isinstance(value, bool | int | float) or value is None:
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
