"""Is a generation request possible on this machine? Estimated before anything is written.

Bytes per row come from a small probe: a few hundred rows of each table made by the real generators
(a model-written ``llm_text`` field by its rule fallback) and written by the real format writer into a
scratch folder, so encoding, quoting and compression are measured, not guessed. Output is streamed to
disk block by block, so rows cost disk, not memory; memory is what the engine keeps for the whole run:
the primary keys of referenced tables and the values already used by fields made unique by redrawing.
A request is refused when its estimate exceeds the free disk space of the output folder or the memory
available, with both estimates in the message.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from tools.errors import DoppelError

PROBE_ROWS = 256
SMALL_REQUEST_ROWS = 10_000  # at most this many rows in all: nothing worth estimating
SEEN_VALUE_OVERHEAD = 100  # bytes a Python set spends on one value besides its text (object, hash slot)
WORKING_BYTES = 512 * 2**20  # blocks in flight, writer buffers, the interpreter itself
PROBE_SEGMENT = 2**31 - 1  # probe blocks draw from streams no real segment uses


@dataclass(frozen=True)
class TableSize:
    rows: int  # rows this run writes
    disk: int  # bytes those rows take in the output format
    memory: int  # bytes the engine keeps for the whole run because of this table


@dataclass(frozen=True)
class Capacity:
    disk: int  # free bytes where the output goes
    memory: int  # bytes of memory available to this process


def human(n: float) -> str:
    """``1234567`` -> ``1.2 MB`` (powers of 1000, as disk sizes are sold)."""
    for unit in ("bytes", "kB", "MB", "GB", "TB", "PB"):
        if abs(n) < 1000 or unit == "PB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1000
    return f"{n:,.1f} PB"  # pragma: no cover


def _cgroup_memory() -> int | None:
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = int(Path("/sys/fs/cgroup/memory.current").read_text())
    except (OSError, ValueError):
        return None
    return None if limit == "max" else max(int(limit) - used, 0)


def available_memory() -> int:
    """MemAvailable from /proc/meminfo (or free pages), capped by a cgroup limit when there is one."""
    found: int | None = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        found = None
    if found is None:
        try:
            found = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            found = 2**63  # unknown: do not refuse on memory
    limit = _cgroup_memory()
    return min(found, limit) if limit is not None else found


def free_disk(folder: Path) -> int:
    """Free bytes on the file system that holds ``folder`` (or its nearest existing parent)."""
    probe = Path(folder).absolute()
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def measure_capacity(folder: Path) -> Capacity:
    return Capacity(disk=free_disk(folder), memory=available_memory())


def probe_bytes(batch: pa.RecordBatch, write: Callable[[Path, pa.RecordBatch], list[Path]]) -> float:
    """Bytes per row of ``batch`` once written by ``write`` into a scratch folder."""
    if batch.num_rows == 0:
        return 0.0
    with tempfile.TemporaryDirectory(prefix="doppel-size-") as scratch:
        files = write(Path(scratch), batch)
        return sum(f.stat().st_size for f in files) / batch.num_rows


def refuse_if_too_big(
    what: str,
    sizes: Mapping[str, TableSize],
    capacity: Capacity,
    out: Path,
    extra_disk: int = 0,
    lower_bound: bool = False,
) -> None:
    """Raise a DoppelError naming the estimated disk and memory when either does not fit."""
    disk = sum(s.disk for s in sizes.values()) + extra_disk
    memory = sum(s.memory for s in sizes.values()) + WORKING_BYTES
    if disk <= capacity.disk and memory <= capacity.memory:
        return
    per_table = ", ".join(f"{name} {s.rows:,} rows ~ {human(s.disk)}" for name, s in sizes.items() if s.rows)
    estimated = "at least" if lower_bound else "an estimated"
    raise DoppelError(
        f"{what}: too big for this machine: {estimated} {human(disk)} on disk ({human(capacity.disk)} free at "
        f"{out}) and {human(memory)} of memory ({human(capacity.memory)} available); {per_table}. "
        "Ask for fewer rows"
    )


def _probe_plan_table(table: Any) -> Any:
    """The table with every model-written field made by its rule fallback: a probe must not call a model."""
    fields = []
    for f in table.fields:
        if f.generator.name == "llm_text":
            fallback, params = f.params.fallback_spec()
            f = dataclasses.replace(f, generator=fallback, params=params)
        fields.append(f)
    return dataclasses.replace(table, fields=fields)


def estimate_generation(
    plan: Any,
    seed: int,
    earlier: Mapping[str, int],
    tagged: Mapping[str, bool],
    write: Callable[[Any, bool, Path, pa.RecordBatch], list[Path]],
) -> dict[str, TableSize]:
    """Per table of ``plan``: the rows, disk and memory this run takes (``earlier``: rows already written)."""
    from tools.engine.blocks import BlockRequest, generate_block, without_tags

    sizes: dict[str, TableSize] = {}
    probes: dict[str, pa.RecordBatch] = {}
    for table in plan.tables:
        n = min(table.rows, PROBE_ROWS) or min(earlier.get(table.name, 0), PROBE_ROWS)
        keys = {}
        for name in plan.referenced_tables:
            parent = plan.by_name[name]
            if parent.primary_key:  # a parent without rows gives the real run's error, before anything is written
                empty = pa.array([], type=parent.by_name[parent.primary_key].arrow_type)
                keys[name] = probes[name].column(parent.primary_key) if name in probes else empty
        probe_table = _probe_plan_table(table)
        request = BlockRequest(seed=seed, segment=PROBE_SEGMENT, block=0, row_start=0, size=n)
        batch = generate_block(probe_table, request, keys).batch if n else None
        if batch is None:
            sizes[table.name] = TableSize(table.rows, 0, 0)
            continue
        probes[table.name] = batch
        tags = tagged[table.name]
        shown = batch if tags else without_tags(batch)
        per_row = probe_bytes(shown, functools.partial(write, table, tags))
        kept_rows = earlier.get(table.name, 0) + table.rows
        memory = 0
        if table.name in plan.referenced_tables and table.primary_key:
            memory += kept_rows * batch.column(table.primary_key).nbytes // max(n, 1)
        for f in table.fields:
            if f.engine_unique:
                memory += kept_rows * (SEEN_VALUE_OVERHEAD + batch.column(f.name).nbytes // max(n, 1))
        sizes[table.name] = TableSize(table.rows, round(per_row * table.rows), memory)
    return sizes
