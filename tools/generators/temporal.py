"""Dates, datetimes and times: ranges, business hours, seasonality, bursts and causal ``after`` delays.

Every pattern is reduced to a short list of weighted segments on an integer axis (UTC epoch
microseconds for datetimes, days for dates, microseconds since midnight for times) and sampled by one
vectorised inverse CDF. Local wall-clock rules (business hours, seasonal days) only decide where the
segment *boundaries* lie: those few boundaries are localised with pandas, and values are then drawn
as instants between them. So a value can never be a non-existent local time (the spring-forward gap
is simply not inside any segment) and the repeated autumn hour gets its true double length.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tools.generators.registry import GeneratorParams, Related, ValueSpace, generator

US_PER_SECOND = 1_000_000
US_PER_DAY = 86_400 * US_PER_SECOND
OPEN_US = 9 * 3600 * US_PER_SECOND  # business hours: 09:00 ...
CLOSE_US = (17 * 3600 + 30 * 60) * US_PER_SECOND  # ... to 17:30 local time, Monday to Friday
UNIT_US = {"s": US_PER_SECOND, "m": 60 * US_PER_SECOND, "h": 3600 * US_PER_SECOND, "d": US_PER_DAY}
DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhd])\s*")
EPOCH = datetime(1970, 1, 1)
UTC_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NAMED_PATTERNS = ("uniform", "business_hours")


# ---------------------------------------------------------------- parsing helpers


def parse_duration(text: str, name: str) -> int:
    """``'10d'``, ``'36h'``, ``'90m'``, ``'45s'`` (decimals allowed) as whole microseconds."""
    match = DURATION.fullmatch(str(text))
    if match is None:
        raise ValueError(f"{name} '{text}': use a number with s, m, h or d, e.g. '90m' or '10d'")
    return round(float(match.group(1)) * UNIT_US[match.group(2)])


def _iso_text(value: Any) -> Any:
    """YAML reads unquoted 2024-01-31 as a date: keep everything as ISO text so parsing is one path."""
    return value.isoformat() if isinstance(value, date | time) else value


def _parse_point(text: str, name: str) -> tuple[datetime, bool]:
    """An ISO date or datetime; the flag says it was a bare date (an ``end`` then covers the whole day)."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time()), True
        return datetime.fromisoformat(text), False
    except ValueError:
        raise ValueError(
            f"{name} '{text}' is not an ISO date or datetime (e.g. 2024-01-31 or 2024-01-31T09:00)"
        ) from None


def _check_zone(name: str | None) -> str | None:
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"unknown time zone '{name}': use an IANA name such as 'Europe/London' or 'UTC'") from None
    return name


def _wall_us(moment: datetime) -> int:
    """Microseconds since 1970-01-01 of a naive (wall-clock) datetime."""
    return (moment - EPOCH) // timedelta(microseconds=1)


def _localise(wall_us: np.ndarray, tz: str | None, earlier: bool) -> np.ndarray:
    """Local wall-clock microseconds -> UTC epoch microseconds (identity when naive).

    Non-existent local times (inside a spring-forward gap) move forward to the end of the gap;
    ambiguous ones (the repeated autumn hour) take the earlier or the later instant.
    """
    if tz is None or len(wall_us) == 0:
        return wall_us.astype(np.int64)
    index = pd.DatetimeIndex(wall_us.astype("datetime64[us]"))
    local = index.tz_localize(ZoneInfo(tz), ambiguous=np.full(len(index), earlier), nonexistent="shift_forward")
    return np.asarray(local.as_unit("us").asi8, dtype=np.int64)


# ---------------------------------------------------------------- pattern parameters


