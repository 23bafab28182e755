"""Generating one block of one table: every field in dependency order, then nulls and edge cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tools.engine import edges
from tools.engine.correlation import sample_uniforms
from tools.engine.fieldgen import call_generator, to_arrow
from tools.engine.plan import FieldPlan, TablePlan, generation_order
from tools.engine.seeding import field_seed, rng_for
from tools.errors import GeneratorError
from tools.export.base import ANOMALY_COLUMN
from tools.generators.registry import Related
from tools.schema.validate import exact_nulls

MAX_UNIQUE_RETRIES = 25


@dataclass
class BlockRequest:
    seed: int
    segment: int
    block: int
    row_start: int
    size: int


@dataclass
class BlockResult:
    batch: pa.RecordBatch  # always carries `_anomalies`; the writer side drops it for --no-tags
    edge_counts: dict[str, int]
    clean_numeric: dict[str, np.ndarray] = field(default_factory=dict)  # correlated fields before edge cases


def _where(table: TablePlan, f: FieldPlan) -> str:
    return f"tables.{table.name}.fields.{f.name}"


def _related(f: FieldPlan, columns: dict[str, pa.Array], req: BlockRequest, table: str, rows: Any = None) -> Related:
    values = {dep: columns[dep] if rows is None else columns[dep].take(rows) for dep in f.depends_on}
    return Related(
        columns=values,
        row_start=req.row_start,
        unique=f.spec.is_unique,
        field_seed=field_seed(req.seed, table, f.name),
    )


def _make_unique(
    table: TablePlan,
    f: FieldPlan,
    values: pa.Array,
    columns: dict[str, pa.Array],
    req: BlockRequest,
    seen: set[Any],
) -> pa.Array:
    """Redraw values already used (in this block or earlier ones) until all are new; in row order."""
    for attempt in range(MAX_UNIQUE_RETRIES):
        series = pd.Series(values.to_pylist(), dtype=object)
        dup = series.duplicated().to_numpy() | series.isin(seen).to_numpy()
        dup &= series.notna().to_numpy()
        if not dup.any():
            seen.update(series.dropna())
            return values
        rows = pa.array(np.flatnonzero(dup))
        rng = rng_for(req.seed, table.name, f.name, req.segment, req.block, f"unique-{attempt}")
        redrawn = call_generator(
            f.generator,
            f.params,
            rng,
            len(rows),
            _related(f, columns, req, table.name, rows),
            _where(table, f),
        )
        values = pc.replace_with_mask(values, pa.array(dup), redrawn)
    raise GeneratorError(
        f"{_where(table, f)}: could not find enough distinct values for a unique field after "
        f"{MAX_UNIQUE_RETRIES} attempts; widen its range or pattern, or drop `unique`"
    )


def _reference(f: FieldPlan, rng: np.random.Generator, size: int, parent_keys: dict[str, pa.Array]) -> pa.Array:
    assert f.ref_table is not None
    keys = parent_keys[f.ref_table]
    if len(keys) == 0:
        raise GeneratorError(f"{f.name}: table '{f.ref_table}' has no rows to reference; give it rows > 0")
    if getattr(f.params, "distribution", "uniform") == "zipf":
        idx = (rng.zipf(1.5, size=size) - 1) % len(keys)
    else:
        idx = rng.integers(0, len(keys), size=size)
    return keys.take(pa.array(idx))


def _nullify(values: pa.Array, rate: float, rng: np.random.Generator) -> pa.Array:
    mask = rng.random(len(values)) < rate
    if not mask.any():
        return values
    return pc.replace_with_mask(values, pa.array(mask), pa.nulls(int(mask.sum()), type=values.type))


def _compacted(f: FieldPlan) -> bool:
    """A nullable unique field: values are drawn for its non-null rows only, which are an exact count."""
    return f.spec.is_unique and f.spec.nullable > 0 and not f.spec.primary_key and f.ref_table is None


def _unique_with_nulls(
    table: TablePlan,
    f: FieldPlan,
    req: BlockRequest,
    columns: dict[str, pa.Array],
    seen: dict[str, set[Any]] | None,
) -> pa.Array:
    """Exactly ``exact_nulls`` nulls up to each row (placed at random inside the block), and distinct values
    for the other rows, indexed by their rank among non-null rows: so the field needs a value space of only
    its non-null rows, in any block and any appended segment."""
    rate = f.spec.nullable
    nulls = exact_nulls(req.row_start + req.size, rate) - exact_nulls(req.row_start, rate)
    mask = np.zeros(req.size, dtype=bool)
    if nulls:
        null_rng = rng_for(req.seed, table.name, f.name, req.segment, req.block, "null")
        mask[null_rng.choice(req.size, nulls, replace=False)] = True
    keep = pa.array(np.flatnonzero(~mask))
    sub = BlockRequest(req.seed, req.segment, req.block, req.row_start - exact_nulls(req.row_start, rate), len(keep))
    present = {dep: columns[dep].take(keep) for dep in f.depends_on}
    rng = rng_for(req.seed, table.name, f.name, req.segment, req.block)
    related = _related(f, present, sub, table.name)
    values = call_generator(f.generator, f.params, rng, sub.size, related, _where(table, f))
    if f.engine_unique and seen is not None:
        values = _make_unique(table, f, values, present, sub, seen.setdefault(f.name, set()))
    return values.take(pa.array(np.cumsum(~mask) - 1, mask=mask))


def generate_block(
    table: TablePlan,
    req: BlockRequest,
    parent_keys: dict[str, pa.Array],
    seen: dict[str, set[Any]] | None = None,
) -> BlockResult:
    """All columns of rows [row_start, row_start + size) of ``table``; deterministic in ``req`` alone."""
    columns: dict[str, pa.Array] = {}
    clean: dict[str, np.ndarray] = {}
    grouped = {name: group for group in table.correlations for name in group.fields}
    for f in generation_order(table):
        if f.name in columns:  # drawn with its correlation group
            continue
        rng = rng_for(req.seed, table.name, f.name, req.segment, req.block)
        if f.ref_table is not None:
            columns[f.name] = _reference(f, rng, req.size, parent_keys)
        elif _compacted(f):
            columns[f.name] = _unique_with_nulls(table, f, req, columns, seen)
            continue
        elif f.name in grouped:
            group = grouped[f.name]
            group_rng = rng_for(req.seed, table.name, "corr:" + "|".join(group.fields), req.segment, req.block)
            for name, u in sample_uniforms(group, group_rng, req.size).items():
                member = table.by_name[name]
                assert member.generator.quantile is not None
                values = np.asarray(member.generator.quantile(u, member.params))
                clean[name] = values.astype(float)
                columns[name] = to_arrow(values, member.arrow_type, req.size, _where(table, member))
        else:
            columns[f.name] = call_generator(
                f.generator, f.params, rng, req.size, _related(f, columns, req, table.name), _where(table, f)
            )
        if f.engine_unique and seen is not None:
            columns[f.name] = _make_unique(table, f, columns[f.name], columns, req, seen.setdefault(f.name, set()))
    for f in table.fields:
        if f.spec.nullable and not f.spec.primary_key and not _compacted(f):
            rng = rng_for(req.seed, table.name, f.name, req.segment, req.block, "null")
            columns[f.name] = _nullify(columns[f.name], f.spec.nullable, rng)
    ctx = edges.EdgeContext(req.seed, table.name, req.segment, req.block, parent_keys)
    tags, counts = edges.apply(columns, table.edge_cases, table.by_name, ctx)
    arrays = [columns[f.name] for f in table.fields] + [tags]
    batch = pa.RecordBatch.from_arrays(arrays, schema=table.arrow_schema(tags=True))
    return BlockResult(batch=batch, edge_counts=counts, clean_numeric=clean)


def without_tags(batch: pa.RecordBatch) -> pa.RecordBatch:
    index = batch.schema.get_field_index(ANOMALY_COLUMN)
    return batch.remove_column(index) if index >= 0 else batch
