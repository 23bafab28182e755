"""Robot suites run in parallel with pabot: outputs, one result model, timings, screenshots, live progress.

One run is shared by the module: the four seeded telecom scenarios plus a page check the test adds to the
Jira stand-in, over a small data folder loaded into SQLite and the REST stand-in by the test (the loaders
are not this module's subject). TEL-4 fails by design (a rule no realistic customer meets); TEL-5 fails
because the REST target was loaded with every plan upper-cased, so its page shows another plan than the
synthetic record: a real headless Chromium (Debian's, through SeleniumLibrary) takes the screenshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from mocks.suite import MockSuite
from tests.mock_support import FAST_RETRY, jira_settings
from tests.test_testcases import TODAY, load_rest, load_sqlite, write_telecom
from tools.atlassian.jira import JiraClient
from tools.errors import DoppelError
from tools.testcases.generate import GenerateSuitesRequest, generate_suites
from tools.testrun.model import TestRun
from tools.testrun.runner import run_suites

UI_SCENARIO = """{code:gherkin}
Feature: Self care
  Scenario: The plan is shown
    Given a synthetic prepaid customer loaded into the REST target
    Then the customer page /ui/customers/{customer_id} shows the plan
{code}"""


@dataclass
class Observed:
    run: TestRun
    results: Path
    suites: Path
    events: list[tuple[dict[str, Any], bool]] = field(default_factory=list)  # event, output.xml there yet
    progress: list[tuple[str, int, int | None]] = field(default_factory=list)


@pytest.fixture(scope="module")
def telecom_run(mock_suite: MockSuite, tmp_path_factory: pytest.TempPathFactory) -> Observed:
    folder = tmp_path_factory.mktemp("testrun")
    jira = JiraClient(jira_settings(mock_suite), FAST_RETRY)
    ui = jira.create_issue("TEL", "Customer page shows the loaded plan", UI_SCENARIO, "Test",
                           ["doppel-telecom", "gherkin", "ui"], "Medium")  # fmt: skip
    assert ui.key == "TEL-5"
    data = write_telecom(folder / "data")
    database = load_sqlite(data, folder / "target.sqlite3")
    rest = mock_suite.urls["rest"]
    load_rest(rest, "customers", data / "telecom_customers.csv", {"plan": "UNLIMITED MAX"})
    suites, results = folder / "suites", folder / "results"
    request = GenerateSuitesRequest(jql="labels = doppel-telecom ORDER BY key", data=data, out=suites, rest_url=rest,
                                    database=database)  # fmt: skip
    assert generate_suites(request, jira, today=TODAY).automated == 5
    observed: list[tuple[dict[str, Any], bool]] = []
    progress: list[tuple[str, int, int | None]] = []
    run = run_suites(
        suites,
        results,
        processes=2,
        progress=lambda step, done, total: progress.append((step, done, total)),
        on_event=lambda event: observed.append((event, (results / "output.xml").exists())),
    )
    return Observed(run, results, suites, observed, progress)


def test_pabot_runs_one_suite_per_process_and_keeps_robots_outputs(telecom_run: Observed) -> None:
    run, results = telecom_run.run, telecom_run.results
    for name in ("output.xml", "log.html", "report.html", "results.json", "events.jsonl", "pabot.log"):
        assert (results / name).is_file(), name
    assert run.processes == 2 and run.suites == 5
    assert sorted(p.name for p in (results / "pabot_results").iterdir() if p.is_dir()) == ["0", "1", "2", "3", "4"]
    started = [e for e, _ in telecom_run.events if e["event"] == "suite_started" and e["source"].endswith(".robot")]
    assert sorted(Path(e["source"]).name for e in started) == [f"TEL-{i}.robot" for i in range(1, 6)]
    assert len({e["pid"] for e in started}) == 5  # every suite in a process of its own
    assert TestRun.load(results) == run  # results.json is the model
    assert TestRun.load(results / "results.json").summary() == "5 tests: 3 passed, 2 failed"


def test_one_result_per_test_with_status_duration_message_and_jira_key(telecom_run: Observed) -> None:
    tests = {t.key: t for t in telecom_run.run.tests}
    assert sorted(tests) == ["TEL-1", "TEL-2", "TEL-3", "TEL-4", "TEL-5"]
    assert {k: t.status for k, t in tests.items()} == {
        "TEL-1": "PASS", "TEL-2": "PASS", "TEL-3": "PASS", "TEL-4": "FAIL", "TEL-5": "FAIL"}  # fmt: skip
    for test in tests.values():
        assert test.duration > 0 and test.start is not None and test.suite.startswith(test.key or "")
        assert test.name.startswith(f"{test.key} ")
    tel4 = tests["TEL-4"]
    assert tel4.pattern == "data_rule" and tel4.message.startswith("6 of 6 records break the rule loyalty_points >")
    assert "CUST-100008 (loyalty_points='2500')" in tel4.message and not tel4.screenshots
    tel5 = tests["TEL-5"]
    assert tel5.pattern == "ui"
    assert "'PAYG 10' but it was 'UNLIMITED MAX'" in tel5.message
    assert len(tel5.screenshots) == 1 and "TEL-5" in tel5.screenshots[0]
    shot = telecom_run.results / tel5.screenshots[0]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # a real browser's screenshot
    assert tel5.screenshots[0] in (telecom_run.results / "log.html").read_text(encoding="utf-8")


def test_the_listener_streams_progress_while_the_suites_run(telecom_run: Observed) -> None:
    ended = [(e, merged) for e, merged in telecom_run.events if e["event"] == "test_ended"]
    assert sorted(e["key"] for e, _ in ended) == ["TEL-1", "TEL-2", "TEL-3", "TEL-4", "TEL-5"]
    first = next(i for i, (e, _) in enumerate(telecom_run.events) if e["event"] == "test_ended")
    assert not telecom_run.events[first][1]  # before pabot merged the outputs
    started = [e for e, _ in telecom_run.events[:first] if e["event"] == "suite_started" and e["source"]]
    assert len(started) <= 2  # with 2 processes, no third suite can start before a test has ended
    assert {e["key"]: e["status"] for e, _ in ended}["TEL-4"] == "FAIL"
    per_test = [p for p in telecom_run.progress if p[0].startswith("TEL-")]
    assert [done for _, done, _ in per_test] == [1, 2, 3, 4, 5] and {t for _, _, t in per_test} == {5}
    assert telecom_run.progress[0][1:] == (0, 5) and telecom_run.progress[-1][1:] == (5, 5)
    stored = (telecom_run.results / "events.jsonl").read_text().splitlines()
    assert len(stored) == telecom_run.run.events == len(telecom_run.events)


def test_no_suites_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DoppelError, match=r"holds no \.robot suites"):
        run_suites(tmp_path, tmp_path / "results")
    with pytest.raises(DoppelError, match="no such folder"):
        run_suites(tmp_path / "missing", tmp_path / "results")
