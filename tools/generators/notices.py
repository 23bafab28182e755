"""Things a generator wants said once per generation (a model fallback), recorded rather than printed.

Inside ``collect_notices()`` (the engine wraps every generation in it) each distinct message is added
once to the collected list, which the engine puts in ``metadata.json`` and its result's warnings, so the
CLI prints it once, as a warning line. Outside one (a generator called directly) the message is a Python
warning of the given category, once per process. Collectors are process-wide, not per thread: blocks
are made on a thread pool, whose threads do not inherit context variables.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

_lock = threading.Lock()
_collectors: list[list[str]] = []
_warned: set[str] = set()


@contextmanager
def collect_notices() -> Iterator[list[str]]:
    """``with collect_notices() as notes:``: notices given inside are gathered in ``notes`` (once each)."""
    notes: list[str] = []
    with _lock:
        _collectors.append(notes)
    try:
        yield notes
    finally:
        with _lock:
            _collectors[:] = [c for c in _collectors if c is not notes]


def notice_once(message: str, category: type[Warning] = UserWarning) -> None:
    """Record ``message`` in every open collector, or warn once per process when none is open."""
    with _lock:
        collectors = list(_collectors)
        for notes in collectors:
            if message not in notes:
                notes.append(message)
        if not collectors:
            if message in _warned:
                return
            _warned.add(message)
    log.debug(message)
    if not collectors:
        warnings.warn(message, category, stacklevel=3)


def reset_notices() -> None:
    """Forget which notices were warned about (tests, or a new run in a long-lived process)."""
    with _lock:
        _warned.clear()
