"""What ``synthesize`` takes and gives back.

The result is written as ``metadata.json`` beside the output, so it holds names, counts, rates,
shapes and settings only: never a production value, and never the per-run leakage-check key.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tools.export.base import NEUTRALISE_FORMULAS, Compression, Dialect, ExportFormat

SynthModel = Literal["auto", "cart", "gaussian_copula", "ctgan", "copulagan", "tvae"]
MODELS: tuple[str, ...] = ("auto", "cart", "gaussian_copula", "ctgan", "copulagan", "tvae")
Strategy = Literal["learned", "regenerated", "key", "link", "text", "empty", "derived"]


class _Constraint(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    table: str | None = Field(None, description="table name; None when the column name is unambiguous")


class RangeRule(_Constraint):
    """Values outside [min, max] are clipped to the bound (numbers, or ISO dates for date columns)."""

    kind: Literal["range"] = "range"
    column: str
    min: float | str | None = None
    max: float | str | None = None

    @model_validator(mode="after")
    def _bounds(self) -> RangeRule:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        return self


class OrderingRule(_Constraint):
    """``first <= second`` wherever both are present, except a ``violation_rate`` share of those rows."""

    kind: Literal["ordering"] = "ordering"
    first: str
    second: str
    violation_rate: float = Field(0.0, ge=0.0, le=0.5)


class FixedCombinationRule(_Constraint):
    """Only combinations of these columns seen in the sample may appear."""

    kind: Literal["fixed_combination"] = "fixed_combination"
    columns: list[str] = Field(min_length=2)


UserConstraint = Annotated[RangeRule | OrderingRule | FixedCombinationRule, Field(discriminator="kind")]


class CorrelationRule(BaseModel):
    """An explicit Spearman rank correlation between two numeric or date columns of one table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    table: str | None = None
    a: str
    b: str
    value: float = Field(ge=-1.0, le=1.0)


class SynthesizeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    data: list[Path] = Field(min_length=1, description="sample files or folders; several related tables -> HMA")
    rows: int = Field(gt=0, description="rows of the first table; related tables keep the sample's proportions")
    model: SynthModel = Field(
        "auto",
        description="auto (chosen per table, the reason recorded), cart, gaussian_copula, ctgan, copulagan, tvae",
    )
    seed: int | str | None = Field(None, description="int or text; random (and recorded) when left out")
    epochs: int | None = Field(None, gt=0, description="training epochs for ctgan / copulagan / tvae")
    format: ExportFormat = "csv"
    compression: Compression | None = None
    dialect: Dialect = "postgres"
    neutralise_formulas: bool = Field(True, description=NEUTRALISE_FORMULAS)
    out: Path = Path("out/synth")
    constraints: list[UserConstraint] = Field(default_factory=list)
    correlations: list[CorrelationRule] = Field(default_factory=list)
    constraints_file: Path | None = Field(
        None, description="YAML/JSON with 'constraints' and 'correlations' lists and 'rules: {off: [...]}'"
    )
    rules_off: list[str] = Field(
        default_factory=list,
        description="TABLE.COLUMN (or COLUMN when unambiguous) whose row rules are switched off: the column is "
        "modelled as it is, not derived, mapped or rounded by a rule the sample obeys",
    )
    overrides: Path | None = Field(None, description="classification corrections: table.column -> {sensitive, entity}")
    max_rows: int | None = Field(None, gt=0, description="read at most this many sample rows per table")
    rare_below: int = Field(
        10, ge=1, description="a whole row shared by fewer sample rows than this is rare and is never written as it is"
    )
    fixed_time: dt.datetime | None = Field(
        None,
        description="the clock of this run: recorded as generated_at, and its date bounds plausible dates; "
        "given, metadata.json leaves out the timings, so the same seed and data give the same bytes",
    )


class ColumnReport(BaseModel):
    """How one output column was made; ``detail`` names generators, locales and format shares only."""

    table: str
    column: str
    strategy: Strategy
    sensitive: bool
    role: str = Field("non_sensitive", description="privacy role: identifier, quasi_identifier, sensitive_attribute")
    flag: str | None = Field(None, description="GDPR art. 9 or confidential, for a sensitive attribute")
    entity: str | None = None
    sdtype: str | None = Field(None, description="SDV sdtype after our corrections (learned and link columns)")
    detail: str = ""


