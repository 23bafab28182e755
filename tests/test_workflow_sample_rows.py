"""A run that reads ``sample_rows`` rows of its sample is evaluated against exactly those rows.

The sample file below holds a head (the rows the run reads) and a tail that differs in every way an
evaluation can see: other numbers, a new category, blanks and padded values. Whatever the evaluation
records about the real side must come from the head alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from agents.workflow import api
from agents.workflow.config import RunConfig
from tests.workflow_support import settings_in

HEAD = 120
TAIL = 180


def _sample(folder: Path) -> tuple[Path, pd.DataFrame]:
    rng = np.random.default_rng(11)
    fee = np.round(rng.normal(30, 4, HEAD + TAIL), 2)
    usage = np.round(fee * 2 + rng.normal(0, 2, HEAD + TAIL), 1)
    frame = pd.DataFrame(
        {
            "plan": rng.choice(["basic", "plus"], HEAD + TAIL).astype(object),
            "monthly_fee": fee.astype(object),
            "usage_gb": usage.astype(object),
            "signup": pd.date_range("2023-01-01", periods=HEAD + TAIL, freq="D").strftime("%Y-%m-%d"),
        }
    )
    tail = slice(HEAD, HEAD + TAIL)
    frame.loc[HEAD:, "plan"] = rng.choice(["enterprise", " plus "], TAIL)  # a new category, padded values
    frame.loc[HEAD:, "monthly_fee"] = np.round(rng.normal(900, 50, TAIL), 2)  # far away from the head
    frame.loc[HEAD:, "usage_gb"] = np.where(rng.random(TAIL) < 0.5, "", frame["usage_gb"].to_numpy()[tail])
    path = folder / "plans.csv"
    frame.to_csv(path, index=False)
    return path, frame.iloc[:HEAD]


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], pd.DataFrame]:
    folder = tmp_path_factory.mktemp("cut")
    path, head = _sample(folder)
    config = RunConfig(name="cut", data=[path], sample_rows=HEAD, rows=200, seed=3)
    status = api.start_run(config, approve_all=True, settings=settings_in(folder / "home"))
    assert status.state == "completed"
    document = json.loads((status.artifacts_dir / "evaluate" / "evaluation.json").read_text(encoding="utf-8"))
    document["html"] = (status.artifacts_dir / "evaluate" / "report.html").read_text(encoding="utf-8")
    return document, head


def test_the_evaluation_records_the_rows_read(evaluation: tuple[dict[str, Any], pd.DataFrame]) -> None:
    document, _ = evaluation
    (table,) = document["tables"]
    assert table["real_rows"] == HEAD and table["evaluated_real_rows"] == HEAD
    assert table["synthetic_rows"] == 200 and table["evaluated_synthetic_rows"] == 200
    privacy = table["privacy"]
    assert privacy is not None and privacy["train_rows"] + privacy["holdout_rows"] == HEAD
    assert document["real_head"] == HEAD and f"the first {HEAD:,} of each sample table" in document["html"]


def test_rows_beyond_the_cut_never_reach_the_evaluation(evaluation: tuple[dict[str, Any], pd.DataFrame]) -> None:
    document, head = evaluation
    (table,) = document["tables"]
    columns = {c["column"]: c for c in table["columns"]}
    assert columns["usage_gb"]["real_missing_rate"] == 0.0  # blanks only beyond the cut
    issues = {(e["column"], e["issue"]): e["real_rate"] for e in table["edge_cases"]}
    assert issues.get(("plan", "whitespace"), 0.0) == 0.0  # padded values only beyond the cut
    (pearson,) = [c for c in table["correlations"] if c["method"] == "pearson"]
    at = {name: i for i, name in enumerate(pearson["columns"])}
    want = float(np.corrcoef(head["monthly_fee"].astype(float), head["usage_gb"].astype(float))[0, 1])
    assert pearson["real"][at["monthly_fee"]][at["usage_gb"]] == pytest.approx(want, abs=1e-3)
    assert "enterprise" not in json.dumps(document)


def test_read_side_head_cuts_files_and_numbered_parts_like_synthesis(tmp_path: Path) -> None:
    from tools.ingest.readers import read_samples
    from tools.quality.load import read_side

    _, head = _sample(tmp_path)
    whole = pd.read_csv(tmp_path / "plans.csv", dtype=str, keep_default_na=False)
    parts = tmp_path / "parts"
    parts.mkdir()
    whole.iloc[:100].to_csv(parts / "plans.part-00001.csv", index=False)
    whole.iloc[100:].to_csv(parts / "plans.part-00002.csv", index=False)
    (learned,) = read_samples([tmp_path / "plans.csv"], max_rows=HEAD)
    for source in (tmp_path / "plans.csv", parts):
        table = read_side(source, "REAL", head=HEAD)["plans"]
        assert len(table.frame) == HEAD
        assert table.frame.astype(str).equals(learned.frame.astype(str)), source
    assert len(head) == HEAD
