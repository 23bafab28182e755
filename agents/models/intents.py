"""What a chat message asks for, by rules: the offline model's understanding of plain requests.

``parse(text)`` returns an ``Intent`` naming a tool (a capability or a run tool) and its arguments,
``clarify`` with a question when the request names something ambiguously, or ``help`` when nothing
matches. The rules are deliberately small and predictable: verbs pick the tool, file-like words become
paths, numbers become row counts, and format/model words their options.

Files are looked up in the workspace root, then in Doppel's bundled samples and examples: an exact path or
file name first (the workspace before the bundled files), then the one file of that name in another case,
then the one file whose name starts with the word's stem. Several candidates are a question back, never a
silent pick; a path is given to the tool resolved, and the answer names it (and says so when it was not an
exact match). "500 customers" is 500 rows of the table ``customers`` only; the other tables keep their
schema's rows, references drawn from the rows generated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"
SEARCH_FOLDERS = (Path("."), Path("playbooks/samples"), Path("examples"))  # in the workspace root
BUNDLED_FOLDERS = (PLAYBOOKS / "samples", PLAYBOOKS.parent / "examples")
DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".json", ".jsonl", ".ndjson", ".xlsx", ".xls")
SCHEMA_SUFFIXES = (".yaml", ".yml", ".json")
FORMATS = ("csv", "jsonl", "json", "sql", "parquet", "avro")
MODELS = {"gaussian": "gaussian_copula", "copula": "gaussian_copula", "cart": "cart", "ctgan": "ctgan",
          "copulagan": "copulagan", "tvae": "tvae"}  # fmt: skip
ROW_WORDS = {"row", "rows", "record", "records", "line", "lines", "entry", "entries", "of", "each", "per"}
NOT_NOUNS = {"from", "in", "into", "as", "with", "for", "to", "using", "and", "out", "on"}
MAX_CANDIDATES = 8

DEFAULT_SYNTH_ROWS = 1000

_PATHISH = re.compile(r"[\w~./\\-]+\.(?:csv|tsv|txt|parquet|jsonl|ndjson|json|xlsx|xls|yaml|yml)\b", re.IGNORECASE)
_NUMBER = re.compile(r"\b(\d[\d,_]*)\s*(k|thousand|m|million)?\b", re.IGNORECASE)


class Intent(BaseModel):
    """A tool to call and its arguments; ``help`` when the request was not understood, ``clarify`` when
    it must be asked back (``note`` is the question)."""

    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    note: str | None = Field(None, description="something the answer should mention (e.g. a path resolved)")


@dataclass(frozen=True)
class Found:
    """What a file-like word of a message names: the file used, how it was found, or the candidates."""

    word: str
    path: Path
    how: str  # exact, case, prefix, missing, ambiguous
    candidates: tuple[Path, ...] = ()

    @property
    def note(self) -> str | None:
        if self.how == "case":
            return f"'{self.word}' is {self.path} (the one file of that name, in another case)."
        if self.how == "prefix":
            name = Path(self.word)
            return f"There is no {name.name}; I used {self.path}, the one file whose name starts with '{name.stem}'."
        return None

    def question(self) -> str:
        shown = [str(p) for p in self.candidates[:MAX_CANDIDATES]]
        more = f" and {len(self.candidates) - MAX_CANDIDATES} more" if len(self.candidates) > MAX_CANDIDATES else ""
        return (
            f"Which file do you mean by '{self.word}'? Several match: {', '.join(shown)}{more}. "
            "Say it again with the full name or path."
        )


def parse(text: str, workdir: Path = Path(".doppel/chat"), root: Path | None = None) -> Intent:
    """The intent of ``text``; the first matching rule wins, in the order below. Files are looked up in
    ``root`` (the workspace; default the working folder) and Doppel's bundled files."""
    root = (root or Path.cwd()).resolve()
    lowered = text.lower().strip()
    if (intent := _explain(lowered, text) or _workflow(lowered, text, root)) is not None:
        return intent
    for rule in (_approve, _failure, _resume, _status, _list_runs, _generators):
        if (intent := rule(lowered, text)) is not None:
            return intent
    found = find_paths(text, root)
    if unclear := next((f for f in found if f.how == "ambiguous"), None):
        return Intent(tool="clarify", note=unclear.question())
    paths = [f.path for f in found]
    note = " ".join(n for f in found if (n := f.note)) or None
    if re.search(r"\bvalidat", lowered) and paths:
        return Intent(tool="validate_schema", arguments={"schema_file": str(paths[0])}, note=found[0].note)
    if re.search(r"\b(generate|create|make)\b", lowered) and (schema := _schema(paths)):
        return _generate(lowered, schema, workdir, note)
    data = [p for p in paths if p.suffix.lower() in DATA_SUFFIXES]
    if re.search(r"\bevaluat|\bcompare\b", lowered) and len(data) >= 2:
        out = workdir / f"report-{data[1].stem}.html"
        arguments = {"real": str(data[0]), "synthetic": str(data[1]), "out": str(out)}
        return Intent(tool="evaluate_data", arguments=arguments, note=note)
    if re.search(r"\bsynthes|\bsynthetic\b|\bgenerate\b|\bmake\b", lowered) and data:
        return _synthesize(lowered, data, workdir, note)
    if re.search(r"\bclassif|\bsensitive\b|\bpii\b|\bpersonal data\b", lowered) and data:
        out = workdir / f"sensitivity-{data[0].stem}.json"
        return Intent(tool="classify_data", arguments={"data": [str(p) for p in data], "out": str(out)}, note=note)
    if re.search(r"\bprofil|\banaly[sz]|\bdescribe\b|\binspect\b", lowered) and data:
        out = workdir / f"profile-{data[0].stem}.json"
        return Intent(tool="profile_data", arguments={"data": [str(p) for p in data], "out": str(out)}, note=note)
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


