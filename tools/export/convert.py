"""Re-export CSV tables in another format, typed by a profile: CSV text in, typed Parquet/JSON/SQL/Avro out.

Every column is read as text (nothing is reinterpreted on the way in), then cast to the type its profile
inferred. A column whose values do not all parse (synthetic data deliberately keeps the sample's
malformed values) stays text, so no value is ever lost or changed by the conversion. CSV to CSV keeps
every cell as it is (a bare empty field stays null, ``""`` an empty string); only the CSV writer's formula
neutralisation, when on, changes formula-like text.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from tools.errors import DoppelError
from tools.export.base import ExportOptions, TableInfo
from tools.export.writers import open_table_writer
from tools.profile.model import TypeInference
from tools.progress import ProgressCallback, no_progress

BATCH_ROWS = 50_000


def read_csv_as_text(path: Path, keep_nulls: bool = False) -> pa.Table:
    """Every column as strings (UTF-8, comma, RFC 4180 quoting), empty cells as empty strings; with
    ``keep_nulls`` a bare empty field is null and only ``""`` an empty string, as the CSV writer writes them."""
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh), None)
    except (OSError, UnicodeDecodeError) as exc:
        raise DoppelError(f"{path}: cannot read as UTF-8 CSV ({exc})") from None
    if not header:
        raise DoppelError(f"{path}: empty CSV file (no header)")
    options = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in header},
        strings_can_be_null=keep_nulls,
        null_values=[""],
        quoted_strings_can_be_null=False,
    )
    parse = pacsv.ParseOptions(newlines_in_values=True)
    return pacsv.read_csv(path, parse_options=parse, convert_options=options)


def _blank_to_null(column: pa.ChunkedArray) -> pa.ChunkedArray:
    blank = pc.equal(pc.utf8_trim_whitespace(column), "")
    return pc.if_else(blank, pa.scalar(None, pa.string()), column)


def cast_column(column: pa.ChunkedArray, inferred: TypeInference | None) -> pa.ChunkedArray:
    """``column`` (text) as ``inferred.type``, or unchanged when any present value does not parse."""
    if inferred is None:
        return column
    values = _blank_to_null(column)
    try:
        if inferred.type == "integer" and not inferred.leading_zeros and not inferred.thousands_separator:
            return pc.cast(pc.utf8_trim_whitespace(values), pa.int64())
        if inferred.type in ("decimal", "float") and not inferred.thousands_separator and not inferred.currency_symbol:
            return pc.cast(pc.utf8_trim_whitespace(values), pa.float64())
        if inferred.type == "boolean" and inferred.true_literal is not None and inferred.false_literal is not None:
            truth = pc.equal(values, inferred.true_literal)
            known = pc.or_(truth, pc.equal(values, inferred.false_literal))
            if pc.any(pc.and_(pc.is_valid(values), pc.invert(known))).as_py():
                return column
            return pc.if_else(pc.is_valid(values), truth, pa.scalar(None, pa.bool_()))
        if inferred.type in ("date", "datetime") and len(inferred.formats) == 1:
            parsed = pc.strptime(values, format=inferred.formats[0].value, unit="us", error_is_null=False)
            return pc.cast(parsed, pa.date32()) if inferred.type == "date" else parsed
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return column
    return column


def convert_table(
    source: Path, out_dir: Path, name: str, options: ExportOptions, types: Mapping[str, TypeInference]
) -> list[Path]:
    """One CSV file as ``name`` in ``options.format`` under ``out_dir``; returns the files written."""
    text = read_csv_as_text(source, keep_nulls=options.format == "csv")
    typed = pa.table({field: cast_column(text.column(field), types.get(field)) for field in text.column_names})
    writer = open_table_writer(out_dir, TableInfo(name=name, arrow_schema=typed.schema), options)
    try:
        for batch in typed.to_batches(max_chunksize=BATCH_ROWS):
            writer.write(batch)
    except BaseException:
        writer.abort()
        raise
    return writer.close()


def convert_tables(
    sources: Mapping[str, Path],
    out_dir: Path,
    options: ExportOptions,
    types: Mapping[str, Mapping[str, TypeInference]],
    progress: ProgressCallback | None = None,
) -> dict[str, list[Path]]:
    """Every ``table -> CSV file`` of ``sources`` converted (typed by ``types[table][column]``)."""
    report = progress or no_progress
    written: dict[str, list[Path]] = {}
    step = f"Exporting {len(sources)} table(s) as {options.format}"
    for i, (name, path) in enumerate(sources.items()):
        report(step, i, len(sources))
        written[name] = convert_table(path, out_dir, name, options, types.get(name, {}))
    report(step, len(sources), len(sources))
    return written
