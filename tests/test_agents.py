"""The agent layer: capabilities as Strands tools, the offline model through the real Strands event loop,
the supervisor delegating to specialists, approvals, the workflow graph and `doppel chat`."""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.chat import (
    Answer,
    ApprovalNeeded,
    ChatEvent,
    Conversation,
    TextDelta,
    ToolCalled,
    ToolFinished,
    WorkflowEvent,
)
from agents.events import STAGES
from agents.models.factory import build_model, describe
from agents.models.intents import Intent, parse, resolve_path
from agents.models.offline import OfflineModel
from agents.strands_adapter import specialist_tools
from agents.team import build_specialist, build_supervisor
from agents.workflow.graph import Flow, build_graph, run_stages
from tests.conftest import ROOT, SHOP
from tests.workflow_support import DOPPEL, cli, env_for, settings_in
from tools.capability.registry import SPECIALISTS, capabilities
from tools.errors import DoppelError
from tools.settings import ModelSettings, Settings
from tools.workspace import Workspace

TELECOM_SAMPLE = ROOT / "playbooks" / "samples" / "telecom_customers.csv"
WORKSPACE = Workspace.at(ROOT)


def chat(conversation: Conversation, message: str) -> list[ChatEvent]:
    async def collect() -> list[ChatEvent]:
        return [event async for event in conversation.send(message)]

    return asyncio.run(collect())


def answer_of(events: list[ChatEvent]) -> str:
    answers = [e for e in events if isinstance(e, Answer)]
    assert len(answers) == 1, events
    return answers[0].text


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.chdir(tmp_path)  # chat outputs and relative paths stay in the test's folder
    return settings_in(tmp_path / ".doppel")


# ------------------------------------------------------------------ tools once, served twice


def test_every_capability_is_a_strands_tool_with_the_registry_schema() -> None:
    served = {tool.tool_name: tool for name in SPECIALISTS for tool in specialist_tools(name, WORKSPACE)}
    registry = {c.name: c for c in capabilities()}
    assert set(served) == set(registry)
    for name, cap in registry.items():
        spec = served[name].tool_spec
        assert spec["inputSchema"]["json"] == cap.input_schema(), name
        assert spec["description"] == cap.description


def test_strands_and_mcp_serve_identical_schemas() -> None:
    from server.mcp_server import build_server

    mcp = build_server(Settings(home=Path("/nonexistent")))
    listed = {t.name: t for t in asyncio.run(mcp.list_tools())}
    for name in SPECIALISTS:
        for tool in specialist_tools(name, WORKSPACE):
            assert listed[tool.tool_name].inputSchema == tool.tool_spec["inputSchema"]["json"], tool.tool_name
            assert listed[tool.tool_name].description == tool.tool_spec["description"]


def test_each_specialist_gets_only_its_capabilities(home: Settings) -> None:
    for name in SPECIALISTS:
        agent = build_specialist(name, home)
        assert set(agent.tool_names) == {c.name for c in capabilities(name)}
    assert {c.name for c in capabilities("data_processor")} >= {"profile_data", "classify_data", "explain_sensitivity"}


# ------------------------------------------------------------------ the offline model in the real loop


def test_offline_specialist_calls_its_tool_and_answers_from_the_result(home: Settings, tmp_path: Path) -> None:
    agent = build_specialist("data_processor", home)
    result = agent(f"profile {TELECOM_SAMPLE}")
    assert result.stop_reason == "end_turn"
    assert result.metrics.tool_metrics["profile_data"].call_count == 1
    text = str(result)
    assert "telecom_customers: 5,000 rows x 57 columns" in text
    profile = tmp_path / ".doppel" / "chat" / "profile-telecom_customers.json"
    assert profile.is_file() and str(profile) in text
    assert [m["role"] for m in agent.messages] == ["user", "assistant", "user", "assistant"]


def test_supervisor_delegates_profile_and_streams_progress(home: Settings) -> None:
    events = chat(Conversation(home), "profile samples/telecom.csv")  # resolved to the bundled sample
    calls = [(e.agent, e.tool) for e in events if isinstance(e, ToolCalled)]
    assert calls == [("supervisor", "data_processor"), ("data_processor", "profile_data")]
    progress = [e for e in events if isinstance(e, WorkflowEvent) and e.event.kind == "progress"]
    assert progress and all(e.agent == "data_processor" for e in progress)
    finished = [e for e in events if isinstance(e, ToolFinished)]
    assert finished and all(e.ok for e in finished)
    assert "57 columns" in answer_of(events)
    assert any(isinstance(e, TextDelta) and e.agent == "supervisor" for e in events)


