"""The usable part of a schema that failed its structure check, so its meaning checks can run in the same pass.

A bad value is dropped where the model has a default (``rows: -1`` -> the default rows, ``nullable: 2``
-> not nullable); a correlation or edge-case rule with a bad or missing entry is left out (its index
kept for messages); a field with no usable ``type`` becomes a placeholder whose own problems are
already reported. What is left validates as a SchemaSpec, or nothing can be salvaged (None).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from tools.errors import Issue
from tools.schema.model import SchemaSpec

RULE_LISTS = ("correlations", "edge_cases")
ROUNDS = 30


@dataclass
class _Progress:
    positions: dict[str, list[int]]  # rule list -> the original index of each rule kept
    broken: set[str] = field(default_factory=set)  # paths already reported whose meaning checks would repeat it
    dropped_tables: set[str] = field(default_factory=set)


@dataclass
class Salvaged(_Progress):
    spec: SchemaSpec = field(kw_only=True)

    def keep(self, issue: Issue) -> Issue | None:
        """The meaning issue with its original rule index, or None when it only echoes a reported problem."""
        path = issue.path
        if any(path == b or path.startswith(b + ".") for b in self.broken):
            return None
        if any(f"unknown table '{t}'" in issue.message for t in self.dropped_tables):
            return None
        match = re.match(r"(correlations|edge_cases)\[(\d+)\]", path)
        if match:
            original = self.positions[match.group(1)][int(match.group(2))]
            path = f"{match.group(1)}[{original}]{path[match.end() :]}"
        return issue.model_copy(update={"path": path})


def _loc(err: Any) -> tuple[Any, ...]:
    return tuple(part for part in err["loc"] if not str(part).startswith("function-"))


def _repair(doc: dict[str, Any], loc: tuple[Any, ...], kind: str, out: _Progress, drop: dict[str, set[int]]) -> bool:
    """Fix ``doc`` where one pydantic error points; False when nothing can be done there."""
    head = loc[0] if loc else None
    if head in RULE_LISTS:
        if len(loc) >= 2 and isinstance(loc[1], int):
            drop[head].add(loc[1])
        else:
            doc.pop(head, None)
            out.positions[head] = []
        return True
    if head != "tables":
        if head in ("name",):
            doc["name"] = "schema"
            return True
        return head is not None and doc.pop(head, None) is not None
    if len(loc) < 2 or not isinstance(doc.get("tables"), dict):
        return False
    tables = doc["tables"]
    name = loc[1]
    table = tables.get(name)
    if len(loc) == 2 or not isinstance(table, dict) or (len(loc) == 3 and loc[2] == "fields"):
        tables.pop(name, None)
        out.broken.add(f"tables.{name}")
        out.dropped_tables.add(str(name))
        return bool(tables)
    if len(loc) == 3:
        return table.pop(loc[2], None) is not None
    fields = table.get("fields")
    if not isinstance(fields, dict) or loc[3] not in fields:
        return False
    where = f"tables.{name}.fields.{loc[3]}"
    spec = fields[loc[3]]
    if len(loc) == 4 or not isinstance(spec, dict) or loc[4] == "type":
        fields[loc[3]] = {"type": ""}  # a placeholder: its problems are reported already
        out.broken.add(where)
        return True
    return spec.pop(loc[4], None) is not None or kind == "missing"


def salvage(document: Any) -> Salvaged | None:
    """The part of ``document`` (the Doppel DSL as a dict) that forms a valid SchemaSpec, or None."""
    if not isinstance(document, dict):
        return None
    doc = copy.deepcopy(document)
    positions = {key: list(range(len(doc[key]))) if isinstance(doc.get(key), list) else [] for key in RULE_LISTS}
    out = _Progress(positions=positions)
    for _ in range(ROUNDS):
        try:
            spec = SchemaSpec.model_validate(doc)
        except ValidationError as exc:
            drop: dict[str, set[int]] = {key: set() for key in RULE_LISTS}
            repaired = [_repair(doc, _loc(err), err["type"], out, drop) for err in exc.errors()]
            for key, indices in drop.items():
                if indices and isinstance(doc.get(key), list):
                    doc[key] = [rule for i, rule in enumerate(doc[key]) if i not in indices]
                    out.positions[key] = [p for i, p in enumerate(out.positions[key]) if i not in indices]
            if not any(repaired):
                return None
        else:
            return Salvaged(out.positions, out.broken, out.dropped_tables, spec=spec)
    return None
