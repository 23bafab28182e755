"""Rules (nearly) every row of a table obeys, found on its typed columns and measured on any table.

Kinds, each recorded with its support (the share of rows having every column of the rule where it holds):

* ``sum``: ``total = a + b (- c ...)`` among numbers, within the total's precision. Two parts are checked
  exhaustively on a sample of rows (vectorised); more (up to MAX_PARTS) by a least-absolute-deviations
  fit of each candidate total on the other numbers, its coefficients snapped to -1/0/1 and verified.
  Least absolute deviations, not least squares: a few rows that break the rule leave the fit exact.
* ``difference``: a number equal to the difference of two dates, in calendar days, whole years, days,
  hours, minutes or seconds (``length_of_stay = discharge_date - admission_date``).
* ``formula``: ``a = k * b``, ``k * b * c``, ``k * b / c`` or ``k * b / c^2`` with a constant ``k`` (units,
  e.g. BMI's 10000) of few significant digits, rounded to ``a``'s precision.
* ``ordering``: ``a <= b`` between numbers that would not be ordered by their ranges alone (a shuffled
  pairing is ordered in at most SHUFFLED_MAX of rows), and date orderings from ``ordering.py``.
* ``dependency``: ``x -> y`` between categories: each ``x`` value keeps the ``y`` values seen with it in more
  than ALLOW_SHARE of its rows (one value for a strict functional dependency; ``title -> sex`` may allow
  ``Male`` and ``M``), only when ``x`` has repeats, the values of most rows' ``x`` exclude some ``y``, and
  ``x`` explains most of ``y`` (uncertainty coefficient at least MIN_STRENGTH).
* ``precision``: the decimal places of each number (whole numbers stay whole).

Exact arithmetic (sums, differences, formulas) is a rule at EXACT_SUPPORT: an equality to the last decimal
on 95% of rows is no coincidence, and real samples carry data-entry errors (the bundled hospital sample's
length of stay holds on 96% of its rows). Orderings and dependencies can hold by chance on skewed data,
so they need STRICT_SUPPORT. The profile keeps names, formulas and shares only: which value of ``x`` goes
with which ``y`` is learned again in memory by synthesis, never written.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tools.profile.model import OrderingConstraint, RowRule
from tools.profile.values import ColumnValues, expand

EXACT_SUPPORT = 0.95
STRICT_SUPPORT = 0.99
SCREEN_SUPPORT = 0.85  # a candidate screened on SCREEN_ROWS rows at this rate is verified on every row
MIN_ROWS = 20
MIN_DISTINCT = 3
MAX_ROWS = 200_000  # rules are found on at most this many rows (a fixed random sample)
SCREEN_ROWS = 512
MAX_NUMBERS = 30
MAX_FORMULA_NUMBERS = 16
MAX_DATES = 12
MAX_CATEGORIES = 40
MAX_LEVELS = 1000
MAX_PARTS = 8
LAD_ROWS = 240
ALLOW_SHARE = 0.01
MIN_STRENGTH = 0.5
MIN_ENTROPY = 0.05
SHUFFLED_MAX = 0.9
MAX_DECIMALS = 6
MAX_SIGNIFICANT = 6
DAY = 86400.0
UNITS: dict[str, float | None] = {
    "calendar days": None, "whole years": None, "days": DAY, "hours": 3600.0, "minutes": 60.0, "seconds": 1.0,
}  # fmt: skip
SHAPES = ("scale", "product", "ratio", "ratio_square")


@dataclass
class Typed:
    """A table's columns per row, in the forms rules read: numbers (NaN when missing or unusable) with
    their written decimal places (-1 when missing), dates as UTC epoch seconds (NaN), and categories as
    stripped, case-folded labels (None)."""

    rows: int
    numbers: dict[str, np.ndarray] = field(default_factory=dict)
    decimals: dict[str, np.ndarray] = field(default_factory=dict)
    seconds: dict[str, np.ndarray] = field(default_factory=dict)
    labels: dict[str, np.ndarray] = field(default_factory=dict)

    def take(self, rows: np.ndarray) -> Typed:
        def pick(d: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
            return {k: v[rows] for k, v in d.items()}

        return Typed(len(rows), pick(self.numbers), pick(self.decimals), pick(self.seconds), pick(self.labels))

    def add_number(self, name: str, values: ColumnValues, numbers: np.ndarray) -> None:
        """``numbers``: per distinct value of ``values``, NaN where it is not a usable number."""
        from tools.profile.numbers import parse_numbers

        usable = values.usable & np.isfinite(numbers)
        scale = np.where(usable, parse_numbers(values.text).scale, -1).astype(np.int64)
        self.numbers[name] = expand(np.where(usable, numbers, np.nan), values.codes, np.nan)
        self.decimals[name] = expand(scale, values.codes, -1)

    def add_date(self, name: str, values: ColumnValues, seconds: np.ndarray, ok: np.ndarray) -> None:
        usable = values.usable & ok
        self.seconds[name] = expand(np.where(usable, seconds.astype(np.float64), np.nan), values.codes, np.nan)

    def add_label(self, name: str, values: ColumnValues) -> None:
        folded = np.array([str(t).casefold() for t in values.text.to_pylist()], dtype=object)
        folded[~values.usable] = None
        self.labels[name] = expand(folded, values.codes, None)


def typed_from_text(frame: pd.DataFrame, kinds: dict[str, str], today: dt.date) -> Typed:
    """Parse the named columns of a text table (``kinds``: column -> number | date | label) the way the
    profiler does; columns the frame lacks are left out."""
    from tools.profile.dates import parse_dates
    from tools.profile.numbers import parse_numbers
    from tools.profile.patterns import find_masked
    from tools.profile.quality import in_range
    from tools.profile.values import column_values

    typed = Typed(len(frame))
    for name, kind in kinds.items():
        if name not in frame.columns:
            continue
        series = frame[name]
        values = column_values(name, series.astype(object).where(series.notna(), None))
        find_masked(values)
        if kind == "number":
            parsed = parse_numbers(values.text)
            typed.add_number(name, values, np.where(parsed.ok, parsed.values, np.nan))
        elif kind == "date":
            dates = parse_dates(values.text)
            typed.add_date(name, values, dates.seconds, dates.ok & in_range(dates.seconds, today))
        else:
            typed.add_label(name, values)
    return typed


def column_kinds(rules: Iterable[RowRule]) -> dict[str, str]:
    """The form each column of ``rules`` is read in (number, date or label)."""
    kinds: dict[str, str] = {}
    for rule in rules:
        if rule.kind == "dependency":
            kinds.update({c: "label" for c in rule.columns})
        elif rule.kind == "difference":
            kinds[rule.columns[0]] = "number"
            kinds.update({c: "date" for c in rule.columns[1:]})
        elif rule.kind == "ordering" and rule.shape == "dates":
            kinds.update({c: "date" for c in rule.columns})
        else:
            kinds.update({c: "number" for c in rule.columns})
    return kinds


# ------------------------------------------------------------------------------------------------ checking


def tolerance(values: np.ndarray, decimals: int | None) -> np.ndarray:
    """How far a value may sit from the rule's result: half a unit of its last decimal place."""
    half = 0.5 * 10.0**-decimals if decimals is not None else 0.0
    return half * (1 + 1e-9) + 1e-10 * np.maximum(1.0, np.abs(np.nan_to_num(values)))


