"""Events survive a JSON round trip and are told apart by kind."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agents.events import (
    STAGES,
    ApprovalRequested,
    Chart,
    Decision,
    Failed,
    Progress,
    SampleDiff,
    StageCompleted,
    StageStarted,
    parse_event,
)


@pytest.mark.parametrize(
    "event",
    [
        StageStarted(stage="profile", what="profile", why="to learn", expected="a profile"),
        Progress(action="Analysing 52 fields for PII patterns", done=3, total=52, eta_seconds=1.5),
        Decision(subject="t.msisdn", decision="sensitive: msisdn", confidence=0.97, evidence=["name match"]),
        SampleDiff(table="t", columns=["a"], before=[{"a": "Aaaa"}], after=[{"a": "Bob"}], changed=["0:a"]),
        Chart(title="ages", figure={"data": [], "layout": {}}),
        ApprovalRequested(approval_id="a1", question="approve?"),
        StageCompleted(stage="export", counts={"rows": 5}, seconds=0.5, outputs=["x.csv"]),
        Failed(error="boom", remedy="retry later"),
    ],
)
def test_round_trip_keeps_the_type(event: object) -> None:
    assert hasattr(event, "model_dump_json")
    back = parse_event(event.model_dump_json())  # type: ignore[attr-defined]
    assert type(back) is type(event)
    assert back == event


def test_unknown_kind_and_stage_are_rejected() -> None:
    with pytest.raises(ValidationError):
        parse_event({"kind": "teleport"})
    with pytest.raises(ValidationError):
        Progress(action="x", stage="deploy")  # type: ignore[arg-type]
    assert STAGES[0] == "ingest" and STAGES[-1] == "report" and len(STAGES) == 10
