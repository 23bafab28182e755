"""Terminal tables fit the width: on 80 columns no line is longer, and names, roles, states and evidence
are never cut into pieces (a narrow terminal gets one block per row instead of squeezed columns)."""

from __future__ import annotations

import io
import itertools
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console, RenderableType

from agents.events import STAGES
from agents.workflow.status import RunStatus, StageStatus
from server.cmd_classify import classification_view
from server.run_render import runs_table, stage_table
from tools.sensitive.model import ColumnClassification, Evidence
from tools.sensitive.report import SensitivityReport

EVIDENCE = {
    "customer_reference_number": "column name matches 'customer_reference_number' (en, exact)",
    "national_insurance_number": "96% of 500 sampled values match the UK National Insurance number format",
    "primary_email_address": "98% of 500 sampled values match email address format",
    "gender": "policy: genders are a quasi-identifier: modelled with the rest, not regenerated",
    "monthly_fee_gbp": "no personal-data signal",
}
ENTITIES = {
    "customer_reference_number": ("customer_id", "pseudonymise"),
    "national_insurance_number": ("uk_nino", "synthesise"),
    "primary_email_address": ("email", "synthesise"),
    "gender": ("gender", "keep"),
    "monthly_fee_gbp": ("none", "keep"),
}


def render(renderable: RenderableType, width: int) -> list[str]:
    console = Console(width=width, file=io.StringIO(), color_system=None, legacy_windows=False)
    console.print(renderable)
    return [line.rstrip() for line in console.file.getvalue().splitlines()]  # type: ignore[attr-defined]


def report(tables: tuple[str, ...] = ("telecom_customers",)) -> SensitivityReport:
    columns = [
        ColumnClassification(
            table=table,
            column=column,
            sensitive=sensitive,
            entity=ENTITIES[column][0],  # type: ignore[arg-type]
            confidence=0.9,
            strategy=ENTITIES[column][1],  # type: ignore[arg-type]
            evidence=[Evidence(method="column_name" if sensitive else "negative_rule", detail=detail, score=0.9)],
        )
        for table in tables
        for column, detail in EVIDENCE.items()
        for sensitive in [ENTITIES[column][0] != "none"]
    ]
    return SensitivityReport(sample=500, tables=list(tables), columns=columns)


def flat(lines: list[str]) -> str:
    """The text without table rules, whitespace collapsed: a cell wrapped at spaces reads as one string."""
    return " ".join(re.sub("[│┃━╇─┼]", " ", "\n".join(lines)).split())


def assert_fits(lines: list[str], width: int) -> None:
    too_long = [line for line in lines if len(line) > width]
    assert not too_long, "\n".join(too_long)


@pytest.mark.parametrize("tables", [("telecom_customers",), ("telecom_customers", "telecom_contracts")])
def test_classification_fits_80_columns_with_whole_names_roles_and_evidence(tables: tuple[str, ...]) -> None:
    lines = render(classification_view(report(tables), Path("sensitivity.json")), 80)
    assert_fits(lines, 80)
    words = [line.split() for line in lines]
    starts = [i for i, w in enumerate(words) if w and w[0].rstrip(":") in tables]  # a title per sample table
    assert [words[i][0].rstrip(":") for i in starts] == list(tables), "\n".join(lines)
    for start in starts:
        section = words[start : start + 2 + 2 * len(ENTITIES) + 2]
        for column, (entity, strategy) in ENTITIES.items():
            row = next(w for w in section if w and w[0] == column)  # the whole name, on one line with its role
            role = "-" if entity == "none" else "quasi-identifier" if entity == "gender" else "identifier"
            assert entity in row and strategy in row and role in row
    text = flat(lines)
    assert all(detail in text for detail in EVIDENCE.values())
    assert f"{4 * len(tables)} of {5 * len(tables)} columns sensitive -> sensitivity.json" in text


def test_classification_is_one_table_when_the_terminal_is_wide() -> None:
    lines = render(classification_view(report(), Path("sensitivity.json")), 200)
    assert_fits(lines, 200)
    header = next(line for line in lines if "top evidence" in line)
    assert header.split() == ["column", "┃", "role", "┃", "entity", "┃", "conf.", "┃", "strategy", "┃", "top",
                              "evidence"]  # fmt: skip
    assert any(line.split()[0] == "national_insurance_number" and EVIDENCE[line.split()[0]] in line for line in lines)


def status(name: str, state: str = "completed", message: str | None = None) -> RunStatus:
    at = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)
    stages = [StageStatus(stage=s, state="completed", seconds=1.25, outputs=["a", "b"]) for s in STAGES]
    stages[2] = StageStatus(stage=STAGES[2], state="failed", message=message)
    return RunStatus(
        run_id=f"{name[:24]}-0a1b2c3d", name=name, state=state, current_stage="classify", stages=stages,  # type: ignore[arg-type]
        artifacts_dir=Path("/tmp/x"), created_at=at, updated_at=at,
    )  # fmt: skip


