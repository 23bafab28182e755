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
    """Settings in ``home`` with these named targets and no looking for a running `doppel mocks`."""
    return Settings(home=home, user="tester", stand_ins={"port": 0}, targets=targets)  # type: ignore[arg-type]
