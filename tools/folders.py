"""Output folders checked before any work starts, so a bad ``--out`` is one clear error, not a traceback."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from tools.errors import DoppelError


def _nearest_existing(path: Path) -> Path:
    probe = path
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    return probe


def check_output_folder(path: Path, option: str = "--out") -> None:
    """Fail when ``path`` is a file, or when it does not exist and cannot be created (nothing is made)."""
    path = Path(path)
    if path.exists():
        if not path.is_dir():
            raise DoppelError(f"{option} {path}: is a file, not a folder; give a folder for the output")
        if not os.access(path, os.W_OK | os.X_OK):
            raise DoppelError(f"{option} {path}: cannot write into this folder (permission denied)")
        return
    existing = _nearest_existing(path)
    if not existing.is_dir():
        raise DoppelError(f"{option} {path}: cannot create the folder: {existing} is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise DoppelError(f"{option} {path}: cannot create the folder: {existing} is not writable")


def make_output_folder(path: Path, option: str = "--out") -> bool:
    """Create ``path`` (and its parents) after :func:`check_output_folder`; True when it did not exist."""
    path = Path(path)
    check_output_folder(path, option)
    created = not path.exists()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DoppelError(f"{option} {path}: cannot create the folder ({exc.strerror or exc})") from None
    return created


def remove_if_empty(path: Path) -> None:
    """Undo :func:`make_output_folder` after a failure: an empty folder we made goes again."""
    with contextlib.suppress(OSError):
        path.rmdir()
