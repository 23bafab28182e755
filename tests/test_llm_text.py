"""The llm_text generator: model-written text through the Bedrock stand-in, rule fallback offline or on failure."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from mocks.bedrock import BedrockStandIn
from tests.bedrock_support import HELD_READ_TIMEOUT, isolate_from_aws
from tools.engine.blocks import BlockRequest, generate_block
from tools.engine.fieldgen import generate_field
from tools.engine.plan import build_plan
from tools.generators.llm_text import LlmFallbackWarning, reset_notices
from tools.generators.registry import Related, get
from tools.llm import BedrockTextClient, ExternalCall, clear_llm_client, use_llm_client
from tools.schema.model import SchemaSpec
from tools.schema.validate import validate_schema
from tools.settings import ModelSettings, RetrySettings

CITIES = ["Leeds", "Harrogate", "Whitby", "Penzance", None, "Inverness", "Aberystwyth"]
FIELD = {"type": "llm_text", "prompt": "a delivery note for {city}", "max_words": 14}
FAST = RetrySettings(attempts=3, initial_delay=0.001, max_delay=0.01)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Default settings (no doppel.toml, no DOPPEL_* model variables), no AWS config, fresh notices."""
    monkeypatch.chdir(tmp_path)
    for name in ("DOPPEL_CONFIG", "DOPPEL_MODEL__PROVIDER", "DOPPEL_MODEL__ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    isolate_from_aws(monkeypatch, tmp_path)
    reset_notices()
    clear_llm_client()
    yield
    clear_llm_client()


def related(n: int = len(CITIES)) -> Related:
    return Related(columns={"city": pa.array((CITIES * 3)[:n], type=pa.string())})


def rule_values(seed: int, size: int, max_words: int = 14) -> list[Any]:
    """What the default fallback (the text generator) makes for the same seed."""
    spec = {"type": "text", "min_words": 5, "max_words": max_words}
    return generate_field("x", spec, np.random.default_rng(seed), size).to_pylist()


def client_for(server: BedrockStandIn, scenario: str = "", **settings: Any) -> BedrockTextClient:
    model = "anthropic.claude-3-haiku-20240307-v1:0" + (f"+{scenario}" if scenario else "")
    return BedrockTextClient(ModelSettings(endpoint_url=server.url, model_id=model, **settings), FAST)


def test_offline_uses_the_rule_fallback_deterministically_and_says_so_once() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = generate_field("note", FIELD, np.random.default_rng(7), 7, related()).to_pylist()
        second = generate_field("note", FIELD, np.random.default_rng(7), 7, related()).to_pylist()
    assert first == second == rule_values(7, 7)
    notes = [str(w.message) for w in caught if issubclass(w.category, LlmFallbackWarning)]
    assert notes == ["llm_text: the model provider is 'offline'; values come from the 'text' rule generator"]


def test_bedrock_writes_text_from_the_row_context(bedrock: BedrockStandIn) -> None:
    client = client_for(bedrock, batch_size=3)
    with use_llm_client(client), warnings.catch_warnings():
        warnings.simplefilter("error", LlmFallbackWarning)  # no fallback expected
        values = generate_field("note", FIELD, np.random.default_rng(7), 7, related()).to_pylist()
    assert bedrock.count("converse") == 3  # ceil(7 / 3)
    assert all(city in text for city, text in zip(CITIES, values, strict=True) if city)
    assert all(len(text.split()) <= 14 for text in values)
    assert not set(values) & set(rule_values(7, 7))
    assert client.usage.llm_values == 7 and client.usage.output_tokens > 0


def test_permanent_failure_falls_back_to_rule_values_with_a_warning(bedrock: BedrockStandIn) -> None:
    client = client_for(bedrock, "fail", batch_size=2)
    with use_llm_client(client), pytest.warns(LlmFallbackWarning, match="ValidationException.*'text'"):
        values = generate_field("note", FIELD, np.random.default_rng(7), 7, related()).to_pylist()
    assert values == rule_values(7, 7)  # the same values as offline for this seed
    assert bedrock.count() == 1  # not retried (permanent), and the breaker spared the other batches
    assert client.usage.fallback_values == 7 and client.usage.llm_values == 0


def test_one_bad_batch_falls_back_alone(bedrock: BedrockStandIn) -> None:
    client = client_for(bedrock, "wrong_count_then_ok:1", batch_size=3, answer_retries=0)
    with use_llm_client(client), pytest.warns(LlmFallbackWarning, match="asked for 3 texts"):
        values = generate_field("note", FIELD, np.random.default_rng(3), 7, related()).to_pylist()
    assert values[:3] == rule_values(3, 7)[:3]
    assert all(city in text for city, text in zip(CITIES[3:], values[3:], strict=True) if city)
    assert (client.usage.fallback_values, client.usage.llm_values) == (3, 4)


def test_throttled_and_timed_out_calls_still_deliver(bedrock: BedrockStandIn) -> None:
    calls: list[ExternalCall] = []
    settings = ModelSettings(endpoint_url=bedrock.url, model_id="m", batch_size=4, read_timeout=HELD_READ_TIMEOUT)
    client = BedrockTextClient(settings, FAST, hook=calls.append)
    bedrock.set_scenario("timeout_then_ok", failures=1, hold=True)  # held until released: the timeout fires
    with use_llm_client(client), warnings.catch_warnings():
        warnings.simplefilter("error", LlmFallbackWarning)
        try:
            values = generate_field("note", FIELD, np.random.default_rng(1), 4, related(4)).to_pylist()
        finally:
            bedrock.release()
    assert [c.status for c in calls] == ["timeout", "ok"]
    assert all(city in text for city, text in zip(CITIES, values, strict=False) if city)
    recorded = json.dumps([c.model_dump() for c in calls])
    assert not any(v in recorded for v in values) and "Leeds" not in recorded


def test_provider_bedrock_from_doppel_toml(bedrock: BedrockStandIn, tmp_path: Path) -> None:
    (tmp_path / "doppel.toml").write_text(
        f'[model]\nprovider = "bedrock"\nendpoint_url = "{bedrock.url}"\nmodel_id = "from-toml"\nbatch_size = 5\n'
        "[retry]\ninitial_delay = 0.001\n"
    )
    values = generate_field("note", FIELD, np.random.default_rng(2), 6, related(6)).to_pylist()
    assert [r.model_id for r in bedrock.requests] == ["from-toml", "from-toml"]
    assert "Leeds" in values[0]


def test_engine_orders_the_prompt_field_after_the_fields_it_quotes(bedrock: BedrockStandIn) -> None:
    document = {
        "name": "t",
        "tables": {
            "orders": {
                "rows": 5,
                "fields": {
                    "note": {"type": "llm_text", "prompt": "a delivery note for {town}", "max_words": 12},
                    "town": {"type": "city", "locale": "en_GB"},
                },
            }
        },
    }
    spec = SchemaSpec.model_validate(document)
    assert validate_schema(spec) == []
    table = build_plan(spec).tables[0]
    with use_llm_client(client_for(bedrock)):
        batch = generate_block(table, BlockRequest(seed=1, segment=0, block=0, row_start=0, size=5), {}).batch
    towns, notes = batch.column("town").to_pylist(), batch.column("note").to_pylist()
    assert all(town in note for town, note in zip(towns, notes, strict=True))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"prompt": "a note for {missing}"}, "unknown field 'missing'"),
        ({"prompt": "a note for {city.name}"}, "plain field name"),
        ({"prompt": "a note", "fallback": "no_such_generator"}, "not a registered generator"),
        ({"prompt": "a note", "fallback": "llm_text"}, "rule generator"),
        ({"prompt": "a note", "fallback": "text", "fallback_params": {"max_wordz": 3}}, "max_wordz"),
    ],
)
def test_bad_parameters_are_schema_errors(params: dict[str, Any], message: str) -> None:
    document: dict[str, Any] = {"name": "t", "tables": {"t": {"rows": 3, "fields": {"city": {"type": "city"}}}}}
    document["tables"]["t"]["fields"]["note"] = {"type": "llm_text", **params}
    issues = validate_schema(SchemaSpec.model_validate(document))
    assert any(message in str(issue) for issue in issues), [str(i) for i in issues]


