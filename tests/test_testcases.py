"""Jira scenarios into Robot suites: parsing (Gherkin, free text), the rule language, record choice, suites.

Scenarios come from the Jira stand-in through Doppel's client (the unmodified atlassian-python-api); the
data folders are small hand-made synthetic tables, so every expectation below can be checked by eye.
Helpers here (``write_telecom``, ``load_sqlite``, ``load_rest``) also serve test_testrun and test_jira_sync.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests
from robot import api as robot_api

from mocks.suite import MockSuite
from tests.mock_support import FAST_RETRY, jira_settings
from tools.atlassian.jira import JiraClient
from tools.errors import DoppelError
from tools.testcases.data import DataFolder
from tools.testcases.fetch import fetch_scenarios
from tools.testcases.generate import GenerateSuitesRequest, generate_suites, load_manifest
from tools.testcases.mapping import plan_scenarios
from tools.testcases.parse import parse_scenario
from tools.testcases.rest_rules import describe_rest
from tools.testcases.rules import RuleError, broken, iban_valid, luhn_valid, nhs_valid, parse_rule
from tools.testcases.writer import NOT_AUTOMATED, robot_value

TODAY = date(2026, 1, 15)

TELECOM_COLUMNS = [
    "customer_id", "msisdn", "first_name", "last_name", "email", "dob", "gender", "postcode", "plan", "plan_type",
    "contract_start", "contract_end", "churn_flag", "loyalty_points", "outstanding_balance",
]  # fmt: skip
TELECOM_ROWS = [
    ["CUST-100001", "07700 900001", "Ann", "Smith", "ann@example.com", "1980-01-02", "F", "SW1A 1AA", "Smart 30GB",
     "Postpaid", "2023-01-01", "2025-01-01", "no", "120", "0.00"],
    ["CUST-100002", "+447700900002", "Bob", "Jones", "bob@example.org", "14/08/1989", "M", "M1 1AE", "PAYG 10",
     "Prepaid", "", "", "yes", "45", "0.00"],
    ["CUST-100003", "07700 900003", "Cat", "Brown", "cat@example", "1990-05-06", "F", "LS1 4AP", "Smart 30GB",
     "POSTPAID", "2022-03-01", "2024-02-28", "YES", "900", "12.50"],  # a bad email: the REST target refuses it
    ["CUST-100004", "(07700) 900-004", "Dan", "Evans", "dan@example.com", "1975-11-30", "M", "B1 1AA",
     "Family 200GB", "Postpaid", "2021-06-01", "2023-05-31", "yes", "300", "5.00"],  # a bad msisdn
    ["CUST-100005", "07700 900005", "Eve", "Hughes", "eve@example.net", "2001-07-19", "F", "CF10 1AA", "Smart 30GB",
     "postpaid", "2024-02-01", "2026-01-31", "yes", "75", "33.10"],
    ["CUST-100006", "07700 900006", "Fay", "Green", "fay@example.com", "1969-03-03", "F", "EH1 1AA", "PAYG 10",
     "Prepaid", "", "", "no", "0", "0.00"],
    ["CUST-100006", "07700 900006", "Fay", "Green", "fay@example.com", "1969-03-03", "F", "EH1 1AA", "PAYG 10",
     "Prepaid", "", "", "no", "0", "0.00"],  # a duplicated row: its key names no single record
    ["CUST-100008", "07700 900008", "Gus", "Wood", "gus@example.com", "1985-12-12", "M", "G1 1AA", "Family 200GB",
     "Postpaid", "2023-09-09", "2025-09-08", "no", "2500", "0.00"],
]  # fmt: skip
BANK_ACCOUNTS = pd.DataFrame(
    {
        "account_id": ["ACC-000001", "ACC-000002", "ACC-000003", "ACC-000004"],
        "iban": ["GB82WEST12345698765432", "GB33BUKB20201555555555", "", "GB94BARC10201530093459"],
        "holder_name": ["Ann Smith", "Bob Jones", "Cat Brown", "Dan Evans"],
        "balance": ["120.50", "-35.00", "0.00", "9000"],
    }
)
BANK_TRANSACTIONS = pd.DataFrame(
    {
        "txn_id": ["TXN1", "TXN2", "TXN3", "TXN4", "TXN5"],
        "account_id": ["ACC-000001", "ACC-000002", "ACC-000009", "ACC-000001", "ACC-000004"],
        "channel": ["CARD_POS", "CARD_ECOM", "DIRECT_DEBIT", "CARD_POS", "ATM"],
        "mcc": ["5411", "", "", "5812", ""],
        "merchant": ["TESCO", "AMAZON", "", "PIZZA", ""],
    }
)
HOSPITAL_PATIENTS = pd.DataFrame(
    {
        "episode_id": ["EP1", "EP2", "EP3", "EP4"],
        "patient_id": ["P1", "P2", "P2", "P4"],
        "nhs_number": ["943 476 5919", "9434765918", "", "401 023 2137"],
        "surname": ["Hall", "Davies", "Davies", "Khan"],
        "date_of_birth": ["15/01/1997", "03/12/1933", "03/12/1933", "1966-01-16"],
        "admission_date": ["2024-01-01 00:29", "2024-01-01 02:01", "2024-02-03 10:00", "2024-03-01 08:00"],
        "discharge_date": ["2024-01-02 17:45", "2024-01-01 13:50", "2024-02-01 09:00", ""],
        "ward": ["AMU", "Ward 3", "Ward 3", "AMU"],
    }
)


def write_telecom(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(TELECOM_ROWS, columns=TELECOM_COLUMNS).to_csv(folder / "telecom_customers.csv", index=False)
    return folder


def write_tables(folder: Path, tables: dict[str, pd.DataFrame]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


def load_sqlite(data: Path, database: Path) -> str:
    """Every CSV table of ``data`` into an SQLite file, as text (what a loader without a schema writes)."""
    with sqlite3.connect(database) as con:
        for path in sorted(data.glob("*.csv")):
            pd.read_csv(path, dtype=str, keep_default_na=False).to_sql(path.stem, con, index=False, if_exists="replace")
    return f"sqlite:///{database}"


def load_rest(url: str, resource: str, path: Path, change: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """A table's rows into the REST target as one batch (``change`` overrides fields of every row)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows = [{k: v for k, v in row.items() if v != ""} | (change or {}) for row in frame.to_dict("records")]
    answer = requests.post(f"{url}/{resource}/_batch", json=rows, timeout=30)
    assert answer.status_code == 207, answer.text
    return list(answer.json()["results"])


