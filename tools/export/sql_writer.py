"""SQL output: ``CREATE TABLE`` plus multi-row ``INSERT`` statements for PostgreSQL, MySQL/MariaDB, SQLite.

All SQL text comes from SQLAlchemy's dialect compilers, never from hand-written quoting: the DDL is a
compiled ``CreateTable``; each value is rendered by the dialect's statement compiler
(``SQLCompiler.render_literal_value``, exactly what ``stmt.compile(compile_kwargs={"literal_binds":
True})`` calls per value, including MySQL's backslash escaping). Compiling whole ``Insert`` objects
gives the same text but costs ~15x more (~115 s per million 14-column rows, against ~8 s), so values
are rendered one by one (a value repeated within a slice of rows only once) and joined row-wise with
arrow; ``tests/test_export_sql.py`` checks the result equals ``insert(...).compile(...)``.
Statement boundaries depend only on ``sql_batch_rows``, not on incoming batch sizes.

Dialects are created with the ``named`` paramstyle: with psycopg2/pymysql's ``pyformat`` style the
compiler doubles ``%`` (``100%`` -> ``100%%``) for the DB-API, which would corrupt a script.

Types: strings TEXT (VARCHAR(255) for key columns in MySQL, which cannot index TEXT), BIGINT, DOUBLE,
NUMERIC(p, s), BOOLEAN, DATE, TIME, TIMESTAMP [WITH TIME ZONE], JSON columns JSONB/JSON/JSON.
MySQL gets TIME(6)/DATETIME(6) (the default precision drops microseconds) and, having no zone-aware
type, zone-aware timestamps as UTC in DATETIME(6). SQLite stores text for temporal values (with offset)
and REAL for decimals. Non-finite floats are written as NULL (MySQL has no NaN). Temporal and JSON
columns use ``TypeDecorator``s that render literals as ISO/JSON text through the dialect's String
literal processor: SQLAlchemy has no JSON literal renderer, drops the offset for SQLite and keeps it
for MySQL, which rejects it.

A session preamble pins what the literals assume: ``standard_conforming_strings`` (PostgreSQL, so a
backslash is a backslash), ``NAMES utf8mb4`` and no ``NO_BACKSLASH_ESCAPES`` (MySQL). Foreign keys with
``enforce=False`` are left out with a comment: those columns hold invalid references on purpose.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Dialect as SaDialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.type_api import TypeEngine

from tools.export.base import Compression, Dialect, ExportOptions, TableInfo
from tools.export.formatting import SLICE_ROWS, format_time, format_timestamp, is_json_text, join_columns
from tools.export.sinks import FileSink, FileTarget, TextSink

MYSQL_KEY_LENGTH = 255
PREAMBLES: dict[str, str] = {
    "postgres": "SET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\n",
    "mysql": ("SET NAMES utf8mb4;\nSET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', '');\n"),
    "sqlite": "",
}


def make_dialect(name: Dialect) -> SaDialect:
    """A compile-only SQLAlchemy dialect that renders literals for scripts (no ``%`` doubling)."""
    if name == "postgres":
        return postgresql.dialect(paramstyle="named")
    if name == "mysql":
        return mysql.dialect(paramstyle="named")
    return sqlite.dialect(paramstyle="named")


# --- literal-as-text types -------------------------------------------------------------------------


def _is_mysql(dialect: SaDialect) -> bool:
    return dialect.name in ("mysql", "mariadb")


class _TextLiteral(sa.types.TypeDecorator[Any]):
    """Base: DDL shows ``ddl_type(dialect)``; literals are text quoted by the dialect's String processor."""

    impl = sa.String
    cache_ok = True

    def ddl_type(self, dialect: SaDialect) -> TypeEngine[Any]:
        raise NotImplementedError

    def to_text(self, value: Any, dialect: SaDialect) -> str:
        raise NotImplementedError

    def process_literal_param(self, value: Any, dialect: SaDialect) -> str:
        return value if isinstance(value, str) else self.to_text(value, dialect)

    def process_bind_param(self, value: Any, dialect: SaDialect) -> Any:
        return value if value is None or isinstance(value, str) else self.to_text(value, dialect)


