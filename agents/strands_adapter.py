"""Capabilities as Strands tools: the registry's name, description and input schema, served as they are.

The twin of ``server/mcp_tools.py``: neither adapter derives a schema of its own, so a tool looks the
same to a specialist agent and to an MCP client (a test compares them). The capability runs in a worker
thread, with every path it is given confined to the workspace (``tools.workspace``: a model's request is
never trusted with the whole disk); each progress call travels to the agent's stream as a tool stream event
carrying a ``Progress`` event, so every renderer (CLI chat, Chainlit) sees one stream. User errors become an
error tool result with the plain message, which the model then reports; bugs are logged with their traceback.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncGenerator, Callable
from typing import Any

from pydantic import BaseModel, ValidationError
from strands.types._events import ToolResultEvent
from strands.types.tools import AgentTool, ToolResult, ToolSpec, ToolUse

from agents.events import Event, Progress
from tools.capability.registry import Capability, Specialist, capabilities
from tools.errors import DoppelError
from tools.workspace import Workspace, within

log = logging.getLogger(__name__)

EVENT_KEY = "doppel_event"  # tool stream data carrying a Doppel event: {"doppel_event": {...}}


def result_text(result: BaseModel) -> str:
    """A tool result as compact JSON, the form models read best."""
    return result.model_dump_json(exclude_none=True)


def validation_message(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "arguments"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


EventEmitter = Callable[[Event], None]
Work = Callable[[Any, EventEmitter], BaseModel]


class TypedTool(AgentTool):
    """A Strands tool from a pydantic input model and a blocking ``work(request, emit)``.

    ``work`` runs in a worker thread inside ``workspace`` (every path of the request resolved in it, or
    the call refused); every event it emits reaches the agent's stream as tool stream data
    ``{"doppel_event": {...}}`` while it runs, and its pydantic result becomes the tool result."""

    def __init__(
        self,
        name: str,
        description: str,
        input_model: type[BaseModel],
        work: Work,
        workspace: Workspace,
        schema: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.input_model = input_model
        self.work = work
        self.workspace = workspace
        self._spec: ToolSpec = {
            "name": name,
            "description": description,
            "inputSchema": {"json": schema or input_model.model_json_schema(by_alias=True)},
        }

    @property
    def tool_name(self) -> str:
        return self._spec["name"]

    @property
    def tool_spec(self) -> ToolSpec:
        return self._spec

    @property
    def tool_type(self) -> str:
        return "python"

    async def stream(self, tool_use: ToolUse, invocation_state: dict[str, Any], **kwargs: Any) -> AsyncGenerator[Any]:
        tool_use_id = str(tool_use.get("toolUseId"))
        try:
            request = self.workspace.confine(self.input_model.model_validate(tool_use.get("input") or {}))
        except ValidationError as exc:
            yield ToolResultEvent(_error(tool_use_id, f"invalid arguments: {validation_message(exc)}"))
            return
        except DoppelError as exc:  # a path outside the workspace
            yield ToolResultEvent(_error(tool_use_id, str(exc)))
            return
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Event | None] = asyncio.Queue()

        def emit(event: Event) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, event)

        def run() -> BaseModel:
            try:
                with within(self.workspace):
                    return self.work(request, emit)
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, None)

        task = asyncio.ensure_future(asyncio.to_thread(run))
        while (event := await queue.get()) is not None:
            yield {EVENT_KEY: event.model_dump(mode="json")}
        try:
            result = await task
        except DoppelError as exc:
            yield ToolResultEvent(_error(tool_use_id, str(exc)))
            return
        except Exception as exc:
            log.exception("tool %s failed", self.tool_name)
            yield ToolResultEvent(_error(tool_use_id, f"{self.tool_name} failed: {type(exc).__name__}: {exc}"))
            return
        yield ToolResultEvent(
            {"toolUseId": tool_use_id, "status": "success", "content": [{"text": result_text(result)}]}
        )


def capability_tool(cap: Capability, agent: str, workspace: Workspace) -> TypedTool:
    """``cap`` as a Strands tool of ``agent``: the capability's own name, description and input schema;
    its progress calls become ``Progress`` events of that agent, and its paths stay inside ``workspace``."""

    def work(request: Any, emit: EventEmitter) -> BaseModel:
        def progress(step: str, done: int, total: int | None) -> None:
            emit(Progress(agent=agent, action=step, done=done, total=total))

        return cap.run(request, progress)

    # the registry's schema, as is: the MCP adapter serves the very same one
    return TypedTool(cap.name, cap.description, cap.input_model, work, workspace, schema=cap.input_schema())


def _error(tool_use_id: str, message: str) -> ToolResult:
    return {"toolUseId": tool_use_id, "status": "error", "content": [{"text": message}]}


def specialist_tools(specialist: Specialist, workspace: Workspace) -> list[TypedTool]:
    """The capabilities of one specialist as Strands tools, confined to ``workspace``."""
    return [capability_tool(cap, specialist, workspace) for cap in capabilities(specialist)]


def doppel_event(stream_data: Any) -> dict[str, Any] | None:
    """The Doppel event inside a tool stream payload, if it carries one (else None)."""
    if isinstance(stream_data, dict) and isinstance(stream_data.get(EVENT_KEY), dict):
        return stream_data[EVENT_KEY]
    return None


def parse_tool_text(result: ToolResult) -> Any:
    """The JSON (or text) a tool result carries, for models and renderers that read results."""
    texts = [block["text"] for block in result.get("content", []) if "text" in block]
    text = "\n".join(texts)
    try:
        return json.loads(text)
    except ValueError:
        return text
