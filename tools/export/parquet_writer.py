"""Parquet output through ``pyarrow.parquet.ParquetWriter``, schema kept as is (zoned timestamps, decimals).

Rows are buffered to exactly ``ROW_GROUP_ROWS`` per row group and each group is made contiguous before
writing, so the file's bytes depend only on the rows, not on how the engine sliced them into batches.
Codec: snappy unless ``gzip`` or ``zstd`` is asked for. Dictionary encoding is used only for text
columns that repeat (at most half the first row group distinct): on ids, emails and card numbers it
costs time and saves nothing. Appending rewrites the file through a temporary file, streaming the old
rows (one row group at a time) ahead of the new ones.
"""

from __future__ import annotations

import contextlib

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tools.export.base import ExportOptions, TableInfo
from tools.export.files import AtomicFile
from tools.export.sinks import FileSink, FileTarget

ROW_GROUP_ROWS = 65_536
DICTIONARY_MAX_DISTINCT = 0.5
CODECS: dict[str | None, str] = {None: "snappy", "gzip": "gzip", "zstd": "zstd"}


class ParquetSink(FileSink):
    def __init__(self, target: FileTarget, schema: pa.Schema, codec: str) -> None:
        self._schema = schema
        self._buffer: list[pa.RecordBatch] = []
        self._buffered = 0
        self._codec = codec
        self._writer: pq.ParquetWriter | None = None  # opened with the first row group (see _open)
        self._file = AtomicFile(target.path)
        try:
            self._file.release()  # pyarrow opens the temporary file by path
            if target.existing:
                self._copy_existing(target)
        except BaseException:
            self.discard()
            raise

    def _copy_existing(self, target: FileTarget) -> None:
        old = pq.ParquetFile(target.path)
        try:
            if not old.schema_arrow.equals(self._schema, check_metadata=False):
                raise ValueError(f"cannot append to {target.path}: its schema differs from the table's")
            for batch in old.iter_batches(batch_size=ROW_GROUP_ROWS):
                self.write(batch)
        finally:
            old.close()

    def write(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return
        self._buffer.append(batch)
        self._buffered += batch.num_rows
        if self._buffered >= ROW_GROUP_ROWS:
            table = pa.Table.from_batches(self._buffer, schema=self._schema)
            full = self._buffered - self._buffered % ROW_GROUP_ROWS
            for start in range(0, full, ROW_GROUP_ROWS):
                self._write_group(table.slice(start, ROW_GROUP_ROWS))
            rest = table.slice(full)
            self._buffer = rest.to_batches()
            self._buffered = rest.num_rows

    def _open(self, first: pa.Table | None) -> pq.ParquetWriter:
        """The file writer, choosing dictionary-encoded columns from the first row group."""
        repeating = [] if first is None else dictionary_columns(first)
        self._writer = pq.ParquetWriter(
            str(self._file.path), self._schema, compression=self._codec, use_dictionary=repeating
        )
        return self._writer

    def _write_group(self, rows: pa.Table) -> None:
        # combine_chunks: page boundaries then cannot depend on incoming batch boundaries.
        rows = rows.combine_chunks()
        writer = self._writer or self._open(rows)
        writer.write_table(rows, row_group_size=ROW_GROUP_ROWS)

    def finish(self) -> None:
        if self._buffered:
            self._write_group(pa.Table.from_batches(self._buffer, schema=self._schema))
            self._buffer, self._buffered = [], 0
        (self._writer or self._open(None)).close()
        self._file.finish()

    def discard(self) -> None:
        writer = getattr(self, "_writer", None)
        if writer is not None:
            with contextlib.suppress(Exception):  # the temporary file is deleted anyway
                writer.close()
        self._file.discard()


class ParquetFormat:
    def __init__(self, table: TableInfo, options: ExportOptions) -> None:
        self._schema = table.arrow_schema
        self._codec = CODECS[options.compression]

    def open(self, target: FileTarget) -> FileSink:
        return ParquetSink(target, self._schema, self._codec)


def dictionary_columns(rows: pa.Table) -> list[str]:
    """Text columns worth dictionary encoding: at most ``DICTIONARY_MAX_DISTINCT`` of their values distinct."""
    limit = DICTIONARY_MAX_DISTINCT * max(rows.num_rows, 1)
    return [
        f.name
        for f in rows.schema
        if (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))
        and pc.count_distinct(rows.column(f.name)).as_py() <= limit
    ]
