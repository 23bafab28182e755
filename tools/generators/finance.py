"""Payment card numbers (real IIN prefixes, Luhn check digit) and IBANs (ISO 13616 mod-97 check digits).

Numbers are digit matrices: check digits are computed column by column across all rows at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pyarrow as pa
from pydantic import Field

from tools.generators.identity import UPPER, ZERO, ascii_strings, decimal_chars, random_digits, render
from tools.generators.registry import GeneratorParams, Related, generator

# ---------------------------------------------------------------- credit cards

Brand = Literal["visa", "mastercard", "amex", "discover"]
BRAND_ORDER: tuple[Brand, ...] = ("visa", "mastercard", "amex", "discover")
BRAND_WEIGHTS = {"visa": 0.52, "mastercard": 0.31, "amex": 0.11, "discover": 0.06}


@dataclass(frozen=True)
class Iin:
    """A prefix range [low, high] of ``digits`` digits, its share of the brand, and the card length."""

    low: int
    high: int
    digits: int
    share: float
    length: int


IINS: dict[str, tuple[Iin, ...]] = {
    "visa": (Iin(4, 4, 1, 1.0, 16),),
    "mastercard": (Iin(51, 55, 2, 0.8, 16), Iin(2221, 2720, 4, 0.2, 16)),
    "amex": (Iin(34, 34, 2, 0.5, 15), Iin(37, 37, 2, 0.5, 15)),
    "discover": (Iin(6011, 6011, 4, 0.4, 16), Iin(65, 65, 2, 0.4, 16), Iin(644, 649, 3, 0.2, 16)),
}
CARD_WIDTH = 16


class CreditCardParams(GeneratorParams):
    brands: list[Brand] = Field(default_factory=lambda: list(BRAND_ORDER), min_length=1)
    spaced: bool = False  # 4-4-4-4 (Amex 4-6-5) as printed on the card


LUHN_DOUBLE = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9], dtype=np.uint8)  # digit doubled, digits of the result summed


def luhn_check_digits(digits: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Luhn check digits for ``(n, w)`` uint8 digit rows whose payload is the first ``length - 1`` digits."""
    doubled = LUHN_DOUBLE[digits]
    total = np.zeros(digits.shape[0], dtype=np.int32)
    for length in np.unique(lengths):
        payload = int(length) - 1
        first = (payload - 1) % 2  # the payload's last digit is doubled, then every second one leftwards
        row_total = doubled[:, first:payload:2].sum(axis=1, dtype=np.int32)
        row_total += digits[:, 1 - first : payload : 2].sum(axis=1, dtype=np.int32)
        total = np.where(lengths == length, row_total, total)
    return ((10 - total % 10) % 10).astype(np.uint8)


def _card_digits(rng: np.random.Generator, size: int, brands: list[Brand]) -> tuple[np.ndarray, np.ndarray]:
    """``(n, 16)`` uint8 digits (check digit included) and each row's length."""
    options = [(brand, iin) for brand in BRAND_ORDER if brand in brands for iin in IINS[brand]]
    weights = np.array([BRAND_WEIGHTS[brand] * iin.share for brand, iin in options])
    which = np.minimum(
        np.searchsorted(np.cumsum(weights / weights.sum()), rng.random(size), side="right"), len(options) - 1
    )
    prefix = np.zeros(size, dtype=np.int64)
    prefix_digits = np.zeros(size, dtype=np.int64)
    lengths = np.zeros(size, dtype=np.int64)
    for k, (_, iin) in enumerate(options):
        rows = which == k
        prefix[rows] = rng.integers(iin.low, iin.high + 1, size=int(rows.sum()))
        prefix_digits[rows] = iin.digits
        lengths[rows] = iin.length
    digits = rng.integers(0, 10, size=(size, CARD_WIDTH), dtype=np.uint8)
    for j in range(4):  # overwrite the leading digits with the prefix
        place = 10 ** np.maximum(prefix_digits - 1 - j, 0)
        digits[:, j] = np.where(j < prefix_digits, (prefix // place) % 10, digits[:, j])
    digits[np.arange(size), lengths - 1] = luhn_check_digits(digits, lengths)
    return digits, lengths


@generator("credit_card", params=CreditCardParams, output=pa.string())
def credit_card(rng: np.random.Generator, size: int, params: CreditCardParams, related: Related) -> Any:
    """Payment card numbers with real IIN prefixes and lengths per brand and a valid Luhn check digit."""
    digits, lengths = _card_digits(rng, size, params.brands)
    chars = digits + np.uint8(ZERO)
    amex = (lengths == 15).astype(np.int64)
    if params.spaced:
        return render(["#### #### #### ####", "#### ###### #####"], amex, chars)
    chars[:, CARD_WIDTH - 1] = np.where(amex == 1, 0, chars[:, CARD_WIDTH - 1])  # 0 bytes are dropped
    return ascii_strings(chars)


# ---------------------------------------------------------------- IBAN


@dataclass(frozen=True)
class IbanFormat:
    """The BBAN layout (SWIFT IBAN registry notation: ``4!a6!n8!n``) and optional real bank codes."""

    bban: str
    banks: tuple[str, ...] = ()


IBAN_FORMATS: dict[str, IbanFormat] = {
    "GB": IbanFormat("4!a6!n8!n", ("BARC", "LOYD", "NWBK", "MIDL", "HBUK", "RBOS", "NAIA", "ABBY", "TSBS", "MONZ")),
    "IE": IbanFormat("4!a6!n8!n", ("AIBK", "BOFI", "IPBS", "ULSB", "PTSB")),
    "DE": IbanFormat("8!n10!n"),
    "FR": IbanFormat("5!n5!n11!n2!n"),
    "ES": IbanFormat("4!n4!n1!n1!n10!n"),
    "NL": IbanFormat("4!a10!n", ("ABNA", "INGB", "RABO", "SNSB", "ASNB", "TRIO", "KNAB", "BUNQ", "RBRB", "FVLB")),
    "IT": IbanFormat("1!a5!n5!n12!n"),
    "BE": IbanFormat("3!n7!n2!n"),
    "PT": IbanFormat("4!n4!n11!n2!n"),
    "AT": IbanFormat("5!n11!n"),
    "CH": IbanFormat("5!n12!n"),
    "LU": IbanFormat("3!n13!n"),
    "PL": IbanFormat("8!n16!n"),
    "SE": IbanFormat("3!n16!n1!n"),
    "DK": IbanFormat("4!n9!n1!n"),
}
IbanCountry = Literal["GB", "IE", "DE", "FR", "ES", "NL", "IT", "BE", "PT", "AT", "CH", "LU", "PL", "SE", "DK"]


class IbanParams(GeneratorParams):
    country: IbanCountry = "GB"
    spaced: bool = False  # groups of four, as printed


def _segments(bban: str) -> list[tuple[int, str]]:
    parts = bban.replace("!", "").replace("a", "a,").replace("n", "n,").strip(",").split(",")
    return [(int(p[:-1]), p[-1]) for p in parts]


def _char_values(chars: np.ndarray) -> np.ndarray:
    """ASCII digits and capitals as ISO 13616 numbers: '0'-'9' -> 0-9, 'A'-'Z' -> 10-35."""
    return np.where(chars >= ord("A"), chars.astype(np.int64) - ord("A") + 10, chars.astype(np.int64) - ZERO)


def mod97(chars: np.ndarray) -> np.ndarray:
    """Each row of an ASCII matrix read as an ISO 13616 number (letters count as two digits), mod 97.

    Columns are folded in chunks of up to 16 decimal digits per step (r < 97, so r * 10**16 + chunk fits int64).
    """
    values = _char_values(chars)
    letters = chars >= ord("A")
    columnar = bool(np.all(letters.all(axis=0) | ~letters.any(axis=0)))  # each column all letters or all digits
    widths = np.where(letters[0], 2, 1) if columnar and chars.shape[0] else np.full(chars.shape[1], 0)
    remainder = np.zeros(chars.shape[0], dtype=np.int64)
    j = 0
    while j < chars.shape[1]:
        if not columnar:  # one column at a time, each row's own width
            v = values[:, j]
            remainder = (remainder * np.where(v >= 10, 100, 10) + v) % 97
            j += 1
            continue
        end, span = j, 0
        while end < chars.shape[1] and span + widths[end] <= 16:
            span += int(widths[end])
            end += 1
        shifts = np.cumsum(widths[j:end][::-1])[::-1] - widths[j:end]  # decimal places after each column
        chunk = values[:, j:end] @ (10 ** shifts.astype(np.int64))
        remainder = (remainder * 10**span + chunk) % 97
        j = end
    return remainder


def _digits_value(chars: np.ndarray) -> np.ndarray:
    return (chars.astype(np.int64) - ZERO) @ (10 ** np.arange(chars.shape[1] - 1, -1, -1, dtype=np.int64))


def _national_check(country: str, bban: np.ndarray) -> None:
    """Fill in the national check digits some countries carry inside the BBAN (in place)."""
    if country == "FR":  # clé RIB: 97 - (89 bank + 15 branch + 3 account) mod 97
        total = 89 * _digits_value(bban[:, :5]) + 15 * _digits_value(bban[:, 5:10]) + 3 * _digits_value(bban[:, 10:21])
        bban[:, 21:23] = decimal_chars(97 - total % 97, 2)
    elif country == "ES":  # dígitos de control, weights 1 2 4 8 5 10 9 7 3 6 mod 11
        weights = np.array([1, 2, 4, 8, 5, 10, 9, 7, 3, 6], dtype=np.int64)
        for col, (part, w) in {8: (bban[:, :8], weights[2:]), 9: (bban[:, 10:20], weights)}.items():
            d = 11 - ((part.astype(np.int64) - ZERO) @ w) % 11
            bban[:, col] = np.where(d == 11, 0, np.where(d == 10, 1, d)) + ZERO
    elif country == "IT":  # CIN: odd/even position tables over ABI + CAB + account, mod 26
        odd = np.array([1, 0, 5, 7, 9, 13, 15, 17, 19, 21], dtype=np.int64)
        digits = bban[:, 1:23].astype(np.int64) - ZERO
        total = odd[digits[:, 0::2]].sum(axis=1) + digits[:, 1::2].sum(axis=1)
        bban[:, 0] = UPPER[total % 26]
    elif country == "BE":  # last two digits: first ten mod 97 (0 becomes 97)
        rest = _digits_value(bban[:, :10]) % 97
        bban[:, 10:12] = decimal_chars(np.where(rest == 0, 97, rest), 2)
    elif country == "PT":  # NIB check: 98 - (first 19 digits * 100) mod 97
        bban[:, 19:21] = decimal_chars(98 - (mod97(bban[:, :19]) * 100) % 97, 2)
    elif country == "PL":  # the eighth digit checks the bank sort code, weights 3 9 7 1 3 9 7
        weights = np.array([3, 9, 7, 1, 3, 9, 7], dtype=np.int64)
        bban[:, 7] = (10 - ((bban[:, :7].astype(np.int64) - ZERO) @ weights) % 10) % 10 + ZERO


def _bban(rng: np.random.Generator, size: int, country: str) -> np.ndarray:
    fmt = IBAN_FORMATS[country]
    blocks = []
    for width, kind in _segments(fmt.bban):
        if kind == "n":
            blocks.append(random_digits(rng, size, width))
        elif fmt.banks and not blocks:
            banks = np.frombuffer("".join(fmt.banks).encode("ascii"), dtype=np.uint8).reshape(-1, width)
            blocks.append(banks[rng.integers(0, len(banks), size=size)])
        else:
            blocks.append(UPPER[rng.integers(0, 26, size=(size, width))])
    bban = np.hstack(blocks).astype(np.uint8)
    _national_check(country, bban)
    return bban


@generator("iban", params=IbanParams, output=pa.string())
def iban(rng: np.random.Generator, size: int, params: IbanParams, related: Related) -> Any:
    """IBANs in the country's length and BBAN layout, with ISO 13616 mod-97 check digits (and national ones)."""
    bban = _bban(rng, size, params.country)
    code = np.frombuffer(params.country.encode("ascii"), dtype=np.uint8)
    rearranged = np.hstack([bban, np.broadcast_to(code, (size, 2)), np.full((size, 2), ZERO, dtype=np.uint8)])
    check = decimal_chars(98 - mod97(rearranged), 2)
    chars = np.hstack([np.broadcast_to(code, (size, 2)), check, bban]).astype(np.uint8)
    if not params.spaced:
        return ascii_strings(chars)
    width = chars.shape[1]
    template = " ".join("#" * min(4, width - i) for i in range(0, width, 4))
    return render([template], None, chars)
