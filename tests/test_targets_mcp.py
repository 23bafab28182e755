"""Over MCP (in process): the distribution capabilities (list, check, load, unload; paths confined to the
workspace) and the cost, configuration, audit and archive tools the server serves beside the run tools."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from mcp.shared.memory import create_connected_server_and_client_session

from agents.workflow import api
from server.mcp_server import build_server
from tests.conftest import SHOP
from tests.targets_support import generate
from tools.settings import load_settings


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def call(client: Any, name: str, arguments: dict[str, Any]) -> tuple[bool, Any]:
    result = await client.call_tool(name, arguments)
    if result.isError:
        return False, result.content[0].text
    return True, result.structuredContent.get("result", result.structuredContent)


@pytest.mark.anyio
async def test_distribution_and_admin_tools_over_mcp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOPPEL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DOPPEL_WORKSPACE_ROOT", str(tmp_path))
    monkeypatch.setenv("DOPPEL_USER", "tester")
    settings = load_settings()
    out = generate(tmp_path, "csv", customers=10, orders=15)
    status = api.start_run(
        api.RunConfig(name="shop", schema_file=SHOP, rows=5, seed=1), approve_all=True, settings=settings
    )
    async with create_connected_server_and_client_session(build_server(settings)._mcp_server) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert {"list_targets", "check_target", "load_data", "unload_data"} <= names
        assert {"estimate_cost", "run_cost", "list_configs", "save_config", "audit_records", "archive_audit",
                "search_runs", "open_run", "export_run"} <= names  # fmt: skip

        ok, listed = await call(client, "list_targets", {})
        assert ok and {k["kind"] for k in listed["kinds"]} >= {"sql", "sqlite", "salesforce", "rest", "folder", "s3"}
        ok, checked = await call(client, "check_target", {"target": "sqlite:///checked.sqlite"})
        assert ok and checked["ok"] is True
        ok, loaded = await call(client, "load_data", {"folder": str(out), "targets": ["sqlite:///mcp.sqlite"]})
        assert ok and loaded["ok"] is True, loaded
        assert {t["table"]: t["loaded"] for t in loaded["targets"][0]["tables"]} == {"customers": 10, "orders": 15}
        assert (tmp_path / "mcp.sqlite").is_file()  # a relative path lands in the workspace
        ok, refused = await call(client, "load_data", {"folder": str(out), "targets": ["sqlite:////etc/doppel.db"]})
        assert not ok and "outside the workspace" in refused
        ok, undone = await call(client, "unload_data", {"ref": loaded["load_id"]})
        assert ok and undone["ok"] is True and undone["targets"][0]["removed"] == {"orders": 15, "customers": 10}

        ok, cost = await call(client, "run_cost", {"run_id": status.run_id})
        assert ok and cost["run_id"] == status.run_id and "actual" in cost
        ok, estimate = await call(client, "estimate_cost", {"config": "telecom", "rows": 100})
        assert ok and estimate["report"]["total"] >= 0
        config = tmp_path / "shop-run.yaml"
        config.write_text(yaml.safe_dump({"name": "shop", "schema_file": str(SHOP), "rows": 5}), encoding="utf-8")
        ok, saved = await call(client, "save_config", {"config": str(config), "name": "shop-small", "tags": ["demo"]})
        assert ok and saved["name"] == "shop-small"
        ok, configs = await call(client, "list_configs", {"tag": "demo"})
        assert ok and [c["name"] for c in configs["configurations"]] == ["shop-small"]
        ok, records = await call(client, "audit_records", {"run_id": status.run_id, "kind": "run"})
        assert ok and [r["detail"]["event"] for r in records["records"]] == ["start", "end"]
        ok, archived = await call(client, "archive_audit", {})
        assert ok and archived["archived"] == 0
        ok, runs = await call(client, "search_runs", {"text": "shop"})
        assert ok and [r["run_id"] for r in runs["runs"]] == [status.run_id]
        ok, opened = await call(client, "open_run", {"run_id": status.run_id})
        assert ok and opened["status"]["run_id"] == status.run_id and opened["files"]
        ok, exported = await call(client, "export_run", {"run_id": status.run_id, "out": "run.zip"})
        assert ok and Path(exported["path"]) == tmp_path / "run.zip" and (tmp_path / "run.zip").is_file()
        ok, outside = await call(client, "export_run", {"run_id": status.run_id, "out": "/tmp/elsewhere.zip"})
        assert not ok and "outside the workspace" in outside
    assert json.loads(json.dumps(loaded))  # plain JSON all the way
