"""`doppel mocks`: serve the local stand-ins (Confluence, Jira, Salesforce over TLS, a REST target).

Stdout is the interface: one ``NAME URL`` line per stand-in (confluence, jira, salesforce, rest), each
printed only once every stand-in is bound. Everything else (credentials, the CA bundle) goes to stderr.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

DEFAULT_PORT = 8800


def register(app: typer.Typer) -> None:
    """Add the `mocks` command to the doppel app."""
    from server.cli import user_errors

    @app.command()
    @user_errors
    def mocks(
        port: Annotated[
            int,
            typer.Option(
                "--port",
                min=0,
                max=65531,
                help="first port: confluence N, jira N+1, salesforce N+2, rest N+3; 0 = any free",
            ),
        ] = DEFAULT_PORT,
        faults: Annotated[
            float, typer.Option("--faults", min=0.0, max=1.0, help="fraction of requests that fail")
        ] = 0.0,
        kinds: Annotated[
            str, typer.Option("--fault-kinds", help="comma-separated: 500, 429, timeout, truncated")
        ] = "500,429,timeout,truncated",
        retry_after: Annotated[int, typer.Option("--retry-after", min=0, help="Retry-After seconds of a 429")] = 1,
        hold: Annotated[float, typer.Option("--hold", min=0.0, help="seconds a timed-out answer is held")] = 30.0,
        seed: Annotated[int, typer.Option("--seed", help="seed of the fault choices")] = 0,
        state: Annotated[
            Path | None, typer.Option("--state", help="folder of the SQLite state (default: <home>/mocks)")
        ] = None,
    ) -> None:
        """Serve local Confluence, Jira, Salesforce and REST stand-ins on 127.0.0.1 until interrupted."""
        from pydantic import ValidationError

        from mocks.base import Faults
        from mocks.suite import PASSWORD, SESSION_ID, TOKEN, USERNAME, MockSuite, wait_for_interrupt
        from tools.errors import DoppelError
        from tools.files import write_text_atomic
        from tools.settings import load_settings

        try:
            chosen = Faults(rate=faults, kinds=[k.strip() for k in kinds.split(",") if k.strip()],
                            retry_after=retry_after, hold=hold, seed=seed)  # fmt: skip
        except ValidationError as exc:
            raise DoppelError(
                f"--fault-kinds '{kinds}': use 500, 429, timeout, truncated ({exc.error_count()} problem(s))"
            ) from None
        folder = state if state is not None else load_settings().home / "mocks"
        suite = MockSuite(port, folder, chosen)
        try:
            suite.bind()
        except OSError as exc:
            raise DoppelError(
                f"cannot bind the stand-ins from port {port}: {exc.strerror or exc}; try --port 0"
            ) from None
        running = folder / "running.json"  # how `doppel load` and `doppel run` of this home find these stand-ins
        try:
            suite.serve()
            write_text_atomic(running, json.dumps({"pid": os.getpid(), "urls": suite.urls}))
            for line in suite.lines():
                print(line, flush=True)
            print(
                f"state: {folder.resolve()}; salesforce CA bundle: {suite.ca_bundle}; "
                f"salesforce session id: {SESSION_ID}; "
                f"jira/confluence: {USERNAME}/{PASSWORD} or token {TOKEN}; faults: {chosen.rate:g}. Ctrl-C stops.",
                file=sys.stderr,
                flush=True,
            )
            wait_for_interrupt()
        finally:
            running.unlink(missing_ok=True)
            suite.stop()
