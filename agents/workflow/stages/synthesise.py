"""synthesise: new rows from the sample (tools.synth: SDV for structure, Doppel generators for the
sensitive columns) or, for a schema run, from the schema (the generate capability).

The stage seed and the run's date go in (the date as the fixed clock: no wall-clock time or duration is
written), and ``metadata.json`` is rewritten with run-relative paths, so a run resumed after a crash
writes the same bytes as an uninterrupted one. (A schema run's ``metadata.json`` comes from the generate
capability, which records its wall-clock time: that one stays volatile.)"""

from __future__ import annotations

import datetime as dt
from typing import Any

from agents.workflow.context import StageContext, StageOutput
from agents.workflow.stages.portable import portable
from agents.workflow.stages.sample import SENSITIVITY
from tools.errors import DoppelError
from tools.files import write_json_atomic
from tools.progress import ProgressCallback

METADATA = "metadata.json"


def synthesise(context: StageContext, progress: ProgressCallback) -> StageOutput:
    if context.config.schema_file is not None:
        return _from_schema(context, progress)
    return _from_sample(context, progress)


def _from_schema(context: StageContext, progress: ProgressCallback) -> StageOutput:
    from tools.capability.generation import GenerateDataRequest, generate_data

    request = GenerateDataRequest(
        schema_file=context.config.schema_file,
        rows=context.config.rows,
        seed=str(context.seed),
        format=context.config.format,
        dialect=context.config.dialect,
        neutralise_formulas=not context.config.keep_formulas,
        out=context.work,
    )
    result = generate_data(request, progress)
    return StageOutput(
        counts={"tables": len(result.rows), "rows": sum(result.rows.values())},
        message="; ".join(result.warnings) or None,
        volatile=[METADATA],  # the schema generator's metadata.json records its wall-clock time
    )


def run_clock(context: StageContext) -> dt.datetime:
    """The run's fixed clock: midnight (UTC) of the day it was created, the same on every resume."""
    return dt.datetime.combine(context.today, dt.time(0, 0), dt.UTC)


def _profile_if_unchanged(context: StageContext, approved: list[Any]) -> Any:
    """The profile stage's profile, when it was made with the roles the user approved (None otherwise:
    synthesis profiles again with the approved ones, since a role decides what a column's profile keeps)."""
    from agents.workflow.stages.sample import DRAFT, PROFILE
    from tools.profile.model import DatasetProfile
    from tools.sensitive.report import read_report

    profile_dir = context.stage_dir("profile")
    if not (profile_dir / DRAFT).is_file():
        return None

    def roles(columns: list[Any]) -> dict[tuple[str, str], tuple[str, str]]:
        return {(c.table, c.column): (c.role, c.entity) for c in columns}

    if roles(read_report(profile_dir / DRAFT).columns) != roles(approved):
        return None
    return DatasetProfile.model_validate_json((profile_dir / PROFILE).read_text(encoding="utf-8"))


def _from_sample(context: StageContext, progress: ProgressCallback) -> StageOutput:
    """tools.synth over the sample, told the approved classification of every column (the classify
    stage's output with the user's changes) so it regenerates exactly the columns the user approved."""
    try:
        from tools.synth.model import SynthesizeRequest
        from tools.synth.pipeline import synthesize
    except ImportError:
        raise DoppelError("synthesis from a sample is not available in this build (tools.synth is missing)") from None
    from agents.workflow.stages.sample import read_sample_tables
    from tools.sensitive.report import read_report
    from tools.synth.pipeline import Prepared

    tables = read_sample_tables(context)  # the run's one reading; the sample must still be what ingest hashed
    report = read_report(context.stage_dir("classify") / SENSITIVITY)
    request = SynthesizeRequest(
        data=context.config.data,
        rows=context.config.rows or len(tables[0].frame),
        model=context.config.model,
        seed=context.seed,
        format="csv",  # the form evaluate reads; the export stage converts to the configured format
        neutralise_formulas=False,  # read by machines only (evaluate, export): values as made
        out=context.work,
        max_rows=context.config.sample_rows,
        fixed_time=run_clock(context),
        rules_off=context.config.rules_off,
    )
    prepared = Prepared(tables, report.columns, _profile_if_unchanged(context, report.columns))
    result = synthesize(request, progress, prepared)
    document = result.model_dump(mode="json", exclude={"timings"})
    write_json_atomic(context.work / METADATA, portable(document, {context.run_dir: "", context.work: "synthesise"}))
    regenerated = sum(1 for c in result.columns if c.strategy == "regenerated")
    _show_diffs(context, tables, {(c.table, c.column) for c in report.columns if c.sensitive})
    return StageOutput(
        counts={
            "tables": len(result.tables),
            "rows": sum(t.rows for t in result.tables),
            "regenerated_columns": regenerated,
            "leaked_values": result.leakage.remaining_value_matches,
            "leaked_rows": result.leakage.remaining_row_matches,
        },
        message="; ".join(result.warnings) or None,
    )


def _show_diffs(context: StageContext, tables: list[Any], sensitive: set[tuple[str, str]]) -> None:
    """A before/after sample of each table as a SampleDiff event (sample cells as shapes only)."""
    import pandas as pd

    from agents.workflow.stages.sample import PROFILE
    from agents.workflow.stages.showcase import ROWS, kept_categories, sample_diff

    kept = kept_categories(context.stage_dir("profile") / PROFILE)
    for table in tables:
        made = context.work / f"{table.name}.csv"
        if not made.is_file():
            continue
        synthetic = pd.read_csv(made, nrows=ROWS, dtype=str, keep_default_na=False)
        columns = {column for t, column in sensitive if t == table.name}
        diff = sample_diff(table.name, table.frame, synthetic, columns, kept)
        context.emit(
            diff.model_copy(update={"run_id": context.run_id, "stage": context.stage, "agent": "synthetic_data"})
        )
