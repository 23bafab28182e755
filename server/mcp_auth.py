"""Who may talk to the MCP server over HTTP: loopback by default, anything wider only with a bearer token.

A bearer token, compared in constant time, on every HTTP request when one is configured; a server bound
to anything but loopback refuses to start without one. ``lifespan`` traffic is never checked.
"""

from __future__ import annotations

import hmac
import ipaddress

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from tools.errors import DoppelError


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve a non-loopback address without a token (DoppelError, exit 2)."""
    if token is not None and not token.strip():
        raise DoppelError("the MCP bearer token is empty; set a long random value or leave it unset")
    if not is_loopback(host) and token is None:
        raise DoppelError(
            f"refusing to serve MCP on {host}: only loopback may be served without a bearer token. "
            "Set DOPPEL_MCP__TOKEN (or token in the mcp section of doppel.toml), or bind 127.0.0.1"
        )


class BearerAuth:
    """ASGI middleware: 401 unless the request carries ``Authorization: Bearer <token>``."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and not self._authorised(scope):
            response = JSONResponse(
                {"error": "unauthorized", "error_description": "a valid bearer token is required"},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="doppel"'},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _authorised(self, scope: Scope) -> bool:
        given = [value for name, value in scope.get("headers", []) if name == b"authorization"]
        if len(given) != 1:
            return False
        scheme, _, credential = given[0].strip().partition(b" ")
        return scheme.lower() == b"bearer" and hmac.compare_digest(credential.strip(), self._token)
