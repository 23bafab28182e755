"""Test results to Jira by policy, against the Jira stand-in, read back with the unmodified client; then the
three `doppel tests` commands and a whole `doppel run` with tests, end to end.

Sync tests use hand-made results (a TestRun with a log and a screenshot on disk), each under its own run id,
so the module's one Jira keeps them apart. The end-to-end tests run real suites with pabot.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from atlassian import Jira
from typer.testing import CliRunner

from mocks.suite import PASSWORD, TOKEN, USERNAME, MockSuite
from server.cli import app
from tests.mock_support import FAST_RETRY, jira_settings
from tests.test_testcases import load_rest, load_sqlite, write_telecom
from tools.atlassian.jira import JiraClient
from tools.atlassian.jira_sync import fingerprint, marker, sync_results
from tools.errors import DoppelError
from tools.testrun.model import TestResult, TestRun, Totals

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
NOW = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


def hand_made_run(folder: Path, run_id: str) -> TestRun:
    """Four results as `doppel tests run` leaves them: a pass, a skip, and failures of three patterns."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "log.html").write_text("<html>robot log</html>")
    (folder / "HOSP-1-1.png").write_bytes(PNG)

    def result(key: str, status: Any, message: str = "", pattern: str | None = None, **extra: Any) -> TestResult:
        return TestResult(key=key, name=f"{key} scenario", suite=f"{key} scenario", source=f"/s/{key}.robot",
                          status=status, duration=0.42, start=NOW, message=message, tags=[key], pattern=pattern,
                          **extra)  # fmt: skip

    tests = [
        result("TEL-1", "PASS"),
        result("TEL-3", "SKIP", "Not automated by Doppel"),
        result("TEL-4", "FAIL", "6 of 6 records break the rule loyalty_points > 100000: CUST-1", "data_rule"),
        result("BANK-1", "FAIL", "Url: http://127.0.0.1:1/accounts Expected status: 422 != 201", "api_contract"),
        result("HOSP-1", "FAIL", "The text of element 'id:field-ward' should have been 'AMU' but it was 'X'.", "ui",
               screenshots=["HOSP-1-1.png"]),
        TestResult(name="Unkeyed", suite="Unkeyed", status="PASS", duration=0.1),
    ]  # fmt: skip
    totals = Totals(tests=6, passed=2, failed=3, skipped=1)
    run = TestRun(run_id=run_id, suites_dir=str(folder), out_dir=str(folder), processes=2, suites=6, started=NOW,
                  finished=NOW, duration=3.5, totals=totals, tests=tests)  # fmt: skip
    (folder / "results.json").write_text(run.model_dump_json())
    return run


@pytest.fixture
def client(mocks: MockSuite) -> JiraClient:
    return JiraClient(jira_settings(mocks), FAST_RETRY)


@pytest.fixture
def raw(mocks: MockSuite) -> Jira:
    """atlassian-python-api's Jira, unmodified: how a person's tools would see what Doppel wrote."""
    return Jira(url=mocks.urls["jira"], username=USERNAME, password=PASSWORD)


def issue_count(raw: Jira) -> int:
    return int(raw.jql("project in (TEL, BANK, HOSP)", limit=1)["total"])


def comments(raw: Jira, key: str) -> list[str]:
    return [c["body"] for c in raw.issue_get_comments(key)["comments"]]


def bug_of(raw: Jira, run_id: str, key: str) -> dict[str, Any]:
    found = raw.jql(f'labels = "{fingerprint(run_id, key)}"')["issues"]
    assert len(found) == 1, f"{len(found)} Bugs for {key}"
    return dict(raw.issue(found[0]["key"]))


# ------------------------------------------------------------------ policies


def test_dry_run_says_what_would_be_sent_and_sends_nothing(client: JiraClient, raw: Jira, tmp_path: Path) -> None:
    run = hand_made_run(tmp_path, "dry-1")
    before, before_comments = issue_count(raw), comments(raw, "TEL-1")
    report = sync_results(run, None, "dry-run")  # no Jira needed
    assert not any(a.done for a in report.actions)
    assert sorted(a.key for a in report.actions if a.kind == "comment") == ["BANK-1", "HOSP-1", "TEL-1", "TEL-3",
                                                                            "TEL-4"]  # fmt: skip
    assert sorted(a.detail for a in report.actions if a.kind == "bug") == [
        "High Bug (api_contract), 1 attachment(s)", "Medium Bug (data_rule), 1 attachment(s)",
        "Medium Bug (ui), 2 attachment(s)"]  # fmt: skip
    assert report.skipped == ["Unkeyed"] and report.summary().startswith("dry run: would add 5 comment(s) and open 3")
    assert issue_count(raw) == before and comments(raw, "TEL-1") == before_comments
    with pytest.raises(DoppelError, match="Jira is not configured"):
        sync_results(run, None, "failures")


