"""`doppel synthesize DATA... --rows N`: learn a production sample with SDV, regenerate its sensitive
columns, re-apply its quality issues and constraints, prove nothing was copied, and write the output.
``synthesise`` is a hidden alias."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tools.errors import DoppelError
from tools.export.base import KEEP_FORMULAS

if TYPE_CHECKING:
    from tools.progress import ProgressCallback
    from tools.synth.model import SynthesizeResult

from tools.synth.model import MODELS

FORMATS = ["csv", "json", "jsonl", "sql", "parquet", "avro"]
TOP_RATES = 15
CONSTRAINTS_HELP = (
    "YAML/JSON with 'constraints' (kind: range | ordering | fixed_combination) and 'correlations' (a, b, value) "
    "lists, and 'rules: {off: [TABLE.COLUMN, ...]}'"
)
NO_RULE_HELP = (
    "TABLE.COLUMN (or COLUMN) whose row rules are switched off: the column is modelled, not derived, mapped or "
    "rounded by a rule the sample obeys (repeatable)"
)
TOP_RULES = 15
STATUS_WORDS = {
    "kept on every row": "every row", "kept at the sample's rate": "sample rate", "off": "off",
    "not enforced": "modelled",
}  # fmt: skip


def _choice(name: str, value: str | None, allowed: list[str]) -> None:
    if value is not None and value not in allowed:
        raise DoppelError(f"{name}: '{value}' is not one of {', '.join(allowed)}")


def fixed_time(value: str | None) -> dt.datetime | None:
    """``--fixed-time ISO`` as an aware datetime (UTC when no offset is given)."""
    if value is None:
        return None
    try:
        when = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise DoppelError(
            f"--fixed-time: '{value}' is not an ISO date or time (e.g. 2026-01-31 or 2026-01-31T09:00:00Z)"
        ) from None
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when


FIXED_TIME_HELP = "ISO date/time to record instead of the clock (no timings either): same seed, same bytes"


def _positive(name: str, value: int | None) -> None:
    if value is not None and value < 1:
        raise DoppelError(f"{name}: must be at least 1, got {value}")


def summarise(result: SynthesizeResult, console: Console) -> None:
    """Tables and files, how columns were made, quality rates side by side, constraints, leakage."""
    tables = Table(title=f"synthetic data -> {escape(str(result.out))}", show_edge=False)
    for heading in ("table", "rows", "columns", "model", "files"):
        tables.add_column(heading, justify="right" if heading in ("rows", "columns") else "left", overflow="fold")
    for t in result.tables:
        files = ", ".join(p.name for p in t.files)
        tables.add_row(escape(t.table), f"{t.rows:,}", str(t.columns), t.model, escape(files))
    console.print(tables)
    for rel in result.relationships:
        console.print(f"relation kept: {escape(rel)} (every child row has its parent)", highlight=False)
    counts: dict[str, int] = {}
    for c in result.columns:
        counts[c.strategy] = counts.get(c.strategy, 0) + 1
    made = ", ".join(f"{n} {k}" for k, n in counts.items())
    regenerated = [f"{c.column} ({c.entity})" for c in result.columns if c.strategy == "regenerated"]
    console.print(f"columns: {made}", highlight=False)
    if regenerated:
        console.print(f"regenerated (never learned): {escape(', '.join(regenerated))}", highlight=False)
    issues = [q for q in result.quality if q.issue != "missing" and (q.real > 0 or q.synthetic > 0)]
    if issues:
        rates = Table(title="edge-case rates: sample vs synthetic", show_edge=False)
        for heading in ("where", "issue", "sample", "synthetic", "ok"):
            justify: Literal["left", "right"] = "right" if heading in ("sample", "synthetic") else "left"
            rates.add_column(heading, justify=justify, overflow="fold")
        for q in sorted(issues, key=lambda q: -q.real)[:TOP_RATES]:
            where = f"{q.table}.{q.column}" if q.column else q.table
            ok = "[green]yes[/]" if q.within_tolerance else "[red]no[/]"
            rates.add_row(escape(where), q.issue, f"{q.real:.2%}", f"{q.synthetic:.2%}", ok)
        console.print(rates)
    missing = [q for q in result.quality if q.issue == "missing"]
    off = [q for q in result.quality if not q.within_tolerance]
    console.print(
        f"{len(issues)} edge-case rates and {len(missing)} missing rates compared; "
        f"{len(off)} outside tolerance{': ' + escape(', '.join(_where(q) for q in off[:8])) if off else ''}",
        highlight=False,
    )
    _rules(result, console)
    changed = [c for c in result.constraints if c.rows_changed]
    if result.constraints:
        console.print(
            f"constraints: {len(result.constraints)} applied, {len(changed)} changed rows "
            f"({sum(c.rows_changed for c in changed):,} row edits)",
            highlight=False,
        )
    leak = result.leakage
    verdict = "[green]passed[/]" if leak.passed else "[bold red]FAILED[/]"
    console.print(
        f"leakage check {verdict}: {len(leak.value_columns)} sensitive columns, {leak.production_values:,} sample "
        f"values checked against {leak.synthetic_cells:,} output cells; {leak.value_matches} chance matches "
        f"replaced, {leak.row_matches} copied rows fixed; remaining {leak.remaining_value_matches} values, "
        f"{leak.remaining_row_matches} rows",
        highlight=False,
    )
    console.print(
        f"seed {result.seed} · {result.timings.get('total', 0):.1f}s · metadata: {escape(str(result.metadata_path))}",
        highlight=False,
    )
    hashed = {t: n for t, n in leak.rows_hashed.items() if n > leak.rows_read.get(t, n)}
    if hashed:
        more = ", ".join(f"{escape(t)} {n:,} rows" for t, n in hashed.items())
        console.print(
            f"leakage check covered the whole sample file(s), beyond --max-rows: {more}",
            highlight=False,
            soft_wrap=True,
        )


def _rules(result: SynthesizeResult, console: Console) -> None:
    """Rules the sample obeys (precision ones aside), their support in the sample and in the output."""
    shown = [r for r in result.rules if r.kind != "precision"]
    if not shown:
        return
    several = len({r.table for r in shown}) > 1
    rules = Table(title="row rules: sample vs output", show_edge=False)
    for heading in ("rule", "sample", "output", "kept"):
        justify: Literal["left", "right"] = "right" if heading in ("sample", "output") else "left"
        rules.add_column(heading, justify=justify, overflow="fold")
    for r in shown[:TOP_RULES]:
        output = "-" if r.output_support is None else f"{r.output_support:.2%}"
        formula = r.formula.split(" (")[0]
        where = f"{r.table}: {formula}" if several else formula
        rules.add_row(escape(where), f"{r.sample_support:.2%}", output, STATUS_WORDS[r.status])
    console.print(rules)
    kept = sum(1 for r in result.rules if r.status == "kept on every row")
    console.print(
        f"{len(result.rules)} row rules ({len(shown)} shown, precision aside); {kept} kept on every row; "
        "switch one off with --no-rule TABLE.COLUMN",
        highlight=False,
    )


def _where(q: Any) -> str:
    return f"{q.table}.{q.column} {q.issue}" if q.column else f"{q.table} {q.issue}"


@contextmanager
def _progress(console: Console, quiet: bool) -> Iterator[ProgressCallback | None]:
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console) as bar:
        task = bar.add_task("Reading the sample", total=None)

        def update(step: str, done: int, total: int | None) -> None:
            bar.update(task, description=step, completed=done, total=total)

        yield update


def register(app: typer.Typer) -> None:
    """Add `synthesize` (and the hidden alias `synthesise`) to the doppel CLI."""
    from server.cli import err, out, user_errors, warn

    @user_errors
    def synthesize(
        data: Annotated[list[Path], typer.Argument(help="sample files or folders; related tables are modelled by HMA")],
        rows: Annotated[int, typer.Option("--rows", help="rows of the first table (related tables scale with it)")],
        model: Annotated[str, typer.Option("--model", help="auto|cart|gaussian_copula|ctgan|copulagan|tvae")] = "auto",
        seed: Annotated[str | None, typer.Option("--seed", help="int or text; random and recorded if left out")] = None,
        fmt: Annotated[str, typer.Option("--format", help="csv|json|jsonl|sql|parquet|avro")] = "csv",
        out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path("out/synth"),
        epochs: Annotated[int | None, typer.Option("--epochs", help="training epochs (ctgan, copulagan, tvae)")] = None,
        constraints: Annotated[Path | None, typer.Option("--constraints", help=CONSTRAINTS_HELP)] = None,
        overrides: Annotated[
            Path | None, typer.Option("--overrides", help="YAML/JSON corrections: table.column -> {sensitive, entity}")
        ] = None,
        max_rows: Annotated[int | None, typer.Option("--max-rows", help="read at most N sample rows per table")] = None,
        rare_below: Annotated[
            int, typer.Option("--rare-below", help="rows shared by fewer sample rows than this are never written")
        ] = 10,
        compression: Annotated[str | None, typer.Option("--compression", help="gzip|zstd")] = None,
        dialect: Annotated[str, typer.Option("--dialect", help="SQL dialect: postgres|mysql|sqlite")] = "postgres",
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
        fixed: Annotated[str | None, typer.Option("--fixed-time", help=FIXED_TIME_HELP)] = None,
        keep_formulas: Annotated[bool, typer.Option("--keep-formulas", help=KEEP_FORMULAS)] = False,
        no_rule: Annotated[list[str] | None, typer.Option("--no-rule", help=NO_RULE_HELP)] = None,
    ) -> None:
        """Synthesise ROWS rows from a production sample: SDV learns the non-sensitive columns, Doppel
        regenerates the sensitive ones, re-applies the sample's quality issues, masks and constraints,
        and checks that no production value or row was copied. Writes DIR/<table>.<ext> and
        DIR/metadata.json (counts and rates only, never a sample value)."""
        from tools.capability.synthesis import check_synthesis_size
        from tools.synth.model import SynthesizeRequest
        from tools.synth.pipeline import synthesize as run

        _positive("--rows", rows)
        _positive("--epochs", epochs)
        _positive("--max-rows", max_rows)
        _positive("--rare-below", rare_below)
        _choice("--model", model, list(MODELS))
        _choice("--format", fmt, FORMATS)
        _choice("--compression", compression, ["gzip", "zstd"])
        _choice("--dialect", dialect, ["postgres", "mysql", "sqlite"])
        request = SynthesizeRequest(
            data=data,
            rows=rows,
            model=model,
            seed=seed,
            epochs=epochs,
            format=fmt,
            compression=compression,
            dialect=dialect,
            out=out_dir,
            constraints_file=constraints,
            overrides=overrides,
            max_rows=max_rows,
            rare_below=rare_below,
            fixed_time=fixed_time(fixed),
            neutralise_formulas=not keep_formulas,
            rules_off=no_rule or [],
        )
        check_synthesis_size(request)  # a request that cannot fit is refused before any work
        with _progress(err, quiet) as progress:
            result = run(request, progress)
        for warning in result.warnings:
            warn(warning)
        summarise(result, out)

    command: Callable[..., Any] = synthesize
    app.command("synthesize")(command)
    app.command("synthesise", hidden=True)(command)