class IsoDate(_TextLiteral):
    def ddl_type(self, dialect: SaDialect) -> TypeEngine[Any]:
        return sa.Date()

    def to_text(self, value: Any, dialect: SaDialect) -> str:
        return str(value.isoformat())


class IsoTime(_TextLiteral):
    def ddl_type(self, dialect: SaDialect) -> TypeEngine[Any]:
        return mysql.TIME(fsp=6) if _is_mysql(dialect) else sa.Time()

    def to_text(self, value: Any, dialect: SaDialect) -> str:
        return str(value.isoformat())


class IsoDateTime(_TextLiteral):
    """Timestamps as ``YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM]``; UTC without offset for MySQL."""

    def __init__(self, timezone: bool = False) -> None:
        super().__init__()
        self.timezone = timezone

    def ddl_type(self, dialect: SaDialect) -> TypeEngine[Any]:
        if _is_mysql(dialect):
            return mysql.DATETIME(fsp=6)
        return sa.DateTime(timezone=self.timezone)

    def to_text(self, value: Any, dialect: SaDialect) -> str:
        if _is_mysql(dialect) and value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return str(value.isoformat(sep=" "))


class JsonText(_TextLiteral):
    """JSON columns fed JSON text: valid text goes in as is, invalid text (an injected anomaly) as a
    JSON string, so the JSON/JSONB column accepts every row."""

    def ddl_type(self, dialect: SaDialect) -> TypeEngine[Any]:
        return postgresql.JSONB() if dialect.name == "postgresql" else sa.JSON()

    def process_literal_param(self, value: Any, dialect: SaDialect) -> str:
        if isinstance(value, str):
            return value if is_json_text(value) else json.dumps(value, ensure_ascii=False)
        return json.dumps(value, ensure_ascii=False)

    def process_bind_param(self, value: Any, dialect: SaDialect) -> Any:
        return None if value is None else self.process_literal_param(value, dialect)


@compiles(IsoDate)
@compiles(IsoTime)
@compiles(IsoDateTime)
@compiles(JsonText)
def _compile_text_literal_type(type_: _TextLiteral, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(type_.ddl_type(compiler.dialect), **kw))


# --- table ---------------------------------------------------------------------------------------


