"""A generation plan: the validated schema resolved into what the engine executes, in order."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pyarrow as pa

from tools.export.base import ANOMALY_COLUMN, ForeignKey, TableInfo
from tools.generators import registry as reg
from tools.schema.graph import topological_order
from tools.schema.model import EdgeCaseSpec, FieldSpec, SchemaSpec
from tools.schema.validate import arrow_type_of, field_params, primary_key

BLOCK_ROWS = 65_536  # the unit of randomness: fixed, so output never depends on chunking


@dataclass(frozen=True)
class FieldPlan:
    name: str
    spec: FieldSpec
    generator: reg.GeneratorSpec[Any]
    params: Any
    arrow_type: pa.DataType
    depends_on: tuple[str, ...]
    ref_table: str | None = None
    ref_field: str | None = None

    @property
    def engine_unique(self) -> bool:
        """Uniqueness the engine must enforce itself (the generator cannot guarantee it)."""
        return self.spec.is_unique and not self.generator.unique_by_construction and self.ref_table is None


@dataclass(frozen=True)
class CorrelationGroup:
    """Numeric fields of one table drawn together from a Gaussian copula."""

    fields: tuple[str, ...]
    targets: dict[tuple[str, str], float]
    gaussian: np.ndarray  # the latent correlation matrix, calibrated to hit the target Pearson values


@dataclass
class TablePlan:
    name: str
    rows: int
    fields: list[FieldPlan]
    edge_cases: list[EdgeCaseSpec]
    correlations: list[CorrelationGroup] = field(default_factory=list)

    @cached_property
    def by_name(self) -> dict[str, FieldPlan]:
        return {f.name: f for f in self.fields}

    @cached_property
    def primary_key(self) -> str | None:
        return next((f.name for f in self.fields if f.spec.primary_key), None)

    def arrow_schema(self, tags: bool) -> pa.Schema:
        cols = [pa.field(f.name, f.arrow_type) for f in self.fields]
        if tags:
            cols.append(pa.field(ANOMALY_COLUMN, pa.string()))
        return pa.schema(cols)

    def table_info(self, tags: bool) -> TableInfo:
        invalid = {r.field for r in self.edge_cases if r.kind == "invalid_reference" and r.rate > 0}
        return TableInfo(
            name=self.name,
            arrow_schema=self.arrow_schema(tags),
            primary_key=[self.primary_key] if self.primary_key else [],
            foreign_keys=[
                ForeignKey(
                    field=f.name,
                    ref_table=f.ref_table,
                    ref_field=f.ref_field or "",
                    enforce=f.name not in invalid,
                )
                for f in self.fields
                if f.ref_table
            ],
            json_fields=[f.name for f in self.fields if f.generator.json],
        )


@dataclass
class GenerationPlan:
    schema: SchemaSpec
    tables: list[TablePlan]

    @cached_property
    def by_name(self) -> dict[str, TablePlan]:
        return {t.name: t for t in self.tables}

    @cached_property
    def referenced_tables(self) -> set[str]:
        return {f.ref_table for t in self.tables for f in t.fields if f.ref_table}


def _field_plan(schema: SchemaSpec, table: str, name: str, spec: FieldSpec) -> FieldPlan:
    gen = reg.registry()[spec.type]
    params = field_params(schema, table, name)
    if spec.type == "ref":
        target = params.field or primary_key(schema, params.table)
        return FieldPlan(
            name,
            spec,
            gen,
            params,
            arrow_type_of(schema, table, name),
            (),
            ref_table=params.table,
            ref_field=target,
        )
    return FieldPlan(name, spec, gen, params, gen.arrow_type(params), tuple(gen.referenced_fields(params)))


def build_plan(schema: SchemaSpec, rows: int | None = None) -> GenerationPlan:
    """Resolve a validated schema; ``rows`` overrides every table's row count."""
    from tools.engine.correlation import build_groups

    table_edges = {
        name: [f.params.get("table", "") for f in t.fields.values() if f.type == "ref"]
        for name, t in schema.tables.items()
    }
    plans = []
    for tname in topological_order(list(schema.tables), table_edges):
        t = schema.tables[tname]
        fplans = {name: _field_plan(schema, tname, name, f) for name, f in t.fields.items()}
        plans.append(
            TablePlan(
                name=tname,
                rows=t.rows if rows is None else rows,
                fields=list(fplans.values()),  # schema order: the column order of every output
                edge_cases=[r for r in schema.edge_cases if r.table == tname],
                correlations=build_groups([c for c in schema.correlations if c.table == tname], fplans),
            )
        )
    return GenerationPlan(schema=schema, tables=plans)


def generation_order(table: TablePlan) -> list[FieldPlan]:
    order = topological_order([f.name for f in table.fields], {f.name: f.depends_on for f in table.fields})
    return [table.by_name[n] for n in order]
