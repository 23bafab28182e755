"""One synthetic table, typed, in the sample's column order: SDV's learned columns, regenerated
sensitive columns placed in the rows SDV marked present, fresh keys, and relation keys mapped
consistently so every child row still finds its parent.

Regenerated columns are made after the learned ones and in dependency order
(``regenerate.assembly_order``), so a row's postcode agrees with its modelled town, and its email
address and full name with its names; given the leakage guard, they are drawn clear of production
values and name pairs here, before anything is built from them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tools.ingest.model import IngestedTable
from tools.synth import places
from tools.synth.arrays import keep_where
from tools.synth.coarsen import any_day_of_month
from tools.synth.entities import name_groups
from tools.synth.keys import key_layout, make_keys, stripped_values
from tools.synth.leakage import LeakGuard, value_checked
from tools.synth.plan import ColumnPlan
from tools.synth.regenerate import (
    Regenerated,
    _free_text,
    agree_last4,
    assembly_order,
    kept_key,
    regenerate,
    unlike_sample,
    unlike_sample_pairs,
)
from tools.synth.relations import Relation
from tools.synth.shapes import shape_mix
from tools.synth.training import Codec, TrainingTable

RngFor = Callable[[str, str], np.random.Generator]  # (column, purpose) -> generator


@dataclass
class Assembled:
    frame: pd.DataFrame
    codecs: dict[str, Codec] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)


def _present(plan: ColumnPlan, sampled: pd.DataFrame, training: TrainingTable | None, n: int,
             rng: np.random.Generator) -> np.ndarray:  # fmt: skip
    """Rows where the column has a value: SDV's presence column (so gaps keep their link to the rest
    of the row), calibrated to exactly the sample's missing rate by flipping random rows."""
    name = training.presence.get(plan.column) if training is not None else None
    if name is not None and name in sampled.columns:
        present = sampled[name].fillna(False).astype(bool).to_numpy().copy()
    else:
        present = rng.random(n) >= plan.profile.missing_rate
    target = n - round(plan.profile.missing_rate * n)
    have = int(present.sum())
    if have > target:
        present[rng.choice(np.flatnonzero(present), size=have - target, replace=False)] = False
    elif have < target:
        present[rng.choice(np.flatnonzero(~present), size=target - have, replace=False)] = True
    return present


def _with_spike(column: str, sampled: pd.DataFrame, training: TrainingTable | None) -> np.ndarray:
    """SDV's values of a learned column, with the rows its spike flag marks set back to the spike value."""
    values = sampled[column].to_numpy()
    spike = training.modes.get(column) if training is not None else None
    if spike is None or spike[0] not in sampled.columns:
        return values
    flag = sampled[spike[0]].fillna(False).astype(bool).to_numpy()
    values = values.copy()
    values[flag & ~pd.isna(values)] = spike[1]
    return values


def _learned_detail(plan: ColumnPlan, training: TrainingTable | None) -> str:
    """How a learned column was learned, in words for metadata.json (names and counts only)."""
    parts = ["learned"]
    if plan.role != "non_sensitive":
        parts.append(f"({plan.role.replace('_', ' ')})")
    if training is not None and training.merged_labels.get(plan.column):
        parts.append(f"{training.merged_labels[plan.column]} rare label(s) merged into frequent ones of their shape")
    if training is not None and plan.column in training.months:
        parts.append("to the month; day drawn afresh")
    return " ".join(parts)


