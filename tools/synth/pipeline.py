"""``synthesize``: read -> classify -> profile -> fit -> sample -> regenerate -> constraints -> format
-> quality -> leakage check -> measure -> export + ``metadata.json``.

Every input error is raised before the first file is written, the tables are written together, and
``metadata.json`` comes last, so a failed run leaves the output folder as it was.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tools.engine.seeding import parse_seed, rng_for
from tools.errors import DoppelError
from tools.files import write_json_atomic
from tools.ingest.model import IngestedTable
from tools.profile.model import DatasetProfile
from tools.progress import ProgressCallback, no_progress
from tools.sensitive.model import ColumnClassification
from tools.synth import derive, leakage, quality, scan
from tools.synth.assemble import Assembled, assemble
from tools.synth.fit import MODEL_LABEL, Sampled, build_metadata, choose_model, fit_and_sample
from tools.synth.format import to_text
from tools.synth.model import (
    ColumnReport,
    ConstraintReport,
    MetadataCorrection,
    SynthesizeRequest,
    SynthesizeResult,
    SynthModel,
    TableOutput,
)
from tools.synth.output import METADATA_FILE, check_outputs, write_tables
from tools.synth.plan import ColumnPlan, plan_table
from tools.synth.regenerate import regenerate
from tools.synth.relations import Relation, find_relations, groups, key_codes, links
from tools.synth.rules import TableRules, apply_all, assign, load_rules
from tools.synth.training import TrainingTable, training_table


class _Clock:
    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.last = self.started
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(self.laps.get(name, 0.0) + now - self.last, 3)
        self.last = now


@dataclass
class Prepared:
    """What a caller that already read, classified and profiled the sample hands over (the workflow: one
    reading, one classification, the approved one, and its profile), so synthesis does none of it again."""

    tables: list[IngestedTable]
    classifications: list[ColumnClassification]
    profile: DatasetProfile | None = None  # None: profiled here with ``classifications``


def synthesize(
    request: SynthesizeRequest, progress: ProgressCallback | None = None, prepared: Prepared | None = None
) -> SynthesizeResult:
    """Synthesise ``request.rows`` rows from the sample in ``request.data`` into ``request.out``."""
    report = progress or no_progress
    clock = _Clock()
    now = request.fixed_time or dt.datetime.now(dt.UTC)
    today = now.date()
    seed = parse_seed(request.seed)
    user_constraints, user_correlations, rules_off = load_rules(request)
    tables = prepared.tables if prepared is not None else _read(request, report)
    names = [t.name for t in tables]
    check_outputs(request.out, names, request.format, request.compression, [Path(p) for p in request.data])
    clock.lap("read")
    classifications = prepared.classifications if prepared is not None else _classify(tables, request, today, report)
    clock.lap("classify")
    profile = prepared.profile if prepared is not None else None
    if profile is None:
        report(f"Profiling {sum(t.frame.shape[1] for t in tables)} columns", 0, None)
        from tools.profile.profiler import profile_tables

        profile = profile_tables(tables, classifications, today=today)
    clock.lap("profile")
    relations = find_relations(tables, profile)
    lookup = {(c.table, c.column): c for c in classifications}
    table_links = links(relations)
    frequent = _frequent_shares(tables, lookup, request.rare_below)
    plans = {
        t.name: plan_table(profile.table(t.name), lookup, table_links.get(t.name, set()), frequent.get(t.name))
        for t in tables
    }
    off = derive.resolve_off(rules_off, profile)
    plans = {n: derive.derived_plans(profile.table(n), plans[n], off.get(n, set())) for n in plans}
    user = assign(user_constraints, user_correlations, plans)
    warnings = _warnings(request, profile, relations)

    by_name = {t.name: t for t in tables}
    guard = leakage.LeakGuard(today, request.rare_below)  # production digests: synthesis draws clear of them
    learn_production(guard, tables, plans, request.max_rows, report)
    assembled: dict[str, Assembled] = {}
    trainings: dict[str, TrainingTable] = {}
    outputs_info: dict[str, TableOutput] = {}
    corrections: list[MetadataCorrection] = []
    key_maps: dict[tuple[str, str], dict[object, str]] = {}
    for group in groups(names, relations):
        group_relations = [r for r in relations if r.child_table in group]
        choice = choose_model(request.model, min(len(by_name[n].frame) for n in group))
        spikes = not (choice[0] == "cart" and len(group) == 1)  # CART keeps a spike itself, in context
        training = _training(group, by_name, plans, group_relations, seed, today, request.rare_below, spikes)
        trainings.update({t.name: t for t in training})
        sampled, label, found = _fit(training, group_relations, request, seed, report, choice)
        corrections.extend(found)
        clock.lap("fit_and_sample")
        report(f"Regenerating {sum(p.identifier for g in group for p in plans[g])} identifier columns", 0, None)
        for t in training:

            def rng(column: str, purpose: str, table: str = t.name) -> np.random.Generator:
                return rng_for(seed, table, column, 0, 0, purpose)

            assembled[t.name] = assemble(
                by_name[t.name], plans[t.name], sampled[t.name], t, key_maps, group_relations, rng,
                faithful_gaps=t.name in sampled.faithful_gaps, guard=guard,
            )  # fmt: skip
            outputs_info[t.name] = TableOutput(
                table=t.name, rows=len(sampled[t.name]), columns=len(plans[t.name]), files=[], model=label,
                training_rows=len(t.frame), dropped_orphans=t.dropped_orphans,
                modelling=sampled.notes.get(t.name, ""), model_reason=sampled.reason,
            )  # fmt: skip
        clock.lap("regenerate")

    report("Applying constraints and writing values in the sample's formats", 0, len(tables))
    constraint_reports: list[ConstraintReport] = []
    texts: dict[str, pd.DataFrame] = {}
    enforced: dict[str, derive.Enforced] = {}
    for i, name in enumerate(names):
        table_profile = profile.table(name)
        made = assembled[name]
        constraint_reports.extend(
            apply_all(
                made.frame, table_profile, plans[name], trainings.get(name), user.get(name, TableRules()),
                _stream(seed, name, "constraint"), off.get(name, set()),
            )
        )  # fmt: skip
        enforced[name] = derive.enforce(
            made.frame, made.codecs, table_profile, plans[name], trainings.get(name), by_name[name],
            off.get(name, set()), _stream(seed, name, "rule"), today,
        )  # fmt: skip
        constraint_reports.extend(enforced[name].reports())
        made.details.update(enforced[name].details())
        texts[name] = _format(made, name, seed)
        quality.reapply(
            texts[name], table_profile, {p.column: p for p in plans[name]}, made.codecs,
            _stream(seed, name, "quality"),
        )  # fmt: skip
        report("Applying constraints and writing values in the sample's formats", i + 1, len(tables))
    clock.lap("constraints_quality")

    report("Checking that no production value or row was copied", 0, None)
    repair = derive.Repair(texts, enforced, today, lambda t, c: rng_for(seed, t, c, 0, 0, "rule-repair"))
    leak = _leakage(guard, tables, texts, plans, seed, repair)
    clock.lap("leakage_check")
    if not leak.passed:
        raise leakage.LeakageError(
            f"the leakage check failed: {leak.remaining_value_matches} output cells and {leak.remaining_row_matches} "
            "rows still equal the sample after fixing; nothing was written"
        )

    report("Measuring quality-issue rates on the output", 0, None)
    measured = quality.measure(texts, tables, classifications)
    comparisons = quality.compare(profile, measured, texts)
    rule_reports = [
        r for n in names for r in derive.measure(enforced[n], profile.table(n), texts[n], today, repair.touched.get(n))
    ]
    clock.lap("measure")

    report(f"Writing {len(texts)} table(s) as {request.format}", 0, len(texts))
    files = write_tables(
        request.out, texts, request.format, request.compression, request.dialect, request.neutralise_formulas
    )
    for name, paths in files.items():
        outputs_info[name].files = paths
        outputs_info[name].rows = len(texts[name])
    clock.lap("write")
    from tools.engine.runner import doppel_version

    result = SynthesizeResult(
        doppel_version=doppel_version(),
        generated_at=now.isoformat(),
        out=request.out,
        seed=seed,
        seed_given=request.seed is not None,
        model=request.model,
        epochs=request.epochs,
        format=request.format,
        tables=[outputs_info[n] for n in names],
        relationships=[r.describe() for r in relations],
        columns=_column_reports(names, plans, assembled),
        metadata_corrections=corrections,
        quality=comparisons,
        constraints=constraint_reports,
        rules=rule_reports,
        leakage=leak,
        warnings=warnings,
        metadata_path=request.out / METADATA_FILE,
    )
    clock.laps["total"] = round(time.perf_counter() - clock.started, 3)
    result.timings = clock.laps
    fixed = {"timings"} if request.fixed_time is not None else None  # durations differ run to run
    write_json_atomic(result.metadata_path, result.model_dump(mode="json", exclude=fixed))
    report(f"Wrote {len(texts)} table(s) to {request.out}", len(texts), len(texts))
    return result


def _stream(seed: int, table: str, purpose: str) -> Callable[[str], np.random.Generator]:
    """Per-column random streams of one table for one purpose."""

    def make(column: str) -> np.random.Generator:
        return rng_for(seed, table, column, 0, 0, purpose)

    return make


def _read(request: SynthesizeRequest, report: ProgressCallback) -> list[IngestedTable]:
    from tools.errors import Issue
    from tools.ingest.readers import read_samples

    missing = [Issue(path=str(p), message="no such file or folder") for p in request.data if not Path(p).exists()]
    if missing:
        raise DoppelError("cannot read the sample", missing)
    report(f"Reading {len(request.data)} sample path(s)", 0, None)
    tables = read_samples([Path(p) for p in request.data], max_rows=request.max_rows)
    if not tables:
        raise DoppelError("the sample holds no tables")
    empty = [t.name for t in tables if len(t.frame) == 0]
    if empty:
        raise DoppelError(f"table(s) {', '.join(empty)} have no rows to learn from")
    return tables


def _classify(
    tables: list[IngestedTable], request: SynthesizeRequest, today: dt.date, report: ProgressCallback
) -> list[ColumnClassification]:
    from tools.sensitive.classify import classify_tables

    columns = sum(t.frame.shape[1] for t in tables)
    report(f"Classifying {columns} columns for personal data", 0, columns)
    found = list(classify_tables(tables, today=today))
    if request.overrides is not None:
        from tools.sensitive.overrides import apply_overrides
        from tools.sensitive.run import read_overrides

        found = apply_overrides(found, read_overrides(request.overrides))
    report(f"Classifying {columns} columns for personal data", columns, columns)
    return found


def _frequent_shares(
    tables: list[IngestedTable], lookup: dict[tuple[str, str], ColumnClassification], k: int
) -> dict[str, dict[str, float]]:
    """Per table and quasi-identifying or sensitive column: the share of values whose label recurs k times."""
    from tools.synth.coarsen import frequent_share

    shares: dict[str, dict[str, float]] = {}
    for t in tables:
        for column in t.frame.columns:
            found = lookup.get((t.name, str(column)))
            if found is not None and found.role in ("quasi_identifier", "sensitive_attribute"):
                shares.setdefault(t.name, {})[str(column)] = frequent_share(t.frame[column], k)
    return shares


def _warnings(request: SynthesizeRequest, profile: DatasetProfile, relations: list[Relation]) -> list[str]:
    warnings = list(profile.warnings)
    if relations and request.model not in ("gaussian_copula", "cart", "auto"):
        warnings.append(
            f"related tables are modelled by HMA (Gaussian copulas); --model {request.model} applies to the others"
        )
    if request.epochs is not None and request.model in ("gaussian_copula", "cart", "auto"):
        warnings.append(f"--epochs has no effect on {request.model} (only ctgan, copulagan and tvae train in epochs)")
    for r in relations:
        if r.orphan_rows:
            warnings.append(
                f"{r.describe()}: {r.orphan_rows} sample row(s) point to no parent; they are left out of training "
                "and the output keeps every reference valid"
            )
    return warnings


def _training(
    group: list[str],
    by_name: dict[str, IngestedTable],
    plans: dict[str, list[ColumnPlan]],
    relations: list[Relation],
    seed: int,
    today: dt.date,
    rare: int,
    spikes: bool = True,
) -> list[TrainingTable]:
    """Training frames of a group, relation keys as integer codes, orphan child rows dropped."""
    training = {name: training_table(by_name[name], plans[name], seed, today, rare, spikes) for name in group}
    codes: dict[tuple[str, str], dict[str, int]] = {}
    for r in relations:
        parent_values = by_name[r.parent_table].frame[r.parent_column]
        stripped = parent_values.dropna().astype(str).str.strip()
        mapping = {v: i for i, v in enumerate(dict.fromkeys(stripped[stripped != ""].tolist()))}
        codes[(r.parent_table, r.parent_column)] = mapping
        training[r.parent_table].frame[r.parent_column] = key_codes(parent_values, mapping)
        training[r.child_table].frame[r.child_column] = key_codes(by_name[r.child_table].frame[r.child_column], mapping)
    changed = True
    while changed:  # orphans, then children of rows dropped as orphans
        changed = False
        for r in relations:
            child, parent = training[r.child_table], training[r.parent_table]
            keep = np.isin(child.frame[r.child_column].to_numpy(), parent.frame[r.parent_column].to_numpy())
            keep &= child.frame[r.child_column].to_numpy() >= 0
            if not keep.all():
                child.dropped_orphans += int((~keep).sum())
                child.frame = child.frame[keep].reset_index(drop=True)
                changed = True
    return [training[name] for name in group]


def _fit(
    training: list[TrainingTable], relations: list[Relation], request: SynthesizeRequest, seed: int,
    report: ProgressCallback, choice: tuple[SynthModel, str],
) -> tuple[Sampled, str, list[MetadataCorrection]]:  # fmt: skip
    rows = request.rows
    if len(training) == 1 and training[0].frame.shape[1] == 0:  # nothing to learn: every column is made
        nothing = Sampled({training[0].name: pd.DataFrame(index=pd.RangeIndex(rows))})
        nothing.reason = "no column is learned: every column is regenerated"
        return nothing, "none (every column regenerated)", []
    link_types = {r.parent_table: {r.parent_column: "id"} for r in relations}
    for r in relations:
        link_types.setdefault(r.child_table, {})[r.child_column] = "id"
    metadata, corrections = build_metadata(training, relations, link_types)
    model, reason = choice
    label = "HMA" if len(training) > 1 else MODEL_LABEL[model]
    columns = sum(t.frame.shape[1] for t in training)
    names = ", ".join(t.name for t in training)
    report(f"Fitting {label} on {columns} columns of {names} ({sum(len(t.frame) for t in training):,} rows)", 0, None)
    sampled = fit_and_sample(training, metadata, model, request.epochs, seed, rows, relations, request.rare_below)
    sampled.reason = reason
    return sampled, label, corrections


def _format(made: Assembled, table: str, seed: int) -> pd.DataFrame:
    """Every column as text in the sample's formats (None for missing)."""
    columns: dict[str, np.ndarray] = {}
    for column in made.frame.columns:
        codec = made.codecs.get(str(column))
        values = made.frame[column]
        if codec is not None:
            columns[str(column)] = to_text(values, codec, rng_for(seed, table, str(column), 0, 0, "format"))
        else:
            columns[str(column)] = values.astype(object).where(values.notna(), None).to_numpy(dtype=object)
    return pd.DataFrame(columns, index=made.frame.index)


