"""`doppel audit export` and `doppel audit archive`: the audit trail out of the database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from tools.errors import DoppelError
from tools.export.base import KEEP_FORMULAS


def parse_time(option: str, value: str | None) -> datetime | None:
    """ISO date (midnight UTC) or datetime (UTC unless it carries an offset)."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise DoppelError(f"{option} '{value}': expected an ISO date or time (2026-01-31T09:00)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def time_window(since: str | None, until: str | None, what: str = "record") -> tuple[datetime | None, datetime | None]:
    """``--since`` and ``--until`` parsed; an empty window (until not after since) is an error, not ``[]``."""
    start, end = parse_time("--since", since), parse_time("--until", until)
    if start is not None and end is not None and end <= start:
        relation = "before" if end < start else "not after"
        raise DoppelError(f"--until '{until}' is {relation} --since '{since}': no {what} can match")
    return start, end


def register(app: typer.Typer) -> None:
    """Add the `audit` group to the doppel app."""
    from server.cli import out, user_errors

    audit_app = typer.Typer(help="Export or archive the audit trail.", no_args_is_help=True)
    app.add_typer(audit_app, name="audit")

    @audit_app.command("export")
    @user_errors
    def export(
        fmt: Annotated[str, typer.Option("--format", help="json or csv")] = "json",
        since: Annotated[str | None, typer.Option("--since", help="from this UTC date/time (inclusive)")] = None,
        until: Annotated[str | None, typer.Option("--until", help="before this UTC date/time")] = None,
        user: Annotated[str | None, typer.Option("--user", help="only this user's records")] = None,
        kind: Annotated[
            str | None, typer.Option("--kind", help="run, classification, external_call, approval or failure")
        ] = None,
        run_id: Annotated[str | None, typer.Option("--run", help="only this run's records")] = None,
        out_file: Annotated[Path | None, typer.Option("--out", help="write to this file instead of stdout")] = None,
        keep_formulas: Annotated[bool, typer.Option("--keep-formulas", help=KEEP_FORMULAS)] = False,
    ) -> None:
        """Audit records (metadata only) as JSON or CSV, filtered by time, user, kind or run."""
        from agents.state.audit import AUDIT_KINDS, AuditFilter, query, render, run_of
        from tools.files import write_text_atomic
        from tools.settings import load_settings

        if fmt not in ("json", "csv"):
            raise DoppelError(f"--format: '{fmt}' is not one of json, csv")
        if kind is not None and kind not in AUDIT_KINDS:
            raise DoppelError(f"--kind: '{kind}' is not one of {', '.join(AUDIT_KINDS)}")
        start, end = time_window(since, until)
        settings = load_settings()
        where = AuditFilter(
            since=start,
            until=end,
            user=user,
            kind=kind,
            run_id=None if run_id is None else run_of(settings, run_id),
        )
        text = render(query(settings, where), fmt, not keep_formulas)  # type: ignore[arg-type]
        if out_file is None:
            typer.echo(text, nl=False)
        else:
            write_text_atomic(out_file, text)
            out.print(f"audit written to {out_file}", highlight=False)

    @audit_app.command("archive")
    @user_errors
    def archive() -> None:
        """Move records older than the retention period (settings.retention_days) into <home>/archive/."""
        from agents.state.audit import archive as run_archive
        from tools.settings import load_settings

        settings = load_settings()
        result = run_archive(settings)
        if result.path is None:
            out.print(f"nothing older than {settings.retention_days} days to archive", highlight=False)
        else:
            out.print(f"archived {result.archived} record(s) to {result.path}", highlight=False)
