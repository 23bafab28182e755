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


# ---------------------------------------------------------------- bad files and folders: one line, exit 2


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    """The whole stderr of a refused command: exactly one `error: ...` line, exit code 2, no traceback."""
    assert done.returncode == 2, (done.returncode, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    return lines[0]


def test_seed_from_malformed_json_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "meta.json"
    bad.write_text('{\n  "seed": 12,\n  "schema": {oops}\n}\n', encoding="utf-8")
    line = one_line_error(doppel("generate", str(SHOP), "--seed-from", str(bad), "--out", str(tmp_path / "o")))
    assert f"{bad}:3:" in line and "not valid JSON" in line
    assert not (tmp_path / "o").exists()


def test_seed_from_without_a_seed_is_named(tmp_path: Path) -> None:
    meta = tmp_path / "meta.json"
    meta.write_text('{"schema": {"name": "shop"}}', encoding="utf-8")
    line = one_line_error(doppel("generate", str(SHOP), "--seed-from", str(meta), "--out", str(tmp_path / "o")))
    assert str(meta) in line and "no 'seed'" in line
    assert not (tmp_path / "o").exists()


def test_seed_from_a_folder_without_metadata_says_it_is_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    line = one_line_error(doppel("generate", str(SHOP), "--seed-from", str(folder), "--out", str(tmp_path / "o")))
    assert str(folder) in line and "is a folder" in line and "no such" not in line


def test_out_naming_an_existing_file_is_refused_and_the_file_kept(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_text("keep me", encoding="utf-8")
    line = one_line_error(doppel("generate", str(SHOP), "--rows", "5", "--out", str(target)))
    assert f"--out {target}" in line and "is a file" in line
    assert target.read_text(encoding="utf-8") == "keep me"


def test_out_that_cannot_be_created_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("", encoding="utf-8")
    line = one_line_error(doppel("generate", str(SHOP), "--rows", "5", "--out", str(blocker / "sub")))
    assert f"--out {blocker / 'sub'}" in line and "cannot create" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker"]


def test_a_folder_given_as_the_schema_says_it_is_a_folder(tmp_path: Path) -> None:
    for command in ("validate", "generate"):
        line = one_line_error(doppel(command, str(tmp_path)))
        assert str(tmp_path) in line and "is a folder" in line and "no such" not in line


def test_anonymise_out_file_or_unwritable_and_folder_arguments(tmp_path: Path) -> None:
    sample = tmp_path / "people.csv"
    sample.write_text("id,name\n1,Ann Lee\n2,Bob Ray\n", encoding="utf-8")
    existing = tmp_path / "taken.txt"
    existing.write_text("keep me", encoding="utf-8")
    base = ("anonymise", str(sample), "--no-classify", "-q")
    line = one_line_error(doppel(*base, "--out", str(existing)))
    assert f"--out {existing}" in line and "is a file" in line
    assert existing.read_text(encoding="utf-8") == "keep me"
    line = one_line_error(doppel(*base, "--out", str(existing / "sub")))
    assert f"--out {existing / 'sub'}" in line and "cannot create" in line
    folder_arg = ("anonymise", str(sample), "--sensitivity", str(tmp_path), "--out", str(tmp_path / "o"))
    line = one_line_error(doppel(*folder_arg))
    assert str(tmp_path) in line and "is a folder" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["people.csv", "taken.txt"]


# ---------------------------------------------------------------- requests too big for the machine


def test_generate_refuses_a_trillion_rows_at_once_with_the_estimate(tmp_path: Path) -> None:
    out = tmp_path / "o"
    line = one_line_error(doppel("generate", str(SHOP), "--rows", str(10**12), "--out", str(out)))
    assert line.startswith("error: --rows 1,000,000,000,000: too big for this machine")
    assert " TB on disk (" in line and " of memory (" in line and "customers 1,000,000,000,000 rows ~ " in line
    assert not out.exists()


def test_synthesize_refuses_a_trillion_rows_at_once_with_the_estimate(tmp_path: Path) -> None:
    sample = tmp_path / "people.csv"
    sample.write_text("id,name,age\n" + "".join(f"{i},Person {i},{20 + i % 50}\n" for i in range(300)), "utf-8")
    out = tmp_path / "synth"
    line = one_line_error(doppel("synthesize", str(sample), "--rows", str(10**12), "--out", str(out), "-q"))
    assert line.startswith("error: --rows 1,000,000,000,000: too big for this machine: at least ")
    assert " TB on disk (" in line and " of memory (" in line
    assert not out.exists()


def test_append_to_a_folder_whose_metadata_is_not_a_generate_run(tmp_path: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    (out / "metadata.json").write_text('{"schema": {"name": "shop"}}', encoding="utf-8")
    line = one_line_error(doppel("generate", str(SHOP), "--rows", "5", "--append", str(out)))
    assert f"{out / 'metadata.json'}" in line and "not the metadata of a generate run" in line
    assert sorted(p.name for p in out.iterdir()) == ["metadata.json"]
