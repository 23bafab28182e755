"""The typed frame SDV learns from, and the codec that writes its values back as production wrote them.

Only non-sensitive columns are parsed, using the profiler's own parsers and the type it inferred:
numbers (currency symbols and thousands separators understood), dates in every recorded format,
booleans by their literals, categories by their dominant spelling (``active``/``ACTIVE`` -> ``Active``).
Cells that are present but unusable (pre-masked, unparsed, placeholder dates) are filled by a hot-deck
draw from the column's usable cells, so SDV learns the true missing rate; the quality stage later
re-applies those issues at their observed rates. A regenerated (sensitive) column contributes only a
boolean "present in this row" column, so its gaps keep their link to the rest of the row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tools.engine.seeding import rng_for
from tools.ingest.model import IngestedTable
from tools.profile.dates import parse_dates
from tools.profile.numbers import parse_numbers
from tools.profile.patterns import find_masked
from tools.profile.quality import in_range
from tools.profile.values import ColumnValues, column_values, expand
from tools.synth.arrays import keep_where
from tools.synth.coarsen import DEFAULT_K, merge_rare_labels, to_month
from tools.synth.plan import ColumnPlan

TOKEN_MIN_ROWS = 5  # an unparsed value is kept as a re-usable token only when this many rows share it
PROTECTED_ROLES = ("quasi_identifier", "sensitive_attribute")
SDTYPES = {"number": "numerical", "date": "datetime", "boolean": "boolean", "category": "categorical"}


@dataclass
class Codec:
    """How one learned column's typed values are written back as text (value-free settings only,
    plus ``tokens``: frequent unparsed spellings of a non-sensitive column, e.g. ``N/A``)."""

    column: str
    kind: str
    integer: bool = False
    scale: int | None = None
    currency_symbol: str | None = None
    currency_share: float = 0.0
    grouped_share: float = 0.0
    formats: list[tuple[str, float]] = field(default_factory=list)
    with_time: bool = False
    true_literal: str = "True"
    false_literal: str = "False"
    tokens: list[tuple[str, int]] = field(default_factory=list)
    # categories and flags written in several cases: lower-case key -> every spelling with its rows
    case_variants: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    as_written: bool = False  # categories learned with their padding and casing: nothing to re-apply


Spellings = dict[str, list[tuple[str, int]]]


def spellings(texts: list[str], counts: list[int]) -> Spellings:
    """Every spelling of each case-insensitive value with its rows, dominant first (most rows; ties: the
    greater text): ``{"male": [("Male", 460), ("MALE", 27), ("male", 18)]}``."""
    totals: dict[str, dict[str, int]] = {}
    for text, count in zip(texts, counts, strict=True):
        group = totals.setdefault(text.lower(), {})
        group[text] = group.get(text, 0) + int(count)
    return {key: sorted(group.items(), key=lambda kv: (kv[1], kv[0]), reverse=True) for key, group in totals.items()}


def case_variants(values: ColumnValues) -> Spellings:
    """The usable values written in more than one case, with each spelling's rows."""
    idx = np.flatnonzero(values.usable)
    found = spellings(values.text.take(pa.array(idx)).to_pylist(), values.counts[idx].tolist())
    return {key: group for key, group in found.items() if len(group) > 1}


@dataclass
class TrainingTable:
    name: str
    frame: pd.DataFrame
    sdtypes: dict[str, str]
    codecs: dict[str, Codec]
    presence: dict[str, str]  # regenerated/text column -> its boolean presence column in ``frame``
    source_rows: int
    dropped_orphans: int = 0
    modes: dict[str, tuple[str, float]] = field(default_factory=dict)  # number column -> (flag column, value)
    months: set[str] = field(default_factory=set)  # quasi-identifying dates learned to the month
    merged_labels: dict[str, int] = field(default_factory=dict)  # column -> rare labels merged before learning


def presence_name(index: int) -> str:
    return f"__doppel_present_{index}"


def mode_name(index: int) -> str:
    return f"__doppel_mode_{index}"


MODE_SHARE = 0.2  # a number taking one value in at least this share of its rows is a spike, not a curve


def split_spike(values: np.ndarray, rng: np.random.Generator) -> tuple[float, np.ndarray, np.ndarray] | None:
    """A point mass (balances of exactly 0.00, counts of 0) that a continuous model would smear:
    ``(value, flag per row, values with the spike's rows drawn from the other values)``, or None."""
    present = ~np.isnan(values)
    if present.sum() < 20:
        return None
    found, counts = np.unique(values[present], return_counts=True)
    if len(found) < 3:
        return None  # a flag-like column: the copula handles two or three values well enough
    top = int(np.argmax(counts))
    if counts[top] / present.sum() < MODE_SHARE:
        return None
    value = float(found[top])
    flag = present & (values == value)
    rest = np.flatnonzero(present & ~flag)
    smoothed = values.copy()
    smoothed[flag] = values[rest[rng.integers(0, len(rest), int(flag.sum()))]]
    return value, flag, smoothed