def _leakage(
    guard: leakage.LeakGuard,
    tables: list[IngestedTable],
    texts: dict[str, pd.DataFrame],
    plans: dict[str, list[ColumnPlan]],
    seed: int,
    repair: Callable[[], int] | None = None,
) -> leakage.LeakageReport:
    """Check (and fix) the output against every production row (``guard`` has learned them all: a
    table cut short by ``--max-rows`` is digested from its whole file, chunk by chunk), then forget them.
    After a fix, ``repair`` keeps the row rules on the rows it changed, and the output is checked again."""
    try:
        by_name = {t.name: t for t in tables}

        def replace(table: str, column: str, count: int, round_: int) -> np.ndarray:
            plan = next(p for p in plans[table] if p.column == column)
            rng = rng_for(seed, table, column, round_ + 1, 0, "leak-fix")
            made = regenerate(plan, by_name[table].frame[column], count, rng, np.ones(count, dtype=bool), {})
            if made.codec is not None:
                return to_text(made.values, made.codec, rng)
            return made.values

        def seed_rng(table: str, column: str, round_: int) -> np.random.Generator:
            return rng_for(seed, table, column, round_ + 1, 0, "leak-redraw")

        found = leakage.check_and_fix(guard, texts, plans, replace, seed_rng)
        for _ in range(REPAIR_ROUNDS):
            if repair is None or not repair():
                break
            found = _merged(found, leakage.check_and_fix(guard, texts, plans, replace, seed_rng))
        else:
            if repair is not None and repair():  # the last fixes broke rules: kept again, so a copy may be back
                leakage.confirm(guard, texts, plans, [])
        found.rows_read = {t.name: len(t.frame) for t in tables}
        return found
    finally:
        guard.discard()


