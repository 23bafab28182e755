"""User corrections: ``{"table.column": {"role": ..., "sensitive": ..., "entity": ..., "strategy": ...}}``.

``role`` is the privacy role; ``sensitive: true`` (kept from before roles) means ``identifier`` unless a
role is given, ``sensitive: false`` means ``non_sensitive``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from tools.errors import DoppelError, Issue
from tools.sensitive.model import ROLES, ColumnClassification, EntityType, Evidence, Role, Strategy
from tools.sensitive.policy import role_for, strategy_for


class Override(BaseModel):
    """One correction; what is left out is derived (entity "none" when not sensitive, strategy from entity)."""

    model_config = ConfigDict(extra="forbid")
    role: Role | None = None
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
                message = error["msg"]
                if error["loc"] == ("role",):
                    message = f"'{error['input']}' is not a privacy role; roles: {', '.join(ROLES)}"
                issues.append(Issue(path=f"{key}.{where}" if where else key, message=message))
    if issues:
        raise DoppelError("invalid overrides", issues)
    out: list[ColumnClassification] = []
    for result in results:
        fix = parsed.get(f"{result.table}.{result.column}")
        out.append(result if fix is None else _apply(result, fix))
    return out


def _apply(result: ColumnClassification, fix: Override) -> ColumnClassification:
    role = _role(result, fix)
    sensitive = role != "non_sensitive"
    entity: EntityType = fix.entity or (result.entity if sensitive else "none")
    if sensitive and entity == "none":
        entity = "other_pii"
    if not sensitive:
        entity = "none"
    strategy = fix.strategy or ("keep" if role == "quasi_identifier" and entity == "gender" else None)
    strategy = strategy or strategy_for(entity, sensitive)
    detail = f"set by the user: role {role}, entity {entity}, strategy {strategy}"
    evidence = [Evidence(method="override", detail=detail, score=1.0), *result.evidence]
    return ColumnClassification.model_validate(
        result.model_dump()
        | {"sensitive": sensitive, "role": role, "entity": entity, "strategy": strategy, "confidence": 1.0,
           "evidence": evidence}
    )  # fmt: skip


def _role(result: ColumnClassification, fix: Override) -> Role:
    """The corrected role: given, else from ``sensitive`` (true = identifier, false = non_sensitive), else
    from a new entity, else unchanged."""
    if fix.role is not None:
        return fix.role
    if fix.sensitive is not None:
        return "identifier" if fix.sensitive else "non_sensitive"
    if fix.entity is not None:
        return role_for(fix.entity, fix.entity != "none")
    return result.role
