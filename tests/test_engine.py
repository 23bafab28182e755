"""The generation engine: exact counts, keys, relations, correlations, edge cases, determinism, append."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tools.engine.runner import GenerateOptions, generate
from tools.errors import DoppelError
from tools.export.base import ExportOptions
from tools.schema.model import SchemaSpec

SMALL: dict[str, Any] = {
    "name": "small",
    "version": 1,
    "tables": {
        "parents": {
            "rows": 300,
            "fields": {
                "id": {"type": "uuid", "primary_key": True},
                "age": {
                    "type": "integer",
                    "min": 18,
                    "max": 99,
                    "distribution": {"normal": {"mean": 41, "std": 12}},
                },
                "balance": {"type": "currency", "min": 0, "max": 5000, "currency": "GBP"},
                "tier": {"type": "enum", "values": ["a", "b", "c"], "nullable": 0.1},
            },
        },
        "children": {
            "rows": 1000,
            "fields": {
                "id": {"type": "integer", "sequence": True, "primary_key": True},
                "parent_id": {"type": "ref", "table": "parents"},
                "amount": {"type": "currency", "min": 1, "max": 500},
                "code": {"type": "integer", "min": 0, "max": 10_000_000, "unique": True},
            },
        },
    },
    "correlations": [{"table": "parents", "fields": ["age", "balance"], "coefficient": 0.6}],
    "edge_cases": [
        {"table": "children", "field": "parent_id", "kind": "invalid_reference", "rate": 0.05},
        {"table": "children", "field": "amount", "kind": "boundary", "rate": 0.1},
        {"table": "parents", "field": "tier", "kind": "malformed", "rate": 0.1},
        {"table": "parents", "field": "age", "kind": "missing", "rate": 0.05},
    ],
}


def run(out: Path, document: dict[str, Any] = SMALL, **kwargs: Any) -> dict[str, Any]:
    spec = SchemaSpec.model_validate(document)
    export = ExportOptions(format=kwargs.pop("format", "parquet"), chunk_rows=kwargs.pop("chunk_rows", None))
    generate(spec, "test", GenerateOptions(out=out, export=export, **kwargs))
    return dict(json.loads((out / "metadata.json").read_text()))


def read(out: Path, table: str) -> pa.Table:
    parts = sorted(out.glob(f"{table}*.parquet"))
    return pa.concat_tables([pq.read_table(p) for p in parts])


def digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.name != "metadata.json"
    }


def test_exact_row_counts_and_override(tmp_path: Path) -> None:
    meta = run(tmp_path / "a", seed=1)
    assert read(tmp_path / "a", "parents").num_rows == 300
    assert read(tmp_path / "a", "children").num_rows == 1000
    run(tmp_path / "b", seed=1, rows=777)
    assert read(tmp_path / "b", "children").num_rows == 777
    assert meta["rows"] == {"parents": 300, "children": 1000}


def test_refs_point_only_at_parent_keys_unless_tagged(tmp_path: Path) -> None:
    run(tmp_path, seed=3)
    parents = read(tmp_path, "parents")
    children = read(tmp_path, "children")
    known = pc.is_in(children["parent_id"], value_set=parents["id"])
    tagged = pc.match_substring(children["_anomalies"], "parent_id:invalid_reference")
    assert pc.all(pc.equal(known, pc.invert(tagged))).as_py()
    assert 0 < pc.sum(tagged).as_py() < 120  # ~5% of 1000


def test_primary_and_unique_keys_never_repeat(tmp_path: Path) -> None:
    run(tmp_path, seed=4, rows=200_000 // 2)
    for table, column in (("parents", "id"), ("children", "id"), ("children", "code")):
        values = read(tmp_path, table)[column]
        assert pc.count_distinct(values).as_py() == len(values)


def test_tags_match_injected_values(tmp_path: Path) -> None:
    run(tmp_path, seed=5, rows=20_000)
    parents = read(tmp_path, "parents")
    missing = pc.match_substring(parents["_anomalies"], "age:missing")
    assert pc.all(pc.equal(pc.is_null(parents["age"]), missing)).as_py()  # age has no other nulls
    malformed = pc.match_substring(parents["_anomalies"], "tier:malformed")
    clean = pc.is_in(parents["tier"], value_set=pa.array(["a", "b", "c"]))
    assert not pc.any(pc.and_(malformed, clean)).as_py()
    children = read(tmp_path, "children")
    boundary = pc.match_substring(children["_anomalies"], "amount:boundary")
    at_edge = pc.is_in(children["amount"].cast(pa.float64()), value_set=pa.array([1.0, 500.0]))
    assert pc.all(pc.or_(pc.invert(boundary), at_edge)).as_py()


def test_edge_case_rates_are_binomial_around_the_configured_rate(tmp_path: Path) -> None:
    """Counted in the written files: rows tagged with the edge case, and rows whose values show it (an
    amount on a bound, a tier outside its values, a parent id no parent has); metadata only has to agree."""
    meta = run(tmp_path, seed=6, rows=40_000)
    parents, children = read(tmp_path, "parents"), read(tmp_path, "children")
    amounts = children["amount"].cast(pa.float64())
    shown = {
        "amount:boundary": pc.is_in(amounts, value_set=pa.array([1.0, 500.0])),
        "tier:malformed": pc.and_(
            pc.is_valid(parents["tier"]), pc.invert(pc.is_in(parents["tier"], value_set=pa.array(["a", "b", "c"])))
        ),
        "parent_id:invalid_reference": pc.invert(pc.is_in(children["parent_id"], value_set=parents["id"])),
    }
    for table, key, rate in (
        ("children", "amount:boundary", 0.1),
        ("parents", "tier:malformed", 0.1),
        ("children", "parent_id:invalid_reference", 0.05),
    ):
        rows = children if table == "children" else parents
        tagged = pc.match_substring(rows["_anomalies"], key)
        n = rows.num_rows
        measured = pc.sum(tagged).as_py() / n
        sd = np.sqrt(rate * (1 - rate) / n)
        assert abs(measured - rate) < 5 * sd, (key, measured)
        # every tagged row shows it in its values; untagged rows only by chance (a drawn amount of exactly 1 or 500)
        showing = shown[key]
        assert pc.all(pc.or_(pc.invert(tagged), showing)).as_py(), key
        untagged_showing = pc.sum(pc.and_(pc.invert(tagged), showing)).as_py()
        assert untagged_showing <= (0.002 * n if key == "amount:boundary" else 0), (key, untagged_showing)
        reported = meta["tables"][table]["edge_cases"][key]
        assert reported["rate"] == pytest.approx(measured, abs=1e-9) and reported["configured_rate"] == rate


def test_correlation_achieved_and_reported(tmp_path: Path) -> None:
    meta = run(tmp_path, seed=7, rows=50_000)
    (entry,) = meta["tables"]["parents"]["correlations"]
    assert entry["fields"] == ["age", "balance"] and entry["target"] == 0.6
    parents = read(tmp_path, "parents").to_pandas()
    clean = parents[parents["_anomalies"] == ""]
    measured = np.corrcoef(clean["age"].astype(float), clean["balance"].astype(float))[0, 1]
    assert abs(measured - 0.6) < 0.02  # measured in the written file
    assert abs(measured - entry["achieved"]) < 0.01  # and the report says so


def test_unreachable_correlation_says_constraints_win(tmp_path: Path) -> None:
    doc = {
        "name": "c",
        "tables": {
            "t": {
                "rows": 20_000,
                "fields": {
                    "a": {"type": "integer", "min": 0, "max": 1},
                    "b": {
                        "type": "float",
                        "min": 0,
                        "max": 1,
                        "distribution": {"exponential": {"scale": 0.05}},
                    },
                },
            }
        },
        "correlations": [{"table": "t", "fields": ["a", "b"], "coefficient": 0.99}],
    }
    meta = run(tmp_path, doc, seed=1)
    (entry,) = meta["tables"]["t"]["correlations"]
    written = read(tmp_path, "t").to_pandas()
    measured = np.corrcoef(written["a"].astype(float), written["b"].astype(float))[0, 1]
    assert measured < 0.95 and abs(measured - entry["achieved"]) < 0.01
    assert "constraints win" in entry["note"]


def test_seed_text_and_int_are_stable(tmp_path: Path) -> None:
    run(tmp_path / "a", seed="release-42", rows=500)
    run(tmp_path / "b", seed="release-42", rows=500)
    run(tmp_path / "c", seed="release-43", rows=500)
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert digest(tmp_path / "a") != digest(tmp_path / "c")


def test_no_seed_draws_and_records_one(tmp_path: Path) -> None:
    meta = run(tmp_path / "a", rows=50)
    assert isinstance(meta["seed"], int) and meta["seed_given"] is False
    run(tmp_path / "b", rows=50, seed=meta["seed"])
    assert digest(tmp_path / "a") == digest(tmp_path / "b")


def test_byte_identical_whatever_the_worker_count(tmp_path: Path) -> None:
    run(tmp_path / "one", seed=11, rows=150_000, workers=1)
    run(tmp_path / "two", seed=11, rows=150_000, workers=2)
    assert digest(tmp_path / "one") == digest(tmp_path / "two")


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chunk=st.integers(min_value=1, max_value=5000), seed=st.integers(min_value=0, max_value=2**32))
def test_same_rows_whatever_the_chunk_size(tmp_path_factory: pytest.TempPathFactory, chunk: int, seed: int) -> None:
    base = tmp_path_factory.mktemp("chunks")
    run(base / "whole", seed=seed, rows=3000)
    run(base / "parts", seed=seed, rows=3000, chunk_rows=chunk)
    for table in ("parents", "children"):
        assert read(base / "whole", table).equals(read(base / "parts", table))
        assert len(list((base / "parts").glob(f"{table}.part-*.parquet"))) == -(-3000 // chunk)


def test_append_continues_sequences_and_never_repeats_keys(tmp_path: Path) -> None:
    run(tmp_path, seed=12, rows=1000)
    spec_small = SchemaSpec.model_validate(SMALL)
    generate(
        spec_small,
        "test",
        GenerateOptions(out=tmp_path, rows=500, append=True, export=ExportOptions(format="parquet")),
    )
    meta = json.loads((tmp_path / "metadata.json").read_text())
    children = read(tmp_path, "children")
    parents = read(tmp_path, "parents")
    assert meta["rows"] == {"parents": 1500, "children": 1500}
    assert children["id"].to_pylist() == list(range(1, 1501))
    assert pc.count_distinct(parents["id"]).as_py() == 1500
    assert pc.count_distinct(children["code"]).as_py() == 1500
    known = pc.is_in(children["parent_id"], value_set=parents["id"])
    tagged = pc.match_substring(children["_anomalies"], "invalid_reference")
    assert pc.all(pc.equal(known, pc.invert(tagged))).as_py()
    assert len(meta["segments"]) == 2
    with pytest.raises(DoppelError, match="seed"):
        generate(
            spec_small,
            "test",
            GenerateOptions(out=tmp_path, rows=5, append=True, seed=99, export=ExportOptions(format="parquet")),
        )


def test_appending_with_another_schema_version_warns(tmp_path: Path) -> None:
    run(tmp_path, seed=13, rows=100)
    other = dict(SMALL, version=2)
    result = generate(
        SchemaSpec.model_validate(other),
        "other-hash",
        GenerateOptions(out=tmp_path, rows=10, append=True, export=ExportOptions(format="parquet")),
    )
    assert any("version 1" in w and "version 2" in w for w in result.warnings)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_appending_another_schema_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    run(tmp_path, seed=13, rows=100)
    before = _snapshot(tmp_path)
    other = {
        "name": "other",
        "tables": {"things": {"rows": 10, "fields": {"id": {"type": "uuid", "primary_key": True}}}},
    }
    with pytest.raises(DoppelError, match=r"schema 'small'.*schema 'other'"):
        generate(
            SchemaSpec.model_validate(other),
            "other-hash",
            GenerateOptions(out=tmp_path, rows=10, append=True, export=ExportOptions(format="parquet")),
        )
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["tables"].pop("children"), "children"),
        (lambda d: d["tables"].update(extra={"fields": {"id": {"type": "uuid", "primary_key": True}}}), "extra"),
        (lambda d: d["tables"]["parents"]["fields"].update(tier={"type": "integer"}), "parents.tier"),
        (lambda d: d["tables"]["children"]["fields"].update(note={"type": "text"}), "children.note"),
    ],
)
def test_appending_a_schema_with_other_tables_or_columns_is_refused(tmp_path: Path, change: Any, expected: str) -> None:
    run(tmp_path, seed=14, rows=50)
    before = _snapshot(tmp_path)
    doc = copy.deepcopy(SMALL)
    change(doc)
    doc["edge_cases"] = [r for r in doc["edge_cases"] if r["table"] in doc["tables"] and r["field"] != "tier"]
    with pytest.raises(DoppelError, match="--append") as info:
        generate(
            SchemaSpec.model_validate(doc),
            "changed",
            GenerateOptions(out=tmp_path, rows=10, append=True, export=ExportOptions(format="parquet")),
        )
    assert expected in str(info.value)
    assert _snapshot(tmp_path) == before


PARQUET = ExportOptions(format="parquet")


def test_only_tables_with_edge_cases_carry_the_tag_column(tmp_path: Path) -> None:
    doc = copy.deepcopy(SMALL)
    doc["edge_cases"] = [r for r in doc["edge_cases"] if r["table"] == "parents"]
    run(tmp_path, doc, seed=15, rows=50)
    assert read(tmp_path, "parents").column_names[-1] == "_anomalies"
    assert "_anomalies" not in read(tmp_path, "children").column_names
    # Appending keeps that layout; adding edge cases to an untagged table would change it: refused.
    generate(SchemaSpec.model_validate(doc), "t", GenerateOptions(out=tmp_path, rows=5, append=True, export=PARQUET))
    assert "_anomalies" not in read(tmp_path, "children").column_names and read(tmp_path, "children").num_rows == 55
    before = _snapshot(tmp_path)
    with pytest.raises(DoppelError, match="'children' was written without the _anomalies column"):
        more = GenerateOptions(out=tmp_path, rows=5, append=True, export=PARQUET)
        generate(SchemaSpec.model_validate(SMALL), "t", more)
    assert _snapshot(tmp_path) == before


def test_refuses_to_overwrite_an_output(tmp_path: Path) -> None:
    run(tmp_path, seed=1, rows=10)
    with pytest.raises(DoppelError, match="--append"):
        run(tmp_path, seed=1, rows=10)


def test_after_keeps_causal_order(tmp_path: Path) -> None:
    doc = {
        "name": "t",
        "tables": {
            "o": {
                "rows": 5000,
                "fields": {
                    "placed": {
                        "type": "datetime",
                        "start": "2024-01-01",
                        "end": "2024-12-31",
                        "timezone": "Europe/London",
                    },
                    "shipped": {"type": "datetime", "after": "placed", "max_delay": "10d"},
                },
            }
        },
    }
    run(tmp_path, doc, seed=2)
    table = read(tmp_path, "o")
    delay = pc.subtract(
        table["shipped"].cast(pa.timestamp("us", "UTC")), table["placed"].cast(pa.timestamp("us", "UTC"))
    )
    seconds = pc.divide(delay.cast(pa.int64()), 1_000_000).to_numpy()
    assert seconds.min() >= 0 and seconds.max() <= 10 * 86400


def test_size_estimate_matches_the_written_output(tmp_path: Path) -> None:
    from tools.engine.plan import build_plan
    from tools.engine.sizing import estimate_generation
    from tools.export.writers import open_table_writer

    spec = SchemaSpec.model_validate(SMALL)
    for fmt in ("csv", "parquet", "jsonl"):
        options = ExportOptions(format=fmt)
        out = tmp_path / fmt
        generate(spec, "t", GenerateOptions(out=out, seed=21, rows=30_000, export=options))
        plan = build_plan(spec, 30_000)

        def write(table: Any, tagged: bool, folder: Path, batch: pa.RecordBatch, o: ExportOptions = options) -> Any:
            writer = open_table_writer(folder, table.table_info(tagged), o)
            writer.write(batch)
            return writer.close()

        sizes = estimate_generation(plan, 21, {}, dict.fromkeys(["parents", "children"], True), write)
        for table in ("parents", "children"):
            actual = sum(p.stat().st_size for p in out.glob(f"{table}.*"))
            assert 0.7 * actual <= sizes[table].disk <= 1.5 * actual, (fmt, table, sizes[table].disk, actual)


def test_refusal_names_disk_and_memory_estimates(tmp_path: Path) -> None:
    from tools.engine.sizing import WORKING_BYTES, Capacity, TableSize, refuse_if_too_big

    sizes = {"t": TableSize(rows=10**9, disk=2 * 10**9, memory=5 * 10**9)}
    refuse_if_too_big("--rows 1,000,000,000", sizes, Capacity(disk=10**10, memory=10**10), tmp_path)  # fits
    with pytest.raises(DoppelError) as info:
        refuse_if_too_big("--rows 1,000,000,000", sizes, Capacity(disk=10**10, memory=10**9), tmp_path)
    message = str(info.value)
    assert "2.0 GB on disk (10.0 GB free" in message
    assert f"{(5 * 10**9 + WORKING_BYTES) / 1e9:.1f} GB of memory (1.0 GB available)" in message
