"""Before/after sample diffs and score charts: what a person sees of the data, with no production value."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.events import Chart, SampleDiff, parse_event
from agents.workflow import api
from agents.workflow.stages.showcase import MAX_COLUMNS, ROWS, sample_diff, score_chart
from tests.workflow_support import Collect, settings_in, telecom_config
from tools.profile.patterns import shape

TEXT = st.text(alphabet=string.ascii_letters + string.digits + " .-@+", min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(TEXT, TEXT, TEXT), min_size=1, max_size=8), st.sets(TEXT, max_size=3))
def test_no_sample_value_travels_unless_the_profile_keeps_it(rows: list[tuple[str, str, str]], kept: set[str]) -> None:
    real = pd.DataFrame(rows, columns=["name", "plan", "notes"])
    synthetic = pd.DataFrame([("Synth A", "Prepaid", "x")] * len(rows), columns=["name", "plan", "notes"])
    diff = sample_diff("t", real, synthetic, {"name"}, {("t", "plan"): kept})
    for before_row, (name, plan, notes) in zip(diff.before, rows, strict=False):
        assert before_row["plan"] == (plan if plan in kept else shape(plan))
        for column, value in (("name", name), ("notes", notes)):
            shown = before_row[column]
            assert shown == shape(value) and len(shown) == len(value)  # only A, 9 and the punctuation remain
            assert set(shown) <= set("A9 .-@+")
    assert diff.columns[0] == "name"  # sensitive columns first
    assert len(diff.before) == min(ROWS, len(rows))


def test_diff_marks_changed_cells_and_caps_columns() -> None:
    real = pd.DataFrame({f"c{i}": ["ab", "12"] for i in range(12)})
    synthetic = pd.DataFrame({f"c{i}": ["AA", "12"] for i in range(12)})
    diff = sample_diff("t", real, synthetic, set(), {})
    assert len(diff.columns) == MAX_COLUMNS
    assert diff.before[0]["c0"] == "AA" and diff.before[1]["c0"] == "99"
    assert diff.changed == [f"1:c{i}" for i in range(MAX_COLUMNS)]  # "99" shape vs "12" synthetic


def test_score_chart_is_plain_json() -> None:
    chart = score_chart("scores", ["a", "b"], [0.5, 0.9])
    again = parse_event(json.loads(chart.model_dump_json()))
    assert isinstance(again, Chart) and again.figure["data"][0]["x"] == [0.5, 0.9]


def test_a_sample_run_shows_diffs_and_charts_without_production_values(tmp_path: Path) -> None:
    sink = Collect()
    config = telecom_config(rows=40, sample_rows=200, approvals=[])
    status = api.start_run(config, sink=sink, settings=settings_in(tmp_path / ".doppel"), approve_all=True)
    assert status.state == "completed"
    diffs = [e for e in sink.events if isinstance(e, SampleDiff)]
    charts = [e for e in sink.events if isinstance(e, Chart)]
    assert len(diffs) == 1 and diffs[0].stage == "synthesise" and diffs[0].changed
    assert len(charts) == 1 and charts[0].stage == "evaluate" and charts[0].figure["data"]
    sample = pd.read_csv(config.data[0], sep=";", encoding="cp1252", dtype=str, nrows=200, keep_default_na=False)
    sensitive = [c for c in diffs[0].columns if c in ("email", "msisdn", "first_name", "last_name", "nino", "dob")]
    assert sensitive, diffs[0].columns
    shown = json.dumps(diffs[0].before)
    leaked = {v for c in sensitive for v in sample[c] if len(v) > 3 and json.dumps(v)[1:-1] in shown}
    assert not leaked


def test_cli_renders_the_diff_as_a_table() -> None:
    from rich.console import Console

    from server.run_render import RunRenderer

    real = pd.DataFrame({"email": ["ann@example.com"], "plan": ["Gold"]})
    synthetic = pd.DataFrame({"email": ["zed@synthetic.test"], "plan": ["Gold"]})
    console = Console(record=True, width=140)
    RunRenderer(console, live=False)(
        sample_diff("customers", real, synthetic, {"email"}, {("customers", "plan"): {"Gold"}})
    )
    text = console.export_text()
    assert "customers: sample (shapes) vs synthetic" in text
    assert "AAA@AAAAAAA.AAA" in text and "zed@synthetic.test" in text and "Gold" in text
    assert "ann@example.com" not in text
