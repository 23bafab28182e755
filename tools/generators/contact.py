"""Contact details: email addresses (optionally built from name fields) and phone numbers per locale."""

from __future__ import annotations

import re
from functools import cache
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, field_validator

from tools.generators.identity import ascii_strings, decimal_chars, random_digits, render
from tools.generators.people import LOCALE_PATTERN, first_names, last_names
from tools.generators.registry import GeneratorParams, Related, generator
from tools.generators.vector import concat, words

# ---------------------------------------------------------------- email

# RFC 2606 reserved domains: synthetic addresses can never reach a real mailbox.
SAFE_DOMAINS = ("example.com", "example.org", "example.net")
DOMAIN_PATTERN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
# Letters NFKD does not decompose into ASCII.
TRANSLITERATE = (("ß", "ss"), ("æ", "ae"), ("œ", "oe"), ("ø", "o"), ("ł", "l"), ("đ", "d"), ("ð", "d"), ("þ", "th"))
SEPARATORS = pa.array([".", "_", ""], type=pa.string())
FIRST_TAG_WIDTH = 4


class EmailParams(GeneratorParams):
    locale: str = Field("en_US", pattern=LOCALE_PATTERN)
    from_: list[str] | None = Field(None, alias="from", min_length=1, description="fields to build the name part from")
    domains: list[str] = Field(default_factory=lambda: list(SAFE_DOMAINS), min_length=1)

    @field_validator("domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        bad = [d for d in value if not DOMAIN_PATTERN.match(d)]
        if bad:
            raise ValueError(f"not a lower-case domain name: {', '.join(bad)}")
        return value


def normalise(values: pa.Array, space: str = "") -> pa.Array:
    """Lower-case ASCII for an email local part: accents stripped, anything but [a-z0-9] dropped.

    Whitespace becomes ``space`` (default: dropped); nulls become empty strings.
    """
    encoded = pc.dictionary_encode(pc.fill_null(pc.cast(values, pa.string()), ""))  # names repeat: work on each once
    text = pc.utf8_lower(encoded.dictionary)
    if not pc.all(pc.string_is_ascii(text)).as_py():
        for raw, ascii_ in TRANSLITERATE:
            text = pc.replace_substring(text, raw, ascii_)
        text = pc.utf8_normalize(text, form="NFKD")
    if space:
        text = pc.replace_substring_regex(text, r"\s+", space)
    return pc.replace_substring_regex(text, f"[^a-z0-9{re.escape(space)}]", "").take(encoded.indices)


def _name_parts(rng: np.random.Generator, size: int, params: EmailParams, related: Related) -> list[pa.Array]:
    if not params.from_:
        return [normalise(first_names(rng, size, params.locale)), normalise(last_names(rng, size, params.locale))]
    missing = [name for name in params.from_ if name not in related]
    if missing:
        raise ValueError(f"`from` names {', '.join(missing)}, which has no values here")
    if len(params.from_) == 1:  # one field such as a full name: its words joined by dots
        return [normalise(related[params.from_[0]], space=".")]
    return [normalise(related[name]) for name in params.from_]


def _local_part(rng: np.random.Generator, size: int, parts: list[pa.Array]) -> pa.Array:
    """Join name parts with '.', '_' or nothing, or as first initial + the rest ('jsmith')."""
    style = rng.integers(0, 4 if len(parts) > 1 else 3, size=size)
    initial = style == 3
    for part in parts[1:]:  # an initial alone ('j') is no name: only when the rest is there
        initial &= pc.utf8_length(part).to_numpy(zero_copy_only=False) > 0
    sep = pc.if_else(pa.array(initial), "", SEPARATORS.take(pa.array(np.minimum(style, 2))))
    first = pc.if_else(pa.array(initial), pc.utf8_slice_codeunits(parts[0], 0, 1), parts[0])
    local = pc.binary_join_element_wise(first, *parts[1:], sep)
    if len(parts) == 1 or any(pc.any(pc.equal(part, "")).as_py() for part in parts):
        local = pc.replace_substring_regex(local, r"([._])[._]+", r"\1")  # empty parts leave doubled separators
        local = pc.replace_substring_regex(local, r"^[._]+|[._]+$", "")
        local = pc.if_else(pc.equal(local, ""), "user", local)
    return local


def _tier_bijection(x: np.ndarray, width: int, key: int) -> np.ndarray:
    """A keyed bijection of [0, 10**width): affine steps mixed with per-digit substitutions."""
    mixer = np.random.default_rng([key, width])
    modulus = 10**width
    powers = 10 ** np.arange(width, dtype=np.int64)
    for _ in range(3):
        if width <= 9:  # keeps a * x inside int64
            a = int(mixer.integers(1, modulus // 10 + 1)) * 10 + int(mixer.choice([1, 3, 7, 9]))
            x = (x * (a % modulus)) % modulus
        x = (x + int(mixer.integers(0, modulus))) % modulus
        for p in powers:  # each digit through its own permutation of 0-9
            digit = (x // p) % 10
            x = x + (mixer.permutation(10)[digit] - digit) * p
    return x


def row_tags(index: np.ndarray, key: int) -> pa.Array:
    """A distinct decimal tag per global row index, as short as possible but never repeated in any chunk.

    Rows 0-9999 get 4 digits, the next 100000 get 5, and so on: a keyed bijection inside each width,
    so tags of different rows differ either in length or in value.
    """
    tags = np.zeros((index.size, 19), dtype=np.uint8)
    start, width = 0, FIRST_TAG_WIDTH
    while index.size and start <= int(index.max()):
        rows = np.flatnonzero((index >= start) & (index < start + 10**width))
        if rows.size:
            tags[rows, :width] = decimal_chars(_tier_bijection(index[rows] - start, width, key), width)
        start, width = start + 10**width, width + 1
    return ascii_strings(tags)


def _suffix(rng: np.random.Generator, size: int) -> pa.Array:
    """Digits some people add to their address: none (70%), 1-99 or a birth year."""
    kind = rng.random(size)
    number = np.where(kind < 0.85, rng.integers(1, 100, size=size), rng.integers(1950, 2008, size=size))
    return pc.if_else(pa.array(kind < 0.7), "", pc.cast(pa.array(number), pa.string()))


@generator("email", params=EmailParams, output=pa.string(), field_refs=("from_",), unique_by_construction=True)
def email(rng: np.random.Generator, size: int, params: EmailParams, related: Related) -> Any:
    """Email addresses at reserved example domains, built from the `from` fields if given; unique ones get a row tag."""
    local = _local_part(rng, size, _name_parts(rng, size, params, related))
    if related.unique:
        index = np.arange(related.row_start, related.row_start + size, dtype=np.int64)
        local = concat(local, ".", row_tags(index, related.field_seed))
    else:
        local = concat(local, _suffix(rng, size))
    domains = pa.array(params.domains, type=pa.string())
    return concat(local, "@", domains.take(pa.array(rng.integers(0, len(domains), size=size))))


# ---------------------------------------------------------------- phone

PhoneLocale = Literal["en_GB", "en_US", "de_DE", "fr_FR"]
PhoneFormat = Literal["national", "international", "e164", "mixed"]
FORMATS = ("national", "international", "e164")
MIXED_WEIGHTS = np.array([0.6, 0.3, 0.1])
COUNTRY_CODES = {"en_GB": "44", "en_US": "1", "de_DE": "49", "fr_FR": "33"}
# National significant number lengths, and mobile prefixes whose every continuation is a valid number.
NSN_LENGTH = {"en_GB": 10, "en_US": 10, "de_DE": 10, "fr_FR": 9}
UK_MOBILE_SECOND = {
    "1": "0123456789",
    "2": "0123456789",
    "3": "0123456789",
    "4": "012346789",
    "5": "13456789",
    "7": "1234567",
    "8": "01456789",
    "9": "02456789",
}
MOBILE_PREFIXES = {
    # Ofcom 07 blocks allocated to mobiles in full (not 076 pagers, nor partly allocated blocks such as 7452 or 7911)
    "en_GB": tuple(f"7{a}{b}" for a, bs in UK_MOBILE_SECOND.items() for b in bs),
    "de_DE": ("160", "162", "163", "170", "171", "172", "173", "174", "175", "176", "177", "178", "179"),
    "fr_FR": ("60", "61", "62", "64", "65", "66", "67", "68", "73", "74", "75", "76", "77", "78", "79"),
}
MOBILE_SHARE = 0.6


def _group(nsn_len: int, lead: int, locale: str) -> str:
    """Digit grouping of the national number after the trunk prefix, e.g. '#### ######'."""
    if locale == "en_US":
        return "###-###-####"
    if locale == "fr_FR":
        return "# ## ## ## ##"
    rest = nsn_len - lead
    tail = f"{'#' * (rest - 4)} ####" if locale == "en_GB" and lead < 4 else "#" * rest
    return f"{'#' * lead} {tail}"


def _templates(locale: str, lead: int) -> tuple[str, str, str]:
    """National, international and E.164 templates for numbers whose area/mobile code has ``lead`` digits."""
    grouped = _group(NSN_LENGTH[locale], lead, locale)
    trunk = "" if locale == "en_US" else "0"
    code = COUNTRY_CODES[locale]
    return trunk + grouped, f"+{code} {grouped}", f"+{code}{'#' * NSN_LENGTH[locale]}"


@cache
def _areas(locale: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Geographic codes as a padded ASCII matrix, their lengths, and allowed first subscriber digits."""
    lines = [line.split("|") for line in words(f"phone_areas.{locale}").to_pylist()]
    codes = [line[0] for line in lines]
    starts = [line[1] if len(line) > 1 else "23456789" for line in lines]
    width = NSN_LENGTH[locale]
    matrix = np.zeros((len(codes), width), dtype=np.uint8)
    allowed = np.zeros((len(codes), 10), dtype=np.uint8)
    for k, (code, first) in enumerate(zip(codes, starts, strict=True)):
        matrix[k, : len(code)] = np.frombuffer(code.encode("ascii"), dtype=np.uint8)
        allowed[k, : len(first)] = np.frombuffer(first.encode("ascii"), dtype=np.uint8)
    return matrix, np.array([len(c) for c in codes]), allowed, np.array([len(s) for s in starts])


def _prefixed(rng: np.random.Generator, size: int, codes: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Random national numbers that start with the given (padded) code per row."""
    nsn = random_digits(rng, size, codes.shape[1])
    return np.where(np.arange(codes.shape[1])[None, :] < lengths[:, None], codes, nsn).astype(np.uint8)


def _geographic(rng: np.random.Generator, size: int, locale: str) -> tuple[np.ndarray, np.ndarray]:
    codes, lengths, allowed, counts = _areas(locale)
    pick = rng.integers(0, len(codes), size=size)
    nsn = _prefixed(rng, size, codes[pick], lengths[pick])
    first = allowed[pick, (rng.random(size) * counts[pick]).astype(np.int64)]
    nsn[np.arange(size), lengths[pick]] = first
    if locale == "en_US":  # exchange NXX: 2-9, never N11 or 555
        exchanges = np.array([x for x in range(200, 1000) if x % 100 != 11 and x != 555])
        nsn[:, 3:6] = decimal_chars(exchanges[rng.integers(0, len(exchanges), size=size)], 3)
    return nsn, lengths[pick]


def _mobile(rng: np.random.Generator, size: int, locale: str) -> tuple[np.ndarray, np.ndarray]:
    prefixes = MOBILE_PREFIXES[locale]
    width = NSN_LENGTH[locale]
    codes = np.zeros((len(prefixes), width), dtype=np.uint8)
    for k, p in enumerate(prefixes):
        codes[k, : len(p)] = np.frombuffer(p.encode("ascii"), dtype=np.uint8)
    pick = rng.integers(0, len(prefixes), size=size)
    lengths = np.array([len(p) for p in prefixes])[pick]
    nsn = _prefixed(rng, size, codes[pick], lengths)
    if locale == "en_GB":  # grouped 07xxx xxxxxx
        lengths = np.full(size, 4)
    return nsn, lengths


class PhoneParams(GeneratorParams):
    locale: PhoneLocale = "en_US"
    format: PhoneFormat = "national"
    kind: Literal["any", "mobile", "landline"] = "any"


@generator("phone", params=PhoneParams, output=pa.string())
def phone(rng: np.random.Generator, size: int, params: PhoneParams, related: Related) -> Any:
    """Valid phone numbers: UK mobiles and geographic numbers, US NANP, German and French; national, +intl or E.164."""
    locale = params.locale
    share = {"any": MOBILE_SHARE, "mobile": 1.0, "landline": 0.0}[params.kind] if locale in MOBILE_PREFIXES else 0.0
    mobile = rng.random(size) < share
    nsn, lead = _geographic(rng, size, locale)
    if mobile.any():
        m_nsn, m_lead = _mobile(rng, int(mobile.sum()), locale)
        nsn[mobile], lead[mobile] = m_nsn, m_lead
    leads = sorted({int(x) for x in np.unique(lead)})
    templates = [t for n in leads for t in _templates(locale, n)]
    fmt = (
        np.searchsorted(np.cumsum(MIXED_WEIGHTS), rng.random(size), side="right").clip(0, 2)
        if params.format == "mixed"
        else np.full(size, FORMATS.index(params.format))
    )
    which = np.searchsorted(np.array(leads), lead) * 3 + fmt
    return render(templates, which, nsn)
