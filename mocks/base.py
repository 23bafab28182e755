"""The small HTTP base every stand-in in ``mocks/`` shares: routing, SQLite state, faults, optional TLS.

One stand-in is one ``ThreadingHTTPServer`` on 127.0.0.1 (stdlib, like ``mocks/bedrock.py``): a request
runs in its own thread, so a held request (the timeout fault) never blocks the others. A subclass lists
its routes (method, path pattern, handler); a handler takes a :class:`Request` and returns a
:class:`Response` or raises :class:`HttpError`.

State lives in one SQLite file per stand-in (``<state_dir>/<name>.sqlite3``): documents by kind and id,
counters and blobs. A restart on the same folder loses nothing; seeded content is written once, into an
empty file.

Faults, by configuration (:class:`Faults`): a seeded fraction ``rate`` of requests fails as one of
``500`` (an error answer), ``429`` (``Retry-After: <retry_after>``), ``timeout`` (the answer is held past
the client's read timeout: ``hold`` seconds, or until :meth:`StandIn.release` / :meth:`StandIn.stop`
when ``hold`` is None) or ``truncated`` (the real answer, cut in half under its full Content-Length, then
the connection closes). The control paths under ``/_doppel/`` are never faulted: ``GET /_doppel/stats``
counts requests and faults, ``POST /_doppel/faults`` sets the faults (a :class:`Faults` as JSON).
"""

from __future__ import annotations

import base64
import json
import random
import re
import sqlite3
import ssl
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import BaseModel, Field

HOST = "127.0.0.1"
DEFAULT_STATE_DIR = Path(".doppel") / "mocks"
CONTROL = "/_doppel/"
FaultKind = Literal["500", "429", "timeout", "truncated"]
FAULT_KINDS: tuple[FaultKind, ...] = ("500", "429", "timeout", "truncated")


class Faults(BaseModel):
    """Which requests fail, and how. ``rate`` 0 (the default) means none."""

    rate: float = Field(0.0, ge=0.0, le=1.0, description="fraction of requests that fail")
    kinds: list[FaultKind] = Field(default_factory=lambda: list(FAULT_KINDS), min_length=1)
    retry_after: int = Field(1, ge=0, description="seconds in the Retry-After header of a 429")
    hold: float | None = Field(30.0, ge=0, description="seconds a timed-out answer is held; None: until released")
    seed: int = 0


