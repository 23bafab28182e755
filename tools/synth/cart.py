"""Sequential CART synthesis: each column drawn from real values of its kind given the columns before it.

This is the method of R's synthpop (Nowok, Raab and Dibben 2016), the strongest single-table synthesizer
on mixed real data in published comparisons, written here on scikit-learn's trees and vectorised:

1. The columns are visited in order (fewest distinct values first, so numbers are drawn given the
   categories that shape them). The first is drawn from its own distribution.
2. Each next column gets a decision tree fitted on the sample, predicting it from the columns before it.
   A synthetic row falls into a leaf of that tree by its own, already synthetic, earlier values; its
   value is then a random sample row's value from the same leaf. The tree only chooses *whose* value
   to borrow, so distributions, shapes, spikes, rounding and joint dependence come through, while
   every single value is one the column really holds (no invented labels, no impossible numbers).
3. A missing value is a value too: a column with gaps first draws "present or not" the same way, then
   the value among rows that had one.

A leaf holds at least ``min_leaf`` sample rows, so each value is borrowed from a group, never pinned to
one person. Whole rows can still coincide with a sample row; the synthesis pipeline finds and redraws
rare copies. Only learned (non-identifier) columns are ever seen here.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

MIN_LEAF = 5  # synthpop's minbucket
BROAD_TRIES = 4  # redraws of the last b columns from their whole column before b+1 are (dependence kept longest)
CATEGORICAL = {"categorical", "boolean"}


@dataclass
class _Column:
    """One column as numbers for the trees: ``codes`` (float, NaN where missing) and the values to copy."""

    name: str
    sdtype: str
    codes: np.ndarray  # float64 per row; NaN = missing
    values: np.ndarray  # the original values per row (object/float/datetime), copied to the output
    distinct: int

    @property
    def categorical(self) -> bool:
        return self.sdtype in CATEGORICAL


def _encode(frame: pd.DataFrame, sdtypes: dict[str, str]) -> list[_Column]:
    columns = []
    for name in frame.columns:
        series = frame[name]
        sdtype = sdtypes.get(str(name), "categorical")
        if sdtype in CATEGORICAL:
            codes, uniques = pd.factorize(series, use_na_sentinel=True, sort=True)
            as_float = codes.astype(np.float64)
            as_float[codes < 0] = np.nan
            distinct = len(uniques)
        elif sdtype == "datetime":
            stamps = pd.to_datetime(series, errors="coerce")
            as_float = stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(np.float64)
            as_float[stamps.isna().to_numpy()] = np.nan
            distinct = int(stamps.nunique())
        else:
            as_float = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)
            distinct = int(pd.Series(as_float).nunique())
        columns.append(_Column(str(name), sdtype, as_float, series.to_numpy(), distinct))
    return columns


def visit_order(columns: list[_Column]) -> list[int]:
    """Fewest distinct values first (categories before the numbers they shape); ties keep table order."""
    return sorted(range(len(columns)), key=lambda i: (columns[i].distinct, i))


class _Leaves:
    """A fitted tree and its training rows grouped by leaf: draws a same-leaf training row for new rows."""

    def __init__(self, tree: Any, leaves_train: np.ndarray) -> None:
        self.tree = tree
        order = np.argsort(leaves_train, kind="stable")
        self.order = order
        self.unique, self.start, self.count = np.unique(leaves_train[order], return_index=True, return_counts=True)

    def donors(self, predictors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        if not len(predictors):
            return np.zeros(0, dtype=np.int64)
        leaves = self.tree.apply(predictors)
        position = np.clip(np.searchsorted(self.unique, leaves), 0, len(self.unique) - 1)
        pick = self.start[position] + np.floor(rng.random(len(leaves)) * self.count[position]).astype(np.int64)
        return self.order[pick]


class _Anyone:
    """No tree (the first column, a constant, too few rows): any of ``rows`` training rows."""

    def __init__(self, rows: np.ndarray) -> None:
        self.rows = rows

    def donors(self, predictors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return self.rows[rng.integers(0, len(self.rows), len(predictors))]


Draw = _Leaves | _Anyone


def _fit_draw(
    predictors: np.ndarray, target: np.ndarray, rows: np.ndarray, categorical: bool, seed: int, min_leaf: int
) -> Draw:
    """How to pick, for a new row, one of ``rows`` (training indices) whose ``target`` suits its predictors."""
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    x, y = predictors[rows], target[rows]
    if x.shape[1] == 0 or len(rows) < 2 * min_leaf or np.unique(y).size < 2:
        return _Anyone(rows)
    options: dict[str, Any] = {"min_samples_leaf": min_leaf, "random_state": seed % 2**32}
    tree = DecisionTreeClassifier(**options) if categorical else DecisionTreeRegressor(**options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "more classes than half the rows": the tree only groups rows here
        tree.fit(x, y)
    leaves = _Leaves(tree, tree.apply(x))
    leaves.order = rows[leaves.order]  # leaf members as training row indices
    return leaves


@dataclass
class _Step:
    """One visited column: which earlier columns it is drawn from, and how gaps and values are drawn."""

    column: int
    given: list[int]
    gaps: Draw | None  # None: the column has no gaps (or only gaps)
    values: Draw | None  # None: the column is all gaps
    missing: np.ndarray


class CartModel:
    """Sequential CART fitted on one frame; :meth:`sample` draws any number of rows from it."""

    def __init__(self, frame: pd.DataFrame, sdtypes: dict[str, str], seed: int, min_leaf: int = MIN_LEAF) -> None:
        self.frame = frame
        self.columns = _encode(frame, sdtypes)
        self.train = np.column_stack([c.codes for c in self.columns]) if self.columns else np.zeros((len(frame), 0))
        self.steps: list[_Step] = []
        everyone = np.arange(len(frame))
        done: list[int] = []
        for position, j in enumerate(visit_order(self.columns)):
            column = self.columns[j]
            missing = np.isnan(column.codes)
            step_seed = seed + position
            gaps = values = None
            if missing.any() and not missing.all():
                gaps = _fit_draw(self.train[:, done], missing.astype(np.int8), everyone, True, step_seed, min_leaf)
            if not missing.all():
                present = np.flatnonzero(~missing)
                values = _fit_draw(self.train[:, done], column.codes, present, column.categorical, step_seed, min_leaf)
            self.steps.append(_Step(j, list(done), gaps, values, missing))
            done.append(j)

    def _draw(self, step: _Step, out: np.ndarray, rng: np.random.Generator, broad: bool = False) -> np.ndarray:
        """Training donors for every row of ``out`` (the rows' earlier columns already drawn); ``broad``
        draws from the whole column instead of the row's leaf."""
        x = out[:, step.given]
        if broad or step.values is None:
            return self._unlike(x, step.given, rng)
        donors = np.empty(len(out), dtype=np.int64)
        wants = np.ones(len(out), dtype=bool)
        if step.gaps is not None:
            picked = step.gaps.donors(x, rng)
            wants = ~step.missing[picked]
            donors[~wants] = picked[~wants]
        if wants.any():
            donors[wants] = step.values.donors(x[wants], rng)
        return donors

    def _unlike(self, x: np.ndarray, given: list[int], rng: np.random.Generator, tries: int = 8) -> np.ndarray:
        """Donors from the whole column, each redrawn (a few times) while the donor row agrees with its
        synthetic row on every earlier column: borrowing from such a row would rebuild it whole."""
        n = len(self.frame)
        donors = rng.integers(0, n, len(x))
        if not given or not len(x):
            return donors
        columns = np.asarray(given, dtype=np.int64)
        for _ in range(tries):
            theirs = self.train[np.ix_(donors, columns)]
            same = (theirs == x) | (np.isnan(theirs) & np.isnan(x))
            alike = np.flatnonzero(same.all(axis=1))
            if not len(alike):
                break
            donors[alike] = rng.integers(0, n, len(alike))
        return donors

    def _fill(
        self, out: np.ndarray, donors: np.ndarray, rows: np.ndarray, first: int, rng: np.random.Generator,
        broad: int = 0,
    ) -> None:  # fmt: skip
        """Draw columns from visit position ``first`` on for ``rows``; the last ``broad`` of them from their
        whole column."""
        for position in range(first, len(self.steps)):
            step = self.steps[position]
            picked = self._draw(step, out[rows], rng, broad=position >= len(self.steps) - broad)
            donors[rows, step.column] = picked
            out[rows, step.column] = self.columns[step.column].codes[picked]

    def sample(self, rows: int, seed: int, rare: int = 0) -> pd.DataFrame:
        """``rows`` rows. With ``rare`` > 0, no row equals a training row that fewer than ``rare`` training
        rows share: such a row draws its last columns again, one more column each round, by its leaves
        first; where the leaves leave no other choice (a small table whose rows are all distinct), the
        last column is drawn from its whole column, a few times, before the last two are, and so on: the
        columns that shape the rest (visited first) keep their dependence longest."""
        rng = np.random.default_rng([seed % 2**63, 0xCA27])
        out = np.full((rows, len(self.columns)), np.nan)
        donors = np.zeros((rows, len(self.columns)), dtype=np.int64)
        self._fill(out, donors, np.arange(rows), 0, rng)
        if rare > 0 and self.columns:
            width = len(self.steps)
            by_leaves = [(width - 1 - r, 0) for r in range(min(width, 4))]
            widening = [(width - b, b) for b in range(1, width + 1) for _ in range(BROAD_TRIES)]
            for first, broad in by_leaves * 2 + widening + [(0, width)] * 20:
                copies = np.flatnonzero(self.rare_copies(out, rare))
                if not len(copies):
                    break
                self._fill(out, donors, copies, first, rng, broad)
        result = {c.name: c.values[donors[:, j]] for j, c in enumerate(self.columns)}
        sampled = pd.DataFrame(result, index=pd.RangeIndex(rows))
        for name in self.frame.columns:
            sampled[name] = sampled[name].astype(self.frame[name].dtype)
        return sampled[list(self.frame.columns)]

    def rare_copies(self, out: np.ndarray, rare: int) -> np.ndarray:
        """Per output row: equal (all columns, gaps alike) to a training row shared by fewer than ``rare`` rows."""
        train_keys = _row_keys(self.train)
        keys, counts = np.unique(train_keys, return_counts=True)
        rare_keys = keys[counts < rare]
        return np.isin(_row_keys(out), rare_keys)


def _row_keys(codes: np.ndarray) -> np.ndarray:
    """A 64-bit digest per row of codes, NaN equal to NaN."""
    frame = pd.DataFrame(np.nan_to_num(codes, nan=-1e300))
    return pd.util.hash_pandas_object(frame, index=False).to_numpy()


def sample(
    frame: pd.DataFrame, sdtypes: dict[str, str], rows: int, seed: int, min_leaf: int = MIN_LEAF, rare: int = 0
) -> pd.DataFrame:
    """``rows`` synthetic rows with ``frame``'s columns and dtypes (the Fitter interface of segments.py)."""
    return CartModel(frame, sdtypes, seed, min_leaf).sample(rows, seed, rare)