def _sa_type(field: pa.Field, *, key: bool, is_json: bool) -> TypeEngine[Any]:
    t = field.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        if is_json:
            return JsonText()
        return sa.Text().with_variant(mysql.VARCHAR(MYSQL_KEY_LENGTH), "mysql") if key else sa.Text()
    if pa.types.is_integer(t):
        return sa.BigInteger() if t.bit_width > 32 or t == pa.uint32() else sa.Integer()
    if pa.types.is_floating(t):
        return sa.Double()
    if pa.types.is_decimal(t):
        return sa.Numeric(t.precision, t.scale)
    if pa.types.is_boolean(t):
        return sa.Boolean()
    if pa.types.is_date(t):
        return IsoDate()
    if pa.types.is_time(t):
        return IsoTime()
    if pa.types.is_timestamp(t):
        return IsoDateTime(timezone=t.tz is not None)
    raise TypeError(f"column {field.name!r}: no SQL type for {t}")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def build_table(table: TableInfo, metadata: sa.MetaData | None = None) -> tuple[sa.Table, list[str]]:
    """The SQLAlchemy table for ``table`` and comment lines for foreign keys deliberately left out."""
    metadata = metadata if metadata is not None else sa.MetaData()
    key_fields = set(table.primary_key) | {fk.field for fk in table.foreign_keys}
    json_fields = set(table.json_fields)
    # autoincrement=False: an integer key must stay a plain BIGINT, not BIGSERIAL / AUTO_INCREMENT.
    columns = [
        sa.Column(f.name, _sa_type(f, key=f.name in key_fields, is_json=f.name in json_fields), autoincrement=False)
        for f in table.arrow_schema
    ]
    by_name = {c.name: c for c in columns}
    constraints: list[sa.schema.Constraint] = []
    comments: list[str] = []
    if table.primary_key:
        constraints.append(sa.PrimaryKeyConstraint(*table.primary_key))
    # Referenced tables need only a stub (name + referenced columns) for the DDL to compile.
    stubs: dict[str, sa.Table] = {}
    for fk in table.foreign_keys:
        if fk.field not in by_name:
            raise ValueError(f"foreign key field {fk.field!r} is not a column of {table.name!r}")
        if fk.enforce and not fk.ref_field:
            comments.append(
                _one_line(f"Foreign key {fk.field} -> {fk.ref_table} not created: no referenced column given.")
            )
            continue
        if not fk.enforce:
            comments.append(
                _one_line(
                    f"Foreign key {fk.field} -> {fk.ref_table}.{fk.ref_field} not created: this column"
                    " holds invalid references on purpose (injected edge cases)."
                )
            )
            continue
        if fk.ref_table == table.name:
            if fk.ref_field not in by_name:
                raise ValueError(f"foreign key {fk.field!r} references unknown column {fk.ref_field!r}")
            target = by_name[fk.ref_field]
        else:
            stub = stubs.get(fk.ref_table)
            if stub is None:
                stub = stubs[fk.ref_table] = sa.Table(fk.ref_table, metadata)
            if fk.ref_field not in stub.c:
                stub.append_column(sa.Column(fk.ref_field, by_name[fk.field].type))
            target = stub.c[fk.ref_field]
        constraints.append(sa.ForeignKeyConstraint([fk.field], [target]))
    sa_table = sa.Table(
        table.name,
        metadata,
        *columns,
        *constraints,
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",  # exact comparisons: general_ci would make 'a' and 'A' equal keys
    )
    return sa_table, comments


# --- rendering -----------------------------------------------------------------------------------

Prep = Callable[[pa.Array], list[Any]]


def _finite_or_null(arr: pa.Array) -> list[Any]:
    return pc.if_else(pc.is_finite(arr), arr, pa.scalar(None, arr.type)).to_pylist()


def _prep(field: pa.Field, dialect: Dialect) -> Prep:
    """Arrow column -> Python values for the literal renderer; temporal columns pre-formatted by arrow."""
    t = field.type
    if pa.types.is_floating(t):
        return _finite_or_null
    if pa.types.is_timestamp(t):
        utc_naive = dialect == "mysql" and t.tz is not None
        return lambda arr: format_timestamp(arr, sep=" ", utc_naive=utc_naive).to_pylist()
    if pa.types.is_time(t):
        return lambda arr: format_time(arr).to_pylist()
    if pa.types.is_date(t):
        return lambda arr: pc.cast(arr, pa.string()).to_pylist()
    return lambda arr: arr.to_pylist()


