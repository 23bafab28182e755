"""Proof that nothing was copied: no output cell equals a value of a sensitive production column, no
output row pairs a first name with a surname the way a production row does, and no output row equals
a production row that fewer than k production rows share (a row thousands of customers share
identifies no one; k is ``--rare-below``).

Values are compared as keyed digests under two random keys made for this run and held only in
memory: a SipHash-2-4 digest (pandas' vectorised ``hash_array``) screens every output cell quickly,
and a cell it flags is confirmed with HMAC-SHA256 (first 8 bytes). :meth:`LeakGuard.discard` drops
both keys and every digest once the check is done, so not even hashes of production values outlive
it. Comparison is on a normal form (NFKC, lower case, letters/digits/@ only, UK ``+44``/``0044``
numbers as ``0...``, sensitive dates as ISO days), so ``07700 900123`` and ``+447700900123`` count as
the same number. Production is the whole sample file: when ``--max-rows`` read only its head, every
further row is digested too, chunk by chunk (``tools.synth.scan``), so a value that occurs only beyond
the rows read is caught as well; the report says how many rows were hashed.

Name pairs: a first name and a surname are each common vocabulary, but together they name a person.
Every production row's pair (first-name and surname columns of one person, or a full-name column
read as 'First Last' or 'Last, First', titles dropped) is digested like a value; an output row whose
pair is one of them is redrawn (synthesis already draws names clear of them, so email addresses and
full names built from the names agree; this check proves it).

An offending cell of a regenerated column gets the first of several freshly generated candidates
that matches nothing; one of a learned column gets another output value of the same column; a rare
copied row has a learned value changed. Then everything is checked again. What cannot be fixed is
never blanked or written: :class:`LeakageError` names the table and columns, and the run writes
nothing. Only counts are reported.

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
from tools.synth.coarsen import DEFAULT_K
from tools.synth.entities import NameGroup, full_name_pairs, name_groups, name_pairs
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
    """Copied values, name pairs or rare rows survived every fix: nothing is written."""

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


def pair_checked(plan: ColumnPlan) -> bool:
    """Full-name columns, whose cells are also read as first+last pairs."""
    return plan.identifier and plan.entity == "person_name" and plan.strategy != "empty"


def _groups(plans: list[ColumnPlan]) -> list[NameGroup]:
    """Each person's name columns among the identifier columns (first and surname columns paired)."""
    return name_groups([(p.column, p.entity) for p in plans if p.identifier and p.strategy != "empty"])


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
class _Counted:
    """Whole-row digests with how many production rows share each: screening digests (SipHash, all
    rows) and confirming ones (HMAC) with their counts."""

    sip: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))
    mac: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))
    count: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def add(self, sip: np.ndarray, mac: np.ndarray) -> None:
        """``mac``: one digest per production row (repeats counted)."""
        self.sip = _union(self.sip, sip)
        macs, inverse = np.unique(np.concatenate([self.mac, np.asarray(mac, dtype=np.uint64)]), return_inverse=True)
        weights = np.concatenate([self.count, np.ones(len(mac), dtype=np.int64)])
        self.count = np.bincount(inverse, weights=weights, minlength=len(macs)).astype(np.int64)
        self.mac = macs

    def rare(self, k: int) -> _Keys:
        """The rows fewer than ``k`` production rows share."""
        return _Keys(self.sip, self.mac[self.count < k])


@dataclass
class _Index:
    text: _Keys = field(default_factory=_Keys)
    dates: _Keys = field(default_factory=_Keys)
    pairs: _Keys = field(default_factory=_Keys)
    rows: dict[str, _Counted] = field(default_factory=dict)
    rows_hashed: dict[str, int] = field(default_factory=dict)


