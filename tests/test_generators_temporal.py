"""Property tests for date, datetime and time: ranges, business hours across DST, no non-existent local
times, seasonality, bursts stable across chunks, causal `after` delays, determinism and validation."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tools.engine.fieldgen import generate_field
from tools.engine.runner import GenerateOptions, generate
from tools.export.base import ExportOptions
from tools.generators.registry import Related, get
from tools.generators.temporal import Bursts, burst_windows
from tools.schema.model import SchemaSpec
from tools.schema.validate import validate_schema

seeds = st.integers(min_value=0, max_value=2**63 - 1)
ZONES = [None, "UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
PATTERNS: list[Any] = [
    "uniform",
    "business_hours",
    {"seasonal": {"peak_months": [11, 12], "peak_weekdays": [5]}},
    {"bursts": {"count": 4, "width": "3h", "share": 0.4}},
]
US = 1_000_000
HOUR = 3600 * US


def gen(spec: dict[str, Any], seed: int, size: int, **related: Any) -> pa.Array:
    return generate_field("f", spec, np.random.default_rng(seed), size, Related(**related))


def series(values: pa.Array) -> pd.Series:
    return values.to_pandas()


def wall_clock(values: pa.Array, tz: str | None) -> pd.Series:
    """Local wall-clock time (naive) of each value."""
    s = series(values)
    return s.dt.tz_convert(tz).dt.tz_localize(None) if tz else s


def local_bounds(start: str, end_day: str, tz: str | None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[start midnight, end day's last microsecond] as instants in ``tz``."""
    low = pd.Timestamp(start)
    high = pd.Timestamp(end_day) + pd.Timedelta(days=1)
    if tz:
        low = low.tz_localize(tz, nonexistent="shift_forward", ambiguous=True)
        high = high.tz_localize(tz, nonexistent="shift_forward", ambiguous=False)
    return low, high - pd.Timedelta(microseconds=1)


# ---------------------------------------------------------------- ranges


@settings(max_examples=80, deadline=None)
@given(
    seed=seeds,
    size=st.integers(1, 3000),
    first=st.integers(0, 12_000),
    span=st.integers(7, 900),
    tz=st.sampled_from(ZONES),
    pattern=st.sampled_from(PATTERNS),
)
def test_datetimes_stay_within_start_and_end(
    seed: int, size: int, first: int, span: int, tz: str | None, pattern: Any
) -> None:
    start = date(1995, 1, 1) + timedelta(days=first)
    end = start + timedelta(days=span)
    spec = {"type": "datetime", "start": start.isoformat(), "end": end.isoformat(), "timezone": tz, "pattern": pattern}
    values = gen(spec, seed, size, field_seed=seed % 1000)
    assert values.type == pa.timestamp("us", tz=tz) and values.null_count == 0 and len(values) == size
    low, high = local_bounds(start.isoformat(), end.isoformat(), tz)
    s = series(values)
    assert s.min() >= low and s.max() <= high


def test_datetime_bounds_with_times_of_day() -> None:
    spec = {"type": "datetime", "start": "2024-03-31T00:30", "end": "2024-03-31T03:15", "timezone": "Europe/London"}
    s = series(gen(spec, 1, 20_000))
    assert s.min() >= pd.Timestamp("2024-03-31T00:30", tz="Europe/London")
    assert s.max() <= pd.Timestamp("2024-03-31T03:15", tz="Europe/London")
    # 00:30 GMT to 03:15 BST is 1h45m of real time: the skipped hour holds nothing.
    assert (s.max() - s.min()) <= pd.Timedelta(minutes=105)


@settings(max_examples=60, deadline=None)
@given(seed=seeds, size=st.integers(1, 3000), first=st.integers(0, 20_000), span=st.integers(0, 900))
def test_dates_stay_within_start_and_end(seed: int, size: int, first: int, span: int) -> None:
    start = date(1980, 1, 1) + timedelta(days=first)
    end = start + timedelta(days=span)
    values = gen({"type": "date", "start": start.isoformat(), "end": end.isoformat()}, seed, size).to_pylist()
    assert all(start <= v <= end for v in values)