class Seasonal(BaseModel):
    """Days in a peak month, or on a peak weekday, weigh ``peak_factor`` times more (both: the factor squared)."""

    model_config = ConfigDict(extra="forbid")
    peak_months: list[int] = Field(default_factory=list, description="1 = January ... 12 = December")
    peak_weekdays: list[int] = Field(default_factory=list, description="0 = Monday ... 6 = Sunday")
    peak_factor: float = Field(3.0, gt=0)

    @model_validator(mode="after")
    def _peaks(self) -> Seasonal:
        if not self.peak_months and not self.peak_weekdays:
            raise ValueError("seasonal needs peak_months (1-12) or peak_weekdays (0 = Monday ... 6 = Sunday)")
        if bad := [m for m in self.peak_months if not 1 <= m <= 12]:
            raise ValueError(f"peak_months {bad}: months are 1 (January) to 12 (December)")
        if bad := [d for d in self.peak_weekdays if not 0 <= d <= 6]:
            raise ValueError(f"peak_weekdays {bad}: weekdays are 0 (Monday) to 6 (Sunday)")
        return self

    def day_weights(self, days: np.ndarray) -> np.ndarray:
        """Weight of each day (days since 1970-01-01)."""
        month = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12 + 1
        weights = np.ones(len(days))
        weights[np.isin(month, self.peak_months)] *= self.peak_factor
        weights[np.isin(_weekday(days), self.peak_weekdays)] *= self.peak_factor
        return weights


class Bursts(BaseModel):
    """A ``share`` of the values falls in ``count`` windows of ``width``, the same windows in every chunk."""

    model_config = ConfigDict(extra="forbid")
    count: int = Field(5, ge=1, le=100_000)
    width: str = "2h"
    share: float = Field(0.3, ge=0, le=1)

    @field_validator("width")
    @classmethod
    def _width(cls, value: str) -> str:
        if parse_duration(value, "width") <= 0:
            raise ValueError(f"width '{value}' must be longer than zero")
        return value


class PatternSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seasonal: Seasonal | None = None
    bursts: Bursts | None = None

    @model_validator(mode="after")
    def _one(self) -> PatternSpec:
        if (self.seasonal is None) == (self.bursts is None):
            raise ValueError("give one of {seasonal: {...}} or {bursts: {...}} as the pattern")
        return self


Pattern = Literal["uniform", "business_hours"] | PatternSpec


def _check_pattern(value: Any) -> Any:
    """One readable message instead of pydantic's report on every member of the union."""
    choices = "uniform, business_hours, {seasonal: {...}} or {bursts: {...}}"
    if isinstance(value, str) and value not in NAMED_PATTERNS:
        raise ValueError(f"pattern '{value}': use {choices}")
    if isinstance(value, dict):
        try:
            return PatternSpec.model_validate(value)
        except ValidationError as exc:
            problems = "; ".join(
                ".".join(str(part) for part in err["loc"]) + ": " + err["msg"].removeprefix("Value error, ")
                if err["loc"]
                else err["msg"].removeprefix("Value error, ")
                for err in exc.errors()
            )
            raise ValueError(problems) from None
    if not isinstance(value, str | PatternSpec):
        raise ValueError(f"pattern {value!r}: use {choices}")
    return value


# ---------------------------------------------------------------- segments and sampling


def _weekday(days: np.ndarray) -> np.ndarray:
    """0 = Monday for days since 1970-01-01 (a Thursday)."""
    return (days.astype(np.int64) + 3) % 7


@dataclass(frozen=True)
class Domain:
    """Weighted half-open segments [starts, ends) on an integer axis; the density inside each is constant."""

    starts: np.ndarray
    ends: np.ndarray
    weights: np.ndarray

    @classmethod
    def build(cls, starts: np.ndarray, ends: np.ndarray, weights: np.ndarray, low: int, high: int) -> Domain:
        """Segments clipped to [low, high); empty ones dropped."""
        s = np.maximum(np.asarray(starts, dtype=np.int64), low)
        e = np.minimum(np.asarray(ends, dtype=np.int64), high)
        keep = e > s
        return cls(s[keep], e[keep], np.asarray(weights, dtype=float)[keep])

    @property
    def empty(self) -> bool:
        return len(self.starts) == 0

    @property
    def low(self) -> int:
        return int(self.starts[0])

    @property
    def high(self) -> int:
        """The largest value (inclusive)."""
        return int(self.ends[-1]) - 1

    @property
    def cumulative(self) -> np.ndarray:
        return np.cumsum((self.ends - self.starts) * self.weights)

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """Inverse CDF: uniforms in [0, 1) -> integer positions with this piecewise-constant density."""
        cum = self.cumulative
        target = np.asarray(u, dtype=float) * cum[-1]
        k = np.minimum(np.searchsorted(cum, target, side="right"), len(cum) - 1)
        before = np.concatenate(([0.0], cum))[k]
        offset = np.floor((target - before) / self.weights[k]).astype(np.int64)
        return self.starts[k] + np.clip(offset, 0, self.ends[k] - self.starts[k] - 1)


