"""``doppel tests run``: a folder of Robot suites run with pabot, one suite per process.

pabot runs in a child process (its own working folder: the results folder), Doppel's listener in every
Robot process streams progress to an :class:`~tools.testrun.stream.EventReceiver`, and the merged
``output.xml`` becomes one :class:`~tools.testrun.model.TestRun` (``results.json``) beside Robot's
``log.html`` and ``report.html``, pabot's console output (``pabot.log``) and screenshots of failed browser
checks (``<KEY>-<n>.png``). Failed tests are results: only a run that produced no results is an error.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tools.errors import DoppelError
from tools.files import write_text_atomic
from tools.progress import ProgressCallback, no_progress
from tools.testrun.listener import jira_key
from tools.testrun.model import EVENTS, RESULTS, TestResult, TestRun, Totals
from tools.testrun.patterns import failure_pattern
from tools.testrun.stream import EventReceiver

INSTALL = Path(__file__).resolve().parents[2]
LISTENER = "tools.testrun.listener.DoppelListener"
ROBOT_ERRORS = 250  # Robot and pabot exit codes from here on mean the run itself failed
_IMAGE = re.compile(r"""<(?:img|a)\s[^>]*(?:src|href)="([^"]+\.png)\"""", re.I)
EventCallback = Callable[[dict[str, Any]], None]


def new_run_id() -> str:
    return f"tests-{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def suite_files(folder: Path) -> list[Path]:
    folder = Path(folder)
    if not folder.is_dir():
        raise DoppelError(f"{folder}: no such folder of Robot suites")
    files = sorted(p for p in folder.glob("*.robot") if p.is_file())
    if not files:
        raise DoppelError(f"{folder}: holds no .robot suites; generate them with `doppel tests generate`")
    return files


def _environment(rest_url: str | None, database: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(INSTALL), *filter(None, [env.get("PYTHONPATH")])])
    env["SE_OFFLINE"] = "true"  # Selenium Manager never downloads a browser or a driver
    env["PYTHONUNBUFFERED"] = "1"
    if rest_url:
        env["DOPPEL_TEST_REST_URL"] = rest_url
    if database:
        env["DOPPEL_TEST_DB"] = database
    return env


def run_suites(
    suites: Path,
    out: Path,
    processes: int = 2,
    *,
    run_id: str | None = None,
    rest_url: str | None = None,
    database: str | None = None,
    progress: ProgressCallback | None = None,
    on_event: EventCallback | None = None,
) -> TestRun:
    """Run every suite of ``suites`` with pabot into ``out`` (``processes`` at a time)."""
    progress = progress or no_progress
    files = suite_files(suites)
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    for stale in (RESULTS, EVENTS, "output.xml", "log.html", "report.html"):
        (out / stale).unlink(missing_ok=True)
    run_id = run_id or new_run_id()
    total = _count_tests(files)
    done = 0
    step = f"Running {total} test(s) in {len(files)} suite(s), {processes} at a time"
    progress(step, 0, total)

    def received(event: dict[str, Any]) -> None:
        nonlocal done
        if event.get("event") == "test_ended":
            done += 1
            progress(f"{event.get('key') or event.get('test')} {event.get('status')}: {event.get('test')}", done, total)
        if on_event is not None:
            on_event(event)

    started = datetime.now(UTC)
    with EventReceiver(out / EVENTS, received) as receiver:
        command = [
            sys.executable, "-m", "pabot.pabot", "--command", sys.executable, "-m", "robot", "--end-command",
            "--processes", str(processes), "--no-pabotlib",
            "--artifacts", "png", "--artifactsinsubfolders", "--outputdir", str(out), "--name", "Doppel tests",
            "--listener", f"{LISTENER}:{receiver.port}", "--consolecolors", "off", "--consolemarkers", "off",
            *[str(f.resolve()) for f in files],
        ]  # fmt: skip
        with (out / "pabot.log").open("w", encoding="utf-8") as console:
            code = subprocess.call(
                command, cwd=out, env=_environment(rest_url, database), stdout=console, stderr=subprocess.STDOUT
            )
        events = receiver.count
    finished = datetime.now(UTC)
    if not (out / "output.xml").is_file() or code >= ROBOT_ERRORS:
        tail = (out / "pabot.log").read_text(encoding="utf-8", errors="replace").strip().splitlines()[-8:]
        raise DoppelError(f"the test run failed (exit {code}); pabot said:\n" + "\n".join(tail), [])
    run = _read_results(out, run_id, Path(suites), processes, len(files), started, finished, events)
    write_text_atomic(out / RESULTS, run.model_dump_json(indent=2))
    progress(step, total, total)
    return run


def _count_tests(files: list[Path]) -> int:
    from robot.api import TestSuiteBuilder

    try:
        return sum(TestSuiteBuilder().build(str(f)).test_count for f in files)
    except Exception as exc:  # a suite Robot cannot parse: say which
        raise DoppelError(f"cannot read the suites: {exc}") from None


def _read_results(
    out: Path,
    run_id: str,
    suites: Path,
    processes: int,
    suite_count: int,
    started: datetime,
    finished: datetime,
    events: int,
) -> TestRun:
    from robot.api import ExecutionResult, ResultVisitor

    result = ExecutionResult(str(out / "output.xml"))
    images: dict[str, list[str]] = {}

    class Images(ResultVisitor):
        def __init__(self) -> None:
            self.test: str | None = None

        def start_test(self, test: Any) -> None:
            self.test = test.id

        def end_test(self, test: Any) -> None:
            self.test = None

        def visit_message(self, msg: Any) -> None:
            if self.test is None or not msg.html:
                return
            for src in _IMAGE.findall(msg.message):
                if (out / src).is_file() and src not in images.setdefault(self.test, []):
                    images[self.test].append(src)

    result.visit(Images())
    tests: list[TestResult] = []
    for test in result.suite.all_tests:
        status = test.status if test.status in ("PASS", "FAIL", "SKIP") else "NOT RUN"
        tests.append(
            TestResult(
                key=jira_key(test.tags),
                name=test.name,
                suite=test.parent.name if test.parent else "",
                source=str(test.source) if test.source else None,
                status=status,
                duration=round(test.elapsed_time.total_seconds(), 3),
                start=test.start_time,
                message=test.message,
                tags=[str(t) for t in test.tags],
                pattern=failure_pattern(test.message) if status == "FAIL" else None,
                screenshots=images.get(test.id, []),
            )
        )
    totals = Totals(
        tests=len(tests),
        passed=sum(t.status == "PASS" for t in tests),
        failed=sum(t.status == "FAIL" for t in tests),
        skipped=sum(t.status == "SKIP" for t in tests),
    )
    return TestRun(
        run_id=run_id, suites_dir=str(suites), out_dir=str(out), processes=processes, suites=suite_count,
        started=started, finished=finished, duration=round((finished - started).total_seconds(), 3), totals=totals,
        tests=tests, events=events,
    )  # fmt: skip