def _workflow(lowered: str, text: str, root: Path) -> Intent | None:
    m = re.search(
        r"\b(?:run|start|launch|execute)\s+(?:the\s+)?([\w./-]+)\s+(?:workflow|playbook|scenario|demo)", lowered
    )
    m = m or re.search(r"\b(?:run|start)\s+(?:the\s+)?(?:workflow|playbook)\s+(?:for\s+|on\s+)?([\w./-]+)", lowered)
    if m is None:
        return None
    config = _original_case(text, m.group(1))
    named = resolve_path(config, root) if Path(config).suffix else None  # a file; else a playbook name
    if named is not None and named.how == "ambiguous":
        return Intent(tool="clarify", note=named.question())
    arguments: dict[str, Any] = {"config": str(named.path) if named else config}
    if re.search(r"approve[- ]all|without (?:asking|approval)|auto[- ]?approve", lowered):
        arguments["approve_all"] = True
    if (rows := _rows(_without_seed(lowered))) is not None:
        arguments["rows"] = rows
    return Intent(tool="run_workflow", arguments=arguments, note=named.note if named else None)


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


def _generate(lowered: str, schema: Path, workdir: Path, note: str | None) -> Intent:
    out = fresh_folder(workdir / f"generated-{schema.stem}")
    arguments: dict[str, Any] = {"schema_file": str(schema), "out": str(out)}
    if (count := _count(_without_seed(_PATHISH.sub(" ", lowered)))) is not None:
        rows, word = count
        tables = schema_tables(schema)
        table = next((t for t in tables if word is not None and _names(word, t)), None)
        if table is not None:
            arguments["table_rows"] = {table: rows}
        elif word is None or word in ROW_WORDS or word in NOT_NOUNS or not tables:
            arguments["rows"] = rows
        else:
            return Intent(
                tool="clarify",
                note=f"{schema} has no table '{word}'; its tables are {', '.join(tables)}. Which should have "
                f"{rows:,} rows? Say e.g. 'generate {rows} {tables[0]} from {schema.name}', or '{rows} rows' "
                "for every table.",
            )
    if fmt := _format(lowered):
        arguments["format"] = fmt
    if m := re.search(r"\bseed\s+(\w+)", lowered):
        arguments["seed"] = m.group(1)
    return Intent(tool="generate_data", arguments=arguments, note=note)


def _synthesize(lowered: str, data: list[Path], workdir: Path, note: str | None) -> Intent:
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
    return Intent(tool="synthesize_data", arguments=arguments, note=note)


