"""Production-sample capabilities: profile a sample and classify its sensitive columns.

Results are compact summaries for a model or an IDE assistant; the full documents (profile.json,
sensitivity.json) are written to disk and named in the result.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from tools.capability.registry import capability
from tools.profile.model import DatasetProfile
from tools.progress import ProgressCallback

TOP_ISSUES = 15


class ProfileDataRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    data: list[Path] = Field(min_length=1, description="sample files or folders: CSV, Parquet, JSON/JSONL, Excel")
    out: Path = Field(Path("profile.json"), description="where to write the full profile JSON")
    max_rows: int | None = Field(None, ge=1, description="read at most this many rows per table")


class TableSummary(BaseModel):
    name: str
    rows: int
    columns: int
    types: dict[str, int] = Field(description="inferred column type -> number of columns")
    candidate_keys: list[str]
    duplicate_row_rate: float


class IssueSummary(BaseModel):
    where: str = Field(description="table.column, or the table for whole-row issues")
    kind: str
    rate: float
    count: int


class ProfileDataResult(BaseModel):
    out: Path
    tables: list[TableSummary]
    sensitive_columns: list[str] = Field(description="table.column of columns kept as statistics only")
    top_issues: list[IssueSummary]
    foreign_keys: list[str] = Field(description="child.column -> parent.column")
    warnings: list[str]


def profile_samples(paths: list[Path], out: Path, max_rows: int | None = None) -> DatasetProfile:
    """Read, profile and write the profile atomically; returns the DatasetProfile (shared with the CLI)."""
    from tools.files import write_text_atomic
    from tools.ingest.readers import read_samples
    from tools.profile.profiler import profile_tables

    profile = profile_tables(read_samples(paths, max_rows=max_rows))
    write_text_atomic(out, profile.model_dump_json(indent=2, exclude_none=True))
    return profile


@capability("data_processor", long_running=True)
def profile_data(request: ProfileDataRequest, progress: ProgressCallback | None = None) -> ProfileDataResult:
    """Profile a production sample: column types, distributions, patterns, quality issues with their rates, keys.

    The profile holds statistics only, never a value of a sensitive column."""
    if progress:
        progress(f"Profiling {len(request.data)} sample path(s)", 0, 1)
    profile = profile_samples(request.data, request.out, request.max_rows)
    issues = [
        IssueSummary(where=f"{t.name}.{c.name}", kind=i.kind, rate=i.rate, count=i.count)
        for t in profile.tables
        for c in t.columns
        for i in c.quality
    ] + [IssueSummary(where=t.name, kind=i.kind, rate=i.rate, count=i.count) for t in profile.tables for i in t.quality]
    if progress:
        progress("Profile written", 1, 1)
    return ProfileDataResult(
        out=request.out,
        tables=[
            TableSummary(
                name=t.name,
                rows=t.rows,
                columns=len(t.columns),
                types=dict(Counter(c.inferred.type for c in t.columns)),
                candidate_keys=t.candidate_keys,
                duplicate_row_rate=t.duplicate_row_rate,
            )
            for t in profile.tables
        ],
        sensitive_columns=[f"{t.name}.{c.name}" for t in profile.tables for c in t.columns if c.sensitive],
        top_issues=sorted(issues, key=lambda i: -i.rate)[:TOP_ISSUES],
        foreign_keys=[
            f"{fk.child_table}.{fk.child_column} -> {fk.parent_table}.{fk.parent_column}" for fk in profile.foreign_keys
        ],
        warnings=profile.warnings,
    )


class ClassifyDataRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    data: list[Path] = Field(min_length=1, description="sample files or folders: CSV, Parquet, JSON/JSONL, Excel")
    out: Path = Field(Path("sensitivity.json"), description="where to write the full report with evidence")
    sample: int = Field(500, ge=20, le=100_000, description="distinct values examined per column")
    overrides: Path | None = Field(None, description="YAML/JSON corrections: table.column -> {sensitive, entity}")


class ColumnDecision(BaseModel):
    column: str = Field(description="table.column")
    sensitive: bool = Field(description="any role but non_sensitive")
    role: str = Field(description="identifier, quasi_identifier, sensitive_attribute or non_sensitive")
    flag: str | None = Field(None, description="GDPR art. 9 or confidential, for a sensitive attribute")
    entity: str
    confidence: float
    strategy: str
    evidence: list[str] = Field(description="the reasons, strongest first")


class ClassifyDataResult(BaseModel):
    out: Path
    columns: list[ColumnDecision]
    sensitive: int
    total: int


@capability("data_processor", long_running=True)
def classify_data(request: ClassifyDataRequest, progress: ProgressCallback | None = None) -> ClassifyDataResult:
    """Decide for every column of a sample its privacy role (identifier, quasi-identifier, sensitive
    attribute with its GDPR art. 9 or confidential flag, or not sensitive), with entity type, confidence,
    evidence (column name, value patterns, checksums, context) and the recommended strategy."""
    from tools.sensitive.policy import flag_for
    from tools.sensitive.run import run_classify

    if progress:
        progress(f"Classifying the columns of {len(request.data)} sample path(s)", 0, 1)
    report = run_classify(request.data, request.out, request.sample, request.overrides)
    if progress:
        progress("Classification written", 1, 1)
    return ClassifyDataResult(
        out=request.out,
        columns=[
            ColumnDecision(
                column=f"{c.table}.{c.column}",
                sensitive=c.sensitive,
                role=c.role,
                flag=flag_for(c.entity, c.role),
                entity=c.entity,
                confidence=c.confidence,
                strategy=c.strategy,
                evidence=[e.detail for e in sorted(c.evidence, key=lambda e: -e.score)],
            )
            for c in report.columns
        ],
        sensitive=len(report.sensitive),
        total=len(report.columns),
    )
