"""Why a column has its privacy role (identifier, quasi-identifier, sensitive attribute, or not sensitive):
the evidence of a classification, in plain words."""

from __future__ import annotations

import difflib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from tools.capability.registry import capability
from tools.errors import DoppelError
from tools.progress import ProgressCallback
from tools.sensitive.model import ColumnClassification, Evidence

METHOD_WORDS = {
    "column_name": "its name",
    "value_pattern": "its values' pattern",
    "checksum": "a checksum",
    "statistics": "its statistics",
    "context": "the columns around it",
    "knowledge_base": "the knowledge base",
    "negative_rule": "a rule against it",
    "override": "a person's override",
}


class ExplainSensitivityRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    report: Path = Field(description="a sensitivity.json written by classify_data or a run's classify stage")
    column: str = Field(min_length=1, description="column name, or table.column when several tables have it")


class ExplainSensitivityResult(BaseModel):
    table: str
    column: str
    sensitive: bool = Field(description="any role but non_sensitive")
    role: str = Field(description="identifier, quasi_identifier, sensitive_attribute or non_sensitive")
    flag: str | None = Field(None, description="GDPR art. 9 or confidential, for a sensitive attribute")
    meaning: str = Field(description="what synthesis does with a column of this role")
    entity: str
    confidence: float
    strategy: str
    evidence: list[Evidence] = Field(description="strongest first")
    explanation: str = Field(description="the decision and its reasons in one paragraph")


@capability("data_processor")
def explain_sensitivity(
    request: ExplainSensitivityRequest, progress: ProgressCallback | None = None
) -> ExplainSensitivityResult:
    """Explain a column's privacy role (identifier, quasi-identifier, sensitive attribute with its GDPR art. 9
    or confidential flag, or not sensitive): entity type, confidence, strategy and the evidence.

    Reads a sensitivity report (never the data), so the answer holds no production value."""
    from tools.sensitive.policy import ROLE_MEANING, flag_for
    from tools.sensitive.report import read_report

    report = read_report(request.report)
    found = find_column(report.columns, request.column, request.report)
    evidence = sorted(found.evidence, key=lambda e: -e.score)
    return ExplainSensitivityResult(
        table=found.table,
        column=found.column,
        sensitive=found.sensitive,
        role=found.role,
        flag=flag_for(found.entity, found.role),
        meaning=ROLE_MEANING[found.role],
        entity=found.entity,
        confidence=found.confidence,
        strategy=found.strategy,
        evidence=evidence,
        explanation=explanation(found, evidence),
    )


def find_column(columns: list[ColumnClassification], wanted: str, where: Path) -> ColumnClassification:
    """The classification of ``wanted`` (``column`` or ``table.column``, case-insensitive)."""
    key = wanted.strip().strip("`'\"").lower()
    exact = [c for c in columns if f"{c.table}.{c.column}".lower() == key]
    by_name = exact or [c for c in columns if c.column.lower() == key]
    if len(by_name) == 1:
        return by_name[0]
    names = [f"{c.table}.{c.column}" for c in columns]
    if by_name:
        raise DoppelError(f"{where}: '{wanted}' is in several tables; say which: {', '.join(names_of(by_name))}")
    close = difflib.get_close_matches(key, [c.column.lower() for c in columns] + [n.lower() for n in names], n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise DoppelError(f"{where}: no column '{wanted}' among {len(columns)} classified columns{hint}")


def names_of(columns: list[ColumnClassification]) -> list[str]:
    return [f"{c.table}.{c.column}" for c in columns]


def explanation(c: ColumnClassification, evidence: list[Evidence]) -> str:
    from tools.sensitive.policy import ROLE_MEANING, describe_role, flag_for

    role = describe_role(c.role, flag_for(c.entity, c.role))
    article = "an" if role[0] in "aeiou" else "a"
    verdict = (
        f"{c.table}.{c.column} was marked sensitive as {c.entity.replace('_', ' ')}: {article} {role}"
        if c.sensitive
        else f"{c.table}.{c.column} was marked not sensitive"
    )
    lines = [f"{verdict} (confidence {c.confidence:.0%}); strategy: {c.strategy}."]
    if c.sensitive:
        lines.append(f"{article.capitalize()} {role.partition(' (')[0]} is {ROLE_MEANING[c.role]}.")
    if evidence:
        lines.append("Evidence, strongest first:")
        lines += [f"- {METHOD_WORDS.get(e.method, e.method)}: {e.detail} (score {e.score:.2f})" for e in evidence]
    else:
        lines.append("No evidence pointed either way; the default applies.")
    lines += [f"Note: {w}" for w in c.warnings]
    return "\n".join(lines)
