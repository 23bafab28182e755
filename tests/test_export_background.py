"""The background writer keeps order, surfaces write errors in the caller and leaves nothing on abort."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from tools.export.background import BackgroundWriter


class Recorder:
    def __init__(self, fail_at: int | None = None) -> None:
        self.batches: list[int] = []
        self.fail_at = fail_at
        self.closed = False
        self.aborted = False

    def write(self, batch: pa.RecordBatch) -> None:
        value = batch.column(0)[0].as_py()
        if value == self.fail_at:
            raise OSError("disk full")
        self.batches.append(value)

    def close(self) -> list[Path]:
        self.closed = True
        return [Path("t.csv")]

    def abort(self) -> None:
        self.aborted = True


def batch(i: int) -> pa.RecordBatch:
    return pa.record_batch({"x": pa.array([i])})


def test_batches_arrive_in_order_and_close_publishes() -> None:
    inner = Recorder()
    writer = BackgroundWriter(inner)
    for i in range(200):
        writer.write(batch(i))
    assert writer.close() == [Path("t.csv")]
    assert inner.batches == list(range(200))
    assert inner.closed


def test_a_write_error_is_raised_in_the_callers_thread() -> None:
    inner = Recorder(fail_at=3)
    writer = BackgroundWriter(inner)
    with pytest.raises(OSError, match="disk full"):
        for i in range(50):
            writer.write(batch(i))
        writer.finish()
    writer.abort()
    assert inner.aborted and not inner.closed
    assert inner.batches == [0, 1, 2]  # nothing after the failure is written


def test_abort_stops_the_thread_and_aborts_the_inner_writer() -> None:
    inner = Recorder()
    writer = BackgroundWriter(inner)
    writer.write(batch(1))
    writer.abort()
    assert inner.aborted
    with pytest.raises(RuntimeError):
        writer.write(batch(2))
