"""Parquet output through ``pyarrow.parquet.ParquetWriter``, schema kept as is (zoned timestamps, decimals).

Rows are buffered to exactly ``ROW_GROUP_ROWS`` per row group and each group is made contiguous before
writing, so the file's bytes depend only on the rows, not on how the engine sliced them into batches.
Codec: snappy unless ``gzip`` or ``zstd`` is asked for. Appending rewrites the file through a temporary
file, streaming the old rows (one row group at a time) ahead of the new ones.
"""

from __future__ import annotations

import contextlib

import pyarrow as pa
import pyarrow.parquet as pq

from tools.export.base import ExportOptions, TableInfo
from tools.export.files import AtomicFile
from tools.export.sinks import FileSink, FileTarget

ROW_GROUP_ROWS = 65_536
CODECS: dict[str | None, str] = {None: "snappy", "gzip": "gzip", "zstd": "zstd"}


class ParquetSink(FileSink):
    def __init__(self, target: FileTarget, schema: pa.Schema, codec: str) -> None:
        self._schema = schema
        self._buffer: list[pa.RecordBatch] = []
        self._buffered = 0
        self._file = AtomicFile(target.path)
        try:
            self._file.release()  # pyarrow opens the temporary file by path
            self._writer = pq.ParquetWriter(str(self._file.path), schema, compression=codec)
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

    def _write_group(self, rows: pa.Table) -> None:
        # combine_chunks: page boundaries then cannot depend on incoming batch boundaries.
        self._writer.write_table(rows.combine_chunks(), row_group_size=ROW_GROUP_ROWS)

    def finish(self) -> None:
        if self._buffered:
            self._write_group(pa.Table.from_batches(self._buffer, schema=self._schema))
            self._buffer, self._buffered = [], 0
        self._writer.close()
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
