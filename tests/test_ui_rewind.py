"""Stepping a run back (``api.rewind``) and stopping it (``api.cancel_run``): what the UI's presenter
controls and its Stop button rely on. Forward again after a rewind gives the same bytes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agents.state import store
from agents.state.db import session
from agents.workflow import api
from tests.workflow_support import settings_in, shop_config
from tools.errors import DoppelError
from tools.settings import Settings


def _hashes(status: api.RunStatus, settings: Settings) -> dict[str, str]:
    """sha256 of every non-volatile output, by path."""
    with session(settings) as s:
        cps = store.checkpoints(s, status.run_id)
    return {
        f"{stage}/{rel}": entry["sha256"]
        for stage, cp in cps.items()
        for rel, entry in cp.outputs.items()
        if not entry.get("volatile")
    }


@pytest.fixture
def home_settings(tmp_path: Path) -> Settings:
    return settings_in(tmp_path / "home")


def test_rewind_then_forward_gives_the_same_bytes(home_settings: Settings) -> None:
    config = shop_config(approvals=["after:ingest", "after:synthesise"])
    status = api.start_run(config, settings=home_settings)
    assert status.state == "paused_approval" and status.pending_approval is not None
    assert status.pending_approval.context["point"] == "after:ingest"
    api.approve(status.run_id, settings=home_settings)
    status = api.resume_run(status.run_id, settings=home_settings)
    assert status.pending_approval is not None and status.pending_approval.context["point"] == "after:synthesise"
    api.approve(status.run_id, settings=home_settings)
    first = api.resume_run(status.run_id, settings=home_settings)
    assert first.state == "completed"
    before = _hashes(first, home_settings)
    assert any(p.startswith("export/") for p in before)

    back = api.rewind(first.run_id, "ingest", settings=home_settings)
    assert back.state == "paused_approval"
    assert back.pending_approval is not None and back.pending_approval.context["point"] == "after:ingest"
    states = {s.stage: s.state for s in back.stages}
    assert states["ingest"] == "completed" and states["synthesise"] == "pending" and states["export"] == "pending"
    assert not (back.artifacts_dir / "synthesise").exists() and not (back.artifacts_dir / "export").exists()

    api.approve(back.run_id, settings=home_settings)
    again = api.resume_run(back.run_id, settings=home_settings)
    assert again.pending_approval is not None and again.pending_approval.context["point"] == "after:synthesise"
    api.approve(again.run_id, settings=home_settings)
    second = api.resume_run(again.run_id, settings=home_settings)
    assert second.state == "completed"
    assert _hashes(second, home_settings) == before

    kinds = [e.kind for e in api.run_events(second.run_id, settings=home_settings)]
    assert kinds.count("stage_started") > len({s.stage for s in second.stages if s.state == "completed"})
    seqs = [seq for seq, _ in api.run_event_log(second.run_id, settings=home_settings)]
    assert seqs == list(range(1, len(kinds) + 1))


def test_rewind_to_a_stage_without_a_pause_point_just_waits(home_settings: Settings) -> None:
    status = api.start_run(shop_config(approvals=[]), settings=home_settings)
    assert status.state == "completed"
    back = api.rewind(status.run_id, "synthesise", settings=home_settings)
    assert back.state == "paused_approval" and back.pending_approval is None
    assert {s.stage: s.state for s in back.stages}["export"] == "pending"
    assert api.resume_run(back.run_id, settings=home_settings).state == "completed"


def test_rewind_refuses_a_stage_not_reached_and_an_unknown_stage(home_settings: Settings) -> None:
    status = api.start_run(shop_config(approvals=["after:ingest"]), settings=home_settings)
    with pytest.raises(DoppelError, match="no checkpoint"):
        api.rewind(status.run_id, "export", settings=home_settings)
    with pytest.raises(DoppelError, match="not one of"):
        api.rewind(status.run_id, "nowhere", settings=home_settings)  # type: ignore[arg-type]


def test_cancel_ends_the_owner_and_the_run_stays_resumable(home_settings: Settings) -> None:
    run_id = api.create_run(shop_config(approvals=[]), settings=home_settings)
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        with session(home_settings) as s:
            store.set_run(s, store.get_run(s, run_id), owner_pid=worker.pid, current_stage="synthesise")
        assert api.get_run(run_id, settings=home_settings).state == "running"
        status = api.cancel_run(run_id, settings=home_settings)
        assert worker.wait(timeout=30) != 0
    finally:
        worker.kill()
    assert status.state == "interrupted" and status.resume_command == f"doppel resume {run_id}"
    with pytest.raises(DoppelError, match="not running"):
        api.cancel_run(run_id, settings=home_settings)
    assert api.resume_run(run_id, settings=home_settings).state == "completed"