def test_stage_table_fits_80_columns_and_keeps_headers_whole() -> None:
    note = "PermissionError: [Errno 13] Permission denied: '/mnt/share/exports/telecom_customers.csv' (3 tries)"
    lines = render(stage_table(status("telecom_weekly_refresh_for_uat", "paused_failure", note)), 80)
    assert_fits(lines, 80)
    headers = [w for line in lines for w in line.split() if w in ("stage", "state", "seconds", "outputs", "note")]
    assert headers == ["stage", "state", "seconds", "outputs", "note"]
    assert any(line.split()[:2] == ["classify", "failed"] for line in lines)
    assert note in flat(lines)


@pytest.mark.parametrize("width", [80, 60, 200])
def test_runs_table_fits_and_keeps_ids_and_states_whole(width: int) -> None:
    found = [
        status("telecom_weekly_refresh_for_uat", "paused_approval"),
        status("shop", "interrupted"),
        status("hospital_patients_minimal_sample", "completed"),
    ]
    lines = render(runs_table(found), width)
    assert_fits(lines, width)
    for s in found:
        start = next(i for i, line in enumerate(lines) if s.run_id in line.split())
        block = [lines[start], *itertools.takewhile(lambda line: line.startswith("    "), lines[start + 1 :])]
        assert any(s.state.replace("_", " ") in line for line in block), "\n".join(lines)
        assert any("2026-01-31 09:30:00" in line for line in block), "\n".join(lines)


def test_sample_diff_shows_the_columns_that_fit_with_whole_headers() -> None:
    from agents.events import SampleDiff
    from server.run_render import DiffView

    columns = ["customer_reference_number", "national_insurance_number", "primary_email_address", "gender", "plan"]
    row = {c: "Xxxxx 9999 xxxxxxxxxxxxxxxxxxxxxxxxxxxx" for c in columns}
    event = SampleDiff(run_id="r", stage="synthesise", table="customers", columns=columns, before=[row], after=[row])
    lines = render(DiffView(event), 80)
    assert_fits(lines, 80)
    shown = [c for c in columns if any(c in line.split() for line in lines)]
    assert shown == columns[: len(shown)] and len(shown) >= 2
    assert f"+{len(columns) - len(shown)} more columns" in lines[0]
    wide = next(line for line in render(DiffView(event), 200) if line.split()[:1] == ["sample"])
    assert len(wide.split("│")) == 6  # wide: every column (label + 5)


def test_run_decisions_and_the_approval_question_fit_80_columns() -> None:
    """The classify stage's decisions and the approval question show each column's role (with its flag) and
    why, with whole names, on 80 columns."""
    from agents.events import ApprovalRequested, Decision, StageCompleted
    from server.run_render import RunRenderer

    roles = {"customer_id": "identifier", "uk_nino": "identifier", "email": "identifier",
             "gender": "quasi-identifier", "none": "identifier"}  # fmt: skip
    console = Console(width=80, file=io.StringIO(), color_system=None)
    render_event = RunRenderer(console, live=False)
    for column, (entity, strategy) in ENTITIES.items():
        render_event(
            Decision(
                run_id="r", stage="classify", agent="data_processor", subject=f"telecom_customers.{column}",
                decision=f"sensitive: {roles[entity]}, {entity} ({strategy})", confidence=0.9,
                evidence=["negative_rule: values are yes/no flags", f"column_name: {EVIDENCE[column]}",
                          "knowledge_base: page 12"],
            )
        )  # fmt: skip
    render_event(StageCompleted(run_id="r", stage="classify", counts={"columns": 5}))
    sensitive = [
        {"column": f"telecom_customers.{c}", "role": "sensitive_attribute", "flag": "GDPR art. 9", "entity": e,
         "confidence": 0.9, "strategy": s, "why": EVIDENCE[c]}
        for c, (e, s) in ENTITIES.items()
    ]  # fmt: skip
    RunRenderer(console, live=False)(
        ApprovalRequested(run_id="r", stage="classify", approval_id="a", question="Approve?",
                          context={"point": "after:classify", "sensitive": sensitive})
    )  # fmt: skip
    lines = [line.rstrip() for line in console.file.getvalue().splitlines()]  # type: ignore[attr-defined]
    assert_fits(lines, 80)
    for column in ENTITIES:
        rows = [line.split() for line in lines if f"telecom_customers.{column}" in line.split()]
        assert len(rows) == 2, "\n".join(lines)  # once per table, the name whole
    text = flat(lines)
    assert all(detail in text for detail in EVIDENCE.values())  # why: the strongest reason, not a rule against
    assert "values are yes/no flags" not in text
    assert "quasi-identifier" in text and text.count("sensitive attribute (GDPR art. 9)") == len(ENTITIES)