def burst_windows(low: int, high: int, bursts: Bursts, width: int, field_seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The burst windows [starts, ends) inside [low, high]: drawn from the field seed alone, so every chunk agrees."""
    source = np.random.default_rng(field_seed)
    centres = low + np.floor(source.random(bursts.count) * (high - low + 1)).astype(np.int64)
    starts = np.maximum(centres - width // 2, low)
    ends = np.minimum(centres - width // 2 + width, high + 1)
    return starts, np.maximum(ends, starts + 1)


def _sample(
    rng: np.random.Generator, size: int, domain: Domain, bursts: Bursts | None, width: int, field_seed: int
) -> np.ndarray:
    values = domain.quantile(rng.random(size))
    if bursts is None or bursts.share == 0:
        return values
    starts, ends = burst_windows(domain.low, domain.high, bursts, width, field_seed)
    hit = rng.random(size) < bursts.share
    n = int(hit.sum())
    which = rng.integers(0, len(starts), size=n)
    span = ends[which] - starts[which]
    values[hit] = starts[which] + np.minimum((rng.random(n) * span).astype(np.int64), span - 1)
    return values


def _delays(rng: np.random.Generator, size: int, low: int, high: int) -> np.ndarray:
    """Uniform whole delays in [low, high] (inclusive)."""
    span = high - low + 1
    return low + np.minimum(np.floor(rng.random(size) * span).astype(np.int64), span - 1)


# ---------------------------------------------------------------- shared parameters


class _RangeParams(GeneratorParams):
    """Start and end are local to the field's zone; a bare-date end covers that whole day."""

    start: str = "2020-01-01"
    end: str = "2025-12-31"
    pattern: Pattern = "uniform"
    after: str | None = Field(None, description="a sibling date/datetime field this value must follow")
    min_delay: str = "0s"
    max_delay: str = "1d"

    _to_text = field_validator("start", "end", mode="before")(_iso_text)
    _named = field_validator("pattern", mode="before")(_check_pattern)

    def delays_us(self) -> tuple[int, int]:
        return parse_duration(self.min_delay, "min_delay"), parse_duration(self.max_delay, "max_delay")

    def _check_after(self) -> None:
        low, high = self.delays_us()
        if high < low:
            raise ValueError(f"max_delay {self.max_delay} is shorter than min_delay {self.min_delay}")
        if self.after is None:
            return
        fixed = sorted({"start", "end"} & self.model_fields_set) + (["pattern"] if self.pattern != "uniform" else [])
        if fixed:
            raise ValueError(
                f"{', '.join(fixed)} cannot be combined with after: the value is {self.after} plus a delay "
                "between min_delay and max_delay"
            )

    @property
    def pattern_key(self) -> str:
        return self.pattern if isinstance(self.pattern, str) else self.pattern.model_dump_json()

    @property
    def bursts(self) -> Bursts | None:
        return None if isinstance(self.pattern, str) else self.pattern.bursts


def _pattern_of(key: str) -> str | PatternSpec:
    return key if key in NAMED_PATTERNS else PatternSpec.model_validate_json(key)


def _need_segments(domain: Domain, params: _RangeParams) -> Domain:
    if domain.empty:
        what = "business hours (Mon-Fri 09:00-17:30)" if params.pattern == "business_hours" else "values"
        raise ValueError(f"there are no {what} between start {params.start} and end {params.end}")
    return domain


def _not_correlatable(params: _RangeParams, kind: str) -> None:
    if params.after is not None or params.bursts is not None:
        raise ValueError(f"a {kind} with after or bursts has no fixed distribution, so it cannot be correlated")


# ---------------------------------------------------------------- datetime


class DatetimeParams(_RangeParams):
    timezone: str | None = Field(None, description="IANA zone; None gives naive timestamps")

    _zone = field_validator("timezone")(_check_zone)

    @model_validator(mode="after")
    def _check(self) -> DatetimeParams:
        self._check_after()
        if self.after is None:
            _need_segments(self.domain(), self)
        return self

    def domain(self) -> Domain:
        return _datetime_domain(self.start, self.end, self.timezone, self.pattern_key)


def _instant_bounds(start: str, end: str, tz: str | None) -> tuple[int, int]:
    """[low, high) as epoch microseconds of instants (wall-clock microseconds when naive)."""
    first, _ = _parse_point(start, "start")
    last, end_is_date = _parse_point(end, "end")
    offsets = [moment.tzinfo is not None for moment in (first, last)]
    if any(offsets) and tz is None:
        raise ValueError(f"start '{start}' / end '{end}' carry a UTC offset but the field has no timezone; set one")
    if any(offsets) and not all(offsets):
        raise ValueError(f"give start '{start}' and end '{end}' both with or both without a UTC offset")
    if all(offsets):
        low = (first - UTC_EPOCH) // timedelta(microseconds=1)
        high = (last - UTC_EPOCH) // timedelta(microseconds=1) + 1
    else:
        wall_low, wall_high = _wall_us(first), _wall_us(last) + (US_PER_DAY if end_is_date else 1)
        if wall_high <= wall_low:
            raise ValueError(f"end {end} is before start {start}")
        low = int(_localise(np.array([wall_low]), tz, earlier=True)[0])
        high = int(_localise(np.array([wall_high]), tz, earlier=False)[0])
    if high <= low:
        raise ValueError(f"end {end} is before start {start}")
    return low, high


@lru_cache(maxsize=256)
def _datetime_domain(start: str, end: str, tz: str | None, pattern_key: str) -> Domain:
    low, high = _instant_bounds(start, end, tz)
    pattern = _pattern_of(pattern_key)
    if not (pattern == "business_hours" or (isinstance(pattern, PatternSpec) and pattern.seasonal)):
        return Domain.build(np.array([low]), np.array([high]), np.ones(1), low, high)
    # Local days touched by [low, high): a day's wall-clock rules, localised at its boundaries.
    zone = ZoneInfo(tz) if tz else None
    first_day = _local_day(low, zone)
    last_day = _local_day(high - 1, zone)
    days = np.arange(first_day, last_day + 1, dtype=np.int64)
    if pattern == "business_hours":
        days = days[_weekday(days) < 5]
        starts = _localise(days * US_PER_DAY + OPEN_US, tz, earlier=True)
        ends = _localise(days * US_PER_DAY + CLOSE_US, tz, earlier=True)
        weights = np.ones(len(days))
    else:
        assert isinstance(pattern, PatternSpec) and pattern.seasonal
        edges = _localise(np.arange(first_day, last_day + 2, dtype=np.int64) * US_PER_DAY, tz, earlier=True)
        starts, ends = edges[:-1], edges[1:]
        weights = pattern.seasonal.day_weights(days)
    return Domain.build(starts, ends, weights, low, high)


def _local_day(instant_us: int, zone: ZoneInfo | None) -> int:
    moment = EPOCH + timedelta(microseconds=instant_us)
    if zone is not None:
        moment = moment.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)
    return (moment.date() - EPOCH.date()).days


