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
from tools.redact import redact
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
    """The engine for ``url``; every problem is one DoppelError that shows the URL with its password masked
    (an unparsable URL is not shown at all: where its password is cannot be known)."""
    try:
        parsed = make_url(url)
        parsed.port  # noqa: B018  (a port that is not a number fails here, not at the first connection)
    except (sa.exc.ArgumentError, ValueError):
        raise DoppelError(
            "database: database_url is not a SQLAlchemy URL (dialect+driver://user:password@host:port/database); "
            "it is not shown, as it may hold a password"
        ) from None
    where = redact(url)
    if "@" in (parsed.host or ""):
        raise DoppelError(
            f"database {where}: the password holds an '@'; percent-encode it (%40) "
            """(python -c "import urllib.parse; print(urllib.parse.quote_plus(input()))")"""
        )
    try:
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                from pathlib import Path

                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            sa.event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = sa.create_engine(url, pool_pre_ping=True)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as exc:
        raise DoppelError(f"database {where}: cannot be used ({redact(str(exc).splitlines()[0])})") from None
    try:
        migrations.upgrade(engine)  # created at the latest schema version, or migrated to it
    except DoppelError:
        engine.dispose()
        raise
    except sa.exc.OperationalError as exc:
        engine.dispose()
        raise DoppelError(f"database {where}: cannot connect ({redact(str(exc.orig))})") from None
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
