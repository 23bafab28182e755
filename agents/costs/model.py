"""The cost models: the price table (read from prices.toml), what a stage used, and what that cost.

A report is a flat list of priced lines (stage x service x item), so every breakdown (per service,
per stage, per agent) is a sum over the same lines and always adds up to the total.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, computed_field

from tools.errors import DoppelError, Issue

Service = Literal["bedrock", "s3", "compute"]
SERVICES: tuple[Service, ...] = ("bedrock", "s3", "compute")
PRICES = Path(__file__).with_name("prices.toml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModelPrice(_Strict):
    name: str
    input_per_1k: float = Field(ge=0)
    output_per_1k: float = Field(ge=0)


class S3Price(_Strict):
    storage_gb_month: float = Field(ge=0)
    put_per_1k: float = Field(ge=0)
    get_per_1k: float = Field(ge=0)


class ComputePrice(_Strict):
    vcpu_hour: float = Field(ge=0)
    gb_hour: float = Field(ge=0)
    vcpus: float = Field(gt=0)
    memory_gb: float = Field(ge=0)


class StageTime(_Strict):
    base: float = Field(ge=0, description="seconds a stage takes on a tiny input")
    per_million_cells: float = Field(ge=0)


class Assumptions(_Strict):
    """What the estimator assumes about a run (not prices)."""

    storage_months: float = Field(1, ge=0)
    gets_per_file: float = Field(1, ge=0)
    bytes_per_cell: float = Field(12, ge=0)
    report_bytes: int = Field(5_000_000, ge=0)
    bytes_per_column: int = Field(250, ge=0)
    llm_prompt_tokens: int = Field(150, ge=0)
    llm_input_tokens_per_value: int = Field(20, ge=0)
    llm_output_tokens_per_value: int = Field(40, ge=0)
    llm_values_per_request: int = Field(1, ge=1)
    llm_suggested_batch: int = Field(50, ge=1)
    stages: dict[str, StageTime] = Field(default_factory=dict)


class PriceTable(_Strict):
    source: str
    as_of: str
    currency: str = "USD"
    region: str = "us-east-1"
    cheaper_model: str
    bedrock: dict[str, ModelPrice]
    s3: S3Price
    compute: ComputePrice
    assumptions: Assumptions = Field(default_factory=Assumptions)


def load_prices(path: Path | None = None) -> PriceTable:
    """The price table (the bundled prices.toml unless ``path``); problems name the file and key."""
    path = Path(path or PRICES)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DoppelError(f"{path}: no such price table") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DoppelError(f"{path}: cannot read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise DoppelError(f"{path}: not valid TOML: {exc}") from None
    try:
        table = PriceTable.model_validate(data)
    except ValidationError as exc:
        issues = [Issue(path=f"{path}: {'.'.join(str(p) for p in e['loc'])}", message=e["msg"]) for e in exc.errors()]
        raise DoppelError(f"{path}: invalid price table", issues) from None
    if table.cheaper_model not in table.bedrock:
        raise DoppelError(f"{path}: cheaper_model '{table.cheaper_model}' has no [bedrock] price")
    return table


class StageUsage(BaseModel):
    """What one stage used: compute seconds, artifacts written, Bedrock tokens."""

    stage: str
    agent: str
    seconds: float = 0.0
    files: int = 0
    bytes: int = 0
    input_tokens: int = 0
    output_tokens: int = 0


class CostLine(BaseModel):
    stage: str
    agent: str
    service: Service
    item: str = Field(description="e.g. 'input tokens', 'storage', 'PUT requests', 'vCPU'")
    quantity: float
    unit: str
    cost: float = Field(ge=0)


class CostReport(BaseModel):
    """An estimate or the actual cost of a run, as priced lines plus the usage they came from."""

    kind: Literal["estimate", "actual"]
    provider: str
    model_id: str
    currency: str = "USD"
    prices_as_of: str
    llm_batch: int = Field(1, ge=1, description="free-text values asked for per model request")
    usage: list[StageUsage] = Field(default_factory=list)
    lines: list[CostLine] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total(self) -> float:
        return sum(line.cost for line in self.lines)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def by_service(self) -> dict[str, float]:
        return {service: self._sum("service").get(service, 0.0) for service in SERVICES}

    @computed_field  # type: ignore[prop-decorator]
    @property
    def by_stage(self) -> dict[str, float]:
        return self._sum("stage")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def by_agent(self) -> dict[str, float]:
        return self._sum("agent")

    def _sum(self, key: Literal["service", "stage", "agent"]) -> dict[str, float]:
        sums: dict[str, float] = defaultdict(float)
        for line in self.lines:
            sums[getattr(line, key)] += line.cost
        return dict(sums)

    @property
    def tokens(self) -> tuple[int, int]:
        return sum(u.input_tokens for u in self.usage), sum(u.output_tokens for u in self.usage)


class CostComparison(BaseModel):
    """A run's actual cost against its estimate, with tips to make the next one cheaper."""

    run_id: str
    name: str
    state: str
    estimate: CostReport | None
    actual: CostReport
    tips: list[str] = Field(default_factory=list)

    def rows(self, by: Literal["service", "stage", "agent"]) -> list[tuple[str, float | None, float]]:
        """``(key, estimate, actual)`` for every key either side has, in a stable order."""
        actual: dict[str, float] = getattr(self.actual, f"by_{by}")
        estimate: dict[str, float] = getattr(self.estimate, f"by_{by}") if self.estimate else {}
        keys = list(dict.fromkeys([*estimate, *actual]))
        return [(k, estimate.get(k) if self.estimate else None, actual.get(k, 0.0)) for k in keys]
