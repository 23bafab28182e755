"""CSV (RFC 4180) output, formatted column-at-a-time with pyarrow.compute.

Layout: a header row, then one record per row, ``\\r\\n`` line ends (RFC 4180). A field is quoted only
when it holds a comma, double quote, CR or LF (embedded quotes doubled), so embedded newlines survive
Python's ``csv`` module and ``pandas.read_csv``. Nulls are empty fields; an empty *string* is written
as ``""`` so the two stay distinguishable (except in a one-column table, where a null is written ``""``
too: a bare empty field would be a blank line, which readers skip).

Values: booleans ``true``/``false``; decimals with their scale (``12.50``); dates ``YYYY-MM-DD``;
times ``HH:MM:SS[.ffffff]``; timestamps ``YYYY-MM-DD HH:MM:SS[.ffffff]`` plus ``+HH:MM`` in the column's
own time zone when it has one (``2024-03-31 09:15:00+01:00``); floats in shortest round-trip form.

Formula-injection neutralisation (``ExportOptions.neutralise_formulas``, on by default; ``--keep-formulas``
turns it off): a spreadsheet runs a cell starting with ``=``, ``+``, ``-`` or ``@`` (or TAB/CR, which it
strips first) as a formula. Following OWASP's CSV-injection advice, such *text* cells and header names get
a leading single quote, e.g. ``=1+2`` is written ``'=1+2`` and ``-5 apples`` ``'-5 apples``. Cells that are
numbers (``-12.50``, ``+3``) or phone numbers (``+44 20 7946 0958``) are never changed: they hold no
letter, so no function or reference. A NUL first character is treated like a trigger (OWASP ASVS
1.2.10). The rule is ``tools.export.formatting.neutralise_formulas``, shared by every CSV Doppel writes.
The prefix is not reversible in general (a value that already began with ``'=`` reads back the same), so
turn the option off when the CSV is for machines rather than spreadsheets.

pyarrow's own ``write_csv`` was considered: it is RFC-valid but quotes every string value and the
header; formatting here gives minimal quoting at the same speed (the rows are joined into one arrow
string buffer, which is written without copying).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa

from tools.export.base import Compression, ExportOptions, TableInfo
from tools.export.files import read_prefix
from tools.export.formatting import (
    SLICE_ROWS,
    csv_quote,
    format_scalar_column,
    join_columns,
    neutralise_formulas,
    text_bytes,
)
from tools.export.sinks import FileSink, FileTarget, TextSink

LINE_END = "\r\n"

Formatter = Callable[[pa.Array], pa.Array]


def _column_formatter(field: pa.Field, neutralise: bool) -> Formatter:
    if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
        if neutralise:
            return lambda arr: csv_quote(neutralise_formulas(arr))
        return csv_quote
    return format_scalar_column  # numbers, dates, times and timestamps never need quoting


class CsvEncoder:
    """Header + rows as RFC 4180 bytes."""

    def __init__(self, schema: pa.Schema, neutralise: bool) -> None:
        self._formatters = [_column_formatter(field, neutralise) for field in schema]
        names = pa.array(schema.names, pa.string())
        names = csv_quote(neutralise_formulas(names) if neutralise else names).to_pylist()
        self._header = (",".join(names) + LINE_END).encode()
        # A lone empty field would be a blank line, which readers skip: write it as "" instead.
        self._null = '""' if len(self._formatters) == 1 else ""

    def header(self, target: FileTarget) -> bytes:
        return self._header

    def prepare_append(self, path: Path, compression: Compression | None) -> bytes:
        existing = read_prefix(path, compression, len(self._header))
        if not existing:
            return self._header  # an empty file: start it properly
        if existing != self._header:
            raise ValueError(f"cannot append to {path}: its header differs from the table's columns")
        return b""

    def encode(self, batch: pa.RecordBatch) -> Iterator[memoryview]:
        for start in range(0, batch.num_rows, SLICE_ROWS):
            part = batch.slice(start, SLICE_ROWS)
            pieces: list[pa.Array | str] = []
            for i, fmt in enumerate(self._formatters):
                if i:
                    pieces.append(",")
                pieces.append(fmt(part.column(i)))
            pieces.append(LINE_END)
            yield text_bytes(join_columns(pieces, null_text=self._null))

    def footer(self) -> Iterator[bytes]:
        return iter(())


class CsvFormat:
    """Opens CSV sinks for one table."""

    def __init__(self, table: TableInfo, options: ExportOptions) -> None:
        self._schema = table.arrow_schema
        self._options = options

    def open(self, target: FileTarget) -> FileSink:
        encoder = CsvEncoder(self._schema, self._options.neutralise_formulas)
        return TextSink(target, self._options.compression, encoder)
