"""test_cases, execute, and the Jira sync of the report stage: a run's ``tests`` and ``jira`` sections.

- test_cases: the scenarios the JQL selects (default: labels = "doppel-<run name>") into Robot suites over
  the exported synthetic records (``tools.testcases``), written into the stage folder.
- execute: the suites run with pabot (``tools.testrun``), each finished test a Progress event as the
  listener streams it (``TEL-4 FAIL: ...``); failed tests are results, so the stage completes and its
  counts say how many failed. (No Decision events: the CLI renders a stage's Decisions as column
  classifications.)
- report: the run's summary (``report.report``), then the results to Jira by ``jira.policy``
  (``jira-sync.json``; none when no test ran or the policy is ``none``).

The target database and REST target come from the ``tests`` section, else from the run's targets (the
first ``rest`` target's ``url``, the first SQL target's ``url``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agents.workflow.config import RunConfig
from agents.workflow.context import StageContext, StageOutput
from agents.workflow.stages import delivery
from agents.workflow.stages import report as summary
from tools.errors import DoppelError
from tools.files import write_json_atomic
from tools.progress import ProgressCallback

NO_TESTS = "no tests configured"
SQL_KINDS = ("sql", "database", "db", "sqlite", "postgres", "postgresql", "mysql")
SYNC = "jira-sync.json"


def no_tests(config: RunConfig) -> str | None:
    """Why test_cases and execute do not apply (None: they do)."""
    if config.tests is not None:
        return None
    return NO_TESTS if config.targets else delivery.NO_TARGETS


def default_jql(config: RunConfig) -> str:
    assert config.tests is not None
    return config.tests.jql or f'labels = "doppel-{config.name}" ORDER BY key'


def endpoints(context: StageContext) -> tuple[str | None, str | None]:
    """(REST base URL, database URL) the tests use: the ``tests`` section's, else the run's targets'."""
    from tools.targets.resolve import endpoints_for_tests

    config = context.config
    assert config.tests is not None
    rest, database = endpoints_for_tests(config.targets, context.settings, context.run_dir)
    return config.tests.rest_url or rest, config.tests.database or database


def _data_folder(context: StageContext) -> Path:
    from tools.ingest.readers import SUPPORTED

    for stage in ("export", "synthesise"):
        folder = context.stage_dir(stage)
        if folder.is_dir() and any(p.suffix.lower() in SUPPORTED for p in folder.iterdir()):
            return folder
    raise DoppelError("tests: no synthetic tables to draw records from (export and synthesise left none readable)")


def _jira(context: StageContext) -> Any:
    from tools.atlassian.jira import JiraClient

    settings = context.settings
    if not settings.jira.url:
        raise DoppelError("tests: Jira is not configured; set [jira] url and credentials in doppel.toml")
    return JiraClient(settings.jira, settings.retry,
                      hook=lambda call: context.audit("external_call", call.model_dump(mode="json")))  # fmt: skip


def test_cases(context: StageContext, progress: ProgressCallback) -> StageOutput:
    from tools.testcases.generate import GenerateSuitesRequest, generate_suites

    config = context.config
    assert config.tests is not None
    rest, database = endpoints(context)
    request = GenerateSuitesRequest(
        jql=default_jql(config), data=_data_folder(context), out=context.work, rest_url=rest,
        database=database, max_records=config.tests.max_records, seed=context.seed % (2**32),
    )  # fmt: skip
    result = generate_suites(request, _jira(context), progress, today=context.today)
    return StageOutput(
        counts={"scenarios": result.scenarios, "suites": len(result.suites), "automated": result.automated,
                "not_automated": result.not_automated, "records": result.records},
        message="; ".join(result.warnings) or None,
        summary={"suites": [s.file for s in result.suites]},
    )  # fmt: skip


test_cases.__test__ = False  # type: ignore[attr-defined]  # a stage, not a pytest test


def execute(context: StageContext, progress: ProgressCallback) -> StageOutput:
    from tools.testrun.runner import run_suites

    config = context.config
    assert config.tests is not None
    rest, database = endpoints(context)
    run = run_suites(context.stage_dir("test_cases"), context.work, config.tests.processes, run_id=context.run_id,
                     rest_url=rest, database=database, progress=progress)  # fmt: skip
    volatile = sorted(p.relative_to(context.work).as_posix() for p in context.work.rglob("*") if p.is_file())
    t = run.totals
    return StageOutput(
        counts={"suites": run.suites, "tests": t.tests, "passed": t.passed, "failed": t.failed, "skipped": t.skipped},
        message=run.summary() + (" (failed tests are results: see execute/log.html)" if t.failed else ""),
        volatile=volatile,  # Robot's outputs record times
    )


def report(context: StageContext, progress: ProgressCallback) -> StageOutput:
    output = summary.report(context, progress)
    policy = context.config.jira.policy
    results = context.stage_dir("execute") / "results.json"
    if policy == "none" or context.config.tests is None or not results.is_file():
        return output
    from tools.atlassian.jira_sync import sync_results
    from tools.testcases.generate import MANIFEST, load_manifest, scenarios_of
    from tools.testrun.model import TestRun

    run = TestRun.load(results)
    scenarios, records = {}, {}
    if (context.stage_dir("test_cases") / MANIFEST).is_file():
        manifest = load_manifest(context.stage_dir("test_cases"))
        scenarios = scenarios_of(manifest)
        records = {p["key"]: list(p.get("records", [])) for p in manifest.get("plans", [])}
    client = None if policy == "dry-run" else _jira(context)
    synced = sync_results(run, client, policy, context.stage_dir("execute"), scenarios=scenarios, records=records,
                          link_type=context.config.jira.link_type, progress=progress)  # fmt: skip
    write_json_atomic(context.work / SYNC, synced.model_dump(mode="json"))
    if policy == "dry-run":
        planned = [a for a in synced.actions if not a.done]
        output.counts |= {"jira_planned_comments": sum(a.kind == "comment" for a in planned),
                          "jira_planned_bugs": sum(a.kind == "bug" for a in planned)}  # fmt: skip
    else:
        output.counts |= {"jira_comments": synced.comments, "jira_bugs_opened": synced.bugs_opened,
                          "jira_bugs_found": synced.bugs_found}  # fmt: skip
    output.message = f"Jira ({policy}): {synced.summary()}"
    output.volatile = [*output.volatile, SYNC]  # issue keys differ from one Jira to the next
    return output
