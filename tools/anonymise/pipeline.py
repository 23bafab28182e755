"""``anonymise``: read the sample, plan a rule per column, apply it, measure k-anonymity/l-diversity
before and after, write the tables and ``anonymisation.json``.

Every rule runs (and every input error is raised) before the first file is written, and the tables
are published together, so a failed run leaves the output folder as it was.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Literal

import pandas as pd

from tools.anonymise.apply import apply_rule
from tools.anonymise.keys import PseudonymKey, load_key
from tools.anonymise.model import (
    AnonymiseRequest,
    AnonymiseResult,
    ColumnReport,
    KeyInfo,
    MaskRule,
    PerturbRule,
    TableOutput,
    TablePrivacy,
)
from tools.anonymise.output import METADATA_FILE, formula_count, write_tables
from tools.anonymise.plan import (
    PlannedColumn,
    RuleEntry,
    build_plan,
    default_quasi_identifiers,
    load_rules,
    needs_key,
    resolve_rules,
    targets,
)
from tools.anonymise.privacy import measure
from tools.engine.seeding import parse_seed
from tools.errors import DoppelError
from tools.files import write_json_atomic
from tools.folders import check_output_folder
from tools.ingest.model import IngestedTable
from tools.ingest.readers import read_samples
from tools.progress import ProgressCallback, no_progress
from tools.sensitive.model import ColumnClassification


def anonymise(request: AnonymiseRequest, progress: ProgressCallback | None = None) -> AnonymiseResult:
    """Anonymise the sample in ``request.data`` into ``request.out`` (see the module docstring)."""
    started = time.perf_counter()
    report = progress or no_progress
    warnings: list[str] = []
    given_seed = None if request.seed is None else parse_seed(request.seed)  # a bad --seed fails before any work
    check_output_folder(request.out)  # a bad --out fails before the sample is read
    entries = load_rules(request.rules_file) if request.rules_file is not None else []  # fail fast on a bad file
    tables = read_samples(request.data, max_rows=request.max_rows)
    if not tables:
        raise DoppelError("the sample holds no tables")
    warnings.extend(w for t in tables for w in t.warnings)
    rules = _user_rules(request, entries, tables)
    classifications, classified_by = _classifications(request, tables, report)
    plan = build_plan(tables, classifications, classified_by, rules, warnings)
    key = load_key(request.key_file, request.random_key, needs_key(plan), request.key_env)
    if key is None and (request.key_file is not None or request.random_key):
        warnings.append("no column is pseudonymised, so the key was not used")
    if key is not None and not key.repeatable:
        warnings.append(
            "a random key was used: these pseudonyms can never be reproduced, so tables anonymised in "
            "another run will not join with these; use --key-file for a repeatable mapping"
        )
    perturbs = any(isinstance(p.rule, PerturbRule) for p in plan)
    seed = (parse_seed(None) if given_seed is None else given_seed) if perturbs else None
    qis = _quasi_identifiers(request, tables, plan)
    sensitive = _sensitive_attribute(request, tables)

    outputs, columns = _apply_plan(tables, plan, key, seed, report)
    masked = {(p.table, p.column) for p in plan if isinstance(p.rule, MaskRule) and p.rule.mode == "full"}
    privacy = [
        _privacy(table.name, table.frame, out, qis.get(table.name, []), sensitive.get(table.name), request, masked)
        for (_, out, table) in outputs
        if qis.get(table.name)
    ]
    if not qis:
        warnings.append("no quasi-identifiers chosen: k-anonymity was not measured (use --quasi-identifiers)")

    if request.format == "csv" and request.neutralise_formulas:
        prefixed = [f"{name}: {n}" for name, out, _ in outputs if (n := formula_count(out))]
        if prefixed:
            warnings.append(
                f"cells starting with = + - @ TAB or CR were written with a leading ' so spreadsheets do not run "
                f"them as formulas ({', '.join(prefixed)}); --keep-formulas writes them as they are"
            )
    report(f"Writing {len(outputs)} tables", 0, len(outputs))
    paths = write_tables(
        request.out, [(n, f, t.source) for n, f, t in outputs], request.format, request.neutralise_formulas
    )
    report(f"Writing {len(outputs)} tables", len(outputs), len(outputs))
    result = AnonymiseResult(
        format=request.format,
        out=request.out,
        tables=[
            TableOutput(
                table=name,
                rows=len(out),
                columns=out.shape[1],
                dropped=[str(c) for c in table.frame.columns if c not in out.columns],
                file=paths[name],
            )
            for name, out, table in outputs
        ],
        columns=columns,
        privacy=privacy,
        key=KeyInfo(source=key.source, fingerprint=key.fingerprint, repeatable=key.repeatable) if key else None,
        noise_seed=("given" if request.seed is not None else "random") if perturbs else "unused",
        warnings=warnings,
        metadata_path=request.out / METADATA_FILE,
    )
    result.seconds = round(time.perf_counter() - started, 3)
    write_json_atomic(result.metadata_path, result.model_dump(mode="json"))
    return result


def _apply_plan(
    tables: Sequence[IngestedTable],
    plan: Sequence[PlannedColumn],
    key: PseudonymKey | None,
    seed: int | None,
    report: ProgressCallback,
) -> tuple[list[tuple[str, pd.DataFrame, IngestedTable]], list[ColumnReport]]:
    """Every table's anonymised frame (dropped columns left out) and every column's report."""
    outputs: list[tuple[str, pd.DataFrame, IngestedTable]] = []
    columns: list[ColumnReport] = []
    by_table: dict[str, list[PlannedColumn]] = {}
    for planned in plan:
        by_table.setdefault(planned.table, []).append(planned)
    for table in tables:
        kept: dict[str, pd.Series] = {}
        for planned in by_table.get(table.name, []):
            report(f"Anonymising {table.name}.{planned.column} ({planned.rule.strategy})", len(columns), len(plan))
            series, column_report = apply_rule(table.frame[planned.column], planned, key, seed)
            if series is not None:
                kept[planned.column] = series
            columns.append(column_report)
        outputs.append((table.name, pd.DataFrame(kept, index=table.frame.index), table))
    report("Anonymised every column", len(columns), len(plan))
    return outputs, columns


def _user_rules(
    request: AnonymiseRequest, entries: Sequence[RuleEntry], tables: Sequence[IngestedTable]
) -> dict[tuple[str, str], RuleEntry]:
    """Rules file entries, then rules given in the request (which win)."""
    resolved: dict[tuple[str, str], RuleEntry] = {}
    if request.rules_file is not None:
        resolved.update(resolve_rules(entries, tables, str(request.rules_file)))
    if request.rules:
        entries = [RuleEntry(k, r, f"rules[{k!r}]") for k, r in request.rules.items()]
        resolved.update(resolve_rules(entries, tables, "rules"))
    return resolved


def _classifications(
    request: AnonymiseRequest, tables: list[IngestedTable], report: ProgressCallback
) -> tuple[list[ColumnClassification] | None, Literal["sensitivity", "classified"]]:
    if request.sensitivity is not None:
        from tools.sensitive.report import read_report

        return read_report(request.sensitivity).columns, "sensitivity"
    if not request.classify:
        return None, "classified"
    from tools.sensitive.classify import classify_tables

    columns = sum(t.frame.shape[1] for t in tables)
    report(f"Classifying {columns} columns for personal data", 0, columns)
    try:
        found = classify_tables(tables)
    except DoppelError:
        raise
    except Exception as exc:  # a classifier bug must not leave the user without a way forward
        raise DoppelError(
            f"automatic classification failed ({type(exc).__name__}); pass --sensitivity with a report "
            "from `doppel classify`, or --no-classify with --rules naming the columns to anonymise"
        ) from exc
    report(f"Classifying {columns} columns for personal data", columns, columns)
    return found, "classified"


def _columns(tables: Sequence[IngestedTable]) -> dict[str, set[str]]:
    return {t.name: {str(c) for c in t.frame.columns} for t in tables}


def _quasi_identifiers(
    request: AnonymiseRequest, tables: Sequence[IngestedTable], plan: Sequence[PlannedColumn]
) -> dict[str, list[str]]:
    """table -> its quasi-identifier columns (user's choice, else the classified ones)."""
    names = request.quasi_identifiers if request.quasi_identifiers is not None else default_quasi_identifiers(plan)
    columns = _columns(tables)
    found: dict[str, list[str]] = {}
    unknown = []
    for name in names:
        hits = targets(name, columns)
        if not hits:
            unknown.append(name)
        for table, column in hits:
            if column not in found.setdefault(table, []):
                found[table].append(column)
    if unknown:
        raise DoppelError(f"--quasi-identifiers: no table has column(s) {', '.join(unknown)}")
    return found


def _sensitive_attribute(request: AnonymiseRequest, tables: Sequence[IngestedTable]) -> dict[str, str]:
    if request.sensitive_attribute is None:
        return {}
    hits = targets(request.sensitive_attribute, _columns(tables))
    if not hits:
        raise DoppelError(f"--sensitive-attribute: no table has column {request.sensitive_attribute}")
    return dict(hits)


def _privacy(
    table: str,
    before: pd.DataFrame,
    after: pd.DataFrame,
    qis: list[str],
    sensitive: str | None,
    request: AnonymiseRequest,
    masked: set[tuple[str, str]],
) -> TablePrivacy:
    if sensitive in qis:
        raise DoppelError(f"--sensitive-attribute: {table}.{sensitive} is also a quasi-identifier")
    kept = [q for q in qis if q in after.columns]
    notes = []
    if len(kept) < len(qis):
        notes.append(f"dropped quasi-identifiers count as removed: {', '.join(q for q in qis if q not in kept)}")
    sensitive_after = sensitive if sensitive in after.columns else None
    if sensitive is not None and sensitive_after is None:
        notes.append("the sensitive attribute was dropped, so l-diversity after is not measured")
    elif sensitive is not None and (table, sensitive) in masked:
        notes.append("the sensitive attribute is fully masked, so l-diversity after only counts mask patterns")
    return TablePrivacy(
        table=table,
        quasi_identifiers=qis,
        sensitive_attribute=sensitive,
        before=measure(before, qis, request.k, sensitive, request.l_target),
        after=measure(after, kept, request.k, sensitive_after, request.l_target),
        note="; ".join(notes) or None,
    )
