"""Schema versions of the state database and the ordered steps between them.

``doppel_schema_version`` holds one row per version applied (version, when, what). A database with
Doppel's tables but no version table was written before versioning: version 1. Opening a database
(``db.engine_for``) runs :func:`upgrade` once per process: under a lock (PostgreSQL advisory lock,
SQLite ``BEGIN IMMEDIATE``), in one transaction, it creates an empty database at :data:`LATEST` or
applies every step after the recorded version, then creates tables added since (``create_all``).
A database from a newer Doppel is refused rather than guessed at.

To change the schema: change ``models.py``, add ``_vN`` below and register it in :data:`STEPS`; the
test that migrates the frozen version-1 DDL checks the result equals a database created new.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlmodel import SQLModel

from agents.state.models import SchemaVersion, utcnow
from tools.errors import DoppelError

Step = Callable[[sa.Connection], None]
LOCK_KEY = 0x646F7070  # "dopp": the PostgreSQL advisory lock taken while checking and migrating


def _v2_run_owner(conn: sa.Connection) -> None:
    """Runs record the host and process advancing them, so a run whose process died shows as interrupted."""
    have = {c["name"] for c in sa.inspect(conn).get_columns("doppel_run")}
    for name, kind in (("owner_host", "VARCHAR(255)"), ("owner_pid", "INTEGER")):
        if name not in have:
            conn.exec_driver_sql(f"ALTER TABLE doppel_run ADD COLUMN {name} {kind}")


def _v3_users(conn: sa.Connection) -> None:
    """Users with roles and hashed passwords, and their hashed API keys (UI sign-in, MCP HTTP, /api)."""
    from agents.state.models import ApiKey, User

    for table in (User.__table__, ApiKey.__table__):  # type: ignore[attr-defined]
        table.create(conn, checkfirst=True)


STEPS: dict[int, tuple[str, Step]] = {
    2: ("runs record their owner (host, process id)", _v2_run_owner),
    3: ("users with roles, hashed passwords and API keys", _v3_users),
}
LATEST = max(STEPS)


def upgrade(engine: sa.Engine) -> list[int]:
    """Bring the database to :data:`LATEST`; the versions applied now (empty when it was current)."""
    with engine.connect() as conn:
        _lock(conn)
        current = _version(conn)
        if current is not None and current > LATEST:
            where = engine.url.render_as_string(hide_password=True)
            raise DoppelError(
                f"database {where}: schema version {current} was written by a newer Doppel "
                f"(this one knows up to {LATEST}); upgrade Doppel to use it"
            )
        applied: list[int] = []
        if current is None:  # an empty database: the tables as they are now
            SQLModel.metadata.create_all(conn)
            _stamp(conn, LATEST, "created")
            applied.append(LATEST)
        elif current < LATEST:
            SchemaVersion.__table__.create(conn, checkfirst=True)  # type: ignore[attr-defined]
            if current == 1 and not _recorded(conn):
                _stamp(conn, 1, "found: written before schema versioning")
            for version in range(current + 1, LATEST + 1):
                description, step = STEPS[version]
                step(conn)
                _stamp(conn, version, description)
                applied.append(version)
            SQLModel.metadata.create_all(conn)  # tables added since the recorded version
        conn.commit()
        return applied


def _lock(conn: sa.Connection) -> None:
    """Only one process checks and migrates at a time; the others wait, then find it current."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    elif conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _version(conn: sa.Connection) -> int | None:
    """The recorded version; 1 for Doppel's tables without a version table; None for an empty database."""
    tables = set(sa.inspect(conn).get_table_names())
    if SchemaVersion.__tablename__ in tables and (found := _recorded(conn)) is not None:
        return found
    return 1 if "doppel_run" in tables else None


def _recorded(conn: sa.Connection) -> int | None:
    table = SchemaVersion.__table__  # type: ignore[attr-defined]
    return conn.execute(sa.select(sa.func.max(table.c.version))).scalar()


def _stamp(conn: sa.Connection, version: int, description: str) -> None:
    conn.execute(
        sa.insert(SchemaVersion.__table__),  # type: ignore[attr-defined]
        {"version": version, "applied_at": utcnow(), "description": description},
    )
