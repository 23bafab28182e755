"""The sample's row rules (``tools.profile.rules``) kept on the typed synthetic table.

A dependent column is derived, not sampled: after the model and the other constraints, every row whose
parents and dependent are present gets the dependent computed from its parents (sum, date difference,
formula), rounded to the dependent's precision. A dependency ``x -> y`` keeps each row's ``y`` among the
values the sample shows with its ``x`` (a row outside them draws ``y`` from those, by their frequency).
Every learned number is first written at the sample's precision (whole numbers stay whole; a column whose
decimals vary takes the decimal places of the sample value nearest to it), so parents are rounded before
a rule reads them. Number orderings are kept by swapping the two values of a row that breaks one; date
orderings stay with ``constraints.py``, which keeps their violations at the sample's rate (a profiled
quality issue, ``ordering_violation``).

Rules are chained in dependency order; a column is derived by one rule only, and a rule that would make
a cycle or derive a column twice is left out (reported ``not enforced`` with the rule it yields to), so
no rule is broken to keep another. A derived value outside what the dependent ever shows on the sample's
rule-abiding rows (a negative stay, a BMI of 200000 from a height entered in metres) marks a row whose
parents are themselves an edge case: that row keeps the modelled value, as the sample's exceptions do.
The mapping of a dependency and those ranges are learned from the sample in memory and never written.
"""

from __future__ import annotations

import datetime as dt
import graphlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from tools.errors import DoppelError
from tools.ingest.model import IngestedTable
from tools.profile import rules as row_rules
from tools.profile.model import DatasetProfile, RowRule, TableProfile
from tools.synth.model import ConstraintReport, RuleReport, RuleStatus
from tools.synth.plan import ColumnPlan
from tools.synth.training import Codec, TrainingTable

DERIVED = ("sum", "difference", "formula")
KEPT: RuleStatus = "kept on every row"
NS = 1_000_000_000


@dataclass
class RuleState:
    """One profile rule of a table and what synthesis did with it."""

    rule: RowRule
    status: RuleStatus
    note: str | None = None
    rows_changed: int = 0
    exceptions: int = 0
    used: RowRule | None = None  # the form enforced (a sum may be solved for another of its columns)


