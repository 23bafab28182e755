"""JSON Schema (draft 2020-12) -> Doppel DSL: tables, field mapping, $ref handling and issues with paths."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.conftest import ROOT
from tools.schema.jsonschema_loader import FORMAT_PATTERNS, NAME_GENERATORS, load_json_schema
from tools.schema.loading import parse_schema
from tools.schema.model import SchemaSpec
from tools.schema.validate import validate_schema

SHOP_JSON = ROOT / "examples" / "shop.schema.json"


def convert(document: dict[str, Any], source: str = "data/test.schema.json") -> dict[str, Any]:
    """Convert a document that must map cleanly; the result must be a valid SchemaSpec."""
    out, issues = load_json_schema(document, source)
    assert issues == [], [str(i) for i in issues]
    SchemaSpec.model_validate(out)
    return out


def problems(document: dict[str, Any]) -> list[str]:
    _, issues = load_json_schema(document, "test.schema.json")
    assert issues, "expected at least one issue"
    return [str(i) for i in issues]


def table(properties: dict[str, Any], required: list[Any] | None = None, **extra: Any) -> dict[str, Any]:
    """A root-object document (one table named 'test') whose properties are all required by default."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        **extra,
    }


def fields(document: dict[str, Any]) -> dict[str, Any]:
    out = convert(document)
    (only,) = out["tables"].values()
    return dict(only["fields"])


def field(prop: dict[str, Any], name: str = "value") -> dict[str, Any]:
    return dict(fields(table({name: prop}))[name])


# ---------------------------------------------------------------- tables and document


def test_root_object_is_one_table_named_by_title_slug() -> None:
    out = convert(table({"x": {"type": "boolean"}}, title="My Shop!", version=3, description="d"))
    assert out["name"] == "my_shop" and out["version"] == 3 and out["description"] == "d"
    assert list(out["tables"]) == ["my_shop"]
    assert out["tables"]["my_shop"]["rows"] == 1000


def test_root_object_without_title_is_named_by_file_stem() -> None:
    doc = {**table({"x": {"type": "boolean"}}), "x-doppel-version": "2b", "x-doppel-rows": 7}
    out = convert(doc, "a/Big Data.schema.json")
    assert out["name"] == "big_data" and list(out["tables"]) == ["big_data"] and out["version"] == "2b"
    assert out["tables"]["big_data"]["rows"] == 7


def test_every_object_definition_is_a_table() -> None:
    out = convert(
        {
            "$defs": {
                "customer": {"type": "object", "properties": {"id": {"type": "integer"}}, "x-doppel-rows": 50},
                "score": {"type": "integer"},
            },
            "definitions": {"legacy": {"properties": {"flag": {"type": "boolean"}}, "required": ["flag"]}},
        }
    )
    assert set(out["tables"]) == {"customer", "legacy"}
    assert out["tables"]["customer"]["rows"] == 50
    assert out["tables"]["legacy"]["fields"]["flag"] == {"type": "boolean"}


def test_object_definition_used_only_as_an_embedded_type_is_not_a_table() -> None:
    out = convert(
        {
            "$defs": {
                "person": {
                    "type": "object",
                    "properties": {"id": {"type": "integer"}, "home": {"$ref": "#/$defs/place"}},
                    "required": ["id", "home"],
                },
                "place": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
            }
        }
    )
    assert set(out["tables"]) == {"person"}
    assert out["tables"]["person"]["fields"]["home"] == {"type": "json", "fields": {"city": {"type": "city"}}}


def test_root_array_properties_list_the_tables_and_their_rows() -> None:
    row = {"type": "object", "properties": {"id": {"type": "integer"}}}
    out = convert(
        {
            "type": "object",
            "properties": {
                "people": {"type": "array", "items": {"$ref": "#/$defs/person"}, "x-doppel-rows": 10},
                "staff": {"type": "array", "items": {"$ref": "#/$defs/person"}, "maxItems": 20},
                "things": {"type": "array", "items": {"$ref": "#/$defs/thing"}},
                "inline": {"type": "array", "items": row},
            },
            "$defs": {"person": row, "thing": {**row, "x-doppel-rows": 30}},
        }
    )
    assert {name: t["rows"] for name, t in out["tables"].items()} == {
        "people": 10,
        "staff": 20,
        "things": 30,
        "inline": 1000,
    }


