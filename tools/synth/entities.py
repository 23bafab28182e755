"""Value makers for the sensitive entities the generator registry has no exact match for, and the glue
that writes registry output in a column's own format mix (phone notations, IP shapes, usernames).

Every function takes an ``rng`` and a ``size`` and returns an arrow string array of that size; none
reads a production value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tools.generators.contact import COUNTRY_CODES
from tools.generators.identity import ascii_strings, decimal_chars, render
from tools.generators.people import first_names, last_names
from tools.synth.arrays import allocate, flags
from tools.synth.shapes import ShapeMix, shape_mix, signature, template

if TYPE_CHECKING:
    import pandas as pd

    from tools.synth.plan import ColumnPlan

PHONE_LOCALES = ("en_GB", "en_US", "de_DE", "fr_FR")
MCC = {"en_GB": "234", "en_US": "310", "de_DE": "262", "fr_FR": "208"}
MNC = {"en_GB": "15", "en_US": "260", "de_DE": "01", "fr_FR": "01"}
IBAN_COUNTRY = {"en_GB": "GB", "de_DE": "DE", "fr_FR": "FR", "en_US": "GB"}


def phone_locale(locale: str) -> str:
    return locale if locale in PHONE_LOCALES else "en_US"


def is_phone_shape(shape: str) -> bool:
    return bool(shape) and "9" in shape and all(ch in "9 +()-." for ch in shape)


def render_phones(e164: pa.Array, locale: str, mix: ShapeMix, rng: np.random.Generator) -> pa.Array:
    """E.164 numbers written in shapes drawn from ``mix``: a shape with as many digits as the national
    form (trunk + number) takes that, one with as many as the international form (country code +
    number) takes that; a ``+`` shape always takes the international form. Others stay E.164."""
    code = COUNTRY_CODES[phone_locale(locale)]
    trunk = "" if locale == "en_US" else "0"
    intl = pc.utf8_slice_codeunits(e164.cast(pa.string()), 1)
    nsn = pc.utf8_slice_codeunits(intl, len(code))
    national = pc.binary_join_element_wise(trunk, nsn, "") if trunk else nsn
    out = np.asarray(e164.to_numpy(zero_copy_only=False), dtype=object)
    if not mix:
        return pa.array(out, pa.string())
    choice = mix.pick(rng, len(e164))
    lengths = {
        "intl": np.asarray(pc.utf8_length(intl).to_numpy(zero_copy_only=False)),
        "national": np.asarray(pc.utf8_length(national).to_numpy(zero_copy_only=False)),
    }
    for k, shape in enumerate(mix.shapes):
        tmpl = template(shape)
        if tmpl is None:
            continue
        digits = len(signature(shape))
        for form, source in (("intl", intl), ("national", national)):
            if form == "national" and shape.startswith("+"):
                continue
            rows = np.flatnonzero((choice == k) & (lengths[form] == digits))
            if form == "intl" and not shape.startswith("+"):
                rows = rows[lengths["national"][rows] != digits]  # national wins when both fit
            if not len(rows):
                continue
            chars = np.frombuffer("".join(source.take(pa.array(rows)).to_pylist()).encode("ascii"), np.uint8)
            out[rows] = np.asarray(
                render([tmpl], None, chars.reshape(len(rows), digits)).to_numpy(zero_copy_only=False), dtype=object
            )
            choice[rows] = -1
    return pa.array(out, pa.string())


def is_ip_shape(shape: str) -> bool:
    parts = shape.split(".")
    return len(parts) == 4 and all(p and set(p) == {"9"} and len(p) <= 3 for p in parts)


def _octets(rng: np.random.Generator, widths: np.ndarray) -> np.ndarray:
    """Random octets with the given digit counts (1: 0-9, 2: 10-99, 3: 100-255)."""
    low = np.choose(widths - 1, [0, 10, 100])
    high = np.choose(widths - 1, [10, 100, 256])
    return (low + np.floor(rng.random(len(widths)) * (high - low))).astype(np.int64)


def ip_addresses(rng: np.random.Generator, size: int, mix: ShapeMix) -> pa.Array:
    """IPv4 addresses in ranges that reach no one (CGNAT 100.64/10, private 10/8, reserved 240/4), digit counts per
    octet following the column's top shapes where those ranges allow; the share of rarer shapes the
    profile did not list gets random octet widths."""
    shapes = mix.shapes if mix else ["99.99.99.99"]
    weights = mix.weights if mix else np.ones(1)
    widths = np.array([[len(p) for p in s.split(".")] for s in shapes], dtype=np.int64)
    pick = allocate(rng, size, weights)
    w = widths[pick]
    other = flags(rng, size, 1.0 - (mix.coverage if mix else 1.0))
    w[other] = rng.integers(1, 4, size=(int(other.sum()), 4))
    first_three = w[:, 0] == 3
    first = np.where(first_three, 100, 10)
    second = _octets(rng, w[:, 1])
    cgnat_second = np.where(w[:, 1] == 3, 100 + rng.integers(0, 28, size), 64 + rng.integers(0, 36, size))
    second = np.where(first_three & (w[:, 1] > 1), cgnat_second, second)
    first = np.where(first_three & (w[:, 1] == 1), 240, first)  # 240/4 is reserved: a one-digit second octet fits
    octets = [first, second, _octets(rng, w[:, 2]), _octets(rng, w[:, 3])]
    text = [pa.array(o.astype(str), pa.string()) for o in octets]
    return pc.binary_join_element_wise(*text, ".")


def luhn_digits(rng: np.random.Generator, size: int, prefix: str, width: int) -> pa.Array:
    """``width``-digit numbers starting with ``prefix`` whose last digit is the Luhn check digit."""
    body_len = width - 1
    digits = rng.integers(0, 10, size=(size, body_len), dtype=np.int64)
    for j, ch in enumerate(prefix[:body_len]):
        digits[:, j] = int(ch)
    doubled = digits.copy()
    positions = np.arange(body_len)
    double = (body_len - 1 - positions) % 2 == 0  # rightmost body digit is doubled
    doubled[:, double] = digits[:, double] * 2
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    check = (10 - doubled.sum(axis=1) % 10) % 10
    full = np.concatenate([digits, check[:, None]], axis=1)
    return ascii_strings((full + ord("0")).astype(np.uint8))


def imeis(rng: np.random.Generator, size: int) -> pa.Array:
    """15-digit IMEIs (reporting body 35, random TAC and serial, Luhn check digit)."""
    return luhn_digits(rng, size, "35", 15)


def imsis(rng: np.random.Generator, size: int, locale: str) -> pa.Array:
    """15-digit IMSIs: the locale's country (MCC) and a network code, then a random subscriber number."""
    head = MCC.get(locale, "001") + MNC.get(locale, "01")
    tail = ascii_strings(decimal_chars(rng.integers(0, 10 ** (15 - len(head)), size=size), 15 - len(head)))
    return pc.binary_join_element_wise(head, tail, "")


