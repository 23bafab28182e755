"""Whole-file writes that never leave half a file behind: temp file in the same folder, then rename."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from tools.errors import DoppelError

FILE_MODE = 0o644


def write_text_atomic(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to a temp file beside ``path``, fsync it and ``os.replace`` it into place.

    Readers see the old file or the new one, never a partial one; an OS error becomes a DoppelError
    naming the path (a user error, not a traceback)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise DoppelError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, FILE_MODE)  # mkstemp makes 0600; outputs are ordinary files
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise DoppelError(f"{path}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_json_atomic(path: Path, document: Any) -> Path:
    """``document`` as indented JSON (non-JSON values via ``str``), written atomically."""
    text = json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"
    return write_text_atomic(path, text)
