"""Labels for regenerated categorical columns (gender, ethnicity, blood type, diagnoses, wards).

A sensitive category column keeps its category frequencies but not its labels: each production
category, most frequent first, gets a public vocabulary entry of the same shape when the entity has
a vocabulary (``M``/``F``, NHS ethnic categories, ABO blood groups); otherwise a random code of the
same shape for codes (``J18.9`` -> ``K42.7``, never a production category), or ``<Column> <n>`` for
labels made of words.
"""

from __future__ import annotations

import re

import numpy as np

from tools.profile.patterns import shape
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
    """One new label per category (given most frequent first); ``avoid`` holds the production
    categories, lower-cased, which random codes must not hit."""
    vocab = list(vocabulary(entity, column))
    title = re.sub(r"[_\W]+", " ", column).strip().title() or "Category"
    out: list[str] = []
    used: set[str] = set()
    counter = 0
    for category in categories:
        target = shape(category)
        match = next((v for v in vocab if v not in used and shape(v) == target), None)
        if match is None and _code_like(target):
            for _ in range(50):
                candidate = str(fill(target, 1, rng, upper=1.0)[0])
                if candidate.lower() not in avoid and candidate not in used:
                    match = candidate
                    break
        if match is None:
            counter += 1
            match = f"{title} {counter}"
            while match.lower() in avoid or match in used:
                counter += 1
                match = f"{title} {counter}"
        used.add(match)
        out.append(match)
    return out
