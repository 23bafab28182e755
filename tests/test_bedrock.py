"""The Bedrock stand-in and the LLM client, with boto3 itself talking HTTP to 127.0.0.1."""

from __future__ import annotations

import json
import math
import urllib.request
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from mocks.bedrock import BedrockStandIn, Scenario, answer_for
from tests.bedrock_support import HELD_READ_TIMEOUT, isolate_from_aws
from tools.llm import BedrockTextClient, ExternalCall, LlmAnswerError, LlmError, LlmUsage, batch_prompt, is_loopback
from tools.settings import ModelSettings, RetrySettings

CITIES = ["Leeds", "Harrogate", "Whitby", "Penzance", "Inverness", "Aberystwyth", "Llandudno"]
FAST = RetrySettings(attempts=4, initial_delay=0.001, max_delay=0.01)


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    isolate_from_aws(monkeypatch, tmp_path)


def make_client(
    server: BedrockStandIn, scenario: str = "", retry: RetrySettings = FAST, **settings: Any
) -> tuple[BedrockTextClient, list[ExternalCall], list[float]]:
    calls: list[ExternalCall] = []
    waits: list[float] = []
    model = "anthropic.claude-3-haiku-20240307-v1:0" + (f"+{scenario}" if scenario else "")
    options = {"endpoint_url": server.url, "model_id": model, "provider": "bedrock", **settings}
    client = BedrockTextClient(ModelSettings(**options), retry, hook=calls.append, sleep=waits.append)
    return client, calls, waits


def prompts(n: int) -> list[str]:
    return [f"a delivery note for {CITIES[i % len(CITIES)]}" for i in range(n)]


# ---------------------------------------------------------------- the stand-in through plain boto3


def raw_client(url: str, read_timeout: float = 5) -> Any:
    config = Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=read_timeout)
    return boto3.client(
        "bedrock-runtime",
        endpoint_url=url,
        region_name="eu-west-2",
        aws_access_key_id="k",
        aws_secret_access_key="s",
        config=config,
    )


def test_stand_in_answers_converse_with_one_text_per_item_and_counts_tokens(bedrock: BedrockStandIn) -> None:
    client = raw_client(bedrock.url)
    message = [{"role": "user", "content": [{"text": batch_prompt(prompts(3), max_words=20)}]}]
    response = client.converse(modelId="m", messages=message)
    texts = json.loads(response["output"]["message"]["content"][0]["text"])
    assert len(texts) == 3
    assert [c in t for c, t in zip(CITIES, texts, strict=False)] == [True, True, True]
    assert all(len(t.split()) <= 20 for t in texts)
    assert response["usage"]["inputTokens"] > 20 and response["usage"]["outputTokens"] > 10
    assert response["usage"]["totalTokens"] == response["usage"]["inputTokens"] + response["usage"]["outputTokens"]
    again = client.converse(modelId="m", messages=message)
    assert again["output"] == response["output"]  # deterministic
    assert bedrock.count("converse", "ok") == 2
    assert bedrock.requests[0].items == 3


def test_stand_in_streams_converse_events(bedrock: BedrockStandIn) -> None:
    client = raw_client(bedrock.url)
    message = [{"role": "user", "content": [{"text": "a product description for a garden chair"}]}]
    events = list(client.converse_stream(modelId="m", messages=message)["stream"])
    kinds = [next(iter(e)) for e in events]
    assert kinds[0] == "messageStart" and kinds[-3:] == ["contentBlockStop", "messageStop", "metadata"]
    text = "".join(e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e)
    assert text == answer_for("a product description for a garden chair", "m")[0]
    assert "garden chair" in text
    assert events[-1]["metadata"]["usage"]["outputTokens"] > 0
    assert bedrock.count("converse-stream") == 1


@pytest.mark.parametrize(
    ("scenario", "code", "status"),
    [
        ("throttle_then_ok:1", "ThrottlingException", 429),
        ("fail", "ValidationException", 400),
        ("fail:500", "InternalServerException", 500),
    ],
)
def test_stand_in_errors_are_aws_errors(bedrock: BedrockStandIn, scenario: str, code: str, status: int) -> None:
    client = raw_client(bedrock.url)
    with pytest.raises(ClientError) as caught:
        client.converse(modelId=f"m+{scenario}", messages=[{"role": "user", "content": [{"text": "hi"}]}])
    assert caught.value.response["Error"]["Code"] == code
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == status


