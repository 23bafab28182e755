"""One process advances a run at a time: an exclusive ``flock`` on ``<run>/.lock``.

The kernel drops the lock when the holder dies (even by kill -9), so a crashed run can be resumed at
once. (Per machine: runs resumed from two machines on a shared database are not guarded.)

Whether a "running" run still has a live process is told by its owner (host and pid, recorded when a
process starts advancing it): a dead pid on this host means the run was interrupted. A run recorded
before owners were (schema version 1) is alive while some process holds its lock; one owned by another
host is taken to be alive (its process cannot be seen from here).
"""

from __future__ import annotations

import fcntl
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tools.errors import DoppelError

LOCK_FILE = ".lock"


@contextmanager
def run_lock(run_dir: Path, run_id: str) -> Iterator[None]:
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / LOCK_FILE
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


def this_host() -> str:
    return socket.gethostname()


def owner_alive(run_dir: Path, host: str | None, pid: int | None) -> bool:
    """Whether the process that is advancing a run (``host``, ``pid``) still lives."""
    if pid is None:
        return lock_held(run_dir)
    if host != this_host():
        return True
    return process_alive(pid)


def process_alive(pid: int) -> bool:
    """A process with this id exists on this host and is not a zombie (dead, not yet reaped)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def lock_held(run_dir: Path) -> bool:
    """Some process holds the run's lock (probed with a shared lock, released at once)."""
    try:
        fd = os.open(run_dir / LOCK_FILE, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