@pytest.fixture
def jira(mocks: MockSuite) -> JiraClient:
    return JiraClient(jira_settings(mocks), FAST_RETRY)


# ------------------------------------------------------------------ parsing


def test_gherkin_and_free_text_scenarios_from_the_stand_in(jira: JiraClient) -> None:
    tel = {s.key: s for s in fetch_scenarios(jira, "labels = doppel-telecom ORDER BY key")}
    assert list(tel) == ["TEL-1", "TEL-2", "TEL-3", "TEL-4"]
    gherkin = tel["TEL-1"]
    assert gherkin.format == "gherkin" and gherkin.feature == "Customer onboarding"
    assert gherkin.name == gherkin.objective == "A new postpaid customer is accepted"
    assert gherkin.preconditions == ["a synthetic customer from the telecom data set"]
    assert gherkin.steps == ["the customer is posted to /customers"]
    assert gherkin.expected == [
        "the API answers 201",
        "the customer page /ui/customers/{customer_id} shows the customer's plan",
    ]
    assert [s.keyword for s in gherkin.gherkin] == ["Given", "When", "Then", "And"]
    assert gherkin.labels == ["doppel-telecom", "gherkin", "rest"] and gherkin.priority == "High"
    free = tel["TEL-2"]
    assert free.format == "free-text"
    assert free.objective == "Check that a malformed mobile number is refused."
    assert free.preconditions == [
        "The REST target is running; a synthetic customer with an edge-case msisdn exists in the data."
    ]
    assert free.steps == ["Post the customer with msisdn '12345' to /customers", "Read the error body"]
    assert free.expected == ["HTTP 422 with an error naming the field msisdn."]
    every = fetch_scenarios(jira, "project in (TEL, BANK, HOSP) ORDER BY key")
    assert {s.format for s in every} == {"gherkin", "free-text"}
    assert all(s.expected and (s.steps or s.preconditions) for s in every)


