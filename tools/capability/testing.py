"""Test capabilities: Jira scenarios into Robot suites (test_case), run them and report back (test_execution).

Jira comes from settings (``[jira]`` url and credentials, ``[retry]``): a tool's caller never passes a
credential. The target database and REST target are given by URL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tools.atlassian.jira_sync import SyncPolicy, SyncReport
from tools.capability.registry import capability
from tools.errors import DoppelError
from tools.progress import ProgressCallback
from tools.testcases.generate import GenerateSuitesRequest, GenerateSuitesResult
from tools.testcases.model import Scenario
from tools.testrun.model import Status, Totals


def jira_client(settings: Any = None) -> Any:
    """Doppel's Jira client from settings; a clear error when ``[jira] url`` is not set."""
    from tools.atlassian.jira import JiraClient
    from tools.settings import load_settings

    settings = settings or load_settings()
    if not settings.jira.url:
        raise DoppelError("Jira is not configured: set [jira] url and credentials in doppel.toml (or DOPPEL_JIRA__URL)")
    return JiraClient(settings.jira, settings.retry)


class FetchScenariosRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    jql: str = Field(min_length=1, description='e.g. labels = "doppel-telecom" ORDER BY key')
    limit: int = Field(200, ge=1, le=1000)


class FetchScenariosResult(BaseModel):
    jql: str
    scenarios: list[Scenario]


@capability("test_case")
def fetch_test_scenarios(
    request: FetchScenariosRequest, progress: ProgressCallback | None = None
) -> FetchScenariosResult:
    """Fetch the Jira test scenarios a JQL query selects and parse each one (Gherkin or free text) into its
    objective, preconditions, steps and expected outcome."""
    from tools.testcases.fetch import fetch_scenarios

    return FetchScenariosResult(jql=request.jql, scenarios=fetch_scenarios(jira_client(), request.jql, request.limit))


@capability("test_case", long_running=True)
def generate_test_suites(
    request: GenerateSuitesRequest, progress: ProgressCallback | None = None
) -> GenerateSuitesResult:
    """Turn the Jira scenarios a JQL query selects into Robot Framework suites (one .robot file per scenario,
    tagged with its Jira key) that name the synthetic records of a data folder they use, by primary key, with
    checks in the target database, the REST target and its pages."""
    from tools.testcases.generate import generate_suites

    return generate_suites(request, jira_client(), progress)


class RunSuitesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    suites: Path = Field(description="folder of .robot suites (from generate_test_suites)")
    out: Path | None = Field(None, description="results folder (default: <suites>/results)")
    processes: int = Field(2, ge=1, le=32, description="suites run at the same time, one per process")
    rest_url: str | None = Field(None, description="REST target base URL (default: the one the suites were made for)")
    database: str | None = Field(None, description="target database SQLAlchemy URL (default: the suites')")


class TestLine(BaseModel):
    __test__ = False

    key: str | None
    name: str
    status: Status
    seconds: float
    message: str = ""
    screenshots: list[str] = Field(default_factory=list)


class RunSuitesResult(BaseModel):
    run_id: str
    out: Path
    totals: Totals
    seconds: float
    summary: str
    tests: list[TestLine]


@capability("test_execution", long_running=True)
def run_test_suites(request: RunSuitesRequest, progress: ProgressCallback | None = None) -> RunSuitesResult:
    """Run a folder of Robot suites in parallel with pabot (one suite per process), streaming progress; keeps
    output.xml, log.html, report.html, per-test timings and screenshots of failed page checks. Failed tests
    are results: the summary says how many failed."""
    from tools.testrun.runner import run_suites

    out = request.out or request.suites / "results"
    run = run_suites(request.suites, out, request.processes, rest_url=request.rest_url, database=request.database,
                     progress=progress)  # fmt: skip
    return RunSuitesResult(
        run_id=run.run_id, out=out, totals=run.totals, seconds=run.duration, summary=run.summary(),
        tests=[TestLine(key=t.key, name=t.name, status=t.status, seconds=t.duration, message=t.message[:300],
                        screenshots=t.screenshots) for t in run.tests],
    )  # fmt: skip


class SyncResultsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    results: Path = Field(description="a results folder (or its results.json) from run_test_suites")
    policy: SyncPolicy = Field("dry-run", description="all, failures, or dry-run (nothing sent)")
    link_type: str = Field("Relates", description="the Jira link type from a Bug to its scenario")


@capability("test_execution")
def sync_test_results(request: SyncResultsRequest, progress: ProgressCallback | None = None) -> SyncReport:
    """Report a test run to Jira by policy: a comment on every scenario (all), a Bug per failure with labels,
    a priority from the failure pattern, log and screenshots attached and a link to its scenario (all,
    failures), or only what would be done (dry-run). Syncing the same run again duplicates nothing."""
    return sync_run(request.results, request.policy, request.link_type, progress=progress)


def sync_run(
    results: Path,
    policy: SyncPolicy,
    link_type: str = "Relates",
    settings: Any = None,
    progress: ProgressCallback | None = None,
) -> SyncReport:
    """Sync the run in ``results`` (a folder or its results.json), scenarios and records from the suites'
    manifest when it is still there."""
    from tools.atlassian.jira_sync import sync_results
    from tools.testcases.generate import MANIFEST, load_manifest, scenarios_of
    from tools.testrun.model import TestRun

    run = TestRun.load(results)
    folder = Path(results) if Path(results).is_dir() else Path(results).parent
    scenarios: dict[str, Scenario] = {}
    records: dict[str, list[str]] = {}
    if (Path(run.suites_dir) / MANIFEST).is_file():
        manifest = load_manifest(Path(run.suites_dir))
        scenarios = scenarios_of(manifest)
        records = {p["key"]: list(p.get("records", [])) for p in manifest.get("plans", [])}
    client = None if policy == "dry-run" else jira_client(settings)
    return sync_results(run, client, policy, folder, scenarios=scenarios, records=records, link_type=link_type,
                        progress=progress)  # fmt: skip
