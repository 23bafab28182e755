"""Evaluate one real/synthetic table pair: every metric of the report, plus its charts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from tools.errors import DoppelError
from tools.profile.model import TableProfile
from tools.progress import ProgressCallback
from tools.quality import charts as plots
from tools.quality.columns import column_metrics
from tools.quality.correlation import correlations
from tools.quality.edge_cases import edge_case_rates
from tools.quality.frames import TypedTable, stripped, type_tables
from tools.quality.load import TablePair
from tools.quality.model import CorrelationComparison, TableEvaluation, UtilityResult
from tools.quality.privacy import Split, privacy, split_real
from tools.quality.rules import compare_rules
from tools.quality.sdmetrics_reports import diagnostic_report, quality_report
from tools.quality.utility import utility

STEPS = 7


@dataclass
class TableOptions:
    holdout: float
    seed: int
    target: str | None
    charts: bool
    no_target: str = "no --target column given"
    today: dt.date = field(default_factory=dt.date.today)


def evaluate_table(
    pair: TablePair,
    real_profile: TableProfile,
    synthetic_profile: TableProfile,
    holdout: pd.DataFrame | None,
    options: TableOptions,
    progress: ProgressCallback,
) -> tuple[TableEvaluation, dict[str, list[plots.Chart]]]:
    """Metrics for one table; ``holdout`` holds real rows the synthesizer never saw (else REAL is split)."""
    name = pair.name
    real, synth = pair.real.frame, pair.synthetic.frame
    missing = [c for c in real.columns if c not in synth.columns]
    extra = [c for c in synth.columns if c not in real.columns]
    if len(missing) == len(real.columns):
        raise DoppelError(
            f"{pair.synthetic.source.path}: no column in common with real table '{name}' ({pair.real.source.path})"
        )
    warnings: list[str] = []

    def step(what: str, done: int) -> None:
        progress(f"{name}: {what}", done, STEPS)

    step("parsing both sides with the real column types", 0)
    typed, split = _typed(name, real, synth, real_profile, holdout, options)
    step("SDMetrics quality report", 1)
    quality = quality_report(typed, warnings)
    step("SDMetrics diagnostic report", 2)
    real_only = pd.DataFrame({c: stripped(real[c]) for c in missing}, index=typed.real.index)
    synth_only = pd.DataFrame({c: stripped(synth[c]) for c in extra}, index=typed.synthetic.index)
    diagnostic = diagnostic_report(typed, real_only, synth_only, warnings)
    step("per-column metrics, correlations, edge cases", 3)
    shapes = {m.columns[0]: m.score for m in quality.details.get("Column Shapes", [])}
    columns = column_metrics(typed, shapes)
    corr = correlations(typed)
    edges = edge_case_rates(real_profile, synthetic_profile, [c.name for c in typed.columns])
    rules = compare_rules(real_profile.rules, real, synth, options.today)
    step("privacy: exact copies, distance to closest record, membership inference", 4)
    private = privacy(split, typed.synthetic, typed.columns, options.seed)
    if isinstance(private, str):
        warnings.append(f"privacy checks skipped: {private}")
    step("ML utility", 5)
    useful: UtilityResult | None = None
    skipped: str | None = options.no_target
    if options.target is not None:
        found = utility(split, typed.synthetic, typed.columns, options.target, options.seed)
        useful, skipped = (None, found) if isinstance(found, str) else (found, None)
    charts: dict[str, list[plots.Chart]] = {}
    if options.charts:
        step("charts", 6)
        charts = _charts(typed, corr, {c.column: c.shape_score for c in columns if c.shape_score is not None})
    evaluation = TableEvaluation(
        name=name,
        real_path=pair.real.source.path,
        synthetic_path=pair.synthetic.source.path,
        real_rows=pair.real_rows,
        synthetic_rows=pair.synthetic_rows,
        evaluated_real_rows=len(typed.real),
        evaluated_synthetic_rows=len(typed.synthetic),
        missing_columns=missing,
        extra_columns=extra,
        tagged_anomaly_rate=pair.tagged_anomaly_rate,
        quality_score=quality.score,
        quality_properties=quality.properties,
        column_shapes=quality.details.get("Column Shapes", []),
        column_pair_trends=quality.details.get("Column Pair Trends", []),
        diagnostic_score=diagnostic.score,
        diagnostic_properties=diagnostic.properties,
        validity=diagnostic.details.get("Data Validity", []),
        structure=diagnostic.details.get("Data Structure", []),
        columns=columns,
        correlations=corr,
        edge_cases=edges,
        rules=rules,
        privacy=None if isinstance(private, str) else private,
        utility=useful,
        utility_skipped=skipped,
        warnings=warnings,
    )
    step("done", STEPS)
    return evaluation, charts


def _typed(
    name: str,
    real: pd.DataFrame,
    synth: pd.DataFrame,
    profile: TableProfile,
    holdout: pd.DataFrame | None,
    options: TableOptions,
) -> tuple[TypedTable, Split]:
    """Typed frames; a holdout file is parsed in the same pass as REAL so both read identically."""
    if holdout is None:
        typed = type_tables(name, real, synth, profile)
        return typed, split_real(typed.real, options.holdout, options.seed)
    combined = pd.concat([real, holdout[list(real.columns)]], ignore_index=True)
    typed = type_tables(name, combined, synth, profile)
    n = len(real)
    held = typed.real.iloc[n:].reset_index(drop=True)
    typed.real = typed.real.iloc[:n]
    typed.real_text = typed.real_text.iloc[:n]
    return typed, Split(typed.real, held, "file")


def _charts(
    typed: TypedTable, corr: list[CorrelationComparison], shape_scores: dict[str, float]
) -> dict[str, list[plots.Chart]]:
    out: dict[str, list[plots.Chart]] = {"distributions": plots.column_charts(typed), "correlations": []}
    pearson = next((c for c in corr if c.method == "pearson"), None)
    if pearson is not None:
        out["correlations"] = plots.correlation_charts(pearson)
    if (scores := plots.shape_scores_chart(shape_scores)) is not None:
        out["scores"] = [scores]
    return out
