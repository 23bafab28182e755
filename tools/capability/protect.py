"""Capabilities that change production rows in place for users who must keep them: anonymisation."""

from __future__ import annotations

from tools.anonymise.model import AnonymiseRequest, AnonymiseResult
from tools.capability.registry import capability
from tools.progress import ProgressCallback


@capability("data_processor", long_running=True)
def anonymise_data(request: AnonymiseRequest, progress: ProgressCallback | None = None) -> AnonymiseResult:
    """Anonymise a sample but keep its rows: mask, pseudonymise (keyed HMAC, consistent across tables),
    generalise or perturb each sensitive column, and measure k-anonymity and l-diversity on quasi-identifiers.

    The key is read from a file or an environment variable, never passed in the request."""
    from tools.anonymise.pipeline import anonymise  # heavy (SDV, sklearn): loaded on first use

    return anonymise(request, progress)
