"""A Robot Framework listener (API v3) that streams progress as JSON lines while suites run.

``--listener tools.testrun.listener.DoppelListener:PORT`` sends each event to ``127.0.0.1:PORT`` (the
runner's receiver, :mod:`tools.testrun.stream`); ``...DoppelListener:/path/events.jsonl`` appends to a file.
One process per suite under pabot: each opens its own connection. A receiver that is gone never fails a test.
"""

from __future__ import annotations

import json
import os
import re
import socket
from typing import Any

JIRA_KEY = re.compile(r"^[A-Z][A-Z0-9_]+-\d+$")


def jira_key(tags: Any) -> str | None:
    return next((str(t) for t in tags if JIRA_KEY.match(str(t))), None)


class DoppelListener:
    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self, target: str) -> None:
        self.target = target
        self._socket: socket.socket | None = None
        self._broken = False

    def _send(self, event: dict[str, Any]) -> None:
        line = (json.dumps({**event, "pid": os.getpid()}, default=str) + "\n").encode()
        if not self.target.isdigit():
            with open(self.target, "ab") as fh:  # one write per line: appends do not interleave
                fh.write(line)
            return
        if self._broken:
            return
        try:
            if self._socket is None:
                self._socket = socket.create_connection(("127.0.0.1", int(self.target)), timeout=10)
            self._socket.sendall(line)
        except OSError:
            self._broken = True

    def start_suite(self, data: Any, result: Any) -> None:
        self._send({"event": "suite_started", "suite": result.name, "source": str(data.source or ""),
                    "tests": len(data.tests)})  # fmt: skip

    def start_test(self, data: Any, result: Any) -> None:
        self._send({"event": "test_started", "test": result.name, "key": jira_key(data.tags)})

    def end_test(self, data: Any, result: Any) -> None:
        self._send(
            {
                "event": "test_ended",
                "test": result.name,
                "key": jira_key(result.tags),
                "status": result.status,
                "message": result.message[:500],
                "seconds": round(result.elapsed_time.total_seconds(), 3),
            }
        )

    def end_suite(self, data: Any, result: Any) -> None:
        self._send({"event": "suite_ended", "suite": result.name, "status": result.status})

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None
