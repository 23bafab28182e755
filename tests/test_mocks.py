"""The stand-ins in mocks/ used by the real, unmodified clients over real HTTP(S) on 127.0.0.1, Doppel's
wrappers retrying injected faults to success, state surviving a restart, `doppel mocks`, and moto's S3."""

from __future__ import annotations

import csv
import io
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
import requests
from atlassian import Confluence, Jira
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from mocks.content import EXPECTED_FAILURE
from mocks.jira import JiraStandIn
from mocks.rest import RestStandIn
from mocks.salesforce import SalesforceStandIn
from mocks.suite import MockSuite
from tests.mock_support import (
    FAST_RETRY,
    PASSWORD,
    QUIET,
    S3_CREDENTIALS,
    SESSION_ID,
    TOKEN,
    USERNAME,
    confluence_settings,
    jira_settings,
    salesforce_session,
)
from tools.atlassian.confluence import ConfluenceClient
from tools.atlassian.http import AtlassianCall, AtlassianError, AtlassianUnavailable
from tools.atlassian.jira import JiraClient

ROOT = Path(__file__).resolve().parents[1]


def salesforce(suite: MockSuite) -> Salesforce:
    return Salesforce(instance_url=suite.urls["salesforce"], session_id=SESSION_ID, session=salesforce_session(suite))


# ---------------------------------------------------------------- doppel mocks


