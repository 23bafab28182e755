"""`doppel load` and `doppel unload`: an output folder into target systems, and exactly that back out.

``doppel load DIR --target NAME_OR_URL ...`` prints, per target and table, the rows loaded, updated,
rejected (with the reasons) and the requests retried, says plainly which targets are stand-ins, and
names the load id that ``doppel unload`` takes. Exit 0 only when every target succeeded, 1 otherwise
(2 for a user error before anything was loaded).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from tools.errors import DoppelError
from tools.progress import ProgressCallback

MODES = ("insert", "upsert", "replace")


def parse_keys(values: list[str]) -> dict[str, list[str]]:
    """``table=col`` or ``table=col1,col2`` -> ``{"table": ["col1", "col2"]}``."""
    keys: dict[str, list[str]] = {}
    for raw in values:
        table, sep, columns = raw.partition("=")
        names = [c.strip() for c in columns.split(",") if c.strip()]
        if not sep or not table.strip() or not names:
            raise DoppelError(f"--key '{raw}': expected TABLE=COLUMN[,COLUMN]")
        keys[table.strip()] = names
    return keys


def print_load_report(report: Any, console: Console) -> None:
    from server.tables import Column, FitTable

    table = FitTable(
        [Column("target"), Column("kind"), Column("table"), Column("loaded", justify="right"),
         Column("updated", justify="right"), Column("rejected", justify="right"),
         Column("retried", justify="right"), Column("status", wrap=True)],
        title=f"load {report.load_id}: {report.source}",
    )  # fmt: skip
    for t in report.targets:
        kind = f"{t.target.kind} (STAND-IN)" if t.target.stand_in else t.target.kind
        status = "ok" if t.ok else "FAILED"
        if not t.tables:
            table.add_row(escape(t.target.name), kind, "", "", "", "", "", status)
        for i, row in enumerate(t.tables):
            name, what = (escape(t.target.name), kind) if i == 0 else ("", "")
            table.add_row(name, what, escape(row.table), f"{row.loaded:,}", f"{row.updated:,}",
                          f"{row.rejected:,}", f"{row.retried:,}", status if i == 0 else "")  # fmt: skip
    console.print(table)
    for t in report.targets:
        if t.replaced:
            console.print(f"{escape(t.target.name)}: {t.replaced:,} rows of earlier loads removed first (replace)")
        for row in t.tables:
            for reason in row.reasons:
                examples = f" (e.g. {', '.join(reason.keys)})" if reason.keys else ""
                console.print(
                    f"  rejected by {escape(t.target.name)}/{escape(row.table)}: {reason.count:,} × "
                    f"{escape(reason.reason)}{escape(examples)}",
                    highlight=False,
                    soft_wrap=True,
                )
        if not t.ok:
            console.print(
                f"[red]✗ {escape(t.target.name)} ({escape(t.target.where)}):[/] {escape(t.error or 'failed')}",
                highlight=False,
                soft_wrap=True,
            )
    for warning in report.warnings:
        console.print(f"[yellow]note:[/] {escape(warning)}", highlight=False, soft_wrap=True)
    if report.notice:
        console.print(f"[bold yellow]{escape(report.notice)}[/]", highlight=False, soft_wrap=True)
    console.print(
        f"load id: {report.load_id} (keys recorded in {report.record}; undo with: doppel unload {report.load_id})",
        highlight=False,
        soft_wrap=True,
    )


def print_unload_report(what: str, report: Any, console: Console) -> None:
    for t in report.targets:
        kind = f"{t.kind}, STAND-IN" if t.stand_in else t.kind
        if t.ok:
            removed = ", ".join(f"{table} {count:,}" for table, count in t.removed.items()) or "nothing recorded"
            console.print(f"✓ {escape(t.target)} ({kind}, {t.load_id}): removed {escape(removed)}", highlight=False)
        else:
            console.print(
                f"[red]✗ {escape(t.target)} ({kind}, {t.load_id}):[/] {escape(t.error or 'failed')}",
                highlight=False,
                soft_wrap=True,
            )
    if not report.targets:
        console.print(f"{what}: nothing was loaded", highlight=False)
    if report.notice:
        console.print(f"[bold yellow]{escape(report.notice)}[/]", highlight=False, soft_wrap=True)


@contextmanager
def run_stand_ins(config: Any, console: Console) -> Iterator[None]:
    """For `doppel run` and `doppel resume`: the stand-ins the run's targets need (``stand_in: true``, no
    URL) served in-process for the whole run, unless `doppel mocks` of this home already serves them."""
    from tools.settings import load_settings
    from tools.targets.resolve import resolve_targets
    from tools.targets.standins import NOTICE, serving

    settings = load_settings()
    try:
        targets = resolve_targets(config.targets, settings)
    except DoppelError:
        targets = []  # the distribute stage says what is wrong with them
    with serving(targets, settings) as started:
        if started:
            where = ", ".join(f"{kind} {url}" for kind, url in started.items())
            console.print(
                f"[bold yellow]{escape(NOTICE)}[/] started for this run: {escape(where)} "
                f"(state in {escape(str(settings.home / 'mocks'))})",
                highlight=False,
                soft_wrap=True,
            )
        yield


def stored_config(run_id: str) -> Any:
    """The configuration a run was started with (None when the run is unknown: resume says so)."""
    from agents.state import store
    from agents.state.db import session
    from agents.workflow.config import RunConfig
    from tools.settings import load_settings

    try:
        with session(load_settings()) as s:
            return RunConfig.model_validate(store.get_run(s, run_id).config)
    except (DoppelError, ValueError):
        return None


def register(app: typer.Typer) -> None:
    """Add `load` and `unload` to the doppel app."""
    from server.cli import err, out, user_errors

    @app.command("load")
    @user_errors
    def load(
        folder: Annotated[Path, typer.Argument(help="output folder of `doppel generate` or `doppel synthesize`")],
        target: Annotated[
            list[str],
            typer.Option(
                "--target",
                "-t",
                help="a doppel.toml [targets.NAME], or a URL: postgresql://..., mysql://..., sqlite:///file.db, "
                "https://api..., s3://bucket/prefix, or a folder (repeatable)",
            ),
        ],
        mode: Annotated[
            str | None,
            typer.Option("--mode", help="insert | upsert | replace (unload earlier loads first) [default: target's]"),
        ] = None,
        batch_size: Annotated[int | None, typer.Option("--batch-size", min=1, help="rows per batch")] = None,
        allow_rejected: Annotated[
            float | None,
            typer.Option(
                "--allow-rejected",
                min=0.0,
                max=1.0,
                help="share of rows a target may reject (its validation, duplicate keys) and still succeed [default: "
                "target's, else 0]",
            ),
        ] = None,
        key: Annotated[
            list[str] | None, typer.Option("--key", help="TABLE=COLUMN[,COLUMN]: a table's primary key (repeatable)")
        ] = None,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress")] = False,
    ) -> None:
        """Load an output folder (any format, related tables) into target systems; exit 0 only when every
        target succeeded."""
        from tools.settings import load_settings
        from tools.targets.service import load_folder

        if mode is not None and mode not in MODES:
            raise DoppelError(f"--mode: '{mode}' is not one of {', '.join(MODES)}")
        settings = load_settings()
        with _progress(err, quiet) as progress:
            report = load_folder(
                folder, target, settings, mode=mode, batch_size=batch_size, allow_rejected=allow_rejected,
                keys=parse_keys(key or []), progress=progress,
            )  # fmt: skip
        print_load_report(report, out)
        if not report.ok:
            raise typer.Exit(1)

    @app.command("unload")
    @user_errors
    def unload(
        ref: Annotated[str, typer.Argument(help="a run id (or unique prefix), or a load id printed by `doppel load`")],
        target: Annotated[
            list[str] | None,
            typer.Option("--target", "-t", help="only this target (its name, or a URL giving its credentials)"),
        ] = None,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress")] = False,
    ) -> None:
        """Remove exactly the rows a run or a load wrote into its targets (children first)."""
        from tools.settings import load_settings
        from tools.targets.service import unload_ref

        with _progress(err, quiet) as progress:
            what, report = unload_ref(ref, load_settings(), targets=target or [], progress=progress)
        print_unload_report(what, report, out)
        if not report.ok:
            raise typer.Exit(1)


@contextmanager
def _progress(console: Console, quiet: bool) -> Iterator[ProgressCallback | None]:
    """A status line on a terminal (nothing otherwise), as the other long commands show."""
    if quiet or not console.is_terminal:
        yield None
        return
    with console.status("loading") as status:

        def progress(step: str, done: int, total: int | None) -> None:
            status.update(escape(step) + (f" ({done:,}/{total:,})" if total else ""))

        yield progress
