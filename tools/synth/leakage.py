"""Proof that nothing was copied: no output cell equals a value of a sensitive production column, and
no output row equals a production row.

Values are compared as keyed digests under two random keys made for this run and held only in
memory: a SipHash-2-4 digest (pandas' vectorised ``hash_array``) screens every output cell quickly,
and a cell it flags is confirmed with HMAC-SHA256 (first 8 bytes). :meth:`LeakGuard.discard` drops
both keys and every digest once the check is done, so not even hashes of production values outlive
it. Comparison is on a normal form (NFKC, lower case, letters/digits/@ only, UK ``+44``/``0044``
numbers as ``0...``, sensitive dates as ISO days), so ``07700 900123`` and ``+447700900123`` count as
the same number. Production is the whole sample file: when ``--max-rows`` read only its head, every
further row is digested too, chunk by chunk (``tools.synth.scan``), so a value that occurs only beyond
the rows read is caught as well; the report says how many rows were hashed.

An offending cell of a regenerated column gets the first of several freshly generated candidates
that matches nothing; one of a learned column gets another output value of the same column. Then
everything is checked again; what still matches is blanked. Only counts are reported.

Which output cells are compared: every column except the dates and flags SDV learned (drawn from
fitted distributions and written by Doppel's own formatter). Learned numbers are compared: a usage
figure of ``151502`` is a coincidence, but it reads exactly like a sort code of the sample, so it is
replaced like any other match.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tools.errors import DoppelError
from tools.profile.dates import iso, parse_dates
from tools.profile.patterns import MASK_RE
from tools.profile.quality import in_range
from tools.synth.model import LeakageReport
from tools.synth.plan import ColumnPlan

CLASS_MAX = 20  # a learned column with at most this many values defines donor classes
MIN_LENGTH = 4  # shorter normal forms (house numbers, initials) identify no one and collide by chance
ROUNDS = 5
CANDIDATES = 8  # fresh values generated per offending cell; the first that matches nothing is used
VOCABULARY = frozenset({"first_name", "last_name", "city", "gender", "ethnicity", "medical_condition", "age", "salary"})
SHARED_TYPES = frozenset({"category", "boolean", "integer", "decimal", "float"})
_NULL = pa.scalar(None, pa.large_string())


class LeakageError(DoppelError):
    """Copied values or rows survived every fix: nothing is written."""

    exit_code = 1


Replacer = Callable[[str, str, int, int], np.ndarray]  # (table, column, how many, round) -> new text values


def value_checked(plan: ColumnPlan) -> bool:
    """Identifier columns whose single values can identify someone (not names alone, towns, categories).
    Quasi-identifiers and sensitive attributes are modelled: their values are real values of the column
    by design, and what protects people is that no rare combination is written (whole rows are checked)."""
    if not plan.identifier or plan.strategy == "empty":
        return False
    entity = plan.entity or "other_pii"
    if entity in VOCABULARY:
        return False
    return not (entity == "other_pii" and plan.profile.inferred.type in SHARED_TYPES)


def compared(plan: ColumnPlan) -> bool:
    """Output columns whose cells are compared with the sensitive values (see the module docstring)."""
    return not (plan.strategy == "learned" and plan.kind in ("date", "boolean"))


def is_date(plan: ColumnPlan) -> bool:
    return plan.profile.inferred.type in ("date", "datetime")


def normalise(values: pa.Array, dates: bool = False, today: dt.date | None = None) -> pa.Array:
    """The comparison form of text cells (null for blanks, pre-masked values and placeholder dates).
    Distinct values are normalised once; ``today`` bounds plausible dates (default: the real date)."""
    encoded = pc.dictionary_encode(values.cast(pa.large_string()))
    text = encoded.dictionary
    masked = pc.fill_null(pc.match_substring_regex(text, MASK_RE), False)
    if dates:  # placeholder dates (1900-01-01, 9999-12-31) are nobody's: left out
        parsed = parse_dates(pc.utf8_trim_whitespace(text))
        as_iso = pa.array(iso(parsed.seconds, False), pa.large_string())
        text = pc.if_else(pa.array(parsed.ok), as_iso, text)
        masked = pc.or_(masked, pa.array(parsed.ok & ~in_range(parsed.seconds, today or dt.date.today())))
    if pc.all(pc.string_is_ascii(text)).as_py() is not False:
        text = pc.replace_substring_regex(pc.ascii_lower(text), r"[^a-z0-9@]", "")
    else:
        text = pc.utf8_lower(pc.utf8_normalize(text, "NFKC"))
        text = pc.replace_substring_regex(text, r"[^\p{L}\p{N}@]", "")
    text = pc.replace_substring_regex(text, r"^(?:0044|44)(\d{10})$", r"0\1")
    short = pc.less(pc.utf8_length(text), MIN_LENGTH)
    text = pc.if_else(pc.or_(masked, short), _NULL, text)
    return text.take(encoded.indices)


def normalise_row_cells(values: pa.Array) -> pa.Array:
    """Whole-row comparison: every cell counts as written, short or masked ones included, only
    surrounding whitespace and case ignored (padding and re-casing are quality issues re-applied
    to synthetic values, never a reason for a copy to pass)."""
    text = pc.fill_null(values.cast(pa.large_string()), "")
    return pc.utf8_lower(pc.utf8_trim_whitespace(text))


@dataclass
class _Keys:
    """Sorted unique screening (SipHash) and confirming (HMAC) digests of one set of values."""

    sip: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))
    mac: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))

    def add(self, sip: np.ndarray, mac: np.ndarray) -> None:
        self.sip = _union(self.sip, sip)
        self.mac = _union(self.mac, mac)


def _union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Sorted unique digests of both (a plain sort: np.union1d's hash-based unique is far slower here)."""
    both = np.concatenate([a, np.asarray(b, dtype=np.uint64)])
    both.sort()
    keep = np.ones(len(both), dtype=bool)
    keep[1:] = both[1:] != both[:-1]
    return both[keep]


