"""Capability: how faithful and how private synthetic data is, against the real sample."""

from __future__ import annotations

from tools.capability.registry import capability
from tools.progress import ProgressCallback
from tools.quality.model import EvaluateRequest, EvaluateResult


@capability("synthetic_data", long_running=True)
def evaluate_data(request: EvaluateRequest, progress: ProgressCallback | None = None) -> EvaluateResult:
    """Compare synthetic data with the real sample: SDMetrics quality and diagnostic scores, per-column
    KS/chi-squared/TV/Wasserstein, correlation differences, edge-case rates side by side, privacy (exact copies,
    distance to closest record, membership inference) and optional ML utility; writes an offline HTML report."""
    from tools.quality.evaluate import evaluate  # heavy (SDV, sklearn): loaded on first use

    return evaluate(request, progress)
