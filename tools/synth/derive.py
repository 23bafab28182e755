"""The sample's row rules (``tools.profile.rules``) kept on the typed synthetic table.

A dependent column is derived, not sampled. Before training, the dependent of each kept sum, date
difference and formula becomes a ``derived`` column: the model learns only whether it is present, so its
rare-row guard judges the row by the values that define it, and deriving cannot turn a new row into a copy.
After sampling and the other constraints, every row whose parents and dependent are present gets the
dependent computed from its parents, at the dependent's precision. A date difference keeps its number
modelled and sets the later date (``discharge_date = admission_date + length_of_stay``): a model follows
one number far better than the gap between two dates it draws; date orderings on that date are kept
afterwards at the sample's violation rate, so a discharge keyed before its admission stays the edge case
it is in the sample (its stay no longer matches, as there). A dependency ``x -> y`` keeps each row's
``y`` among the values the sample shows with its ``x`` (a row outside them draws one by frequency).
Every learned number is first written at the sample's precision (whole numbers stay whole; where the
sample's places vary, a value takes those of the sample value nearest to it), so parents are rounded
before a rule reads them. Number orderings are kept by swapping the two values of a row that breaks one.

Rules are chained in dependency order; a column is derived by one rule only, and a rule that would make a
cycle or derive a column twice is left to the model (reported with the rule it yields to), so no rule is
broken to keep another. A derived number outside what the dependent ever shows on the sample's
rule-abiding rows (a BMI of 200000 from a height entered in metres) marks a row whose parents are an edge
case: it keeps a sample value, as the sample's exceptions do. After the no-copy check changes a row,
``Repair`` keeps the rules on it again (on the written text) and the check runs again; a row that can
only obey a rule by copying a production row breaks the rule, and the report says so. The value pairs of
a dependency and those ranges are learned from the sample in memory and never written.
"""

from __future__ import annotations

import datetime as dt
import graphlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd

from tools.errors import DoppelError
from tools.ingest.model import IngestedTable
from tools.profile import rules as row_rules
from tools.profile.model import DatasetProfile, RowRule, TableProfile
from tools.synth import constraints as cons
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
    extra: list[ConstraintReport] = field(default_factory=list)  # orderings kept after a date was derived
    codecs: dict[str, Codec] = field(default_factory=dict)
    orderings: list[RuleState] = field(default_factory=list)  # number orderings kept by swapping

    def reports(self) -> list[ConstraintReport]:
        out = list(self.extra)
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

    def details(self) -> dict[str, str]:
        """How each derived column was made, for metadata.json's column reports."""
        return {
            dependent_of(s.used or s.rule): f"derived from its parents by a row rule: {(s.used or s.rule).formula}"
            for s in self.order
            if s.rule.kind in DERIVED
        }


def changes(rule: RowRule) -> list[str]:
    """The columns a rule may change: its dependent, or both columns of an ordering (a date difference may
    also set its later date)."""
    if rule.kind == "ordering":
        return list(rule.columns)
    if rule.kind == "difference" and rule.shape != "whole years":
        return rule.columns[:2]
    return [dependent_of(rule)]


def dependent_of(rule: RowRule) -> str:
    return rule.dependent or rule.columns[0]


def parents_of(rule: RowRule) -> list[str]:
    return [c for c in rule.columns if c != dependent_of(rule)]


def _dates_later(rule: RowRule) -> bool:
    """A date difference kept by setting its later date from the earlier one and the (modelled) number."""
    return rule.kind == "difference" and dependent_of(rule) == rule.columns[1]


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


MODELLED = ("learned", "derived")


def _select(profile: TableProfile, plans: list[ColumnPlan], off: set[str], out: Enforced) -> list[RuleState]:
    """Every rule's state in ``out.states``; returns the candidates (orderings, derivations, dependencies)
    with the kept derivations and dependencies marked by ``_choose``'s order in ``out.order``."""
    modelled = {p.column for p in plans if p.strategy in MODELLED}
    strategies = {p.column: p.strategy for p in plans}
    candidates: list[RuleState] = []
    for rule in profile.rules:
        state = RuleState(rule, KEPT)
        out.states.append(state)
        if any(c in off for c in changes(rule)):
            state.status, state.note = "off", "switched off: the column is modelled"
        elif missing := [c for c in rule.columns if c not in modelled]:
            state.status = "not enforced"
            state.note = f"{missing[0]} is {strategies.get(missing[0], 'absent')}, not modelled with the others"
        elif rule.kind == "ordering" and rule.shape == "dates":
            state.status = "kept at the sample's rate"
            state.note = "violations kept at the sample's rate: an ordering_violation edge case"
        elif rule.kind != "precision":
            candidates.append(state)
    out.order = _choose(candidates, out)
    return candidates


