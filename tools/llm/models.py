"""Boundary models of the LLM client: token usage (for costs), external-call metadata (for the audit trail).

Neither ever holds prompt or answer text: usage is counts, and an :class:`ExternalCall` is what an auditor
may see about a call to a model (who, what, how long, how it ended, how many tokens), never its payload.
"""

from __future__ import annotations

import threading
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

CallStatus = Literal["ok", "throttled", "timeout", "unavailable", "error", "bad_answer"]


class ModelUsage(BaseModel):
    """Tokens and calls for one model id."""

    input_tokens: int = 0
    output_tokens: int = 0
    calls: int = Field(0, description="successful model calls")
    failed_calls: int = Field(0, description="attempts that ended in an error (retried or not)")


class LlmUsage(BaseModel):
    """Token usage per model id plus how many values came from the model or from a rule fallback.

    Safe to update from several threads (the engine makes blocks on a thread pool).
    """

    models: dict[str, ModelUsage] = Field(default_factory=dict)
    llm_values: int = Field(0, description="values written by the model")
    fallback_values: int = Field(0, description="values made by the rule fallback because the model failed")
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def input_tokens(self) -> int:
        return sum(m.input_tokens for m in self.models.values())

    @property
    def output_tokens(self) -> int:
        return sum(m.output_tokens for m in self.models.values())

    def add_call(self, model_id: str, input_tokens: int, output_tokens: int, ok: bool = True) -> None:
        with self._lock:
            usage = self.models.setdefault(model_id, ModelUsage())
            usage.input_tokens += input_tokens
            usage.output_tokens += output_tokens
            if ok:
                usage.calls += 1
            else:
                usage.failed_calls += 1

    def add_values(self, llm: int = 0, fallback: int = 0) -> None:
        with self._lock:
            self.llm_values += llm
            self.fallback_values += fallback


class ExternalCall(BaseModel):
    """Metadata of one attempt of one external call: for the audit trail, never payload values."""

    model_config = ConfigDict(frozen=True)

    system: str = "bedrock"
    operation: str = "converse"
    target: str = Field(description="the model id")
    region: str | None = None
    endpoint: str | None = Field(None, description="scheme://host:port of a configured endpoint, never a path")
    attempt: int = Field(ge=1)
    status: CallStatus
    latency_ms: float = Field(ge=0)
    http_status: int | None = None
    error_code: str | None = Field(None, description="AWS error code or exception type, never its message")
    request_id: str | None = None
    items: int = Field(0, description="values asked for in this prompt")
    prompt_chars: int = 0
    answer_chars: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    stop_reason: str | None = None


class ExternalCallHook(Protocol):
    """Called after every attempt (success or failure); the agents layer writes it to the audit trail."""

    def __call__(self, call: ExternalCall, /) -> None: ...


def no_hook(call: ExternalCall) -> None:
    """The default hook: nothing is recorded."""


class ConverseResult(BaseModel):
    """One successful converse call (after retries)."""

    text: str
    stop_reason: str
    input_tokens: int
    output_tokens: int
    attempts: int
    latency_ms: float


class TextsResult(BaseModel):
    """Texts for a list of prompts; ``None`` where the model failed and a rule fallback must fill in."""

    texts: list[str | None]
    calls: int = Field(0, description="model calls made, retries included")
    batches: int = 0
    failed_batches: int = 0
    errors: list[str] = Field(default_factory=list, description="one line per failed batch")

    @property
    def fallback(self) -> list[bool]:
        """Per value: True when it must come from the rule fallback."""
        return [t is None for t in self.texts]

    @property
    def used_fallback(self) -> bool:
        return any(t is None for t in self.texts)
