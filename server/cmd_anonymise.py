"""`doppel anonymise DATA... --out DIR`: keep the rows, hide the people (mask, pseudonymise, generalise,
perturb), and say how well k-anonymity and l-diversity hold afterwards. ``anonymize`` is a hidden alias."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tools.errors import DoppelError
from tools.export.base import KEEP_FORMULAS

if TYPE_CHECKING:
    from tools.anonymise.model import AnonymiseResult, PrivacyMeasure, TablePrivacy
    from tools.progress import ProgressCallback

FORMATS = ["csv", "json", "jsonl", "parquet", "avro", "sql"]
RULES_HELP = (
    "YAML mapping of 'table.column' or 'column' to a rule, e.g. `iban: {strategy: mask, mode: partial, keep: 4}`, "
    "`account_id: pseudonymise`, `dob: {strategy: generalise, to: month}`, `salary: {strategy: perturb, scale: 5%}`, "
    "`notes: drop`; overrides the sensitivity plan"
)


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


def _rows(n: int) -> str:
    return f"{n:,} row{'s' if n != 1 else ''}"


def _k_words(m: PrivacyMeasure) -> str:
    if not m.rows:
        return "no rows"
    if m.rows_below_k == 0:
        return (
            f"k-anonymity holds for k={m.target_k}: every row shares its quasi-identifier values with at least "
            f"{m.min_k - 1:,} other rows (smallest group {_rows(m.min_k)}, {m.classes:,} groups)"
        )
    return (
        f"smallest group {_rows(m.min_k)}; {_rows(m.rows_below_k)} ({m.share_below_k:.1%}) are in groups smaller than "
        f"{m.target_k}, so they stand out ({m.classes:,} groups)"
    )


def _l_words(m: PrivacyMeasure, attribute: str) -> str:
    if m.min_l is None or m.target_l is None or m.rows_below_l is None or m.share_below_l is None:
        return ""
    if m.rows_below_l == 0:
        return f"l-diversity holds for l={m.target_l}: every group holds at least {m.min_l} distinct {attribute} values"
    return (
        f"{_rows(m.rows_below_l)} ({m.share_below_l:.1%}) are in groups with fewer than {m.target_l} distinct "
        f"{attribute} values, so their {attribute} can be inferred from the group (fewest: {m.min_l})"
    )


def _privacy_lines(p: TablePrivacy) -> Iterator[str]:
    yield f"[bold]{escape(p.table)}[/] on {escape(', '.join(p.quasi_identifiers))}:"
    for label, m in (("before", p.before), ("after", p.after)):
        yield f"  {label}: {escape(_k_words(m))}"
        if p.sensitive_attribute and m.min_l is not None:
            yield f"  {' ' * len(label)}  {escape(_l_words(m, p.sensitive_attribute))}"
    if p.note:
        yield f"  note: {escape(p.note)}"


def summarise(result: AnonymiseResult, console: Console) -> None:
    """Changed columns and their strategies, k-anonymity/l-diversity in plain words, key and outputs."""
    changed = [c for c in result.columns if c.strategy != "keep"]
    table = Table(title=f"{len(changed)} of {len(result.columns)} columns anonymised", show_edge=False)
    table.add_column("column", overflow="fold")
    table.add_column("strategy", overflow="fold")
    table.add_column("changed", justify="right", no_wrap=True)
    table.add_column("note", overflow="fold")
    for c in changed:
        note = "; ".join(n for n in ("your rule" if c.source == "rules" else "", c.note or "") if n)
        table.add_row(
            escape(f"{c.table}.{c.column}"), escape(f"{c.strategy}: {c.detail}"), f"{c.changed:,}", escape(note)
        )
    console.print(table)
    kept = len(result.columns) - len(changed)
    console.print(f"{kept} columns kept as they were", highlight=False)
    for privacy in result.privacy:
        for line in _privacy_lines(privacy):
            console.print(line, highlight=False)
    if result.key is not None:
        repeat = "repeatable with the same key" if result.key.repeatable else "random: cannot be repeated"
        console.print(
            f"pseudonym key from {result.key.source}, fingerprint {result.key.fingerprint} ({repeat}; "
            "the key itself is not recorded)",
            highlight=False,
        )
    for output in result.tables:
        dropped = f", dropped {', '.join(output.dropped)}" if output.dropped else ""
        console.print(
            f"{escape(output.table)}: {output.rows:,} rows, {output.columns} columns -> {escape(str(output.file))}"
            f"{escape(dropped)}",
            highlight=False,
        )
    console.print(f"report: {escape(str(result.metadata_path))} ({result.seconds:.1f}s)", highlight=False)


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
    """Add `anonymise` (and the hidden alias `anonymize`) to the doppel CLI."""
    from server.cli import err, out, user_errors, warn

    @user_errors
    def anonymise(
        data: Annotated[list[Path], typer.Argument(help="sample files or folders (CSV, Parquet, JSON/JSONL, Excel)")],
        out_dir: Annotated[Path, typer.Option("--out", help="output folder: <table>.<ext> + anonymisation.json")],
        rules: Annotated[Path | None, typer.Option("--rules", help=RULES_HELP)] = None,
        sensitivity: Annotated[
            Path | None, typer.Option("--sensitivity", help="sensitivity.json from `doppel classify`: the plan")
        ] = None,
        no_classify: Annotated[
            bool, typer.Option("--no-classify", help="without --sensitivity: apply --rules only, keep the rest")
        ] = False,
        key_file: Annotated[
            Path | None, typer.Option("--key-file", help="pseudonym key file (else env DOPPEL_PSEUDONYM_KEY)")
        ] = None,
        random_key: Annotated[
            bool, typer.Option("--random-key", help="throw-away pseudonym key: the mapping cannot be repeated")
        ] = False,
        quasi_identifiers: Annotated[
            str | None,
            typer.Option("--quasi-identifiers", help="comma-separated columns (or table.column) to measure k on"),
        ] = None,
        sensitive_attribute: Annotated[
            str | None, typer.Option("--sensitive-attribute", help="column whose l-diversity is measured")
        ] = None,
        k: Annotated[int, typer.Option("--k", min=2, help="target k for k-anonymity")] = 5,
        l_target: Annotated[int, typer.Option("--l", min=1, help="target l for l-diversity")] = 2,
        seed: Annotated[
            str | None, typer.Option("--seed", help="noise seed (int or text); never recorded, keep it secret")
        ] = None,
        fmt: Annotated[str, typer.Option("--format", help="csv|json|jsonl|parquet|avro|sql")] = "csv",
        max_rows: Annotated[int | None, typer.Option("--max-rows", min=1, help="read at most N rows per table")] = None,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
        keep_formulas: Annotated[bool, typer.Option("--keep-formulas", help=KEEP_FORMULAS)] = False,
    ) -> None:
        """Anonymise a sample but keep its rows: mask, pseudonymise (keyed HMAC), generalise, perturb.

        The plan comes from --sensitivity (or classifying DATA now), overridden by --rules. Writes
        DIR/<table>.<ext> (CSV keeps the input's delimiter and encoding) and DIR/anonymisation.json,
        which holds counts only: no values, no key, no seed."""
        from tools.anonymise.model import AnonymiseRequest
        from tools.anonymise.pipeline import anonymise as run

        if fmt not in FORMATS:
            raise DoppelError(f"--format: '{fmt}' is not one of {', '.join(FORMATS)}")
        request = AnonymiseRequest(
            data=data,
            out=out_dir,
            rules_file=rules,
            sensitivity=sensitivity,
            classify=not no_classify,
            key_file=key_file,
            random_key=random_key,
            quasi_identifiers=_split(quasi_identifiers),
            sensitive_attribute=sensitive_attribute,
            k=k,
            l_target=l_target,
            seed=seed,
            format=fmt,
            max_rows=max_rows,
            neutralise_formulas=not keep_formulas,
        )
        with _progress(err, quiet) as progress:
            result = run(request, progress)
        for warning in result.warnings:
            warn(warning)
        summarise(result, out)

    command: Callable[..., Any] = anonymise
    app.command("anonymise")(command)
    app.command("anonymize", hidden=True)(command)
