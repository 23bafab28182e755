"""User corrections: ``{"table.column": {"sensitive": ..., "entity": ..., "strategy": ...}}``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from tools.errors import DoppelError, Issue
from tools.sensitive.model import ColumnClassification, EntityType, Evidence, Strategy
from tools.sensitive.policy import strategy_for


class Override(BaseModel):
    """One correction; what is left out is derived (entity "none" when not sensitive, strategy from entity)."""

    model_config = ConfigDict(extra="forbid")
    sensitive: bool | None = None
    entity: EntityType | None = None
    strategy: Strategy | None = None


def apply_overrides(
    results: list[ColumnClassification], overrides: Mapping[str, Mapping[str, Any]]
) -> list[ColumnClassification]:
    """New classifications with the user's corrections applied (confidence 1, evidence "override").

    Raises DoppelError listing every unknown column and invalid correction at once."""
    by_key = {f"{r.table}.{r.column}": r for r in results}
    issues: list[Issue] = []
    parsed: dict[str, Override] = {}
    for key, value in overrides.items():
        if key not in by_key:
            issues.append(Issue(path=key, message="no such column (use table.column)"))
            continue
        try:
            parsed[key] = Override.model_validate(value)
        except ValidationError as exc:
            for error in exc.errors():
                where = ".".join(str(p) for p in error["loc"])
                issues.append(Issue(path=f"{key}.{where}" if where else key, message=error["msg"]))
    if issues:
        raise DoppelError("invalid overrides", issues)
    out: list[ColumnClassification] = []
    for result in results:
        fix = parsed.get(f"{result.table}.{result.column}")
        out.append(result if fix is None else _apply(result, fix))
    return out


def _apply(result: ColumnClassification, fix: Override) -> ColumnClassification:
    if fix.sensitive is not None:
        sensitive = fix.sensitive
    elif fix.entity is not None:
        sensitive = fix.entity != "none"
    else:
        sensitive = result.sensitive
    entity: EntityType = fix.entity or (result.entity if sensitive else "none")
    if sensitive and entity == "none":
        entity = "other_pii"
    if not sensitive:
        entity = "none"
    strategy = fix.strategy or strategy_for(entity, sensitive)
    detail = f"set by the user: {'sensitive' if sensitive else 'not sensitive'}, entity {entity}, strategy {strategy}"
    evidence = [Evidence(method="override", detail=detail, score=1.0), *result.evidence]
    return result.model_copy(
        update={"sensitive": sensitive, "entity": entity, "strategy": strategy, "confidence": 1.0, "evidence": evidence}
    )
