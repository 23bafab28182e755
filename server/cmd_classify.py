"""`doppel classify DATA... --out sensitivity.json`: which columns are sensitive, and why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
import yaml

from tools.errors import DoppelError, Issue

if TYPE_CHECKING:
    from tools.ingest.model import IngestedTable
    from tools.sensitive.model import ColumnClassification
    from tools.sensitive.report import SensitivityReport


def _read_tables(paths: list[Path]) -> list[IngestedTable]:
    missing = [Issue(path=str(p), message="no such file or folder") for p in paths if not p.exists()]
    if missing:
        raise DoppelError("cannot read the sample", missing)
    try:
        from tools.ingest.readers import read_sample
    except ModuleNotFoundError as exc:
        if exc.name != "tools.ingest.readers":
            raise
        raise DoppelError("reading samples needs tools.ingest.readers, which is not installed") from None
    tables: list[IngestedTable] = []
    seen: dict[str, Path] = {}
    for path in paths:
        for table in read_sample(path):
            if table.name in seen:
                raise DoppelError(f"{path}: table name '{table.name}' is also used by {seen[table.name]}; rename one")
            seen[table.name] = path
            tables.append(table)
    if not tables:
        raise DoppelError("the sample holds no tables")
    return tables


def _read_overrides(path: Path) -> dict[str, dict[str, Any]]:
    """A YAML or JSON mapping of "table.column" to {sensitive, entity, strategy}."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DoppelError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise DoppelError(f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'} ({exc})") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise DoppelError(f"{path}: expected a mapping of table.column to {{sensitive, entity, strategy}}")
    return {str(k): v for k, v in data.items()}


def _top_evidence(result: ColumnClassification) -> str:
    """The strongest reason for the decision as made (a negative rule for a non-sensitive column)."""
    overrides = [e for e in result.evidence if e.method == "override"]
    if overrides:
        return overrides[0].detail
    if result.sensitive:
        pool = [e for e in result.evidence if e.method != "negative_rule"]
    else:
        pool = [e for e in result.evidence if e.method in {"negative_rule", "statistics"}]
    if not pool:
        return "no personal-data signal" if not result.sensitive else "-"
    return max(pool, key=lambda e: e.score).detail


def run_classify(paths: list[Path], out: Path, sample: int, overrides: Path | None) -> SensitivityReport:
    """Read, classify, apply overrides and write the report; the command's whole job, testable."""
    from tools.sensitive.classify import classify_tables
    from tools.sensitive.overrides import apply_overrides
    from tools.sensitive.report import SensitivityReport, write_report

    tables = _read_tables(paths)
    results = classify_tables(tables, sample=sample)
    if overrides is not None:
        results = apply_overrides(results, _read_overrides(overrides))
    report = SensitivityReport(sample=sample, tables=[t.name for t in tables], columns=results)
    write_report(report, out)
    return report


def register(app: typer.Typer) -> None:
    """Add the `classify` command to the doppel CLI."""
    from rich.table import Table

    from server.cli import err, out, user_errors

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
        table = Table(
            title=f"{len(report.sensitive)} of {len(report.columns)} columns sensitive -> {out_path}",
            show_edge=False,
            expand=True,
        )
        table.add_column("column", overflow="fold", ratio=2)
        table.add_column("sensitive", no_wrap=True)
        table.add_column("entity", no_wrap=True)
        table.add_column("conf.", justify="right", no_wrap=True)
        table.add_column("strategy", no_wrap=True)
        table.add_column("top evidence", overflow="fold", ratio=3)
        for r in report.columns:
            flag = "[bold red]yes[/]" if r.sensitive else "no"
            table.add_row(f"{r.table}.{r.column}", flag, r.entity, f"{r.confidence:.2f}", r.strategy, _top_evidence(r))
        out.print(table)
        warnings: dict[str, int] = {}
        for r in report.columns:
            for warning in r.warnings:
                warnings[warning] = warnings.get(warning, 0) + 1
        for warning, count in warnings.items():
            err.print(f"[yellow]warning:[/] {warning} ({count} column{'s' if count > 1 else ''})", highlight=False)
