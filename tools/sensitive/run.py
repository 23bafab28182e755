"""Classify a sample end to end: read, classify, apply the user's corrections, write the report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from tools.errors import DoppelError, Issue
from tools.ingest.model import IngestedTable
from tools.sensitive.report import SensitivityReport
from tools.yaml_lines import syntax_problem


def read_tables(paths: list[Path]) -> list[IngestedTable]:
    """Every table of the sample; all missing paths are named at once."""
    from tools.ingest.readers import read_samples

    missing = [Issue(path=str(p), message="no such file or folder") for p in paths if not p.exists()]
    if missing:
        raise DoppelError("cannot read the sample", missing)
    tables = read_samples(paths)
    if not tables:
        raise DoppelError("the sample holds no tables")
    return tables


def read_overrides(path: Path) -> dict[str, dict[str, Any]]:
    """A YAML or JSON mapping of "table.column" to {sensitive, entity, strategy}."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DoppelError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise DoppelError(f"{path}: not valid JSON ({exc})") from None
    except yaml.YAMLError as exc:  # the file's own text stays out of the message
        raise DoppelError(f"{path}: not valid YAML ({syntax_problem(exc)})") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise DoppelError(f"{path}: expected a mapping of table.column to {{sensitive, entity, strategy}}")
    return {str(k): v for k, v in data.items()}


def run_classify(paths: list[Path], out: Path, sample: int, overrides: Path | None) -> SensitivityReport:
    """Read, classify, apply overrides and write the report; the command's whole job, testable."""
    from tools.sensitive.classify import classify_tables
    from tools.sensitive.knowledge_confluence import knowledge_base, log_query
    from tools.sensitive.overrides import apply_overrides
    from tools.sensitive.report import SensitivityReport, write_report
    from tools.settings import load_settings

    tables = read_tables(paths)
    results = classify_tables(tables, knowledge_base(load_settings(), hook=log_query), sample=sample)
    if overrides is not None:
        results = apply_overrides(results, read_overrides(overrides))
    warnings = [w for t in tables for w in t.warnings]
    report = SensitivityReport(sample=sample, tables=[t.name for t in tables], columns=results, warnings=warnings)
    write_report(report, out)
    return report