def test_control_endpoints_switch_scenario_and_list_requests(bedrock: BedrockStandIn) -> None:
    body = json.dumps({"name": "throttle_then_ok", "failures": 1}).encode()
    request = urllib.request.Request(f"{bedrock.url}/_scenario", data=body, method="POST")
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert json.load(answer)["name"] == "throttle_then_ok"
    client = raw_client(bedrock.url)
    message = [{"role": "user", "content": [{"text": "hi"}]}]
    with pytest.raises(ClientError):
        client.converse(modelId="m", messages=message)
    assert client.converse(modelId="m", messages=message)["stopReason"] == "end_turn"
    with urllib.request.urlopen(f"{bedrock.url}/_requests", timeout=5) as answer:
        listed = json.load(answer)["requests"]
    assert [r["outcome"] for r in listed] == ["throttled", "ok"]
    assert Scenario.parse("timeout:0.5").delay == 0.5


# ---------------------------------------------------------------- the client


def test_batches_of_k_make_ceil_n_over_k_calls_and_count_usage(bedrock: BedrockStandIn) -> None:
    client, calls, _ = make_client(bedrock, batch_size=3)
    result = client.generate_texts(prompts(7), max_words=15)
    assert bedrock.count("converse") == math.ceil(7 / 3) == result.calls == result.batches
    assert [r.items for r in bedrock.requests] == [3, 3, 1]
    assert not result.used_fallback and result.failed_batches == 0
    assert all(city in text for city, text in zip(CITIES, result.texts, strict=True) if text)
    usage = client.usage.models[client.model_id]
    assert usage.input_tokens == sum(r.input_tokens for r in bedrock.requests) > 0
    assert usage.output_tokens == sum(r.output_tokens for r in bedrock.requests) > 0
    assert usage.calls == 3 and client.usage.llm_values == 7 and client.usage.fallback_values == 0
    assert [c.items for c in calls] == [3, 3, 1]
    assert sum(c.input_tokens for c in calls) == usage.input_tokens


def test_throttling_is_retried_with_exponential_backoff(bedrock: BedrockStandIn) -> None:
    retry = RetrySettings(attempts=4, initial_delay=0.01, max_delay=1)
    client, calls, waits = make_client(bedrock, "throttle_then_ok:2", retry=retry)
    result = client.converse("a delivery note for Leeds")
    assert result.attempts == 3
    assert "Leeds" in result.text
    assert bedrock.count(outcome="throttled") == 2 and bedrock.count(outcome="ok") == 1
    assert [c.status for c in calls] == ["throttled", "throttled", "ok"]
    assert [c.error_code for c in calls[:2]] == ["ThrottlingException"] * 2
    assert [c.attempt for c in calls] == [1, 2, 3]
    assert waits == pytest.approx([0.01, 0.02])  # exponential: doubles each time
    assert client.usage.models[client.model_id].failed_calls == 2


def test_botocore_does_not_retry_on_its_own(bedrock: BedrockStandIn) -> None:
    client, calls, _ = make_client(bedrock, "throttle_then_ok:5", retry=RetrySettings(attempts=1))
    with pytest.raises(LlmError, match=r"after 1 attempt\(s\): ThrottlingException") as caught:
        client.converse("hello")
    assert bedrock.count() == 1 and len(calls) == 1
    assert caught.value.transient and caught.value.code == "ThrottlingException"


def test_read_timeout_is_retried_then_succeeds(bedrock: BedrockStandIn) -> None:
    """The first request is held by the stand-in until released (no clock on its side), so the client's
    read timeout fires on it whatever the load; the retry is answered at once, far inside the timeout."""
    bedrock.set_scenario("timeout_then_ok", failures=1, hold=True)
    client, calls, _ = make_client(bedrock, read_timeout=HELD_READ_TIMEOUT)
    try:
        result = client.converse("a product description for a kettle")
    finally:
        bedrock.release()
    assert result.attempts == 2 and "kettle" in result.text
    assert [c.status for c in calls] == ["timeout", "ok"]
    assert calls[0].error_code == "ReadTimeoutError"
    assert bedrock.count(outcome="timeout") == 1 and bedrock.count(outcome="ok") == 1


def test_retries_exhausted_give_a_clear_error(bedrock: BedrockStandIn) -> None:
    client, _, waits = make_client(bedrock, "throttle_then_ok:99")
    with pytest.raises(LlmError) as caught:
        client.converse("hello")
    message = str(caught.value)
    assert "after 4 attempt(s)" in message and "ThrottlingException" in message and "batch_size" in message
    assert bedrock.count() == 4 and len(waits) == 3


