"""`doppel run`, `doppel resume` and `doppel runs ...`: drive the workflow engine from a terminal.

On a TTY an approval point or a failed stage is asked about on the spot; otherwise the run stops paused
and the command prints how to continue (`doppel runs approve RUN`, then `doppel resume RUN`).
Exit codes: 0 completed or paused for an approval, 1 paused after a failure or aborted, 2 user error.
"""

from __future__ import annotations

import json
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.markup import escape

from agents.workflow.config import resolve_config
from server.cmd_load import run_stand_ins, stored_config
from tools.errors import DoppelError
from tools.export.base import KEEP_FORMULAS
from tools.sensitive.model import ROLES

BOOLEAN = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def load_config_arg(config: str | None, config_id: str | None) -> Any:
    """The RunConfig named by a path, a playbook, ``config:ID`` or ``--config-id`` (one of them).

    A saved configuration is checked first (files present, targets reachable) like `doppel configs load`."""
    from agents.workflow import api

    if (config is None) == (config_id is None):
        raise DoppelError("CONFIG or --config-id: give exactly one (a config file, a playbook, or a saved id)")
    if config_id is None and config is not None and config.startswith("config:"):
        config_id = config.removeprefix("config:")
    if config_id is not None:
        from agents import configs
        from tools.settings import load_settings

        return configs.load(load_settings(), config_id).config
    assert config is not None
    return api.load_run_config(resolve_config(config))


def parse_changes(values: list[str]) -> dict[str, dict[str, Any]]:
    """``table.column=sensitive:false[,entity:email]`` or ``table.column=role:sensitive_attribute`` ->
    ``{"table.column": {"sensitive": False, ...}}``."""
    changes: dict[str, dict[str, Any]] = {}
    for raw in values:
        column, sep, rest = raw.partition("=")
        if not sep or "." not in column or not rest:
            raise DoppelError(f"--change '{raw}': expected table.column=field:value[,field:value]")
        fields = changes.setdefault(column.strip(), {})
        for part in rest.split(","):
            key, sep, value = part.partition(":")
            if not sep or not key.strip():
                raise DoppelError(f"--change '{raw}': expected field:value, got '{part}'")
            key, value = key.strip(), value.strip()
            if key == "sensitive":
                if value.lower() not in BOOLEAN:
                    raise DoppelError(f"--change '{raw}': sensitive must be true or false, got '{value}'")
                fields[key] = BOOLEAN[value.lower()]
            else:
                fields[key] = value
    return changes


KEY_OUTPUTS = (
    ("export", "", "synthetic data"),
    ("evaluate", "report.html", "evaluation report"),
    ("report", "report.md", "run summary"),
)


def key_outputs(status: Any) -> list[tuple[str, Any]]:
    """(label, path) of the files a person opens first: the exported data, the HTML report, the summary."""
    found = []
    for stage in status.stages:
        for wanted_stage, suffix, label in KEY_OUTPUTS:
            if stage.stage != wanted_stage:
                continue
            for rel in stage.outputs:
                if rel.endswith(suffix) and not rel.endswith("metadata.json"):
                    found.append((label, status.artifacts_dir / rel))
    return found