def unit_difference(later: np.ndarray, earlier: np.ndarray, unit: str) -> np.ndarray:
    """``later - earlier`` (epoch seconds, NaN for missing) in ``unit`` (see UNITS)."""
    with np.errstate(invalid="ignore"):
        if unit == "calendar days":
            return np.floor(later / DAY) - np.floor(earlier / DAY)
        if unit == "whole years":
            return _whole_years(later, earlier)
        seconds = UNITS[unit]
        assert seconds is not None
        return (later - earlier) / seconds


def _whole_years(later: np.ndarray, earlier: np.ndarray) -> np.ndarray:
    """Completed years from ``earlier`` to ``later`` (an age on a date)."""
    out = np.full(len(later), np.nan)
    both = np.isfinite(later) & np.isfinite(earlier)
    a = later[both].astype(np.int64).astype("datetime64[s]")
    b = earlier[both].astype(np.int64).astype("datetime64[s]")
    years = a.astype("datetime64[Y]").astype(np.int64) - b.astype("datetime64[Y]").astype(np.int64)
    month_a, month_b = a.astype("datetime64[M]").astype(np.int64) % 12, b.astype("datetime64[M]").astype(np.int64) % 12
    into_a = (a - a.astype("datetime64[M]")).astype(np.int64)
    into_b = (b - b.astype("datetime64[M]")).astype(np.int64)
    before = (month_a < month_b) | ((month_a == month_b) & (into_a < into_b))
    out[both] = years - before
    return out


