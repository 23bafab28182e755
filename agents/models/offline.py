"""The offline model: a deterministic Strands ``Model`` that turns requests into tool calls by rules.

It drives the real Strands event loop with no network: a user message is parsed into an intent
(``agents.models.intents``); if the agent has that tool, the model calls it; if the tool belongs to a
specialist the agent has as a tool (the supervisor's case), it delegates the request to that specialist;
when the tool results come back, it answers from them (``agents.models.answers``), naming the files the
call used. A request that names a file ambiguously is answered with a question, and no tool is called.
Every stream follows the Bedrock Converse event shape the loop expects: ``messageStart``, content
blocks, ``messageStop`` with ``tool_use`` or ``end_turn``, then ``metadata``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncGenerator, AsyncIterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from strands.models import Model
from strands.types.content import Messages
from strands.types.streaming import StreamEvent
from strands.types.tools import ToolSpec

from agents.models import answers
from agents.models.intents import Intent, parse

PROVIDER_NOTE = answers.OFFLINE_NOTE


def owner_of(tool: str) -> str | None:
    """The specialist whose capability ``tool`` is (None for run tools and unknown names)."""
    from tools.capability.registry import get_capability

    try:
        return get_capability(tool).specialist
    except KeyError:
        return None


class OfflineModel(Model):
    """Deterministic rules in place of a language model (config: ``workdir`` for files it asks tools to
    write, ``root`` the workspace its file names are looked up in)."""

    def __init__(
        self, *, workdir: Path = Path(".doppel/chat"), agent: str = "assistant", root: Path | None = None
    ) -> None:
        self.config: dict[str, Any] = {
            "model_id": "doppel-offline",
            "workdir": Path(workdir),
            "agent": agent,
            "root": Path(root) if root is not None else None,
        }
        self._notes: dict[str, str] = {}  # toolUseId -> what the answer must add (a file matched loosely)

    def update_config(self, **model_config: Any) -> None:
        self.config.update(model_config)

    def get_config(self) -> dict[str, Any]:
        return dict(self.config)

    def structured_output(
        self, output_model: type[BaseModel], prompt: Messages, system_prompt: str | None = None, **kwargs: Any
    ) -> AsyncGenerator[dict[str, Any], None]:
        """Not offered: the offline model only calls tools and answers from their results."""
        raise TypeError(f"the offline model cannot produce structured output ({output_model.__name__})")

    # ------------------------------------------------------------------ one turn

    def decide(self, messages: Messages, tool_specs: list[ToolSpec] | None) -> dict[str, Any]:
        """The next turn: ``{"tool": name, "input": {...}}`` or ``{"text": ...}``."""
        names = {spec["name"] for spec in tool_specs or []}
        last = messages[-1] if messages else {"role": "user", "content": []}
        results = [block["toolResult"] for block in last["content"] if "toolResult" in block]
        if results:
            return {"text": self._answer(messages, results)}
        text = " ".join(block["text"] for block in last["content"] if "text" in block).strip()
        intent = parse(text, self.config["workdir"], self.config["root"])
        return self._route(intent, text, names)

    def _route(self, intent: Intent, text: str, names: set[str]) -> dict[str, Any]:
        if intent.tool == "help":
            return {"text": answers.HELP}
        if intent.tool == "clarify":
            return {"text": intent.note or answers.HELP}
        if intent.tool in names:
            tool_use_id = _new_id()
            if intent.note:
                self._notes[tool_use_id] = intent.note
            return {"tool": intent.tool, "input": intent.arguments, "id": tool_use_id}
        specialist = owner_of(intent.tool)
        if specialist is not None and specialist in names:
            return {"tool": specialist, "input": {"input": text}}
        who = f"the {specialist} agent" if specialist else "the supervisor"
        return {"text": f"I understood that as {intent.tool}, but that is a tool of {who}, not mine."}

    def _answer(self, messages: Messages, results: list[Any]) -> str:
        called = _tool_uses(messages)
        parts = []
        for result in results:
            tool_use_id = result.get("toolUseId", "")
            tool, arguments = called.get(tool_use_id, ("tool", {}))
            note = self._notes.pop(tool_use_id, None)
            text = "\n".join(block.get("text") or json.dumps(block.get("json")) for block in result["content"])
            if result.get("status") == "error":
                parts.append(answers.failure(tool, text.removeprefix("Error: "), note))
                continue
            try:
                parsed: Any = json.loads(text)
            except ValueError:
                parsed = text
            parts.append(answers.answer(tool, parsed, arguments, note))
        return "\n\n".join(parts)

    # ------------------------------------------------------------------ the Converse-shaped stream

    async def stream(
        self,
        messages: Messages,
        tool_specs: list[ToolSpec] | None = None,
        system_prompt: str | None = None,
        *,
        tool_choice: Any = None,
        **kwargs: Any,
    ) -> AsyncIterable[StreamEvent]:
        turn = self.decide(messages, tool_specs)
        yield {"messageStart": {"role": "assistant"}}
        if "tool" in turn:
            tool_use = {"name": turn["tool"], "toolUseId": turn.get("id") or _new_id()}
            yield {"contentBlockStart": {"start": {"toolUse": tool_use}}}  # type: ignore[typeddict-item]
            yield {"contentBlockDelta": {"delta": {"toolUse": {"input": json.dumps(turn["input"])}}}}
            yield {"contentBlockStop": {}}
            stop = "tool_use"
        else:
            yield {"contentBlockStart": {"start": {}}}
            for piece in _pieces(turn["text"]):
                yield {"contentBlockDelta": {"delta": {"text": piece}}}
            yield {"contentBlockStop": {}}
            stop = "end_turn"
        yield {"messageStop": {"stopReason": stop}}  # type: ignore[typeddict-item]
        yield {
            "metadata": {
                "usage": {"inputTokens": 0, "outputTokens": 0, "totalTokens": 0},
                "metrics": {"latencyMs": 0},
            }
        }


def _new_id() -> str:
    return f"tooluse_{uuid.uuid4().hex[:12]}"


def _tool_uses(messages: Messages) -> dict[str, tuple[str, dict[str, Any]]]:
    """toolUseId -> (tool name, its input), from the assistant turns so far."""
    uses: dict[str, tuple[str, dict[str, Any]]] = {}
    for message in messages:
        for block in message["content"]:
            if "toolUse" in block:
                use = block["toolUse"]
                given = use.get("input")
                uses[use["toolUseId"]] = (use["name"], given if isinstance(given, dict) else {})
    return uses


def _pieces(text: str, size: int = 24) -> list[str]:
    """Text in small pieces, so renderers stream it the way they would a real model's tokens."""
    words = text.split(" ")
    return [" ".join(words[i : i + size]) + (" " if i + size < len(words) else "") for i in range(0, len(words), size)]
