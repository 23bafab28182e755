"""Bedrock by configuration: a workflow whose schema has model-written text, audited and priced; and the
supervisor itself on Strands' Bedrock provider, both talking boto3 to the local stand-in over HTTP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agents.chat import Answer, ChatEvent, Conversation, ToolCalled, ToolFinished, WorkflowEvent
from agents.costs.runs import comparison
from agents.state import audit
from agents.workflow import api
from agents.workflow.config import RunConfig
from mocks.bedrock import BedrockStandIn, ScriptedAnswer, ScriptedToolUse
from tests.bedrock_support import isolate_from_aws
from tests.conftest import ROOT
from tests.workflow_support import doppel, settings_in
from tools.settings import ModelSettings, RetrySettings, Settings

SCHEMA = """name: notes
version: 1
tables:
  deliveries:
    rows: 12
    fields:
      id:   {type: integer, sequence: true, primary_key: true}
      town: {type: city, locale: en_GB}
      note: {type: llm_text, prompt: "a delivery note for {town}", max_words: 12}
"""


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_from_aws(monkeypatch, tmp_path)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def bedrock() -> Iterator[BedrockStandIn]:
    with BedrockStandIn() as server:
        yield server


def bedrock_settings(home: Path, url: str, **model: Any) -> Settings:
    return settings_in(
        home,
        model=ModelSettings(provider="bedrock", endpoint_url=url, batch_size=5, **model),
        retry=RetrySettings(attempts=3, initial_delay=0.001, max_delay=0.01),
        approvals=[],
    )


def test_workflow_text_fields_through_bedrock_are_audited_and_priced(bedrock: BedrockStandIn, tmp_path: Path) -> None:
    schema = tmp_path / "notes.yaml"
    schema.write_text(SCHEMA)
    settings = bedrock_settings(tmp_path / ".doppel", bedrock.url)
    status = api.start_run(RunConfig(name="notes", schema_file=schema, seed=5), settings=settings)
    assert status.state == "completed"
    assert bedrock.count("converse") == 3  # 12 notes in batches of 5

    calls = audit.query(settings, audit.AuditFilter(kind="external_call", run_id=status.run_id))
    assert len(calls) == 3
    for record in calls:
        assert record.stage == "synthesise"
        assert record.detail["system"] == "bedrock" and record.detail["status"] == "ok"
        assert record.detail["input_tokens"] > 0 and record.detail["latency_ms"] >= 0
    exported = (status.artifacts_dir / "synthesise").rglob("*.csv")
    notes = [line.rsplit(",", 1)[-1] for f in exported for line in f.read_text().splitlines()[1:]]
    dumped = json.dumps([r.detail for r in calls])
    assert notes and not any(n.strip('"') and n.strip('"') in dumped for n in notes)  # metadata, never text

    costs = comparison(settings, status.run_id)
    assert costs.actual.by_service["bedrock"] > 0
    assert costs.actual.by_stage["synthesise"] >= costs.actual.by_service["bedrock"]


def test_throttled_then_ok_is_retried_and_audited_per_attempt(bedrock: BedrockStandIn, tmp_path: Path) -> None:
    schema = tmp_path / "notes.yaml"
    schema.write_text(SCHEMA.replace("rows: 12", "rows: 4"))
    bedrock.set_scenario("throttle_then_ok:2")
    settings = bedrock_settings(tmp_path / ".doppel", bedrock.url)
    status = api.start_run(RunConfig(name="notes", schema_file=schema, seed=5), settings=settings)
    assert status.state == "completed"
    statuses = [
        r.detail["status"] for r in audit.query(settings, audit.AuditFilter(kind="external_call", run_id=status.run_id))
    ]
    assert statuses == ["throttled", "throttled", "ok"]


def test_supervisor_on_the_bedrock_provider(bedrock: BedrockStandIn, tmp_path: Path) -> None:
    settings = bedrock_settings(tmp_path / ".doppel", bedrock.url, streaming=False)
    conversation = Conversation(settings)

    async def talk() -> list[Any]:
        return [e async for e in conversation.send("Describe what Doppel does in one sentence.")]

    events = asyncio.run(talk())
    answers = [e for e in events if isinstance(e, Answer)]
    assert len(answers) == 1 and answers[0].stop_reason == "end_turn" and answers[0].text
    assert bedrock.count("converse") == 1  # boto3 went through the stand-in, once
    calls = audit.query(settings, audit.AuditFilter(kind="external_call"))
    assert [(c.detail["system"], c.detail["agent"], c.detail["status"]) for c in calls] == [
        ("bedrock", "supervisor", "ok")
    ]
    assert "Doppel does" not in json.dumps([c.detail for c in calls])  # the prompt never reaches the trail


# ------------------------------------------------------------------ the supervisor driven by tool calls

SAMPLE = ROOT / "playbooks" / "samples" / "bank_accounts.csv"
SUPERVISOR, DATA_PROCESSOR = "You are Doppel's supervisor", "You are Doppel's data_processor agent"


def talk(conversation: Conversation, message: str) -> list[ChatEvent]:
    async def collect() -> list[ChatEvent]:
        return [e async for e in conversation.send(message)]

    return asyncio.run(collect())


def asked_by(bedrock: BedrockStandIn) -> list[str]:
    """Which agent sent each request, from its system prompt."""
    return [
        "supervisor" if r.system.startswith(SUPERVISOR) else "data_processor" if r.system.startswith(DATA_PROCESSOR)
        else r.system[:30]
        for r in bedrock.requests
    ]  # fmt: skip


@pytest.mark.parametrize("streaming", [False, True], ids=["converse", "converse-stream"])
def test_supervisor_delegates_to_a_specialist_that_calls_a_capability(
    bedrock: BedrockStandIn, tmp_path: Path, streaming: bool
) -> None:
    """Strands' own BedrockModel, boto3 and HTTP: the stand-in answers the supervisor with a call to the
    data_processor agent, the specialist with a call to profile_data, then both with text."""
    out = tmp_path / "profile.json"
    bedrock.script([
        ScriptedAnswer(text="Asking the data processor.",
                       tool_uses=[ScriptedToolUse(name="data_processor", input={"input": f"profile {SAMPLE}"})]),
        ScriptedAnswer(tool_uses=[ScriptedToolUse(name="profile_data",
                                                  input={"data": [str(SAMPLE)], "out": str(out)})]),
        ScriptedAnswer(text="Profiled bank_accounts: 1000 rows, 8 columns."),
        ScriptedAnswer(text="The data processor profiled bank_accounts: 1000 rows, 8 columns."),
    ])  # fmt: skip
    settings = bedrock_settings(tmp_path / ".doppel", bedrock.url, streaming=streaming)
    events = talk(Conversation(settings), "Profile the bank accounts sample.")

    calls = [(e.agent, e.tool) for e in events if isinstance(e, ToolCalled)]
    assert calls == [("supervisor", "data_processor"), ("data_processor", "profile_data")]
    finished = [(e.agent, e.tool, e.ok) for e in events if isinstance(e, ToolFinished)]
    assert finished == [("data_processor", "profile_data", True), ("supervisor", "data_processor", True)]
    progress = [e for e in events if isinstance(e, WorkflowEvent) and e.agent == "data_processor"]
    assert progress and progress[-1].event.kind == "progress"  # the capability's events reached the chat
    answers = [e for e in events if isinstance(e, Answer)]
    assert [a.text for a in answers] == ["The data processor profiled bank_accounts: 1000 rows, 8 columns."]
    profile = json.loads(out.read_text(encoding="utf-8"))  # the capability really ran
    assert [t["name"] for t in profile["tables"]] == ["bank_accounts"] and profile["tables"][0]["rows"] == 1000

    assert bedrock.count("converse-stream" if streaming else "converse") == 4
    assert asked_by(bedrock) == ["supervisor", "data_processor", "data_processor", "supervisor"]
    first, specialist, specialist_again, last = bedrock.requests
    assert {"data_processor", "synthetic_data", "distribution", "test_case", "test_execution"} <= set(first.tools)
    assert set(specialist.tools) == {"profile_data", "classify_data", "anonymise_data", "explain_sensitivity"}
    assert specialist.prompt == f"profile {SAMPLE}"  # the supervisor's request, as the specialist's prompt
    (result,) = specialist_again.tool_results
    assert result["status"] == "success" and '"rows":1000' in result["text"].replace(" ", "")
    assert last.tool_results == [{"status": "success", "text": "Profiled bank_accounts: 1000 rows, 8 columns.\n"}]
    audited = audit.query(settings, audit.AuditFilter(kind="external_call"))
    assert [(c.detail["agent"], c.detail["status"]) for c in audited] == [
        ("supervisor", "ok"), ("data_processor", "ok"), ("data_processor", "ok"), ("supervisor", "ok")
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("streaming", "arguments", "got"),
    [
        (True, '{"input": "profile the bank', "got nothing"),  # malformed JSON, cut off mid-string
        (False, {"input": 42}, "got int '42'"),  # the wrong type
        (False, {"request": "profile the bank sample"}, "got nothing"),  # the wrong name
    ],
    ids=["malformed-json", "wrong-type", "wrong-name"],
)
def test_malformed_specialist_arguments_come_back_as_a_tool_error(
    bedrock: BedrockStandIn, tmp_path: Path, streaming: bool, arguments: Any, got: str
) -> None:
    bedrock.script([
        ScriptedAnswer(tool_uses=[ScriptedToolUse(name="data_processor", input=arguments)]),
        ScriptedAnswer(text="The data processor could not be asked; say which file to profile."),
    ])  # fmt: skip
    settings = bedrock_settings(tmp_path / ".doppel", bedrock.url, streaming=streaming)
    events = talk(Conversation(settings), "Profile the bank accounts sample.")

    (failed,) = [e for e in events if isinstance(e, ToolFinished)]
    assert (failed.agent, failed.tool, failed.ok) == ("supervisor", "data_processor", False)
    assert failed.summary == f"data_processor: invalid arguments: 'input' must be a non-empty text request, {got}"
    assert asked_by(bedrock) == ["supervisor", "supervisor"]  # the specialist never ran on a bad request
    assert bedrock.requests[1].tool_results == [{"status": "error", "text": failed.summary}]  # the model saw it
    (answer,) = [e for e in events if isinstance(e, Answer)]
    assert answer.text.startswith("The data processor could not be asked") and answer.stop_reason == "end_turn"


def test_wrong_capability_argument_types_come_back_to_the_specialist(bedrock: BedrockStandIn, tmp_path: Path) -> None:
    bedrock.script([
        ScriptedAnswer(tool_uses=[ScriptedToolUse(name="data_processor", input={"input": "profile the bank sample"})]),
        ScriptedAnswer(tool_uses=[ScriptedToolUse(name="profile_data", input={"data": 42, "max_rows": "many"})]),
        ScriptedAnswer(text="profile_data refused its arguments."),
        ScriptedAnswer(text="The profile could not be made: the arguments were wrong."),
    ])  # fmt: skip
    settings = bedrock_settings(tmp_path / ".doppel", bedrock.url)
    events = talk(Conversation(settings), "Profile the bank accounts sample.")

    refused = [e for e in events if isinstance(e, ToolFinished) and not e.ok]
    assert [(e.agent, e.tool) for e in refused] == [("data_processor", "profile_data")]
    assert refused[0].summary.startswith("invalid arguments: data: Input should be a valid list")
    assert "max_rows: Input should be a valid integer" in refused[0].summary
    assert asked_by(bedrock) == ["supervisor", "data_processor", "data_processor", "supervisor"]
    assert bedrock.requests[2].tool_results[0]["status"] == "error"
    assert [e.text for e in events if isinstance(e, Answer)] == [
        "The profile could not be made: the arguments were wrong."
    ]


def test_chat_command_over_bedrock_ends_with_a_clear_message(bedrock: BedrockStandIn, tmp_path: Path) -> None:
    """`doppel chat --once` in its own process, configured for Bedrock by environment: a malformed tool
    call is shown as a failed tool with its reason, the supervisor's answer follows, exit code 1."""
    bedrock.script([
        ScriptedAnswer(tool_uses=[ScriptedToolUse(name="data_processor", input='{"input": ')]),
        ScriptedAnswer(text="I could not reach the data processor."),
    ])  # fmt: skip
    done = doppel(
        "chat", "--once", "profile the bank accounts sample", home=tmp_path / ".doppel",
        DOPPEL_MODEL__PROVIDER="bedrock", DOPPEL_MODEL__ENDPOINT_URL=bedrock.url, DOPPEL_MODEL__STREAMING="true",
        COLUMNS="200",
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert f"Model: bedrock {ModelSettings().model_id} via {bedrock.url}" in done.stdout
    assert (
        "✗ data_processor: data_processor: invalid arguments: 'input' must be a non-empty text request" in done.stdout
    )
    assert "I could not reach the data processor." in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert asked_by(bedrock) == ["supervisor", "supervisor"]
