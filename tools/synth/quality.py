"""Production's edge cases, re-applied at production's rates, then measured the same way on both sides.

Per column, in the profile's terms (rates relative to present values): pre-masked values in exactly
the observed mask shapes (``****1234`` shows the synthetic value's own last digits, ``860xx`` its
first), malformed emails, postcodes invalid in the column's own system (UK or US), unparsed tokens
(``N/A``, ``£25.00``-style spellings of non-sensitive columns), placeholder dates, then padding
whitespace and off-case spellings (the sample's own spellings of each category, or its case styles);
repeated keys; and per table, exact duplicate rows. Issues of one column never hit the same cell
twice. The achieved rates are measured by profiling the output with the same profiler that measured
the sample.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tools.ingest.model import IngestedTable
from tools.profile.dates import parse_dates
from tools.profile.model import ColumnProfile, DatasetProfile, QualityIssue, TableProfile
from tools.profile.patterns import shape
from tools.profile.quality import EMAIL_RE, POSTCODE_FORMATS, UK_POSTCODE_RE
from tools.synth.arrays import allocate
from tools.synth.model import RateComparison
from tools.synth.plan import ColumnPlan
from tools.synth.shapes import CASE_STYLES, DIGITS, UPPER_NO_X, restyle
from tools.synth.training import Codec, Spellings

NULL_TOKENS = ("N/A", "n/a", "NA", "NULL", "null", "None", "-", "?", "NaN", "#N/A", "Unknown", "TBC")
PLACEHOLDERS = {
    "low_placeholder": dt.datetime(1900, 1, 1),
    "high_placeholder": dt.datetime(9999, 12, 31),
    "too_early": dt.datetime(1899, 12, 31),
    "too_late": dt.datetime(2099, 12, 31),
}
CELL_ISSUES = ("masked_values", "malformed_email", "invalid_postcode", "unparsed_values", "out_of_range_date")
MIN_TOLERANCE = 0.005


def _present(values: np.ndarray) -> np.ndarray:
    arr = pa.array(values.tolist(), pa.large_string())
    lengths = pc.utf8_length(pc.utf8_trim_whitespace(arr))
    return np.asarray(pc.fill_null(pc.greater(lengths, 0), False).to_numpy(zero_copy_only=False), dtype=bool)


def _take(free: np.ndarray, n: int, rng: np.random.Generator, also: np.ndarray | None = None) -> np.ndarray:
    pool = np.flatnonzero(free if also is None else free & also)
    if n <= 0 or not len(pool):
        return np.zeros(0, dtype=np.int64)
    return np.sort(rng.choice(pool, size=min(n, len(pool)), replace=False))


def reapply(
    frame: pd.DataFrame,
    table: TableProfile,
    plans: dict[str, ColumnPlan],
    codecs: dict[str, Codec],
    rng_for_column: Callable[[str], np.random.Generator],
) -> None:
    """Re-apply every column issue and the table's duplicate rows to the text ``frame`` (in place)."""
    for column in frame.columns:
        plan = plans.get(str(column))
        if plan is None or not plan.profile.quality:
            continue
        rng = rng_for_column(str(column))
        values = frame[column].to_numpy(dtype=object).copy()
        _column(values, plan, codecs.get(str(column)), table.duplicate_row_rate, rng)
        frame[column] = values
    if table.duplicate_row_rate > 0 and len(frame) > 1:
        rng = rng_for_column("__duplicate_rows__")
        n = min(round(table.duplicate_row_rate * len(frame)), len(frame) // 2)
        targets = np.sort(rng.choice(np.arange(1, len(frame)), size=n, replace=False)) if n else np.zeros(0, int)
        if len(targets):
            sources = np.setdiff1d(np.arange(len(frame)), targets)
            picks = sources[rng.integers(0, len(sources), len(targets))]
            frame.iloc[targets] = frame.iloc[picks].to_numpy()


def _column(
    values: np.ndarray, plan: ColumnPlan, codec: Codec | None, dup_rows: float, rng: np.random.Generator
) -> None:
    present = _present(values)
    n_present = int(present.sum())
    free = present.copy()
    issues: dict[str, QualityIssue] = {issue.kind: issue for issue in plan.profile.quality}
    for kind in CELL_ISSUES:
        issue = issues.get(kind)
        if issue is None or (kind == "unparsed_values" and not _typed(plan, codec)):
            continue
        rows = _take(free, round(issue.rate * n_present), rng)
        if not len(rows):
            continue
        free[rows] = False
        if kind == "masked_values":
            values[rows] = _masks(values[rows], issue, rng)
        elif kind == "malformed_email":
            values[rows] = _bad_emails(values[rows], rng)
        elif kind == "invalid_postcode":
            system = str(issue.details.get("format", "uk"))
            values[rows] = _bad_postcodes(values[rows], POSTCODE_FORMATS.get(system, UK_POSTCODE_RE), rng)
        elif kind == "unparsed_values":
            values[rows] = _tokens(len(rows), plan, codec, rng)
        else:
            values[rows] = _placeholders(len(rows), issue, plan, codec, rng)
    if codec is not None and codec.as_written:
        return  # learned as written: padding, casing and repeats came with the values, in context
    if "whitespace" in issues:
        rows = _take(free, round(issues["whitespace"].rate * n_present), rng)
        free[rows] = False
        values[rows] = _pad(values[rows], rng)
    if "inconsistent_case" in issues:
        if codec is not None and codec.case_variants:
            _respell(values, free, codec.case_variants, rng)
        else:
            _recase(values, free, issues["inconsistent_case"], n_present, rng)
    if "duplicate_key" in issues:  # only the repeats still missing: masks and duplicate rows add their own
        stripped = {str(v).strip() for v in values[present]}
        have = n_present - len(stripped)
        need = round(issues["duplicate_key"].rate * n_present) - have - round(dup_rows * n_present)
        rows = _take(present, need, rng)
        donors = np.setdiff1d(np.flatnonzero(present), rows)
        if len(rows) and len(donors):
            values[rows] = values[donors[rng.integers(0, len(donors), len(rows))]]


def _typed(plan: ColumnPlan, codec: Codec | None) -> bool:
    """Unparsed tokens go where the values were typed (learned numbers/dates/booleans, or regenerated
    numbers/dates); other columns already carry their odd spellings in their shapes or categories."""
    return codec is not None and codec.kind in ("number", "date", "boolean")


def _masks(values: np.ndarray, issue: QualityIssue, rng: np.random.Generator) -> np.ndarray:
    """Each value replaced by a mask shape drawn by share; the shape's visible letters and digits come
    from the synthetic value itself (see :func:`_mask_one`)."""
    shapes = [s.value for s in issue.patterns] or ["****"]
    weights = np.array([max(s.count, 1) for s in issue.patterns] or [1], dtype=np.float64)
    pick = allocate(rng, len(values), weights)
    out = np.empty(len(values), dtype=object)
    for i, (value, k) in enumerate(zip(values, pick, strict=True)):
        out[i] = _mask_one(str(value), shapes[int(k)], rng)
    return out


MASK_SLOTS = frozenset("*#•Xx")  # in a mask shape: characters standing for hidden ones


def _mask_one(value: str, mask: str, rng: np.random.Generator) -> str:
    """``value`` written in the mask shape ``mask`` (``9`` a digit, ``A`` a letter, mask characters and
    separators as they are), so its mask shape is exactly ``mask``. Visible characters before the first
    mask character are the value's leading ones (a ZIP's ``860`` of ``860xx``), those after the last
    are its trailing ones (``****1234``), each of the slot's kind; the rest are drawn at random. A
    visible letter is never X, which would read as part of a mask."""
    hidden = [j for j, ch in enumerate(mask) if ch in MASK_SLOTS]
    first, last = (hidden[0], hidden[-1]) if hidden else (-1, -1)
    own = [ch for ch in value if ch.isascii() and ch.isalnum()]
    out = list(mask)
    _fill(mask, out, range(first), list(reversed(own)), rng)  # leading slots: the value's leading characters
    _fill(mask, out, range(len(mask) - 1, last, -1), own, rng)  # trailing slots: its trailing ones
    _fill(mask, out, range(first + 1, last), [], rng)  # slots between masks: random
    return "".join(out)


def _fill(mask: str, out: list[str], slots: range, source: list[str], rng: np.random.Generator) -> None:
    """Fill ``out`` at the ``A``/``9`` slots of ``mask`` in ``slots`` order with characters popped from
    the end of ``source`` (a copy; those of the wrong kind skipped), at random once it runs out."""
    source = list(source)
    for j in slots:
        want = mask[j]
        if want not in "A9":
            continue
        while source and source[-1].isdigit() != (want == "9"):
            source.pop()
        ch = source.pop() if source else ""
        if want == "9":
            out[j] = ch or chr(DIGITS[rng.integers(0, 10)])
        else:
            out[j] = ch if ch and ch not in "Xx" else chr(UPPER_NO_X[rng.integers(0, len(UPPER_NO_X))])


def _matches(values: np.ndarray, pattern: str) -> np.ndarray:
    arr = pa.array([str(v) for v in values], pa.string())
    return np.asarray(pc.fill_null(pc.match_substring_regex(arr, pattern), False).to_numpy(zero_copy_only=False))


def _bad_emails(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Common real-world breakages: no @, two @, no top-level domain, a space, a trailing dot."""
    out = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        local, _, domain = str(value).partition("@")
        way = int(rng.integers(0, 5))
        out[i] = [
            f"{local}{domain}" if domain else f"{local}.example.com",
            f"{local}@@{domain}",
            f"{local}@{domain.rsplit('.', 1)[0]}",
            f"{local} @{domain}",
            f"{local}@{domain}.",
        ][way]
    still_valid = _matches(out, EMAIL_RE)
    out[still_valid] = [str(v).replace("@", "", 1) + " " for v in out[still_valid]]
    return out


def _bad_postcodes(values: np.ndarray, pattern: str, rng: np.random.Generator) -> np.ndarray:
    """Typos that break the column's postcode ``pattern``: last characters as digits, one dropped, an
    extra digit."""
    out = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        text = str(value)
        way = int(rng.integers(0, 3))
        if way == 0 and len(text) >= 2:
            out[i] = text[:-2] + str(rng.integers(10, 100))
        elif way == 1:
            out[i] = text[:-1]
        else:
            out[i] = text + str(rng.integers(0, 10))
    still_valid = _matches(out, pattern)
    out[still_valid] = [str(v) + "Z9" for v in out[still_valid]]
    return out


def _tokens(n: int, plan: ColumnPlan, codec: Codec | None, rng: np.random.Generator) -> np.ndarray:
    """Frequent unparsed spellings of the (non-sensitive) column, or null tokens matching its shapes."""
    pairs = codec.tokens if codec is not None and not plan.identifier else []
    if not pairs:
        shapes = {s.value for s in plan.profile.patterns.top} if plan.profile.patterns else set()
        pairs = [(t, 1) for t in NULL_TOKENS if shape(t) in shapes] or [("N/A", 1)]
    weights = np.array([c for _, c in pairs], dtype=np.float64)
    choice = allocate(rng, n, weights)
    return np.array([pairs[int(k)][0] for k in choice], dtype=object)


def _placeholders(
    n: int, issue: QualityIssue, plan: ColumnPlan, codec: Codec | None, rng: np.random.Generator
) -> np.ndarray:
    kinds = [k for k in PLACEHOLDERS if isinstance(issue.details.get(k), int | float) and issue.details[k]]
    kinds = kinds or ["low_placeholder"]
    weights = np.array([float(issue.details.get(k, 1)) for k in kinds])
    formats = (
        codec.formats
        if codec is not None and codec.formats
        else [(f.value, f.share) for f in plan.profile.inferred.formats]
    )
    formats = formats or [("%Y-%m-%d", 1.0)]
    fw = np.array([max(w, 1e-9) for _, w in formats])
    out = np.empty(n, dtype=object)
    for i in range(n):
        when = PLACEHOLDERS[kinds[int(rng.choice(len(kinds), p=weights / weights.sum()))]]
        fmt = formats[int(rng.choice(len(formats), p=fw / fw.sum()))][0]
        out[i] = when.strftime(fmt.replace("%:z", "+00:00").replace("%z", "+0000").replace("%Z", "UTC"))
    return out


def _pad(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    way = rng.integers(0, 3, len(values))
    return np.array(
        [
            (" " + str(v)) if w == 0 else (str(v) + " ") if w == 1 else ("  " + str(v) + " ")
            for v, w in zip(values, way, strict=True)
        ],
        dtype=object,
    )


def _respell(values: np.ndarray, free: np.ndarray, variants: Spellings, rng: np.random.Generator) -> None:
    """Each category written in several cases gets the sample's own spellings at the sample's shares
    (``Male`` 92 %, ``MALE`` 5 %, ``male`` 3 %): no other spelling, every category at its own rate."""
    codes, keys = pd.factorize(pd.Series(values, dtype=object).str.lower())
    order = np.argsort(codes, kind="stable")  # rows grouped by key, each key's rows found by bisection
    ends = np.searchsorted(codes[order], np.arange(len(keys) + 1))
    at = {key: i for i, key in enumerate(keys.tolist())}
    for key, group in variants.items():
        if key not in at:
            continue
        rows = order[ends[at[key]] : ends[at[key] + 1]]
        rows = rows[free[rows]]
        if not len(rows):
            continue
        weights = np.array([count for _, count in group], dtype=np.float64)
        written = np.array([spelling for spelling, _ in group], dtype=object)
        values[rows] = written[allocate(rng, len(rows), weights)]


def _recase(
    values: np.ndarray, free: np.ndarray, issue: QualityIssue, n_present: int, rng: np.random.Generator
) -> None:
    """Off-case spellings at the issue's rate in the case styles the sample used (``MALE``, ``male``;
    never one it did not, such as ``mALE``), each style as often as in the sample."""
    found = [(s.value, s.count) for s in issue.patterns if s.value in CASE_STYLES] or [("upper", 1), ("lower", 1)]
    styles = [name for name, _ in found]
    weights = np.array([count for _, count in found], dtype=np.float64)
    codes, distinct = pd.factorize(pd.Series(values, dtype=object))  # each distinct value styled once
    changes = np.array(
        [[isinstance(v, str) and restyle(v, style) != v for style in styles] for v in distinct], dtype=bool
    ).reshape(len(distinct), len(styles))
    can = (codes >= 0) & changes[np.maximum(codes, 0)].any(axis=1)
    rows = _take(free, round(issue.rate * n_present), rng, also=can)
    for row in rows:
        p = weights * changes[codes[row]]
        values[row] = restyle(str(values[row]), styles[int(rng.choice(len(styles), p=p / p.sum()))])


# ---------------------------------------------------------------- measuring


def measure(frames: dict[str, pd.DataFrame], like: list[IngestedTable], classifications: list) -> DatasetProfile:
    """Profile the output exactly as the sample was profiled (same sensitivity decisions)."""
    from tools.profile.profiler import profile_tables

    tables = [
        IngestedTable(name=t.name, source=t.source, frame=frames[t.name].astype(object))
        for t in like
        if t.name in frames
    ]
    return profile_tables(tables, classifications)


def _tolerance(rate: float, n: int) -> float:
    return round(max(MIN_TOLERANCE, 3 * math.sqrt(max(rate * (1 - rate), 1e-4) / max(n, 1))), 6)


def compare(real: DatasetProfile, synthetic: DatasetProfile, frames: dict[str, pd.DataFrame]) -> list[RateComparison]:
    """Missing rate and every issue, per column and per table, real next to synthetic."""
    out: list[RateComparison] = []
    for table in real.tables:
        try:
            syn = synthetic.table(table.name)
        except KeyError:
            continue
        n = syn.rows
        out.append(_row(table.name, None, "duplicate_rows", table.duplicate_row_rate, syn.duplicate_row_rate, n))
        for col in table.columns:
            try:
                other = synthetic.column(table.name, col.name)
            except KeyError:
                continue
            out.append(_row(table.name, col.name, "missing", col.missing_rate, other.missing_rate, n))
            for kind in _kinds(col, other):
                a, b = _rate(col, kind), _rate(other, kind)
                out.append(_row(table.name, col.name, kind, a, b, max(other.present, 1)))
        for order in table.orderings:
            if order.violation_rate <= 0:
                continue
            got, compared = _violations(frames[table.name], order.first, order.second)
            out.append(
                _row(
                    table.name,
                    f"{order.first}<={order.second}",
                    "ordering_violation",
                    order.violation_rate,
                    got,
                    compared,
                )
            )
    return out


def _kinds(a: ColumnProfile, b: ColumnProfile) -> list[str]:
    kinds = [i.kind for i in a.quality] + [i.kind for i in b.quality]
    return [k for k in dict.fromkeys(kinds) if k not in ("duplicate_key",) or _rate(a, k) > 0]


def _rate(col: ColumnProfile, kind: str) -> float:
    return next((i.rate for i in col.quality if i.kind == kind), 0.0)


def _row(table: str, column: str | None, issue: str, real: float, synthetic: float, n: int) -> RateComparison:
    tol = _tolerance(real, n)
    return RateComparison(
        table=table, column=column, issue=issue, real=round(real, 6), synthetic=round(synthetic, 6), tolerance=tol,
        within_tolerance=abs(real - synthetic) <= tol,
    )  # fmt: skip


def _violations(frame: pd.DataFrame, first: str, second: str) -> tuple[float, int]:
    def parse(column: str) -> tuple[np.ndarray, np.ndarray]:
        text = pa.array(frame[column].astype(object).where(frame[column].notna(), "").astype(str).str.strip().tolist())
        parsed = parse_dates(text)
        return parsed.ok, parsed.seconds

    ok_a, a = parse(first)
    ok_b, b = parse(second)
    both = ok_a & ok_b
    n = int(both.sum())
    return (float((a[both] > b[both]).sum()) / n if n else 0.0), n
