"""Advance a run from its last checkpoint until it completes, pauses for a person, or is aborted.

For each stage in order: the ``before:<stage>`` approval, then the stage unless its checkpoint is valid
(state completed/skipped and every recorded file still has its sha256), then ``after:<stage>``. A stage
runs in a temp folder that is renamed into place before its checkpoint commits, so after a crash (even
kill -9) the folder of an unfinished stage is discarded and the stage runs again, with the same
per-stage seed, to the same bytes. Transient errors are retried with backoff; a stage that still fails
pauses the run until someone answers retry, skip or abort.
"""

from __future__ import annotations

import os
import time
from datetime import date
from typing import Any

from agents.costs.runs import track as track_costs
from agents.events import STAGES, ApprovalRequested, Decision, Failed, Progress, Stage, StageCompleted, StageStarted
from agents.llm_calls import stage_llm, usage_counts
from agents.state import audit, store
from agents.state.db import session
from agents.state.models import Approval, StageCheckpoint, utcnow
from agents.workflow import artifacts, failures
from agents.workflow.answers import FAILURE_PREFIX, is_failure, record
from agents.workflow.config import RunConfig
from agents.workflow.context import StageContext, StageOutput, StageRecord
from agents.workflow.graph import run_stages
from agents.workflow.locking import run_lock, this_host
from agents.workflow.recorder import Recorder
from agents.workflow.seeds import stage_seed
from agents.workflow.stages import SPECS
from tools.errors import DoppelError
from tools.settings import Settings

QUESTIONS = {
    "after:classify": "Review the sensitive columns. Approve, change (override a column's classification) or abort?",
    "before:distribute": "Load the synthetic data into the configured targets?",
}
DONE = ("completed", "skipped")


