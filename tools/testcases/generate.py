"""``doppel tests generate``: Jira scenarios (JQL) into Robot suites over a data folder's synthetic records.

Writes into ``out``: one ``<KEY>.robot`` per scenario, ``doppel.resource``, ``records.json`` (values of the
records REST and page checks send and compare) and ``manifest.json`` (the query, the parsed scenarios, the
plans: which records each suite uses and why, what could not be automated). Generating again into the same
folder replaces the suites the previous manifest listed.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tools.atlassian.jira import JiraClient
from tools.errors import DoppelError
from tools.files import write_json_atomic, write_text_atomic
from tools.progress import ProgressCallback, no_progress
from tools.redact import has_secret, redact
from tools.testcases.data import DataFolder
from tools.testcases.fetch import fetch_scenarios
from tools.testcases.mapping import plan_scenarios
from tools.testcases.model import Scenario, TestPlan
from tools.testcases.rest_rules import describe_rest
from tools.testcases.writer import RECORDS, RESOURCE, resource_file, suite_file

MANIFEST = "manifest.json"
DEFAULT_REST_URL = "http://127.0.0.1:8803"


class GenerateSuitesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    jql: str = Field(min_length=1, description='the JQL that selects the scenarios, e.g. labels = "doppel-telecom"')
    data: Path = Field(description="folder of the synthetic tables the suites draw their records from")
    out: Path = Field(description="folder the .robot suites are written to")
    rest_url: str | None = Field(None, description="base URL of the REST target (its GET / rules pick valid records)")
    database: str | None = Field(
        None, description="SQLAlchemy URL of the target database the data checks read (default: sqlite in out)"
    )
    max_records: int = Field(100, ge=1, le=10_000, description="records a data check names at most")
    seed: int = Field(0, ge=0, description="seed of the record choice when more records qualify")


class SuiteSummary(BaseModel):
    key: str
    file: str
    summary: str
    table: str | None = None
    records: int = 0
    checks: list[str] = Field(default_factory=list, description="what the suite checks, in words")
    automated: bool
    unmapped: list[str] = Field(default_factory=list)


class GenerateSuitesResult(BaseModel):
    out: Path
    jql: str
    scenarios: int
    automated: int
    not_automated: int
    records: int = Field(description="records named by the suites, in all")
    suites: list[SuiteSummary]
    warnings: list[str] = Field(default_factory=list)


def _checks(plan: TestPlan) -> list[str]:
    out = []
    if plan.rest is not None:
        out.append(f"POST /{plan.rest.resource} answers {plan.rest.expect_status or 'any status'}")
        if plan.rest.error_field:
            out.append(f"the error names {plan.rest.error_field}")
    if plan.page is not None:
        out.append(f"page /ui/{plan.page.resource}/<key> shows {', '.join(plan.page.fields)}")
    out += [c.rule for c in plan.checks]
    out += [f"{r.column} -> {r.parent_table}.{r.parent_column}" for r in plan.references]
    return out


def _records_document(plans: list[TestPlan], data: DataFolder) -> dict[str, dict[str, dict[str, Any]]]:
    document: dict[str, dict[str, dict[str, Any]]] = {}
    for plan in plans:
        if not (plan.rest or plan.page) or not plan.table or not plan.automated:
            continue
        table = data[plan.table]
        for key in plan.records:
            document.setdefault(plan.table, {})[key] = table.record(key)
    return document


def _clear_previous(out: Path) -> None:
    manifest = out / MANIFEST
    if not manifest.is_file():
        return
    try:
        previous = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    for item in previous.get("suites", []):
        path = out / str(item.get("file", ""))
        if path.suffix == ".robot" and path.parent == out and path.is_file():
            path.unlink()


def suite_file_name(key: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in key) + ".robot"


def generate_suites(
    request: GenerateSuitesRequest,
    client: JiraClient,
    progress: ProgressCallback | None = None,
    today: date | None = None,
) -> GenerateSuitesResult:
    """Fetch, parse, plan and write the suites (see the module docstring)."""
    progress = progress or no_progress
    progress(f"Fetching scenarios from Jira: {request.jql}", 0, None)
    scenarios = fetch_scenarios(client, request.jql)
    warnings: list[str] = []
    rest_url = (request.rest_url or DEFAULT_REST_URL).rstrip("/")
    rest = describe_rest(rest_url) if request.rest_url else None
    if request.rest_url and rest is None:
        warnings.append(f"the REST target at {rest_url} describes no rules at GET /: records chosen without them")
    progress(f"Reading the synthetic tables of {request.data}", 0, None)
    data = DataFolder(request.data, rest)
    out = request.out
    out.mkdir(parents=True, exist_ok=True)
    database = request.database or f"sqlite:///{(out / 'target.sqlite3').resolve()}"
    if has_secret(database):
        warnings.append("the database URL holds a password: it is not written; set DOPPEL_TEST_DB when running")
        database = redact(database)
    plans = plan_scenarios(scenarios, data, rest, max_records=request.max_records, seed=request.seed, today=today)
    if request.database is None and any(p.uses_database and p.automated for p in plans):
        warnings.append(f"no target database given: the data checks read {database} unless DOPPEL_TEST_DB says")
    _clear_previous(out)
    step = f"Writing {len(plans)} Robot suite(s)"
    suites = []
    by_key = {s.key: s for s in scenarios}
    for i, plan in enumerate(plans):
        progress(step, i, len(plans))
        name = suite_file_name(plan.key)
        write_text_atomic(out / name, suite_file(plan, by_key[plan.key]))
        suites.append(
            SuiteSummary(
                key=plan.key,
                file=name,
                summary=plan.summary,
                table=plan.table,
                records=len(plan.records),
                checks=_checks(plan),
                automated=plan.automated,
                unmapped=plan.unmapped + ([] if plan.automated else plan.notes),
            )
        )
        if not plan.automated:
            warnings.append(f"{plan.key}: not automated ({'; '.join(plan.unmapped or plan.notes)})")
    write_text_atomic(out / RESOURCE, resource_file(rest_url, database))
    write_json_atomic(out / RECORDS, _records_document(plans, data))
    write_json_atomic(
        out / MANIFEST,
        {
            "jql": request.jql,
            "data": str(request.data),
            "rest_url": rest_url,
            "database": database,
            "suites": [s.model_dump(mode="json") for s in suites],
            "scenarios": [s.model_dump(mode="json", exclude_defaults=True) for s in scenarios],
            "plans": [p.model_dump(mode="json", exclude_defaults=True) for p in plans],
        },
    )
    progress(step, len(plans), len(plans))
    automated = sum(s.automated for s in suites)
    return GenerateSuitesResult(
        out=out, jql=request.jql, scenarios=len(scenarios), automated=automated,
        not_automated=len(suites) - automated, records=sum(s.records for s in suites), suites=suites,
        warnings=warnings,
    )  # fmt: skip


def load_manifest(folder: Path) -> dict[str, Any]:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise DoppelError(f"{folder}: no {MANIFEST}; generate the suites with `doppel tests generate` first")
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def scenarios_of(manifest: dict[str, Any]) -> dict[str, Scenario]:
    return {s["key"]: Scenario.model_validate(s) for s in manifest.get("scenarios", [])}
