"""Retries for target calls: tenacity, exponential backoff, ``Retry-After`` honoured, every retry counted.

A target raises :class:`Transient` for what is worth another try (a refused or dropped connection, a time
out, a cut-off answer, HTTP 429 or 5xx); anything else is final. Every write a target retries is safe to
repeat (an idempotency key, a transaction that was rolled back, a job whose state is read back first),
so retrying never duplicates a row. After ``attempts`` tries the call ends in a :class:`TargetError`
saying what failed, how often and the last reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from tools.targets.base import TargetError
from tools.targets.config import TargetConfig

T = TypeVar("T")


class Transient(Exception):
    """Worth another try; ``retry_after`` is what the server asked for (seconds), if it said."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


def retry_after_seconds(value: str | None) -> float | None:
    """A ``Retry-After`` header in seconds (HTTP dates are not used by the systems Doppel loads into)."""
    try:
        return max(0.0, float(value)) if value not in (None, "") else None
    except ValueError:
        return None


class Caller:
    """Runs a target's calls with retries and counts the retries (``retried``)."""

    def __init__(self, config: TargetConfig, sleep: Callable[[float], None] = time.sleep) -> None:
        self.config = config
        self.sleep = sleep
        self.retried = 0

    def take_retried(self) -> int:
        """Retries since the last call of this (for per-batch counts)."""
        count, self.retried = self.retried, 0
        return count

    def _wait(self, state: RetryCallState) -> float:
        backoff = wait_exponential(multiplier=self.config.initial_delay, max=self.config.max_delay)(state)
        exc = state.outcome.exception() if state.outcome else None
        asked = exc.retry_after if isinstance(exc, Transient) else None
        return max(backoff, asked) if asked is not None else backoff

    def _before_sleep(self, state: RetryCallState) -> None:
        self.retried += 1

    def run(self, what: str, fn: Callable[[], T]) -> T:
        """``fn()``, retried while it raises :class:`Transient`; a :class:`TargetError` when it never succeeds."""
        attempts = 0

        def attempt() -> T:
            nonlocal attempts
            attempts += 1
            try:
                return fn()
            except Transient as exc:
                if exc.retry_after is not None and exc.retry_after > self.config.max_retry_after:
                    raise TargetError(
                        f"{self.config.label}: {what}: the server asked to wait {exc.retry_after:g} s (Retry-After), "
                        f"more than max_retry_after ({self.config.max_retry_after:g} s)"
                    ) from None
                raise

        retrying = Retrying(
            stop=stop_after_attempt(self.config.attempts),
            wait=self._wait,
            retry=retry_if_exception_type(Transient),
            sleep=self.sleep,
            before_sleep=self._before_sleep,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except Transient as exc:
            raise TargetError(
                f"{self.config.label}: {what} failed after {attempts} attempt(s) (last: {exc.reason}); "
                "check that the target is reachable, or raise its 'attempts'"
            ) from None