class Engine:
    """Advances one run; a new Engine per ``advance`` call (it holds no state between calls)."""

    def __init__(self, settings: Settings, run_id: str, sink: Any, approve_all: bool) -> None:
        self.settings = settings
        self.approve_all = approve_all
        with session(settings) as s:
            run = store.get_run(s, run_id)
        self.run_id = run.id
        self.config = RunConfig.model_validate(run.config)
        self.seed = run.seed
        self.today: date = run.created_at.date()
        self.run_dir = settings.runs_dir / run.id
        self.emit = Recorder(settings, run.id, sink)

    # ------------------------------------------------------------------ the loop

    def advance(self) -> None:
        with session(self.settings) as s:
            if store.get_run(s, self.run_id).state in ("completed", "aborted"):
                return
        with run_lock(self.run_dir, self.run_id):
            artifacts.discard_temp_dirs(self.run_dir)
            if not self._pending_answered():
                return
            self._set_run(state="running", owner_host=this_host(), owner_pid=os.getpid())
            if run_stages(self._stage):  # the fixed workflow: a Strands graph of the stages
                self._finish()

    def _stage(self, stage: Stage) -> bool:
        """Run (or confirm) one stage with its approval points; False when the run stops here."""
        self._set_run(current_stage=stage)
        if not self._gate(f"before:{stage}", stage):
            return False
        while True:
            if not self._done(stage) and not self._execute(stage):
                return False
            if not self._gate(f"after:{stage}", stage):
                return False
            cp = self._checkpoint(stage)
            if cp.state != "completed" or self._changes(stage) == cp.changes:
                return True
            self.emit(Progress(run_id=self.run_id, stage=stage, action=f"Applying your changes: re-running {stage}"))
            self._invalidate_from(stage)

    def _pending_answered(self) -> bool:
        """False while the run waits on a person (a failure always does; an approval not with --approve-all)."""
        with session(self.settings) as s:
            run = store.get_run(s, self.run_id)
            question = store.pending_question(s, self.run_id)
            if question is None:
                return True
            if is_failure(question) or not self.approve_all:
                store.set_run(s, run, state="paused_failure" if is_failure(question) else "paused_approval")
                return False
            record(s, self.settings, run, question, "approve", {}, auto=True)
            return True

    # ------------------------------------------------------------------ checkpoints

    def _checkpoint(self, stage: str) -> StageCheckpoint:
        with session(self.settings) as s:
            return store.checkpoint(s, self.run_id, stage)

    def _done(self, stage: Stage) -> bool:
        """Whether ``stage`` has a valid checkpoint (resolving a failure answered with skip)."""
        cp = self._checkpoint(stage)
        if cp.state in DONE:
            problem = artifacts.verify(self.run_dir / stage, cp.outputs)
            if problem is None:
                return True
            self.emit(Progress(run_id=self.run_id, stage=stage, action=f"Re-running {stage}: {problem}"))
            self._invalidate_from(stage)
            return False
        if cp.state == "failed" and self._failure_answer(stage) == "skip":
            why = f"skipped after a failure: {cp.message}"
            self._save(cp, state="skipped", skip_kind="after_failure", message=why)
            self.emit(StageCompleted(run_id=self.run_id, stage=stage, skipped=why))
            return True
        artifacts.discard(self.run_dir / stage)  # an unbacked folder: renamed into place, never committed
        return False

    def _failure_answer(self, stage: str) -> str | None:
        with session(self.settings) as s:
            questions = store.approvals(s, self.run_id, f"{FAILURE_PREFIX}{stage}")
        return questions[-1].response if questions else None

    def _invalidate_from(self, stage: Stage) -> None:
        later = list(STAGES[STAGES.index(stage) :])
        with session(self.settings) as s:
            store.delete_checkpoints(s, self.run_id, later)
        for name in later:
            artifacts.discard(self.run_dir / name)

    def _save(self, cp: StageCheckpoint, **values: Any) -> StageCheckpoint:
        with session(self.settings) as s:
            cp = s.merge(cp)
            for key, value in values.items():
                setattr(cp, key, value)
            s.add(cp)
        return cp

    def _history(self) -> dict[str, StageRecord]:
        with session(self.settings) as s:
            return {
                stage: StageRecord(
                    state=cp.state, counts=cp.counts, outputs=cp.outputs, message=cp.message, skip_kind=cp.skip_kind
                )
                for stage, cp in store.checkpoints(s, self.run_id).items()
            }

    # ------------------------------------------------------------------ running a stage

    def _execute(self, stage: Stage) -> bool:
        spec = SPECS[stage]
        cp = self._checkpoint(stage)
        if reason := spec.skip_if(self.config):
            return self._skip(cp, reason, "not_applicable")
        history = self._history()
        if unmet := [n for n in spec.needs if not _usable(history.get(n))]:
            return self._skip(cp, f"skipped: {', '.join(unmet)} did not complete", "dependency")
        cp = self._save(cp, state="running", attempt=cp.attempt + 1, started_at=utcnow(), finished_at=None)
        self.emit(
            StageStarted(
                run_id=self.run_id, stage=stage, agent=spec.agent, what=spec.what, why=spec.why, expected=spec.expected
            )
        )
        context = StageContext(
            run_id=self.run_id,
            stage=stage,
            config=self.config,
            settings=self.settings,
            run_dir=self.run_dir,
            work=self.run_dir,
            seed=stage_seed(self.seed, stage),
            run_seed=self.seed,
            today=self.today,
            emit=self.emit,
            changes=self._changes(stage),
            history=history,
            audit=self._auditor(stage),
        )
        started = time.perf_counter()
        tries = 0

        def attempt() -> StageOutput:
            nonlocal tries
            tries += 1
            context.work = artifacts.new_work_dir(self.run_dir, stage)
            try:
                return spec.run(context, context.progress)
            except BaseException:
                artifacts.discard(context.work)
                raise

        def on_retry(exc: BaseException, number: int, sleep: float) -> None:
            self.emit(
                Progress(
                    run_id=self.run_id,
                    stage=stage,
                    done=number,
                    total=self.settings.retry.attempts,
                    action=f"{stage}: {failures.describe(exc)}; retrying in {sleep:.1f}s "
                    f"(attempt {number + 1} of {self.settings.retry.attempts})",
                )
            )

        try:
            with stage_llm(self.settings, context.audit) as usage:
                output = failures.with_retries(attempt, self.settings.retry, on_retry)
        except Exception as exc:
            self._fail(cp, exc, tries)
            return False
        output.counts |= usage_counts(usage)
        seconds = time.perf_counter() - started
        target = self.run_dir / stage
        if output.skipped and not any(context.work.iterdir()):
            artifacts.discard(context.work)
            outputs: dict[str, Any] = {}
        else:
            artifacts.publish(context.work, target)
            outputs = artifacts.manifest(target, output.volatile)
        self._save(
            cp,
            state="skipped" if output.skipped else "completed",
            finished_at=utcnow(),
            seconds=seconds,
            skip_kind="not_applicable" if output.skipped else None,
            outputs=outputs,
            counts=output.counts,
            summary=output.summary,
            changes=context.changes,
            message=output.skipped or output.message,
        )
        self.emit(
            StageCompleted(
                run_id=self.run_id,
                stage=stage,
                agent=spec.agent,
                counts=output.counts,
                seconds=round(seconds, 3),
                success_rate=round(1 / tries, 3),  # attempts that succeeded: one of ``tries``
                outputs=[f"{stage}/{rel}" for rel in outputs],
                skipped=output.skipped,
            )
        )
        if cost := track_costs(self.settings, self.run_id, self.config, stage):
            self.emit(cost)  # live totals; cost tracking never fails a run
        return True

    def _skip(self, cp: StageCheckpoint, why: str, kind: str) -> bool:
        self._save(
            cp,
            state="skipped",
            skip_kind=kind,
            message=why,
            started_at=utcnow(),
            finished_at=utcnow(),
            seconds=0.0,
            outputs={},
            counts={},
            summary={},
            changes={},
        )
        self.emit(StageCompleted(run_id=self.run_id, stage=cp.stage, skipped=why))
        return True

    def _auditor(self, stage: str) -> Any:
        def write(kind: Any, detail: dict[str, Any]) -> None:
            with session(self.settings) as s:
                audit.record(s, kind, self.settings.user, detail, run_id=self.run_id, stage=stage)

        return write

    def _fail(self, cp: StageCheckpoint, exc: BaseException, tries: int) -> None:
        stage: Stage = cp.stage  # type: ignore[assignment]
        error = failures.describe(exc)
        event = Failed(
            run_id=self.run_id,
            stage=stage,
            agent=SPECS[stage].agent,
            error=error,
            context=f"stage {stage}, attempt {cp.attempt}, after {tries} tr{'y' if tries == 1 else 'ies'}",
            remedy=failures.remedy(exc),
        )
        with session(self.settings) as s:
            cp = s.merge(cp)
            cp.state, cp.message, cp.finished_at = "failed", error, utcnow()
            s.add(cp)
            s.add(
                Approval(
                    id=_new_id(),
                    run_id=self.run_id,
                    point=f"{FAILURE_PREFIX}{stage}",
                    question=error,
                    context={
                        "event": event.model_dump(mode="json"),
                        "error_type": type(exc).__name__,
                        "transient": failures.is_transient(exc),
                        "tries": tries,
                    },
                )
            )
            store.set_run(s, store.get_run(s, self.run_id), state="paused_failure")
            audit.record(
                s,
                "failure",
                self.settings.user,
                {"event": "failed", "error": error, "error_type": type(exc).__name__, "tries": tries},
                run_id=self.run_id,
                stage=stage,
            )
        self.emit(event)

    # ------------------------------------------------------------------ approvals

    def _points(self) -> list[str]:
        return list(self.config.approvals if self.config.approvals is not None else self.settings.approvals)

    def _changes(self, stage: str) -> dict[str, Any]:
        """Every change approved at ``after:<stage>``, later ones winning."""
        merged: dict[str, Any] = {}
        with session(self.settings) as s:
            for q in store.approvals(s, self.run_id, f"after:{stage}"):
                if q.status == "changed":
                    for key, value in q.changes.items():
                        merged[key] = {**merged.get(key, {}), **value} if isinstance(value, dict) else value
        return merged

    def _gate(self, point: str, stage: Stage) -> bool:
        """True to go on; False when the run pauses for an answer or was aborted."""
        if point not in self._points():
            return True
        if point.startswith("before:") and SPECS[stage].skip_if(self.config):
            return True  # nothing will happen there: nothing to approve
        if point.startswith("after:") and self._checkpoint(stage).state != "completed":
            return True
        asked: ApprovalRequested | None = None
        with session(self.settings) as s:
            run = store.get_run(s, self.run_id)
            questions = store.approvals(s, self.run_id, point)
            question = questions[-1] if questions else None
            if question is None:
                question, asked = self._ask(s, point, stage)
        if asked is not None:
            self.emit(asked)  # after the commit: the recorder writes in its own transaction
        with session(self.settings) as s:
            run = store.get_run(s, self.run_id)
            question = s.merge(question)
            if question.status == "pending":
                if not self.approve_all:
                    store.set_run(s, run, state="paused_approval")
                    return False
                record(s, self.settings, run, question, "approve", {}, auto=True)
            return question.status != "aborted"

    def _ask(self, s: Any, point: str, stage: Stage) -> tuple[Approval, ApprovalRequested]:
        cp = store.checkpoint(s, self.run_id, stage)
        context: dict[str, Any] = {"point": point}
        if point.startswith("after:"):
            context |= {"counts": cp.counts, **cp.summary}
        changeable = SPECS[stage].check_changes is not None and point.startswith("after:")
        event = ApprovalRequested(
            run_id=self.run_id,
            stage=stage,
            agent="supervisor",
            approval_id=_new_id(),
            question=QUESTIONS.get(point, f"Continue ({point.replace(':', ' ')})?"),
            context=context,
            options=["approve", "change", "abort"] if changeable else ["approve", "abort"],
        )
        question = Approval(
            id=event.approval_id,
            run_id=self.run_id,
            point=point,
            question=event.question,
            context={"event": event.model_dump(mode="json")},
        )
        s.add(question)
        audit.record(
            s,
            "approval",
            self.settings.user,
            {"event": "requested", "point": point, "approval_id": question.id},
            run_id=self.run_id,
            stage=stage,
        )
        return question, event

    # ------------------------------------------------------------------ stepping back

    def rewind(self, stage: Stage) -> list[str]:
        """Go back to the checkpoint at the end of ``stage``: every later stage's checkpoint, folder and
        questions are dropped, so resuming recomputes them (same per-stage seeds: the same bytes). When
        ``after:<stage>`` is an approval point the run is asked it again, as it was when ``stage`` ended.
        Returns the stages invalidated. Refused while another process advances the run."""
        with run_lock(self.run_dir, self.run_id):
            with session(self.settings) as s:
                run = store.get_run(s, self.run_id)
                store.require_state(
                    run, "paused_approval", "paused_failure", "completed", "running", action=f"rewind to {stage}"
                )
                cp = store.checkpoint(s, self.run_id, stage)
            if cp.state not in DONE:
                raise DoppelError(f"run {self.run_id}: cannot rewind to {stage}: it has no checkpoint ({cp.state})")
            later: list[str] = list(STAGES[STAGES.index(stage) + 1 :])
            points = [f"{when}:{name}" for name in later for when in ("before", "after", FAILURE_PREFIX[:-1])]
            with session(self.settings) as s:
                store.delete_checkpoints(s, self.run_id, later)
                store.delete_approvals(s, self.run_id, points)
                for question in store.approvals(s, self.run_id):
                    if question.status == "pending" and question.point not in (f"after:{stage}",):
                        s.delete(question)  # e.g. a question at a later point asked just now
            for name in later:
                artifacts.discard(self.run_dir / name)
            artifacts.discard_temp_dirs(self.run_dir)
            asked = self._ask_again(stage) if cp.state == "completed" else None
            with session(self.settings) as s:
                run = store.get_run(s, self.run_id)
                store.set_run(s, run, state="paused_approval", current_stage=stage, owner_pid=None)
                audit.record(
                    s,
                    "run",
                    self.settings.user,
                    {"event": "rewind", "stage": stage, "invalidated": later},
                    run_id=self.run_id,
                    stage=stage,
                )
            self.emit(
                Decision(
                    run_id=self.run_id,
                    stage=stage,
                    agent="supervisor",
                    subject=f"run {self.config.name}",
                    decision=f"rewound to the end of {stage}",
                    evidence=[f"{len(later)} later stage(s) will be recomputed from the same seed"],
                )
            )
            if asked is not None:
                self.emit(asked)
            return later

    def _ask_again(self, stage: Stage) -> ApprovalRequested | None:
        """A fresh pending question at ``after:<stage>`` when it is an approval point (earlier answers are
        kept: changes approved there still apply)."""
        point = f"after:{stage}"
        if point not in self._points():
            return None
        with session(self.settings) as s:
            pending = [q for q in store.approvals(s, self.run_id, point) if q.status == "pending"]
            if pending:
                return None
            _question, asked = self._ask(s, point, stage)
        return asked

    # ------------------------------------------------------------------ the end

    def _set_run(self, **values: Any) -> None:
        with session(self.settings) as s:
            store.set_run(s, store.get_run(s, self.run_id), **values)

    def _finish(self) -> None:
        history = self._history()
        outputs = [
            {"path": f"{stage}/{rel}", "sha256": entry["sha256"]}
            for stage in ("export", "report")
            for rel, entry in (history[stage].outputs if stage in history else {}).items()
        ]
        track_costs(self.settings, self.run_id, self.config, None)  # the final breakdown and tips
        with session(self.settings) as s:
            run = store.set_run(s, store.get_run(s, self.run_id), state="completed", current_stage=None)
            audit.record(
                s, "run", self.settings.user, {"event": "end", "state": "completed", "outputs": outputs}, run_id=run.id
            )
        self.emit(
            Decision(
                run_id=self.run_id,
                agent="supervisor",
                subject=f"run {self.config.name}",
                decision="completed",
                evidence=[f"{len(outputs)} output file(s)"],
            )
        )


def _usable(record: StageRecord | None) -> bool:
    """A needed stage counts when it completed or did not apply; not when it failed or was skipped for one."""
    if record is None:
        return False
    return record.state == "completed" or (record.state == "skipped" and record.skip_kind == "not_applicable")


def _new_id() -> str:
    import uuid

    return uuid.uuid4().hex[:12]
