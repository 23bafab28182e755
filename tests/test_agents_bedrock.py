"""Bedrock by configuration: a workflow whose schema has model-written text, audited and priced; and the
supervisor itself on Strands' Bedrock provider, both talking boto3 to the local stand-in over HTTP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agents.chat import Answer, Conversation
from agents.costs.runs import comparison
from agents.state import audit
from agents.workflow import api
from agents.workflow.config import RunConfig
from mocks.bedrock import BedrockStandIn
from tests.bedrock_support import isolate_from_aws
from tests.workflow_support import settings_in
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
