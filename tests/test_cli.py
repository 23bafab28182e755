"""The `doppel` command, run as a real subprocess the way users and scripts run it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from tests.conftest import ROOT, SHOP, write_schema

DOPPEL = [sys.executable, "-m", "server.cli"]


def doppel(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*DOPPEL, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_validate_ok() -> None:
    done = doppel("validate", str(SHOP))
    assert done.returncode == 0, done.stderr
    assert "schema 'shop' version 3" in done.stdout


def test_validate_errors_exit_2_without_traceback(tmp_path: Path, shop_document: dict[str, Any]) -> None:
    shop_document["tables"]["orders"]["fields"]["customer_id"]["table"] = "customer"
    shop_document["tables"]["customers"]["fields"]["active"]["p"] = 3
    done = doppel("validate", str(write_schema(tmp_path, shop_document)))
    assert done.returncode == 2
    assert "tables.orders.fields.customer_id: unknown table 'customer'" in done.stderr
    assert "tables.customers.fields.active.p:" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_generate_shop_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "shop"
    done = doppel("generate", str(SHOP), "--rows", "300", "--seed", "42", "--format", "parquet", "--out", str(out))
    assert done.returncode == 0, done.stderr
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["seed"] == 42 and meta["schema"]["name"] == "shop" and meta["schema"]["version"] == 3
    assert meta["rows"] == {"customers": 300, "orders": 300}
    customers = pq.read_table(out / "customers.parquet")
    assert customers.num_rows == 300
    assert customers.column_names[-1] == "_anomalies"
    assert str(customers.schema.field("signup").type) == "timestamp[us, tz=Europe/London]"
    assert str(customers.schema.field("balance").type) == "decimal128(18, 2)"
    assert meta["doppel_version"]
    assert set(meta["tables"]["customers"]["columns"]) == set(customers.column_names[:-1])


def test_no_tags_removes_the_column(tmp_path: Path) -> None:
    out = tmp_path / "o"
    done = doppel(
        "generate",
        str(SHOP),
        "--rows",
        "20",
        "--seed",
        "1",
        "--format",
        "csv",
        "--no-tags",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    header = (out / "customers.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "_anomalies" not in header and header.startswith("id,first_name")


def test_bad_arguments_are_named(tmp_path: Path) -> None:
    done = doppel("generate", str(SHOP), "--format", "xlsx", "--out", str(tmp_path / "x"))
    assert done.returncode == 2 and "--format: 'xlsx' is not one of" in done.stderr
    done = doppel("generate", str(tmp_path / "missing.yaml"))
    assert done.returncode == 2 and "no such schema file" in done.stderr
    assert not (tmp_path / "x").exists()


def test_not_a_tty_means_no_progress_bar(tmp_path: Path) -> None:
    done = doppel("generate", str(SHOP), "--rows", "10", "--seed", "1", "--out", str(tmp_path / "o"))
    assert done.returncode == 0
    assert "rows/s" not in done.stderr and "━" not in done.stderr


def test_seed_from_reproduces(tmp_path: Path) -> None:
    first = tmp_path / "a"
    assert doppel("generate", str(SHOP), "--rows", "50", "--format", "jsonl", "--out", str(first)).returncode == 0
    again = tmp_path / "b"
    done = doppel(
        "generate",
        str(SHOP),
        "--rows",
        "50",
        "--format",
        "jsonl",
        "--seed-from",
        str(first / "metadata.json"),
        "--out",
        str(again),
    )
    assert done.returncode == 0, done.stderr
    for name in ("customers.jsonl", "orders.jsonl"):
        assert (first / name).read_bytes() == (again / name).read_bytes()


def test_append_via_cli(tmp_path: Path) -> None:
    out = tmp_path / "o"
    assert (
        doppel("generate", str(SHOP), "--rows", "40", "--seed", "3", "--format", "csv", "--out", str(out)).returncode
        == 0
    )
    done = doppel("generate", str(SHOP), "--rows", "10", "--append", str(out))
    assert done.returncode == 0, done.stderr
    lines = (out / "orders.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + 50 and lines[0].startswith("id,")
    ids = [int(line.split(",")[0]) for line in lines[1:]]
    assert ids == list(range(1, 51))


def test_generators_lists_every_type_with_its_public_parameter_names() -> None:
    from tools.generators.registry import registry

    result = doppel("generators")
    assert result.returncode == 0, result.stderr
    listed = {line.split()[0] for line in result.stdout.splitlines() if line.strip() and "│" in line}
    assert set(registry()) <= listed
    email = next(line for line in result.stdout.splitlines() if line.startswith(" email "))
    assert "from," in email and "from_" not in email  # the schema key, not the Python name
    assert "[min, max]" in result.stdout  # descriptions are not eaten as terminal markup