@dataclass
class Domain:
    """Where a derived value is plausible: inside the dependent's range on the sample's rule-abiding rows,
    widened by that range's width, and never negative when the sample never is."""

    low: float
    high: float

    def holds(self, values: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return np.isfinite(values) & (values >= self.low) & (values <= self.high)


@dataclass
class Enforced:
    """The rules of one table as synthesis kept them, and what a later repair needs (in memory only)."""

    table: str
    states: list[RuleState] = field(default_factory=list)
    order: list[RuleState] = field(default_factory=list)  # derivations and dependencies, in the order applied
    allowed: dict[tuple[str, str], dict[object, dict[object, int]]] = field(default_factory=dict)
    domains: dict[int, Domain] = field(default_factory=dict)
    dates: dict[str, int] = field(default_factory=dict)  # date parent -> resolution in seconds
    sample: row_rules.Typed | None = None  # the sample's rule columns, parsed (in memory only)

    def reports(self) -> list[ConstraintReport]:
        out = []
        for s in self.states:
            if s.status != KEPT or (s.rule.kind == "precision" and not s.rows_changed):
                continue
            rule = s.used or s.rule
            note = rule.formula
            if s.exceptions:
                note += (
                    f"; {s.exceptions} row(s) keep the modelled value: the derived one would fall outside what "
                    "the sample shows"
                )
            if rule.kind == "dependency":
                columns, kind = [rule.columns[1], rule.columns[0]], "fixed_combination"
            else:
                columns, kind = rule.columns, "rule"
            out.append(
                ConstraintReport(
                    table=self.table, kind=kind, columns=columns, source="profile", rows_changed=s.rows_changed,
                    note=note,
                )
            )  # fmt: skip
        return out

    def derived(self) -> set[str]:
        """Columns a kept derivation or dependency sets."""
        return {(s.used or s.rule).dependent or "" for s in self.order} - {""}


def changes(rule: RowRule) -> list[str]:
    """The columns a rule may change: its dependent, or both columns of an ordering."""
    return list(rule.columns) if rule.kind == "ordering" else [rule.dependent or rule.columns[0]]


def resolve_off(names: list[str], profile: DatasetProfile) -> dict[str, set[str]]:
    """``TABLE.COLUMN`` (or a ``COLUMN`` only one table has) per table; each must be a column some rule of the
    sample changes, else the error lists those that are."""
    off: dict[str, set[str]] = {}
    changeable = {(t.name, c) for t in profile.tables for r in t.rules for c in changes(r)}
    for name in names:
        table, column = _split(name, profile)
        if (table, column) not in changeable:
            listed = ", ".join(sorted(f"{t}.{c}" for t, c in changeable)) or "none: the sample obeys no row rule"
            raise DoppelError(f"rules off: no rule of the sample changes {table}.{column} (rules change: {listed})")
        off.setdefault(table, set()).add(column)
    return off


def _split(name: str, profile: DatasetProfile) -> tuple[str, str]:
    columns = {t.name: {c.name for c in t.columns} for t in profile.tables}
    table, dot, column = name.partition(".")
    if dot and table in columns:
        if column not in columns[table]:
            raise DoppelError(f"rules off: table '{table}' has no column '{column}'")
        return table, column
    holders = [t for t, cols in columns.items() if name in cols]
    if len(holders) != 1:
        where = "no table has" if not holders else f"tables {', '.join(holders)} all have"
        raise DoppelError(f"rules off: {where} a column '{name}'; write it as TABLE.COLUMN")
    return holders[0], name


# ---------------------------------------------------------------------------------------------- enforcing


def enforce(
    frame: pd.DataFrame,
    codecs: dict[str, Codec],
    profile: TableProfile,
    plans: list[ColumnPlan],
    training: TrainingTable | None,
    source: IngestedTable,
    off: set[str],
    rng: Callable[[str], np.random.Generator],
    today: dt.date,
) -> Enforced:
    """Keep ``profile.rules`` on ``frame`` (typed, changed in place); see the module docstring."""
    out = Enforced(profile.name)
    learned = {p.column: p for p in plans if p.strategy == "learned"}
    strategies = {p.column: p.strategy for p in plans}
    sample = row_rules.typed_from_text(source.frame, row_rules.column_kinds(profile.rules), today)
    out.sample = sample
    candidates: list[RuleState] = []
    for rule in profile.rules:
        state = RuleState(rule, KEPT)
        out.states.append(state)
        if any(c in off for c in changes(rule)):
            state.status, state.note = "off", "switched off: the column is modelled"
        elif missing := [c for c in rule.columns if c not in learned]:
            state.status = "not enforced"
            state.note = f"{missing[0]} is {strategies.get(missing[0], 'absent')}, not modelled with the others"
        elif rule.kind == "ordering" and rule.shape == "dates":
            state.status = "kept at the sample's rate"
            state.note = "violations kept at the sample's rate: an ordering_violation edge case"
        elif rule.kind != "precision":
            candidates.append(state)
    precision = {s.rule.columns[0]: s for s in out.states if s.rule.kind == "precision"}
    _round_numbers(frame, codecs, learned, precision, sample)
    order = _choose(candidates, out)
    derived = {(s.used or s.rule).columns[0] for s in order}
    for state in [s for s in candidates if s.rule.kind == "ordering"]:
        if taken := [c for c in state.rule.columns if c in derived]:
            state.status, state.note = "not enforced", f"{taken[0]} is derived by another rule"
        else:
            state.rows_changed = _swap(frame, state.rule.columns[0], state.rule.columns[1])
    for state in order:
        rule = state.used or state.rule
        if rule.kind == "dependency":
            y, x = rule.columns
            if training is None or y not in training.frame:
                state.status, state.note = "not enforced", "its columns are not modelled together"
                continue
            out.allowed[(x, y)] = _allowed(sample, x, y, training.frame[y])
            state.rows_changed = _keep_allowed(frame, x, y, out.allowed[(x, y)], rng(f"rule:{y}"))
        else:
            for column in rule.columns[1:] if rule.kind == "difference" else []:
                out.dates[column] = _resolution(codecs.get(column))
                frame[column] = _truncate(frame[column], out.dates[column])
            out.domains[id(state)] = _domain(rule, sample)
            domain = out.domains[id(state)]
            if rule.kind == "difference" and _free(rule.columns[1], state, order):
                _move_later(frame, rule, domain, out.dates.get(rule.columns[1], 1))
            state.rows_changed, state.exceptions = _derive(frame, rule, domain, codecs.get(rule.columns[0]))
    out.order = [s for s in order if s.status == KEPT]
    return out


def _choose(candidates: list[RuleState], out: Enforced) -> list[RuleState]:
    """The derivations and dependencies kept, in an order where every parent is final before it is read:
    the best supported first; a rule whose dependent is taken (a sum tries its other columns) or that
    would close a cycle is left out."""
    parents: dict[str, set[str]] = {}

    def reaches(start: str, goal: set[str]) -> bool:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            if node in goal:
                return True
            if node not in seen:
                seen.add(node)
                todo.extend(c for c, ps in parents.items() if node in ps)
        return False

    kept: list[RuleState] = []
    ranked = sorted((s for s in candidates if s.rule.kind != "ordering"), key=lambda s: _rank(s.rule))
    for state in ranked:
        chosen: RowRule | None = None
        blocker = ""
        for form in _forms(state.rule):
            dependent, inputs = form.columns[0], set(form.columns[1:])
            if dependent in parents:
                blocker = blocker or f"{dependent} is derived by another rule"
                continue
            if reaches(dependent, inputs):
                blocker = blocker or f"it would close a cycle with another rule on {dependent}"
                continue
            chosen = form
            break
        if chosen is None:
            state.status, state.note = "not enforced", f"left to the model: {blocker}"
            continue
        if chosen is not state.rule:
            state.used = chosen
            state.note = f"kept as {chosen.formula}"
        parents[chosen.columns[0]] = set(chosen.columns[1:])
        kept.append(state)
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter(parents)
    rank = {c: i for i, c in enumerate(sorter.static_order())}
    return sorted(kept, key=lambda s: rank[(s.used or s.rule).columns[0]])


def _rank(rule: RowRule) -> tuple[float, ...]:
    """Arithmetic first (best supported first), then dependencies: strict ones, the strongest first."""
    if rule.kind != "dependency":
        return (0, -rule.support, len(rule.columns))
    return (1, rule.shape != "strict", -(rule.strength or 0.0), -rule.support)


def _forms(rule: RowRule) -> list[RowRule]:
    """The rule as written, then (a sum) solved for each of its other columns."""
    forms = [rule]
    if rule.kind != "sum":
        return forms
    names, terms = rule.columns, [1.0, *[-t for t in rule.terms]]  # sum of terms * columns == 0
    for j in range(1, len(names)):
        t = terms[j]
        others = [(names[i], -terms[i] / t) for i in range(len(names)) if i != j]
        others.sort(key=lambda p: p[1] < 0)
        parts = [n for n, _ in others]
        weights = [w for _, w in others]
        text = row_rules._sum_text(names[j], parts, weights)
        forms.append(
            rule.model_copy(update={"columns": [names[j], *parts], "dependent": names[j], "terms": weights,
                                    "formula": text, "decimals": None})
        )  # fmt: skip
    return forms


def _numeric(series: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(series):
        return _seconds(series)
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)


def _seconds(series: pd.Series) -> np.ndarray:
    stamps = pd.to_datetime(series, errors="coerce").to_numpy(dtype="datetime64[ns]")
    out = stamps.astype(np.int64).astype(np.float64) / NS
    out[np.isnat(stamps)] = np.nan
    return out


def frame_typed(frame: pd.DataFrame, rule: RowRule) -> row_rules.Typed:
    """The typed synthetic columns of ``rule`` in the forms rules read."""
    typed = row_rules.Typed(len(frame))
    for column, kind in row_rules.column_kinds([rule]).items():
        if column not in frame.columns:
            continue
        if kind == "date":
            typed.seconds[column] = _seconds(frame[column])
        elif kind == "number":
            typed.numbers[column] = _numeric(frame[column])
        else:
            typed.labels[column] = frame[column].to_numpy(dtype=object)
    return typed


def _domain(rule: RowRule, sample: row_rules.Typed) -> Domain:
    _, ok = row_rules.check(rule, sample)
    values = sample.numbers.get(rule.columns[0], np.zeros(0))[ok] if ok.any() else np.zeros(0)
    values = values[np.isfinite(values)]
    if not len(values):
        return Domain(-np.inf, np.inf)
    low, high = float(values.min()), float(values.max())
    width = high - low
    return Domain(0.0 if low >= 0 else low - width, high + width)


def _decimals(rule: RowRule, codec: Codec | None) -> int | None:
    if rule.decimals is not None:
        return rule.decimals
    if codec is not None and codec.kind == "number":
        return 0 if codec.integer else codec.scale
    return None


def _free(column: str, state: RuleState, order: list[RuleState]) -> bool:
    """No other kept derivation or dependency reads or sets ``column``."""
    return not any(column in (s.used or s.rule).columns for s in order if s is not state)


def _move_later(frame: pd.DataFrame, rule: RowRule, domain: Domain, resolution: int) -> int:
    """Rows whose dates are in order but too far apart for any stay the sample shows (a loosely modelled
    pair of dates) get the later date moved to match the modelled difference, when that one is plausible;
    the time of day is kept. Dates out of order are an edge case and stay as they are."""
    unit = rule.shape or "days"
    if unit == "whole years":
        return 0
    typed = frame_typed(frame, rule)
    number, later, earlier = (typed.numbers.get(rule.columns[0]), typed.seconds.get(rule.columns[1]),
                              typed.seconds.get(rule.columns[2]))  # fmt: skip
    if number is None or later is None or earlier is None:
        return 0
    derived = row_rules.unit_difference(later, earlier, unit)
    with np.errstate(invalid="ignore"):
        rows = np.flatnonzero(
            np.isfinite(derived) & (later >= earlier) & ~domain.holds(derived) & domain.holds(number) & (number >= 0)
        )
    if not len(rows):
        return 0
    if unit == "calendar days":
        day = np.floor(earlier[rows] / row_rules.DAY) * row_rules.DAY
        time_of_day = later[rows] - np.floor(later[rows] / row_rules.DAY) * row_rules.DAY
        moved = np.maximum(day + number[rows] * row_rules.DAY + time_of_day, earlier[rows])
    else:
        seconds = row_rules.UNITS[unit] or row_rules.DAY
        moved = earlier[rows] + np.floor(number[rows] * seconds / resolution) * resolution
    stamps = frame[rule.columns[1]].to_numpy(dtype="datetime64[ns]").copy()
    stamps[rows] = (np.round(moved).astype(np.int64) * NS).astype("datetime64[ns]")
    frame[rule.columns[1]] = stamps
    return len(rows)


def _derive(frame: pd.DataFrame, rule: RowRule, domain: Domain, codec: Codec | None = None) -> tuple[int, int]:
    """Set ``rule``'s dependent from its parents where they and the dependent are present; returns (rows
    changed, rows left modelled because the derived value is outside ``domain``)."""
    typed = frame_typed(frame, rule)
    dependent = rule.columns[0]
    old = typed.numbers.get(dependent, np.full(len(frame), np.nan))
    value = row_rules.expected(rule, typed)
    places = _decimals(rule, codec)
    if places is not None:
        value = np.round(value, places)
    parents = [typed.seconds[c] if c in typed.seconds else typed.numbers[c] for c in rule.columns[1:]]
    applies = np.isfinite(old) & np.logical_and.reduce([np.isfinite(p) for p in parents])
    inside = applies & domain.holds(value)
    with np.errstate(invalid="ignore"):
        changed = inside & ~(np.abs(old - value) <= row_rules.tolerance(old, places) * 1e-3)
    rows = np.flatnonzero(changed)
    if len(rows):
        _write(frame, dependent, rows, value[rows], places)
    return len(rows), int((applies & ~inside).sum())


def _write(frame: pd.DataFrame, column: str, rows: np.ndarray, values: np.ndarray, places: int | None) -> None:
    current = frame[column]
    if current.dtype == object:  # a number learned as a category (few values): the sample's spelling
        text = [f"{v:.{places}f}" if places is not None else repr(float(v)) for v in values.tolist()]
        array = current.to_numpy(dtype=object).copy()
        array[rows] = text
        frame[column] = array
    else:
        array = current.to_numpy(dtype=np.float64).copy()
        array[rows] = values
        frame[column] = array


def _allowed(sample: row_rules.Typed, x: str, y: str, modelled: pd.Series) -> dict[object, dict[object, int]]:
    """The sample's ``x -> y`` pairs (case-folded) with ``y`` in the spelling the model writes; a ``y`` the
    model never writes (a rare label merged away) is no option."""
    spelled = {str(v).casefold(): v for v in pd.unique(modelled.dropna())}
    out: dict[object, dict[object, int]] = {}
    for xv, options in row_rules.allowed_values(sample.labels[x], sample.labels[y]).items():
        kept = {spelled[str(yv)]: n for yv, n in options.items() if str(yv) in spelled}
        if kept:
            out[xv] = kept
    return out


def _keep_allowed(
    frame: pd.DataFrame, x: str, y: str, allowed: dict[object, dict[object, int]], rng: np.random.Generator
) -> int:
    """Rows whose ``y`` the sample never shows with their ``x`` (``allowed`` is keyed by case-folded ``x``)
    draw one it does, by frequency."""
    xs = [str(v).casefold() if v is not None and not pd.isna(v) else None for v in frame[x].tolist()]
    ys = frame[y].to_numpy(dtype=object).copy()
    bad = [
        i for i, (a, b) in enumerate(zip(xs, ys.tolist(), strict=True))
        if a in allowed and b is not None and not pd.isna(b) and b not in allowed[a]
    ]  # fmt: skip
    for i in bad:
        options = allowed[xs[i]]
        weights = np.array(list(options.values()), dtype=np.float64)
        ys[i] = list(options)[int(rng.choice(len(options), p=weights / weights.sum()))]
    if bad:
        frame[y] = ys
    return len(bad)


def _swap(frame: pd.DataFrame, first: str, second: str) -> int:
    """Rows with ``first > second`` exchange the two values."""
    a, b = _numeric(frame[first]), _numeric(frame[second])
    with np.errstate(invalid="ignore"):
        rows = np.flatnonzero(np.isfinite(a) & np.isfinite(b) & (a > b))
    if len(rows):
        left, right = frame[first].to_numpy().copy(), frame[second].to_numpy().copy()
        left[rows], right[rows] = right[rows], left[rows].copy()
        frame[first], frame[second] = left, right
    return len(rows)


def _resolution(codec: Codec | None) -> int:
    """Seconds of the finest unit the column's formats write (a day when they write no time)."""
    formats = [f for f, _ in codec.formats] if codec is not None else []
    if any("%S" in f or "%f" in f or "%T" in f for f in formats):
        return 1
    if any("%M" in f for f in formats):
        return 60
    if any("%H" in f or "%I" in f for f in formats):
        return 3600
    return 86400


def _truncate(series: pd.Series, seconds: int) -> pd.Series | np.ndarray:
    """Dates cut to what their formats write, so a rule computed on them holds on the written text."""
    if not pd.api.types.is_datetime64_any_dtype(series) or seconds <= 1:
        return series
    stamps = series.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    nat = np.isnat(series.to_numpy(dtype="datetime64[ns]"))
    step = seconds * NS
    cut = (stamps // step) * step
    cut[nat] = np.iinfo(np.int64).min
    return cut.astype("datetime64[ns]")


def _round_numbers(
    frame: pd.DataFrame,
    codecs: dict[str, Codec],
    learned: dict[str, ColumnPlan],
    precision: dict[str, RuleState],
    sample: row_rules.Typed,
) -> None:
    """Every learned number at the sample's precision: its fixed places, or, where the sample's places vary
    (heights in whole centimetres, babies' to a tenth), the places of the sample value nearest to it, which
    its codec then writes as they are (``170``, ``48.5``; not ``170.0``)."""
    for column, plan in learned.items():
        codec = codecs.get(column)
        state = precision.get(column)
        if plan.kind != "number" or codec is None or codec.kind != "number" or column not in frame:
            continue
        if state is not None and state.status != KEPT:
            continue
        values = frame[column].to_numpy(dtype=np.float64)
        places = sample.decimals.get(column, np.zeros(0, dtype=np.int64))
        if state is not None and len(np.unique(places[places >= 0])) > 1:
            rounded = _nearest_places(values, sample.numbers[column], places)
            codecs[column] = replace(codec, scale=None)
        elif codec.integer or codec.scale is not None:
            rounded = np.round(values, 0 if codec.integer else int(codec.scale or 0))
        else:
            continue
        with np.errstate(invalid="ignore"):
            changed = np.isfinite(values) & (rounded != values)
        if state is not None:
            state.rows_changed = int(changed.sum())
        frame[column] = rounded


def _nearest_places(values: np.ndarray, sample: np.ndarray, places: np.ndarray) -> np.ndarray:
    keep = np.isfinite(sample) & (places >= 0)
    if not keep.any():
        return values
    order = np.argsort(sample[keep], kind="stable")
    xs, ds = sample[keep][order], places[keep][order]
    present = np.isfinite(values)
    v = values[present]
    right = np.clip(np.searchsorted(xs, v), 0, len(xs) - 1)
    left = np.clip(right - 1, 0, len(xs) - 1)
    nearest = np.where(np.abs(xs[left] - v) <= np.abs(xs[right] - v), left, right)
    digits = ds[nearest]
    out = values.copy()
    rounded = v.copy()
    for d in np.unique(digits):
        rows = digits == d
        rounded[rows] = np.round(v[rows], int(d))
    out[present] = rounded
    return out


# ---------------------------------------------------------------------------------------------- measuring


def measure(enforced: Enforced, profile: TableProfile, text: pd.DataFrame, today: dt.date) -> list[RuleReport]:
    """Each rule's support on the sample (the profile's) and on the written table ``text``."""
    output = row_rules.typed_from_text(text, row_rules.column_kinds(profile.rules), today)
    sample = enforced.sample
    reports = []
    for state in enforced.states:
        rule = state.rule
        support, rows = row_rules.measure(rule, output, sample)
        reports.append(
            RuleReport(
                table=profile.name, kind=rule.kind, columns=rule.columns, dependent=rule.dependent,
                formula=rule.formula, status=state.status, note=state.note, sample_support=rule.support,
                sample_rows=rule.rows, output_support=support if rows else None, output_rows=rows,
                rows_changed=state.rows_changed,
            )
        )  # fmt: skip
    return reports