REPAIR_ROUNDS = 8  # check, keep the rules on the rows it changed, check again: rules and no-copy both hold


def _merged(first: leakage.LeakageReport, then: leakage.LeakageReport) -> leakage.LeakageReport:
    """Two checks of the same output as one report: matches and fixes add up, what remains is the last."""
    counts = ("value_matches", "value_cells_replaced", "value_cells_blanked", "row_matches", "rows_fixed",
              "row_cells_blanked")  # fmt: skip
    merged = {k: getattr(first, k) + getattr(then, k) for k in counts}
    by_column = dict(first.value_matches_by_column)
    for column, n in then.value_matches_by_column.items():
        by_column[column] = by_column.get(column, 0) + n
    return then.model_copy(update=merged | {"value_matches_by_column": by_column})


def learn_production(
    guard: leakage.LeakGuard,
    tables: list[IngestedTable],
    plans: dict[str, list[ColumnPlan]],
    max_rows: int | None,
    report: ProgressCallback = no_progress,
) -> None:
    """Feed ``guard`` every production row: the rows read, or the whole file of a table cut at ``max_rows``."""
    for t in tables:
        if not scan.truncated(t, max_rows):
            guard.learn(t.name, t.frame, plans[t.name])
            continue
        for chunk in scan.iter_chunks(t):
            guard.learn(t.name, chunk, plans[t.name])
            report(f"Hashing every row of {t.source.path.name} for the leakage check", 0, None)


def _column_reports(
    names: list[str], plans: dict[str, list[ColumnPlan]], assembled: dict[str, Assembled]
) -> list[ColumnReport]:
    from tools.sensitive.policy import flag_for
    from tools.synth.training import SDTYPES

    out = []
    for name in names:
        for p in plans[name]:
            sdtype = SDTYPES.get(p.kind or "") if p.strategy == "learned" else ("id" if p.strategy == "link" else None)
            out.append(
                ColumnReport(
                    table=name, column=p.column, strategy=p.strategy, sensitive=p.sensitive, role=p.role,
                    flag=flag_for(p.entity or "none", p.role), entity=p.entity,
                    sdtype=sdtype, detail=assembled[name].details.get(p.column, ""),
                )
            )  # fmt: skip
    return out
