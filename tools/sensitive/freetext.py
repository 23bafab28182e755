"""Personal data inside free text: emails, phone numbers, NI numbers, cards, IBANs and names found in
sentences (regex ``finditer`` on a sample, checked like the column detectors)."""

from __future__ import annotations

import re
from collections import Counter

from tools.sensitive.checksums import card_brand, iban_valid, luhn_valid_many, nino_valid
from tools.sensitive.names import fold
from tools.sensitive.values import EMAIL, PatternResult, Values, parse_phone, word_list

TEXT_SCAN_LIMIT = 300

_TEXT_EMAIL = re.compile(EMAIL)
_TEXT_NINO = re.compile(r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b")
_TEXT_CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
_TEXT_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d[\d ().\-]{8,18}\d(?!\w)")
_TEXT_TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr|Herr|Frau|Mme|Mlle|Sr|Sra|Dhr|Mevr)\.?\s+[A-Z][a-z]+")
_TEXT_BIGRAM = re.compile(r"\b([A-Z][a-z]+)\s+([A-Z][a-z'\-]+)\b")
_TEXT_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}\b")


def detect_free_text(v: Values) -> list[PatternResult]:
    """Personal data inside sentences: share of sampled texts with an email, phone, NINO, card, IBAN or
    a person's name (first+last from the lists, or a title and a name)."""
    first, last = word_list("first_names"), word_list("surnames")
    texts = v.raw.iloc[:TEXT_SCAN_LIMIT]
    kinds: Counter[str] = Counter()
    strong = weak = 0
    for text in texts:
        found: set[str] = set()
        if _TEXT_EMAIL.search(text):
            found.add("emails")
        for match in _TEXT_PHONE.finditer(text):
            digits = re.sub(r"\D", "", match.group())
            if 10 <= len(digits) <= 15 and parse_phone(match.group().strip())[0]:
                found.add("phone numbers")
                break
        if any(nino_valid(m.group()) for m in _TEXT_NINO.finditer(text)):
            found.add("NI numbers")
        for match in _TEXT_CARD.finditer(text):
            digits = re.sub(r"\D", "", match.group())
            if card_brand(digits) and luhn_valid_many([digits])[0]:
                found.add("card numbers")
                break
        if any(iban_valid(m.group().replace(" ", "")) for m in _TEXT_IBAN.finditer(text)):
            found.add("IBANs")
        named = bool(_TEXT_TITLE.search(text)) or any(
            fold(a).lower() in first and fold(b).lower() in last for a, b in _TEXT_BIGRAM.findall(text)
        )
        kinds.update(found | ({"names"} if named else set()))
        if found:
            strong += 1
        elif named:
            weak += 1
    n = len(texts)
    note = ", ".join(f"{kind} in {count / n:.0%}" for kind, count in kinds.most_common()) if n else ""
    return [
        PatternResult(
            "free_text_pii",
            "texts containing personal data",
            n,
            strong + 0.5 * weak,
            0.92,
            floor=0.02,
            full=0.15,
            note=note,
        )
    ]
