"""Vehicle registrations (licence plates) by value shape.

Country formats that little else shares count fully: UK current (``AB12 CDE``), German (``B-AB 1234``),
Dutch side codes (``12-ABC-3``), French SIV (``AB-123-CD``), Spanish (``1234 BCD``); the older UK prefix
(``A123 BCD``) and suffix (``ABC 123D``) styles a little less. Generic letter-and-digit shapes (US plates:
``7ABC123``, ``ABC-1234``, ``123 ABC``; ``AB123CD``) also fit product and part codes, so they are only weak
evidence that a column's name has to carry. Counts only: no value is kept or reported.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from tools.sensitive.values import PatternResult, Values

# (locale, pattern, weight): weight 1 for a distinctive format, less for an older, looser one
_DISTINCT: tuple[tuple[str, str, float], ...] = (
    ("en_GB", r"[A-Z]{2}\d{2} ?[A-Z]{3}", 1.0),
    ("en_GB", r"[A-Z]\d{1,3} ?[A-Z]{3}", 0.7),
    ("en_GB", r"[A-Z]{3} ?\d{1,3}[A-Z]", 0.7),
    ("de_DE", r"[A-ZÄÖÜ]{1,3}[- ][A-Z]{1,2} ?\d{1,4}[EH]?", 1.0),
    ("nl_NL", r"(?=[A-Z\d-]{8}$)(?=.*[A-Z])(?=.*\d)(?:[A-Z]+|\d+)-(?:[A-Z]+|\d+)-(?:[A-Z]+|\d+)", 1.0),
    ("fr_FR", r"[A-Z]{2}-\d{3}-[A-Z]{2}", 1.0),
    ("es_ES", r"\d{4}[ -]?[BCDFGHJKLMNPRSTVWXYZ]{3}", 1.0),
)
_GENERIC: tuple[tuple[str, str], ...] = (
    ("en_US", r"\d[A-Z]{3}\d{3}"),
    ("en_US", r"[A-Z]{3}[- ]?\d{3,4}"),
    ("en_US", r"\d{3}[- ]?[A-Z]{3}"),
    ("en_US", r"[A-Z]{2}[- ]?\d{4,5}"),
    ("fr_FR", r"[A-Z]{2}\d{3}[A-Z]{2}"),
)


def detect_vehicle_registration(v: Values) -> list[PatternResult]:
    """Two results: distinctive country formats (strong, with locales) and any plate shape (weak)."""
    if v.n == 0:
        return []
    text = v.upper.str.strip().str.replace(r"\s+", " ", regex=True)
    weight = pd.Series(0.0, index=text.index)
    shaped = pd.Series(False, index=text.index)
    locales: Counter[str] = Counter()
    for locale, pattern, share in _DISTINCT:
        hit = text.str.fullmatch(pattern).astype(bool) & (weight == 0)
        weight[hit] = share
        shaped |= hit
        if hit.any():
            locales[locale] += int(hit.sum())
    for locale, pattern in _GENERIC:
        hit = text.str.fullmatch(pattern).astype(bool) & ~shaped
        shaped |= hit
        if hit.any():
            locales[locale] += int(hit.sum())
    if not shaped.any():
        return []
    countries = ", ".join(locale.split("_")[1] for locale, _ in locales.most_common(3))
    found = (  # (what matched, how many, strength, floor, full)
        ("vehicle registration formats", float(weight.sum()), 0.75, 0.3, 0.8),
        ("licence-plate shapes (letters and digits)", float(shaped.sum()), 0.3, 0.5, 0.9),
    )
    return [
        PatternResult("vehicle_registration", detector, v.n, matched, strength, floor=floor, full=full,
                      locales=dict(locales), note=countries)
        for detector, matched, strength, floor, full in found
    ]  # fmt: skip
