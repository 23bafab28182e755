"""Turn stage usage into priced lines: Bedrock tokens, S3 storage and requests, compute time.

Artifacts are priced as if they were kept in S3 (they are when storage is S3; locally it is what they
would cost there), so estimates and actuals stay comparable whatever the storage.
"""

from __future__ import annotations

from typing import Literal

from agents.costs.model import CostLine, CostReport, PriceTable, Service, StageUsage

GB = 1024**3


def price(
    usage: list[StageUsage],
    prices: PriceTable,
    *,
    kind: Literal["estimate", "actual"],
    provider: str,
    model_id: str,
    notes: list[str] | None = None,
    llm_batch: int = 1,
) -> CostReport:
    """Every stage's usage as priced lines (zero lines left out)."""
    notes = list(notes or [])
    model = prices.bedrock.get(model_id)
    if model is None and any(u.input_tokens or u.output_tokens for u in usage):
        notes.append(f"model '{model_id}' has no price in the table: its tokens are counted but priced at 0")
    a, s3, compute = prices.assumptions, prices.s3, prices.compute
    lines: list[CostLine] = []

    def add(u: StageUsage, service: Service, item: str, quantity: float, unit: str, cost: float) -> None:
        if quantity > 0:
            lines.append(
                CostLine(
                    stage=u.stage,
                    agent=u.agent,
                    service=service,
                    item=item,
                    quantity=quantity,
                    unit=unit,
                    cost=cost,
                )
            )

    for u in usage:
        if model is not None:
            add(u, "bedrock", "input tokens", u.input_tokens, "tokens", u.input_tokens / 1000 * model.input_per_1k)
            add(u, "bedrock", "output tokens", u.output_tokens, "tokens", u.output_tokens / 1000 * model.output_per_1k)
        else:
            add(u, "bedrock", "input tokens", u.input_tokens, "tokens", 0.0)
            add(u, "bedrock", "output tokens", u.output_tokens, "tokens", 0.0)
        gb_months = u.bytes / GB * a.storage_months
        add(u, "s3", "storage", gb_months, "GB-month", gb_months * s3.storage_gb_month)
        add(u, "s3", "PUT requests", u.files, "requests", u.files / 1000 * s3.put_per_1k)
        gets = u.files * a.gets_per_file
        add(u, "s3", "GET requests", gets, "requests", gets / 1000 * s3.get_per_1k)
        hours = u.seconds / 3600
        add(u, "compute", "vCPU", hours * compute.vcpus, "vCPU-hours", hours * compute.vcpus * compute.vcpu_hour)
        add(u, "compute", "memory", hours * compute.memory_gb, "GB-hours", hours * compute.memory_gb * compute.gb_hour)
    return CostReport(
        kind=kind,
        provider=provider,
        model_id=model_id,
        currency=prices.currency,
        prices_as_of=prices.as_of,
        llm_batch=llm_batch,
        usage=usage,
        lines=lines,
        notes=notes,
    )