def _datetime_type(p: DatetimeParams) -> pa.DataType:
    return pa.timestamp("us", tz=p.timezone)


def _datetime_quantile(u: np.ndarray, p: DatetimeParams) -> np.ndarray:
    _not_correlatable(p, "datetime")
    return p.domain().quantile(u)


def _datetime_bounds(p: DatetimeParams) -> tuple[Any, Any] | None:
    if p.after is not None:
        return None
    domain = p.domain()
    low, high = (pd.Timestamp(v, unit="us", tz="UTC" if p.timezone else None) for v in (domain.low, domain.high))
    if p.timezone:
        return low.tz_convert(p.timezone), high.tz_convert(p.timezone)
    return low, high


def _anchor_us(column: pa.Array, name: str, tz: str | None) -> np.ndarray:
    """The ``after`` column as epoch microseconds (nulls as 0; the caller keeps the mask).

    Timestamps are taken as stored (UTC instants, or wall clock when naive), so mixing a zoned and a
    naive field reads the naive side as UTC; a date is midnight of that day in this field's zone.
    """
    kind = column.type
    if pa.types.is_timestamp(kind):
        micros = column.cast(pa.timestamp("us", tz=kind.tz)).cast(pa.int64())
        return np.asarray(micros.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)
    if pa.types.is_date(kind):
        days = column.cast(pa.date32()).cast(pa.int32()).fill_null(0).to_numpy(zero_copy_only=False)
        return _localise(days.astype(np.int64) * US_PER_DAY, tz, earlier=True)
    raise ValueError(f"after field '{name}' is {kind}, not a date or datetime")


