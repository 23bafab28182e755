"""What the Jira and Confluence wrappers share: client construction, tenacity retries, audit records, errors.

- Construction: Server/Data Center with basic auth (``username`` + ``password``) or a personal access
  token (``token``), Cloud with ``email`` + ``api_token``; ``ca_bundle`` / ``verify_tls`` for TLS.
- Retries (``Settings.retry``): HTTP 429 and 5xx, connection failures, read time-outs and cut-off bodies
  are retried with exponential backoff; a ``Retry-After`` header is honoured (waited at least, up to
  ``max_retry_after``). An operation that changes something (create, comment, attach, link) is retried
  only when the request cannot have been applied (429, a refused connection): anything else fails at once
  rather than risk a duplicate. Other errors (401, 403, 404, a bad query) fail at once.
- Every attempt is reported to a hook as an :class:`AtlassianCall` (system, operation, endpoint, status,
  latency: metadata only, never a payload or a credential).
- The final error is an :class:`AtlassianError` saying what failed, how often, and what to check.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import requests
from atlassian.errors import ApiError
from pydantic import BaseModel, ConfigDict, Field
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from tools.errors import DoppelError
from tools.llm.client import is_loopback
from tools.settings import AtlassianSettings, RetrySettings

T = TypeVar("T")
System = Literal["confluence", "jira"]
CallStatus = Literal["ok", "retry", "failed"]


class AtlassianError(DoppelError):
    """A Jira or Confluence call failed for good."""

    exit_code = 1

    def __init__(self, message: str, *, status: int | None = None, attempts: int = 1, transient: bool = False) -> None:
        super().__init__(message)
        self.status, self.attempts, self.transient = status, attempts, transient


class AtlassianUnavailable(AtlassianError):
    """The site did not answer usefully after every retry (down, overloaded, unreachable)."""


class AtlassianCall(BaseModel):
    """One attempt of one call, for the audit trail: metadata only."""

    model_config = ConfigDict(frozen=True)

    system: System
    operation: str
    endpoint: str = Field(description="scheme://host:port, never a path or query")
    attempt: int = Field(ge=1)
    status: CallStatus
    http_status: int | None = None
    error_code: str | None = Field(None, description="exception type or HTTP status, never a message")
    latency_ms: float = Field(ge=0)


CallHook = Callable[[AtlassianCall], None]


def no_hook(call: AtlassianCall) -> None:
    """The default hook: nothing is recorded."""


class _Transient(Exception):
    def __init__(self, code: str, status: int | None = None, retry_after: float | None = None, sent: bool = True):
        super().__init__(code)
        self.code, self.status, self.retry_after, self.sent = code, status, retry_after, sent


def endpoint_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def is_cloud(settings: AtlassianSettings) -> bool:
    if settings.deployment != "auto":
        return settings.deployment == "cloud"
    host = urlsplit(settings.url or "").hostname or ""
    return host.endswith(".atlassian.net") or host.endswith(".jira.com")


def client_kwargs(system: System, settings: AtlassianSettings) -> dict[str, Any]:
    """Keyword arguments for ``atlassian.Confluence`` / ``atlassian.Jira`` from the settings."""
    if not settings.url:
        raise AtlassianError(
            f"{system}.url is not set: configure [{system}] url in doppel.toml or DOPPEL_{system.upper()}__URL"
        )
    session = requests.Session()
    session.verify = str(settings.ca_bundle) if settings.ca_bundle else settings.verify_tls
    if is_loopback(settings.url):
        session.trust_env = False  # no proxy for a local stand-in
    kwargs: dict[str, Any] = {
        "url": settings.url.rstrip("/"),
        "session": session,
        "timeout": max(1, math.ceil(settings.read_timeout)),
        "retry_with_header": False,  # tenacity is the only retry loop (the client would sleep on a 429 itself)
    }
    if is_cloud(settings):
        if not (settings.email and settings.api_token):
            raise AtlassianError(f"{system} Cloud needs {system}.email and {system}.api_token")
        kwargs.update(cloud=True, username=settings.email, password=settings.api_token.get_secret_value())
    elif settings.token is not None:
        kwargs["token"] = settings.token.get_secret_value()
    elif settings.username and settings.password is not None:
        kwargs.update(username=settings.username, password=settings.password.get_secret_value())
    return kwargs


def _retry_after(response: requests.Response | None) -> float | None:
    value = (response.headers.get("Retry-After") if response is not None else None) or ""
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class Caller:
    """Runs client calls with retries, reporting each attempt to ``hook``."""

    def __init__(
        self,
        system: System,
        settings: AtlassianSettings,
        retry: RetrySettings,
        hook: CallHook | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.system, self.settings, self.retry = system, settings, retry
        self.endpoint = endpoint_of(settings.url or "")
        self.hook = hook or no_hook
        self.sleep = sleep
        self.name = system.capitalize()

    def _wait(self, state: RetryCallState) -> float:
        backoff = wait_exponential(multiplier=self.retry.initial_delay, max=self.retry.max_delay)(state)
        exc = state.outcome.exception() if state.outcome else None
        asked = exc.retry_after if isinstance(exc, _Transient) else None
        return max(backoff, asked) if asked is not None else backoff

    def call(self, operation: str, fn: Callable[[], T], *, changes: bool = False) -> T:
        """``fn()`` with retries; ``changes``: it creates something, so retry only what cannot have applied."""
        attempts = 0

        def attempt() -> T:
            nonlocal attempts
            attempts += 1
            started = time.perf_counter()
            try:
                try:
                    result = fn()
                except ApiError as wrapped:  # the client wraps some HTTP errors (a 404 page, a 400 query)
                    if isinstance(wrapped.reason, requests.HTTPError):
                        raise wrapped.reason from None
                    raise
            except requests.HTTPError as exc:
                self._report(operation, attempts, started, exc)
                raise self._classify_http(operation, exc, changes) from None
            except (requests.ConnectionError, requests.Timeout) as exc:
                self._report(operation, attempts, started, exc)
                refused = isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.ReadTimeout)
                sent = not (refused and "refused" in str(exc).lower()) and not isinstance(exc, requests.ConnectTimeout)
                if changes and sent:
                    raise self._unsure(operation, type(exc).__name__) from None
                raise _Transient(type(exc).__name__, sent=sent) from None
            except (requests.RequestException, ValueError) as exc:  # a cut-off body, or one that is not JSON
                self._report(operation, attempts, started, exc)
                if changes:
                    raise self._unsure(operation, type(exc).__name__) from None
                raise _Transient(type(exc).__name__) from None
            self.hook(
                AtlassianCall(system=self.system, operation=operation, endpoint=self.endpoint, attempt=attempts,
                              status="ok", latency_ms=round((time.perf_counter() - started) * 1000, 3))
            )  # fmt: skip
            return result

        retrying = Retrying(
            stop=stop_after_attempt(self.retry.attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_Transient),
            sleep=self.sleep,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except _Transient as exc:
            status = f"HTTP {exc.status}" if exc.status else exc.code
            raise AtlassianUnavailable(
                f"{self.name} at {self.endpoint}: {operation} failed after {attempts} attempt(s) (last: {status}); "
                f"check {self.system}.url and the network, or raise retry.attempts",
                status=exc.status,
                attempts=attempts,
                transient=True,
            ) from None

    def _unsure(self, operation: str, code: str) -> AtlassianError:
        return AtlassianError(
            f"{self.name} at {self.endpoint}: {operation} got no complete answer ({code}); it may or may not have "
            "been applied, so it is not retried: check in "
            f"{self.name} before trying again",
            transient=True,
        )

    def _classify_http(self, operation: str, exc: requests.HTTPError, changes: bool) -> Exception:
        status = exc.response.status_code if exc.response is not None else None
        if status == 429 or (status is not None and status >= 500):
            asked = _retry_after(exc.response)
            if asked is not None and asked > self.settings.max_retry_after:
                return AtlassianError(
                    f"{self.name} at {self.endpoint}: {operation} was asked to wait {asked:g} s (Retry-After), more "
                    f"than {self.system}.max_retry_after ({self.settings.max_retry_after:g} s)",
                    status=status,
                    transient=True,
                )
            if changes and status != 429:
                return self._unsure(operation, f"HTTP {status}")
            return _Transient(f"HTTP {status}", status, asked)
        hint = {
            401: f"check the {self.system} credentials (username/password, token, or email/api_token)",
            403: "the account lacks permission for this",
            404: "not found: check the key, id or URL",
        }.get(status or 0, "the request was refused")
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        return AtlassianError(
            f"{self.name} at {self.endpoint}: {operation} failed with HTTP {status}: {hint}"
            + (f" ({detail})" if detail and status not in (401, 403) else ""),
            status=status,
        )

    def _report(self, operation: str, attempt: int, started: float, exc: BaseException) -> None:
        status = exc.response.status_code if isinstance(exc, requests.HTTPError) and exc.response is not None else None
        transient = status is None or status == 429 or status >= 500
        self.hook(
            AtlassianCall(
                system=self.system, operation=operation, endpoint=self.endpoint, attempt=attempt,
                status="retry" if transient and attempt < self.retry.attempts else "failed", http_status=status,
                error_code=f"HTTP {status}" if status else type(exc).__name__,
                latency_ms=round((time.perf_counter() - started) * 1000, 3),
            )
        )  # fmt: skip