def test_failures_open_one_bug_each_with_labels_priority_attachments_and_link(client: JiraClient, raw: Jira,
                                                                              tmp_path: Path) -> None:  # fmt: skip
    run = hand_made_run(tmp_path, "fail-1")
    before = issue_count(raw)
    report = sync_results(run, client, "failures")
    assert (report.bugs_opened, report.bugs_found, report.comments) == (3, 0, 3)
    assert (report.attachments, report.links) == (4, 3) and sorted(report.bugs) == ["BANK-1", "HOSP-1", "TEL-4"]
    assert issue_count(raw) == before + 3
    expected = {"TEL-4": ("Medium", "data-rule", ["log.html"]), "BANK-1": ("High", "api-contract", ["log.html"]),
                "HOSP-1": ("Medium", "ui", ["log.html", "HOSP-1-1.png"])}  # fmt: skip
    for key, (priority, pattern, files) in expected.items():
        bug = bug_of(raw, "fail-1", key)
        fields = bug["fields"]
        assert bug["key"] == report.bugs[key] and bug["key"].split("-")[0] == key.split("-")[0]  # its own project
        assert fields["issuetype"]["name"] == "Bug" and fields["priority"]["name"] == priority
        assert set(fields["labels"]) == {"doppel-bug", f"doppel-failure-{pattern}", fingerprint("fail-1", key)}
        assert [a["filename"] for a in fields["attachment"]] == files
        assert fields["summary"] == f"{key} failed: scenario" and "fail-1" in fields["description"]
        assert [(link["type"]["name"], (link.get("outwardIssue") or link.get("inwardIssue"))["key"])
                for link in fields["issuelinks"]] == [("Relates", key)]  # fmt: skip
        said = [c for c in comments(raw, key) if marker("fail-1") in c]
        assert len(said) == 1 and "*FAILED*" in said[0] and f"Bug: {bug['key']}" in said[0]
    shot = bug_of(raw, "fail-1", "HOSP-1")["fields"]["attachment"][1]
    assert raw.get(shot["content"], absolute=True, not_json_response=True) == PNG  # the screenshot itself, downloadable
    assert not any(marker("fail-1") in c for c in comments(raw, "TEL-1"))  # passed: not reported

    again = sync_results(run, client, "failures")
    assert (again.bugs_opened, again.bugs_found, again.comments, again.attachments, again.links) == (0, 3, 0, 0, 0)
    assert again.bugs == report.bugs and issue_count(raw) == before + 3
    assert len([c for c in comments(raw, "TEL-4") if marker("fail-1") in c]) == 1


def test_all_comments_on_every_scenario_and_a_resync_adds_nothing(client: JiraClient, raw: Jira,
                                                                  tmp_path: Path) -> None:  # fmt: skip
    run = hand_made_run(tmp_path, "all-1")
    before = issue_count(raw)
    report = sync_results(run, client, "all", link_type="Tests")
    assert (report.comments, report.bugs_opened) == (5, 3) and report.scenarios == 5
    passed = [c for c in comments(raw, "TEL-1") if marker("all-1") in c]
    assert len(passed) == 1 and "*PASSED* in 0.42 s" in passed[0]
    assert "*SKIPPED*" in next(c for c in comments(raw, "TEL-3") if marker("all-1") in c)
    assert bug_of(raw, "all-1", "TEL-4")["fields"]["issuelinks"][0]["type"]["name"] == "Tests"
    for policy in ("all", "failures"):
        again = sync_results(run, client, policy)  # type: ignore[arg-type]
        assert (again.comments, again.bugs_opened, again.attachments, again.links) == (0, 0, 0, 0)
    assert issue_count(raw) == before + 3


def test_a_resync_completes_what_a_broken_first_sync_left_out(client: JiraClient, raw: Jira, tmp_path: Path) -> None:
    run = hand_made_run(tmp_path, "broken-1")
    half = client.create_issue("HOSP", "HOSP-1 failed: scenario", "", "Bug", [fingerprint("broken-1", "HOSP-1")])
    report = sync_results(run, client, "failures")
    assert report.bugs["HOSP-1"] == half.key and report.bugs_found == 1 and report.bugs_opened == 2
    fields = raw.issue(half.key)["fields"]
    assert [a["filename"] for a in fields["attachment"]] == ["log.html", "HOSP-1-1.png"]
    assert [(x.get("outwardIssue") or x.get("inwardIssue"))["key"] for x in fields["issuelinks"]] == ["HOSP-1"]


