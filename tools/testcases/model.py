"""What a Jira test scenario says (Scenario) and what Doppel makes of it (TestPlan)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

ScenarioFormat = Literal["gherkin", "free-text", "unknown"]
StepKind = Literal["given", "when", "then"]


class Step(BaseModel):
    kind: StepKind = Field(description="given: a precondition, when: an action, then: an expected outcome")
    text: str
    keyword: str = Field("", description="the word the step was written with: Given, When, Then, And, But, #")


class Scenario(BaseModel):
    """A Jira test scenario: objective, preconditions, steps and expected outcome, from Gherkin or free text."""

    key: str
    summary: str
    project: str | None = None
    priority: str | None = None
    labels: list[str] = Field(default_factory=list)
    url: str | None = None
    format: ScenarioFormat = "unknown"
    feature: str | None = None
    name: str | None = Field(None, description="the Gherkin scenario's title")
    objective: str | None = None
    preconditions: list[str] = Field(default_factory=list)
    steps: list[str] = Field(default_factory=list, description="the actions, in order")
    expected: list[str] = Field(default_factory=list, description="the expected outcomes")
    gherkin: list[Step] = Field(default_factory=list, description="the Gherkin steps as written")


class RestCall(BaseModel):
    resource: str
    method: Literal["POST"] = "POST"
    overrides: dict[str, str] = Field(default_factory=dict, description="field values the scenario sets itself")
    expect_status: int | None = None
    error_field: str | None = Field(None, description="the field an error answer must name")
    fresh: bool = Field(True, description="delete the record first, so the create is a create")


class PageCheck(BaseModel):
    resource: str
    fields: list[str] = Field(default_factory=list, description="fields the page must show as the record has them")


class DataCheck(BaseModel):
    rule: str = Field(description="a rule of tools.testcases.rules every named record must satisfy")
    source: str = Field(description="the scenario text it comes from")


class ReferenceCheck(BaseModel):
    column: str
    parent_table: str
    parent_column: str
    source: str


class TestPlan(BaseModel):
    """One scenario as a Robot test: the records it uses (by primary key) and the checks over them."""

    __test__ = False  # not a pytest class

    key: str
    summary: str
    labels: list[str] = Field(default_factory=list)
    priority: str | None = None
    format: ScenarioFormat = "unknown"
    table: str | None = None
    key_column: str | None = None
    records: list[str] = Field(default_factory=list, description="primary keys of the synthetic records used")
    selection: str | None = Field(None, description="the rule the records were chosen by")
    candidates: int = Field(0, description="records of the data folder that satisfy the selection")
    rest: RestCall | None = None
    page: PageCheck | None = None
    checks: list[DataCheck] = Field(default_factory=list)
    references: list[ReferenceCheck] = Field(default_factory=list)
    unmapped: list[str] = Field(default_factory=list, description="steps Doppel could not turn into a check")
    notes: list[str] = Field(default_factory=list)

    @property
    def automated(self) -> bool:
        return bool(self.records) and bool(self.rest or self.page or self.checks or self.references)

    @property
    def uses_database(self) -> bool:
        return bool(self.checks or self.references)

    @property
    def uses_browser(self) -> bool:
        return self.page is not None
