"""Writing the anonymised tables: ``DIR/<table>.<ext>``, all published together or not at all.

CSV output mirrors a CSV input (its delimiter, quote character, encoding with or without BOM, line
ends, header or not), because anonymised data is usually fed back to the system the sample came from
and a user who must keep the rows wants nothing else to move. Other inputs, and other formats, go
through the shared export writers (tools/export) with every column as text. CSV cells and header names
follow the shared formula policy (``tools.export.formatting.neutralise_formulas``): formula-like text gets a
leading ``'`` unless ``neutralise`` is off (``--keep-formulas``); numbers and phone numbers never change.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tools.anonymise.model import OutputFormat
from tools.anonymise.text import to_arrow
from tools.errors import DoppelError
from tools.export.base import EXTENSIONS, ExportOptions, TableInfo, TableWriter
from tools.export.files import check_table_name
from tools.export.formatting import formula_cells, neutralise_formulas
from tools.folders import make_output_folder
from tools.ingest.model import SourceInfo

METADATA_FILE = "anonymisation.json"


@dataclass
class CsvLayout:
    delimiter: str = ","
    quotechar: str = '"'
    encoding: str = "utf-8"
    line_end: str = "\r\n"
    header: bool = True


def csv_layout(source: SourceInfo) -> CsvLayout:
    """The layout of a CSV source (line ends sniffed from its head); RFC 4180 UTF-8 for other sources."""
    if source.format != "csv":
        return CsvLayout()
    line_end = "\r\n"
    with contextlib.suppress(OSError), source.path.open("rb") as fh:
        head = fh.read(64 * 1024)
        line_end = "\r\n" if b"\r\n" in head or b"\n" not in head else "\n"
    return CsvLayout(
        delimiter=source.delimiter or ",",
        quotechar=source.quotechar or '"',
        encoding=source.encoding or "utf-8",
        line_end=line_end,
        header=source.has_header,
    )


def output_path(out: Path, table: str, fmt: OutputFormat) -> Path:
    try:
        check_table_name(table)
    except ValueError as exc:
        raise DoppelError(f"table '{table}': {exc}") from None
    path = out / f"{table}.{EXTENSIONS[fmt]}"
    if path.name == METADATA_FILE:
        raise DoppelError(f"table '{table}': its output would overwrite {METADATA_FILE}; use another --format")
    return path


def write_tables(
    out: Path, tables: Sequence[tuple[str, pd.DataFrame, SourceInfo]], fmt: OutputFormat, neutralise: bool = True
) -> dict[str, Path]:
    """Write every table to a temporary file in ``out``, then move them all into place."""
    paths = {name: output_path(out, name, fmt) for name, _, _ in tables}
    inputs = {source.path.resolve() for _, _, source in tables}
    for path in paths.values():
        if path.resolve() in inputs:
            raise DoppelError(f"--out {out}: {path.name} would overwrite the input file; choose another folder")
    make_output_folder(out)
    if fmt == "csv":
        staged: list[tuple[Path, Path]] = []
        try:
            for name, frame, source in tables:
                layout = csv_layout(source)
                data = _encode(csv_text(frame, layout, neutralise), layout.encoding, name, frame)
                staged.append((_stage(paths[name], data), paths[name]))
            for tmp, final in staged:
                os.replace(tmp, final)
        except OSError as exc:
            raise DoppelError(f"{out}: cannot write ({exc.strerror or exc})") from None
        finally:
            for tmp, _ in staged:
                tmp.unlink(missing_ok=True)
        return paths
    _export(out, tables, ExportOptions(format=fmt, neutralise_formulas=neutralise))
    return paths


def _export(out: Path, tables: Sequence[tuple[str, pd.DataFrame, SourceInfo]], options: ExportOptions) -> None:
    from tools.export.writers import open_table_writer

    writers: list[TableWriter] = []
    try:
        for name, frame, _ in tables:
            columns = [to_arrow(frame[c]) for c in frame.columns]
            schema = pa.schema([pa.field(str(c), pa.string()) for c in frame.columns])
            writer = open_table_writer(out, TableInfo(name=name, arrow_schema=schema), options)
            writers.append(writer)
            writer.write(pa.RecordBatch.from_arrays(columns, schema=schema))
        for writer in writers:
            writer.close()
    except BaseException:
        for writer in writers:
            with contextlib.suppress(Exception):
                writer.abort()
        raise


def formula_count(frame: pd.DataFrame) -> int:
    """Cells and header names that CSV output prefixes with ``'`` (formula-like text)."""
    arrays = [pa.array([str(c) for c in frame.columns], pa.string()), *(to_arrow(frame[c]) for c in frame.columns)]
    return sum(pc.sum(formula_cells(a)).as_py() or 0 for a in arrays)


def _stage(final: Path, data: bytes) -> Path:
    fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def _encode(text: str, encoding: str, table: str, frame: pd.DataFrame) -> bytes:
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        bad = [str(c) for c in frame.columns if not _encodable(frame[c], encoding)]
        raise DoppelError(
            f"table '{table}': column(s) {', '.join(bad) or '?'} hold characters the input's encoding "
            f"({encoding}) cannot write; choose another mask character, prefix or replacement text"
        ) from None


def _encodable(values: pd.Series, encoding: str) -> bool:
    try:
        "\n".join(v for v in values.dropna().astype(str).unique()).encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def csv_text(frame: pd.DataFrame, layout: CsvLayout, neutralise: bool = True) -> str:
    """The table as delimited text, quoting only the fields that need it (column-at-a-time); formula-like
    cells and header names neutralised when ``neutralise``."""
    q = layout.quotechar

    def cells(texts: pa.Array) -> pa.Array:
        return _quote(neutralise_formulas(texts) if neutralise else texts, layout.delimiter, q)

    null = q + q if frame.shape[1] == 1 else ""  # a lone empty field would be a blank line, which readers skip
    columns = [pc.fill_null(cells(to_arrow(frame[c])), null) for c in frame.columns]
    lines: list[str] = []
    if layout.header:
        names = cells(pa.array([str(c) for c in frame.columns], pa.string())).to_pylist()
        lines.append(layout.delimiter.join(names))
    if columns and len(frame):
        rows = columns[0] if len(columns) == 1 else pc.binary_join_element_wise(*columns, layout.delimiter)
        lines.extend(rows.to_pylist())
    return "".join(line + layout.line_end for line in lines)


def _quote(arr: pa.Array, delimiter: str, quotechar: str) -> pa.Array:
    special = pc.or_(
        pc.or_(pc.match_substring(arr, delimiter), pc.match_substring(arr, quotechar)),
        pc.or_(pc.match_substring(arr, "\n"), pc.match_substring(arr, "\r")),
    )
    doubled = pc.replace_substring(arr, quotechar, quotechar + quotechar)
    quoted = pc.binary_join_element_wise(quotechar, doubled, quotechar, "")
    return pc.if_else(pc.fill_null(special, False), quoted, arr)
