"""SDMetrics Quality and Diagnostic reports (the unified ``sdmetrics.reports`` API) reduced to numbers.

Quality runs on the columns both sides share. Diagnostic validity runs on those too, while Data Structure
sees every column of each side, so a missing or extra synthetic column lowers it. Error texts from
SDMetrics can quote cell values, so only the exception type is kept.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tools.quality.frames import TypedTable, sdmetrics_metadata
from tools.quality.model import MetricScore, PropertyScore
from tools.quality.numbers import clean

NOT_APPLICABLE = {"Constraint Validity"}  # Doppel passes no constraints


@dataclass
class ReportNumbers:
    score: float | None = None
    properties: list[PropertyScore] = field(default_factory=list)
    details: dict[str, list[MetricScore]] = field(default_factory=dict)


def quality_report(table: TypedTable, warnings_out: list[str]) -> ReportNumbers:
    """Column Shapes (KSComplement / TVComplement) and Column Pair Trends, plus the overall score."""
    from sdmetrics.reports import QualityReport

    metadata = sdmetrics_metadata(table)
    names = list(metadata["tables"][table.name]["columns"])
    report = QualityReport()
    ok = _generate(report, table.name, table.real[names], table.synthetic[names], metadata, "quality", warnings_out)
    if not ok:
        return ReportNumbers()
    return ReportNumbers(
        score=clean(report.get_score()),
        properties=_properties(report),
        details={
            prop: _details(report.get_details(prop, table.name)) for prop in ("Column Shapes", "Column Pair Trends")
        },
    )


def diagnostic_report(
    table: TypedTable, real_only: pd.DataFrame, synthetic_only: pd.DataFrame, warnings_out: list[str]
) -> ReportNumbers:
    """Data Validity (BoundaryAdherence, CategoryAdherence, KeyUniqueness) and Data Structure."""
    from sdmetrics.reports import DiagnosticReport

    metadata = sdmetrics_metadata(table)
    names = list(metadata["tables"][table.name]["columns"])
    real = pd.concat([table.real[names], real_only], axis=1)
    synthetic = pd.concat([table.synthetic[names], synthetic_only], axis=1)
    report = DiagnosticReport()
    if not _generate(report, table.name, real, synthetic, metadata, "diagnostic", warnings_out):
        return ReportNumbers()
    return ReportNumbers(
        score=clean(report.get_score()),
        properties=_properties(report),
        details={prop: _details(report.get_details(prop, table.name)) for prop in ("Data Validity", "Data Structure")},
    )


def _generate(
    report: Any,
    name: str,
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    metadata: dict[str, Any],
    what: str,
    warnings_out: list[str],
) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            report.generate({name: real}, {name: synthetic}, metadata, verbose=False)
    except Exception as exc:  # one failed report must not sink the others; say which and why (type only)
        warnings_out.append(f"{name}: SDMetrics {what} report failed ({type(exc).__name__})")
        return False
    return True


def _properties(report: Any) -> list[PropertyScore]:
    frame = report.get_properties()
    return [
        PropertyScore(name=str(row.Property), score=clean(row.Score))
        for row in frame.itertuples()
        if str(row.Property) not in NOT_APPLICABLE
    ]


def _details(frame: pd.DataFrame) -> list[MetricScore]:
    out: list[MetricScore] = []
    for row in frame.to_dict("records"):
        columns = [str(row[k]) for k in ("Column", "Column 1", "Column 2") if k in row]
        error = row.get("Error")
        real = row.get("Real Correlation")
        synthetic = row.get("Synthetic Correlation")
        if _missing(real) and not _missing(row.get("Real Association")):
            real = row.get("Real Association")
        out.append(
            MetricScore(
                columns=columns,
                metric=str(row.get("Metric", "")),
                score=clean(row.get("Score")),
                real=clean(real),
                synthetic=clean(synthetic),
                error=str(error).split(":", 1)[0] if isinstance(error, str) and error else None,
            )
        )
    return out


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))
