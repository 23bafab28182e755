"""`doppel classify DATA... --out sensitivity.json`: each column's privacy role, and why."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Group, RenderableType
from rich.markup import escape
from rich.text import Text

from server.tables import Column, FitTable
from tools.sensitive.report import top_evidence
from tools.sensitive.run import run_classify

if TYPE_CHECKING:
    from tools.sensitive.model import ColumnClassification
    from tools.sensitive.report import SensitivityReport


ROLE_LABELS = {"identifier": "[bold red]identifier[/]", "quasi_identifier": "[yellow]quasi-identifier[/]",
               "sensitive_attribute": "[magenta]sensitive-attribute[/]", "non_sensitive": "-"}  # fmt: skip


def role_label(result: ColumnClassification) -> str:
    """The privacy role in one word, with ``art.9`` or ``confidential`` for a sensitive attribute."""
    from tools.sensitive.policy import flag_for

    flag = flag_for(result.entity, result.role)
    label = ROLE_LABELS[result.role]
    return f"{label} ({flag.replace('GDPR ', '').replace(' ', '')})" if flag else label


def classification_view(report: SensitivityReport, out_path: Path) -> RenderableType:
    """Every column's decision, one table per sample table, fitted to the terminal (a block per column
    when it is narrow); column names stand alone under their table's name."""
    total = f"{len(report.sensitive)} of {len(report.columns)} columns sensitive -> {out_path}"
    tables = list(dict.fromkeys(c.table for c in report.columns))
    views: list[RenderableType] = [] if len(tables) == 1 else [Text(total, style="bold")]
    for table in tables:
        columns = [c for c in report.columns if c.table == table]
        sensitive = sum(c.sensitive for c in columns)
        title = f"{table}: {total}" if len(tables) == 1 else f"{table}: {sensitive} of {len(columns)} sensitive"
        view = FitTable(
            [
                Column("column"),
                Column("role"),
                Column("entity"),
                Column("conf.", justify="right"),
                Column("strategy"),
                Column("top evidence", wrap=True, readable=30),
            ],
            title=escape(title),
        )
        for r in columns:
            view.add_row(
                escape(r.column), role_label(r), r.entity, f"{r.confidence:.2f}", r.strategy, escape(top_evidence(r))
            )
        views.append(view)
    return Group(*views)


def register(app: typer.Typer) -> None:
    """Add the `classify` command to the doppel CLI."""
    from server.cli import out, user_errors, warn

    @app.command("classify")
    @user_errors
    def classify(
        data: Annotated[list[Path], typer.Argument(help="sample files or folders (CSV, Parquet, JSON/JSONL, Excel)")],
        out_path: Annotated[Path, typer.Option("--out", help="where to write the JSON report")] = Path(
            "sensitivity.json"
        ),
        sample: Annotated[
            int, typer.Option("--sample", min=20, max=100_000, help="distinct values examined per column")
        ] = 500,
        overrides: Annotated[
            Path | None, typer.Option("--overrides", help="YAML/JSON corrections: table.column -> {sensitive, entity}")
        ] = None,
    ) -> None:
        """Classify every column of DATA as sensitive or not, with entity, confidence, evidence and strategy."""
        report = run_classify(data, out_path, sample, overrides)
        out.print(classification_view(report, out_path))
        for warning in report.warnings:
            warn(warning)
        warnings: dict[str, int] = {}
        for r in report.columns:
            for warning in r.warnings:
                warnings[warning] = warnings.get(warning, 0) + 1
        for warning, count in warnings.items():
            warn(f"{warning} ({count} column{'s' if count > 1 else ''})")
