"""The Salesforce and REST targets against the stand-ins: Salesforce over HTTPS through the unmodified
simple-salesforce client (Bulk 2.0 insert, upsert by external id, record types chosen per row, per-record
failures as rejections with reasons, unload by a delete job); the REST target (422 per bad record counted
as rejected with its reasons, a retried batch replayed by its idempotency key, upsert, unload)."""

from __future__ import annotations

import random
from pathlib import Path

from agents.models.answers import answer
from mocks.base import Faults
from mocks.salesforce import SESSION_ID
from mocks.suite import MockSuite
from tests.mock_support import QUIET
from tests.targets_support import (
    customer,
    customers_folder,
    rest_records,
    rest_target,
    salesforce_accounts,
    salesforce_target,
    settings_for,
)
from tools.targets.service import load_folder, unload_ref
from tools.targets.standins import STAND_IN_SESSION


def test_the_stand_in_session_id_is_the_stand_ins() -> None:
    assert STAND_IN_SESSION == SESSION_ID


def test_salesforce_bulk2_insert_upsert_record_types_rejections_and_unload(mocks: MockSuite, tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "home", crm=salesforce_target(mocks, allow_rejected=0.2))
    rows = [customer(i) for i in range(30)]
    rows[7]["cust_nm"] = ""  # Name is required: rejected by Salesforce, with its reason
    out = customers_folder(tmp_path / "first", rows)

    first = load_folder(out, ["crm"], settings, mode="insert", batch_size=12)  # three jobs
    assert first.ok, first.summary()
    (table,) = first.targets[0].tables
    assert (table.loaded, table.updated, table.rejected) == (29, 0, 1)
    (reason,) = table.reasons
    assert reason.reason.startswith("REQUIRED_FIELD_MISSING (Name)") and reason.keys == [rows[7]["customer_id"]]
    assert first.targets[0].target.stand_in and first.stand_ins == ["crm"]

    keys = {r["customer_id"] for r in rows}
    accounts = {a["External_Id__c"]: a for a in salesforce_accounts(mocks, keys)}
    assert len(accounts) == 29 and rows[7]["customer_id"] not in accounts
    types = {r["DeveloperName"]: r["Id"] for r in _record_types(mocks)}
    for row in rows:
        if row["customer_id"] == rows[7]["customer_id"]:
            continue
        account = accounts[row["customer_id"]]
        assert (account["Name"], account["Phone"], account["BillingPostalCode"]) == (
            row["cust_nm"],
            row["msisdn"],
            row["postcode"],
        )
        wanted = "Consumer" if row["segment"].lower() == "consumer" else "Business"
        assert account["RecordTypeId"] == types[wanted] and account["Industry"] == "Telecommunications"

    # upsert by external id: every key again, with another name: changed, none added
    renamed = [dict(r, cust_nm=f"{r['cust_nm'] or 'Someone'} Ltd") for r in rows]
    second = load_folder(customers_folder(tmp_path / "second", renamed), ["crm"], settings, mode="upsert")
    assert second.ok, second.summary()
    (table,) = second.targets[0].tables
    assert (table.loaded, table.updated, table.rejected) == (1, 29, 0)  # the one rejected before is new now
    accounts = {a["External_Id__c"]: a for a in salesforce_accounts(mocks, keys)}
    assert len(accounts) == 30 and all(a["Name"].endswith(" Ltd") for a in accounts.values())

    # insert of keys that exist: Salesforce refuses each record (duplicate external id), nothing is added
    third = load_folder(out, ["crm"], settings, mode="insert")
    assert not third.ok and "more than allow_rejected" in (third.targets[0].error or "")
    assert third.targets[0].tables[0].rejected == 30
    assert any("DUPLICATE_VALUE (External_Id__c)" in r.reason for r in third.targets[0].tables[0].reasons)
    assert len(salesforce_accounts(mocks, keys)) == 30

    _, undone = unload_ref(first.load_id, settings)
    assert undone.ok and undone.targets[0].removed == {"telecom_customers": 29}
    _, undone = unload_ref(second.load_id, settings)
    assert undone.ok and undone.targets[0].removed == {"telecom_customers": 1}  # the rest went already
    assert salesforce_accounts(mocks, keys) == []


