"""Meaning checks on a structurally valid schema: every error and conflict, each with its path."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa
from pydantic import ValidationError

from tools.errors import Issue
from tools.generators import registry as reg
from tools.schema.graph import CycleError, topological_order
from tools.schema.loading import pydantic_issues
from tools.schema.model import EdgeCaseSpec, FieldSpec, SchemaSpec
from tools.schema.psd import complete

TEXT_KINDS = ("malformed", "regex")


def field_params(spec: SchemaSpec, table: str, field: str, _seen: frozenset[str] = frozenset()) -> Any:
    """The parsed generator params of a field (assumes the schema validated).

    A datetime ``after`` a time-zone-aware field, with no zone of its own, takes that field's zone: its
    values are instants after those, so they keep being shown in the zone they were given in."""
    f = spec.tables[table].fields[field]
    params = reg.registry()[f.type].parse_params(f.params)
    after = getattr(params, "after", None)
    key = f"{table}.{field}"
    if f.type == "datetime" and after in spec.tables[table].fields and params.timezone is None and key not in _seen:
        try:
            anchor = arrow_type_of(spec, table, after, _seen | {key})
        except (KeyError, ValidationError):
            return params  # the anchor's own problem is reported on the anchor
        if pa.types.is_timestamp(anchor) and anchor.tz:
            params = params.model_copy(update={"timezone": anchor.tz})
    return params


def arrow_type_of(spec: SchemaSpec, table: str, field: str, _seen: frozenset[str] = frozenset()) -> pa.DataType:
    """The arrow type a field produces; a ref has its target's type."""
    f = spec.tables[table].fields[field]
    params = field_params(spec, table, field, _seen)
    if f.type == "ref":
        key = f"{table}.{field}"
        target_field = params.field or primary_key(spec, params.table)
        if key in _seen or target_field is None:
            return pa.string()
        return arrow_type_of(spec, params.table, target_field, _seen | {key})
    return reg.registry()[f.type].arrow_type(params)


def primary_key(spec: SchemaSpec, table: str) -> str | None:
    t = spec.tables.get(table)
    if t is None:
        return None
    return next((name for name, f in t.fields.items() if f.primary_key), None)


def _field_issues(spec: SchemaSpec, table: str, name: str, f: FieldSpec, gens: Any) -> list[Issue]:
    path = f"tables.{table}.fields.{name}"
    gen = gens.get(f.type)
    if gen is None:
        known = ", ".join(sorted(gens))
        return [Issue(path=f"{path}.type", message=f"unknown type '{f.type}' (known: {known})")]
    issues: list[Issue] = []
    if f.primary_key and f.nullable:  # conflicts that hold whatever the parameters say come first
        issues.append(Issue(path=f"{path}.nullable", message="a primary key cannot be nullable", kind="conflict"))
    if f.primary_key and f.type == "ref":
        issues.append(Issue(path=path, message="a ref field cannot be the primary key", kind="conflict"))
    try:
        params = gen.parse_params(f.params)
    except ValidationError as exc:
        return pydantic_issues(exc, prefix=path) + issues
    siblings = spec.tables[table].fields
    for ref in gen.referenced_fields(params):
        if ref not in siblings:
            issues.append(Issue(path=path, message=f"refers to unknown field '{ref}' in table '{table}'"))
    if f.type == "ref":
        if params.table not in spec.tables:
            issues.append(Issue(path=path, message=f"unknown table '{params.table}'"))
        else:
            target = params.field or primary_key(spec, params.table)
            if target is None:
                issues.append(Issue(path=path, message=f"table '{params.table}' has no primary key; name the field"))
            elif target not in spec.tables[params.table].fields:
                issues.append(Issue(path=path, message=f"unknown field '{target}' in table '{params.table}'"))
            elif not spec.tables[params.table].fields[target].is_unique:
                issues.append(
                    Issue(path=path, message=f"'{params.table}.{target}' is not a primary key or unique field")
                )
    return issues


