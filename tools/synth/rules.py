"""User constraints and correlations (from the request and a YAML/JSON file), checked against the
sample's tables before any work starts, and every constraint applied to one typed table."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from tools.errors import DoppelError, Issue
from tools.profile.model import TableProfile
from tools.synth import constraints as cons
from tools.synth.model import (
    ConstraintReport,
    CorrelationRule,
    FixedCombinationRule,
    OrderingRule,
    RangeRule,
    SynthesizeRequest,
    UserConstraint,
)
from tools.synth.plan import ColumnPlan
from tools.synth.regenerate import typed_kind
from tools.synth.training import TrainingTable
from tools.yaml_lines import syntax_problem

_CONSTRAINTS: TypeAdapter[list[UserConstraint]] = TypeAdapter(list[UserConstraint])
_CORRELATIONS: TypeAdapter[list[CorrelationRule]] = TypeAdapter(list[CorrelationRule])


class RulesSection(BaseModel):
    """``rules:`` of a constraints file: row rules of the sample to switch off, by the column they change."""

    model_config = ConfigDict(extra="forbid")

    off: list[str] = Field(default_factory=list, description="TABLE.COLUMN (or COLUMN) left as modelled")


_RULES: TypeAdapter[RulesSection] = TypeAdapter(RulesSection)


@dataclass
class TableRules:
    """The user's rules that apply to one table."""

    constraints: list[RangeRule | OrderingRule | FixedCombinationRule] = field(default_factory=list)
    correlations: list[CorrelationRule] = field(default_factory=list)


def load_rules(request: SynthesizeRequest) -> tuple[list[UserConstraint], list[CorrelationRule], list[str]]:
    """The request's constraints, correlations and row rules switched off (``TABLE.COLUMN``), plus those of
    ``request.constraints_file`` (``rules: {off: [...]}``)."""
    constraints: list[UserConstraint] = list(request.constraints)
    correlations = list(request.correlations)
    rules_off = list(request.rules_off)
    path = request.constraints_file
    if path is None:
        return constraints, correlations, rules_off
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DoppelError(f"--constraints {path}: cannot read ({exc.strerror or exc})") from None
    try:
        document = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise DoppelError(f"--constraints {path}: not valid JSON ({exc})") from None
    except yaml.YAMLError as exc:  # the file's own text stays out of the message
        raise DoppelError(f"--constraints {path}: not valid YAML ({syntax_problem(exc)})") from None
    if not isinstance(document, dict) or set(document) - {"constraints", "correlations", "rules"}:
        raise DoppelError(
            f"--constraints {path}: expected a mapping with 'constraints' and/or 'correlations' lists, "
            "and/or 'rules: {off: [TABLE.COLUMN, ...]}'"
        )
    issues: list[Issue] = []
    try:
        constraints.extend(_CONSTRAINTS.validate_python(document.get("constraints") or []))
    except ValidationError as exc:
        issues.extend(_issues(exc, f"{path}:constraints"))
    try:
        correlations.extend(_CORRELATIONS.validate_python(document.get("correlations") or []))
    except ValidationError as exc:
        issues.extend(_issues(exc, f"{path}:correlations"))
    section = document.get("rules") or {}
    if isinstance(section, dict) and False in section:  # YAML 1.1 reads the key `off` as the boolean false
        section = {("off" if key is False else key): value for key, value in section.items()}
    try:
        rules_off.extend(_RULES.validate_python(section).off)
    except ValidationError as exc:
        issues.extend(_issues(exc, f"{path}:rules"))
    if issues:
        raise DoppelError("invalid constraints", issues)
    return constraints, correlations, rules_off


def _issues(exc: ValidationError, prefix: str) -> list[Issue]:
    return [Issue(path=f"{prefix}.{'.'.join(str(p) for p in e['loc'])}", message=e["msg"]) for e in exc.errors()]


def assign(
    constraints: list[UserConstraint], correlations: list[CorrelationRule], plans: dict[str, list[ColumnPlan]]
) -> dict[str, TableRules]:
    """Each rule's table, with every column checked to exist and to be usable by that rule."""
    available = {t: {p.column for p in ps} for t, ps in plans.items()}
    by_table: dict[str, TableRules] = {t: TableRules() for t in plans}
    for rule in [*constraints, *correlations]:
        what = cons.describe(rule)
        columns = _columns(rule)
        table = cons.resolve(rule.table, columns, available, what)
        lookup = {p.column: p for p in plans[table]}
        for column in columns:
            _check_usable(rule, lookup[column], what)
        if isinstance(rule, CorrelationRule):
            by_table[table].correlations.append(rule)
        else:
            by_table[table].constraints.append(rule)
    return by_table


