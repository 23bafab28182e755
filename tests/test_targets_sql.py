"""SQL targets for real: SQLite, PostgreSQL (a schema of this test's own) and MariaDB (a database of its
own). Tables are created with primary and foreign keys, parents before children; insert, upsert (changes
rows, adds none), insert meeting an existing key (a clear error naming table and key; the batch rolled
back, earlier batches kept), and unload (children first, exactly what each load wrote)."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.targets_support import FAST, MARIA_ROOT, PG_URL, database_rows, expected, generate, norm, settings_for
from tools.targets.service import load_folder, unload_ref

NAME = "test_targets_sql"


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[dict[str, Any], str, str | None]]:
    """(target configuration, URL to read it back, schema) of one database kind, emptied afterwards."""
    if request.param == "sqlite":
        path = tmp_path / "target.sqlite"
        yield {"kind": "sqlite", "path": str(path), **FAST}, f"sqlite:///{path}", None
        return
    if request.param == "postgresql":
        admin = sa.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{NAME}" CASCADE'))
        try:
            read = PG_URL.replace("postgresql://", "postgresql+psycopg://")
            yield {"kind": "sql", "url": PG_URL, "db_schema": NAME, **FAST}, read, NAME
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{NAME}" CASCADE'))
            admin.dispose()
        return
    admin = sa.create_engine(MARIA_ROOT, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {NAME}"))
        conn.execute(sa.text(f"CREATE DATABASE {NAME}"))
    try:
        url = f"mysql://root@127.0.0.1:3306/{NAME}"
        yield {"kind": "sql", "url": url, **FAST}, f"mysql+pymysql://root@127.0.0.1:3306/{NAME}", None
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {NAME}"))
        admin.dispose()


def changed_copy(source: Path, target: Path, column: str, change: Any) -> Path:
    """The output folder with one column of the customers changed in every row (same keys)."""
    shutil.copytree(source, target)
    path = target / "customers.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        row[column] = change(row[column])
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return target


def test_create_insert_upsert_conflict_and_unload(
    database: tuple[dict[str, Any], str, str | None], tmp_path: Path
) -> None:
    config, url, schema = database
    settings = settings_for(tmp_path / "home", db=config)
    out = generate(tmp_path, "csv", customers=40, orders=90)

    first = load_folder(out, ["db"], settings, mode="insert", batch_size=25)
    assert first.ok, first.summary()
    counts = {t.table: (t.loaded, t.updated, t.rejected) for t in first.targets[0].tables}
    assert counts == {"customers": (40, 0, 0), "orders": (90, 0, 0)}
    assert [t.table for t in first.targets[0].tables] == ["customers", "orders"]  # parents first

    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        assert inspector.get_pk_constraint("customers", schema=schema)["constrained_columns"] == ["id"]
        assert inspector.get_pk_constraint("orders", schema=schema)["constrained_columns"] == ["id"]
        (fk,) = inspector.get_foreign_keys("orders", schema=schema)
        assert (fk["constrained_columns"], fk["referred_table"], fk["referred_columns"]) == (
            ["customer_id"],
            "customers",
            ["id"],
        )
    finally:
        engine.dispose()
    want = expected(out)
    assert database_rows(url, "customers", "id", schema) == want["customers"]
    assert database_rows(url, "orders", "id", schema) == want["orders"]

    # upsert: the same keys with other values change the rows and add none
    renamed = changed_copy(out, tmp_path / "renamed", "first_name", lambda v: f"{v}-x")
    second = load_folder(renamed, ["db"], settings, mode="upsert", batch_size=25)
    assert second.ok, second.summary()
    assert {t.table: (t.loaded, t.updated) for t in second.targets[0].tables} == {
        "customers": (0, 40),
        "orders": (0, 90),
    }
    held = database_rows(url, "customers", "id", schema)
    assert held == expected(renamed)["customers"] and len(held) == 40
    assert all(r["first_name"].endswith("-x") for r in held.values())

    # insert meeting existing keys: a clear error naming the table and the key; that batch rolled back
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    existing = list(want["customers"])[:2]
    with open(out / "customers.csv", encoding="utf-8", newline="") as fh:
        template = list(csv.DictReader(fh))
    rows = []
    for i in range(13):
        rows.append({**template[i], "id": f"00000000-0000-4000-8000-{i:012d}"})
    rows += [r for r in template if r["id"] in existing]  # rows 14 and 15: keys already loaded
    with open(mixed / "customers.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(template[0]))
        writer.writeheader()
        writer.writerows(rows)
    third = load_folder(mixed, ["db"], settings, mode="insert", batch_size=5)
    assert not third.ok
    error = third.targets[0].error or ""
    assert "table customers" in error and f"id={existing[0]}" in error and "rolled back" in error, error
    assert third.targets[0].tables[0].loaded == 10  # batches 1 and 2 were committed, batch 3 was not
    held = database_rows(url, "customers", "id", schema)
    assert len(held) == 50
    assert all(f"00000000-0000-4000-8000-{i:012d}" in held for i in range(10))
    assert not any(f"00000000-0000-4000-8000-{i:012d}" in held for i in range(10, 13))
    assert all(held[k]["first_name"].endswith("-x") for k in existing)  # untouched by the failed batch

    # unload: exactly what each load wrote, children first (the foreign key would refuse the other order)
    what, undone = unload_ref(third.load_id, settings)
    assert undone.ok and what == f"load {third.load_id}"
    assert undone.targets[0].removed == {"customers": 10}
    assert len(database_rows(url, "customers", "id", schema)) == 40
    what, undone = unload_ref(first.load_id, settings)
    assert undone.ok and undone.targets[0].removed == {"orders": 90, "customers": 40}
    assert database_rows(url, "orders", "id", schema) == {} and database_rows(url, "customers", "id", schema) == {}
    what, again = unload_ref(first.load_id, settings)
    assert again.ok and again.targets == []  # nothing recorded is left to remove


def test_typed_formats_and_constraints_only_where_they_hold(tmp_path: Path) -> None:
    """Parquet keeps its types; a reference with values pointing nowhere (edge cases) orders the tables but
    gets no constraint; rows equal the dataset."""
    from tests.conftest import SHOP
    from tools.capability.generation import GenerateDataRequest, generate_data

    out = tmp_path / "bundled"
    generate_data(
        GenerateDataRequest(schema_file=SHOP, rows=300, seed="3", format="parquet", out=out), None
    )  # 1% of orders reference no customer, on purpose
    path = tmp_path / "t.sqlite"
    settings = settings_for(tmp_path / "home", db={"kind": "sqlite", "path": str(path), **FAST})
    report = load_folder(out, ["db"], settings, mode="upsert")
    assert report.ok, report.summary()
    assert any("no parent row" in w and "orders.customer_id" in w for w in report.warnings)
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        assert sa.inspect(engine).get_foreign_keys("orders") == []
        columns = {c["name"]: str(c["type"]) for c in sa.inspect(engine).get_columns("customers")}
    finally:
        engine.dispose()
    assert columns["age"] == "BIGINT" and columns["balance"].startswith("NUMERIC") and columns["active"] == "BOOLEAN"
    want = expected(out)
    held = database_rows(f"sqlite:///{path}", "customers", "id")
    assert held == want["customers"]
    assert norm(next(iter(held.values()))["balance"]) == next(iter(want["customers"].values()))["balance"]


def test_keys_come_from_the_metadata_of_generate(tmp_path: Path) -> None:
    """A reference named like nothing (``buyer``) is found from metadata.json, and its parent loads first."""
    import yaml

    from tests.conftest import SHOP, write_schema
    from tools.capability.generation import GenerateDataRequest, generate_data
    from tools.targets.dataset import read_dataset

    document = yaml.safe_load(SHOP.read_text(encoding="utf-8"))
    document["tables"]["orders"]["fields"]["buyer"] = document["tables"]["orders"]["fields"].pop("customer_id")
    document["tables"] = {"orders": document["tables"]["orders"], "customers": document["tables"]["customers"]}
    document["edge_cases"] = [e for e in document["edge_cases"] if e["table"] == "customers"]
    document.pop("correlations", None)
    out = tmp_path / "out"
    generate_data(GenerateDataRequest(schema_file=write_schema(tmp_path, document), rows=20, seed="1", out=out), None)
    dataset = read_dataset(out)
    assert dataset.order == ["customers", "orders"]
    assert dataset.keys_from == {
        "customers": "metadata.json (the schema's keys)",
        "orders": "metadata.json (the schema's keys)",
    }
    (fk,) = dataset.tables["orders"].plan.foreign_keys
    assert (fk.columns, fk.parent, fk.parent_columns, fk.enforce) == (("buyer",), "customers", ("id",), True)
