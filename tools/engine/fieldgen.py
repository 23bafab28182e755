"""Calling one generator for one chunk and turning what it returns into a typed arrow array."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tools.errors import GeneratorError
from tools.generators import registry as reg
from tools.generators.vector import to_decimal
from tools.schema.model import STRUCTURAL_KEYS, FieldSpec


def to_arrow(values: Any, arrow_type: pa.DataType, size: int, where: str) -> pa.Array:
    """Coerce a generator's result to ``arrow_type`` and check it has ``size`` values."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        if isinstance(values, np.ndarray) and values.dtype.kind == "U":
            values = pa.array(values.astype(object), type=pa.string())
        else:
            values = pa.array(values)
    if len(values) != size:
        raise GeneratorError(f"{where}: the generator returned {len(values)} values, expected {size}")
    if pa.types.is_decimal(arrow_type) and pa.types.is_floating(values.type):
        mask = values.is_null()
        values = to_decimal(values.fill_null(0).to_numpy(), arrow_type.scale)
        if mask.true_count:
            values = pc.if_else(mask, pa.scalar(None, arrow_type), values)
    if values.type != arrow_type and not pa.types.is_null(arrow_type):
        try:
            values = values.cast(arrow_type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise GeneratorError(f"{where}: cannot convert {values.type} values to {arrow_type}: {exc}") from exc
    return values


def call_generator(
    spec: reg.GeneratorSpec[Any],
    params: Any,
    rng: np.random.Generator,
    size: int,
    related: reg.Related,
    where: str,
) -> pa.Array:
    """Run a generator, reporting any exception with the table, field and record range."""
    try:
        raw = spec.func(rng, size, params, related)
    except GeneratorError:
        raise
    except Exception as exc:
        end = related.row_start + size - 1
        raise GeneratorError(
            f"{where}: generator '{spec.name}' failed on records {related.row_start}-{end}: {type(exc).__name__}: {exc}"
        ) from exc
    return to_arrow(raw, spec.arrow_type(params), size, where)


def generate_field(
    name: str,
    field: FieldSpec | Mapping[str, Any],
    rng: np.random.Generator,
    size: int,
    related: reg.Related | None = None,
) -> pa.Array:
    """Generate ``size`` values of a (possibly nested) field spec; used by the json generator and tests."""
    spec_model = field if isinstance(field, FieldSpec) else FieldSpec.model_validate(dict(field))
    gen = reg.get(spec_model.type)
    if gen is None:
        raise GeneratorError(f"{name}: unknown generator type '{spec_model.type}'")
    params = gen.parse_params({k: v for k, v in spec_model.params.items() if k not in STRUCTURAL_KEYS})
    ctx = related if related is not None else reg.Related()
    values = call_generator(gen, params, rng, size, ctx, name)
    if spec_model.nullable:
        mask = rng.random(size) < spec_model.nullable
        values = pa.array(values.to_pandas().where(~mask, None), type=values.type) if mask.any() else values
    return values
