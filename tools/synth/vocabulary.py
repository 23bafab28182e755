"""Labels for regenerated categorical columns (gender, ethnicity, blood type, diagnoses, wards).

A sensitive category column keeps its category frequencies. A category that is itself public
vocabulary (an entry of the entity's vocabulary, ``M``/``F``, NHS ethnic categories, ABO blood groups,
smoking status; or a flag literal, ``Y``/``N``, ``yes``/``no``, ``true``/``false``, ``1``/``0``) keeps
its label, so a flag at 12 % stays a flag at 12 % and never trades meaning with another category. Any
other category, most frequent first, gets an unused vocabulary entry of the same shape; otherwise a
random code of the same shape for codes (``J18.9`` -> ``K42.7``, never a production category), or
``<Column> <n>`` for labels made of words.
"""

from __future__ import annotations

import re

import numpy as np

from tools.profile.patterns import shape
from tools.profile.types import BOOLEAN_PAIRS
from tools.synth.shapes import fill

GENDER = ("M", "F", "U", "X", "Male", "Female", "Unknown", "Not known", "Not specified", "Other", "Indeterminate")
BLOOD = ("O+", "A+", "B+", "AB+", "O-", "A-", "B-", "AB-", "O Pos", "A Pos", "B Pos", "O Neg", "A Neg")
ETHNICITY = (
    "White - British", "White - Irish", "White - Any other White background",
    "Mixed - White and Black Caribbean", "Mixed - White and Black African", "Mixed - White and Asian",
    "Mixed - Any other mixed background", "Asian or Asian British - Indian", "Asian or Asian British - Pakistani",
    "Asian or Asian British - Bangladeshi", "Asian or Asian British - Any other Asian background",
    "Black or Black British - Caribbean", "Black or Black British - African",
    "Black or Black British - Any other Black background", "Other Ethnic Groups - Chinese",
    "Other Ethnic Groups - Any other ethnic group", "Not stated", "Not known", "White", "Black", "Asian", "Mixed",
    "Other", "Chinese", "Prefer not to say",
)  # fmt: skip
SMOKER = ("Y", "N", "U", "Yes", "No", "Unknown", "Ex", "Never", "Current", "Former")
FLAGS = frozenset(literal for pair in BOOLEAN_PAIRS for literal in pair)  # lower case


def vocabulary(entity: str | None, column: str) -> tuple[str, ...]:
    words = set(re.split(r"[^a-z]+", column.lower()))
    if entity == "gender" or words & {"gender", "sex"}:
        return GENDER
    if entity == "ethnicity" or words & {"ethnicity", "ethnic", "race"}:
        return ETHNICITY
    if words & {"blood", "abo", "bloodgroup", "bloodtype"}:
        return BLOOD
    if words & {"smoker", "smoking", "smokes"}:
        return SMOKER
    return ()


def _code_like(text_shape: str) -> bool:
    """One short token or a token with digits (``J18.9``, ``AMU``), not words (``Ward 7 - Cardiology``)."""
    return " " not in text_shape and ("9" in text_shape or len(text_shape) <= 4)


def labels(
    categories: list[str], entity: str | None, column: str, rng: np.random.Generator, avoid: set[str]
) -> list[str]:
    """One label per category (given most frequent first): public vocabulary kept as it is, others new;
    ``avoid`` holds the production categories, lower-cased, which random codes must not hit."""
    vocab = list(vocabulary(entity, column))
    public = {v.lower() for v in vocab} | FLAGS
    title = re.sub(r"[_\W]+", " ", column).strip().title() or "Category"
    used = {c.lower() for c in categories if c.lower() in public}  # lower case, like ``avoid``
    kept = set(used)
    out: list[str] = []
    counter = 0
    for category in categories:
        if category.lower() in kept:
            out.append(category)
            continue
        target = shape(category)
        match = next((v for v in vocab if v.lower() not in used and shape(v) == target), None)
        if match is None and _code_like(target):
            for _ in range(50):
                candidate = str(fill(target, 1, rng, upper=1.0)[0])
                if candidate.lower() not in avoid and candidate.lower() not in used:
                    match = candidate
                    break
        if match is None:
            counter += 1
            match = f"{title} {counter}"
            while match.lower() in avoid or match.lower() in used:
                counter += 1
                match = f"{title} {counter}"
        used.add(match.lower())
        out.append(match)
    return out