def test_other_ways_of_writing_a_scenario() -> None:
    fenced = parse_scenario(
        "X-1", "Fenced", "Intro text.\n```gherkin\nScenario: S\n  Given a patient\n  And a ward\n"
        "  When I look\n  Then I see it\n  But not twice\n```"
    )  # fmt: skip
    assert fenced.format == "gherkin" and fenced.preconditions == ["a patient", "a ward"]
    assert fenced.expected == ["I see it", "not twice"]
    free = parse_scenario(
        "X-2", "Plain", "Goal: keep data tidy\nPreconditions:\n- loaded\nTest steps:\n1. Read rows\n2) Compare\n"
        "Expected result: Every balance is zero or more. No row is lost."
    )  # fmt: skip
    assert free.format == "free-text" and free.objective == "keep data tidy"
    assert free.preconditions == ["loaded"] and free.steps == ["Read rows", "Compare"]
    assert free.expected == ["Every balance is zero or more.", "No row is lost."]
    assert parse_scenario("X-3", "Nothing", "just words").format == "unknown"


# ------------------------------------------------------------------ the rule language


def test_rules_compare_numbers_dates_and_text() -> None:
    rule = parse_rule("contract_end > contract_start and churn_flag ~ 'yes'")
    assert rule.text() == "contract_end > contract_start and churn_flag ~ 'yes'"
    good = {"contract_start": "01/03/2022", "contract_end": "2024-02-28", "churn_flag": "YES"}
    assert broken(rule, good, TODAY) == []
    assert len(broken(rule, good | {"contract_end": "2021-12-31"}, TODAY)) == 1
    assert len(broken(rule, good | {"contract_end": ""}, TODAY)) == 1  # an empty side never holds
    assert not broken(parse_rule("channel ~ 'card'"), {"channel": "CARD_POS"}, TODAY)
    assert broken(parse_rule("balance >= 0"), {"balance": "-35.00"}, TODAY)
    assert not broken(parse_rule("balance >= 0"), {"balance": 0}, TODAY)  # typed values from a database too
    assert not broken(parse_rule("age(date_of_birth) < 60"), {"date_of_birth": "1966-01-16"}, TODAY)
    assert broken(parse_rule("age(date_of_birth) < 60"), {"date_of_birth": "1966-01-15"}, TODAY)
    assert not broken(parse_rule("discharge_date >= admission_date"),
                      {"admission_date": "2024-01-01 00:29", "discharge_date": "2024-01-01 13:50"}, TODAY)  # fmt: skip
    assert broken(parse_rule("present(mcc) and present(merchant)"), {"mcc": None, "merchant": "X"}, TODAY)
    with pytest.raises(RuleError):
        parse_rule("balance >>= 0")
    with pytest.raises(RuleError):
        parse_rule("checksum(balance)")


def test_check_digits() -> None:
    assert nhs_valid("943 476 5919") and not nhs_valid("9434765918") and not nhs_valid("12345")
    assert luhn_valid("4539 1488 0343 6467") and not luhn_valid("4539148803436468")
    assert iban_valid("GB82 WEST 1234 5698 7654 32") and not iban_valid("GB82WEST12345698765433")


# ------------------------------------------------------------------ plans over the data


