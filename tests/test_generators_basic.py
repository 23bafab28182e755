"""Property tests for the basic typed generators: ranges, weights, uniqueness, JSON, decimals."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from tools.engine.fieldgen import generate_field
from tools.generators.registry import Related

seeds = st.integers(min_value=0, max_value=2**63 - 1)
sizes = st.integers(min_value=1, max_value=3000)


def gen(spec: dict[str, Any], seed: int, size: int, **related: Any) -> list[Any]:
    return generate_field("f", spec, np.random.default_rng(seed), size, Related(**related)).to_pylist()


@settings(max_examples=40, deadline=None)
@given(seed=seeds, size=sizes, low=st.integers(-10_000, 10_000), span=st.integers(0, 10_000))
def test_integers_stay_in_range(seed: int, size: int, low: int, span: int) -> None:
    values = gen(
        {
            "type": "integer",
            "min": low,
            "max": low + span,
            "distribution": {"normal": {"mean": low + span / 3, "std": span / 4 + 1}},
        },
        seed,
        size,
    )
    assert all(isinstance(v, int) and low <= v <= low + span for v in values)


@settings(max_examples=30, deadline=None)
@given(seed=seeds, start=st.integers(0, 2**40), size=sizes, span_extra=st.integers(0, 50))
def test_unique_integers_are_distinct_across_chunks(seed: int, start: int, size: int, span_extra: int) -> None:
    spec = {"type": "integer", "min": 5, "max": 5 + 2 * size + span_extra + 6000}
    first = gen(spec, seed, size, row_start=0, unique=True, field_seed=seed)
    second = gen(spec, seed + 1, size, row_start=size, unique=True, field_seed=seed)
    both = first + second
    assert len(set(both)) == len(both)
    assert all(5 <= v <= spec["max"] for v in both)


def test_integer_normal_shape() -> None:
    values = np.array(
        gen(
            {"type": "integer", "min": 18, "max": 99, "distribution": {"normal": {"mean": 41, "std": 12}}},
            1,
            100_000,
        )
    )
    assert abs(values.mean() - 41.4) < 0.5 and abs(values.std() - 11.5) < 0.6


def test_sequence_counts_from_start_with_step() -> None:
    assert gen({"type": "integer", "sequence": True, "start": 10, "step": 5}, 1, 4, row_start=2) == [
        20,
        25,
        30,
        35,
    ]


@settings(max_examples=40, deadline=None)
@given(
    seed=seeds,
    size=sizes,
    low=st.floats(-1e6, 1e6),
    span=st.floats(0, 1e6),
    cur=st.sampled_from(["GBP", "JPY", "KWD"]),
)
def test_currency_is_exact_decimal_within_range(seed: int, size: int, low: float, span: float, cur: str) -> None:
    low = round(low, 2)
    high = round(low + span, 2)
    values = gen({"type": "currency", "min": low, "max": high, "currency": cur}, seed, size)
    scale = {"GBP": 2, "JPY": 0, "KWD": 3}[cur]
    assert all(isinstance(v, Decimal) and v.as_tuple().exponent == -scale for v in values)
    tolerance = Decimal(1).scaleb(-scale)
    assert all(Decimal(str(low)) - tolerance <= v <= Decimal(str(high)) + tolerance for v in values)


@settings(max_examples=30, deadline=None)
@given(seed=seeds, size=sizes, p=st.floats(0, 1))
def test_boolean_probability(seed: int, size: int, p: float) -> None:
    from scipy import stats

    values = gen({"type": "boolean", "p": p}, seed, size)
    # The exact binomial range holding all but 1e-9 of the mass (a normal band fails for p near 0 or 1).
    low, high = stats.binom.ppf(1e-9, size, p), stats.binom.isf(1e-9, size, p)
    assert low <= sum(values) <= high


def test_enum_weights_are_respected() -> None:
    values = gen({"type": "enum", "values": ["bronze", "silver", "gold"], "weights": [0.6, 0.3, 0.1]}, 3, 100_000)
    shares = {k: values.count(k) / len(values) for k in ("bronze", "silver", "gold")}
    assert abs(shares["bronze"] - 0.6) < 0.01 and abs(shares["gold"] - 0.1) < 0.01


def test_enum_of_integers_is_integer_typed() -> None:
    values = generate_field("f", {"type": "enum", "values": [1, 2, 3]}, np.random.default_rng(1), 10)
    assert values.type == pa.int64()


UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@settings(max_examples=25, deadline=None)
@given(seed=seeds, size=sizes, start=st.integers(0, 2**40))
def test_uuids_are_v4_and_unique_across_chunks(seed: int, size: int, start: int) -> None:
    a = gen({"type": "uuid"}, seed, size, row_start=start, unique=True, field_seed=7)
    b = gen({"type": "uuid"}, seed, size, row_start=start + size, unique=True, field_seed=7)
    assert all(UUID4.match(v) for v in a + b)
    assert len(set(a + b)) == 2 * size


@settings(max_examples=25, deadline=None)
@given(seed=seeds, size=st.integers(1, 500))
def test_json_is_valid_and_nested(seed: int, size: int) -> None:
    spec = {
        "type": "json",
        "fields": {
            "newsletter": {"type": "boolean"},
            "channel": {"type": "enum", "values": ["sms", 'e"mail\\x']},
            "score": {"type": "float", "min": 0, "max": 1, "nullable": 0.3},
            "inner": {"type": "json", "fields": {"n": {"type": "integer", "min": 1, "max": 3}}},
        },
    }
    for text in gen(spec, seed, size):
        doc = json.loads(text)
        assert set(doc) == {"newsletter", "channel", "score", "inner"}
        assert doc["channel"] in ("sms", 'e"mail\\x') and 1 <= doc["inner"]["n"] <= 3
        assert doc["score"] is None or 0 <= doc["score"] <= 1


def test_same_seed_same_values() -> None:
    spec = {"type": "float", "min": 0, "max": 1, "precision": 3}
    assert gen(spec, 42, 100) == gen(spec, 42, 100)
    assert gen(spec, 42, 100) != gen(spec, 43, 100)