@dataclass
class _Index:
    text: _Keys = field(default_factory=_Keys)
    dates: _Keys = field(default_factory=_Keys)
    rows: dict[str, _Keys] = field(default_factory=dict)
    rows_hashed: dict[str, int] = field(default_factory=dict)


class LeakGuard:
    """Holds the per-run keys and the digests of production values; see the module docstring."""

    def __init__(self, today: dt.date | None = None) -> None:
        self._today = today or dt.date.today()
        self._mac: hmac.HMAC | None = hmac.new(secrets.token_bytes(32), digestmod=hashlib.sha256)
        alphabet = string.ascii_letters + string.digits + string.punctuation
        self._sip_key: str | None = "".join(secrets.choice(alphabet) for _ in range(16))
        self._index = _Index()

    def __repr__(self) -> str:
        return "LeakGuard(keys=<per-run, never shown>)"

    def discard(self) -> None:
        """Forget the keys and every digest."""
        self._mac = None
        self._sip_key = None
        self._index = _Index()

    def _hmac(self, values: np.ndarray) -> np.ndarray:
        """HMAC-SHA256 (first 8 bytes) per value, computed once per distinct value: it is a Python call
        each, and fixing rounds confirm many repeats (dates of birth, common full names)."""
        assert self._mac is not None, "the guard was discarded"
        codes, distinct = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=False)
        out = np.empty(len(distinct), dtype=np.uint64)
        base = self._mac
        for i, v in enumerate(distinct.tolist()):
            mac = base.copy()
            mac.update(str(v).encode("utf-8"))
            out[i] = int.from_bytes(mac.digest()[:8], "big")
        return out[codes]

    def _sip(self, values: np.ndarray) -> np.ndarray:
        assert self._sip_key is not None, "the guard was discarded"
        return pd.util.hash_array(values.astype(object), hash_key=self._sip_key, categorize=False)

    def _hits(self, values: pa.Array, keys: _Keys) -> np.ndarray:
        """Per cell of normal forms: equal to one of ``keys`` (null cells never are)."""
        arr = np.asarray(values.to_numpy(zero_copy_only=False), dtype=object)
        valid = np.flatnonzero(pd.notna(arr))
        out = np.zeros(len(arr), dtype=bool)
        if not len(valid) or not len(keys.sip):
            return out
        screened = valid[_member(self._sip(arr[valid]), keys.sip)]
        if len(screened):
            out[screened[_member(self._hmac(arr[screened]), keys.mac)]] = True
        return out

    def _learn_values(self, normal: pa.Array, keys: _Keys) -> int:
        distinct = np.asarray(pc.unique(pc.drop_null(normal)).to_numpy(zero_copy_only=False), dtype=object)
        keys.add(self._sip(distinct), self._hmac(distinct))
        return len(distinct)

    def learn(self, name: str, production: pd.DataFrame, plans: list[ColumnPlan]) -> None:
        """Digest the sensitive values and the rows of one production table, or of one more chunk of it
        (a file larger than the rows read is fed chunk by chunk: see ``tools.synth.scan``)."""
        index = self._index
        for plan in plans:
            if not value_checked(plan):
                continue
            raw = _arrow(production[plan.column])
            normal = normalise(raw, dates=is_date(plan), today=self._today)
            if plan.entity == "free_text_pii":
                normal = pc.if_else(_several_words_or_digits(raw), normal, _NULL)
            self._learn_values(normal, index.dates if is_date(plan) else index.text)
        rows = _rows(production, [p.column for p in plans])
        keys = index.rows.setdefault(name, _Keys())
        distinct = pd.unique(rows)
        keys.add(self._sip(distinct), self._hmac(distinct))
        index.rows_hashed[name] = index.rows_hashed.get(name, 0) + len(production)

    def value_hits(self, frame: pd.DataFrame, plans: list[ColumnPlan]) -> dict[str, np.ndarray]:
        """Per compared output column, the rows whose cell equals a sensitive production value."""
        hits: dict[str, np.ndarray] = {}
        for plan in plans:
            if not compared(plan):
                continue
            column = _arrow(frame[plan.column])
            bad = self._hits(normalise(column), self._index.text)
            if plan.identifier and is_date(plan) and len(self._index.dates.sip):
                bad |= self._hits(normalise(column, dates=True, today=self._today), self._index.dates)
            if bad.any():
                hits[plan.column] = np.flatnonzero(bad)
        return hits

    def candidate_hits(self, values: np.ndarray, plan: ColumnPlan) -> np.ndarray:
        """Which of these would-be cells of ``plan``'s column equal a sensitive production value."""
        column = pa.array([v if isinstance(v, str) else None for v in values.tolist()], pa.large_string())
        bad = self._hits(normalise(column), self._index.text)
        if plan.identifier and is_date(plan):
            bad |= self._hits(normalise(column, dates=True, today=self._today), self._index.dates)
        return bad

    def row_hits(self, name: str, frame: pd.DataFrame, plans: list[ColumnPlan]) -> np.ndarray:
        keys = self._index.rows.get(name)
        if keys is None:
            return np.zeros(0, dtype=np.int64)
        rows = _rows(frame, [p.column for p in plans])
        return np.flatnonzero(self._hits(pa.array(rows.tolist(), pa.large_string()), keys))

    @property
    def production_values(self) -> int:
        """Distinct normal forms hashed (a value in two columns, or in two chunks, counts once)."""
        return len(self._index.text.mac) + len(self._index.dates.mac)

    @property
    def rows_hashed(self) -> dict[str, int]:
        """Production rows digested per table: every row of the file, not only the rows read."""
        return dict(self._index.rows_hashed)


