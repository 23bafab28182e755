"""`doppel evaluate REAL SYNTH --out report.html [--json report.json]`: how good and how safe is SYNTH?"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tools.errors import DoppelError
from tools.progress import ProgressCallback
from tools.quality.model import EvaluateRequest, EvaluateResult

WORST_COLUMNS = 5


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def summarise(result: EvaluateResult, console: Console) -> None:
    """Overall scores, properties, worst columns, privacy verdict and utility, in a few lines."""
    from tools.quality.report_html import privacy_verdict, quality_verdict

    console.print(
        f"[bold]quality {_pct(result.quality_score)}[/] ({quality_verdict(result.quality_score)[1]}) · "
        f"[bold]diagnostic {_pct(result.diagnostic_score)}[/] · "
        f"[bold]privacy {result.privacy_verdict or 'n/a'}[/] ({privacy_verdict(result.privacy_verdict)[1]})",
        highlight=False,
    )
    for table in result.tables:
        grid = Table(title=f"{table.name}: {table.real_rows:,} real vs {table.synthetic_rows:,} synthetic rows",
                     show_edge=False)  # fmt: skip
        grid.add_column("property")
        grid.add_column("score", justify="right")
        for prop in table.quality_properties + table.diagnostic_properties:
            grid.add_row(prop.name, _pct(prop.score))
        console.print(grid)
        scored = sorted((c for c in table.columns if c.shape_score is not None), key=lambda c: c.shape_score or 0.0)
        if scored:
            worst = ", ".join(f"{escape(c.column)} {c.shape_score:.2f}" for c in scored[:WORST_COLUMNS])
            console.print(f"worst columns (shape score): {worst}", highlight=False)
        if table.privacy is not None:
            p = table.privacy
            console.print(
                f"privacy: {p.verdict} · exact copies {_pct(p.exact_copy_rate)} (baseline {_pct(p.holdout_copy_rate)})"
                f" · DCR ratio {p.dcr_ratio if p.dcr_ratio is not None else 'n/a'} · MIA AUC {p.mia_auc}",
                highlight=False,
            )
            for reason in p.reasons:
                console.print(f"  - {escape(reason)}", highlight=False)
        if table.utility is not None:
            u = table.utility
            console.print(
                f"ML utility ({u.metric}, target {escape(u.target)}): synthetic {u.synthetic_score} vs real "
                f"{u.real_score}",
                highlight=False,
            )
        elif table.utility_skipped:
            console.print(f"ML utility skipped: {escape(table.utility_skipped)}", highlight=False)


@contextmanager
def _progress(console: Console, quiet: bool) -> Iterator[ProgressCallback | None]:
    if quiet or not console.is_terminal:
        yield None
        return
    with console.status("evaluating") as status:

        def progress(step: str, done: int, total: int | None) -> None:
            status.update(escape(step) + (f" ({done}/{total})" if total else ""))

        yield progress


def register(app: typer.Typer) -> None:
    """Add `evaluate` to the doppel app (call it once ``user_errors`` exists in server.cli)."""
    from server.cli import err, out, user_errors, warn

    @app.command("evaluate")
    @user_errors
    def evaluate(
        real: Annotated[Path, typer.Argument(help="real sample: a table file or a folder of table files")],
        synth: Annotated[Path, typer.Argument(help="synthetic data: a table file or an output folder")],
        out_path: Annotated[Path, typer.Option("--out", help="HTML report (one self-contained file)")] = Path(
            "report.html"
        ),
        json_path: Annotated[Path | None, typer.Option("--json", help="also write every number as JSON")] = None,
        target: Annotated[
            str | None, typer.Option("--target", help="column (or table.column) for the ML utility check")
        ] = None,
        holdout: Annotated[
            float, typer.Option("--holdout", min=0.05, max=0.5, help="share of REAL held out for privacy/utility")
        ] = 0.2,
        holdout_file: Annotated[
            Path | None, typer.Option("--holdout-file", help="real rows the synthesizer never saw (file or folder)")
        ] = None,
        sensitivity: Annotated[
            Path | None, typer.Option("--sensitivity", help="sensitivity.json from doppel classify")
        ] = None,
        seed: Annotated[int, typer.Option("--seed", help="seed for sampling and the holdout split")] = 0,
        max_rows: Annotated[
            int | None, typer.Option("--max-rows", min=10, help="sample at most N rows per table and side")
        ] = None,
        no_charts: Annotated[bool, typer.Option("--no-charts", help="leave charts out of the HTML")] = False,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress display")] = False,
        fixed: Annotated[
            str | None, typer.Option("--fixed-time", help="ISO date/time the report states instead of now")
        ] = None,
    ) -> None:
        """Compare SYNTH with REAL: SDMetrics quality and diagnostic scores, per-column statistics,
        correlations, edge-case rates, privacy (exact copies, distance to closest record, membership
        inference) and optional ML utility. The report holds statistics and charts, never a sensitive value."""
        from server.cmd_synthesize import fixed_time
        from tools.quality.evaluate import evaluate as run

        when = fixed_time(fixed)
        try:
            request = EvaluateRequest(
                real=real, synthetic=synth, out=out_path, json_out=json_path, target=target, holdout=holdout,
                holdout_file=holdout_file, sensitivity=sensitivity, seed=seed, max_rows=max_rows,
                charts=not no_charts, fixed_time=when,
            )  # fmt: skip
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise DoppelError(f"invalid arguments: {problems}") from None
        with _progress(err, quiet) as progress:
            result = run(request, progress)
        for warning in result.warnings + [w for t in result.tables for w in t.warnings]:
            warn(warning)
        summarise(result, out)
        written = f"report: {out_path}" + (f" · json: {json_path}" if json_path else "")
        out.print(f"{written} · {result.seconds:.1f}s", highlight=False)