def _null_mask(column: pa.Array) -> np.ndarray | None:
    return column.is_null().to_numpy(zero_copy_only=False) if column.null_count else None


@generator(
    "datetime",
    params=DatetimeParams,
    output=_datetime_type,
    field_refs=("after",),
    quantile=_datetime_quantile,
    bounds=_datetime_bounds,
)
def datetime_(rng: np.random.Generator, size: int, params: DatetimeParams, related: Related) -> Any:
    """Timestamps in [start, end] (uniform, business hours, seasonal, bursts) or a delay after another field."""
    kind = _datetime_type(params)
    if params.after is not None:
        anchor = related[params.after]
        low, high = params.delays_us()
        values = _anchor_us(anchor, params.after, params.timezone) + _delays(rng, size, low, high)
        return pa.array(values, type=kind, mask=_null_mask(anchor))
    bursts = params.bursts
    width = parse_duration(bursts.width, "width") if bursts else 0
    return pa.array(_sample(rng, size, params.domain(), bursts, width, related.field_seed), type=kind)


# ---------------------------------------------------------------- date


def _date_days(text: str, name: str) -> int:
    try:
        return (date.fromisoformat(text) - EPOCH.date()).days
    except ValueError:
        raise ValueError(f"{name} '{text}' is not an ISO date (e.g. 2024-01-31)") from None


class DateParams(_RangeParams):
    @model_validator(mode="after")
    def _check(self) -> DateParams:
        self._check_after()
        for name, value in (("min_delay", self.min_delay), ("max_delay", self.max_delay)):
            if parse_duration(value, name) % US_PER_DAY:
                raise ValueError(f"{name} '{value}': a date moves in whole days, e.g. '3d'")
        if self.after is None:
            _need_segments(self.domain(), self)
        return self

    def domain(self) -> Domain:
        return _date_domain(self.start, self.end, self.pattern_key)


@lru_cache(maxsize=256)
def _date_domain(start: str, end: str, pattern_key: str) -> Domain:
    low, last = _date_days(start, "start"), _date_days(end, "end")
    if last < low:
        raise ValueError(f"end {end} is before start {start}")
    pattern = _pattern_of(pattern_key)
    days = np.arange(low, last + 1, dtype=np.int64)
    if pattern == "business_hours":
        days = days[_weekday(days) < 5]
        return Domain.build(days, days + 1, np.ones(len(days)), low, last + 1)
    if isinstance(pattern, PatternSpec) and pattern.seasonal:
        return Domain.build(days, days + 1, pattern.seasonal.day_weights(days), low, last + 1)
    return Domain.build(np.array([low]), np.array([last + 1]), np.ones(1), low, last + 1)


def _date_quantile(u: np.ndarray, p: DateParams) -> np.ndarray:
    _not_correlatable(p, "date")
    return p.domain().quantile(u).astype("datetime64[D]")


def _date_bounds(p: DateParams) -> tuple[Any, Any] | None:
    if p.after is not None:
        return None
    domain = p.domain()
    return EPOCH.date() + timedelta(days=domain.low), EPOCH.date() + timedelta(days=domain.high)