def _rows(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Each row's cells, normalised and joined: the text a whole-row digest is taken of."""
    parts = [normalise_row_cells(_arrow(frame[c])) for c in columns]
    sep = pa.scalar("\x1f", pa.large_string())
    joined = pc.binary_join_element_wise(*parts, sep) if len(parts) > 1 else parts[0]
    return np.asarray(joined.to_numpy(zero_copy_only=False), dtype=object)


def _several_words_or_digits(raw: pa.Array) -> pa.Array:
    """Free text that could single someone out: two words or more, or any digit or @. A lone word
    (``Savings``, ``Rent``) is everyday vocabulary and would collide with ordinary categories."""
    words = pc.fill_null(pc.count_substring_regex(raw, r"[\p{L}\p{N}]+"), 0)
    marks = pc.fill_null(pc.match_substring_regex(raw, r"[\p{N}@]"), False)
    return pc.or_(pc.greater_equal(words, 2), marks)


def _member(digests: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``digests`` found in the sorted unique ``index`` (binary search; np.isin would re-sort it)."""
    if not len(index) or not len(digests):
        return np.zeros(len(digests), dtype=bool)
    order = np.argsort(digests, kind="stable")  # sorted needles walk the index in order: far fewer cache misses
    needles = digests[order]
    pos = np.minimum(np.searchsorted(index, needles), len(index) - 1)
    out = np.empty(len(digests), dtype=bool)
    out[order] = index[pos] == needles
    return out


def _arrow(series: pd.Series) -> pa.Array:
    return pa.array(series.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)


@dataclass
class _Counts:
    value_matches: int = 0
    blanked: int = 0
    row_matches: int = 0
    rows_fixed: int = 0
    row_cells_blanked: int = 0
    by_column: dict[str, int] = field(default_factory=dict)


def check_and_fix(
    guard: LeakGuard,
    outputs: dict[str, pd.DataFrame],
    plans: dict[str, list[ColumnPlan]],
    replace: Replacer,
    seed_rng: Callable[[str, str, int], np.random.Generator],
) -> LeakageReport:
    """Find copied values and rows in ``outputs`` (changed in place), fix them, check again."""
    counts = _Counts()
    cells = 0
    for name, frame in outputs.items():
        table_plans = [p for p in plans[name] if p.column in frame.columns]
        cells += sum(len(frame) for p in table_plans if compared(p))
        _fix_values(guard, name, frame, table_plans, replace, seed_rng, counts)
        _fix_rows(guard, name, frame, table_plans, seed_rng, counts)
    remaining_values = sum(
        len(r) for name, frame in outputs.items() for r in guard.value_hits(frame, plans[name]).values()
    )
    remaining_rows = sum(len(guard.row_hits(name, frame, plans[name])) for name, frame in outputs.items())
    return LeakageReport(
        value_columns=[p.where for ps in plans.values() for p in ps if value_checked(p)],
        vocabulary_columns=[p.where for ps in plans.values() for p in ps if p.sensitive and not value_checked(p)],
        production_values=guard.production_values,
        synthetic_cells=cells,
        value_matches=counts.value_matches,
        value_matches_by_column=counts.by_column,
        value_cells_replaced=max(0, counts.value_matches - counts.blanked),
        value_cells_blanked=counts.blanked,
        row_matches=counts.row_matches,
        rows_fixed=counts.rows_fixed,
        row_cells_blanked=counts.row_cells_blanked,
        remaining_value_matches=remaining_values,
        remaining_row_matches=remaining_rows,
        rows_hashed=guard.rows_hashed,
        passed=remaining_values == 0 and remaining_rows == 0,
    )


def _fix_values(
    guard: LeakGuard,
    name: str,
    frame: pd.DataFrame,
    plans: list[ColumnPlan],
    replace: Replacer,
    seed_rng: Callable[[str, str, int], np.random.Generator],
    counts: _Counts,
) -> None:
    hits = guard.value_hits(frame, plans)
    counts.value_matches += sum(len(r) for r in hits.values())
    counts.by_column.update({f"{name}.{c}": len(r) for c, r in hits.items()})
    by_name = {p.column: p for p in plans}
    for round_ in range(ROUNDS):
        if not hits:
            break
        for column, rows in hits.items():
            plan = by_name[column]
            if plan.strategy == "regenerated":
                new = _first_clean(guard, plan, replace(name, column, len(rows) * CANDIDATES, round_), len(rows))
            else:
                new = _redraw(frame[column], rows, seed_rng(name, column, round_))
            frame.iloc[rows, frame.columns.get_loc(column)] = new
        hits = guard.value_hits(frame, [by_name[c] for c in hits])
    for column, rows in hits.items():
        frame.iloc[rows, frame.columns.get_loc(column)] = None
        counts.blanked += len(rows)


def _first_clean(guard: LeakGuard, plan: ColumnPlan, candidates: np.ndarray, count: int) -> np.ndarray:
    """Per offending cell, the first of its CANDIDATES fresh values that equals no production value."""
    grid = np.asarray(candidates, dtype=object).reshape(count, CANDIDATES)
    bad = guard.candidate_hits(grid.reshape(-1), plan).reshape(count, CANDIDATES)
    pick = np.where(bad.all(axis=1), 0, np.argmax(~bad, axis=1))
    return grid[np.arange(count), pick]


def _fix_rows(
    guard: LeakGuard,
    name: str,
    frame: pd.DataFrame,
    plans: list[ColumnPlan],
    seed_rng: Callable[[str, str, int], np.random.Generator],
    counts: _Counts,
) -> None:
    found = len(guard.row_hits(name, frame, plans))
    counts.row_matches += found
    if not found:
        return
    for round_ in range(2 * ROUNDS):
        rows = guard.row_hits(name, frame, plans)
        if not len(rows):
            break
        _perturb_rows(frame, rows, plans, seed_rng(name, "__rows__", round_), alike=round_ < ROUNDS)
    for column in _by_variety(frame, plans):  # last resort: blank a cell, column by column
        rows = guard.row_hits(name, frame, plans)
        if not len(rows):
            break
        frame.iloc[rows, frame.columns.get_loc(column)] = None
        counts.row_cells_blanked += len(rows)
    counts.rows_fixed += found - len(guard.row_hits(name, frame, plans))


def _redraw(column: pd.Series, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Values of other output rows of the same column (not among ``rows``)."""
    donors = np.setdiff1d(np.flatnonzero(column.notna().to_numpy()), rows)
    if not len(donors):
        return np.full(len(rows), None, dtype=object)
    return column.to_numpy(dtype=object)[rng.choice(donors, size=len(rows))]


def _by_variety(frame: pd.DataFrame, plans: list[ColumnPlan]) -> list[str]:
    """Learned columns (else all), most distinct values first."""
    learned = [p.column for p in plans if p.strategy == "learned"] or [p.column for p in plans]
    return sorted(learned, key=lambda c: (-frame[c].nunique(dropna=True), c))


def _donor_classes(frame: pd.DataFrame, plans: list[ColumnPlan], column: str) -> np.ndarray:
    """A class per row: its values in the other learned columns with few distinct values (channel,
    status, ...), so a donated value comes from a row like the one it fixes (a card payment's amount
    from another card payment, never a salary's)."""
    keys = [c for c in _by_variety(frame, plans) if c != column and frame[c].nunique(dropna=False) <= CLASS_MAX]
    if not keys:
        return np.zeros(len(frame), dtype=np.int64)
    return frame.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()


def _perturb_rows(
    frame: pd.DataFrame, rows: np.ndarray, plans: list[ColumnPlan], rng: np.random.Generator, alike: bool
) -> None:
    """Make each offending row differ: its most varied learned column takes the value of another row,
    of its donor class when ``alike`` (the first rounds) and the class has another value, else any."""
    column = _by_variety(frame, plans)[0]
    values = frame[column].to_numpy(dtype=object)
    present = pd.notna(values)
    classes = _donor_classes(frame, plans, column) if alike else np.zeros(len(frame), dtype=np.int64)
    new = values[rows].copy()
    for cls in np.unique(classes[rows]):
        todo = np.flatnonzero(classes[rows] == cls)
        pool = np.flatnonzero(present & (classes == cls))
        if len(set(values[pool].tolist())) < 2:
            pool = np.flatnonzero(present)
        for _ in range(10):
            if not len(todo) or not len(pool):
                break
            draw = values[rng.choice(pool, size=len(todo))]
            ok = draw != values[rows[todo]]
            new[todo[ok]] = draw[ok]
            todo = todo[~ok]
        new[todo] = None
    frame.iloc[rows, frame.columns.get_loc(column)] = new