def _record_types(suite: MockSuite) -> list[dict[str, str]]:
    from simple_salesforce import Salesforce

    from tests.mock_support import salesforce_session

    client = Salesforce(instance_url=suite.urls["salesforce"], session_id=SESSION_ID, session=salesforce_session(suite))
    return client.query("SELECT Id, DeveloperName FROM RecordType WHERE SobjectType = 'Account'")["records"]


def test_rest_rejects_per_record_with_reasons_replays_retries_and_unloads(mocks: MockSuite, tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "home", api=rest_target(mocks, allow_rejected=0.5))
    rows = [customer(1000 + i) for i in range(20)]
    rows[3]["gender"] = "Female"
    rows[5]["email"] = "not-an-email"
    rows[9]["gender"] = "male"
    rows[12]["last_name"] = ""
    out = customers_folder(tmp_path / "rest", rows)

    # the first batch's answer is cut off after the stand-in stored it; the retry replays that answer
    mocks.rest.set_faults(
        Faults(rate=0.5, kinds=["truncated"], retry_after=0, hold=None, seed=_seed([False, True, False]))
    )
    try:
        report = load_folder(out, ["api"], settings, mode="insert", batch_size=50)
    finally:
        mocks.rest.set_faults(QUIET)
    assert report.ok, report.summary()
    (table,) = report.targets[0].tables
    assert (table.loaded, table.rejected, table.retried) == (16, 4, 1)
    reasons = {r.reason: r.keys for r in table.reasons}
    assert reasons["gender: must be one of M, F, X, U"] == [rows[3]["customer_id"], rows[9]["customer_id"]]
    assert reasons["email: must be a valid email"] == [rows[5]["customer_id"]]
    assert reasons["last_name: is required"] == [rows[12]["customer_id"]]
    keys = {r["customer_id"] for r in rows}
    stored = {r["customer_id"]: r for r in rest_records(mocks, keys)}
    assert len(stored) == 16 and rows[3]["customer_id"] not in stored
    assert stored[rows[0]["customer_id"]]["monthly_fee"] == float(rows[0]["monthly_fee"])
    said = answer("load_data", report.model_dump(mode="json"))  # what the chat says about it
    assert "api (rest, a STAND-IN (local imitation)): ok" in said and "rejected 2 x gender: must be one of" in said
    assert (report.notice or "") in said and f"unload {report.load_id}" in said

    # upsert: existing records are replaced (updated), the bad ones are still rejected
    fixed = [dict(r, town="York") for r in rows]
    fixed[3]["gender"] = "F"
    again = load_folder(customers_folder(tmp_path / "fixed", fixed), ["api"], settings, mode="upsert")
    assert again.ok, again.summary()
    (table,) = again.targets[0].tables
    assert (table.loaded, table.updated, table.rejected) == (1, 16, 3)
    assert all(r["town"] == "York" for r in rest_records(mocks, keys))

    _, undone = unload_ref(report.load_id, settings)
    assert undone.ok and undone.targets[0].removed == {"telecom_customers": 16}
    _, undone = unload_ref(again.load_id, settings)
    assert undone.ok and undone.targets[0].removed == {"telecom_customers": 1}
    assert rest_records(mocks, keys) == []


def _seed(pattern: list[bool], rate: float = 0.5, kinds: tuple[str, ...] = ("truncated",)) -> int:
    """A fault seed whose first requests fail (True) or pass (False) as ``pattern`` says."""

    def draws(seed: int) -> list[bool]:
        rng, out = random.Random(seed), []
        for _ in pattern:
            out.append(rng.random() < rate)
            if out[-1]:
                rng.choice(list(kinds))
        return out

    return next(s for s in range(10_000) if draws(s) == pattern)
