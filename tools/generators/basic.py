"""Basic typed generators: uuid, integer, float, currency, boolean, enum, json."""

from __future__ import annotations

import json as jsonlib
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy import special

from tools.generators.registry import GeneratorParams, Related, ValueSpace, generator
from tools.generators.vector import concat, dealt, fixed_width_strings, keyed_permutation

# ---------------------------------------------------------------- distributions


class NormalDist(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mean: float
    std: float = Field(gt=0)


class LogNormalDist(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mean: float = Field(description="mean of the underlying normal")
    sigma: float = Field(gt=0)


class ExponentialDist(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scale: float = Field(gt=0)


class Distribution(BaseModel):
    """Exactly one of the shapes; absent means uniform over [min, max]."""

    model_config = ConfigDict(extra="forbid")
    normal: NormalDist | None = None
    lognormal: LogNormalDist | None = None
    exponential: ExponentialDist | None = None

    @model_validator(mode="after")
    def _one(self) -> Distribution:
        given = [k for k in ("normal", "lognormal", "exponential") if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"give one distribution, not {', '.join(given)}")
        return self


def _cdf(x: np.ndarray, dist: Distribution | None) -> np.ndarray:
    if dist is None:
        raise AssertionError("uniform handled by caller")
    if dist.normal:
        return special.ndtr((x - dist.normal.mean) / dist.normal.std)
    if dist.lognormal:
        with np.errstate(divide="ignore"):
            z = (np.log(np.maximum(x, 1e-300)) - dist.lognormal.mean) / dist.lognormal.sigma
        return np.where(x <= 0, 0.0, special.ndtr(z))
    assert dist.exponential
    return np.where(x <= 0, 0.0, 1.0 - np.exp(-x / dist.exponential.scale))


def _ppf(p: np.ndarray, dist: Distribution) -> np.ndarray:
    if dist.normal:
        return dist.normal.mean + dist.normal.std * special.ndtri(p)
    if dist.lognormal:
        return np.exp(dist.lognormal.mean + dist.lognormal.sigma * special.ndtri(p))
    assert dist.exponential
    return -dist.exponential.scale * np.log1p(-p)


def truncated_quantile(u: np.ndarray, low: float, high: float, dist: Distribution | None) -> np.ndarray:
    """Inverse CDF of ``dist`` truncated to [low, high] (uniform when ``dist`` is None)."""
    if dist is None or dist.model_dump(exclude_none=True) == {}:
        return low + u * (high - low)
    lo_p, hi_p = _cdf(np.array([low, high], dtype=float), dist)
    p = lo_p + u * (hi_p - lo_p)
    p = np.clip(p, 1e-15, 1 - 1e-15)
    return np.clip(_ppf(p, dist), low, high)


class NumericParams(GeneratorParams):
    min: float = 0
    max: float = 1_000_000
    distribution: Distribution | None = None

    @model_validator(mode="after")
    def _range(self) -> NumericParams:
        if self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min})")
        return self


def _numeric_bounds(p: NumericParams) -> tuple[Any, Any]:
    return (p.min, p.max)


# ---------------------------------------------------------------- integer


class IntegerParams(NumericParams):
    min: int = 0
    max: int = 1_000_000
    sequence: bool = False
    start: int = 1
    step: int = 1

    @model_validator(mode="after")
    def _step(self) -> IntegerParams:
        if self.step == 0:
            raise ValueError("step must not be 0")
        if self.sequence and self.step > 0 and "min" in self.model_fields_set and self.start < self.min:
            raise ValueError(f"the sequence starts at {self.start}, below min {self.min}; give start")
        if self.sequence and self.step < 0 and "max" in self.model_fields_set and self.start > self.max:
            raise ValueError(f"the sequence starts at {self.start}, above max {self.max}; give start")
        return self


def _integer_space(p: IntegerParams) -> ValueSpace | None:
    """A range holds max - min + 1 values; a sequence runs from start to the max (or min) it is given."""
    if not p.sequence:
        return ValueSpace(p.max - p.min + 1, f"{p.min}..{p.max}")
    end = p.max if p.step > 0 else p.min
    if ("max" if p.step > 0 else "min") not in p.model_fields_set:
        return None  # an unbounded sequence
    return ValueSpace(max(0, (end - p.start) // p.step + 1), f"{p.start}..{end}")


def _integer_quantile(u: np.ndarray, p: IntegerParams) -> np.ndarray:
    # Continuous quantile on [min - 0.5, max + 0.5] then rounding gives each integer its mass.
    x = truncated_quantile(u, p.min - 0.5, p.max + 0.5, p.distribution)
    return np.clip(np.rint(x), p.min, p.max).astype(np.int64)


@generator(
    "integer",
    params=IntegerParams,
    output=pa.int64(),
    quantile=_integer_quantile,
    bounds=lambda p: (p.min, p.max),
    unique_by_construction=True,
    space=_integer_space,
)
def integer(rng: np.random.Generator, size: int, params: IntegerParams, related: Related) -> Any:
    """Whole numbers: uniform or shaped by a distribution, clipped to [min, max]; or a sequence."""
    index = np.arange(related.row_start, related.row_start + size, dtype=np.int64)
    if params.sequence:
        return params.start + index * params.step
    if related.unique:
        span = params.max - params.min + 1
        return params.min + keyed_permutation(index, span, related.field_seed).astype(np.int64)
    return _integer_quantile(rng.random(size), params)


# ---------------------------------------------------------------- float


class FloatParams(NumericParams):
    precision: int | None = Field(None, ge=0, le=12, description="decimal places to round to")


def _float_quantile(u: np.ndarray, p: FloatParams) -> np.ndarray:
    x = truncated_quantile(u, p.min, p.max, p.distribution)
    return np.round(x, p.precision) if p.precision is not None else x


def _steps_space(low: float, high: float, digits: int) -> ValueSpace:
    """The multiples of 10 ** -digits in [low, high]: the values a rounded number can take."""
    count = round(high * 10**digits) - round(low * 10**digits) + 1
    return ValueSpace(max(count, 0), f"{low:g}..{high:g} in steps of {10**-digits:g}")


def _float_space(p: FloatParams) -> ValueSpace | None:
    return None if p.precision is None else _steps_space(p.min, p.max, p.precision)


@generator(
    "float",
    params=FloatParams,
    output=pa.float64(),
    quantile=_float_quantile,
    bounds=_numeric_bounds,
    space=_float_space,
)
def float_(rng: np.random.Generator, size: int, params: FloatParams, related: Related) -> Any:
    """Real numbers in [min, max], uniform or shaped by a distribution."""
    return _float_quantile(rng.random(size), params)


# ---------------------------------------------------------------- currency

MINOR_UNITS = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "VND": 0, "BHD": 3, "KWD": 3, "OMR": 3, "TND": 3}


class CurrencyParams(NumericParams):
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")

    @property
    def scale(self) -> int:
        return MINOR_UNITS.get(self.currency, 2)


def _currency_quantile(u: np.ndarray, p: CurrencyParams) -> np.ndarray:
    return np.round(truncated_quantile(u, p.min, p.max, p.distribution), p.scale)


@generator(
    "currency",
    params=CurrencyParams,
    output=lambda p: pa.decimal128(18, p.scale),
    quantile=_currency_quantile,
    bounds=_numeric_bounds,
    space=lambda p: _steps_space(p.min, p.max, p.scale),
)
def currency(rng: np.random.Generator, size: int, params: CurrencyParams, related: Related) -> Any:
    """Money amounts as exact decimals with the currency's minor units (GBP 2, JPY 0)."""
    return _currency_quantile(rng.random(size), params)


# ---------------------------------------------------------------- boolean, enum, uuid


class BooleanParams(GeneratorParams):
    p: float = Field(0.5, ge=0, le=1, description="probability of true")


def _boolean_space(p: BooleanParams) -> ValueSpace:
    return ValueSpace(2, "true, false") if 0 < p.p < 1 else ValueSpace(1, "true" if p.p else "false")


@generator("boolean", params=BooleanParams, output=pa.bool_(), space=_boolean_space)
def boolean(rng: np.random.Generator, size: int, params: BooleanParams, related: Related) -> Any:
    """True with probability p."""
    return rng.random(size) < params.p


EnumValue = str | int | float | bool


class EnumParams(GeneratorParams):
    values: list[EnumValue] = Field(min_length=1)
    weights: list[float] | None = None

    @model_validator(mode="after")
    def _weights(self) -> EnumParams:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(f"weights has {len(self.weights)} entries but values has {len(self.values)}")
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("weights must be non-negative and not all zero")
        return self

    def probabilities(self) -> np.ndarray:
        w = np.asarray(self.weights if self.weights is not None else [1.0] * len(self.values), dtype=float)
        return w / w.sum()

    def possible(self) -> list[EnumValue]:
        """The distinct values that can be drawn (weight above zero), in the order given."""
        weights = self.weights if self.weights is not None else [1.0] * len(self.values)
        return list(dict.fromkeys(v for v, w in zip(self.values, weights, strict=True) if w > 0))


def _enum_type(p: EnumParams) -> pa.DataType:
    kinds = {type(v) for v in p.values}
    if kinds == {bool}:
        return pa.bool_()
    if kinds == {int}:
        return pa.int64()
    if kinds <= {int, float}:
        return pa.float64()
    return pa.string()


def _enum_space(p: EnumParams) -> ValueSpace:
    values = [str(v) for v in p.possible()]
    shown = ", ".join(values[:6]) + (f", ... ({len(values) - 6} more)" if len(values) > 6 else "")
    return ValueSpace(len(values), shown)


def _enum_choices(p: EnumParams, values: list[EnumValue]) -> pa.Array:
    return pa.array(values if _enum_type(p) != pa.string() else [str(v) for v in values])


@generator("enum", params=EnumParams, output=_enum_type, space=_enum_space)
def enum(rng: np.random.Generator, size: int, params: EnumParams, related: Related) -> Any:
    """One of the listed values, with optional weights; a unique field deals each value out once."""
    if related.unique:
        return dealt(_enum_choices(params, params.possible()), related.row_start, size, related.field_seed)
    idx = np.searchsorted(np.cumsum(params.probabilities()), rng.random(size), side="right")
    return _enum_choices(params, params.values).take(pa.array(np.minimum(idx, len(params.values) - 1)))


_HEX_ASCII = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
# where the 32 hex digits sit in the 36-character 8-4-4-4-12 form
_UUID_HEX_SLOTS = np.array([i for i in range(36) if i not in (8, 13, 18, 23)])
_MASK48 = np.uint64(2**48 - 1)


def _scramble48(index: np.ndarray, key: int) -> np.ndarray:
    """A keyed bijection on 48-bit integers (odd multiply, add, xor-shift rounds): distinct in, distinct out."""
    mixer = np.random.default_rng(key)
    x = index & _MASK48
    for _ in range(3):
        mult = np.uint64(int(mixer.integers(1, 2**47)) * 2 + 1)
        add = np.uint64(int(mixer.integers(0, 2**48)))
        x = (x * mult + add) & _MASK48
        x ^= x >> np.uint64(23)
    return x


@generator("uuid", output=pa.string(), unique_by_construction=True)
def uuid(rng: np.random.Generator, size: int, params: GeneratorParams, related: Related) -> Any:
    """RFC 4122 version-4 UUIDs; when unique, 48 bits carry the row index so no two rows can collide."""
    nibbles = rng.integers(0, 16, size=(size, 32), dtype=np.uint8)
    nibbles[:, 12] = 4  # version
    nibbles[:, 16] = 8 + (nibbles[:, 16] & 3)  # variant 10xx
    if related.unique:
        node = _scramble48(np.arange(related.row_start, related.row_start + size, dtype=np.uint64), related.field_seed)
        for k in range(12):  # the node field (last 12 nibbles) is a bijection of the row index
            nibbles[:, 31 - k] = ((node >> np.uint64(4 * k)) & np.uint64(15)).astype(np.uint8)
    text = np.full((size, 36), ord("-"), dtype=np.uint8)
    text[:, _UUID_HEX_SLOTS] = _HEX_ASCII[nibbles]
    return fixed_width_strings(text)


# ---------------------------------------------------------------- json


class JsonParams(GeneratorParams):
    fields: dict[str, dict[str, Any]] = Field(min_length=1)


def _json_literal(values: pa.Array) -> pa.Array:
    """Each value as a JSON literal (text), nulls as ``null``."""
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        escaped = values
        for raw, esc in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
            escaped = pc.replace_substring(escaped, raw, esc)
        text = concat('"', escaped, '"')
    elif pa.types.is_boolean(values.type):
        text = pc.if_else(values, "true", "false")
    elif pa.types.is_decimal(values.type) or pa.types.is_integer(values.type) or pa.types.is_floating(values.type):
        text = pc.cast(values, pa.string())
    else:  # dates, times, timestamps: ISO strings
        text = concat('"', pc.cast(values, pa.string()), '"')
    return pc.fill_null(text, "null")


def _json_generate(rng: np.random.Generator, size: int, params: JsonParams, related: Related) -> pa.Array:
    from tools.engine.fieldgen import generate_field  # late: the engine imports the registry
    from tools.generators.registry import get

    parts: list[pa.Array | str] = ["{"]
    for i, (key, spec) in enumerate(params.fields.items()):
        values = generate_field(f"{key}", spec, rng, size, Related(row_start=related.row_start))
        nested = get(str(spec.get("type"))) is not None and get(str(spec.get("type"))).json  # type: ignore[union-attr]
        literal = pc.fill_null(values, "null") if nested else _json_literal(values)
        parts += [("" if i == 0 else ", ") + jsonlib.dumps(key) + ": ", literal]
    parts.append("}")
    return concat(*parts)


@generator("json", params=JsonParams, output=pa.string(), json=True)
def json(rng: np.random.Generator, size: int, params: JsonParams, related: Related) -> Any:
    """A JSON object per row whose keys are themselves generated fields (nested objects allowed)."""
    return _json_generate(rng, size, params, related)


# ---------------------------------------------------------------- ref (resolved by the engine)


class RefParams(GeneratorParams):
    table: str
    field: str | None = Field(None, description="defaults to the parent table's primary key")
    distribution: Literal["uniform", "zipf"] = "uniform"


@generator("ref", params=RefParams, output=pa.null())
def ref(rng: np.random.Generator, size: int, params: RefParams, related: Related) -> Any:
    """A foreign key to a generated primary key of another table (resolved by the engine)."""
    raise RuntimeError("ref fields are resolved by the engine, which samples generated parent keys")
