"""Model-written text inside a workflow stage: audited, counted, and priced.

When the configured provider is ``bedrock``, a stage runs with its own LLM client whose every attempt
becomes an ``external_call`` audit record (system, operation, model, latency, status, token counts:
metadata only, never a prompt or an answer) and whose token usage is added to the stage's counts
(``llm_input_tokens``, ``llm_output_tokens``), which the cost breakdown prices. Other providers leave
the generators on their rule fallback, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from tools.llm.active import use_llm_client
from tools.llm.client import BedrockTextClient
from tools.llm.models import ExternalCall, LlmUsage
from tools.settings import Settings

AuditWriter = Callable[[Any, dict[str, Any]], None]


@contextmanager
def stage_llm(settings: Settings, audit: AuditWriter) -> Iterator[LlmUsage]:
    """``with stage_llm(settings, audit) as usage:`` model calls inside are audited and counted."""
    usage = LlmUsage()
    if settings.model.provider != "bedrock":
        yield usage
        return

    def record(call: ExternalCall) -> None:
        audit("external_call", call.model_dump(mode="json", exclude_none=True))

    client = BedrockTextClient(settings.model, settings.retry, hook=record, usage=usage)
    try:
        with use_llm_client(client):
            yield usage
    finally:
        client.close()


def usage_counts(usage: LlmUsage) -> dict[str, int]:
    """The stage counts the cost tracker prices (empty when no model was called)."""
    if not (usage.input_tokens or usage.output_tokens):
        return {}
    return {"llm_input_tokens": usage.input_tokens, "llm_output_tokens": usage.output_tokens}