def print_interrupted(status: Any, console: Console) -> None:
    """For a run whose process stopped mid-stage (killed, crashed): say so and how to continue it."""
    if status.resume_command:
        console.print(
            f"[yellow]interrupted:[/] run {status.run_id} stopped during {status.current_stage or 'a stage'} "
            f"(its process is gone); continue it with: {status.resume_command}",
            highlight=False,
        )


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def drive(first: Any, *, approve_all: bool, console: Console, presenter: Any = None) -> None:
    """Call ``first(sink)`` (start or resume), then keep asking and resuming while on a TTY; print the end
    (with a playbook's ``presenter`` script, its narration and callouts too)."""
    from agents.workflow import api
    from server.run_render import RunRenderer, stage_table

    renderer = RunRenderer(console, presenter=presenter)
    try:
        status = first(renderer)
    except KeyboardInterrupt:
        renderer.close()
        console.print("interrupted: `doppel runs list` shows the run, `doppel resume RUN` continues it")
        raise typer.Exit(130) from None
    try:
        while status.state in ("paused_approval", "paused_failure") and _interactive():
            renderer.close()
            if not _ask(status):
                break
            status = api.resume_run(status.run_id, approve_all=approve_all, sink=renderer)
    except KeyboardInterrupt:
        console.print(f"interrupted: `doppel resume {status.run_id}` continues the run")
        raise typer.Exit(130) from None
    finally:
        renderer.close()
    console.print(stage_table(status))
    console.print(f"artifacts: {status.artifacts_dir}", highlight=False)
    for label, path in key_outputs(status):
        console.print(f"  {label}: {path}", highlight=False)
    if status.state == "paused_approval":
        point = status.pending_approval.context.get("point", "") if status.pending_approval else ""
        console.print(
            f"[yellow]paused[/] for approval at {point}. Continue with:\n"
            f"  doppel runs approve {status.run_id}   (or --change table.column=role:sensitive_attribute, "
            "=role:non_sensitive, =sensitive:true, or --abort)\n"
            f"  doppel resume {status.run_id}",
            highlight=False,
        )
    elif status.state == "paused_failure":
        console.print(
            f"[red]paused[/] after a failure. Choose: doppel runs answer {status.run_id} retry|skip|abort, "
            f"then doppel resume {status.run_id}",
            highlight=False,
        )
    if status.state in ("paused_failure", "aborted"):
        raise typer.Exit(1)


def _ask(status: Any) -> bool:
    """Ask on the terminal; False when the person wants to stop here (the run stays paused)."""
    from agents.workflow import api

    if status.pending_failure is not None:
        choice = typer.prompt("retry, skip, abort or later?", default="retry")
        if choice == "later":
            return False
        api.answer_failure(status.run_id, _one_of(choice, ("retry", "skip", "abort")))
        return choice != "abort"
    options = status.pending_approval.options if status.pending_approval else ["approve", "abort"]
    choice = typer.prompt(f"{', '.join(options)} or later?", default="approve")
    if choice == "later":
        return False
    decision = _one_of(choice, tuple(options))
    changes = None
    if decision == "change":
        raw = typer.prompt(f"changes (table.column=role:ROLE or =sensitive:true|false; roles: {', '.join(ROLES)})")
        changes = parse_changes(raw.split())
    api.approve(status.run_id, decision, changes)
    return decision != "abort"


def _one_of(value: str, allowed: tuple[str, ...]) -> Any:
    if value not in allowed:
        raise DoppelError(f"'{value}' is not one of {', '.join(allowed)}")
    return value


