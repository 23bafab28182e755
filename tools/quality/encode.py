"""Rows as numeric vectors for distances and models: standardised numbers/dates, one-hot categories.

Fitted on real training rows only. A one-hot block is scaled by 1/sqrt(2) so two different categories
are exactly 1 apart, like one standard deviation on a number; missing values get their own indicator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tools.quality.frames import ColumnInfo, seconds

MAX_LEVELS = 20
CLIP = 6.0  # z-scores beyond this are outliers; clipping keeps one outlier from dominating a distance
_ONE_HOT = 1.0 / np.sqrt(2.0)


@dataclass
class Encoder:
    numeric: list[tuple[str, float, float]] = field(default_factory=list)  # name, mean, std
    categorical: list[tuple[str, list[str]]] = field(default_factory=list)  # name, kept levels

    @classmethod
    def fit(cls, frame: pd.DataFrame, columns: list[ColumnInfo]) -> Encoder:
        encoder = cls()
        for col in columns:
            if col.kind in ("numerical", "datetime"):
                values = seconds(frame[col.name])
                finite = values[np.isfinite(values)]
                mean = float(finite.mean()) if len(finite) else 0.0
                std = float(finite.std()) if len(finite) else 0.0
                encoder.numeric.append((col.name, mean, std if std > 0 else 1.0))
            elif col.kind in ("categorical", "boolean"):
                levels = frame[col.name].dropna().astype(str).value_counts().index[:MAX_LEVELS]
                encoder.categorical.append((col.name, [str(v) for v in levels]))
        return encoder

    @property
    def columns(self) -> list[str]:
        return [n for n, _, _ in self.numeric] + [n for n, _ in self.categorical]

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        blocks: list[np.ndarray] = []
        for name, mean, std in self.numeric:
            values = seconds(frame[name])
            missing = ~np.isfinite(values)
            z = np.clip(np.where(missing, 0.0, (values - mean) / std), -CLIP, CLIP)
            blocks.append(np.column_stack([z, missing.astype(np.float64)]))
        for name, levels in self.categorical:
            column = frame[name]
            codes = pd.Categorical(column, categories=levels).codes
            one_hot = np.zeros((len(frame), len(levels) + 2))
            other = np.where(column.isna().to_numpy(), len(levels) + 1, len(levels))  # missing, other
            one_hot[np.arange(len(frame)), np.where(codes >= 0, codes, other)] = _ONE_HOT
            blocks.append(one_hot)
        if not blocks:
            return np.zeros((len(frame), 0))
        return np.hstack(blocks).astype(np.float64)
