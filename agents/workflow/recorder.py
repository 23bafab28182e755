"""The engine's event sink: stores each event as an EventRecord (seq 1, 2, ...) then forwards it, any
password of a URL in it masked.

A failing renderer (a closed socket, a broken pipe) must not fail the run: after its first error the
forwarding sink is dropped and the events are still stored for replay.
"""

from __future__ import annotations

import logging

from agents.events import Event, EventSink, parse_event
from agents.state import store
from agents.state.db import session
from tools.redact import redact_data
from tools.settings import Settings

log = logging.getLogger(__name__)


class Recorder:
    def __init__(self, settings: Settings, run_id: str, sink: EventSink | None) -> None:
        self.settings = settings
        self.run_id = run_id
        self.sink = sink

    def __call__(self, event: Event) -> None:
        if event.run_id is None:
            event = event.model_copy(update={"run_id": self.run_id})
        payload = event.model_dump(mode="json")
        if (masked := redact_data(payload)) != payload:  # a URL's password: masked in store and stream alike
            payload, event = masked, parse_event(masked)
        with session(self.settings) as s:
            store.add_event(s, self.run_id, event.kind, payload)
        if self.sink is not None:
            try:
                self.sink(event)
            except Exception as exc:  # a renderer's failure is not the run's
                log.warning("event sink failed (%s); events are still recorded", type(exc).__name__)
                self.sink = None
