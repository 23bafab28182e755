"""Costs of real runs: the actual breakdown from checkpoints, live totals, the stored record and tips.

Actual usage comes from what the engine already records: compute from each stage's seconds, S3 from
the bytes and files of its artifacts, Bedrock tokens from the stage's counts ``llm_input_tokens`` and
``llm_output_tokens`` (a stage that calls a model reports them there). Nothing here may fail a run:
the engine's hook logs a problem and goes on.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError

from agents.costs.estimate import estimate, llm_batch, llm_tokens
from agents.costs.model import CostComparison, CostReport, PriceTable, StageUsage, load_prices
from agents.costs.pricing import price
from agents.events import STAGES, CostUpdate
from agents.state import store
from agents.state.db import session
from agents.state.models import RunCost, StageCheckpoint, utcnow
from agents.workflow.config import RunConfig
from tools.errors import DoppelError
from tools.settings import Settings

log = logging.getLogger(__name__)
INPUT_TOKENS = "llm_input_tokens"
OUTPUT_TOKENS = "llm_output_tokens"
MB = 1024**2


def usage_of(checkpoints: dict[str, StageCheckpoint]) -> list[StageUsage]:
    """Each checkpointed stage's usage, in stage order (stages that never ran are left out)."""
    from agents.workflow.stages import SPECS

    usage = []
    for stage in STAGES:
        cp = checkpoints.get(stage)
        if cp is None or (cp.state == "skipped" and not cp.seconds):
            continue
        outputs = cp.outputs or {}
        usage.append(
            StageUsage(
                stage=stage,
                agent=SPECS[stage].agent,
                seconds=cp.seconds or 0.0,
                files=len(outputs),
                bytes=sum(int(entry.get("bytes", 0)) for entry in outputs.values()),
                input_tokens=int((cp.counts or {}).get(INPUT_TOKENS, 0)),
                output_tokens=int((cp.counts or {}).get(OUTPUT_TOKENS, 0)),
            )
        )
    return usage


def actual(settings: Settings, run_id: str, prices: PriceTable, provider: str, model_id: str) -> CostReport:
    with session(settings) as s:
        checkpoints = store.checkpoints(s, store.get_run(s, run_id).id)
    usage = usage_of(checkpoints)
    batch = llm_batch(settings, prices)
    return price(usage, prices, kind="actual", provider=provider, model_id=model_id, llm_batch=batch)


def tips(actual: CostReport, planned: CostReport | None, prices: PriceTable) -> list[str]:
    """Ways to make the next run cheaper, each with the numbers behind it."""
    out: list[str] = []
    basis = actual if any(actual.tokens) or planned is None else planned
    in_tok, out_tok = basis.tokens
    model = prices.bedrock.get(basis.model_id)
    a = prices.assumptions
    if (in_tok or out_tok) and model is not None:
        now = in_tok / 1000 * model.input_per_1k + out_tok / 1000 * model.output_per_1k
        cheap = prices.bedrock[prices.cheaper_model]
        cheaper = in_tok / 1000 * cheap.input_per_1k + out_tok / 1000 * cheap.output_per_1k
        if basis.model_id != prices.cheaper_model and cheaper < now:
            out.append(
                f"Cheaper model: {cheap.name} ({prices.cheaper_model}) would write the same {in_tok + out_tok:,} "
                f"tokens for ${cheaper:.4f} instead of ${now:.4f} with {model.name}; check the text still reads well."
            )
        values = out_tok // max(a.llm_output_tokens_per_value, 1)
        if values and basis.llm_batch < a.llm_suggested_batch:
            one, _ = llm_tokens(values, prices, basis.llm_batch)
            batched, _ = llm_tokens(values, prices, a.llm_suggested_batch)
            if one > batched:
                saved = (one - batched) / 1000 * model.input_per_1k
                out.append(
                    f"Batching: ask for {a.llm_suggested_batch} values per Bedrock request instead of "
                    f"{basis.llm_batch}; the {a.llm_prompt_tokens}-token instructions are then sent once per "
                    f"batch: about {one - batched:,} fewer input tokens (${saved:.4f})."
                )
        out.append(
            "Caching: keep the shared instructions in a Bedrock prompt cache, and reuse generated free text across "
            "runs of the same saved configuration and seed instead of asking the model again."
        )
    compute = actual.by_service.get("compute", 0.0)
    if compute and compute >= 0.5 * actual.total:
        stage, cost = max(((u.stage, u.seconds) for u in actual.usage), key=lambda x: x[1])
        share = cost / max(sum(u.seconds for u in actual.usage), 1e-9)
        hint = (
            "learn from fewer rows (sample_rows) or keep gaussian_copula (CTGAN/TVAE are far slower)"
            if stage == "synthesise"
            else "check its input size"
        )
        out.append(
            f"Compute is {compute / max(actual.total, 1e-12):.0%} of the cost and {stage} takes {share:.0%} of the "
            f"time: {hint}. The same config and seed give byte-identical outputs, so reuse an archived run "
            "(`doppel runs export`) rather than running it again."
        )
    stored = sum(u.bytes for u in actual.usage)
    report = next((u.bytes for u in actual.usage if u.stage == "evaluate"), 0)
    if stored and report >= 0.5 * stored:
        out.append(
            f"Storage: evaluate's report is {report / MB:.1f} MB of the {stored / MB:.1f} MB kept; archive it "
            "compressed (`doppel runs export`) or keep it out of S3 when only the scores are needed."
        )
    exported = next((u.bytes for u in actual.usage if u.stage == "export"), 0)
    if exported > 50 * MB:
        out.append(f"Storage: the export is {exported / MB:.0f} MB; gzip or zstd compression cuts S3 storage.")
    if planned is not None and planned.total > 0 and actual.total > 1.5 * planned.total:
        worst = max(actual.by_stage.items(), key=lambda kv: kv[1] - planned.by_stage.get(kv[0], 0.0))[0]
        out.append(
            f"The run cost {actual.total / planned.total:.1f}x its estimate, mostly in {worst}: "
            "tune [assumptions] in the price table from runs like this one."
        )
    if not out:
        out.append(f"Nothing to optimise: the run costs ${actual.total:.6f}.")
    return out


