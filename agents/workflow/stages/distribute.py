"""distribute: the exported tables into the run configuration's targets (``tools.targets``).

Keys come from the synthesise stage's ``metadata.json`` (a schema run's keys, a sample run's relationships),
else they are inferred; relative paths of targets (a SQLite file, a folder) are taken from the run's folder.
Stand-in targets (``stand_in: true``) use a running ``doppel mocks`` or stand-ins started in-process for the
stage, and the stage says so plainly: a Decision event, its message, the run summary. Every load's keys are
recorded under the run's id (``<home>/loads/<run id>/``), so ``doppel unload RUN`` removes exactly what the
run wrote. ``distribute.json`` and the message hold what the same seed gives again (counts, reasons), not
the load id, timings or the ports stand-ins happened to get: those are in the event and the audit record.

Counts: totals (loaded, updated, rejected, retried, targets, targets_failed) and ``<target>/<table> <what>``
per target and table. A target that fails does not stop the others; the stage then fails naming each
failed target (the run pauses: retry loads again, and with upsert nothing is duplicated).
"""

from __future__ import annotations

from typing import Any

from agents.events import Decision
from agents.workflow.context import StageContext, StageOutput
from agents.workflow.stages.synthesise import METADATA
from tools.errors import DoppelError
from tools.files import write_json_atomic
from tools.progress import ProgressCallback
from tools.targets.loader import LoadReport

REPORT = "distribute.json"
STAND_INS = "stand-ins (local imitations, not the real systems)"


def distribute(context: StageContext, progress: ProgressCallback) -> StageOutput:
    from tools.targets.service import load_folder

    report = load_folder(
        context.stage_dir("export"),
        context.config.targets,
        context.settings,
        metadata=context.stage_dir("synthesise") / METADATA,
        run_id=context.run_id,
        base=context.run_dir,
        progress=progress,
    )
    if report.notice:
        context.emit(
            Decision(
                run_id=context.run_id,
                agent="distribution",
                subject="targets",
                decision=report.notice,
                evidence=[f"{t.target.name}: {t.target.where}" for t in report.targets if t.target.stand_in],
            )
        )
    context.audit(
        "external_call",
        {
            "event": "load",
            "load_id": report.load_id,
            "targets": [
                {
                    "name": t.target.name,
                    "kind": t.target.kind,
                    "where": t.target.where,
                    "stand_in": t.target.stand_in,
                    "ok": t.ok,
                    **{k: t.total(k) for k in ("loaded", "updated", "rejected", "retried")},
                }
                for t in report.targets
            ],
        },
    )
    write_json_atomic(context.work / REPORT, _document(report))
    lines = report.summary().splitlines()
    if not report.ok:
        failed = [t.target.name for t in report.targets if not t.ok]
        raise DoppelError(
            f"{len(failed)} of {len(report.targets)} target(s) failed ({', '.join(failed)}); the others were "
            f"loaded (load {report.load_id}; `doppel unload {context.run_id}` removes what was written). "
            + " | ".join(lines)
        )
    shown = [f"{STAND_INS}: {', '.join(report.stand_ins)}"] if report.stand_ins else []
    return StageOutput(
        counts=report.counts(),
        message="; ".join(shown + lines),
        summary={"load_id": report.load_id, "stand_ins": report.stand_ins},
    )


def _document(report: LoadReport) -> dict[str, Any]:
    """The load, as the same seed loads it again: per target its kind, whether a stand-in, the counts and
    reasons per table (no load id, timings, folders or ports)."""
    return {
        "stand_ins": report.stand_ins,
        "targets": [
            {
                "name": t.target.name,
                "kind": t.target.kind,
                "stand_in": t.target.stand_in,
                "mode": t.mode,
                "ok": t.ok,
                "replaced": t.replaced,
                "tables": [table.model_dump(mode="json") for table in t.tables],
            }
            for t in report.targets
        ],
        "warnings": report.warnings,
    }
