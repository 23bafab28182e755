"""Stages over the production sample: ingest (hash inputs), profile, classify (with the user's changes).

One pass: the sample is read once per process (``agents.workflow.samples``: the stages of a run share
the tables, re-checked against the hashes ingest recorded; nothing from production is copied into the
run folder), classified once (by the profile stage, whose classification the classify stage reviews,
changes as the user says and publishes as the approved one), and profiled once (synthesis uses the
profile stage's profile unless the user changed a column's role).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agents.workflow.artifacts import sha256_file
from agents.workflow.config import config_source_paths
from agents.workflow.context import StageContext, StageOutput
from agents.workflow.samples import sample_tables
from agents.workflow.seeds import stage_seed
from tools.errors import DoppelError
from tools.files import write_json_atomic
from tools.ingest.model import IngestedTable
from tools.progress import ProgressCallback

MANIFEST = "manifest.json"
SENSITIVITY = "sensitivity.json"
DRAFT = "classification.json"  # the profile stage's classification, before the user's review
PROFILE = "profile.json"
CLASSIFY_SAMPLE = 500


def ingest(context: StageContext, progress: ProgressCallback) -> StageOutput:
    files = config_source_paths(context.config)
    inputs = []
    for i, path in enumerate(files):
        progress(f"Hashing {len(files)} input file(s)", i, len(files))
        inputs.append({"path": str(path), "sha256": sha256_file(path), "bytes": path.stat().st_size})
    progress(f"Hashing {len(files)} input file(s)", len(files), len(files))
    tables: list[dict[str, Any]] = []
    if context.config.schema_file is None:
        progress("Reading the sample", 0, 1)
        for t in sample_tables(context.run_id, files, None, lambda: _read(context)):
            tables.append(
                {
                    "name": t.name,
                    "source": t.source.model_dump(mode="json"),
                    "rows": len(t.frame),
                    "columns": [str(c) for c in t.frame.columns],
                }
            )
        progress("Reading the sample", 1, 1)
    write_json_atomic(context.work / MANIFEST, {"inputs": inputs, "tables": tables})
    return StageOutput(
        counts={
            "files": len(inputs),
            "tables": len(tables),
            "rows": sum(t["rows"] for t in tables),
            "columns": sum(len(t["columns"]) for t in tables),
        }
    )


def _read(context: StageContext) -> list[IngestedTable]:
    from tools.sensitive.run import read_tables

    if context.config.sample_rows is None:
        return read_tables(context.config.data)
    from tools.ingest.readers import read_samples

    return read_samples(context.config.data, max_rows=context.config.sample_rows)


def read_sample_tables(context: StageContext) -> list[IngestedTable]:
    """The sample's tables (read once per process), each input checked to still have the sha256 that
    ingest recorded."""
    inputs = config_source_paths(context.config)
    return sample_tables(context.run_id, inputs, context.stage_dir("ingest") / MANIFEST, lambda: _read(context))


def _classify(context: StageContext, tables: list[IngestedTable]) -> list[Any]:
    """Classifications seeded like the classify stage, so profile and classify agree."""
    from tools.sensitive.classify import classify_tables
    from tools.sensitive.knowledge_confluence import knowledge_base

    seed = stage_seed(context.run_seed, "classify")
    # Confluence when [confluence] url is set (each query audited: CQL text and page ids), else the glossary
    audit = context.audit
    knowledge = knowledge_base(context.settings, hook=lambda q: audit("external_call", q.model_dump(mode="json")))
    return classify_tables(tables, knowledge, sample=CLASSIFY_SAMPLE, seed=seed, today=context.today)


def draft_classification(context: StageContext, tables: list[IngestedTable]) -> list[Any]:
    """The profile stage's classification (a run checkpointed before it was kept there classifies now)."""
    from tools.sensitive.report import read_report

    draft = context.stage_dir("profile") / DRAFT
    return read_report(draft).columns if draft.is_file() else _classify(context, tables)


