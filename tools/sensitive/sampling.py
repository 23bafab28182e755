"""A bounded, seeded look at one column: a random row sample, its distinct values and their statistics.

Classification never scans a whole column: it reads at most ``max_rows`` random rows and keeps at
most ``max_values`` distinct non-empty values, so 50 columns of a million rows take seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

NULL_TOKENS = frozenset({"null", "none", "nan", "n/a", "#n/a", "nil", "-", "--"})
BOOL_TOKENS = frozenset({"true", "false", "yes", "no", "y", "n", "t", "f", "0", "1", "ja", "nein", "oui", "non", "si"})


@dataclass(frozen=True, slots=True)
class ColumnSample:
    """Distinct non-empty values of a row sample (stripped text) and statistics over it."""

    values: list[str]
    rows: int  # rows in the whole column
    sampled_rows: int  # rows looked at
    non_empty: int  # non-empty cells among the sampled rows
    distinct: int  # distinct non-empty values among the sampled rows
    mean_length: float
    digit_share: float  # values made of digits only
    numeric_share: float  # values that parse as numbers
    integer_share: float  # values that are plain integers (optionally signed)
    space_share: float  # values containing whitespace
    letter_share: float  # values containing a letter
    boolean_like: bool  # a yes/no flag column
    sequential: bool  # dense run of integers: a surrogate key
    text_like: bool  # sentences: long values with several words

    @property
    def cardinality_ratio(self) -> float:
        return self.distinct / self.non_empty if self.non_empty else 0.0

    @property
    def phrase_like(self) -> bool:
        """Short texts of several words (payment references, remarks): may carry names like sentences do."""
        return self.text_like or (len(self.values) >= 20 and self.space_share >= 0.3 and self.letter_share >= 0.6)

    @property
    def constant(self) -> bool:
        """One value repeated over a meaningful number of rows."""
        return self.distinct == 1 and self.non_empty >= 20


def sample_column(series: pd.Series, max_values: int = 500, max_rows: int = 20_000, seed: int = 0) -> ColumnSample:
    """Sample ``series`` (raw text cells, None for empty) deterministically for ``seed``."""
    rows = len(series)
    rng = np.random.default_rng(seed)
    part = series
    if rows > max_rows:
        part = series.iloc[np.sort(rng.choice(rows, size=max_rows, replace=False))]
    part = part[part.notna()]
    text = part.astype(str).str.strip()
    text = text[(text != "") & ~text.str.lower().isin(NULL_TOKENS)]
    unique = pd.unique(text.to_numpy())
    distinct = len(unique)
    if distinct > max_values:
        unique = unique[np.sort(rng.choice(distinct, size=max_values, replace=False))]
    values = [str(v) for v in unique]
    return _with_stats(values, rows, len(part), len(text), distinct)


def _with_stats(values: list[str], rows: int, sampled: int, non_empty: int, distinct: int) -> ColumnSample:
    n = len(values)
    if n == 0:
        return ColumnSample([], rows, sampled, 0, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, False, False, False)
    s = pd.Series(values, dtype=object)
    lengths = s.str.len()
    digits = s.str.fullmatch(r"\d+")
    integers = s.str.fullmatch(r"[+-]?\d+")
    numbers = pd.to_numeric(s.str.replace(",", "", regex=False), errors="coerce")
    spaces = s.str.contains(r"\s", regex=True)
    letters = s.str.contains(r"[^\W\d_]", regex=True)
    boolean_like = n <= 3 and set(s.str.lower()) <= BOOL_TOKENS
    sequential = False
    if integers.mean() >= 0.95 and n >= 10:
        ints = pd.to_numeric(s[integers], errors="coerce").dropna()
        if len(ints) and ints.max() - ints.min() + 1 <= 3 * max(rows, n) + 100 and distinct >= 0.9 * non_empty:
            sequential = bool(ints.max() < 10**12)
    words = s.str.count(r"\s+") + 1
    text_like = bool(lengths.mean() >= 20 and spaces.mean() >= 0.5 and words.mean() >= 4)
    return ColumnSample(
        values=values,
        rows=rows,
        sampled_rows=sampled,
        non_empty=non_empty,
        distinct=distinct,
        mean_length=float(lengths.mean()),
        digit_share=float(digits.mean()),
        numeric_share=float(numbers.notna().mean()),
        integer_share=float(integers.mean()),
        space_share=float(spaces.mean()),
        letter_share=float(letters.mean()),
        boolean_like=boolean_like,
        sequential=sequential,
        text_like=text_like,
    )
