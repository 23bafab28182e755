"""Stand-ins as targets: a target with ``stand_in: true`` and no URL gets the local stand-in's endpoint.

First a running ``doppel mocks`` of the same home is looked for: it records its URLs and process id in
``<home>/mocks/running.json`` while it serves, and each stand-in must answer ``/_doppel/stats`` (Salesforce
over TLS with the certificate in ``<home>/mocks``). The kinds not found running are started in-process for
the duration of the load, on free loopback ports, with their state in ``<home>/mocks`` (what ``doppel
mocks`` serves later, so the loaded records can be browsed and unloaded). Every output says plainly that
stand-ins, not the real systems, received the data: :func:`stand_ins` returns that notice.

``mocks/`` is a leaf package (standard library only); it is imported here lazily, only when a stand-in is
started.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from tools.settings import Settings
from tools.targets.config import RestTarget, SalesforceTarget, TargetConfig

STAND_IN_SESSION = "doppel-stand-in-session"  # mocks.salesforce.SESSION_ID (a test checks they agree)
RUNNING = "running.json"  # written by `doppel mocks` (or a `doppel run`) while it serves: {"pid", "urls"}
OFFERED = ("salesforce", "rest")  # the target kinds with a stand-in
_SERVED_HERE: dict[str, str] = {}  # kind -> URL of the stand-ins `serving` runs in this process
NOTICE = "stand-ins (local imitations, not the real systems)"


def needs_stand_in(target: TargetConfig) -> bool:
    if isinstance(target, RestTarget):
        return target.stand_in and not target.url
    if isinstance(target, SalesforceTarget):
        return target.stand_in and not target.instance_url
    return False


def _running(kind: str, state: Path) -> str | None:
    """The URL of a stand-in of ``kind`` served by a live `doppel mocks` of this home, or None."""
    import json
    import os

    import httpx

    try:
        found = json.loads((state / RUNNING).read_text(encoding="utf-8"))
        os.kill(int(found["pid"]), 0)  # the process is alive (signal 0 only checks)
        url = str(found["urls"][kind])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    cert = state / "salesforce-cert.pem"
    if kind == "salesforce" and not cert.is_file():
        return None
    try:
        verify: Any = str(cert) if kind == "salesforce" else False
        answer = httpx.get(f"{url}/_doppel/stats", timeout=2.0, verify=verify, trust_env=False)
    except (httpx.HTTPError, OSError):
        return None
    server = answer.headers.get("server", "").lower()
    if answer.status_code == 200 and ("standin" in server.replace("-", "")):
        return url
    return None


def running_url(kind: str, settings: Settings) -> str | None:
    """The URL of the stand-in of ``kind`` that something of this home serves now (a run, `doppel mocks`)."""
    return _SERVED_HERE.get(kind) or _running(kind, settings.home / "mocks")


@contextmanager
def stand_ins(targets: Sequence[TargetConfig], settings: Settings) -> Iterator[tuple[list[TargetConfig], str | None]]:
    """``targets`` with every stand-in's endpoint and credentials filled in, and a notice naming the stand-ins
    used (None when none is). Stand-ins started here stop when the block ends."""
    wanted = sorted({t.kind for t in targets if needs_stand_in(t)})
    used = [t for t in targets if getattr(t, "stand_in", False)]
    if not wanted:
        yield list(targets), (_notice(used, {}, []) if used else None)
        return
    state = settings.home / "mocks"
    urls: dict[str, str] = {}
    for kind in wanted:
        if found := _running(kind, state):
            urls[kind] = found
    started: list[Any] = []
    try:
        for kind in wanted:
            if kind not in urls:
                stand_in = _start(kind, state)
                started.append(stand_in)
                urls[kind] = stand_in.url
        filled = [_fill(t, urls, state) if needs_stand_in(t) else t for t in targets]
        yield filled, _notice(used, urls, [s.name for s in started])
    finally:
        for stand_in in started:
            stand_in.stop()


@contextmanager
def serving(targets: Sequence[TargetConfig], settings: Settings) -> Iterator[dict[str, str]]:
    """Start the stand-ins ``targets`` need that nothing of this home serves, for the whole block (a run:
    its distribute stage, and the tests after it, find them), registered in ``<home>/mocks/running.json``
    as ``doppel mocks`` registers its own; yields kind -> URL of those started (empty: none needed)."""
    import json
    import os

    state = settings.home / "mocks"
    missing = sorted({t.kind for t in targets if needs_stand_in(t)} - {k for k in OFFERED if _running(k, state)})
    if not missing:
        yield {}
        return
    started = [_start(kind, state) for kind in missing]
    registration = state / RUNNING
    urls = {s.name: s.url for s in started}
    try:
        registration.write_text(json.dumps({"pid": os.getpid(), "urls": urls}), encoding="utf-8")
        _SERVED_HERE.update(urls)
        yield urls
    finally:
        for kind in urls:
            _SERVED_HERE.pop(kind, None)
        try:
            if json.loads(registration.read_text(encoding="utf-8")).get("pid") == os.getpid():
                registration.unlink()
        except (OSError, ValueError):
            pass
        for stand_in in started:
            stand_in.stop()


def _start(kind: str, state: Path) -> Any:
    from mocks.rest import RestStandIn
    from mocks.salesforce import SalesforceStandIn

    cls = SalesforceStandIn if kind == "salesforce" else RestStandIn
    return cls(0, state).start()


def _fill(target: TargetConfig, urls: dict[str, str], state: Path) -> TargetConfig:
    if isinstance(target, RestTarget):
        return target.model_copy(update={"url": urls["rest"]})
    assert isinstance(target, SalesforceTarget)
    return target.model_copy(
        update={
            "instance_url": urls["salesforce"],
            "session_id": SecretStr(STAND_IN_SESSION),
            "ca_bundle": (state / "salesforce-cert.pem").resolve(),
        }
    )


def _notice(used: Sequence[TargetConfig], urls: dict[str, str], started: list[str]) -> str:
    parts = []
    for target in used:
        url = urls.get(target.kind) or getattr(target, "url", None) or getattr(target, "instance_url", None) or ""
        how = " (started in-process for this load)" if target.kind in started else ""
        if not how and url and _SERVED_HERE.get(target.kind) == url:
            how = " (started in-process for this run)"
        parts.append(f"{target.label}: {target.kind} stand-in at {url}{how}".replace(" at  ", " "))
    return f"{NOTICE}: " + "; ".join(parts)
