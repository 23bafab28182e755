"""One reading of the sample per process: the stages of a run share the tables ingest read.

A stage reads the sample through :func:`sample_tables`. The first call in a process checks each input
against the sha256 ingest recorded and parses it; later stages of the same run in the same process get
the same tables, after a cheap check that no input file changed (size and modification time; a changed
file is hashed again). A run resumed in a new process reads the sample once more, there. Only the two
most recent runs are kept, so a long-lived server does not accumulate samples.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agents.workflow.artifacts import sha256_file
from tools.errors import DoppelError, Issue
from tools.ingest.model import IngestedTable

KEPT_RUNS = 2
Fingerprint = tuple[tuple[str, int, int], ...]  # (path, size, mtime_ns) per input


@dataclass
class _Entry:
    fingerprint: Fingerprint
    tables: list[IngestedTable]


_CACHE: OrderedDict[str, _Entry] = OrderedDict()
_LOCK = threading.Lock()
reads = 0  # how many times this process parsed a sample (tests count it)


def _fingerprint(paths: list[Path]) -> Fingerprint:
    found = []
    for path in paths:
        stat = path.stat() if path.is_file() else None
        found.append((str(path), stat.st_size if stat else -1, stat.st_mtime_ns if stat else -1))
    return tuple(found)


def verify(run_id: str, manifest: Path) -> list[Path]:
    """The inputs ingest hashed, each checked to still have that sha256 (a DoppelError naming those that do
    not)."""
    recorded = json.loads(manifest.read_text(encoding="utf-8"))
    changed = [
        Issue(path=item["path"], message="changed (or vanished) since ingest; start a new run to use the new file")
        for item in recorded["inputs"]
        if not Path(item["path"]).is_file() or sha256_file(Path(item["path"])) != item["sha256"]
    ]
    if changed:
        raise DoppelError(f"run {run_id}: the sample no longer matches what was ingested", changed)
    return [Path(item["path"]) for item in recorded["inputs"]]


def sample_tables(
    run_id: str, inputs: list[Path], manifest: Path | None, read: Callable[[], list[IngestedTable]]
) -> list[IngestedTable]:
    """The run's tables: from this process's earlier reading when no input changed since, else verified
    against ``manifest`` (when given) and read once more."""
    global reads
    fingerprint = _fingerprint(inputs)
    with _LOCK:
        entry = _CACHE.get(run_id)
        if entry is not None and entry.fingerprint == fingerprint:
            _CACHE.move_to_end(run_id)
            return entry.tables
    if manifest is not None:
        verify(run_id, manifest)
    tables = read()
    reads += 1
    with _LOCK:
        _CACHE[run_id] = _Entry(fingerprint, tables)
        _CACHE.move_to_end(run_id)
        while len(_CACHE) > KEPT_RUNS:
            _CACHE.popitem(last=False)
    return tables


def forget(run_id: str) -> None:
    with _LOCK:
        _CACHE.pop(run_id, None)
