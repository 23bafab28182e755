"""The whole of a sample file, chunk by chunk, for the leakage check when ``--max-rows`` read only its head.

Synthesis learns from the rows read, but production is the whole file: a value that only occurs beyond
``--max-rows`` must still never be emitted. So the leakage guard digests every row of a truncated table
here, one chunk at a time (memory stays flat however large the file), with the same reading choices as
ingest (encoding, dialect, header, column names), and the chunks are dropped as soon as they are hashed.

CSV and Parquet stream; JSON documents and Excel workbooks have no streaming form and are read whole once
(they are read whole by ingest too).
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from tools.errors import DoppelError
from tools.ingest import readers
from tools.ingest.model import IngestedTable

CHUNK_ROWS = 100_000
BLOCK_BYTES = 8 * 1024 * 1024  # CSV is streamed in blocks of this size


def truncated(table: IngestedTable, max_rows: int | None) -> bool:
    """Whether the file may hold rows beyond those read (ingest stops at exactly ``max_rows``)."""
    return max_rows is not None and len(table.frame) >= max_rows


def iter_chunks(table: IngestedTable, chunk_rows: int | None = None) -> Iterator[pd.DataFrame]:
    """Every row of ``table``'s source as text frames with ``table.frame``'s columns, in file order: CSV in
    blocks of 8 MiB, Parquet and JSON Lines in ``chunk_rows`` rows, JSON and Excel whole."""
    source = table.source
    path = Path(source.path)
    columns = [str(c) for c in table.frame.columns]
    chunk_rows = chunk_rows or CHUNK_ROWS
    try:
        if source.format == "csv":
            chunks = _csv_chunks(path, table, chunk_rows)
        elif source.format == "parquet":
            chunks = _parquet_chunks(path, chunk_rows)
        elif source.format == "jsonl":
            chunks = _jsonl_chunks(path, chunk_rows)
        else:  # json, excel: no streaming form
            chunks = _whole(path, table)
        for chunk in chunks:
            yield _aligned(chunk, columns, path)
    except DoppelError:
        raise
    except (OSError, UnicodeError, ValueError, pa.ArrowException, csv.Error) as exc:
        raise DoppelError(
            f"{path}: cannot re-read the whole file for the leakage check ({type(exc).__name__}); "
            "it must not change during a run"
        ) from None


def _aligned(chunk: pd.DataFrame, columns: list[str], path: Path) -> pd.DataFrame:
    """``chunk`` with exactly the columns read at first (a column missing from a chunk is blank)."""
    if list(chunk.columns[: len(columns)]) == columns:
        return chunk.iloc[:, : len(columns)]
    if not set(columns) & set(chunk.columns):
        raise DoppelError(f"{path}: the file's columns changed since it was read; re-run")
    return chunk.reindex(columns=columns).astype(object)


def _csv_chunks(path: Path, table: IngestedTable, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Arrow's streaming reader with ingest's choices; pandas' python engine where Arrow gives up."""
    encoding = table.source.encoding or readers.sniff_encoding(path)
    head, cut = readers._head_text(path, encoding)
    dialect = readers.sniff_dialect(head, cut)
    first = readers._records(head, dialect, cut)
    header = first[0] if dialect.has_header and first else []
    width = len(header) if header else readers._consistency(first)[1] or 1
    names = readers.clean_names(header or [""] * width)
    read, parse, convert = readers.arrow_csv_options(
        encoding, dialect, names, newlines_in_values=True, block_size=BLOCK_BYTES
    )
    done = 0
    try:
        with pcsv.open_csv(path, read_options=read, parse_options=parse, convert_options=convert) as reader:
            for batch in reader:
                frame = batch.to_pandas(split_blocks=True)
                done += len(frame)
                yield frame
        return
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeError, ValueError):
        pass  # ingest fell back to pandas' python engine for this file too; records already hashed are skipped
    for frame in pd.read_csv(
        path, sep=dialect.delimiter, quotechar=dialect.quotechar, escapechar=dialect.escapechar,
        doublequote=dialect.escapechar is None, encoding=encoding, header=None, names=names,
        skiprows=1 if dialect.has_header else 0, dtype=str, keep_default_na=False, na_values=[""],
        engine="python", on_bad_lines="error", skip_blank_lines=True, chunksize=chunk_rows,
    ):  # fmt: skip
        skip, done = min(done, len(frame)), done - min(done, len(frame))
        if skip < len(frame):
            rest = frame.iloc[skip:]
            yield rest.astype(object).where(rest.notna(), None)


def _parquet_chunks(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    handle = pq.ParquetFile(path)
    names = readers.clean_names(handle.schema_arrow.names)
    for batch in handle.iter_batches(batch_size=chunk_rows):
        columns = [readers._text_array(pa.chunked_array([batch.column(i)])) for i in range(batch.num_columns)]
        frame = pa.table(dict(zip(names, columns, strict=True))).to_pandas(split_blocks=True)
        yield frame.astype(object).where(frame.notna() & (frame != ""), None)


def _jsonl_chunks(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    records = readers._jsonl_records(path, readers._json_encoding(path), None)
    while batch := list(itertools.islice(records, chunk_rows)):
        yield readers._frame_from_records(batch, path, "line")


def _whole(path: Path, table: IngestedTable) -> Iterator[pd.DataFrame]:
    found = [t for t in readers.read_sample(path) if t.name == table.name]
    if not found:
        raise DoppelError(f"{path}: table '{table.name}' is gone since it was read; re-run")
    yield found[0].frame
