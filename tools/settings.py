"""One settings model for every layer: ``doppel.toml``, then ``DOPPEL_*`` environment variables, then CLI flags.

Precedence, lowest first: defaults < ``doppel.toml`` (the working directory, or the file named by
``DOPPEL_CONFIG``) < environment (``DOPPEL_DATABASE_URL``, nested with ``__``: ``DOPPEL_MODEL__PROVIDER``)
< values passed explicitly (CLI flags, tests). Mock versus real systems, the model provider, the
database, storage and retention are all switched here, never in code.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

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
    port: int = Field(8765, ge=0, le=65535, description="0: any free port (the bound one is printed at start)")
    token: SecretStr | None = Field(None, description="bearer token; required to bind anything but loopback")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DOPPEL_", env_nested_delimiter="__", extra="forbid", toml_file="doppel.toml"
    )

    home: Path = Field(Path(".doppel"), description="runs, artifacts and the default database live here")
    database_url: str | None = Field(None, description="any SQLAlchemy URL; default SQLite in home")
    model: ModelSettings = Field(default_factory=ModelSettings)
    approvals: list[ApprovalPoint] = Field(default_factory=_default_approvals)
    retention_days: int = Field(365, ge=1, description="audit records older than this are archived")
    retry: RetrySettings = Field(default_factory=RetrySettings)
    mcp: McpSettings = Field(default_factory=McpSettings)
    user: str = Field(default_factory=lambda: os.environ.get("USER", "unknown"))

    @property
    def database(self) -> str:
        """The database URL in use (SQLite at ``home/doppel.db`` unless configured)."""
        return self.database_url or f"sqlite:///{self.home / 'doppel.db'}"

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
        toml = TomlConfigSettingsSource(settings_cls, toml_file=os.environ.get("DOPPEL_CONFIG", "doppel.toml"))
        return (init_settings, env_settings, toml)


def load_settings(**overrides: object) -> Settings:
    """Settings from file and environment, with ``overrides`` (CLI flags) winning."""
    return Settings(**overrides)  # type: ignore[arg-type]
