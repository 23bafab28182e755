"""Doppel events -> Chainlit steps, elements and messages. No agent or tool is called from here.

A ``RunView`` renders one run's event stream (``agents.events``) as it is read back from the state
database: one Chainlit step per stage with a plain-language explanation (what, why, what to expect),
specific progress lines, the stage's decisions and, on completion, its counts and timing. Charts become
inline plotly elements, sample diffs a before/after table (changed cells highlighted, sensitive cells as
their shapes), cost updates a running total, and a playbook's narration and callouts presenter messages.
The workflow view (a custom element) is updated from the same events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import chainlit as cl
from chainlit.utils import utc_now

from agents.events import (
    STAGES,
    ApprovalRequested,
    Chart,
    CostUpdate,
    Decision,
    Event,
    Failed,
    Progress,
    SampleDiff,
    StageCompleted,
    StageStarted,
)
from agents.workflow.presenter import Presenter
from tools.sensitive.policy import role_for

MAX_DECISIONS_SHOWN = 80
MAX_LOG_LINES = 40


def title_of(stage: str) -> str:
    return stage.replace("_", " ").capitalize()


def decision_row(event: Decision) -> dict[str, Any]:
    """A column's sensitivity decision as a table row: role, type, confidence, evidence (Confluence cited)."""
    text = event.decision
    sensitive = text.startswith("sensitive:")
    entity = text.removeprefix("sensitive:").strip().split(" (")[0] if sensitive else "none"
    role = role_for(entity, sensitive)
    return {
        "column": event.subject,
        "role": role,
        "type": entity if sensitive else "",
        "confidence": None if event.confidence is None else round(event.confidence, 2),
        "evidence": event.evidence[:3],
    }


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")[:80]


def decisions_markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| column | role | type | confidence | evidence |", "|---|---|---|---|---|"]
    for row in rows[:MAX_DECISIONS_SHOWN]:
        confidence = "" if row["confidence"] is None else f"{row['confidence']:.0%}"
        evidence = "; ".join(_cell(e)[:60] for e in row["evidence"][:2])
        lines.append(f"| {_cell(row['column'])} | {row['role']} | {row['type']} | {confidence} | {evidence} |")
    if len(rows) > MAX_DECISIONS_SHOWN:
        lines.append(f"\n… and {len(rows) - MAX_DECISIONS_SHOWN} more")
    return "\n".join(lines)


def progress_line(event: Progress) -> str:
    if event.total:
        eta = f", about {event.eta_seconds:.0f}s left" if event.eta_seconds else ""
        return f"{event.action}: {event.done:,} of {event.total:,}{eta}"
    return event.action


def completion_line(event: StageCompleted) -> str:
    if event.skipped:
        return f"Skipped: {event.skipped}"
    counts = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in event.counts.items())
    rate = f", success rate {event.success_rate:.0%}" if event.success_rate is not None else ""
    return f"Done in {event.seconds:.1f}s{rate}" + (f": {counts}" if counts else "")


@dataclass
class StageText:
    """What a stage's step shows, rebuilt into its output on every update."""

    explanation: str = ""
    progress: dict[str, str] = field(default_factory=dict)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    done: str = ""
    failed: str = ""

    def markdown(self) -> str:
        blocks = [self.explanation] if self.explanation else []
        if self.progress:
            blocks.append("\n".join(f"- {line}" for line in self.progress.values()))
        if self.decisions:
            blocks.append(decisions_markdown(self.decisions))
        if self.done:
            blocks.append(f"**{self.done}**")
        if self.failed:
            blocks.append(f"**Failed:** {self.failed}")
        return "\n\n".join(blocks)


@dataclass
class StageState:
    """A stage as the workflow view shows it."""

    stage: str
    agent: str = ""
    state: str = "waiting"
    seconds: float | None = None
    records: int | None = None
    success_rate: float | None = None
    log: list[str] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    sample: dict[str, Any] | None = None

    def props(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "title": title_of(self.stage),
            "agent": self.agent,
            "state": self.state,
            "seconds": self.seconds,
            "records": self.records,
            "success_rate": self.success_rate,
            "log": self.log[-MAX_LOG_LINES:],
            "decisions": self.decisions[:MAX_DECISIONS_SHOWN],
            "sample": self.sample,
        }


def records_of(counts: dict[str, int]) -> int | None:
    """The records a stage hands on: rows if it counts them, else the first count."""
    for key in ("rows", "synthetic_rows", "rows_written", "records"):
        if key in counts:
            return counts[key]
    return next(iter(counts.values()), None) if counts else None