def test_every_seeded_scenario_becomes_checks_over_records_that_fit(jira: JiraClient, tmp_path: Path,
                                                                    mocks: MockSuite) -> None:  # fmt: skip
    rest = describe_rest(mocks.urls["rest"])
    assert rest is not None and rest.resources["customers"].key == "customer_id"
    folders = {
        "telecom": write_telecom(tmp_path / "tel"),
        "bank": write_tables(
            tmp_path / "bank", {"bank_accounts": BANK_ACCOUNTS, "bank_transactions": BANK_TRANSACTIONS}
        ),
        "hospital": write_tables(tmp_path / "hosp", {"hospital_patients": HOSPITAL_PATIENTS}),
    }
    plans = {}
    for domain, folder in folders.items():
        scenarios = fetch_scenarios(jira, f"labels = doppel-{domain} ORDER BY key")
        for plan in plan_scenarios(scenarios, DataFolder(folder, rest), rest, max_records=50, today=TODAY):
            plans[plan.key] = plan
    assert all(p.automated and not p.unmapped for p in plans.values()), [p for p in plans.values() if p.unmapped]

    tel1 = plans["TEL-1"]  # a postpaid customer the REST target accepts: not -3 (email), -4 (msisdn), -5 (postpaid)
    assert tel1.rest is not None and tel1.rest.expect_status == 201 and tel1.rest.fresh
    assert tel1.page is not None and tel1.page.fields == ["plan"]
    assert tel1.selection == "plan_type ~ 'postpaid' and present(plan)"
    assert tel1.candidates == 2 and tel1.records[0] in {"CUST-100001", "CUST-100008"}
    tel2 = plans["TEL-2"]
    assert tel2.rest is not None and tel2.rest.overrides == {"msisdn": "12345"} and not tel2.rest.fresh
    assert (tel2.rest.expect_status, tel2.rest.error_field) == (422, "msisdn")
    assert tel2.candidates == 4 and tel2.records[0] not in {"CUST-100003", "CUST-100005"}  # refused for more
    tel3 = plans["TEL-3"]
    assert [c.rule for c in tel3.checks] == ["contract_end > contract_start"]
    assert tel3.records == ["CUST-100003", "CUST-100004", "CUST-100005"]  # churned, with contract dates
    assert [c.rule for c in plans["TEL-4"].checks] == ["loyalty_points > 100000"]
    assert "CUST-100006" not in plans["TEL-4"].records and len(plans["TEL-4"].records) == 6  # a duplicated key

    assert plans["BANK-1"].page is not None and plans["BANK-1"].page.fields == ["iban"]
    assert [c.rule for c in plans["BANK-2"].checks] == ["present(mcc) and present(merchant)"]
    assert plans["BANK-2"].records == ["TXN1", "TXN2", "TXN4"]  # channel CARD matches CARD_POS and CARD_ECOM
    ref = plans["BANK-3"].references[0]
    assert (plans["BANK-3"].table, ref.column, ref.parent_table, ref.parent_column) == (
        "bank_transactions", "account_id", "bank_accounts", "account_id")  # fmt: skip
    assert [c.rule for c in plans["BANK-4"].checks] == ["balance >= 0"]

    assert plans["HOSP-1"].key_column == "episode_id" and plans["HOSP-1"].page.fields == ["ward"]  # type: ignore[union-attr]
    assert [c.rule for c in plans["HOSP-2"].checks] == ["nhs_valid(nhs_number)"]
    assert plans["HOSP-2"].records == ["EP1", "EP2", "EP4"]  # EP3 has no NHS number
    assert [c.rule for c in plans["HOSP-3"].checks] == ["discharge_date >= admission_date"]
    assert [c.rule for c in plans["HOSP-4"].checks] == ["age(date_of_birth) < 60"]


def test_a_scenario_doppel_cannot_read_is_skipped_never_guessed(jira: JiraClient, tmp_path: Path) -> None:
    created = jira.create_issue("TEL", "Customers are happy", "*Objective:* delight\n\n*Expected outcome:* Smiles "
                                "all round.", "Test", ["doppel-odd"], "Low")  # fmt: skip
    out = tmp_path / "suites"
    request = GenerateSuitesRequest(jql="labels = doppel-odd", data=write_telecom(tmp_path / "d"), out=out)
    result = generate_suites(request, jira, today=TODAY)
    assert result.not_automated == 1 and result.suites[0].unmapped == ["Smiles all round."]
    suite = robot_api.TestSuiteBuilder().build(str(out / f"{created.key}.robot"))
    test = suite.tests[0]
    assert NOT_AUTOMATED in test.tags and created.key in test.tags
    assert test.body[0].name == "Skip" and "Smiles all round." in test.body[0].args[0]
    with pytest.raises(DoppelError, match="no scenarios match"):
        generate_suites(request.model_copy(update={"jql": "labels = nothing-at-all"}), jira)


