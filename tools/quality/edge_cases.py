"""Edge-case frequency match: every quality issue the profiler finds, at its real and synthetic rate.

Doppel re-applies production's quality problems (malformed emails, masked values, stray whitespace ...)
on purpose, so a synthetic rate near the real one is the goal, and a rate of zero is a miss.
"""

from __future__ import annotations

from tools.profile.model import QualityIssue, TableProfile
from tools.quality.model import EdgeCaseRate
from tools.quality.numbers import clean

Key = tuple[str | None, str]


def _issues(profile: TableProfile, columns: set[str]) -> dict[Key, float]:
    """(column, issue) -> rate; table-level ordering issues are keyed by their column pair."""
    found: dict[Key, float] = {}
    for col in profile.columns:
        if col.name in columns:
            for issue in col.quality:
                found[(col.name, issue.kind)] = issue.rate
    for issue in profile.quality:
        found[(_where(issue), issue.kind)] = issue.rate
    return found


def _where(issue: QualityIssue) -> str | None:
    first, second = issue.details.get("first"), issue.details.get("second")
    return f"{first} <= {second}" if first is not None and second is not None else None


def edge_case_rates(real: TableProfile, synthetic: TableProfile, columns: list[str]) -> list[EdgeCaseRate]:
    """Issues on either side over the shared columns, largest mismatch first."""
    shared = set(columns)
    r, s = _issues(real, shared), _issues(synthetic, shared)
    rows = [
        EdgeCaseRate(
            column=column,
            issue=kind,
            real_rate=clean(r.get((column, kind), 0.0)) or 0.0,
            synthetic_rate=clean(s.get((column, kind), 0.0)) or 0.0,
            difference=clean(s.get((column, kind), 0.0) - r.get((column, kind), 0.0)) or 0.0,
        )
        for column, kind in r.keys() | s.keys()
    ]
    return sorted(rows, key=lambda e: (-abs(e.difference), e.column or "", e.issue))
