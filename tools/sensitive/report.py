"""The sensitivity report file (sensitivity.json): every column's classification, written atomically."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from tools.errors import DoppelError
from tools.files import write_text_atomic
from tools.sensitive.model import ColumnClassification

REPORT_VERSION = 1


class SensitivityReport(BaseModel):
    """What ``doppel classify`` writes: settings, tables and one classification per column."""

    version: int = REPORT_VERSION
    sample: int = Field(description="distinct values examined per column")
    tables: list[str]
    columns: list[ColumnClassification]
    warnings: list[str] = Field(default_factory=list, description="what reading the sample changed")

    @property
    def sensitive(self) -> list[ColumnClassification]:
        return [c for c in self.columns if c.sensitive]


def write_report(report: SensitivityReport, path: Path) -> Path:
    """Write JSON to a temporary file beside ``path`` and move it into place (never a half-written file)."""
    text = json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    write_text_atomic(path, text)
    return path


def read_report(path: Path) -> SensitivityReport:
    """Read a report back; a missing or malformed file is a user error."""
    try:
        return SensitivityReport.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DoppelError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DoppelError(f"{path}: is a folder, not a sensitivity report file") from None
    except ValidationError as exc:
        raise DoppelError(f"{path}: not a sensitivity report ({exc.error_count()} problems)") from None


def top_evidence(result: ColumnClassification) -> str:
    """The strongest reason for the decision as made: a person's override, else the strongest evidence for a
    sensitive column, or the strongest rule or statistic against one that is not."""
    overrides = [e for e in result.evidence if e.method == "override"]
    if overrides:
        return overrides[0].detail
    if result.sensitive:
        pool = [e for e in result.evidence if e.method != "negative_rule"]
    else:
        pool = [e for e in result.evidence if e.method in {"negative_rule", "statistics"}]
    if not pool:
        return "no personal-data signal" if not result.sensitive else "-"
    return max(pool, key=lambda e: e.score).detail
