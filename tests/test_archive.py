"""The run archive: search past runs, open one, export one as a zip (manifest verified, no production value)."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from agents.archive import verify_archive
from agents.workflow import api
from agents.workflow.config import RunConfig
from agents.workflow.status import RunStatus
from tests.workflow_support import cli, settings_in, shop_config
from tools.settings import Settings


def _sample(folder: Path) -> Path:
    """60 customers whose names, emails and phone numbers are unlike anything a generator makes."""
    rng = np.random.default_rng(5)
    n = 60
    first = ["Quillon", "Ottavine", "Peregrix", "Wilhelmarta"]
    last = ["Fennickhart", "Brackenvole", "Thistlewaite"]
    frame = pd.DataFrame({
        "customer_id": [f"C{i:05d}" for i in range(n)],
        "full_name": [f"{first[i % 4]} {last[i % 3]}" for i in range(n)],
        "email": [f"prodsecret.{i}@internal-crm.example" for i in range(n)],
        "phone": [f"+44 7700 9{i:05d}" for i in range(n)],
        "plan": rng.choice(["basic", "plus", "pro"], n),
        "monthly_fee": np.round(rng.normal(30, 8, n), 2),
    })  # fmt: skip
    path = folder / "customers.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, RunStatus, Path]:
    folder = tmp_path_factory.mktemp("archive")
    settings = settings_in(folder / "home")
    sample = _sample(folder)
    config = RunConfig(
        name="crm-extract", description="Nightly CRM extract", data=[sample], rows=40, seed=9, approvals=[]
    )
    status = api.start_run(config, settings=settings)
    assert status.state == "completed"
    return settings, status, sample


def _home(settings: Settings) -> Path:
    return settings.home


def test_export_writes_every_artifact_with_a_verified_manifest(
    sample_run: tuple[Settings, RunStatus, Path], tmp_path: Path
) -> None:
    settings, status, _ = sample_run
    out = tmp_path / "shared" / "run.zip"
    done = cli("runs", "export", status.run_id[:12], "--out", str(out), home=_home(settings))
    assert done.exit_code == 0, done.stderr
    assert "archive written to" in done.stdout and out.is_file()
    assert not list(out.parent.glob(".*.tmp"))  # the temp file was renamed into place

    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        manifest = json.loads(zf.read("manifest.json"))
        assert manifest["run_id"] == status.run_id and manifest["format"] == "doppel-run-archive"
        members = manifest["members"]
        assert sorted(members) == sorted(n for n in names if n != "manifest.json")
        for name, entry in members.items():
            data = zf.read(name)
            assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["bytes"], name
        artifacts = sorted(n.removeprefix("artifacts/") for n in names if n.startswith("artifacts/"))
        expected = sorted(rel for stage in status.stages for rel in stage.outputs)
        assert artifacts == expected and len(artifacts) == 11
        for rel in expected:  # byte for byte what the run folder holds
            assert zf.read(f"artifacts/{rel}") == (status.artifacts_dir / rel).read_bytes()
        assert {"run.json", "config.json", "events.jsonl", "audit.json", "costs.json"} <= set(names)
        events = [json.loads(line) for line in zf.read("events.jsonl").decode().splitlines()]
        assert events == [e.model_dump(mode="json") for e in api.run_events(status.run_id, settings=settings)]
        audit = json.loads(zf.read("audit.json"))
        assert audit and {a["run_id"] for a in audit} == {status.run_id}
        assert [a["detail"]["event"] for a in audit if a["kind"] == "run"] == ["start", "end"]
        config = json.loads(zf.read("config.json"))
        assert config["name"] == "crm-extract" and config["rows"] == 40
        costs = json.loads(zf.read("costs.json"))
        assert costs["actual"]["total"] > 0 and costs["estimate"]["total"] > 0
    assert verify_archive(out) == []

    default = cli("runs", "export", status.run_id, home=_home(settings))  # RUN_ID.zip in the working directory
    assert default.exit_code == 0, default.stderr
    here = Path.cwd() / f"{status.run_id}.zip"
    try:
        assert here.is_file() and verify_archive(here) == []
    finally:
        here.unlink(missing_ok=True)


def test_zip_holds_no_production_value(sample_run: tuple[Settings, RunStatus, Path], tmp_path: Path) -> None:
    settings, status, sample = sample_run
    decisions = json.loads((status.artifacts_dir / "classify" / "sensitivity.json").read_text(encoding="utf-8"))
    sensitive = [c["column"] for c in decisions["columns"] if c["sensitive"]]
    assert {"full_name", "email", "phone"} <= set(sensitive)
    frame = pd.read_csv(sample, dtype=str)
    values = {v for column in sensitive for v in frame[column].dropna()}
    assert len(values) >= 120

    out = tmp_path / "run.zip"
    assert cli("runs", "export", status.run_id, "--out", str(out), home=_home(settings)).exit_code == 0
    with zipfile.ZipFile(out) as zf:
        blobs = {name: zf.read(name).decode("utf-8") for name in zf.namelist()}
    found = [(name, v) for name, text in blobs.items() for v in values if v in text]
    assert found == []
    assert sample.read_bytes() not in b"".join(b.encode() for b in blobs.values())


def test_export_refuses_a_copy_of_the_sample(sample_run: tuple[Settings, RunStatus, Path], tmp_path: Path) -> None:
    settings, status, sample = sample_run
    stray = status.artifacts_dir / "report" / "stray.csv"
    shutil.copy(sample, stray)
    try:
        refused = cli("runs", "export", status.run_id, "--out", str(tmp_path / "x.zip"), home=_home(settings))
    finally:
        stray.unlink()
    assert refused.exit_code == 2 and "report/stray.csv is a copy of a production input" in refused.stderr
    assert not (tmp_path / "x.zip").exists() and not list(tmp_path.glob(".*.tmp"))
    assert "Traceback" not in refused.stdout + refused.stderr


def test_search_and_open(sample_run: tuple[Settings, RunStatus, Path]) -> None:
    settings, status, _ = sample_run
    home = _home(settings)
    other = api.start_run(shop_config(approvals=[]), settings=settings)

    def ids(*args: str) -> list[str]:
        found = cli("runs", "search", *args, home=home)
        assert found.exit_code == 0, found.stderr
        return [line.split()[0] for line in found.stdout.splitlines() if line.split() and "-" in line.split()[0]]

    assert ids("nightly crm") == [status.run_id]  # the description
    assert ids("CRM-EXT") == [status.run_id]  # the name, any case
    day = status.created_at.strftime("%Y-%m-%d")
    assert set(ids(day)) == {status.run_id, other.run_id}
    assert ids("completed", "--since", day) == [other.run_id, status.run_id]  # newest first
    assert ids("--until", "2000-01-01") == []
    assert ids("--state", "aborted") == []
    bad = cli("runs", "search", "--since", "yesterday", home=home)
    assert bad.exit_code == 2 and "--since 'yesterday'" in bad.stderr

    opened = cli("runs", "open", status.run_id, home=home)
    assert opened.exit_code == 0, opened.stderr
    text = opened.stdout
    assert "Nightly CRM extract" in text and "sample rows: 60" in text and "made rows: 40" in text
    assert "quality score:" in text and "cost: $" in text
    for name in ("manifest.json", "sensitivity.json", "customers.csv", "report.html", "report.md"):
        assert name in text, name
    assert f"report: {status.artifacts_dir / 'evaluate' / 'report.html'}" in text.replace("\n", "")
    missing = cli("runs", "open", "nosuchrun", home=home)
    assert missing.exit_code == 2 and "no such run" in missing.stderr
    wrong: Any = cli("runs", "export", status.run_id, "--out", "x.tar", home=home)
    assert wrong.exit_code == 2 and "the archive is a .zip file" in wrong.stderr
