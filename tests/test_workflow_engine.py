"""Engine mechanics on fast schema runs: checkpoints, retries, failure answers, crash leftovers, API."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml

from agents.state import store
from agents.state.db import session
from agents.workflow import api
from agents.workflow.config import load_run_config
from agents.workflow.context import StageContext, StageOutput
from agents.workflow.seeds import stage_seed
from agents.workflow.stages import SPECS
from tests.workflow_support import Collect, settings_in, shop_config, tiny_sample, tree
from tools.errors import DoppelError
from tools.progress import ProgressCallback
from tools.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_in(tmp_path / "home")


def _patch_stage(monkeypatch: pytest.MonkeyPatch, stage: str, run: Any) -> None:
    monkeypatch.setitem(SPECS, stage, dataclasses.replace(SPECS[stage], run=run))  # type: ignore[call-overload]


def _flaky(failures: int, error: BaseException) -> tuple[Any, dict[str, int]]:
    """A stage function that raises ``error`` ``failures`` times, then runs the real export stage."""
    calls = {"n": 0}
    real = SPECS["export"].run

    def run(context: StageContext, progress: ProgressCallback) -> StageOutput:
        calls["n"] += 1
        if calls["n"] <= failures:
            (context.work / "half.csv").write_text("partial")  # left-over that must never be published
            raise error
        return real(context, progress)

    return run, calls


def test_schema_run_completes_with_every_stage_accounted_for(settings: Settings) -> None:
    events = Collect()
    status = api.start_run(shop_config(), approve_all=True, sink=events, settings=settings)
    assert status.state == "completed"
    states = {s.stage: s.state for s in status.stages}
    assert states == {
        "ingest": "completed", "profile": "skipped", "classify": "skipped", "synthesise": "completed",
        "evaluate": "skipped", "export": "completed", "distribute": "skipped", "test_cases": "skipped",
        "execute": "skipped", "report": "completed",
    }  # fmt: skip
    by_stage = {s.stage: s for s in status.stages}
    assert by_stage["distribute"].message == "no targets configured"
    assert sorted(by_stage["export"].outputs) == ["export/customers.csv", "export/orders.csv"]
    run_dir = status.artifacts_dir
    for stage in status.stages:
        for rel in stage.outputs:
            assert (run_dir / rel).is_file(), rel
    assert not [p for p in run_dir.iterdir() if p.name.startswith(".tmp-")]
    # no approval was needed: classify did not apply and distribute has no targets
    assert events.kinds("approval_requested") == []
    assert [e.stage for e in events.kinds("stage_started")] == ["ingest", "synthesise", "export", "report"]
    stored = api.run_events(status.run_id, settings=settings)
    assert [e.kind for e in stored] == [e.kind for e in events.events]
    assert api.run_events(status.run_id, after_seq=len(stored) - 1, settings=settings) == stored[-1:]


def test_same_seed_same_bytes_and_stage_seeds_differ(settings: Settings, tmp_path: Path) -> None:
    first = api.start_run(shop_config(), approve_all=True, settings=settings)
    second = api.start_run(shop_config(), approve_all=True, settings=settings_in(tmp_path / "other"))
    a, b = tree(first.artifacts_dir / "export"), tree(second.artifacts_dir / "export")
    assert a and a == b
    third = api.start_run(shop_config(seed=8), approve_all=True, settings=settings)
    assert tree(third.artifacts_dir / "export") != a
    seeds = {stage: stage_seed(42, stage) for stage in SPECS}
    assert len(set(seeds.values())) == len(seeds)
    assert seeds == {stage: stage_seed(42, stage) for stage in SPECS}


def test_transient_error_is_retried_then_succeeds(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    run, calls = _flaky(2, OSError(5, "Input/output error"))
    _patch_stage(monkeypatch, "export", run)
    events = Collect()
    status = api.start_run(shop_config(), approve_all=True, sink=events, settings=settings)
    assert status.state == "completed"
    assert calls["n"] == 3
    retries = [e.action for e in events.kinds("progress") if "retrying" in e.action]
    assert len(retries) == 2 and "attempt 2 of 3" in retries[0] and "Input/output error" in retries[0]
    assert "export/half.csv" not in next(s for s in status.stages if s.stage == "export").outputs
    assert events.kinds("failed") == []
    completed = next(e for e in events.kinds("stage_completed") if e.stage == "export")
    assert completed.success_rate == round(1 / 3, 3)


def test_persistent_failure_pauses_then_retry_completes(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    run, calls = _flaky(3, TimeoutError("target timed out"))
    _patch_stage(monkeypatch, "export", run)
    events = Collect()
    status = api.start_run(shop_config(), approve_all=True, sink=events, settings=settings)
    assert status.state == "paused_failure" and calls["n"] == 3
    assert status.pending_failure is not None and status.pending_failure.stage == "export"
    assert status.pending_failure.remedy and status.pending_failure.choices == ["retry", "skip", "abort"]
    assert [e.stage for e in events.kinds("failed")] == ["export"]
    assert not (status.artifacts_dir / "export").exists()
    # --approve-all never answers a failure
    assert api.resume_run(status.run_id, approve_all=True, settings=settings).state == "paused_failure"
    with pytest.raises(DoppelError, match="not waiting for an approval"):
        api.approve(status.run_id, settings=settings)
    answered = api.answer_failure(status.run_id, "retry", settings=settings)
    assert answered.pending_failure is None
    done = api.resume_run(status.run_id, settings=settings)
    assert done.state == "completed" and calls["n"] == 4
    with session(settings) as s:
        assert store.checkpoint(s, status.run_id, "export").attempt == 2


def test_skip_after_failure_skips_dependants_and_finishes(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    run, _ = _flaky(99, OSError(28, "No space left on device"))
    _patch_stage(monkeypatch, "export", run)
    status = api.start_run(shop_config(), approve_all=True, settings=settings)
    assert status.state == "paused_failure"
    api.answer_failure(status.run_id, "skip", settings=settings)
    done = api.resume_run(status.run_id, settings=settings)
    assert done.state == "completed"
    by_stage = {s.stage: s for s in done.stages}
    assert by_stage["export"].state == "skipped"
    assert "No space left on device" in (by_stage["export"].message or "")
    assert by_stage["report"].state == "completed"


def test_abort_after_failure(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    run, _ = _flaky(99, ConnectionError("refused"))
    _patch_stage(monkeypatch, "export", run)
    status = api.start_run(shop_config(), approve_all=True, settings=settings)
    aborted = api.answer_failure(status.run_id, "abort", settings=settings)
    assert aborted.state == "aborted"
    again = api.resume_run(status.run_id, settings=settings)
    assert again.state == "aborted" and {s.stage: s.state for s in again.stages}["report"] == "pending"


def test_non_transient_error_is_not_retried_and_its_text_is_withheld(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}

    def broken(context: StageContext, progress: ProgressCallback) -> StageOutput:
        calls["n"] += 1
        raise ValueError("could not convert 'Jane Q Public' to float")

    _patch_stage(monkeypatch, "export", broken)
    events = Collect()
    status = api.start_run(shop_config(), approve_all=True, sink=events, settings=settings)
    assert status.state == "paused_failure" and calls["n"] == 1
    failed = events.kinds("failed")[0]
    assert failed.error.startswith("ValueError at test_workflow_engine.py")
    everything = " ".join(e.model_dump_json() for e in api.run_events(status.run_id, settings=settings))
    assert "Jane Q Public" not in everything


def test_crash_leftovers_are_discarded_and_tampered_outputs_rerun(settings: Settings) -> None:
    status = api.start_run(shop_config(), approve_all=True, settings=settings)
    run_dir = status.artifacts_dir
    before = tree(run_dir)
    # a half-written attempt folder and a stage folder renamed into place without its checkpoint
    (run_dir / ".tmp-export-deadbeef").mkdir()
    (run_dir / ".tmp-export-deadbeef" / "orders.csv").write_text("half")
    with session(settings) as s:
        store.delete_checkpoints(s, status.run_id, ["report"])
        store.set_run(s, store.get_run(s, status.run_id), state="running")
    (run_dir / "report" / "report.md").write_text("torn")
    # an artifact changed behind the engine's back
    (run_dir / "export" / "orders.csv").write_text("tampered")
    events = Collect()
    done = api.resume_run(status.run_id, sink=events, settings=settings)
    assert done.state == "completed"
    assert not (run_dir / ".tmp-export-deadbeef").exists()
    assert tree(run_dir) == before
    assert [e.stage for e in events.kinds("stage_started")] == ["export", "report"]
    assert any("orders.csv changed" in e.action for e in events.kinds("progress"))


def test_api_lookup_listing_and_errors(settings: Settings) -> None:
    a = api.start_run(shop_config(name="alpha"), approve_all=True, settings=settings)
    b = api.start_run(shop_config(name="beta"), approve_all=True, settings=settings)
    assert [r.run_id for r in api.list_runs(settings=settings)] == [b.run_id, a.run_id]
    assert [r.run_id for r in api.list_runs(query="alp", settings=settings)] == [a.run_id]
    assert api.list_runs(limit=1, settings=settings)[0].run_id == b.run_id
    assert api.get_run(a.run_id[:8], settings=settings).run_id == a.run_id
    with pytest.raises(DoppelError, match="run 'nope': no such run"):
        api.get_run("nope", settings=settings)
    with pytest.raises(DoppelError, match="not waiting for a failure answer"):
        api.answer_failure(a.run_id, "retry", settings=settings)


def test_missing_inputs_are_named_before_anything_starts(settings: Settings, tmp_path: Path) -> None:
    config = shop_config().model_copy(update={"schema_file": None, "data": [tmp_path / "gone.csv"]})
    with pytest.raises(DoppelError) as info:
        api.start_run(config, settings=settings)
    assert "data[0]" in str(info.value) and "gone.csv" in str(info.value)
    assert api.list_runs(settings=settings) == []


def test_config_errors_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    path.write_text("name: t\ndata:\n  - a.csv\nrows: -3\nfromat: csv\n", encoding="utf-8")
    with pytest.raises(DoppelError) as info:
        load_run_config(path)
    text = str(info.value)
    assert f"{path}:4: rows" in text and f"{path}:5: fromat: unknown key" in text
    path.write_text("name: t\ndata: [a.csv]\nschema_file: s.yaml\n", encoding="utf-8")
    with pytest.raises(DoppelError, match="either data"):
        load_run_config(path)
    path.write_text("name: t\ndata: [a.csv\n", encoding="utf-8")
    with pytest.raises(DoppelError, match=rf"{path}:\d+: not valid YAML"):
        load_run_config(path)
    path.write_text(yaml.safe_dump({"name": "t", "data": ["sub/a.csv"], "targets": [{"kind": "postgres"}]}))
    with pytest.raises(DoppelError, match=r"targets\.0: unknown target kind 'postgres'"):
        load_run_config(path)
    path.write_text(yaml.safe_dump({"name": "t", "data": ["sub/a.csv"]}))
    assert load_run_config(path).data == [tmp_path / "sub" / "a.csv"]


def test_stage_folder_moves_in_whole(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A stage killed half-way (here: an exception that is not retried) leaves no stage folder behind."""
    real = SPECS["export"].run

    def dies_half_way(context: StageContext, progress: ProgressCallback) -> StageOutput:
        real(context, progress)
        raise KeyboardInterrupt

    _patch_stage(monkeypatch, "export", dies_half_way)
    with pytest.raises(KeyboardInterrupt):
        api.start_run(shop_config(), approve_all=True, settings=settings)
    run = api.list_runs(settings=settings)[0]
    assert run.state == "running" and {s.stage: s.state for s in run.stages}["export"] == "running"
    assert not (run.artifacts_dir / "export").exists()
    monkeypatch.setitem(SPECS, "export", dataclasses.replace(SPECS["export"], run=real))
    assert api.resume_run(run.run_id, settings=settings).state == "completed"


def test_sample_run_exports_typed_parquet_and_copies_to_out(settings: Settings, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from agents.workflow.config import RunConfig

    out = tmp_path / "delivered"
    config = RunConfig(name="tiny", data=[tiny_sample(tmp_path)], seed=5, format="parquet", out=out)
    status = api.start_run(config, approve_all=True, settings=settings)
    assert status.state == "completed"
    by_stage = {s.stage: s for s in status.stages}
    assert by_stage["export"].outputs == ["export/customers.parquet"]
    table = pq.read_table(status.artifacts_dir / "export" / "customers.parquet")
    assert table.num_rows == 80  # rows left out: as many as the sample
    types = {f.name: str(f.type) for f in table.schema}
    assert types["monthly_fee"] == "double" and types["signup"] == "date32[day]" and types["email"] == "string"
    assert tree(out) == tree(status.artifacts_dir / "export")
    assert not set(table.column("email").to_pylist()) & {f"user{i}@example.com" for i in range(80)}
