"""Helpers for the target tests: small related datasets, what a target should hold, fast retries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from tests.conftest import SHOP
from tools.settings import Settings
from tools.targets.dataset import read_dataset

FAST = {"attempts": 12, "initial_delay": 0.0, "max_delay": 0.0}  # retries without waiting
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
MARIA_ROOT = "mysql+pymysql://root@127.0.0.1:3306/test"


def shop_schema(folder: Path, *, customers: int = 40, orders: int = 90) -> Path:
    """The bundled shop schema with no invalid references (every order's customer exists)."""
    document = yaml.safe_load(SHOP.read_text(encoding="utf-8"))
    document["tables"]["customers"]["rows"] = customers
    document["tables"]["orders"]["rows"] = orders
    document["edge_cases"] = [e for e in document["edge_cases"] if e["kind"] != "invalid_reference"]
    path = folder / "shop.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def generate(folder: Path, fmt: str = "csv", seed: str = "7", **sizes: int) -> Path:
    """A generated shop (customers, orders referencing them) in ``fmt``; returns the output folder."""
    from tools.capability.generation import GenerateDataRequest, generate_data

    out = folder / f"shop-{fmt}-{seed}"
    generate_data(GenerateDataRequest(schema_file=shop_schema(folder, **sizes), seed=seed, format=fmt, out=out), None)
    return out


def norm(value: Any) -> Any:
    """One comparable form per value, whichever system gave it back."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
        return number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize()
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def expected(folder: Path, keys: dict[str, list[str]] | None = None) -> dict[str, dict[Any, dict[str, Any]]]:
    """Every table of an output folder: key -> row (normalised), each key once (the first row with it)."""
    dataset = read_dataset(folder, keys=keys)
    tables: dict[str, dict[Any, dict[str, Any]]] = {}
    for name, data in dataset.tables.items():
        rows: dict[Any, dict[str, Any]] = {}
        for row in data.table.to_pylist():
            key = norm(row[data.plan.primary_key[0]])
            if key is not None and key not in rows:
                rows[key] = {k: norm(v) for k, v in row.items()}
        tables[name] = rows
    return tables


def database_rows(url: str, table: str, key: str, schema: str | None = None) -> dict[Any, dict[str, Any]]:
    """A table's rows as the database holds them: key -> row (normalised)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            found = sa.Table(table, sa.MetaData(schema=schema), autoload_with=conn)
            rows = [dict(r._mapping) for r in conn.execute(sa.select(found))]
    finally:
        engine.dispose()
    return {norm(r[key]): {k: norm(v) for k, v in r.items()} for r in rows}


def settings_for(home: Path, **targets: dict[str, Any]) -> Settings:
    """Settings in ``home`` with these named targets."""
    return Settings(home=home, user="tester", targets=targets)  # type: ignore[arg-type]


CUSTOMER_COLUMNS = ["customer_id", "msisdn", "first_name", "last_name", "cust_nm", "email", "gender", "segment",
                    "town", "postcode", "plan_type", "monthly_fee", "loyalty_points"]  # fmt: skip
FIRST = ["Jacob", "Amelia", "Oliver", "Isla", "Harry", "Ava", "George", "Mia"]
LAST = ["Wright", "Owen", "Patel", "Hughes", "Khan", "Evans", "Shaw", "Reid"]
SEGMENTS = ["Consumer", "SMALL BUSINESS", "Enterprise", "consumer"]
TOWNS = ["Leeds", "London", "Cardiff", "Derby"]


def customer(i: int, **changes: str) -> dict[str, str]:
    """One good telecom customer row (valid for the REST stand-in and for Salesforce Accounts)."""
    first, last = FIRST[i % len(FIRST)], LAST[(i // 3) % len(LAST)]
    row = {
        "customer_id": f"CUST-{100000 + i:06d}",
        "msisdn": f"07700 9{i:05d}",
        "first_name": first,
        "last_name": last,
        "cust_nm": f"{first} {last}",
        "email": f"{first.lower()}.{last.lower()}{i}@example.com",
        "gender": "MF"[i % 2],
        "segment": SEGMENTS[i % len(SEGMENTS)],
        "town": TOWNS[i % len(TOWNS)],
        "postcode": f"LS{i % 9 + 1} {i % 10}AB",
        "plan_type": ["Prepaid", "Postpaid"][i % 2],
        "monthly_fee": f"{10 + i % 40}.{i % 100:02d}",
        "loyalty_points": str(i * 7 % 1000),
    }
    return row | changes


def customers_folder(folder: Path, rows: list[dict[str, str]], table: str = "telecom_customers") -> Path:
    """An output folder holding one CSV table of customer rows."""
    import csv

    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{table}.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CUSTOMER_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return folder


ACCOUNT_MAPPING: dict[str, Any] = {
    "object": "Account",
    "external_id": "External_Id__c",
    "fields": {"cust_nm": "Name", "msisdn": "Phone", "town": "BillingCity", "postcode": "BillingPostalCode"},
    "constants": {"Industry": "Telecommunications", "Type": "Customer"},
    "record_type": {
        "column": "segment",
        "values": {"consumer": "Consumer", "small business": "Business", "enterprise": "Business"},
        "default": "Consumer",
    },
}


def salesforce_target(suite: Any, **changes: Any) -> dict[str, Any]:
    """A Salesforce target configuration for the suite's stand-in (telecom customers as Accounts)."""
    from mocks.suite import SESSION_ID

    return {
        "kind": "salesforce",
        "stand_in": True,
        "instance_url": suite.urls["salesforce"],
        "session_id": SESSION_ID,
        "ca_bundle": suite.ca_bundle,
        "poll_interval": 0,
        "objects": {"telecom_customers": ACCOUNT_MAPPING},
        **FAST,
        **changes,
    }


def rest_target(suite: Any, **changes: Any) -> dict[str, Any]:
    """A REST target configuration for the suite's REST stand-in (telecom customers as ``customers``)."""
    return {
        "kind": "rest",
        "stand_in": True,
        "url": suite.urls["rest"],
        "resources": {"telecom_customers": "customers"},
        **FAST,
        **changes,
    }


def salesforce_accounts(suite: Any, keys: set[str]) -> list[dict[str, Any]]:
    """The Accounts whose external id is one of ``keys``, read with the unmodified simple-salesforce client."""
    from simple_salesforce import Salesforce

    from mocks.suite import SESSION_ID
    from tests.mock_support import salesforce_session

    client = Salesforce(instance_url=suite.urls["salesforce"], session_id=SESSION_ID, session=salesforce_session(suite))
    soql = "SELECT Id, Name, Phone, BillingCity, BillingPostalCode, External_Id__c, RecordTypeId, Industry FROM Account"
    records = client.query_all(soql)["records"]
    return [r for r in records if r["External_Id__c"] in keys]


def rest_records(suite: Any, keys: set[str], resource: str = "customers") -> list[dict[str, Any]]:
    import httpx

    found = httpx.get(f"{suite.urls['rest']}/{resource}?limit=100000", timeout=30, trust_env=False).json()["items"]
    return [r for r in found if str(r.get("customer_id", r.get("id"))) in keys]
