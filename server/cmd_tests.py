"""`doppel tests generate|run|sync`: Jira scenarios into Robot suites, run in parallel, reported back.

Jira is read from settings (``[jira]`` in doppel.toml, or ``DOPPEL_JIRA__URL`` / ``__TOKEN`` ...). A failed
test is a result, not an error: `tests run` exits 0 and says how many failed; only a run that could not
produce results exits non-zero.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from server.tables import Column, FitTable

STATUS_STYLE = {"PASS": "green", "FAIL": "red", "SKIP": "yellow", "NOT RUN": "yellow"}


def _progress(err: Any) -> Any:
    """Progress as plain lines on stderr: one per finished test (the listener's stream), so a long run
    shows where it is, in a terminal or a log. The run's own opening and closing step is not repeated."""
    overall: list[str] = []

    def progress(step: str, done: int, total: int | None) -> None:
        if done == 0 and not overall:
            overall.append(step)
            err.print(escape(step), highlight=False, soft_wrap=True)
        elif total is not None and step not in overall:
            err.print(f"[{done}/{total}] {escape(step)}", highlight=False, soft_wrap=True)

    return progress


def register(app: typer.Typer) -> None:
    """Add the `tests` group to the doppel app."""
    from server.cli import err, out, user_errors, warn

    tests = typer.Typer(help="Test scenarios from Jira as Robot suites: generate, run in parallel, sync.",
                        no_args_is_help=True)  # fmt: skip
    app.add_typer(tests, name="tests")

    @tests.command("generate")
    @user_errors
    def generate(
        jql: Annotated[str, typer.Option("--jql", help='the scenarios, e.g. labels = "doppel-telecom"')],
        data: Annotated[Path, typer.Option("--data", help="folder of the synthetic tables (an export folder)")],
        out_dir: Annotated[Path, typer.Option("--out", help="folder to write the .robot suites to")],
        rest_url: Annotated[str | None, typer.Option("--rest-url", help="REST target base URL")] = None,
        database: Annotated[str | None, typer.Option("--db", help="target database SQLAlchemy URL")] = None,
        max_records: Annotated[int, typer.Option("--max-records", min=1, help="records per data check")] = 100,
        seed: Annotated[int, typer.Option("--seed", min=0, help="seed of the record choice")] = 0,
    ) -> None:
        """Fetch the scenarios JQL selects and write one Robot suite per scenario over the records of DATA."""
        from tools.capability.testing import jira_client
        from tools.testcases.generate import GenerateSuitesRequest, generate_suites

        request = GenerateSuitesRequest(jql=jql, data=data, out=out_dir, rest_url=rest_url, database=database,
                                        max_records=max_records, seed=seed)  # fmt: skip
        result = generate_suites(request, jira_client())
        for warning in result.warnings:
            warn(warning)
        table = FitTable(
            [Column("key"), Column("suite"), Column("table", optional=True), Column("records", justify="right"),
             Column("checks", wrap=True)],
            title=f"{result.scenarios} scenario(s) -> {result.out}",
        )  # fmt: skip
        for s in result.suites:
            checks = (
                "; ".join(s.checks) if s.automated else "[yellow]not automated[/]: " + escape("; ".join(s.unmapped))
            )
            table.add_row(escape(s.key), escape(s.file), escape(s.table or ""), str(s.records),
                          checks if not s.automated else escape(checks))  # fmt: skip
        out.print(table)
        out.print(
            f"{result.automated} suite(s) automated, {result.not_automated} not; {result.records} record(s) named. "
            f"Run them: doppel tests run {escape(str(result.out))}",
            highlight=False,
            soft_wrap=True,
        )

    @tests.command("run")
    @user_errors
    def run(
        suites: Annotated[Path, typer.Argument(help="folder of .robot suites")],
        processes: Annotated[int, typer.Option("--processes", "-p", min=1, max=32, help="suites at a time")] = 2,
        results: Annotated[Path | None, typer.Option("--out", help="results folder [default: SUITES/results]")] = None,
        rest_url: Annotated[str | None, typer.Option("--rest-url", help="REST target (default: the suites')")] = None,
        database: Annotated[str | None, typer.Option("--db", help="target database URL (default: the suites')")] = None,
    ) -> None:
        """Run every suite of SUITES with pabot, one suite per process; failed tests are results (exit 0)."""
        from tools.testrun.runner import run_suites

        folder = results or suites / "results"
        test_run = run_suites(suites, folder, processes, rest_url=rest_url, database=database, progress=_progress(err))
        out.print(results_table(test_run))
        failed = test_run.totals.failed
        colour = "red" if failed else "green"
        out.print(
            f"[{colour}]{escape(test_run.summary())}[/] in {test_run.duration:.1f}s ({processes} processes). "
            f"Results: {escape(str(folder))} (log.html, report.html, output.xml, results.json). "
            f"Sync: doppel tests sync {escape(str(folder))} --policy failures",
            highlight=False,
            soft_wrap=True,
        )

    @tests.command("sync")
    @user_errors
    def sync(
        results: Annotated[Path, typer.Argument(help="a results folder from `doppel tests run` (or its results.json)")],
        policy: Annotated[str, typer.Option("--policy", help="all | failures | dry-run")] = "dry-run",
        link_type: Annotated[str, typer.Option("--link-type", help="Jira link type to the scenario")] = "Relates",
    ) -> None:
        """Report a run to Jira: comments, a Bug per failure (no duplicates on a second sync), or a dry run."""
        from tools.atlassian.jira_sync import POLICIES
        from tools.capability.testing import sync_run
        from tools.errors import DoppelError

        if policy not in POLICIES:
            raise DoppelError(f"--policy: '{policy}' is not one of {', '.join(POLICIES)}")
        report = sync_run(results, policy, link_type)
        table = FitTable([Column("action"), Column("issue"), Column("detail", wrap=True), Column("sent")])
        for action in report.actions:
            table.add_row(action.kind, escape(action.key), escape(action.detail), "yes" if action.done else "no")
        out.print(table)
        out.print(escape(report.summary()), highlight=False)


def results_table(run: Any) -> FitTable:
    table = FitTable(
        [Column("key"), Column("status"), Column("seconds", justify="right"), Column("test", wrap=True),
         Column("message", wrap=True, optional=True)],
        title=f"test run {run.run_id}",
    )  # fmt: skip
    for t in run.tests:
        style = STATUS_STYLE.get(t.status, "white")
        extra = f" (screenshot: {', '.join(t.screenshots)})" if t.screenshots else ""
        table.add_row(escape(t.key or "-"), f"[{style}]{t.status}[/]", f"{t.duration:.2f}", escape(t.name),
                      escape((t.message[:200] + extra).strip()))  # fmt: skip
    return table