def test_doppel_mocks_prints_one_line_per_stand_in_and_serves(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DOPPEL_HOME": str(tmp_path / "home")}
    command = [sys.executable, "-c", "from server.cli import main; main()", "mocks", "--port", "0"]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    with subprocess.Popen(command, cwd=tmp_path, env=env, **pipes) as proc:  # type: ignore[call-overload]
        assert proc.stdout is not None
        lines = [proc.stdout.readline().rstrip("\n") for _ in range(4)]
        urls = dict(line.split(" ") for line in lines)
        assert list(urls) == ["confluence", "jira", "salesforce", "rest"]
        assert all(len(line.split(" ")) == 2 for line in lines)
        assert urls["salesforce"].startswith("https://127.0.0.1:")
        assert all(urls[n].startswith("http://127.0.0.1:") for n in ("confluence", "jira", "rest"))
        # every printed URL answers at once: bound before it was printed
        jira = Jira(url=urls["jira"], username=USERNAME, password=PASSWORD)
        assert jira.get_project("TEL")["name"] == "Telecom"
        assert Confluence(url=urls["confluence"], token=TOKEN).cql("type = page", limit=1)["results"]
        assert "customers" in requests.get(urls["rest"] + "/", timeout=30).json()["resources"]
        session = requests.Session()
        session.verify = str(tmp_path / "home" / "mocks" / "salesforce-cert.pem")
        session.trust_env = False
        sf = Salesforce(instance_url=urls["salesforce"], session_id=SESSION_ID, session=session)
        assert sf.Account.describe()["name"] == "Account"
        proc.send_signal(signal.SIGINT)
        assert proc.wait() == 0
        assert proc.stdout.read() == ""  # nothing but the four lines on stdout
    assert (tmp_path / "home" / "mocks" / "jira.sqlite3").is_file()


# ---------------------------------------------------------------- Confluence


def test_confluence_cql_search_and_storage_bodies(mocks: MockSuite) -> None:
    confluence = Confluence(url=mocks.urls["confluence"], username=USERNAME, password=PASSWORD)
    found = confluence.cql('type = page AND label = "data-dictionary" AND text ~ "cust_nm"')
    assert [r["content"]["title"] for r in found["results"]] == ["Data dictionary: telecom_customers"]
    page = confluence.get_page_by_id(found["results"][0]["content"]["id"], expand="body.storage")
    body = page["body"]["storage"]["value"]
    assert "<code>cust_nm</code>" in body and "Personal data" in body
    assert page["body"]["storage"]["representation"] == "storage"
    dictionaries = confluence.cql_all('label = "data-dictionary" ORDER BY title', limit=2)  # follows _links.next
    assert [r["content"]["title"].split(": ")[1] for r in dictionaries] == [
        "bank_accounts", "bank_transactions", "hospital_patients", "telecom_customers"
    ]  # fmt: skip
    policies = confluence.cql('label = "classification-policy" AND space = HOSP')["results"]
    assert [r["content"]["title"] for r in policies] == ["Hospital classification policy"]
    by_title = confluence.get_page_by_title("BANK", "Bank classification policy", expand="body.storage")
    assert "IBANs" in by_title["results"][0]["body"]["storage"]["value"]
    with pytest.raises(requests.HTTPError, match="not authenticated"):
        Confluence(url=mocks.urls["confluence"], username=USERNAME, password="wrong").cql("type = page")
    with pytest.raises(Exception, match="cannot be parsed"):
        confluence.cql("title ~")


# ---------------------------------------------------------------- Jira


def test_jira_scenarios_and_every_write_the_test_engineers_need(mocks: MockSuite) -> None:
    jira = Jira(url=mocks.urls["jira"], username=USERNAME, password=PASSWORD)
    scenarios = jira.jql("labels = doppel-telecom ORDER BY key", limit=50)
    assert [i["key"] for i in scenarios["issues"]][:4] == ["TEL-1", "TEL-2", "TEL-3", "TEL-4"]
    texts = {i["key"]: i["fields"]["description"] for i in scenarios["issues"]}
    assert "Scenario:" in texts["TEL-1"] and "Given " in texts["TEL-1"]  # Gherkin
    assert all(part in texts["TEL-2"] for part in ("Objective:", "Preconditions:", "Steps:", "Expected outcome:"))
    failing = jira.jql(f"labels = {EXPECTED_FAILURE}")["issues"]
    assert sorted(i["key"] for i in failing) == ["BANK-4", "HOSP-4", "TEL-4"]

    created = jira.create_issue(
        fields={"project": {"key": "TEL"}, "summary": "Run 42 failed: TEL-4", "issuetype": {"name": "Bug"},
                "labels": ["doppel-run-42"], "priority": {"name": "High"}}
    )  # fmt: skip
    key = created["key"]
    assert key.startswith("TEL-") and created["self"].endswith(f"/rest/api/2/issue/{created['id']}")
    jira.issue_add_comment(key, "Robot log attached.")
    log = io.BytesIO(b"<robot>FAIL</robot>")
    log.name = "output.xml"
    attached = jira.add_attachment_object(key, log)
    assert requests.get(attached[0]["content"], auth=(USERNAME, PASSWORD), timeout=30).content == b"<robot>FAIL</robot>"
    jira.create_issue_link({"type": {"name": "Relates"}, "inwardIssue": {"key": key}, "outwardIssue": {"key": "TEL-4"}})
    assert {t["to"] for t in jira.get_issue_transitions(key)} == {"In Progress", "Done"}
    jira.set_issue_status(key, "Done")
    jira.label_issue(key, ["triaged"])
    jira.unlabel_issue(key, ["doppel-run-42"])
    issue = jira.issue(key)["fields"]
    assert issue["status"]["name"] == "Done" and issue["labels"] == ["triaged"]
    assert issue["priority"]["name"] == "High" and issue["comment"]["comments"][0]["body"] == "Robot log attached."
    assert issue["attachment"][0]["filename"] == "output.xml"
    assert issue["issuelinks"][0]["outwardIssue"]["key"] == "TEL-4"
    assert [i["key"] for i in jira.jql('text ~ "Robot log"')["issues"]] == [key]
    assert [p["name"] for p in jira.get_all_priorities()] == ["Highest", "High", "Medium", "Low", "Lowest"]
    with pytest.raises(requests.HTTPError, match="You must specify a summary"):
        jira.create_issue(fields={"project": {"key": "TEL"}, "summary": "", "issuetype": {"name": "Bug"}})


def test_doppel_jira_client_over_the_stand_in(mocks: MockSuite) -> None:
    client = JiraClient(jira_settings(mocks), FAST_RETRY)
    bank = client.search("project = BANK AND labels = doppel-bank ORDER BY key")
    assert [i.key for i in bank] == ["BANK-1", "BANK-2", "BANK-3", "BANK-4"]
    assert bank[0].url == f"{mocks.urls['jira']}/browse/BANK-1" and bank[0].priority == "High"
    issue = client.create_issue("BANK", "Balance check failed", "see log", "Bug", ["doppel-bank-run"], "Low")
    client.comment(issue.key, "first")
    client.attach(issue.key, b"log", "log.txt")
    client.link(issue.key, "BANK-4", "Tests")
    client.transition(issue.key, "In Progress")
    client.transition(issue.key, "In Progress")  # already there: nothing to do
    client.add_labels(issue.key, ["flaky"])
    again = client.issue(issue.key)
    assert again.status == "In Progress" and again.labels == ["doppel-bank-run", "flaky"]
    assert client.priorities()[0] == "Highest"


# ---------------------------------------------------------------- Salesforce


def test_salesforce_rest_and_bulk2_over_tls(mocks: MockSuite) -> None:
    sf = salesforce(mocks)
    described = sf.Account.describe()
    external = {f["name"] for f in described["fields"] if f["externalId"]}
    assert external == {"External_Id__c"}
    types = {r["name"]: r for r in described["recordTypeInfos"]}
    assert set(types) == {"Consumer", "Business", "Master"}
    business = types["Business"]["recordTypeId"]
    account = sf.Account.create({"Name": "Acme Telecom", "External_Id__c": "ACC-1", "RecordTypeId": business})
    assert account["success"] and account["id"].startswith("001")
    assert sf.Contact.upsert("External_Id__c/CON-1", {"LastName": "Hughes", "AccountId": account["id"]}) == 201
    assert sf.Contact.upsert("External_Id__c/CON-1", {"FirstName": "Stephen"}) == 204
    contact = sf.Contact.get_by_custom_id("External_Id__c", "CON-1")
    assert (contact["FirstName"], contact["LastName"]) == ("Stephen", "Hughes")
    with pytest.raises(SalesforceMalformedRequest, match="REQUIRED_FIELD_MISSING"):
        sf.Contact.create({"FirstName": "No last name"})
    soql = "SELECT Id, DeveloperName FROM RecordType WHERE SobjectType = 'Account' ORDER BY DeveloperName"
    record_types = sf.query(soql)
    assert [r["DeveloperName"] for r in record_types["records"]] == ["Business", "Consumer"]

    rows = [{"LastName": f"Bulk{i}", "Email": f"bulk{i}@example.com", "External_Id__c": f"B-{i}"} for i in range(5)]
    rows.append({"LastName": "Broken", "Email": "not-an-email", "External_Id__c": "B-bad"})
    inserted = sf.bulk2.Contact.insert(records=rows, wait=0)
    assert inserted[0]["numberRecordsProcessed"] == 6 and inserted[0]["numberRecordsFailed"] == 1
    failed = sf.bulk2.Contact.get_failed_records(inserted[0]["job_id"])
    assert "INVALID_EMAIL_ADDRESS" in failed and "B-bad" in failed
    assert sf.bulk2.Contact.get_successful_records(inserted[0]["job_id"]).count("\n") == 6  # header + 5
    upserted = sf.bulk2.Contact.upsert(
        records=[{"External_Id__c": "B-0", "LastName": "Renamed"}, {"External_Id__c": "B-new", "LastName": "New"}],
        external_id_field="External_Id__c",
        wait=0,
    )
    assert upserted[0]["numberRecordsFailed"] == 0
    results = csv.DictReader(io.StringIO(sf.bulk2.Contact.get_successful_records(upserted[0]["job_id"])))
    assert {r["External_Id__c"]: r["sf__Created"] for r in results} == {"B-0": "false", "B-new": "true"}
    everyone = sf.query_all(
        "SELECT Id, LastName, Account.Name FROM Contact WHERE LastName LIKE 'Bulk%' OR LastName = 'Hughes'",
        headers={"Sforce-Query-Options": "batchSize=2"},  # pages through nextRecordsUrl
    )
    assert everyone["totalSize"] == 5 and len(everyone["records"]) == 5  # Bulk1-4 (Bulk0 renamed) and Hughes
    hughes = next(r for r in everyone["records"] if r["LastName"] == "Hughes")
    assert hughes["Account"]["Name"] == "Acme Telecom"
    untrusted = requests.Session()
    untrusted.trust_env = False
    with pytest.raises(requests.exceptions.SSLError):
        Salesforce(instance_url=mocks.urls["salesforce"], session_id=SESSION_ID, session=untrusted).describe()


# ---------------------------------------------------------------- REST target


def test_rest_target_answers_422_per_bad_record_and_serves_pages(mocks: MockSuite) -> None:
    base = mocks.urls["rest"]
    good = {"customer_id": "CUST-100001", "msisdn": "07700 900123", "last_name": "Wright", "email": "j@example.org"}
    created = requests.post(f"{base}/customers", json=good, timeout=30)
    assert created.status_code == 201 and created.headers["Location"] == "/customers/CUST-100001"
    wrong = {"customer_id": "CUST-1", "msisdn": "07700 900124", "email": "nope"}
    bad = requests.post(f"{base}/customers", json=wrong, timeout=30)
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"customer_id", "last_name", "email"}
    batch = [
        {"txn_id": "T1", "account_id": "ACC-100001", "txn_ts": "2024-01-01T00:00:39", "amount": -74.49},
        {"txn_id": "T2", "account_id": "ACC-100001", "txn_ts": "yesterday", "amount": "lots"},
        {"txn_id": "T3", "account_id": "ACC-100002", "txn_ts": "2024-01-02T10:00:00", "amount": 5},
    ]
    batch = [{**row, "currency": "GBP"} for row in batch]
    results = requests.post(f"{base}/transactions/_batch", json=batch, timeout=30).json()["results"]
    assert [r["status"] for r in results] == [201, 422, 201]
    assert {e["field"] for e in results[1]["errors"]} == {"txn_ts", "amount"}
    assert requests.get(f"{base}/transactions/T2", timeout=30).status_code == 404
    # idempotency: the same key replays the first answer; another body with it is a conflict
    order = {"id": 7, "customer_id": "CUST-100001", "order_date": "2024-11-02T10:00:00", "amount": 19.99}
    first = requests.post(f"{base}/orders", json=order, headers={"Idempotency-Key": "k-7"}, timeout=30)
    again = requests.post(f"{base}/orders", json=order, headers={"Idempotency-Key": "k-7"}, timeout=30)
    assert (first.status_code, again.status_code) == (201, 201) and again.headers["Idempotent-Replayed"] == "true"
    other = requests.post(f"{base}/orders", json={**order, "amount": 1}, headers={"Idempotency-Key": "k-7"}, timeout=30)
    assert other.status_code == 409
    assert requests.post(f"{base}/orders", json=order, timeout=30).status_code == 409  # the key exists
    page = requests.get(f"{base}/ui/customers/CUST-100001", timeout=30)
    assert page.headers["Content-Type"].startswith("text/html") and '<td id="field-last_name">Wright</td>' in page.text
    assert requests.get(f"{base}/ui/customers/CUST-404", timeout=30).status_code == 404


