"""The workflow's public API: what the CLI, the MCP server, the supervisor agent and the UI call.

``start_run`` and ``resume_run`` advance a run until it completes, pauses (for an approval or after a
failure) or is aborted, and return its RunStatus. ``approve`` and ``answer_failure`` only record an
answer; ``resume_run`` then acts on it. Every call takes ``settings`` (default: ``load_settings()``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Literal

from agents.events import STAGES, Event, EventSink, Stage, parse_event
from agents.state import audit, store
from agents.state.db import session
from agents.state.models import Run
from agents.workflow import answers
from agents.workflow.artifacts import sha256_file
from agents.workflow.config import RunConfig, check_inputs, config_source_paths
from agents.workflow.config import load_run_config as _load_run_config
from agents.workflow.engine import Engine
from agents.workflow.locking import this_host
from agents.workflow.seeds import run_seed
from agents.workflow.status import RunStatus, StageStatus, status_of
from tools.settings import Settings, load_settings

__all__ = [
    "RunConfig",
    "RunStatus",
    "StageStatus",
    "answer_failure",
    "approve",
    "cancel_run",
    "create_run",
    "get_run",
    "list_runs",
    "load_run_config",
    "resume_run",
    "rewind",
    "run_event_log",
    "run_events",
    "start_run",
]


def load_run_config(path: Path) -> RunConfig:
    """Read a run config (YAML or JSON); errors name the file and line."""
    return _load_run_config(path)


def _absolute(config: RunConfig) -> RunConfig:
    """Paths resolved against the working directory now, so a resume elsewhere reads the same files."""
    config = config.relative_to(Path.cwd())
    return config.model_copy(
        update={
            "data": [p.resolve() for p in config.data],
            "schema_file": config.schema_file.resolve() if config.schema_file else None,
            "out": config.out.resolve() if config.out else None,
        }
    )


def start_run(
    config: RunConfig,
    *,
    approve_all: bool = False,
    sink: EventSink | None = None,
    settings: Settings | None = None,
) -> RunStatus:
    """Create a run of ``config`` and advance it until it completes, pauses or is aborted."""
    settings = settings or load_settings()
    run_id = create_run(config, approve_all=approve_all, settings=settings)
    return resume_run(run_id, approve_all=approve_all, sink=sink, settings=settings)


def create_run(config: RunConfig, *, approve_all: bool = False, settings: Settings | None = None) -> str:
    """Record a new run of ``config`` without advancing it (``resume_run`` does, in this process or
    another); returns its id. Inputs are checked and hashed now."""
    settings = settings or load_settings()
    config = _absolute(config)
    check_inputs(config)
    seed = run_seed(config.seed)
    run_id = f"{config.name[:24]}-{secrets.token_hex(4)}"
    inputs = [{"path": str(p), "sha256": sha256_file(p)} for p in config_source_paths(config)]
    with session(settings) as s:
        s.add(
            Run(
                id=run_id,
                name=config.name,
                config=config.model_dump(mode="json"),
                seed=seed,
                state="running",
                user=settings.user,
                owner_host=this_host(),
                owner_pid=os.getpid(),
            )
        )
        s.flush()
        audit.record(
            s,
            "run",
            settings.user,
            {"event": "start", "name": config.name, "seed": seed, "inputs": inputs, "approve_all": approve_all},
            run_id=run_id,
        )
    return run_id


def resume_run(
    run_id: str,
    *,
    approve_all: bool = False,
    sink: EventSink | None = None,
    settings: Settings | None = None,
) -> RunStatus:
    """Continue a run from its last valid checkpoint (after a pause, an answer, or a crash)."""
    settings = settings or load_settings()
    engine = Engine(settings, run_id, sink, approve_all)
    engine.advance()
    return get_run(engine.run_id, settings=settings)


def approve(
    run_id: str,
    decision: Literal["approve", "change", "abort"] = "approve",
    changes: dict[str, Any] | None = None,
    *,
    settings: Settings | None = None,
) -> RunStatus:
    """Record the answer to the approval a run is paused at (``changes`` only with ``change``)."""
    settings = settings or load_settings()
    if decision not in ("approve", "change", "abort"):
        from tools.errors import DoppelError

        raise DoppelError(f"decision: '{decision}' is not one of approve, change, abort")
    if changes and decision != "change":
        from tools.errors import DoppelError

        raise DoppelError(f"changes: given with decision '{decision}'; use decision 'change'")
    with session(settings) as s:
        run = store.get_run(s, run_id)
        question = answers.waiting_question(s, run, failure=False)
        if decision == "change":
            answers.check_changes(settings, run, question, changes or {})
        answers.record(s, settings, run, question, decision, changes or {})
        run_id = run.id
    return get_run(run_id, settings=settings)


def answer_failure(
    run_id: str, choice: Literal["retry", "skip", "abort"], *, settings: Settings | None = None
) -> RunStatus:
    """Record what to do about the failed stage a run is paused at: retry it, skip it, or abort the run."""
    settings = settings or load_settings()
    if choice not in ("retry", "skip", "abort"):
        from tools.errors import DoppelError

        raise DoppelError(f"choice: '{choice}' is not one of retry, skip, abort")
    with session(settings) as s:
        run = store.get_run(s, run_id)
        question = answers.waiting_question(s, run, failure=True)
        answers.record(s, settings, run, question, choice, {})
        run_id = run.id
    return get_run(run_id, settings=settings)


def get_run(run_id: str, *, settings: Settings | None = None) -> RunStatus:
    """The run's status (a unique id prefix of 4+ characters is accepted)."""
    settings = settings or load_settings()
    with session(settings) as s:
        return status_of(s, store.get_run(s, run_id), settings)


