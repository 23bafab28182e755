"""What a chat message asks for, by rules: the offline model's understanding of plain requests.

``parse(text)`` returns an ``Intent`` naming a tool (a capability or a run tool) and its arguments, or
``help`` when nothing matches. The rules are deliberately small and predictable: verbs pick the tool,
file-like words become paths (resolved against the working directory and the bundled samples), numbers
become row counts, and format/model words their options.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"
SEARCH_FOLDERS = (
    Path("."),
    Path("playbooks/samples"),
    Path("examples"),
    PLAYBOOKS / "samples",
    PLAYBOOKS.parent / "examples",
)
DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".json", ".jsonl", ".ndjson", ".xlsx", ".xls")
SCHEMA_SUFFIXES = (".yaml", ".yml", ".json")
FORMATS = ("csv", "jsonl", "json", "sql", "parquet", "avro")
MODELS = {"gaussian": "gaussian_copula", "copula": "gaussian_copula", "cart": "cart", "ctgan": "ctgan",
          "copulagan": "copulagan", "tvae": "tvae"}  # fmt: skip

DEFAULT_SYNTH_ROWS = 1000

_PATHISH = re.compile(r"[\w~./\\-]+\.(?:csv|tsv|txt|parquet|jsonl|ndjson|json|xlsx|xls|yaml|yml)\b", re.IGNORECASE)
_NUMBER = re.compile(r"\b(\d[\d,_]*)\s*(k|thousand|m|million)?\b", re.IGNORECASE)


class Intent(BaseModel):
    """A tool to call and its arguments; ``tool == "help"`` when the request was not understood."""

    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    note: str | None = Field(None, description="something the answer should mention (e.g. a path resolved)")


def parse(text: str, workdir: Path = Path(".doppel/chat")) -> Intent:
    """The intent of ``text``; the first matching rule wins, in the order below."""
    lowered = text.lower().strip()
    paths = find_paths(text)
    for rule in (_explain, _workflow, _approve, _failure, _resume, _status, _list_runs, _generators):
        if (intent := rule(lowered, text)) is not None:
            return intent
    if re.search(r"\bvalidat", lowered) and paths:
        return Intent(tool="validate_schema", arguments={"schema_file": str(paths[0])})
    if re.search(r"\b(generate|create|make)\b", lowered) and _schema(paths):
        return _generate(lowered, _schema(paths), workdir)  # type: ignore[arg-type]
    data = [p for p in paths if p.suffix.lower() in DATA_SUFFIXES]
    if re.search(r"\bevaluat|\bcompare\b", lowered) and len(data) >= 2:
        out = workdir / f"report-{data[1].stem}.html"
        return Intent(
            tool="evaluate_data", arguments={"real": str(data[0]), "synthetic": str(data[1]), "out": str(out)}
        )
    if re.search(r"\bsynthes|\bsynthetic\b|\bgenerate\b|\bmake\b", lowered) and data:
        return _synthesize(lowered, data, workdir)
    if re.search(r"\bclassif|\bsensitive\b|\bpii\b|\bpersonal data\b", lowered) and data:
        out = workdir / f"sensitivity-{data[0].stem}.json"
        return Intent(tool="classify_data", arguments={"data": [str(p) for p in data], "out": str(out)})
    if re.search(r"\bprofil|\banaly[sz]|\bdescribe\b|\binspect\b", lowered) and data:
        out = workdir / f"profile-{data[0].stem}.json"
        return Intent(tool="profile_data", arguments={"data": [str(p) for p in data], "out": str(out)})
    return Intent(tool="help")


# ---------------------------------------------------------------------------------------------- rules


def _explain(lowered: str, text: str) -> Intent | None:
    m = re.search(
        r"\bwhy\b.*?\b(?:is|was|were|are)\s+[`'\"]?([\w.]+)[`'\"]?\s+(?:\w+\s+){0,3}?(?:sensitive|pii|personal)",
        lowered,
    )
    m = m or re.search(r"\bexplain\s+(?:the\s+)?(?:column\s+)?[`'\"]?([\w.]+)", lowered)
    if m is None:
        return None
    column = _original_case(text, m.group(1))
    return Intent(tool="explain_column", arguments={"column": column})


def _workflow(lowered: str, text: str) -> Intent | None:
    m = re.search(
        r"\b(?:run|start|launch|execute)\s+(?:the\s+)?([\w./-]+)\s+(?:workflow|playbook|scenario|demo)", lowered
    )
    m = m or re.search(r"\b(?:run|start)\s+(?:the\s+)?(?:workflow|playbook)\s+(?:for\s+|on\s+)?([\w./-]+)", lowered)
    if m is None:
        return None
    arguments: dict[str, Any] = {"config": _original_case(text, m.group(1))}
    if re.search(r"approve[- ]all|without (?:asking|approval)|auto[- ]?approve", lowered):
        arguments["approve_all"] = True
    if (rows := _rows(_without_seed(lowered))) is not None:
        arguments["rows"] = rows
    return Intent(tool="run_workflow", arguments=arguments)


def _approve(lowered: str, text: str) -> Intent | None:
    m = re.match(r"^(approve|abort|reject|cancel)\b(?:\s+(?:the\s+)?run)?\s*([0-9a-f]{4,40})?", lowered)
    if m is None:
        return None
    decision = "approve" if m.group(1) == "approve" else "abort"
    arguments: dict[str, Any] = {"decision": decision}
    if m.group(2):
        arguments["run_id"] = m.group(2)
    return Intent(tool="approve_run", arguments=arguments)


def _failure(lowered: str, text: str) -> Intent | None:
    m = re.match(r"^(retry|skip)\b(?:\s+(?:the\s+)?(?:stage|run))?\s*([0-9a-f]{4,40})?", lowered)
    if m is None:
        return None
    arguments: dict[str, Any] = {"choice": m.group(1)}
    if m.group(2):
        arguments["run_id"] = m.group(2)
    return Intent(tool="answer_failure", arguments=arguments)


def _resume(lowered: str, text: str) -> Intent | None:
    m = re.match(r"^(?:resume|continue)\b(?:\s+(?:the\s+)?run)?\s*([0-9a-f]{4,40})?", lowered)
    if m is None:
        return None
    return Intent(tool="resume_workflow", arguments={"run_id": m.group(1)} if m.group(1) else {})


def _status(lowered: str, text: str) -> Intent | None:
    if not re.search(r"\b(status|progress|how is|how's|show run|state of)\b", lowered):
        return None
    m = re.search(r"\brun\s+([0-9a-f]{4,40})\b", lowered) or re.search(r"\b([0-9a-f]{12})\b", lowered)
    return Intent(tool="run_status", arguments={"run_id": m.group(1)} if m else {})


def _list_runs(lowered: str, text: str) -> Intent | None:
    if re.search(r"\b(list|show|past|recent|previous)\b.*\bruns\b|^runs$", lowered):
        return Intent(tool="list_runs", arguments={})
    return None


def _generators(lowered: str, text: str) -> Intent | None:
    if re.search(r"\b(generators|field types|which types|what types)\b", lowered):
        return Intent(tool="list_generators", arguments={})
    return None


def _generate(lowered: str, schema: Path, workdir: Path) -> Intent:
    out = fresh_folder(workdir / f"generated-{schema.stem}")
    arguments: dict[str, Any] = {"schema_file": str(schema), "out": str(out)}
    if (rows := _rows(_without_seed(_PATHISH.sub(" ", lowered)))) is not None:
        arguments["rows"] = rows
    if fmt := _format(lowered):
        arguments["format"] = fmt
    if m := re.search(r"\bseed\s+(\w+)", lowered):
        arguments["seed"] = m.group(1)
    return Intent(tool="generate_data", arguments=arguments)


def _synthesize(lowered: str, data: list[Path], workdir: Path) -> Intent:
    out = fresh_folder(workdir / f"synthetic-{data[0].stem}")
    arguments: dict[str, Any] = {"data": [str(p) for p in data], "out": str(out)}
    stripped = _without_seed(_PATHISH.sub(" ", lowered))
    arguments["rows"] = _rows(stripped) or DEFAULT_SYNTH_ROWS
    if fmt := _format(lowered):
        arguments["format"] = fmt
    for word, model in MODELS.items():
        if re.search(rf"\b{word}", lowered):
            arguments["model"] = model
            break
    return Intent(tool="synthesize_data", arguments=arguments)


# ---------------------------------------------------------------------------------------------- words


def find_paths(text: str) -> list[Path]:
    """File-like words of ``text``, each resolved to an existing file where one can be found."""
    return [resolve_path(m.group(0)) for m in _PATHISH.finditer(text)]


def resolve_path(word: str) -> Path:
    """``word`` if it exists; else a file of the same name, or whose name starts with its stem, in the
    working directory or the bundled samples/examples (``samples/telecom.csv`` finds
    ``playbooks/samples/telecom_customers.csv``); else ``word`` unchanged (the tool then says it is missing)."""
    given = Path(word).expanduser()
    if given.exists():
        return given
    stem, suffix = given.stem.lower(), given.suffix.lower()
    for folder in SEARCH_FOLDERS:
        if not folder.is_dir():
            continue
        exact = folder / given.name
        if exact.is_file():
            return exact
        near = sorted(f for f in folder.iterdir() if f.is_file() and f.name.lower().startswith(stem))
        same_kind = [f for f in near if f.suffix.lower() == suffix] or near
        if same_kind:
            return same_kind[0]
    return given


def fresh_folder(base: Path) -> Path:
    """``base``, or ``base-2``, ``base-3``... : the first that does not exist or is empty (outputs never mix)."""
    candidate, number = base, 1
    while candidate.exists() and any(candidate.iterdir()):
        number += 1
        candidate = base.with_name(f"{base.name}-{number}")
    return candidate


def _schema(paths: list[Path]) -> Path | None:
    return next((p for p in paths if p.suffix.lower() in SCHEMA_SUFFIXES), None)


def _rows(lowered: str) -> int | None:
    for m in _NUMBER.finditer(lowered):
        tail = lowered[m.end() :].lstrip()
        if tail.startswith(("%", "column", "field", "col ")):
            continue
        value = int(m.group(1).replace(",", "").replace("_", ""))
        unit = (m.group(2) or "").lower()
        value *= {"k": 1_000, "thousand": 1_000, "m": 1_000_000, "million": 1_000_000}.get(unit, 1)
        if value > 0:
            return value
    return None


def _without_seed(lowered: str) -> str:
    return re.sub(r"\bseed\s+\S+", " ", lowered)


def _format(lowered: str) -> str | None:
    for fmt in FORMATS:
        if re.search(rf"\b(?:as|in|to|into)\s+{fmt}\b|\b{fmt}\s+(?:files?|format|output)\b", lowered):
            return fmt
    return None


def _original_case(text: str, lowered_word: str) -> str:
    """The word as the user typed it (column names are case-sensitive)."""
    index = text.lower().find(lowered_word)
    return text[index : index + len(lowered_word)] if index >= 0 else lowered_word