def digit_strings(rng: np.random.Generator, size: int, width: int) -> pa.Array:
    return ascii_strings(decimal_chars(rng.integers(0, 10**width, size=size, dtype=np.int64), width))


def usernames(rng: np.random.Generator, size: int, locale: str, mix: ShapeMix) -> pa.Array:
    """Logins in the column's shapes: each letter run becomes a lower-case name (first name, then
    surname), each digit run random digits, separators kept (``AAAAA_99`` -> ``james_42``)."""
    shapes = mix.shapes if mix else ["AAAAAA99"]
    weights = mix.weights if mix else np.ones(1)
    pick = allocate(rng, size, weights)
    out = np.empty(size, dtype=object)
    for k, shape in enumerate(shapes):
        rows = np.flatnonzero(pick == k)
        if not len(rows):
            continue
        parts: list[pa.Array | str] = []
        letter_runs = 0
        for run in _runs(shape):
            if run[0] == "A":
                source = first_names if letter_runs == 0 else last_names
                names = source(rng, len(rows), locale)
                parts.append(pc.utf8_lower(pc.replace_substring_regex(names, r"[^A-Za-z]", "")))
                letter_runs += 1
            elif run[0] == "9":
                parts.append(digit_strings(rng, len(rows), len(run)))
            else:
                parts.append(run)
        arrays = [p if isinstance(p, pa.Array) else pa.array([p] * len(rows), pa.string()) for p in parts]
        joined = pc.binary_join_element_wise(*arrays, "") if len(arrays) > 1 else arrays[0]
        out[rows] = np.asarray(joined.to_numpy(zero_copy_only=False), dtype=object)
    return pa.array(out, pa.string())


