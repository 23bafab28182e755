"""The capability registry: one typed function per tool, callable with plain JSON arguments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from tests.conftest import ROOT, SHOP, write_schema
from tools.capability.registry import SPECIALISTS, capabilities, capability, get_capability
from tools.progress import ProgressCallback


def test_every_capability_is_described_and_typed() -> None:
    found = capabilities()
    names = [c.name for c in found]
    assert len(names) == len(set(names))
    assert {"validate_schema", "generate_data", "list_generators", "profile_data", "classify_data"} <= set(names)
    for cap in found:
        assert cap.specialist in SPECIALISTS
        assert len(cap.description) > 20, cap.name
        schema = cap.input_schema()
        assert schema["type"] == "object"
        json.dumps(schema), json.dumps(cap.output_schema())  # both serialisable


def test_generate_data_from_json_arguments(tmp_path: Path) -> None:
    steps: list[tuple[str, int, int | None]] = []
    result = get_capability("generate_data").run(
        {"schema_file": str(SHOP), "rows": 50, "seed": "7", "format": "jsonl", "out": str(tmp_path / "o")},
        lambda step, done, total: steps.append((step, done, total)),
    )
    dumped = result.model_dump(mode="json")
    assert dumped["rows"] == {"customers": 50, "orders": 50}
    assert (tmp_path / "o" / "customers.jsonl").read_text().count("\n") == 50
    assert steps and steps[-1][1] == steps[-1][2]


def test_validate_schema_reports_issues_as_an_answer(tmp_path: Path, shop_document: dict[str, Any]) -> None:
    shop_document["tables"]["orders"]["fields"]["customer_id"]["table"] = "customer"
    result = get_capability("validate_schema").run({"schema_file": str(write_schema(tmp_path, shop_document))})
    dumped = result.model_dump()
    assert dumped["valid"] is False
    assert any("unknown table 'customer'" in i["message"] for i in dumped["issues"])


def test_bad_arguments_are_rejected_by_the_input_model() -> None:
    with pytest.raises(ValueError, match="rows"):
        get_capability("generate_data").run({"schema_file": str(SHOP), "rows": -1})
    with pytest.raises(ValueError, match="extra"):
        get_capability("generate_data").run({"schema_file": str(SHOP), "colour": "red"})


def test_profile_and_classify_summaries(tmp_path: Path) -> None:
    sample = ROOT / "playbooks" / "samples" / "bank_accounts.csv"
    profile = get_capability("profile_data").run({"data": [str(sample)], "out": str(tmp_path / "p.json")})
    assert profile.model_dump()["tables"][0]["name"] == "bank_accounts"
    assert (tmp_path / "p.json").is_file()
    classified = get_capability("classify_data").run({"data": [str(sample)], "out": str(tmp_path / "s.json")})
    dumped = classified.model_dump()
    assert dumped["total"] == len(dumped["columns"]) > 3
    assert any(c["sensitive"] and c["entity"] == "iban" for c in dumped["columns"])


class In(BaseModel):
    x: int


class Out(BaseModel):
    y: int


def test_registration_checks_the_interface() -> None:
    with pytest.raises(TypeError, match="signature"):

        @capability("data_processor", name="bad_signature")
        def bad(request: In) -> Out:
            """Doubles x for the test."""
            return Out(y=request.x)

    with pytest.raises(TypeError, match="pydantic"):

        @capability("data_processor", name="bad_types")
        def untyped(request: int, progress: ProgressCallback | None = None) -> Out:
            """Doubles x for the test."""
            return Out(y=request)

    with pytest.raises(TypeError, match="docstring"):

        @capability("data_processor", name="no_doc")
        def undocumented(request: In, progress: ProgressCallback | None = None) -> Out:
            return Out(y=request.x)