def derived_plans(profile: TableProfile, plans: list[ColumnPlan], off: set[str]) -> list[ColumnPlan]:
    """``plans`` with the dependent of each kept sum, difference and formula made ``derived``: it is left
    out of the model (only whether it is present is learned) and computed from its parents instead."""
    out = Enforced(profile.name)
    _select(profile, plans, off, out)
    kinds: dict[str, Literal["number", "date"]] = {
        dependent_of(s.used or s.rule): "date" if _dates_later(s.used or s.rule) else "number"
        for s in out.order
        if s.rule.kind in DERIVED
    }
    return [replace(p, strategy="derived", kind=kinds[p.column]) if p.column in kinds else p for p in plans]


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
    sample = row_rules.typed_from_text(source.frame, row_rules.column_kinds(profile.rules), today)
    out.sample = sample
    out.codecs = codecs
    candidates = _select(profile, plans, off, out)
    order = out.order
    learned = {p.column: p for p in plans if p.strategy == "learned"}
    precision = {s.rule.columns[0]: s for s in out.states if s.rule.kind == "precision"}
    _round_numbers(frame, codecs, learned, precision, sample)
    derived = {dependent_of(s.used or s.rule) for s in order}
    for state in [s for s in candidates if s.rule.kind == "ordering"]:
        if taken := [c for c in state.rule.columns if c in derived]:
            state.status, state.note = "not enforced", f"{taken[0]} is derived by another rule"
        else:
            state.rows_changed = _swap(frame, state.rule.columns[0], state.rule.columns[1])
            out.orderings.append(state)
    for state in order:
        rule = state.used or state.rule
        if rule.kind == "dependency":
            y, x = rule.columns
            if training is None or y not in training.frame:
                state.status, state.note = "not enforced", "its columns are not modelled together"
                continue
            out.allowed[(x, y)] = _allowed(sample, x, y, training.frame[y])
            state.rows_changed = _keep_allowed(frame, x, y, out.allowed[(x, y)], rng(f"rule:{y}"))
            continue
        for column in rule.columns[1:] if rule.kind == "difference" else []:
            out.dates[column] = _resolution(codecs.get(column))
            frame[column] = _truncate(frame[column], out.dates[column])
        if _dates_later(rule):
            state.rows_changed = _derive_later(frame, rule, out.dates[rule.columns[1]])
            continue
        out.domains[id(state)] = _domain(rule, sample)
        state.rows_changed, state.exceptions = _derive(frame, rule, out.domains[id(state)], codecs.get(rule.columns[0]))
    out.order = [s for s in order if s.status == KEPT]
    out.extra = _orderings_after(frame, profile, plans, off, rng)
    return out


def _orderings_after(
    frame: pd.DataFrame, profile: TableProfile, plans: list[ColumnPlan], off: set[str],
    rng: Callable[[str], np.random.Generator],
) -> list[ConstraintReport]:  # fmt: skip
    """Date orderings on a derived date, kept at the sample's violation rate once the date is derived
    (``constraints.py`` keeps the others before): a discharge keyed before its admission stays an edge
    case, and its stay keeps the value the rule gave it, as in the sample."""
    derived = {p.column for p in plans if p.strategy == "derived"}
    reports = []
    for o in profile.orderings:
        pair = {o.first, o.second}
        if (
            not pair & derived
            or pair & off
            or not all(c in frame and pd.api.types.is_datetime64_any_dtype(frame[c]) for c in pair)
        ):
            continue
        stream = rng(f"order:{o.first}:{o.second}")
        reports.append(cons.keep_ordering(frame, o.first, o.second, o.violation_rate, stream, profile.name, "profile"))
    return reports


