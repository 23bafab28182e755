"""Typed target configurations: one model per kind, told apart by ``kind`` (a discriminated union).

The same models serve a run configuration's ``targets:`` list and ``doppel.toml``'s ``[targets.NAME]``
tables. Credentials are ``SecretStr`` fields: they come from ``doppel.toml`` or ``DOPPEL_TARGETS__NAME__FIELD``
environment variables, never from a run configuration (which is stored with the run and shared), and no
dump of a model carries them (they are left out); ``where``/``identity`` never show a password.

A target named in a run configuration takes what it leaves out from the settings' target of the same
name (:func:`merge`), so a playbook says *what* to load where, and the machine's settings say *how to log in*.
A bare string in ``targets:`` is the name of a settings target. ``mode`` and ``stand_in`` decide the rest:
whether stand-ins or real systems receive the data is configuration only.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    SerializeAsAny,
    SerializerFunctionWrapHandler,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_serializer,
    model_validator,
)

from tools.export.base import ExportFormat
from tools.redact import redact

LoadModeName = Literal["insert", "upsert", "replace"]
NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class TargetConfig(BaseModel):
    """What every target has: a name, how it loads, how hard it retries."""

    model_config = ConfigDict(extra="forbid")

    kind: str
    name: str | None = Field(None, pattern=NAME, description="how outputs and `doppel unload --target` name it")
    mode: LoadModeName = Field(
        "upsert", description="insert (existing keys are an error), upsert, or replace (unload earlier loads first)"
    )
    batch_size: int = Field(500, ge=1, le=50_000, description="rows per batch (one transaction, request or job)")
    tables: list[str] | None = Field(None, description="load only these tables (default: every table)")
    allow_rejected: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="share of rows the target may reject (its validation, duplicate keys) and still succeed",
    )
    attempts: int = Field(5, ge=1, le=100, description="tries of one request or batch before the target fails")
    initial_delay: float = Field(0.5, ge=0, description="seconds before the first retry (doubling each time)")
    max_delay: float = Field(8.0, ge=0, description="longest pause between retries (seconds)")
    max_retry_after: float = Field(60.0, ge=0, description="longest Retry-After honoured; longer fails at once")

    SECRETS: ClassVar[tuple[str, ...]] = ()

    @property
    def label(self) -> str:
        return self.name or self.kind

    def secrets_given(self) -> list[str]:
        """The credential fields that hold a value."""
        return [f for f in self.SECRETS if getattr(self, f, None) is not None]

    @model_serializer(mode="wrap")
    def _no_secrets(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        for secret in self.SECRETS:
            data.pop(secret, None)
        return data

    def where(self) -> str:
        return self.kind

    def identity(self) -> str:
        return f"{self.kind}:{self.where()}"


class SqlTarget(TargetConfig):
    """A SQL database by SQLAlchemy URL (PostgreSQL, MariaDB/MySQL, SQLite, ...). A password in the URL is
    moved to ``password``; the URL itself is then safe to show."""

    kind: Literal["sql"] = "sql"
    url: str = Field(description="SQLAlchemy URL, e.g. postgresql://user@host:5432/db (password separately)")
    password: SecretStr | None = Field(None, description="database password (doppel.toml or environment)")
    db_schema: str | None = Field(None, pattern=NAME, description="schema (PostgreSQL) the tables live in")
    create_tables: bool = Field(True, description="create missing tables with their primary and foreign keys")

    SECRETS: ClassVar[tuple[str, ...]] = ("password",)

    @model_validator(mode="before")
    @classmethod
    def _split_password(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("url"), str):
            url, password = split_password(data["url"])
            if password is not None:
                data = {**data, "url": url}
                data.setdefault("password", password)
        return data

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"^[A-Za-z][A-Za-z0-9+]*://", value):
            raise ValueError("must be a SQLAlchemy URL such as postgresql://user@host/db or sqlite:///file.db")
        return value

    def where(self) -> str:
        return redact(self.url) + (f" schema {self.db_schema}" if self.db_schema else "")


class SqliteTarget(TargetConfig):
    """A SQLite database file (made when missing). In a run configuration a relative path is taken from the
    run's folder, so each run keeps its own database."""

    kind: Literal["sqlite"] = "sqlite"
    path: Path = Field(Path("targets.sqlite"), description="database file")
    create_tables: bool = True

    def where(self) -> str:
        return str(self.path)


class RecordTypeMap(BaseModel):
    """Which record type each row gets: from a column's value (case-insensitive), else ``default``."""

    model_config = ConfigDict(extra="forbid")

    column: str | None = Field(None, description="the column whose value picks the record type")
    values: dict[str, str] = Field(default_factory=dict, description="column value -> record type DeveloperName")
    default: str | None = Field(None, description="record type DeveloperName when no value matches")


