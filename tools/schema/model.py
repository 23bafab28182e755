"""The one schema model that both the YAML/JSON DSL and JSON Schema load into."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

EdgeKind = Literal["malformed", "missing", "boundary", "invalid_reference", "regex"]

# Keys every field understands; everything else is a parameter of the field's generator.
STRUCTURAL_KEYS = frozenset({"type", "primary_key", "unique", "nullable", "description"})


class FieldSpec(BaseModel):
    """A column: its generator type, key/uniqueness/null rules, and the generator's own parameters."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    type: str
    primary_key: bool = False
    unique: bool = False
    nullable: float = Field(0.0, ge=0.0, le=1.0, description="share of rows left null")
    description: str | None = None

    @field_validator("nullable", mode="before")
    @classmethod
    def _bool_nullable(cls, value: Any) -> Any:
        if value is False:
            return 0.0
        if value is True:
            raise ValueError("give nullable as a rate between 0 and 1, e.g. nullable: 0.05")
        return value

    @property
    def params(self) -> dict[str, Any]:
        """The generator parameters: every key that is not structural."""
        return dict(self.model_extra or {})

    @property
    def is_unique(self) -> bool:
        return self.unique or self.primary_key


class TableSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rows: int = Field(1000, ge=0)
    description: str | None = None
    fields: dict[str, FieldSpec] = Field(min_length=1)


class CorrelationSpec(BaseModel):
    """A target Pearson coefficient between numeric fields of one table, achieved by a Gaussian copula."""

    model_config = ConfigDict(extra="forbid")

    table: str
    fields: list[str] = Field(min_length=2, max_length=2)
    coefficient: float = Field(ge=-1.0, le=1.0)


class EdgeCaseSpec(BaseModel):
    """A deliberate data-quality problem injected at a rate and tagged in `_anomalies`."""

    model_config = ConfigDict(extra="forbid")

    table: str
    field: str
    kind: EdgeKind
    rate: float = Field(ge=0.0, le=1.0)
    pattern: str | None = None


class SchemaSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    version: int | str = 1
    description: str | None = None
    tables: dict[str, TableSpec] = Field(min_length=1)
    correlations: list[CorrelationSpec] = Field(default_factory=list)
    edge_cases: list[EdgeCaseSpec] = Field(default_factory=list)
