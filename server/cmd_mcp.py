"""`doppel mcp --transport stdio|http`: serve Doppel's tools to IDE assistants and agents over MCP.

In stdio mode stdout is the protocol channel, so everything else (logs, warnings) goes to stderr.
"""

from __future__ import annotations

import json
import shutil
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer


class Transport(StrEnum):
    stdio = "stdio"
    http = "http"


def register(app: typer.Typer) -> None:
    """Add `mcp` to the doppel app."""
    from server.cli import user_errors

    @app.command("mcp")
    @user_errors
    def mcp(
        transport: Annotated[Transport, typer.Option("--transport", help="stdio, or streamable HTTP at /mcp")] = (
            Transport.stdio
        ),
        host: Annotated[
            str | None, typer.Option("--host", help="HTTP bind address (default from settings: 127.0.0.1)")
        ] = None,
        port: Annotated[
            int | None,
            typer.Option("--port", min=0, max=65535, help="HTTP port (default from settings: 8765; 0: any free one)"),
        ] = None,
        client_config: Annotated[
            bool, typer.Option("--client-config", help="print the JSON an MCP client needs to start Doppel, and exit")
        ] = False,
    ) -> None:
        """Serve every Doppel capability and workflow run as MCP tools and resources.

        Binding anything but loopback needs a bearer token (DOPPEL_MCP__TOKEN, or in doppel.toml)."""
        if client_config:
            typer.echo(json.dumps(client_snippet(), indent=2))
            return
        from server.mcp_server import build_server, serve_http, serve_stdio
        from tools.settings import load_settings

        settings = load_settings()
        bind = {"host": host, "port": port}
        settings.mcp = settings.mcp.model_copy(update={k: v for k, v in bind.items() if v is not None})
        if transport is Transport.http:
            from server.mcp_auth import check_bind

            token = settings.mcp.token.get_secret_value() if settings.mcp.token is not None else None
            check_bind(settings.mcp.host, token)  # before building anything: a refusal is immediate
            serve_http(build_server(settings), settings)
        else:
            serve_stdio(build_server(settings))


def client_snippet() -> dict[str, Any]:
    """The ``mcpServers`` entry for IDE assistants: this installation's doppel, started over stdio here."""
    beside_python = Path(sys.executable).parent / "doppel"
    command = str(beside_python) if beside_python.is_file() else shutil.which("doppel") or "doppel"
    return {
        "mcpServers": {
            "doppel": {"command": command, "args": ["mcp", "--transport", "stdio"], "cwd": str(Path.cwd().resolve())}
        }
    }