class RunView:
    """Renders one run's events into the current Chainlit session."""

    def __init__(
        self, run_id: str, presenter: Presenter | None = None, *, workflow: bool = True, run_dir: Path | None = None
    ) -> None:
        self.run_id = run_id
        self.run_dir = run_dir
        self.presenter = presenter
        self.steps: dict[str, cl.Step] = {}
        self.texts: dict[str, StageText] = {}
        self.states: dict[str, StageState] = {s: StageState(stage=s) for s in STAGES}
        self.cost: cl.Message | None = None
        self.workflow_enabled = workflow
        self.workflow: cl.CustomElement | None = None
        self.workflow_message: cl.Message | None = None
        self.charts = 0
        self._dirty: set[str] = set()

    # ---------------------------------------------------------------- the batch

    async def render(self, events: list[Event]) -> None:
        """Render a batch of events, then update each touched step once."""
        for event in events:
            await self.one(event)
        for stage in sorted(self._dirty, key=STAGES.index):
            step = self.steps.get(stage)
            if step is not None:
                step.output = self.texts[stage].markdown()
                await step.update()
        if self._dirty or any(isinstance(e, StageStarted | StageCompleted | Failed) for e in events):
            await self.update_workflow()
        self._dirty.clear()

    async def one(self, event: Event) -> None:
        stage = event.stage
        if isinstance(event, StageStarted) and stage is not None:
            await self._started(event)
        elif isinstance(event, Progress) and stage is not None:
            self._text(stage).progress[event.action.split(":")[0]] = progress_line(event)
            self._log(stage, progress_line(event))
        elif isinstance(event, Decision):
            await self._decision(event)
        elif isinstance(event, StageCompleted) and stage is not None:
            await self._completed(event)
        elif isinstance(event, Failed) and stage is not None:
            self._text(stage).failed = f"{event.error} ({event.context})"
            state = self.states[stage]
            state.state = "failed"
            self._log(stage, f"failed: {event.error}")
            await self._close(stage, error=True)
        elif isinstance(event, Chart):
            await self.chart(event)
        elif isinstance(event, SampleDiff):
            await self.sample_diff(event)
        elif isinstance(event, CostUpdate):
            await self.cost_update(event)
        elif isinstance(event, ApprovalRequested) and stage is not None:
            self._log(stage, f"asked: {event.question}")

    # ---------------------------------------------------------------- stages

    def _text(self, stage: str) -> StageText:
        self._dirty.add(stage)
        return self.texts.setdefault(stage, StageText())

    def _log(self, stage: str, line: str) -> None:
        log = self.states[stage].log
        if not log or log[-1] != line:
            log.append(line)

    async def _started(self, event: StageStarted) -> None:
        stage = event.stage
        assert stage is not None
        step_script = self.presenter.step(stage) if self.presenter else None
        if step_script is not None:
            await cl.Message(content=f"**{step_script.title}**: {step_script.narration}", author="Presenter").send()
        old = self.steps.pop(stage, None)
        if old is not None:
            await self._close(stage)
        agent = event.agent or "doppel"
        step = cl.Step(name=f"{title_of(stage)} · {agent}", type="tool", default_open=True)
        step.input = ""
        await step.send()
        self.steps[stage] = step
        self.texts[stage] = StageText(
            explanation=f"**What:** {event.what}. **Why:** {event.why}. **Expect:** {event.expected}."
        )
        self._dirty.add(stage)
        state = self.states[stage]
        state.state, state.agent, state.seconds, state.records = "active", agent, None, None
        state.log.append(f"started: {event.what}")

    async def _decision(self, event: Decision) -> None:
        stage = event.stage
        if stage == "classify" and event.subject.count(".") >= 1 and not event.subject.startswith("run "):
            row = decision_row(event)
            self._text(stage).decisions.append(row)
            self.states[stage].decisions.append(row)
            return
        if stage is not None and stage in self.steps:
            self._text(stage).progress[f"decision {event.subject}"] = f"{event.subject}: {event.decision}"
            self._log(stage, f"decided: {event.subject}: {event.decision}")
            return
        evidence = f" ({'; '.join(event.evidence)})" if event.evidence else ""
        await cl.Message(content=f"**{event.subject}**: {event.decision}{evidence}", author="Doppel").send()

    async def _completed(self, event: StageCompleted) -> None:
        stage = event.stage
        assert stage is not None
        state = self.states[stage]
        state.state = "skipped" if event.skipped else "done"
        state.seconds = event.seconds
        state.records = records_of(event.counts)
        state.success_rate = event.success_rate
        self._log(stage, completion_line(event))
        if stage not in self.steps:  # skipped without starting: no step of its own
            return
        self._text(stage).done = completion_line(event)
        step_script = self.presenter.step(stage) if self.presenter else None
        await self._close(stage)
        if stage == "evaluate" and not event.skipped and self.run_dir is not None:
            await self.evaluation_charts(self.run_dir)
        if step_script is not None and step_script.callout and not event.skipped:
            await cl.Message(content=f"**Key decision:** {step_script.callout}", author="Presenter").send()

    async def _close(self, stage: str, *, error: bool = False) -> None:
        step = self.steps.get(stage)
        if step is None:
            return
        step.output = self.texts[stage].markdown()
        step.is_error = error
        step.end = utc_now()
        await step.update()
        self._dirty.discard(stage)

    # ---------------------------------------------------------------- elements

    async def chart(self, event: Chart) -> None:
        import plotly.io as pio

        figure = pio.from_json(json.dumps(event.figure))
        self.charts += 1
        element = cl.Plotly(name=f"chart-{self.charts}", figure=figure, display="inline", size="large")
        await cl.Message(content=f"Chart: {event.title}", elements=[element], author="Doppel").send()

    async def evaluation_charts(self, run_dir: Path) -> None:
        """The quality scores and correlation heatmaps from the run's evaluation.json."""
        import asyncio

        from chat_ui.charts import evaluation_charts

        for title, figure in await asyncio.to_thread(evaluation_charts, run_dir):
            self.charts += 1
            element = cl.Plotly(name=f"chart-{self.charts}", figure=figure, display="inline", size="large")
            await cl.Message(content=f"Chart: {title}", elements=[element], author="Doppel").send()

    async def sample_diff(self, event: SampleDiff) -> None:
        props = {
            "table": event.table,
            "columns": event.columns,
            "before": event.before,
            "after": event.after,
            "changed": event.changed,
        }
        if event.stage is not None:
            self.states[event.stage].sample = props
        element = cl.CustomElement(name="SampleDiff", props=props, display="inline")
        await cl.Message(
            content=f"Before and after: {event.table} (sample cells shown as their shapes; changed cells highlighted)",
            elements=[element],
            author="Doppel",
        ).send()

    async def cost_update(self, event: CostUpdate) -> None:
        estimate = f" of an estimated ${event.estimate:.4f}" if event.estimate is not None else ""
        services = ", ".join(f"{k} ${v:.4f}" for k, v in event.by_service.items() if v)
        text = f"Running cost: ${event.total:.4f}{estimate}" + (f" ({services})" if services else "")
        if self.cost is None:
            self.cost = cl.Message(content=text, author="Doppel")
            await self.cost.send()
        else:
            self.cost.content = text
            await self.cost.update()

    # ---------------------------------------------------------------- the workflow view

    def workflow_props(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "stages": [self.states[s].props() for s in STAGES]}

    async def update_workflow(self) -> None:
        if not self.workflow_enabled:
            return
        if self.workflow is None:
            self.workflow = cl.CustomElement(name="WorkflowView", props=self.workflow_props(), display="inline")
            self.workflow_message = cl.Message(content="Workflow", elements=[self.workflow], author="Doppel")
            await self.workflow_message.send()
            return
        self.workflow.props = self.workflow_props()
        self.workflow.content = json.dumps(self.workflow.props)
        await self.workflow.update()

    async def stopped(self, stage: str | None) -> None:
        """The stage a Stop ended: its step closes saying so; it runs again on resume."""
        if stage is None or stage not in self.steps:
            return
        self._text(stage).done = "Stopped: this stage runs again from its start when the run resumes"
        self.states[stage].state = "waiting"
        self._log(stage, "stopped")
        await self._close(stage)
        await self.update_workflow()

    def restore(self, status: Any) -> None:
        """Stage states from a RunStatus (after a rewind, or when reopening a run)."""
        names = {"pending": "waiting", "running": "active", "completed": "done", "skipped": "skipped"}
        for s in status.stages:
            state = self.states[s.stage]
            state.state = names.get(s.state, s.state)
            if s.state == "pending":
                state.seconds = state.records = None