# ------------------------------------------------------------------ suites


def test_suites_name_existing_records_and_carry_the_jira_key(jira: JiraClient, tmp_path: Path,
                                                             mocks: MockSuite) -> None:  # fmt: skip
    data = write_telecom(tmp_path / "data")
    out = tmp_path / "suites"
    (out).mkdir()
    (out / "TEL-9.robot").write_text("stale")  # listed by an earlier manifest: replaced
    (out / "manifest.json").write_text('{"suites": [{"file": "TEL-9.robot"}]}')
    request = GenerateSuitesRequest(jql="labels = doppel-telecom ORDER BY key", data=data, out=out,
                                    rest_url=mocks.urls["rest"], database=f"sqlite:///{tmp_path / 't.db'}")  # fmt: skip
    result = generate_suites(request, jira, today=TODAY)
    assert result.scenarios == result.automated == 4 and not result.warnings
    assert sorted(p.name for p in out.glob("*.robot")) == ["TEL-1.robot", "TEL-2.robot", "TEL-3.robot", "TEL-4.robot"]
    keys = set(pd.read_csv(data / "telecom_customers.csv", dtype=str)["customer_id"])
    manifest = load_manifest(out)
    for plan in manifest["plans"]:
        suite = robot_api.TestSuiteBuilder().build(str(out / f"{plan['key']}.robot"))
        assert suite.name.startswith(plan["key"])
        named = suite.resource.variables
        records = next(v.value for v in named if v.name == "@{RECORDS}")
        assert list(records) == plan["records"] and set(records) <= keys
        assert next(v.value for v in named if v.name == "${JIRA_KEY}") == (plan["key"],)
        test = suite.tests[0]
        assert plan["key"] in test.tags and "doppel-telecom" in test.tags
        assert [i.name for i in suite.resource.imports] == ["doppel.resource"]
    tel4 = (out / "TEL-4.robot").read_text()
    assert "Records Should Satisfy    ${TABLE}    ${KEY}    loyalty_points > 100000    @{RECORDS}" in tel4
    assert "Records: 6 of 6 in telecom_customers by customer_id" in tel4
    tel1 = (out / "TEL-1.robot").read_text()
    assert (
        "Open Record Page    customers" in tel1 and "Element Text Should Be    id:field-plan    ${record}[plan]" in tel1
    )
    records = load_manifest(out)["plans"][0]["records"]
    assert set(records) <= set(__import__("json").loads((out / "records.json").read_text())["telecom_customers"])
    resource = (out / "doppel.resource").read_text()
    assert f"%{{DOPPEL_TEST_REST_URL={mocks.urls['rest']}}}" in resource and "DOPPEL_TEST_DB=sqlite:///" in resource


def test_a_password_never_reaches_a_suite(jira: JiraClient, tmp_path: Path) -> None:
    request = GenerateSuitesRequest(jql="key = TEL-3", data=write_telecom(tmp_path / "d"), out=tmp_path / "s",
                                    database="postgresql://app:s3cret@db.example/test")  # fmt: skip
    result = generate_suites(request, jira, today=TODAY)
    assert any("password" in w for w in result.warnings)
    for path in (tmp_path / "s").iterdir():
        assert "s3cret" not in path.read_text()


def test_robot_values_are_escaped() -> None:
    assert robot_value("a  b") == "a ${SPACE}b"
    assert robot_value("${x} = #1") == "\\${x} \\= #1"
    assert (
        robot_value("#tag") == "\\#tag" and robot_value("") == "${EMPTY}" and robot_value(" x ") == "${SPACE}x${SPACE}"
    )
