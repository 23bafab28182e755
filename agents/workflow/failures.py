"""Which errors are worth retrying, the retry policy, and how a failure is described without data.

Transient: the OS, the network, timeouts (``TRANSIENT_ERRORS``). Everything else fails at once. A
DoppelError is a user error whose message was written to be shown; any other exception shows only its
type and where it was raised, because its message may quote a production value.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx
import tenacity

from tools.errors import DoppelError
from tools.redact import redact
from tools.settings import RetrySettings

T = TypeVar("T")

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # includes ConnectionError, TimeoutError, BrokenPipeError, file-system hiccups
    TimeoutError,
    ConnectionError,
    httpx.TransportError,  # connect/read/write errors and timeouts of HTTP targets and mocks
)


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, TRANSIENT_ERRORS) and not isinstance(exc, DoppelError)


def with_retries(
    func: Callable[[], T], policy: RetrySettings, on_retry: Callable[[BaseException, int, float], None]
) -> T:
    """Call ``func``; retry transient errors with exponential backoff; re-raise the last error."""
    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(policy.attempts),
        wait=tenacity.wait_exponential(multiplier=policy.initial_delay, max=policy.max_delay),
        retry=tenacity.retry_if_exception(is_transient),
        reraise=True,
        before_sleep=lambda state: on_retry(_error(state), state.attempt_number, state.upcoming_sleep),
    )
    return retrying(func)


def _error(state: tenacity.RetryCallState) -> BaseException:
    error = state.outcome.exception() if state.outcome else None
    return error or RuntimeError("unknown error")


def describe(exc: BaseException) -> str:
    """A message safe to store and show: no exception text unless Doppel wrote it for users, and no
    URL's password even then."""
    if isinstance(exc, DoppelError):
        return redact(str(exc))
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return redact(f"{type(exc).__name__}: {exc.strerror}{where}")
    frames = traceback.extract_tb(exc.__traceback__)
    place = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno} in {frames[-1].name}" if frames else ""
    return f"{type(exc).__name__}{place} (message withheld: it may quote data)"


def remedy(exc: BaseException) -> str:
    if isinstance(exc, DoppelError):
        return "Fix the input named above, then choose retry; or skip this stage, or abort the run."
    if is_transient(exc):
        return "A resource was unavailable (disk, network or a service). Check it, then choose retry."
    return "This looks like a bug in Doppel: choose retry once; if it fails again, skip or abort and report it."
