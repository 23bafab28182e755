"""Load a dataset into targets, and unload what loads wrote.

:func:`load_dataset` takes each target in turn: open, check, (``replace``: unload what earlier loads put
into the same target), create what is missing, then every table, parents first, in batches. A keyed
target (SQL, Salesforce, REST) gets each key once: a row repeating an earlier row's key, or without a
key, is rejected with that reason before anything is sent. Every batch's written keys go to the ledger as
soon as the batch is committed. One target failing (unreachable, refused, an insert meeting existing
keys, more rejections than ``allow_rejected``) is reported and never stops the others.

:func:`unload` removes the recorded keys, children before parents, and records what went.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import pyarrow as pa
from pydantic import BaseModel, Field, computed_field

from tools.errors import DoppelError
from tools.progress import ProgressCallback, no_progress
from tools.redact import redact
from tools.targets.base import Batch, BatchResult, Key, Mode, Rejection, TargetError, TargetInfo
from tools.targets.config import TargetConfig
from tools.targets.dataset import Dataset, TableData
from tools.targets.ledger import Ledger, LoadedTarget
from tools.targets.registry import OpenContext, open_target

EXAMPLES = 3
MAX_REASONS = 8


class RejectReason(BaseModel):
    reason: str
    count: int
    keys: list[str] = Field(default_factory=list, description="the first few keys rejected for it")


class TableOutcome(BaseModel):
    table: str
    rows: int = Field(0, description="rows of the dataset offered to the target")
    loaded: int = 0
    updated: int = 0
    rejected: int = 0
    retried: int = 0
    reasons: list[RejectReason] = Field(default_factory=list)


class TargetOutcome(BaseModel):
    target: TargetInfo
    mode: str
    ok: bool
    error: str | None = None
    replaced: int = Field(0, description="rows of earlier loads removed first (mode replace)")
    tables: list[TableOutcome] = Field(default_factory=list)
    seconds: float = 0.0

    def total(self, what: str) -> int:
        return sum(int(getattr(t, what)) for t in self.tables)


class LoadReport(BaseModel):
    load_id: str
    run_id: str | None = None
    source: str
    record: str = Field(description="the file recording the keys written (what unload removes)")
    targets: list[TargetOutcome]
    warnings: list[str] = Field(default_factory=list)
    notice: str | None = Field(None, description="which targets were stand-ins (local imitations), if any")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ok(self) -> bool:
        """Every target succeeded."""
        return all(t.ok for t in self.targets)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def stand_ins(self) -> list[str]:
        """The targets that were stand-ins (local imitations), not the real systems."""
        return [t.target.name for t in self.targets if t.target.stand_in]

    def counts(self) -> dict[str, int]:
        """Totals, and per target and table the rows loaded (and updated, rejected, retried when not 0), flat:
        a workflow stage's counts."""
        counts: dict[str, int] = {
            "targets": len(self.targets),
            "targets_failed": sum(1 for t in self.targets if not t.ok),
        }
        for what in ("loaded", "updated", "rejected", "retried"):
            counts[what] = sum(t.total(what) for t in self.targets)
        for t in self.targets:
            for table in t.tables:  # loaded always, the others when there were any
                for what in ("loaded", "updated", "rejected", "retried"):
                    if what == "loaded" or getattr(table, what):
                        counts[f"{t.target.name}/{table.table} {what}"] = getattr(table, what)
        return counts

    def summary(self) -> str:
        """One line per target: ``name (kind, stand-in): 985 loaded, 0 updated, 15 rejected, 2 retried``."""
        lines = []
        for t in self.targets:
            what = f"{t.target.kind}, stand-in" if t.target.stand_in else t.target.kind
            counts = ", ".join(f"{t.total(k)} {k}" for k in ("loaded", "updated", "rejected", "retried"))
            state = "ok" if t.ok else f"FAILED: {t.error}"
            lines.append(f"{t.target.name} ({what}): {counts}; {state}")
        return "\n".join(lines)


class UnloadOutcome(BaseModel):
    target: str
    kind: str
    stand_in: bool = False
    load_id: str
    ok: bool
    error: str | None = None
    removed: dict[str, int] = Field(default_factory=dict, description="table -> rows removed (children first)")
    keys: dict[str, int] = Field(default_factory=dict, description="table -> keys recorded")


class UnloadReport(BaseModel):
    targets: list[UnloadOutcome]
    notice: str | None = Field(None, description="which targets were stand-ins (local imitations), if any")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ok(self) -> bool:
        """Every target's rows were removed."""
        return all(t.ok for t in self.targets)


def info_of(config: TargetConfig) -> TargetInfo:
    return TargetInfo(
        name=config.label,
        kind=config.kind,
        where=config.where(),
        stand_in=bool(getattr(config, "stand_in", False)),
        identity=config.identity(),
    )


