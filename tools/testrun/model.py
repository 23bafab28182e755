"""The result model of a test run: one TestResult per test (status, duration, message, Jira key), and the
run around them (totals, timings, the files Robot and pabot wrote)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

Status = Literal["PASS", "FAIL", "SKIP", "NOT RUN"]
RESULTS = "results.json"
EVENTS = "events.jsonl"


class TestResult(BaseModel):
    __test__ = False  # not a pytest class

    key: str | None = Field(None, description="the Jira key of the scenario (from the test's tags)")
    name: str
    suite: str
    source: str | None = Field(None, description="the .robot file")
    status: Status
    duration: float = Field(description="seconds")
    start: datetime | None = None
    message: str = ""
    tags: list[str] = Field(default_factory=list)
    pattern: str | None = Field(None, description="the failure pattern of a failed test (tools.testrun.patterns)")
    screenshots: list[str] = Field(default_factory=list, description="files relative to the results folder")


class Totals(BaseModel):
    tests: int = 0
    passed: int = 0
    failed: int = 0
    skipped: int = 0


class TestRun(BaseModel):
    __test__ = False

    run_id: str
    suites_dir: str
    out_dir: str
    processes: int
    suites: int
    started: datetime
    finished: datetime
    duration: float = Field(description="seconds, wall clock")
    totals: Totals
    tests: list[TestResult]
    output_xml: str = "output.xml"
    log_html: str = "log.html"
    report_html: str = "report.html"
    events: int = Field(0, description="progress events the listener streamed during the run")

    def summary(self) -> str:
        t = self.totals
        text = f"{t.tests} tests: {t.passed} passed, {t.failed} failed"
        return text + (f", {t.skipped} skipped" if t.skipped else "")

    @classmethod
    def load(cls, path: Path) -> TestRun:
        """A run's results.json (``path`` is the file or its folder)."""
        from tools.errors import DoppelError

        path = Path(path)
        file = path / RESULTS if path.is_dir() else path
        if not file.is_file():
            raise DoppelError(f"{path}: no {RESULTS}; run the suites with `doppel tests run` first")
        return cls.model_validate_json(file.read_text(encoding="utf-8"))
