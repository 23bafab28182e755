"""Who may talk to the MCP server over HTTP: loopback by default, anything wider only with a bearer token.

A bearer token, compared in constant time, on every HTTP request when one is configured; a server bound
to anything but loopback refuses to start without one, or with a weak one (fewer than 32 characters, or
too few distinct ones). ``lifespan`` traffic is never checked.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Callable

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


MIN_TOKEN_LENGTH = 32
MIN_DISTINCT = 8  # secrets.token_hex(16) has about 14 distinct characters (fewer than 8: odds ~1e-6), 'a' * 32 one
REPEAT = 8  # no run of this many characters recurs in a random token (odds below one in a million)
MAKE_TOKEN = (
    "make one with `doppel mcp --new-token` "
    """(or python -c "import secrets; print(secrets.token_urlsafe(32))") """
    "and set it as DOPPEL_MCP__TOKEN (or token in the mcp section of doppel.toml)"
)


def new_token() -> str:
    """A fresh bearer token: 32 random bytes, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def token_weakness(token: str) -> str | None:
    """Why ``token`` is too weak to guard a public bind (never quoting it), or None when it will do."""
    if any(c.isspace() for c in token):
        return "it contains white space"
    if len(token) < MIN_TOKEN_LENGTH:
        return f"it has {len(token)} characters, fewer than {MIN_TOKEN_LENGTH}"
    if len(set(token)) < MIN_DISTINCT:
        return f"it uses too few characters ({len(set(token))} distinct; random tokens have many more)"
    pieces = [token[i : i + REPEAT] for i in range(len(token) - REPEAT + 1)]
    if len(set(pieces)) < len(pieces):
        return f"a run of {REPEAT} characters recurs in it (a pattern, not random)"
    return None


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve a non-loopback address without a strong token (DoppelError, exit 2).

    On loopback a token is optional (an extra guard) and not judged; anything wider needs 32+ random
    characters."""
    if token is not None and not token.strip():
        raise DoppelError("the MCP bearer token is empty; set a long random value or leave it unset")
    if is_loopback(host):
        return
    if token is None:
        raise DoppelError(
            f"refusing to serve MCP on {host}: only loopback may be served without a bearer token; "
            f"{MAKE_TOKEN}, or bind 127.0.0.1"
        )
    if (weakness := token_weakness(token)) is not None:
        raise DoppelError(
            f"refusing to serve MCP on {host}: the bearer token is too weak ({weakness}); "
            f"a public bind needs {MIN_TOKEN_LENGTH}+ random characters: {MAKE_TOKEN}"
        )


class BearerAuth:
    """ASGI middleware: 401 unless the request carries ``Authorization: Bearer <token>``, where the token is
    the server's own (``token``) or, when ``keys`` is given, a key it accepts (a user's API key)."""

    def __init__(self, app: ASGIApp, token: str | None, keys: Callable[[str], bool] | None = None) -> None:
        self.app = app
        self._token = token.encode() if token is not None else None
        self._keys = keys

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
        if scheme.lower() != b"bearer":
            return False
        if self._token is not None and hmac.compare_digest(credential.strip(), self._token):
            return True
        return self._keys is not None and self._keys(credential.strip().decode(errors="replace"))