def _runs(shape: str) -> list[str]:
    runs: list[str] = []
    for ch in shape:
        cls = ch if ch in "A9" else "-"
        if runs and (runs[-1][0] if runs[-1][0] in "A9" else "-") == cls:
            runs[-1] += ch
        else:
            runs.append(ch)
    return runs


# ---------------------------------------------------------------- whose name a column holds

# Words that make a person column someone else's than the row's own person (patient, customer,
# holder): staff who deal with them, relatives and contacts, counterparties. Synonyms map to one role,
# so next_of_kin_name and nok_phone are the same person.
OTHER_PERSON_WORDS: dict[str, str] = {
    **{w: "kin" for w in ("kin", "nok", "relative", "relation")},
    **{w: w for w in ("spouse", "partner", "husband", "wife", "guardian", "parent", "mother", "father", "sibling")},
    **{w: "emergency" for w in ("emergency", "ice")},
    **{w: w for w in ("clinician", "doctor", "physician", "consultant", "surgeon", "nurse", "practitioner")},
    **{w: w for w in ("midwife", "therapist", "carer", "caregiver", "gp", "dentist", "pharmacist", "referrer")},
    **{w: w for w in ("attending", "referring", "prescriber", "manager", "agent", "adviser", "advisor", "rep")},
    **{w: w for w in ("representative", "salesperson", "officer", "approver", "witness", "sponsor", "broker")},
    **{w: w for w in ("payee", "beneficiary", "recipient", "counterparty", "introducer", "employer")},
}  # fmt: skip
QUALIFIERS = frozenset({"attending", "referring"})
NAME_PARTS = frozenset({"first_name", "last_name", "person_name"})


def column_tokens(column: str) -> list[str]:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", column)
    return [t for t in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if t]


def person_role(column: str) -> str:
    """'' when the column is about the row's own person, else the other person's role: the attending
    clinician, the next of kin, an account manager ('clinician', 'kin', 'manager'); a role noun wins
    over a qualifier ('attending', 'referring') when the name has both."""
    tokens = [t for t in column_tokens(column) if t in OTHER_PERSON_WORDS]
    nouns = [t for t in tokens if t not in QUALIFIERS]
    return OTHER_PERSON_WORDS[(nouns or tokens)[0]] if tokens else ""


def context_key(entity: str, column: str) -> str:
    """Where a column's values are kept for the other columns of its row: the row's own person's names
    under the entity ('first_name'), another person's under their role ('kin:first_name')."""
    role = person_role(column)
    return f"{role}:{entity}" if role else entity


TITLES = ("dr", "mr", "mrs", "ms", "miss", "mx", "prof", "sir", "rev", "lady", "lord", "dame")
_TITLE_RE = r"^(?:(?:" + "|".join(TITLES) + r")\.?\s+)+"
_WORD_FIRST = r"^\s*(?P<w>\S+)"
_WORD_LAST = r"(?P<w>\S+)\s*$"
PAIR_SEP = "\x1f"


def _lower(values: pa.Array) -> pa.Array:
    text = pc.utf8_trim_whitespace(values.cast(pa.large_string()))
    if pc.all(pc.string_is_ascii(text)).as_py() is False:
        text = pc.utf8_normalize(text, "NFKC")
    return pc.utf8_lower(text)


def _word(text: pa.Array, pattern: str) -> pa.Array:
    found = pc.struct_field(pc.extract_regex(text, pattern), "w")
    return pc.replace_substring_regex(found, r"[^\p{L}]", "")


def name_pairs(first: pa.Array, last: pa.Array) -> pa.Array:
    """'first<US>last' per row from a first-name and a surname column: the given name's first word and
    the surname's last word, lower case, letters only; null where either is missing or the given name
    is an initial (an initial and a surname are no person's pair)."""
    return _join(_word(_lower(first), _WORD_FIRST), _word(_lower(last), _WORD_LAST))


