"""JSON (one array of objects) and JSON Lines (one object per line) output, built with pyarrow.compute.

Objects have the table's columns as keys in column order; nulls are ``null``; decimals are numbers
with their exact scale text (``12.50``); dates ``"YYYY-MM-DD"``, times ``"HH:MM:SS[.ffffff]"``,
timestamps ``"YYYY-MM-DDTHH:MM:SS[.ffffff]"`` plus ``+HH:MM`` in the column's zone when it has one.
Non-finite floats become ``null`` (JSON has no NaN/Infinity). Columns in ``TableInfo.json_fields`` are
embedded as JSON values, not strings; a value that is not valid JSON (an injected anomaly) is kept as
a JSON string so the file stays valid. UTF-8, no ASCII escaping, compact separators.

A ``.json`` file is ``[`` + rows separated by ``,\\n`` + ``\\n]\\n``, one object per line, so it can be
streamed out and, on append, streamed through again with only the closing bracket moved.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from tools.export.base import Compression, ExportOptions, TableInfo
from tools.export.files import decompressing_reader
from tools.export.formatting import (
    SLICE_ROWS,
    format_time,
    format_timestamp,
    inline_json,
    join_columns,
    json_string,
    text_bytes,
)
from tools.export.sinks import FileSink, FileTarget, TextSink

_WHITESPACE = b" \t\r\n"
_READ_CHUNK = 1 << 20

Formatter = Callable[[pa.Array], pa.Array]


def _quoted(arr: pa.Array) -> pa.Array:
    """Wrap text that needs no escaping (ISO dates and times) in quotes."""
    return pc.binary_join_element_wise('"', arr, '"', "")


def _finite_only(arr: pa.Array) -> pa.Array:
    return pc.cast(pc.if_else(pc.is_finite(arr), arr, pa.scalar(None, arr.type)), pa.string())


def _column_formatter(field: pa.Field, json_fields: set[str]) -> Formatter:
    t = field.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return inline_json if field.name in json_fields else json_string
    if pa.types.is_floating(t):
        return _finite_only
    if pa.types.is_timestamp(t):
        return lambda arr: _quoted(format_timestamp(arr, sep="T"))
    if pa.types.is_time(t):
        return lambda arr: _quoted(format_time(arr))
    if pa.types.is_date(t):
        return lambda arr: _quoted(pc.cast(arr, pa.string()))
    return lambda arr: pc.cast(arr, pa.string())  # integers, decimals, booleans


class JsonEncoder:
    """Rows as JSON objects; ``array=True`` frames them as one JSON array."""

    def __init__(self, table: TableInfo, array: bool) -> None:
        schema = table.arrow_schema
        json_fields = set(table.json_fields)
        self._formatters = [_column_formatter(field, json_fields) for field in schema]
        keys = [json.dumps(name, ensure_ascii=False) for name in schema.names]
        self._prefixes = [("{" if i == 0 else ",") + key + ":" for i, key in enumerate(keys)]
        self._array = array
        self._lead = ",\n" if array else ""  # before each row; the file's first row drops the comma
        self._tail = "}" if array else "}\n"
        self.has_rows = False

    def header(self, target: FileTarget) -> bytes:
        return b"[" if self._array else b""

    def prepare_append(self, path: Path, compression: Compression | None) -> bytes:
        return b""

    def encode(self, batch: pa.RecordBatch) -> Iterator[memoryview]:
        for start in range(0, batch.num_rows, SLICE_ROWS):
            part = batch.slice(start, SLICE_ROWS)
            pieces: list[pa.Array | str] = []
            for i, (prefix, fmt) in enumerate(zip(self._prefixes, self._formatters, strict=True)):
                pieces.append(self._lead + prefix if i == 0 else prefix)
                pieces.append(fmt(part.column(i)))
            pieces.append(self._tail)
            data = text_bytes(join_columns(pieces, null_text="null"))
            if self._array and not self.has_rows:
                data = data[1:]  # "[" + "\n{...}" for the first row, ",\n{...}" after
            self.has_rows = self.has_rows or len(data) > 0
            yield data

    def footer(self) -> Iterator[bytes]:
        if self._array:
            yield b"\n]\n"


class JsonArraySink(TextSink):
    """A ``.json`` sink whose append streams the old array (decompressed) minus its closing bracket
    into the new file: a single array cannot be extended by concatenation."""

    def __init__(self, target: FileTarget, compression: Compression | None, encoder: JsonEncoder) -> None:
        self._json_encoder = encoder
        super().__init__(target, compression, encoder)

    def _copies_existing(self, target: FileTarget) -> bool:
        return False

    def _seed_from_existing(self, target: FileTarget) -> None:
        # Emit everything up to the last non-space byte before the final "]"; hold back the rest.
        held = b""
        started = False
        last_emitted = b""
        with decompressing_reader(target.path, self._compression) as src:
            while chunk := src.read(_READ_CHUNK):
                held += chunk
                if not started:
                    stripped = held.lstrip(_WHITESPACE)
                    if not stripped:
                        continue
                    if not stripped.startswith(b"["):
                        raise ValueError(f"cannot append to {target.path}: not a JSON array")
                    started = True
                    held = stripped
                body = held.rstrip(_WHITESPACE)[:-1].rstrip(_WHITESPACE)  # drop a possible final "]"
                if body:
                    self._write(body)
                    last_emitted = body[-1:]
                    held = held[len(body) :]
        if not started or held.strip(_WHITESPACE) != b"]":
            raise ValueError(f"cannot append to {target.path}: not a complete JSON array")
        self._json_encoder.has_rows = last_emitted != b"["


class JsonFormat:
    """Opens ``.json`` (array) or ``.jsonl`` sinks for one table."""

    def __init__(self, table: TableInfo, options: ExportOptions) -> None:
        self._table = table
        self._options = options
        self._array = options.format == "json"

    def open(self, target: FileTarget) -> FileSink:
        encoder = JsonEncoder(self._table, array=self._array)
        if self._array:
            return JsonArraySink(target, self._options.compression, encoder)
        return TextSink(target, self._options.compression, encoder)
