"""The evaluation as one self-contained HTML file: opens offline, plotly.js inlined once in the head.

Everything shown comes from the result model (numbers, column names) and the charts (binned shares,
quantiles of non-sensitive columns, lengths of sensitive ones). Every text is HTML-escaped.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable, Iterator, Sequence

import plotly.io as pio
from plotly.offline import get_plotlyjs

from tools.quality.charts import Chart
from tools.quality.model import EvaluateResult, MetricScore, PrivacyResult, TableEvaluation, UtilityResult

SECTIONS = (
    "quality", "diagnostic", "columns", "distributions", "correlations", "edge-cases", "rules", "privacy", "utility",
)  # fmt: skip
WORST = 15
COLUMN_HEADINGS = (
    "column", "kind", "sensitive", "shape score", "KS", "KS p", "Wasserstein / range", "chi² p", "TV", "length KS",
    "missing real", "missing synth", "unparsed synth",
)  # fmt: skip
_CONFIG = {"displaylogo": False, "responsive": True}
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#263238;color:#fff;padding:18px 32px}header h1{margin:0 0 4px;font-size:24px}
main{padding:8px 32px 40px;max-width:1400px}h2{border-bottom:2px solid #ddd;padding-bottom:4px;margin-top:36px}
h3{margin-top:26px}.cards{display:flex;flex-wrap:wrap;gap:14px;margin:16px 0}
.card{background:#fff;border:1px solid #ddd;border-radius:8px;padding:14px 18px;min-width:220px;flex:1}
.card .big{font-size:30px;font-weight:600}.card p{margin:6px 0 0;font-size:14px;color:#444}
.good{color:#2e7d32}.fair{color:#ef6c00}.bad{color:#c62828}
table{border-collapse:collapse;background:#fff;font-size:13px;margin:8px 0}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
th{background:#eceff1}.charts{display:flex;flex-wrap:wrap;gap:10px}.charts>div{background:#fff;border:1px solid #eee}
.chart{width:460px}.wide{width:100%}.note{color:#555;font-size:14px}code{background:#eee;padding:0 3px}
nav a{margin-right:12px}
"""


def e(text: object) -> str:
    return html.escape(str(text), quote=True)


def fmt(value: float | None, pct: bool = False, digits: int = 3) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1%}" if pct else f"{value:.{digits}f}"


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "table"


def quality_verdict(score: float | None) -> tuple[str, str]:
    """(css class, plain words) for an SDMetrics quality score."""
    if score is None:
        return "fair", "not available"
    if score >= 0.9:
        return "good", "excellent: distributions and column relationships closely match the real data"
    if score >= 0.8:
        return "good", "good: close to the real data, with some differences worth a look below"
    if score >= 0.7:
        return "fair", "fair: noticeable differences in some columns or relationships"
    return "bad", "poor: large differences from the real data"


def diagnostic_verdict(score: float | None) -> tuple[str, str]:
    if score is None:
        return "fair", "not available"
    if score >= 0.99:
        return "good", "valid: synthetic values stay within real ranges and categories, same columns"
    if score >= 0.9:
        return "fair", "mostly valid: some values fall outside real ranges or categories"
    return "bad", "validity problems: many values outside real ranges/categories, or columns differ"


def privacy_verdict(verdict: str | None) -> tuple[str, str]:
    words = {
        "low risk": ("good", "low risk: no sign of copied or memorised real records"),
        "caution": ("fair", "caution: some synthetic rows sit close to real ones; see the privacy section"),
        "high risk": ("bad", "high risk: synthetic rows copy or closely track real records"),
    }
    return words.get(verdict or "", ("fair", "not available"))


def utility_words(utility: UtilityResult | None) -> tuple[str, str, str]:
    """(big text, css class, words)."""
    if utility is None or utility.ratio is None:
        return "n/a", "fair", "not measured (give --target COLUMN to measure ML utility)"
    ratio = utility.ratio
    cls = "good" if ratio >= 0.9 else "fair" if ratio >= 0.7 else "bad"
    words = (
        f"a model trained on synthetic data reaches {ratio:.0%} of the real-trained score "
        f"({utility.metric} on '{utility.target}')"
    )
    return f"{ratio:.0%}", cls, words


