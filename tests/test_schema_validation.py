"""Schema loading and validation: every error at once, each with its path; conflicts named."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import SHOP, write_schema
from tools.errors import SchemaError
from tools.schema.loading import load_schema, schema_hash
from tools.schema.model import SchemaSpec


def issues_of(tmp_path: Path, document: dict[str, Any]) -> list[str]:
    with pytest.raises(SchemaError) as info:
        load_schema(write_schema(tmp_path, document))
    return [str(i) for i in info.value.issues]


def test_bundled_shop_schema_is_valid() -> None:
    spec, digest = load_schema(SHOP)
    assert spec.name == "shop" and spec.version == 3
    assert set(spec.tables) == {"customers", "orders"}
    assert len(digest) == 16


def test_unknown_table_reported_with_its_path(tmp_path: Path, shop_document: dict[str, Any]) -> None:
    shop_document["tables"]["orders"]["fields"]["customer_id"]["table"] = "customer"
    assert "tables.orders.fields.customer_id: unknown table 'customer'" in issues_of(tmp_path, shop_document)


def test_every_error_is_reported_at_once(tmp_path: Path, shop_document: dict[str, Any]) -> None:
    doc = copy.deepcopy(shop_document)
    doc["tables"]["orders"]["fields"]["customer_id"]["table"] = "customer"
    doc["tables"]["customers"]["fields"]["age"]["min"] = "eighteen"
    doc["tables"]["customers"]["fields"]["tier"]["weights"] = [1, 2]
    doc["tables"]["customers"]["fields"]["code"]["type"] = "regexp"
    doc["tables"]["orders"]["fields"]["ship_date"]["after"] = "ordered_on"
    found = issues_of(tmp_path, doc)
    assert any(i.startswith("tables.customers.fields.age.min:") for i in found)
    assert any(i.startswith("tables.customers.fields.tier:") and "weights has 2 entries" in i for i in found)
    assert any(i.startswith("tables.customers.fields.code.type: unknown type 'regexp'") for i in found)
    assert any("tables.orders.fields.ship_date: refers to unknown field 'ordered_on'" in i for i in found)
    assert len(found) >= 5


def test_structural_errors_have_paths(tmp_path: Path) -> None:
    found = issues_of(tmp_path, {"name": "x", "tables": {"t": {"rows": -1, "fields": {"a": {"nullable": 2}}}}})
    assert any(i.startswith("tables.t.rows:") for i in found)
    assert any(i.startswith("tables.t.fields.a.type:") for i in found)
    assert any(i.startswith("tables.t.fields.a.nullable:") for i in found)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"table": "customers", "field": "id", "kind": "missing", "rate": 0.1}, "conflicts with primary_key"),
        (
            {"table": "customers", "field": "active", "kind": "malformed", "rate": 0.1},
            "conflicts with its type 'boolean'",
        ),
        ({"table": "customers", "field": "tier", "kind": "boundary", "rate": 0.1}, "no min/max bounds"),
        ({"table": "customers", "field": "age", "kind": "invalid_reference", "rate": 0.1}, "only ref fields"),
        (
            {"table": "customers", "field": "age", "kind": "regex", "pattern": "[0-9]", "rate": 0.1},
            "only text columns",
        ),
    ],
)
def test_edge_case_conflicts_name_rule_and_constraint(
    tmp_path: Path, shop_document: dict[str, Any], rule: dict[str, Any], expected: str
) -> None:
    shop_document["edge_cases"].append(rule)
    found = issues_of(tmp_path, shop_document)
    label = f"'{rule['kind']}' on {rule['table']}.{rule['field']}"
    matching = [i for i in found if label in i and expected in i]
    assert matching, found
    assert matching[0].startswith(f"edge_cases[{len(shop_document['edge_cases']) - 1}]: conflict:")


def test_conflicts_block_generation_from_the_cli(tmp_path: Path, shop_document: dict[str, Any]) -> None:
    from typer.testing import CliRunner

    from server.cli import app

    shop_document["edge_cases"].append({"table": "customers", "field": "id", "kind": "missing", "rate": 0.1})
    schema = write_schema(tmp_path, shop_document)
    result = CliRunner().invoke(app, ["generate", str(schema), "--out", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 2
    assert "conflict" in result.output and "primary_key" in result.output
    assert not (tmp_path / "out").exists()


def test_table_cycles_rejected(tmp_path: Path) -> None:
    doc = {
        "name": "cyc",
        "tables": {
            "a": {
                "fields": {
                    "id": {"type": "integer", "sequence": True, "primary_key": True},
                    "b_id": {"type": "ref", "table": "b"},
                }
            },
            "b": {
                "fields": {
                    "id": {"type": "integer", "sequence": True, "primary_key": True},
                    "a_id": {"type": "ref", "table": "a"},
                }
            },
        },
    }
    found = issues_of(tmp_path, doc)
    assert any(i.startswith("tables: tables reference each other in a cycle: a -> b -> a") for i in found), found


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ntables:\n  t: {rows: 1, fields: {a: {type: uuid}\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"bad\.yaml:\d+:\d+: not valid YAML"):
        load_schema(bad)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="no such schema file"):
        load_schema(tmp_path / "nope.yaml")


def test_schema_hash_ignores_key_order() -> None:
    assert schema_hash({"a": 1, "b": [1, 2]}) == schema_hash({"b": [1, 2], "a": 1})
    assert schema_hash({"a": 1}) != schema_hash({"a": 2})


def test_correlation_on_text_field_rejected(tmp_path: Path, shop_document: dict[str, Any]) -> None:
    shop_document["correlations"].append({"table": "customers", "fields": ["age", "tier"], "coefficient": 0.3})
    found = issues_of(tmp_path, shop_document)
    assert any("correlations[1].fields" in i and "'tier'" in i for i in found), found


def test_correlation_on_dependent_datetime_rejected_at_validation(
    tmp_path: Path, shop_document: dict[str, Any]
) -> None:
    shop_document["correlations"].append({"table": "orders", "fields": ["amount", "ship_date"], "coefficient": 0.4})
    found = issues_of(tmp_path, shop_document)
    assert any("correlations[1].fields" in i and "'ship_date' cannot be correlated" in i for i in found), found


# ---------------------------------------------------------------- value spaces smaller than the rows


def one_table(fields: dict[str, Any], rows: int) -> dict[str, Any]:
    return {"name": "s", "tables": {"customers": {"rows": rows, "fields": fields}}}


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (
            {"type": "integer", "min": 1, "max": 10, "primary_key": True},
            "tables.customers.fields.id: 10 possible values (1..10) for 100 rows of a unique field",
        ),
        (
            {"type": "integer", "min": 1, "max": 10, "unique": True},
            "tables.customers.fields.id: 10 possible values (1..10) for 100 rows of a unique field",
        ),
        (
            {"type": "integer", "sequence": True, "max": 10},
            "tables.customers.fields.id: 10 possible values (1..10) for 100 rows of a sequence",
        ),
        (
            {"type": "integer", "sequence": True, "start": 100, "step": -5, "min": 0},
            "tables.customers.fields.id: 21 possible values (100..0) for 100 rows of a sequence",
        ),
        (
            {"type": "enum", "values": ["bronze", "silver", "gold"], "unique": True},
            "tables.customers.fields.id: 3 possible values (bronze, silver, gold) for 100 rows of a unique field",
        ),
        (
            {"type": "regex", "pattern": "[A-C][0-9]", "unique": True},
            # the pattern is text from the file: errors name where it is, never what it says
            "tables.customers.fields.id: 30 possible values (pattern '<value on line 8>') for 100 rows of a unique "
            "field",
        ),
        (
            {"type": "boolean", "unique": True},
            "tables.customers.fields.id: 2 possible values (true, false) for 100 rows of a unique field",
        ),
        (
            {"type": "float", "min": 0, "max": 1, "precision": 1, "unique": True},
            "tables.customers.fields.id: 11 possible values (0..1 in steps of 0.1) for 100 rows of a unique field",
        ),
        (
            {"type": "currency", "min": 1, "max": 50, "currency": "JPY", "unique": True},
            "tables.customers.fields.id: 50 possible values (1..50 in steps of 1) for 100 rows of a unique field",
        ),
        (
            {"type": "date", "start": "2024-01-01", "end": "2024-01-31", "pattern": "business_hours", "unique": True},
            "tables.customers.fields.id: 23 possible values (days 2024-01-01..2024-01-31, business_hours) "
            "for 100 rows of a unique field",
        ),
        (
            {"type": "integer", "min": 1, "max": 50, "unique": True, "nullable": 0.4},
            "tables.customers.fields.id: 50 possible values (1..50) for 60 non-null rows of a unique field "
            "(100 rows, nullable 0.4)",
        ),
    ],
)
def test_a_value_space_smaller_than_the_rows_is_an_error(tmp_path: Path, field: dict[str, Any], expected: str) -> None:
    found = issues_of(tmp_path, one_table({"id": field}, rows=100))
    assert expected in found, found


@pytest.mark.parametrize(
    "field",
    [
        {"type": "integer", "min": 1, "max": 100, "primary_key": True},
        {"type": "integer", "sequence": True, "max": 100},
        {"type": "integer", "min": 1, "max": 60, "unique": True, "nullable": 0.4},
        {"type": "regex", "pattern": "[0-9]{2}", "unique": True},
        {"type": "enum", "values": list(range(100)), "unique": True},
    ],
)
def test_a_value_space_that_fits_generates_distinct_values(tmp_path: Path, field: dict[str, Any]) -> None:
    from tools.engine.runner import GenerateOptions, generate
    from tools.export.base import ExportOptions

    spec, _ = load_schema(write_schema(tmp_path, one_table({"id": field, "n": {"type": "boolean"}}, rows=100)))
    out = tmp_path / "out"
    generate(spec, "h", GenerateOptions(out=out, seed=9, export=ExportOptions(format="csv")))
    values = [line.split(",")[0] for line in (out / "customers.csv").read_text(encoding="utf-8").splitlines()[1:]]
    present = [v for v in values if v != ""]
    assert len(values) == 100 and len(present) == len(set(present))
    if field.get("nullable"):
        assert len(present) == 60  # exactly the non-null share, so the space check holds for every seed
    if field.get("sequence"):
        assert [int(v) for v in values] == list(range(1, 101))


@settings(max_examples=60, deadline=None)
@given(low=st.integers(-50, 50), width=st.integers(0, 60), rows=st.integers(0, 80), rate=st.sampled_from([0, 0.1, 0.5]))
def test_integer_space_check_holds_for_all_ranges(low: int, width: int, rows: int, rate: float) -> None:
    from tools.schema.model import SchemaSpec
    from tools.schema.validate import validate_schema

    field = {"type": "integer", "min": low, "max": low + width, "unique": True, "nullable": rate}
    found = [str(i) for i in validate_schema(SchemaSpec.model_validate(one_table({"id": field}, rows)))]
    non_null = rows - int(rows * rate)
    if non_null > width + 1:
        assert any(f"{width + 1} possible values ({low}..{low + width})" in i for i in found), found
    else:
        assert found == []


def test_generate_rows_override_is_checked_before_anything_is_written(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from server.cli import app

    schema = write_schema(tmp_path, one_table({"id": {"type": "integer", "max": 500, "primary_key": True}}, rows=50))
    assert CliRunner().invoke(app, ["validate", str(schema)]).exit_code == 0
    result = CliRunner().invoke(app, ["generate", str(schema), "--rows", "1000", "--out", str(tmp_path / "o"), "-q"])
    assert result.exit_code == 2
    assert "tables.customers.fields.id: 501 possible values (0..500) for 1000 rows of a unique field" in result.output
    assert not (tmp_path / "o").exists()
    # Appending counts the rows already written: 400 + 200 > 501.
    first = CliRunner().invoke(app, ["generate", str(schema), "--rows", "400", "--out", str(tmp_path / "a")])
    assert first.exit_code == 0
    before = sorted((p.name, p.stat().st_size) for p in (tmp_path / "a").iterdir())
    result = CliRunner().invoke(app, ["generate", str(schema), "--rows", "200", "--append", str(tmp_path / "a"), "-q"])
    assert result.exit_code == 2 and "for 600 rows of a unique field" in result.output
    assert sorted((p.name, p.stat().st_size) for p in (tmp_path / "a").iterdir()) == before


# ---------------------------------------------------------------- correlations no data can have


def correlated(pairs: list[tuple[str, str, float]], rows: int = 100) -> dict[str, Any]:
    names = sorted({n for a, b, _ in pairs for n in (a, b)})
    fields = {
        n: {"type": "float", "min": 0, "max": 1, "distribution": {"normal": {"mean": 0.5, "std": 0.1}}} for n in names
    }
    return {
        "name": "c",
        "tables": {"t": {"rows": rows, "fields": fields}},
        "correlations": [{"table": "t", "fields": [a, b], "coefficient": c} for a, b, c in pairs],
    }


def test_impossible_correlations_are_named_with_their_coefficients(tmp_path: Path) -> None:
    found = issues_of(tmp_path, correlated([("a", "b", 0.8), ("a", "d", 0.8), ("b", "d", -0.8)]))
    [issue] = [i for i in found if "no real data" in i]
    assert issue.startswith("correlations: ")
    assert "a-b 0.8, a-d 0.8, b-d -0.8" in issue
    assert "no real data can have these correlations" in issue and "table 't'" in issue
    assert "not positive semi-definite" in issue


@pytest.mark.parametrize(
    "pairs",
    [
        [("a", "b", 0.9), ("b", "c", 0.9), ("c", "d", 0.9), ("d", "a", -0.9)],  # a cycle: no completion
        [("a", "b", 1.0), ("b", "c", 1.0), ("a", "c", 0.5)],
        [("a", "b", 0.9), ("b", "c", 0.9), ("a", "c", -0.5), ("x", "y", 0.3)],  # only the first group is wrong
    ],
)
def test_impossible_correlations_with_pairs_left_open(tmp_path: Path, pairs: list[tuple[str, str, float]]) -> None:
    found = [i for i in issues_of(tmp_path, correlated(pairs)) if "no real data" in i]
    assert len(found) == 1 and "x-y" not in found[0], found


@pytest.mark.parametrize(
    "pairs",
    [
        [("a", "b", 0.9), ("b", "c", 0.9)],  # a-c left open: 0.81 or so completes it
        [("a", "b", 0.7), ("b", "c", 0.7), ("c", "d", 0.7), ("d", "a", 0.7)],
        [("a", "b", -0.6), ("a", "c", -0.6), ("b", "c", 0.2)],
    ],
)
def test_possible_correlations_pass_and_are_reached(tmp_path: Path, pairs: list[tuple[str, str, float]]) -> None:
    import numpy as np
    import pyarrow.parquet as pq

    from tools.engine.runner import GenerateOptions, generate
    from tools.export.base import ExportOptions

    spec, _ = load_schema(write_schema(tmp_path, correlated(pairs, rows=20_000)))
    generate(spec, "h", GenerateOptions(out=tmp_path / "o", seed=3, export=ExportOptions(format="parquet")))
    table = pq.read_table(tmp_path / "o" / "t.parquet")
    for a, b, target in pairs:
        achieved = np.corrcoef(table[a].to_numpy(), table[b].to_numpy())[0, 1]
        assert abs(achieved - target) < 0.03, (a, b, achieved, target)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    size=st.integers(2, 6),
    keep=st.lists(st.booleans(), min_size=15, max_size=15),
)
def test_the_correlations_of_real_data_always_pass(seed: int, size: int, keep: list[bool]) -> None:
    import numpy as np

    from tools.schema.validate import correlation_issues

    data = np.random.default_rng(seed).standard_normal((size + 3, size)) @ np.random.default_rng(
        seed + 1
    ).standard_normal((size, size))
    matrix = np.corrcoef(data, rowvar=False)
    names = [f"f{i}" for i in range(size)]
    pairs = [(names[i], names[j], round(float(matrix[i, j]), 12)) for i in range(size) for j in range(i + 1, size)]
    chosen = [p for p, k in zip(pairs, keep, strict=False) if k] or pairs[:1]
    spec = SchemaSpec.model_validate(correlated(chosen))
    assert [str(i) for i in correlation_issues(spec)] == []


# ---------------------------------------------------------------- every problem in one pass


def test_structural_errors_do_not_hide_meaning_errors_or_conflicts(tmp_path: Path) -> None:
    doc = {
        "name": "all",
        "tables": {
            "t": {
                "rows": -1,
                "fields": {
                    "id": {"type": "integer", "min": 10, "max": 1, "primary_key": True, "nullable": 0.1},
                    "score": {"type": "float"},
                    "other": {"type": "float"},
                    "code": {"type": "regex", "pattern": "[a-z]{3}"},
                    "parent": {"type": "ref", "table": "nowhere"},
                    "broken": {"nullable": 0.1},
                },
            }
        },
        "correlations": [
            {"table": "t", "fields": ["score", "other"], "coefficient": 1.5},
            {"table": "t", "fields": ["score", "code"], "coefficient": 0.5},
        ],
        "edge_cases": [
            {"table": "t", "field": "id", "kind": "missing", "rate": 0.1},
            {"table": "t", "field": "id", "kind": "malformed", "rate": 2},
            {"table": "t", "field": "score", "kind": "regex", "pattern": "x", "rate": 0.1},
            {"table": "t", "field": "id", "kind": "malformed", "rate": 0.1},
        ],
    }
    found = issues_of(tmp_path, doc)
    expected = [
        "tables.t.rows:",  # structural
        "tables.t.fields.broken.type:",
        "correlations[0].coefficient:",
        "edge_cases[1].rate:",
        "tables.t.fields.id: max (1) is below min (10)",  # a parameter (range) error
        "tables.t.fields.id.nullable: conflict: a primary key cannot be nullable",  # hidden by it before
        "tables.t.fields.parent: unknown table 'nowhere'",  # meaning errors, hidden by structure before
        "correlations[1].fields: 'code' (regex) is not a numeric field",
        "edge_cases[0]: conflict: 'missing' on t.id conflicts with primary_key",
        "edge_cases[2]: conflict: 'regex' on t.score conflicts with its type 'float'",
        "edge_cases[3]: conflict: 'malformed' on t.id conflicts with its type 'integer'",
    ]
    missing = [e for e in expected if not any(i.startswith(e) for i in found)]
    assert missing == [], found
    assert not any("unknown type ''" in i or "tables.t.fields.broken:" in i for i in found), found


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in [(*prefix, k), *_paths(v, (*prefix, k))]]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in [(*prefix, i), *_paths(v, (*prefix, i))]]
    return []


@settings(max_examples=60, deadline=None)
@given(data=st.data(), junk=st.sampled_from([None, -1, 1.5, "x", [], {}, True]))
def test_any_broken_value_is_reported_with_the_rest_never_a_crash(data: st.DataObject, junk: Any) -> None:
    from tools.schema.loading import _meaning_issues_of_the_rest, parse_schema

    document = yaml.safe_load(SHOP.read_text(encoding="utf-8"))
    path = data.draw(st.sampled_from(_paths(document)))
    node = document
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = junk
    spec, issues = parse_schema(document)
    rest = _meaning_issues_of_the_rest(document, "shop", None) if spec is None else []
    assert all(isinstance(i.path, str) and i.message for i in issues + rest)
