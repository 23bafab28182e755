"""Progress from a worker thread to the MCP client, as progress notifications.

Capabilities and the workflow run synchronously in a worker thread; ``ctx.report_progress`` is a
coroutine of the event loop. The bridges below hop back to the loop with ``anyio.from_thread.run`` and
an event-loop token, so they also work from threads a capability starts itself (a generation pool).

MCP requires the progress value to increase with every notification, while a capability's
``(step, done, total)`` restarts at 0 for each step. So the value sent is the sum of ``done`` over every
step seen, the total the sum of their totals (None while one is unknown); a step counts as complete once
another one begins (the capability has moved on), and a call that would not increase the value is not
sent. When the capability finishes its last step, value and total are equal.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import anyio.from_thread
import anyio.lowlevel
from mcp.server.fastmcp import Context

from agents.events import (
    ApprovalRequested,
    Chart,
    Decision,
    Event,
    Failed,
    Progress,
    SampleDiff,
    StageCompleted,
    StageStarted,
)

log = logging.getLogger(__name__)
MIN_INTERVAL = 0.1  # seconds between notifications of the same step (the last one of a step always goes)


def wants_progress(ctx: Context[Any, Any, Any]) -> bool:
    """True when the client asked for progress (sent a progress token) on this request."""
    meta = ctx.request_context.meta
    return meta is not None and meta.progressToken is not None


class _Forwarder:
    """Sends one notification from any thread; after a failure (client gone) it stops trying."""

    def __init__(self, ctx: Context[Any, Any, Any]) -> None:
        self._ctx = ctx
        self._token = anyio.lowlevel.current_token()
        self._lock = threading.Lock()
        self._broken = False

    def send(self, progress: float, total: float | None, message: str) -> None:
        if self._broken:
            return
        try:
            anyio.from_thread.run(self._ctx.report_progress, progress, total, message, token=self._token)
        except Exception as exc:  # a lost client must not fail the work itself
            log.warning("progress notification failed (%s); no more will be sent", type(exc).__name__)
            self._broken = True


class CapabilityProgress(_Forwarder):
    """A ``ProgressCallback`` (step, done, total) turned into increasing MCP progress values."""

    def __init__(self, ctx: Context[Any, Any, Any]) -> None:
        super().__init__(ctx)
        self._steps: dict[str, tuple[int, int | None]] = {}
        self._last_value: float | None = None
        self._last_at: dict[str, float] = {}
        self._pending: tuple[float, float | None, str] | None = None

    def __call__(self, step: str, done: int, total: int | None) -> None:
        with self._lock:
            if step not in self._steps:  # the steps before this one are over
                self._steps = {k: (t if t is not None else d, t) for k, (d, t) in self._steps.items()}
            before = self._steps.get(step, (0, total))[0]
            self._steps[step] = (max(before, done), total)
            value = float(sum(d for d, _ in self._steps.values()))
            totals = [t for _, t in self._steps.values()]
            overall = None if any(t is None for t in totals) else float(sum(t for t in totals if t is not None))
            now = time.monotonic()
            finished = total is not None and done >= total
            if self._last_value is not None and value <= self._last_value:
                return
            message = f"{step} ({done}/{total})" if total is not None else f"{step} ({done})"
            if not finished and step in self._last_at and now - self._last_at[step] < MIN_INTERVAL:
                self._pending = (value, overall, message)
                return
            self._last_value, self._last_at[step], self._pending = value, now, None
            self.send(value, overall, message)

    def flush(self) -> None:
        """Send the latest state if throttling held it back (call when the capability returns)."""
        with self._lock:
            if self._pending is not None:
                self._last_value = self._pending[0]
                self.send(*self._pending)
                self._pending = None


class EventProgress(_Forwarder):
    """An ``EventSink``: every workflow event becomes one notification, numbered 1, 2, 3, ..."""

    def __init__(self, ctx: Context[Any, Any, Any]) -> None:
        super().__init__(ctx)
        self._count = 0

    def __call__(self, event: Event) -> None:
        with self._lock:
            self._count += 1
            self.send(float(self._count), None, describe(event))


def describe(event: Event) -> str:
    """One line for an event, e.g. ``[synthesise] Fitting GaussianCopula on 12 columns (3/10)``."""
    where = f"[{event.stage}] " if event.stage else ""
    if isinstance(event, StageStarted):
        text = f"started: {event.what}"
    elif isinstance(event, Progress):
        count = f" ({event.done}/{event.total})" if event.total is not None else ""
        text = f"{event.action}{count}"
    elif isinstance(event, Decision):
        confidence = f" ({event.confidence:.0%})" if event.confidence is not None else ""
        text = f"{event.subject}: {event.decision}{confidence}"
    elif isinstance(event, SampleDiff):
        text = f"sample of {event.table}: {len(event.changed)} cells changed"
    elif isinstance(event, Chart):
        text = f"chart: {event.title}"
    elif isinstance(event, ApprovalRequested):
        text = f"approval needed ({event.approval_id}): {event.question}"
    elif isinstance(event, StageCompleted):
        counts = ", ".join(f"{k} {v}" for k, v in event.counts.items())
        text = f"skipped: {event.skipped}" if event.skipped else f"completed in {event.seconds:.1f}s"
        text += f" ({counts})" if counts else ""
    elif isinstance(event, Failed):
        text = f"failed: {event.error}" + (f". {event.remedy}" if event.remedy else "")
    else:  # a new event kind: still shown, by its kind
        text = str(getattr(event, "kind", type(event).__name__))
    return where + text
