"""The profile of a sample: statistics only, never a raw value of a sensitive column.

Everything here is JSON-serialisable (``DatasetProfile.model_dump_json()``) so a profile can be saved,
diffed and handed to synthesis without the data it came from.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from tools.ingest.model import SourceInfo

PROFILE_VERSION = 1

ColumnType = Literal[
    "empty", "boolean", "integer", "decimal", "float", "date", "datetime", "category", "free_text", "identifier",
    "text",
]  # fmt: skip

IssueKind = Literal[
    "malformed_email",
    "invalid_postcode",
    "mixed_phone_formats",
    "out_of_range_date",
    "whitespace",
    "inconsistent_case",
    "duplicate_rows",
    "duplicate_key",
    "masked_values",
    "unparsed_values",
    "ordering_violation",
]

QUANTILES: tuple[float, ...] = (0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0)


def quantile_key(q: float) -> str:
    """``0.05`` -> ``"p5"``; keys stay readable in JSON."""
    return f"p{round(q * 100):d}"


class Share(BaseModel):
    """A label (shape, format, literal, or top value) with how often it occurs among present values."""

    value: str
    count: int
    share: float


class TypeInference(BaseModel):
    """What the column holds and how sure we are: ``share`` is the share of present values that parse."""

    type: ColumnType
    share: float = 1.0
    formats: list[Share] = Field(default_factory=list, description="date/datetime formats, strftime style")
    day_first_ambiguous: bool = False
    true_literal: str | None = None
    false_literal: str | None = None
    scale: int | None = None
    thousands_separator: bool = False
    currency_symbol: str | None = None
    leading_zeros: bool = False


class Histogram(BaseModel):
    """Equal-width bins: ``len(edges) == len(counts) + 1``; edges are numbers or ISO dates."""

    edges: list[float] | list[str]
    counts: list[int]


class NumericStats(BaseModel):
    min: float
    max: float
    mean: float
    std: float
    quantiles: dict[str, float]
    histogram: Histogram


class YearCount(BaseModel):
    year: int
    count: int


class DateStats(BaseModel):
    """Exact quantiles for non-sensitive columns; a sensitive column (e.g. date of birth) keeps only
    ``years`` (generalised to the year). Out-of-range values are left out of both."""

    generalised: bool = False
    min: str | None = None
    max: str | None = None
    quantiles: dict[str, str] | None = None
    histogram: Histogram | None = None
    years: list[YearCount] | None = None


class LengthStats(BaseModel):
    min: int
    max: int
    mean: float
    p50: float
    p95: float


class Patterns(BaseModel):
    """Character-class shapes (letters -> A, digits -> 9, punctuation and spaces kept)."""

    distinct: int
    top: list[Share]


class QualityIssue(BaseModel):
    """One problem with the rate it occurs at; ``rate`` is relative to ``basis`` (present values or rows)."""

    kind: IssueKind
    rate: float
    count: int
    basis: Literal["present", "rows", "pairs"] = "present"
    patterns: list[Share] = Field(
        default_factory=list, description="masks, phone formats: shapes only; inconsistent case: case styles"
    )
    details: dict[str, float | int | str] = Field(default_factory=dict)


class ColumnProfile(BaseModel):
    name: str
    sensitive: bool
    role: str = Field("identifier", description="privacy role (tools.sensitive.model.Role); unclassified: identifier")
    entity: str | None = None
    inferred: TypeInference
    count: int = Field(description="rows")
    present: int = Field(description="rows with a non-blank value")
    nulls: int
    blanks: int = Field(description="empty after stripping whitespace")
    missing_rate: float
    distinct: int
    distinct_ratio: float
    unique: bool
    numeric: NumericStats | None = None
    dates: DateStats | None = None
    lengths: LengthStats | None = None
    top_values: list[Share] | None = None
    patterns: Patterns | None = None
    quality: list[QualityIssue] = Field(default_factory=list)


class OrderingConstraint(BaseModel):
    """``first <= second`` holds for most rows where both are present; the rest are violations."""

    first: str
    second: str
    rows_compared: int
    violation_rate: float


RuleKind = Literal["sum", "difference", "formula", "ordering", "dependency", "precision"]


class RowRule(BaseModel):
    """A rule (nearly) every row of the sample obeys, with the share of rows it holds on. Names, a formula
    and shares only: a dependency lists its two columns, never which value goes with which."""

    kind: RuleKind
    columns: list[str] = Field(description="every column the rule reads, the dependent first when it has one")
    dependent: str | None = Field(None, description="the column the rule sets from the others (None: ordering)")
    formula: str = Field(description="the rule in words, e.g. 'total = fare + tip' or 'title -> sex'")
    support: float = Field(description="share of the rows having every column of the rule where it holds")
    rows: int = Field(description="rows having every column of the rule")
    terms: list[float] = Field(default_factory=list, description="sum: coefficient of each of columns[1:]")
    shape: str | None = Field(
        None,
        description="formula: scale|product|ratio|ratio_square; difference: its unit; ordering: numbers|dates; "
        "dependency: strict (one value per value) or allowed (the values seen with each value)",
    )
    strength: float | None = Field(
        None, description="dependency: share of the dependent's uncertainty the other column explains (0..1)"
    )
    constant: float | None = Field(None, description="formula: the constant factor (units), e.g. 10000")
    decimals: int | None = Field(None, description="decimal places of the dependent (precision: of the column)")


class Correlation(BaseModel):
    a: str
    b: str
    method: Literal["pearson", "spearman", "cramers_v"]
    value: float
    rows: int


class ForeignKey(BaseModel):
    """``child_table.child_column`` values are (mostly) found in ``parent_table.parent_column``."""

    child_table: str
    child_column: str
    parent_table: str
    parent_column: str
    inclusion: float = Field(description="share of the child's distinct values found in the parent key")
    coverage: float = Field(description="share of the parent's keys used by the child")
    name_match: bool


class TableProfile(BaseModel):
    name: str
    source: SourceInfo
    rows: int
    duplicate_rows: int
    duplicate_row_rate: float
    candidate_keys: list[str]
    columns: list[ColumnProfile]
    orderings: list[OrderingConstraint] = Field(default_factory=list)
    correlations: list[Correlation] = Field(default_factory=list)
    quality: list[QualityIssue] = Field(default_factory=list)
    rules: list[RowRule] = Field(default_factory=list, description="rules (nearly) every row obeys")


class DatasetProfile(BaseModel):
    version: int = PROFILE_VERSION
    reference_date: str = Field(description="'today' used for the out-of-range date check")
    tables: list[TableProfile]
    foreign_keys: list[ForeignKey] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    def table(self, name: str) -> TableProfile:
        """The profile of table ``name`` (KeyError when absent)."""
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(name)

    def column(self, table: str, column: str) -> ColumnProfile:
        for col in self.table(table).columns:
            if col.name == column:
                return col
        raise KeyError(f"{table}.{column}")