def test_generate_from_schema_as_parquet(home: Settings, tmp_path: Path) -> None:
    events = chat(Conversation(home), f"generate 500 customers from {SHOP} as parquet")
    answer = answer_of(events)
    assert "customers: 500" in answer
    out = tmp_path / ".doppel" / "chat" / "generated-shop"
    assert pq.read_table(out / "customers.parquet").num_rows == 500
    again = answer_of(chat(Conversation(home), f"generate 20 rows from {SHOP} as csv"))
    assert "generated-shop-2" in again  # a second request never mixes into the first output


def test_why_was_a_column_marked_sensitive(home: Settings) -> None:
    conversation = Conversation(home)
    first = answer_of(chat(conversation, f"classify {TELECOM_SAMPLE}"))
    assert "telecom_customers.msisdn" in first
    answer = answer_of(chat(conversation, "why was msisdn marked sensitive?"))
    assert "telecom_customers.msisdn was marked sensitive as msisdn" in answer
    assert "Evidence, strongest first" in answer and "its name" in answer
    missing = chat(conversation, "why was nosuchcolumn marked sensitive?")
    failed = [e for e in missing if isinstance(e, ToolFinished) and not e.ok]
    assert failed and "no classification of a column 'nosuchcolumn'" in failed[0].summary


def test_user_errors_come_back_as_plain_answers(home: Settings) -> None:
    events = chat(Conversation(home), "profile nowhere/missing.csv")
    assert any(isinstance(e, ToolFinished) and not e.ok for e in events)
    answer = answer_of(events)
    assert "That did not work" in answer and "missing.csv" in answer


def test_help_says_the_offline_model_is_in_use(home: Settings) -> None:
    answer = answer_of(chat(Conversation(home), "hello there"))
    assert "offline model" in answer and "run the telecom workflow" in answer
    assert describe(home).startswith("Model: offline")


# ------------------------------------------------------------------ runs from the chat, approvals


def test_run_workflow_pauses_for_approval_then_approve_completes(home: Settings, tmp_path: Path) -> None:
    config = tmp_path / "small.yaml"
    config.write_text(f"name: small\nschema_file: {SHOP}\nrows: 20\nseed: 3\napprovals: [after:synthesise]\n")
    conversation = Conversation(home)
    events = chat(conversation, f"run the {config} workflow")
    stages = [e.event.stage for e in events if isinstance(e, WorkflowEvent) and e.event.kind == "stage_started"]
    assert stages == ["ingest", "synthesise"]
    assert "waiting for approval" in answer_of(events).lower() or "paused approval" in answer_of(events)
    done = chat(conversation, "approve")
    answer = answer_of(done)
    assert "is completed" in answer, answer
    started = [e.event.stage for e in done if isinstance(e, WorkflowEvent) and e.event.kind == "stage_started"]
    assert started == ["export", "report"]
    listed = answer_of(chat(conversation, "list runs"))
    assert "small: completed" in listed
    status = answer_of(chat(conversation, "what is the status of the last run?"))
    assert "is completed" in status and "Completed: ingest, synthesise, export, report." in status


def test_approve_all_is_gated_by_a_person(home: Settings, tmp_path: Path) -> None:
    config = tmp_path / "auto.yaml"
    config.write_text(f"name: auto\nschema_file: {SHOP}\nrows: 10\nseed: 3\n")
    conversation = Conversation(home)
    events = chat(conversation, f"run the {config} workflow with approve all")
    asked = [e for e in events if isinstance(e, ApprovalNeeded)]
    assert len(asked) == 1 and "approving every approval point" in asked[0].question
    assert conversation.pending

    async def answer(word: str) -> list[ChatEvent]:
        return [e async for e in conversation.answer_approvals(word)]

    refused = asyncio.run(answer("no"))
    assert any(isinstance(e, ToolFinished) and not e.ok and "not approved" in e.summary for e in refused)
    assert not [e for e in refused if isinstance(e, WorkflowEvent)]  # nothing ran

    events = chat(conversation, f"run the {config} workflow with approve all")
    accepted = asyncio.run(answer("yes"))
    assert "is completed" in answer_of(accepted)


# ------------------------------------------------------------------ intents


