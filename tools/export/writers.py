"""``open_table_writer``: the one entry point the engine uses, for every format.

A ``TableWriter`` here cuts the incoming row stream into files (one file, or numbered parts of exactly
``chunk_rows`` rows whatever the incoming batch sizes) and hands each file's rows to a format sink.
Nothing appears under a final name until ``close()``: finished parts wait as temporary files and are
renamed together, so a failed or aborted table leaves the folder as it was.

With parts and ``append=False``, ``close()`` also deletes higher-numbered parts of the same table,
format and compression left by an earlier, longer run, so the folder never mixes old and new rows.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Literal

import pyarrow as pa

from tools.export.base import ExportOptions, TableInfo, TableWriter
from tools.export.files import check_table_name, existing_parts, file_name
from tools.export.formatting import unsupported_fields
from tools.export.sinks import FileSink, FileTarget, SinkFactory

__all__ = ["ExportWriter", "open_table_writer"]

State = Literal["open", "closed", "aborted"]


def _sink_factory(table: TableInfo, options: ExportOptions) -> SinkFactory:
    """The format's sink factory; each format's module (SQLAlchemy for SQL, fastavro) loads only when used."""
    fmt = options.format
    if fmt == "csv":
        from tools.export.csv_writer import CsvFormat

        return CsvFormat(table, options)
    if fmt in ("json", "jsonl"):
        from tools.export.json_writer import JsonFormat

        return JsonFormat(table, options)
    if fmt == "sql":
        from tools.export.sql_writer import SqlFormat

        return SqlFormat(table, options)
    if fmt == "parquet":
        from tools.export.parquet_writer import ParquetFormat

        return ParquetFormat(table, options)
    from tools.export.avro_writer import AvroFormat

    return AvroFormat(table, options)


class ExportWriter:
    """Streams one table to ``out_dir`` in ``options.format`` (see module docstring)."""

    def __init__(self, out_dir: Path, table: TableInfo, options: ExportOptions, append: bool = False) -> None:
        check_table_name(table.name)
        if not out_dir.is_dir():
            raise FileNotFoundError(f"output folder {out_dir} does not exist")
        if len(table.arrow_schema) == 0:
            raise ValueError(f"table {table.name!r} has no columns")
        bad = unsupported_fields(table.arrow_schema)
        if bad:
            raise TypeError(f"table {table.name!r}: unsupported column types: {', '.join(bad)}")
        self._out_dir = out_dir
        self._table = table
        self._options = options
        self._append = append
        self._factory = _sink_factory(table, options)
        self._chunk = options.chunk_rows
        self._finished: list[FileSink] = []
        self._current: FileSink | None = None
        self._rows_in_current = 0
        self._state: State = "open"
        if self._chunk is None:
            self._next_part: int | None = None
        else:
            parts = existing_parts(out_dir, table.name, options.format, options.compression) if append else []
            self._next_part = (parts[-1] + 1) if parts else 1

    # -- TableWriter ------------------------------------------------------------------------------

    def write(self, batch: pa.RecordBatch) -> None:
        """Write ``batch`` now; rows go to the current part until it holds ``chunk_rows``."""
        self._require_open()
        if not batch.schema.equals(self._table.arrow_schema, check_metadata=False):
            raise ValueError(
                f"batch schema does not match table {self._table.name!r}:\n{batch.schema}\n"
                f"expected:\n{self._table.arrow_schema}"
            )
        if batch.num_rows == 0:
            return
        if self._chunk is None:
            self._sink().write(batch)
            return
        offset = 0
        while offset < batch.num_rows:
            if self._current is not None and self._rows_in_current >= self._chunk:
                self._finish_current()
            take = min(self._chunk - self._rows_in_current, batch.num_rows - offset)
            self._sink().write(batch.slice(offset, take))
            self._rows_in_current += take
            offset += take

    def close(self) -> list[Path]:
        """Finish every file, publish them in order and return their paths."""
        self._require_open()
        try:
            if self._current is None and self._needs_empty_file():
                self._sink()
            if self._current is not None:
                self._finish_current()
            paths = [sink.publish() for sink in self._finished]
        except BaseException:
            self.abort()
            raise
        self._finished = []
        self._state = "closed"
        if self._chunk is not None and not self._append:
            self._remove_stale_parts(last=len(paths))
        return paths

    def abort(self) -> None:
        """Delete every temporary file; published files (after ``close()``) are left alone."""
        if self._state != "open":
            return
        self._state = "aborted"
        sinks = [*self._finished, *([self._current] if self._current is not None else [])]
        self._finished, self._current = [], None
        errors: list[BaseException] = []
        for sink in sinks:
            try:
                sink.discard()
            except Exception as exc:  # keep removing the others
                errors.append(exc)
        if errors:
            raise errors[0]

    # -- context manager: abort on error, close otherwise ----------------------------------------

    def __enter__(self) -> ExportWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None:
            self.abort()
        elif self._state == "open":
            self.close()

    # -- internals --------------------------------------------------------------------------------

    def _require_open(self) -> None:
        if self._state != "open":
            raise RuntimeError(f"writer for table {self._table.name!r} is {self._state}")

    def _target(self) -> FileTarget:
        opts = self._options
        if self._next_part is None:
            path = self._out_dir / file_name(self._table.name, opts.format, opts.compression)
            return FileTarget(path, None, existing=self._append and path.exists())
        path = self._out_dir / file_name(self._table.name, opts.format, opts.compression, self._next_part)
        return FileTarget(path, self._next_part, existing=False)

    def _sink(self) -> FileSink:
        if self._current is None:
            self._current = self._factory.open(self._target())
            self._rows_in_current = 0
            if self._next_part is not None:
                self._next_part += 1
        return self._current

    def _finish_current(self) -> None:
        assert self._current is not None
        self._current.finish()
        self._finished.append(self._current)
        self._current = None

    def _needs_empty_file(self) -> bool:
        """No rows at all: still create the (header-only) file, unless appending had nothing to add."""
        if self._finished:
            return False
        if not self._append:
            return True
        if self._chunk is None:
            return not self._target().path.exists()
        return False

    def _remove_stale_parts(self, last: int) -> None:
        opts = self._options
        for number in existing_parts(self._out_dir, self._table.name, opts.format, opts.compression):
            if number > last:
                path = self._out_dir / file_name(self._table.name, opts.format, opts.compression, number)
                path.unlink(missing_ok=True)


def open_table_writer(out_dir: Path, table: TableInfo, options: ExportOptions, append: bool = False) -> TableWriter:
    """A streaming writer for ``table`` in ``options.format`` under ``out_dir`` (which must exist).

    ``append=True`` adds rows to existing output (without repeating headers/DDL; parts continue
    numbering after the last existing part). Use ``close()`` to publish, ``abort()`` on failure.
    """
    return ExportWriter(out_dir, table, options, append)
