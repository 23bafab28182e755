"""One SQLAlchemy engine per database URL; on first use the tables are created or migrated to this version."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import Session

from agents.state import migrations
from agents.state import models as _models  # noqa: F401  (registers the tables on SQLModel.metadata)
from tools.errors import DoppelError
from tools.settings import Settings

_ENGINES: dict[str, sa.Engine] = {}
_LOCK = threading.Lock()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets a reader (a UI, `doppel runs show`) look while a run writes; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _create(url: str, settings: Settings) -> sa.Engine:
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError:
        raise DoppelError(f"database_url: '{url}' is not a SQLAlchemy URL") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            from pathlib import Path

            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = sa.create_engine(url, pool_pre_ping=True)
    try:
        migrations.upgrade(engine)  # created at the latest schema version, or migrated to it
    except DoppelError:
        engine.dispose()
        raise
    except sa.exc.OperationalError as exc:
        engine.dispose()
        where = parsed.render_as_string(hide_password=True)
        raise DoppelError(f"database {where}: cannot connect ({exc.orig})") from None
    return engine


def engine_for(settings: Settings) -> sa.Engine:
    """The engine for ``settings.database`` (cached; tables created or migrated the first time)."""
    url = settings.database
    with _LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            engine = _ENGINES[url] = _create(url, settings)
        return engine


@contextmanager
def session(settings: Settings) -> Iterator[Session]:
    """A session that commits on success and rolls back on error: one transaction per ``with``."""
    with Session(engine_for(settings), expire_on_commit=False) as s:
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise


def dispose(settings: Settings) -> None:
    """Close the pooled connections of ``settings.database`` (tests switch databases)."""
    with _LOCK:
        engine = _ENGINES.pop(settings.database, None)
    if engine is not None:
        engine.dispose()
