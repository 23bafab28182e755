"""Paths from an MCP client or a chat stay inside the workspace root; errors never quote a file.

Through the real MCP client (in process) and the Strands tool path the chat uses: a file outside the
workspace is refused and nothing of it comes back, an output outside it is refused and nothing is written,
``..`` escapes and symlinks pointing out are refused. The workspace is the working folder unless set.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest
from mcp.shared.memory import create_connected_server_and_client_session
from mcp.types import CallToolResult, TextContent

from tests.conftest import ROOT, SHOP
from tools.settings import RetrySettings, Settings

SECRET_LINES = [
    "root:$6$Xy12$TOPSECRETHASHVALUE:19700:0:99999:7:::",
    "daemon:*:19700:0:99999:7:::",
    "aws_secret_access_key: wJalrXUtnFEMIK7MDENGbPxRfiCYSECRETKEY",
]
SECRET_WORDS = ["TOPSECRETHASHVALUE", "Xy12", "daemon", "wJalrXUtnFEMIK7MDENGbPxRfiCYSECRETKEY", "aws_secret"]
NAMED_KEYS = ["aws_secret_access_key"]  # a key that is a plain name may be named by a schema error


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A workspace (the working folder), a secret file and a folder outside it, a schema inside it."""
    workspace, outside = tmp_path / "workspace", tmp_path / "outside"
    workspace.mkdir()
    outside.mkdir()
    secret = outside / "shadow.yaml"
    secret.write_text("\n".join(SECRET_LINES) + "\n", encoding="utf-8")
    (workspace / "shop.yaml").write_text(SHOP.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(workspace)
    return {"workspace": workspace, "outside": outside, "secret": secret, "home": tmp_path / "home"}


def settings_for(places: dict[str, Path], **overrides: Any) -> Settings:
    values: dict[str, Any] = {"home": places["home"], "user": "tester", "retry": RetrySettings(attempts=1)}
    return Settings(**(values | overrides))


def leaked(text: str) -> list[str]:
    for name in NAMED_KEYS:
        text = text.replace(name, "")
    return [word for word in SECRET_WORDS if word in text]


def reply_text(result: CallToolResult) -> str:
    parts = [c.text for c in result.content if isinstance(c, TextContent)]
    if result.structuredContent is not None:
        parts.append(json.dumps(result.structuredContent))
    return "\n".join(parts)


async def mcp_calls(settings: Settings, calls: list[tuple[str, dict[str, Any]]]) -> list[CallToolResult]:
    from server.mcp_server import build_server

    async with create_connected_server_and_client_session(build_server(settings)) as client:
        return [await client.call_tool(name, arguments) for name, arguments in calls]


# ---------------------------------------------------------------- MCP, in process, through the real client


@pytest.mark.anyio
async def test_mcp_refuses_a_file_outside_the_workspace_and_quotes_none_of_it(places: dict[str, Path]) -> None:
    secret, workspace = places["secret"], places["workspace"]
    (workspace / "escape").symlink_to(secret)
    (workspace / "away").symlink_to(places["outside"], target_is_directory=True)
    results = await mcp_calls(
        settings_for(places),
        [
            ("validate_schema", {"schema_file": str(secret)}),
            ("validate_schema", {"schema_file": "../outside/shadow.yaml"}),
            ("validate_schema", {"schema_file": "escape"}),
            ("validate_schema", {"schema_file": "away/shadow.yaml"}),
            ("validate_schema", {"schema_file": "shop.yaml"}),
        ],
    )
    for result in results[:4]:
        text = reply_text(result)
        assert result.isError, text
        assert "outside the workspace" in text and str(workspace) in text
        assert leaked(text) == [], text
    assert not results[4].isError and results[4].structuredContent["valid"] is True  # inside: served


@pytest.mark.anyio
async def test_mcp_refuses_outputs_outside_the_workspace_and_writes_nothing(places: dict[str, Path]) -> None:
    outside, workspace = places["outside"], places["workspace"]
    (workspace / "away").symlink_to(outside, target_is_directory=True)
    results = await mcp_calls(
        settings_for(places),
        [
            ("generate_data", {"schema_file": "shop.yaml", "rows": 5, "out": str(outside / "gen")}),
            ("generate_data", {"schema_file": "shop.yaml", "rows": 5, "out": "../outside/gen2"}),
            ("generate_data", {"schema_file": "shop.yaml", "rows": 5, "out": "away/gen3"}),
            ("generate_data", {"schema_file": str(places["secret"]), "rows": 5, "out": "inside"}),
            ("profile_data", {"data": [str(SHOP)], "out": str(outside / "profile.json")}),
            ("generate_data", {"schema_file": "shop.yaml", "rows": 5, "seed": "1", "out": "gen-inside"}),
        ],
    )
    for result in results[:5]:
        text = reply_text(result)
        assert result.isError and "outside the workspace" in text, text
        assert leaked(text) == []
    assert sorted(p.name for p in outside.iterdir()) == ["shadow.yaml"]  # nothing written out there
    assert not (workspace / "inside").exists()
    served = results[5].structuredContent
    assert not results[5].isError and served is not None
    assert Path(served["out"]) == workspace / "gen-inside" and (workspace / "gen-inside" / "customers.csv").is_file()


@pytest.mark.anyio
async def test_mcp_default_output_lands_in_the_configured_workspace(places: dict[str, Path], tmp_path: Path) -> None:
    """workspace_root set (not the working folder): relative paths and defaults are taken from it."""
    root = tmp_path / "configured"
    root.mkdir()
    (root / "s.yaml").write_text(SHOP.read_text(encoding="utf-8"), encoding="utf-8")
    (result,) = await mcp_calls(
        settings_for(places, workspace_root=root), [("generate_data", {"schema_file": "s.yaml", "rows": 3})]
    )
    assert not result.isError, reply_text(result)
    assert (root / "out" / "shop" / "customers.csv").is_file()
    assert not (places["workspace"] / "out").exists()
    refused = await mcp_calls(settings_for(places, workspace_root=root), [("validate_schema", {"schema_file": "../x"})])
    assert "outside the workspace " + str(root) in reply_text(refused[0])


@pytest.mark.anyio
async def test_mcp_runs_are_confined_too(places: dict[str, Path]) -> None:
    outside, workspace = places["outside"], places["workspace"]
    (outside / "run.yaml").write_text(f"name: out\nschema_file: {SHOP}\nrows: 5\n", encoding="utf-8")
    (workspace / "sneaky.yaml").write_text(f"name: sneaky\nschema_file: {places['secret']}\n", encoding="utf-8")
    (workspace / "spill.yaml").write_text(f"name: spill\nschema_file: shop.yaml\nout: {outside / 'copy'}\n")
    results = await mcp_calls(
        settings_for(places),
        [
            ("start_run", {"config": str(outside / "run.yaml")}),
            ("start_run", {"config": "sneaky.yaml"}),
            ("start_run", {"config": "spill.yaml", "approve_all": True}),
        ],
    )
    for result in results:
        text = reply_text(result)
        assert result.isError and "outside the workspace" in text, text
        assert leaked(text) == []
    assert sorted(p.name for p in outside.iterdir()) == ["run.yaml", "shadow.yaml"]


# ---------------------------------------------------------------- the chat's Strands tools


def test_strands_tools_refuse_paths_outside_the_workspace(places: dict[str, Path]) -> None:
    from agents.team import build_specialist

    outside = places["outside"]
    agent = build_specialist("synthetic_data", settings_for(places))
    quiet = {"record_direct_tool_call": False}
    answers = [
        agent.tool.validate_schema(schema_file=str(places["secret"]), **quiet),
        agent.tool.validate_schema(schema_file="../outside/shadow.yaml", **quiet),
        agent.tool.generate_data(schema_file="shop.yaml", rows=3, out=str(outside / "g"), **quiet),
    ]
    for answer in answers:
        text = json.dumps(answer)
        assert answer["status"] == "error" and "outside the workspace" in text, text
        assert leaked(text) == []
    assert sorted(p.name for p in outside.iterdir()) == ["shadow.yaml"]


def test_chat_refuses_a_file_outside_the_workspace(places: dict[str, Path]) -> None:
    from agents.chat import Answer, Conversation

    async def send(message: str) -> list[Any]:
        return [e async for e in Conversation(settings_for(places)).send(message)]

    events = asyncio.run(send(f"validate {places['secret']}"))
    everything = "\n".join(e.model_dump_json() for e in events)
    assert "outside the workspace" in everything
    assert leaked(everything) == []
    answer = next(e for e in events if isinstance(e, Answer))
    assert "That did not work" in answer.text


# ---------------------------------------------------------------- errors about a file inside the workspace


@pytest.mark.anyio
async def test_schema_errors_name_lines_not_file_text(places: dict[str, Path]) -> None:
    """A file that is no schema, inside the workspace: the answer says what is wrong by line only."""
    inside = places["workspace"] / "notes.yaml"
    inside.write_text(places["secret"].read_text(encoding="utf-8") + "name: x\n", encoding="utf-8")
    (result,) = await mcp_calls(settings_for(places), [("validate_schema", {"schema_file": "notes.yaml"})])
    answer = result.structuredContent
    assert answer is not None and answer["valid"] is False
    assert leaked(reply_text(result)) == [], reply_text(result)
    paths = {i["path"] for i in answer["issues"] if i["message"] == "unknown key"}
    assert paths == {"<key on line 1>", "<key on line 2>", "aws_secret_access_key"}


# ---------------------------------------------------------------- the resolver itself


def test_resolution_rules(tmp_path: Path) -> None:
    from tools.workspace import Workspace, WorkspaceError

    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "inner-link").symlink_to(root / "sub", target_is_directory=True)
    (root / "out-link").symlink_to(tmp_path, target_is_directory=True)
    workspace = Workspace.at(root)
    assert workspace.resolve("sub/a.csv") == root / "sub" / "a.csv"
    assert workspace.resolve(root / "sub" / ".." / "b.csv") == root / "b.csv"
    assert workspace.resolve("inner-link/c.csv", write=True) == root / "sub" / "c.csv"
    assert workspace.resolve(str(SHOP)) == SHOP  # Doppel's bundled demo files may be read ...
    for path, write in [
        (str(SHOP), True),  # ... never written
        ("../x.csv", False),
        ("sub/../../x.csv", True),
        ("out-link/x.csv", False),
        ("/etc/passwd", False),
        ("~/x.csv", False),
        (str(ROOT / "pyproject.toml"), False),  # the install, beside the bundled files
        ("", False),
    ]:
        with pytest.raises(WorkspaceError):
            workspace.resolve(path, write=write)
    with pytest.raises(Exception, match="no such folder"):
        Workspace.at(tmp_path / "missing")


