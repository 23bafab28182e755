"""Shared data and readers for the export tests (imported by the other test_export*.py; no tests here).

The tricky table is built from plain Python values so that expectations are computed independently
of the writers' own formatting code.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import re
import sqlite3
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import fastavro
import pyarrow as pa
import pyarrow.parquet as pq
import zstandard

from tools.export.base import ExportOptions, ForeignKey, TableInfo
from tools.export.writers import open_table_writer

LONDON = "Europe/London"
UTC = dt.UTC
ROWS = 25
ODD_SIZES = [1, 3, 7, 2, 5, 7]  # sums to 25

SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("name", pa.string()),
        ("qty", pa.int64()),
        ("price", pa.decimal128(18, 2)),
        ("score", pa.float64()),
        ("active", pa.bool_()),
        ("born", pa.date32()),
        ("wake", pa.time64("us")),
        ("seen_at", pa.timestamp("us")),
        ("paid_at", pa.timestamp("us", tz=LONDON)),
        ("meta", pa.string()),
        ("city", pa.string()),
        ("_anomalies", pa.string()),
    ]
)
JSON_FIELDS = ["meta"]

NAMES: list[str | None] = [
    "plain",
    "comma, inside",
    'quote " inside',
    "line\nfeed",
    "carriage\rreturn",
    "crlf\r\nend",
    "=1+2",
    "+33 612 345",
    "-5 apples",
    "@SUM(A1)",
    "\tTabbed",
    "\rCR first",
    "",
    None,
    "unicode é 漢字 🎉",
    "back\\slash \\' \\n",
    "it's 100% done",
    "NULL",
    "  spaced  ",
    '"quoted"',
    "'already quoted",
    ",",
    "\n",
    "x" * 300,
    'Ünïcödé, "mixed"\r\n=end',
]
QTY = [7, -3, None, 0, -9_223_372_036_854_775_808, 9_223_372_036_854_775_807, -1]
PRICE = [
    Decimal("12.50"),
    Decimal("-0.50"),
    Decimal("0.00"),
    Decimal("9999999999999999.99"),
    None,
    Decimal("-9999999999999999.99"),
    Decimal("1.05"),
    Decimal("-12.00"),
]
SCORE = [0.1, -2.5, 1e20, None, -1e-7, 0.30000000000000004, 1e-300, 1.7e308, -0.0, 3.0]
ACTIVE = [True, False, None]
BORN = [dt.date(2024, 2, 29), dt.date(1000, 1, 1), dt.date(9999, 12, 31), None, dt.date(1969, 12, 31)]
WAKE = [dt.time(0, 0), dt.time(23, 59, 59, 999999), None, dt.time(9, 15), dt.time(12, 0, 0, 5)]
SEEN_AT = [
    dt.datetime(2024, 3, 31, 1, 30),
    dt.datetime(2000, 1, 1, 0, 0, 0, 1),
    None,
    dt.datetime(1970, 1, 1),
    dt.datetime(2024, 10, 27, 1, 30, 15),
    dt.datetime(1969, 12, 31, 23, 59, 59, 999999),
]
# Instants around both 2024 London DST changes (01:30 local happens twice on 27 October).
PAID_AT = [
    dt.datetime(2024, 3, 31, 0, 59, 59, tzinfo=UTC),
    dt.datetime(2024, 3, 31, 1, 0, 0, tzinfo=UTC),
    dt.datetime(2024, 10, 27, 0, 30, tzinfo=UTC),
    dt.datetime(2024, 10, 27, 1, 30, tzinfo=UTC),
    None,
    dt.datetime(2024, 7, 1, 12, 0, 0, 123456, tzinfo=UTC),
    dt.datetime(1990, 1, 1, tzinfo=UTC),
]
META = [
    '{"a": 1, "b": [true, null, "x"]}',
    '{"nested": {"k": "é \\"q\\" \\\\"}}',
    None,
    "{}",
    '{"n": 12.5, "big": 123456789012}',
    "not json {",
    '{\n  "multi": "line",\n\t"tab": 1\n}',
    '{"c": NaN}',
]
CITY = ["Zürich", None, "São Paulo", "", "Ōsaka, Kansai", '=HYPERLINK("x")']
ANOMALIES = ["email:regex;phone:missing", None, "", "price:negative"]


def _cycle(values: Sequence[Any], n: int = ROWS) -> list[Any]:
    return [values[i % len(values)] for i in range(n)]


def tricky_table(n: int = ROWS) -> pa.Table:
    columns = {
        "id": list(range(1, n + 1)),
        "name": _cycle(NAMES, n),
        "qty": _cycle(QTY, n),
        "price": _cycle(PRICE, n),
        "score": _cycle(SCORE, n),
        "active": _cycle(ACTIVE, n),
        "born": _cycle(BORN, n),
        "wake": _cycle(WAKE, n),
        "seen_at": _cycle(SEEN_AT, n),
        "paid_at": _cycle(PAID_AT, n),
        "meta": _cycle(META, n),
        "city": _cycle(CITY, n),
        "_anomalies": _cycle(ANOMALIES, n),
    }
    return pa.Table.from_pydict(columns, schema=SCHEMA)


def table_info(name: str = "people", schema: pa.Schema = SCHEMA, **kw: Any) -> TableInfo:
    kw.setdefault("primary_key", ["id"])
    kw.setdefault("json_fields", JSON_FIELDS if schema.equals(SCHEMA) else [])
    return TableInfo(name=name, arrow_schema=schema, **kw)


def batches(table: pa.Table, sizes: Sequence[int]) -> list[pa.RecordBatch]:
    """Cut ``table`` into record batches of exactly ``sizes`` rows."""
    assert sum(sizes) == table.num_rows, (sizes, table.num_rows)
    out, start = [], 0
    for size in sizes:
        out.append(table.slice(start, size).combine_chunks().to_batches()[0])
        start += size
    return out


def make_options(fmt: str, **kw: Any) -> ExportOptions:
    """Export options; SQL defaults to the SQLite dialect so results can be loaded in-process."""
    if fmt == "sql":
        kw.setdefault("dialect", "sqlite")
    return ExportOptions.model_validate({"format": fmt, **kw})


def utc(value: Any) -> Any:
    """Zone-aware datetimes as UTC: ``==`` between zones is False for ambiguous times (PEP 495)."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(UTC)
    if isinstance(value, dict):
        return {k: utc(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(utc(v) for v in value)
    return value


def export(
    out_dir: Path,
    table: pa.Table,
    options: ExportOptions,
    sizes: Sequence[int] = ODD_SIZES,
    info: TableInfo | None = None,
    append: bool = False,
) -> list[Path]:
    writer = open_table_writer(out_dir, info or table_info(schema=table.schema), options, append=append)
    try:
        for batch in batches(table, sizes):
            writer.write(batch)
        return writer.close()
    except BaseException:
        writer.abort()
        raise


# --- readers -------------------------------------------------------------------------------------


def read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".gz":
        return gzip.decompress(data)  # handles several members
    if path.suffix == ".zst":
        reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data), read_across_frames=True)
        return reader.read()
    return data