def _derive_later(frame: pd.DataFrame, rule: RowRule, resolution: int) -> int:
    """The later date of ``number = later - earlier`` set from the earlier date and the number, where all
    three are present; in calendar days the later date keeps its time of day (never before the earlier)."""
    number, later, earlier = rule.columns
    typed = frame_typed(frame, rule)
    n, e, placeholder = typed.numbers[number], typed.seconds[earlier], typed.seconds[later]
    rows = np.flatnonzero(np.isfinite(n) & np.isfinite(e) & np.isfinite(placeholder))
    if not len(rows):
        return 0
    value = later_seconds(rule.shape or "days", n[rows], e[rows], placeholder[rows])
    value = np.floor(value / resolution) * resolution
    stamps = frame[later].to_numpy(dtype="datetime64[ns]").copy()
    stamps[rows] = (np.round(value).astype(np.int64) * NS).astype("datetime64[ns]")
    frame[later] = stamps
    return len(rows)


def later_seconds(unit: str, number: np.ndarray, earlier: np.ndarray, placeholder: np.ndarray) -> np.ndarray:
    """Epoch seconds ``number`` units after ``earlier``; in calendar days at ``placeholder``'s time of day."""
    if unit == "calendar days":
        time_of_day = placeholder - np.floor(placeholder / row_rules.DAY) * row_rules.DAY
        value = np.floor(earlier / row_rules.DAY) * row_rules.DAY + number * row_rules.DAY + time_of_day
        return np.where(number >= 0, np.maximum(value, earlier), value)
    return earlier + number * (row_rules.UNITS[unit] or row_rules.DAY)


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
            dependent, inputs = dependent_of(form), set(parents_of(form))
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
        parents[dependent_of(chosen)] = set(parents_of(chosen))
        kept.append(state)
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter(parents)
    rank = {c: i for i, c in enumerate(sorter.static_order())}
    return sorted(kept, key=lambda s: rank[dependent_of(s.used or s.rule)])


def _rank(rule: RowRule) -> tuple[float, ...]:
    """Arithmetic first (best supported first), then dependencies: strict ones, the strongest first."""
    if rule.kind != "dependency":
        return (0, -rule.support, len(rule.columns))
    return (1, rule.shape != "strict", -(rule.strength or 0.0), -rule.support)


def _forms(rule: RowRule) -> list[RowRule]:
    """The forms a rule can be kept in, the preferred first: a date difference sets its later date (the
    number stays modelled: a copula models one number far better than the gap between two dates), else
    its number; a sum sets its total, else any other of its columns."""
    if rule.kind == "difference" and rule.shape != "whole years":
        number, later, earlier = rule.columns
        later_form = rule.model_copy(
            update={"dependent": later, "formula": f"{later} = {earlier} + {number} ({rule.shape})"}
        )
        return [later_form, rule]
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
        _write(frame, dependent, rows, value[rows])
    return len(rows), int((applies & ~inside).sum())


def _write(frame: pd.DataFrame, column: str, rows: np.ndarray, values: np.ndarray) -> None:
    array = frame[column].to_numpy(dtype=np.float64).copy()
    array[rows] = values
    frame[column] = array


def _allowed(sample: row_rules.Typed, x: str, y: str, modelled: pd.Series) -> dict[object, dict[object, int]]:
    """The sample's ``x -> y`` pairs (both case-folded); a ``y`` the model never writes (a rare label merged
    away) is no option. A case variant of an allowed ``y`` is allowed: spellings are the sample's quirks."""
    written = {_fold(v) for v in pd.unique(modelled.dropna())}
    out: dict[object, dict[object, int]] = {}
    for xv, options in row_rules.allowed_values(sample.labels[x], sample.labels[y]).items():
        kept: dict[object, int] = {str(yv): n for yv, n in options.items() if str(yv) in written}
        if kept:
            out[xv] = kept
    return out


def _spellings(values: pd.Series) -> dict[str, object]:
    """Each case-folded value's most frequent spelling in ``values`` (how a redrawn value is written)."""
    counts = values.dropna().value_counts()
    out: dict[str, object] = {}
    for value in counts.index:  # most frequent first
        out.setdefault(_fold(value), value)
    return out


def _fold(value: object) -> str:
    """A label as the rules compare it: padding and case are quirks of the writing, not another value."""
    return str(value).strip().casefold()