def render(result: EvaluateResult, charts: dict[str, dict[str, list[Chart]]]) -> str:
    """The whole report. ``charts[table][section]`` holds that section's figures."""
    counter = iter(range(1_000_000))
    body = [_summary(result)]
    for table in result.tables:
        body.append(_table(table, charts.get(table.name, {}), counter))
    body.append(_method())
    nav = " ".join(f'<a href="#{e(slug(t.name))}">{e(t.name)}</a>' for t in result.tables)
    generated = _stamp(result.generated_at)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Doppel evaluation: {e(result.synthetic.name)}</title><style>{_CSS}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head><body>'
        f"<header><h1>Doppel evaluation report</h1><div>real: <code>{e(result.real.name)}</code> · synthetic: "
        f"<code>{e(result.synthetic.name)}</code> · seed {result.seed} · {e(generated)}</div></header>"
        f"<main><nav>{nav}</nav>{''.join(body)}</main></body></html>\n"
    )


def _stamp(iso: str) -> str:
    """The report's time as minutes in UTC: the request's fixed time when it had one, else now."""
    try:
        when = dt.datetime.fromisoformat(iso) if iso else dt.datetime.now(dt.UTC)
    except ValueError:
        when = dt.datetime.now(dt.UTC)
    when = when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)
    return when.strftime("%Y-%m-%d %H:%M UTC")


def _card(title: str, big: str, cls: str, words: str) -> str:
    return f'<div class="card"><div>{e(title)}</div><div class="big {cls}">{e(big)}</div><p>{e(words)}</p></div>'


def _summary(result: EvaluateResult) -> str:
    q_cls, q_words = quality_verdict(result.quality_score)
    d_cls, d_words = diagnostic_verdict(result.diagnostic_score)
    p_cls, p_words = privacy_verdict(result.privacy_verdict)
    utilities = [t.utility for t in result.tables if t.utility is not None]
    u_big, u_cls, u_words = utility_words(utilities[0] if utilities else None)
    cards = [
        _card("Overall quality (SDMetrics)", fmt(result.quality_score, pct=True), q_cls, q_words),
        _card("Diagnostic (validity, structure)", fmt(result.diagnostic_score, pct=True), d_cls, d_words),
        _card("Privacy", result.privacy_verdict or "n/a", p_cls, p_words),
        _card("ML utility", u_big, u_cls, u_words),
    ]
    rows = [
        [t.name, f"{t.real_rows:,}", f"{t.synthetic_rows:,}", fmt(t.quality_score, pct=True),
         fmt(t.diagnostic_score, pct=True), t.privacy.verdict if t.privacy else "n/a"]
        for t in result.tables
    ]  # fmt: skip
    warnings = "".join(f"<li>{e(w)}</li>" for w in result.warnings)
    cut = (
        f'<p class="note">Real rows: the first {result.real_head:,} of each sample table, the rows synthesis '
        "learned from; later rows of the files play no part.</p>"
        if result.real_head is not None
        else ""
    )
    return (
        f'<section id="summary"><h2>Summary</h2><div class="cards">{"".join(cards)}</div>'
        + _grid(["table", "real rows", "synthetic rows", "quality", "diagnostic", "privacy"], rows)
        + cut
        + (f'<ul class="note">{warnings}</ul>' if warnings else "")
        + "</section>"
    )


