"""One process advances a run at a time: an exclusive ``flock`` on ``<run>/.lock``.

The kernel drops the lock when the holder dies (even by kill -9), so a crashed run can be resumed at
once. (Per machine: runs resumed from two machines on a shared database are not guarded.)
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tools.errors import DoppelError


@contextmanager
def run_lock(run_dir: Path, run_id: str) -> Iterator[None]:
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / ".lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "another process"
            raise DoppelError(f"run {run_id}: already being advanced by process {holder}; wait for it") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)