def _columns(rule: UserConstraint | CorrelationRule) -> list[str]:
    if isinstance(rule, RangeRule):
        return [rule.column]
    if isinstance(rule, OrderingRule):
        return [rule.first, rule.second]
    if isinstance(rule, FixedCombinationRule):
        return list(rule.columns)
    return [rule.a, rule.b]


def _check_usable(rule: UserConstraint | CorrelationRule, plan: ColumnPlan, what: str) -> None:
    if plan.strategy == "derived":
        raise DoppelError(
            f"{what}: {plan.where} is derived from other columns by a row rule of the sample; constrain those, "
            f"or switch the rule off (--no-rule {plan.where}) to model it"
        )
    kind = typed_kind(plan)
    if isinstance(rule, OrderingRule) and kind != "date":
        raise DoppelError(f"{what}: {plan.where} is not a date column")
    if isinstance(rule, RangeRule | CorrelationRule) and kind is None:
        raise DoppelError(f"{what}: {plan.where} is not a number or date column")
    if isinstance(rule, FixedCombinationRule) and (
        plan.strategy != "learned" or plan.kind not in ("category", "boolean")
    ):
        raise DoppelError(f"{what}: {plan.where} is not a learned category column (sensitive columns are regenerated)")


def apply_all(
    frame: pd.DataFrame,
    table: TableProfile,
    plans: list[ColumnPlan],
    training: TrainingTable | None,
    user: TableRules,
    rng: Callable[[str], np.random.Generator],
    off: set[str] | None = None,
) -> list[ConstraintReport]:
    """User correlations, then the profile's ranges and date orderings, then the user's constraints (which
    therefore win); ``frame`` is changed in place. The profile's other row rules (dependencies among
    categories, sums, formulas) follow in ``derive.py``; an ordering on a column in ``off`` (its rules
    switched off) is left as modelled."""
    off = off or set()
    reports: list[ConstraintReport] = []
    for corr in user.correlations:
        achieved = cons.apply_correlation(frame, corr, rng(f"correlation:{corr.a}:{corr.b}"))
        reports.append(
            ConstraintReport(
                table=table.name, kind="correlation", columns=[corr.a, corr.b], source="user",
                rows_changed=int(frame[corr.b].notna().sum()), target=corr.value, achieved=round(achieved, 4),
                note="Spearman rank correlation; the second column's values re-ordered, its distribution unchanged",
            )
        )  # fmt: skip
    lookup = {p.column: p for p in plans}
    for plan in plans:
        if plan.strategy != "learned" or plan.kind not in ("number", "date"):
            continue
        low, high = _profile_range(plan)
        if low is not None or high is not None:
            report = cons.clip_range(frame, plan.column, low, high, table.name, "profile")
            if report.rows_changed:
                reports.append(report)
    pairs = [
        (o.first, o.second)
        for o in table.orderings
        if _both_dates(lookup, o.first, o.second) and not {o.first, o.second} & off
    ]
    rates = {(o.first, o.second): o.violation_rate for o in table.orderings}
    for first, second in cons.ordered(pairs):
        rate = rates[(first, second)]
        reports.append(
            cons.keep_ordering(frame, first, second, rate, rng(f"order:{first}:{second}"), table.name, "profile")
        )
    for rule in user.constraints:
        if isinstance(rule, RangeRule):
            reports.append(cons.clip_range(frame, rule.column, rule.min, rule.max, table.name, "user"))
        elif isinstance(rule, OrderingRule):
            stream = rng(f"user-order:{rule.first}:{rule.second}")
            reports.append(
                cons.keep_ordering(frame, rule.first, rule.second, rule.violation_rate, stream, table.name, "user")
            )
        else:
            assert training is not None
            reports.append(
                cons.apply_combinations(frame, rule, training.frame, table.name, rng(f"combo:{rule.columns}"))
            )
    return reports


def _both_dates(lookup: dict[str, ColumnPlan], first: str, second: str) -> bool:
    return all(c in lookup and typed_kind(lookup[c]) == "date" for c in (first, second))


def _profile_range(plan: ColumnPlan) -> tuple[Any, Any]:
    profile = plan.profile
    if plan.kind == "number" and profile.numeric is not None:
        return profile.numeric.min, profile.numeric.max
    if plan.kind == "date" and profile.dates is not None and not profile.dates.generalised:
        return profile.dates.min, profile.dates.max
    return None, None