def test_the_specialists_tools_read_jira_from_settings(mocks: MockSuite, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from tools.capability.registry import capabilities, get_capability

    assert {c.name for c in capabilities("test_case")} == {"fetch_test_scenarios", "generate_test_suites"}
    assert {c.name for c in capabilities("test_execution")} == {"run_test_suites", "sync_test_results"}
    monkeypatch.setenv("DOPPEL_JIRA__URL", mocks.urls["jira"])
    monkeypatch.setenv("DOPPEL_JIRA__TOKEN", TOKEN)
    fetched = get_capability("fetch_test_scenarios").run({"jql": "labels = doppel-bank ORDER BY key"})
    assert [s["key"] for s in fetched.model_dump()["scenarios"]] == ["BANK-1", "BANK-2", "BANK-3", "BANK-4"]
    hand_made_run(tmp_path, "tool-1")
    planned = get_capability("sync_test_results").run({"results": str(tmp_path)})  # dry run unless told
    assert planned.model_dump()["policy"] == "dry-run" and planned.model_dump()["bugs_opened"] == 0
    monkeypatch.delenv("DOPPEL_JIRA__URL")
    with pytest.raises(DoppelError, match=r"Jira is not configured: set \[jira\] url"):
        get_capability("sync_test_results").run({"results": str(tmp_path), "policy": "failures"})


# ------------------------------------------------------------------ the commands, end to end


def _env(mocks: MockSuite, home: Path) -> dict[str, str]:
    return {"DOPPEL_HOME": str(home), "DOPPEL_JIRA__URL": mocks.urls["jira"], "DOPPEL_JIRA__TOKEN": TOKEN,
            "DOPPEL_RETRY__INITIAL_DELAY": "0", "DOPPEL_RETRY__MAX_DELAY": "0", "COLUMNS": "200"}  # fmt: skip


def doppel(env: dict[str, str], *args: str) -> Any:
    done = CliRunner().invoke(app, list(args), env=env)
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    return done


def test_tests_generate_run_and_sync_commands(mocks: MockSuite, raw: Jira, tmp_path: Path) -> None:
    env = _env(mocks, tmp_path / "home")
    data = write_telecom(tmp_path / "data")
    database = load_sqlite(data, tmp_path / "target.sqlite3")
    load_rest(mocks.urls["rest"], "customers", data / "telecom_customers.csv")
    suites = tmp_path / "suites"
    made = doppel(env, "tests", "generate", "--jql", "labels = doppel-telecom ORDER BY key", "--data", str(data),
                  "--out", str(suites), "--rest-url", mocks.urls["rest"], "--db", database)  # fmt: skip
    assert made.exit_code == 0, made.stderr
    assert "4 suite(s) automated, 0 not" in made.stdout and "loyalty_points > 100000" in made.stdout

    ran = doppel(env, "tests", "run", str(suites), "--processes", "2")
    assert ran.exit_code == 0, ran.stderr  # a failed test is a result
    assert "4 tests: 3 passed, 1 failed" in ran.stdout and "(2 processes)" in ran.stdout
    assert re.search(r"\[\d/4\] TEL-4 FAIL", ran.stderr)  # progress, one line per finished test
    results = suites / "results"
    run = TestRun.load(results)

    planned = doppel(env, "tests", "sync", str(results))  # dry run by default
    assert planned.exit_code == 0 and "would add 4 comment(s) and open 1 Bug(s); nothing sent" in planned.stdout
    before = issue_count(raw)
    synced = doppel(env, "tests", "sync", str(results), "--policy", "failures")
    assert synced.exit_code == 0, synced.stderr
    assert "1 comment(s), 1 Bug(s) opened, 0 already open, 1 attachment(s), 1 link(s)" in synced.stdout
    bug = bug_of(raw, run.run_id, "TEL-4")
    assert "CUST-100008" in bug["fields"]["description"]  # the records the suite named
    again = doppel(env, "tests", "sync", str(results / "results.json"), "--policy", "failures")
    assert "0 comment(s), 0 Bug(s) opened, 1 already open" in again.stdout and issue_count(raw) == before + 1
    wrong = doppel(env, "tests", "sync", str(results), "--policy", "sometimes")
    assert wrong.exit_code == 2 and "is not one of all, failures, dry-run" in wrong.stderr


TELECOM_SCHEMA = """
name: telecom
version: 1
tables:
  telecom_customers:
    rows: 24
    fields:
      customer_id: {type: regex, pattern: "CUST-[0-9]{6}", unique: true, primary_key: true}
      msisdn: {type: regex, pattern: "07700 9[0-9]{5}"}
      first_name: {type: first_name, locale: en_GB}
      last_name: {type: last_name, locale: en_GB}
      email: {type: email, from: [first_name, last_name]}
      dob: {type: date, start: "1950-01-01", end: "2004-12-31"}
      gender: {type: enum, values: [M, F]}
      plan: {type: enum, values: [Smart 30GB, Family 200GB]}
      plan_type: {type: enum, values: [Postpaid, Prepaid]}
      contract_start: {type: date, start: "2022-01-01", end: "2024-12-31"}
      contract_end: {type: date, after: contract_start, min_delay: 30d, max_delay: 730d}
      churn_flag: {type: enum, values: ["yes", "no"]}
      loyalty_points: {type: integer, min: 0, max: 5000}
"""


def test_a_run_with_tests_completes_with_failures_as_results_and_a_linked_bug(mocks: MockSuite, raw: Jira,
                                                                               tmp_path: Path) -> None:  # fmt: skip
    """The workflow end to end: the run pauses before test_cases, the test loads the exported records into the
    targets (the distribute stage's job, another piece), then the run completes: exit 0, counts per stage, a
    failed scenario reported as a linked Bug."""
    env = _env(mocks, tmp_path / "home")
    (tmp_path / "telecom.yaml").write_text(TELECOM_SCHEMA)
    database = f"sqlite:///{tmp_path / 'target.sqlite3'}"
    config = tmp_path / "run.yaml"
    config.write_text(json.dumps({
        "name": "telecom", "schema_file": "telecom.yaml", "seed": 5, "approvals": ["before:test_cases"],
        "tests": {"rest_url": mocks.urls["rest"], "database": database, "processes": 2, "max_records": 10},
        "jira": {"policy": "failures"},
    }))  # fmt: skip
    started = doppel(env, "run", str(config))
    assert started.exit_code == 0, started.stdout + started.stderr
    assert "paused for approval at before:test_cases" in started.stdout
    run_id = re.search(r"doppel resume (\S+)", started.stdout).group(1)  # type: ignore[union-attr]
    export = tmp_path / "home" / "runs" / run_id / "export"
    load_sqlite(export, tmp_path / "target.sqlite3")
    load_rest(mocks.urls["rest"], "customers", export / "telecom_customers.csv")

    assert doppel(env, "runs", "approve", run_id).exit_code == 0
    done = doppel(env, "resume", run_id)
    assert done.exit_code == 0, done.stdout + done.stderr
    text = re.sub(r"\s+", " ", done.stdout)
    assert "completed" in text and "test_cases" in text
    assert "scenarios 4, suites 4, automated 4" in text  # each stage's counts as it completes
    assert "tests 4, passed 3, failed 1" in text and "4 tests: 3 passed, 1 failed" in text
    assert "Jira (failures): 1 comment(s), 1 Bug(s) opened" in text
    bug = bug_of(raw, run_id, "TEL-4")
    assert bug["fields"]["priority"]["name"] == "Medium" and "doppel-failure-data-rule" in bug["fields"]["labels"]
    assert [(x.get("outwardIssue") or x.get("inwardIssue"))["key"] for x in bug["fields"]["issuelinks"]] == ["TEL-4"]
    report = json.loads((tmp_path / "home" / "runs" / run_id / "report" / "jira-sync.json").read_text())
    assert report["bugs"] == {"TEL-4": bug["key"]}
    execute = tmp_path / "home" / "runs" / run_id / "execute"
    assert {"output.xml", "log.html", "report.html", "results.json"} <= {p.name for p in execute.iterdir()}
    events = [json.loads(line) for line in doppel(env, "runs", "events", run_id, "--json").stdout.splitlines()]
    streamed = [e for e in events if e["kind"] == "progress" and e["stage"] == "execute" and e["done"] > 0]
    assert streamed and all(e["total"] == 4 for e in streamed)  # the listener's stream, as the run's events
    per_test = sorted(e["action"].split(":")[0] for e in streamed if e["action"].startswith("TEL-"))
    assert per_test == ["TEL-1 PASS", "TEL-2 PASS", "TEL-3 PASS", "TEL-4 FAIL"]
    assert "columns sensitive" not in done.stdout  # no test result is shown as a column classification
