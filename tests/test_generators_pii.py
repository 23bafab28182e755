"""Property tests for the people, contact, address, finance, identity and text generators.

Every check digit is verified by an independent plain-Python implementation written here, phone numbers
by the `phonenumbers` package, and generators are called through the engine's `generate_field`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import numpy as np
import phonenumbers
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tests.gazetteer_support import read_gazetteer
from tools.engine.fieldgen import generate_field
from tools.generators.contact import row_tags
from tools.generators.finance import mod97
from tools.generators.registry import Related
from tools.generators.vector import words

seeds = st.integers(min_value=0, max_value=2**63 - 1)
sizes = st.integers(min_value=1, max_value=2000)
PROPERTY = settings(max_examples=30, deadline=None)


def gen(spec: dict[str, Any], seed: int, size: int, **related: Any) -> list[Any]:
    return generate_field("f", spec, np.random.default_rng(seed), size, Related(**related)).to_pylist()


def word_list(name: str, column: int = 0) -> set[str]:
    return {line.split("|")[column] for line in words(name).to_pylist()}


# ---------------------------------------------------------------- independent checkers


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_brand(number: str) -> str | None:
    """The brand whose IIN range and length the number fits, or None."""
    if number.startswith("4") and len(number) == 16:
        return "visa"
    if len(number) == 16 and (51 <= int(number[:2]) <= 55 or 2221 <= int(number[:4]) <= 2720):
        return "mastercard"
    if number[:2] in ("34", "37") and len(number) == 15:
        return "amex"
    if len(number) == 16 and (number.startswith(("6011", "65")) or 644 <= int(number[:3]) <= 649):
        return "discover"
    return None


def iban_mod97_ok(iban: str) -> bool:
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


IBAN_SHAPES = {
    "GB": r"GB\d\d[A-Z]{4}\d{14}",
    "IE": r"IE\d\d[A-Z]{4}\d{14}",
    "DE": r"DE\d{20}",
    "FR": r"FR\d{25}",
    "ES": r"ES\d{22}",
    "NL": r"NL\d\d[A-Z]{4}\d{10}",
    "IT": r"IT\d\d[A-Z]\d{22}",
    "BE": r"BE\d{14}",
    "PT": r"PT\d{23}",
    "AT": r"AT\d{18}",
    "CH": r"CH\d{19}",
    "LU": r"LU\d{18}",
    "PL": r"PL\d{26}",
    "SE": r"SE\d{22}",
    "DK": r"DK\d{16}",
}
IBAN_LENGTHS = {
    "GB": 22, "IE": 22, "DE": 22, "FR": 27, "ES": 24, "NL": 18, "IT": 27, "BE": 16,
    "PT": 25, "AT": 20, "CH": 21, "LU": 20, "PL": 28, "SE": 24, "DK": 18,
}  # fmt: skip


def national_check_ok(country: str, bban: str) -> bool:
    """Check digits inside the BBAN for the countries that have them (True elsewhere)."""
    if country == "FR":
        bank, branch, account, key = int(bban[:5]), int(bban[5:10]), int(bban[10:21]), int(bban[21:])
        return (89 * bank + 15 * branch + 3 * account + key) % 97 == 0
    if country == "ES":

        def dc(digits: str) -> int:
            weights = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6]
            d = 11 - sum(int(c) * w for c, w in zip(digits.rjust(10, "0"), weights, strict=True)) % 11
            return {11: 0, 10: 1}.get(d, d)

        return bban[8:10] == f"{dc(bban[:8])}{dc(bban[10:])}"
    if country == "IT":
        odd = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21]
        body = bban[1:]
        total = sum(odd[int(c)] if i % 2 == 0 else int(c) for i, c in enumerate(body))
        return bban[0] == chr(ord("A") + total % 26)
    if country == "BE":
        rest = int(bban[:10]) % 97
        return int(bban[10:]) == (rest or 97)
    if country == "PT":
        return int(bban) % 97 == 1
    if country == "PL":
        weights = [3, 9, 7, 1, 3, 9, 7]
        return (sum(int(c) * w for c, w in zip(bban[:7], weights, strict=True)) + int(bban[7])) % 10 == 0
    return True


# Royal Mail rules per position (A9 9AA, A99 9AA, AA9 9AA, AA99 9AA, A9A 9AA, AA9A 9AA).
UK_POSTCODE = re.compile(
    r"^(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]) [0-9][ABD-HJLNP-UW-Z]{2}$"
)
UK_AREAS = {  # the 121 postcode areas of the UK (Royal Mail)
    "AB", "AL", "B", "BA", "BB", "BD", "BH", "BL", "BN", "BR", "BS", "BT", "CA", "CB", "CF", "CH", "CM", "CO", "CR",
    "CT", "CV", "CW", "DA", "DD", "DE", "DG", "DH", "DL", "DN", "DT", "DY", "E", "EC", "EH", "EN", "EX", "FK", "FY",
    "G", "GL", "GU", "HA", "HD", "HG", "HP", "HR", "HS", "HU", "HX", "IG", "IP", "IV", "KA", "KT", "KW", "KY", "L",
    "LA", "LD", "LE", "LL", "LN", "LS", "LU", "M", "ME", "MK", "ML", "N", "NE", "NG", "NN", "NP", "NR", "NW", "OL",
    "OX", "PA", "PE", "PH", "PL", "PO", "PR", "RG", "RH", "RM", "S", "SA", "SE", "SG", "SK", "SL", "SM", "SN", "SO",
    "SP", "SR", "SS", "ST", "SW", "SY", "TA", "TD", "TF", "TN", "TQ", "TR", "TS", "TW", "UB", "W", "WA", "WC", "WD",
    "WF", "WN", "WR", "WS", "WV", "YO", "ZE",
}  # fmt: skip
UK_FORMATS = {
    "A9": r"[A-Z]\d",
    "A99": r"[A-Z]\d\d",
    "AA9": r"[A-Z]{2}\d",
    "AA99": r"[A-Z]{2}\d\d",
    "A9A": r"[A-Z]\d[A-Z]",
    "AA9A": r"[A-Z]{2}\d[A-Z]",
}


def uk_area(postcode: str) -> str:
    return re.match(r"[A-Z]+", postcode).group(0)  # type: ignore[union-attr]


def nhs_ok(number: str) -> bool:
    total = sum(int(d) * w for d, w in zip(number[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(number[9])


def nino_prefix_ok(prefix: str) -> bool:
    return (
        prefix[0] not in "DFIQUV"
        and prefix[1] not in "DFIOQUV"
        and prefix not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
    )


def ssn_ok(ssn: str) -> bool:
    area, group, serial = ssn.split("-")
    return area not in ("000", "666") and not area.startswith("9") and group != "00" and serial != "0000"


TRANSLIT = {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"}


def norm(name: str) -> str:
    text = name.lower()
    for raw, ascii_ in TRANSLIT.items():
        text = text.replace(raw, ascii_)
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKD", text))


EMAIL = re.compile(r"^[a-z0-9]+(?:[._][a-z0-9]+)*@[a-z0-9-]+(?:\.[a-z0-9-]+)+$")

# ---------------------------------------------------------------- finance


@PROPERTY
@given(
    seed=seeds,
    size=sizes,
    brands=st.lists(st.sampled_from(["visa", "mastercard", "amex", "discover"]), min_size=1, max_size=4, unique=True),
)
def test_cards_pass_luhn_with_their_brands_prefix_and_length(seed: int, size: int, brands: list[str]) -> None:
    cards = gen({"type": "credit_card", "brands": brands}, seed, size)
    assert len(cards) == size
    for card in cards:
        assert card.isdigit() and luhn_ok(card), card
        assert card_brand(card) in brands, card


@PROPERTY
@given(seed=seeds, size=sizes)
def test_spaced_cards_group_like_the_card(seed: int, size: int) -> None:
    plain = gen({"type": "credit_card"}, seed, size)
    spaced = gen({"type": "credit_card", "spaced": True}, seed, size)
    for p, s in zip(plain, spaced, strict=True):
        assert s.replace(" ", "") == p
        assert [len(g) for g in s.split(" ")] == ([4, 6, 5] if len(p) == 15 else [4, 4, 4, 4])


def test_cards_use_every_brand_and_iin_range() -> None:
    cards = gen({"type": "credit_card"}, 7, 20_000)
    brands = {card_brand(c) for c in cards}
    assert brands == {"visa", "mastercard", "amex", "discover"}
    assert any(c.startswith("2") for c in cards) and any(c.startswith("37") for c in cards)
    assert any(c.startswith("6011") for c in cards) and any(c[:3] in ("644", "649") for c in cards)
    visa = sum(card_brand(c) == "visa" for c in cards) / len(cards)
    assert 0.45 < visa < 0.6


def test_luhn_checker_rejects_a_changed_digit() -> None:
    card = gen({"type": "credit_card"}, 1, 1)[0]
    broken = card[:-1] + str((int(card[-1]) + 1) % 10)
    assert luhn_ok(card) and not luhn_ok(broken)


@PROPERTY
@given(seed=seeds, size=sizes, country=st.sampled_from(sorted(IBAN_LENGTHS)))
def test_ibans_pass_mod97_with_the_country_layout(seed: int, size: int, country: str) -> None:
    ibans = gen({"type": "iban", "country": country}, seed, size)
    shape = re.compile(f"^{IBAN_SHAPES[country]}$")
    for iban in ibans:
        assert len(iban) == IBAN_LENGTHS[country] and shape.match(iban), iban
        assert iban_mod97_ok(iban), iban
        assert national_check_ok(country, iban[4:]), iban


@pytest.mark.parametrize("country", sorted(IBAN_LENGTHS))
def test_ibans_in_bulk_for_every_country(country: str) -> None:
    ibans = gen({"type": "iban", "country": country}, 17, 5000)
    assert all(len(i) == IBAN_LENGTHS[country] and iban_mod97_ok(i) for i in ibans)
    assert all(national_check_ok(country, i[4:]) for i in ibans)
    assert len(set(ibans)) > 4990


def test_iban_checkers_accept_published_examples_and_reject_changes() -> None:
    examples = {
        "GB": "GB82WEST12345698765432",
        "FR": "FR7630006000011234567890189",
        "ES": "ES9121000418450200051332",
        "IT": "IT60X0542811101000000123456",
        "BE": "BE68539007547034",
        "PT": "PT50000201231234567890154",
        "PL": "PL61109010140000071219812874",
    }
    for country, iban in examples.items():
        assert iban_mod97_ok(iban) and national_check_ok(country, iban[4:]), iban
        assert not iban_mod97_ok(iban[:-1] + str((int(iban[-1]) + 1) % 10))


@PROPERTY
@given(
    rows=st.integers(1, 40).flatmap(
        lambda width: st.lists(
            st.text("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=width, max_size=width), min_size=1
        )
    ),
    columnar=st.booleans(),
)
def test_mod97_matches_big_integer_arithmetic(rows: list[str], columnar: bool) -> None:
    if columnar:  # the same letter/digit layout in every row, as in real BBANs
        rows = [rows[0]] * len(rows)
    matrix = np.array([np.frombuffer(r.encode(), dtype=np.uint8) for r in rows])
    expected = [int("".join(str(int(ch, 36)) for ch in r)) % 97 for r in rows]
    assert mod97(matrix).tolist() == expected


def test_mod97_in_bulk_on_long_rows() -> None:
    rng = np.random.default_rng(97)
    digits = rng.integers(ord("0"), ord("9") + 1, size=(5000, 40), dtype=np.uint8)
    digits[:, 5:8] = rng.integers(ord("A"), ord("Z") + 1, size=(1, 3), dtype=np.uint8)  # one letter layout for all
    expected = [int("".join(str(int(chr(c), 36)) for c in row)) % 97 for row in digits]
    assert mod97(digits).tolist() == expected


def test_spaced_iban_is_grouped_in_fours() -> None:
    plain = gen({"type": "iban", "country": "FR"}, 4, 50)
    spaced = gen({"type": "iban", "country": "FR", "spaced": True}, 4, 50)
    for p, s in zip(plain, spaced, strict=True):
        assert s.replace(" ", "") == p and all(len(g) == 4 for g in s.split(" ")[:-1])


# ---------------------------------------------------------------- identity


@PROPERTY
@given(seed=seeds, size=sizes)
def test_ssns_obey_ssa_rules(seed: int, size: int) -> None:
    for value in gen({"type": "ssn"}, seed, size):
        assert re.fullmatch(r"\d{3}-\d{2}-\d{4}", value) and ssn_ok(value), value


def test_ssn_areas_span_the_allowed_range() -> None:
    areas = {int(v[:3]) for v in gen({"type": "ssn"}, 3, 50_000)}
    assert min(areas) == 1 and max(areas) == 899 and 666 not in areas and 665 in areas and 667 in areas
    assert all(len(v) == 9 and v.isdigit() for v in gen({"type": "ssn", "dashes": False}, 3, 100))


@PROPERTY
@given(seed=seeds, size=sizes)
def test_national_insurance_numbers_follow_hmrc_rules(seed: int, size: int) -> None:
    for value in gen({"type": "national_id", "country": "GB"}, seed, size):
        assert re.fullmatch(r"[A-Z]{2}\d{6}[A-D]", value), value
        assert nino_prefix_ok(value[:2]), value


def test_national_id_variants() -> None:
    prefixes = {v[:2] for v in gen({"type": "national_id"}, 5, 60_000)}
    assert len(prefixes) > 300 and all(nino_prefix_ok(p) for p in prefixes)
    spaced = gen({"type": "national_id", "separators": True}, 5, 20)
    assert all(re.fullmatch(r"[A-Z]{2} \d\d \d\d \d\d [A-D]", v) for v in spaced)
    us = gen({"type": "national_id", "country": "US"}, 5, 200)
    assert all(re.fullmatch(r"\d{3}-\d{2}-\d{4}", v) and ssn_ok(v) for v in us)


@PROPERTY
@given(seed=seeds, size=sizes, test_range=st.booleans())
def test_nhs_numbers_have_valid_mod11_check_digits(seed: int, size: int, test_range: bool) -> None:
    for value in gen({"type": "nhs_number", "test_range": test_range}, seed, size):
        assert len(value) == 10 and value.isdigit() and nhs_ok(value), value
        assert value.startswith("999") if test_range else value[0] in "4567"


def test_nhs_checker_rejects_a_wrong_check_digit() -> None:
    value = gen({"type": "nhs_number", "spaced": True}, 2, 1)[0]
    assert re.fullmatch(r"\d{3} \d{3} \d{4}", value)
    digits = value.replace(" ", "")
    assert nhs_ok(digits) and not nhs_ok(digits[:-1] + str((int(digits[-1]) + 1) % 10))


# ---------------------------------------------------------------- addresses


@PROPERTY
@given(seed=seeds, size=sizes)
def test_uk_postcodes_match_the_official_pattern_and_areas(seed: int, size: int) -> None:
    for value in gen({"type": "postcode", "locale": "en_GB"}, seed, size):
        assert UK_POSTCODE.match(value), value
        assert uk_area(value) in UK_AREAS, value


def test_uk_postcodes_use_all_six_formats() -> None:
    outward = {v.split(" ")[0] for v in gen({"type": "postcode", "locale": "en_GB"}, 11, 100_000)}
    for name, shape in UK_FORMATS.items():
        assert any(re.fullmatch(shape, o) for o in outward), name


def test_gazetteer_districts_are_real_and_towns_cover_the_town_list() -> None:
    """Every UK district of the gazetteer is a district of its postcode area; every town the town list
    draws has districts; every US prefix is three digits of a real state."""
    areas = {line.split("|")[0]: line.split("|")[1] for line in words("postcode_areas.en_GB").to_pylist()}
    uk = read_gazetteer("en_GB")
    assert len(uk) >= 2000 and len({t for v in uk.values() for t, _, _ in v}) >= 900
    for district in uk:
        area = re.match(r"[A-Z]+", district).group(0)  # type: ignore[union-attr]
        number = district[len(area) :]
        allowed = set()
        for token in areas[area].split(","):
            low, _, high = token.partition("-")
            allowed |= {str(n) for n in range(int(low), int(high) + 1)} if high else {token}
        assert number in allowed, district
    regions = {r for v in uk.values() for _, _, r in v}
    assert regions == {"North East", "North West", "Yorkshire and the Humber", "East Midlands", "West Midlands",
                       "East of England", "London", "South East", "South West", "Wales", "Scotland",
                       "Northern Ireland"}  # fmt: skip
    named = {t for v in uk.values() for t, _, _ in v}
    assert not set(word_list("cities.en_GB")) - named
    us = read_gazetteer("en_US")
    assert all(re.fullmatch(r"\d{3}", z) for z in us) and len({c for v in us.values() for c, _, _ in v}) >= 150


@PROPERTY
@given(seed=seeds, size=sizes)
def test_uk_addresses_put_the_postcode_in_one_of_the_towns_districts(seed: int, size: int) -> None:
    uk = read_gazetteer("en_GB")
    for value in gen({"type": "address", "locale": "en_GB"}, seed, size):
        street, town, code = value.rsplit(", ", 2)
        assert re.fullmatch(r"\d+ .+ \w+", street), value
        assert UK_POSTCODE.match(code), value
        assert town in {t for t, _, _ in uk[code.split(" ")[0]]}, value


@PROPERTY
@given(seed=seeds, size=sizes, zip4=st.booleans())
def test_us_zip_codes_and_addresses(seed: int, size: int, zip4: bool) -> None:
    codes = gen({"type": "postcode", "locale": "en_US", "zip4": zip4}, seed, size)
    assert all(re.fullmatch(r"\d{5}-\d{4}" if zip4 else r"\d{5}", c) for c in codes)
    us = read_gazetteer("en_US")
    for value in gen({"type": "address", "locale": "en_US"}, seed, size):
        m = re.fullmatch(r"\d+ [A-Za-z .]+(?: Apt \d+)?, ([A-Za-z .]+), ([A-Z]{2}) (\d{5})", value)
        assert m, value
        assert (m.group(1), m.group(2)) in {(c, st) for c, st, _ in us[m.group(3)[:3]]}, value


@pytest.mark.parametrize("locale", ["de_DE", "fr_FR"])
def test_continental_addresses(locale: str) -> None:
    towns = word_list(f"cities.{locale}")
    prefixes = {line.split("|")[0]: line.split("|")[1] for line in words(f"cities.{locale}").to_pylist()}
    for value in gen({"type": "address", "locale": locale}, 9, 3000):
        street, rest = value.split(", ", 1)
        code, town = rest.split(" ", 1)
        assert town in towns and re.fullmatch(r"\d{5}", code) and code.startswith(prefixes[town]), value
        assert re.fullmatch(r".+ \d+" if locale == "de_DE" else r"\d+ .+", street), value
    assert all(re.fullmatch(r"\d{5}", c) for c in gen({"type": "postcode", "locale": locale}, 9, 500))


@pytest.mark.parametrize("locale", ["en_GB", "en_US", "de_DE", "fr_FR"])
def test_streets_cities_and_companies(locale: str) -> None:
    cities = gen({"type": "city", "locale": locale}, 1, 5000)
    assert set(cities) <= word_list(f"cities.{locale}") and len(set(cities)) > 50
    streets = gen({"type": "street", "locale": locale}, 1, 2000)
    assert all(re.search(r"\b\d{1,5}\b", s) and len(s.split()) >= 2 for s in streets)
    companies = gen({"type": "company", "locale": locale}, 1, 2000)
    assert all(c and c == c.strip() and "  " not in c for c in companies)
    assert len(set(companies)) > 1500


def test_countries_names_and_codes() -> None:
    names = gen({"type": "country"}, 1, 3000)
    codes = gen({"type": "country", "code": True}, 1, 3000)
    assert set(names) <= word_list("countries", 1) and "United Kingdom" in names
    assert all(re.fullmatch(r"[A-Z]{2}", c) for c in codes) and len(set(codes)) > 150


def test_address_params_are_checked() -> None:
    with pytest.raises(ValidationError):
        gen({"type": "postcode", "locale": "en_GB", "zip4": True}, 1, 1)
    with pytest.raises(ValidationError):
        gen({"type": "city", "locale": "en_UK"}, 1, 1)
    with pytest.raises(ValidationError):
        gen({"type": "street", "colour": "red"}, 1, 1)


# ---------------------------------------------------------------- people


@pytest.mark.parametrize(
    ("locale", "lists"), [("en_US", "en_US"), ("en_GB", "en_GB"), ("de_DE", "de"), ("fr_FR", "fr"), ("fr_BE", "fr")]
)
def test_names_come_from_the_locale_lists(locale: str, lists: str) -> None:
    female, male = word_list(f"first_names_female.{lists}"), word_list(f"first_names_male.{lists}")
    surnames = word_list(f"last_names.{lists}")
    firsts = gen({"type": "first_name", "locale": locale}, 2, 5000)
    assert set(firsts) <= female | male and set(firsts) & female and set(firsts) & male
    assert set(gen({"type": "first_name", "locale": locale, "gender": "female"}, 2, 2000)) <= female
    assert set(gen({"type": "last_name", "locale": locale}, 2, 2000)) <= surnames
    for name in gen({"type": "full_name", "locale": locale}, 2, 2000):
        first, last = name.split(" ", 1)
        assert first in female | male and last in surnames, name


def test_names_favour_common_ones() -> None:
    counts = np.unique(gen({"type": "last_name", "locale": "en_GB"}, 3, 50_000), return_counts=True)
    share = dict(zip(counts[0], counts[1] / 50_000, strict=True))
    assert share["Smith"] > 3 * share.get("Tattersall", 0.0) and len(share) > 350


def test_full_name_from_related_fields() -> None:
    related = {"columns": {"a": pa.array(["Jane", None, "Ann", None]), "b": pa.array(["Smith", "Doe", None, None])}}
    assert gen({"type": "full_name", "from": ["a", "b"]}, 1, 4, **related) == ["Jane Smith", "Doe", "Ann", None]
    three = {"columns": {"a": pa.array(["Mary", None]), "b": pa.array([None, None]), "c": pa.array(["Ng", "Li"])}}
    assert gen({"type": "full_name", "from": ["a", "b", "c"]}, 1, 2, **three) == ["Mary Ng", "Li"]


# ---------------------------------------------------------------- email


@PROPERTY
@given(seed=seeds, size=sizes, locale=st.sampled_from(["en_US", "en_GB", "de_DE", "fr_FR"]))
def test_emails_are_well_formed_and_at_reserved_domains(seed: int, size: int, locale: str) -> None:
    for value in gen({"type": "email", "locale": locale}, seed, size):
        assert EMAIL.match(value), value
        assert value.split("@")[1] in ("example.com", "example.org", "example.net")


def _names(locale: str, seed: int, size: int) -> tuple[pa.Array, pa.Array]:
    rng = np.random.default_rng(seed)
    return (
        generate_field("first", {"type": "first_name", "locale": locale}, rng, size),
        generate_field("last", {"type": "last_name", "locale": locale}, rng, size),
    )


@PROPERTY
@given(seed=seeds, size=sizes, locale=st.sampled_from(["en_US", "de_DE", "fr_FR"]), unique=st.booleans())
def test_emails_from_names_contain_the_normalised_names(seed: int, size: int, locale: str, unique: bool) -> None:
    first, last = _names(locale, seed, size)
    related = {"columns": {"first": first, "last": last}, "unique": unique, "field_seed": seed}
    values = gen({"type": "email", "from": ["first", "last"], "domains": ["corp.test"]}, seed, size, **related)
    tail = r"\.\d{4,}" if unique else r"\d{0,4}"
    for value, f, s in zip(values, first.to_pylist(), last.to_pylist(), strict=True):
        assert EMAIL.match(value) and value.endswith("@corp.test"), value
        nf, nl = norm(f), norm(s)
        local = value.split("@")[0]
        assert re.fullmatch(rf"(?:{nf}[._]?|{nf[0]}){nl}{tail}", local), (value, f, s)


@PROPERTY
@given(
    seed=seeds,
    size=sizes,
    start=st.one_of(st.integers(0, 10**7), st.sampled_from([0, 9_000, 9_999, 109_000, 1_109_990])),
)
def test_unique_emails_are_distinct_across_chunks(seed: int, size: int, start: int) -> None:
    names = ["Ann", "Bob"]
    columns = {"first": pa.array([names[i % 2] for i in range(size)]), "last": pa.array(["Lee"] * size)}
    spec = {"type": "email", "from": ["first", "last"], "domains": ["x.test"]}
    one = gen(spec, seed, size, columns=columns, row_start=start, unique=True, field_seed=seed)
    two = gen(spec, seed + 1, size, columns=columns, row_start=start + size, unique=True, field_seed=seed)
    both = one + two
    assert len(set(both)) == len(both)


def test_row_tags_are_a_bijection_per_width() -> None:
    four = row_tags(np.arange(0, 10_000), key=5).to_pylist()
    assert sorted(four) == [f"{i:04d}" for i in range(10_000)]
    assert four[:5] != [f"{i:04d}" for i in range(5)]  # scrambled, not a counter
    five = row_tags(np.arange(10_000, 110_000), key=5).to_pylist()
    assert len(set(five)) == 100_000 and all(len(t) == 5 for t in five)
    assert row_tags(np.arange(0, 50), key=6).to_pylist() != row_tags(np.arange(0, 50), key=5).to_pylist()


def test_email_from_a_single_full_name_field() -> None:
    related = {"columns": {"name": pa.array(["Zoë de la Cruz", "Jürgen Groß"])}}
    values = gen({"type": "email", "from": ["name"]}, 1, 2, **related)
    assert re.fullmatch(r"zoe[._]?de[._]?la[._]?cruz\d{0,4}@example\.(com|org|net)", values[0]), values
    assert re.fullmatch(r"jurgen[._]?gross\d{0,4}@example\.(com|org|net)", values[1]), values


def test_email_from_a_missing_field_is_an_error() -> None:
    with pytest.raises(Exception, match="nope"):
        gen({"type": "email", "from": ["nope"]}, 1, 3)
    with pytest.raises(ValidationError):
        gen({"type": "email", "domains": ["Not A Domain"]}, 1, 3)


# ---------------------------------------------------------------- phone

REGIONS = {"en_GB": "GB", "en_US": "US", "de_DE": "DE", "fr_FR": "FR"}
PHONE_SHAPES = {
    ("en_GB", "national"): r"0\d{2,4} \d{3,4} ?\d{4}|0\d{4} \d{6}",
    ("en_US", "national"): r"[2-9]\d\d-[2-9]\d\d-\d{4}",
    ("de_DE", "national"): r"0\d{2,3} \d{7,8}",
    ("fr_FR", "national"): r"0\d( \d\d){4}",
}


@PROPERTY
@given(
    seed=seeds,
    size=st.integers(1, 500),
    locale=st.sampled_from(sorted(REGIONS)),
    fmt=st.sampled_from(["national", "international", "e164", "mixed"]),
    kind=st.sampled_from(["any", "mobile", "landline"]),
)
def test_phone_numbers_are_valid(seed: int, size: int, locale: str, fmt: str, kind: str) -> None:
    region = REGIONS[locale]
    for value in gen({"type": "phone", "locale": locale, "format": fmt, "kind": kind}, seed, size):
        number = phonenumbers.parse(value, region)
        assert phonenumbers.is_valid_number_for_region(number, region), value
        if fmt == "e164":
            assert value == phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        elif fmt == "international":
            assert value.startswith(f"+{number.country_code} ")
        elif fmt == "national":
            assert re.fullmatch(PHONE_SHAPES[(locale, "national")], value), value
        if kind != "any" and locale != "en_US":
            wanted = (
                phonenumbers.PhoneNumberType.MOBILE if kind == "mobile" else phonenumbers.PhoneNumberType.FIXED_LINE
            )
            assert phonenumbers.number_type(number) == wanted, value


@pytest.mark.parametrize("locale", sorted(REGIONS))
@pytest.mark.parametrize("kind", ["mobile", "landline"])
def test_phone_numbers_valid_in_bulk(locale: str, kind: str) -> None:
    region = REGIONS[locale]
    for value in set(gen({"type": "phone", "locale": locale, "format": "e164", "kind": kind}, 21, 30_000)):
        assert phonenumbers.is_valid_number_for_region(phonenumbers.parse(value), region), value


def test_uk_phones_mix_mobiles_and_geographic_numbers() -> None:
    values = gen({"type": "phone", "locale": "en_GB"}, 8, 5000)
    mobiles = [v for v in values if v.startswith("07")]
    assert all(re.fullmatch(r"07\d{3} \d{6}", v) for v in mobiles)
    assert 0.5 < len(mobiles) / len(values) < 0.7
    assert {v[:3] for v in values} >= {"020", "011", "012", "016", "017", "018", "019"} - {"018"}
    mixed = gen({"type": "phone", "locale": "en_GB", "format": "mixed"}, 8, 2000)
    assert any(v.startswith("0") for v in mixed) and any(v.startswith("+44 ") for v in mixed)
    assert any(re.fullmatch(r"\+44\d{10}", v) for v in mixed)


# ---------------------------------------------------------------- text


@PROPERTY
@given(seed=seeds, size=sizes, low=st.integers(1, 30), extra=st.integers(0, 30))
def test_text_word_counts_and_sentences(seed: int, size: int, low: int, extra: int) -> None:
    vocabulary = word_list("text_words")
    for value in gen({"type": "text", "min_words": low, "max_words": low + extra}, seed, size):
        tokens = value.split(" ")
        assert low <= len(tokens) <= low + extra, value
        assert value[0].isupper() and value.endswith("."), value
        assert all(t.strip(".,").lower() in vocabulary for t in tokens), value


@PROPERTY
@given(seed=seeds, size=st.integers(1, 300), max_chars=st.integers(1, 200))
def test_text_respects_max_chars(seed: int, size: int, max_chars: int) -> None:
    for value in gen({"type": "text", "min_words": 5, "max_words": 60, "max_chars": max_chars}, seed, size):
        assert 1 <= len(value) <= max_chars, value
        if max_chars >= 20:
            assert value.endswith("."), value


def test_text_params_are_checked() -> None:
    with pytest.raises(ValidationError):
        gen({"type": "text", "min_words": 10, "max_words": 3}, 1, 1)


# ---------------------------------------------------------------- determinism

ALL_SPECS: list[dict[str, Any]] = [
    {"type": "first_name", "locale": "en_GB"},
    {"type": "last_name", "locale": "de_DE"},
    {"type": "full_name", "locale": "fr_FR"},
    {"type": "email"},
    {"type": "phone", "locale": "en_GB", "format": "mixed"},
    {"type": "phone", "locale": "en_US"},
    {"type": "street", "locale": "en_US"},
    {"type": "city", "locale": "en_GB"},
    {"type": "postcode", "locale": "en_GB"},
    {"type": "address", "locale": "fr_FR"},
    {"type": "country"},
    {"type": "company", "locale": "en_US"},
    {"type": "credit_card"},
    {"type": "iban", "country": "ES"},
    {"type": "ssn"},
    {"type": "national_id"},
    {"type": "nhs_number"},
    {"type": "text"},
]


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda s: "-".join(str(v) for v in s.values()))
def test_same_seed_same_values_other_seed_other_values(spec: dict[str, Any]) -> None:
    first = gen(spec, 42, 300)
    assert first == gen(spec, 42, 300)
    assert first != gen(spec, 43, 300)
    assert all(isinstance(v, str) and v for v in first)


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda s: "-".join(str(v) for v in s.values()))
def test_empty_chunks_and_nullable(spec: dict[str, Any]) -> None:
    assert gen(spec, 1, 0) == []
    values = gen({**spec, "nullable": 0.5}, 1, 400)
    assert 120 < sum(v is None for v in values) < 280
