"""Events of a run rendered for a terminal: progress bars on a TTY, plain lines otherwise, tables for
classification decisions and approval questions. It only consumes events (no reaching into agents)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from agents.events import (
    ApprovalRequested,
    Chart,
    CostUpdate,
    Decision,
    Event,
    Failed,
    SampleDiff,
    StageCompleted,
    StageStarted,
)
from agents.events import Progress as ProgressEvent
from agents.workflow.status import RunStatus
from server.tables import Column, FitTable

MAX_DECISION_ROWS = 60


class RunRenderer:
    """An EventSink for the CLI. Call ``close()`` when the run call returns."""

    def __init__(self, console: Console, *, live: bool | None = None, presenter: Any = None) -> None:
        self.console = console
        self.presenter = presenter  # a playbook's script: its narration and callouts are printed too
        self.live = console.is_terminal if live is None else live
        self._bar: Progress | None = None
        self._tasks: dict[str, Any] = {}
        self._decisions: list[Decision] = []
        self._columns_shown = False

    def __call__(self, event: Event) -> None:
        if isinstance(event, ProgressEvent):
            self._progress(event)
            return
        if isinstance(event, StageStarted):
            self._stop_bar()
            if self.presenter is not None and (step := self.presenter.step(event.stage)) is not None:
                self._print(f"[italic]{escape(step.title)}: {escape(step.narration)}[/]")
            self._print(f"[bold]▶ {event.stage}[/] {escape(event.what)}")
        elif isinstance(event, Decision):
            if event.stage is None:
                self._print(f"[bold]{escape(event.subject)}: {escape(event.decision)}[/]")
            else:
                self._decisions.append(event)
        elif isinstance(event, StageCompleted):
            self._completed(event)
            step = self.presenter.step(event.stage) if self.presenter is not None and event.stage else None
            if step is not None and step.callout and not event.skipped:
                self._print(f"  [italic]key decision: {escape(step.callout)}[/]")
        elif isinstance(event, ApprovalRequested):
            self._stop_bar()
            self._approval(event)
        elif isinstance(event, Failed):
            self._stop_bar()
            self._print(f"[bold red]✗ {event.stage} failed:[/] {escape(event.error)}")
            if event.context:
                self._print(f"  [dim]{escape(event.context)}[/]")
            if event.remedy:
                self._print(f"  {escape(event.remedy)}")
        elif isinstance(event, CostUpdate):
            estimate = f" (estimate {_money(event.estimate)})" if event.estimate is not None else ""
            self._print(f"  [dim]cost {_money(event.stage_cost)}, run so far {_money(event.total)}{estimate}[/]")
        elif isinstance(event, SampleDiff):
            self._stop_bar()
            self.console.print(DiffView(event))
        elif isinstance(event, Chart):
            self._print(f"  [dim]chart: {escape(event.title)} (in the HTML report and the UI)[/]")

    def close(self) -> None:
        self._stop_bar()

    def _print(self, text: str) -> None:
        target = self._bar.console if self._bar is not None else self.console
        target.print(text, highlight=False)

    def _progress(self, event: ProgressEvent) -> None:
        if not self.live:
            return
        if self._bar is None:
            columns = (TextColumn("  {task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
            self._bar = Progress(*columns, console=self.console, transient=True)
            self._bar.start()
        task = self._tasks.get(event.action)
        if task is None:
            task = self._tasks[event.action] = self._bar.add_task(escape(event.action), total=event.total)
        self._bar.update(task, completed=event.done, total=event.total)

    def _stop_bar(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
            self._tasks = {}

    def _completed(self, event: StageCompleted) -> None:
        self._stop_bar()
        if event.skipped:
            self._print(f"[dim]– {event.stage} skipped: {escape(event.skipped)}[/]")
            return
        counts = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in event.counts.items())
        self._print(f"[green]✓ {event.stage}[/] {event.seconds:.1f}s {escape(counts)}")
        if self._decisions:
            self._decision_table()

    def _decision_table(self) -> None:
        sensitive = [d for d in self._decisions if d.decision.startswith("sensitive")]
        more = len(sensitive) - MAX_DECISION_ROWS
        table = FitTable(
            [
                Column("column"),
                Column("role"),
                Column("entity (strategy)"),
                Column("conf.", justify="right"),
                Column("why", wrap=True, readable=30),
            ],
            title=f"{len(sensitive)} of {len(self._decisions)} columns sensitive",
            caption=f"and {more} more: `doppel runs events RUN`" if more > 0 else None,
        )
        for d in sensitive[:MAX_DECISION_ROWS]:
            confidence = f"{d.confidence:.2f}" if d.confidence is not None else ""
            role, entity = decision_parts(d.decision)
            table.add_row(escape(d.subject), escape(role), escape(entity), confidence, escape(why(d.evidence)))
        self.console.print(table)
        self._decisions = []
        self._columns_shown = True

    def _approval(self, event: ApprovalRequested) -> None:
        self._print(f"[bold yellow]? approval ({event.context.get('point', event.stage)}):[/] {escape(event.question)}")
        columns = event.context.get("sensitive")
        if isinstance(columns, list) and columns and not self._columns_shown:
            from tools.sensitive.policy import describe_role

            table = FitTable(
                [Column("column"), Column("role"), Column("entity"), Column("conf.", justify="right"),
                 Column("strategy"), Column("why", wrap=True, readable=30)]
            )  # fmt: skip
            for c in columns:
                role = describe_role(c["role"], c.get("flag")) if c.get("role") else "-"
                table.add_row(
                    escape(c["column"]), escape(role), c["entity"], f"{c['confidence']:.2f}", c["strategy"],
                    escape(c.get("why", "")),
                )  # fmt: skip
            self.console.print(table)


def decision_parts(decision: str) -> tuple[str, str]:
    """``sensitive: sensitive attribute (GDPR art. 9), medical_condition (synthesise)`` -> the role and
    ``medical_condition (synthesise)``; a decision recorded before roles has no role (``-``)."""
    text = decision.removeprefix("sensitive: ")
    role, sep, entity = text.partition(", ")
    return (role, entity) if sep else ("-", text)


def why(evidence: list[str]) -> str:
    """The strongest reason for a sensitive decision (``method: detail``, strongest first): the first that is
    not a rule against it, without its method."""
    reasons = [e for e in evidence if not e.startswith("negative_rule:")] or evidence
    return reasons[0].partition(": ")[2] if reasons else "-"


DIFF_COLUMNS = 5
DIFF_WIDTH = 22  # a value wider than this is shortened with an ellipsis (it is a sample's shape)


class DiffView:
    """A SampleDiff as a table of as many of its first columns (up to DIFF_COLUMNS) as fit the width."""

    def __init__(self, event: SampleDiff) -> None:
        self.event = event

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        shown = 1
        for count in range(1, min(DIFF_COLUMNS, len(self.event.columns)) + 1):
            if _diff_width(self.event, count) <= options.max_width:
                shown = count
        yield diff_table(self.event, shown)


def _diff_width(event: SampleDiff, count: int) -> int:
    rows = [*event.before, *event.after]
    widths = [len("synthetic")] + [
        max(len(c), min(DIFF_WIDTH, max([0] + [len(str(r.get(c) if r.get(c) is not None else "")) for r in rows])))
        for c in event.columns[:count]
    ]  # a header is never shortened
    return sum(widths) + 3 * len(widths) - 1


def diff_table(event: SampleDiff, count: int = DIFF_COLUMNS) -> Table:
    """Sample rows (shapes) over synthetic rows, first few columns: what synthesis changed, at a glance."""
    columns = event.columns[:count]
    more = f", +{len(event.columns) - len(columns)} more columns" if len(event.columns) > len(columns) else ""
    table = Table(title=f"{event.table}: sample (shapes) vs synthetic{more}", show_edge=False, title_justify="left")
    table.add_column("", style="dim", no_wrap=True)
    for column in columns:
        width = max(DIFF_WIDTH, len(column))
        table.add_column(escape(column), overflow="ellipsis", no_wrap=True, max_width=width, min_width=len(column))
    for label, rows, style in (("sample", event.before, "dim"), ("synthetic", event.after, None)):
        for i, row in enumerate(rows):
            cells = [escape(str(row.get(c) if row.get(c) is not None else "")) for c in columns]
            table.add_row(label if i == 0 else "", *cells, style=style)
    return table


def _money(value: float) -> str:
    return f"${value:,.2f}" if value >= 1 else f"${value:.6f}"


def stage_table(status: RunStatus) -> FitTable:
    """The stages of a run as a table (for `doppel runs show` and the end of `doppel run`)."""
    table = FitTable(
        [Column("stage"), Column("state"), Column("seconds", justify="right"), Column("outputs"),
         Column("note", wrap=True)],
        title=escape(f"run {status.run_id} ({status.name}): {status.state.replace('_', ' ')}"),
    )  # fmt: skip
    for s in status.stages:
        seconds = f"{s.seconds:.1f}" if s.state in ("completed", "failed") else ""
        table.add_row(s.stage, s.state, seconds, str(len(s.outputs)) if s.outputs else "", escape(s.message or ""))
    return table


def runs_table(found: Sequence[RunStatus], *, outputs: bool = False) -> FitTable:
    """Runs, one row each: id, name, state, current stage (or the number of outputs), creation time."""
    table = FitTable(
        [Column("run"), Column("name", optional=True), Column("state"), Column("outputs" if outputs else "stage"),
         Column("created (UTC)")]
    )  # fmt: skip
    for s in found:
        created = s.created_at.strftime("%Y-%m-%d %H:%M:%S")
        fourth = str(sum(len(st.outputs) for st in s.stages)) if outputs else s.current_stage or ""
        table.add_row(s.run_id, escape(s.name), s.state.replace("_", " "), fourth, created)
    return table
