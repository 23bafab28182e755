"""All stand-ins together: what ``doppel mocks`` serves and the pytest fixture starts.

Port layout from a base port N: confluence N, jira N+1, salesforce N+2, rest N+3 (N = 0: each takes any
free port). Every stand-in is bound before any URL is reported, so a printed URL always answers.
Credentials the stand-ins accept: Jira and Confluence, basic auth ``doppel`` / ``doppel`` or the
personal access token ``doppel-stand-in-token``; Salesforce, the session id ``doppel-stand-in-session``
over TLS (trust ``ca_bundle``); the REST target needs none.
"""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from mocks.base import DEFAULT_STATE_DIR, Faults, StandIn
from mocks.confluence import ConfluenceStandIn
from mocks.jira import JiraStandIn
from mocks.rest import RestStandIn
from mocks.salesforce import SESSION_ID, SalesforceStandIn

USERNAME = "doppel"
PASSWORD = "doppel"
TOKEN = "doppel-stand-in-token"
ATLASSIAN_CREDENTIALS = {"username": USERNAME, "password": PASSWORD, "token": TOKEN}
ORDER: tuple[type[StandIn], ...] = (ConfluenceStandIn, JiraStandIn, SalesforceStandIn, RestStandIn)
NAMES: tuple[str, ...] = tuple(cls.name for cls in ORDER)


class MockSuite:
    """The four stand-ins on 127.0.0.1, state under ``state_dir`` (one SQLite file each)."""

    def __init__(self, port: int = 0, state_dir: Path | str | None = None, faults: Faults | None = None) -> None:
        self.state_dir = Path(state_dir) if state_dir is not None else DEFAULT_STATE_DIR
        self.faults = faults or Faults()
        self.stand_ins: dict[str, StandIn] = {}
        for offset, cls in enumerate(ORDER):
            chosen = port + offset if port else 0
            credentials = ATLASSIAN_CREDENTIALS if cls in (ConfluenceStandIn, JiraStandIn) else None
            self.stand_ins[cls.name] = cls(chosen, self.state_dir, self.faults.model_copy(), credentials=credentials)

    @property
    def confluence(self) -> ConfluenceStandIn:
        return self.stand_ins["confluence"]  # type: ignore[return-value]

    @property
    def jira(self) -> JiraStandIn:
        return self.stand_ins["jira"]  # type: ignore[return-value]

    @property
    def salesforce(self) -> SalesforceStandIn:
        return self.stand_ins["salesforce"]  # type: ignore[return-value]

    @property
    def rest(self) -> RestStandIn:
        return self.stand_ins["rest"]  # type: ignore[return-value]

    @property
    def urls(self) -> dict[str, str]:
        return {name: s.url for name, s in self.stand_ins.items()}

    @property
    def ca_bundle(self) -> str:
        return self.salesforce.ca_bundle

    def lines(self) -> list[str]:
        """``NAME URL`` per stand-in, in the fixed order."""
        return [f"{name} {url}" for name, url in self.urls.items()]

    def bind(self) -> MockSuite:
        bound: list[StandIn] = []
        try:
            for stand_in in self.stand_ins.values():
                bound.append(stand_in.bind())
        except BaseException:
            for stand_in in bound:
                stand_in.stop()
            raise
        return self

    def serve(self) -> MockSuite:
        for stand_in in self.stand_ins.values():
            stand_in.serve()
        return self

    def start(self) -> MockSuite:
        return self.bind().serve()

    def set_faults(self, faults: Faults | None = None, **changes: Any) -> None:
        for stand_in in self.stand_ins.values():
            stand_in.set_faults(faults, **changes)

    def stop(self) -> None:
        for stand_in in self.stand_ins.values():
            stand_in.stop()

    def __enter__(self) -> MockSuite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_for_interrupt() -> None:
    """Block until SIGINT (Ctrl-C) or SIGTERM, no polling. SIGINT is handled explicitly: a background job of
    a non-interactive shell starts with it ignored."""
    done = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        done.set()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        done.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def serve_one(cls: type[StandIn]) -> None:
    """``python -m mocks.NAME``: serve one stand-in until interrupted."""
    parser = argparse.ArgumentParser(description=f"Serve the {cls.name} stand-in on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--state", type=Path, default=DEFAULT_STATE_DIR, help="folder of the SQLite state")
    parser.add_argument("--faults", type=float, default=0.0, help="fraction of requests that fail")
    args = parser.parse_args()
    credentials = ATLASSIAN_CREDENTIALS if cls in (ConfluenceStandIn, JiraStandIn) else None
    stand_in = cls(args.port, args.state, Faults(rate=args.faults), credentials=credentials).start()
    print(f"{stand_in.name} {stand_in.url}", flush=True)
    try:
        wait_for_interrupt()
    finally:
        stand_in.stop()


__all__ = ["NAMES", "PASSWORD", "SESSION_ID", "TOKEN", "USERNAME", "MockSuite", "wait_for_interrupt"]
