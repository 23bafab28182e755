"""`doppel` with a kill point, for crash tests: ``python -m tests.kill_point STAGE STEP doppel-args...``.

Runs the real CLI in this process. When the run records the first Progress event of STAGE whose step
starts with STEP (stored in the database like every event, so the stage is provably under way), it
prints ``KILL-POINT`` on stdout and blocks reading stdin: the test that reads that line kills the
process at exactly that point in the stage, with no clock involved.
"""

from __future__ import annotations

import sys
from typing import Any

from agents.events import Event
from agents.workflow.recorder import Recorder

MARK = "KILL-POINT"


def stop_at(stage: str, step: str) -> None:
    record = Recorder.__call__

    def recorded_then_maybe_stop(self: Any, event: Event) -> None:
        record(self, event)
        if event.kind == "progress" and event.stage == stage and getattr(event, "action", "").startswith(step):
            print(MARK, flush=True)
            sys.stdin.read()  # the test holds stdin open and kills this process
            raise SystemExit("stdin closed at the kill point")

    Recorder.__call__ = recorded_then_maybe_stop  # type: ignore[method-assign]


if __name__ == "__main__":
    stage, step, *args = sys.argv[1:]
    stop_at(stage, step)
    from server.cli import app

    app(args=args, prog_name="doppel")