@pytest.mark.parametrize(
    ("text", "tool", "expected"),
    [
        ("profile samples/telecom.csv", "profile_data", {"data": [str(TELECOM_SAMPLE)]}),
        ("generate 500 customers from shop.yaml as parquet", "generate_data",
         {"table_rows": {"customers": 500}, "format": "parquet"}),
        ("generate 2k rows from shop.yaml seed 42", "generate_data", {"rows": 2000, "seed": "42"}),
        ("run the telecom workflow", "run_workflow", {"config": "telecom"}),
        ("please run the bank playbook, approve all", "run_workflow", {"config": "bank", "approve_all": True}),
        ("why was msisdn marked sensitive?", "explain_column", {"column": "msisdn"}),
        ("Why is Patient_Name considered personal data", "explain_column", {"column": "Patient_Name"}),
        ("approve run 1a2b3c4d", "approve_run", {"decision": "approve", "run_id": "1a2b3c4d"}),
        ("abort", "approve_run", {"decision": "abort"}),
        ("retry", "answer_failure", {"choice": "retry"}),
        ("skip the stage 1a2b3c4d", "answer_failure", {"choice": "skip", "run_id": "1a2b3c4d"}),
        ("synthesize 300 rows from samples/bank_transactions.csv with ctgan", "synthesize_data",
         {"rows": 300, "model": "ctgan"}),
        ("which generators are there?", "list_generators", {}),
    ],
)  # fmt: skip
def test_intents(text: str, tool: str, expected: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    intent = parse(text)
    assert intent.tool == tool
    for key, value in expected.items():
        assert intent.arguments[key] == value, (key, intent.arguments)


def test_paths_resolve_to_bundled_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_path("samples/hospital.xlsx").path.name == "hospital_patients.xlsx"
    assert resolve_path("shop.yaml").path == SHOP
    assert resolve_path("nowhere/unknown.csv").path == Path("nowhere/unknown.csv")
    assert resolve_path("/etc/passwd").how == "missing"  # outside the workspace: not looked at, the tool refuses


KNOWN_TOOLS = {c.name for c in capabilities()} | {
    "help", "clarify", "run_workflow", "resume_workflow", "approve_run", "answer_failure", "run_status", "list_runs",
    "explain_column",
}  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses_to_a_known_tool(text: str) -> None:
    intent = parse(text)
    assert isinstance(intent, Intent) and intent.tool in KNOWN_TOOLS
    json.dumps(intent.arguments)  # arguments travel as JSON to the tool
    if "rows" in intent.arguments:
        assert intent.arguments["rows"] > 0


# ------------------------------------------------------------------ models by configuration


def test_models_are_chosen_by_configuration(home: Settings) -> None:
    assert isinstance(build_model(home), OfflineModel)
    bedrock = home.model_copy(update={"model": ModelSettings(provider="bedrock", endpoint_url="http://127.0.0.1:9")})
    model = build_model(bedrock)
    assert type(model).__name__ == "BedrockModel"
    assert model.get_config()["model_id"] == bedrock.model.model_id
    assert "bedrock" in describe(bedrock) and "127.0.0.1:9" in describe(bedrock)
    with pytest.raises(DoppelError, match="unknown provider 'nope'"):
        build_model(home.model_copy(update={"model": ModelSettings(provider="nope")}))


def test_offline_model_refuses_structured_output() -> None:
    from pydantic import BaseModel

    class Out(BaseModel):
        x: int

    with pytest.raises(TypeError, match="offline model cannot produce structured output"):
        OfflineModel().structured_output(Out, [{"role": "user", "content": [{"text": "x?"}]}])


# ------------------------------------------------------------------ the workflow graph


def test_graph_has_the_stages_in_order() -> None:
    graph = build_graph(lambda stage: True, Flow())
    assert list(graph.nodes) == list(STAGES)
    assert {(e.from_node.node_id, e.to_node.node_id) for e in graph.edges} == set(itertools.pairwise(STAGES))


@pytest.mark.parametrize("stop_at", ["ingest", "classify", "distribute", "report"])
def test_graph_stops_where_the_run_stops(stop_at: str) -> None:
    seen: list[str] = []

    def step(stage: str) -> bool:
        seen.append(stage)
        return stage != stop_at

    assert run_stages(step) is False  # type: ignore[arg-type]
    assert seen == list(STAGES[: STAGES.index(stop_at) + 1])  # type: ignore[arg-type]


def test_graph_runs_every_stage_when_nothing_stops() -> None:
    seen: list[str] = []
    assert run_stages(lambda stage: seen.append(stage) is None) is True
    assert seen == list(STAGES)


def test_graph_inside_a_running_loop() -> None:
    async def inside() -> bool:
        return run_stages(lambda stage: True)

    assert asyncio.run(inside()) is True


# ------------------------------------------------------------------ doppel chat


def test_chat_once_from_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("chat", "--once", f"profile {TELECOM_SAMPLE}", home=tmp_path / ".doppel")
    assert result.exit_code == 0, result.stdout
    assert "Model: offline" in result.stdout
    assert "→ data_processor · profile_data" in result.stdout
    assert "57 columns" in result.stdout
    failed = cli("chat", "--once", "profile missing.csv", home=tmp_path / ".doppel")
    assert failed.exit_code == 1 and "That did not work" in failed.stdout
    assert "Traceback" not in failed.stdout


BANK_ACCOUNTS = ROOT / "playbooks" / "samples" / "bank_accounts.csv"
PROMPT = "you> "


def chat_session(tmp_path: Path, lines: list[str]) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """`doppel chat` in its own process (from the repository, home in ``tmp_path``), the lines piped to its
    stdin (then end of input); the process and its answers: the output between one prompt and the next."""
    done = subprocess.run(
        [*DOPPEL, "chat"], cwd=ROOT,
        env=env_for(tmp_path / ".doppel", COLUMNS="200", DOPPEL_WORKSPACE_ROOT=str(tmp_path)),
        input="".join(f"{line}\n" for line in lines), capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    banner, *answers = done.stdout.split(PROMPT)
    assert "Model: offline" in banner and "'exit' or Ctrl-D to leave" in banner, done.stdout
    return done, answers


def test_chat_loop_answers_each_line_until_exit(tmp_path: Path) -> None:
    done, answers = chat_session(
        tmp_path,
        ["hello there", f"classify {BANK_ACCOUNTS}", "why was iban marked sensitive?", "", "exit",
         "profile never-read.csv"],
    )  # fmt: skip
    assert done.returncode == 0 and "Traceback" not in done.stdout + done.stderr, done.stderr
    assert len(answers) == 5  # hello, classify, why, the empty line, exit: the line after exit is never read
    assert "offline model" in answers[0] and '"profile playbooks/samples/telecom_customers.csv"' in answers[0]
    assert "→ data_processor · classify_data" in answers[1] and "4 of 8 columns are sensitive" in answers[1]
    assert "bank_accounts.iban: iban (100%), mask" in answers[1]
    assert "bank_accounts.iban was marked sensitive as iban" in answers[2] and "mod-97" in answers[2]
    assert answers[3] == "" and answers[4] == ""  # an empty line is skipped; exit leaves at once
    assert "never-read" not in done.stdout + done.stderr
    assert (tmp_path / ".doppel" / "chat" / "sensitivity-bank_accounts.json").is_file()  # the tool wrote it


def test_chat_loop_ends_cleanly_at_end_of_input_after_a_failed_request(tmp_path: Path) -> None:
    done, answers = chat_session(tmp_path, ["profile nowhere/missing.csv", "list runs"])
    assert done.returncode == 0 and "Traceback" not in done.stdout + done.stderr, done.stderr
    assert len(answers) == 3  # two answers, then the prompt that met the end of input
    assert "✗ profile_data" in answers[0] and "That did not work (profile_data)" in answers[0]
    assert "missing.csv" in answers[0]
    assert "no runs" in answers[1].lower(), answers[1]  # the session went on after the failure
    assert answers[2] == "\n"  # end of input: a clean newline, no error


def test_whole_supervisor_has_five_specialists_and_run_tools(home: Settings) -> None:
    supervisor = build_supervisor(home)
    assert set(SPECIALISTS) <= set(supervisor.tool_names)
    assert {"run_workflow", "approve_run", "resume_workflow", "run_status", "list_runs", "explain_column"} <= set(
        supervisor.tool_names
    )


def test_mcp_client_config_names_this_installation(tmp_path: Path) -> None:
    result = cli("mcp", "--client-config", home=tmp_path / ".doppel")
    assert result.exit_code == 0, result.stdout
    entry = json.loads(result.stdout)["mcpServers"]["doppel"]
    assert entry["args"] == ["mcp", "--transport", "stdio"]
    assert Path(entry["command"]).name == "doppel" and Path(entry["command"]).is_file()


def test_a_failed_stage_is_answered_from_the_chat(
    home: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    from agents.workflow.stages import SPECS

    real, calls = SPECS["export"].run, {"n": 0}

    def flaky(context: Any, progress: Any) -> Any:
        calls["n"] += 1
        if calls["n"] <= 3:  # every retry of the first attempt fails
            raise TimeoutError("target timed out")
        return real(context, progress)

    monkeypatch.setitem(SPECS, "export", dataclasses.replace(SPECS["export"], run=flaky))
    config = tmp_path / "flaky.yaml"
    config.write_text(f"name: flaky\nschema_file: {SHOP}\nrows: 10\nseed: 3\napprovals: []\n")
    conversation = Conversation(home)
    paused = answer_of(chat(conversation, f"run the {config} workflow"))
    assert "Stage export failed" in paused and "Say 'retry', 'skip' or 'abort'" in paused
    done = answer_of(chat(conversation, "retry"))
    assert "is completed" in done and calls["n"] == 4


# ------------------------------------------------------------------ files and row counts named in the chat


def _shop_copy(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_text(SHOP.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def _calls(events: list[ChatEvent]) -> list[str]:
    return [e.tool for e in events if isinstance(e, ToolCalled)]


def test_an_exact_file_name_wins_over_a_prefix_and_the_path_is_shown(home: Settings, tmp_path: Path) -> None:
    """shop4.yaml in the working folder does not stand in for shop.yaml, which exists among the examples."""
    _shop_copy(tmp_path, "shop4.yaml")
    answer = answer_of(chat(Conversation(home), "validate shop.yaml"))
    assert str(SHOP) in answer, answer
    assert "shop4" not in answer
    local = _shop_copy(tmp_path, "shop.yaml")  # the working folder's own file comes first
    answer = answer_of(chat(Conversation(home), "validate shop.yaml"))
    assert str(local) in answer and str(SHOP) not in answer, answer


def test_an_ambiguous_name_is_a_question_listing_the_candidates(home: Settings, tmp_path: Path) -> None:
    for name in ("shop4.yaml", "shop5.yaml"):
        _shop_copy(tmp_path, name)
    events = chat(Conversation(home), "validate shop4.YAML and shop5.yaml")  # two files: the first is used
    assert str(tmp_path / "shop4.yaml") in answer_of(events)
    events = chat(Conversation(home), "validate sho.yaml")
    assert _calls(events) == []  # nothing picked silently
    question = answer_of(events)
    assert "Which file" in question
    for candidate in (tmp_path / "shop4.yaml", tmp_path / "shop5.yaml", SHOP):
        assert str(candidate) in question, question


def test_a_near_name_is_said_with_the_file_used(home: Settings) -> None:
    answer = answer_of(chat(Conversation(home), "validate SHOP.YAML"))
    assert str(SHOP) in answer and "SHOP.YAML" in answer, answer
    events = chat(Conversation(home), "profile samples/telecom.csv")
    assert str(TELECOM_SAMPLE) in answer_of(events) and "telecom.csv" in answer_of(events)


def test_rows_of_one_table_generate_that_table_only(home: Settings, tmp_path: Path) -> None:
    answer = answer_of(chat(Conversation(home), f"generate 500 customers from {SHOP}"))
    out = tmp_path / ".doppel" / "chat" / "generated-shop"
    meta = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert meta["rows"] == {"customers": 500, "orders": 5000}  # orders keep the schema's rows
    assert "customers: 500" in answer and "orders: 5,000" in answer
    assert "keep the schema's rows" in answer and str(SHOP) in answer, answer
    every = answer_of(chat(Conversation(home), f"generate 30 rows from {SHOP}"))
    assert "customers: 30, orders: 30" in every, every


def test_rows_of_an_unknown_table_are_a_question(home: Settings) -> None:
    events = chat(Conversation(home), f"generate 500 widgets from {SHOP}")
    assert _calls(events) == []
    question = answer_of(events)
    assert "customers" in question and "orders" in question and "500" in question, question


def test_table_rows_name_tables_of_the_schema(tmp_path: Path) -> None:
    from tools.capability.generation import GenerateDataRequest, generate_data

    request = GenerateDataRequest(schema_file=SHOP, table_rows={"nope": 3}, out=tmp_path / "x")
    with pytest.raises(DoppelError, match=r"schema shop has no table nope \(tables: customers, orders\)"):
        generate_data(request)
    both = generate_data(GenerateDataRequest(schema_file=SHOP, table_rows={"orders": 7}, rows=4, out=tmp_path / "y"))
    assert both.rows == {"customers": 4, "orders": 7}