# ---------------------------------------------------------------- restart


def test_a_restart_keeps_every_stand_ins_state(tmp_path: Path) -> None:
    with JiraStandIn(state_dir=tmp_path, credentials=None) as jira:
        key = Jira(url=jira.url).create_issue(
            fields={"project": {"key": "HOSP"}, "summary": "kept", "issuetype": {"name": "Task"}}
        )["key"]
    with RestStandIn(state_dir=tmp_path) as rest:
        body = {"account_id": "ACC-123456", "iban": "GB55BARC20174960058234", "holder_name": "J White", "balance": 1}
        assert requests.post(f"{rest.url}/accounts", json=body, timeout=30).status_code == 201
    with SalesforceStandIn(state_dir=tmp_path) as sf:
        session = requests.Session()
        session.verify, session.trust_env = sf.ca_bundle, False
        client = Salesforce(instance_url=sf.url, session_id=SESSION_ID, session=session)
        account = client.Account.create({"Name": "Kept"})
    with JiraStandIn(state_dir=tmp_path, credentials=None) as jira:
        assert Jira(url=jira.url).issue(key)["fields"]["summary"] == "kept"
        assert len(Jira(url=jira.url).jql("project = HOSP")["issues"]) == 5  # seeded once, not again
    with RestStandIn(state_dir=tmp_path) as rest:
        assert requests.get(f"{rest.url}/accounts/ACC-123456", timeout=30).json()["holder_name"] == "J White"
    with SalesforceStandIn(state_dir=tmp_path) as sf:
        session = requests.Session()
        session.verify, session.trust_env = sf.ca_bundle, False
        again = Salesforce(instance_url=sf.url, session_id=SESSION_ID, session=session)
        assert again.Account.get(account["id"])["Name"] == "Kept"


