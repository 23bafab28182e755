"""The audit trail: what is recorded for runs, approvals, failures and classifications; export filters;
archiving by retention; and that no production value reaches the database."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from agents.state import audit
from agents.state.db import engine_for, session
from agents.state.models import AuditRecord
from agents.workflow import api
from agents.workflow.artifacts import sha256_file
from agents.workflow.context import StageContext, StageOutput
from agents.workflow.stages import SPECS
from server.cli import app
from tests.conftest import SHOP
from tests.workflow_support import USER, doppel, env_for, settings_in, shop_config, telecom_config
from tools.ingest.readers import read_samples
from tools.progress import ProgressCallback
from tools.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_in(tmp_path / "home")


def _details(entries: list[audit.AuditEntry], kind: str) -> list[dict[str, Any]]:
    return [e.detail for e in entries if e.kind == kind]


def test_run_approval_and_failure_are_audited(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"n": 0}
    real = SPECS["export"].run

    def fails_once(context: StageContext, progress: ProgressCallback) -> StageOutput:
        calls["n"] += 1
        if calls["n"] == 1:
            raise PermissionError(13, "Permission denied", "/mnt/share/out")
        return real(context, progress)

    monkeypatch.setitem(SPECS, "export", dataclasses.replace(SPECS["export"], run=fails_once))
    monkeypatch.setattr(settings.retry, "attempts", 1)
    config = shop_config(approvals=["after:synthesise"])
    status = api.start_run(config, settings=settings)
    assert status.state == "paused_approval"
    assert status.pending_approval is not None and status.pending_approval.context["point"] == "after:synthesise"
    api.approve(status.run_id, settings=settings)
    assert api.resume_run(status.run_id, settings=settings).state == "paused_failure"
    api.answer_failure(status.run_id, "retry", settings=settings)
    done = api.resume_run(status.run_id, settings=settings)
    assert done.state == "completed"

    entries = audit.query(settings, audit.AuditFilter(run_id=status.run_id))
    assert {e.user for e in entries} == {USER}
    runs = _details(entries, "run")
    assert [r["event"] for r in runs] == ["start", "end"]
    assert runs[0]["inputs"] == [{"path": str(SHOP), "sha256": sha256_file(SHOP)}]
    outputs = {o["path"]: o["sha256"] for o in runs[1]["outputs"]}
    assert set(outputs) == {"export/customers.csv", "export/orders.csv", "report/report.json", "report/report.md"}
    for rel, digest in outputs.items():
        assert sha256_file(done.artifacts_dir / rel) == digest
    approvals = _details(entries, "approval")
    assert [(a["event"], a["point"]) for a in approvals] == [("requested", "after:synthesise")] * 1 + [
        ("decided", "after:synthesise")
    ]
    assert approvals[1]["response"] == "approve" and approvals[1]["auto"] is False
    failures = _details(entries, "failure")
    assert [f["event"] for f in failures] == ["failed", "answered"]
    assert failures[0]["error_type"] == "PermissionError" and "Permission denied" in failures[0]["error"]
    assert failures[1]["response"] == "retry"


def test_approve_all_is_recorded_as_automatic(settings: Settings) -> None:
    status = api.start_run(shop_config(approvals=["after:synthesise"]), approve_all=True, settings=settings)
    assert status.state == "completed"
    decided = [d for d in _details(audit.query(settings), "approval") if d["event"] == "decided"]
    assert len(decided) == 1 and decided[0]["auto"] is True


def test_classification_decisions_are_audited_and_no_sample_value_is_stored(settings: Settings) -> None:
    config = telecom_config()
    status = api.start_run(config, settings=settings)
    assert status.state == "paused_approval" and status.current_stage == "classify"
    decisions = _details(audit.query(settings, audit.AuditFilter(kind="classification")), "classification")
    assert len(decisions) == 57
    msisdn = next(d for d in decisions if d["column"] == "telecom_customers.msisdn")
    assert msisdn["sensitive"] is True and msisdn["entity"] == "msisdn" and msisdn["method"] == "column_name"
    assert 0.5 < msisdn["confidence"] <= 1

    # every value of every sensitive column, searched in all stored text; plain words shorter than 8 letters
    # are left out because they occur in Doppel's own messages (the town "Reading" in "Reading the sample")
    report = json.loads((status.artifacts_dir / "classify" / "sensitivity.json").read_text(encoding="utf-8"))
    sensitive = {c["column"] for c in report["columns"] if c["sensitive"]}
    frame = read_samples(config.data, max_rows=config.sample_rows)[0].frame
    values = {
        v
        for col in sensitive
        for v in map(str, frame[col].dropna().unique())
        if len(v) >= 8 or (len(v) >= 5 and not v.isalpha())
    }
    assert len(values) > 1000
    with engine_for(settings).connect() as conn:
        stored = [
            str(value)
            for table in ("doppel_run", "doppel_stage_checkpoint", "doppel_approval", "doppel_audit", "doppel_event")
            for row in conn.execute(sa.text(f"SELECT * FROM {table}"))
            for value in row
        ]
    blob = "\n".join(stored)
    assert "telecom_customers.msisdn" in blob  # column names are stored...
    leaked = [v for v in values if v in blob]
    assert leaked == []  # ...values never


def _seed_records(settings: Settings) -> dict[str, int]:
    base = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    rows = {
        "a": ("run", "ann", base - timedelta(days=2)),
        "b": ("approval", "ann", base - timedelta(hours=1)),
        "c": ("failure", "bob", base),
        "d": ("classification", "bob", base + timedelta(hours=3)),
        "e": ("run", "bob", base + timedelta(days=1)),
    }
    ids: dict[str, int] = {}
    with session(settings) as s:
        for key, (kind, user, at) in rows.items():
            record = AuditRecord(kind=kind, user=user, at=at, detail={"key": key})
            s.add(record)
            s.flush()
            assert record.id is not None
            ids[key] = record.id
    return ids


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "abcde"),
        (["--since", "2026-03-01"], "bcde"),
        (["--since", "2026-03-01T12:00:00"], "cde"),
        (["--until", "2026-03-01T12:00"], "ab"),
        (["--since", "2026-03-01", "--until", "2026-03-02"], "bcd"),
        (["--user", "bob"], "cde"),
        (["--kind", "run"], "ae"),
        (["--kind", "run", "--user", "bob", "--since", "2026-03-01"], "e"),
        (["--since", "2026-03-01T13:00:00+02:00"], "bcde"),
    ],
)
def test_audit_export_filters(tmp_path: Path, args: list[str], expected: str) -> None:
    home = tmp_path / "home"
    ids = _seed_records(settings_in(home))
    done = CliRunner().invoke(app, ["audit", "export", "--format", "json", *args], env=env_for(home))
    assert done.exit_code == 0, done.output
    got = [r["detail"]["key"] for r in json.loads(done.stdout)]
    assert got == list(expected)
    assert all(r["id"] == ids[r["detail"]["key"]] for r in json.loads(done.stdout))


def test_audit_export_csv_to_file_and_errors(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _seed_records(settings_in(home))
    out = tmp_path / "audit.csv"
    done = doppel("audit", "export", "--format", "csv", "--user", "ann", "--out", str(out), home=home)
    assert done.returncode == 0, done.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "id,kind,run_id,stage,user,at,detail"
    assert [line.split(",")[1] for line in lines[1:]] == ["run", "approval"]
    bad = doppel("audit", "export", "--kind", "runs", home=home)
    assert bad.returncode == 2 and "--kind: 'runs' is not one of" in bad.stderr and "Traceback" not in bad.stderr
    bad = doppel("audit", "export", "--since", "yesterday", home=home)
    assert bad.returncode == 2 and "--since 'yesterday'" in bad.stderr


def test_archive_moves_old_records_into_gzip_jsonl(tmp_path: Path) -> None:
    settings = settings_in(tmp_path / "home", retention_days=30)
    now = datetime.now(UTC)
    with session(settings) as s:
        for days in (400, 31, 29, 0):
            s.add(AuditRecord(kind="run", user="ann", at=now - timedelta(days=days), detail={"days": days}))
    result = audit.archive(settings)
    assert result.archived == 2 and result.path is not None
    assert result.path.parent == settings.home / "archive" and result.path.name.endswith(".jsonl.gz")
    assert sorted(e.detail["days"] for e in audit.read_archive(result.path)) == [31, 400]
    assert sorted(e.detail["days"] for e in audit.query(settings)) == [0, 29]
    assert audit.archive(settings).archived == 0
    done = doppel("audit", "archive", home=settings.home)
    assert done.returncode == 0 and "nothing older than 365 days" in done.stdout


@pytest.mark.parametrize(
    ("window", "message"),
    [
        (["--since", "2026-03-02", "--until", "2026-03-01"], "--until '2026-03-01' is before --since '2026-03-02'"),
        (["--since", "2026-03-01T12:00", "--until", "2026-03-01T12:00:00+00:00"], "is not after --since"),
    ],
)
def test_audit_export_refuses_an_empty_time_window(tmp_path: Path, window: list[str], message: str) -> None:
    home = tmp_path / "home"
    _seed_records(settings_in(home))
    done = CliRunner().invoke(app, ["audit", "export", *window], env=env_for(home))
    assert done.exit_code == 2 and done.stdout == ""
    assert message in done.stderr and "no record can match" in done.stderr


def test_audit_export_names_an_unknown_run_and_accepts_known_ones(tmp_path: Path) -> None:
    from agents.state.models import Run

    home = tmp_path / "home"
    settings = settings_in(home)
    _seed_records(settings)
    with session(settings) as s:
        s.add(Run(id="shop-0a1b2c3d", name="shop", seed=1, state="completed", user=USER))
        s.flush()
        s.add(AuditRecord(kind="run", user=USER, run_id="shop-0a1b2c3d", detail={"key": "mine"}))
        s.add(AuditRecord(kind="run", user=USER, run_id="gone-99999999", detail={"key": "orphan"}))
    unknown = CliRunner().invoke(app, ["audit", "export", "--run", "nosuch"], env=env_for(home))
    assert unknown.exit_code == 2 and unknown.stdout == ""
    assert "--run 'nosuch': no such run" in unknown.stderr
    for ref, expected in (("shop-0a1b2c3d", ["mine"]), ("shop-0a1b", ["mine"]), ("gone-99999999", ["orphan"])):
        done = CliRunner().invoke(app, ["audit", "export", "--run", ref], env=env_for(home))
        assert done.exit_code == 0, done.output
        assert [r["detail"]["key"] for r in json.loads(done.stdout)] == expected