def track(settings: Settings, run_id: str, config: RunConfig, stage: str | None) -> CostUpdate | None:
    """Store the run's cost so far (estimating it on first use) and return a CostUpdate for ``stage``.

    Never raises: a missing price table or an unreadable sample must not stop a run."""
    try:
        return _track(settings, run_id, config, stage)
    except Exception as exc:
        log.warning("cost tracking for run %s failed: %s", run_id, exc)
        return None


def _track(settings: Settings, run_id: str, config: RunConfig, stage: str | None) -> CostUpdate | None:
    prices = load_prices()
    with session(settings) as s:
        row = s.get(RunCost, run_id)
    if row is None:
        planned = _try_estimate(config, settings, prices)
        row = RunCost(
            run_id=run_id,
            provider=settings.model.provider,
            model_id=settings.model.model_id,
            estimate=planned.model_dump(mode="json") if planned else None,
        )
    planned = CostReport.model_validate(row.estimate) if row.estimate else None
    now = actual(settings, run_id, prices, row.provider, row.model_id)
    row.actual = now.model_dump(mode="json")
    row.tips = tips(now, planned, prices)
    row.total = now.total
    row.updated_at = utcnow()
    with session(settings) as s:
        s.merge(row)
    if stage is None:
        return None
    return CostUpdate(
        run_id=run_id,
        stage=stage,
        currency=now.currency,
        stage_cost=now.by_stage.get(stage, 0.0),
        total=now.total,
        estimate=planned.total if planned else None,
        by_service=now.by_service,
    )


def _try_estimate(config: RunConfig, settings: Settings, prices: PriceTable) -> CostReport | None:
    try:
        return estimate(config, settings, prices)
    except (DoppelError, OSError, ValueError) as exc:
        log.info("no cost estimate: %s", exc)
        return None


def comparison(settings: Settings, run_id: str, prices: PriceTable | None = None) -> CostComparison:
    """The run's actual cost (from its checkpoints now) against its stored estimate, with tips."""
    prices = prices or load_prices()
    with session(settings) as s:
        run = store.get_run(s, run_id)
        row = s.get(RunCost, run.id)
    planned: CostReport | None = None
    if row is not None and row.estimate:
        planned = CostReport.model_validate(row.estimate)
    provider = row.provider if row else settings.model.provider
    model_id = row.model_id if row else settings.model.model_id
    if planned is None:
        try:
            config = RunConfig.model_validate(run.config)
        except ValidationError:
            config = None
        planned = _try_estimate(config, settings, prices) if config else None
    now = actual(settings, run.id, prices, provider, model_id)
    return CostComparison(
        run_id=run.id, name=run.name, state=run.state, estimate=planned, actual=now, tips=tips(now, planned, prices)
    )


def stored_total(settings: Settings, run_id: str) -> dict[str, Any] | None:
    """``{total, estimate}`` as last stored for the run, or None (for a one-line summary)."""
    with session(settings) as s:
        row = s.get(RunCost, store.get_run(s, run_id).id)
    if row is None:
        return None
    return {"total": row.total, "estimate": (row.estimate or {}).get("total")}
