"""One settings model for every layer: ``doppel.toml``, then ``DOPPEL_*`` environment variables, then CLI flags.

Precedence, lowest first: defaults < ``doppel.toml`` (the working directory, or the file named by
``DOPPEL_CONFIG``) < environment (``DOPPEL_DATABASE_URL``, nested with ``__``: ``DOPPEL_MODEL__PROVIDER``)
< values passed explicitly (CLI flags, tests). Mock versus real systems, the model provider, the
database, storage and retention are all switched here, never in code.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from pydantic_settings import SettingsError as SourceError

from tools.errors import DoppelError, Issue
from tools.targets.config import NAME as TARGET_NAME
from tools.targets.config import AnyTarget, TargetConfig

ApprovalPoint = Literal[
    "after:ingest", "after:profile", "after:classify", "after:synthesise", "after:evaluate", "after:export",
    "before:distribute", "before:test_cases", "before:execute", "before:report",
]  # fmt: skip


def _default_approvals() -> list[ApprovalPoint]:
    return ["after:classify", "before:distribute"]


class ModelSettings(BaseModel):
    """Which model drives the agents: ``offline`` (deterministic, no network) unless configured."""

    provider: str = Field("offline", description="offline, bedrock, or another Strands provider by name")
    model_id: str = "anthropic.claude-3-5-sonnet-20240620-v1:0"
    region: str = "eu-west-2"
    temperature: float = Field(0.2, ge=0, le=1)
    max_tokens: int = Field(2048, gt=0)
    endpoint_url: str | None = Field(None, description="e.g. the local Bedrock stand-in in mocks/")
    streaming: bool = True
    # Free text through the model (the llm_text generator); retries follow `Settings.retry`.
    connect_timeout: float = Field(5.0, gt=0, description="seconds to open a connection to the model endpoint")
    read_timeout: float = Field(60.0, gt=0, description="seconds to wait for an answer before retrying")
    batch_size: int = Field(20, ge=1, le=200, description="texts asked for in one prompt")
    answer_retries: int = Field(1, ge=0, description="re-asks of a batch whose answer is not a list of the right size")


class RetrySettings(BaseModel):
    """Backoff for transient failures of external calls and stages."""

    attempts: int = Field(4, ge=1)
    initial_delay: float = Field(0.5, ge=0)
    max_delay: float = Field(8.0, ge=0)


class McpSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(8765, ge=0, le=65535, description="0: any free port (the server's banner names it)")
    token: SecretStr | None = Field(
        None, description="bearer token; 32+ random characters, required to bind anything but loopback"
    )


class AtlassianSettings(BaseModel):
    """A Jira or Confluence site. Server/Data Center: ``username`` + ``password`` (basic auth) or ``token`` (a
    personal access token); Cloud (``*.atlassian.net``, or ``deployment = "cloud"``): ``email`` + ``api_token``."""

    url: str | None = Field(None, description="base URL, e.g. https://wiki.example.com (unset: not connected)")
    deployment: Literal["auto", "server", "cloud"] = Field("auto", description="auto: cloud for *.atlassian.net")
    username: str | None = Field(None, description="Server/Data Center basic auth user")
    password: SecretStr | None = Field(None, description="Server/Data Center basic auth password")
    token: SecretStr | None = Field(None, description="Server/Data Center personal access token")
    email: str | None = Field(None, description="Cloud account email")
    api_token: SecretStr | None = Field(None, description="Cloud API token")
    ca_bundle: Path | None = Field(None, description="PEM file of CAs to trust (a private CA or a stand-in)")
    verify_tls: bool = True
    connect_timeout: float = Field(5.0, gt=0, description="seconds to open a connection")
    read_timeout: float = Field(30.0, gt=0, description="seconds to wait for an answer before retrying")
    max_retry_after: float = Field(
        60.0, ge=0, description="longest Retry-After (seconds) honoured; a longer one fails at once"
    )


class ConfluenceSettings(AtlassianSettings):
    """The Confluence knowledge base the classifier asks about ambiguous columns (CQL)."""

    spaces: list[str] = Field(default_factory=list, description="space keys searched (empty: every space)")
    labels: list[str] = Field(
        default_factory=lambda: ["data-dictionary"], description="only pages with one of these labels (empty: any)"
    )
    max_pages: int = Field(5, ge=1, le=50, description="pages read per column")


class JiraSettings(AtlassianSettings):
    """The Jira site test scenarios come from and results go to."""

    project: str | None = Field(None, description="default project key")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DOPPEL_", env_nested_delimiter="__", extra="forbid", toml_file="doppel.toml"
    )

    home: Path = Field(Path(".doppel"), description="runs, artifacts and the default database live here")
    workspace_root: Path = Field(
        Path("."),
        description="the folder MCP, chat and UI tools may read and write (default: the working folder); "
        "paths outside it are refused",
    )
    database_url: SecretStr | None = Field(
        None, description="any SQLAlchemy URL; default SQLite in home (a secret: it may hold a password)"
    )
    model: ModelSettings = Field(default_factory=ModelSettings)
    approvals: list[ApprovalPoint] = Field(default_factory=_default_approvals)
    retention_days: int = Field(365, ge=1, description="audit records older than this are archived")
    retry: RetrySettings = Field(default_factory=RetrySettings)
    mcp: McpSettings = Field(default_factory=McpSettings)
    confluence: ConfluenceSettings = Field(default_factory=ConfluenceSettings)
    jira: JiraSettings = Field(default_factory=JiraSettings)
    targets: dict[str, AnyTarget] = Field(
        default_factory=dict,
        description="named distribution targets ([targets.NAME] kind = sql|sqlite|salesforce|rest|folder|s3); "
        "credentials here or in DOPPEL_TARGETS__NAME__FIELD",
    )
    user: str = Field(default_factory=lambda: os.environ.get("USER", "unknown"))

    @field_validator("targets")
    @classmethod
    def _target_names(cls, value: dict[str, TargetConfig]) -> dict[str, TargetConfig]:
        """Each target is named by its table key (``[targets.crm]`` is ``crm``)."""
        named = {}
        for key, target in value.items():
            if not re.match(TARGET_NAME, key):
                raise ValueError(f"target name {key!r}: use letters, digits, _ . -")
            named[key] = target if target.name == key else target.model_copy(update={"name": key})
        return named

    @property
    def database(self) -> str:
        """The database URL in use (SQLite at ``home/doppel.db`` unless configured), password and all: for
        connecting only; anything shown or stored goes through ``tools.redact.redact``."""
        if self.database_url is not None and self.database_url.get_secret_value():
            return self.database_url.get_secret_value()
        return f"sqlite:///{self.home / 'doppel.db'}"

    @property
    def runs_dir(self) -> Path:
        return self.home / "runs"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file())
        return (init_settings, env_settings, toml)


class SettingsError(DoppelError):
    """Invalid settings: one issue per problem, each naming the setting and where its value came from."""


def config_file() -> Path:
    """The settings file: ``DOPPEL_CONFIG`` when set, else ``doppel.toml`` in the working folder."""
    return Path(os.environ.get("DOPPEL_CONFIG", "doppel.toml"))


def load_settings(**overrides: object) -> Settings:
    """Settings from file and environment, with ``overrides`` (CLI flags) winning.

    Any invalid value raises :class:`SettingsError` (exit 2) listing every problem with its source."""
    path = config_file()
    if "DOPPEL_CONFIG" in os.environ and not path.is_file():
        where = "DOPPEL_CONFIG (environment variable)"
        raise SettingsError("invalid settings", [Issue(path=where, message=f"{path}: no such file")])
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path.absolute()}: not valid TOML: {exc}") from None
    except ValidationError as exc:
        issues = [_issue(error, overrides, path) for error in exc.errors()]
        raise SettingsError("invalid settings", issues) from None
    except SourceError as exc:
        raise SettingsError("invalid settings", [_source_issue(str(exc), overrides, path)]) from None


# ------------------------------------------------------------------ explaining invalid settings

_HIDDEN = ("token", "password", "secret", "key", "url")  # values of these are never echoed
_SOURCE_FIELD = re.compile(r'field "([^"]+)"')


def _issue(error: Mapping[str, Any], overrides: Mapping[str, object], toml: Path) -> Issue:
    loc = tuple(error["loc"])
    name = ".".join(map(str, loc))
    where = _source(loc, overrides, toml)
    if error["type"] == "extra_forbidden":
        return Issue(path=f"{name} ({where})", message="unknown setting")
    message = re.sub(r"^Input should be\b", "must be", str(error["msg"]).removeprefix("Value error, "))
    value = error.get("input")
    last = str(loc[-1]).lower() if loc else ""
    hidden = any(last == h or last.endswith(f"_{h}") for h in _HIDDEN)
    shown = "" if hidden or isinstance(value, dict) else f" = {_short(value)}"
    return Issue(path=f"{name}{shown} ({where})", message=message)


def _source_issue(message: str, overrides: Mapping[str, object], toml: Path) -> Issue:
    """A value a source could not even parse (an environment variable that should hold JSON)."""
    found = _SOURCE_FIELD.search(message)
    name = found[1] if found else "settings"
    where = _source((name,), overrides, toml)
    return Issue(path=f"{name} ({where})", message="not valid JSON (a list or object is expected)")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _source(loc: Sequence[Any], overrides: Mapping[str, object], toml: Path) -> str:
    """Where the winning value of ``loc`` came from: explicit values, then the environment, then the file."""
    if loc and loc[0] in overrides:
        return "given explicitly"
    parts = [str(p) for p in loc if isinstance(p, str)]
    environ = {k.upper(): k for k in os.environ}
    for end in range(len(parts), 0, -1):
        name = "DOPPEL_" + "__".join(parts[:end]).upper()
        if name in environ:
            return f"from environment variable {environ[name]}"
    if _in_toml(toml, loc):
        return f"from {toml.absolute()}"
    return "default"


def _in_toml(path: Path, loc: Sequence[Any]) -> bool:
    try:
        node: Any = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    for part in loc:
        if (isinstance(node, dict) and part in node) or (isinstance(node, list) and _index(part, node)):
            node = node[part]
        else:
            return False
    return True


def _index(part: Any, items: list[Any]) -> bool:
    return isinstance(part, int) and 0 <= part < len(items)
