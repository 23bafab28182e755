"""Capabilities as MCP tools: the registry's schemas served as they are, never re-derived or copied.

FastMCP normally builds a tool's input schema from a function signature. A capability already has its
schema (its input model), so the ``Tool`` is assembled from its parts instead: ``parameters`` is
``capability.input_schema()`` and the output schema is the output model's. The raw arguments are passed
whole to the capability, whose own input model validates them; every path in them is then confined to the
workspace (``tools.workspace``), and the capability runs in a worker thread inside it. Its progress calls
become MCP progress notifications. Errors come back as a tool error result with a plain message.
"""

from __future__ import annotations

import json
import logging
from typing import Any, get_args

import anyio.to_thread
from mcp.server.fastmcp import Context
from mcp.server.fastmcp.exceptions import ToolError
from mcp.server.fastmcp.tools import Tool
from mcp.server.fastmcp.utilities.func_metadata import ArgModelBase, FuncMetadata
from pydantic import BaseModel, ValidationError, model_validator

from server.mcp_progress import CapabilityProgress, wants_progress
from tools.capability.registry import Capability
from tools.errors import DoppelError
from tools.workspace import Workspace, WorkspaceError, within

log = logging.getLogger(__name__)


class WholeArguments(ArgModelBase):
    """FastMCP's argument model, reduced to carrying the arguments through unvalidated.

    Validation is the capability input model's job, so its messages (and its schema) are the only ones."""

    arguments: dict[str, Any]

    @model_validator(mode="before")
    @classmethod
    def _whole(cls, data: Any) -> Any:
        return {"arguments": data}


def capability_tool(cap: Capability, workspace: Workspace) -> Tool:
    """An MCP tool for ``cap``: listed with the capability's own name, description and schemas; every path
    it is given is resolved inside ``workspace`` and refused outside it."""

    async def call(arguments: dict[str, Any], ctx: Context[Any, Any, Any]) -> BaseModel:
        try:
            request = workspace.confine(cap.input_model.model_validate(_parse_json_strings(cap.input_model, arguments)))
        except ValidationError as exc:
            raise ToolError(f"invalid arguments: {validation_message(exc)}") from None
        except WorkspaceError as exc:
            raise ToolError(str(exc)) from None
        progress = CapabilityProgress(ctx) if wants_progress(ctx) else None

        def work() -> BaseModel:
            with within(workspace):
                result = cap.run(request, progress)
            if progress is not None:
                progress.flush()
            return result

        return await in_thread(work)

    return Tool(
        fn=call,
        name=cap.name,
        description=cap.description,
        parameters=cap.input_schema(),
        fn_metadata=FuncMetadata(
            arg_model=WholeArguments, output_schema=cap.output_schema(), output_model=cap.output_model
        ),
        is_async=True,
        context_kwarg="ctx",
    )


async def in_thread(work: Any) -> Any:
    """Run blocking ``work()`` in a worker thread; user errors become tool errors, bugs are logged."""
    try:
        return await anyio.to_thread.run_sync(work)
    except DoppelError as exc:
        raise ToolError(str(exc)) from None
    except Exception as exc:
        log.exception("tool failed")
        raise ToolError(f"internal error ({type(exc).__name__}): {exc}; the server log has the details") from None


def validation_message(exc: ValidationError) -> str:
    """``rows: Input should be greater than or equal to 0; colour: Extra inputs are not permitted``."""
    parts = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(p) for p in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def _parse_json_strings(model: type[BaseModel], arguments: dict[str, Any]) -> dict[str, Any]:
    """Some clients send a list or object argument as a JSON string; decode those (as FastMCP does)."""
    fields = {field.alias or name: field for name, field in model.model_fields.items()}
    fixed = dict(arguments)
    for key, value in arguments.items():
        field = fields.get(key)
        if field is None or not isinstance(value, str) or _admits_str(field.annotation):
            continue
        try:
            decoded = json.loads(value)
        except json.JSONDecodeError:
            continue
        if isinstance(decoded, list | dict):
            fixed[key] = decoded
    return fixed


def _admits_str(annotation: Any) -> bool:
    return annotation is str or str in get_args(annotation)
