"""Which rule each column gets: the sensitivity classification's recommended strategy, overridden by
the user's rules (a YAML mapping of ``table.column`` or ``column`` to a rule), else ``keep``.

Rules files are read with their line numbers, so every error (bad YAML, unknown column, invalid
setting) says which line to fix, and all of them are reported at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import TypeAdapter, ValidationError

from tools.anonymise.model import (
    GeneraliseRule,
    KeepRule,
    MaskRule,
    PerturbRule,
    PseudonymiseRule,
    Rule,
    RuleSource,
)
from tools.errors import DoppelError, Issue
from tools.ingest.model import IngestedTable
from tools.sensitive.model import ColumnClassification
from tools.sensitive.policy import JOIN_KEYS
from tools.yaml_lines import syntax_problem

QUASI_IDENTIFIER_ENTITIES = frozenset({"date_of_birth", "postcode", "city", "age", "gender"})
_GENERALISE_TO: dict[str, Literal["year", "district", "common", "decade"]] = {
    "date_of_birth": "year",
    "postcode": "district",
    "city": "common",
    "age": "decade",
}
FIXED_MASK = 8  # full masks of regenerate-recommended columns: a fixed width hides lengths (and categories)
_RULE = TypeAdapter(Rule)
_STRATEGIES = "mask, pseudonymise, generalise, perturb, keep, drop"


@dataclass
class RuleEntry:
    """One rule as the user wrote it, with where it was written (``file:line``) for error messages."""

    key: str
    rule: Rule
    where: str


@dataclass
class PlannedColumn:
    table: str
    column: str
    rule: Rule
    source: RuleSource
    entity: str | None = None
    notes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------- rules files


def load_rules(path: Path) -> list[RuleEntry]:
    """Parse a rules YAML file; every problem raises one DoppelError naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DoppelError(f"--rules {path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise DoppelError(f"--rules {path}: not UTF-8 text") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise DoppelError(_yaml_problem(path, exc)) from None
    if root is None:
        return []
    if not isinstance(root, yaml.MappingNode):
        raise DoppelError(
            f"{path}:{root.start_mark.line + 1}: expected a mapping of 'table.column' or 'column' to a rule "
            f"(a strategy name or {{strategy: ..., ...}})"
        )
    entries: list[RuleEntry] = []
    issues: list[Issue] = []
    seen: dict[str, int] = {}
    for key_node, value_node in root.value:
        key = str(key_node.value)
        line = key_node.start_mark.line + 1
        if key in seen:
            issues.append(Issue(path=f"{path}:{line}", message=f"'{key}' already has a rule on line {seen[key]}"))
            continue
        seen[key] = line
        try:
            value = yaml.SafeLoader("").construct_document(value_node)
        except yaml.YAMLError as exc:
            raise DoppelError(_yaml_problem(path, exc)) from None
        try:
            entries.append(RuleEntry(key, parse_rule(value), f"{path}:{line}"))
        except _RuleError as exc:
            for field_name, message in exc.problems:
                field_line = _field_line(value_node, field_name) or line
                issues.append(Issue(path=f"{path}:{field_line}", message=f"{key}: {message}"))
    if issues:
        raise DoppelError(f"{path}: invalid rules", issues)
    return entries


def _yaml_problem(path: Path, exc: yaml.YAMLError) -> str:
    """``file:line: invalid YAML at line N: problem (while parsing X that starts on line M)``."""
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    mark = problem_mark or context_mark
    if mark is None:
        return f"{path}: invalid YAML: {syntax_problem(exc)}"
    problem = getattr(exc, "problem", None) or "see there"  # never str(exc): it quotes the file
    text = f"{path}:{mark.line + 1}: invalid YAML at line {mark.line + 1}: {problem}"
    context = getattr(exc, "context", None)
    if context and context_mark is not None and context_mark.line != mark.line:
        text += f" ({context} that starts on line {context_mark.line + 1})"
    return text


def _field_line(node: yaml.Node, field_name: str | None) -> int | None:
    if field_name is None or not isinstance(node, yaml.MappingNode):
        return None
    for key_node, _ in node.value:
        if key_node.value == field_name:
            return int(key_node.start_mark.line) + 1
    return None


class _RuleError(Exception):
    def __init__(self, problems: list[tuple[str | None, str]]) -> None:
        super().__init__("; ".join(m for _, m in problems))
        self.problems = problems


def parse_rule(value: Any) -> Rule:
    """A rule from its YAML/JSON form: ``mask`` or ``{strategy: mask, keep: 4}``."""
    if isinstance(value, str):
        value = {"strategy": value.strip()}
    if not isinstance(value, Mapping):
        raise _RuleError([(None, f"a rule is a strategy name or a mapping with 'strategy' ({_STRATEGIES})")])
    if "strategy" not in value:
        raise _RuleError([(None, f"missing 'strategy' (one of {_STRATEGIES})")])
    try:
        return _RULE.validate_python(dict(value))
    except ValidationError as exc:
        problems: list[tuple[str | None, str]] = []
        for error in exc.errors(include_input=False, include_url=False):
            loc = [str(p) for p in error["loc"][1:]] if len(error["loc"]) > 1 else []
            name = loc[0] if loc else None
            if error["type"] == "union_tag_invalid":
                problems.append(("strategy", f"strategy: unknown strategy (use one of {_STRATEGIES})"))
            else:
                problems.append((name, f"{'.'.join(loc) + ': ' if loc else ''}{error['msg']}"))
        raise _RuleError(problems) from None


def resolve_rules(
    entries: Sequence[RuleEntry], tables: Sequence[IngestedTable], origin: str
) -> dict[tuple[str, str], RuleEntry]:
    """(table, column) -> the user's rule. ``table.column`` wins over a bare ``column`` (which applies
    to that column in every table). A key naming no column is an error naming the key and ``origin``."""
    columns = {t.name: {str(c) for c in t.frame.columns} for t in tables}
    resolved: dict[tuple[str, str], RuleEntry] = {}
    qualified: set[tuple[str, str]] = set()
    issues: list[Issue] = []
    for entry in entries:
        hits = targets(entry.key, columns)
        if not hits:
            issues.append(
                Issue(
                    path=entry.where,
                    message=f"unknown column '{entry.key}' (no table has it; tables: {', '.join(columns)})",
                )
            )
            continue
        exact = "." in entry.key and any(f"{t}.{c}" == entry.key for t, c in hits)
        for target in hits:
            if exact:
                qualified.add(target)
                resolved[target] = entry
            elif target not in qualified:
                resolved[target] = entry
    if issues:
        raise DoppelError(f"{origin}: rules name columns that are not in the data", issues)
    return resolved


def targets(key: str, columns: Mapping[str, set[str]]) -> list[tuple[str, str]]:
    table, _, column = key.partition(".")
    if column and table in columns and column in columns[table]:
        return [(table, column)]
    return [(t, key) for t, cols in columns.items() if key in cols]


# ------------------------------------------------------------------------------------- the plan


def default_rule(entity: str, strategy: str) -> tuple[Rule, str | None]:
    """The rule a classified column gets, and a note when it differs from the recommendation.

    ``synthesise`` (regenerate the value) is the synthesiser's job; a tool that keeps the rows can
    only hide the value: pseudonymise join-key-like entities (email, phone, username) so joins and
    duplicates survive, mask the rest in full."""
    if strategy == "mask":
        return MaskRule(), None
    if strategy == "pseudonymise":
        return PseudonymiseRule(), None
    if strategy == "generalise":
        return GeneraliseRule(to=_GENERALISE_TO.get(entity, "common")), None
    if strategy == "perturb":
        return PerturbRule(), None
    if strategy == "synthesise":
        if entity in JOIN_KEYS:
            return PseudonymiseRule(), "synthesise recommended: pseudonymised instead (keeps joins)"
        return MaskRule(mode="full", length=FIXED_MASK), "synthesise recommended: masked instead"
    return KeepRule(), None


def build_plan(
    tables: Sequence[IngestedTable],
    classifications: Sequence[ColumnClassification] | None,
    classified_by: Literal["sensitivity", "classified"],
    rules: Mapping[tuple[str, str], RuleEntry],
    warnings: list[str],
) -> list[PlannedColumn]:
    """One planned rule for every column of every table, in table and column order."""
    by_column = {(c.table, c.column): c for c in classifications or []}
    names = {t.name for t in tables}
    if classifications is not None:
        missing = sorted({t.name for t in tables} - {c.table for c in classifications})
        for name in missing:
            warnings.append(
                f"table {name} is not in the sensitivity report: its columns are kept unless rules say otherwise"
            )
        stale = sorted(
            {f"{c.table}.{c.column}" for c in classifications if c.table in names}
            - {f"{t.name}.{col}" for t in tables for col in t.frame.columns}
        )
        if stale:
            warnings.append(f"the sensitivity report lists columns not in the data: {', '.join(stale[:10])}")
    plan: list[PlannedColumn] = []
    for table in tables:
        for column in (str(c) for c in table.frame.columns):
            found = by_column.get((table.name, column))
            entity = found.entity if found is not None and found.entity != "none" else None
            user = rules.get((table.name, column))
            if user is not None:
                plan.append(PlannedColumn(table.name, column, user.rule, "rules", entity))
            elif found is not None and found.sensitive:
                rule, note = default_rule(found.entity, found.strategy)
                plan.append(PlannedColumn(table.name, column, rule, classified_by, entity, [note] if note else []))
            else:
                plan.append(PlannedColumn(table.name, column, KeepRule(), "default", entity))
    _join_warnings(plan, warnings)
    return plan


def _join_warnings(plan: Sequence[PlannedColumn], warnings: list[str]) -> None:
    """A column name pseudonymised in one table but not in another, or with other settings, is most
    likely a key and its foreign key that will no longer join."""
    by_name: dict[str, list[PlannedColumn]] = {}
    for planned in plan:
        by_name.setdefault(planned.column, []).append(planned)
    for name, group in by_name.items():
        pseudonymised = [p for p in group if isinstance(p.rule, PseudonymiseRule)]
        if not pseudonymised or len(group) < 2:
            continue
        where = ", ".join(f"{p.table} ({p.rule.strategy})" for p in group)
        if len(pseudonymised) < len(group):
            warnings.append(f"{name} is pseudonymised in some tables but not all: {where}; joins on it will break")
        elif len({p.rule for p in pseudonymised}) > 1:
            warnings.append(f"{name} is pseudonymised with different settings in {where}; joins on it will break")


def default_quasi_identifiers(plan: Sequence[PlannedColumn]) -> list[str]:
    """``table.column`` of every column whose entity is a usual quasi-identifier (birth date,
    postcode, town, age, gender)."""
    return [f"{p.table}.{p.column}" for p in plan if p.entity in QUASI_IDENTIFIER_ENTITIES]


def needs_key(plan: Sequence[PlannedColumn]) -> list[str]:
    return [f"{p.table}.{p.column}" for p in plan if isinstance(p.rule, PseudonymiseRule)]