class SalesforceObject(BaseModel):
    """How one table becomes records of one Salesforce object."""

    model_config = ConfigDict(extra="forbid")

    object: str = Field(description="the sObject, e.g. Account or Contact")
    external_id: str = Field("External_Id__c", description="the external id field the table's key goes into")
    key: str | None = Field(None, description="the column written to external_id (default: the primary key)")
    fields: dict[str, str] = Field(default_factory=dict, description="column -> field (unmapped columns are left out)")
    constants: dict[str, str] = Field(default_factory=dict, description="field -> the same value on every record")
    record_type: RecordTypeMap | str | None = Field(None, description="a DeveloperName, or a mapping by column")


class SalesforceTarget(TargetConfig):
    """Salesforce through Bulk API 2.0 (simple-salesforce): a session id, or username + password + security
    token. ``stand_in: true`` without an ``instance_url`` uses the local stand-in (mocks/salesforce.py)."""

    kind: Literal["salesforce"] = "salesforce"
    stand_in: bool = Field(False, description="load into the local stand-in, not a real org")
    instance_url: str | None = Field(None, description="https://<your domain>.my.salesforce.com")
    session_id: SecretStr | None = None
    username: str | None = None
    password: SecretStr | None = None
    security_token: SecretStr | None = None
    domain: str | None = Field(None, description="login (default) or test (sandboxes)")
    api_version: str = Field("59.0", pattern=r"^\d+\.\d$")
    ca_bundle: Path | None = Field(None, description="PEM file of CAs to trust (the stand-in's certificate)")
    verify_tls: bool = True
    connect_timeout: float = Field(10.0, gt=0)
    read_timeout: float = Field(120.0, gt=0)
    poll_interval: float = Field(2.0, ge=0, description="seconds between job state checks")
    objects: dict[str, SalesforceObject] = Field(description="table -> how its rows become records")

    SECRETS: ClassVar[tuple[str, ...]] = ("session_id", "password", "security_token")

    def where(self) -> str:
        if self.stand_in and not self.instance_url:
            return "stand-in"
        return redact(self.instance_url or f"login as {self.username or '?'}")

    def identity(self) -> str:
        return "salesforce:stand-in" if self.stand_in else f"salesforce:{self.where()}"