def _anchor_days(column: pa.Array, name: str) -> np.ndarray:
    """The ``after`` column as days since 1970-01-01 (a timestamp's local calendar day)."""
    kind = column.type
    if pa.types.is_timestamp(kind):
        column = pc.local_timestamp(column) if kind.tz else column
        column = column.cast(pa.timestamp("us")).cast(pa.date32())
    elif not pa.types.is_date(kind):
        raise ValueError(f"after field '{name}' is {kind}, not a date or datetime")
    days = column.cast(pa.date32()).cast(pa.int32()).fill_null(0).to_numpy(zero_copy_only=False)
    return days.astype(np.int64)


def _date_space(p: DateParams) -> ValueSpace | None:
    if p.after is not None:
        return None
    days = int((p.domain().ends - p.domain().starts).sum())
    return ValueSpace(days, f"days {p.start}..{p.end}" + ("" if p.pattern == "uniform" else f", {p.pattern_key}"))


@generator(
    "date",
    params=DateParams,
    output=pa.date32(),
    field_refs=("after",),
    quantile=_date_quantile,
    bounds=_date_bounds,
    space=_date_space,
)
def date_(rng: np.random.Generator, size: int, params: DateParams, related: Related) -> Any:
    """Calendar dates in [start, end] (uniform, weekdays only, seasonal, bursts) or some days after another field."""
    if params.after is not None:
        anchor = related[params.after]
        low, high = (d // US_PER_DAY for d in params.delays_us())
        days = _anchor_days(anchor, params.after) + _delays(rng, size, low, high)
        return pa.array(days.astype(np.int32), type=pa.date32(), mask=_null_mask(anchor))
    bursts = params.bursts
    width = max(1, math.ceil(parse_duration(bursts.width, "width") / US_PER_DAY)) if bursts else 0
    days = _sample(rng, size, params.domain(), bursts, width, related.field_seed)
    return pa.array(days.astype(np.int32), type=pa.date32())


# ---------------------------------------------------------------- time


def _time_us(text: str, name: str) -> int:
    try:
        moment = time.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name} '{text}' is not an ISO time of day (e.g. 09:00 or 17:30:00)") from None
    if moment.tzinfo is not None:
        raise ValueError(f"{name} '{text}': a time of day has no UTC offset here")
    return ((moment.hour * 60 + moment.minute) * 60 + moment.second) * US_PER_SECOND + moment.microsecond


class TimeParams(GeneratorParams):
    """Times of day in [start, end], both inclusive to the microsecond (no wrap past midnight)."""

    start: str = "00:00"
    end: str = "23:59:59"
    pattern: Literal["uniform", "business_hours"] = "uniform"

    _to_text = field_validator("start", "end", mode="before")(_iso_text)

    @model_validator(mode="after")
    def _check(self) -> TimeParams:
        low, high = _time_us(self.start, "start"), _time_us(self.end, "end")
        if high < low:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if self.domain().empty:
            raise ValueError(f"there are no business hours (09:00-17:30) between start {self.start} and end {self.end}")
        return self

    def domain(self) -> Domain:
        low, high = _time_us(self.start, "start"), _time_us(self.end, "end") + 1
        if self.pattern == "business_hours":
            return Domain.build(np.array([OPEN_US]), np.array([CLOSE_US]), np.ones(1), low, high)
        return Domain.build(np.array([low]), np.array([high]), np.ones(1), low, high)


def _time_quantile(u: np.ndarray, p: TimeParams) -> np.ndarray:
    return p.domain().quantile(u)


def _as_time(micros: int) -> time:
    return (datetime.min + timedelta(microseconds=micros)).time()


def _time_bounds(p: TimeParams) -> tuple[Any, Any]:
    domain = p.domain()
    return _as_time(domain.low), _as_time(domain.high)


@generator("time", params=TimeParams, output=pa.time64("us"), quantile=_time_quantile, bounds=_time_bounds)
def time_(rng: np.random.Generator, size: int, params: TimeParams, related: Related) -> Any:
    """Times of day in [start, end], uniform or within business hours (09:00-17:30)."""
    return pa.array(_time_quantile(rng.random(size), params), type=pa.time64("us"))
