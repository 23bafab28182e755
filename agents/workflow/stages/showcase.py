"""What a person sees of a stage's data: a before/after sample diff and charts, as events.

``sample_diff`` shows a few sample rows beside synthetic ones. Nothing from production travels in it as
it was: a sample cell is shown as its character shape (``Aaaa Aaaaa`` -> ``AAAA AAAAA``, ``07700 900123``
-> ``99999 999999``), except a value the profile itself keeps, a frequent category of a non-sensitive
column (``Prepaid``, ``GOLD``), which identifies no one. Synthetic cells are shown as they are.
``score_chart`` turns evaluation scores into a plotly figure (JSON), the form every renderer draws.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from agents.events import Chart, SampleDiff
from tools.profile.patterns import shape

ROWS = 5
MAX_COLUMNS = 8


def kept_categories(profile_path: Path) -> dict[tuple[str, str], set[str]]:
    """(table, column) -> the values profile.json keeps (frequent categories of non-sensitive columns)."""
    if not profile_path.is_file():
        return {}
    document = json.loads(profile_path.read_text(encoding="utf-8"))
    kept: dict[tuple[str, str], set[str]] = {}
    for table in document.get("tables", []):
        for column in table.get("columns", []):
            if column.get("sensitive") or not column.get("top_values"):
                continue
            kept[(table["name"], column["name"])] = {str(s["value"]) for s in column["top_values"]}
    return kept


def sample_diff(
    table: str,
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    sensitive: set[str],
    kept: dict[tuple[str, str], set[str]],
) -> SampleDiff:
    """``ROWS`` sample rows (shapes, or kept categories) beside ``ROWS`` synthetic rows, sensitive columns
    first (they are the ones regenerated), at most ``MAX_COLUMNS`` columns."""
    shared = [c for c in real.columns if c in synthetic.columns and not str(c).startswith("_")]
    columns = ([c for c in shared if c in sensitive] + [c for c in shared if c not in sensitive])[:MAX_COLUMNS]
    before = [
        {str(c): _safe(row[c], kept.get((table, str(c)), set())) for c in columns}
        for _, row in real.head(ROWS).iterrows()
    ]
    after = [{str(c): _plain(row[c]) for c in columns} for _, row in synthetic.head(ROWS).iterrows()]
    changed = [f"{i}:{c}" for i, (b, a) in enumerate(zip(before, after, strict=False)) for c in b if b[c] != a[c]]
    return SampleDiff(table=table, columns=[str(c) for c in columns], before=before, after=after, changed=changed)


def _plain(value: Any) -> str | None:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _safe(value: Any, kept: set[str]) -> str | None:
    text = _plain(value)
    if text is None or text in kept:
        return text
    return shape(text)


def score_chart(title: str, labels: list[str], scores: list[float], axis: str = "score (0-1)") -> Chart:
    """A horizontal bar chart of scores, as plotly JSON (self-contained: no numpy arrays inside)."""
    import plotly.graph_objects as go

    figure = go.Figure(go.Bar(x=scores, y=labels, orientation="h"))
    figure.update_layout(title=title, xaxis={"title": axis, "range": [0, 1]}, height=max(240, 22 * len(labels)))
    return Chart(title=title, figure=json.loads(figure.to_json()))