def register(app: typer.Typer) -> None:
    """Add `run`, `resume` and the `runs` group to the doppel app."""
    from server.cli import out, user_errors

    @app.command("run")
    @user_errors
    def run(
        config: Annotated[
            str | None,
            typer.Argument(help="run config YAML, a playbook name (telecom, bank, hospital), or config:ID (saved)"),
        ] = None,
        config_id: Annotated[
            str | None, typer.Option("--config-id", help="run a saved configuration (`doppel configs list`)")
        ] = None,
        approve_all: Annotated[
            bool, typer.Option("--approve-all", help="approve every approval point (recorded as automatic)")
        ] = False,
        seed: Annotated[str | None, typer.Option("--seed", help="int or text; overrides the config's seed")] = None,
        keep_formulas: Annotated[
            bool, typer.Option("--keep-formulas", help=f"{KEEP_FORMULAS}; sets the config's keep_formulas")
        ] = False,
    ) -> None:
        """Run the whole workflow (ingest ... report) with checkpoints; resumable after any stop."""
        from agents.workflow import api

        loaded = load_config_arg(config, config_id)
        if seed is not None:
            loaded = loaded.model_copy(update={"seed": seed})
        if keep_formulas:
            loaded = loaded.model_copy(update={"keep_formulas": True})
        with run_stand_ins(loaded, out):
            drive(
                lambda sink: api.start_run(loaded, approve_all=approve_all, sink=sink),
                approve_all=approve_all,
                console=out,
                presenter=loaded.presenter,
            )

    @app.command("resume")
    @user_errors
    def resume(
        run_id: Annotated[str, typer.Argument(help="the run id (or a unique prefix)")],
        approve_all: Annotated[bool, typer.Option("--approve-all", help="approve every approval point")] = False,
    ) -> None:
        """Continue a paused or interrupted run from its last checkpoint."""
        from agents.workflow import api

        config = stored_config(run_id)
        with run_stand_ins(config, out) if config is not None else nullcontext():
            drive(
                lambda sink: api.resume_run(run_id, approve_all=approve_all, sink=sink),
                approve_all=approve_all,
                console=out,
            )

    runs = typer.Typer(help="List, inspect and answer runs.", no_args_is_help=True)
    app.add_typer(runs, name="runs")

    @runs.command("list")
    @user_errors
    def list_(
        query: Annotated[
            str | None, typer.Option("--query", "-q", help="id prefix, or part of name/state/user")
        ] = None,
        limit: Annotated[int, typer.Option("--limit", min=1)] = 20,
    ) -> None:
        """Runs, newest first."""
        from agents.workflow import api
        from server.run_render import runs_table

        found = api.list_runs(query=query, limit=limit)
        out.print(runs_table(found))
        for s in found:
            print_interrupted(s, out)

    @runs.command("show")
    @user_errors
    def show(run_id: Annotated[str, typer.Argument(help="the run id (or a unique prefix)")]) -> None:
        """A run's stages, outputs and the question it waits on."""
        from agents.workflow import api
        from server.run_render import stage_table
        from tools.settings import load_settings

        status = api.get_run(run_id)
        out.print(stage_table(status))
        out.print(f"artifacts: {status.artifacts_dir}", highlight=False)
        if status.pending_approval is not None:
            out.print(f"waiting for approval: {escape(status.pending_approval.question)}", highlight=False)
        if status.pending_failure is not None:
            out.print(f"waiting after a failure: {escape(status.pending_failure.error)}", highlight=False)
        print_interrupted(status, out)
        from agents.costs.runs import stored_total

        if (cost := stored_total(load_settings(), status.run_id)) is not None:
            estimate = f" (estimate ${cost['estimate']:.6f})" if cost["estimate"] is not None else ""
            out.print(f"cost: ${cost['total']:.6f}{estimate}; `doppel costs show {status.run_id}`", highlight=False)

    @runs.command("approve")
    @user_errors
    def approve(
        run_id: Annotated[str, typer.Argument(help="the run id (or a unique prefix)")],
        change: Annotated[
            list[str] | None,
            typer.Option(
                "--change",
                help="override a column: table.column=role:ROLE (identifier, quasi_identifier, "
                "sensitive_attribute, non_sensitive) or =sensitive:true|false (true: identifier; repeatable)",
            ),
        ] = None,
        abort: Annotated[bool, typer.Option("--abort", help="abort the run instead")] = False,
    ) -> None:
        """Answer the approval a run is paused at (then `doppel resume RUN`)."""
        from agents.workflow import api

        if abort and change:
            raise DoppelError("--abort and --change: give one of them")
        changes = parse_changes(change or [])
        decision: Literal["approve", "change", "abort"] = "abort" if abort else "change" if changes else "approve"
        status = api.approve(run_id, decision, changes or None)
        out.print(f"{decision} recorded for run {status.run_id}", highlight=False)
        if status.state != "aborted":
            out.print(f"continue with: doppel resume {status.run_id}", highlight=False)

    @runs.command("answer")
    @user_errors
    def answer(
        run_id: Annotated[str, typer.Argument(help="the run id (or a unique prefix)")],
        choice: Annotated[str, typer.Argument(help="retry, skip or abort")],
    ) -> None:
        """Answer a run paused after a failed stage (then `doppel resume RUN`)."""
        from agents.workflow import api

        status = api.answer_failure(run_id, _one_of(choice, ("retry", "skip", "abort")))
        out.print(f"{choice} recorded for run {status.run_id}", highlight=False)
        if status.state != "aborted":
            out.print(f"continue with: doppel resume {status.run_id}", highlight=False)

    @runs.command("events")
    @user_errors
    def events(
        run_id: Annotated[str, typer.Argument(help="the run id (or a unique prefix)")],
        after: Annotated[int, typer.Option("--after", min=0, help="only events after this sequence number")] = 0,
        as_json: Annotated[bool, typer.Option("--json", help="one JSON event per line")] = False,
    ) -> None:
        """Replay a run's events in order."""
        from agents.workflow import api

        for seq, event in enumerate(api.run_events(run_id, after_seq=after), after + 1):
            if as_json:
                out.print(json.dumps(event.model_dump(mode="json")), highlight=False, soft_wrap=True)
                continue
            text = _event_text(event.model_dump(mode="json"))
            out.print(
                f"{seq:>5} {event.kind:<18} {event.stage or '':<11} {escape(text)}", highlight=False, soft_wrap=True
            )

    register_archive(runs)


