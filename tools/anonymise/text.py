"""Moving a column of text cells (``None`` when empty) between pandas and Arrow, and factorising it.

Rules work on Arrow string arrays (vectorised ``pyarrow.compute``) or on the distinct values only, so
per-value Python work scales with distinct values, not rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa


def to_arrow(values: pd.Series) -> pa.Array:
    """Text cells as an Arrow string array; None/NaN become nulls, anything else its ``str``."""
    raw = values.to_numpy(dtype=object, na_value=None)
    try:
        return pa.array(raw, type=pa.string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # ingest gives text; a caller's frame may not
        return pa.array([None if v is None else str(v) for v in raw], type=pa.string())


def factorise(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, uniques): ``uniques[codes]`` rebuilds the non-missing cells; missing cells have code -1."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    distinct = np.asarray(uniques, dtype=object)
    if not all(isinstance(u, str) for u in distinct):  # ingest gives text; a caller's frame may not
        distinct = np.array([str(u) for u in distinct], dtype=object)
    return np.asarray(codes, dtype=np.int64), distinct


def expand(codes: np.ndarray, mapped: np.ndarray, like: pd.Series) -> pd.Series:
    """Per-distinct results back to rows: code -1 (missing) and None results stay None."""
    out = np.empty(len(codes), dtype=object)
    hit = codes >= 0
    out[hit] = mapped[codes[hit]]
    out[~hit] = None
    return pd.Series(out, index=like.index, name=like.name, dtype=object)
