"""File plumbing shared by every format: names, part numbering, atomic temp files, compression.

Writers never touch a final file name until ``publish()``: they write to ``.<name>.tmp-<random>`` in
the same folder (same file system, so ``os.replace`` is atomic) and delete it on failure. The random
part is only in the temporary *name*, never in file contents, so output stays byte-deterministic.
"""

from __future__ import annotations

import gzip
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Protocol, cast

import zstandard

from tools.export.base import EXTENSIONS, Compression, ExportFormat

TEXT_FORMATS: frozenset[str] = frozenset({"csv", "json", "jsonl", "sql"})
COMPRESSION_SUFFIX: dict[str, str] = {"gzip": ".gz", "zstd": ".zst"}
GZIP_LEVEL = 6  # gzip(1)'s default: level 9 costs ~3x the time for ~2 % smaller files.
ZSTD_LEVEL = 3  # zstd's default; single-threaded so frames are reproducible.
PART_DIGITS = 5
_COPY_CHUNK = 1 << 20


def check_table_name(name: str) -> None:
    """Table names become file names: refuse anything that could escape the folder or hide the file."""
    if not name or name in {".", ".."} or name.startswith(".") or re.search(r"[/\\\x00]", name):
        raise ValueError(f"table name {name!r} cannot be used as a file name")


def file_suffix(fmt: ExportFormat, compression: Compression | None) -> str:
    """``.csv``, ``.csv.gz``, ``.parquet`` ...: binary formats compress internally, so no suffix."""
    suffix = "." + EXTENSIONS[fmt]
    if compression is not None and fmt in TEXT_FORMATS:
        suffix += COMPRESSION_SUFFIX[compression]
    return suffix


def file_name(table: str, fmt: ExportFormat, compression: Compression | None, part: int | None = None) -> str:
    """``<table>.<ext>`` or ``<table>.part-00001.<ext>`` (plus ``.gz``/``.zst`` for text formats)."""
    middle = "" if part is None else f".part-{part:0{PART_DIGITS}d}"
    return f"{table}{middle}{file_suffix(fmt, compression)}"


def existing_parts(out_dir: Path, table: str, fmt: ExportFormat, compression: Compression | None) -> list[int]:
    """Part numbers already present for this table/format/compression, ascending."""
    suffix = re.escape(file_suffix(fmt, compression))
    pattern = re.compile(re.escape(table) + r"\.part-(\d+)" + suffix + r"\Z")
    found = []
    for entry in out_dir.iterdir():
        match = pattern.match(entry.name)
        if match and entry.is_file():
            found.append(int(match.group(1)))
    return sorted(found)


class AtomicFile:
    """A temporary file next to ``final`` that becomes ``final`` only on ``publish()``.

    ``copy_from`` seeds the temporary file with an existing file's bytes (append without ever
    modifying the published file in place).
    """

    def __init__(self, final: Path, copy_from: Path | None = None) -> None:
        self.final = final
        for _ in range(100):
            candidate = final.with_name(f".{final.name}.tmp-{secrets.token_hex(6)}")
            try:
                # O_EXCL: never clobber another writer's temp file; 0o666 lets the umask decide.
                fd = os.open(candidate, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
            except FileExistsError:
                continue
            break
        else:  # pragma: no cover - 100 collisions of 48 random bits
            raise FileExistsError(f"could not create a temporary file next to {final}")
        self.path = candidate
        self._file: BinaryIO | None = cast(BinaryIO, os.fdopen(fd, "w+b"))
        self._finished = False
        if copy_from is not None:
            try:
                with copy_from.open("rb") as src:
                    shutil.copyfileobj(src, self._file, _COPY_CHUNK)
            except BaseException:
                self.discard()
                raise

    @property
    def file(self) -> BinaryIO:
        """The open temporary file (read/write, positioned at its end after a copy)."""
        if self._file is None:
            raise RuntimeError(f"temporary file for {self.final.name} is already closed")
        return self._file

    def release(self) -> None:
        """Close our handle so a library can write the file by path (pyarrow opens its own)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def finish(self) -> None:
        """Flush to disk and close; the content is final but not yet visible under its name."""
        if self._finished:
            return
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None
        else:
            fd = os.open(self.path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        self._finished = True

    def publish(self) -> Path:
        """Atomically move the finished temporary file to its final name."""
        self.finish()
        os.replace(self.path, self.final)
        return self.final

    def discard(self) -> None:
        """Close and delete the temporary file; safe to call more than once."""
        if self._file is not None:
            try:
                self._file.close()
            finally:
                self._file = None
        self.path.unlink(missing_ok=True)


class ByteSink(Protocol):
    def write(self, data: bytes | memoryview, /) -> int: ...

    def close(self) -> None: ...


class _Plain:
    """Uncompressed pass-through whose ``close`` leaves the underlying file open."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw

    def write(self, data: bytes | memoryview, /) -> int:
        return self._raw.write(data)

    def close(self) -> None:
        self._raw.flush()


def compressing_writer(raw: BinaryIO, compression: Compression | None) -> ByteSink:
    """Wrap ``raw`` in a gzip member / zstd frame; ``close()`` ends the member/frame, not ``raw``.

    gzip gets ``mtime=0`` and an empty file name: otherwise the header would carry the time and
    the random temporary name, and identical data would give different bytes.
    """
    if compression is None:
        return _Plain(raw)
    if compression == "gzip":
        return gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=GZIP_LEVEL, mtime=0)
    compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL, threads=0)
    return cast(ByteSink, compressor.stream_writer(raw, closefd=False))


@contextmanager
def decompressing_reader(path: Path, compression: Compression | None) -> Iterator[BinaryIO]:
    """Read a possibly multi-member (gzip) or multi-frame (zstd) file as one byte stream."""
    with path.open("rb") as raw:
        if compression is None:
            yield raw
        elif compression == "gzip":
            with gzip.GzipFile(fileobj=raw, mode="rb") as gz:
                yield cast(BinaryIO, gz)
        else:
            reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True, closefd=False)
            with reader:
                yield cast(BinaryIO, reader)


def read_prefix(path: Path, compression: Compression | None, size: int) -> bytes:
    """The first ``size`` decompressed bytes (fewer if the file is shorter)."""
    chunks: list[bytes] = []
    remaining = size
    with decompressing_reader(path, compression) as src:
        while remaining > 0:
            chunk = src.read(remaining)
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    return b"".join(chunks)
