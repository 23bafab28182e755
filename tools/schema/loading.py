"""Reading a schema file (Doppel DSL in YAML/JSON, or JSON Schema) into the one SchemaSpec model.

Every problem is collected, not just the first: the user fixes a schema in one pass. No error repeats the
file's text beyond plain names: a file that is no schema at all (a password file, say) is described by
line numbers, never quoted.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tools.errors import Issue, SchemaError
from tools.schema.model import SchemaSpec
from tools.yaml_lines import Loc, parse_with_lines, safe_issue_text


def _yaml_error(path: Path, exc: yaml.YAMLError) -> Issue:
    mark = getattr(exc, "problem_mark", None)
    where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
    problem = getattr(exc, "problem", None)  # a short description; str(exc) would quote the line itself
    return Issue(path=where, message=f"not valid YAML: {problem}" if problem else "not valid YAML")


def read_document(path: Path) -> Any:
    """Parse YAML or JSON (JSON is YAML); syntax errors name the file, line and column."""
    return _parse(path, _read_text(path))


def _read_text(path: Path) -> str:
    if path.is_dir():
        raise SchemaError(f"{path}: is a folder, not a schema file")
    if not path.is_file():
        raise SchemaError(f"{path}: no such schema file")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SchemaError(
            f"{path}: not a text file (byte {exc.start} is not UTF-8; a schema is UTF-8 YAML or JSON)"
        ) from None
    except OSError as exc:
        raise SchemaError(f"{path}: cannot read it ({exc.strerror or type(exc).__name__})") from None


def _parse(path: Path, text: str) -> Any:
    try:
        if path.suffix == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise SchemaError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from exc
    except yaml.YAMLError as exc:
        raise SchemaError(str(_yaml_error(path, exc))) from exc


def is_json_schema(document: Any) -> bool:
    return (
        isinstance(document, dict)
        and "tables" not in document
        and ("$schema" in document or "$defs" in document or "properties" in document or "definitions" in document)
    )


def pydantic_issues(exc: ValidationError, prefix: str = "") -> list[Issue]:
    """One Issue per pydantic error, located by its dotted path."""
    issues = []
    for err in exc.errors():
        path = prefix
        for part in err["loc"]:
            if isinstance(part, int):
                path += f"[{part}]"
            elif not str(part).startswith("function-"):
                path = f"{path}.{part}" if path else str(part)
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        issues.append(Issue(path=path, message=message))
    return issues


def _without_file_text(issues: list[Issue], document: Any, text: str) -> list[Issue]:
    """The issues with every key or text of the file that is not a plain name replaced by its line."""
    try:
        lines: dict[Loc, int] = parse_with_lines(text)[1]
    except yaml.YAMLError:  # JSON that YAML reads differently: no lines, the text is still hidden
        lines = {}
    return [
        Issue(
            path=safe_issue_text(i.path, document, lines),
            message=safe_issue_text(i.message, document, lines),
            kind=i.kind,
        )
        for i in issues
    ]


def schema_hash(document: Any) -> str:
    """A stable hash of the schema's content (key order and formatting do not matter)."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _as_dsl(document: Any, source: str) -> tuple[dict[str, Any] | None, list[Issue]]:
    """The Doppel DSL dict of ``document`` (a JSON Schema is converted), or None with the reasons."""
    issues: list[Issue] = []
    if is_json_schema(document):
        from tools.schema.jsonschema_loader import load_json_schema

        document, issues = load_json_schema(document, source)
        if any(i.kind == "error" for i in issues):
            return None, issues
    if not isinstance(document, dict):
        return None, [Issue(path="", message=f"{source}: a schema is a mapping with 'name' and 'tables'")]
    return document, issues


def parse_schema(document: Any, source: str = "<schema>") -> tuple[SchemaSpec | None, list[Issue]]:
    """Structure check only (see tools.schema.validate for the meaning checks)."""
    dsl, issues = _as_dsl(document, source)
    if dsl is None:
        return None, issues
    try:
        return SchemaSpec.model_validate(dsl), issues
    except ValidationError as exc:
        return None, issues + pydantic_issues(exc)


def _meaning_issues_of_the_rest(document: Any, source: str, rows: int | None) -> list[Issue]:
    """After structural errors: the meaning checks of what is left, so everything is reported in one pass."""
    from tools.schema.salvage import salvage
    from tools.schema.validate import validate_schema

    dsl, _ = _as_dsl(document, source)
    rest = salvage(dsl)
    if rest is None:
        return []
    return [kept for issue in validate_schema(rest.spec, rows) if (kept := rest.keep(issue)) is not None]


def load_schema(path: str | Path, rows: int | None = None) -> tuple[SchemaSpec, str]:
    """Load, check structure and meaning, and return the schema with its content hash.

    ``rows`` is the row count that will be generated per table when it overrides the schema's.

    Raises SchemaError listing every error and conflict found.
    """
    from tools.schema.validate import validate_schema

    file = Path(path)
    text = _read_text(file)
    document = _parse(file, text)
    spec, issues = parse_schema(document, str(file))
    if spec is not None:
        issues += validate_schema(spec, rows)
    else:
        issues += _meaning_issues_of_the_rest(document, str(file), rows)
    if issues:
        issues = _without_file_text(issues, document, text)
        errors = sum(1 for i in issues if i.kind == "error")
        conflicts = len(issues) - errors
        summary = ", ".join(
            f"{n} {word}{'s' if n != 1 else ''}" for n, word in ((errors, "error"), (conflicts, "conflict")) if n
        )
        raise SchemaError(f"{file}: {summary}", issues)
    assert spec is not None
    return spec, schema_hash(spec.model_dump(mode="json", by_alias=True))
