"""The `doppel` command line: thin over tools/, user errors printed plainly with a non-zero exit."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console, ConsoleDimensions
from rich.markup import escape
from rich.table import Table

from tools.errors import DoppelError
from tools.export.base import KEEP_FORMULAS
from tools.redact import install_log_redaction, redact

app = typer.Typer(
    name="doppel",
    help="Safe, realistic synthetic test data: from a schema or a production sample to your test systems.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class _Console(Console):
    """A console whose width follows ``COLUMNS`` when it is set at print time (rich reads it once, when the
    console is made): a command run in-process after another, as the tests and the chat do, lays its
    tables out for the width it was given."""

    @property
    def size(self) -> ConsoleDimensions:
        found = super().size
        columns = os.environ.get("COLUMNS", "")
        return ConsoleDimensions(int(columns), found.height) if columns.isdigit() else found

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        Console.size.fset(self, new_size)  # type: ignore[attr-defined]


out = _Console()
err = _Console(stderr=True)
install_log_redaction()  # no log line of any command shows a URL's password
F = TypeVar("F", bound=Callable[..., Any])


def user_errors(func: F) -> F:
    """Print a DoppelError (with its listed issues) and exit with its code; no traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DoppelError as exc:
            print_error(exc)
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


def warn(message: str) -> None:
    """``warning: <message>`` on stderr, never read as markup and never hard-wrapped (paths stay whole)."""
    err.print(f"[yellow]warning:[/] {escape(message)}", highlight=False, soft_wrap=True)


def print_error(exc: DoppelError) -> None:
    """``error: <message>`` on stderr, the message printed as it is (never read as markup)."""
    from rich.markup import escape

    err.print(f"[bold red]error:[/] {escape(redact(str(exc)))}", highlight=False, markup=True, soft_wrap=True)


@app.callback()
@user_errors
def _check_settings() -> None:
    """Every command starts from valid settings: a bad doppel.toml or DOPPEL_* value stops it (exit 2)."""
    from tools.settings import load_settings

    load_settings()


@app.command()
@user_errors
def validate(
    schema: Annotated[Path, typer.Argument(help="schema file: Doppel YAML/JSON or JSON Schema")],
) -> None:
    """Check a schema and report every error and conflict at once (exit 2 when there are any)."""
    from tools.schema.loading import load_schema

    spec, digest = load_schema(schema)
    fields = sum(len(t.fields) for t in spec.tables.values())
    out.print(
        f"[green]ok[/] {schema}: schema '{spec.name}' version {spec.version} (hash {digest}), "
        f"{len(spec.tables)} tables, {fields} fields, {len(spec.edge_cases)} edge-case rules"
    )


FORMATS = ["csv", "json", "jsonl", "sql", "parquet", "avro"]


def _choice(name: str, value: str | None, allowed: list[str]) -> str | None:
    if value is not None and value not in allowed:
        raise DoppelError(f"{name}: '{value}' is not one of {', '.join(allowed)}")
    return value


@app.command()
@user_errors
def generate(
    schema: Annotated[Path, typer.Argument(help="schema file: Doppel YAML/JSON or JSON Schema")],
    rows: Annotated[int | None, typer.Option("--rows", min=0, help="rows per table (overrides the schema)")] = None,
    seed: Annotated[str | None, typer.Option("--seed", help="int or any text; random and recorded if left out")] = None,
    seed_from: Annotated[Path | None, typer.Option("--seed-from", help="reuse the seed of a metadata.json")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="csv|json|jsonl|sql|parquet|avro")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="output folder")] = None,
    dialect: Annotated[str | None, typer.Option("--dialect", help="SQL dialect: postgres|mysql|sqlite")] = None,
    compression: Annotated[str | None, typer.Option("--compression", help="gzip|zstd")] = None,
    chunk_rows: Annotated[int | None, typer.Option("--chunk-rows", min=1, help="rows per numbered part file")] = None,
    append: Annotated[Path | None, typer.Option("--append", help="add rows to an existing output folder")] = None,
    no_tags: Annotated[bool, typer.Option("--no-tags", help="leave out the _anomalies column")] = False,
    keep_formulas: Annotated[bool, typer.Option("--keep-formulas", help=KEEP_FORMULAS)] = False,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="threads generating blocks in parallel [default: the CPU count]"),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
) -> None:
    """Generate every table of SCHEMA into a folder, one file per table, plus metadata.json."""
    from tools.capability.generation import GenerateDataRequest, generate_data

    request = GenerateDataRequest(
        schema_file=schema,
        rows=rows,
        seed=seed,
        seed_from=seed_from,
        format=_choice("--format", fmt, FORMATS),
        out=out_dir,
        dialect=_choice("--dialect", dialect, ["postgres", "mysql", "sqlite"]),
        compression=_choice("--compression", compression, ["gzip", "zstd"]),
        chunk_rows=chunk_rows,
        append=append,
        tags=not no_tags,
        neutralise_formulas=not keep_formulas,
        workers=workers,
    )
    result = _with_progress(lambda progress: generate_data(request, progress), quiet)
    for warning in result.warnings:
        warn(warning)
    summary = Table(title=f"{result.schema_name} v{result.schema_version} -> {result.out}", show_edge=False)
    summary.add_column("table")
    summary.add_column("rows", justify="right")
    summary.add_column("files")
    for name, files in result.files.items():
        summary.add_row(name, f"{result.rows[name]:,}", ", ".join(files))
    out.print(summary)
    out.print(f"seed {result.seed} · {result.seconds:.2f}s · metadata: {result.metadata_path}")


def _with_progress(task: Callable[[Any], Any], quiet: bool) -> Any:
    if quiet or not sys.stderr.isatty():
        return task(None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=False) as bar:
        tasks: dict[str, Any] = {}

        def progress(table: str, done: int, total: int) -> None:
            if table not in tasks:
                tasks[table] = bar.add_task(table, total=total, rate="")
            task_id = tasks[table]
            speed = bar.tasks[task_id].speed
            bar.update(task_id, completed=done, rate=f"{speed:,.0f} rows/s" if speed else "")

        return task(progress)


@app.command("generators")
def list_generators() -> None:
    """List every registered generator type (built-in and plug-ins) with its parameters."""
    from rich.markup import escape

    from server.tables import Column, FitTable
    from tools.generators.registry import registry

    table = FitTable([Column("type"), Column("parameters", wrap=True), Column("what it makes", wrap=True)])
    for name, gen in sorted(registry().items()):
        params = ", ".join(f.alias or n for n, f in gen.params_model.model_fields.items())
        table.add_row(name, escape(params), escape(gen.description))
    out.print(table)


@app.command()
def version() -> None:
    """Print Doppel's version."""
    from tools.engine.runner import doppel_version

    out.print(doppel_version())


def _register_commands() -> None:
    """Every ``server/cmd_*.py`` module adds its commands through ``register(app)``.

    They import ``user_errors`` and the consoles from here, so this runs after those exist."""
    import importlib
    import pkgutil

    import server

    for module in sorted(m.name for m in pkgutil.iter_modules(server.__path__) if m.name.startswith("cmd_")):
        importlib.import_module(f"server.{module}").register(app)


_register_commands()


def main() -> None:
    try:
        app()
    except DoppelError as exc:  # raised outside a command's own handling (a callback, a lazy import)
        print_error(exc)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
