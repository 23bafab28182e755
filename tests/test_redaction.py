"""A password in a database URL reaches no output: metadata.json, the audit, events, logs, `runs list`,
`runs show`, a run's export, and no error message.

Most of these run on the local PostgreSQL (127.0.0.1:5432, user postgres, trust authentication), so a URL
carrying a password works and the whole run is checked, not just a function.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml

from agents.state.db import dispose
from agents.workflow import api
from tests.conftest import SHOP
from tests.workflow_support import doppel, settings_in
from tools.errors import DoppelError
from tools.redact import install_log_redaction, redact

PASSWORD = "Pw0rdSECRET"
PARTS = (PASSWORD, "Pw0rd", "SECRET")  # no piece of it either
PG_URL = f"postgresql+psycopg://postgres:{PASSWORD}@127.0.0.1:5432/test"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def assert_clean(text: str, where: str) -> None:
    found = [part for part in PARTS if part in text]
    assert not found, f"{where} leaks {found}: {text[:2000]}"


def test_redact_masks_every_url_password() -> None:
    cases = {
        f"postgresql+psycopg://app:{PASSWORD}@db:5432/prod": "postgresql+psycopg://app:***@db:5432/prod",
        "mysql://root:Pw0rd@SECRET@127.0.0.1/x": "mysql://root:***@127.0.0.1/x",  # '@' in the password
        f"postgresql:/app:{PASSWORD}@db/prod": "postgresql:/app:***@db/prod",  # after pathlib.Path
        f"see 'postgresql://u:{PASSWORD}@h/d' here": "see 'postgresql://u:***@h/d' here",
        f"postgresql://h/d?user=u&password={PASSWORD}&sslmode=require": "postgresql://h/d?user=u&password=***&sslmode=require",
        "postgresql://app@db/prod": "postgresql://app@db/prod",  # no password, nothing to hide
        "an email a@b.example and key=value": "an email a@b.example and key=value",
    }
    for given, expected in cases.items():
        assert redact(given) == expected, given


def test_log_records_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    install_log_redaction()
    log = logging.getLogger("doppel.test")
    with caplog.at_level(logging.INFO):
        log.warning("cannot reach %s", PG_URL)
        try:
            raise RuntimeError(f"connect to {PG_URL} failed")
        except RuntimeError:
            log.exception("stage failed")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    for record in caplog.records:
        handler.handle(record)
    assert "postgres:***@127.0.0.1" in stream.getvalue()
    assert_clean(stream.getvalue(), "the log")


def _run_config(folder: Path, **extra: Any) -> Path:
    path = folder / f"{extra.get('name', 'redact')}.yaml"
    document = {"name": "redact", "schema_file": str(SHOP), "rows": 15, "seed": 4, "approvals": []} | extra
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


@pytest.fixture
def pg_url() -> Iterator[str]:
    """PG_URL on a fresh schema of the local PostgreSQL, dropped afterwards."""
    name = f"doppel_redact_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{name}" CASCADE')


def test_a_run_on_a_database_url_with_a_password_leaks_it_nowhere(tmp_path: Path, pg_url: str) -> None:
    home = tmp_path / "home"
    env = {"DOPPEL_DATABASE_URL": pg_url}
    done = doppel("run", str(_run_config(tmp_path)), home=home, cwd=tmp_path, **env)
    assert done.returncode == 0, done.stderr
    listed = doppel("runs", "list", home=home, cwd=tmp_path, **env)
    assert listed.returncode == 0 and "redact" in listed.stdout
    run_id = next(word for word in listed.stdout.split() if word.startswith("redact-"))
    outputs = {
        "run": done.stdout + done.stderr,
        "runs list": listed.stdout + listed.stderr,
        "runs show": doppel("runs", "show", run_id, home=home, cwd=tmp_path, **env).stdout,
        "runs events": doppel("runs", "events", run_id, home=home, cwd=tmp_path, **env).stdout,
        "audit": doppel("audit", "export", home=home, cwd=tmp_path, **env).stdout,
    }
    exported = doppel("runs", "export", run_id, "--out", str(tmp_path / "run.zip"), home=home, cwd=tmp_path, **env)
    assert exported.returncode == 0, exported.stderr
    with zipfile.ZipFile(tmp_path / "run.zip") as zf:
        outputs |= {f"zip {name}": zf.read(name).decode("utf-8", "replace") for name in zf.namelist()}
    metadata = list((home / "runs" / run_id).rglob("metadata.json"))
    assert metadata
    outputs |= {str(p): p.read_text(encoding="utf-8") for p in (home / "runs" / run_id).rglob("*") if p.is_file()}
    for where, text in outputs.items():
        assert_clean(text, where)


def test_a_url_given_as_a_path_is_refused_without_its_password(tmp_path: Path) -> None:
    """A run config naming a database URL as its output folder (or input) is refused: Doppel would make a
    folder named after the password and store it with the run."""
    home = tmp_path / "home"
    for field, value in (("out", PG_URL), ("data", [PG_URL])):
        extra: dict[str, Any] = {field: value, "name": f"url-{field}"}
        if field == "data":
            extra["schema_file"] = None
        config = _run_config(tmp_path, **extra)
        done = doppel("run", str(config), home=home, cwd=tmp_path)
        assert done.returncode == 2, done.stdout + done.stderr
        assert "is a URL" in done.stderr and "postgres:***@127.0.0.1" in done.stderr, done.stderr
        assert_clean(done.stdout + done.stderr, f"the error for {field}")
    assert not [p for p in tmp_path.rglob("*") if any(part in str(p) for part in PARTS)]


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres:Pw0rd@SECRET@127.0.0.1:5432/test",  # '@' left unencoded
        "postgresql+psycopg://postgres:Pw0rdSECRET@127.0.0.1:notaport/test",
        "postgres+nodriver://postgres:Pw0rdSECRET@127.0.0.1:5432/test",
        "not a URL at all Pw0rdSECRET",
        "postgresql+psycopg://postgres:Pw0rdSECRET@127.0.0.1:1/test",  # nothing listens on port 1
    ],
)
def test_a_bad_database_url_is_one_clear_error_without_its_password(tmp_path: Path, url: str) -> None:
    done = doppel("runs", "list", home=tmp_path / "home", cwd=tmp_path, DOPPEL_DATABASE_URL=url)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: database") and "Traceback" not in done.stderr, done.stderr
    assert_clean(done.stdout + done.stderr, "the error")


def test_audit_records_and_stage_failures_are_redacted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stage failing with a message that names a URL: the run's question, events, audit and status."""
    from agents.state import audit
    from agents.state.db import session
    from agents.workflow.config import load_run_config
    from agents.workflow.stages import SPECS

    def failing(context: Any, progress: Any) -> Any:
        raise DoppelError(f"target {PG_URL} refused the rows")

    monkeypatch.setitem(SPECS, "export", dataclasses.replace(SPECS["export"], run=failing))
    settings = settings_in(tmp_path / "home")
    try:
        status = api.start_run(load_run_config(_run_config(tmp_path)), settings=settings)
        assert status.state == "paused_failure"
        with session(settings) as s:
            audit.record(s, "run", "tester", {"event": "note", "target": {"url": PG_URL}}, run_id=status.run_id)
        texts = {
            "status": status.model_dump_json(),
            "events": "".join(e.model_dump_json() for e in api.run_events(status.run_id, settings=settings)),
            "audit": audit.render(audit.query(settings), "json") + audit.render(audit.query(settings), "csv"),
            "list": "".join(r.model_dump_json() for r in api.list_runs(settings=settings)),
        }
    finally:
        dispose(settings)
    assert "postgres:***@127.0.0.1" in texts["status"] and "postgres:***@127.0.0.1" in texts["audit"]
    for where, text in texts.items():
        assert_clean(text, where)


def test_settings_keep_the_database_url_secret(tmp_path: Path) -> None:
    settings = settings_in(tmp_path, database_url=PG_URL)
    assert settings.database == PG_URL  # used as is to connect
    assert_clean(repr(settings) + str(settings.model_dump()), "the settings' repr and dump")


def test_unreachable_targets_are_named_without_their_password() -> None:
    from agents.configs import check_targets

    (issue,) = check_targets([{"kind": "sql", "url": "postgresql+psycopg://u:Pw0rdSECRET@127.0.0.1:1/db"}])
    assert issue.path == "targets[0].url: postgresql+psycopg://u:***@127.0.0.1:1/db"