def load_dataset(
    dataset: Dataset,
    targets: Sequence[TargetConfig],
    ledger: Ledger,
    *,
    mode: str | None = None,
    batch_size: int | None = None,
    progress: ProgressCallback | None = None,
    earlier: Callable[[str], list[LoadedTarget]] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> LoadReport:
    """Load every table of ``dataset`` into each of ``targets`` (see the module docstring)."""
    names = [t.label for t in targets]
    if len(set(names)) != len(names):
        repeated = sorted(n for n, c in Counter(names).items() if c > 1)
        raise DoppelError(f"targets: each needs its own name; {', '.join(repeated)} is used twice")
    progress = progress or no_progress
    outcomes = [
        _load_one(dataset, config, ledger, mode or config.mode, batch_size or config.batch_size, progress, earlier,
                  sleep)
        for config in targets
    ]  # fmt: skip
    return LoadReport(
        load_id=ledger.load_id,
        run_id=ledger.run_id,
        source=str(dataset.folder),
        record=str(ledger.path),
        targets=outcomes,
        warnings=list(dataset.warnings),
    )


def _load_one(
    dataset: Dataset,
    config: TargetConfig,
    ledger: Ledger,
    mode: str,
    batch_size: int,
    progress: ProgressCallback,
    earlier: Callable[[str], list[LoadedTarget]] | None,
    sleep: Callable[[float], None],
) -> TargetOutcome:
    started = time.perf_counter()
    outcome = TargetOutcome(target=info_of(config), mode=mode, ok=False)
    tables = [t for t in dataset.ordered() if config.tables is None or t.plan.name in config.tables]
    if config.tables is not None and (unknown := sorted(set(config.tables) - set(dataset.tables))):
        outcome.error = f"tables {', '.join(unknown)} are not in {dataset.folder}"
        return outcome
    target: Any = None
    try:
        target = open_target(config, OpenContext(load_id=ledger.load_id, sleep=sleep))
        outcome.target = target.report()
        ledger.target(outcome.target, config)
        target.check()
        accepts = getattr(target, "accepts", None)
        if accepts is not None:
            tables = [t for t in tables if accepts(t.plan)]
        effective: Mode = "upsert" if mode == "upsert" else "insert"
        if mode == "replace":
            outcome.replaced = _replace(target, outcome.target, earlier, progress)
        target.begin([t.plan for t in tables], effective)
        for data in tables:
            result = TableOutcome(table=data.plan.name, rows=data.plan.rows)
            outcome.tables.append(result)  # before loading: a failure half-way still shows what was written
            _load_table(target, config, data, effective, batch_size, ledger, outcome.target, result, progress)
        offered = sum(t.rows for t in outcome.tables)
        rejected = outcome.total("rejected")
        if offered and rejected / offered > config.allow_rejected:
            outcome.error = (
                f"rejected {rejected} of {offered} rows ({rejected / offered:.0%}), more than allow_rejected "
                f"({config.allow_rejected:.0%}); the reasons are listed per table"
            )
        else:
            outcome.ok = True
    except DoppelError as exc:
        outcome.error = redact(str(exc))
    except Exception as exc:  # a bug or an unexpected library error: this target fails, the others go on
        outcome.error = f"{type(exc).__name__}: {redact(str(exc))[:300]}"
    finally:
        if target is not None:
            with contextlib.suppress(Exception):
                target.close()
        outcome.seconds = round(time.perf_counter() - started, 3)
    return outcome


def _load_table(
    target: Any,
    config: TargetConfig,
    data: TableData,
    mode: Mode,
    batch_size: int,
    ledger: Ledger,
    info: TargetInfo,
    result: TableOutcome,
    progress: ProgressCallback,
) -> None:
    plan = data.plan
    table, early = _keyed_rows(data) if getattr(target, "keyed", False) else (data.table, [])
    total = BatchResult(rejected=list(early))
    step = f"Loading {plan.name} into {config.label}"
    progress(step, 0, plan.rows)
    done = len(early)
    try:
        for index, start in enumerate(range(0, table.num_rows, batch_size)):
            chunk = table.slice(start, batch_size)
            rows = chunk.to_pylist()
            batch = Batch(index, chunk, rows, [plan.key_of(r) for r in rows], first_row=start)
            answer = target.load(plan, batch, mode)
            ledger.keys(info.name, plan.name, answer.written)
            total.add(answer)
            done += len(rows)
            progress(step, done, plan.rows)
        answer = target.finish(plan)
        ledger.keys(info.name, plan.name, answer.written)
        total.add(answer)
    finally:
        _fill(result, total)
    progress(step, plan.rows, plan.rows)


def _fill(result: TableOutcome, total: BatchResult) -> None:
    result.loaded, result.updated, result.retried = total.loaded, total.updated, total.retried
    result.rejected = len(total.rejected)
    reasons: dict[str, list[str]] = {}
    for r in total.rejected:
        reasons.setdefault(r.reason, []).append(str(r.key))
    top = sorted(reasons.items(), key=lambda item: (-len(item[1]), item[0]))
    result.reasons = [RejectReason(reason=k, count=len(v), keys=v[:EXAMPLES]) for k, v in top[:MAX_REASONS]]
    if len(top) > MAX_REASONS:
        rest = sum(len(v) for _, v in top[MAX_REASONS:])
        result.reasons.append(RejectReason(reason=f"{len(top) - MAX_REASONS} other reasons", count=rest))


def _keyed_rows(data: TableData) -> tuple[pa.Table, list[Rejection]]:
    """The rows a keyed target gets (each key once, none missing) and the rejections of the others."""
    plan = data.plan
    if not plan.primary_key:
        raise TargetError(
            f"table {plan.name}: no primary key found (none recorded, none inferred): give one with "
            f"--key {plan.name}=COLUMN (or keys: in the target's run configuration)"
        )
    columns = [data.table[c].to_pylist() for c in plan.primary_key]
    seen: dict[Any, int] = {}
    keep: list[int] = []
    rejected: list[Rejection] = []
    for i, values in enumerate(zip(*columns, strict=True)):
        key: Key = values[0] if len(values) == 1 else list(values)
        if any(v is None or v == "" for v in values):
            missing = ", ".join(c for c, v in zip(plan.primary_key, values, strict=True) if v is None or v == "")
            rejected.append(Rejection(f"row {i + 1}", f"no value for the key ({missing})"))
            continue
        marker = tuple(values)
        if marker in seen:
            rejected.append(
                Rejection(key, f"duplicate key in the data: {', '.join(plan.primary_key)} repeats an earlier row")
            )
            continue
        seen[marker] = i
        keep.append(i)
    if not rejected:
        return data.table, []
    return data.table.take(pa.array(keep, pa.int64())), rejected


def _replace(
    target: Any, info: TargetInfo, earlier: Callable[[str], list[LoadedTarget]] | None, progress: ProgressCallback
) -> int:
    """Mode replace: remove what earlier loads put into this target (by identity), children first."""
    if earlier is None:
        return 0
    removed = 0
    for loaded in reversed(earlier(info.identity)):
        ledger = Ledger(loaded.path.parent, loaded.load_id, loaded.run_id)
        removed += sum(_unload_tables(target, loaded, ledger, progress).values())
    return removed


def _unload_tables(target: Any, loaded: LoadedTarget, ledger: Ledger, progress: ProgressCallback) -> dict[str, int]:
    removed: dict[str, int] = {}
    for table in reversed(list(loaded.tables)):
        keys = loaded.tables[table]
        step = f"Removing {table} from {loaded.target}"
        progress(step, 0, len(keys))
        count = 0
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            count += target.unload(table, chunk)
            ledger.unloaded(loaded.target, table, chunk)
            progress(step, start + len(chunk), len(keys))
        removed[table] = count
    return removed


def unload(
    loads: Sequence[LoadedTarget],
    config_for: Callable[[LoadedTarget], TargetConfig],
    *,
    progress: ProgressCallback | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> UnloadReport:
    """Remove what each of ``loads`` wrote (newest load first, children first); one failure never stops
    the others."""
    progress = progress or no_progress
    outcomes = []
    for loaded in reversed(list(loads)):
        outcome = UnloadOutcome(
            target=loaded.target,
            kind=loaded.kind,
            stand_in=loaded.stand_in,
            load_id=loaded.load_id,
            ok=False,
            keys={t: len(k) for t, k in loaded.tables.items()},
        )
        if loaded.remaining == 0:
            outcome.ok = True  # nothing of this load is left there (it failed before writing, or was undone)
            outcomes.append(outcome)
            continue
        target: Any = None
        try:
            config = config_for(loaded)
            target = open_target(config, OpenContext(load_id=loaded.load_id, sleep=sleep))
            target.check()
            ledger = Ledger(loaded.path.parent, loaded.load_id, loaded.run_id)
            outcome.removed = _unload_tables(target, loaded, ledger, progress)
            outcome.ok = True
        except DoppelError as exc:
            outcome.error = redact(str(exc))
        except Exception as exc:
            outcome.error = f"{type(exc).__name__}: {redact(str(exc))[:300]}"
        finally:
            if target is not None:
                with contextlib.suppress(Exception):
                    target.close()
        outcomes.append(outcome)
    return UnloadReport(targets=outcomes)
