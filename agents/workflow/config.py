"""What a run does: a RunConfig, usually read from YAML (a playbook) with ``file:line`` errors.

Paths in a YAML file are relative to the file's folder. Either ``data`` (production sample files or
folders) or ``schema_file`` (start from a schema with no production data) is given, not both.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from agents.workflow.presenter import Presenter
from tools.errors import DoppelError, Issue
from tools.export.base import KEEP_FORMULAS, Dialect, ExportFormat
from tools.redact import redact
from tools.settings import ApprovalPoint
from tools.synth.model import SynthModel
from tools.targets.config import TargetConfig, TargetOrName
from tools.workspace import Workspace
from tools.yaml_lines import line_of, parse_with_lines, safe_issue_text, syntax_problem

PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"

Name = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]


class TestsConfig(BaseModel):
    """The test part of a run: Jira scenarios into Robot suites over the synthetic records, run in parallel."""

    model_config = ConfigDict(extra="forbid")

    jql: str | None = Field(None, description='the scenarios (default: labels = "doppel-<run name>" ORDER BY key)')
    rest_url: str | None = Field(None, description="the REST target's base URL (default: a rest target's url)")
    database: str | None = Field(None, description="the target database's SQLAlchemy URL (default: a sql target's)")
    processes: int = Field(2, ge=1, le=32, description="suites run at the same time, one per process")
    max_records: int = Field(100, ge=1, le=10_000, description="records a data check names at most")


class JiraSyncConfig(BaseModel):
    """How the report stage reports test results to Jira."""

    model_config = ConfigDict(extra="forbid")

    policy: Literal["all", "failures", "dry-run", "none"] = Field(
        "dry-run",
        description="all: comment on every scenario and a Bug per failure; failures: only those; "
        "dry-run: say what would be sent; none: no sync",
    )
    link_type: str = Field("Relates", description="the link type from a Bug to its scenario")


class RunConfig(BaseModel):
    """One run: the sample (or schema), how much to make, how, in which format and where."""

    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="a short name for the run (letters, digits, _ . -)")
    description: str | None = None
    data: list[Path] = Field(default_factory=list, description="production sample files or folders")
    schema_file: Path | None = Field(None, description="start from a schema instead of a sample")
    sample_rows: int | None = Field(None, ge=1, description="read at most this many rows of each sample table")
    rows: int | None = Field(
        None,
        ge=1,
        description="sample runs: rows of the first table, related tables keep the sample's proportions "
        "(default: the sample's count); schema runs: rows of every table (default: the schema's)",
    )
    seed: int | str | None = Field(None, description="an integer or any text; random (and recorded) if left out")
    model: SynthModel = Field("auto", description="the synthesizer of the modelled columns (auto chooses per table)")
    format: ExportFormat = "csv"
    dialect: Dialect = Field("postgres", description="SQL dialect when format is sql")
    keep_formulas: bool = Field(False, description=KEEP_FORMULAS)
    rules_off: list[str] = Field(
        default_factory=list,
        description="TABLE.COLUMN (or COLUMN) whose row rules are switched off: the column is modelled, not "
        "derived, mapped or rounded by a rule the sample obeys (doppel synthesize --no-rule)",
    )
    approvals: list[ApprovalPoint] | None = Field(None, description="approval points (default: from settings)")
    targets: list[TargetOrName] = Field(
        default_factory=list,
        description="where the distribute stage loads the export: targets by kind (sql, sqlite, salesforce, rest, "
        "folder, s3), or names of doppel.toml targets; relative paths are taken from the run's folder",
    )
    out: Path | None = Field(None, description="also copy the exported files here")
    tests: TestsConfig | None = Field(None, description="run the Jira scenarios as Robot suites (test_cases, execute)")
    jira: JiraSyncConfig = Field(default_factory=JiraSyncConfig, description="test results to Jira (report stage)")
    presenter: Presenter | None = Field(
        None, description="a playbook's narration, callouts and pause points (the UI's guided demo; no outputs change)"
    )

    @field_validator("data", "schema_file", "out", mode="before")
    @classmethod
    def _not_a_url(cls, value: Any) -> Any:
        """A URL is no file: refused before it becomes a folder named after its password."""
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", item):
                raise ValueError(f"{redact(item)} is a URL; give a file or folder on this machine")
        return value

    @field_validator("seed")
    @classmethod
    def _seed(cls, value: int | str | None) -> int | str | None:
        if isinstance(value, int) and value < 0:
            raise ValueError("must not be negative")
        if isinstance(value, str) and not value.strip():
            raise ValueError("must not be empty; leave seed out for a random (recorded) one")
        return value

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: list[str | TargetConfig]) -> list[str | TargetConfig]:
        labels = [t if isinstance(t, str) else t.label for t in value]
        if repeated := sorted({n for n in labels if labels.count(n) > 1}):
            raise ValueError(f"each target needs its own name ('name:'); {', '.join(repeated)} is used twice")
        for target in value:
            if isinstance(target, TargetConfig) and (given := target.secrets_given()):
                raise ValueError(
                    f"target {target.label}: {', '.join(given)} do not belong in a run config (it is stored with the "
                    f"run and shared): put them in doppel.toml [targets.{target.label}] or "
                    f"DOPPEL_TARGETS__{target.label.upper()}__{given[0].upper()}"
                )
        return value

    @model_validator(mode="after")
    def _source(self) -> RunConfig:
        if bool(self.data) == (self.schema_file is not None):
            raise ValueError("give either data (sample files or folders) or schema_file, not both and not neither")
        return self

    def relative_to(self, folder: Path) -> RunConfig:
        """The same config with relative paths taken from ``folder``."""

        def fix(p: Path | None) -> Path | None:
            return None if p is None or p.is_absolute() else folder / p

        return self.model_copy(
            update={
                "data": [p if p.is_absolute() else folder / p for p in self.data],
                "schema_file": fix(self.schema_file) or self.schema_file,
                "out": fix(self.out) or self.out,
            }
        )


def load_run_config(path: Path) -> RunConfig:
    """Read a run config (YAML or JSON); every problem is reported with ``file:line``."""
    path = Path(path)
    if not path.is_file():
        raise DoppelError(f"{path}: no such run config file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DoppelError(f"{path}: cannot read ({exc})") from None
    try:
        data, lines = parse_with_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise DoppelError(f"{where}: not valid YAML: {syntax_problem(exc)}") from None
    if not isinstance(data, dict):
        raise DoppelError(f"{path}: a run config is a mapping with at least 'name' and 'data' or 'schema_file'")
    try:
        config = RunConfig.model_validate(data)
    except ValidationError as exc:
        issues = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            line = line_of(lines, loc)
            field = safe_issue_text(".".join(str(p) for p in loc), data, lines)  # no file text beyond names
            where = f"{path}:{line}" if line else str(path)
            message = safe_issue_text(error["msg"].removeprefix("Value error, "), data, lines)
            if error["type"] == "extra_forbidden":
                message = "unknown key"
            issues.append(Issue(path=f"{where}: {field}" if field else where, message=message))
        raise DoppelError(f"{path}: invalid run config", issues) from None
    return config.relative_to(path.resolve().parent)


def config_source_paths(config: RunConfig) -> list[Path]:
    """The input files a run reads (sample files, folders expanded; or the schema file)."""
    from tools.ingest.readers import SUPPORTED

    if config.schema_file is not None:
        return [config.schema_file]
    files: list[Path] = []
    for p in config.data:
        if p.is_dir():
            files += sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in SUPPORTED)
        else:
            files.append(p)
    return files


def check_inputs(config: RunConfig) -> None:
    """Every missing input named at once (a user error before anything starts)."""
    wanted = (
        [("schema_file", config.schema_file)]
        if config.schema_file
        else [(f"data[{i}]", p) for i, p in enumerate(config.data)]
    )
    missing = [Issue(path=f"{field}: {p}", message="no such file or folder") for field, p in wanted if not p.exists()]
    if missing:
        raise DoppelError(f"run '{config.name}': inputs not found", missing)


def resolve_config(arg: str, base: Path | None = None) -> Path:
    """A run config path, or the name of a playbook (``telecom`` -> ``playbooks/telecom.yaml``), both
    taken from ``base`` (default: the working folder), then from Doppel's bundled playbooks."""
    path = (base or Path()) / arg
    if path.is_file():
        return path
    if Path(arg).suffix == "" and "/" not in arg:
        for folder in ((base or Path.cwd()) / "playbooks", PLAYBOOKS):
            for suffix in (".yaml", ".yml"):
                if (candidate := folder / f"{arg}{suffix}").is_file():
                    return candidate
    names = sorted(p.stem for p in PLAYBOOKS.glob("*.yaml")) if PLAYBOOKS.is_dir() else []
    known = f" (playbooks: {', '.join(names)})" if names else ""
    raise DoppelError(f"{arg}: no such run config file or playbook{known}")


def load_confined_config(arg: str, workspace: Workspace) -> RunConfig:
    """The run config of ``arg`` (a path, or a playbook name) for a chat or MCP request: the file and every
    path in it inside ``workspace`` (Doppel's bundled playbooks and samples may be read)."""
    if Path(arg).suffix or "/" in arg or "\\" in arg:
        arg = str(workspace.resolve(arg, where="config"))  # refused before anything about it is looked at
    path = workspace.resolve(resolve_config(arg, workspace.root), where="config")
    return workspace.confine(load_run_config(path))