# ---------------------------------------------------------------- faults


def seed_for(pattern: list[bool], rate: float, kinds: list[str]) -> int:
    """A fault seed whose first requests fail (True) or pass (False) as ``pattern`` says (the stand-in's draw)."""

    def draws(seed: int) -> list[bool]:
        rng, out = random.Random(seed), []
        for _ in pattern:
            out.append(rng.random() < rate)
            if out[-1]:
                rng.choice(kinds)
        return out

    return next(s for s in range(10_000) if draws(s) == pattern)


def test_faults_reach_the_clients_and_the_wrappers_retry_them(mocks: MockSuite) -> None:
    calls: list[AtlassianCall] = []
    waits: list[float] = []
    mocks.set_faults(rate=0.4, kinds=["500", "429", "truncated"], retry_after=2, seed=4, hold=None)
    raw = Jira(url=mocks.urls["jira"], token=TOKEN, retry_with_header=False)  # else it sleeps on a 429 itself
    seen: set[str] = set()
    for _ in range(30):
        try:
            raw.get_all_priorities()
        except requests.HTTPError as exc:
            seen.add(str(exc.response.status_code))
        except requests.RequestException as exc:  # a cut-off body
            seen.add(type(exc).__name__)
    assert {"500", "429"} <= seen and len(seen) == 3, seen  # the unmodified client sees every kind

    jira = JiraClient(jira_settings(mocks), FAST_RETRY, hook=calls.append, sleep=waits.append)
    confluence = ConfluenceClient(confluence_settings(mocks), FAST_RETRY, hook=calls.append, sleep=waits.append)
    for _ in range(10):
        keys = [i.key for i in jira.search("labels = doppel-hospital ORDER BY key")]
        assert keys[:4] == ["HOSP-1", "HOSP-2", "HOSP-3", "HOSP-4"]
        hit = confluence.search('title ~ "hospital_patients"')[0]
        assert confluence.page(hit.id).title == "Data dictionary: hospital_patients"
    retried = [c for c in calls if c.status == "retry"]
    assert {c.error_code for c in retried} >= {"HTTP 500", "HTTP 429"} and len({c.error_code for c in retried}) == 3
    assert all(c.endpoint.startswith("http://127.0.0.1:") for c in calls)
    # Retry-After is honoured (waited at least 2 s), through the wrapper's sleep: no real waiting here
    throttled = sum(1 for c in retried if c.error_code == "HTTP 429")
    assert sorted(waits)[-throttled:] == [2.0] * throttled and waits.count(0.0) == len(waits) - throttled
    assert mocks.jira.stats["fault_500"] > 0 and mocks.confluence.stats["fault_truncated"] > 0