def _grid(headings: Sequence[str], rows: Iterable[Sequence[object]], numeric_from: int = 1) -> str:
    head = "".join(f"<th>{e(h)}</th>" for h in headings)
    body = "".join(
        "<tr>" + "".join(f"<td{' class=n' if i >= numeric_from else ''}>{e(v)}</td>" for i, v in enumerate(r)) + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _charts(charts: list[Chart], counter: Iterator[int], css: str = "chart") -> str:
    parts = []
    for chart in charts:
        n = next(counter)
        div = pio.to_html(chart.figure, full_html=False, include_plotlyjs=False, div_id=f"chart-{n}", config=_CONFIG)
        parts.append(f'<div class="{css}">{div}</div>')
    return f'<div class="charts">{"".join(parts)}</div>'


def _section(table: TableEvaluation, name: str, title: str, content: str) -> str:
    return f'<section id="{e(slug(table.name))}-{name}" data-section="{name}"><h3>{e(title)}</h3>{content}</section>'


def _table(table: TableEvaluation, charts: dict[str, list[Chart]], counter: Iterator[int]) -> str:
    head = (
        f'<h2 id="{e(slug(table.name))}">Table {e(table.name)}</h2><p class="note">{table.real_rows:,} real rows, '
        f"{table.synthetic_rows:,} synthetic rows; evaluated on {table.evaluated_real_rows:,} real and "
        f"{table.evaluated_synthetic_rows:,} synthetic rows.</p>"
    )
    parts = [
        head,
        _section(table, "quality", "Quality (SDMetrics)", _quality(table, charts.get("scores", []), counter)),
        _section(table, "diagnostic", "Diagnostic: validity and structure", _diagnostic(table)),
        _section(table, "columns", "Per-column metrics", _columns(table)),
        _section(table, "distributions", "Distributions: real vs synthetic", _distributions(charts, counter)),
        _section(table, "correlations", "Correlations", _correlations(table, charts.get("correlations", []), counter)),
        _section(table, "edge-cases", "Edge-case frequency match", _edge_cases(table)),
        _section(table, "rules", "Row rules: real vs synthetic", _rules(table)),
        _section(table, "privacy", "Privacy", _privacy(table.privacy, table.warnings)),
        _section(table, "utility", "ML utility", _utility(table)),
    ]
    notes = table.warnings + [f"column missing from synthetic: {c}" for c in table.missing_columns]
    notes += [f"synthetic column not in real: {c}" for c in table.extra_columns]
    if table.tagged_anomaly_rate is not None:
        notes.append(f"{table.tagged_anomaly_rate:.1%} of synthetic rows carry Doppel edge-case tags (_anomalies)")
    if notes:
        parts.append(_section(table, "notes", "Notes", "<ul>" + "".join(f"<li>{e(n)}</li>" for n in notes) + "</ul>"))
    return "".join(parts)


def _properties(props: Iterable[tuple[str, float | None]]) -> list[list[str]]:
    return [[name, fmt(score, pct=True)] for name, score in props]


def _quality(table: TableEvaluation, charts: list[Chart], counter: Iterator[int]) -> str:
    _, words = quality_verdict(table.quality_score)
    props = _grid(["property", "score"], _properties((p.name, p.score) for p in table.quality_properties))
    shapes = sorted((m for m in table.column_shapes if m.score is not None), key=lambda m: m.score or 0.0)
    pairs = sorted((m for m in table.column_pair_trends if m.score is not None), key=lambda m: m.score or 0.0)
    return (
        f"<p><b>{fmt(table.quality_score, pct=True)}</b>: {e(words)}. Column Shapes compares each column's "
        "distribution (KSComplement for numbers and dates, TVComplement for categories); Column Pair Trends "
        "compares correlations and contingency tables of every column pair.</p>"
        + props
        + _charts(charts, counter, "wide")
        + f"<h4>Worst {WORST} columns</h4>"
        + _grid(["column", "metric", "score"], [[m.columns[0], m.metric, fmt(m.score)] for m in shapes[:WORST]])
        + f"<h4>Worst {WORST} column pairs</h4>"
        + _grid(
            ["column 1", "column 2", "metric", "score", "real", "synthetic"],
            [[*m.columns[:2], m.metric, fmt(m.score), fmt(m.real), fmt(m.synthetic)] for m in pairs[:WORST]],
            numeric_from=3,
        )
    )


def _failing(metrics: list[MetricScore]) -> list[list[str]]:
    return [
        [", ".join(m.columns) or "(table)", m.metric, fmt(m.score), m.error or ""]
        for m in sorted(metrics, key=lambda m: m.score if m.score is not None else -1.0)
        if m.score is None or m.score < 1.0
    ]


def _diagnostic(table: TableEvaluation) -> str:
    _, words = diagnostic_verdict(table.diagnostic_score)
    props = _grid(["property", "score"], _properties((p.name, p.score) for p in table.diagnostic_properties))
    failing = _failing(table.validity + table.structure)
    coverage = [
        [c.column, c.kind, fmt(c.boundary_adherence), fmt(c.range_coverage), fmt(c.category_coverage)]
        for c in table.columns
        if c.kind in ("numerical", "datetime", "categorical", "boolean")
    ]
    return (
        f"<p><b>{fmt(table.diagnostic_score, pct=True)}</b>: {e(words)}.</p>"
        + props
        + "<h4>Checks below 100%</h4>"
        + (_grid(["column", "metric", "score", "error"], failing, numeric_from=2) if failing else "<p>none</p>")
        + "<h4>Boundaries and coverage</h4><p class=note>BoundaryAdherence: share of synthetic values inside the real "
        "min-max. RangeCoverage: how much of the real range the synthetic values span. CategoryCoverage: share of "
        "real categories that appear in the synthetic data.</p>"
        + _grid(["column", "kind", "boundary adherence", "range coverage", "category coverage"], coverage, 2)
    )


def _columns(table: TableEvaluation) -> str:
    rows = [
        [c.column, c.kind, "yes" if c.sensitive else "", fmt(c.shape_score), fmt(c.ks_statistic),
         fmt(c.ks_pvalue), fmt(c.wasserstein_normalised), fmt(c.chi2_pvalue), fmt(c.tv_distance),
         fmt(c.length_ks), fmt(c.real_missing_rate, pct=True), fmt(c.synthetic_missing_rate, pct=True),
         fmt(c.synthetic_unparsed_rate, pct=True)]
        for c in table.columns
    ]  # fmt: skip
    return (
        "<p class=note>KS: Kolmogorov-Smirnov statistic (0 = same) and p-value; Wasserstein distance divided by the "
        "real range; chi-squared p-value (homogeneity test) and total variation distance for categories; for text "
        "and identifiers the KS statistic of value lengths. Sensitive columns show statistics only.</p>"
        + _grid(COLUMN_HEADINGS, rows, numeric_from=3)
    )


def _distributions(charts: dict[str, list[Chart]], counter: Iterator[int]) -> str:
    columns = charts.get("distributions", [])
    if not columns:
        return "<p>No distribution charts (charts were turned off or no column could be drawn).</p>"
    return (
        "<p class=note>Histograms share common bins (0.5-99.5 percentile range; outliers fall in the end bins). "
        "Q-Q plots put synthetic percentiles against real ones: points on the dashed line mean the same distribution. "
        "Sensitive columns are drawn only as value lengths.</p>" + _charts(columns, counter)
    )


def _correlations(table: TableEvaluation, charts: list[Chart], counter: Iterator[int]) -> str:
    if not table.correlations:
        return "<p>Fewer than two numerical columns: no correlation matrix.</p>"
    rows = [
        [c.method, len(c.columns), fmt(c.mean_abs_difference), fmt(c.max_abs_difference), " / ".join(c.worst_pair)]
        for c in table.correlations
    ]
    return _grid(["method", "columns", "mean |difference|", "max |difference|", "worst pair"], rows) + _charts(
        charts, counter
    )


def _edge_cases(table: TableEvaluation) -> str:
    if not table.edge_cases:
        return "<p>No quality issues found on either side.</p>"
    rows = [
        [c.column or "(table)", c.issue, fmt(c.real_rate, pct=True), fmt(c.synthetic_rate, pct=True),
         f"{c.difference:+.1%}"]
        for c in table.edge_cases
    ]  # fmt: skip
    return (
        "<p class=note>Data-quality problems the profiler finds in each side (malformed emails, masked values, stray "
        "whitespace, out-of-range dates...). Test data should reproduce them at about the real rate.</p>"
        + _grid(["column", "issue", "real rate", "synthetic rate", "difference"], rows, numeric_from=2)
    )


def _rules(table: TableEvaluation) -> str:
    if not table.rules:
        return "<p>The real sample obeys no row rule (sum, date difference, formula, ordering, dependency).</p>"
    rows = [
        [r.formula, r.kind, fmt(r.real_support, pct=True),
         "-" if r.synthetic_support is None else fmt(r.synthetic_support, pct=True), f"{r.synthetic_rows:,}"]
        for r in table.rules
    ]  # fmt: skip
    return (
        "<p class=note>Rules (nearly) every real row obeys, with the share of rows having the rule's columns "
        "where it holds. Test systems reject a row that breaks a business rule: the synthetic share should be "
        "100% or at least the real one.</p>"
        + _grid(["rule", "kind", "real", "synthetic", "synthetic rows"], rows, numeric_from=2)
    )


def _privacy(privacy: PrivacyResult | None, warnings: list[str]) -> str:
    if privacy is None:
        why = "; ".join(w for w in warnings if "privacy" in w) or "no comparable columns"
        return f"<p>Not computed: {e(why)}</p>"
    cls, words = privacy_verdict(privacy.verdict)
    rows = [
        ["exact-copy rate", fmt(privacy.exact_copy_rate, pct=True), "synthetic rows identical to a real row"],
        ["baseline copy rate", fmt(privacy.holdout_copy_rate, pct=True), "holdout rows identical to a train row"],
        ["median DCR (synthetic)", fmt(privacy.dcr_synthetic_median), "distance to the closest real row"],
        ["median DCR (baseline)", fmt(privacy.dcr_holdout_median), "holdout row to the closest train row"],
        ["DCR ratio", fmt(privacy.dcr_ratio), "synthetic / baseline; well below 1 means copying"],
        ["closer to train than holdout", fmt(privacy.share_closer_to_train, pct=True), "about 50% is ideal"],
        ["membership-inference AUC", fmt(privacy.mia_auc), "0.5 = an attacker cannot tell members apart"],
    ]
    reasons = "".join(f"<li>{e(r)}</li>" for r in privacy.reasons)
    notes = "".join(f"<li>{e(n)}</li>" for n in privacy.notes)
    return (
        f'<p><b class="{cls}">{e(privacy.verdict)}</b>: {e(words)}.</p>'
        + (f"<ul>{reasons}</ul>" if reasons else "")
        + _grid(["measure", "value", "meaning"], rows)
        + f"<p class=note>train {privacy.train_rows:,} rows ({e(privacy.holdout_source)} holdout "
        f"{privacy.holdout_rows:,} rows), synthetic {privacy.synthetic_rows:,} rows.</p><ul class=note>{notes}</ul>"
    )


def _utility(table: TableEvaluation) -> str:
    utility = table.utility
    if utility is None:
        return f"<p>Skipped: {e(table.utility_skipped or 'no --target column given')}.</p>"
    _, cls, words = utility_words(utility)
    rows = [[utility.metric, fmt(utility.synthetic_score), fmt(utility.real_score)]]
    if utility.task == "classification":
        rows.append(["accuracy", fmt(utility.synthetic_accuracy), fmt(utility.real_accuracy)])
    else:
        rows.append(["mean absolute error", fmt(utility.synthetic_mae), fmt(utility.real_mae)])
    notes = "".join(f"<li>{e(n)}</li>" for n in utility.notes)
    return (
        f'<p class="{cls}">{e(words)}.</p>'
        + _grid(["metric", "trained on synthetic", "trained on real"], rows)
        + f"<p class=note>{e(utility.task)} of '{e(utility.target)}', tested on {utility.test_rows:,} real holdout "
        f"rows; synthetic training rows: {utility.train_rows:,}.</p><ul class=note>{notes}</ul>"
    )


def _method() -> str:
    return (
        '<section id="method"><h2>How to read this report</h2><ul class="note">'
        "<li>Scores run from 0 (worst) to 1 (best) unless a line says otherwise.</li>"
        "<li>Cells are parsed the same way on both sides (numbers, dates by the real column's type); a synthetic "
        "cell that does not parse counts as 'unparsed'.</li>"
        "<li>No production value appears in this report: sensitive columns are shown as statistics and value "
        "lengths only; non-sensitive columns as binned shares, percentiles and category shares.</li>"
        "</ul></section>"
    )