def test_root_list_with_a_non_table_property_is_reported() -> None:
    found = problems(
        {
            "properties": {
                "people": {"type": "array", "items": {"$ref": "#/$defs/p"}},
                "count": {"type": "integer"},
            },
            "$defs": {"p": {"type": "object", "properties": {"id": {"type": "integer"}}}},
        }
    )
    assert any(i.startswith("properties.count: ") and "array of table rows" in i for i in found)


def test_no_tables_is_reported() -> None:
    assert any("no tables found" in i for i in problems({"$defs": {"n": {"type": "integer"}}}))


def test_bad_row_count_and_unknown_options_are_reported() -> None:
    found = problems(
        {
            "$defs": {
                "t": {
                    "type": "object",
                    "properties": {"id": {"type": "integer"}},
                    "x-doppel-rows": -3,
                    "x-doppel-colour": "red",
                }
            },
            "x-doppel-bogus": 1,
        }
    )
    assert any(i.startswith("$defs.t.x-doppel-rows: row count") for i in found)
    assert any(i.startswith("$defs.t.x-doppel-colour: unknown table option") for i in found)
    assert any(i.startswith("x-doppel-bogus: unknown document option") for i in found)


def test_correlations_and_edge_cases_pass_through() -> None:
    doc = {
        **table({"a": {"type": "integer"}, "b": {"type": "integer"}}, title="t"),
        "x-doppel-correlations": [{"table": "t", "fields": ["a", "b"], "coefficient": 0.5}],
        "x-doppel-edge-cases": [{"table": "t", "field": "a", "kind": "boundary", "rate": 0.1}],
    }
    spec = SchemaSpec.model_validate(convert(doc))
    assert spec.correlations[0].coefficient == 0.5 and spec.edge_cases[0].kind == "boundary"


def test_a_document_that_is_not_an_object_is_an_issue() -> None:
    out, issues = load_json_schema([1, 2], "x.json")  # type: ignore[arg-type]
    assert out == {} and "a JSON Schema document is an object" in issues[0].message


# ---------------------------------------------------------------- metaschema


def test_metaschema_errors_become_issues_with_paths() -> None:
    doc = {
        "$defs": {
            "customer": {
                "type": "object",
                "properties": {"age": {"type": "integer", "minimum": "18"}, "x": {"type": "strin"}},
            }
        }
    }
    out, issues = load_json_schema(doc, "c.json")
    paths = {i.path for i in issues}
    assert "$defs.customer.properties.age.minimum" in paths
    assert "$defs.customer.properties.x.type" in paths
    assert all(i.message.startswith("not a valid JSON Schema") for i in issues)
    assert out["tables"] == {}


def test_metaschema_error_in_a_list_uses_an_index() -> None:
    _, issues = load_json_schema(table({"a": {"type": "integer"}}, required=["a", 5]), "c.json")
    assert [i.path for i in issues] == ["required[1]"]


# ---------------------------------------------------------------- strings


@pytest.mark.parametrize(
    ("fmt", "kind"),
    [("email", "email"), ("uuid", "uuid"), ("date", "date"), ("date-time", "datetime"), ("time", "time")],
)
def test_string_formats_pick_generators(fmt: str, kind: str) -> None:
    assert field({"type": "string", "format": fmt}) == {"type": kind}


@pytest.mark.parametrize(
    ("fmt", "good", "bad"),
    [
        ("ipv4", "192.168.0.255", "256.1.1.1"),
        ("uri", "https://example.com/a/b-c", "ftp://example.com"),
        ("hostname", "api.example.io", "-bad-.com"),
    ],
)
def test_network_formats_become_regex(fmt: str, good: str, bad: str) -> None:
    spec = field({"type": "string", "format": fmt})
    assert spec == {"type": "regex", "pattern": FORMAT_PATTERNS[fmt]}
    assert re.fullmatch(spec["pattern"], good) and not re.fullmatch(spec["pattern"], bad)


def test_unknown_format_is_an_issue_at_the_format() -> None:
    found = problems({"$defs": {"c": {"type": "object", "properties": {"w": {"type": "string", "format": "iri"}}}}})
    assert any(i.startswith("$defs.c.properties.w.format: format 'iri' is not supported") for i in found)


def test_pattern_becomes_regex_without_anchors_and_wins_over_format() -> None:
    assert field({"type": "string", "pattern": "^[A-Z]{3}-\\d{4}$"}) == {"type": "regex", "pattern": "[A-Z]{3}-\\d{4}"}
    assert field({"type": "string", "format": "email", "pattern": "a\\$"}) == {"type": "regex", "pattern": "a\\$"}


