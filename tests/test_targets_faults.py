"""Under 30 % injected faults (HTTP 500, 429 with a Retry-After, answers held past the read time-out, answers
cut off after the work was done) nothing is lost or duplicated: a load through every faulty stand-in ends
with exactly the dataset's rows, each once. Waiting is recorded, never slept."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from mocks.base import FAULT_KINDS, Faults
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
from tools.targets.service import load_folder

ROWS = 120


def test_thirty_percent_faults_lose_and_duplicate_nothing(mocks: MockSuite, tmp_path: Path) -> None:
    rows = [customer(5000 + i) for i in range(ROWS)]
    out = customers_folder(tmp_path / "data", rows)
    patient = {"attempts": 30, "read_timeout": 0.5}  # a held answer times out after half a second
    settings = settings_for(
        tmp_path / "home",
        crm=salesforce_target(mocks, batch_size=40, **patient),
        api=rest_target(mocks, batch_size=15, **patient),
    )
    mocks.set_faults(Faults(rate=0.3, kinds=list(FAULT_KINDS), retry_after=1, hold=None, seed=11))
    waits: list[float] = []
    try:
        report = load_folder(out, ["crm", "api"], settings, mode="insert", sleep=waits.append)
    finally:
        mocks.set_faults(QUIET)  # also releases the answers still held
    assert report.ok, report.summary()
    for target in report.targets:
        (table,) = target.tables
        assert (table.loaded, table.updated, table.rejected) == (ROWS, 0, 0), target.target.name
        assert table.retried > 0, target.target.name

    faults = {kind: mocks.salesforce.stats[f"fault_{kind}"] + mocks.rest.stats[f"fault_{kind}"] for kind in FAULT_KINDS}
    assert all(count > 0 for count in faults.values()), faults
    assert waits.count(1.0) == faults["429"]  # each 429 was waited out for its Retry-After, and only those

    keys = {r["customer_id"] for r in rows}
    accounts = salesforce_accounts(mocks, keys)
    assert len(accounts) == ROWS  # none lost, none twice
    assert sorted((a["External_Id__c"], a["Name"], a["Phone"], a["BillingCity"], a["BillingPostalCode"])
                  for a in accounts) == sorted(
        (r["customer_id"], r["cust_nm"], r["msisdn"], r["town"], r["postcode"]) for r in rows
    )  # fmt: skip
    stored = rest_records(mocks, keys)
    assert len(stored) == ROWS
    assert sorted(_as_text(r) for r in stored) == sorted(_as_text(r) for r in rows)


def _as_text(record: dict[str, object]) -> tuple[str, ...]:
    """A record's values as text (numbers compared by value: the REST target sends JSON numbers)."""
    values = []
    for column in sorted(record):
        value = record[column]
        if isinstance(value, int | float) or (isinstance(value, str) and value.replace(".", "", 1).isdigit()):
            value = str(Decimal(str(value)).normalize())
        values.append(f"{column}={value}")
    return tuple(values)
