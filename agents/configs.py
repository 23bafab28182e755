"""Saved run configurations: keep a RunConfig under an id and a unique name with tags, list and search
them, load one back (checking that the files and target systems it names are reachable), and share
them as JSON files.

Paths are stored absolute, as the config file they came from meant them. An exported file keeps them
as they are; on import, relative paths are taken from the JSON file's folder (like a YAML config), and
every input (schema file, sample files) must exist there: an import never saves a config that cannot run.
"""

from __future__ import annotations

import json
import secrets
import socket
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import col, select

from agents.state.db import session
from agents.state.models import SavedConfiguration, utcnow
from agents.workflow.config import RunConfig
from tools.errors import DoppelError, Issue
from tools.files import write_text_atomic
from tools.redact import redact
from tools.settings import Settings

FORMAT = "doppel-configuration"
REF_PREFIX = "config:"
TIMEOUT = 2.0  # seconds for a target reachability check
DEFAULT_PORTS = {
    "http": 80,
    "https": 443,
    "postgresql": 5432,
    "postgres": 5432,
    "mysql": 3306,
    "mssql": 1433,
    "oracle": 1521,
    "redis": 6379,
}
URL_KEYS = ("url", "endpoint", "base_url", "instance_url", "database_url")
PATH_KEYS = ("path", "folder")

Tag = str