class MetadataCorrection(BaseModel):
    table: str
    column: str
    detected: str
    corrected: str


class RateComparison(BaseModel):
    """One quality issue (or the missing rate) measured the same way on the sample and on the output."""

    table: str
    column: str | None = None
    issue: str
    real: float
    synthetic: float
    tolerance: float
    within_tolerance: bool


class ConstraintReport(BaseModel):
    table: str
    kind: Literal["range", "ordering", "fixed_combination", "correlation", "rule"]
    columns: list[str]
    source: Literal["profile", "user"]
    rows_changed: int = 0
    target: float | None = Field(None, description="violation rate (ordering) or correlation kept")
    achieved: float | None = None
    note: str | None = None


RuleStatus = Literal["kept on every row", "kept at the sample's rate", "off", "not enforced"]


class RuleReport(BaseModel):
    """A rule the sample obeys (``tools.profile.rules``), how synthesis kept it, and its support measured on
    the sample and on the written output (rows having every column of the rule, share where it holds)."""

    table: str
    kind: str
    columns: list[str]
    dependent: str | None = None
    formula: str
    status: RuleStatus
    note: str | None = None
    sample_support: float
    sample_rows: int
    output_support: float | None = None
    output_rows: int = 0
    rows_changed: int = Field(0, description="output rows whose dependent the rule set (derived, mapped, rounded)")


class LeakageReport(BaseModel):
    """Counts only. Values were compared as keyed HMAC-SHA256 digests under a random per-run key that
    was never written and was dropped, with the digests, once the check finished."""

    method: str = "HMAC-SHA256 under a random per-run key, kept in memory only and discarded after the check"
    value_columns: list[str] = Field(description="table.column whose production values must not appear")
    vocabulary_columns: list[str] = Field(
        default_factory=list,
        description="sensitive columns of shared vocabulary (first names, towns, categories, numbers): "
        "not value-checked, since a single such value identifies no one; whole rows still are",
    )
    production_values: int = Field(description="distinct production values hashed")
    synthetic_cells: int = Field(description="output cells compared")
    value_matches: int = Field(description="output cells equal to a production value, before fixing")
    value_matches_by_column: dict[str, int] = Field(default_factory=dict)
    value_cells_replaced: int
    value_cells_blanked: int = Field(0, description="always 0: what cannot be fixed is refused, never blanked")
    name_pair_matches: int = Field(
        0, description="output rows whose first name and surname were a production person's pair, before fixing"
    )
    remaining_name_pair_matches: int = 0
    rare_below: int = Field(10, description="k: a copied row is one that fewer than k production rows share")
    row_matches: int = Field(
        description="output rows equal to a production row that fewer than k production rows share, before fixing"
    )
    rows_fixed: int
    row_cells_blanked: int = Field(0, description="always 0: what cannot be fixed is refused, never blanked")
    remaining_value_matches: int
    remaining_row_matches: int
    rows_read: dict[str, int] = Field(default_factory=dict, description="sample rows learned from, per table")
    rows_hashed: dict[str, int] = Field(
        default_factory=dict,
        description="production rows whose sensitive values and whole-row digests were checked, per table: every "
        "row of the file, also those beyond --max-rows",
    )
    passed: bool


class TableOutput(BaseModel):
    table: str
    rows: int
    columns: int
    files: list[Path]
    model: str
    training_rows: int
    dropped_orphans: int = Field(0, description="child rows left out of training: their parent key is absent")
    modelling: str = Field("", description="how SDV's models were split, when not one plain model")
    model_reason: str = Field("", description="why this model was used for this table")


class SynthesizeResult(BaseModel):
    doppel_version: str
    generated_at: str = Field("", description="ISO time of the run (the fixed time when one was given)")
    out: Path
    seed: int
    seed_given: bool
    model: SynthModel
    epochs: int | None
    format: ExportFormat
    tables: list[TableOutput]
    relationships: list[str] = Field(default_factory=list, description="child.column -> parent.column (HMA)")
    columns: list[ColumnReport]
    metadata_corrections: list[MetadataCorrection] = Field(default_factory=list)
    quality: list[RateComparison] = Field(default_factory=list)
    constraints: list[ConstraintReport] = Field(default_factory=list)
    rules: list[RuleReport] = Field(default_factory=list, description="rules the sample obeys, sample vs output")
    leakage: LeakageReport
    timings: dict[str, float] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    metadata_path: Path
