"""`doppel costs estimate` and `doppel costs show`: what a run will cost, and what it did cost."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

PricesOption = Annotated[
    Path | None, typer.Option("--prices", help="a price table TOML (default: the bundled agents/costs/prices.toml)")
]
JsonOption = Annotated[bool, typer.Option("--json", help="the whole report as JSON")]


def money(value: float | None) -> str:
    """Dollars with enough digits to see sub-cent costs."""
    if value is None:
        return ""
    return f"${value:,.2f}" if value >= 1 else f"${value:.6f}"


def report_table(title: str, rows: list[tuple[str, float | None, float]], estimate_only: bool = False) -> Table:
    table = Table(title=title, show_edge=False, title_justify="left")
    table.add_column("")
    table.add_column("estimate", justify="right")
    if not estimate_only:
        table.add_column("actual", justify="right")
        table.add_column("difference", justify="right")
    for key, planned, spent in rows:
        if estimate_only:
            table.add_row(key, money(spent))
        else:
            diff = "" if planned is None else f"{spent - planned:+.6f}"
            table.add_row(key, money(planned), money(spent), diff)
    return table


def print_tips(console: Console, tips: list[str]) -> None:
    console.print("[bold]tips[/]")
    for tip in tips:
        console.print(f"  • {escape(tip)}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the `costs` group to the doppel app."""
    from server.cli import out, user_errors

    costs = typer.Typer(help="Estimate a run's cost, or break down what a run cost.", no_args_is_help=True)
    app.add_typer(costs, name="costs")

    @costs.command("estimate")
    @user_errors
    def estimate_(
        config: Annotated[str, typer.Argument(help="run config YAML, or a playbook name (telecom, bank, hospital)")],
        rows: Annotated[int | None, typer.Option("--rows", min=1, help="override the config's rows")] = None,
        provider: Annotated[
            str | None, typer.Option("--provider", help="offline or bedrock (default: settings)")
        ] = None,
        model_id: Annotated[str | None, typer.Option("--model-id", help="Bedrock model id (default: settings)")] = None,
        prices: PricesOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """What a run of CONFIG would cost: Bedrock tokens, S3 storage and requests, compute time."""
        from agents.costs.estimate import estimate
        from agents.costs.model import load_prices
        from agents.costs.runs import tips
        from agents.workflow.api import load_run_config
        from agents.workflow.config import resolve_config
        from tools.settings import load_settings

        settings = load_settings()
        model = settings.model.model_copy(
            update={k: v for k, v in {"provider": provider, "model_id": model_id}.items() if v is not None}
        )
        settings = settings.model_copy(update={"model": model})
        loaded = load_run_config(resolve_config(config))
        if rows is not None:
            loaded = loaded.model_copy(update={"rows": rows})
        table = load_prices(prices)
        report = estimate(loaded, settings, table)
        advice = tips(report, None, table)
        if as_json:
            typer.echo(json.dumps({**report.model_dump(mode="json"), "tips": advice}, indent=2))
            return
        out.print(
            f"estimate for run '{loaded.name}' ({report.provider}, {report.model_id}; "
            f"prices {table.region}, {table.as_of}): [bold]{money(report.total)}[/]",
            highlight=False,
        )
        for note in report.notes:
            out.print(f"  {escape(note)}", highlight=False)
        for by in ("service", "stage", "agent"):
            values: dict[str, float] = getattr(report, f"by_{by}")
            out.print(report_table(f"by {by}", [(k, None, v) for k, v in values.items()], estimate_only=True))
        print_tips(out, advice)

    @costs.command("show")
    @user_errors
    def show(
        run_id: Annotated[str, typer.Argument(help="the run id (or a unique prefix)")],
        prices: PricesOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """What RUN cost, per service, stage and agent, against its estimate, with tips."""
        from agents.costs.model import load_prices
        from agents.costs.runs import comparison
        from tools.settings import load_settings

        result = comparison(load_settings(), run_id, load_prices(prices) if prices else None)
        if as_json:
            typer.echo(json.dumps(result.model_dump(mode="json"), indent=2))
            return
        print_comparison(out, result)


def print_comparison(console: Console, result: Any) -> None:
    """The actual-vs-estimate tables and tips of a CostComparison."""
    planned = result.estimate.total if result.estimate else None
    state = result.state.replace("_", " ")
    console.print(
        f"run {result.run_id} ({escape(result.name)}, {state}): actual [bold]{money(result.actual.total)}[/]"
        + (f", estimate {money(planned)}" if planned is not None else ", no estimate"),
        highlight=False,
    )
    for note in result.actual.notes:
        console.print(f"  {escape(note)}", highlight=False)
    for by in ("service", "stage", "agent"):
        console.print(report_table(f"by {by}", result.rows(by)))
    print_tips(console, result.tips)
