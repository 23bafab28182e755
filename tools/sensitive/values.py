"""What value detectors share: the sample in normalised forms, the result type, word lists, and
the phone-number parser several detectors need (the email format is in ``tools.sensitive.emails``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa

from tools.sensitive.model import EntityType


@dataclass(frozen=True, slots=True)
class PatternResult:
    """What one detector saw in the sample. ``score`` turns it into evidence strength (0..1)."""

    entity: EntityType
    detector: str  # what matched, for evidence text: "UK postcode format"
    checked: int  # sampled values examined
    matched: float  # values matching the format (half hits count 0.5)
    strength: float  # how telling a full match is
    floor: float = 0.1  # hit rate below which the result counts for nothing
    full: float = 0.6  # hit rate from which it counts fully
    validator: str | None = None  # "Luhn", "mod-97", ...
    valid: int | None = None  # matching values that pass the validator
    decisive: bool = False  # a passing validator is checksum-grade proof
    strict: bool = False  # a failing validator rules the entity out
    locales: dict[str, int] = field(default_factory=dict)
    note: str = ""  # extra, value-free detail for the evidence text

    @property
    def hit_rate(self) -> float:
        return self.matched / self.checked if self.checked else 0.0

    @property
    def valid_rate(self) -> float | None:
        if self.validator is None or self.valid is None or self.matched < 1:
            return None
        return min(1.0, self.valid / self.matched)

    @property
    def failing(self) -> bool:
        """Enough values match the format but most fail its check (e.g. 16-digit ids failing Luhn)."""
        rate = self.valid_rate
        return self.strict and rate is not None and self.matched >= 5 and self.hit_rate >= 0.5 and rate < 0.5

    def score(self) -> float:
        ramp = float(np.clip((self.hit_rate - self.floor) / max(self.full - self.floor, 1e-9), 0.0, 1.0))
        if ramp == 0.0 or self.failing:
            return 0.0
        base = self.strength * ramp
        rate = self.valid_rate
        if rate is None:
            return base
        if self.decisive and rate >= 0.7 and self.matched >= 5:
            # chance passes are rare (Luhn 10%, mod-97 1%, mod-11 9%): most passing is proof
            return max(base, ramp * (0.9 + 0.09 * (rate - 0.7) / 0.3))
        return base * (0.6 + 0.4 * rate)


class Values:
    """A distinct-value sample with the normalised forms detectors share (computed once)."""

    def __init__(self, values: list[str]) -> None:
        self.raw = pd.Series(values, dtype=object)
        self.arrow = pa.array(values, pa.string())  # for RE2 patterns with Unicode classes (emails)
        self.n = len(values)
        self.upper = self.raw.str.upper()
        self.compact = self.raw.str.replace(r"[\s\-]", "", regex=True)  # cards, IBANs, NHS numbers
        self.compact_upper = self.compact.str.upper()
        self.is_digits = self.compact.str.fullmatch(r"\d+").astype(bool)
        self.length = self.compact.str.len()


@cache
def word_list(name: str) -> frozenset[str]:
    """A bundled lower-case word list from tools/sensitive/data/<name>.txt."""
    text = files("tools.sensitive").joinpath("data", f"{name}.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


@cache
def vocabulary(name: str) -> frozenset[str]:
    """A bundled vocabulary from tools/sensitive/data/<name>.txt: whitespace-separated words, ``#`` comments."""
    text = files("tools.sensitive").joinpath("data", f"{name}.txt").read_text(encoding="utf-8")
    return frozenset(w.lower() for line in text.splitlines() if not line.startswith("#") for w in line.split())


_GENERATOR_LISTS = {
    "first_names": ("first_names_female", "first_names_male"),
    "surnames": ("last_names",),
}


@cache
def name_list(kind: str) -> frozenset[str]:
    """First names or surnames: the classifier's own list plus the generators' per-locale lists (folded,
    lower case), so names Doppel generates are also names it recognises."""
    from tools.sensitive.names import fold

    found = set(word_list(kind))
    folder = files("tools.generators").joinpath("data")
    for entry in folder.iterdir():
        if entry.name.endswith(".txt") and entry.name.startswith(_GENERATOR_LISTS[kind]):
            lines = entry.read_text(encoding="utf-8").splitlines()
            found.update(fold(x.strip()).lower() for x in lines if x.strip() and not x.startswith("#"))
    return frozenset(found)


# phonenumbers region -> locale for generators
REGION_LOCALE = {
    "GB": "en_GB", "US": "en_US", "IE": "en_IE", "CA": "en_CA", "AU": "en_AU", "DE": "de_DE", "AT": "de_AT",
    "CH": "de_CH", "FR": "fr_FR", "BE": "fr_BE", "ES": "es_ES", "MX": "es_MX", "NL": "nl_NL", "IT": "it_IT",
    "PT": "pt_PT", "SE": "sv_SE", "DK": "da_DK", "NO": "no_NO", "PL": "pl_PL", "IN": "en_IN",
}  # fmt: skip


def parse_phone(text: str) -> tuple[bool, str | None]:
    """Valid under some numbering plan (international form, else GB, else US)? And its region."""
    try:
        if text.startswith(("+", "00")):
            number = phonenumbers.parse("+" + text[2:] if text.startswith("00") else text, None)
            return phonenumbers.is_valid_number(number), phonenumbers.region_code_for_number(number)
        for region in ("GB", "US"):
            number = phonenumbers.parse(text, region)
            if phonenumbers.is_valid_number(number):
                return True, region
    except phonenumbers.NumberParseException:
        return False, None
    return False, None