def _keep_allowed(
    frame: pd.DataFrame, x: str, y: str, allowed: dict[object, dict[object, int]], rng: np.random.Generator
) -> int:
    """Rows whose ``y`` the sample never shows with their ``x`` (``allowed`` is keyed by case-folded ``x``)
    draw one it does, by frequency."""
    xs = [_fold(v) if v is not None and not pd.isna(v) else None for v in frame[x].tolist()]
    ys = frame[y].to_numpy(dtype=object).copy()
    bad = [
        i for i, (a, b) in enumerate(zip(xs, ys.tolist(), strict=True))
        if a in allowed and b is not None and not pd.isna(b) and _fold(b) not in allowed[a]
    ]  # fmt: skip
    spelled = _spellings(frame[y])
    for i in bad:
        options = allowed[xs[i]]
        weights = np.array(list(options.values()), dtype=np.float64)
        folded = list(options)[int(rng.choice(len(options), p=weights / weights.sum()))]
        ys[i] = spelled.get(str(folded), folded)
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


# -------------------------------------------------------------------------------- after the no-copy check


class Repair:
    """Rules kept again on the written text of rows the leakage check changed: a row that equalled a
    production row gets another value in one of its modelled columns, which may be a rule's parent; the
    dependent is derived again (a dependency's value drawn again, an ordering swapped back) from the text.
    Call it after each check: it returns how many cells it changed (then check again)."""

    def __init__(self, texts: dict[str, pd.DataFrame], enforced: dict[str, Enforced], today: dt.date,
                 rng: Callable[[str, str], np.random.Generator]) -> None:  # fmt: skip
        self.texts, self.enforced, self.today, self.rng = texts, enforced, today, rng
        self.seen = {name: texts[name].copy() for name in enforced if name in texts}
        self.touched: dict[str, set[int]] = {}  # rows the leakage check changed, per table

    def __call__(self) -> int:
        changed = 0
        for name, kept in self.enforced.items():
            text, seen = self.texts.get(name), self.seen.get(name)
            if text is None or seen is None:
                continue
            columns = sorted({c for s in kept.order + kept.orderings for c in (s.used or s.rule).columns})
            rows = np.flatnonzero(
                np.logical_or.reduce([~_same(text[c], seen[c]) for c in columns]) if columns else np.zeros(0, bool)
            )
            if len(rows):
                self.touched.setdefault(name, set()).update(rows.tolist())
                changed += self._rows(name, kept, text, rows)
            self.seen[name] = text.copy()
        return changed

    def _rows(self, name: str, kept: Enforced, text: pd.DataFrame, rows: np.ndarray) -> int:
        changed = 0
        for state in kept.orderings:
            first, second = state.rule.columns
            part = text.iloc[rows]
            a, b = _parsed(part[first]), _parsed(part[second])
            with np.errstate(invalid="ignore"):
                swap = rows[np.isfinite(a) & np.isfinite(b) & (a > b)]
            if len(swap):
                left, right = text[first].to_numpy(dtype=object).copy(), text[second].to_numpy(dtype=object).copy()
                left[swap], right[swap] = right[swap], left[swap].copy()
                text[first], text[second] = left, right
                changed += len(swap)
        for state in kept.order:
            rule = state.used or state.rule
            if rule.kind == "dependency":
                changed += self._dependency(kept, text, rule, rows)
            else:
                changed += self._derived(kept, text, state, rule, rows)
        return changed

    def _derived(self, kept: Enforced, text: pd.DataFrame, state: RuleState, rule: RowRule, rows: np.ndarray) -> int:
        dependent = dependent_of(rule)
        codec = kept.codecs.get(dependent)
        part = text.iloc[rows]
        typed = row_rules.typed_from_text(part, row_rules.column_kinds([rule]), self.today)
        valid, ok = row_rules.check(rule, typed)
        if _dates_later(rule):
            number, later, earlier = rule.columns
            n, e, now = typed.numbers[number], typed.seconds[earlier], typed.seconds[later]
            value = later_seconds(rule.shape or "days", n, e, now)
            value = np.floor(value / kept.dates.get(later, 1)) * kept.dates.get(later, 1)
            with np.errstate(invalid="ignore"):
                fix = valid & ~ok & (now >= e)  # dates out of order are the ordering edge case
            written_values: np.ndarray = (np.round(np.nan_to_num(value)).astype(np.int64) * NS).astype("datetime64[ns]")
        else:
            written_values = row_rules.expected(rule, typed)
            places = _decimals(rule, codec)
            if places is not None:
                written_values = np.round(written_values, places)
            domain = kept.domains.get(id(state), Domain(-np.inf, np.inf))
            fix = valid & ~ok & np.isfinite(_parsed(part[dependent])) & domain.holds(written_values)
        if not fix.any() or codec is None:
            return 0
        from tools.synth.format import to_text

        written = to_text(written_values[fix], codec, self.rng(kept.table, dependent))
        array = text[dependent].to_numpy(dtype=object).copy()
        array[rows[fix]] = written
        text[dependent] = array
        return int(fix.sum())

    def _dependency(self, kept: Enforced, text: pd.DataFrame, rule: RowRule, rows: np.ndarray) -> int:
        y, x = rule.columns
        allowed = kept.allowed.get((x, y), {})
        xs, ys = text[x].to_numpy(dtype=object), text[y].to_numpy(dtype=object).copy()
        rng = self.rng(kept.table, y)
        changed = 0
        for i in rows.tolist():
            key = str(xs[i]).strip().casefold() if xs[i] is not None else None
            options = allowed.get(key)
            if not options or ys[i] is None or not str(ys[i]).strip():
                continue
            if str(ys[i]).strip().casefold() in {str(v).casefold() for v in options}:
                continue
            weights = np.array(list(options.values()), dtype=np.float64)
            ys[i] = list(options)[int(rng.choice(len(options), p=weights / weights.sum()))]
            changed += 1
        if changed:
            text[y] = ys
        return changed


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    left, right = a.to_numpy(dtype=object), b.to_numpy(dtype=object)
    both_missing = pd.isna(left) & pd.isna(right)
    return np.asarray(both_missing | (left == right), dtype=bool)


