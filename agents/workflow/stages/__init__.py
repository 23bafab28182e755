"""The ten stages, in order. Each is a function ``(context, progress) -> StageOutput`` with a StageSpec
saying what it does (for StageStarted), which earlier stages it needs, when it does not apply (the
engine then records it as skipped without calling it, and asks no approval before it), and whether an
approval at ``after:<stage>`` may carry changes (and how those are checked)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.events import STAGES, Stage
from agents.workflow.config import RunConfig
from agents.workflow.context import StageFunction
from agents.workflow.stages import delivery, distribute, evaluate, export, sample, synthesise, testing


@dataclass(frozen=True)
class StageSpec:
    name: Stage
    run: StageFunction
    what: str
    why: str
    expected: str
    agent: str
    needs: tuple[Stage, ...] = ()
    check_changes: Callable[[Path, dict[str, Any]], None] | None = field(default=None)
    skip_if: Callable[[RunConfig], str | None] = field(default=lambda config: None)


def _no_sample(config: RunConfig) -> str | None:
    return "the run starts from a schema: there is no production sample" if config.schema_file else None


def _no_targets(config: RunConfig) -> str | None:
    return None if config.targets else delivery.NO_TARGETS


SPECS: dict[Stage, StageSpec] = {
    s.name: s
    for s in (
        StageSpec(
            "ingest",
            sample.ingest,
            "Read the production sample and record each file's hash",
            "every later stage works from exactly these inputs",
            "tables with row and column counts",
            "data_processor",
        ),
        StageSpec(
            "profile",
            sample.profile,
            "Profile every column: types, distributions, patterns, quality issues",
            "synthesis reproduces what the profile measures",
            "profile.json (statistics only)",
            "data_processor",
            needs=("ingest",),
            skip_if=_no_sample,
        ),
        StageSpec(
            "classify",
            sample.classify,
            "Decide which columns are sensitive, with evidence and confidence",
            "sensitive columns are regenerated, never learned from",
            "sensitivity.json with one decision per column",
            "data_processor",
            needs=("ingest",),
            check_changes=sample.check_changes,
            skip_if=_no_sample,
        ),
        StageSpec(
            "synthesise",
            synthesise.synthesise,
            "Learn the sample's structure and generate synthetic rows",
            "test data must look like production without containing it",
            "one synthetic file per table plus metadata.json",
            "synthetic_data",
            needs=("ingest", "classify"),
        ),
        StageSpec(
            "evaluate",
            evaluate.evaluate,
            "Compare synthetic with real: quality, diagnostics, privacy",
            "to show the data is realistic and leaks nothing",
            "report.html and evaluation.json",
            "synthetic_data",
            needs=("synthesise",),
            skip_if=_no_sample,
        ),
        StageSpec(
            "export",
            export.export,
            "Write the synthetic tables in the configured format",
            "test systems need the data in their format",
            "one file per table",
            "synthetic_data",
            needs=("synthesise",),
        ),
        StageSpec(
            "distribute",
            distribute.distribute,
            "Load the exported data into the target systems",
            "tests run against real systems",
            "rows loaded per target",
            "distribution",
            needs=("export",),
            skip_if=_no_targets,
        ),
        StageSpec(
            "test_cases",
            testing.test_cases,
            "Turn test scenarios into Robot Framework suites",
            "scenarios become runnable tests",
            "suites referencing the synthetic records",
            "test_case",
            needs=("distribute",),
            skip_if=testing.no_tests,
        ),
        StageSpec(
            "execute",
            testing.execute,
            "Run the test suites",
            "to check the systems with the new data",
            "results per test",
            "test_execution",
            needs=("test_cases",),
            skip_if=testing.no_tests,
        ),
        StageSpec(
            "report",
            testing.report,
            "Summarise the run: stages, outputs with hashes, scores",
            "one place to see what was made and how good it is",
            "report.json and report.md",
            "test_execution",
        ),
    )
}

assert tuple(SPECS) == STAGES, "every stage has exactly one spec, in order"
