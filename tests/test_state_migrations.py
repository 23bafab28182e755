"""The state database migrates between releases: one written by the previous release (schema version 1,
its DDL frozen in tests/data) opens with this code, is upgraded in place, records its version, and the
runs in it resume. On SQLite and on PostgreSQL (a schema of the test's own)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from agents.state import migrations
from agents.state.db import dispose, engine_for
from agents.workflow import api
from tests.conftest import ROOT
from tests.test_workflow_cli import pg_schema  # noqa: F401  (the fixture: a fresh PostgreSQL schema)
from tests.workflow_support import settings_in, shop_config
from tools.errors import DoppelError

V1_DDL = ROOT / "tests" / "data"


def create_v1(url: str, dialect: str) -> None:
    """A database exactly as the previous release created it (from the frozen DDL)."""
    text = (V1_DDL / f"state_schema_v1.{dialect}.sql").read_text(encoding="utf-8")
    lines = "\n".join(line for line in text.splitlines() if not line.startswith("--"))
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in lines.split(";"):
            if statement.strip():
                conn.exec_driver_sql(statement)
    engine.dispose()


def copy_rows(source: str, target: str) -> int:
    """Every row of the target's tables, from the same tables of ``source`` (only the target's columns)."""
    src, dst = sa.create_engine(source), sa.create_engine(target)
    have, want = sa.MetaData(), sa.MetaData()
    have.reflect(src)
    want.reflect(dst)
    copied = 0
    with src.connect() as read, dst.begin() as write:
        for table in want.sorted_tables:
            columns = [have.tables[table.name].c[c.name] for c in table.columns]
            rows = [dict(r._mapping) for r in read.execute(sa.select(*columns))]
            if rows:
                write.execute(table.insert(), rows)
                copied += len(rows)
            if dst.dialect.name == "postgresql" and "id" in table.c and table.c.id.autoincrement is not False:
                # rows copied with their ids: move the SERIAL on, as the release writing them would have
                write.execute(
                    sa.text("SELECT setval(pg_get_serial_sequence(:t, 'id'), max(id)) FROM " + table.name),
                    {"t": table.name},
                )
    src.dispose()
    dst.dispose()
    return copied


def paused_run_in_previous_release_database(home: Path, target: str, dialect: str) -> str:
    """A run paused at an approval, its rows in a version-1 database at ``target``, its artifacts in ``home``."""
    scratch = settings_in(home, database_url=f"sqlite:///{home.parent / 'scratch.db'}")
    status = api.start_run(shop_config(approvals=["after:synthesise"]), settings=scratch)
    assert status.state == "paused_approval"
    dispose(scratch)
    create_v1(target, dialect)
    assert copy_rows(scratch.database, target) > 10
    return status.run_id


def versions(url: str) -> list[int]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        found = [row[0] for row in conn.execute(sa.text("SELECT version FROM doppel_schema_version ORDER BY 1"))]
    engine.dispose()
    return found


def columns(url: str) -> dict[str, list[str]]:
    engine = sa.create_engine(url)
    inspector = sa.inspect(engine)
    found = {
        t: sorted(f"{c['name']} {c['type']} {'' if c['nullable'] else 'NOT '}NULL" for c in inspector.get_columns(t))
        for t in inspector.get_table_names()
    }
    engine.dispose()
    return found


def _migrates_and_resumes(tmp_path: Path, url: str, dialect: str) -> None:
    home = tmp_path / "home"
    run_id = paused_run_in_previous_release_database(home, url, dialect)
    assert "owner_pid" not in " ".join(columns(url)["doppel_run"]) and "doppel_schema_version" not in columns(url)
    settings = settings_in(home, database_url=url)
    try:
        status = api.get_run(run_id, settings=settings)  # the first open migrates
        assert status.state == "paused_approval" and status.current_stage == "synthesise"
        assert versions(url) == list(range(1, migrations.LATEST + 1))  # every step after 1
        api.approve(run_id, settings=settings)
        done = api.resume_run(run_id, settings=settings)
        assert done.state == "completed", [s.message for s in done.stages]
        assert done.stages[-1].state == "completed"
    finally:
        dispose(settings)
    try:
        engine_for(settings)  # opening again changes nothing
        assert versions(url) == list(range(1, migrations.LATEST + 1))  # every step after 1
    finally:
        dispose(settings)


def test_a_previous_release_sqlite_database_migrates_and_its_paused_run_resumes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'v1.db'}"
    _migrates_and_resumes(tmp_path, url, "sqlite")
    fresh = settings_in(tmp_path / "fresh")
    try:
        engine_for(fresh)
        assert versions(fresh.database) == [migrations.LATEST]
        assert columns(url) == columns(fresh.database)  # migrated = created new: every model change has a step
    finally:
        dispose(fresh)


@pytest.fixture
def pg_url(pg_schema: str) -> str:  # noqa: F811  (the imported fixture)
    """A schema of this test's own on the local PostgreSQL (parallel tests never share one)."""
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{pg_schema}"


def test_a_previous_release_postgresql_database_migrates_and_its_paused_run_resumes(
    tmp_path: Path, pg_url: str
) -> None:
    _migrates_and_resumes(tmp_path, pg_url, "postgresql")
    assert {"owner_host", "owner_pid"} <= {c.split()[0] for c in columns(pg_url)["doppel_run"]}


def test_a_database_from_a_newer_release_is_refused_clearly(tmp_path: Path) -> None:
    settings = settings_in(tmp_path / "home")
    engine_for(settings)
    dispose(settings)
    engine = sa.create_engine(settings.database)
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO doppel_schema_version (version, applied_at, description) VALUES (:v, :at, 'x')"),
            {"v": migrations.LATEST + 1, "at": "2030-01-01 00:00:00"},
        )
    engine.dispose()
    with pytest.raises(DoppelError, match=rf"schema version {migrations.LATEST + 1}.*newer Doppel"):
        engine_for(settings)
