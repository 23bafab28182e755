"""The one event stream: typed events the workflow and agents emit, and every renderer consumes.

The CLI renders them as progress bars and tables, the MCP server as progress notifications and a final
structured result, the Chainlit UI as steps, elements and action prompts. Renderers never reach into
agents; they get these models (JSON-serialisable, discriminated by ``kind``) through an ``EventSink``.

No production value may travel in an event: a ``SampleDiff`` carries redacted values for sensitive
columns (their character shape, e.g. ``Aaaa Aaaaa``), and ``Failed`` carries messages, never rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter

Stage = Literal[
    "ingest", "profile", "classify", "synthesise", "evaluate", "export", "distribute", "test_cases", "execute",
    "report",
]  # fmt: skip
STAGES: tuple[Stage, ...] = Stage.__args__  # type: ignore[attr-defined]


def _now() -> datetime:
    return datetime.now(UTC)


class EventBase(BaseModel):
    run_id: str | None = None
    stage: Stage | None = None
    agent: str | None = Field(None, description="the agent that acted (supervisor, data_processor, ...)")
    at: datetime = Field(default_factory=_now)


class StageStarted(EventBase):
    kind: Literal["stage_started"] = "stage_started"
    what: str = Field(description="plain language: what this stage does")
    why: str = Field(description="why it is needed now")
    expected: str = Field(description="the outcome to expect")


class Progress(EventBase):
    kind: Literal["progress"] = "progress"
    action: str = Field(description="specific action text, e.g. 'Analysing 52 fields for PII patterns'")
    done: int = 0
    total: int | None = None
    eta_seconds: float | None = None


class Decision(EventBase):
    kind: Literal["decision"] = "decision"
    subject: str = Field(description="what was decided about, e.g. 'telecom_customers.msisdn'")
    decision: str
    confidence: float | None = Field(None, ge=0, le=1)
    evidence: list[str] = Field(default_factory=list)


class SampleDiff(EventBase):
    kind: Literal["sample_diff"] = "sample_diff"
    table: str
    columns: list[str]
    before: list[dict[str, Any]] = Field(description="rows before (sensitive columns redacted to their shape)")
    after: list[dict[str, Any]]
    changed: list[str] = Field(default_factory=list, description="'row:column' cells that differ")


class Chart(EventBase):
    kind: Literal["chart"] = "chart"
    title: str
    figure: dict[str, Any] = Field(description="a plotly figure as JSON (fig.to_plotly_json())")


class ApprovalRequested(EventBase):
    kind: Literal["approval_requested"] = "approval_requested"
    approval_id: str
    question: str
    options: list[str] = Field(default_factory=lambda: ["approve", "change", "abort"])
    context: dict[str, Any] = Field(default_factory=dict)


class StageCompleted(EventBase):
    kind: Literal["stage_completed"] = "stage_completed"
    counts: dict[str, int] = Field(default_factory=dict)
    seconds: float = 0.0
    success_rate: float | None = None
    outputs: list[str] = Field(default_factory=list, description="artifact paths")
    skipped: str | None = Field(None, description="why the stage did nothing, e.g. 'no targets configured'")


Choice = Literal["retry", "skip", "abort"]


def _all_choices() -> list[Choice]:
    return ["retry", "skip", "abort"]


class Failed(EventBase):
    kind: Literal["failed"] = "failed"
    error: str
    context: str = ""
    remedy: str = Field("", description="a suggested fix in plain language")
    choices: list[Choice] = Field(default_factory=_all_choices)


class CostUpdate(EventBase):
    """Live cost totals after a stage (US dollars, priced from agents/costs/prices.toml)."""

    kind: Literal["cost_update"] = "cost_update"
    currency: str = "USD"
    stage_cost: float = Field(0.0, ge=0, description="what the stage that just finished cost")
    total: float = Field(0.0, ge=0, description="the run so far")
    estimate: float | None = Field(None, description="the whole run's estimate, when one could be made")
    by_service: dict[str, float] = Field(default_factory=dict, description="bedrock, s3, compute: so far")


Event = Annotated[
    StageStarted | Progress | Decision | SampleDiff | Chart | ApprovalRequested | StageCompleted | Failed | CostUpdate,
    Field(discriminator="kind"),
]
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
EventSink = Callable[[Event], None]


def parse_event(data: dict[str, Any] | str) -> Event:
    """An event from its JSON form (what a renderer in another process receives)."""
    if isinstance(data, str):
        return EVENT_ADAPTER.validate_json(data)
    return EVENT_ADAPTER.validate_python(data)


def ignore(event: Event) -> None:
    """An event sink that drops everything."""
