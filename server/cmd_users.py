"""`doppel users add|key|list|remove`: who may sign in to the UI and call the HTTP APIs."""

from __future__ import annotations

import sys
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    from server.cli import out, user_errors

    users = typer.Typer(help="Users of the UI and the HTTP APIs (roles viewer, engineer, admin).", no_args_is_help=True)
    app.add_typer(users, name="users")

    @users.command("add")
    @user_errors
    def add(
        name: Annotated[str, typer.Argument(help="the user name to sign in with")],
        role: Annotated[str, typer.Option("--role", help="viewer, engineer or admin")] = "viewer",
        password_stdin: Annotated[
            bool, typer.Option("--password-stdin", help="read the password from standard input (one line)")
        ] = False,
    ) -> None:
        """Add a user; the password is read from stdin (--password-stdin) or asked for twice."""
        from agents.state.users import add_user
        from tools.settings import load_settings

        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
        user = add_user(load_settings(), name, role, password)
        out.print(f"user {user.name} added ({user.role})", highlight=False)

    @users.command("key")
    @user_errors
    def key(name: Annotated[str, typer.Argument(help="the user")]) -> None:
        """Issue an API key for NAME (MCP over HTTP and /api); it is shown once only."""
        from agents.state.users import issue_key
        from tools.settings import load_settings

        print(issue_key(load_settings(), name))

    @users.command("list")
    @user_errors
    def list_() -> None:
        """Users, their roles and their API keys (by prefix)."""
        from agents.state.users import list_users
        from tools.settings import load_settings

        found = list_users(load_settings())
        if not found:
            out.print("no users: `doppel users add NAME --role admin --password-stdin`", highlight=False)
        for u in found:
            keys = f"  keys: {', '.join(u.keys)}" if u.keys else ""
            out.print(f"{u.name:<20} {u.role:<9} since {u.created_at:%Y-%m-%d}{keys}", highlight=False)

    @users.command("remove")
    @user_errors
    def remove(name: Annotated[str, typer.Argument(help="the user")]) -> None:
        """Remove a user and their API keys."""
        from agents.state.users import remove_user
        from tools.settings import load_settings

        remove_user(load_settings(), name)
        out.print(f"user {name} removed", highlight=False)
