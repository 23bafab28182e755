"""The record of what each load wrote, so ``unload`` removes exactly that (children first).

One JSON-lines file per load: ``<folder>/<load id>.jsonl``; a run's loads in ``<home>/loads/<run id>/``,
loads without a run in ``<home>/loads/``. Lines, appended and flushed as the load goes (a crash keeps what was
recorded up to the last committed batch):

- ``{"type": "load", "load_id", "run_id", "source", "created"}``, first;
- ``{"type": "target", "target", "kind", "identity", "stand_in", "config"}`` (the configuration without
  its secrets: unload takes those from the settings again);
- ``{"type": "keys", "target", "table", "keys": [...]}`` per batch written (a target's own ids where it
  assigns them: Salesforce record ids);
- ``{"type": "unloaded", "target", "table", "keys": [...]}`` per batch removed.

Keys are synthetic identifiers, never a production value.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from tools.errors import DoppelError
from tools.targets.base import Key, TargetInfo
from tools.targets.config import TargetConfig

LOADS = "loads"


def new_load_id() -> str:
    return f"load-{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


class LoadedTarget(BaseModel):
    """What one load wrote into one target, still there (keys recorded, minus keys unloaded)."""

    load_id: str
    run_id: str | None = None
    target: str
    kind: str
    identity: str
    stand_in: bool = False
    config: dict[str, Any] = Field(default_factory=dict)
    tables: dict[str, list[Key]] = Field(default_factory=dict, description="table -> keys, in load order")
    created: str = ""
    path: Path

    @property
    def remaining(self) -> int:
        return sum(len(k) for k in self.tables.values())


class Ledger:
    """Appends to one load's file; reads every load file of a folder."""

    def __init__(self, folder: Path, load_id: str, run_id: str | None = None) -> None:
        self.folder = Path(folder)
        self.load_id = load_id
        self.run_id = run_id
        self.path = self.folder / f"{load_id}.jsonl"
        self._targets: set[str] = set()

    def _append(self, entry: dict[str, Any]) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            new = not self.path.exists()
            with open(self.path, "a", encoding="utf-8") as fh:
                if new:
                    head = {"type": "load", "load_id": self.load_id, "run_id": self.run_id, "created": _now()}
                    fh.write(json.dumps(head) + "\n")
                fh.write(json.dumps(entry, default=str) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise DoppelError(f"{self.path}: cannot record the keys loaded ({exc.strerror or exc})") from None

    def target(self, info: TargetInfo, config: TargetConfig) -> None:
        if info.name in self._targets:
            return
        self._targets.add(info.name)
        self._append(
            {
                "type": "target",
                "target": info.name,
                "kind": info.kind,
                "identity": info.identity,
                "stand_in": info.stand_in,
                "config": config.model_dump(mode="json", exclude_none=True),
            }
        )

    def keys(self, target: str, table: str, keys: Sequence[Key]) -> None:
        if keys:
            self._append({"type": "keys", "target": target, "table": table, "keys": list(keys)})

    def unloaded(self, target: str, table: str, keys: Sequence[Key]) -> None:
        if keys:
            self._append({"type": "unloaded", "target": target, "table": table, "keys": list(keys)})


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _key(value: Key) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def read_load(path: Path) -> list[LoadedTarget]:
    """The targets of one load file with the keys still loaded (recorded minus unloaded)."""
    head: dict[str, Any] = {}
    targets: dict[str, LoadedTarget] = {}
    gone: dict[tuple[str, str], set[str]] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DoppelError(f"{path}: cannot read the load record ({exc.strerror or exc})") from None
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # a line cut by a crash
        kind = entry.get("type")
        if kind == "load":
            head = entry
        elif kind == "target":
            targets[entry["target"]] = LoadedTarget(
                load_id=head.get("load_id", path.stem),
                run_id=head.get("run_id"),
                target=entry["target"],
                kind=entry["kind"],
                identity=entry["identity"],
                stand_in=bool(entry.get("stand_in")),
                config=entry.get("config") or {},
                created=head.get("created", ""),
                path=path,
            )
        elif kind == "keys" and entry.get("target") in targets:
            targets[entry["target"]].tables.setdefault(entry["table"], []).extend(entry["keys"])
        elif kind == "unloaded":
            gone.setdefault((entry["target"], entry["table"]), set()).update(_key(k) for k in entry["keys"])
    for target in targets.values():
        for table, keys in target.tables.items():
            removed = gone.get((target.target, table), set())
            seen: set[str] = set()
            kept = []
            for key in keys:
                text = _key(key)
                if text not in removed and text not in seen:
                    seen.add(text)
                    kept.append(key)
            target.tables[table] = kept
    return list(targets.values())


def load_files(folder: Path) -> Iterator[Path]:
    """Every load file in ``folder``, oldest first."""
    if folder.is_dir():
        yield from sorted(folder.glob("*.jsonl"), key=lambda p: (p.stat().st_mtime, p.name))


def loads_in(folders: Sequence[Path]) -> list[LoadedTarget]:
    """Every load (target by target) recorded in ``folders``, oldest first."""
    found: list[LoadedTarget] = []
    for folder in folders:
        for path in load_files(folder):
            found += read_load(path)
    return found
