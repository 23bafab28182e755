"""Test results back to Jira, by policy, idempotently.

Policies: ``all`` comments on every scenario and opens a Bug per failure; ``failures`` does both for failed
scenarios only; ``dry-run`` works out what ``all`` would do and touches nothing (no Jira connection needed).

A Bug is opened in the scenario's project with labels (``doppel-bug``, ``doppel-failure-<pattern>`` and a
fingerprint ``doppel-fp-<hash of run id and scenario key>``), a priority from the failure pattern
(:mod:`tools.testrun.patterns`), the run's ``log.html`` and the test's screenshots attached, and a link to
its scenario. Syncing a run again finds each Bug by its fingerprint (and adds only what a broken first sync
left out), and skips every comment the scenario already holds for the run (``[doppel-run:<run id>]``), so
nothing is ever duplicated.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from tools.atlassian.jira import JiraClient
from tools.progress import ProgressCallback, no_progress
from tools.testcases.fetch import BUG_LABEL
from tools.testcases.model import Scenario
from tools.testrun.model import TestResult, TestRun
from tools.testrun.patterns import priority_of

SyncPolicy = Literal["all", "failures", "dry-run"]
POLICIES: tuple[SyncPolicy, ...] = ("all", "failures", "dry-run")
ActionKind = Literal["comment", "bug", "bug_found", "attachment", "link"]
MESSAGE_LIMIT = 2000
STATUS_WORDS = {"PASS": "PASSED", "FAIL": "FAILED", "SKIP": "SKIPPED", "NOT RUN": "NOT RUN"}


class SyncAction(BaseModel):
    kind: ActionKind
    key: str = Field(description="the issue acted on")
    detail: str
    done: bool = Field(description="False: planned only (dry run) or already there")


class SyncReport(BaseModel):
    run_id: str
    policy: SyncPolicy
    scenarios: int = Field(description="tests with a Jira key")
    comments: int = 0
    bugs_opened: int = 0
    bugs_found: int = Field(0, description="Bugs an earlier sync of this run opened")
    attachments: int = 0
    links: int = 0
    bugs: dict[str, str] = Field(default_factory=dict, description="scenario key -> Bug key")
    actions: list[SyncAction] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list, description="tests without a Jira key")

    def summary(self) -> str:
        if self.policy == "dry-run":
            planned = [a for a in self.actions if not a.done]
            bugs = sum(a.kind == "bug" for a in planned)
            comments = sum(a.kind == "comment" for a in planned)
            return f"dry run: would add {comments} comment(s) and open {bugs} Bug(s); nothing sent"
        return (
            f"{self.comments} comment(s), {self.bugs_opened} Bug(s) opened, {self.bugs_found} already open, "
            f"{self.attachments} attachment(s), {self.links} link(s)"
        )


def fingerprint(run_id: str, key: str) -> str:
    """The label that identifies the Bug of one scenario in one run."""
    return "doppel-fp-" + hashlib.sha256(f"{run_id}|{key}".encode()).hexdigest()[:16]


def marker(run_id: str) -> str:
    return f"[doppel-run:{run_id}]"


def _seconds(value: float) -> str:
    return f"{value:.2f} s"


def _comment(run: TestRun, test: TestResult, bug: str | None) -> str:
    lines = [
        f"{marker(run.run_id)} Doppel test run *{STATUS_WORDS[test.status]}* in {_seconds(test.duration)}: {test.name}"
    ]
    if test.status != "PASS" and test.message:
        lines.append("{noformat}" + test.message[:MESSAGE_LIMIT] + "{noformat}")
    if bug:
        lines.append(f"Bug: {bug}")
    lines.append(f"Run: {run.summary()} ({run.processes} processes, {_seconds(run.duration)})")
    return "\n".join(lines)


def _bug_description(run: TestRun, test: TestResult, scenario: Scenario | None, records: list[str]) -> str:
    lines = [
        f"Doppel's test run {run.run_id} failed the scenario {test.key}: {test.name}.",
        "",
        f"*Failure pattern:* {test.pattern or 'other'}",
        f"*Duration:* {_seconds(test.duration)}" + (f", started {test.start:%Y-%m-%d %H:%M:%S}" if test.start else ""),
        f"*Suite:* {test.suite} ({Path(test.source).name if test.source else 'unknown file'})",
    ]
    if records:
        shown = ", ".join(records[:20]) + (f" and {len(records) - 20} more" if len(records) > 20 else "")
        lines.append(f"*Synthetic records:* {shown}")
    if scenario is not None and scenario.url:
        lines.append(f"*Scenario:* {scenario.url}")
    lines += ["", "*Message:*", "{noformat}", test.message[:MESSAGE_LIMIT] or "(none)", "{noformat}", ""]
    lines.append(
        "Attached: log.html" + (", " + ", ".join(Path(s).name for s in test.screenshots) if test.screenshots else "")
    )
    return "\n".join(lines)


def _files(run: TestRun, test: TestResult, results_dir: Path) -> list[Path]:
    files = [results_dir / run.log_html] + [results_dir / s for s in test.screenshots]
    return [f for f in files if f.is_file()]


def sync_results(
    run: TestRun,
    client: JiraClient | None,
    policy: SyncPolicy,
    results_dir: Path | None = None,
    *,
    scenarios: dict[str, Scenario] | None = None,
    records: dict[str, list[str]] | None = None,
    link_type: str = "Relates",
    progress: ProgressCallback | None = None,
) -> SyncReport:
    """Report ``run`` to Jira as ``policy`` says (see the module docstring)."""
    progress = progress or no_progress
    results_dir = Path(results_dir or run.out_dir)
    scenarios, records = scenarios or {}, records or {}
    keyed = [t for t in run.tests if t.key]
    report = SyncReport(run_id=run.run_id, policy=policy, scenarios=len({t.key for t in keyed}),
                        skipped=[t.name for t in run.tests if not t.key])  # fmt: skip
    chosen = keyed if policy != "failures" else [t for t in keyed if t.status == "FAIL"]
    dry = policy == "dry-run"
    if not dry and client is None:
        from tools.errors import DoppelError

        raise DoppelError("Jira is not configured: set [jira] url and credentials, or use --policy dry-run")
    step = f"Reporting {len(chosen)} result(s) to Jira ({policy})"
    for i, test in enumerate(chosen):
        progress(step, i, len(chosen))
        assert test.key is not None
        bug = None
        if test.status == "FAIL":
            bug = _bug(run, test, client, dry, report, results_dir, scenarios.get(test.key), records.get(test.key, []),
                       link_type)  # fmt: skip
        _add_comment(run, test, bug, client, dry, report)
    progress(step, len(chosen), len(chosen))
    return report


def _add_comment(
    run: TestRun, test: TestResult, bug: str | None, client: JiraClient | None, dry: bool, report: SyncReport
) -> None:
    assert test.key is not None
    detail = f"{STATUS_WORDS[test.status].lower()}" + (f", Bug {bug}" if bug else "")
    if dry or client is None:
        report.actions.append(SyncAction(kind="comment", key=test.key, detail=detail, done=False))
        return
    if any(marker(run.run_id) in body for body in client.comments(test.key)):
        report.actions.append(SyncAction(kind="comment", key=test.key, detail="already commented", done=False))
        return
    client.comment(test.key, _comment(run, test, bug))
    report.comments += 1
    report.actions.append(SyncAction(kind="comment", key=test.key, detail=detail, done=True))


def _bug(
    run: TestRun,
    test: TestResult,
    client: JiraClient | None,
    dry: bool,
    report: SyncReport,
    results_dir: Path,
    scenario: Scenario | None,
    records: list[str],
    link_type: str,
) -> str | None:
    assert test.key is not None
    pattern = test.pattern or "other"
    label = fingerprint(run.run_id, test.key)
    priority = priority_of(pattern)
    files = _files(run, test, results_dir)
    if dry or client is None:
        report.actions.append(
            SyncAction(
                kind="bug", key=test.key, detail=f"{priority} Bug ({pattern}), {len(files)} attachment(s)", done=False
            )
        )
        return None
    found = client.search(f'labels = "{label}" ORDER BY key', limit=1)
    if found:
        bug_key = found[0].key
        report.bugs_found += 1
        report.actions.append(SyncAction(kind="bug_found", key=bug_key, detail=f"for {test.key}", done=False))
    else:
        project = (scenario.project if scenario and scenario.project else None) or test.key.rsplit("-", 1)[0]
        labels = [BUG_LABEL, f"doppel-failure-{pattern.replace('_', '-')}", label]
        summary = f"{test.key} failed: {test.name.removeprefix(test.key).strip()}"[:250]
        created = client.create_issue(project, summary, _bug_description(run, test, scenario, records), "Bug",
                                      labels, priority)  # fmt: skip
        bug_key = created.key
        report.bugs_opened += 1
        report.actions.append(SyncAction(kind="bug", key=bug_key, detail=f"{priority} Bug for {test.key}", done=True))
    report.bugs[test.key] = bug_key
    attached = set(client.attachments(bug_key)) if found else set()
    for path in files:
        if path.name in attached:
            continue
        client.attach(bug_key, path)
        report.attachments += 1
        report.actions.append(SyncAction(kind="attachment", key=bug_key, detail=path.name, done=True))
    if not found or test.key not in client.linked(bug_key):
        client.link(bug_key, test.key, link_type)
        report.links += 1
        report.actions.append(SyncAction(kind="link", key=bug_key, detail=f"{link_type} {test.key}", done=True))
    return bug_key