class LeakGuard:
    """Holds the per-run keys and the digests of production values; see the module docstring."""

    def __init__(self, today: dt.date | None = None, rare_below: int = DEFAULT_K) -> None:
        self._today = today or dt.date.today()
        self.rare_below = rare_below  # k: a row fewer production rows share than this is a copy
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
        for group in _groups(plans):
            for pairs in _pairs_of(production, group):
                self._learn_values(pairs, index.pairs)
        rows = _rows(production, [p.column for p in plans])
        counted = index.rows.setdefault(name, _Counted())
        counted.add(self._sip(pd.unique(rows)), self._hmac(rows))
        index.rows_hashed[name] = index.rows_hashed.get(name, 0) + len(production)

    def pair_hits(self, first: np.ndarray, last: np.ndarray) -> np.ndarray:
        """Per row: the first name and surname are a production person's pair."""
        return self._hits(name_pairs(_objects(first), _objects(last)), self._index.pairs)

    def full_name_hits(self, values: np.ndarray) -> np.ndarray:
        """Per full-name cell: read as first+last, a production person's pair."""
        return self._hits(full_name_pairs(_objects(values)), self._index.pairs)

    def cell_hits(self, values: np.ndarray, plan: ColumnPlan) -> np.ndarray:
        """Would-be cells of ``plan``'s column that the check would reject: a sensitive production
        value, or (full names) a production person's name pair. For synthesis, to draw clear of them."""
        if value_checked(plan) or pair_checked(plan):
            return self.candidate_hits(values, plan)
        return np.zeros(len(values), dtype=bool)

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
            if pair_checked(plan):
                bad |= self._hits(full_name_pairs(column), self._index.pairs)
            if bad.any():
                hits[plan.column] = np.flatnonzero(bad)
        return hits

    def candidate_hits(self, values: np.ndarray, plan: ColumnPlan) -> np.ndarray:
        """Which of these would-be cells of ``plan``'s column equal a sensitive production value."""
        column = pa.array([v if isinstance(v, str) else None for v in values.tolist()], pa.large_string())
        bad = self._hits(normalise(column), self._index.text)
        if plan.identifier and is_date(plan):
            bad |= self._hits(normalise(column, dates=True, today=self._today), self._index.dates)
        if pair_checked(plan):
            bad |= self._hits(full_name_pairs(column), self._index.pairs)
        return bad

    def group_pair_hits(self, frame: pd.DataFrame, plans: list[ColumnPlan]) -> dict[NameGroup, np.ndarray]:
        """Per person with a first-name and a surname column: the rows whose pair is a production one."""
        hits: dict[NameGroup, np.ndarray] = {}
        for group in _groups(plans):
            if group.first is None or group.last is None or group.first not in frame or group.last not in frame:
                continue
            bad = self.pair_hits(frame[group.first].to_numpy(dtype=object), frame[group.last].to_numpy(dtype=object))
            if bad.any():
                hits[group] = np.flatnonzero(bad)
        return hits

    def row_hits(self, name: str, frame: pd.DataFrame, plans: list[ColumnPlan]) -> np.ndarray:
        """Output rows equal to a production row that fewer than ``rare_below`` production rows share."""
        counted = self._index.rows.get(name)
        if counted is None:
            return np.zeros(0, dtype=np.int64)
        rows = _rows(frame, [p.column for p in plans])
        return np.flatnonzero(self._hits(pa.array(rows.tolist(), pa.large_string()), counted.rare(self.rare_below)))

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


def _pairs_of(frame: pd.DataFrame, group: NameGroup) -> list[pa.Array]:
    """The name pairs of one person's columns in ``frame``: first + surname, and each full name."""
    out = []
    if group.first is not None and group.last is not None:
        out.append(name_pairs(_arrow(frame[group.first]), _arrow(frame[group.last])))
    out += [full_name_pairs(_arrow(frame[column])) for column in group.full]
    return out


