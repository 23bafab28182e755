"""Personal data inside free text: emails, phone numbers, NI numbers, cards, IBANs and names found in
sentences (regex ``finditer`` on a sample, checked like the column detectors)."""

from __future__ import annotations

import re
from collections import Counter

import pyarrow.compute as pc

from tools.sensitive.checksums import card_brand, iban_valid, luhn_valid_many, nino_valid
from tools.sensitive.emails import EMAIL
from tools.sensitive.names import fold, words
from tools.sensitive.values import PatternResult, Values, name_list, parse_phone

TEXT_SCAN_LIMIT = 300

_TEXT_NINO = re.compile(r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b")
_TEXT_CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
_TEXT_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d[\d ().\-]{8,18}\d(?!\w)")
_TEXT_TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr|Herr|Frau|Mme|Mlle|Sr|Sra|Dhr|Mevr)\.?\s+[A-Z][a-z]+")
_TEXT_WORD = re.compile(r"[^\W\d_][^\W\d_'’\-]*")
# first names that are also everyday words or places: alone in a text they name no one
_NOT_ALONE = words(
    "will may mark rose grace max april june july august summer autumn dawn faith hope joy ivy holly lily daisy "
    "jack bill penny ruby amber jade pearl guy rich sky river hunter chase art earl ray don pat sandy heather iris "
    "violet olive ginger hazel robin jay victoria florence austin paris georgia chelsea jordan lincoln kent devon "
    "carol christian angel sunny crystal dean jean gene frank ernst long young king price hall park bell rice "
    "baker cook mason stone wood hill lane west grant miles page reed drew nick sterling eve noel cliff glen "
    "harvey carter taylor spencer marks morgan sage"
)
_TEXT_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}\b")


def _names_in(text: str, first: frozenset[str], last: frozenset[str]) -> int:
    """2: a person's full name (a title and a name, or a listed first name then a listed surname, in Title or
    UPPER case: "Spoke to Jane Doe", "INES BROWN LOAN"); 1: a listed first name alone ("Rent - Aoife",
    "Thanks Iain!"), which in a short text still names someone; 0: none."""
    if _TEXT_TITLE.search(text):
        return 2
    words = _TEXT_WORD.findall(text)
    capital = [w[0].isupper() and (w[1:].islower() or w.isupper()) and len(w) >= 2 for w in words]
    folded = [fold(w).lower() for w in words]
    lone = 0
    for i, word in enumerate(folded):
        if not capital[i] or word not in first:
            continue
        if i + 1 < len(words) and capital[i + 1] and folded[i + 1] in last:
            return 2
        if len(word) >= 3 and word not in _NOT_ALONE:
            lone = 1
    return lone


def detect_free_text(v: Values) -> list[PatternResult]:
    """Personal data inside sentences and short texts (payment references): share of sampled texts with
    an email, phone, NINO, card, IBAN or a person's full name; a lone first name counts half."""
    first, last = name_list("first_names"), name_list("surnames")
    texts = v.raw.iloc[:TEXT_SCAN_LIMIT]
    # internationalised addresses too: RE2 (arrow) has the Unicode classes Python's re lacks
    has_email = pc.match_substring_regex(v.arrow[:TEXT_SCAN_LIMIT], EMAIL).to_pylist()
    kinds: Counter[str] = Counter()
    strong = weak = 0
    for text, email in zip(texts, has_email, strict=True):
        found: set[str] = set()
        if email:
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
        named = _names_in(text, first, last)
        if named == 2:
            found.add("names")
        kinds.update(found | ({"first names"} if named == 1 else set()))
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
