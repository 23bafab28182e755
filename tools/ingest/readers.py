"""Read production samples (CSV/TSV/TXT, Parquet, JSON/JSONL, Excel) into all-text tables.

Every cell comes back as the text production had (``None`` when empty), so profiling sees the data
before any coercion. CSV dialects and encodings are sniffed; bad input raises :class:`DoppelError`
naming the file (and the line, for CSV and JSONL parse errors), never a bare traceback.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from tools.errors import DoppelError
from tools.ingest.model import IngestedTable, SourceInfo

CSV_SUFFIXES = {".csv", ".tsv", ".txt", ".tab", ".psv", ".dat"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
JSON_SUFFIXES = {".json"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
SUPPORTED = sorted(CSV_SUFFIXES | PARQUET_SUFFIXES | JSON_SUFFIXES | JSONL_SUFFIXES | EXCEL_SUFFIXES)

DELIMITERS = [",", ";", "\t", "|"]
SNIFF_BYTES = 256 * 1024  # dialect and header are guessed from the head of the file
SNIFF_LINES = 200
SCAN_CHUNK = 8 * 1024 * 1024
CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
_C1_BYTES = re.compile(rb"[\x80-\x9f]")
_NUMBERISH = re.compile(r"^[+-]?[£$€]?\d[\d,]*(\.\d+)?%?$|^[+-]?\.\d+$")
_DATEISH = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T].*)?$|^\d{8}$")
_HEADER_TOKEN = re.compile(r"^[^\W\d][\w .()/#%&+:?'-]{0,79}$", re.UNICODE)


def read_sample(path: Path, *, max_rows: int | None = None) -> list[IngestedTable]:
    """Read one file (or every supported file in a folder) into tables of text cells.

    A CSV, Parquet or JSON file gives one table named by its stem; an Excel workbook gives one table
    per non-empty sheet, named by the sheet.
    """
    path = Path(path)
    if max_rows is not None and max_rows < 1:
        raise DoppelError(f"--max-rows must be at least 1, got {max_rows}")
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED)
        if not files:
            raise DoppelError(f"{path}: folder holds no supported files ({', '.join(SUPPORTED)})")
        return read_samples(files, max_rows=max_rows)
    if not path.exists():
        raise DoppelError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix in CSV_SUFFIXES:
            return [_read_csv(path, max_rows)]
        if suffix in PARQUET_SUFFIXES:
            return [_read_parquet(path, max_rows)]
        if suffix in JSON_SUFFIXES:
            return [_read_json(path, max_rows)]
        if suffix in JSONL_SUFFIXES:
            return [_read_jsonl(path, max_rows)]
        if suffix in EXCEL_SUFFIXES:
            return _read_excel(path, max_rows)
    except DoppelError:
        raise
    except (OSError, MemoryError) as exc:
        raise DoppelError(f"{path}: cannot read file: {exc}") from exc
    if suffix == ".xls":
        raise DoppelError(f"{path}: legacy .xls workbooks are not supported; save it as .xlsx")
    raise DoppelError(f"{path}: unsupported file type '{suffix or '(none)'}'; use one of {', '.join(SUPPORTED)}")


def read_samples(paths: Sequence[Path], *, max_rows: int | None = None) -> list[IngestedTable]:
    """Read several files as related tables; table names must come out unique (they key foreign keys)."""
    tables: list[IngestedTable] = []
    seen: dict[str, Path] = {}
    for path in paths:
        for table in read_sample(Path(path), max_rows=max_rows):
            if table.name in seen:
                raise DoppelError(
                    f"{table.source.path}: table name '{table.name}' is also used by {seen[table.name]}; "
                    "rename one of the files (tables are named by file stem or sheet)"
                )
            seen[table.name] = table.source.path
            tables.append(table)
    return tables


# --------------------------------------------------------------------------------------------- CSV


def sniff_encoding(path: Path) -> str:
    """UTF-8 when the whole file decodes as UTF-8 (with or without BOM); else CP1252 when it uses
    bytes 0x80-0x9F that CP1252 defines (Latin-1 maps them to unused control codes); else Latin-1."""
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith(codecs.BOM_UTF8):
            bom = "utf-8-sig"
        elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        else:
            bom = ""
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        utf8 = True
        c1: set[int] = set()
        while chunk := fh.read(SCAN_CHUNK):
            if utf8 and not chunk.isascii():
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            if not utf8:
                c1.update(m.group()[0] for m in _C1_BYTES.finditer(chunk))
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    if utf8:
        return bom or "utf-8"
    if c1 and not c1 & CP1252_UNDEFINED:
        return "cp1252"
    return "latin-1"


class Dialect:
    """What was sniffed from the head of a delimited file."""

    def __init__(self, delimiter: str, quotechar: str, escapechar: str | None, has_header: bool) -> None:
        self.delimiter = delimiter
        self.quotechar = quotechar
        self.escapechar = escapechar
        self.has_header = has_header


def _head_text(path: Path, encoding: str) -> tuple[str, bool]:
    """The first SNIFF_BYTES decoded, cut at a line end; and whether the file goes on."""
    with path.open("rb") as fh:
        raw = fh.read(SNIFF_BYTES)
        truncated = bool(fh.read(1))
    text = raw.decode(encoding, errors="ignore")
    if text.startswith("\ufeff"):
        text = text[1:]
    if truncated:
        text = text[: max(text.rfind("\n"), 0)]
    return text, truncated


def _records(sample: str, dialect: Dialect | tuple[str, str, str | None], truncated: bool) -> list[list[str]]:
    """Records of the sample (at most SNIFF_LINES); the last is dropped when the sample was cut short."""
    if isinstance(dialect, Dialect):
        dialect = (dialect.delimiter, dialect.quotechar, dialect.escapechar)
    delimiter, quotechar, escapechar = dialect
    reader = csv.reader(io.StringIO(sample), delimiter=delimiter, quotechar=quotechar, escapechar=escapechar)
    rows: list[list[str]] = []
    try:
        for row in reader:
            if row and any(cell.strip() for cell in row):
                rows.append(row)
            if len(rows) > SNIFF_LINES:
                truncated = True
                break
    except csv.Error:
        truncated = True
    return rows[:-1] if truncated and len(rows) > 1 else rows


def _consistency(rows: list[list[str]]) -> tuple[float, int]:
    """Share of records with the modal field count, and that count (1 means the delimiter is absent)."""
    if not rows:
        return 0.0, 0
    counts = Counter(len(r) for r in rows)
    width, hits = counts.most_common(1)[0]
    return hits / len(rows), width


def sniff_dialect(sample: str, truncated: bool = False) -> Dialect:
    """Pick the delimiter among , ; TAB | that splits lines most consistently (csv.Sniffer's guess wins
    ties), the quote character, and whether the first record is a header."""
    sniffed_delim, quotechar, escapechar = None, '"', None
    try:
        guess = csv.Sniffer().sniff(sample[:65536], delimiters="".join(DELIMITERS))
        sniffed_delim = guess.delimiter
        if guess.quotechar in ('"', "'"):
            quotechar = guess.quotechar
        if guess.escapechar and not guess.doublequote:
            escapechar = guess.escapechar
    except csv.Error:
        pass
    if quotechar == "'" and sample.count('"') > sample.count("'"):
        quotechar = '"'
    best: tuple[float, int, int, int] | None = None
    delimiter = sniffed_delim or ","
    for candidate in DELIMITERS:
        rows = _records(sample, (candidate, quotechar, escapechar), truncated)
        share, width = _consistency(rows)
        if width < 2:
            continue
        score = (round(share, 2), int(candidate == sniffed_delim), width, -DELIMITERS.index(candidate))
        if best is None or score > best:
            best, delimiter = score, candidate
    rows = _records(sample, (delimiter, quotechar, escapechar), truncated)
    return Dialect(delimiter, quotechar, escapechar, detect_header(rows))


def _looks_typed(value: str) -> bool:
    v = value.strip()
    return bool(_NUMBERISH.match(v) or _DATEISH.match(v)) or v.lower() in {"true", "false"}


def detect_header(rows: list[list[str]]) -> bool:
    """Guess whether the first record names the columns.

    No when a first-row cell is a number or date, or several are empty; yes when a column is numeric
    or date-like below a non-numeric first cell; otherwise yes when the first-row cells look like names
    (short, start with a letter, unique) and none of them recurs in its column.
    """
    if not rows:
        return False
    first, body = rows[0], rows[1:]
    cells = [c.strip() for c in first]
    if sum(1 for c in cells if not c) > 1 or (cells and not cells[-1] and len(cells) > 1 and not cells[0]):
        return False
    if any(_looks_typed(c) for c in cells if c):
        return False
    if not body:
        return all(_HEADER_TOKEN.match(c) for c in cells if c)
    for i, cell in enumerate(cells):
        column = [r[i].strip() for r in body if i < len(r) and r[i].strip()]
        if cell and column and sum(map(_looks_typed, column)) >= 0.8 * len(column):
            return True
    named = [c for c in cells if c]
    if len(set(named)) != len(named) or not all(_HEADER_TOKEN.match(c) for c in named):
        return False
    recurs = (cell and any(i < len(r) and r[i].strip() == cell for r in body) for i, cell in enumerate(cells))
    return not any(recurs)


def clean_names(names: Iterable[Any]) -> list[str]:
    """Strip names, name blanks ``column_<n>`` and suffix repeats (``name_2``) so every column is addressable."""
    result: list[str] = []
    used: set[str] = set()
    for i, raw in enumerate(names, start=1):
        name = str(raw).strip() if raw is not None else ""
        name = name or f"column_{i}"
        candidate, n = name, 2
        while candidate in used:
            candidate, n = f"{name}_{n}", n + 1
        used.add(candidate)
        result.append(candidate)
    return result


def header_names(raw: Sequence[Any], where: object) -> tuple[list[str], list[str]]:
    """``clean_names`` plus a warning per repeated header naming ``where``, the header and the new names."""
    names = clean_names(raw)
    renamed: dict[str, list[str]] = {}
    for original, name in zip(raw, names, strict=True):
        text = str(original).strip() if original is not None else ""
        if text:
            renamed.setdefault(text, []).append(name)
    warnings = [
        f"{where}: column header '{header}' appears {len(used)} times; the columns are named {', '.join(used)}"
        for header, used in renamed.items()
        if len(used) > 1
    ]
    return names, warnings


def _file_contains(path: Path, needles: Sequence[bytes]) -> bool:
    with path.open("rb") as fh:
        tail = b""
        while chunk := fh.read(SCAN_CHUNK):
            block = tail + chunk
            if any(n in block for n in needles):
                return True
            tail = chunk[-4:]
    return False


def _read_csv(path: Path, max_rows: int | None) -> IngestedTable:
    encoding = sniff_encoding(path)
    sample, truncated = _head_text(path, encoding)
    if not sample.strip():
        raise DoppelError(f"{path}: file is empty")
    dialect = sniff_dialect(sample, truncated)
    first = _records(sample, dialect, truncated)
    header = first[0] if dialect.has_header and first else []
    width = len(header) if header else _consistency(first)[1] or 1
    names, warnings = header_names(header or [""] * width, path)
    quote_bytes = dialect.quotechar.encode(encoding if encoding != "utf-8-sig" else "utf-8")
    quoted = _file_contains(path, [quote_bytes] if encoding != "utf-16" else [b'"\x00', b'\x00"'])
    try:
        frame = _csv_with_arrow(path, encoding, dialect, names, quoted, max_rows)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeError, ValueError):
        long = _first_long_record(path, encoding, dialect, len(names))
        if long is not None:
            raise DoppelError(f"{path}: line {long[0]}: expected {len(names)} fields, found {long[1]}") from None
        frame = _csv_with_python(path, encoding, dialect, names, max_rows)
    frame = _drop_unnamed_empty(frame, header)
    source = SourceInfo(
        path=path,
        format="csv",
        encoding=encoding,
        delimiter=dialect.delimiter,
        quotechar=dialect.quotechar,
        has_header=dialect.has_header,
        rows=len(frame),
        columns=frame.shape[1],
    )
    return IngestedTable(name=path.stem, source=source, frame=frame, warnings=warnings)


def arrow_csv_options(
    encoding: str, dialect: Dialect, names: list[str], *, newlines_in_values: bool, block_size: int = 16 * 1024 * 1024
) -> tuple[pcsv.ReadOptions, pcsv.ParseOptions, pcsv.ConvertOptions]:
    """Arrow's CSV options for what ingest sniffed: every column text, blanks null (shared by the
    reader here and the leakage scan, which streams the same file in chunks)."""
    read = pcsv.ReadOptions(
        encoding="utf8" if encoding in ("utf-8", "utf-8-sig") else encoding,
        column_names=names,
        skip_rows_after_names=1 if dialect.has_header else 0,
        block_size=block_size,
    )
    parse = pcsv.ParseOptions(
        delimiter=dialect.delimiter,
        quote_char=dialect.quotechar,
        double_quote=dialect.escapechar is None,
        escape_char=dialect.escapechar or False,
        newlines_in_values=newlines_in_values,
        ignore_empty_lines=True,
    )
    convert = pcsv.ConvertOptions(
        column_types=dict.fromkeys(names, pa.string()),
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
        null_values=[""],
    )
    return read, parse, convert


def _csv_with_arrow(
    path: Path, encoding: str, dialect: Dialect, names: list[str], quoted: bool, max_rows: int | None
) -> pd.DataFrame:
    read, parse, convert = arrow_csv_options(encoding, dialect, names, newlines_in_values=quoted)
    if max_rows is None:
        table = pcsv.read_csv(path, read_options=read, parse_options=parse, convert_options=convert)
    else:
        batches: list[pa.RecordBatch] = []
        rows = 0
        with pcsv.open_csv(path, read_options=read, parse_options=parse, convert_options=convert) as reader:
            for batch in reader:
                batches.append(batch)
                rows += batch.num_rows
                if rows >= max_rows:
                    break
        table = pa.Table.from_batches(batches, schema=reader.schema).slice(0, max_rows)
    return table.to_pandas(split_blocks=True, self_destruct=True)


def _csv_with_python(
    path: Path, encoding: str, dialect: Dialect, names: list[str], max_rows: int | None
) -> pd.DataFrame:
    """Fallback for dialects or damage the Arrow parser rejects; its errors carry line numbers."""
    try:
        frame = pd.read_csv(
            path,
            sep=dialect.delimiter,
            quotechar=dialect.quotechar,
            escapechar=dialect.escapechar,
            doublequote=dialect.escapechar is None,
            encoding=encoding,
            header=None,
            names=names,
            skiprows=1 if dialect.has_header else 0,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            nrows=max_rows,
            engine="python",
            on_bad_lines="error",
            skip_blank_lines=True,
        )
    except pd.errors.ParserError as exc:
        raise DoppelError(f"{path}: {_parser_message(str(exc))}") from None
    except (UnicodeError, ValueError, csv.Error) as exc:
        raise DoppelError(f"{path}: cannot parse as delimited text: {exc}") from None
    return frame.astype(object).where(frame.notna(), None)


def _parser_message(message: str) -> str:
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if found:
        expected, line, saw = found.groups()
        return f"line {line}: expected {expected} fields, found {saw}"
    return f"cannot parse as delimited text: {message.strip()}"


def _first_long_record(path: Path, encoding: str, dialect: Dialect, width: int) -> tuple[int, int] | None:
    """(physical line, field count) of the first record with more fields than the header has."""
    with path.open("r", encoding=encoding, newline="", errors="replace") as fh:
        reader = csv.reader(fh, delimiter=dialect.delimiter, quotechar=dialect.quotechar, escapechar=dialect.escapechar)
        try:
            for row in reader:
                if len(row) > width and any(cell.strip() for cell in row[width:]):
                    return reader.line_num, len(row)
        except csv.Error as exc:
            raise DoppelError(f"{path}: line {reader.line_num}: {exc}") from None
    return None


def _drop_unnamed_empty(frame: pd.DataFrame, header: list[str]) -> pd.DataFrame:
    """Drop trailing columns with no header name and no values (lines ending in a delimiter)."""
    if not header:
        return frame
    keep = list(frame.columns)
    while len(keep) > 1 and (len(header) < len(keep) or not header[len(keep) - 1].strip()):
        if frame[keep[-1]].notna().any():
            break
        keep.pop()
    return frame[keep] if len(keep) != frame.shape[1] else frame


# ----------------------------------------------------------------------------------------- Parquet


def _text_array(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Arrow values as their text form; nested values as compact JSON."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        column = pc.cast(column, kind.value_type)
        kind = kind.value_type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return column
    if pa.types.is_boolean(kind):
        return pc.if_else(column, "true", "false")
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind) or pa.types.is_time(kind):
        return pa.chunked_array([pa.array([_iso(v) for v in column.to_pylist()], pa.string())])
    try:
        return pc.cast(column, pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        values = column.to_pylist()
        text = [None if v is None else json.dumps(v, ensure_ascii=False, default=str) for v in values]
        return pa.chunked_array([pa.array(text, pa.string())])


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _read_parquet(path: Path, max_rows: int | None) -> IngestedTable:
    try:
        handle = pq.ParquetFile(path)
        if max_rows is None:
            table = handle.read()
        else:
            batches = []
            rows = 0
            for batch in handle.iter_batches(batch_size=min(max_rows, 65536)):
                batches.append(batch)
                rows += batch.num_rows
                if rows >= max_rows:
                    break
            table = pa.Table.from_batches(batches, schema=handle.schema_arrow).slice(0, max_rows)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
        raise DoppelError(f"{path}: not a readable Parquet file: {exc}") from None
    names, warnings = header_names(table.column_names, path)
    columns = [_text_array(table.column(i)) for i in range(table.num_columns)]
    text = pa.table(dict(zip(names, columns, strict=True))) if columns else pa.table({})
    frame = text.to_pandas(split_blocks=True)
    frame = frame.astype(object).where(frame.notna() & (frame != ""), None) if len(frame.columns) else frame
    source = SourceInfo(path=path, format="parquet", rows=len(frame), columns=frame.shape[1])
    return IngestedTable(name=path.stem, source=source, frame=frame, warnings=warnings)


# -------------------------------------------------------------------------------------------- JSON


def _json_text(value: Any) -> str | None:
    """A JSON value as text: numbers keep their literal spelling (parsed as Decimal), nested values
    become compact JSON, empty strings None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    return _dump(value)


