"""Keys: candidate primary keys, duplicates (whole rows and within key-like columns), foreign keys.

Foreign keys are found by inclusion: most distinct values of a column appear in another table's key
column of the same type family (integer, or text-like: identifier/text/category, since a code column is
'identifier' where unique and 'text' where repeated). Names break ties and guard against integer ranges
that overlap by chance (``quantity`` 1..10 is inside every ``id`` 1..N).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from tools.profile.model import ColumnType, ForeignKey, QualityIssue
from tools.profile.quality import name_tokens
from tools.profile.values import ColumnValues, sample_positions

KEY_TYPES: frozenset[str] = frozenset({"integer", "identifier", "text"})
LINK_TYPES: frozenset[str] = frozenset({"integer", "identifier", "text", "category"})
ID_WORDS = frozenset({"id", "key", "code", "ref", "reference", "number", "no", "num", "uuid", "guid", "nr"})
SELF_WORDS = frozenset({"parent", "manager", "supervisor", "boss", "referrer", "referred", "previous", "master"})
FAMILY = {"integer": "integer", "identifier": "string", "text": "string", "category": "string"}
INCLUSION = 0.98
PROBE = 2000  # child values checked before the full inclusion test
NEAR_KEY = 0.9
SHARED_VALUE_ENTITIES = frozenset(
    {"ip_address", "postcode", "city", "street_address", "date_of_birth", "first_name", "last_name",
     "person_name", "gender", "sort_code", "age", "salary"}
)  # fmt: skip


@dataclass
class KeyColumn:
    """What foreign-key detection needs from one column: its distinct present values (stripped)."""

    table: str
    column: str
    type: ColumnType
    distinct: pa.Array
    unique: bool
    _index: pd.Index | None = field(default=None, repr=False)

    def index(self) -> pd.Index:
        """Hash index of the values, built once and probed by every candidate child column."""
        if self._index is None:
            self._index = pd.Index(self.distinct.to_numpy(zero_copy_only=False))
        return self._index

    def found_in(self, parent: KeyColumn, sample: bool = False) -> int:
        """How many of this column's distinct values (or of an evenly spaced sample) the parent holds."""
        values = self.distinct
        if sample:
            values = values.take(pa.array(sample_positions(len(values), PROBE)))
        return int((parent.index().get_indexer(values.to_numpy(zero_copy_only=False)) >= 0).sum())


def is_candidate_key(values: ColumnValues, kind: ColumnType) -> bool:
    """Unique and never missing (no nulls, no blanks), of a type that can identify a row."""
    return (
        kind in KEY_TYPES
        and values.rows >= 2
        and values.nulls == 0
        and values.n_blank == 0
        and bool((values.counts <= 1).all())
    )


def id_like(name: str) -> bool:
    tokens = name_tokens(name)
    return bool(tokens & ID_WORDS) or bool(re.search(r"(Id|ID|_id|Key|No)$", name))


def duplicate_key(values: ColumnValues, kind: ColumnType, key: bool, entity: str | None = None) -> QualityIssue | None:
    """A column that is meant to be a key (id-like name or identifier type, >= 90% distinct) but repeats
    values: rate = rows repeating a value seen earlier / present rows. Values that people or places
    legitimately share (IP addresses behind one router, a postcode, a sort code) are never keys."""
    if key or kind not in KEY_TYPES or entity in SHARED_VALUE_ENTITIES:
        return None
    present = values.n_present
    mask = values.present
    distinct = int(mask.sum())
    if not present or distinct / present < NEAR_KEY or not (kind == "identifier" or id_like(values.name)):
        return None
    extra = present - distinct
    if extra <= 0:
        return None
    return QualityIssue(
        kind="duplicate_key",
        rate=round(extra / present, 6),
        count=extra,
        details={"repeated_values": int((values.counts[mask] > 1).sum())},
    )


def duplicate_rows(codes: list[np.ndarray], rows: int) -> int:
    """Rows equal (cell for cell, as text) to an earlier row."""
    if not codes or rows < 2:
        return 0
    frame = pd.DataFrame({i: c for i, c in enumerate(codes)}, copy=False)
    return int(frame.duplicated().sum())


def key_column(table: str, values: ColumnValues, kind: ColumnType, unique: bool) -> KeyColumn | None:
    if kind not in LINK_TYPES:
        return None
    if not values.present.any():
        return None
    return KeyColumn(table, values.name, kind, values.distinct_text(), unique)


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ses", "xes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def names_match(child: KeyColumn, parent: KeyColumn) -> bool:
    """``customer_id`` -> ``customers.customer_id`` (same specific name) or ``customers.id`` (table + key)."""
    c, p = _norm(child.column), _norm(parent.column)
    if c == p and p not in {"id", "key", "code", "pk"}:
        return True
    prefixes = {_norm(parent.table), _norm(_singular(parent.table.lower()))}
    return c in {prefix + p for prefix in prefixes}


def foreign_keys(columns: list[KeyColumn]) -> list[ForeignKey]:
    """For each column, the best key column elsewhere holding >= 98% of its distinct values."""
    parents = [k for k in columns if k.unique]
    found: list[ForeignKey] = []
    for child in columns:
        best: tuple[tuple[bool, float, float], ForeignKey] | None = None
        for parent in parents:
            if parent is child or FAMILY[parent.type] != FAMILY[child.type]:
                continue
            match = names_match(child, parent)
            if parent.table == child.table and (child.unique or not name_tokens(child.column) & SELF_WORDS):
                continue  # self-references only for parent_id / manager_id style names
            if not match and (child.unique or (child.type == "integer" and not id_like(child.column))):
                continue
            if not match and len(child.distinct) < 3:
                continue
            if len(child.distinct) * INCLUSION > len(parent.distinct):
                continue  # too many distinct values to fit inside the parent key
            probe = min(len(child.distinct), PROBE)
            if child.found_in(parent, sample=True) < 0.9 * probe:  # cheap early no
                continue
            hits = child.found_in(parent)
            inclusion = hits / len(child.distinct)
            if inclusion < INCLUSION:
                continue
            coverage = hits / len(parent.distinct)
            fk = ForeignKey(
                child_table=child.table,
                child_column=child.column,
                parent_table=parent.table,
                parent_column=parent.column,
                inclusion=round(inclusion, 6),
                coverage=round(coverage, 6),
                name_match=match,
            )
            rank = (match, inclusion, coverage)
            if best is None or rank > best[0]:
                best = (rank, fk)
        if best is not None:
            found.append(best[1])
    return found