def test_enum_and_const_become_enum() -> None:
    assert field({"type": "string", "enum": ["a", "b"]}) == {"type": "enum", "values": ["a", "b"]}
    assert field({"const": 7}) == {"type": "enum", "values": [7]}
    assert field({"type": ["integer", "null"], "enum": [1, 2, None]}) == {
        "type": "enum",
        "values": [1, 2],
        "nullable": 0.05,
    }


def test_enum_of_objects_is_an_issue() -> None:
    assert any(i.startswith("properties.value.enum:") for i in problems(table({"value": {"enum": [{"a": 1}]}})))


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("first_name", "first_name"),
        ("firstName", "first_name"),
        ("given_name", "first_name"),
        ("surname", "last_name"),
        ("family_name", "last_name"),
        ("name", "full_name"),
        ("full_name", "full_name"),
        ("telephone", "phone"),
        ("mobile", "phone"),
        ("zip", "postcode"),
        ("postal_code", "postcode"),
        ("town", "city"),
        ("address_line1", "street"),
        ("address", "address"),
        ("country", "country"),
        ("employer", "company"),
        ("iban", "iban"),
        ("card_number", "credit_card"),
        ("ssn", "ssn"),
    ],
)
def test_property_name_picks_a_semantic_generator(name: str, kind: str) -> None:
    assert NAME_GENERATORS.get(re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).lower()) == kind
    assert field({"type": "string", "maxLength": 80}, name=name) == {"type": kind}


def test_format_wins_over_the_property_name() -> None:
    assert field({"type": "string", "format": "uuid"}, name="name") == {"type": "uuid"}


def test_plain_string_is_text_with_word_counts_from_lengths() -> None:
    assert field({"type": "string"}) == {"type": "text"}
    assert field({"type": "string", "maxLength": 200}) == {"type": "text", "min_words": 1, "max_words": 25}
    assert field({"type": "string", "minLength": 20, "maxLength": 80}) == {
        "type": "text",
        "min_words": 4,
        "max_words": 10,
    }
    assert field({"type": "string", "minLength": 2, "maxLength": 5}) == {"type": "regex", "pattern": "[a-z]{2,5}"}


# ---------------------------------------------------------------- numbers, booleans, objects, arrays


def test_integer_bounds_and_exclusive_bounds() -> None:
    assert field({"type": "integer", "minimum": 18, "maximum": 99}) == {"type": "integer", "min": 18, "max": 99}
    assert field({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10}) == {
        "type": "integer",
        "min": 1,
        "max": 9,
    }
    assert field({"type": "integer", "minimum": 5_000_000}) == {"type": "integer", "min": 5_000_000, "max": 6_000_000}


def test_empty_integer_range_is_an_issue() -> None:
    found = problems(table({"n": {"type": "integer", "exclusiveMinimum": 5, "maximum": 5}}))
    assert any(i.startswith("properties.n.maximum: no value lies between") for i in found)


def test_integer_multiple_of_is_an_issue() -> None:
    assert any(
        i.startswith("properties.n.multipleOf:") for i in problems(table({"n": {"type": "integer", "multipleOf": 5}}))
    )


def test_number_float_currency_and_precision() -> None:
    assert field({"type": "number", "minimum": 0.5, "maximum": 2}) == {"type": "float", "min": 0.5, "max": 2}
    assert field({"type": "number", "multipleOf": 0.01, "maximum": 10}) == {"type": "currency", "max": 10}
    assert field({"type": "number", "x-doppel-type": "currency", "minimum": 1, "x-doppel-currency": "GBP"}) == {
        "type": "currency",
        "min": 1,
        "currency": "GBP",
    }
    assert field({"type": "number", "multipleOf": 0.001}) == {"type": "float", "precision": 3}
    assert any(
        i.startswith("properties.n.multipleOf:") for i in problems(table({"n": {"type": "number", "multipleOf": 0.5}}))
    )


def test_boolean() -> None:
    assert field({"type": "boolean", "x-doppel-p": 0.8}) == {"type": "boolean", "p": 0.8}


