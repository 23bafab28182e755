"""The telecom playbook through the workflow with its targets (a SQLite file in the run's folder, the Salesforce
stand-in through Bulk 2.0, the REST stand-in), stand-ins started in-process and said to be stand-ins; counts
per target and table in the stage and the run summary; a second run replaces what the first loaded (no
piling up); `doppel unload RUN` removes what a run wrote."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import requests
from simple_salesforce import Salesforce

from agents.events import Decision
from agents.state import audit
from agents.workflow import api
from mocks.rest import RestStandIn
from mocks.salesforce import SESSION_ID, SalesforceStandIn
from tests.targets_support import database_rows, expected
from tests.workflow_support import Collect, cli, settings_in, telecom_config
from tools.settings import Settings

TARGETS = ("telecom_db", "crm", "customer_api")


@dataclass
class Run:
    settings: Settings
    status: api.RunStatus
    events: Collect


def _run(settings: Settings, seed: int) -> Run:
    events = Collect()
    config = telecom_config(rows=80, sample_rows=300, seed=seed)
    status = api.start_run(config, approve_all=True, sink=events, settings=settings)
    assert status.state == "completed", status
    return Run(settings, status, events)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def first(home: Path) -> Run:
    return _run(settings_in(home), seed=42)


def _held(home: Path) -> tuple[set[str], set[str]]:
    """External ids of the Accounts and ids of the REST customers the stand-ins hold (their state in home)."""
    with SalesforceStandIn(0, home / "mocks") as sf:
        session = requests.Session()
        session.verify, session.trust_env = sf.ca_bundle, False
        client = Salesforce(instance_url=sf.url, session_id=SESSION_ID, session=session)
        accounts = {r["External_Id__c"] for r in client.query_all("SELECT External_Id__c FROM Account")["records"]}
    with RestStandIn(0, home / "mocks") as rest:
        items = httpx.get(f"{rest.url}/customers?limit=100000", trust_env=False, timeout=30).json()["items"]
    return accounts, {i["customer_id"] for i in items}


def test_distribute_loads_every_target_and_says_stand_ins(first: Run, home: Path) -> None:
    stages = {s.stage: s for s in first.status.stages}
    distribute = stages["distribute"]
    assert distribute.state == "completed"
    assert (distribute.message or "").startswith(
        "stand-ins (local imitations, not the real systems): crm, customer_api;"
    )
    run_dir = first.status.artifacts_dir
    want = expected(run_dir / "export")["telecom_customers"]  # each customer id once
    counts = json.loads((run_dir / "distribute" / "distribute.json").read_text(encoding="utf-8"))
    by_target = {t["name"]: t for t in counts["targets"]}
    assert list(by_target) == list(TARGETS) and all(t["ok"] for t in by_target.values())
    assert counts["stand_ins"] == ["crm", "customer_api"] and not by_target["telecom_db"]["stand_in"]
    for name in ("telecom_db", "crm"):
        (table,) = by_target[name]["tables"]
        assert table["loaded"] == len(want) and table["rows"] == 80, name
    (rest,) = by_target["customer_api"]["tables"]
    assert rest["loaded"] + rest["rejected"] == 80 and rest["loaded"] > 0

    stand_ins = [e for e in first.events.events if isinstance(e, Decision) and e.subject == "targets"]
    assert len(stand_ins) == 1 and "stand-ins" in stand_ins[0].decision
    report = (run_dir / "report" / "report.md").read_text(encoding="utf-8")
    row = next(line for line in report.splitlines() if line.startswith("| distribute |"))
    assert f"crm/telecom_customers loaded {len(want)}" in row and "stand-ins (local imitations" in row
    assert "customer_api/telecom_customers rejected" in row

    held = database_rows(f"sqlite:///{run_dir / 'telecom.sqlite'}", "telecom_customers", "customer_id")
    assert held == want  # the SQLite file in the run's folder holds exactly the data
    accounts, customers = _held(home)
    assert accounts == set(want) and len(customers) == rest["loaded"]
    loads = [e.detail for e in audit.query(first.settings, audit.AuditFilter(kind="external_call"))]
    assert [d["event"] for d in loads] == ["load"] and [t["name"] for t in loads[0]["targets"]] == list(TARGETS)


def test_a_second_run_replaces_the_first_and_unload_removes_a_run(first: Run, home: Path) -> None:
    second = _run(first.settings, seed=7)
    report = json.loads((second.status.artifacts_dir / "distribute" / "distribute.json").read_text(encoding="utf-8"))
    by_target = {t["name"]: t for t in report["targets"]}
    assert by_target["crm"]["replaced"] > 0 and by_target["customer_api"]["replaced"] > 0
    want = expected(second.status.artifacts_dir / "export")["telecom_customers"]
    accounts, customers = _held(home)
    assert accounts == set(want)  # the first run's records are gone: refreshed, not piled up
    assert len(customers) == by_target["customer_api"]["tables"][0]["loaded"]

    done = cli("unload", second.status.run_id, home=home)
    assert done.exit_code == 0, done.output
    for name in TARGETS:
        assert f"✓ {name} (" in done.stdout
    assert "STAND-IN" in done.stdout and "stand-ins (local imitations, not the real systems)" in done.stdout
    assert _held(home) == (set(), set())
    run_db = f"sqlite:///{second.status.artifacts_dir / 'telecom.sqlite'}"
    assert database_rows(run_db, "telecom_customers", "customer_id") == {}