class Saved(BaseModel):
    """A saved configuration as every layer sees it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    description: str | None = None
    tags: list[Tag] = Field(default_factory=list)
    config: dict[str, Any]
    user: str
    created_at: datetime
    updated_at: datetime


class ConfigurationFile(BaseModel):
    """The JSON an export writes and an import reads."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["doppel-configuration"] = "doppel-configuration"
    version: Literal[1] = 1
    id: str | None = Field(None, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    tags: list[Tag] = Field(default_factory=list)
    config: RunConfig


def _tags(tags: Sequence[str]) -> list[str]:
    cleaned = list(dict.fromkeys(t.strip().lower() for t in tags if t.strip()))
    if bad := [t for t in cleaned if len(t) > 50 or "," in t]:
        raise DoppelError(f"--tag '{bad[0]}': a tag is at most 50 characters, without commas")
    return cleaned


def save(
    settings: Settings,
    config: RunConfig,
    name: str,
    *,
    tags: Sequence[str] = (),
    description: str | None = None,
    replace: bool = False,
    config_id: str | None = None,
) -> Saved:
    """Keep ``config`` under ``name`` (unique; ``replace`` overwrites the one of that name)."""
    name = name.strip()
    if not name:
        raise DoppelError("--name: give a non-empty name")
    with session(settings) as s:
        existing = s.exec(select(SavedConfiguration).where(SavedConfiguration.name == name)).first()
        if existing is not None and not replace:
            raise DoppelError(f"--name '{name}': already saved as {existing.id}; choose another name or --replace")
        row = existing or SavedConfiguration(id=_free_id(s, config_id), name=name, user=settings.user)
        row.config = config.model_dump(mode="json")
        row.tags = _tags(tags)
        row.description = description if description is not None else config.description
        row.updated_at = utcnow()
        s.add(row)
        s.flush()
        return Saved.model_validate(row)


def _free_id(s: Any, wanted: str | None) -> str:
    if wanted and s.get(SavedConfiguration, wanted) is None:
        return wanted
    return f"cfg-{secrets.token_hex(4)}"


def get(settings: Settings, ref: str) -> Saved:
    """By id, unique id prefix (4+ characters) or exact name; ``config:`` in front is allowed."""
    ref = ref.removeprefix(REF_PREFIX).strip()
    with session(settings) as s:
        row = s.get(SavedConfiguration, ref)
        if row is None:
            row = s.exec(select(SavedConfiguration).where(SavedConfiguration.name == ref)).first()
        if row is None and len(ref) >= 4:
            matches = s.exec(
                select(SavedConfiguration).where(col(SavedConfiguration.id).startswith(ref, autoescape=True)).limit(2)
            ).all()
            if len(matches) == 2:
                raise DoppelError(f"configuration '{ref}': the prefix is ambiguous")
            row = matches[0] if matches else None
        if row is None:
            raise DoppelError(f"configuration '{ref}': no such saved configuration; see `doppel configs list`")
        return Saved.model_validate(row)


def list_saved(settings: Settings, tag: str | None = None) -> list[Saved]:
    """Newest first; with ``tag``, only those carrying it."""
    with session(settings) as s:
        rows = s.exec(
            select(SavedConfiguration).order_by(col(SavedConfiguration.created_at).desc(), col(SavedConfiguration.id))
        ).all()
        saved = [Saved.model_validate(r) for r in rows]
    return [c for c in saved if tag is None or tag.strip().lower() in c.tags]


def search(settings: Settings, text: str) -> list[Saved]:
    """Configurations whose id, name, description, tags or run name/description contain ``text``."""
    needle = text.strip().lower()
    if not needle:
        raise DoppelError("TEXT: give something to search for")
    with session(settings) as s:
        like = f"%{needle}%"
        prefiltered = s.exec(
            select(SavedConfiguration).where(
                sa.or_(
                    sa.func.lower(SavedConfiguration.id).like(like),
                    sa.func.lower(SavedConfiguration.name).like(like),
                    sa.func.lower(sa.func.coalesce(SavedConfiguration.description, "")).like(like),
                    sa.func.lower(sa.cast(SavedConfiguration.tags, sa.Text)).like(like),
                    sa.func.lower(sa.cast(SavedConfiguration.config, sa.Text)).like(like),
                )
            )
        ).all()
        saved = [Saved.model_validate(r) for r in prefiltered]

    def hit(c: Saved) -> bool:
        fields = [c.id, c.name, c.description or "", *c.tags, c.config.get("name", ""), c.config.get("description", "")]
        return any(needle in str(f).lower() for f in fields)

    return [c for c in saved if hit(c)]


def delete(settings: Settings, ref: str) -> Saved:
    saved = get(settings, ref)
    with session(settings) as s:
        row = s.get(SavedConfiguration, saved.id)
        s.delete(row)
    return saved


# ---------------------------------------------------------------------------------------- loading


class LoadCheck(BaseModel):
    """What loading a saved configuration checked."""

    saved: Saved
    config: RunConfig
    files: list[Path]
    targets: int


def load(settings: Settings, ref: str) -> LoadCheck:
    """The saved RunConfig, after checking it still validates, its files exist and its targets answer.

    Every problem is listed at once (a DoppelError, exit 2)."""
    saved = get(settings, ref)
    where = f"configuration {saved.id} ({saved.name})"
    try:
        config = RunConfig.model_validate(saved.config)
    except ValidationError as exc:
        raise DoppelError(f"{where}: no longer a valid run config", _issues(exc, "config")) from None
    wanted = inputs(config)
    issues = missing(wanted) + check_targets([_probed(t) for t in config.targets])
    if issues:
        raise DoppelError(f"{where}: cannot be run as saved", issues)
    return LoadCheck(saved=saved, config=config, files=[p for _, p in wanted], targets=len(config.targets))


def inputs(config: RunConfig) -> list[tuple[str, Path]]:
    """(key, path) of every input the config reads: its schema file, or each sample file or folder."""
    if config.schema_file is not None:
        return [("config.schema_file", config.schema_file)]
    return [(f"config.data[{i}]", p) for i, p in enumerate(config.data)]


def missing(wanted: Sequence[tuple[str, Path]]) -> list[Issue]:
    """A problem naming the key and the path of each input that does not exist."""
    return [Issue(path=f"{key}: {p}", message="no such file or folder") for key, p in wanted if not p.exists()]


def check_targets(targets: Sequence[dict[str, Any]], timeout: float = TIMEOUT) -> list[Issue]:
    """A problem for each target that cannot be reached: a URL or host:port that refuses a TCP connection
    within ``timeout`` seconds, or a folder that does not exist. Targets naming neither are not checked."""
    issues = []
    for i, target in enumerate(targets):
        where = f"targets[{i}]"
        url_key = next((k for k in URL_KEYS if isinstance(target.get(k), str)), None)
        path_key = next((k for k in PATH_KEYS if isinstance(target.get(k), str)), None)
        if url_key is not None:
            problem = _url_problem(str(target[url_key]), timeout)
            if problem:
                issues.append(Issue(path=f"{where}.{url_key}: {redact(str(target[url_key]))}", message=problem))
        elif isinstance(target.get("host"), str):
            port = target.get("port")
            if not isinstance(port, int):
                issues.append(Issue(path=f"{where}.port", message="give the port of host as an integer"))
            elif problem := _tcp_problem(str(target["host"]), port, timeout):
                issues.append(Issue(path=f"{where}.host: {target['host']}:{port}", message=problem))
        elif path_key is not None and not Path(str(target[path_key])).expanduser().is_dir():
            issues.append(Issue(path=f"{where}.{path_key}: {target[path_key]}", message="no such folder"))
    return issues


def _probed(target: Any) -> dict[str, Any]:
    """What ``check_targets`` probes of a run config's target: its URL. A settings target named only, a
    stand-in (found or started when loading) and a folder (made when loading) are not probed."""
    if isinstance(target, str) or getattr(target, "stand_in", False) or target.kind == "folder":
        return {}
    if target.kind == "sqlite":
        return {"url": f"sqlite:///{target.path}"} if Path(target.path).is_absolute() else {}
    if target.kind == "s3":
        return {"url": f"s3://{target.bucket}"}
    dumped = target.model_dump(exclude_none=True)
    return {k: dumped[k] for k in URL_KEYS if isinstance(dumped.get(k), str)}


def _url_problem(url: str, timeout: float) -> str | None:
    parts = urlsplit(url)
    scheme = parts.scheme.lower().split("+")[0]
    if scheme == "file":
        return None if Path(parts.path).exists() else "no such file or folder"
    if scheme == "sqlite":
        folder = Path(url.split(":///", 1)[-1]).parent
        return None if folder.is_dir() else f"no such folder {folder}"
    if scheme == "s3":
        return None if parts.netloc else "an s3:// URL names a bucket: s3://bucket/prefix"
    if not parts.hostname:
        return "not a URL with a host (scheme://host[:port]/...)"
    try:
        port = parts.port or DEFAULT_PORTS.get(scheme)
    except ValueError:
        return "the port is not a number between 0 and 65535"
    if port is None:
        return f"no default port for '{scheme}': give host:port"
    return _tcp_problem(parts.hostname, port, timeout)


def _tcp_problem(host: str, port: int, timeout: float) -> str | None:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except TimeoutError:
        return f"no answer within {timeout:g}s"
    except OSError as exc:
        return f"not reachable ({exc.strerror or exc})"


# ---------------------------------------------------------------------------------------- sharing


def export(settings: Settings, ref: str, out: Path) -> Path:
    """Write the configuration as JSON to ``out`` (atomically)."""
    saved = get(settings, ref)
    document = ConfigurationFile(
        id=saved.id,
        name=saved.name,
        description=saved.description,
        tags=saved.tags,
        config=RunConfig.model_validate(saved.config),
    )
    return write_text_atomic(Path(out), json.dumps(document.model_dump(mode="json"), indent=2) + "\n")


def import_file(settings: Settings, path: Path, *, name: str | None = None, replace: bool = False) -> Saved:
    """Save the configuration in a JSON file; errors name the file and the field (or line and column)."""
    path = Path(path)
    if not path.is_file():
        raise DoppelError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = json.loads(text)
    except UnicodeDecodeError as exc:
        raise DoppelError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise DoppelError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    except OSError as exc:
        raise DoppelError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not isinstance(data, dict):
        raise DoppelError(f"{path}: expected a JSON object with 'name' and 'config' (from `doppel configs export`)")
    try:
        document = ConfigurationFile.model_validate(data)
    except ValidationError as exc:
        raise DoppelError(f"{path}: not a valid Doppel configuration", _issues(exc, "", str(path))) from None
    folder = path.resolve().parent
    config = document.config.relative_to(folder)
    if problems := missing(inputs(config)):
        raise DoppelError(
            f"{path}: cannot import: input paths that do not exist (relative paths are taken from {folder}, "
            "the folder of the configuration file)",
            problems,
        )
    return save(
        settings,
        config,
        name or document.name,
        tags=document.tags,
        description=document.description,
        replace=replace,
        config_id=document.id,
    )


def _issues(exc: ValidationError, prefix: str, file: str | None = None) -> list[Issue]:
    issues = []
    for error in exc.errors():
        field = ".".join(str(p) for p in (prefix, *error["loc"]) if p != "")
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        where = f"{file}: {field}" if file else field
        issues.append(Issue(path=where, message=message))
    return issues
