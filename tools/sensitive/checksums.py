"""Check digits and validity rules of identifiers: Luhn, IBAN mod-97, NHS mod-11, UK NINO, US SSN.

Scalar functions take one string; the ``*_many`` variants take a sequence and return a boolean numpy
array, vectorised over equal-length groups. Separators (spaces, dashes, dots) are the caller's job
unless a function says otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

# ---------------------------------------------------------------- helpers


def _digit_matrix(values: Sequence[str], length: int) -> np.ndarray:
    """Rows of equal-length digit strings as an (n, length) int array."""
    raw = np.frombuffer("".join(values).encode("ascii"), dtype=np.uint8)
    return raw.reshape(len(values), length).astype(np.int64) - 48


def _by_length(
    values: Sequence[str], check: Callable[[np.ndarray], np.ndarray], lengths: set[int] | None = None
) -> np.ndarray:
    """Apply a matrix check per length group of all-digit strings; others are False."""
    out = np.zeros(len(values), dtype=bool)
    groups: dict[int, list[int]] = {}
    for i, value in enumerate(values):
        if value.isascii() and value.isdigit() and (lengths is None or len(value) in lengths):
            groups.setdefault(len(value), []).append(i)
    for length, index in groups.items():
        matrix = _digit_matrix([values[i] for i in index], length)
        out[index] = check(matrix)
    return out


# ---------------------------------------------------------------- Luhn (cards, IMEI)


def _luhn_matrix(matrix: np.ndarray) -> np.ndarray:
    doubled = matrix[:, ::-1].copy()
    doubled[:, 1::2] *= 2
    doubled[doubled > 9] -= 9
    return np.asarray(doubled.sum(axis=1) % 10 == 0)


def luhn_valid(number: str) -> bool:
    """True when an all-digit string (2+ digits) passes the Luhn mod-10 check."""
    if len(number) < 2 or not (number.isascii() and number.isdigit()):
        return False
    return bool(_luhn_matrix(_digit_matrix([number], len(number)))[0])


def luhn_valid_many(values: Sequence[str]) -> np.ndarray:
    """Luhn check of each value (non-digit or shorter than 2 -> False), vectorised."""
    out = _by_length(values, _luhn_matrix)
    for i, value in enumerate(values):
        if len(value) < 2:
            out[i] = False
    return out


def luhn_check_digit(payload: str) -> int:
    """The digit that makes ``payload + digit`` pass Luhn."""
    for digit in range(10):
        if luhn_valid(payload + str(digit)):
            return digit
    raise ValueError("payload must be digits")  # pragma: no cover - unreachable for digit payloads


# ---------------------------------------------------------------- IBAN (mod-97)

IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
    "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25,
    "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18,
    "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33,
    "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip

_IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")


def iban_mod97(iban: str) -> int:
    """ISO 7064 mod-97 remainder of an IBAN (country and check digits moved to the end); 1 = valid."""
    text = iban[4:] + iban[:4]
    remainder = 0
    for char in text:
        remainder = (remainder * (100 if char.isalpha() else 10) + int(char, 36)) % 97
    return remainder


def iban_valid(iban: str) -> bool:
    """True for an IBAN (no spaces, upper case) of its country's length whose mod-97 remainder is 1."""
    if not _IBAN_SHAPE.fullmatch(iban) or IBAN_LENGTHS.get(iban[:2]) != len(iban):
        return False
    return iban_mod97(iban) == 1


def iban_check_digits(country: str, bban: str) -> str:
    """The two check digits that make ``country + digits + bban`` a valid IBAN."""
    return f"{98 - iban_mod97(country + '00' + bban):02d}"


# ---------------------------------------------------------------- NHS number (mod-11)

_NHS_WEIGHTS = np.arange(10, 1, -1, dtype=np.int64)


def _nhs_matrix(matrix: np.ndarray) -> np.ndarray:
    check = 11 - (matrix[:, :9] @ _NHS_WEIGHTS) % 11
    check = np.where(check == 11, 0, check)
    return np.asarray((check != 10) & (check == matrix[:, 9]))


def nhs_check_digit(payload: str) -> int | None:
    """Check digit of a 9-digit NHS payload, or None when the payload has no valid number (remainder 10)."""
    total = sum(int(d) * w for d, w in zip(payload, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    return None if check == 10 else check % 11


def nhs_valid(number: str) -> bool:
    """True for a 10-digit NHS number whose mod-11 check digit matches."""
    if len(number) != 10 or not (number.isascii() and number.isdigit()):
        return False
    return bool(_nhs_matrix(_digit_matrix([number], 10))[0])


def nhs_valid_many(values: Sequence[str]) -> np.ndarray:
    """NHS mod-11 check of each value (anything but 10 digits -> False), vectorised."""
    return _by_length(values, _nhs_matrix, {10})


# ---------------------------------------------------------------- UK National Insurance number

_NINO = re.compile(r"([A-CEGHJ-PR-TW-Z])([A-CEGHJ-NPR-TW-Z])(\d{6})([A-D]?)")
_NINO_NOT_ALLOCATED = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def nino_valid(value: str) -> bool:
    """HMRC rules: no D, F, I, Q, U, V as either prefix letter, no O second, no BG/GB/KN/NK/NT/TN/ZZ,
    six digits, suffix A-D (optional). Spaces are ignored, case is not."""
    compact = value.replace(" ", "").upper()
    match = _NINO.fullmatch(compact)
    return bool(match) and compact[:2] not in _NINO_NOT_ALLOCATED


# ---------------------------------------------------------------- US Social Security number

_SSN = re.compile(r"(\d{3})([- .]?)(\d{2})\2(\d{4})")
_SSN_SAMPLES = {"078051120", "219099999", "123456789", "457555462"}


def ssn_valid(value: str) -> bool:
    """Presidio-like invalidation rules: one delimiter kind, area not 000/666/9xx, group not 00,
    serial not 0000, not all one digit, not a publicised sample number."""
    match = _SSN.fullmatch(value)
    if not match:
        return False
    area, _, group, serial = match.groups()
    digits = area + group + serial
    if area in {"000", "666"} or area.startswith("9") or group == "00" or serial == "0000":
        return False
    return len(set(digits)) > 1 and digits not in _SSN_SAMPLES


# ---------------------------------------------------------------- payment card issuer prefixes

_CARD_RULES: tuple[tuple[str, tuple[tuple[int, int], ...], frozenset[int]], ...] = (
    ("amex", ((34, 34), (37, 37)), frozenset({15})),
    ("visa", ((4, 4),), frozenset({13, 16, 19})),
    ("mastercard", ((51, 55), (2221, 2720)), frozenset({16})),
    ("discover", ((6011, 6011), (644, 649), (65, 65)), frozenset(range(16, 20))),
    ("jcb", ((3528, 3589),), frozenset(range(16, 20))),
    ("jcb", ((1800, 1800), (2131, 2131)), frozenset({15})),
    ("diners", ((300, 305), (36, 36), (38, 39)), frozenset(range(14, 20))),
    ("unionpay", ((62, 62),), frozenset(range(16, 20))),
    ("maestro", ((50, 50), (56, 69)), frozenset(range(12, 20))),
)


def card_brand(digits: str) -> str | None:
    """The card scheme whose issuer prefix (IIN) and length fit ``digits``, or None."""
    if not (digits.isascii() and digits.isdigit()):
        return None
    for brand, ranges, lengths in _CARD_RULES:
        if len(digits) not in lengths:
            continue
        for low, high in ranges:
            width = len(str(low))
            if low <= int(digits[:width]) <= high:
                return brand
    return None