def test_permanent_failure_is_not_retried(bedrock: BedrockStandIn) -> None:
    client, calls, waits = make_client(bedrock, "fail")
    with pytest.raises(LlmError, match=r"ValidationException.*model_id") as caught:
        client.converse("hello")
    assert not caught.value.transient and caught.value.attempts == 1
    assert bedrock.count() == 1 and waits == [] and calls[0].status == "error" and calls[0].http_status == 400


def test_failed_batch_opens_the_breaker_and_the_rest_falls_back(bedrock: BedrockStandIn) -> None:
    client, _, _ = make_client(bedrock, "fail:500", batch_size=2)
    result = client.generate_texts(prompts(6), max_words=10)
    assert result.texts == [None] * 6 and result.fallback == [True] * 6
    assert result.batches == 3 and result.failed_batches == 3
    assert bedrock.count() == 4  # one batch, retried: InternalServerException is transient
    assert "InternalServerException" in result.errors[0] and client.broken is not None
    assert client.usage.fallback_values == 6
    client.reset()
    assert client.broken is None
    settings = ModelSettings(endpoint_url=bedrock.url, model_id="m+fail:500", batch_size=2)
    cooled = BedrockTextClient(settings, FAST, sleep=lambda s: None, breaker_cooldown=0.0)  # tries again at once
    assert cooled.generate_texts(prompts(4), max_words=10).calls == 8  # each batch tried (4 attempts each)


def test_wrong_count_is_asked_again(bedrock: BedrockStandIn) -> None:
    client, _, _ = make_client(bedrock, "wrong_count_then_ok:1", batch_size=4)
    result = client.generate_texts(prompts(4), max_words=10)
    assert not result.used_fallback and result.calls == 2
    assert [r.outcome for r in bedrock.requests] == ["wrong_count", "ok"]


def test_wrong_count_without_retries_falls_back_for_that_batch_only(bedrock: BedrockStandIn) -> None:
    client, _, _ = make_client(bedrock, "wrong_count_then_ok:1", batch_size=2, answer_retries=0)
    result = client.generate_texts(prompts(4), max_words=10)
    assert result.fallback == [True, True, False, False]
    assert "asked for 2 texts, the answer has 1" in result.errors[0]
    assert client.broken is None  # a bad answer is not an outage


def test_hook_gets_metadata_never_payload(bedrock: BedrockStandIn) -> None:
    client, calls, _ = make_client(bedrock, "throttle_then_ok:1", batch_size=4)
    result = client.generate_texts(prompts(8), max_words=12)
    assert len(calls) == 3  # one throttled attempt, then two batches
    recorded = json.dumps([c.model_dump() for c in calls])
    texts = [t for t in result.texts if t]
    assert texts and all(t not in recorded for t in texts)
    assert not any(city in recorded for city in CITIES)
    assert "delivery" not in recorded
    assert {c.system for c in calls} == {"bedrock"} and {c.operation for c in calls} == {"converse"}
    assert all(c.latency_ms > 0 and c.target.endswith("+throttle_then_ok:1") for c in calls)
    assert calls[-1].output_tokens > 0 and calls[-1].request_id and calls[-1].stop_reason == "end_turn"


def test_answer_parsing_and_batch_size_limits(bedrock: BedrockStandIn) -> None:
    from tools.llm import parse_list

    assert parse_list('```json\n["a", "b"]\n```', 2) == ["a", "b"]
    with pytest.raises(LlmAnswerError, match="not a JSON array"):
        parse_list("Sure! Here you go.", 2)
    with pytest.raises(LlmAnswerError, match="not strings"):
        parse_list('[{"a": 1}, "b"]', 2)
    client, _, _ = make_client(bedrock, max_tokens=400, batch_size=50)
    assert client.effective_batch_size(max_words=40) == 400 // 88  # the answer must fit in max_tokens
    assert is_loopback("http://127.0.0.1:9") and is_loopback("http://localhost:1")
    assert not is_loopback("https://bedrock-runtime.eu-west-2.amazonaws.com") and not is_loopback(None)


def test_shared_usage_totals_several_clients(bedrock: BedrockStandIn) -> None:
    usage = LlmUsage()
    for model in ("model-a", "model-b"):
        settings = ModelSettings(endpoint_url=bedrock.url, model_id=model)
        BedrockTextClient(settings, FAST, usage=usage).generate_texts(prompts(2), max_words=8)
    assert sorted(usage.models) == ["model-a", "model-b"]
    assert usage.input_tokens == sum(r.input_tokens for r in bedrock.requests)
    assert usage.llm_values == 4
