"""Moving a column of text cells (``None`` when empty) between pandas and Arrow, and factorising it.

Rules work on Arrow string arrays (vectorised ``pyarrow.compute``) or on the distinct values only, so
per-value Python work scales with distinct values, not rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def to_arrow(values: pd.Series) -> pa.Array:
    """Text cells as an Arrow string array; None/NaN become nulls, anything else its ``str``."""
    raw = values.to_numpy(dtype=object, na_value=None)
    try:
        return pa.array(raw, type=pa.string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # ingest gives text; a caller's frame may not
        return pa.array([None if v is None else str(v) for v in raw], type=pa.string())


def factorise(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, uniques): ``uniques[codes]`` rebuilds the non-missing cells; missing cells have code -1.

    Arrow, not ``pd.factorize``: pandas hashes object strings as C strings, so values that differ only
    after a NUL character ('\\x00' and '\\x000') would share a code (found by hypothesis)."""
    encoded = pc.dictionary_encode(to_arrow(values))
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, np.array(encoded.dictionary.to_pylist(), dtype=object)


def expand(codes: np.ndarray, mapped: np.ndarray, like: pd.Series) -> pd.Series:
    """Per-distinct results back to rows: code -1 (missing) and None results stay None."""
    out = np.empty(len(codes), dtype=object)
    hit = codes >= 0
    out[hit] = mapped[codes[hit]]
    out[~hit] = None
    return pd.Series(out, index=like.index, name=like.name, dtype=object)