def read_csv(path: Path) -> list[list[str]]:
    """All records including the header, via Python's csv module."""
    return list(csv.reader(io.StringIO(read_bytes(path).decode("utf-8"), newline="")))


def read_json(path: Path) -> list[dict[str, Any]]:
    value = json.loads(read_bytes(path), parse_float=Decimal)
    assert isinstance(value, list)
    return value


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    text = read_bytes(path).decode("utf-8")
    assert text == "" or text.endswith("\n")
    return [json.loads(line, parse_float=Decimal) for line in text.split("\n")[:-1]]


def read_avro(path: Path) -> list[dict[str, Any]]:
    with path.open("rb") as fo:
        return [cast(dict[str, Any], record) for record in fastavro.reader(fo)]


def run_sqlite(paths: Sequence[Path], con: sqlite3.Connection | None = None) -> sqlite3.Connection:
    con = con or sqlite3.connect(":memory:")
    for path in paths:
        con.executescript(read_bytes(path).decode("utf-8"))
    return con


def read_rows(paths: Sequence[Path], fmt: str, table: str = "people") -> list[Any]:
    """Data rows of one or more files (parts in order), in a form comparable within one format."""
    rows: list[Any] = []
    if fmt == "sql":
        con = run_sqlite(paths)
        return [tuple(r) for r in con.execute(f'SELECT * FROM "{table}" ORDER BY rowid')]
    for path in paths:
        if fmt == "csv":
            rows += read_csv(path)[1:]
        elif fmt == "json":
            rows += read_json(path)
        elif fmt == "jsonl":
            rows += read_jsonl(path)
        elif fmt == "parquet":
            rows += utc(pq.read_table(path).to_pylist())
        elif fmt == "avro":
            rows += utc(read_avro(path))
        else:
            raise AssertionError(fmt)
    return rows


# --- expectations, computed from Python values ---------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\x00")
# never neutralised: a signed number, or a phone number (digits, spaces, dashes, dots, brackets after a +)
NUMBER_OR_PHONE = re.compile(r"[+-][0-9,]*[0-9](\.[0-9]*)?([eE][+-]?[0-9]+)?%?|\+?[ ().-]*[0-9][0-9 ().-]*")


def expected_csv_text(value: Any, arrow_type: pa.DataType, neutralise: bool = True) -> str:
    if value is None:
        return ""
    if pa.types.is_string(arrow_type):
        formula = value.startswith(FORMULA_START) and not NUMBER_OR_PHONE.fullmatch(value)
        return "'" + value if neutralise and formula else value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def json_value(text: str | None) -> Any:
    """What a JSON-field text should read back as: the parsed value, or the text when it is not JSON."""
    if text is None:
        return None
    try:
        return json.loads(text, parse_constant=_reject)
    except ValueError:
        return text


def _reject(name: str) -> None:
    raise ValueError(name)


CHILD_SCHEMA = pa.schema([("id", pa.int64()), ("customer_code", pa.string()), ("total", pa.decimal128(18, 2))])


def parent_child_infos(enforce: bool, suffix: str = "") -> tuple[TableInfo, TableInfo]:
    parent = TableInfo(
        name=f"customers{suffix}",
        arrow_schema=pa.schema([("code", pa.string()), ("label", pa.string())]),
        primary_key=["code"],
    )
    child = TableInfo(
        name=f"orders{suffix}",
        arrow_schema=pa.schema([("id", pa.int64()), ("customer_code", pa.string()), ("total", pa.decimal128(18, 2))]),
        primary_key=["id"],
        foreign_keys=[
            ForeignKey(field="customer_code", ref_table=f"customers{suffix}", ref_field="code", enforce=enforce)
        ],
    )
    return parent, child


PARENT_ROWS = pa.table(
    {"code": ["C1", "c1", "C2"], "label": ["first", "lower-case twin", None]},
    schema=pa.schema([("code", pa.string()), ("label", pa.string())]),
)


def child_rows(valid_only: bool) -> pa.Table:
    codes = ["C1", "c1", "C2", None] + ([] if valid_only else ["NO-SUCH-CUSTOMER"])
    return pa.table(
        {
            "id": list(range(1, len(codes) + 1)),
            "customer_code": codes,
            "total": [Decimal("1.50")] * len(codes),
        },
        schema=pa.schema([("id", pa.int64()), ("customer_code", pa.string()), ("total", pa.decimal128(18, 2))]),
    )