def test_nested_objects_become_json_recursively() -> None:
    spec = field(
        {
            "type": "object",
            "required": ["newsletter"],
            "properties": {
                "newsletter": {"type": "boolean"},
                "channel": {"enum": ["sms", "email"]},
                "inner": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]},
            },
        }
    )
    assert spec == {
        "type": "json",
        "fields": {
            "newsletter": {"type": "boolean"},
            "channel": {"type": "enum", "values": ["sms", "email"]},  # optional, but its type has no null
            "inner": {"type": "json", "fields": {"n": {"type": "integer"}}},
        },
    }


def test_arrays_are_not_supported_yet() -> None:
    found = problems(table({"tags": {"type": "array", "items": {"type": "string"}}}))
    assert any(i.startswith("properties.tags: arrays are not supported yet") for i in found)


def test_unsupported_keywords_and_compositions() -> None:
    found = problems(
        table(
            {
                "a": {"not": {"type": "string"}},
                "b": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                "c": {"type": ["string", "integer"]},
                "d": {"type": "null"},
            }
        )
    )
    assert any(i.startswith("properties.a.not:") for i in found)
    assert any(i.startswith("properties.b.oneOf:") for i in found)
    assert any(i.startswith("properties.c.type: one type per field") for i in found)
    assert any(i.startswith("properties.d.type: a field that is always null") for i in found)


def test_any_of_with_null_is_a_nullable_field() -> None:
    assert field({"anyOf": [{"type": "integer", "maximum": 3}, {"type": "null"}]}) == {
        "type": "integer",
        "max": 3,
        "nullable": 0.05,
    }
    assert field({"allOf": [{"type": "boolean"}]}) == {"type": "boolean"}


# ---------------------------------------------------------------- $ref

CUSTOMER = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    "required": ["id", "name"],
}


def shop(order_props: dict[str, Any], **defs: Any) -> dict[str, Any]:
    order = {"type": "object", "properties": order_props, "required": list(order_props)}
    return {"$defs": {"customer": CUSTOMER, "order": order, **defs}}


def test_ref_to_a_table_with_an_id_is_a_foreign_key() -> None:
    out = convert(shop({"id": {"type": "integer"}, "customer": {"$ref": "#/$defs/customer"}}))
    assert out["tables"]["order"]["fields"]["customer"] == {"type": "ref", "table": "customer", "field": "id"}


def test_ref_to_a_table_with_a_flagged_key_uses_that_key_and_the_listed_table_name() -> None:
    account = {
        "type": "object",
        "properties": {"number": {"type": "string", "format": "uuid", "x-doppel-primary-key": True}},
    }
    doc = {
        "properties": {
            "accounts": {"type": "array", "items": {"$ref": "#/$defs/account"}},
            "logins": {"type": "array", "items": {"$ref": "#/$defs/login"}},
        },
        "$defs": {
            "account": account,
            "login": {"type": "object", "properties": {"who": {"$ref": "#/$defs/account", "x-doppel-nullable": 0.1}}},
        },
    }
    out = convert(doc)
    assert out["tables"]["logins"]["fields"]["who"] == {
        "type": "ref",
        "table": "accounts",
        "field": "number",
        "nullable": 0.1,
    }
    assert out["tables"]["accounts"]["fields"]["number"] == {"type": "uuid", "primary_key": True}  # never nullable


def test_ref_to_a_scalar_definition_is_inlined_with_sibling_overrides() -> None:
    out = convert(
        shop(
            {"amount": {"$ref": "#/$defs/money", "maximum": 500}},
            money={"type": "number", "multipleOf": 0.01, "minimum": 0, "maximum": 10_000},
        )
    )
    assert out["tables"]["order"]["fields"]["amount"] == {"type": "currency", "min": 0, "max": 500}
    assert "money" not in out["tables"]


def test_chained_refs_are_followed() -> None:
    out = convert(
        shop(
            {"code": {"$ref": "#/$defs/a"}},
            a={"$ref": "#/$defs/b", "description": "via a"},
            b={"$ref": "#/$defs/c"},
            c={"type": "string", "pattern": "^[0-9]{4}$"},
        )
    )
    assert out["tables"]["order"]["fields"]["code"] == {"type": "regex", "pattern": "[0-9]{4}", "description": "via a"}


def test_ref_cycles_are_issues() -> None:
    found = problems(shop({"x": {"$ref": "#/$defs/a"}}, a={"$ref": "#/$defs/b"}, b={"$ref": "#/$defs/a"}))
    assert any(
        i.startswith("$defs.order.properties.x.$ref: circular $ref: #/$defs/a -> #/$defs/b -> #/$defs/a") for i in found
    )