def calibrate_missing(values: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    """A learned column with exactly the sample's missing rate: surplus gaps take other rows' values
    (SDV's), surplus values are blanked."""
    values = values.copy()
    missing = np.asarray(pd.isna(values), dtype=bool)
    target = round(rate * len(values))
    have = int(missing.sum())
    if have > target and (~missing).any():
        rows = rng.choice(np.flatnonzero(missing), size=have - target, replace=False)
        values[rows] = values[rng.choice(np.flatnonzero(~missing), size=len(rows))]
    elif have < target:
        rows = rng.choice(np.flatnonzero(~missing), size=target - have, replace=False)
        values[rows] = (
            np.datetime64("NaT") if values.dtype.kind == "M" else (np.nan if values.dtype.kind == "f" else None)
        )
    return values


def assemble(
    source: IngestedTable,
    plans: list[ColumnPlan],
    sampled: pd.DataFrame,
    training: TrainingTable | None,
    key_maps: dict[tuple[str, str], dict[object, str]],
    relations: list[Relation],
    rng_for: RngFor,
    faithful_gaps: bool = False,
    guard: LeakGuard | None = None,
) -> Assembled:
    """The typed table; ``key_maps`` (parent table, column) -> {SDV key: new key} is filled for
    parents and read for children, so tables must come parents first. ``faithful_gaps``: the model drew
    each learned column's gaps with the rest of the row, so its missing rates are left as drawn. With
    ``guard`` (the run's leakage guard, production already learned) regenerated values are drawn clear of
    production ones."""
    n = len(sampled)
    out = Assembled(pd.DataFrame(index=pd.RangeIndex(n)))
    columns: dict[str, object] = {}
    context: dict[str, np.ndarray] = {}
    where: places.Places | None = None
    located = False
    for plan in sorted(plans, key=assembly_order):
        column = plan.column
        raw = source.frame[column]
        if plan.strategy == "learned":
            values = _with_spike(column, sampled, training)
            # a model that draws gaps with the rest of the row (CART) keeps why a value is missing (no
            # pregnancies for men); forcing the exact rate by flipping random rows would break that
            columns[column] = (
                values
                if faithful_gaps
                else calibrate_missing(values, plan.profile.missing_rate, rng_for(column, "missing"))
            )
            if training is not None and column in training.codecs:
                out.codecs[column] = training.codecs[column]
            out.details[column] = _learned_detail(plan, training)
            if training is not None and column in training.months:
                columns[column] = any_day_of_month(np.asarray(columns[column]), rng_for(column, "day"))
        elif plan.strategy == "regenerated":
            if not located and places.part(plan) is not None:  # after every modelled column: agree with them
                where, located = places.resolve(plans, columns, source.frame, n, rng_for("", "place")), True
            rng = rng_for(column, "regenerate")
            present = _present(plan, sampled, training, n, rng_for(column, "present"))
            made: Regenerated = regenerate(plan, raw, n, rng, present, context, where)
            if guard is not None and (value_checked(plan) or plan.entity == "person_name"):
                made, _ = unlike_sample(plan, raw, made, rng_for(column, "unlike"), context, where, guard.cell_hits)
            columns[column] = made.values
            if made.codec is not None:
                out.codecs[column] = made.codec
            out.details[column] = made.detail
            key = kept_key(plan)
            if key is not None:
                context[key] = made.values
            if guard is not None and plan.entity in ("first_name", "last_name"):
                _clear_pairs(plan, plans, source, columns, context, out, guard, rng_for)
        elif plan.strategy == "derived":  # a row rule's dependent: sample values until derive.py sets them
            present = _present(plan, sampled, training, n, rng_for(column, "present"))
            columns[column], out.codecs[column] = _placeholder(plan, raw, present, rng_for(column, "placeholder"))
            out.details[column] = "derived from its parents by a row rule of the sample"
        elif plan.strategy == "key":
            layout = key_layout(raw)
            keys = make_keys(
                layout, n, rng_for(column, "key"), set(stripped_values(raw).tolist()), shape_mix(plan.profile)
            )
            present = _present(plan, sampled, training, n, rng_for(column, "present"))
            columns[column] = keep_where(present, np.asarray(keys.to_numpy(zero_copy_only=False), dtype=object))
            out.details[column] = "new unique values in the sample's layout (near-unique values are never replayed)"
        elif plan.strategy == "link":
            columns[column] = _link(plan, raw, sampled, key_maps, relations, rng_for(column, "key"))
            out.details[column] = "relation key: new values, consistent across tables"
        elif plan.strategy == "text":
            present = _present(plan, sampled, training, n, rng_for(column, "present"))
            text = np.asarray(_free_text(plan, n, rng_for(column, "text")).to_numpy(zero_copy_only=False), dtype=object)
            columns[column] = keep_where(present, text)
            out.details[column] = "sentences from the word list (free text is never learned)"
        else:
            columns[column] = np.full(n, None, dtype=object)
            out.details[column] = "empty in the sample"
    for column, detail in agree_last4(plans, columns).items():
        out.details[column] += f"; {detail}"
    out.frame = pd.DataFrame({p.column: columns[p.column] for p in plans}, index=pd.RangeIndex(n))
    return out


def _clear_pairs(
    plan: ColumnPlan,
    plans: list[ColumnPlan],
    source: IngestedTable,
    columns: dict[str, object],
    context: dict[str, np.ndarray],
    out: Assembled,
    guard: LeakGuard,
    rng_for: RngFor,
) -> None:
    """Once a person's first-name and surname columns are both made, no row pairs them as a production
    person did (each name alone is common vocabulary; together they name someone)."""
    by_column = {p.column: p for p in plans}
    regenerated = [(p.column, p.entity) for p in plans if p.strategy == "regenerated"]
    group = next(g for g in name_groups(regenerated) if plan.column in (g.first, g.last))
    if group.first not in columns or group.last not in columns:
        return
    assert group.first is not None and group.last is not None
    rng = rng_for(group.last, "pairs")

    def spare(column: str) -> Callable[[int], np.ndarray]:
        p = by_column[column]
        return lambda count: regenerate(p, source.frame[column], count, rng, np.ones(count, dtype=bool), {}).values

    first, last, redrawn = unlike_sample_pairs(
        np.asarray(columns[group.first], dtype=object), np.asarray(columns[group.last], dtype=object),
        guard.pair_hits, spare(group.first), spare(group.last), rng,
    )  # fmt: skip
    for column, values in ((group.first, first), (group.last, last)):
        columns[column] = values
        key = kept_key(by_column[column])
        if key is not None:
            context[key] = values
    if redrawn:
        out.details[group.last] += f"; {redrawn} rows drawn again: their first name and surname were a sample pair"


def _placeholder(
    plan: ColumnPlan, raw: pd.Series, present: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, Codec]:
    """Where present, a value of the sample's column drawn at random (kept only where the rule cannot
    derive one: a parent missing, or a parent that is itself an edge case); missing elsewhere."""
    from tools.synth.training import parse_column

    values, codec = parse_column(plan, raw, rng)
    pool = values[pd.notna(values)]
    out = np.full(len(present), np.datetime64("NaT") if values.dtype.kind == "M" else np.nan, dtype=values.dtype)
    if len(pool):
        out[present] = pool[rng.integers(0, len(pool), int(present.sum()))]
    return out, codec


def _link(
    plan: ColumnPlan,
    raw: pd.Series,
    sampled: pd.DataFrame,
    key_maps: dict[tuple[str, str], dict[object, str]],
    relations: list[Relation],
    rng: np.random.Generator,
) -> np.ndarray:
    codes = sampled[plan.column].to_numpy(dtype=object)
    parent = next((r for r in relations if r.child_table == plan.table and r.child_column == plan.column), None)
    if parent is None:  # this table is the parent: mint a key per distinct SDV key
        distinct = list(dict.fromkeys(c for c in codes.tolist() if not pd.isna(c)))
        keys = make_keys(
            key_layout(raw), len(distinct), rng, set(stripped_values(raw).tolist()), shape_mix(plan.profile)
        )
        mapping = dict(zip(distinct, keys.to_pylist(), strict=True))
        key_maps[(plan.table, plan.column)] = mapping
    else:
        mapping = key_maps.get((parent.parent_table, parent.parent_column), {})
    return np.array([mapping.get(c) if not pd.isna(c) else None for c in codes.tolist()], dtype=object)
