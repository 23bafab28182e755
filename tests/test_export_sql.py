"""SQL export: the scripts load into SQLite, PostgreSQL and MariaDB and give back the same rows.

PostgreSQL (127.0.0.1:5432, user postgres, database test) and MariaDB (127.0.0.1:3306, user root,
empty password, database test) must be running: an unreachable server FAILS these tests, unless
DOPPEL_SKIP_EXTERNAL_DB=1 is set, in which case they are skipped. Each test works in its own
uniquely named PostgreSQL schema / MariaDB database and drops it afterwards.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa
import pymysql
import pytest
import sqlalchemy as sa
from pymysql.constants import CLIENT

from tests.test_export_fixtures import (
    PARENT_ROWS,
    ROWS,
    SCHEMA,
    child_rows,
    export,
    json_value,
    parent_child_infos,
    read_bytes,
    run_sqlite,
    table_info,
    tricky_table,
    utc,
)
from tools.export.base import Dialect, ExportOptions, TableInfo
from tools.export.sql_writer import SqlRenderer

DIALECTS: list[Dialect] = ["postgres", "mysql", "sqlite"]
SKIP_ENV = "DOPPEL_SKIP_EXTERNAL_DB"
Row = tuple[Any, ...]


# --- database access -------------------------------------------------------------------------------


def _unavailable(what: str, exc: Exception) -> None:
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"{what} unreachable and {SKIP_ENV}=1: {exc}")
    pytest.fail(
        f"cannot connect to {what}: {exc}. The SQL export tests need it running (or set {SKIP_ENV}=1 to skip them).",
        pytrace=False,
    )


class Db:
    """A scratch namespace in one database: run scripts, query rows."""

    def __init__(self, dialect: Dialect, run: Callable[[str], None], query: Callable[[str], list[tuple[Any, ...]]]):
        self.dialect = dialect
        self.run = run
        self.query = query

    def run_files(self, paths: list[Path]) -> None:
        for path in paths:
            self.run(read_bytes(path).decode("utf-8"))

    def quote(self, name: str) -> str:
        return f"`{name}`" if self.dialect == "mysql" else f'"{name}"'


@pytest.fixture
def postgres() -> Iterator[Db]:
    try:
        conn = psycopg.connect(
            host="127.0.0.1", port=5432, user="postgres", dbname="test", autocommit=True, connect_timeout=5
        )
    except psycopg.OperationalError as exc:
        _unavailable("PostgreSQL at 127.0.0.1:5432 (user postgres, database test)", exc)
        raise
    schema = f"doppel_{uuid.uuid4().hex[:12]}"
    conn.execute(f'CREATE SCHEMA "{schema}"')
    conn.execute(f'SET search_path TO "{schema}"')

    def run(script: str) -> None:
        conn.execute(script.encode())  # several statements, no parameters: simple query protocol

    def query(sql: str) -> list[tuple[Any, ...]]:
        return conn.execute(sql.encode()).fetchall()

    try:
        yield Db("postgres", run, query)
    finally:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        conn.close()


@pytest.fixture
def mariadb() -> Iterator[Db]:
    try:
        conn = pymysql.connect(
            host="127.0.0.1",
            port=3306,
            user="root",
            password="",
            database="test",
            charset="utf8mb4",
            autocommit=True,
            client_flag=CLIENT.MULTI_STATEMENTS,
            connect_timeout=5,
        )
    except pymysql.err.OperationalError as exc:
        _unavailable("MariaDB at 127.0.0.1:3306 (user root, database test)", exc)
        raise
    database = f"doppel_{uuid.uuid4().hex[:12]}"
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
    conn.select_db(database)

    def run(script: str) -> None:
        with conn.cursor() as cur:
            cur.execute(script)
            while cur.nextset():  # surfaces an error in any later statement
                pass

    def query(sql: str) -> list[tuple[Any, ...]]:
        with conn.cursor() as cur:
            cur.execute(sql)
            return list(cur.fetchall())

    try:
        yield Db("mysql", run, query)
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE `{database}`")
        conn.close()


@pytest.fixture
def sqlite_db() -> Iterator[Db]:
    con = sqlite3.connect(":memory:")
    con.execute("PRAGMA foreign_keys = ON")

    def run(script: str) -> None:
        con.executescript(script)

    def query(sql: str) -> list[tuple[Any, ...]]:
        return list(con.execute(sql))

    yield Db("sqlite", run, query)
    con.close()


@pytest.fixture(params=DIALECTS)
def db(request: pytest.FixtureRequest) -> Db:
    name = {"postgres": "postgres", "mysql": "mariadb", "sqlite": "sqlite_db"}[request.param]
    db: Db = request.getfixturevalue(name)
    return db


# --- expectations --------------------------------------------------------------------------------


def _normalise(dialect: Dialect, name: str, value: Any) -> Any:
    """What a database hands back for ``value`` of column ``name`` in the tricky table."""
    if value is None:
        return None
    if name == "meta":
        return json_value(value)
    if dialect == "sqlite":
        if isinstance(value, dt.datetime):
            return value.isoformat(sep=" ")
        if isinstance(value, dt.date | dt.time):
            return value.isoformat()
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, Decimal):
            return float(value)  # SQLite has no exact decimal type
    if dialect == "mysql":
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return value.astimezone(dt.UTC).replace(tzinfo=None)  # stored as UTC in DATETIME(6)
        if isinstance(value, bool):
            return int(value)
    return value


def _read_back(dialect: Dialect, name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "meta" and dialect != "postgres":  # psycopg already parses JSONB
        return json.loads(value)
    if isinstance(value, dt.timedelta):  # pymysql returns TIME as timedelta
        return (dt.datetime.min + value).time()
    return value


def _compare_tricky(db: Db, table_name: str) -> None:
    got = db.query(f"SELECT * FROM {db.quote(table_name)} ORDER BY id")
    expected = tricky_table().to_pylist()
    assert len(got) == ROWS
    for exp_row, got_row in zip(expected, got, strict=True):
        for name, raw in zip(SCHEMA.names, got_row, strict=True):
            want = utc(_normalise(db.dialect, name, exp_row[name]))
            have = utc(_read_back(db.dialect, name, raw))
            if isinstance(want, float) and isinstance(have, float):
                assert have == pytest.approx(want, rel=1e-15), (name, exp_row["id"])
            else:
                assert have == want, (name, exp_row["id"], want, have)


# --- round trips ---------------------------------------------------------------------------------


def test_round_trip(tmp_path: Path, db: Db) -> None:
    table = tricky_table()
    name = "people"
    files = export(tmp_path, table, ExportOptions(format="sql", dialect=db.dialect, sql_batch_rows=4))
    db.run_files(files)
    _compare_tricky(db, name)


def test_round_trip_in_parts_and_compressed(tmp_path: Path, db: Db) -> None:
    table = tricky_table()
    options = ExportOptions(format="sql", dialect=db.dialect, chunk_rows=7, compression="zstd", sql_batch_rows=3)
    files = export(tmp_path, table, options)
    assert len(files) == 4
    db.run_files(files)
    _compare_tricky(db, "people")


def test_append_loads_once(tmp_path: Path, db: Db) -> None:
    table = tricky_table()
    options = ExportOptions(format="sql", dialect=db.dialect, compression="gzip")
    export(tmp_path, table.slice(0, 9), options, sizes=[9])
    [path] = export(tmp_path, table.slice(9), options, sizes=[16], append=True)
    db.run_files([path])
    _compare_tricky(db, "people")


# --- text produced -------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_rows_equal_sqlalchemy_literal_compile(dialect: Dialect) -> None:
    table = tricky_table()
    renderer = SqlRenderer(table_info(), dialect)
    rows = renderer.render_rows(table.to_batches()[0])
    stmt = sa.insert(renderer.table).values(table.to_pylist())
    compiled = str(stmt.compile(dialect=renderer.dialect, compile_kwargs={"literal_binds": True}))
    assert compiled == renderer.insert_prefix + " " + ", ".join(rows)


@pytest.mark.parametrize(
    "dialect,literal",
    [
        ("postgres", "'back\\slash ''quote'' 100%'"),
        ("sqlite", "'back\\slash ''quote'' 100%'"),
        ("mysql", "'back\\\\slash ''quote'' 100%'"),  # MySQL treats backslash as an escape
    ],
)
def test_string_literals(dialect: Dialect, literal: str) -> None:
    schema = pa.schema([("id", pa.int64()), ("s", pa.string())])
    batch = pa.record_batch({"id": [1], "s": ["back\\slash 'quote' 100%"]}, schema=schema)
    renderer = SqlRenderer(table_info(schema=schema), dialect)
    assert renderer.render_rows(batch) == [f"(1, {literal})"]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_ddl_types(tmp_path: Path, dialect: Dialect) -> None:
    [path] = export(tmp_path, tricky_table(), ExportOptions(format="sql", dialect=dialect))
    text = path.read_text(encoding="utf-8")
    assert text.count("CREATE TABLE") == 1
    assert "PRIMARY KEY (id)" in text
    assert "SERIAL" not in text and "AUTO_INCREMENT" not in text
    if dialect == "postgres":
        for piece in (
            "meta JSONB",
            "paid_at TIMESTAMP WITH TIME ZONE",
            "seen_at TIMESTAMP WITHOUT TIME ZONE",
            "price NUMERIC(18, 2)",
            "score DOUBLE PRECISION",
            "active BOOLEAN",
            "name TEXT",
        ):
            assert piece in text, piece
    elif dialect == "mysql":
        for piece in (
            "meta JSON",
            "paid_at DATETIME(6)",
            "wake TIME(6)",
            "CHARSET=utf8mb4",
            "COLLATE utf8mb4_bin",
            "ENGINE=InnoDB",
            "SET NAMES utf8mb4;",
        ):
            assert piece in text, piece
    else:
        assert "meta JSON" in text and "paid_at DATETIME" in text


@pytest.mark.parametrize("dialect", DIALECTS)
def test_insert_batching_and_non_finite_floats(tmp_path: Path, dialect: Dialect) -> None:
    schema = pa.schema([("id", pa.int64()), ("x", pa.float64())])
    values = [float("nan"), float("inf"), -float("inf"), 1.5, None] * 5
    table = pa.table({"id": list(range(25)), "x": values}, schema=schema)
    info = table_info(schema=schema)
    [path] = export(tmp_path, table, ExportOptions(format="sql", dialect=dialect, sql_batch_rows=10), info=info)
    text = path.read_text(encoding="utf-8")
    statements = re.findall(r"^INSERT INTO .*?;$", text, flags=re.S | re.M)
    assert [s.count("\n(") for s in statements] == [10, 10, 5]
    assert "nan" not in text.lower() and "inf" not in text.lower()
    if dialect == "sqlite":
        con = run_sqlite([path])
        assert [r[0] for r in con.execute("SELECT x FROM people ORDER BY id")] == [
            None if v is None or v != v or v in (float("inf"), -float("inf")) else v for v in values
        ]


# --- foreign keys --------------------------------------------------------------------------------


def _load_parent_child(tmp_path: Path, db: Db, enforce: bool) -> tuple[TableInfo, TableInfo, str]:
    parent, child = parent_child_infos(enforce)
    options = ExportOptions(format="sql", dialect=db.dialect)
    parent_files = export(tmp_path, PARENT_ROWS, options, sizes=[3], info=parent)
    rows = child_rows(valid_only=enforce)
    child_files = export(tmp_path, rows, options, sizes=[rows.num_rows], info=child)
    db.run_files(parent_files + child_files)
    return parent, child, child_files[0].read_text(encoding="utf-8")


def _orphan_insert(db: Db) -> str:
    return f"INSERT INTO {db.quote('orders')} (id, customer_code, total) VALUES (99, 'missing', 1.00);"


def test_foreign_key_enforced(tmp_path: Path, db: Db) -> None:
    _, _, text = _load_parent_child(tmp_path, db, enforce=True)
    assert "FOREIGN KEY(customer_code) REFERENCES customers (code)" in text
    got = db.query(f"SELECT id, customer_code FROM {db.quote('orders')} ORDER BY id")
    assert got == [(1, "C1"), (2, "c1"), (3, "C2"), (4, None)]  # 'C1' and 'c1' are distinct keys
    with pytest.raises(Exception, match=r"(?i)foreign key"):
        db.run(_orphan_insert(db))


def test_foreign_key_left_out_when_not_enforced(tmp_path: Path, db: Db) -> None:
    _, _, text = _load_parent_child(tmp_path, db, enforce=False)
    assert "FOREIGN KEY" not in text.replace("-- Foreign key", "")
    assert re.search(r"^-- Foreign key customer_code -> customers\.code not created: .*invalid references", text, re.M)
    got = db.query(f"SELECT customer_code FROM {db.quote('orders')} ORDER BY id")
    assert got[-1] == ("NO-SUCH-CUSTOMER",)  # the injected invalid reference loaded
    db.run(_orphan_insert(db))  # and nothing stops further ones