def test_recursive_embedded_object_is_a_cycle_issue() -> None:
    node = {"type": "object", "properties": {"label": {"type": "string"}, "child": {"$ref": "#/$defs/node"}}}
    found = problems(shop({"tree": {"$ref": "#/$defs/node"}}, node=node))
    assert any("circular $ref: #/$defs/node -> #/$defs/node" in i for i in found)


def test_ref_to_a_table_inside_a_nested_object_is_an_issue() -> None:
    found = problems(shop({"meta": {"type": "object", "properties": {"who": {"$ref": "#/$defs/customer"}}}}))
    assert any(i.startswith("$defs.order.properties.meta.properties.who.$ref: a reference to table") for i in found)


def test_unresolvable_and_external_refs_are_issues() -> None:
    found = problems(shop({"a": {"$ref": "#/$defs/missing"}, "b": {"$ref": "other.json#/$defs/x"}}))
    assert any(i.startswith("$defs.order.properties.a.$ref: '#/$defs/missing' does not point") for i in found)
    assert any(i.startswith("$defs.order.properties.b.$ref: only local") for i in found)


# ---------------------------------------------------------------- nullable, keys, unique, pass-through


def test_nullable_only_from_the_type_or_x_doppel_nullable() -> None:
    got = fields(
        table(
            {
                "a": {"type": ["string", "null"], "format": "date"},
                "b": {"type": "integer"},
                "c": {"type": "integer", "x-doppel-nullable": 0.3},
                "d": {"type": "integer", "x-doppel-nullable": False},
                "e": {"type": "integer"},
            },
            required=["a", "e"],
        )
    )
    assert got["a"]["nullable"] == 0.05
    assert "nullable" not in got["b"]  # left out of required, but a null would break its type
    assert got["c"]["nullable"] == 0.3
    assert got["d"]["nullable"] == 0.0
    assert "nullable" not in got["e"]


def test_primary_keys() -> None:
    got = fields(table({"id": {"type": "integer", "minimum": 100}, "x": {"type": "boolean"}}, required=["x"]))
    assert got["id"] == {"type": "integer", "min": 100, "sequence": True, "start": 100, "primary_key": True}
    got = fields(table({"id": {"type": "string"}}))
    assert got["id"] == {"type": "uuid", "primary_key": True}
    got = fields(
        table(
            {
                "id": {"type": "integer", "x-doppel-primary-key": False},
                "sku": {"type": "string", "x-doppel-primary-key": True, "pattern": "[A-Z]{8}"},
            }
        )
    )
    assert got["id"] == {"type": "integer"}
    assert got["sku"] == {"type": "regex", "pattern": "[A-Z]{8}", "primary_key": True}


def test_two_flagged_primary_keys_is_an_issue() -> None:
    flagged = {"type": "integer", "x-doppel-primary-key": True}
    found = problems({"$defs": {"t": {"type": "object", "properties": {"a": flagged, "b": flagged}}}})
    assert any(i.startswith("$defs.t.properties: only one primary key") for i in found)


def test_unique_from_x_doppel_unique_and_unique_items() -> None:
    assert field({"type": "string", "format": "email", "x-doppel-unique": True}) == {"type": "email", "unique": True}
    assert field({"type": "integer", "uniqueItems": True}) == {"type": "integer", "unique": True}


def test_x_doppel_keywords_pass_through_as_params() -> None:
    assert field(
        {"type": "string", "format": "date-time", "x-doppel-timezone": "Europe/London", "x-doppel-max-delay": "10d"}
    ) == {"type": "datetime", "timezone": "Europe/London", "max_delay": "10d"}
    assert field({"type": "string", "x-doppel-locale": "en_GB"}, name="phone") == {"type": "phone", "locale": "en_GB"}


def test_x_doppel_type_overrides_and_drops_the_natural_params() -> None:
    assert field({"type": "string", "maxLength": 40, "x-doppel-type": "company"}) == {"type": "company"}
    assert field({"type": "string", "format": "weird", "x-doppel-type": "iban", "x-doppel-country": "GB"}) == {
        "type": "iban",
        "country": "GB",
    }
    assert field({"type": "integer", "minimum": 1, "maximum": 9, "x-doppel-type": "float"}) == {
        "type": "float",
        "min": 1,
        "max": 9,
    }
    assert field({"type": "string", "enum": ["a"], "x-doppel-type": "enum", "x-doppel-weights": [1]}) == {
        "type": "enum",
        "values": ["a"],
        "weights": [1],
    }