@settings(max_examples=60, deadline=None)
@given(
    seed=seeds,
    size=st.integers(1, 3000),
    a=st.integers(0, 86_399),
    b=st.integers(0, 86_399),
    business=st.booleans(),
)
def test_times_stay_within_start_and_end(seed: int, size: int, a: int, b: int, business: bool) -> None:
    low, high = sorted((a, b))
    start, end = (time(s // 3600, s // 60 % 60, s % 60) for s in (low, high))
    if business and (high < 9 * 3600 or low >= 17 * 3600 + 1800):
        return  # no business hours inside: covered by the validation test
    spec = {"type": "time", "start": start.isoformat(), "end": end.isoformat()}
    if business:
        spec["pattern"] = "business_hours"
    values = gen(spec, seed, size)
    assert values.type == pa.time64("us")
    for v in values.to_pylist():
        assert start <= v <= end
        assert not business or time(9) <= v < time(17, 30)


# ---------------------------------------------------------------- business hours and DST


@settings(max_examples=30, deadline=None)
@given(
    seed=seeds,
    tz=st.sampled_from(["Europe/London", "America/New_York"]),
    window=st.sampled_from([("2024-03-01", "2024-04-15"), ("2024-10-15", "2024-11-15"), ("2023-03-05", "2023-11-10")]),
)
def test_business_hours_are_local_weekdays_nine_to_half_five(seed: int, tz: str, window: tuple[str, str]) -> None:
    start, end = window
    spec = {"type": "datetime", "start": start, "end": end, "timezone": tz, "pattern": "business_hours"}
    local = wall_clock(gen(spec, seed, 20_000), tz)
    minutes = (local - local.dt.floor("D")).dt.total_seconds() / 60
    assert (local.dt.weekday < 5).all()
    assert (minutes >= 9 * 60).all() and (minutes < 17 * 60 + 30).all()
    # Both sides of the clock change are covered, so the check above spans the DST switch.
    offsets = {v.utcoffset() for v in series(gen(spec, seed, 2_000)).dt.tz_convert(tz)}
    assert len(offsets) == 2


def test_business_hours_are_uniform_inside_the_day() -> None:
    spec = {"type": "datetime", "timezone": "America/New_York", "pattern": "business_hours"}
    local = wall_clock(gen(spec, 11, 200_000), "America/New_York")
    hours = local.dt.hour.value_counts(normalize=True).sort_index()
    assert list(hours.index) == list(range(9, 18))
    assert all(abs(hours[h] - 1 / 8.5) < 0.005 for h in range(9, 17)) and abs(hours[17] - 0.5 / 8.5) < 0.005


SPRING = {"Europe/London": ("2024-03-31", 1), "America/New_York": ("2024-03-10", 2)}


@settings(max_examples=30, deadline=None)
@given(seed=seeds, tz=st.sampled_from(sorted(SPRING)), pattern=st.sampled_from(PATTERNS[:1] + PATTERNS[2:]))
def test_no_non_existent_local_times(seed: int, tz: str, pattern: Any) -> None:
    day, gap_hour = SPRING[tz]
    before = (pd.Timestamp(day) - pd.Timedelta(days=1)).date().isoformat()
    after = (pd.Timestamp(day) + pd.Timedelta(days=1)).date().isoformat()
    spec = {"type": "datetime", "start": before, "end": after, "timezone": tz, "pattern": pattern}
    values = series(gen(spec, seed, 30_000, field_seed=seed % 97))
    wall = values.dt.tz_convert(tz).dt.tz_localize(None)
    on_day = wall.dt.strftime("%Y-%m-%d") == day
    assert on_day.sum() > 3_000
    assert not (on_day & (wall.dt.hour == gap_hour)).any()
    # local -> UTC -> local round trip: every wall-clock time exists and maps back to the same instant.
    index = pd.DatetimeIndex(wall)
    early = index.tz_localize(tz, ambiguous=np.ones(len(index), dtype=bool), nonexistent="NaT")
    late = index.tz_localize(tz, ambiguous=np.zeros(len(index), dtype=bool), nonexistent="NaT")
    original = pd.DatetimeIndex(values)
    assert not early.isna().any()
    assert ((early == original) | (late == original)).all()
    if "bursts" not in pattern:
        # Nothing from the gap piles up just after it: the hour after the jump holds a normal share.
        hours = wall[on_day].dt.hour.value_counts()
        assert 0.8 < hours[gap_hour + 1] / hours.drop(gap_hour + 1).mean() < 1.25


def test_repeated_autumn_hour_gets_its_double_length() -> None:
    spec = {"type": "datetime", "start": "2024-10-27", "end": "2024-10-27", "timezone": "Europe/London"}
    wall = wall_clock(gen(spec, 5, 250_000), "Europe/London")
    share = (wall.dt.hour == 1).mean()
    assert abs(share - 2 / 25) < 0.004  # the 25-hour day has two 01:00-02:00 hours


# ---------------------------------------------------------------- seasonal


def expected_share(start: str, end: str, months: list[int], weekdays: list[int], factor: float) -> float:
    days = pd.date_range(start, end, freq="D")
    weight = np.where(days.month.isin(months), factor, 1.0) * np.where(days.weekday.isin(weekdays), factor, 1.0)
    return float(weight[days.month.isin(months)].sum() / weight.sum())


@pytest.mark.parametrize("tz", [None, "Europe/London", "America/New_York"])
def test_seasonal_peak_months_get_the_factor(tz: str | None) -> None:
    spec = {
        "type": "datetime",
        "start": "2023-01-01",
        "end": "2024-12-31",
        "timezone": tz,
        "pattern": {"seasonal": {"peak_months": [11, 12], "peak_factor": 3.0}},
    }
    local = wall_clock(gen(spec, 21, 300_000), tz)
    peak = local.dt.month.isin([11, 12])
    assert abs(peak.mean() - expected_share("2023-01-01", "2024-12-31", [11, 12], [], 3.0)) < 0.005
    per_day_peak = peak.sum() / 122
    per_day_other = (~peak).sum() / (731 - 122)
    assert abs(per_day_peak / per_day_other - 3.0) < 0.1


@settings(max_examples=15, deadline=None)
@given(
    seed=seeds,
    months=st.lists(st.integers(1, 12), min_size=1, max_size=4, unique=True),
    weekdays=st.lists(st.integers(0, 6), max_size=3, unique=True),
    factor=st.floats(1.5, 6.0),
)
def test_seasonal_dates_match_the_expected_share(
    seed: int, months: list[int], weekdays: list[int], factor: float
) -> None:
    spec = {
        "type": "date",
        "start": "2022-01-01",
        "end": "2024-12-31",
        "pattern": {"seasonal": {"peak_months": months, "peak_weekdays": weekdays, "peak_factor": factor}},
    }
    days = pd.to_datetime(pd.Series(gen(spec, seed, 200_000).to_pylist()))
    expected = expected_share("2022-01-01", "2024-12-31", months, weekdays, factor)
    assert abs(days.dt.month.isin(months).mean() - expected) < 0.006


def test_date_business_hours_means_weekdays_only() -> None:
    days = pd.to_datetime(pd.Series(gen({"type": "date", "pattern": "business_hours"}, 3, 50_000).to_pylist()))
    assert (days.dt.weekday < 5).all() and days.dt.weekday.nunique() == 5


# ---------------------------------------------------------------- bursts


@settings(max_examples=25, deadline=None)
@given(
    seed=seeds,
    field_seed=st.integers(0, 2**62),
    count=st.integers(1, 8),
    share=st.floats(0.1, 0.6),
    hours=st.integers(1, 6),
)
def test_bursts_hold_their_share_in_both_chunks(
    seed: int, field_seed: int, count: int, share: float, hours: int
) -> None:
    spec = {
        "type": "datetime",
        "start": "2024-01-01",
        "end": "2024-12-31",
        "pattern": {"bursts": {"count": count, "width": f"{hours}h", "share": share}},
    }
    n = 40_000
    low = int(np.datetime64("2024-01-01", "us").astype(np.int64))
    high = int(np.datetime64("2025-01-01", "us").astype(np.int64)) - 1
    starts, ends = burst_windows(
        low, high, Bursts(count=count, width=f"{hours}h", share=share), hours * HOUR, field_seed
    )
    covered = np.zeros(0, dtype=np.int64)
    for s, e in zip(starts, ends, strict=True):
        covered = np.union1d(covered, np.arange(s // HOUR, -(-e // HOUR)))
    coverage_upper = len(covered) * HOUR / (high - low)
    for chunk, row_start in ((seed, 0), (seed + 1, n)):
        micros = gen(spec, chunk, n, row_start=row_start, field_seed=field_seed).cast(pa.int64()).to_numpy()
        inside = np.zeros(n, dtype=bool)
        for s, e in zip(starts, ends, strict=True):
            inside |= (micros >= s) & (micros < e)
        observed = inside.mean()
        assert share - 0.02 < observed < share + (1 - share) * coverage_upper + 0.02


def test_burst_windows_are_the_same_in_every_chunk() -> None:
    """Black box: the busy hours of two chunks coincide for one field seed and differ for another."""
    spec = {"type": "datetime", "pattern": {"bursts": {"count": 5, "width": "2h", "share": 0.3}}}

    def busy(seed: int, row_start: int, field_seed: int, threshold: int) -> set[int]:
        micros = gen(spec, seed, 100_000, row_start=row_start, field_seed=field_seed).cast(pa.int64()).to_numpy()
        hours, counts = np.unique(micros // HOUR, return_counts=True)
        busy_hours = hours[counts > threshold]
        if threshold == 200:
            assert abs(counts[counts > 25].sum() / 100_000 - 0.3) < 0.015
        return set(busy_hours.tolist())

    first = busy(1, 0, 77, 200)
    assert 5 <= len(first) <= 15
    assert first <= busy(2, 100_000, 77, 25)
    assert busy(2, 100_000, 77, 200) <= busy(1, 0, 77, 25)
    assert not first & busy(1, 0, 78, 25)


def test_date_bursts_concentrate_on_a_few_days() -> None:
    spec = {
        "type": "date",
        "start": "2024-01-01",
        "end": "2024-12-31",
        "pattern": {"bursts": {"count": 3, "share": 0.5}},
    }
    days = pd.Series(gen(spec, 4, 60_000, field_seed=9).to_pylist()).value_counts()
    assert abs(days.iloc[:3].sum() / 60_000 - 0.5) < 0.02


# ---------------------------------------------------------------- after


UNITS = {"s": US, "m": 60 * US, "h": HOUR, "d": 24 * HOUR}


@settings(max_examples=60, deadline=None)
@given(
    seed=seeds,
    size=st.integers(1, 3000),
    tz=st.sampled_from([None, "Europe/London", "America/New_York"]),
    low=st.integers(0, 50),
    extra=st.integers(0, 50),
    units=st.tuples(st.sampled_from("smhd"), st.sampled_from("smhd")),
)
def test_after_keeps_causal_order_and_delay_range(
    seed: int, size: int, tz: str | None, low: int, extra: int, units: tuple[str, str]
) -> None:
    min_unit, max_unit = UNITS[units[0]], UNITS[units[1]]
    high = -(-low * min_unit // max_unit) + extra  # max_delay in its own unit, never below min_delay
    anchor = gen({"type": "datetime", "timezone": tz, "nullable": 0.1}, seed, size)
    spec = {
        "type": "datetime",
        "timezone": tz,
        "after": "placed",
        "min_delay": f"{low}{units[0]}",
        "max_delay": f"{high}{units[1]}",
    }
    values = gen(spec, seed + 1, size, columns={"placed": anchor})
    assert values.type == pa.timestamp("us", tz=tz)
    assert values.is_null().equals(anchor.is_null())
    delay = pc.subtract(values.cast(pa.int64()), anchor.cast(pa.int64())).drop_null().to_numpy()
    assert len(delay) == size - anchor.null_count
    assert (delay >= low * min_unit).all() and (delay <= high * max_unit).all()


def test_after_spreads_delays_over_the_whole_range() -> None:
    anchor = gen({"type": "datetime"}, 1, 50_000)
    values = gen(
        {"type": "datetime", "after": "a", "min_delay": "1h", "max_delay": "10d"}, 2, 50_000, columns={"a": anchor}
    )
    delay = (values.cast(pa.int64()).to_numpy() - anchor.cast(pa.int64()).to_numpy()) / HOUR
    assert delay.min() >= 1 and delay.max() <= 240
    assert abs(np.median(delay) - 120.5) < 3


@settings(max_examples=40, deadline=None)
@given(seed=seeds, size=st.integers(1, 2000), low=st.integers(0, 20), extra=st.integers(0, 20), zoned=st.booleans())
def test_date_after_adds_whole_days(seed: int, size: int, low: int, extra: int, zoned: bool) -> None:
    tz = "America/New_York" if zoned else None
    anchor = gen({"type": "datetime", "timezone": tz, "nullable": 0.2}, seed, size)
    spec = {"type": "date", "after": "x", "min_delay": f"{low}d", "max_delay": f"{low + extra}d"}
    values = gen(spec, seed + 1, size, columns={"x": anchor})
    assert values.type == pa.date32() and values.is_null().equals(anchor.is_null())
    anchor_days = wall_clock(anchor, tz).dt.date.tolist()
    for d, a in zip(values.to_pylist(), anchor_days, strict=True):
        if d is None:
            continue
        assert low <= (d - a).days <= low + extra


@pytest.mark.parametrize("tz", [None, "America/New_York", "Asia/Tokyo"])
def test_after_a_date_starts_at_local_midnight(tz: str | None) -> None:
    anchor = gen({"type": "date", "start": "2024-01-01", "end": "2024-12-31"}, 1, 2000)
    spec = {"type": "datetime", "timezone": tz, "after": "d", "max_delay": "1h"}
    wall = wall_clock(gen(spec, 2, 2000, columns={"d": anchor}), tz)
    midnight = pd.to_datetime(pd.Series(anchor.to_pylist()))
    assert ((wall >= midnight) & (wall <= midnight + pd.Timedelta(hours=1))).all()


# ---------------------------------------------------------------- determinism, bounds, quantile


@pytest.mark.parametrize(
    "spec",
    [{"type": "datetime", "timezone": "Europe/London", "pattern": pattern} for pattern in PATTERNS]
    + [{"type": "date", "pattern": p} for p in PATTERNS]
    + [{"type": "time", "pattern": "business_hours"}, {"type": "time"}],
)
def test_equal_seeds_give_equal_values(spec: dict[str, Any]) -> None:
    first = gen(spec, 42, 5000, field_seed=7, row_start=10)
    assert first.equals(gen(spec, 42, 5000, field_seed=7, row_start=10))
    assert not first.equals(gen(spec, 43, 5000, field_seed=7, row_start=10))


def test_bounds_are_the_extreme_values_the_field_allows() -> None:
    spec = get("datetime")
    assert spec is not None
    params = spec.parse_params(
        {"start": "2024-01-06", "end": "2024-01-14", "timezone": "Europe/London", "pattern": "business_hours"}
    )
    assert spec.bounds is not None
    extremes = spec.bounds(params)
    assert extremes is not None
    low, high = extremes
    assert low == pd.Timestamp("2024-01-08 09:00", tz="Europe/London")  # first Monday
    assert high == pd.Timestamp("2024-01-12 17:29:59.999999", tz="Europe/London")  # last Friday
    values = series(generate_field("f", {"type": "datetime", **params.model_dump()}, np.random.default_rng(1), 50_000))
    assert low <= values.min() and values.max() <= high
    assert spec.bounds(spec.parse_params({"after": "x"})) is None
    date_spec, time_spec = get("date"), get("time")
    assert date_spec is not None and date_spec.bounds is not None
    assert time_spec is not None and time_spec.bounds is not None
    assert date_spec.bounds(date_spec.parse_params({"end": "2024-02-29"})) == (date(2020, 1, 1), date(2024, 2, 29))
    assert time_spec.bounds(time_spec.parse_params({"pattern": "business_hours"})) == (
        time(9),
        time(17, 29, 59, 999_999),
    )


def test_quantile_is_monotone_and_matches_the_generator_range() -> None:
    spec = get("datetime")
    assert spec is not None and spec.quantile is not None
    params = spec.parse_params({"start": "2024-01-01", "end": "2024-12-31", "timezone": "Europe/London"})
    u = np.linspace(0, 1, 10_001, endpoint=False)
    micros = np.asarray(spec.quantile(u, params))
    assert (np.diff(micros) >= 0).all()
    as_arrow = pa.array(micros).cast(pa.timestamp("us", tz="Europe/London")).to_pandas()
    assert as_arrow.min() == pd.Timestamp("2024-01-01", tz="Europe/London")
    assert as_arrow.max() <= pd.Timestamp("2024-12-31 23:59:59.999999", tz="Europe/London")
    with pytest.raises(ValueError, match="cannot be correlated"):
        spec.quantile(u, spec.parse_params({"after": "x"}))


def test_engine_boundary_and_regex_edge_cases(tmp_path: Path) -> None:
    doc = {
        "name": "t",
        "tables": {
            "t": {
                "rows": 2000,
                "fields": {
                    "at": {
                        "type": "datetime",
                        "start": "2024-01-06",
                        "end": "2024-01-14",
                        "timezone": "Europe/London",
                        "pattern": "business_hours",
                    },
                    "code": {"type": "regex", "pattern": "[A-Z]{3}-[0-9]{4}"},
                },
            }
        },
        "edge_cases": [
            {"table": "t", "field": "at", "kind": "boundary", "rate": 0.2},
            {"table": "t", "field": "code", "kind": "regex", "pattern": "[a-z]{2}@@", "rate": 0.1},
        ],
    }
    spec = SchemaSpec.model_validate(doc)
    assert validate_schema(spec) == []
    generate(spec, "test", GenerateOptions(out=tmp_path, seed=3, export=ExportOptions(format="parquet")))
    table = pa.concat_tables([pq.read_table(p) for p in sorted(tmp_path.glob("t*.parquet"))])
    at = table["at"].to_pandas()
    assert at.min() == pd.Timestamp("2024-01-08 09:00", tz="Europe/London")
    assert at.max() == pd.Timestamp("2024-01-12 17:29:59.999999", tz="Europe/London")
    codes = table["code"].to_pylist()
    assert all(re.fullmatch(r"[A-Z]{3}-[0-9]{4}|[a-z]{2}@@", c) for c in codes)
    assert any(c.endswith("@@") for c in codes)


def test_engine_correlates_dates_datetimes_and_times(tmp_path: Path) -> None:
    doc = {
        "name": "c",
        "tables": {
            "t": {
                "rows": 20_000,
                "fields": {
                    "age": {"type": "integer", "min": 18, "max": 90},
                    "signup": {"type": "datetime", "timezone": "Europe/London", "pattern": "business_hours"},
                    "day": {"type": "date", "pattern": {"seasonal": {"peak_months": [12]}}},
                    "at": {"type": "time"},
                },
            }
        },
        "correlations": [
            {"table": "t", "fields": ["age", "signup"], "coefficient": -0.6},
            {"table": "t", "fields": ["age", "day"], "coefficient": 0.5},
            {"table": "t", "fields": ["age", "at"], "coefficient": 0.3},
        ],
    }
    spec = SchemaSpec.model_validate(doc)
    assert validate_schema(spec) == []
    generate(spec, "test", GenerateOptions(out=tmp_path, seed=1, export=ExportOptions(format="parquet")))
    table = pa.concat_tables([pq.read_table(p) for p in sorted(tmp_path.glob("t*.parquet"))])
    age = table["age"].to_numpy().astype(float)
    for name, target in (("signup", -0.6), ("day", 0.5), ("at", 0.3)):
        column = table[name].cast(pa.int32() if name == "day" else pa.int64()).to_numpy().astype(float)
        assert abs(np.corrcoef(age, column)[0, 1] - target) < 0.04, name
    local = wall_clock(table["signup"].combine_chunks(), "Europe/London")
    assert (local.dt.weekday < 5).all() and (local.dt.hour >= 9).all()


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_after_a_zoned_field_keeps_its_time_zone_in_the_output(tmp_path: Path, fmt: str) -> None:
    doc = {
        "name": "z",
        "tables": {
            "t": {
                "rows": 3000,
                "fields": {
                    "placed": {"type": "datetime", "end": "2024-12-31", "timezone": "Europe/London"},
                    "shipped": {"type": "datetime", "after": "placed", "min_delay": "1h", "max_delay": "3d"},
                    "delivered": {"type": "datetime", "after": "shipped", "max_delay": "2d"},
                    "utc_copy": {"type": "datetime", "after": "placed", "max_delay": "1h", "timezone": "UTC"},
                },
            }
        },
    }
    spec = SchemaSpec.model_validate(doc)
    assert validate_schema(spec) == []
    generate(spec, "test", GenerateOptions(out=tmp_path, seed=5, export=ExportOptions(format=fmt)))
    if fmt == "parquet":
        table = pq.read_table(tmp_path / "t.parquet")
        for name in ("placed", "shipped", "delivered"):
            assert table.schema.field(name).type == pa.timestamp("us", tz="Europe/London"), name
        assert table.schema.field("utc_copy").type == pa.timestamp("us", tz="UTC")
        frame = table.to_pandas()
    else:
        frame = pd.read_csv(tmp_path / "t.csv", dtype=str)
        for name in ("placed", "shipped", "delivered"):  # every value carries London's offset: +00:00 or +01:00
            offsets = frame[name].str[-6:]
            assert set(offsets) == {"+00:00", "+01:00"}, name
        frame = frame.apply(lambda c: pd.to_datetime(c, format="ISO8601", utc=True) if c.name != "_anomalies" else c)
    delay = frame["shipped"] - frame["placed"]
    assert (delay >= pd.Timedelta(hours=1)).all() and (delay <= pd.Timedelta(days=3)).all()
    later = frame["delivered"] - frame["shipped"]
    assert (later >= pd.Timedelta(0)).all() and (later <= pd.Timedelta(days=2)).all()
    assert ((frame["utc_copy"] - frame["placed"]) <= pd.Timedelta(hours=1)).all()


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("kind", "params", "message"),
    [
        ("datetime", {"start": "2024-01-01", "end": "2023-01-01"}, "end 2023-01-01 is before start 2024-01-01"),
        ("datetime", {"timezone": "Europe/Londn"}, "unknown time zone 'Europe/Londn'"),
        ("datetime", {"after": "x", "max_delay": "10x"}, "max_delay '10x': use a number with s, m, h or d"),
        ("datetime", {"after": "x", "min_delay": "2d", "max_delay": "1d"}, "shorter than min_delay"),
        ("datetime", {"after": "x", "pattern": "business_hours"}, "cannot be combined with after"),
        ("datetime", {"start": "2024-13-01"}, "not an ISO date or datetime"),
        ("datetime", {"pattern": "weekends"}, "pattern 'weekends': use uniform, business_hours"),
        ("datetime", {"pattern": {"seasonal": {}}}, "seasonal needs peak_months"),
        ("datetime", {"pattern": {"seasonal": {"peak_months": [13]}}}, "months are 1"),
        ("datetime", {"pattern": {"bursts": {"width": "2 weeks"}}}, "width '2 weeks'"),
        ("datetime", {"pattern": {"seasonal": {"peak_months": [1]}, "bursts": {}}}, "give one of"),
        ("datetime", {"start": "2024-01-06", "end": "2024-01-07", "pattern": "business_hours"}, "no business hours"),
        ("datetime", {"start": "2024-01-01T00:00Z"}, "UTC offset"),
        ("datetime", {"timezone": "Europe/London", "colour": "red"}, "Extra inputs"),
        ("date", {"after": "x", "max_delay": "36h"}, "whole days"),
        ("date", {"start": "2024-01-01T10:00"}, "not an ISO date"),
        ("time", {"start": "18:00", "end": "09:00"}, "end 09:00 is before start 18:00"),
        ("time", {"start": "18:00", "pattern": "business_hours"}, "no business hours"),
        ("time", {"start": "25:00"}, "not an ISO time"),
    ],
)
def test_validation_errors_are_clear(kind: str, params: dict[str, Any], message: str) -> None:
    spec = get(kind)
    assert spec is not None
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        spec.parse_params(params)


def test_yaml_dates_are_accepted() -> None:
    spec = get("datetime")
    assert spec is not None
    params = spec.parse_params({"start": date(2024, 1, 1), "end": date(2024, 1, 31)})
    values = generate_field("f", {"type": "datetime", **params.model_dump()}, np.random.default_rng(1), 1000)
    s = series(values)
    assert s.min() >= pd.Timestamp("2024-01-01") and s.max() < pd.Timestamp("2024-02-01")


def test_schema_validation_reports_the_field() -> None:
    doc = {
        "name": "s",
        "tables": {"t": {"fields": {"at": {"type": "datetime", "timezone": "Mars/Olympus"}}}},
    }
    issues = validate_schema(SchemaSpec.model_validate(doc))
    assert any(i.path.startswith("tables.t.fields.at") and "unknown time zone" in i.message for i in issues), issues
