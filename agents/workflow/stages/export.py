"""export: the synthetic tables as deliverables in the configured format (and copied to ``out``).

A schema run's synthesise stage already wrote the configured format, and CSV needs no conversion: those
files are copied as they are. A sample run's CSV tables are converted, typed by the profile."""

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
    if fmt == "csv" or context.config.schema_file is not None:
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
    options = ExportOptions(format=context.config.format, dialect=context.config.dialect)
    convert_tables({p.stem: p for p in tables}, context.work, options, types, progress)


def _copy_out(work: Path, out: Path) -> None:
    """Each file copied beside its final name, then renamed: ``out`` never holds a partial file."""
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(work.iterdir()):
        tmp = out / f".{path.name}.tmp"
        shutil.copyfile(path, tmp)
        tmp.replace(out / path.name)
