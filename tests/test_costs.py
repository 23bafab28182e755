"""Costs: an estimate from a config, live CostUpdate events, the breakdown after a run, tips, errors."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlmodel import select

from agents.costs.model import load_prices
from agents.costs.runs import comparison
from agents.state.db import session
from agents.state.models import StageCheckpoint
from agents.workflow import api
from tests.conftest import SHOP
from tests.workflow_support import Collect, cli, settings_in, shop_config
from tools.errors import DoppelError

SONNET = "anthropic.claude-3-5-sonnet-20240620-v1:0"
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"


def _config(folder: Path, **extra: Any) -> Path:
    path = folder / "shop-run.yaml"
    document = {"name": "shop", "schema_file": str(SHOP), "rows": 20, "seed": 3, "approvals": []}
    path.write_text(yaml.safe_dump(document | extra), encoding="utf-8")
    return path


def _adds_up(report: dict[str, Any]) -> None:
    total = report["total"]
    assert math.isclose(sum(line["cost"] for line in report["lines"]), total, rel_tol=1e-9)
    for by in ("by_service", "by_stage", "by_agent"):
        assert math.isclose(sum(report[by].values()), total, rel_tol=1e-9, abs_tol=1e-15), by


def _no_traceback(result: Any) -> None:
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_estimate_of_an_offline_schema_run(tmp_path: Path) -> None:
    home = tmp_path / "home"
    done = cli("costs", "estimate", str(_config(tmp_path)), "--json", home=home)
    assert done.exit_code == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["kind"] == "estimate" and report["provider"] == "offline"
    assert report["total"] > 0
    assert report["by_service"]["compute"] > 0 and report["by_service"]["s3"] > 0
    assert report["by_service"]["bedrock"] == 0  # the offline model uses no tokens
    assert list(report["by_stage"]) == ["ingest", "synthesise", "export", "report"]  # no sample: 4 stages do work
    assert set(report["by_agent"]) == {"data_processor", "synthetic_data", "test_execution"}
    _adds_up(report)
    shape = report["notes"][0]
    assert shape == "2 table(s), 380 cells to make"  # 20 rows x (14 + 5 fields); rows override every table
    assert report["tips"]

    text = cli("costs", "estimate", str(_config(tmp_path)), "--rows", "1000", home=home)
    assert text.exit_code == 0, text.stderr
    assert "by service" in text.stdout and "by agent" in text.stdout and "tips" in text.stdout
    assert "19,000 cells" in text.stdout  # --rows overrides the config


def test_estimate_prices_llm_text_tokens_on_bedrock(tmp_path: Path) -> None:
    schema = tmp_path / "notes.yaml"
    schema.write_text(
        yaml.safe_dump(
            {
                "name": "notes",
                "tables": {
                    "tickets": {
                        "rows": 500,
                        "fields": {
                            "id": {"type": "integer", "sequence": True},
                            "summary": {"type": "llm_text", "prompt": "a one-line support ticket summary"},
                        },
                    }
                },
            }
        ),
        encoding="utf-8",
    )
    config = tmp_path / "notes-run.yaml"
    config.write_text(yaml.safe_dump({"name": "notes", "schema_file": str(schema)}), encoding="utf-8")
    home = tmp_path / "home"
    done = cli("costs", "estimate", str(config), "--provider", "bedrock", "--model-id", SONNET, "--json", home=home)
    assert done.exit_code == 0, done.stderr
    report = json.loads(done.stdout)
    prices = load_prices()
    a = prices.assumptions
    batch = report["llm_batch"]
    assert batch == getattr(settings_in(home).model, "batch_size", a.llm_values_per_request)
    tokens_in = math.ceil(500 / batch) * a.llm_prompt_tokens + 500 * a.llm_input_tokens_per_value
    tokens_out = 500 * a.llm_output_tokens_per_value
    synth = next(u for u in report["usage"] if u["stage"] == "synthesise")
    assert (synth["input_tokens"], synth["output_tokens"]) == (tokens_in, tokens_out)
    sonnet = prices.bedrock[SONNET]
    expected = tokens_in / 1000 * sonnet.input_per_1k + tokens_out / 1000 * sonnet.output_per_1k
    assert math.isclose(report["by_service"]["bedrock"], expected)
    assert report["by_service"]["bedrock"] > report["by_service"]["compute"]
    _adds_up(report)
    tips = " ".join(report["tips"])
    assert "Claude 3 Haiku" in tips and HAIKU in tips
    assert "Batching" in tips and "Caching" in tips

    cheap = cli("costs", "estimate", str(config), "--provider", "bedrock", "--model-id", HAIKU, "--json", home=home)
    assert json.loads(cheap.stdout)["by_service"]["bedrock"] < report["by_service"]["bedrock"]
    offline = cli("costs", "estimate", str(config), "--provider", "offline", "--json", home=home)
    assert json.loads(offline.stdout)["by_service"]["bedrock"] == 0


def test_run_reports_live_costs_and_a_breakdown_against_the_estimate(tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings = settings_in(home)
    events = Collect()
    status = api.start_run(shop_config(approvals=[]), sink=events, settings=settings)
    assert status.state == "completed"

    updates = events.kinds("cost_update")
    assert [u.stage for u in updates] == ["ingest", "synthesise", "export", "report"]
    assert all(u.estimate is not None and u.estimate > 0 for u in updates)
    assert all(b.total > a.total for a, b in itertools.pairwise(updates))  # running totals grow
    assert math.isclose(sum(u.stage_cost for u in updates), updates[-1].total)
    stored = [e.kind for e in api.run_events(status.run_id, settings=settings)]
    assert stored.count("cost_update") == 4 and stored[-1] == "decision"

    shown = cli("costs", "show", status.run_id, "--json", home=home)
    assert shown.exit_code == 0, shown.stderr
    result = json.loads(shown.stdout)
    actual, estimate = result["actual"], result["estimate"]
    assert math.isclose(actual["total"], updates[-1].total)
    assert math.isclose(estimate["total"], updates[-1].estimate)
    _adds_up(actual)
    _adds_up(estimate)
    # compute is priced from the checkpoints' seconds, S3 from the bytes and files of the artifacts
    with session(settings) as s:
        checkpoints = s.exec(select(StageCheckpoint).where(StageCheckpoint.run_id == status.run_id)).all()
    prices = load_prices()
    seconds = sum(cp.seconds for cp in checkpoints)
    c = prices.compute
    assert math.isclose(
        actual["by_service"]["compute"], seconds / 3600 * (c.vcpus * c.vcpu_hour + c.memory_gb * c.gb_hour)
    )
    stored_bytes = sum(e["bytes"] for cp in checkpoints for e in cp.outputs.values())
    files = sum(len(cp.outputs) for cp in checkpoints)
    assert sum(u["bytes"] for u in actual["usage"]) == stored_bytes > 0 and files == 8
    s3 = prices.s3
    assert math.isclose(
        actual["by_service"]["s3"],
        stored_bytes / 1024**3 * s3.storage_gb_month + files / 1000 * (s3.put_per_1k + s3.get_per_1k),
    )
    assert actual["by_agent"]["synthetic_data"] == pytest.approx(
        actual["by_stage"]["synthesise"] + actual["by_stage"]["export"]
    )
    assert result["tips"]

    text = cli("costs", "show", status.run_id[:10], home=home)
    assert text.exit_code == 0 and "by stage" in text.stdout and "synthetic_data" in text.stdout
    runs_show = cli("runs", "show", status.run_id, home=home)
    assert runs_show.exit_code == 0 and "cost: $" in runs_show.stdout


def test_tokens_a_stage_reports_are_priced(tmp_path: Path) -> None:
    """The interface for model usage: a stage's counts ``llm_input_tokens`` / ``llm_output_tokens``."""
    settings = settings_in(tmp_path / "home", model={"provider": "bedrock", "model_id": SONNET})
    status = api.start_run(shop_config(approvals=[]), settings=settings)
    before = comparison(settings, status.run_id)
    assert before.actual.by_service["bedrock"] == 0
    with session(settings) as s:
        cp = s.exec(
            select(StageCheckpoint).where(
                StageCheckpoint.run_id == status.run_id, StageCheckpoint.stage == "synthesise"
            )
        ).one()
        cp.counts = {**cp.counts, "llm_input_tokens": 12_000, "llm_output_tokens": 3_000}
        s.add(cp)
    after = comparison(settings, status.run_id)
    assert math.isclose(after.actual.by_service["bedrock"], 12 * 0.003 + 3 * 0.015)
    assert math.isclose(after.actual.total - before.actual.total, 12 * 0.003 + 3 * 0.015)
    assert any("Claude 3 Haiku" in tip for tip in after.tips)


def test_cost_errors_are_user_errors(tmp_path: Path) -> None:
    home = tmp_path / "home"
    missing = cli("costs", "show", "nosuchrun", home=home)
    assert missing.exit_code == 2 and "run 'nosuchrun': no such run" in missing.stderr
    _no_traceback(missing)
    nofile = cli("costs", "estimate", str(tmp_path / "nope.yaml"), home=home)
    assert nofile.exit_code == 2 and "nope.yaml: no such run config file" in nofile.stderr
    bad = tmp_path / "prices.toml"
    bad.write_text('source = "x"\nas_of = "now"\ncheaper_model = "m"\n[s3]\nstorage_gb_month = -1\n', encoding="utf-8")
    broken = cli("costs", "estimate", str(_config(tmp_path)), "--prices", str(bad), home=home)
    assert broken.exit_code == 2 and f"{bad}: invalid price table" in broken.stderr
    assert f"{bad}: s3.storage_gb_month" in broken.stderr and f"{bad}: bedrock" in broken.stderr
    _no_traceback(broken)
    with pytest.raises(DoppelError, match="not valid TOML"):
        bad.write_text("source = ", encoding="utf-8")
        load_prices(bad)