class SqlRenderer:
    """DDL, INSERT prefix and row tuples for one table in one dialect."""

    def __init__(self, table: TableInfo, dialect: Dialect) -> None:
        self.table_info = table
        self.dialect_name: Dialect = dialect
        self.dialect = make_dialect(dialect)
        self.table, self.fk_comments = build_table(table)
        columns = list(self.table.columns)
        self._types = [c.type for c in columns]
        self._preps = [_prep(f, dialect) for f in table.arrow_schema]
        stmt = sa.insert(self.table).values({c.name: None for c in columns})
        compiled = stmt.compile(dialect=self.dialect, compile_kwargs={"literal_binds": True})
        assert isinstance(compiled, SQLCompiler)
        self._compiler = compiled  # the dialect's statement compiler renders every value
        nulls = "(" + ", ".join(["NULL"] * len(columns)) + ")"
        text = str(compiled)
        if not text.endswith(nulls):
            raise RuntimeError(f"unexpected INSERT rendering for {table.name!r}: {text[:200]}")
        self.insert_prefix = text[: -len(nulls)].rstrip()  # "INSERT INTO t (a, b) VALUES"

    def ddl(self) -> str:
        """``CREATE TABLE ...;`` with foreign-key comments in front."""
        create = str(sa.schema.CreateTable(self.table).compile(dialect=self.dialect)).strip()
        notes = "".join(f"-- {line}\n" for line in self.fk_comments)
        return f"{notes}{create};\n"

    def _literals(self, arr: pa.Array, prep: Prep, type_: TypeEngine[Any]) -> pa.Array:
        """The column's SQL literals; a value repeated in the slice is rendered once."""
        render = self._compiler.render_literal_value
        distinct = pc.unique(arr)
        source = distinct if len(distinct) * 2 <= len(arr) else arr
        literals = pa.array(["NULL" if v is None else render(v, type_) for v in prep(source)], pa.string())
        if source is arr:
            return literals
        return pc.take(literals, pc.index_in(arr, value_set=distinct))  # nulls map to the null entry

    def render_rows(self, batch: pa.RecordBatch) -> list[str]:
        """``(v1, v2, ...)`` per row, each value rendered by the dialect's compiler."""
        pieces: list[pa.Array | str] = ["("]
        for i, (prep, type_) in enumerate(zip(self._preps, self._types, strict=True)):
            if i:
                pieces.append(", ")
            pieces.append(self._literals(batch.column(i), prep, type_))
        pieces.append(")")
        rows: list[str] = join_columns(pieces, null_text="NULL").to_pylist()
        return rows


class SqlEncoder:
    """INSERTs of exactly ``batch_rows`` rows (last one shorter), independent of incoming batch sizes."""

    def __init__(self, renderer: SqlRenderer, batch_rows: int) -> None:
        self._renderer = renderer
        self._batch_rows = batch_rows
        self._pending: list[str] = []

    def header(self, target: FileTarget) -> bytes:
        info = self._renderer.table_info
        title = _one_line(f"Doppel export of table {info.name} for {self._renderer.dialect_name}")
        if target.starts_table:
            return f"-- {title}\n{PREAMBLES[self._renderer.dialect_name]}\n{self._renderer.ddl()}\n".encode()
        part = f", part {target.part}: load after the earlier parts" if target.part else ""
        return f"-- {title}{part}\n{PREAMBLES[self._renderer.dialect_name]}\n".encode()

    def prepare_append(self, path: Path, compression: Compression | None) -> bytes:
        return b""

    def _statement(self, rows: list[str]) -> bytes:
        return (self._renderer.insert_prefix + "\n" + ",\n".join(rows) + ";\n").encode()

    def encode(self, batch: pa.RecordBatch) -> Iterator[bytes]:
        n = self._batch_rows
        for start in range(0, batch.num_rows, SLICE_ROWS):  # bounded memory for huge batches
            self._pending.extend(self._renderer.render_rows(batch.slice(start, SLICE_ROWS)))
            full = len(self._pending) - len(self._pending) % n
            for first in range(0, full, n):
                yield self._statement(self._pending[first : first + n])
            del self._pending[:full]

    def footer(self) -> Iterator[bytes]:
        if self._pending:
            yield self._statement(self._pending)
            self._pending = []


class SqlFormat:
    """Opens SQL sinks for one table; the renderer (table, dialect, compiler) is built once."""

    def __init__(self, table: TableInfo, options: ExportOptions) -> None:
        self._renderer = SqlRenderer(table, options.dialect)
        self._options = options

    def open(self, target: FileTarget) -> FileSink:
        encoder = SqlEncoder(self._renderer, self._options.sql_batch_rows)
        return TextSink(target, self._options.compression, encoder)
