"""Costs, saved configurations, the audit trail and the run archive over MCP: what `doppel costs`, `doppel
configs`, `doppel audit` and `doppel runs search|open|export` do, as tools. Thin over ``agents.costs``,
``agents.configs``, ``agents.state.audit`` and ``agents.archive``; every path stays inside the workspace,
and each blocking call runs in a worker thread."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from mcp.server.fastmcp import FastMCP
from pydantic import BaseModel, Field

from server.mcp_tools import in_thread
from tools.settings import Settings
from tools.workspace import Workspace

RunRef = Annotated[str, Field(description="the run id (or a unique prefix of 4+ characters)")]
ConfigRef = Annotated[str, Field(description="a saved configuration's id or name")]


class CostEstimate(BaseModel):
    report: dict[str, Any] = Field(description="the estimate: total, by service, stage and agent, assumptions")
    tips: list[str]


class SavedList(BaseModel):
    configurations: list[dict[str, Any]] = Field(description="id, name, description, tags, created_at")


class AuditRecords(BaseModel):
    records: list[dict[str, Any]] = Field(description="oldest first: kind, run, stage, user, time, detail (metadata)")


class RunList(BaseModel):
    runs: list[dict[str, Any]] = Field(description="newest first")


def add_admin_tools(mcp: FastMCP[Any], settings: Settings, workspace: Workspace) -> None:
    """Register the cost, configuration, audit and archive tools."""

    @mcp.tool()
    async def estimate_cost(
        config: Annotated[str, Field(description="run config YAML path, or a playbook name (telecom, bank, ...)")],
        rows: Annotated[int | None, Field(ge=1, description="override the config's rows")] = None,
    ) -> CostEstimate:
        """What a run of a config would cost (model tokens, S3, compute), before starting it, with tips."""
        from agents.costs.estimate import estimate
        from agents.costs.model import load_prices
        from agents.costs.runs import tips
        from agents.workflow.config import load_confined_config

        def work() -> CostEstimate:
            loaded = load_confined_config(config, workspace)
            if rows is not None:
                loaded = loaded.model_copy(update={"rows": rows})
            prices = load_prices()
            report = estimate(loaded, settings, prices)
            return CostEstimate(report=report.model_dump(mode="json"), tips=tips(report, None, prices))

        return await in_thread(work)

    @mcp.tool()
    async def run_cost(run_id: RunRef) -> dict[str, Any]:
        """What a run cost, per service, stage and agent, against its estimate, with tips."""
        from agents.costs.runs import comparison

        found = await in_thread(lambda: comparison(settings, run_id))
        return found.model_dump(mode="json")

    @mcp.tool()
    async def list_configs(
        tag: Annotated[str | None, Field(description="only those with this tag")] = None,
        search: Annotated[str | None, Field(description="part of an id, name, description or tag")] = None,
    ) -> SavedList:
        """Saved run configurations (by tag, or matching a text), to run with start_run("config:ID")."""
        from agents import configs

        def work() -> SavedList:
            found = configs.search(settings, search) if search else configs.list_saved(settings, tag)
            return SavedList(configurations=[s.model_dump(mode="json") for s in found])

        return await in_thread(work)

    @mcp.tool()
    async def show_config(ref: ConfigRef) -> dict[str, Any]:
        """A saved configuration with its run config, after checking its files exist and targets answer."""
        from agents import configs

        checked = await in_thread(lambda: configs.load(settings, ref))
        return checked.model_dump(mode="json")

    @mcp.tool()
    async def save_config(
        config: Annotated[str, Field(description="run config YAML path, or a playbook name")],
        name: Annotated[str, Field(min_length=1, description="a unique name")],
        tags: Annotated[list[str] | None, Field(description="tags to find it by")] = None,
        description: str | None = None,
        replace: Annotated[bool, Field(description="overwrite the configuration of that name")] = False,
    ) -> dict[str, Any]:
        """Keep a run configuration under a name and tags, to list, search, share and run later."""
        from agents import configs
        from agents.workflow.config import load_confined_config

        def work() -> dict[str, Any]:
            loaded = load_confined_config(config, workspace)
            saved = configs.save(settings, loaded, name, tags=tags or [], description=description, replace=replace)
            return saved.model_dump(mode="json")

        return await in_thread(work)

    @mcp.tool()
    async def audit_records(
        since: Annotated[datetime | None, Field(description="from this UTC time (inclusive)")] = None,
        until: Annotated[datetime | None, Field(description="before this UTC time")] = None,
        user: str | None = None,
        kind: Literal["run", "classification", "external_call", "approval", "failure"] | None = None,
        run_id: Annotated[str | None, Field(description="only this run's records")] = None,
        limit: Annotated[int, Field(ge=1, le=10_000)] = 500,
    ) -> AuditRecords:
        """The audit trail (metadata only, never a production value), filtered by time, user, kind or run."""
        from agents.state import audit

        def work() -> AuditRecords:
            where = audit.AuditFilter(
                since=since, until=until, user=user, kind=kind,
                run_id=None if run_id is None else audit.run_of(settings, run_id),
            )  # fmt: skip
            return AuditRecords(records=[e.model_dump(mode="json") for e in audit.query(settings, where, limit)])

        return await in_thread(work)

    @mcp.tool()
    async def archive_audit() -> dict[str, Any]:
        """Move audit records older than the retention period into the archive folder (gzip JSON lines)."""
        from agents.state import audit

        result = await in_thread(lambda: audit.archive(settings))
        return result.model_dump(mode="json")

    @mcp.tool()
    async def search_runs(
        text: Annotated[str | None, Field(description="part of the id, name, description, state, user or date")] = None,
        state: str | None = None,
        limit: Annotated[int, Field(ge=1, le=500)] = 50,
    ) -> RunList:
        """Past runs, newest first, found by text or state."""
        from agents.archive import search_runs as find

        found = await in_thread(lambda: find(settings, text, state=state, limit=limit))
        return RunList(runs=[r.model_dump(mode="json") for r in found])

    @mcp.tool()
    async def open_run(run_id: RunRef) -> dict[str, Any]:
        """A run opened: status, every artifact with its hash, the key numbers, where its report is."""
        from agents.archive import open_run as overview

        found = await in_thread(lambda: overview(settings, run_id))
        return found.model_dump(mode="json")

    @mcp.tool()
    async def export_run(
        run_id: RunRef,
        out: Annotated[str | None, Field(description="zip file to write, inside the workspace")] = None,
    ) -> dict[str, Any]:
        """One zip with everything about a run (config, events, audit, costs, artifacts and their hashes)."""
        from agents.archive import export_run as pack

        def work() -> dict[str, Any]:
            path = workspace.resolve(out or f"{run_id}.zip", write=True, where="out")
            return pack(settings, run_id, Path(path)).model_dump(mode="json")

        return await in_thread(work)


ADMIN_TOOLS = frozenset(
    {"estimate_cost", "run_cost", "list_configs", "show_config", "save_config", "audit_records", "archive_audit",
     "search_runs", "open_run", "export_run"}
)  # fmt: skip