def test_descriptions_are_kept() -> None:
    assert field({"type": "boolean", "description": "is it?"}) == {"type": "boolean", "description": "is it?"}


# ---------------------------------------------------------------- the bundled example


def test_shop_example_loads_cleanly() -> None:
    document = json.loads(SHOP_JSON.read_text(encoding="utf-8"))
    out = convert(document, str(SHOP_JSON))
    spec, issues = parse_schema(document, str(SHOP_JSON))
    assert issues == [] and spec is not None
    assert spec.name == "shop" and set(spec.tables) == {"customers", "orders"}
    assert spec.tables["orders"].rows == 5000
    customers = spec.tables["customers"].fields
    assert customers["id"].primary_key and customers["id"].type == "uuid"
    assert customers["age"].params == {"min": 18, "max": 99}
    assert customers["tier"].type == "enum" and customers["balance"].type == "currency"
    assert customers["signup"].type == "datetime" and customers["prefs"].type == "json"
    assert customers["email"].unique and customers["email"].params["from"] == ["first_name", "last_name"]
    orders = out["tables"]["orders"]["fields"]
    assert orders["customer_id"] == {"type": "ref", "table": "customers", "field": "id"}
    assert orders["amount"] == {"type": "currency", "min": 1, "max": 500}
    # Meaning checks pass too, apart from generators still being written elsewhere (unknown types).
    pending = [str(i) for i in validate_schema(spec) if "unknown type" not in i.message]
    assert pending == []


# ---------------------------------------------------------------- generated rows validate against the schema

PERSON = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "person",
    "type": "object",
    "additionalProperties": False,
    "required": ["id"],
    "x-doppel-rows": 200,
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "name": {"type": "string", "minLength": 2, "maxLength": 40},
        "email": {"type": "string", "format": "email"},
        "age": {"type": "integer", "minimum": 0, "maximum": 120},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "active": {"type": "boolean"},
        "born": {"type": "string", "format": "date"},
        "tier": {"enum": ["a", "b", "c"]},
        "code": {"type": "string", "pattern": "^[A-Z]{2}[0-9]{3}$"},
        "nickname": {"type": ["string", "null"], "maxLength": 10},
        "address": {
            "type": "object",
            "additionalProperties": False,
            "required": ["city"],
            "properties": {"city": {"type": "string"}, "zip": {"type": "string", "pattern": "^[0-9]{5}$"}},
        },
    },
}


def _generate_json(tmp_path: Any, document: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    from tools.capability.generation import GenerateDataRequest, generate_data

    path = tmp_path / "person.schema.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    out = tmp_path / "out"
    generate_data(GenerateDataRequest(schema_file=path, seed="7", format="json", out=out))
    rows = json.loads((out / "person.json").read_text(encoding="utf-8"))
    return rows, json.loads((out / "metadata.json").read_text(encoding="utf-8"))


def test_rows_generated_from_a_json_schema_validate_against_it(tmp_path: Any) -> None:
    import jsonschema

    rows, _ = _generate_json(tmp_path, PERSON)
    assert len(rows) == 200
    failures = []
    for row in rows:
        try:
            jsonschema.validate(row, PERSON)
        except jsonschema.ValidationError as exc:
            failures.append(exc.message)
    assert failures == [], f"{len(failures)} of {len(rows)} rows fail: {failures[:3]}"
    assert all("_anomalies" not in row for row in rows)
    assert any(row["nickname"] is None for row in rows)  # the one property whose type admits null
    assert all(row[key] is not None for row in rows for key in PERSON["properties"] if key != "nickname")


def test_the_tag_column_appears_only_where_edge_cases_are_asked_for(tmp_path: Any) -> None:
    document = {
        **PERSON,
        "x-doppel-edge-cases": [{"table": "person", "field": "name", "kind": "malformed", "rate": 0.2}],
    }
    rows, meta = _generate_json(tmp_path, document)
    assert all("_anomalies" in row for row in rows)
    assert (
        sum(row["_anomalies"] == "name:malformed" for row in rows)
        == meta["tables"]["person"]["edge_cases"]["name:malformed"]["count"]
        > 0
    )
