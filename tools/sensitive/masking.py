"""Pre-masked values (``XXXX``, ``****1234``, ``j***@example.com``): split them off and say what
their shape suggests they hide."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tools.sensitive.model import EntityType


@dataclass(frozen=True, slots=True)
class MaskResult:
    """Pre-masked values (``XXXX``, ``****1234``): their share and the entity their shape suggests."""

    masked: int
    checked: int
    entity: EntityType | None
    shape: str  # value-free description: "card-shaped, last 4 digits visible"

    @property
    def share(self) -> float:
        return self.masked / self.checked if self.checked else 0.0


_MASK_RUN = r"[Xx*#•]{3,}"


def detect_masked(values: list[str]) -> tuple[MaskResult, list[str]]:
    """Split off pre-masked values; say what their shape suggests. Returns the result and the rest."""
    s = pd.Series(values, dtype=object)
    masked = s.str.contains(_MASK_RUN, regex=True) if len(s) else pd.Series(dtype=bool)
    chosen = s[masked] if len(s) else s
    entity: EntityType | None = None
    shape = ""
    if len(chosen):
        unmasked = chosen.str.replace(r"[Xx*#•]", "9", regex=True)
        compact = unmasked.str.replace(r"[\s\-]", "", regex=True)
        tail = chosen.str.fullmatch(r"[Xx*#•\s\-]*\d{4}")
        if chosen.str.contains("@").mean() >= 0.5:
            entity, shape = "email", "email-shaped"
        elif compact.str.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}").mean() >= 0.5:
            entity, shape = "iban", "IBAN-shaped"
        elif compact.str.fullmatch(r"\d{13,19}").mean() >= 0.5 or tail.mean() >= 0.5:
            entity, shape = "payment_card", "card-shaped"
            if tail.mean() >= 0.5:
                shape += ", last 4 digits visible"
        elif compact.str.fullmatch(r"(?:\+|00|0)\d{9,14}").mean() >= 0.5:
            entity, shape = "phone", "phone-shaped"
        else:
            shape = "fully masked" if chosen.str.fullmatch(r"[Xx*#•\s\-./]+").mean() >= 0.5 else "partly masked"
    rest = [x for x, m in zip(values, masked.tolist(), strict=True) if not m] if len(s) else []
    return MaskResult(int(masked.sum()) if len(s) else 0, len(values), entity, shape), rest
