"""Plotly charts of real vs synthetic distributions. Charts carry binned counts and quantiles, never rows.

A sensitive column is drawn only as the distribution of its value *lengths*: no value, category label,
bin edge or quantile of it reaches a chart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from tools.quality.frames import ColumnInfo, TypedTable, seconds
from tools.quality.model import CorrelationComparison

REAL_COLOUR = "#1f77b4"
SYNTH_COLOUR = "#ff7f0e"
BINS = 30
TOP_CATEGORIES = 20
MAX_LENGTH = 120
QUANTILES = np.linspace(0.01, 0.99, 99)
_LAYOUT = {"height": 320, "margin": {"l": 50, "r": 20, "t": 50, "b": 50}, "template": "plotly_white"}


@dataclass
class Chart:
    """A figure and what it shows; ``column`` is None for table-wide charts."""

    title: str
    figure: go.Figure
    column: str | None = None


def column_charts(table: TypedTable) -> list[Chart]:
    """Per column: lengths for sensitive columns and text; histogram + Q-Q for numbers and dates; bars for
    categories."""
    charts: list[Chart] = []
    for col in table.columns:
        real, synth = table.real[col.name], table.synthetic[col.name]
        if col.sensitive or col.kind in ("identifier", "text"):
            charts += _lengths(col, table.real_text[col.name], table.synthetic_text[col.name])
        elif col.kind in ("numerical", "datetime"):
            charts += _numeric(col, seconds(real), seconds(synth))
        elif col.kind in ("categorical", "boolean"):
            charts += _categories(col, real, synth)
    return charts


def _figure(title: str, **layout: object) -> go.Figure:
    return go.Figure(layout={**_LAYOUT, "title": {"text": title}, **layout})


def _bars(fig: go.Figure, x: object, real: np.ndarray, synth: np.ndarray, width: object = None) -> None:
    for name, y, colour in (("real", real, REAL_COLOUR), ("synthetic", synth, SYNTH_COLOUR)):
        fig.add_trace(go.Bar(x=x, y=np.round(y, 5), name=name, marker_color=colour, opacity=0.6, width=width))


def _share(counts: np.ndarray) -> np.ndarray:
    total = counts.sum()
    return counts / total if total else counts.astype(np.float64)


def _lengths(col: ColumnInfo, real: pd.Series, synth: pd.Series) -> list[Chart]:
    r = real.dropna().str.len().clip(upper=MAX_LENGTH).to_numpy(np.int64)
    s = synth.dropna().str.len().clip(upper=MAX_LENGTH).to_numpy(np.int64)
    if not len(r) and not len(s):
        return []
    size = int(max(r.max(initial=0), s.max(initial=0))) + 1
    fig = _figure(
        f"{col.name}: value lengths" + (" (sensitive: values not shown)" if col.sensitive else ""),
        barmode="overlay", xaxis_title="characters", yaxis_title="share of values",
    )  # fmt: skip
    _bars(fig, np.arange(size), _share(np.bincount(r, minlength=size)), _share(np.bincount(s, minlength=size)))
    return [Chart(f"{col.name} lengths", fig, col.name)]


def _numeric(col: ColumnInfo, real: np.ndarray, synth: np.ndarray) -> list[Chart]:
    r, s = real[np.isfinite(real)], synth[np.isfinite(synth)]
    if not len(r) or not len(s):
        return []
    both = np.concatenate([r, s])
    low, high = np.percentile(both, [0.5, 99.5])
    if low == high:
        low, high = float(both.min()) - 0.5, float(both.max()) + 0.5
    edges = np.linspace(low, high, BINS + 1)
    rc, _ = np.histogram(np.clip(r, low, high), edges)
    sc, _ = np.histogram(np.clip(s, low, high), edges)
    centres = (edges[:-1] + edges[1:]) / 2
    dates = col.kind == "datetime"
    x = _as_dates(centres) if dates else np.round(centres, 6)
    width = float(edges[1] - edges[0]) * (1000 if dates else 1)  # date axes measure widths in ms
    hist = _figure(f"{col.name}: distribution", barmode="overlay", bargap=0, yaxis_title="share of rows")
    _bars(hist, x, _share(rc), _share(sc), width)
    rq, sq = np.quantile(r, QUANTILES), np.quantile(s, QUANTILES)
    qq = _figure(f"{col.name}: Q-Q (percentiles 1-99)", xaxis_title="real", yaxis_title="synthetic", showlegend=False)
    lo, hi = float(min(rq.min(), sq.min())), float(max(rq.max(), sq.max()))
    line = _as_dates(np.array([lo, hi])) if dates else [lo, hi]
    qq.add_trace(go.Scatter(x=line, y=line, mode="lines", line={"color": "#999", "dash": "dash"}, name="y = x"))
    qx, qy = (_as_dates(rq), _as_dates(sq)) if dates else (np.round(rq, 6), np.round(sq, 6))
    qq.add_trace(go.Scatter(x=qx, y=qy, mode="markers", marker={"color": SYNTH_COLOUR, "size": 5}, name="quantiles"))
    return [Chart(f"{col.name} distribution", hist, col.name), Chart(f"{col.name} Q-Q", qq, col.name)]


def _as_dates(epoch_seconds: np.ndarray) -> list[str]:
    return [str(v) for v in pd.to_datetime(np.round(epoch_seconds), unit="s")]


def _categories(col: ColumnInfo, real: pd.Series, synth: pd.Series) -> list[Chart]:
    r, s = real.dropna().value_counts(), synth.dropna().value_counts()
    if not len(r) and not len(s):
        return []
    top = list(r.index[:TOP_CATEGORIES])
    labels = [str(v) for v in top]
    rv = np.array([r.get(v, 0) for v in top] + [r.drop(top, errors="ignore").sum()], np.float64)
    sv = np.array([s.get(v, 0) for v in top] + [s.drop(top, errors="ignore").sum()], np.float64)
    rv, sv = rv / max(r.sum(), 1), sv / max(s.sum(), 1)
    if rv[-1] == 0 and sv[-1] == 0:
        rv, sv = rv[:-1], sv[:-1]
    else:
        labels.append("(other)")
    fig = _figure(f"{col.name}: categories (top {TOP_CATEGORIES} by real share)", barmode="group",
                  yaxis_title="share of values")  # fmt: skip
    _bars(fig, labels, rv, sv)
    return [Chart(f"{col.name} categories", fig, col.name)]


def correlation_charts(comparison: CorrelationComparison) -> list[Chart]:
    """Three heatmaps: real, synthetic, and the absolute difference."""
    names = comparison.columns
    size = max(360, 28 * len(names) + 160)
    charts = []
    for label, z, scale, zmin in (
        ("real", comparison.real, "RdBu", -1.0),
        ("synthetic", comparison.synthetic, "RdBu", -1.0),
        ("|real - synthetic|", comparison.difference, "Reds", 0.0),
    ):
        fig = _figure(f"{comparison.method.title()} correlation: {label}", height=size, width=size + 80)
        fig.add_trace(go.Heatmap(z=z, x=names, y=names, colorscale=scale, zmin=zmin, zmax=1.0))
        fig.update_yaxes(autorange="reversed")
        charts.append(Chart(f"{comparison.method} {label}", fig))
    return charts


def shape_scores_chart(scores: dict[str, float]) -> Chart | None:
    """Every column's shape score, worst first, so problem columns stand out."""
    if not scores:
        return None
    ordered = sorted(scores.items(), key=lambda kv: kv[1])
    fig = _figure("Column shape scores (1 = same distribution)", height=max(320, 18 * len(ordered) + 100),
                  xaxis={"range": [0, 1]}, margin={"l": 160, "r": 20, "t": 50, "b": 40})  # fmt: skip
    fig.add_trace(go.Bar(x=[v for _, v in ordered], y=[k for k, _ in ordered], orientation="h",
                         marker_color=REAL_COLOUR))  # fmt: skip
    return Chart("column shape scores", fig)
