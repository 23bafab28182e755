"""evaluate: tools.quality compares the synthetic tables with the real sample (HTML + JSON).

The real side is the rows synthesis learned from: with ``sample_rows`` set, the first that many rows of
each sample table (its holdout split is taken from them too), never the rest of the file. Every
synthetic row is evaluated.

``evaluation.json`` is the tool's result without its wall-clock ``seconds`` and with run-relative
paths; ``report.html`` states the run's fixed clock (its creation day), not the wall clock, so both are the
same bytes in a resumed and in an uninterrupted run.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from agents.workflow.context import StageContext, StageOutput
from agents.workflow.stages.portable import portable
from agents.workflow.stages.sample import SENSITIVITY, read_sample_tables
from agents.workflow.stages.synthesise import run_clock
from tools.files import write_json_atomic
from tools.progress import ProgressCallback

HTML = "report.html"
RESULT = "evaluation.json"


def evaluate(context: StageContext, progress: ProgressCallback) -> StageOutput:
    from tools.quality.evaluate import evaluate as run_evaluate
    from tools.quality.model import EvaluateRequest

    tables = read_sample_tables(context)  # also checks the sample still matches what was ingested
    sources = sorted({t.source.path for t in tables})
    with tempfile.TemporaryDirectory(prefix="doppel-real-") as tmp:
        real = sources[0] if len(sources) == 1 else _linked(sources, Path(tmp) / "sample")
        sensitivity = context.stage_dir("classify") / SENSITIVITY
        request = EvaluateRequest(
            real=real,
            synthetic=context.stage_dir("synthesise"),
            out=context.work / HTML,
            sensitivity=sensitivity if sensitivity.is_file() else None,
            seed=context.seed % 2**32,
            real_head=context.config.sample_rows,  # the rows synthesis read, and its holdout split from them
            fixed_time=run_clock(context),
        )
        result = run_evaluate(request, progress, {t.name: t for t in tables})  # the run's one reading
        document = result.model_dump(mode="json", exclude={"seconds", "html_path", "json_path"})
        document = portable(document, {context.run_dir: "", context.work: "evaluate", Path(tmp) / "sample": "sample"})
    write_json_atomic(context.work / RESULT, document)
    _show_scores(context, result)
    counts = {"tables": len(result.tables), "synthetic_rows": sum(t.synthetic_rows for t in result.tables)}
    scores = []
    if result.quality_score is not None:
        scores.append(f"quality {result.quality_score:.1%}")
    if result.diagnostic_score is not None:
        scores.append(f"diagnostic {result.diagnostic_score:.1%}")
    if result.privacy_verdict is not None:
        scores.append(f"privacy: {result.privacy_verdict}")
    return StageOutput(counts=counts, message=", ".join(scores) or None)


def _linked(sources: list[Path], folder: Path) -> Path:
    """Several sample files as one folder of links (nothing from production is copied), named alike in
    every run (the report names it)."""
    folder.mkdir()
    for source in sources:
        (folder / source.name).symlink_to(source.resolve())
    return folder


def _show_scores(context: StageContext, result: Any) -> None:
    """Each table's column shape scores (real vs synthetic) as a Chart event."""
    from agents.workflow.stages.showcase import score_chart

    for table in result.tables:
        scored = [(" / ".join(m.columns), m.score) for m in table.column_shapes if m.score is not None]
        if not scored:
            continue
        labels, scores = zip(*sorted(scored, key=lambda pair: pair[1]), strict=True)
        chart = score_chart(f"{table.name}: column shapes, synthetic vs real", list(labels), list(scores))
        context.emit(
            chart.model_copy(update={"run_id": context.run_id, "stage": context.stage, "agent": "synthetic_data"})
        )