class RestResource(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resource: str = Field(pattern=r"^[A-Za-z0-9_./-]+$", description="the path under the base URL")
    key: str | None = Field(None, description="the field that identifies a record (default: the primary key)")


class RestTarget(TargetConfig):
    """A REST API taking JSON batches (POST ``batch_path``, per-record results) and records by id (PUT and
    DELETE ``record_path``), with an ``Idempotency-Key`` on every write so a retry never duplicates."""

    kind: Literal["rest"] = "rest"
    stand_in: bool = Field(False, description="load into the local REST stand-in (mocks/rest.py)")
    url: str | None = Field(None, description="base URL, e.g. https://api.example.com/v1")
    token: SecretStr | None = Field(None, description="sent as 'Authorization: Bearer <token>'")
    resources: dict[str, RestResource | str] = Field(
        default_factory=dict, description="table -> resource (default: the table's name)"
    )
    fields: dict[str, dict[str, str]] | None = Field(
        None, description="table -> {column: JSON field}: send only these columns, renamed (default: every column)"
    )
    batch_path: str = "{resource}/_batch"
    record_path: str = "{resource}/{id}"
    idempotency_header: str = "Idempotency-Key"
    connect_timeout: float = Field(5.0, gt=0)
    read_timeout: float = Field(30.0, gt=0)

    SECRETS: ClassVar[tuple[str, ...]] = ("token",)

    def resource(self, table: str) -> RestResource:
        found = self.resources.get(table, table)
        return found if isinstance(found, RestResource) else RestResource(resource=found)

    def where(self) -> str:
        return "stand-in" if self.stand_in and not self.url else redact(self.url or "?")

    def identity(self) -> str:
        return "rest:stand-in" if self.stand_in else f"rest:{self.where()}"


class FolderTarget(TargetConfig):
    """A local folder: one file per table in ``format``."""

    kind: Literal["folder"] = "folder"
    path: Path
    format: ExportFormat = "csv"

    def where(self) -> str:
        return str(self.path)


class S3Target(TargetConfig):
    """An S3 bucket (or any S3-compatible store by ``endpoint_url``): one object per table in ``format``."""

    kind: Literal["s3"] = "s3"
    bucket: str = Field(min_length=3, max_length=63)
    prefix: str = ""
    endpoint_url: str | None = Field(None, description="e.g. a MinIO or moto server; default AWS")
    region: str = "us-east-1"
    access_key_id: str | None = None
    secret_access_key: SecretStr | None = None
    format: ExportFormat = "csv"

    SECRETS: ClassVar[tuple[str, ...]] = ("secret_access_key",)

    def where(self) -> str:
        place = f"s3://{self.bucket}/{self.prefix.strip('/')}".rstrip("/")
        return place + (f" at {redact(self.endpoint_url)}" if self.endpoint_url else "")


BUILTIN: dict[str, type[TargetConfig]] = {
    m.model_fields["kind"].default: m
    for m in (SqlTarget, SqliteTarget, SalesforceTarget, RestTarget, FolderTarget, S3Target)
}


def config_model(kind: str) -> type[TargetConfig]:
    """The configuration model of ``kind``: built in, or from a ``doppel.targets`` entry point."""
    if kind in BUILTIN:
        return BUILTIN[kind]
    from tools.targets.registry import kinds

    found = kinds().get(kind)
    if found is None:
        raise ValueError(f"unknown target kind {kind!r}; known: {', '.join(sorted(kinds()))}")
    return found.config


def _by_kind(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    if isinstance(value, TargetConfig):
        return value
    if not isinstance(value, dict):
        raise ValueError("a target is a mapping with a 'kind' (sql, sqlite, salesforce, rest, folder, s3)")
    kind = value.get("kind")
    if not isinstance(kind, str):
        raise ValueError("'kind' is missing: one of sql, sqlite, salesforce, rest, folder, s3")
    return config_model(kind).model_validate(value)


AnyTarget = Annotated[SerializeAsAny[TargetConfig], WrapValidator(_by_kind)]
"""A target configuration of any kind, validated by the model its ``kind`` names (errors keep their place)."""


def _by_kind_or_name(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    if isinstance(value, str):
        if not re.match(NAME, value):
            raise ValueError(f"{value!r} is no target name (letters, digits, _ . -) nor a mapping with a 'kind'")
        return value
    return _by_kind(value, handler)


TargetOrName = Annotated[SerializeAsAny[TargetConfig] | str, WrapValidator(_by_kind_or_name)]
"""A target configuration, or the name of one in the settings (``doppel.toml [targets.NAME]``)."""


def split_password(url: str) -> tuple[str, str | None]:
    """``scheme://user:pw@host/db`` -> (``scheme://user@host/db``, ``pw``); no password -> (url, None)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, host = parts.netloc.rpartition("@")
    user, sep, password = userinfo.partition(":")
    if not sep:
        return url, None
    from urllib.parse import unquote

    return parts._replace(netloc=f"{user}@{host}" if user else host).geturl(), unquote(password)


def merge(given: TargetConfig, base: TargetConfig | None) -> TargetConfig:
    """``given`` with what it leaves out taken from ``base`` (the settings' target of the same name)."""
    if base is None:
        return given
    if base.kind != given.kind:
        raise ValueError(f"target {given.label}: kind {given.kind} here, {base.kind} in the settings")
    values = {k: getattr(given, k) for k in given.model_fields_set}
    return base.model_copy(update=values)


def from_reference(text: str) -> TargetConfig:
    """A target from a URL or path given on the command line: a SQLAlchemy URL, ``s3://bucket/prefix``,
    an http(s) URL (a REST API), or a folder (``file://`` or a path)."""
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme == "s3":
        if not parts.netloc:
            raise ValueError(f"{text}: an s3 URL names a bucket: s3://bucket/prefix")
        return S3Target(name=_name(parts.netloc, "s3"), bucket=parts.netloc, prefix=parts.path.lstrip("/"))
    if scheme in ("http", "https"):
        return RestTarget(name=_name(parts.hostname or "", "rest"), url=text.rstrip("/"))
    if scheme == "file":
        return FolderTarget(name=_name(Path(parts.path).name, "folder"), path=Path(parts.path))
    if scheme.split("+")[0] == "sqlite":
        file = text.split(":///", 1)[-1] if ":///" in text else ""
        if not file or file == ":memory:":
            raise ValueError(f"{text}: give a database file, sqlite:///path/to/file.db")
        return SqliteTarget(name=_name(Path(file).stem, "sqlite"), path=Path(file))
    if scheme and "://" in text:
        return SqlTarget(name=_name(parts.path.strip("/"), scheme.split("+")[0]), url=text)
    return FolderTarget(name=_name(Path(text).name, "folder"), path=Path(text))


def _name(text: str, fallback: str) -> str:
    """A target name (letters, digits, ``_ . -``) from ``text``."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_.-")
    return cleaned or fallback