def _objects(values: np.ndarray) -> pa.Array:
    return pa.array(
        [v if isinstance(v, str) else None for v in np.asarray(values, dtype=object).tolist()], pa.large_string()
    )


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
    pair_matches: int = 0
    row_matches: int = 0
    rows_fixed: int = 0
    by_column: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def check_and_fix(
    guard: LeakGuard,
    outputs: dict[str, pd.DataFrame],
    plans: dict[str, list[ColumnPlan]],
    replace: Replacer,
    seed_rng: Callable[[str, str, int], np.random.Generator],
) -> LeakageReport:
    """Find copied values, name pairs and rare rows in ``outputs`` (changed in place), redraw them and
    check again. Raises :class:`LeakageError` naming the tables and columns that could not be fixed."""
    counts = _Counts()
    cells = 0
    for name, frame in outputs.items():
        table_plans = [p for p in plans[name] if p.column in frame.columns]
        cells += sum(len(frame) for p in table_plans if compared(p))
        _fix_values(guard, name, frame, table_plans, replace, seed_rng, counts)
        _fix_pairs(guard, name, frame, table_plans, replace, counts)
        _fix_rows(guard, name, frame, table_plans, seed_rng, counts)
    remaining_values, remaining_pairs, remaining_rows = confirm(guard, outputs, plans, counts.failures)
    return LeakageReport(
        value_columns=[p.where for ps in plans.values() for p in ps if value_checked(p)],
        vocabulary_columns=[p.where for ps in plans.values() for p in ps if p.sensitive and not value_checked(p)],
        production_values=guard.production_values,
        synthetic_cells=cells,
        value_matches=counts.value_matches,
        value_matches_by_column=counts.by_column,
        value_cells_replaced=counts.value_matches - remaining_values,
        value_cells_blanked=0,
        name_pair_matches=counts.pair_matches,
        remaining_name_pair_matches=remaining_pairs,
        rare_below=guard.rare_below,
        row_matches=counts.row_matches,
        rows_fixed=counts.rows_fixed,
        row_cells_blanked=0,
        remaining_value_matches=remaining_values,
        remaining_row_matches=remaining_rows,
        rows_hashed=guard.rows_hashed,
        passed=remaining_values == 0 and remaining_rows == 0 and remaining_pairs == 0,
    )


def confirm(
    guard: LeakGuard, outputs: dict[str, pd.DataFrame], plans: dict[str, list[ColumnPlan]], failures: list[str]
) -> tuple[int, int, int]:
    """Check without fixing; raise LeakageError naming each table and its columns when anything is left
    (with ``failures`` found before), else the counts left: values, name pairs, rows (all zero)."""
    remaining_values = remaining_pairs = remaining_rows = 0
    failures = list(failures)
    for name, frame in outputs.items():
        table_plans = [p for p in plans[name] if p.column in frame.columns]
        values = guard.value_hits(frame, table_plans)
        pairs = guard.group_pair_hits(frame, table_plans)
        rows = guard.row_hits(name, frame, table_plans)
        remaining_values += sum(len(r) for r in values.values())
        remaining_pairs += sum(len(r) for r in pairs.values())
        remaining_rows += len(rows)
        failures += _failures(name, values, pairs, rows, table_plans, guard.rare_below)
    if failures:
        raise LeakageError(
            "the leakage check failed and nothing was written: " + "; ".join(failures)
            + ". Redrawing could not make these rows differ from the sample"
        )  # fmt: skip
    return remaining_values, remaining_pairs, remaining_rows


def _failures(
    name: str,
    values: dict[str, np.ndarray],
    pairs: dict[NameGroup, np.ndarray],
    rows: np.ndarray,
    plans: list[ColumnPlan],
    k: int,
) -> list[str]:
    """What is left after fixing, by table and columns, in words (counts and names only)."""
    out = [
        f"table {name}, column {column}: {len(r)} cell(s) still equal a sensitive sample value"
        for column, r in values.items()
    ]
    out += [
        f"table {name}, columns {g.first} + {g.last}: {len(r)} row(s) still pair a first name and a surname "
        "as a sample person does"
        for g, r in pairs.items()
    ]
    if len(rows):
        learned = [p.column for p in plans if p.strategy == "learned"] or [p.column for p in plans]
        shown = ", ".join(learned[:12]) + (f" and {len(learned) - 12} more" if len(learned) > 12 else "")
        out.append(
            f"table {name}, columns {shown}: {len(rows)} row(s) still equal a sample row that fewer than {k} "
            "sample rows share"
        )
    return out


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


