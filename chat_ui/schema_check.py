"""The schema editor's checks: a schema's YAML text -> every problem, each with its field path and line.

The same checks as ``doppel validate`` (structure, then meaning: generator parameters, relations,
correlations, edge-case rules), run on the text the person is typing, so each message can sit beside
the field it is about. The text is the person's own, so quoting it back is no leak; paths are shown as
the schema names them.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from tools.schema.loading import _meaning_issues_of_the_rest, parse_schema
from tools.schema.validate import validate_schema
from tools.yaml_lines import line_of, parse_with_lines, syntax_problem

MAX_TEXT = 200_000


def _loc(path: str) -> tuple[str | int, ...]:
    """``tables.customers.fields.age.min`` or ``edge_cases[2].rate`` -> a location tuple."""
    parts: list[str | int] = []
    for piece in path.split(":")[0].split("."):
        for name, index in re.findall(r"([^\[\]]+)|\[(\d+)\]", piece):
            parts.append(int(index) if index else name)
    return tuple(parts)


def check_schema_text(text: str) -> list[dict[str, Any]]:
    """Every problem of the schema in ``text``: ``{path, message, kind, line}`` (line may be None)."""
    if len(text) > MAX_TEXT:
        return [
            {"path": "", "message": f"the schema is longer than {MAX_TEXT:,} characters", "kind": "error", "line": None}
        ]
    try:
        document, lines = parse_with_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return [{"path": "", "message": f"not valid YAML: {syntax_problem(exc)}", "kind": "error", "line": line}]
    if not isinstance(document, dict):
        return [{"path": "", "message": "a schema is a mapping with 'name' and 'tables'", "kind": "error", "line": 1}]
    spec, issues = parse_schema(document, "schema")
    if spec is not None:
        issues += validate_schema(spec, None)
    else:
        issues += _meaning_issues_of_the_rest(document, "schema", None)
    return [
        {"path": i.path, "message": i.message, "kind": i.kind, "line": line_of(lines, _loc(i.path)) if i.path else None}
        for i in issues
    ]