def profile(context: StageContext, progress: ProgressCallback) -> StageOutput:
    from tools.profile.profiler import profile_tables
    from tools.sensitive.report import SensitivityReport, write_report

    tables = read_sample_tables(context)
    columns = sum(len(t.frame.columns) for t in tables)
    progress(f"Profiling {columns} columns in {len(tables)} table(s)", 0, 1)
    draft = _classify(context, tables)  # the run's one classification: classify reviews it
    write_report(SensitivityReport(sample=CLASSIFY_SAMPLE, tables=[t.name for t in tables], columns=draft),
                 context.work / DRAFT)  # fmt: skip
    result = profile_tables(tables, draft, today=context.today)
    write_json_atomic(context.work / PROFILE, result.model_dump(mode="json", exclude_none=True))
    progress(f"Profiling {columns} columns in {len(tables)} table(s)", 1, 1)
    issues = sum(len(c.quality) for t in result.tables for c in t.columns) + sum(len(t.quality) for t in result.tables)
    return StageOutput(
        counts={
            "tables": len(result.tables),
            "columns": columns,
            "quality_issues": issues,
            "foreign_keys": len(result.foreign_keys),
        },
        message="; ".join(result.warnings) or None,
    )


def classify(context: StageContext, progress: ProgressCallback) -> StageOutput:
    """Classify every column; each decision, audit record and the summary the approval shows carry the
    privacy role, its flag (GDPR art. 9, confidential) and why (the evidence, never a value)."""
    from tools.sensitive.model import ROLES
    from tools.sensitive.overrides import apply_overrides
    from tools.sensitive.policy import describe_role, flag_for
    from tools.sensitive.report import SensitivityReport, top_evidence, write_report

    tables = read_sample_tables(context)
    fields = sum(len(t.frame.columns) for t in tables)
    progress(f"Analysing {fields} fields for PII patterns", 0, fields)
    results = draft_classification(context, tables)
    if context.changes:
        results = apply_overrides(results, context.changes)
    report = SensitivityReport(sample=CLASSIFY_SAMPLE, tables=[t.name for t in tables], columns=results)
    write_report(report, context.work / SENSITIVITY)
    for i, c in enumerate(results, 1):
        evidence = sorted(c.evidence, key=lambda e: -e.score)
        flag = flag_for(c.entity, c.role)
        label = "not sensitive"
        if c.sensitive:
            label = f"sensitive: {describe_role(c.role, flag)}, {c.entity} ({c.strategy})"
        context.decide(f"{c.table}.{c.column}", label, c.confidence, [f"{e.method}: {e.detail}" for e in evidence])
        context.audit(
            "classification",
            {
                "column": f"{c.table}.{c.column}",
                "sensitive": c.sensitive,
                "role": c.role,
                "flag": flag,
                "entity": c.entity,
                "confidence": round(c.confidence, 4),
                "strategy": c.strategy,
                "method": evidence[0].method if evidence else "default",
            },
        )
        progress(f"Analysing {fields} fields for PII patterns", i, fields)
    sensitive = [c for c in results if c.sensitive]
    roles = {role: sum(c.role == role for c in results) for role in ROLES if role != "non_sensitive"}
    return StageOutput(
        counts={"columns": len(results), "sensitive": len(sensitive), **roles, "overridden": len(context.changes)},
        summary={
            "sensitive": [
                {
                    "column": f"{c.table}.{c.column}",
                    "role": c.role,
                    "flag": flag_for(c.entity, c.role),
                    "entity": c.entity,
                    "confidence": round(c.confidence, 2),
                    "strategy": c.strategy,
                    "why": top_evidence(c),
                }
                for c in sensitive
            ],
            "not_sensitive": len(results) - len(sensitive),
        },
    )


def check_changes(stage_dir: Path, changes: dict[str, Any]) -> None:
    """Changes at ``after:classify`` are column overrides; every unknown column or bad value is named."""
    from tools.sensitive.overrides import apply_overrides
    from tools.sensitive.report import read_report

    if not all(isinstance(v, dict) for v in changes.values()):
        raise DoppelError("changes: expected table.column -> {role, sensitive, entity, strategy}")
    apply_overrides(read_report(stage_dir / SENSITIVITY).columns, changes)