def schema_tables(schema: Path) -> list[str]:
    """The table names of a schema file, or none when it cannot be read (the tool then says why)."""
    from tools.errors import DoppelError
    from tools.schema.loading import parse_schema, read_document

    try:
        spec, _ = parse_schema(read_document(schema), str(schema))
    except (DoppelError, OSError, ValueError):
        return []
    return list(spec.tables) if spec is not None else []


def _names(word: str, table: str) -> bool:
    """``word`` names ``table``: the same, or one is the other's plural."""
    word, table = word.lower(), table.lower()
    forms = {table, f"{table}s", f"{table}es", table.removesuffix("s"), table.removesuffix("es")}
    if table.endswith("y"):
        forms.add(f"{table[:-1]}ies")
    if table.endswith("ies"):
        forms.add(f"{table[:-3]}y")
    return word in forms


# ---------------------------------------------------------------------------------------------- words


def find_paths(text: str, root: Path | None = None) -> list[Found]:
    """File-like words of ``text``, each looked up in the workspace ``root`` and Doppel's bundled files."""
    return [resolve_path(m.group(0), root) for m in _PATHISH.finditer(text)]


def resolve_path(word: str, root: Path | None = None) -> Found:
    """What ``word`` names, looked up in ``root`` (default: the working folder), ``root``'s
    playbooks/samples and examples, then Doppel's bundled samples and examples (``samples/telecom.csv``
    finds ``playbooks/samples/telecom_customers.csv``).

    An existing path, then an exact file name (the first folder that has it), then the one file of that
    name in another case, then the one file whose name starts with the word's stem (the same suffix
    preferred); more than one is ``ambiguous``. A path outside the workspace is not looked at: it goes to
    the tool as given, which refuses it."""
    root = (root or Path.cwd()).resolve()
    given = Path(word).expanduser()
    direct = (root / given).resolve()
    if not direct.is_relative_to(root) and not any(direct.is_relative_to(b) for b in BUNDLED_FOLDERS):
        return Found(word, given, "missing")
    if direct.exists():
        return Found(word, direct, "exact")
    if given.is_absolute():
        return Found(word, direct, "missing")
    files = _candidates(root)
    for how, match in (("exact", _same_name), ("case", _same_name_any_case), ("prefix", _same_start)):
        found = match(files, given)
        if len(found) == 1 or (found and how == "exact"):
            return Found(word, found[0], how)
        if found:
            return Found(word, given, "ambiguous", tuple(found))
    return Found(word, given, "missing")


def _candidates(root: Path) -> list[Path]:
    """Every file of the folders searched, in search order, each once."""
    seen: dict[Path, None] = {}
    for folder in (*(root / f for f in SEARCH_FOLDERS), *BUNDLED_FOLDERS):
        if folder.is_dir():
            seen |= {f.resolve(): None for f in sorted(folder.iterdir()) if f.is_file()}
    return list(seen)


def _same_name(files: list[Path], given: Path) -> list[Path]:
    return [f for f in files if f.name == given.name]


def _same_name_any_case(files: list[Path], given: Path) -> list[Path]:
    return [f for f in files if f.name.lower() == given.name.lower()]


def _same_start(files: list[Path], given: Path) -> list[Path]:
    stem, suffix = given.stem.lower(), given.suffix.lower()
    near = [f for f in files if stem and f.name.lower().startswith(stem)]
    return [f for f in near if f.suffix.lower() == suffix] or near


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
    count = _count(lowered)
    return count[0] if count else None


def _count(lowered: str) -> tuple[int, str | None] | None:
    """The first row count of ``lowered`` and the word after it ("500 customers" -> (500, "customers"))."""
    for m in _NUMBER.finditer(lowered):
        tail = lowered[m.end() :].lstrip()
        if tail.startswith(("%", "column", "field", "col ")):
            continue
        value = int(m.group(1).replace(",", "").replace("_", ""))
        unit = (m.group(2) or "").lower()
        value *= {"k": 1_000, "thousand": 1_000, "m": 1_000_000, "million": 1_000_000}.get(unit, 1)
        if value > 0:
            word = re.match(r"[a-z_][\w-]*", tail)
            return value, word.group(0) if word else None
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
