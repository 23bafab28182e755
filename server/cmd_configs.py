"""`doppel configs ...`: save run configurations by name with tags, find them, check them, share them.

Run a saved one with `doppel run config:ID` (or `doppel run --config-id ID`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from server.tables import Column, FitTable

RefArgument = Annotated[str, typer.Argument(help="the configuration's id, a unique id prefix, or its name")]


def _table(saved: list[Any]) -> FitTable:
    table = FitTable(
        [
            Column("id"),
            Column("name"),
            Column("tags", wrap=True, readable=16),
            Column("run", optional=True),
            Column("source", wrap=True),
            Column("saved (UTC)"),
        ]
    )
    for c in saved:
        source = c.config.get("schema_file") or ", ".join(Path(p).name for p in c.config.get("data", []))
        table.add_row(
            c.id,
            escape(c.name),
            escape(", ".join(c.tags)),
            escape(c.config.get("name", "")),
            escape(str(source)),
            c.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    return table


def register(app: typer.Typer) -> None:
    """Add the `configs` group to the doppel app."""
    from server.cli import out, user_errors

    configs = typer.Typer(help="Save, find, check and share run configurations.", no_args_is_help=True)
    app.add_typer(configs, name="configs")

    @configs.command("save")
    @user_errors
    def save(
        config: Annotated[str, typer.Argument(help="run config YAML, or a playbook name (telecom, bank, hospital)")],
        name: Annotated[str, typer.Option("--name", "-n", help="a unique name for the saved configuration")],
        tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="a tag (repeatable)")] = None,
        description: Annotated[str | None, typer.Option("--description", help="default: the config's")] = None,
        replace: Annotated[bool, typer.Option("--replace", help="overwrite the one saved under NAME")] = False,
    ) -> None:
        """Validate CONFIG and save it under NAME with tags."""
        from agents import configs as saved_configs
        from agents.workflow.api import load_run_config
        from agents.workflow.config import resolve_config
        from tools.settings import load_settings

        loaded = load_run_config(resolve_config(config))
        saved = saved_configs.save(
            load_settings(), loaded, name, tags=tag or [], description=description, replace=replace
        )
        out.print(f"saved configuration {saved.id} ({escape(saved.name)})", highlight=False)
        out.print(f"run it with: doppel run config:{saved.id}", highlight=False)

    @configs.command("list")
    @user_errors
    def list_(tag: Annotated[str | None, typer.Option("--tag", "-t", help="only those with this tag")] = None) -> None:
        """Saved configurations, newest first."""
        from agents import configs as saved_configs
        from tools.settings import load_settings

        out.print(_table(saved_configs.list_saved(load_settings(), tag)))

    @configs.command("search")
    @user_errors
    def search(text: Annotated[str, typer.Argument(help="part of an id, name, description or tag")]) -> None:
        """Saved configurations matching TEXT."""
        from agents import configs as saved_configs
        from tools.settings import load_settings

        found = saved_configs.search(load_settings(), text)
        if not found:
            out.print(f"no saved configuration matches '{escape(text)}'", highlight=False)
            return
        out.print(_table(found))

    @configs.command("show")
    @user_errors
    def show(ref: RefArgument) -> None:
        """A saved configuration in full (as YAML)."""
        import yaml

        from agents import configs as saved_configs
        from tools.settings import load_settings

        c = saved_configs.get(load_settings(), ref)
        out.print(f"{c.id}: {escape(c.name)}  tags: {escape(', '.join(c.tags) or '-')}  by {escape(c.user)}")
        if c.description:
            out.print(escape(c.description), highlight=False)
        out.print(escape(yaml.safe_dump(c.config, sort_keys=False, allow_unicode=True)), highlight=False)

    @configs.command("load")
    @user_errors
    def load(ref: RefArgument) -> None:
        """Check that a saved configuration can run: it validates, its files exist, its targets answer."""
        from agents import configs as saved_configs
        from tools.settings import load_settings

        checked = saved_configs.load(load_settings(), ref)
        out.print(
            f"[green]ok[/] configuration {checked.saved.id} ({escape(checked.saved.name)}): "
            f"{len(checked.files)} input(s) found, "
            + (f"{checked.targets} target(s) reachable" if checked.targets else "no targets to reach"),
            highlight=False,
        )
        for path in checked.files:
            out.print(f"  {escape(str(path))}", highlight=False)
        out.print(f"run it with: doppel run config:{checked.saved.id}", highlight=False)

    @configs.command("export")
    @user_errors
    def export(
        ref: RefArgument,
        out_file: Annotated[Path, typer.Option("--out", "-o", help="the JSON file to write")],
    ) -> None:
        """Write a saved configuration to a JSON file to share."""
        from agents import configs as saved_configs
        from tools.settings import load_settings

        path = saved_configs.export(load_settings(), ref, out_file)
        out.print(f"configuration written to {escape(str(path))}", highlight=False)

    @configs.command("import")
    @user_errors
    def import_(
        file: Annotated[Path, typer.Argument(help="a JSON file from `doppel configs export`")],
        name: Annotated[str | None, typer.Option("--name", "-n", help="save under this name instead")] = None,
        replace: Annotated[bool, typer.Option("--replace", help="overwrite the one saved under the name")] = False,
    ) -> None:
        """Validate and save a configuration from a JSON file."""
        from agents import configs as saved_configs
        from tools.settings import load_settings

        saved = saved_configs.import_file(load_settings(), file, name=name, replace=replace)
        out.print(f"imported configuration {saved.id} ({escape(saved.name)})", highlight=False)

    @configs.command("delete")
    @user_errors
    def delete(ref: RefArgument) -> None:
        """Forget a saved configuration (runs made from it are kept)."""
        from agents import configs as saved_configs
        from tools.settings import load_settings

        gone = saved_configs.delete(load_settings(), ref)
        out.print(f"deleted configuration {gone.id} ({escape(gone.name)})", highlight=False)