def training_table(
    table: IngestedTable,
    plans: list[ColumnPlan],
    seed: int,
    today: dt.date | None = None,
    rare: int = DEFAULT_K,
    spikes: bool = True,
) -> TrainingTable:
    """The learned and presence columns of one table (link columns are added by the caller). ``today``
    bounds plausible dates; a fixed one (the run's date) keeps a resumed run byte-identical. Labels of
    quasi-identifiers and sensitive attributes seen in fewer than ``rare`` rows are merged first, and
    quasi-identifying dates are learned to the month (``coarsen.py``). ``spikes``: learn a number's one
    frequent value as a flag, and categories in one spelling (for copulas, which smear a spike and see
    each spelling as another category); without it (CART, which borrows whole values in context)
    categories are learned as written."""
    today = today or dt.date.today()
    frame = table.frame
    columns: dict[str, pd.Series | np.ndarray] = {}
    sdtypes: dict[str, str] = {}
    codecs: dict[str, Codec] = {}
    presence: dict[str, str] = {}
    modes: dict[str, tuple[str, float]] = {}
    months: set[str] = set()
    merged: dict[str, int] = {}
    for i, plan in enumerate(plans):
        series = frame[plan.column]
        if plan.strategy == "learned" and plan.kind is not None:
            rng = rng_for(seed, table.name, plan.column, 0, 0, "impute")
            values, codec = parse_column(plan, series, rng, today, as_written=not spikes)
            if plan.role in PROTECTED_ROLES and plan.kind == "category":
                values, merged[plan.column] = merge_rare_labels(
                    values, rare, rng_for(seed, table.name, plan.column, 0, 0, "rare")
                )
            if plan.role == "quasi_identifier" and plan.kind == "date":
                values = to_month(values)
                months.add(plan.column)
            if spikes and plan.kind == "number" and (spike := split_spike(values, rng)) is not None:
                value, flag, values = spike
                modes[plan.column] = (mode_name(i), value)
                columns[mode_name(i)] = flag
                sdtypes[mode_name(i)] = "boolean"
            columns[plan.column] = values
            sdtypes[plan.column] = SDTYPES[plan.kind]
            codecs[plan.column] = codec
        elif plan.strategy in ("regenerated", "text", "key", "derived") and 0.0 < plan.profile.missing_rate < 1.0:
            name = presence_name(i)
            columns[name] = present_mask(series)
            sdtypes[name] = "boolean"
            presence[plan.column] = name
    out = pd.DataFrame(columns, index=pd.RangeIndex(len(frame)))
    merged = {column: count for column, count in merged.items() if count}
    return TrainingTable(table.name, out, sdtypes, codecs, presence, len(frame), modes=modes, months=months,
                         merged_labels=merged)  # fmt: skip


def present_mask(series: pd.Series) -> np.ndarray:
    """Rows with a non-blank value."""
    text = pa.array(series.astype(object).where(series.notna(), None).tolist(), pa.large_string())
    stripped = pc.utf8_trim_whitespace(text)
    return np.asarray(pc.fill_null(pc.greater(pc.utf8_length(stripped), 0), False).to_numpy(zero_copy_only=False))


def parse_column(
    plan: ColumnPlan,
    series: pd.Series,
    rng: np.random.Generator,
    today: dt.date | None = None,
    as_written: bool = False,
) -> tuple[np.ndarray, Codec]:
    """Typed values per row (NaN/NaT/None where missing) and the codec to write them back."""
    values = column_values(plan.column, series.astype(object).where(series.notna(), None))
    find_masked(values)
    kind = plan.kind
    if kind == "number":
        return _numbers(plan, values, rng)
    if kind == "date":
        return _dates(plan, values, rng, today or dt.date.today())
    if kind == "boolean":
        return _booleans(plan, values, rng)
    return _categories(plan, values, rng, as_written)


def _tokens(values: ColumnValues, bad: np.ndarray) -> list[tuple[str, int]]:
    """Frequent present-but-unusable spellings (non-sensitive columns only reach this)."""
    idx = np.flatnonzero(bad & values.present & ~values.masked & (values.counts >= TOKEN_MIN_ROWS))
    texts = values.text.take(pa.array(idx)).to_pylist()
    merged: dict[str, int] = {}
    for text, count in zip(texts, values.counts[idx].tolist(), strict=True):
        merged[str(text)] = merged.get(str(text), 0) + int(count)
    return sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))


