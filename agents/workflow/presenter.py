"""A playbook's presenter script: the narration, callouts and pause points of a guided demo.

It lives under the ``presenter:`` key of a playbook (``playbooks/*.yaml``) beside the run-config keys, and
changes nothing a run makes: the same config runs headless (``doppel run playbooks/telecom.yaml``) with the
same outputs. The UI shows each step's narration when its stage starts, its callout when the stage's key
decision is made, and pauses after every step marked ``pause`` until the presenter goes on.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agents.events import STAGES, Stage

PAUSABLE = ("ingest", "profile", "classify", "synthesise", "evaluate", "export")  # the ``after:`` approval points


class PlaybookStep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stage: Stage
    title: str = Field(min_length=1, max_length=80)
    narration: str = Field(min_length=1, description="what the presenter says while the stage runs")
    callout: str | None = Field(None, description="the key decision to point at when the stage ends")
    pause: bool = Field(True, description="wait for the presenter after this stage (a pause point)")


class Presenter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starter: str = Field(min_length=1, max_length=40, description="the chat starter's label, e.g. 'Telecom demo'")
    intro: str = Field(min_length=1)
    steps: list[PlaybookStep] = Field(min_length=1)
    outro: str | None = None

    @model_validator(mode="after")
    def _in_order(self) -> Presenter:
        order = [STAGES.index(step.stage) for step in self.steps]
        if order != sorted(set(order)):
            raise ValueError("steps: each stage at most once, in workflow order")
        late = [s.stage for s in self.steps if s.pause and s.stage not in PAUSABLE]
        if late:
            raise ValueError(f"steps: pause is only possible after {', '.join(PAUSABLE)} (not {', '.join(late)})")
        return self

    def step(self, stage: str) -> PlaybookStep | None:
        return next((s for s in self.steps if s.stage == stage), None)

    def pause_points(self) -> list[str]:
        """The approval points that make the run stop after each paused step."""
        return [f"after:{s.stage}" for s in self.steps if s.pause]
