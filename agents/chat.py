"""A conversation with the supervisor, as one stream of typed chat events for any renderer.

Strands streams nested dictionaries: the supervisor's text, its tool calls, and (through agents as tools)
each specialist's own events wrapped in ``tool_stream`` envelopes, which in turn wrap Doppel events from
capabilities and workflow runs. ``Conversation.send`` flattens that into ``ChatEvent`` models: text
deltas with the agent that wrote them, tool calls and their outcome, Doppel events, approval questions
(Strands interrupts) and the final answer. The terminal chat and the Chainlit UI render these and never
look at Strands' dictionaries themselves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field
from strands import Agent

from agents.events import Event, parse_event
from agents.strands_adapter import doppel_event
from tools.redact import install_log_redaction
from tools.settings import Settings


class TextDelta(BaseModel):
    kind: Literal["text"] = "text"
    agent: str
    text: str


class ToolCalled(BaseModel):
    kind: Literal["tool_called"] = "tool_called"
    agent: str = Field(description="the agent that called the tool")
    tool: str
    tool_use_id: str


class ToolFinished(BaseModel):
    kind: Literal["tool_finished"] = "tool_finished"
    agent: str
    tool: str
    tool_use_id: str
    ok: bool
    summary: str = Field("", description="the first line of an error; empty on success")


class WorkflowEvent(BaseModel):
    kind: Literal["workflow"] = "workflow"
    agent: str = Field(description="the agent whose tool emitted it")
    event: Event


class ApprovalNeeded(BaseModel):
    kind: Literal["approval"] = "approval"
    interrupt_id: str
    question: str
    tool: str | None = None


class Answer(BaseModel):
    kind: Literal["answer"] = "answer"
    text: str
    stop_reason: str


ChatEvent = Annotated[
    TextDelta | ToolCalled | ToolFinished | WorkflowEvent | ApprovalNeeded | Answer, Field(discriminator="kind")
]


class Conversation:
    """One chat session with a supervisor (its history is kept between messages)."""

    def __init__(self, settings: Settings, supervisor: Agent | None = None) -> None:
        from agents.team import build_supervisor

        install_log_redaction()  # the terminal chat and the UI alike: no log line shows a URL's password
        self.settings = settings
        self.agent = supervisor or build_supervisor(settings)
        self.pending: list[ApprovalNeeded] = []

    async def send(self, message: str) -> AsyncIterator[ChatEvent]:
        """Send a user message; yields the chat events until the supervisor answers or asks for approval."""
        async for event in self._run(message):
            yield event

    async def answer_approvals(self, answer: str) -> AsyncIterator[ChatEvent]:
        """Answer every pending approval with ``answer`` ("yes" goes on) and continue."""
        responses = [{"interruptResponse": {"interruptId": p.interrupt_id, "response": answer}} for p in self.pending]
        self.pending = []
        async for event in self._run(responses):
            yield event

    async def _run(self, prompt: Any) -> AsyncIterator[ChatEvent]:
        names: dict[str, str] = {}
        async for raw in self.agent.stream_async(prompt):
            for event in flatten(raw, "supervisor", names):
                if isinstance(event, ApprovalNeeded):
                    self.pending.append(event)
                yield event


def flatten(raw: dict[str, Any], agent: str, names: dict[str, str]) -> Iterator[ChatEvent]:
    """The chat events in one Strands stream event of ``agent`` (recursing into tool streams)."""
    if raw.get("type") == "tool_stream":
        envelope = raw["tool_stream_event"]
        tool = str(envelope["tool_use"].get("name", "tool"))
        data = envelope["data"]
        if (payload := doppel_event(data)) is not None:
            yield WorkflowEvent(agent=agent, event=parse_event(payload))
        elif isinstance(data, dict):
            yield from flatten(data, tool, names)
        return
    if isinstance(raw.get("data"), str) and raw["data"]:
        yield TextDelta(agent=agent, text=raw["data"])
    message = raw.get("message")
    if isinstance(message, dict):
        yield from _message(message, agent, names)
    result = raw.get("result")
    if result is not None and agent == "supervisor":
        for interrupt in getattr(result, "interrupts", None) or []:
            reason = interrupt.reason if isinstance(interrupt.reason, dict) else {"question": str(interrupt.reason)}
            yield ApprovalNeeded(
                interrupt_id=interrupt.id, question=str(reason.get("question")), tool=reason.get("tool")
            )
        yield Answer(text=str(result).strip(), stop_reason=str(result.stop_reason))


def _message(message: dict[str, Any], agent: str, names: dict[str, str]) -> Iterator[ChatEvent]:
    for block in message.get("content", []):
        if "toolUse" in block and message.get("role") == "assistant":
            use = block["toolUse"]
            names[use["toolUseId"]] = use["name"]
            yield ToolCalled(agent=agent, tool=use["name"], tool_use_id=use["toolUseId"])
        elif "toolResult" in block:
            res = block["toolResult"]
            ok = res.get("status") == "success"
            text = next((b.get("text", "") for b in res.get("content", []) if "text" in b), "")
            yield ToolFinished(
                agent=agent,
                tool=names.get(res["toolUseId"], "tool"),
                tool_use_id=res["toolUseId"],
                ok=ok,
                summary="" if ok else text.splitlines()[0] if text else "failed",
            )