class Request:
    """One HTTP request as a handler sees it; ``params`` holds the path pattern's named groups."""

    def __init__(self, method: str, target: str, headers: Message, body: bytes) -> None:
        parts = urlsplit(target)
        self.method = method
        self.path = unquote(parts.path)
        self.raw_query = parts.query
        self.query = {k: v for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self.headers = headers
        self.body = body
        self.params: dict[str, str] = {}

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def int_arg(self, name: str, default: int) -> int:
        value = self.arg(name)
        try:
            return int(value) if value not in (None, "") else default
        except ValueError:
            raise HttpError(400, {"errorMessages": [f"{name} must be a number"]}) from None

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise HttpError(400, {"errorMessages": [f"the body is not valid JSON: {exc}"]}) from None

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()


class Response:
    def __init__(
        self,
        status: int = 200,
        body: bytes = b"",
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status, self.body, self.content_type = status, body, content_type
        self.headers = dict(headers or {})


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status, json.dumps(payload, default=str).encode(), "application/json;charset=UTF-8", headers)


def text_response(status: int, text: str, content_type: str = "text/plain; charset=utf-8") -> Response:
    return Response(status, text.encode("utf-8"), content_type)


class HttpError(Exception):
    """An error answer: status and a JSON payload in the stand-in's own error shape."""

    def __init__(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(str(payload))
        self.status, self.payload, self.headers = status, payload, headers or {}


Handler = Callable[[Request], Response]


class Store:
    """SQLite state of one stand-in: JSON documents by (kind, id), counters and blobs; thread-safe."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # WAL: safe across a crash of the process, no fsync per write
        self._db.executescript(
            """
            CREATE TABLE IF NOT EXISTS docs (kind TEXT, id TEXT, body TEXT NOT NULL, PRIMARY KEY (kind, id));
            CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS blobs (id TEXT PRIMARY KEY, data BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            """
        )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Several writes as one: all or nothing, and no other thread in between."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT body FROM docs WHERE kind = ? AND id = ?", (kind, key)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, kind: str, key: str, doc: dict[str, Any]) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO docs (kind, id, body) VALUES (?, ?, ?) "
                "ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body",
                (kind, key, json.dumps(doc, default=str)),
            )

    def delete(self, kind: str, key: str) -> bool:
        with self._lock:
            return self._db.execute("DELETE FROM docs WHERE kind = ? AND id = ?", (kind, key)).rowcount > 0

    def all(self, kind: str) -> list[dict[str, Any]]:
        """Every document of a kind, oldest first."""
        with self._lock:
            rows = self._db.execute("SELECT body FROM docs WHERE kind = ? ORDER BY rowid", (kind,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def find(self, kind: str, field: str, value: str) -> list[dict[str, Any]]:
        """Documents of a kind whose ``field``, as text, equals ``value``, oldest first (SQLite reads the JSON:
        no Python pass over every document, so a bulk job of n records costs n lookups, not n scans)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT body FROM docs WHERE kind = ? AND CAST(json_extract(body, '$.\"' || ? || '\"') AS TEXT) = ? "
                "ORDER BY rowid",
                (kind, field, value),
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def next(self, name: str, start: int = 1) -> int:
        """The next value of a named counter (``start`` first)."""
        with self._lock:
            row = self._db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
            value = row[0] + 1 if row else start
            self._db.execute(
                "INSERT INTO counters (name, value) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (name, value),
            )
        return int(value)

    def put_blob(self, key: str, data: bytes) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO blobs (id, data) VALUES (?, ?)", (key, data))

    def get_blob(self, key: str) -> bytes | None:
        with self._lock:
            row = self._db.execute("SELECT data FROM blobs WHERE id = ?", (key,)).fetchone()
        return bytes(row[0]) if row else None

    def meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def close(self) -> None:
        with self._lock:
            self._db.close()


class StandIn:
    """Base of every stand-in: subclasses set ``name``, define ``routes()`` and ``seed()``."""

    name: ClassVar[str] = "stand-in"
    tls: ClassVar[bool] = False
    server_header: ClassVar[str] = "DoppelStandIn/1.0"

    def __init__(
        self,
        port: int = 0,
        state_dir: Path | str | None = None,
        faults: Faults | None = None,
        *,
        credentials: dict[str, str] | None = None,
    ) -> None:
        self.port = port
        self.state_dir = Path(state_dir) if state_dir is not None else DEFAULT_STATE_DIR
        self.faults = faults or Faults()
        self.credentials = credentials
        self.stats: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._rng = random.Random(self.faults.seed)
        self._released = threading.Event()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._routes = [(m, re.compile(f"^{p}$"), h) for m, p, h in self.routes()]
        self.store: Store | None = None

    # ------------------------------------------------------------------ for subclasses

    def routes(self) -> list[tuple[str, str, Handler]]:
        return []

    def seed(self, store: Store) -> None:
        """Write the seeded content into an empty store."""

    def authorise(self, request: Request) -> None:
        """Refuse a request without the configured credentials (subclasses say which)."""

    @property
    def db(self) -> Store:
        if self.store is None:
            raise RuntimeError(f"{self.name} stand-in is not started")
        return self.store

    # ------------------------------------------------------------------ life cycle

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError(f"{self.name} stand-in is not started")
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{HOST}:{self._server.server_address[1]}"

    def ssl_context(self) -> ssl.SSLContext | None:
        return None

    def bind(self) -> StandIn:
        """Open the state and bind the port (connections queue from here on); ``serve()`` answers them."""
        self.store = Store(self.state_dir / f"{self.name}.sqlite3")
        if self.store.meta("seeded") is None:
            with self.store.transaction():
                self.seed(self.store)
                self.store.set_meta("seeded", "1")
        server = ThreadingHTTPServer((HOST, self.port), _Handler)
        server.daemon_threads = True
        context = self.ssl_context()
        if context is not None:
            server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        server.stand_in = self  # type: ignore[attr-defined]
        self._server = server
        return self

    def serve(self) -> StandIn:
        if self._server is None:
            self.bind()
        assert self._server is not None
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.2,), name=f"{self.name}-stand-in", daemon=True
        )
        self._thread.start()
        return self

    def start(self) -> StandIn:
        return self.bind().serve()

    def stop(self) -> None:
        self._stopping.set()
        self._released.set()
        if self._server is not None:
            if self._thread is not None:
                self._server.shutdown()
                self._thread.join()
            self._server.server_close()
            self._server = None
        if self.store is not None:
            self.store.close()
            self.store = None

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ faults

    def set_faults(self, faults: Faults | None = None, **changes: Any) -> Faults:
        """Replace the faults (``set_faults(rate=0.3, kinds=["500"])``); held requests are released."""
        new = (faults or Faults()).model_copy(update=changes) if changes else (faults or Faults())
        new = Faults.model_validate(new.model_dump())
        with self._lock:
            self.faults = new
            self._rng = random.Random(new.seed)
            self._released.set()
            self._released = threading.Event()
        return new

    def release(self) -> None:
        """Let every held (timed-out) request finish."""
        self._released.set()

    def _fault(self, request: Request) -> FaultKind | None:
        if request.path.startswith(CONTROL):
            return None
        with self._lock:
            self.stats["requests"] += 1
            if self.faults.rate <= 0 or self._rng.random() >= self.faults.rate:
                return None
            kind = self._rng.choice(self.faults.kinds)
            self.stats[f"fault_{kind}"] += 1
            return kind

    # ------------------------------------------------------------------ dispatch

    def dispatch(self, request: Request) -> Response:
        if request.path.startswith(CONTROL):
            return self._control(request)
        allowed = False
        for method, pattern, handler in self._routes:
            found = pattern.match(request.path)
            if found is None:
                continue
            allowed = True
            if method != request.method:
                continue
            request.params = {k: v for k, v in found.groupdict().items() if v is not None}
            self.authorise(request)
            return handler(request)
        if allowed:
            raise HttpError(405, self.error_body(405, f"{request.method} is not allowed on {request.path}"))
        raise HttpError(404, self.error_body(404, f"no route for {request.method} {request.path}"))

    def error_body(self, status: int, message: str) -> Any:
        """The stand-in's own error shape (Atlassian's by default)."""
        return {"errorMessages": [message], "errors": {}}

    def _control(self, request: Request) -> Response:
        if request.path == CONTROL + "stats":
            with self._lock:
                return json_response(200, {"stats": dict(self.stats), "faults": self.faults.model_dump()})
        if request.path == CONTROL + "faults" and request.method == "POST":
            try:
                faults = Faults.model_validate(request.json() or {})
            except ValueError as exc:
                raise HttpError(400, {"errorMessages": [str(exc)]}) from None
            return json_response(200, self.set_faults(faults).model_dump())
        raise HttpError(404, self.error_body(404, f"no control path {request.path}"))

    def basic_or_bearer(self, request: Request) -> None:
        """Atlassian-style auth: HTTP basic ``username:password`` or ``Bearer <token>`` (a personal access
        token), when credentials are configured."""
        if not self.credentials:
            return
        header = request.headers.get("Authorization") or ""
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value and value == self.credentials.get("token"):
            return
        if scheme.lower() == "basic":
            try:
                user, _, password = base64.b64decode(value).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                user, password = "", ""
            if user == self.credentials.get("username") and password == self.credentials.get("password"):
                return
        raise HttpError(401, self.error_body(401, "You are not authenticated. Authentication required."))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()  # in this request's own thread, not the accept loop
        super().setup()

    def handle(self) -> None:
        try:
            super().handle()
        except (ssl.SSLError, ConnectionError, TimeoutError):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    @property
    def stand_in(self) -> StandIn:
        return self.server.stand_in  # type: ignore[attr-defined]

    def version_string(self) -> str:
        return self.stand_in.server_header

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        stand_in = self.stand_in
        request = Request(self.command, self.path, self.headers, body)
        fault = stand_in._fault(request)
        if fault == "500":
            self._send(json_response(500, stand_in.error_body(500, "Internal server error (injected fault)")))
            return
        if fault == "429":
            retry = str(stand_in.faults.retry_after)
            payload = stand_in.error_body(429, "Rate limit exceeded (injected fault)")
            self._send(json_response(429, payload, {"Retry-After": retry}))
            return
        if fault == "timeout":
            released = stand_in._released
            if stand_in.faults.hold is None:
                released.wait()
            else:
                released.wait(stand_in.faults.hold)
            self.close_connection = True
            return
        try:
            response = stand_in.dispatch(request)
        except HttpError as exc:
            response = json_response(exc.status, exc.payload, exc.headers)
        except Exception as exc:  # a stand-in bug answers 500 with its type, never a hang
            response = json_response(500, stand_in.error_body(500, f"stand-in error: {type(exc).__name__}: {exc}"))
        self._send(response, truncated=fault == "truncated")

    def _send(self, response: Response, truncated: bool = False) -> None:
        body = response.body if self.command != "HEAD" else b""
        try:
            self.send_response(response.status)
            if response.body or response.status not in (204, 304):
                self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in response.headers.items():
                self.send_header(key, value)
            if truncated:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[: len(body) // 2] if truncated else body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass
        if truncated:
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve
