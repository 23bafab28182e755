"""Keyed pseudonyms (HMAC-SHA256): deterministic per key, unlinkable without it, consistent everywhere.

The pseudonym depends only on the key and the (normalised) value, never on the table, column, row or
run, so a customer id pseudonymised in two tables, or in two runs with the same key, stays joinable.
Work is done once per distinct value (an HMAC cannot be vectorised) and spread back to rows by index.

``digits`` format: the value's digits, read as one number of ``n`` digits, go through a keyed Feistel
permutation of all ``10**n`` such numbers (the FF1 construction with HMAC-SHA256 as round function,
tweaked by the value's non-digit template), then back into their places. A permutation is a bijection,
so distinct ids can never collide, and the length and separators are kept. It is not a certified FPE
implementation; it relies on HMAC-SHA256 being a PRF, like the ``hash`` format does.
"""

from __future__ import annotations

import base64
import hmac
import re
from typing import Literal

import numpy as np
import pandas as pd

from tools.anonymise.keys import PseudonymKey
from tools.anonymise.model import PseudonymiseRule
from tools.anonymise.text import expand, factorise
from tools.errors import DoppelError

ROUNDS = 10
_HASH_DOMAIN = b"doppel/pseudonymise/v1/hash"
_DIGITS_DOMAIN = b"doppel/pseudonymise/v1/digits"
_DIGIT = re.compile(r"\d")


def normalise(values: pd.Series, how: Literal["exact", "trim", "trim_casefold"]) -> pd.Series:
    if how == "exact":
        return values
    out = values.str.strip()
    return out.str.casefold() if how == "trim_casefold" else out


def pseudonymise(values: pd.Series, rule: PseudonymiseRule, key: PseudonymKey) -> tuple[pd.Series, int]:
    """Pseudonyms for ``values`` (missing stays missing) and how many values had no digits for the
    ``digits`` format and got a ``hash`` pseudonym instead.

    Raises DoppelError when two distinct values would share a pseudonym (only possible with ``hash``
    and a short ``length``); the caller adds which column."""
    codes, uniques = factorise(normalise(values, rule.normalise))
    hash_key = hmac.digest(key.secret, _HASH_DOMAIN, "sha256")
    if rule.format == "hash":
        mapped: list[str | None] = [_hash(u, hash_key, rule) for u in uniques]
        fallback = 0
    else:
        digits_key = hmac.digest(key.secret, _DIGITS_DOMAIN, "sha256")
        mapped = [_format_preserving(u, digits_key) for u in uniques]
        no_digits = [i for i, m in enumerate(mapped) if m is None]
        for i in no_digits:
            mapped[i] = _hash(uniques[i], hash_key, rule)
        fallback = int(np.isin(codes, no_digits).sum()) if no_digits else 0
    if len(set(mapped)) != len(mapped):
        raise DoppelError(f"two distinct values got the same {rule.length}-character pseudonym; use a larger length")
    return expand(codes, np.array(mapped, dtype=object), values), fallback


def _hash(value: str, hash_key: bytes, rule: PseudonymiseRule) -> str:
    if value == "":
        return ""
    digest = hmac.digest(hash_key, value.encode("utf-8"), "sha256")
    return rule.prefix + base64.b32encode(digest).decode("ascii").lower()[: rule.length]


def _format_preserving(value: str, digits_key: bytes) -> str | None:
    """Digits permuted as one number, everything else in place; None when there are no digits."""
    digits = "".join(_DIGIT.findall(value))
    if not digits:
        return None
    template = _DIGIT.sub("#", value)
    permuted = iter(permute_digits(digits, digits_key, template.encode("utf-8")))
    return _DIGIT.sub(lambda _: next(permuted), value)


def permute_digits(digits: str, key: bytes, tweak: bytes = b"") -> str:
    """A keyed permutation of the ``10**n`` digit strings of length ``n = len(digits)``."""
    n = len(digits)
    if n == 1:
        order = sorted("0123456789", key=lambda d: hmac.digest(key, tweak + b"\x01" + d.encode(), "sha256"))
        return order[int(digits)]
    u = n // 2
    v = n - u
    a, b = int(digits[:u]), int(digits[u:])
    prefix = tweak + b"\x00" + n.to_bytes(2, "big")
    for i in range(ROUNDS):
        m = u if i % 2 == 0 else v
        width = v if i % 2 == 0 else u  # digits of b this round
        y = int.from_bytes(hmac.digest(key, prefix + bytes([i]) + str(b).zfill(width).encode(), "sha256"), "big")
        a, b = b, (a + y) % 10**m
    return str(a).zfill(u) + str(b).zfill(v)