def _parsed(values: pd.Series) -> np.ndarray:
    from tools.profile.numbers import parse_numbers
    from tools.profile.values import column_values, expand

    column = column_values("v", values.astype(object).where(values.notna(), None))
    parsed = parse_numbers(column.text)
    return expand(np.where(parsed.ok & column.present, parsed.values, np.nan), column.codes, np.nan)


# ---------------------------------------------------------------------------------------------- measuring


def measure(
    enforced: Enforced, profile: TableProfile, text: pd.DataFrame, today: dt.date, touched: set[int] | None = None
) -> list[RuleReport]:
    """Each rule's support on the sample (the profile's) and on the written table ``text``; ``touched``: rows
    the no-copy check changed (a kept rule broken there is said to be)."""
    output = row_rules.typed_from_text(text, row_rules.column_kinds(profile.rules), today)
    sample = enforced.sample
    changed = np.zeros(len(text), dtype=bool)
    changed[sorted(touched or ())] = True
    reports = []
    for state in enforced.states:
        rule = state.rule
        valid, ok = row_rules.check(rule, output, sample)
        rows = int(valid.sum())
        notes = [state.note] if state.note else []
        broken = int((valid & ~ok & changed).sum())
        if state.status == KEPT and broken:
            notes.append(
                f"{broken} row(s) break it after the no-copy check changed them: with the rule kept they equalled "
                "a production row (every combination of their values occurs in the sample)"
            )
        if state.status == KEPT and state.exceptions:
            notes.append(
                f"{state.exceptions} row(s) keep a sample value: the derived one would fall outside what the sample "
                "shows (a parent that is itself an edge case, as in the sample's exceptions)"
            )
        if state.status == KEPT and _dates_later(state.used or rule) and (valid & ~ok & ~changed).any():
            later, earlier = rule.columns[1], rule.columns[2]
            notes.append(
                f"{int((valid & ~ok & ~changed).sum())} row(s) break it where {later} was moved before {earlier}: "
                "the sample's ordering_violation edge case, kept at its rate"
            )
        note = "; ".join(notes) or None
        reports.append(
            RuleReport(
                table=profile.name, kind=rule.kind, columns=rule.columns, dependent=rule.dependent,
                formula=rule.formula, status=state.status, note=note, sample_support=rule.support,
                sample_rows=rule.rows, output_support=round(float(ok.sum()) / rows, 6) if rows else None,
                output_rows=rows, rows_changed=state.rows_changed,
            )
        )  # fmt: skip
    return reports