def _hot_deck(per_row: np.ndarray, usable: np.ndarray, fill: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Rows in ``fill`` take the value of a random usable row (deterministic under ``rng``)."""
    donors = np.flatnonzero(usable)
    targets = np.flatnonzero(fill)
    if len(targets) and len(donors):
        per_row = per_row.copy()
        per_row[targets] = per_row[donors[rng.integers(0, len(donors), len(targets))]]
    return per_row


def _split(values: ColumnValues, good: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: usable (present, unmasked, parses) and present-but-unusable. A column masked throughout
    learns its masks as they are (the quality stage re-masks every value in the sample's mask shapes)."""
    usable_v = values.present & ~values.masked & good
    if not usable_v.any():
        usable_v = values.present & good
    present_v = values.present
    usable = expand(usable_v, values.codes, False)
    present = expand(present_v, values.codes, False)
    return usable, present & ~usable


def _numbers(plan: ColumnPlan, values: ColumnValues, rng: np.random.Generator) -> tuple[np.ndarray, Codec]:
    parsed = parse_numbers(values.text)
    ok = parsed.ok
    usable, fill = _split(values, ok)
    per_row = expand(np.where(ok, parsed.values, np.nan), values.codes, np.nan)
    per_row = np.where(usable, per_row, np.nan)
    per_row = _hot_deck(per_row, usable, fill, rng)
    weights = values.counts * (ok & values.present & ~values.masked)
    total = max(1, int(weights.sum()))
    inferred = plan.profile.inferred
    codec = Codec(
        column=plan.column,
        kind="number",
        integer=inferred.type == "integer",
        scale=inferred.scale if inferred.type == "decimal" else None,
        currency_symbol=parsed.symbols[0] if parsed.symbols else None,
        currency_share=float(weights[parsed.currency].sum()) / total,
        grouped_share=float(weights[parsed.grouped].sum()) / total,
        tokens=_tokens(values, ~ok),
    )
    return per_row.astype(np.float64), codec


def _dates(
    plan: ColumnPlan, values: ColumnValues, rng: np.random.Generator, today: dt.date
) -> tuple[np.ndarray, Codec]:
    parsed = parse_dates(values.text)
    good = parsed.ok & in_range(parsed.seconds, today)
    usable, fill = _split(values, good)
    seconds = expand(np.where(good, parsed.seconds, 0), values.codes, 0)
    stamps = seconds.astype("datetime64[s]").astype("datetime64[ns]")
    stamps = np.where(usable, stamps, np.datetime64("NaT"))
    stamps = _hot_deck(stamps, usable, fill, rng)
    inferred = plan.profile.inferred
    formats = [(f.value, f.share) for f in inferred.formats] or [("%Y-%m-%d", 1.0)]
    codec = Codec(
        column=plan.column,
        kind="date",
        formats=formats,
        with_time=inferred.type == "datetime",
        tokens=_tokens(values, ~parsed.ok),
    )
    return stamps, codec


def _booleans(plan: ColumnPlan, values: ColumnValues, rng: np.random.Generator) -> tuple[np.ndarray, Codec]:
    inferred = plan.profile.inferred
    if inferred.true_literal is None:  # a sensitive flag's spellings stay out of the profile: read them here
        from tools.profile.types import infer_type

        inferred = infer_type(values).result
    true, false = inferred.true_literal or "True", inferred.false_literal or "False"
    lower = pc.utf8_lower(values.text)
    is_true = np.asarray(pc.equal(lower, true.lower()).to_numpy(zero_copy_only=False), dtype=bool)
    is_false = np.asarray(pc.equal(lower, false.lower()).to_numpy(zero_copy_only=False), dtype=bool)
    usable, fill = _split(values, is_true | is_false)
    flags = expand(is_true, values.codes, False)
    out = keep_where(usable, flags)
    out = _hot_deck(out, usable, fill, rng)
    codec = Codec(
        column=plan.column,
        kind="boolean",
        true_literal=true,
        false_literal=false,
        tokens=_tokens(values, ~(is_true | is_false)),
        case_variants=case_variants(values),
    )
    return out, codec


def _categories(
    plan: ColumnPlan, values: ColumnValues, rng: np.random.Generator, as_written: bool = False
) -> tuple[np.ndarray, Codec]:
    """Each value in its dominant spelling among case variants (the quality stage brings the others
    back at their rates); pre-masked cells hot-decked. ``as_written``: each value exactly as the sample
    wrote it (padding and case included), for a model that borrows whole values in context (CART): the
    quality stage then leaves the column's padding and casing alone."""
    texts = values.text.to_pylist()
    if as_written:
        written = np.array([*values.raw.to_pylist(), None], dtype=object)
        per_row = written[np.where(values.codes >= 0, values.codes, len(texts))]
    else:
        best = spellings(texts, values.counts.tolist())
        canonical = np.array([best[t.lower()][0][0] for t in texts] + [None], dtype=object)
        per_row = canonical[np.where(values.codes >= 0, values.codes, len(texts))]
    usable, fill = _split(values, np.ones(len(texts), dtype=bool))
    per_row = keep_where(usable, per_row)
    per_row = _hot_deck(per_row, usable, fill, rng)
    variants = {} if as_written else case_variants(values)
    return per_row, Codec(column=plan.column, kind="category", case_variants=variants, as_written=as_written)
