"""Whole runs, offline: the telecom playbook with --approve-all to the end; an approval answered with a
change; kill -9 in the middle of a stage, then `doppel resume`, byte-identical to an uninterrupted run."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from agents.state import audit
from agents.workflow import api
from agents.workflow.config import RunConfig
from tests.kill_point import MARK as KILL_POINT
from tests.workflow_support import ROOT, TELECOM, Collect, doppel, env_for, settings_in, tiny_sample, tree
from tools.errors import DoppelError
from tools.ingest.readers import read_samples
from tools.settings import Settings

SAMPLE = ROOT / "playbooks" / "samples" / "telecom_customers.csv"
COMPLETED = ["ingest", "profile", "classify", "synthesise", "evaluate", "export", "distribute", "report"]
NO_TESTS = ["test_cases", "execute"]  # telecom.yaml has targets but no `tests:` section


def _check_completed_run(status: api.RunStatus) -> None:
    """Every stage's state and artifacts as a finished telecom run must have them."""
    assert status.state == "completed" and status.current_stage is None
    by_stage: dict[str, api.StageStatus] = {s.stage: s for s in status.stages}
    assert [s for s in COMPLETED if by_stage[s].state == "completed"] == COMPLETED
    for stage in NO_TESTS:
        assert by_stage[stage].state == "skipped" and by_stage[stage].message == "no tests configured"
    assert by_stage["ingest"].outputs == ["ingest/manifest.json"]
    assert by_stage["profile"].outputs == ["profile/classification.json", "profile/profile.json"]
    assert by_stage["classify"].outputs == ["classify/sensitivity.json"]
    assert sorted(by_stage["synthesise"].outputs) == ["synthesise/metadata.json", "synthesise/telecom_customers.csv"]
    assert sorted(by_stage["evaluate"].outputs) == ["evaluate/evaluation.json", "evaluate/report.html"]
    assert by_stage["export"].outputs == ["export/telecom_customers.csv"]
    assert by_stage["distribute"].outputs == ["distribute/distribute.json"]  # SQLite, Salesforce and REST loaded
    assert sorted(by_stage["report"].outputs) == ["report/report.json", "report/report.md"]
    for done in status.stages:
        for rel in done.outputs:
            assert (status.artifacts_dir / rel).stat().st_size > 0, rel


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 300 records of the telecom sample, same encoding and dialect: the whole 'production' here,
    so the no-copy check below compares against every row the run could have seen."""
    path = tmp_path_factory.mktemp("sample") / SAMPLE.name
    with open(SAMPLE, encoding="cp1252", newline="") as src, open(path, "w", encoding="cp1252", newline="") as dst:
        writer = csv.writer(dst, delimiter=";", lineterminator="\r\n")
        for i, record in enumerate(csv.reader(src, delimiter=";")):
            if i > 300:
                break
            writer.writerow(record)
    return path


@pytest.fixture(scope="module")
def small_telecom(small_sample: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """playbooks/telecom.yaml with fewer rows (read and made), as a config file for the CLI."""
    config = tmp_path_factory.mktemp("config") / "telecom.yaml"
    document = yaml.safe_load(TELECOM.read_text(encoding="utf-8"))
    document |= {"data": [str(small_sample)], "rows": 60}
    config.write_text(yaml.safe_dump(document), encoding="utf-8")
    return config


@pytest.fixture(scope="module")
def uninterrupted(small_telecom: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """`doppel run telecom.yaml --approve-all` from start to end in a fresh home (shared by two tests)."""
    home = tmp_path_factory.mktemp("clean")
    done = doppel("run", str(small_telecom), "--approve-all", home=home)
    assert done.returncode == 0, done.stderr
    assert "✓ synthesise" in done.stdout and "completed" in done.stdout
    return settings_in(home)


def test_telecom_playbook_approve_all_runs_to_the_end(uninterrupted: Settings, small_sample: Path) -> None:
    status = api.list_runs(settings=uninterrupted)[0]
    _check_completed_run(status)
    run_dir = status.artifacts_dir

    with open(run_dir / "export" / "telecom_customers.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    sample = read_samples([small_sample])[0].frame
    assert len(sample) == 300
    assert len(rows) == 60 and list(rows[0]) == [str(c) for c in sample.columns]
    real_emails = set(sample["email"].dropna())
    made = [r["email"] for r in rows if r["email"]]
    assert made and not real_emails.intersection(made)

    events = api.run_events(status.run_id, settings=uninterrupted)
    columns = [e for e in events if e.kind == "decision" and e.stage == "classify"]
    assert len(columns) == 57
    assert all(d.confidence is not None and d.evidence for d in columns if d.decision.startswith("sensitive:"))
    assert [e.stage for e in events if e.kind == "stage_started"] == COMPLETED  # skipped stages never start
    asked = [e for e in events if e.kind == "approval_requested"]
    assert [a.context["point"] for a in asked] == ["after:classify", "before:distribute"]
    assert asked[0].context["sensitive"] and asked[0].context["counts"]["columns"] == 57

    report = json.loads((run_dir / "report" / "report.json").read_text(encoding="utf-8"))
    assert report["name"] == "telecom" and report["seed"] == 42
    assert 0 < report["scores"]["quality_score"] <= 1
    export_hash = next(s for s in report["stages"] if s["stage"] == "export")["outputs"]
    assert list(export_hash) == ["export/telecom_customers.csv"]
    evaluation = (run_dir / "evaluate" / "evaluation.json").read_text(encoding="utf-8")
    assert str(uninterrupted.home) not in evaluation and ".tmp-" not in evaluation  # paths are run-relative

    decided = [d for d in _audit(uninterrupted, "approval") if d["event"] == "decided"]
    points = ["after:classify", "before:distribute"]
    assert decided == [{"event": "decided", "point": point, "approval_id": a.approval_id, "response": "approve",
                        "auto": True} for point, a in zip(points, asked, strict=True)]  # fmt: skip


def _audit(settings: Settings, kind: str) -> list[dict[str, Any]]:
    return [e.detail for e in audit.query(settings, audit.AuditFilter(kind=kind))]


def test_approval_change_is_applied_on_resume(tmp_path: Path) -> None:
    """Pause after classify, override a column (a small sample keeps this quick), resume: the change
    reaches the classification, the synthesis and the audit; every other decision stands."""
    settings = settings_in(tmp_path / "home")
    config = RunConfig(name="tiny", data=[tiny_sample(tmp_path)], seed=11, rows=30)
    status = api.start_run(config, settings=settings)
    assert status.state == "paused_approval" and status.current_stage == "classify"
    assert status.pending_approval is not None
    sensitive = [c["column"] for c in status.pending_approval.context["sensitive"]]
    assert {"customers.email", "customers.full_name"} <= set(sensitive)
    assert {s.stage: s.state for s in status.stages}["synthesise"] == "pending"
    with pytest.raises(DoppelError, match=r"customers\.emial: no such column"):
        api.approve(status.run_id, "change", {"customers.emial": {"sensitive": False}}, settings=settings)
    assert api.resume_run(status.run_id, settings=settings).state == "paused_approval"  # still unanswered

    change = {"customers.email": {"sensitive": False}}
    api.approve(status.run_id, "change", change, settings=settings)
    events = Collect()
    done = api.resume_run(status.run_id, sink=events, settings=settings)
    assert done.state == "completed"
    assert [e.stage for e in events.kinds("stage_started")][:2] == ["classify", "synthesise"]  # re-classified

    report = json.loads((done.artifacts_dir / "classify" / "sensitivity.json").read_text(encoding="utf-8"))
    email = next(c for c in report["columns"] if c["column"] == "email")
    assert email["sensitive"] is False and email["evidence"][0]["method"] == "override"
    again = [d for d in events.kinds("decision") if d.subject == "customers.email"]
    assert [d.decision for d in again] == ["not sensitive"]
    made = json.loads((done.artifacts_dir / "synthesise" / "metadata.json").read_text(encoding="utf-8"))
    strategies = {c["column"]: (c["strategy"], c["sensitive"]) for c in made["columns"]}
    assert strategies["email"][1] is False and strategies["email"][0] != "regenerated"
    assert strategies["full_name"] == ("regenerated", True)  # the other decisions stand
    decided = [d for d in _audit(settings, "approval") if d["event"] == "decided"]
    assert decided[0]["response"] == "change" and decided[0]["changes"] == change and decided[0]["auto"] is False


def test_kill_9_mid_stage_then_resume_is_byte_identical(
    small_telecom: Path, uninterrupted: Settings, tmp_path: Path
) -> None:
    """The run is killed inside synthesise, at a point the stage itself announces: its first 'Fitting'
    progress event, stored like every event (tests/kill_point.py stops there and waits to be killed)."""
    config = small_telecom
    crashed = tmp_path / "crashed"
    errors = tmp_path / "stderr.log"
    with errors.open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.kill_point", "synthesise", "Fitting", "run", str(config), "--approve-all"],
            cwd=ROOT, env=env_for(crashed), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True,
        )  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None
    try:
        printed = []
        for line in proc.stdout:  # blocks until the run prints; ends when the process does
            if line.strip() == KILL_POINT:
                break
            printed.append(line)
        else:
            raise AssertionError(f"the run never reached the kill point: {''.join(printed)}{errors.read_text()}")
        assert "▶ synthesise" in "".join(printed)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.stdin.close()  # lets a process that was not killed get past the kill point and end
        proc.wait(timeout=60)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    status = api.list_runs(settings=settings_in(crashed))[0]
    assert status.state == "interrupted" and status.current_stage == "synthesise"
    assert {s.stage: s.state for s in status.stages}["synthesise"] == "running"  # killed mid-stage
    leftovers = [p.name for p in status.artifacts_dir.iterdir() if p.name.startswith(".tmp-synthesise-")]
    assert leftovers, "the half-made attempt folder should still be there before resume"

    resumed = doppel("resume", status.run_id, "--approve-all", home=crashed)
    assert resumed.returncode == 0, resumed.stderr
    after = api.get_run(status.run_id, settings=settings_in(crashed))
    _check_completed_run(after)
    assert not [p for p in after.artifacts_dir.iterdir() if p.name.startswith(".tmp-")]

    reference = api.list_runs(settings=uninterrupted)[0]

    a, b = tree(after.artifacts_dir), tree(reference.artifacts_dir)
    assert sorted(a) == sorted(b) and len(a) == 13  # with distribute.json and the SQLite target's file
    different = sorted(rel for rel in a if a[rel] != b[rel])
    assert different == [], different  # metadata.json and report.html too: the run's clock is fixed
    report = json.loads(a["report/report.json"])
    volatile = [rel for s in report["stages"] for rel, digest in s["outputs"].items() if digest == "volatile"]
    assert volatile == []  # so no output is declared volatile any more
