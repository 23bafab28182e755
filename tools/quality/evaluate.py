"""`evaluate(request)`: compare synthetic tables with the real sample and write the HTML/JSON report.

Steps: read and pair tables, sample large inputs, learn which real columns are sensitive, profile both
sides (types for parsing, quality-issue rates for the edge-case match), then per table every metric
(``table.evaluate_table``). Outputs are written atomically; nothing is written if evaluation fails.
"""

from __future__ import annotations

import datetime as dt
import time

import pandas as pd

from tools.errors import DoppelError
from tools.files import write_text_atomic
from tools.ingest.model import IngestedTable
from tools.profile.profiler import profile_tables
from tools.progress import ProgressCallback, no_progress
from tools.quality.charts import Chart
from tools.quality.load import TablePair, classifications, pair_tables, prepare_pair, read_side, sample_frame
from tools.quality.model import EvaluateRequest, EvaluateResult, TableEvaluation, Verdict
from tools.quality.report_html import render
from tools.quality.table import TableOptions, evaluate_table

_SEVERITY: dict[Verdict, int] = {"low risk": 0, "caution": 1, "high risk": 2}


def evaluate(
    request: EvaluateRequest,
    progress: ProgressCallback | None = None,
    real_tables: dict[str, IngestedTable] | None = None,
) -> EvaluateResult:
    """Evaluate SYNTH against REAL; write ``request.out`` (HTML) and ``request.json_out`` when given.

    ``real_tables``: REAL's tables as a caller already read them (the workflow's one reading of the
    sample, cut to ``real_head`` rows as it was), so the sample is not read again."""
    started = time.perf_counter()
    now = request.fixed_time or dt.datetime.now(dt.UTC)
    report = progress or no_progress
    warnings: list[str] = []
    report("Reading real and synthetic tables", 0, None)
    real = real_tables if real_tables is not None else read_side(request.real, "REAL", request.real_head)
    synthetic = read_side(request.synthetic, "SYNTH")
    pairs = [
        prepare_pair(name, r, s, request.max_rows, request.seed)
        for name, r, s in pair_tables(real, synthetic, request.synthetic, warnings)
    ]
    for side in (t for p in pairs for t in (p.real, p.synthetic)):
        if side.frame.empty:
            raise DoppelError(f"{side.source.path}: table '{side.name}' has no rows to evaluate")
    holdouts = _holdouts(request, pairs, warnings)
    targets = _targets(request, pairs)

    report(f"Classifying sensitive columns of {len(pairs)} real table(s)", 0, None)
    classes = classifications([p.real for p in pairs], request.sensitivity, warnings, now.date())
    report("Profiling real and synthetic tables", 0, None)
    real_profile = profile_tables([p.real for p in pairs], classes, today=now.date())
    synthetic_profile = profile_tables([_common(p) for p in pairs], classes, today=now.date(), rules=False)
    warnings += real_profile.warnings

    tables: list[TableEvaluation] = []
    charts: dict[str, dict[str, list[Chart]]] = {}
    for pair in pairs:
        target = targets.get(pair.name)
        options = TableOptions(
            holdout=request.holdout,
            seed=request.seed,
            target=target,
            charts=request.charts and request.out is not None,
            no_target=f"the --target column is in table {next(iter(targets))}" if targets else "no --target given",
            today=now.date(),
        )
        evaluation, table_charts = evaluate_table(
            pair, real_profile.table(pair.name), synthetic_profile.table(pair.name), holdouts.get(pair.name),
            options, report,
        )  # fmt: skip
        tables.append(evaluation)
        charts[pair.name] = table_charts

    result = EvaluateResult(
        real=request.real,
        synthetic=request.synthetic,
        seed=request.seed,
        quality_score=_mean([t.quality_score for t in tables]),
        diagnostic_score=_mean([t.diagnostic_score for t in tables]),
        privacy_verdict=_worst([t.privacy.verdict for t in tables if t.privacy is not None]),
        real_head=request.real_head,
        tables=tables,
        html_path=request.out,
        json_path=request.json_out,
        generated_at=now.isoformat(),
        seconds=0.0,
        warnings=warnings,
    )
    result.seconds = round(time.perf_counter() - started, 3)
    if request.out is not None:
        report("Writing the HTML report", 0, None)
        write_text_atomic(request.out, render(result, charts))
    if request.json_out is not None:
        write_text_atomic(request.json_out, result.model_dump_json(indent=2) + "\n")
    return result


def _common(pair: TablePair) -> IngestedTable:
    """The synthetic table as profiled: only columns REAL has, so sensitivity lookups all hit."""
    frame = pair.synthetic.frame
    keep = [c for c in frame.columns if c in pair.real.frame.columns]
    return pair.synthetic.model_copy(update={"frame": frame[keep]})


def _holdouts(request: EvaluateRequest, pairs: list[TablePair], warnings: list[str]) -> dict[str, pd.DataFrame]:
    """Holdout frames by table (same pairing rules as SYNTH), sampled like REAL; columns must match REAL."""
    if request.holdout_file is None:
        return {}
    found = read_side(request.holdout_file, "holdout")
    out: dict[str, pd.DataFrame] = {}
    for pair in pairs:
        table = found.get(pair.name) or (next(iter(found.values())) if len(found) == len(pairs) == 1 else None)
        if table is None:
            warnings.append(f"{request.holdout_file}: no holdout table '{pair.name}'; a split of REAL is used for it")
            continue
        if missing := [c for c in pair.real.frame.columns if c not in table.frame.columns]:
            raise DoppelError(f"{table.source.path}: holdout lacks real columns {', '.join(missing[:10])}")
        out[pair.name] = sample_frame(table.frame, request.max_rows, request.seed + 2)
    return out


def _targets(request: EvaluateRequest, pairs: list[TablePair]) -> dict[str, str]:
    """``--target`` as {table: column}; ``table.column`` picks the table, a bare name must be unambiguous."""
    target = request.target
    if target is None:
        return {}
    table_name, _, column = target.partition(".")
    if column and any(p.name == table_name for p in pairs):
        candidates = [p for p in pairs if p.name == table_name and column in p.real.frame.columns]
    else:
        column = target
        candidates = [p for p in pairs if column in p.real.frame.columns]
    if not candidates:
        raise DoppelError(f"--target: no column '{target}' in {request.real}")
    if len(candidates) > 1:
        names = ", ".join(f"{p.name}.{column}" for p in candidates)
        raise DoppelError(f"--target: '{target}' is ambiguous ({names}); write it as table.column")
    pair = candidates[0]
    if column not in pair.synthetic.frame.columns:
        raise DoppelError(f"--target: no column '{column}' in {pair.synthetic.source.path}")
    return {pair.name: column}


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(sum(present) / len(present), 6) if present else None


def _worst(verdicts: list[Verdict]) -> Verdict | None:
    return sorted(verdicts, key=_SEVERITY.__getitem__)[-1] if verdicts else None
