"""Writing the synthetic tables through the shared export writers, every column as text (values are
written the way production wrote them, quality issues included), then ``metadata.json`` last.

CSV cells follow the shared formula policy (``tools.export.formatting.neutralise_formulas``): formula-like
text and header names get a leading ``'`` unless ``neutralise`` is off; numbers (negative amounts) and
phone numbers (``+44 ...``) are never changed.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pandas as pd
import pyarrow as pa

from tools.errors import DoppelError
from tools.export.base import Compression, Dialect, ExportFormat, ExportOptions, TableInfo, TableWriter
from tools.export.files import check_table_name, file_name

METADATA_FILE = "metadata.json"


def _column(series: pd.Series) -> pa.Array:
    return pa.array(series.astype(object).where(series.notna(), None).tolist(), pa.string())


def check_outputs(out: Path, names: list[str], fmt: ExportFormat, compression: Compression | None,
                  inputs: list[Path]) -> None:  # fmt: skip
    """Fail before any work when a table name cannot be a file name or would overwrite an input."""
    resolved = {p.resolve() for p in inputs}
    for name in names:
        try:
            check_table_name(name)
        except ValueError as exc:
            raise DoppelError(f"table '{name}': {exc}") from None
        target = out / file_name(name, fmt, compression)
        if target.resolve() in resolved:
            raise DoppelError(f"--out {out}: {target.name} would overwrite an input file; choose another folder")
        if target.name == METADATA_FILE:
            raise DoppelError(f"table '{name}': its output would overwrite {METADATA_FILE}; use another --format")


def write_tables(
    out: Path,
    frames: dict[str, pd.DataFrame],
    fmt: ExportFormat,
    compression: Compression | None,
    dialect: Dialect,
    neutralise: bool = True,
) -> dict[str, list[Path]]:
    """Write every table; on any failure every writer is aborted (nothing half-written is left)."""
    from tools.export.writers import open_table_writer

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DoppelError(f"--out {out}: cannot create the folder ({exc.strerror or exc})") from None
    options = ExportOptions(format=fmt, compression=compression, dialect=dialect, neutralise_formulas=neutralise)
    writers: list[tuple[str, TableWriter]] = []
    try:
        for name, frame in frames.items():
            schema = pa.schema([pa.field(str(c), pa.string()) for c in frame.columns])
            writer = open_table_writer(out, TableInfo(name=name, arrow_schema=schema), options)
            writers.append((name, writer))
            arrays = [_column(frame[c]) for c in frame.columns]
            writer.write(pa.RecordBatch.from_arrays(arrays, schema=schema))
        return {name: writer.close() for name, writer in writers}
    except OSError as exc:
        _abort(writers)
        raise DoppelError(f"--out {out}: cannot write ({exc.strerror or exc})") from None
    except BaseException:
        _abort(writers)
        raise


def _abort(writers: list[tuple[str, TableWriter]]) -> None:
    for _, writer in writers:
        with contextlib.suppress(Exception):
            writer.abort()
