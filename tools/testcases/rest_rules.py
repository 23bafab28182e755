"""What a REST target says about its resources (``GET /``: key field, source table, field rules), and a
conservative check of a record against those rules, so a scenario that expects a create to succeed is
given a record the target accepts (and one that expects a field error, a record wrong in that field only).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any

import requests
from pydantic import BaseModel, Field, ValidationError

from tools.testcases.rules import is_empty

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class FieldRule(BaseModel):
    type: str = "string"
    required: bool = False
    pattern: str | None = None
    values: list[str] = Field(default_factory=list)


class RestResource(BaseModel):
    name: str
    key: str
    source: str | None = None
    fields: dict[str, FieldRule] = Field(default_factory=dict)

    @property
    def table(self) -> str | None:
        """The table that feeds the resource (the stem of its source file), if it says."""
        return PurePosixPath(self.source).stem if self.source else None


class RestDescription(BaseModel):
    url: str
    resources: dict[str, RestResource] = Field(default_factory=dict)

    def for_table(self, table: str) -> RestResource | None:
        found = [r for r in self.resources.values() if r.table == table]
        return found[0] if len(found) == 1 else None


def describe_rest(url: str, timeout: float = 10.0) -> RestDescription | None:
    """The target's own description at ``GET /``, or None when it gives none in this shape (then records are
    chosen without its rules)."""
    try:
        answer = requests.get(url.rstrip("/") + "/", timeout=timeout, headers={"Accept": "application/json"})
        body = answer.json() if answer.ok else None
    except (requests.RequestException, ValueError):
        return None
    if not isinstance(body, dict) or not isinstance(body.get("resources"), dict):
        return None
    resources = {}
    for name, item in body["resources"].items():
        try:
            resources[name] = RestResource.model_validate({"name": name, **item})
        except (ValidationError, TypeError):
            continue
    return RestDescription(url=url.rstrip("/"), resources=resources)


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
        return True
    except ValueError:
        pass
    try:
        datetime.strptime(text, "%d/%m/%Y")
        return True
    except ValueError:
        return False


def _is_datetime(text: str) -> bool:
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
        return True
    except ValueError:
        return _is_date(text)


_TYPES = {
    "integer": lambda t: bool(re.fullmatch(r"-?\d+", t)),
    "number": lambda t: bool(re.fullmatch(r"-?\d+(\.\d+)?", t)),
    "boolean": lambda t: t.lower() in ("true", "false"),
    "date": _is_date,
    "datetime": _is_datetime,
    "email": lambda t: bool(EMAIL.match(t)),
}


def problems(resource: RestResource, record: dict[str, Any]) -> list[str]:
    """The fields of ``record`` the resource's rules refuse (empty: it should be accepted)."""
    out = []
    for name, rule in resource.fields.items():
        value = record.get(name)
        if is_empty(value):
            if rule.required:
                out.append(name)
            continue
        text = str(value)
        ok = text in rule.values if rule.type == "enum" else _TYPES.get(rule.type, lambda t: True)(text)
        if ok and rule.pattern:
            ok = re.fullmatch(rule.pattern, text) is not None
        if not ok:
            out.append(name)
    return out
