"""report: one summary of the run (report.json and report.md) with every output's sha256 and the scores.

It holds no run id and no timings, so two runs of the same config and seed give the same report.
"""

from __future__ import annotations

import json
from typing import Any

from agents.events import STAGES
from agents.workflow.context import StageContext, StageOutput
from tools.files import write_json_atomic, write_text_atomic
from tools.progress import ProgressCallback

JSON = "report.json"
MARKDOWN = "report.md"


def report(context: StageContext, progress: ProgressCallback) -> StageOutput:
    progress("Summarising the run", 0, 1)
    config = context.config
    stages: list[dict[str, Any]] = []
    for stage in STAGES:
        record = context.history.get(stage)
        if record is None or stage == context.stage:
            continue
        outputs = {
            f"{stage}/{rel}": ("volatile" if entry.get("volatile") else entry["sha256"])
            for rel, entry in record.outputs.items()
        }
        stages.append(
            {
                "stage": stage,
                "state": record.state,
                "counts": record.counts,
                "message": record.message,
                "outputs": outputs,
            }
        )
    document: dict[str, Any] = {
        "name": config.name,
        "seed": context.run_seed,
        "rows": config.rows,
        "model": config.model,
        "format": config.format,
        "scores": _scores(context),
        "stages": stages,
    }
    write_json_atomic(context.work / JSON, document)
    write_text_atomic(context.work / MARKDOWN, _markdown(document))
    progress("Summarising the run", 1, 1)
    files = sum(len(s["outputs"]) for s in stages)
    return StageOutput(counts={"stages": len(stages), "files": files})


def _scores(context: StageContext) -> dict[str, Any]:
    path = context.stage_dir("evaluate") / "evaluation.json"
    if not path.is_file():
        return {}
    result = json.loads(path.read_text(encoding="utf-8"))
    return {k: result.get(k) for k in ("quality_score", "diagnostic_score", "privacy_verdict")}


def _markdown(document: dict[str, Any]) -> str:
    lines = [
        f"# Run report: {document['name']}",
        "",
        f"seed {document['seed']}, model {document['model']}, format {document['format']}",
        "",
    ]
    if document["scores"]:
        lines += ["## Scores", ""] + [f"- {k.replace('_', ' ')}: {v}" for k, v in document["scores"].items()] + [""]
    lines += ["## Stages", "", "| stage | state | counts | note |", "| --- | --- | --- | --- |"]
    for s in document["stages"]:
        counts = ", ".join(f"{k} {v}" for k, v in s["counts"].items())
        lines.append(f"| {s['stage']} | {s['state']} | {counts} | {s['message'] or ''} |")
    lines += ["", "## Outputs", "", "| file | sha256 |", "| --- | --- |"]
    for s in document["stages"]:
        lines += [f"| {path} | {digest} |" for path, digest in s["outputs"].items()]
    return "\n".join(lines) + "\n"
