"""Loading and unloading as the CLI, the capabilities and the workflow's distribute stage do it: read the
folder, resolve the targets, find or start the stand-ins, load (or unload), record, report.

Where loads are recorded: a load without a run in ``<home>/loads/``, a run's in ``<home>/loads/<run id>/``
(beside the run's folder, not in it: a run's folder holds only what the same seed makes again byte for
byte). ``unload`` takes either a load id (``load-...``) or a run id (or a unique prefix of 4+ characters):
a run's every load is undone, newest first.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from tools.errors import DoppelError
from tools.progress import ProgressCallback
from tools.settings import Settings
from tools.targets.config import TargetConfig
from tools.targets.dataset import read_dataset
from tools.targets.ledger import LOADS, Ledger, LoadedTarget, load_files, loads_in, new_load_id, read_load
from tools.targets.loader import LoadReport, UnloadReport, load_dataset, unload
from tools.targets.resolve import config_for_unload, is_reference, resolve_targets
from tools.targets.standins import stand_ins


def load_folder(
    folder: Path,
    targets: Sequence[str | TargetConfig],
    settings: Settings,
    *,
    mode: str | None = None,
    batch_size: int | None = None,
    allow_rejected: float | None = None,
    keys: dict[str, list[str]] | None = None,
    metadata: Path | None = None,
    run_id: str | None = None,
    base: Path | None = None,
    progress: ProgressCallback | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> LoadReport:
    """Load the output folder ``folder`` into ``targets``; the report names the load id and the stand-ins."""
    if not targets:
        raise DoppelError("no targets: give --target NAME_OR_URL (a doppel.toml [targets.NAME], or a URL)")
    dataset = read_dataset(folder, metadata=metadata, keys=keys)
    configs = resolve_targets(targets, settings, base)
    if allow_rejected is not None:
        configs = [c.model_copy(update={"allow_rejected": allow_rejected}) for c in configs]
    load_id = new_load_id()
    where = settings.home / LOADS / run_id if run_id else settings.home / LOADS
    ledger = Ledger(where, load_id, run_id)
    with stand_ins(configs, settings) as (filled, notice):
        report = load_dataset(
            dataset,
            filled,
            ledger,
            mode=mode,
            batch_size=batch_size,
            progress=progress,
            earlier=lambda identity: earlier_loads(settings, identity, load_id),
            sleep=sleep,
        )
    report.notice = notice
    return report


def ledger_folders(settings: Settings) -> list[Path]:
    root = settings.home / LOADS
    runs = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    return [root, *runs]


def earlier_loads(settings: Settings, identity: str, exclude: str | None = None) -> list[LoadedTarget]:
    """Loads into the target of ``identity`` with keys still there, oldest first (mode replace undoes them)."""
    found = [
        t
        for t in loads_in(ledger_folders(settings))
        if t.identity == identity and t.load_id != exclude and t.remaining > 0
    ]
    return sorted(found, key=lambda t: (t.created, t.load_id))


def find_loads(ref: str, settings: Settings) -> tuple[str, list[LoadedTarget]]:
    """(what ``ref`` is, the loads it names): a load id, or a run id or unique prefix of 4+ characters."""
    ref = ref.strip()
    if not ref or "/" in ref or "\\" in ref or ref.startswith("."):
        raise DoppelError(f"'{ref}': give a load id (load-...) or a run id")
    single = settings.home / LOADS / f"{ref}.jsonl"
    if single.is_file():
        return f"load {ref}", read_load(single)
    for folder in ledger_folders(settings)[1:]:
        if (folder / f"{ref}.jsonl").is_file():
            return f"load {ref}", read_load(folder / f"{ref}.jsonl")
    runs = sorted(p for p in settings.runs_dir.glob(f"{ref}*") if p.is_dir()) if settings.runs_dir.is_dir() else []
    exact = [p for p in runs if p.name == ref]
    chosen = exact or (runs if len(ref) >= 4 else [])
    if len(chosen) > 1:
        raise DoppelError(
            f"'{ref}' matches several runs ({', '.join(p.name for p in chosen[:5])}); give more of the id"
        )
    if not chosen:
        raise DoppelError(f"no load or run '{ref}' (loads: `{settings.home / LOADS}`; runs: `doppel runs list`)")
    run = chosen[0]
    loads = [t for path in load_files(settings.home / LOADS / run.name) for t in read_load(path)]
    return f"run {run.name}", loads


def unload_ref(
    ref: str,
    settings: Settings,
    *,
    targets: Sequence[str] = (),
    progress: ProgressCallback | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[str, UnloadReport]:
    """Remove what the load or run ``ref`` wrote (into ``targets`` only, by name, URL or identity, when given)."""
    what, loads = find_loads(ref, settings)
    recorded = {t.target for t in loads}
    given = resolve_targets([t for t in targets if t not in recorded or is_reference(t)], settings)
    names = {t.label for t in given} | set(targets)
    identities = {t.identity() for t in given}
    chosen = [t for t in loads if not targets or t.target in names or t.identity in identities]
    if targets and not chosen:
        raise DoppelError(
            f"{what} loaded nothing into {', '.join(targets)} (its targets: {', '.join(sorted(recorded)) or 'none'})"
        )
    chosen = [t for t in chosen if t.remaining > 0]  # a target that failed before writing, or undone already
    configs = {id(t): config_for_unload(t, settings, given) for t in chosen}
    with stand_ins(list(configs.values()), settings) as (filled, notice):
        by_loaded = dict(zip(configs, filled, strict=True))
        report = unload(chosen, lambda t: by_loaded[id(t)], progress=progress, sleep=sleep)
    report.notice = notice
    return what, report
