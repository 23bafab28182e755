"""Edge cases: deliberate quality problems injected at a seeded binomial rate and tagged per row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tools.engine.fieldgen import to_arrow
from tools.engine.plan import FieldPlan
from tools.engine.seeding import rng_for
from tools.generators.vector import pick
from tools.schema.model import EdgeCaseSpec

MALFORM_MARKS = pa.array(["#", "?", "~"])


@dataclass
class EdgeContext:
    seed: int
    table: str
    segment: int
    block: int
    parent_keys: dict[str, pa.Array]


def _scalar_array(value: Any, arrow_type: pa.DataType) -> pa.Array:
    if isinstance(value, str) and (pa.types.is_timestamp(arrow_type) or pa.types.is_date(arrow_type)):
        value = pd.Timestamp(value)
        if pa.types.is_timestamp(arrow_type) and arrow_type.tz and value.tzinfo is None:
            value = value.tz_localize(arrow_type.tz)
    if pa.types.is_date(arrow_type) and isinstance(value, pd.Timestamp):
        value = value.date()
    return to_arrow(pa.array([value]), arrow_type, 1, "boundary value")


def malformed(rng: np.random.Generator, values: pa.Array) -> pa.Array:
    """Break each value so it fails any strict format: a stray mark appended, prepended or replacing the tail."""
    text = pc.fill_null(values.cast(pa.string()), "")
    mark = pick(rng, MALFORM_MARKS, len(values))
    how = rng.integers(0, 3, size=len(values))
    half = pc.utf8_slice_codeunits(text, 0, 3)
    appended = pc.binary_join_element_wise(text, mark, "")
    prepended = pc.binary_join_element_wise(mark, text, "")
    truncated = pc.binary_join_element_wise(half, mark, mark, "")
    return pc.case_when(pc.make_struct(pa.array(how == 0), pa.array(how == 1)), appended, prepended, truncated)


def boundary(rng: np.random.Generator, plan: FieldPlan, size: int) -> pa.Array:
    """Exactly the lowest or highest value the field allows."""
    assert plan.generator.bounds is not None
    bounds = plan.generator.bounds(plan.params)
    assert bounds is not None
    low = _scalar_array(bounds[0], plan.arrow_type)
    high = _scalar_array(bounds[1], plan.arrow_type)
    pick_low = pa.array(rng.random(size) < 0.5)
    return pc.if_else(pick_low, low[0], high[0])


def invalid_reference(rng: np.random.Generator, plan: FieldPlan, size: int, keys: pa.Array) -> pa.Array:
    """Keys that no parent row has: past the largest integer key, or fresh random text keys."""
    if pa.types.is_integer(plan.arrow_type):
        top = pc.max(keys).as_py() if len(keys) else 0
        return pa.array(top + 1 + rng.integers(0, 1_000_000, size=size), type=plan.arrow_type)
    hexes = np.array(list("0123456789abcdef"))
    while True:
        raw = hexes[rng.integers(0, 16, size=(size, 32))]
        text = pa.array(
            [
                "".join(r[:8])
                + "-"
                + "".join(r[8:12])
                + "-4"
                + "".join(r[13:16])
                + "-a"
                + "".join(r[17:20])
                + "-"
                + "".join(r[20:])
                for r in raw
            ],
            type=pa.string(),
        )
        if not pc.any(pc.is_in(text, value_set=keys.cast(pa.string()))).as_py():
            return text.cast(plan.arrow_type)


def regex(rng: np.random.Generator, pattern: str, size: int, arrow_type: pa.DataType) -> pa.Array:
    from tools.generators.regex import generate_matching

    return to_arrow(generate_matching(pattern, rng, size), arrow_type, size, f"regex edge case {pattern!r}")


def replacement(
    rule: EdgeCaseSpec, plan: FieldPlan, rng: np.random.Generator, original: pa.Array, ctx: EdgeContext
) -> pa.Array:
    size = len(original)
    if rule.kind == "missing":
        return pa.nulls(size, type=plan.arrow_type)
    if rule.kind == "malformed":
        return malformed(rng, original).cast(plan.arrow_type)
    if rule.kind == "boundary":
        return boundary(rng, plan, size)
    if rule.kind == "invalid_reference":
        assert plan.ref_table is not None
        return invalid_reference(rng, plan, size, ctx.parent_keys[plan.ref_table])
    assert rule.kind == "regex" and rule.pattern
    return regex(rng, rule.pattern, size, plan.arrow_type)


def apply(
    columns: dict[str, pa.Array], rules: list[EdgeCaseSpec], fields: dict[str, FieldPlan], ctx: EdgeContext
) -> tuple[pa.Array, dict[str, int]]:
    """Inject every rule into ``columns`` (in place) and return the `_anomalies` tags and hit counts.

    Rules on the same field never hit the same row, so each row carries at most one tag per field.
    """
    size = len(next(iter(columns.values()))) if columns else 0
    hits: list[tuple[str, np.ndarray]] = []
    counts: dict[str, int] = {}
    by_field: dict[str, list[EdgeCaseSpec]] = {}
    for rule in rules:
        by_field.setdefault(rule.field, []).append(rule)
    for field_name, field_rules in by_field.items():
        rng = rng_for(ctx.seed, ctx.table, field_name, ctx.segment, ctx.block, "edge")
        free = np.ones(size, dtype=bool)
        for rule in field_rules:
            hit = (rng.random(size) < rule.rate) & free
            free &= ~hit
            key = f"{rule.field}:{rule.kind}"
            counts[key] = counts.get(key, 0) + int(hit.sum())
            if not hit.any():
                continue
            mask = pa.array(hit)
            column = columns[field_name]
            new = replacement(rule, fields[field_name], rng, column.filter(mask), ctx)
            columns[field_name] = pc.replace_with_mask(column, mask, new)
            hits.append((key, hit))
    return join_tags(hits, size), counts


def join_tags(hits: list[tuple[str, np.ndarray]], size: int) -> pa.Array:
    """Each row's tags (``field:kind``, in rule order) joined by ';', empty when clean.

    Rows are coded by which rules hit them (one bit a rule); only the few combinations that occur are
    turned into text, then taken by index: no per-row string work."""
    if not hits:
        return pa.array(np.full(size, "", dtype=object), type=pa.string())
    bits = np.packbits(np.stack([hit for _, hit in hits], axis=1), axis=1, bitorder="little")
    rows = np.ascontiguousarray(bits).view(np.dtype((np.void, bits.shape[1]))).ravel()
    present, index = np.unique(rows, return_inverse=True)
    labels = []
    for code in present:
        flags = np.unpackbits(np.frombuffer(code.tobytes(), dtype=np.uint8), bitorder="little")
        labels.append(";".join(key for (key, _), on in zip(hits, flags, strict=False) if on))
    return pa.array(labels, type=pa.string()).take(pa.array(index.reshape(-1).astype(np.int32)))
