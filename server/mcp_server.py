"""Doppel's MCP server: every registered capability as a tool, plus workflow runs (tools and resources).

``build_server(settings)`` assembles the FastMCP server; ``serve_stdio`` and ``serve_http`` run it. Tools
come from the capability registry alone (tools/capability), so a capability registered there is served
here with no change to this file.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import socket
import sys
from typing import Any, TextIO

import anyio
from mcp.server.fastmcp import FastMCP
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server
from mcp.server.transport_security import TransportSecuritySettings

from server.mcp_admin import add_admin_tools
from server.mcp_auth import BearerAuth, check_bind, is_loopback
from server.mcp_runs import add_run_resources, add_run_tools
from server.mcp_tools import capability_tool
from tools.capability.registry import capabilities
from tools.errors import DoppelError
from tools.redact import install_log_redaction
from tools.settings import Settings
from tools.workspace import workspace_of

log = logging.getLogger(__name__)

INSTRUCTIONS = """\
Doppel turns production samples (or a schema) into safe synthetic test data.
- From a sample: profile_data (statistics, quality issues, keys), classify_data (which columns are
  sensitive, with evidence), then the synthesis and evaluation tools; or run the whole workflow with
  start_run (a run config or playbook name: telecom, bank, hospital), which streams progress and
  returns the run's status.
- From a schema: validate_schema, list_generators, generate_data (seeded, byte-reproducible).
- A run may pause at an approval point or after a failure: answer with approve_run or answer_failure,
  then resume_run. Read runs as resources: doppel://runs, doppel://runs/{run_id},
  doppel://runs/{run_id}/events, doppel://runs/{run_id}/report (HTML) and .../evaluation (JSON).
- Distribution: list_targets, check_target, load_data (an output folder into databases, Salesforce, REST
  APIs, folders or S3; says which targets are stand-ins), unload_data (what a load or run wrote).
- Costs (estimate_cost, run_cost), saved configurations (list_configs, show_config, save_config), the
  audit trail (audit_records, archive_audit) and past runs (search_runs, open_run, export_run).
Paths are files on the server's machine inside its workspace folder (relative paths start there);
paths outside it are refused. No tool returns raw values of sensitive production columns."""


def build_server(settings: Settings) -> FastMCP[Any]:
    """The "doppel" FastMCP server for ``settings`` (its host decides the DNS-rebinding guard; every path a
    tool is given stays inside ``settings.workspace_root``)."""
    install_log_redaction()  # however the server is started, no log line shows a URL's password
    workspace = workspace_of(settings)
    server: FastMCP[Any] = FastMCP(
        "doppel",
        instructions=INSTRUCTIONS,
        tools=[capability_tool(cap, workspace) for cap in capabilities()],
        host=settings.mcp.host,
        port=settings.mcp.port,
        log_level="WARNING",
        transport_security=_rebinding_guard(settings.mcp.host),
    )
    add_run_tools(server, settings, workspace)
    add_admin_tools(server, settings, workspace)
    add_run_resources(server, settings)
    return server


def _rebinding_guard(host: str) -> TransportSecuritySettings | None:
    """On loopback, only loopback Host and Origin headers: a web page cannot reach the server through
    DNS rebinding. FastMCP does this for 127.0.0.1, localhost and ::1 only; this covers any loopback
    address. Wider binds need the bearer token, which a browser cannot add on its own."""
    if not is_loopback(host):
        return None
    names = sorted({f"[{host.strip('[]')}]" if ":" in host else host, "127.0.0.1", "localhost", "[::1]"})
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[f"{name}:*" for name in names],
        allowed_origins=[f"http://{name}:*" for name in names],
    )


def serve_stdio(server: FastMCP[Any]) -> None:
    """Serve over stdin/stdout until the client closes stdin."""
    protocol = _claim_stdout()
    anyio.run(_serve_stdio, server, protocol)


async def _serve_stdio(server: FastMCP[Any], protocol: TextIO) -> None:
    async with stdio_server(stdout=anyio.wrap_file(protocol)) as (read, write):
        lowlevel = _lowlevel(server)
        await lowlevel.run(read, write, lowlevel.create_initialization_options())


def _claim_stdout() -> TextIO:
    """Keep the real stdout for the protocol alone; descriptor 1 (so every print, from Python or C code)
    goes to stderr from now on, where it cannot corrupt the JSON-RPC stream."""
    sys.stdout.flush()
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    return io.TextIOWrapper(os.fdopen(protocol_fd, "wb"), encoding="utf-8")


def _lowlevel(server: FastMCP[Any]) -> Server[Any, Any]:
    """FastMCP's low-level server (the one reliance on a private attribute; checked with mcp 1.30).

    ``FastMCP.run_stdio_async`` always writes to ``sys.stdout``; to hand the protocol its own descriptor
    this drives the low-level server exactly as ``run_stdio_async`` does."""
    return server._mcp_server


def serve_http(server: FastMCP[Any], settings: Settings) -> None:
    """Serve streamable HTTP at ``/mcp`` on ``settings.mcp`` host and port, behind the bearer check.

    The socket is bound before anything is printed: a port in use is one clear error (exit 2), and the
    banner, naming the real port (``--port 0`` takes any free one), means the server is listening."""
    import uvicorn

    host, port = settings.mcp.host, settings.mcp.port
    from agents.state.users import allowed, has_users, user_of_key

    token = settings.mcp.token.get_secret_value() if settings.mcp.token is not None else None
    users = has_users(settings)  # users' API keys (`doppel users key NAME`, engineers and admins) are accepted too
    if not users:
        check_bind(host, token)
    listening = bind_socket(host, port)
    app: Any = server.streamable_http_app()
    if token is not None or users:

        def engineer_key(key: str) -> bool:
            user = user_of_key(settings, key)
            return user is not None and allowed(user.role, "run")

        app = BearerAuth(app, token, engineer_key if users else None)
    port = listening.getsockname()[1]
    guard = "bearer token required" if token is not None else "loopback only, no token"
    if users:
        guard = "a user's API key" + (" or the bearer token" if token is not None else "") + " required"
    print(f"Doppel MCP server: http://{_shown(host)}:{port}/mcp ({guard})", file=sys.stderr, flush=True)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[listening])


def bind_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` and listening, or a DoppelError saying plainly why not."""
    where = f"{_shown(host)}:{port}"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise DoppelError(f"cannot serve MCP on {where}: unknown host ({exc.strerror})") from None
    listening = socket.socket(family, kind, proto)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does; a listener still wins
        listening.bind(address)
        listening.listen(2048)
    except OSError as exc:
        listening.close()
        reason = {
            errno.EADDRINUSE: "the address is in use (another program listens there; choose another --port)",
            errno.EACCES: "permission denied (ports below 1024 need privileges; choose another --port)",
            errno.EADDRNOTAVAIL: "no network interface of this machine has that address (check --host)",
        }.get(exc.errno or 0, exc.strerror or str(exc))
        raise DoppelError(f"cannot serve MCP on {where}: {reason}") from None
    return listening


def _shown(host: str) -> str:
    return f"[{host.strip('[]')}]" if ":" in host else host
