"""`doppel profile DATA... --out profile.json`: ingest a production sample and write its profile."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from tools.profile.model import DatasetProfile

TOP_ISSUES = 10
TOP_RULES = 15


def summarise(profile: DatasetProfile, console: Console) -> None:
    """Tables, rows, columns, types, keys and the most frequent quality issues, in a few lines."""
    tables = Table(title="profile", show_edge=False)
    for heading in ("table", "rows", "columns", "types", "keys", "duplicate rows"):
        tables.add_column(heading, justify="right" if heading in ("rows", "columns") else "left")
    for t in profile.tables:
        types = Counter(c.inferred.type for c in t.columns)
        kinds = ", ".join(f"{k} {n}" for k, n in types.most_common())
        tables.add_row(
            t.name, f"{t.rows:,}", str(len(t.columns)), kinds, ", ".join(t.candidate_keys) or "-",
            f"{t.duplicate_row_rate:.2%}",
        )  # fmt: skip
    console.print(tables)
    issues = [
        (issue.rate, f"{t.name}.{c.name}", issue.kind, issue.count)
        for t in profile.tables
        for c in t.columns
        for issue in c.quality
    ]
    issues += [(i.rate, t.name, i.kind, i.count) for t in profile.tables for i in t.quality]
    if issues:
        top = Table(title="top quality issues", show_edge=False)
        for heading in ("where", "issue", "rate", "rows"):
            top.add_column(heading, justify="right" if heading in ("rate", "rows") else "left")
        for rate, where, kind, count in sorted(issues, key=lambda x: -x[0])[:TOP_ISSUES]:
            top.add_row(where, kind, f"{rate:.2%}", f"{count:,}")
        console.print(top)
    rules = [(t.name, r) for t in profile.tables for r in t.rules if r.kind != "precision"]
    if rules:
        found = Table(title="row rules (nearly) every row obeys", show_edge=False)
        for heading in ("table", "rule", "support"):
            found.add_column(heading, justify="right" if heading == "support" else "left", overflow="fold")
        for name, r in rules[:TOP_RULES]:
            found.add_row(name, r.formula.split(" (")[0], f"{r.support:.2%}")
        console.print(found)
    places = sum(1 for t in profile.tables for r in t.rules if r.kind == "precision")
    if rules or places:
        console.print(f"{len(rules)} row rules and {places} number precisions (profile: 'rules')", highlight=False)
    for fk in profile.foreign_keys:
        console.print(
            f"foreign key {fk.child_table}.{fk.child_column} -> {fk.parent_table}.{fk.parent_column} "
            f"({fk.inclusion:.1%} of values found)",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    """Add `profile` to the doppel app (call it once ``user_errors`` exists in server.cli)."""
    from server.cli import out, user_errors, warn

    @app.command("profile")
    @user_errors
    def profile(
        data: Annotated[
            list[Path], typer.Argument(help="sample files or folders: CSV/TSV/TXT, Parquet, JSON/JSONL, Excel")
        ],
        out_path: Annotated[Path, typer.Option("--out", help="where to write the profile JSON")] = Path("profile.json"),
        max_rows: Annotated[int | None, typer.Option("--max-rows", min=1, help="read at most N rows per table")] = None,
    ) -> None:
        """Profile a production sample: types, distributions, patterns, quality issues, keys.

        The profile holds statistics only, never a value of a sensitive column."""
        from tools.capability.samples import profile_samples

        started = time.perf_counter()
        result = profile_samples(data, out_path, max_rows)
        for warning in result.warnings:
            warn(warning)
        summarise(result, out)
        seconds = time.perf_counter() - started
        out.print(f"profile written to {out_path} in {seconds:.1f}s", highlight=False)
