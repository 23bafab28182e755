"""What `evaluate` takes and returns. Numbers only: no model here can hold a production value.

Every score is a plain float (or None when it does not apply or could not be computed), so the result
serialises to JSON and validates back unchanged.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

RESULT_VERSION = 1

ColumnKind = Literal["numerical", "datetime", "categorical", "boolean", "identifier", "text", "empty"]
Verdict = Literal["low risk", "caution", "high risk"]


class EvaluateRequest(BaseModel):
    """REAL and SYNTHETIC are each a table file or a folder of table files (paired by table name)."""

    model_config = ConfigDict(extra="forbid")

    real: Path
    synthetic: Path
    out: Path | None = Field(None, description="HTML report to write")
    json_out: Path | None = Field(None, description="JSON result to write")
    sensitivity: Path | None = Field(None, description="sensitivity.json from `doppel classify`; else classify REAL")
    target: str | None = Field(None, description="column (or table.column) for the ML utility check")
    holdout: float = Field(0.2, gt=0.0, lt=1.0, description="share of REAL held out when no holdout file is given")
    holdout_file: Path | None = Field(None, description="real rows the synthesizer never saw (file or folder)")
    seed: int = 0
    max_rows: int | None = Field(None, ge=1, description="sample at most this many rows per table and side")
    real_head: int | None = Field(
        None,
        ge=1,
        description="read only the first this many rows of each REAL table: the rows a synthesis run with "
        "--max-rows (a workflow run's sample_rows) learned from, so rows it never read play no part",
    )
    charts: bool = True
    fixed_time: dt.datetime | None = Field(
        None, description="the time the report states (default: now); fixed, the same inputs give the same bytes"
    )


class PropertyScore(BaseModel):
    """One SDMetrics property (e.g. Column Shapes) and its 0..1 score."""

    name: str
    score: float | None


class MetricScore(BaseModel):
    """One SDMetrics metric on one column or column pair; ``error`` is the exception type, never its text."""

    columns: list[str]
    metric: str
    score: float | None
    real: float | None = None
    synthetic: float | None = None
    error: str | None = None


class ColumnMetrics(BaseModel):
    """Per-column comparison. Distribution metrics apply by kind; the rest stay None."""

    column: str
    kind: ColumnKind
    sensitive: bool
    real_missing_rate: float
    synthetic_missing_rate: float
    synthetic_unparsed_rate: float | None = Field(None, description="present synthetic cells not of the real type")
    shape_score: float | None = Field(None, description="KSComplement / TVComplement (1 = same shape)")
    ks_statistic: float | None = None
    ks_pvalue: float | None = None
    wasserstein: float | None = None
    wasserstein_normalised: float | None = Field(None, description="Wasserstein distance / real range")
    chi2_pvalue: float | None = None
    tv_distance: float | None = None
    length_ks: float | None = Field(None, description="KS statistic of text lengths (text and identifiers)")
    boundary_adherence: float | None = None
    range_coverage: float | None = None
    category_coverage: float | None = None


class CorrelationComparison(BaseModel):
    """Correlation matrices over the numerical columns, real vs synthetic, and their absolute difference."""

    method: Literal["pearson", "spearman"]
    columns: list[str]
    real: list[list[float | None]]
    synthetic: list[list[float | None]]
    difference: list[list[float | None]]
    mean_abs_difference: float | None
    max_abs_difference: float | None
    worst_pair: list[str] = Field(default_factory=list)


class EdgeCaseRate(BaseModel):
    """A profile quality issue (e.g. malformed_email) at its real and synthetic rates."""

    column: str | None = Field(description="None for table-level issues such as duplicate_rows")
    issue: str
    real_rate: float
    synthetic_rate: float
    difference: float


class RuleComparison(BaseModel):
    """A rule (nearly) every real row obeys, with its support (share of rows having its columns where it
    holds) on each side."""

    kind: str
    columns: list[str]
    formula: str
    real_support: float
    real_rows: int
    synthetic_support: float | None = Field(None, description="None when no synthetic row has every column")
    synthetic_rows: int


class PrivacyResult(BaseModel):
    """Record-level closeness of synthetic rows to real ones. Distances are on standardised numbers and
    one-hot categories, so they carry no production value."""

    columns: list[str] = Field(description="columns compared (numbers, dates, categories; no identifiers)")
    holdout_source: Literal["split", "file"]
    train_rows: int
    holdout_rows: int
    synthetic_rows: int
    exact_copy_rate: float | None = Field(description="synthetic rows identical to a real row")
    holdout_copy_rate: float | None = Field(description="baseline: holdout rows identical to a train row")
    dcr_synthetic_median: float | None = Field(description="median distance synthetic -> closest real (train)")
    dcr_holdout_median: float | None = Field(description="baseline: median distance holdout -> closest train row")
    dcr_ratio: float | None = Field(description="synthetic / baseline median; well below 1 means copying")
    share_closer_to_train: float | None = Field(
        description="synthetic rows closer to train than holdout, reweighted for the set sizes; ~0.5 ideal"
    )
    mia_auc: float | None = Field(description="distance-based membership inference AUC; 0.5 = no leakage")
    verdict: Verdict
    reasons: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class UtilityResult(BaseModel):
    """Train on synthetic, test on real holdout, against the train-on-real baseline."""

    target: str
    task: Literal["classification", "regression"]
    metric: Literal["f1_macro", "r2"]
    synthetic_score: float | None
    real_score: float | None
    ratio: float | None = Field(description="synthetic_score / real_score")
    synthetic_accuracy: float | None = None
    real_accuracy: float | None = None
    synthetic_mae: float | None = None
    real_mae: float | None = None
    train_rows: int
    test_rows: int
    notes: list[str] = Field(default_factory=list)


class TableEvaluation(BaseModel):
    name: str
    real_path: Path
    synthetic_path: Path
    real_rows: int
    synthetic_rows: int
    evaluated_real_rows: int
    evaluated_synthetic_rows: int
    missing_columns: list[str] = Field(default_factory=list, description="in REAL, absent from SYNTHETIC")
    extra_columns: list[str] = Field(default_factory=list, description="in SYNTHETIC, absent from REAL")
    tagged_anomaly_rate: float | None = Field(None, description="synthetic rows carrying `_anomalies` tags")
    quality_score: float | None
    quality_properties: list[PropertyScore]
    column_shapes: list[MetricScore]
    column_pair_trends: list[MetricScore]
    diagnostic_score: float | None
    diagnostic_properties: list[PropertyScore]
    validity: list[MetricScore]
    structure: list[MetricScore]
    columns: list[ColumnMetrics]
    correlations: list[CorrelationComparison]
    edge_cases: list[EdgeCaseRate]
    rules: list[RuleComparison] = Field(default_factory=list, description="row rules of the real sample")
    privacy: PrivacyResult | None
    utility: UtilityResult | None
    utility_skipped: str | None = None
    warnings: list[str] = Field(default_factory=list)


class EvaluateResult(BaseModel):
    version: int = RESULT_VERSION
    real: Path
    synthetic: Path
    seed: int
    quality_score: float | None = Field(description="mean of the tables' SDMetrics quality scores")
    diagnostic_score: float | None
    privacy_verdict: Verdict | None
    real_head: int | None = Field(None, description="REAL was read to its first this many rows per table")
    tables: list[TableEvaluation]
    html_path: Path | None = None
    json_path: Path | None = None
    generated_at: str = Field("", description="ISO time the report states (the fixed time when one was given)")
    seconds: float
    warnings: list[str] = Field(default_factory=list)
