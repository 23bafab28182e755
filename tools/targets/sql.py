"""SQL databases by SQLAlchemy URL (kinds ``sql`` and ``sqlite``): PostgreSQL, MariaDB/MySQL, SQLite.

- Missing tables are created (``create_tables``) with their primary keys and enforceable foreign keys,
  all in one transaction, parents before children; existing tables are used as they are (a dataset
  column they lack is an error naming it).
- Each batch is one transaction. ``upsert`` is the dialect's own: ``INSERT .. ON CONFLICT DO UPDATE``
  (PostgreSQL, SQLite) or ``ON DUPLICATE KEY UPDATE`` (MariaDB/MySQL); the keys already present are read
  first in the same transaction, so a changed row counts as updated and nothing is added twice. ``insert``
  meeting an existing key rolls the batch back and fails the target with an error naming the table and key.
- A batch the database refuses for a row's sake (a foreign key, a NOT NULL, a value too long) is retried
  row by row inside savepoints: good rows are written, each bad one is rejected with the database's reason.
- A dropped connection or a locked database is retried (the transaction was rolled back).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from tools.redact import redact
from tools.targets.base import Batch, BatchResult, ColumnInfo, Key, Mode, Rejection, TablePlan, TargetError, TargetInfo
from tools.targets.config import SqliteTarget, SqlTarget, TargetConfig
from tools.targets.registry import OpenContext, target_kind
from tools.targets.retry import Caller, Transient

DRIVERS = {"postgresql": "psycopg", "postgres": "psycopg", "mysql": "pymysql", "mariadb": "pymysql"}
DELETE_CHUNK = 500


def engine_url(config: SqlTarget | SqliteTarget) -> URL:
    """The URL to connect with: the default driver Doppel ships for the dialect, the password set apart."""
    if isinstance(config, SqliteTarget):
        return make_url(f"sqlite:///{Path(config.path).expanduser()}")
    url = make_url(config.url)
    backend = url.get_backend_name()
    if url.drivername in DRIVERS:
        url = url.set(
            drivername=f"{'postgresql' if backend in ('postgres', 'postgresql') else backend}+{DRIVERS[backend]}"
        )
    if config.password is not None:
        url = url.set(password=config.password.get_secret_value())
    return url


class SqlDatabase:
    keyed = True

    def __init__(self, config: SqlTarget | SqliteTarget, context: OpenContext) -> None:
        self.config = config
        self.caller = Caller(config, context.sleep)
        url = engine_url(config)
        if url.get_backend_name() == "sqlite" and url.database:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine = sa.create_engine(url, pool_pre_ping=True)
        except (sa.exc.ArgumentError, ModuleNotFoundError) as exc:
            raise TargetError(f"{config.label}: cannot use {redact(str(config.where()))}: {exc}") from None
        self.dialect = self.engine.dialect.name
        self.schema = config.db_schema if isinstance(config, SqlTarget) else None
        self.metadata = sa.MetaData(schema=self.schema)
        self.tables: dict[str, sa.Table] = {}

    # ------------------------------------------------------------------ protocol

    def report(self) -> TargetInfo:
        return TargetInfo(
            name=self.config.label, kind=self.config.kind, where=self.config.where(), identity=self.config.identity()
        )

    def check(self) -> None:
        def ping() -> None:
            with self._connect() as conn:
                conn.execute(sa.text("SELECT 1"))

        self.caller.run("connecting", ping)

    def begin(self, tables: Sequence[TablePlan], mode: Mode) -> None:
        def prepare() -> None:
            with self._connect() as conn, conn.begin():
                if self.schema and self.dialect == "postgresql" and self.config.create_tables:
                    conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
                present = set(sa.inspect(conn).get_table_names(schema=self.schema))
                missing = [p for p in tables if p.name not in present]
                if missing and not self.config.create_tables:
                    names = ", ".join(p.name for p in missing)
                    raise TargetError(f"{self.config.label}: tables {names} do not exist (create_tables is off)")
                self.metadata = sa.MetaData(schema=self.schema)
                for plan in tables:
                    if plan.name in present:
                        self.tables[plan.name] = sa.Table(plan.name, self.metadata, autoload_with=conn)
                        self._check_columns(plan, self.tables[plan.name])
                new = [self._define(plan, {p.name for p in tables}) for plan in missing]
                self.metadata.create_all(conn, tables=new)

        self.caller.run("creating the tables", prepare)

    def load(self, table: TablePlan, batch: Batch, mode: Mode) -> BatchResult:
        target = self.tables[table.name]
        rows = [self._row(target, row) for row in batch.rows]
        where = f"table {table.name}, rows {batch.first_row + 1}-{batch.first_row + len(rows)}"

        def write() -> BatchResult:
            with self._connect() as conn, conn.begin():
                existing = self._existing(conn, target, table, batch.keys)
                if mode == "insert" and existing:
                    key = next(k for k in batch.keys if _key_text(k) in existing)
                    raise TargetError(
                        f"{self.config.label}: table {table.name}: a row with {_key_words(table, key)} already exists "
                        f"(insert mode); the batch of {len(rows)} rows ({where}) was rolled back. Load with "
                        "--mode upsert, or unload the earlier load first"
                    )
                try:
                    with conn.begin_nested():
                        conn.execute(self._statement(target, table, mode), rows)
                except sa.exc.IntegrityError as exc:
                    if mode == "insert" and _is_duplicate(exc):
                        raise TargetError(
                            f"{self.config.label}: table {table.name}: a key of this batch already exists (insert "
                            f"mode; {_reason(exc)}); the batch ({where}) was rolled back"
                        ) from None
                    return self._row_by_row(conn, target, table, mode, rows, batch.keys, existing)
                except (sa.exc.DataError, sa.exc.ProgrammingError) as exc:
                    if isinstance(exc, sa.exc.ProgrammingError) and "column" not in str(exc.orig).lower():
                        raise
                    return self._row_by_row(conn, target, table, mode, rows, batch.keys, existing)
                updated = sum(1 for k in batch.keys if _key_text(k) in existing)
                return BatchResult(loaded=len(rows) - updated, updated=updated, written=list(batch.keys))

        result = self.caller.run(f"writing {where}", lambda: self._transient(write))
        result.retried += self.caller.take_retried()
        return result

    def finish(self, table: TablePlan) -> BatchResult:
        return BatchResult()

    def unload(self, table: str, keys: Sequence[Key]) -> int:
        def delete() -> int:
            with self._connect() as conn, conn.begin():
                present = set(sa.inspect(conn).get_table_names(schema=self.schema))
                if table not in present:
                    return 0
                found = sa.Table(table, sa.MetaData(schema=self.schema), autoload_with=conn)
                pk = [c.name for c in found.primary_key.columns]
                if not pk:
                    raise TargetError(f"{self.config.label}: table {table} has no primary key to delete by")
                removed = 0
                for start in range(0, len(keys), DELETE_CHUNK):
                    chunk = keys[start : start + DELETE_CHUNK]
                    removed += conn.execute(sa.delete(found).where(_key_filter(found, pk, chunk))).rowcount or 0
                return removed

        return int(self.caller.run(f"deleting from {table}", lambda: self._transient(delete)))

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------ helpers

    def _connect(self) -> sa.Connection:
        try:
            return self.engine.connect()
        except sa.exc.OperationalError as exc:
            raise Transient(f"cannot connect ({_reason(exc)})") from None

    def _transient(self, work: Any) -> Any:
        try:
            return work()
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            if isinstance(exc, sa.exc.OperationalError) and not _connection_problem(exc):
                raise TargetError(f"{self.config.label}: {_reason(exc)}") from None
            raise Transient(_reason(exc)) from None
        except (sa.exc.ProgrammingError, sa.exc.DataError, sa.exc.IntegrityError) as exc:
            raise TargetError(f"{self.config.label}: {_reason(exc)}") from None

    def _check_columns(self, plan: TablePlan, table: sa.Table) -> None:
        missing = [c.name for c in plan.columns if c.name not in table.c]
        if missing:
            raise TargetError(
                f"{self.config.label}: table {plan.name} exists without column(s) {', '.join(missing)}; "
                "add them, or load into another database or schema"
            )
        if plan.primary_key and [c.name for c in table.primary_key.columns] != list(plan.primary_key):
            have = ", ".join(c.name for c in table.primary_key.columns) or "none"
            raise TargetError(
                f"{self.config.label}: table {plan.name} exists with primary key ({have}), the data's is "
                f"({', '.join(plan.primary_key)}): upsert and unload need the same key"
            )

    def _define(self, plan: TablePlan, loading: set[str]) -> sa.Table:
        keyed = set(plan.primary_key) | {c for fk in plan.foreign_keys for c in fk.columns}
        columns = [
            sa.Column(c.name, self._type(c, c.name in keyed), primary_key=c.name in plan.primary_key)
            for c in plan.columns
        ]
        constraints = [
            sa.ForeignKeyConstraint(
                list(fk.columns),
                [f"{self.schema + '.' if self.schema else ''}{fk.parent}.{p}" for p in fk.parent_columns],
            )
            for fk in plan.foreign_keys
            if fk.enforce and (fk.parent in loading or fk.parent in self.tables)
        ]
        table = sa.Table(plan.name, self.metadata, *columns, *constraints)
        self.tables[plan.name] = table
        return table

    def _type(self, column: ColumnInfo, keyed: bool) -> sa.types.TypeEngine[Any]:
        kinds: dict[str, sa.types.TypeEngine[Any]] = {
            "integer": sa.BigInteger(),
            "float": sa.Double(),
            "decimal": sa.Numeric(30, column.scale or 0),
            "boolean": sa.Boolean(),
            "date": sa.Date(),
            "datetime": sa.DateTime(timezone=True),
        }
        if column.kind == "datetime" and self.dialect == "sqlite":
            return sa.String(64)  # SQLite keeps no time zone: ISO text keeps it
        if column.kind in kinds:
            return kinds[column.kind]
        if keyed:
            return sa.String(min(255, max(64, column.max_length * 2)))
        return sa.Text()

    def _row(self, table: sa.Table, row: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for name, value in row.items():
            if self.dialect == "sqlite" and isinstance(value, Decimal):
                value = float(value)  # SQLite has no decimals: SQLAlchemy's Numeric gives the scale back on reading
            elif self.dialect == "sqlite" and isinstance(value, dt.datetime):
                value = value.isoformat()
            elif self.dialect in ("mysql", "mariadb") and isinstance(value, dt.datetime) and value.tzinfo:
                value = value.astimezone(dt.UTC).replace(tzinfo=None)
            out[name] = value
        return out

    def _existing(self, conn: sa.Connection, target: sa.Table, plan: TablePlan, keys: Sequence[Key]) -> set[str]:
        pk = list(plan.primary_key)
        if not pk or not keys:
            return set()
        columns = [target.c[c] for c in pk]
        found = conn.execute(sa.select(*columns).where(_key_filter(target, pk, keys))).all()
        return {_key_text(r[0] if len(pk) == 1 else list(r)) for r in found}

    def _statement(self, target: sa.Table, plan: TablePlan, mode: Mode) -> Any:
        pk = list(plan.primary_key)
        if mode == "insert" or not pk:
            return sa.insert(target)
        others = [c.name for c in plan.columns if c.name not in pk]
        if self.dialect in ("postgresql", "sqlite"):
            from sqlalchemy.dialects import postgresql, sqlite

            stmt: Any = (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(target)
            if not others:
                return stmt.on_conflict_do_nothing(index_elements=pk)
            return stmt.on_conflict_do_update(index_elements=pk, set_={c: stmt.excluded[c] for c in others})
        if self.dialect in ("mysql", "mariadb"):
            from sqlalchemy.dialects.mysql import insert as mysql_insert

            my = mysql_insert(target)
            return my.on_duplicate_key_update({c: my.inserted[c] for c in others or pk})
        raise TargetError(f"{self.config.label}: upsert is not available for {self.dialect}; use --mode insert")

    def _row_by_row(
        self,
        conn: sa.Connection,
        target: sa.Table,
        plan: TablePlan,
        mode: Mode,
        rows: list[dict[str, Any]],
        keys: list[Key],
        existing: set[str],
    ) -> BatchResult:
        """Each row in its own savepoint: the good ones written, each bad one rejected with the reason."""
        result = BatchResult()
        statement = self._statement(target, plan, mode)
        for row, key in zip(rows, keys, strict=True):
            try:
                with conn.begin_nested():
                    conn.execute(statement, [row])
            except (sa.exc.IntegrityError, sa.exc.DataError) as exc:
                result.rejected.append(Rejection(key, _reason(exc)))
                continue
            if _key_text(key) in existing:
                result.updated += 1
            else:
                result.loaded += 1
            result.written.append(key)
        return result


def _key_filter(table: sa.Table, pk: list[str], keys: Sequence[Key]) -> Any:
    if len(pk) == 1:
        return table.c[pk[0]].in_(list(keys))
    return sa.tuple_(*(table.c[c] for c in pk)).in_([tuple(k) for k in keys])


def _key_text(key: Key) -> str:
    return str(list(key)) if isinstance(key, list | tuple) else str(key)


def _key_words(plan: TablePlan, key: Key) -> str:
    values = key if isinstance(key, list | tuple) else [key]
    return ", ".join(f"{c}={v}" for c, v in zip(plan.primary_key, values, strict=False))


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    return redact(text[:300])


def _is_duplicate(exc: sa.exc.IntegrityError) -> bool:
    text = str(exc.orig).lower()
    return any(w in text for w in ("unique", "duplicate", "primary key"))


def _connection_problem(exc: sa.exc.OperationalError) -> bool:
    text = str(exc.orig).lower()
    return exc.connection_invalidated or any(
        w in text for w in ("connect", "closed", "lost", "locked", "timeout", "terminat", "gone away", "broken")
    )


@target_kind(SqlTarget)
def open_sql(config: TargetConfig, context: OpenContext) -> SqlDatabase:
    assert isinstance(config, SqlTarget)
    return SqlDatabase(config, context)


@target_kind(SqliteTarget)
def open_sqlite(config: TargetConfig, context: OpenContext) -> SqlDatabase:
    assert isinstance(config, SqliteTarget)
    return SqlDatabase(config, context)
