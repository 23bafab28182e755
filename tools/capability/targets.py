"""Distribution capabilities: which targets exist, whether one answers, load an output folder into targets,
and unload what a load or a run wrote.

Targets are named, never written out: a ``doppel.toml`` ``[targets.NAME]`` (credentials stay in the
settings), or a URL or folder. Inside a chat or an MCP call, folders and SQLite files must lie in the
workspace. Results say which targets were stand-ins (local imitations), never a password.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tools.capability.registry import capability
from tools.progress import ProgressCallback
from tools.targets.loader import LoadReport, UnloadReport

TargetRef = str


class ListTargetsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TargetSummary(BaseModel):
    name: str
    kind: str
    where: str = Field(description="URL (password masked), folder or bucket")
    stand_in: bool
    mode: str
    tables: list[str] | None = None


class KindSummary(BaseModel):
    kind: str
    description: str


class TargetList(BaseModel):
    targets: list[TargetSummary] = Field(description="named targets of the settings (doppel.toml [targets.NAME])")
    kinds: list[KindSummary] = Field(description="every target kind, built in or from a plug-in")
    note: str = (
        "Give load_data target names from this list, or URLs (postgresql://..., sqlite:///file.db, https://..., "
        "s3://bucket/prefix) or folders. Stand-ins are local imitations of the real systems."
    )


@capability("distribution")
def list_targets(request: ListTargetsRequest, progress: ProgressCallback | None = None) -> TargetList:
    """List the configured distribution targets (name, kind, where, whether a stand-in, load mode) and the
    target kinds Doppel can load into (SQL databases, Salesforce, REST APIs, folders, S3)."""
    from tools.settings import load_settings
    from tools.targets.registry import kinds

    settings = load_settings()
    targets = [
        TargetSummary(
            name=name,
            kind=t.kind,
            where=t.where(),
            stand_in=bool(getattr(t, "stand_in", False)),
            mode=t.mode,
            tables=t.tables,
        )
        for name, t in sorted(settings.targets.items())
    ]
    return TargetList(
        targets=targets, kinds=[KindSummary(kind=k.kind, description=k.description) for k in kinds().values()]
    )


class CheckTargetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: TargetRef = Field(min_length=1, description="a configured target's name, or a URL or folder")


class TargetCheck(BaseModel):
    name: str
    kind: str
    where: str
    stand_in: bool
    ok: bool
    error: str | None = None
    notice: str | None = None


@capability("distribution")
def check_target(request: CheckTargetRequest, progress: ProgressCallback | None = None) -> TargetCheck:
    """Check that a target answers and accepts Doppel's credentials, without loading anything."""
    from tools.errors import DoppelError
    from tools.settings import load_settings
    from tools.targets.loader import info_of
    from tools.targets.registry import OpenContext, open_target
    from tools.targets.resolve import resolve_targets
    from tools.targets.standins import stand_ins

    settings = load_settings()
    (config,) = resolve_targets([request.target], settings)
    info = info_of(config)
    with stand_ins([config], settings) as (filled, notice):
        try:
            target = open_target(filled[0], OpenContext())
            try:
                target.check()
                info = target.report()
            finally:
                target.close()
        except DoppelError as exc:
            return TargetCheck(**info.model_dump(exclude={"identity"}), ok=False, error=str(exc), notice=notice)
    return TargetCheck(**info.model_dump(exclude={"identity"}), ok=True, notice=notice)


class LoadDataRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    folder: Path = Field(description="output folder of generate_data or the synthesis tools (any format)")
    targets: list[TargetRef] = Field(min_length=1, description="target names (list_targets), URLs or folders")
    mode: Literal["insert", "upsert", "replace"] | None = Field(
        None, description="insert (existing keys are an error), upsert, or replace; default: each target's own"
    )
    batch_size: int | None = Field(None, ge=1, le=50_000, description="rows per batch")
    allow_rejected: float | None = Field(
        None, ge=0, le=1, description="share of rows a target may reject and still succeed (default: its own)"
    )
    keys: dict[str, list[str]] | None = Field(None, description="table -> primary key columns, when not found")


@capability("distribution", long_running=True)
def load_data(request: LoadDataRequest, progress: ProgressCallback | None = None) -> LoadReport:
    """Load an output folder (several related tables, parents first) into target systems: SQL databases
    (created tables with keys, upsert), Salesforce (Bulk API 2.0), REST APIs, folders or S3. Reports per
    target and table the rows loaded, updated, rejected (with reasons) and retried, which targets were
    stand-ins, and the load id that unload_data takes. One failing target never stops the others."""
    from tools.settings import load_settings
    from tools.targets.service import load_folder

    report = load_folder(
        request.folder,
        request.targets,
        load_settings(),
        mode=request.mode,
        batch_size=request.batch_size,
        allow_rejected=request.allow_rejected,
        keys=request.keys,
        progress=progress,
    )
    return report


class UnloadDataRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ref: str = Field(min_length=1, description="a load id (load-...) or a run id")
    targets: list[TargetRef] = Field(default_factory=list, description="only these targets (default: every one)")


class UnloadDataResult(UnloadReport):
    what: str = Field(description="the load or run undone")


@capability("distribution", long_running=True)
def unload_data(request: UnloadDataRequest, progress: ProgressCallback | None = None) -> UnloadDataResult:
    """Remove exactly the rows a load or a workflow run wrote into its targets, children before parents, so
    test data is refreshed rather than piled up."""
    from tools.settings import load_settings
    from tools.targets.service import unload_ref

    what, report = unload_ref(request.ref, load_settings(), targets=request.targets, progress=progress)
    return UnloadDataResult(targets=report.targets, notice=report.notice, what=what)