def _dependency_issues(spec: SchemaSpec, gens: Any) -> list[Issue]:
    issues: list[Issue] = []
    table_edges: dict[str, list[str]] = {}
    for tname, table in spec.tables.items():
        field_edges: dict[str, list[str]] = {}
        for fname, f in table.fields.items():
            gen = gens.get(f.type)
            try:
                params = gen.parse_params(f.params) if gen else None
            except ValidationError:
                continue
            if gen and params is not None:
                field_edges[fname] = gen.referenced_fields(params)
                if f.type == "ref":
                    table_edges.setdefault(tname, []).append(params.table)
        try:
            topological_order(list(table.fields), field_edges)
        except CycleError as exc:
            issues.append(
                Issue(path=f"tables.{tname}.fields", message=f"fields depend on each other in a cycle: {exc}")
            )
    try:
        topological_order(list(spec.tables), table_edges)
    except CycleError as exc:
        issues.append(
            Issue(
                path="tables",
                message=f"tables reference each other in a cycle: {exc}; parents must come first",
            )
        )
    return issues


def _params_and_type(
    spec: SchemaSpec, table: str, field: str, gen: reg.GeneratorSpec[Any]
) -> tuple[Any | None, pa.DataType | None]:
    """A field's params and arrow type, each None when its parameters are invalid (reported on the field);
    a generator with one fixed output type still gives that type, so type conflicts are not hidden."""
    try:
        return field_params(spec, table, field), arrow_type_of(spec, table, field)
    except (ValidationError, KeyError):
        pass
    try:
        fixed = gen.arrow_type(None)
    except Exception:
        fixed = None
    return None, fixed if isinstance(fixed, pa.DataType) and not pa.types.is_null(fixed) else None


def _edge_issue(spec: SchemaSpec, i: int, rule: EdgeCaseSpec) -> list[Issue]:
    path = f"edge_cases[{i}]"
    table = spec.tables.get(rule.table)
    if table is None:
        return [Issue(path=f"{path}.table", message=f"unknown table '{rule.table}'")]
    f = table.fields.get(rule.field)
    if f is None:
        return [Issue(path=f"{path}.field", message=f"unknown field '{rule.field}' in table '{rule.table}'")]
    gen = reg.registry().get(f.type)
    if gen is None:
        return []  # already reported on the field
    params, arrow = _params_and_type(spec, rule.table, rule.field, gen)
    label = f"'{rule.kind}' on {rule.table}.{rule.field}"

    def conflict(constraint: str) -> list[Issue]:
        return [Issue(path=path, message=f"{label} conflicts with {constraint}", kind="conflict")]

    if rule.kind == "missing" and f.primary_key:
        return conflict("primary_key (a key cannot be missing)")
    if rule.kind in TEXT_KINDS and arrow is not None and not pa.types.is_string(arrow):
        return conflict(f"its type '{f.type}' ({arrow}): only text columns can hold {rule.kind} values")
    if rule.kind in TEXT_KINDS and f.primary_key:
        return conflict("primary_key (a malformed key would break references to it)")
    if rule.kind == "boundary" and (gen.bounds is None or (params is not None and gen.bounds(params) is None)):
        return conflict(f"its type '{f.type}', which has no min/max bounds")
    if rule.kind == "invalid_reference" and f.type != "ref":
        return conflict(f"its type '{f.type}': only ref fields can hold invalid references")
    if rule.kind == "regex":
        if not rule.pattern:
            return [Issue(path=f"{path}.pattern", message="a regex edge case needs a pattern")]
        try:
            re.compile(rule.pattern)
            from tools.generators.regex import generate_matching

            generate_matching(rule.pattern, np.random.default_rng(0), 1)
        except (re.error, ValueError) as exc:
            return [Issue(path=f"{path}.pattern", message=f"cannot generate from this pattern: {exc}")]
    elif rule.pattern:
        return [Issue(path=f"{path}.pattern", message=f"pattern is only used by kind 'regex', not '{rule.kind}'")]
    return []


