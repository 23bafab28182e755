"""Capabilities: Doppel's tools, written once as typed functions and served twice (Strands and MCP).

A capability is a plain function ``fn(request: SomeRequest, progress: ProgressCallback | None = None)
-> SomeResult`` with pydantic models on both sides and a docstring whose first paragraph describes it to
a model. ``@capability(specialist=...)`` registers it; the agent and MCP adapters read this registry and
nothing else, so a tool's name, description and JSON schemas are defined in exactly one place.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, TypeVar, get_type_hints

from pydantic import BaseModel

from tools.progress import ProgressCallback

Specialist = Literal["data_processor", "synthetic_data", "distribution", "test_case", "test_execution"]
SPECIALISTS: tuple[Specialist, ...] = (
    "data_processor",
    "synthetic_data",
    "distribution",
    "test_case",
    "test_execution",
)

# modules whose import registers capabilities (each applies @capability to its functions)
CAPABILITY_MODULES = (
    "tools.capability.generation",
    "tools.capability.samples",
    "tools.capability.protect",
    "tools.capability.evaluation",
    "tools.capability.synthesis",
    "tools.capability.explain",
    "tools.capability.testing",
    "tools.capability.targets",
)

F = TypeVar("F", bound=Callable[..., BaseModel])


@dataclass(frozen=True)
class Capability:
    name: str
    description: str
    specialist: Specialist
    func: Callable[..., BaseModel]
    input_model: type[BaseModel]
    output_model: type[BaseModel]
    long_running: bool

    def input_schema(self) -> dict[str, Any]:
        """The JSON schema of the arguments, identical for every adapter."""
        return self.input_model.model_json_schema(by_alias=True)

    def output_schema(self) -> dict[str, Any]:
        return self.output_model.model_json_schema(by_alias=True, mode="serialization")

    def run(self, arguments: dict[str, Any] | BaseModel, progress: ProgressCallback | None = None) -> BaseModel:
        """Validate ``arguments`` against the input model and call the function."""
        request = arguments if isinstance(arguments, self.input_model) else self.input_model.model_validate(arguments)
        return self.func(request, progress)


_REGISTRY: dict[str, Capability] = {}


def _models(func: Callable[..., Any]) -> tuple[type[BaseModel], type[BaseModel]]:
    hints = get_type_hints(func)
    params = list(inspect.signature(func).parameters)
    if len(params) != 2 or params[1] != "progress":
        raise TypeError(f"capability {func.__name__}: signature must be (request, progress=None)")
    request, result = hints.get(params[0]), hints.get("return")
    for what, model in (("request", request), ("return", result)):
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise TypeError(f"capability {func.__name__}: the {what} type must be a pydantic model")
    return request, result  # type: ignore[return-value]


def capability(specialist: Specialist, *, name: str | None = None, long_running: bool = False) -> Callable[[F], F]:
    """Register ``func`` as a capability of ``specialist``; returns it unchanged."""

    def register(func: F) -> F:
        request, result = _models(func)
        doc = inspect.getdoc(func) or ""
        description = doc.split("\n\n")[0].replace("\n", " ").strip()
        if not description:
            raise TypeError(f"capability {func.__name__}: needs a docstring (it is the tool's description)")
        key = name or func.__name__
        if key in _REGISTRY and _REGISTRY[key].func is not func:
            raise ValueError(f"capability {key!r} is registered twice")
        _REGISTRY[key] = Capability(key, description, specialist, func, request, result, long_running)
        return func

    return register


@cache
def _load() -> None:
    for module in CAPABILITY_MODULES:
        importlib.import_module(module)


def capabilities(specialist: Specialist | None = None) -> list[Capability]:
    """Every registered capability (of one specialist), in registration order."""
    _load()
    return [c for c in _REGISTRY.values() if specialist is None or c.specialist == specialist]


def get_capability(name: str) -> Capability:
    _load()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no capability named {name!r}; known: {', '.join(_REGISTRY)}") from None
