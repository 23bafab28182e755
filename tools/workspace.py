"""The workspace: the one folder that tools called by a chat, an MCP client or the UI may read and write.

The ``doppel`` CLI, run by a person in a shell, reads and writes what that person names. Requests that
come from a model or a remote client are different: every path in them goes through a ``Workspace``.
A path is resolved inside its root (a relative path from the root, ``~`` expanded, symlinks followed,
``..`` folded) and refused when it lands outside. Doppel's own demo files (the bundled ``playbooks/`` and
``examples/``) may be read from anywhere, never written. A refusal names the path and the root, never
anything a file holds.

One mechanism for every adapter:

- ``Workspace.confine(request)`` takes a validated request model (a capability's, a run config) and
  returns a copy whose every ``Path`` value, at any depth (optional, lists, dicts, nested models), is
  resolved, or raises ``WorkspaceError``. Fields named in ``OUTPUT_FIELDS`` are written to, the others
  read. Walking the values rather than listing fields means a new path field is confined without a change
  here.
- ``within(workspace)`` marks the call being served, so a default a tool computes itself (``out/<schema>``)
  lands in the workspace too (``in_workspace``).

Who calls it: the MCP adapters (``server/mcp_tools.py``, ``server/mcp_runs.py``), the chat's Strands tools
(``agents/strands_adapter.py``, ``agents/run_tools.py``) and the offline model's file lookup. The
Chainlit UI (``chat_ui/``, not written yet) must use this same class: it talks to the supervisor through
``agents.chat.Conversation``, whose tools are confined already, and it stores uploads at
``Workspace.resolve(name, write=True)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any, TypeVar

from pydantic import BaseModel

from tools.errors import DoppelError

INSTALL = Path(__file__).resolve().parents[1]
BUNDLED = (INSTALL / "playbooks", INSTALL / "examples")  # Doppel's own demo files: read-only
OUTPUT_FIELDS = frozenset({"out", "json_out", "append"})  # path fields a tool writes to

M = TypeVar("M", bound=BaseModel)

_CURRENT: ContextVar[Workspace | None] = ContextVar("doppel_workspace", default=None)


class WorkspaceError(DoppelError):
    """A path outside the workspace root (or a write to Doppel's read-only demo files)."""


@dataclass(frozen=True)
class Workspace:
    root: Path
    bundled: tuple[Path, ...] = field(default=BUNDLED)

    @classmethod
    def at(cls, root: Path | str) -> Workspace:
        """The workspace rooted at ``root`` (an existing folder; relative to the working folder)."""
        resolved = Path(root).expanduser().resolve()
        if not resolved.is_dir():
            raise DoppelError(f"workspace_root {root}: no such folder (set DOPPEL_WORKSPACE_ROOT to an existing one)")
        return cls(resolved, tuple(b.resolve() for b in BUNDLED))

    def resolve(self, path: PurePath | str, *, write: bool = False, where: str = "") -> Path:
        """``path`` resolved inside the root, or a ``WorkspaceError`` naming it and the root.

        Reading may also reach Doppel's bundled demo files; writing never does."""
        label = f"{where}: " if where else ""
        text = str(path)
        if not text or "\x00" in text:
            raise WorkspaceError(f"{label}not a usable path")
        given = Path(text).expanduser()
        resolved = (given if given.is_absolute() else self.root / given).resolve()
        if resolved.is_relative_to(self.root):
            return resolved
        if any(resolved.is_relative_to(b) for b in self.bundled):
            if not write:
                return resolved
            raise WorkspaceError(f"{label}{text}: Doppel's bundled demo files are read-only; write inside {self.root}")
        raise WorkspaceError(
            f"{label}{text} is outside the workspace {self.root}: tools used from a chat or an MCP client only "
            "read and write inside it (give a path in it, or set workspace_root / DOPPEL_WORKSPACE_ROOT)"
        )

    def confine(self, request: M) -> M:
        """A copy of ``request`` with every path resolved inside the workspace (``WorkspaceError`` if one is not)."""
        confined = self._walk(request, "", write=False)
        assert isinstance(confined, type(request))
        return confined

    def _walk(self, value: Any, where: str, *, write: bool) -> Any:
        if isinstance(value, PurePath):
            return self.resolve(value, write=write, where=where)
        if isinstance(value, BaseModel):
            changed = {}
            for name in type(value).model_fields:
                inner = getattr(value, name)
                here = f"{where}.{name}" if where else name
                new = self._walk(inner, here, write=write or name in OUTPUT_FIELDS)
                if new is not inner:
                    changed[name] = new
            return value.model_copy(update=changed) if changed else value
        if isinstance(value, list | tuple):
            items = [self._walk(v, f"{where}[{i}]", write=write) for i, v in enumerate(value)]
            return value if all(a is b for a, b in zip(items, value, strict=True)) else type(value)(items)
        if isinstance(value, dict):
            mapped = {k: self._walk(v, f"{where}.{k}", write=write) for k, v in value.items()}
            return value if all(mapped[k] is v for k, v in value.items()) else mapped
        return value


def workspace_of(settings: Any) -> Workspace:
    """The workspace of ``settings`` (its ``workspace_root``; default the working folder)."""
    return Workspace.at(settings.workspace_root)


@contextmanager
def within(workspace: Workspace | None) -> Iterator[Workspace | None]:
    """Serve one call inside ``workspace`` (None: unconfined, as the CLI is)."""
    token = _CURRENT.set(workspace)
    try:
        yield workspace
    finally:
        _CURRENT.reset(token)


def current() -> Workspace | None:
    """The workspace of the call being served, or None outside a confined call."""
    return _CURRENT.get()


def in_workspace(path: Path) -> Path:
    """A default output path a tool computed itself: inside the workspace during a confined call, else as is."""
    workspace = current()
    return path if workspace is None else workspace.resolve(path, write=True)