def list_runs(*, query: str | None = None, limit: int = 20, settings: Settings | None = None) -> list[RunStatus]:
    """Newest first; ``query`` matches an id prefix, or part of the name, state or user."""
    settings = settings or load_settings()
    with session(settings) as s:
        return [status_of(s, run, settings) for run in store.find_runs(s, query, limit)]


def run_events(run_id: str, *, after_seq: int = 0, settings: Settings | None = None) -> list[Event]:
    """The run's events after ``after_seq`` (0: all), in order; poll with the last seq seen."""
    settings = settings or load_settings()
    with session(settings) as s:
        run = store.get_run(s, run_id)
        return [parse_event(r.event) for r in store.events(s, run.id, after_seq)]


def run_event_log(run_id: str, *, after_seq: int = 0, settings: Settings | None = None) -> list[tuple[int, Event]]:
    """Like ``run_events`` with each event's sequence number, for a renderer that polls from another process."""
    settings = settings or load_settings()
    with session(settings) as s:
        run = store.get_run(s, run_id)
        return [(r.seq, parse_event(r.event)) for r in store.events(s, run.id, after_seq)]


def rewind(run_id: str, stage: Stage, *, settings: Settings | None = None) -> RunStatus:
    """Step a run back to the checkpoint at the end of ``stage``: later stages are invalidated (their
    checkpoints, folders and questions dropped) and ``resume_run`` recomputes them byte-identically from
    the same seed. The run pauses there (asked ``after:<stage>`` again when that is an approval point)."""
    settings = settings or load_settings()
    if stage not in STAGES:
        from tools.errors import DoppelError

        raise DoppelError(f"stage: '{stage}' is not one of {', '.join(STAGES)}")
    engine = Engine(settings, run_id, None, approve_all=False)
    engine.rewind(stage)
    return get_run(engine.run_id, settings=settings)


def cancel_run(run_id: str, *, wait: float = 15.0, settings: Settings | None = None) -> RunStatus:
    """End the process advancing a running run (SIGTERM, then SIGKILL after ``wait`` seconds). The stage
    it was in is discarded; the run keeps its checkpoints and shows as interrupted: ``resume_run`` continues it."""
    import signal
    import time

    from agents.workflow.locking import process_alive
    from tools.errors import DoppelError

    settings = settings or load_settings()
    with session(settings) as s:
        run = store.get_run(s, run_id)
        run_id, host, pid, state = run.id, run.owner_host, run.owner_pid, run.state
    alive = state == "running" and pid is not None and host == this_host() and process_alive(pid)
    if not alive:
        if state == "running" and host is not None and host != this_host():
            raise DoppelError(f"run {run_id}: its process runs on {host}; cancel it there")
        raise DoppelError(f"run {run_id}: not running (it is {get_run(run_id, settings=settings).state})")
    if pid == os.getpid():
        raise DoppelError(f"run {run_id}: it is advanced by this very process; stop it with Ctrl-C")
    assert pid is not None
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + wait
    while process_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if process_alive(pid):
        os.kill(pid, signal.SIGKILL)
        while process_alive(pid):
            time.sleep(0.05)
    with session(settings) as s:
        run = store.get_run(s, run_id)
        audit.record(
            s, "run", settings.user, {"event": "cancel", "stage": run.current_stage, "pid": pid}, run_id=run_id
        )
    return get_run(run_id, settings=settings)