def _first_clean(guard: LeakGuard, plan: ColumnPlan, candidates: np.ndarray, count: int) -> np.ndarray:
    """Per offending cell, the first of its CANDIDATES fresh values that equals no production value."""
    grid = np.asarray(candidates, dtype=object).reshape(count, CANDIDATES)
    bad = guard.candidate_hits(grid.reshape(-1), plan).reshape(count, CANDIDATES)
    pick = np.where(bad.all(axis=1), 0, np.argmax(~bad, axis=1))
    return grid[np.arange(count), pick]


def _fix_pairs(
    guard: LeakGuard,
    name: str,
    frame: pd.DataFrame,
    plans: list[ColumnPlan],
    replace: Replacer,
    counts: _Counts,
) -> None:
    """Rows whose first name and surname are a production person's pair take another surname: the
    first of several fresh ones that makes a pair no production row has."""
    hits = guard.group_pair_hits(frame, plans)
    counts.pair_matches += sum(len(r) for r in hits.values())
    for round_ in range(ROUNDS):
        if not hits:
            break
        for group, rows in hits.items():
            assert group.first is not None and group.last is not None
            first = np.repeat(frame[group.first].to_numpy(dtype=object)[rows], CANDIDATES)
            candidates = np.asarray(replace(name, group.last, len(rows) * CANDIDATES, round_), dtype=object)
            bad = guard.pair_hits(first, candidates).reshape(len(rows), CANDIDATES)
            pick = np.where(bad.all(axis=1), 0, np.argmax(~bad, axis=1))
            new = candidates.reshape(len(rows), CANDIDATES)[np.arange(len(rows)), pick]
            frame.iloc[rows, frame.columns.get_loc(group.last)] = new
        hits = guard.group_pair_hits(frame, plans)


def _fix_rows(
    guard: LeakGuard,
    name: str,
    frame: pd.DataFrame,
    plans: list[ColumnPlan],
    seed_rng: Callable[[str, str, int], np.random.Generator],
    counts: _Counts,
) -> None:
    """Rare copied rows have a learned value changed: first their most varied learned column from rows
    like them, then any learned column from any row, column by column."""
    found = len(guard.row_hits(name, frame, plans))
    counts.row_matches += found
    if not found:
        return
    columns = _by_variety(frame, plans)
    for round_ in range(ROUNDS + 2 * len(columns)):
        rows = guard.row_hits(name, frame, plans)
        if not len(rows):
            break
        alike = round_ < ROUNDS
        column = columns[0] if alike else columns[(round_ - ROUNDS) % len(columns)]
        _perturb_rows(frame, rows, column, plans, seed_rng(name, "__rows__", round_), alike=alike)
    counts.rows_fixed += found - len(guard.row_hits(name, frame, plans))


def _redraw(column: pd.Series, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Values of other output rows of the same column (not among ``rows``); the cells as they are when
    no other row has one (never blanked: the check then refuses the run)."""
    donors = np.setdiff1d(np.flatnonzero(column.notna().to_numpy()), rows)
    if not len(donors):
        return column.to_numpy(dtype=object)[rows]
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
    frame: pd.DataFrame, rows: np.ndarray, column: str, plans: list[ColumnPlan], rng: np.random.Generator, alike: bool
) -> None:
    """Make each offending row differ in ``column``: it takes the value of another row, of its donor
    class when ``alike`` and the class has another value, else of any row. A row no other value can
    change keeps its value (never blanked)."""
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
    frame.iloc[rows, frame.columns.get_loc(column)] = new
