"""A local folder (kind ``folder``): each table as one file in the configured format, written by Doppel's
export writers (so CSV follows the one formula-neutralisation policy), published whole when the table ends.

``insert`` refuses a table whose file exists (naming it); ``upsert`` and ``replace`` overwrite it (its rows
count as updated). The keys recorded are the file names, so ``unload`` removes exactly those files.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tools.export.base import ExportFormat, ExportOptions, TableInfo
from tools.export.base import ForeignKey as ExportForeignKey
from tools.export.files import file_name
from tools.export.writers import ExportWriter
from tools.targets.base import Batch, BatchResult, Key, Mode, TablePlan, TargetError, TargetInfo
from tools.targets.config import FolderTarget, TargetConfig
from tools.targets.registry import OpenContext, target_kind


class TableFiles:
    """Writes each table's batches into one file of ``fmt`` inside a private temp folder."""

    def __init__(self, fmt: ExportFormat) -> None:
        self.fmt = fmt
        self.work = Path(tempfile.mkdtemp(prefix="doppel-target-"))
        self.writers: dict[str, ExportWriter] = {}
        self.rows: dict[str, int] = {}

    def name(self, table: str) -> str:
        return file_name(table, self.fmt, None)

    def write(self, plan: TablePlan, batch: Batch) -> None:
        writer = self.writers.get(plan.name)
        if writer is None:
            info = TableInfo(
                name=plan.name,
                arrow_schema=batch.arrow.schema,
                primary_key=list(plan.primary_key),
                foreign_keys=[
                    ExportForeignKey(field=fk.columns[0], ref_table=fk.parent, ref_field=fk.parent_columns[0],
                                     enforce=fk.enforce)
                    for fk in plan.foreign_keys
                    if len(fk.columns) == 1
                ],
            )  # fmt: skip
            writer = self.writers[plan.name] = ExportWriter(self.work, info, ExportOptions(format=self.fmt))
        for record_batch in batch.arrow.to_batches():
            writer.write(record_batch)
        self.rows[plan.name] = self.rows.get(plan.name, 0) + batch.arrow.num_rows

    def finish(self, table: str) -> Path | None:
        """The table's finished file (in the temp folder), or None when it had no rows."""
        writer = self.writers.pop(table, None)
        if writer is None:
            return None
        files = writer.close()
        return files[0] if files else None

    def close(self) -> None:
        for writer in self.writers.values():
            writer.abort()
        shutil.rmtree(self.work, ignore_errors=True)


class FileStore:
    """What the folder and S3 targets share: a table's batches into one file, published when it ends.
    Subclasses say where a file lives (``place``), whether it exists, how it is published and removed."""

    keyed = False
    config: TargetConfig
    files: TableFiles
    existed: set[str]

    def place(self, name: str) -> str:
        raise NotImplementedError

    def exists(self, name: str) -> bool:
        raise NotImplementedError

    def publish(self, made: Path) -> tuple[str, int]:
        """Put the finished file in place; (its key, retries it took)."""
        raise NotImplementedError

    def remove(self, key: str) -> bool:
        raise NotImplementedError

    def begin(self, tables: Sequence[TablePlan], mode: Mode) -> None:
        self.existed = {p.name for p in tables if self.exists(self.files.name(p.name))}
        if mode == "insert" and self.existed:
            names = ", ".join(self.place(self.files.name(t)) for t in sorted(self.existed))
            raise TargetError(f"{self.config.label}: {names} already exist(s) (insert mode); use --mode upsert")

    def load(self, table: TablePlan, batch: Batch, mode: Mode) -> BatchResult:
        self.files.write(table, batch)
        return BatchResult()

    def finish(self, table: TablePlan) -> BatchResult:
        made = self.files.finish(table.name)
        if made is None:
            return BatchResult()
        key, retried = self.publish(made)
        rows = self.files.rows.get(table.name, 0)
        if table.name in self.existed:
            return BatchResult(updated=rows, retried=retried, written=[key])
        return BatchResult(loaded=rows, retried=retried, written=[key])

    def unload(self, table: str, keys: Sequence[Key]) -> int:
        return sum(1 for key in keys if self.remove(str(key)))

    def close(self) -> None:
        self.files.close()


class Folder(FileStore):
    config: FolderTarget

    def __init__(self, config: FolderTarget) -> None:
        self.config = config
        self.path = Path(config.path).expanduser()
        self.files = TableFiles(config.format)
        self.existed = set()

    def report(self) -> TargetInfo:
        return TargetInfo(
            name=self.config.label, kind="folder", where=str(self.path), identity=f"folder:{self.path.resolve()}"
        )

    def check(self) -> None:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TargetError(f"{self.config.label}: cannot create {self.path} ({exc.strerror or exc})") from None
        if not os.access(self.path, os.W_OK):
            raise TargetError(f"{self.config.label}: {self.path} is not writable")

    def place(self, name: str) -> str:
        return str(self.path / name)

    def exists(self, name: str) -> bool:
        return (self.path / name).exists()

    def publish(self, made: Path) -> tuple[str, int]:
        final, temp = self.path / made.name, self.path / f".{made.name}.tmp"
        try:
            shutil.copyfile(made, temp)
            os.replace(temp, final)
        except OSError as exc:
            raise TargetError(f"{self.config.label}: cannot write {final} ({exc.strerror or exc})") from None
        return made.name, 0

    def remove(self, key: str) -> bool:
        if "/" in key or "\\" in key or key.startswith("."):
            return False  # only files this target wrote, by name, inside its folder
        path = self.path / key
        if not path.is_file():
            return False
        path.unlink()
        return True


@target_kind(FolderTarget)
def open_folder(config: TargetConfig, context: OpenContext) -> Folder:
    assert isinstance(config, FolderTarget)
    return Folder(config)