def shape_value(shape: str, b: np.ndarray, c: np.ndarray | None) -> np.ndarray:
    """The formula's value before its constant: ``b``, ``b*c``, ``b/c`` or ``b/c^2``."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if shape == "scale" or c is None:
            return b
        if shape == "product":
            return b * c
        if shape == "ratio":
            return b / c
        return b / (c * c)


def expected(rule: RowRule, typed: Typed) -> np.ndarray:
    """Per row, the dependent's value the rule gives from the other columns (sum, difference, formula)."""
    cols = rule.columns
    if rule.kind == "sum":
        total = np.zeros(typed.rows)
        for column, term in zip(cols[1:], rule.terms, strict=True):
            total = total + term * _number(typed, column)
        return total
    if rule.kind == "difference":
        return unit_difference(_seconds(typed, cols[1]), _seconds(typed, cols[2]), rule.shape or "days")
    if rule.kind == "formula":
        third = _number(typed, cols[2]) if len(cols) > 2 else None
        with np.errstate(invalid="ignore", over="ignore"):
            return (rule.constant or 1.0) * shape_value(rule.shape or "scale", _number(typed, cols[1]), third)
    raise ValueError(f"a {rule.kind} rule derives no value")


def check(rule: RowRule, typed: Typed, reference: Typed | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per row: whether every column of the rule is present, and whether the rule holds. A dependency
    takes the values each label allows from ``reference`` (the sample), else from ``typed`` itself."""
    n = typed.rows
    cols = rule.columns
    if rule.kind == "precision":
        decimals = typed.decimals.get(cols[0], np.full(n, -1))
        valid = decimals >= 0
        return valid, valid & (decimals <= (rule.decimals or 0))
    if rule.kind == "ordering":
        get = _seconds if rule.shape == "dates" else _number
        a, b = get(typed, cols[0]), get(typed, cols[1])
        valid = np.isfinite(a) & np.isfinite(b)
        return valid, valid & (a <= b)
    if rule.kind == "dependency":
        return _check_dependency(cols[1], cols[0], typed, reference or typed)
    value = _number(typed, cols[0])
    found = expected(rule, typed)
    parents = [_seconds(typed, c) if rule.kind == "difference" else _number(typed, c) for c in cols[1:]]
    valid = np.isfinite(value) & np.logical_and.reduce([np.isfinite(p) for p in parents])
    with np.errstate(invalid="ignore"):
        ok = valid & np.isfinite(found) & (np.abs(value - found) <= tolerance(value, rule.decimals))
    return valid, ok


def measure(rule: RowRule, typed: Typed, reference: Typed | None = None) -> tuple[float, int]:
    """(support, rows having every column): the share of those rows where ``rule`` holds."""
    valid, ok = check(rule, typed, reference)
    rows = int(valid.sum())
    return (round(float(ok.sum()) / rows, 6) if rows else 0.0), rows


def _number(typed: Typed, column: str) -> np.ndarray:
    return typed.numbers.get(column, np.full(typed.rows, np.nan))


def _seconds(typed: Typed, column: str) -> np.ndarray:
    return typed.seconds.get(column, np.full(typed.rows, np.nan))


def allowed_values(x: np.ndarray, y: np.ndarray) -> dict[object, dict[object, int]]:
    """For each ``x`` label, the ``y`` labels seen with it in more than ALLOW_SHARE of its rows, with their
    rows (rows missing either are left out)."""
    both = pd.notna(x) & pd.notna(y)
    if not both.any():
        return {}
    pairs = pd.DataFrame({"x": x[both], "y": y[both]}).value_counts(sort=False)
    totals = pairs.groupby(level=0).sum()
    out: dict[object, dict[object, int]] = {}
    for (xv, yv), count in pairs.items():
        if count > ALLOW_SHARE * totals[xv]:
            out.setdefault(xv, {})[yv] = int(count)
    return out


def _check_dependency(x_name: str, y_name: str, typed: Typed, reference: Typed) -> tuple[np.ndarray, np.ndarray]:
    """Rows with both labels and an ``x`` the reference knows; of those, the ones whose ``y`` it allows."""
    n = typed.rows
    if x_name not in typed.labels or y_name not in typed.labels or x_name not in reference.labels:
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    allowed = allowed_values(reference.labels[x_name], reference.labels.get(y_name, np.full(reference.rows, None)))
    x, y = typed.labels[x_name].tolist(), typed.labels[y_name].tolist()
    valid = np.array([a in allowed and b is not None for a, b in zip(x, y, strict=True)], dtype=bool)
    ok = np.array([bool(v) and y[i] in allowed[x[i]] for i, v in enumerate(valid.tolist())], dtype=bool)
    return valid, ok


# ----------------------------------------------------------------------------------------------- discovery


def discover(typed: Typed, date_orderings: Iterable[OrderingConstraint] = (), seed: int = 0) -> list[RowRule]:
    """Every rule of the module docstring that ``typed`` obeys (at most MAX_ROWS rows are read)."""
    if typed.rows > MAX_ROWS:
        typed = typed.take(np.sort(np.random.default_rng(seed).choice(typed.rows, MAX_ROWS, replace=False)))
    precision = [r for name, d in typed.decimals.items() if (r := _precision(name, d)) is not None]
    decimals = {r.columns[0]: r.decimals for r in precision}
    present = [n for n, v in typed.numbers.items() if np.isfinite(v).sum() >= MIN_ROWS][:MAX_NUMBERS]
    varied = {n for n in present if _distinct(typed.numbers[n]) >= MIN_DISTINCT}
    numbers = [n for n in present if n in varied]
    screen = _screen(typed, seed)
    sums = _sums(typed, screen, present, varied, decimals)
    arithmetic = _dedupe(sums + _differences(typed, screen, numbers, decimals))
    arithmetic += _formulas(typed, screen, numbers[:MAX_FORMULA_NUMBERS], decimals, arithmetic)
    orderings = _number_orderings(typed, screen, numbers, arithmetic) + _date_orderings(date_orderings)
    return precision + arithmetic + orderings + _dependencies(typed)


def _distinct(values: np.ndarray, most: int = MIN_DISTINCT) -> int:
    """Distinct present values, counted up to ``most``."""
    present = np.unique(values[np.isfinite(values)][:5000])
    return min(len(present), most)


def _screen(typed: Typed, seed: int) -> Typed:
    if typed.rows <= SCREEN_ROWS:
        return typed
    return typed.take(np.sort(np.random.default_rng(seed + 1).choice(typed.rows, SCREEN_ROWS, replace=False)))


def _precision(name: str, decimals: np.ndarray) -> RowRule | None:
    present = decimals[decimals >= 0]
    if len(present) < MIN_ROWS:
        return None
    counts = np.bincount(present)
    cumulative = np.cumsum(counts) / len(present)
    places = int(np.argmax(cumulative >= STRICT_SUPPORT - 1e-12))
    if places > MAX_DECIMALS:
        return None
    shares = [(d, c / len(present)) for d, c in enumerate(counts) if c]
    if len(shares) == 1:
        text = "whole numbers" if places == 0 else f"{places} decimal place{'s' if places > 1 else ''}"
    else:
        mix = ", ".join(f"{d}: {s:.1%}" for d, s in shares)
        text = f"at most {places} decimal place{'s' if places != 1 else ''} ({mix})"
    return RowRule(
        kind="precision", columns=[name], dependent=name, formula=f"{name}: {text}",
        support=round(float(cumulative[places]), 6), rows=len(present), decimals=places,
    )  # fmt: skip


def _accept(rule: RowRule, typed: Typed) -> RowRule | None:
    """The rule with its support on every row, if it is a rule there: supported, on enough rows, and not
    trivially true (the dependent varies and is not zero where it holds)."""
    valid, ok = check(rule, typed)
    rows = int(valid.sum())
    if rows < MIN_ROWS or ok.sum() < EXACT_SUPPORT * rows:
        return None
    value = _number(typed, rule.columns[0])
    nonzero = valid & (value != 0)
    if nonzero.sum() < MIN_ROWS or (ok & nonzero).sum() < EXACT_SUPPORT * nonzero.sum():
        return None
    if len(np.unique(value[ok][:5000])) < MIN_DISTINCT:
        return None
    if rule.kind in ("sum", "formula"):
        for column in rule.columns[1:]:
            parent = _number(typed, column)[ok]
            if not (parent != 0).any() or (rule.kind == "formula" and len(np.unique(parent[:5000])) < 2):
                return None
    return rule.model_copy(update={"support": round(float(ok.sum()) / rows, 6), "rows": rows})


def _sum_text(dependent: str, parts: list[str], terms: list[float]) -> str:
    text = f"{dependent} = "
    for i, (part, term) in enumerate(zip(parts, terms, strict=True)):
        sign = "-" if term < 0 else "+"
        text += (f"-{part}" if sign == "-" else part) if i == 0 else f" {sign} {part}"
    return text


def _sum_rule(dependent: str, parts: list[str], terms: list[float], decimals: dict[str, int | None]) -> RowRule:
    return RowRule(
        kind="sum", columns=[dependent, *parts], dependent=dependent, formula=_sum_text(dependent, parts, terms),
        support=0.0, rows=0, terms=terms, decimals=decimals.get(dependent),
    )  # fmt: skip


def _sums(
    typed: Typed, screen: Typed, numbers: list[str], varied: set[str], decimals: dict[str, int | None]
) -> list[RowRule]:
    """``a = b + c`` exhaustively on the screen rows, then sums of up to MAX_PARTS parts by least absolute
    deviations for each number that is not yet a total. Totals vary; parts may be constant (a flat fee)."""
    if len(numbers) < 3:
        return []
    found: list[RowRule] = []
    x = np.column_stack([_number(screen, n) for n in numbers])
    count = len(numbers)
    upper = np.triu(np.ones((count, count), dtype=bool), 1)
    for a in range(count):
        if numbers[a] not in varied:
            continue
        tol = tolerance(x[:, a], decimals.get(numbers[a]))
        with np.errstate(invalid="ignore"):
            residual = x[:, a, None, None] - x[:, :, None] - x[:, None, :]
            valid = np.isfinite(residual)
            hits = (valid & (np.abs(residual) <= tol[:, None, None])).sum(axis=0)
        rows = valid.sum(axis=0)
        candidates = upper & (rows >= MIN_ROWS) & (hits >= SCREEN_SUPPORT * rows)
        candidates[a, :] = candidates[:, a] = False
        for b, c in zip(*np.nonzero(candidates), strict=True):
            rule = _accept(_sum_rule(numbers[a], [numbers[b], numbers[c]], [1.0, 1.0], decimals), typed)
            if rule is not None:
                found.append(rule)
    totals = {r.columns[0] for r in found}
    for a, name in enumerate(numbers):
        if name in varied and name not in totals:
            rule = _lad_sum(typed, numbers, varied, a, decimals)
            if rule is not None:
                found.append(rule)
    return found


def _lad_sum(
    typed: Typed, numbers: list[str], varied: set[str], a: int, decimals: dict[str, int | None]
) -> RowRule | None:
    """``numbers[a]`` as a sum of the other varied numbers (coefficients -1, 0 or 1) plus constant columns,
    whose joint part is fitted as an intercept and then matched to a signed subset of them."""
    y_all = _number(typed, numbers[a])
    present = np.isfinite(y_all)
    others = [j for j in range(len(numbers)) if j != a and _distinct(_number(typed, numbers[j])) >= 2]
    share = {j: float(np.isfinite(_number(typed, numbers[j]))[present].mean()) for j in others}
    chosen: list[int] = []
    rows = present
    for j in sorted(others, key=lambda j: -share[j]):
        with_j = rows & np.isfinite(_number(typed, numbers[j]))
        if with_j.sum() < max(2 * MIN_ROWS, 3 * (len(chosen) + 3)):
            continue
        chosen.append(j)
        rows = with_j
    if not chosen:
        return None
    idx = np.flatnonzero(rows)
    if len(idx) > LAD_ROWS:
        idx = np.sort(np.random.default_rng(a).choice(idx, LAD_ROWS, replace=False))
    x = np.column_stack([_number(typed, numbers[j])[idx] for j in chosen] + [np.ones(len(idx))])
    coefficients = _lad(y_all[idx], x)
    if coefficients is None:
        return None
    weights, intercept = coefficients[:-1], float(coefficients[-1])
    snapped = np.round(weights)
    if np.any(np.abs(weights - snapped) > 1e-3) or np.any(np.abs(snapped) > 1):
        return None
    parts = [(numbers[chosen[i]], float(snapped[i])) for i in np.flatnonzero(snapped)]
    constants = _constant_parts(typed, numbers, varied, a, idx, intercept, decimals.get(numbers[a]))
    if constants is None:
        return None
    parts += constants
    if not 2 <= len(parts) <= MAX_PARTS:
        return None
    parts.sort(key=lambda p: (p[1] < 0, numbers.index(p[0])))
    names = [p for p, _ in parts]
    return _accept(_sum_rule(numbers[a], names, [t for _, t in parts], decimals), typed)


def _constant_parts(
    typed: Typed, numbers: list[str], varied: set[str], a: int, idx: np.ndarray, intercept: float,
    places: int | None,
) -> list[tuple[str, float]] | None:  # fmt: skip
    """The constant columns (one non-zero value on the fitted rows) whose signed sum is ``intercept``:
    the fewest that do, or None when none do."""
    tol = float(tolerance(np.array([intercept]), places)[0])
    if abs(intercept) <= tol:
        return []
    constants: list[tuple[str, float]] = []
    for j, name in enumerate(numbers):
        values = _number(typed, name)[idx]
        if j == a or not np.isfinite(values).all():
            continue
        distinct = np.unique(values)
        if len(distinct) == 1 and distinct[0] != 0:
            constants.append((name, float(distinct[0])))
    for size in range(1, min(len(constants), MAX_PARTS) + 1):
        for subset in itertools.combinations(constants, size):
            for signs in itertools.product((1.0, -1.0), repeat=size):
                if abs(sum(s * v for s, (_, v) in zip(signs, subset, strict=True)) - intercept) <= tol:
                    return [(name, s) for s, (name, _) in zip(signs, subset, strict=True)]
    return None


def _lad(y: np.ndarray, x: np.ndarray) -> np.ndarray | None:
    """Coefficients minimising sum |y - x @ w| (a linear programme), on columns scaled to unit size."""
    from scipy.optimize import linprog

    scale = np.max(np.abs(x), axis=0)
    keep = scale > 0
    if not keep.any():
        return None
    xs = x[:, keep] / scale[keep]
    ys = float(np.max(np.abs(y))) or 1.0
    m, k = xs.shape
    cost = np.concatenate([np.zeros(k), np.ones(2 * m)])
    equality = np.hstack([xs, np.eye(m), -np.eye(m)])
    bounds = [(None, None)] * k + [(0, None)] * (2 * m)
    result = linprog(cost, A_eq=equality, b_eq=y / ys, bounds=bounds, method="highs")
    if not result.success:
        return None
    out = np.zeros(x.shape[1])
    out[keep] = result.x[:k] * ys / scale[keep]
    return out


def _differences(typed: Typed, screen: Typed, numbers: list[str], decimals: dict[str, int | None]) -> list[RowRule]:
    """A number equal to the difference of two dates in some unit (the first unit that holds)."""
    dates = [d for d, v in typed.seconds.items() if np.isfinite(v).sum() >= MIN_ROWS][:MAX_DATES]
    if len(dates) < 2 or not numbers:
        return []
    found: list[RowRule] = []
    x = np.column_stack([_number(screen, n) for n in numbers])
    tol = np.column_stack([tolerance(x[:, i], decimals.get(n)) for i, n in enumerate(numbers)])
    done: set[tuple[str, str, str]] = set()
    for later, earlier in itertools.permutations(dates, 2):
        for unit in UNITS:
            diff = unit_difference(_seconds(screen, later), _seconds(screen, earlier), unit)
            with np.errstate(invalid="ignore"):
                valid = np.isfinite(x) & np.isfinite(diff)[:, None]
                hits = (valid & (np.abs(x - diff[:, None]) <= tol)).sum(axis=0)
            rows = valid.sum(axis=0)
            for i in np.flatnonzero((rows >= MIN_ROWS) & (hits >= SCREEN_SUPPORT * rows)):
                key = (numbers[i], later, earlier)
                if key in done:
                    continue
                rule = _accept(
                    RowRule(
                        kind="difference", columns=[numbers[i], later, earlier], dependent=numbers[i],
                        formula=f"{numbers[i]} = {later} - {earlier} ({unit})", support=0.0, rows=0, shape=unit,
                        decimals=decimals.get(numbers[i]),
                    ),
                    typed,
                )  # fmt: skip
                if rule is not None:
                    found.append(rule)
                    done.add(key)
    return found


def _significant(values: np.ndarray, digits: int) -> np.ndarray:
    """``values`` rounded to ``digits`` significant digits."""
    with np.errstate(divide="ignore", invalid="ignore"):
        magnitude = np.where(values != 0, np.floor(np.log10(np.abs(values))), 0)
        factor = 10.0 ** (digits - 1 - magnitude)
        return np.round(values * factor) / factor


def _formula_text(rule_shape: str, a: str, b: str, c: str | None, constant: float) -> str:
    k = "" if constant == 1 else f"{_number_text(constant)} * "
    body = {
        "scale": b,
        "product": f"{b} * {c}",
        "ratio": f"{b} / {c}",
        "ratio_square": f"{b} / {c}^2",
    }[rule_shape]
    return f"{a} = {k}{body}"


def _number_text(value: float) -> str:
    return f"{value:.{MAX_SIGNIFICANT}g}"


def _formulas(
    typed: Typed, screen: Typed, numbers: list[str], decimals: dict[str, int | None], known: list[RowRule]
) -> list[RowRule]:
    """``a = k * shape(b, c)`` for the shapes of SHAPES, ``k`` snapped to the fewest significant digits
    that fit the screen rows."""
    taken = {frozenset(r.columns) for r in known}
    found: list[RowRule] = []
    for a in numbers:
        shapes: list[tuple[str, str, str | None]] = []
        others = [n for n in numbers if n != a]
        shapes += [("scale", b, None) for b in others]
        shapes += [("product", b, c) for b, c in itertools.combinations(others, 2)]
        shapes += [(s, b, c) for s in ("ratio", "ratio_square") for b, c in itertools.permutations(others, 2)]
        shapes = [s for s in shapes if frozenset(x for x in (a, s[1], s[2]) if x) not in taken]
        if not shapes:
            continue
        y = _number(screen, a)
        f = np.column_stack(
            [shape_value(s, _number(screen, b), _number(screen, c) if c else None) for s, b, c in shapes]
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios = np.where(np.isfinite(f) & (f != 0) & (y[:, None] != 0), y[:, None] / f, np.nan)
        usable = np.isfinite(ratios).sum(axis=0) >= MIN_ROWS
        if not usable.any():
            continue
        estimate = np.full(len(shapes), np.nan)
        estimate[usable] = np.nanmedian(ratios[:, usable], axis=0)
        valid = np.isfinite(f) & np.isfinite(y)[:, None]
        rows = valid.sum(axis=0)
        tol = tolerance(y, decimals.get(a))[:, None]
        constant = np.full(len(shapes), np.nan)
        for digits in range(1, MAX_SIGNIFICANT + 1):
            snapped = _significant(estimate, digits)
            with np.errstate(invalid="ignore", over="ignore"):
                hits = (valid & (np.abs(y[:, None] - snapped * f) <= tol)).sum(axis=0)
            fits = np.isnan(constant) & usable & (rows >= MIN_ROWS) & (hits >= SCREEN_SUPPORT * rows)
            constant[fits & (snapped != 0)] = snapped[fits & (snapped != 0)]
        for i in np.flatnonzero(np.isfinite(constant)):
            shape, b, c = shapes[i]
            k = float(constant[i])
            rule = _accept(
                RowRule(
                    kind="formula", columns=[a, b] + ([c] if c else []), dependent=a,
                    formula=_formula_text(shape, a, b, c, k), support=0.0, rows=0, shape=shape, constant=k,
                    decimals=decimals.get(a),
                ),
                typed,
            )  # fmt: skip
            if rule is not None and frozenset(rule.columns) not in taken:
                found.append(rule)
                taken.add(frozenset(rule.columns))
    return found


def _dedupe(rules: list[RowRule]) -> list[RowRule]:
    """One rule per set of columns: the one with the fewest negative terms, then the best supported."""
    best: dict[frozenset[str], RowRule] = {}
    for rule in rules:
        key = frozenset(rule.columns)
        held = best.get(key)
        if held is None or _rank(rule) < _rank(held):
            best[key] = rule
    return [r for r in rules if best[frozenset(r.columns)] is r]


def _rank(rule: RowRule) -> tuple[int, float]:
    return sum(1 for t in rule.terms if t < 0), -rule.support


def _number_orderings(typed: Typed, screen: Typed, numbers: list[str], arithmetic: list[RowRule]) -> list[RowRule]:
    """``a <= b`` on STRICT_SUPPORT of rows, strict somewhere, where a shuffled pairing of the same values
    is ordered in at most SHUFFLED_MAX of rows (weight <= height holds on magnitudes alone: no rule)."""
    related = [set(r.columns) for r in arithmetic]
    found: list[RowRule] = []
    for a, b in itertools.combinations(numbers, 2):
        if any({a, b} <= cols for cols in related):
            continue
        x, y = _number(typed, a), _number(typed, b)
        both = np.isfinite(x) & np.isfinite(y)
        rows = int(both.sum())
        if rows < MIN_ROWS:
            continue
        for first, second, lo, hi in ((a, b, x[both], y[both]), (b, a, y[both], x[both])):
            held = int((lo <= hi).sum())
            if held < STRICT_SUPPORT * rows or not (lo < hi).any():
                continue
            if _shuffled(_number(screen, first), _number(screen, second)) > SHUFFLED_MAX:
                break
            found.append(
                RowRule(
                    kind="ordering", columns=[first, second], formula=f"{first} <= {second}",
                    support=round(held / rows, 6), rows=rows, shape="numbers",
                )
            )  # fmt: skip
            break
    return found


def _shuffled(first: np.ndarray, second: np.ndarray) -> float:
    """Share of (first, second) pairs drawn independently with first <= second."""
    lo, hi = first[np.isfinite(first)], np.sort(second[np.isfinite(second)])
    if not len(lo) or not len(hi):
        return 1.0
    return float(np.mean(1 - np.searchsorted(hi, lo, side="left") / len(hi)))


def _date_orderings(orderings: Iterable[OrderingConstraint]) -> list[RowRule]:
    return [
        RowRule(
            kind="ordering", columns=[o.first, o.second], formula=f"{o.first} <= {o.second}",
            support=round(1 - o.violation_rate, 6), rows=o.rows_compared, shape="dates",
        )
        for o in orderings
        if 1 - o.violation_rate >= STRICT_SUPPORT - 1e-9
    ]  # fmt: skip


def _entropy(counts: np.ndarray) -> float:
    total = counts.sum()
    p = counts[counts > 0] / total
    return float(-(p * np.log2(p)).sum()) if total else 0.0


def _dependencies(typed: Typed) -> list[RowRule]:
    """``x -> y`` between categories (see the module docstring); of a one-to-one pair only the first."""
    coded: dict[str, tuple[np.ndarray, int]] = {}
    for name, labels in list(typed.labels.items())[:MAX_CATEGORIES]:
        codes, uniques = pd.factorize(labels, use_na_sentinel=True)
        if 2 <= len(uniques) <= MAX_LEVELS:
            coded[name] = (codes, len(uniques))
    names = list(coded)
    found: list[RowRule] = []
    for x, y in itertools.permutations(names, 2):
        (cx, lx), (cy, ly) = coded[x], coded[y]
        both = (cx >= 0) & (cy >= 0)
        n = int(both.sum())
        if n < MIN_ROWS:
            continue
        table = np.bincount(cx[both] * ly + cy[both], minlength=lx * ly).reshape(lx, ly)
        per_x = table.sum(axis=1)
        seen = per_x > 0
        if seen.sum() > n / 2 or seen.sum() < 2:
            continue  # x has too few repeats to determine anything
        allowed = (table > ALLOW_SHARE * per_x[:, None]) & (table > 0)
        support = float(table[allowed].sum()) / n
        h_y = _entropy(table.sum(axis=0))
        narrower = allowed.sum(axis=1) < (table.sum(axis=0) > 0).sum()
        if support < STRICT_SUPPORT or h_y < MIN_ENTROPY or per_x[narrower].sum() < 0.5 * n:
            continue  # unsupported, or y hardly varies, or most x values allow every y (no rule)
        h_y_x = sum(per_x[i] / n * _entropy(table[i]) for i in np.flatnonzero(seen))
        strength = 1 - h_y_x / h_y
        if strength < MIN_STRENGTH:
            continue
        strict = bool((allowed.sum(axis=1)[seen] == 1).all())
        one_to_one = strict and bool(((table > 0).sum(axis=0)[table.sum(axis=0) > 0] == 1).all())
        if one_to_one and names.index(x) > names.index(y):
            continue
        mean_allowed = float((allowed.sum(axis=1)[seen] * per_x[seen]).sum() / per_x[seen].sum())
        words = (
            f"one {y} per {x}"
            if strict
            else f"each {x} keeps the {y} values seen with it, {mean_allowed:.1f} on average"
        )
        found.append(
            RowRule(
                kind="dependency", columns=[y, x], dependent=y, formula=f"{x} -> {y} ({words})",
                support=round(support, 6), rows=n, shape="strict" if strict else "allowed",
                strength=round(strength, 6),
            )
        )  # fmt: skip
    return found
