"""Parent/child relations between the sample's tables, and the groups HMA models together.

The profile's foreign keys come first. Its test counts distinct values, so a child with a handful of
orphan rows, each a different unknown key, can miss the 98% bar; hence a second, row-weighted test
for columns whose names match a parent key: at least ``ROW_INCLUSION`` of the child's rows must find
their parent. HMA needs a tree-like schema, so each child column gets one parent, each parent table
one key column, and a relation that would close a cycle is left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from tools.ingest.model import IngestedTable
from tools.profile.model import DatasetProfile

ROW_INCLUSION = 0.95


@dataclass(frozen=True)
class Relation:
    parent_table: str
    parent_column: str
    child_table: str
    child_column: str
    orphan_rows: int
    source: Literal["profile", "name"]

    def describe(self) -> str:
        return f"{self.child_table}.{self.child_column} -> {self.parent_table}.{self.parent_column}"


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _stripped(series: pd.Series) -> pd.Series:
    text = series.dropna().astype(str).str.strip()
    return text[text != ""]


def _orphans(child: pd.Series, parent: pd.Series) -> tuple[int, int]:
    """(child rows with a value, of which rows whose value the parent column lacks)."""
    values = _stripped(child)
    known = pd.Index(_stripped(parent).unique())
    return len(values), int((known.get_indexer(values.to_numpy()) < 0).sum())


def find_relations(tables: list[IngestedTable], profile: DatasetProfile) -> list[Relation]:
    """Relations HMA can model, profile-detected first, then name-matched ones (see module docstring)."""
    frames = {t.name: t.frame for t in tables}
    keys = {t.name: set(t.candidate_keys) for t in profile.tables}
    candidates: list[tuple[str, str, str, str, Literal["profile", "name"]]] = [
        (fk.parent_table, fk.parent_column, fk.child_table, fk.child_column, "profile")
        for fk in profile.foreign_keys
        if fk.parent_table != fk.child_table and fk.parent_column in keys.get(fk.parent_table, set())
    ]
    for owner in profile.tables:
        for key in owner.candidate_keys:
            for other in profile.tables:
                if other.name == owner.name:
                    continue
                for col in other.columns:
                    if _norm(col.name) == _norm(key) and col.name not in keys[other.name]:
                        candidates.append((owner.name, key, other.name, col.name, "name"))
    found: list[Relation] = []
    parent_key: dict[str, str] = {}
    for parent, key, child, column, source in candidates:
        if any(r.child_table == child and r.child_column == column for r in found):
            continue
        if parent_key.get(parent, key) != key or _closes_cycle(found, parent, child):
            continue
        rows, orphans = _orphans(frames[child][column], frames[parent][key])
        if rows == 0 or (source == "name" and (rows - orphans) / rows < ROW_INCLUSION):
            continue
        parent_key[parent] = key
        found.append(Relation(parent, key, child, column, orphans, source))
    return found


def _closes_cycle(found: list[Relation], parent: str, child: str) -> bool:
    """Would parent -> child join two tables that are already connected (a cycle or a second path)?"""
    return child in _component(found, parent) or parent in _component(found, child)


def _component(found: list[Relation], start: str) -> set[str]:
    seen = {start}
    todo = [start]
    while todo:
        table = todo.pop()
        for r in found:
            for a, b in ((r.parent_table, r.child_table), (r.child_table, r.parent_table)):
                if a == table and b not in seen:
                    seen.add(b)
                    todo.append(b)
    return seen


def groups(names: list[str], relations: list[Relation]) -> list[list[str]]:
    """Connected tables, each group in the order the tables were given; groups ordered by first table."""
    out: list[list[str]] = []
    placed: set[str] = set()
    for name in names:
        if name in placed:
            continue
        members = _component(relations, name)
        group = [n for n in names if n in members]
        placed.update(group)
        out.append(group)
    return out


def links(relations: list[Relation]) -> dict[str, set[str]]:
    """Per table, its columns that take part in a relation (parent keys and child foreign keys)."""
    out: dict[str, set[str]] = {}
    for r in relations:
        out.setdefault(r.parent_table, set()).add(r.parent_column)
        out.setdefault(r.child_table, set()).add(r.child_column)
    return out


def key_codes(values: pd.Series, mapping: dict[str, int]) -> np.ndarray:
    """Stripped key text -> its integer code (-1 when the parent lacks it or the cell is empty)."""
    text = values.astype(object).where(values.notna(), None)
    stripped = np.array([v.strip() if isinstance(v, str) else "" for v in text], dtype=object)
    index = pd.Index(list(mapping))
    positions = index.get_indexer(stripped)
    codes = np.asarray(list(mapping.values()), dtype=np.int64)
    return np.where(positions >= 0, codes[np.maximum(positions, 0)], -1)