def correlation_issues(spec: SchemaSpec) -> list[Issue]:
    """Correlations on fields that cannot carry them, and sets of targets that no real data can have."""
    issues: list[Issue] = []
    for i, corr in enumerate(spec.correlations):
        path = f"correlations[{i}]"
        table = spec.tables.get(corr.table)
        if table is None:
            issues.append(Issue(path=f"{path}.table", message=f"unknown table '{corr.table}'"))
            continue
        if corr.fields[0] == corr.fields[1]:
            issues.append(Issue(path=f"{path}.fields", message=f"'{corr.fields[0]}' is named twice"))
            continue
        for name in corr.fields:
            f = table.fields.get(name)
            if f is None:
                issues.append(Issue(path=f"{path}.fields", message=f"unknown field '{name}' in table '{corr.table}'"))
                continue
            gen = reg.registry().get(f.type)
            if gen is None:
                continue
            if gen.quantile is None:
                issues.append(
                    Issue(
                        path=f"{path}.fields",
                        message=f"'{name}' ({f.type}) is not a numeric field with a distribution",
                    )
                )
            elif f.is_unique or f.params.get("sequence"):
                issues.append(
                    Issue(
                        path=f"{path}.fields",
                        message=f"'{name}' is a key or sequence and cannot be correlated",
                        kind="conflict",
                    )
                )
            elif problem := _quantile_problem(gen, f):
                issues.append(Issue(path=f"{path}.fields", message=f"'{name}' cannot be correlated: {problem}"))
    return issues + _impossible_correlations(spec)


def correlation_groups(pairs: dict[tuple[str, str], float]) -> list[set[str]]:
    """Fields linked by correlation pairs, as connected groups (each is drawn from one copula)."""
    groups: list[set[str]] = []
    for pair in pairs:
        touching = [g for g in groups if g & set(pair)]
        groups = [g for g in groups if not g & set(pair)] + [set(pair).union(*touching)]
    return groups


def _impossible_correlations(spec: SchemaSpec) -> list[Issue]:
    """Per table and group of linked fields: is there a positive semi-definite correlation matrix with
    these targets (whatever the pairs left open)? If not, no real data can have them."""
    issues: list[Issue] = []
    for tname, table in spec.tables.items():
        pairs: dict[tuple[str, str], float] = {}
        for corr in spec.correlations:
            a, b = corr.fields
            if corr.table != tname or a == b or a not in table.fields or b not in table.fields:
                continue
            key = (a, b) if list(table.fields).index(a) < list(table.fields).index(b) else (b, a)
            if key in pairs and pairs[key] != corr.coefficient:
                issues.append(
                    Issue(
                        path="correlations",
                        message=f"table '{tname}': {key[0]}-{key[1]} is given twice, as {pairs[key]:g} "
                        f"and {corr.coefficient:g}",
                    )
                )
            pairs[key] = corr.coefficient
        for group in correlation_groups(pairs):
            names = [n for n in table.fields if n in group]
            target = np.full((len(names), len(names)), np.nan)
            np.fill_diagonal(target, 1.0)
            for (a, b), value in pairs.items():
                if a in group:
                    target[names.index(a), names.index(b)] = target[names.index(b), names.index(a)] = value
            found = complete(target)
            if found.feasible:
                continue
            members = {names[i] for i in found.clique} if found.clique is not None else set(group)
            given = ", ".join(f"{a}-{b} {v:g}" for (a, b), v in pairs.items() if a in members and b in members)
            how = (
                f"their correlation matrix is not positive semi-definite: smallest eigenvalue {found.smallest:.3g}"
                if found.clique is not None or not np.isnan(target).any()
                else "whatever values the pairs left open take, the correlation matrix is not positive semi-definite"
            )
            issues.append(
                Issue(
                    path="correlations",
                    message=f"table '{tname}': no real data can have these correlations: {given} ({how})",
                )
            )
    return issues