def split_full_names(full: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(given name, surname) words of full names, lower case, letters only: titles dropped, 'Last,
    First' read as such ('Dr H. Tanaka' -> 'h', 'tanaka'; 'Williams, Jack' -> 'jack', 'williams')."""
    text = pc.replace_substring_regex(_lower(full), _TITLE_RE, "")
    comma = pc.fill_null(pc.match_substring(text, ","), False)
    flipped = pc.extract_regex(text, r"^(?P<last>[^,]*\S)\s*,\s*(?P<first>\S+)")
    first = pc.if_else(
        comma, pc.struct_field(flipped, "first"), pc.struct_field(pc.extract_regex(text, _WORD_FIRST), "w")
    )
    last_text = pc.if_else(comma, pc.struct_field(flipped, "last"), text)
    last = pc.struct_field(pc.extract_regex(last_text, _WORD_LAST), "w")
    letters = r"[^\p{L}]"
    return pc.replace_substring_regex(first, letters, ""), pc.replace_substring_regex(last, letters, "")


def full_name_pairs(full: pa.Array) -> pa.Array:
    """The same pairs as :func:`name_pairs` from one full-name column (see :func:`split_full_names`)."""
    return _join(*split_full_names(full))


def _join(first: pa.Array, last: pa.Array) -> pa.Array:
    ok = pc.and_(pc.greater_equal(pc.utf8_length(first), 2), pc.greater_equal(pc.utf8_length(last), 2))
    joined = pc.binary_join_element_wise(first, last, pa.scalar(PAIR_SEP, first.type))
    return pc.if_else(pc.fill_null(ok, False), joined, pa.scalar(None, joined.type))


@dataclass(frozen=True)
class NameGroup:
    """The name columns of one person in a table: a first-name and a surname column, full-name columns."""

    role: str
    first: str | None
    last: str | None
    full: tuple[str, ...]


def name_groups(columns: list[tuple[str, str | None]]) -> list[NameGroup]:
    """(column, entity) pairs grouped by whose name they hold (the row's own person first)."""
    groups: dict[str, dict[str, list[str]]] = {}
    for column, entity in columns:
        if entity in NAME_PARTS:
            groups.setdefault(person_role(column), {}).setdefault(entity, []).append(column)
    out = []
    for role in sorted(groups):
        parts = groups[role]
        first, last = parts.get("first_name", [None])[0], parts.get("last_name", [None])[0]
        out.append(NameGroup(role, first, last, tuple(parts.get("person_name", []))))
    return out


PLATE_COUNTRY = {"en_GB": "GB", "en_US": "US", "de_DE": "DE", "nl_NL": "NL", "fr_FR": "FR", "es_ES": "ES"}


def vehicle_registrations(
    plan: ColumnPlan, raw: pd.Series, size: int, rng: np.random.Generator, locale: str, context: dict[str, np.ndarray]
) -> tuple[pa.Array, str]:
    """Plates of the classifier's country (``plan.locale``, not the generators' narrower one) in the column's
    own shapes at their shares; a plate equal to one of the sample's (spaces, hyphens and case aside) is
    drawn again."""
    from tools.generators.registry import Related
    from tools.generators.vehicle import VehicleRegistrationParams, vehicle_registration
    from tools.synth.keys import stripped_values

    country = PLATE_COUNTRY.get(plan.locale, "GB")
    mix = shape_mix(plan.profile, lambda s: s.isascii() and "A" in s and "9" in s and not s.endswith("…"))
    params = VehicleRegistrationParams(country=country, shapes=mix.shapes, weights=list(mix.weights) if mix else None)
    made = np.asarray(vehicle_registration(rng, size, params, Related()).to_pylist(), dtype=object)
    seen = set(stripped_values(raw).str.upper().str.replace(r"[\s-]", "", regex=True))
    for _ in range(10):
        again = np.flatnonzero([v.upper().replace(" ", "").replace("-", "") in seen for v in made])
        if not again.size:
            break
        made[again] = vehicle_registration(rng, again.size, params, Related()).to_pylist()
    shapes = ", ".join(mix.shapes[:3]) if mix else "the usual form"
    return pa.array(made.tolist(), pa.string()), f"{country} vehicle registrations in {shapes}"