def _dump(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{_dump(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_dump(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _loads(text: str) -> Any:
    return json.loads(text, parse_float=Decimal, parse_int=int, parse_constant=Decimal)


def _frame_from_records(records: Iterable[Any], path: Path, where: str = "item") -> pd.DataFrame:
    keys: dict[str, None] = {}
    rows: list[dict[str, Any]] = []
    for i, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise DoppelError(f"{path}: {where} {i} is not an object ({type(record).__name__})")
        keys.update(dict.fromkeys(record))
        rows.append(record)
    names = list(keys)
    data = {name: [_json_text(r.get(name)) for r in rows] for name in names}
    frame = pd.DataFrame(data, dtype=object)
    frame.columns = pd.Index(clean_names(names))
    return frame


def _read_json(path: Path, max_rows: int | None) -> IngestedTable:
    text = path.read_bytes().decode(_json_encoding(path), errors="strict").lstrip("\ufeff")
    try:
        document = _loads(text)
    except json.JSONDecodeError as exc:
        if text.lstrip().startswith("{") and "\n" in text.strip():
            try:  # JSON Lines saved as .json
                table = _read_jsonl(path, max_rows)
            except DoppelError:
                pass
            else:
                return table
        raise DoppelError(f"{path}: line {exc.lineno} column {exc.colno}: invalid JSON: {exc.msg}") from None
    if isinstance(document, dict) and len(document) == 1 and isinstance(next(iter(document.values())), list):
        inner = next(iter(document.values()))
        if all(isinstance(item, dict) for item in inner):
            document = inner
    if isinstance(document, list):
        frame = _frame_from_records(document[:max_rows] if max_rows else document, path)
    elif isinstance(document, dict) and document and all(isinstance(v, list) for v in document.values()):
        lengths = {len(v) for v in document.values()}
        if len(lengths) > 1:
            detail = ", ".join(f"{k}={len(v)}" for k, v in document.items())
            raise DoppelError(f"{path}: columns of an object of arrays must have equal lengths ({detail})")
        data = {k: [_json_text(x) for x in (v[:max_rows] if max_rows else v)] for k, v in document.items()}
        frame = pd.DataFrame(data, dtype=object)
        frame.columns = pd.Index(clean_names(document))
    else:
        raise DoppelError(f"{path}: expected an array of objects or an object of arrays at the top level")
    source = SourceInfo(path=path, format="json", encoding="utf-8", rows=len(frame), columns=frame.shape[1])
    return IngestedTable(name=path.stem, source=source, frame=frame)


def _json_encoding(path: Path) -> str:
    encoding = sniff_encoding(path)
    return "utf-8" if encoding == "utf-8-sig" else encoding


def _jsonl_records(path: Path, encoding: str, max_rows: int | None) -> Iterator[Any]:
    taken = 0
    with path.open("r", encoding=encoding) as fh:
        for lineno, line in enumerate(fh, start=1):
            line = line.strip().lstrip("\ufeff")
            if not line:
                continue
            try:
                record = _loads(line)
            except json.JSONDecodeError as exc:
                raise DoppelError(f"{path}: line {lineno}: invalid JSON: {exc.msg}") from None
            if not isinstance(record, dict):
                raise DoppelError(f"{path}: line {lineno}: expected an object, found {type(record).__name__}")
            yield record
            taken += 1
            if max_rows is not None and taken >= max_rows:
                return


def _read_jsonl(path: Path, max_rows: int | None) -> IngestedTable:
    frame = _frame_from_records(_jsonl_records(path, _json_encoding(path), max_rows), path, "line")
    source = SourceInfo(path=path, format="jsonl", encoding="utf-8", rows=len(frame), columns=frame.shape[1])
    return IngestedTable(name=path.stem, source=source, frame=frame)


# ------------------------------------------------------------------------------------------- Excel

_DEFAULT_SHEET = re.compile(r"^(Sheet|Feuil|Tabelle|Hoja|Foglio|Blad)\d*$", re.IGNORECASE)


def _excel_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return str(value) or None


def _read_excel(path: Path, max_rows: int | None) -> list[IngestedTable]:
    try:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException
    except ImportError:  # pragma: no cover - depends on the environment
        raise DoppelError(f"{path}: reading Excel needs the 'openpyxl' package (pip install openpyxl)") from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise DoppelError(f"{path}: not a readable .xlsx workbook: {exc}") from None
    except Exception as exc:  # zipfile.BadZipFile and parser errors vary by openpyxl version
        raise DoppelError(f"{path}: not a readable .xlsx workbook: {exc}") from None
    tables: list[IngestedTable] = []
    try:
        sheets = [(ws.title, _sheet_rows(ws, max_rows)) for ws in book.worksheets]
    finally:
        book.close()
    filled = [(title, rows) for title, rows in sheets if rows]
    if not filled:
        raise DoppelError(f"{path}: workbook has no data")
    for title, rows in filled:
        width = max(len(r) for r in rows)
        rows = [r + [None] * (width - len(r)) for r in rows]
        has_header = detect_header([[c or "" for c in r] for r in rows[: SNIFF_LINES + 1]])
        names, warnings = header_names(rows[0] if has_header else [""] * width, f"{path} (sheet '{title}')")
        body = rows[1:] if has_header else rows
        frame = pd.DataFrame(body, columns=names, dtype=object) if body else pd.DataFrame(columns=names, dtype=object)
        if max_rows is not None:
            frame = frame.iloc[:max_rows]
        single_default = len(filled) == 1 and _DEFAULT_SHEET.match(title)
        name = path.stem if single_default else title
        source = SourceInfo(
            path=path, format="excel", sheet=title, has_header=has_header, rows=len(frame), columns=frame.shape[1]
        )
        tables.append(IngestedTable(name=name, source=source, frame=frame, warnings=warnings))
    return tables


def _sheet_rows(ws: Any, max_rows: int | None) -> list[list[str | None]]:
    """Non-empty rows of a sheet as text, trailing empty cells trimmed (read-only sheets over-report size)."""
    rows: list[list[str | None]] = []
    limit = None if max_rows is None else max_rows + 1
    for raw in ws.iter_rows(values_only=True):
        row = [_excel_text(v) for v in raw]
        while row and row[-1] is None:
            row.pop()
        if row:
            rows.append(row)
            if limit is not None and len(rows) >= limit:
                break
    return rows
