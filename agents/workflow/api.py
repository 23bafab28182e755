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

from agents.events import Event, EventSink, parse_event
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
    "get_run",
    "list_runs",
    "load_run_config",
    "resume_run",
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
    return resume_run(run_id, approve_all=approve_all, sink=sink, settings=settings)


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