def test_writes_are_not_retried_when_they_may_have_applied_and_outages_end_clearly(mocks: MockSuite) -> None:
    jira = JiraClient(jira_settings(mocks), FAST_RETRY, sleep=lambda s: None)
    mocks.jira.set_faults(rate=1.0, kinds=["500"], retry_after=0, hold=None)
    with pytest.raises(AtlassianError, match="may or may not have been applied") as unsure:
        jira.create_issue("TEL", "never twice")
    assert unsure.value.attempts == 1 and mocks.jira.stats["fault_500"] >= 1
    with pytest.raises(AtlassianUnavailable, match=r"jql failed after 6 attempt\(s\) \(last: HTTP 500\)"):
        jira.search("project = TEL")
    mocks.jira.set_faults(rate=1.0, kinds=["429"], retry_after=3600, hold=None)
    with pytest.raises(AtlassianError, match="asked to wait 3600 s"):
        jira.search("project = TEL")
    mocks.jira.set_faults(QUIET)
    with pytest.raises(AtlassianError, match="HTTP 401: check the jira credentials"):
        JiraClient(jira_settings(mocks, token="wrong"), FAST_RETRY).search("project = TEL")


def test_a_held_answer_times_out_and_is_retried(mocks: MockSuite) -> None:
    # the first request is held (never answered until released), the next one passes
    mocks.confluence.set_faults(rate=0.5, kinds=["timeout"], seed=seed_for([True, False], 0.5, ["timeout"]), hold=None)
    calls: list[AtlassianCall] = []
    client = ConfluenceClient(confluence_settings(mocks, read_timeout=3), FAST_RETRY, hook=calls.append)
    assert client.search('space = TEL AND label = "classification-policy"')[0].title == "Telecom classification policy"
    assert [(c.status, c.error_code) for c in calls] == [("retry", "ReadTimeout"), ("ok", None)]
    mocks.confluence.release()


# ---------------------------------------------------------------- S3 (moto's server mode)


def test_moto_s3_server_serves_boto3(moto_s3: str) -> None:
    s3 = boto3.client("s3", endpoint_url=moto_s3, **S3_CREDENTIALS)
    s3.create_bucket(Bucket="doppel-artifacts")
    s3.put_object(Bucket="doppel-artifacts", Key="runs/r1/customers.csv", Body=b"id,name\n1,A\n")
    listed = s3.list_objects_v2(Bucket="doppel-artifacts", Prefix="runs/")
    assert [o["Key"] for o in listed["Contents"]] == ["runs/r1/customers.csv"]
    assert s3.get_object(Bucket="doppel-artifacts", Key="runs/r1/customers.csv")["Body"].read() == b"id,name\n1,A\n"