def test_workspace_root_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tools.settings import load_settings
    from tools.workspace import workspace_of

    monkeypatch.chdir(tmp_path)
    assert workspace_of(load_settings()).root == tmp_path.resolve()
    (tmp_path / "w").mkdir()
    monkeypatch.setenv("DOPPEL_WORKSPACE_ROOT", str(tmp_path / "w"))
    assert workspace_of(load_settings()).root == (tmp_path / "w").resolve()
    assert os.fspath(load_settings().workspace_root) == str(tmp_path / "w")


@pytest.mark.anyio
async def test_yaml_syntax_errors_name_the_line_not_its_text(places: dict[str, Path]) -> None:
    """Side files (classification overrides, synthesis constraints, run configs) with a syntax error: the
    error says where, never what the line holds."""
    from tools.synth.model import SynthesizeRequest
    from tools.synth.rules import load_rules

    broken = places["workspace"] / "broken.yaml"
    broken.write_text("api: ok\nTOPSECRETHASHVALUE: [unclosed, Xy12\nnext: line\n", encoding="utf-8")
    bank = ROOT / "playbooks" / "samples" / "bank_accounts.csv"
    (result,) = await mcp_calls(
        settings_for(places),
        [("classify_data", {"data": [str(bank)], "out": "s.json", "sample": 20, "overrides": "broken.yaml"})],
    )
    text = reply_text(result)
    assert result.isError and "line 3" in text, text
    assert leaked(text) == [], text
    with pytest.raises(Exception, match="line 3") as constraints:
        load_rules(SynthesizeRequest(data=[bank], rows=10, constraints_file=broken))
    assert leaked(str(constraints.value)) == []
