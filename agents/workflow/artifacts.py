"""Stage folders on disk: written in a temp folder, renamed into place, hashed into a manifest.

A run folder holds ``<stage>/`` for every checkpointed stage. A folder that is not backed by a
checkpoint (a crash between rename and commit, or a half-written ``.tmp-*`` folder) is discarded on
resume, and a checkpoint whose files no longer match their sha256 is re-run.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

TMP_PREFIX = ".tmp-"
CHUNK = 1024 * 1024


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def new_work_dir(run_dir: Path, stage: str) -> Path:
    """A fresh, empty temp folder for one attempt of ``stage``."""
    work = run_dir / f"{TMP_PREFIX}{stage}-{uuid.uuid4().hex[:8]}"
    work.mkdir(parents=True)
    return work


def manifest(folder: Path, volatile: list[str]) -> dict[str, dict[str, Any]]:
    """``relative path -> {sha256, bytes[, volatile]}`` for every file under ``folder`` (sorted)."""
    entries: dict[str, dict[str, Any]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        entry: dict[str, Any] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
        if rel in volatile:
            entry["volatile"] = True
        entries[rel] = entry
    return entries


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(work: Path, target: Path) -> None:
    """Sync ``work`` and rename it to ``target`` (an existing, unbacked ``target`` is removed first)."""
    _fsync_tree(work)
    if target.exists():
        shutil.rmtree(target)
    os.replace(work, target)
    _fsync_dir(target.parent)


def discard(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def discard_temp_dirs(run_dir: Path) -> list[str]:
    """Remove half-written attempt folders; returns their names."""
    if not run_dir.is_dir():
        return []
    stale = [p for p in run_dir.iterdir() if p.is_dir() and p.name.startswith(TMP_PREFIX)]
    for p in stale:
        discard(p)
    return [p.name for p in stale]


def verify(folder: Path, outputs: dict[str, dict[str, Any]]) -> str | None:
    """None when every recorded file is there with its sha256; else what is wrong (names only)."""
    for rel, entry in outputs.items():
        path = folder / rel
        if not path.is_file():
            return f"{rel} is missing"
        if path.stat().st_size != entry.get("bytes") or sha256_file(path) != entry.get("sha256"):
            return f"{rel} changed since it was written"
    return None
