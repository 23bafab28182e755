"""The target registry: each kind's configuration model and how to open it, built in or from a plug-in.

Register with :func:`target_kind` on an opener ``(config, context) -> Target``, or expose such a decorated
opener under the ``doppel.targets`` entry-point group from any installed package (as generators do under
``doppel.generators``). A plug-in's configuration model subclasses ``TargetConfig`` with its own ``kind``
literal; run configurations and ``doppel.toml`` then accept it like the built-in kinds.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points

from tools.errors import RegistrationError
from tools.targets.base import Target
from tools.targets.config import BUILTIN, TargetConfig

ENTRY_POINT_GROUP = "doppel.targets"
BUILTIN_MODULES = ("tools.targets.sql", "tools.targets.salesforce", "tools.targets.rest",
                   "tools.targets.folder", "tools.targets.s3")  # fmt: skip


@dataclass(frozen=True)
class OpenContext:
    """What a target gets beyond its configuration."""

    load_id: str = "load"
    sleep: Callable[[float], None] = field(default=time.sleep)


Opener = Callable[[TargetConfig, OpenContext], Target]


@dataclass(frozen=True)
class TargetKind:
    kind: str
    config: type[TargetConfig]
    open: Opener
    description: str


_REGISTRY: dict[str, TargetKind] = {}
_LOADED = False


def target_kind(config: type[TargetConfig]) -> Callable[[Opener], Opener]:
    """Register the decorated opener for ``config``'s kind (its ``kind`` field's literal default)."""
    kind = config.model_fields["kind"].default
    if not isinstance(kind, str) or not kind:
        raise RegistrationError(f"{config.__name__}: give 'kind' a literal default, e.g. kind: Literal['x'] = 'x'")

    def register(opener: Opener) -> Opener:
        existing = _REGISTRY.get(kind)
        if existing is not None and existing.open is not opener:
            raise RegistrationError(f"target kind '{kind}' is registered twice ({existing.open.__module__})")
        doc = (config.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        _REGISTRY[kind] = TargetKind(kind, config, opener, doc)
        opener.__doppel_target__ = kind  # type: ignore[attr-defined]
        return opener

    return register


def _load() -> None:
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    for module in BUILTIN_MODULES:
        importlib.import_module(module)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            obj = ep.load()
        except Exception as exc:
            raise RegistrationError(f"entry point '{ep.name}' ({ep.value}): failed to import: {exc}") from exc
        if getattr(obj, "__doppel_target__", None) is None:
            raise RegistrationError(
                f"entry point '{ep.name}' ({ep.value}): is not a target opener; decorate it with "
                "@tools.targets.registry.target_kind(YourConfig)"
            )


def kinds() -> Mapping[str, TargetKind]:
    """Every target kind: the built-in ones and the plug-ins'."""
    _load()
    return _REGISTRY


def open_target(config: TargetConfig, context: OpenContext | None = None) -> Target:
    found = kinds().get(config.kind)
    if found is None:
        raise RegistrationError(f"no target kind '{config.kind}'; known: {', '.join(sorted(kinds()))}")
    return found.open(config, context or OpenContext())


__all__ = ["BUILTIN", "ENTRY_POINT_GROUP", "OpenContext", "TargetKind", "kinds", "open_target", "target_kind"]
