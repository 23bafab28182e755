"""Custom generators: the decorator, entry points, interface checks and failure reports."""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from tools.engine.blocks import BlockRequest, generate_block
from tools.engine.plan import build_plan
from tools.errors import GeneratorError, RegistrationError
from tools.generators import registry as reg
from tools.generators.registry import GeneratorParams, Related, generator
from tools.schema.model import SchemaSpec
from tools.schema.validate import validate_schema


class SkuParams(GeneratorParams):
    prefix: str = "SKU"


@pytest.fixture
def sku() -> Any:
    @generator("test_sku", params=SkuParams, output=pa.string(), replace=True)
    def make(rng: np.random.Generator, size: int, params: SkuParams, related: Related) -> list[str]:
        """Stock keeping units."""
        return [f"{params.prefix}-{n:05d}" for n in rng.integers(0, 99_999, size)]

    yield make
    reg.unregister("test_sku")


def one_table(field: dict[str, Any], rows: int = 50) -> SchemaSpec:
    return SchemaSpec.model_validate({"name": "t", "tables": {"items": {"rows": rows, "fields": {"x": field}}}})


def test_decorated_generator_is_used_by_schemas(sku: Any) -> None:
    spec = one_table({"type": "test_sku", "prefix": "ABC"})
    assert validate_schema(spec) == []
    table = build_plan(spec).tables[0]
    batch = generate_block(table, BlockRequest(seed=1, segment=0, block=0, row_start=0, size=50), {}).batch
    assert all(v.startswith("ABC-") for v in batch.column("x").to_pylist())


def test_params_of_custom_generators_are_validated(sku: Any) -> None:
    issues = validate_schema(one_table({"type": "test_sku", "prefx": "ABC"}))
    assert [str(i) for i in issues] == ["tables.items.fields.x.prefx: unknown key"]


@pytest.mark.parametrize(
    ("func", "message"),
    [
        (lambda rng, size: [], "must accept (rng, size, params, related)"),
        (lambda rng, size, params, related, extra: [], "must accept"),
        ("not callable", "is not callable"),
    ],
)
def test_bad_interfaces_are_rejected(func: Any, message: str) -> None:
    with pytest.raises(RegistrationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        generator("test_bad")(func)
    assert "test_bad" not in reg.registry()


def test_bad_params_model_and_name_rejected() -> None:
    with pytest.raises(RegistrationError, match="pydantic BaseModel"):
        generator("test_bad2", params=dict)(lambda rng, size, params, related: [])  # type: ignore[arg-type]
    with pytest.raises(RegistrationError, match="identifier"):
        generator("bad name!")(lambda rng, size, params, related: [])


def test_duplicate_names_need_replace(sku: Any) -> None:
    with pytest.raises(RegistrationError, match="already registered"):
        generator("test_sku")(lambda rng, size, params, related: [])


def test_failing_generator_reported_with_table_field_and_rows() -> None:
    @generator("test_boom", replace=True)
    def boom(rng: np.random.Generator, size: int, params: Any, related: Related) -> list[str]:
        raise ZeroDivisionError("bad maths")

    try:
        table = build_plan(one_table({"type": "test_boom"}, rows=10)).tables[0]
        req = BlockRequest(seed=1, segment=0, block=2, row_start=131072, size=10)
        with pytest.raises(GeneratorError) as info:
            generate_block(table, req, {})
        text = str(info.value)
        assert "tables.items.fields.x" in text and "records 131072-131081" in text and "bad maths" in text
    finally:
        reg.unregister("test_boom")


def test_wrong_length_is_reported() -> None:
    @generator("test_short", replace=True)
    def short(rng: np.random.Generator, size: int, params: Any, related: Related) -> list[str]:
        return ["a"]

    try:
        table = build_plan(one_table({"type": "test_short"}, rows=5)).tables[0]
        with pytest.raises(GeneratorError, match="returned 1 values, expected 5"):
            generate_block(table, BlockRequest(seed=1, segment=0, block=0, row_start=0, size=5), {})
    finally:
        reg.unregister("test_short")


def test_entry_point_plugins_are_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "doppel_plug.py").write_text(
        "import numpy as np\n"
        "from tools.generators.registry import generator\n"
        "@generator('test_plugin_colour', replace=True)\n"
        "def colour(rng, size, params, related):\n"
        "    '''Colours.'''\n"
        "    return np.array(['red', 'blue'])[rng.integers(0, 2, size)]\n"
        "not_a_generator = 42\n"
    )
    dist = tmp_path / "doppel_plug-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: doppel-plug\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[doppel.generators]\ncolour = doppel_plug:colour\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(reg, "_ENTRY_POINTS_LOADED", False)
    try:
        assert "test_plugin_colour" in reg.registry()
        assert reg.get("test_plugin_colour").description == "Colours."  # type: ignore[union-attr]
        (dist / "entry_points.txt").write_text("[doppel.generators]\nbroken = doppel_plug:not_a_generator\n")
        importlib.invalidate_caches()
        monkeypatch.setattr(reg, "_ENTRY_POINTS_LOADED", False)
        with pytest.raises(RegistrationError, match=r"entry point 'broken'.*is not a generator"):
            reg.registry()
    finally:
        reg.unregister("test_plugin_colour")
        sys.modules.pop("doppel_plug", None)
        reg._ENTRY_POINTS_LOADED = True
