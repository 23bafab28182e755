"""Charts the UI draws from a run's own outputs (``evaluate/evaluation.json``): the quality scores and the
correlation heatmaps, real beside synthetic. Statistics only: the file holds scores and coefficients."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots


def quality_chart(document: dict[str, Any]) -> go.Figure | None:
    labels, scores = [], []
    for name, key in (("quality", "quality_score"), ("diagnostic", "diagnostic_score")):
        if isinstance(document.get(key), int | float):
            labels.append(f"overall {name}")
            scores.append(float(document[key]))
    for table in document.get("tables", []):
        for prop in table.get("quality_properties", []):
            if isinstance(prop.get("score"), int | float):
                labels.append(f"{table['name']}: {prop['name']}")
                scores.append(float(prop["score"]))
    if not labels:
        return None
    figure = go.Figure(go.Bar(x=scores, y=labels, orientation="h", text=[f"{s:.0%}" for s in scores]))
    figure.update_layout(title="Quality scores (0-1)", xaxis={"range": [0, 1]}, height=max(220, 40 * len(labels)))
    return figure


def correlation_chart(table: dict[str, Any]) -> go.Figure | None:
    """Real and synthetic correlation coefficients of the column pairs both sides could measure."""
    pairs = [
        p
        for p in table.get("column_pair_trends", [])
        if p.get("metric") == "CorrelationSimilarity" and p.get("real") is not None and p.get("synthetic") is not None
    ]
    if not pairs:
        return None
    columns = sorted({c for p in pairs for c in p["columns"]})
    index = {c: i for i, c in enumerate(columns)}

    def matrix(side: str) -> list[list[float | None]]:
        grid: list[list[float | None]] = [[1.0 if i == j else None for j in columns] for i in columns]
        for p in pairs:
            a, b = (index[c] for c in p["columns"])
            grid[a][b] = grid[b][a] = round(float(p[side]), 3)
        return grid

    figure = make_subplots(rows=1, cols=2, subplot_titles=("real", "synthetic"), horizontal_spacing=0.15)
    for col, side in ((1, "real"), (2, "synthetic")):
        heat = go.Heatmap(z=matrix(side), x=columns, y=columns, zmin=-1, zmax=1, colorscale="RdBu", showscale=col == 2)
        figure.add_trace(heat, row=1, col=col)
    figure.update_layout(title=f"{table['name']}: correlations, real vs synthetic", height=420)
    return figure


def evaluation_charts(run_dir: Path) -> list[tuple[str, go.Figure]]:
    """(title, figure) for each chart the run's evaluation supports; none when it has no evaluation."""
    path = run_dir / "evaluate" / "evaluation.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    charts = []
    if (figure := quality_chart(document)) is not None:
        charts.append(("Quality scores", figure))
    for table in document.get("tables", []):
        if (figure := correlation_chart(table)) is not None:
            charts.append((f"{table['name']}: correlations, real vs synthetic", figure))
    return charts
