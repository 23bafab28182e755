"""export: the synthetic tables as deliverables in the configured format (and copied to ``out``).

A schema run's synthesise stage already wrote the configured format (CSV formulas neutralised as the run
configuration's ``keep_formulas`` says): those files are copied as they are. A sample run's tables (CSV
written as made, for evaluate) are converted, typed by the profile; as CSV they are rewritten with
formula-like cells neutralised, or copied as they are with ``keep_formulas``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from agents.workflow.context import StageContext, StageOutput
from agents.workflow.stages.sample import PROFILE
from agents.workflow.stages.synthesise import METADATA
from tools.errors import DoppelError
from tools.progress import ProgressCallback


def _tables(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name != METADATA and not p.name.startswith("."))


def export(context: StageContext, progress: ProgressCallback) -> StageOutput:
    source = context.stage_dir("synthesise")
    tables = _tables(source)
    if not tables:
        raise DoppelError(f"{source}: the synthesise stage left no table files")
    fmt = context.config.format
    step = f"Exporting {len(tables)} table(s) as {fmt}"
    verbatim = fmt == "csv" and context.config.keep_formulas
    if verbatim or context.config.schema_file is not None:
        for i, path in enumerate(tables):
            progress(step, i, len(tables))
            shutil.copyfile(path, context.work / path.name)
        progress(step, len(tables), len(tables))
    else:
        _convert(context, tables, progress)
    if context.config.out is not None:
        _copy_out(context.work, context.config.out)
    return StageOutput(counts={"tables": len(tables), "files": len(_tables(context.work))})


def _convert(context: StageContext, tables: list[Path], progress: ProgressCallback) -> None:
    from tools.export.base import ExportOptions
    from tools.export.convert import convert_tables
    from tools.profile.model import DatasetProfile

    if any(p.suffix != ".csv" for p in tables):
        raise DoppelError(f"{tables[0].parent}: expected the synthesised tables as CSV files")
    profile = DatasetProfile.model_validate(json.loads((context.stage_dir("profile") / PROFILE).read_text("utf-8")))
    types = {t.name: {c.name: c.inferred for c in t.columns} for t in profile.tables}
    if context.config.format == "csv":
        types = {}  # CSV stays text: only formula-like cells change
    options = ExportOptions(
        format=context.config.format,
        dialect=context.config.dialect,
        neutralise_formulas=not context.config.keep_formulas,
    )
    convert_tables({p.stem: p for p in tables}, context.work, options, types, progress)


def _copy_out(work: Path, out: Path) -> None:
    """Each file copied beside its final name, then renamed: ``out`` never holds a partial file."""
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(work.iterdir()):
        tmp = out / f".{path.name}.tmp"
        shutil.copyfile(path, tmp)
        tmp.replace(out / path.name)