def test_fallback_generator_and_its_fields_are_used() -> None:
    spec = get("llm_text")
    assert spec is not None
    params = spec.parse_params(
        {"prompt": "the address of {name}", "fallback": "email", "fallback_params": {"from": ["name"]}}
    )
    assert spec.referenced_fields(params) == ["name"]
    names = Related(columns={"name": pa.array(["Ada Lovelace", "Alan Turing"])})
    with pytest.warns(LlmFallbackWarning):
        values = spec.func(np.random.default_rng(0), 2, params, names)
    emails = pa.array(values).to_pylist()
    assert "ada" in emails[0] and "turing" in emails[1] and all("@example." in e for e in emails)


OFFLINE_NOTE = "llm_text: the model provider is 'offline'; values come from the 'text' rule generator"


def _notes_schema(folder: Path, rows: int) -> Path:
    document = {
        "name": "notes",
        "tables": {
            "orders": {
                "rows": rows,
                "fields": {
                    "town": {"type": "city", "locale": "en_GB"},
                    "note": {"type": "llm_text", "prompt": "a delivery note for {town}", "max_words": 8},
                },
            }
        },
    }
    path = folder / "notes.yaml"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_fallback_is_in_metadata_warnings_once_and_printed_once_cleanly(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT
    from tools.engine.plan import BLOCK_ROWS

    schema = _notes_schema(tmp_path, BLOCK_ROWS * 3 + 5)  # several blocks on several workers: still one notice
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOPPEL_")} | {"PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "generate", str(schema), "--out", "out", "--seed", "4", "--workers", "3"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    metadata = json.loads((tmp_path / "out" / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["warnings"] == [OFFLINE_NOTE]
    text = " ".join((done.stdout + done.stderr).split())
    assert text.count("llm_text:") == 1 and f"warning: {OFFLINE_NOTE}" in text
    assert "UserWarning" not in text and "LlmFallbackWarning" not in text and ".py:" not in text


def test_a_failing_model_is_recorded_in_the_result_warnings(bedrock: BedrockStandIn, tmp_path: Path) -> None:
    from tools.capability.generation import GenerateDataRequest, generate_data

    client = client_for(bedrock, "fail", batch_size=4)
    request = GenerateDataRequest(schema_file=_notes_schema(tmp_path, 9), seed="1", out=tmp_path / "out")
    with use_llm_client(client), warnings.catch_warnings():
        warnings.simplefilter("error", LlmFallbackWarning)  # recorded, not warned
        result = generate_data(request)
    notes = [w for w in result.warnings if w.startswith("llm_text:")]
    assert len(notes) == 1 and "ValidationException" in notes[0] and notes[0].endswith("values come from 'text'")
    metadata = json.loads((tmp_path / "out" / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["warnings"] == result.warnings