def _quantile_problem(gen: reg.GeneratorSpec, f: FieldSpec) -> str | None:
    """Ask the generator's quantile function for its median: it refuses settings it cannot invert."""
    assert gen.quantile is not None
    try:
        params = gen.parse_params(f.params)
    except ValidationError:
        return None  # already reported as a parameter error
    try:
        gen.quantile(np.array([0.5]), params)
    except ValueError as exc:
        return str(exc).splitlines()[0]
    return None


def exact_nulls(rows: int, rate: float) -> int:
    """The nulls among the first ``rows`` rows of a nullable unique field: exactly this many, so the rows it
    must fill with distinct values are known before generating (other fields draw theirs at random)."""
    return math.floor(rows * rate)


def space_issues(spec: SchemaSpec, rows: Mapping[str, int] | None = None) -> list[Issue]:
    """Unique fields and bounded sequences whose value space is smaller than the rows they must fill.

    ``rows`` gives the rows that will really be generated per table (``--rows``, plus the rows already
    written when appending); by default each table's own ``rows``. A nullable unique field needs values
    for its non-null rows only."""
    issues: list[Issue] = []
    gens = reg.registry()
    for tname, table in spec.tables.items():
        total = table.rows if rows is None else rows.get(tname, table.rows)
        for fname, f in table.fields.items():
            gen = gens.get(f.type)
            if gen is None or gen.space is None:
                continue
            try:
                params = gen.parse_params(f.params)
            except ValidationError:
                continue  # reported as a parameter error
            sequence = bool(getattr(params, "sequence", False))
            space = gen.space(params) if f.is_unique or sequence else None
            compact = f.is_unique and f.nullable > 0 and not f.primary_key
            filled = total - exact_nulls(total, f.nullable) if compact else total
            if space is None or space.count >= filled:
                continue
            kind = "a sequence" if sequence else "a unique field"
            rows_text = f"{filled} non-null rows" if compact else f"{filled} rows"
            extra = f" ({total} rows, nullable {f.nullable:g})" if compact else ""
            count = f"{space.count}" if space.exact else f"at most {space.count}"
            issues.append(
                Issue(
                    path=f"tables.{tname}.fields.{fname}",
                    message=f"{count} possible values ({space.what}) for {rows_text} of {kind}{extra}",
                )
            )
    return issues


def validate_schema(spec: SchemaSpec, rows: int | None = None) -> list[Issue]:
    """Every meaning error and edge-case conflict in the schema; empty when generation can start.

    ``rows`` (``--rows``) replaces every table's row count in the value-space checks."""
    gens = reg.registry()
    issues: list[Issue] = []
    for tname, table in spec.tables.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", tname):
            issues.append(Issue(path=f"tables.{tname}", message="table names must be identifiers (letters, digits, _)"))
        keys = [name for name, f in table.fields.items() if f.primary_key]
        if len(keys) > 1:
            issues.append(Issue(path=f"tables.{tname}", message=f"more than one primary key: {', '.join(keys)}"))
        for fname, f in table.fields.items():
            if fname == "_anomalies":
                issues.append(Issue(path=f"tables.{tname}.fields.{fname}", message="'_anomalies' is reserved for tags"))
            issues += _field_issues(spec, tname, fname, f, gens)
    issues += _dependency_issues(spec, gens)
    issues += space_issues(spec, None if rows is None else dict.fromkeys(spec.tables, rows))
    issues += correlation_issues(spec)
    rates: dict[tuple[str, str], float] = {}
    for i, rule in enumerate(spec.edge_cases):
        issues += _edge_issue(spec, i, rule)
        key = (rule.table, rule.field)
        rates[key] = rates.get(key, 0.0) + rule.rate
    for (table_name, field_name), total in rates.items():
        if total > 1.0:
            issues.append(
                Issue(
                    path="edge_cases",
                    message=f"rates on {table_name}.{field_name} add up to {total:g}, more than 1",
                )
            )
    return issues
