"""The receiving end of the listener's stream: a TCP server on 127.0.0.1 (any free port) that hands each
JSON line to a callback as it arrives and keeps them all in ``events.jsonl``."""

from __future__ import annotations

import json
import logging
import socketserver
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
EventCallback = Callable[[dict[str, Any]], None]


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = False  # close() waits for every connection's reader
    block_on_close = True
    receiver: EventReceiver


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        for raw in self.rfile:
            try:
                event = json.loads(raw)
            except ValueError:
                continue
            if isinstance(event, dict):
                self.server.receiver.deliver(event)


class EventReceiver:
    """``with EventReceiver(path, callback) as receiver:`` listen on ``receiver.port`` until the block ends."""

    def __init__(self, path: Path, callback: EventCallback | None = None) -> None:
        self.path = path
        self.callback = callback
        self.count = 0
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.receiver = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="doppel-events", daemon=True)
        self._file = path.open("a", encoding="utf-8")

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def deliver(self, event: dict[str, Any]) -> None:
        with self._lock:
            self.count += 1
            self._file.write(json.dumps(event) + "\n")
            self._file.flush()
            if self.callback is not None:
                try:
                    self.callback(event)
                except Exception:  # a renderer's problem never stops the run
                    log.exception("progress callback failed")

    def __enter__(self) -> EventReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()  # joins the readers: every line sent has been delivered
        self._thread.join()
        self._file.close()
