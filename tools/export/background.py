"""Writing on a background thread, so encoding and compression overlap with generation.

pyarrow, zlib and zstd release the GIL while they work, so a writer thread takes real time off a run.
Batches keep their order (one thread, one FIFO queue) and the queue is bounded, so memory stays flat:
when the writer falls behind, ``write`` waits.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path

import pyarrow as pa

from tools.export.base import TableWriter

_DONE = None


class BackgroundWriter:
    """Wraps a ``TableWriter``: ``write`` queues, ``finish`` drains and stops the thread, ``close`` publishes.

    Call ``finish`` before forking worker processes: no writer thread is running after it returns."""

    def __init__(self, inner: TableWriter, depth: int = 2) -> None:
        self._inner = inner
        self._queue: queue.Queue[pa.RecordBatch | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = threading.Thread(target=self._drain, name="doppel-writer", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while (batch := self._queue.get()) is not _DONE:
            if self._error is None:
                try:
                    self._inner.write(batch)
                except BaseException as exc:  # re-raised in the caller's thread
                    self._error = exc

    def _raise_pending(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def write(self, batch: pa.RecordBatch) -> None:
        self._raise_pending()
        if self._thread is None:
            raise RuntimeError("write after finish")
        self._queue.put(batch)

    def finish(self) -> None:
        """Wait until every queued batch is written and stop the thread; re-raise a write error here."""
        if self._thread is not None:
            self._queue.put(_DONE)
            self._thread.join()
            self._thread = None
        self._raise_pending()

    def close(self) -> list[Path]:
        self.finish()
        return self._inner.close()

    def abort(self) -> None:
        if self._thread is not None:
            self._error = self._error or RuntimeError("aborted")  # the thread skips what is still queued
            self._queue.put(_DONE)
            self._thread.join()
            self._thread = None
        self._inner.abort()