def register_archive(runs: typer.Typer) -> None:
    """`runs search`, `runs open` and `runs export`: past runs and their artifacts."""
    from server.cli import out, user_errors

    @runs.command("search")
    @user_errors
    def search(
        text: Annotated[
            str | None, typer.Argument(help="part of an id, name, description, state, user or date (2026-01-31)")
        ] = None,
        since: Annotated[str | None, typer.Option("--since", help="created at or after this UTC date/time")] = None,
        until: Annotated[str | None, typer.Option("--until", help="created before this UTC date/time")] = None,
        state: Annotated[
            str | None, typer.Option("--state", help="running, paused_approval, paused_failure, completed or aborted")
        ] = None,
        limit: Annotated[int, typer.Option("--limit", min=1)] = 50,
    ) -> None:
        """Past runs matching TEXT (and dates or state), newest first."""
        from agents.archive import search_runs
        from server.cmd_audit import time_window
        from tools.settings import load_settings

        states = ("running", "paused_approval", "paused_failure", "completed", "aborted")
        if state is not None:
            _one_of(state, states)
        start, end = time_window(since, until, "run")
        found = search_runs(load_settings(), text, since=start, until=end, state=state, limit=limit)
        if not found:
            out.print("no run matches", highlight=False)
            return
        from server.run_render import runs_table

        out.print(runs_table(found, outputs=True))

    @runs.command("open")
    @user_errors
    def open_(
        run_id: Annotated[str, typer.Argument(help="the run id (or a unique prefix)")],
        launch: Annotated[bool, typer.Option("--launch", help="open the report in the default application")] = False,
    ) -> None:
        """A past run: its key numbers and every artifact (path and size), and where its report is."""
        from rich.tree import Tree

        from agents.archive import open_run
        from tools.settings import load_settings

        opened = open_run(load_settings(), run_id)
        status = opened.status
        out.print(f"run {status.run_id} ({escape(status.name)}): {status.state.replace('_', ' ')}", highlight=False)
        if opened.description:
            out.print(escape(opened.description), highlight=False)
        for key, value in opened.numbers.items():
            out.print(f"  {key}: {value}", highlight=False)
        tree = Tree(escape(str(status.artifacts_dir)))
        branches: dict[str, Any] = {}
        for f in opened.files:
            stage, _, rest = f.path.partition("/")
            branch = branches.get(stage) or branches.setdefault(stage, tree.add(stage))
            branch.add(f"{escape(rest)}  [dim]{f.bytes:,} bytes[/]")
        out.print(tree)
        if opened.report is not None:
            out.print(f"report: {escape(str(opened.report))}", highlight=False)
            if launch:
                typer.launch(str(opened.report))
        elif launch:
            raise DoppelError(f"run {status.run_id}: has no report to open yet")

    @runs.command("export")
    @user_errors
    def export(
        run_id: Annotated[str, typer.Argument(help="the run id (or a unique prefix)")],
        out_file: Annotated[
            Path | None, typer.Option("--out", "-o", help="the zip to write (default: RUN_ID.zip here)")
        ] = None,
    ) -> None:
        """One shareable zip: artifacts, events, audit, configuration, costs, and a sha256 manifest."""
        from agents.archive import export_run
        from tools.settings import load_settings

        result = export_run(load_settings(), run_id, out_file)
        out.print(
            f"archive written to {escape(str(result.path))}: {len(result.members)} files + manifest.json, "
            f"{result.bytes:,} bytes",
            highlight=False,
        )


def _event_text(data: dict[str, Any]) -> str:
    for key in ("action", "what", "question", "error", "skipped"):
        if data.get(key):
            return str(data[key])
    if data["kind"] == "decision":
        return f"{data['subject']}: {data['decision']}"
    if data["kind"] == "cost_update":
        return f"cost {data['stage_cost']:.6f}, total {data['total']:.6f} {data['currency']}"
    if data["kind"] == "stage_completed":
        return ", ".join(f"{k} {v}" for k, v in data["counts"].items())
    return ""
