"""One output file in the making (a "sink"), and the generic sink for byte-stream text formats.

A table writer (``writers.py``) cuts the row stream into files; each file is a sink that writes to an
``AtomicFile`` and is published only when the whole table succeeded. Text formats (CSV, JSON Lines,
SQL, JSON) share ``TextSink``: it handles compression and appending, the format supplies an encoder.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyarrow as pa

from tools.export.base import Compression
from tools.export.files import AtomicFile, ByteSink, compressing_writer


@dataclass(frozen=True)
class FileTarget:
    """Where a sink writes: ``existing`` means append to the file already at ``path``."""

    path: Path
    part: int | None = None
    existing: bool = False

    @property
    def starts_table(self) -> bool:
        """The first file of a table (single file or part 1) carries table-level headers such as DDL."""
        return not self.existing and self.part in (None, 1)


class FileSink(ABC):
    """One output file: ``write`` rows, ``finish`` the temp file, then ``publish`` or ``discard`` it."""

    _file: AtomicFile

    @abstractmethod
    def write(self, batch: pa.RecordBatch) -> None:
        """Encode and write ``batch`` now (no accumulation beyond a bounded buffer)."""

    @abstractmethod
    def finish(self) -> None:
        """Write trailers and flush; afterwards the temporary file is complete."""

    def publish(self) -> Path:
        return self._file.publish()

    def discard(self) -> None:
        self._file.discard()


class SinkFactory(Protocol):
    def open(self, target: FileTarget) -> FileSink: ...


class TextEncoder(Protocol):
    """Turns batches into bytes for one text format."""

    def header(self, target: FileTarget) -> bytes:
        """Bytes that start a new file (CSV header, DDL, ``[``)."""

    def prepare_append(self, path: Path, compression: Compression | None) -> bytes:
        """Check the existing file can be extended; return bytes to write before the new rows."""

    def encode(self, batch: pa.RecordBatch) -> Iterable[bytes | memoryview]:
        """The rows of ``batch`` as bytes (may hold back a bounded tail, e.g. a partial INSERT)."""

    def footer(self) -> Iterable[bytes]:
        """Whatever is held back plus closing bytes, at the end of the file."""


class TextSink(FileSink):
    """A text file, optionally gzip/zstd-compressed, written through an encoder.

    Appending copies the old file's bytes into the temporary file and adds a new gzip member or zstd
    frame: both formats define a concatenation of members/frames as the concatenated content, so no
    decompression is needed and the published file is never modified in place.
    """

    def __init__(self, target: FileTarget, compression: Compression | None, encoder: TextEncoder) -> None:
        self._encoder = encoder
        self._compression = compression
        lead = encoder.prepare_append(target.path, compression) if target.existing else b""
        self._file = AtomicFile(target.path, copy_from=target.path if self._copies_existing(target) else None)
        try:
            self._stream: ByteSink = compressing_writer(self._file.file, compression)
            if target.existing:
                self._seed_from_existing(target)
                self._write(lead)
            else:
                self._write(encoder.header(target))
        except BaseException:
            self._file.discard()
            raise

    def _copies_existing(self, target: FileTarget) -> bool:
        return target.existing

    def _seed_from_existing(self, target: FileTarget) -> None:
        """Hook for formats that must rewrite rather than extend the old content (JSON arrays)."""

    def _write(self, data: bytes | memoryview) -> None:
        if len(data):
            self._stream.write(data)

    def write(self, batch: pa.RecordBatch) -> None:
        for chunk in self._encoder.encode(batch):
            self._write(chunk)

    def finish(self) -> None:
        for chunk in self._encoder.footer():
            self._write(chunk)
        self._stream.close()
        self._file.finish()
