"""Sensitive-column detection: checksums, detectors, name lexicon, combination, context, knowledge
base, overrides, evidence hygiene, the labelled sets and the `classify` command."""

from __future__ import annotations

import json
import random
import string
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.email_samples import idn_emails
from tests.sensitivity_set import load_set, mistakes, read_csv_table, score
from tools.errors import DoppelError
from tools.ingest.model import IngestedTable, SourceInfo
from tools.sensitive import checksums as cs
from tools.sensitive.classify import Thresholds, classify_column, classify_tables
from tools.sensitive.dates import parse_dates
from tools.sensitive.knowledge import (
    HEURISTIC_WARNING,
    CachedKnowledgeBase,
    HeuristicKnowledgeBase,
    KnowledgeAnswer,
)
from tools.sensitive.masking import detect_masked
from tools.sensitive.model import ColumnClassification
from tools.sensitive.names import analyse_name, tokenize
from tools.sensitive.overrides import apply_overrides
from tools.sensitive.patterns import run_detectors
from tools.sensitive.report import SensitivityReport
from tools.sensitive.sampling import sample_column
from tools.sensitive.values import Values

DATA = Path(__file__).resolve().parent / "data" / "sensitivity"

# ---------------------------------------------------------------- small deterministic generators


def luhn_number(r: random.Random, prefix: str, length: int) -> str:
    payload = prefix + "".join(r.choice(string.digits) for _ in range(length - len(prefix) - 1))
    return payload + str(cs.luhn_check_digit(payload))


def nhs_number(r: random.Random) -> str:
    while True:
        payload = "".join(r.choice(string.digits) for _ in range(9))
        check = cs.nhs_check_digit(payload)
        if check is not None:
            return payload + str(check)


def iban(r: random.Random, country: str = "GB") -> str:
    bban = "".join(r.choice(string.ascii_uppercase) for _ in range(4)) + "".join(
        r.choice(string.digits) for _ in range(cs.IBAN_LENGTHS[country] - 8)
    )
    return country + cs.iban_check_digits(country, bban) + bban


def nino(r: random.Random) -> str:
    while True:
        prefix = r.choice("ABCEGHJKLMNOPRSTWXYZ") + r.choice("ABCEGHJKLMNPRSTWXYZ")
        if prefix not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}:
            return prefix + "".join(r.choice(string.digits) for _ in range(6)) + r.choice("ABCD")


FIRST = ["James", "Olivia", "Mohammed", "Sophie", "Lukas", "Camille", "Pablo", "Anouk", "Grace", "Thomas"]
LAST = ["Smith", "Jones", "Müller", "Dubois", "García", "de Vries", "Patel", "Taylor", "Brown", "Wilson"]
UK_MOBILES = [f"07{r} {n:03d} {m:03d}" for r, n, m in [("911", 123, 456), ("700", 900, 123)]]


def column(values: Sequence[str | None], name: str, table: str = "t", **kwargs: Any) -> ColumnClassification:
    return classify_column(pd.Series(values, dtype=object), name, table, **kwargs)


def table(name: str, data: dict[str, list[Any]]) -> IngestedTable:
    frame = pd.DataFrame(data).astype(object)
    return IngestedTable(name=name, source=SourceInfo(path=Path(f"{name}.csv"), format="csv"), frame=frame)


def methods(result: ColumnClassification) -> set[str]:
    return {e.method for e in result.evidence}


def people(n: int, seed: int = 1) -> dict[str, list[str]]:
    r = random.Random(seed)
    first = [r.choice(FIRST) for _ in range(n)]
    last = [r.choice(LAST) for _ in range(n)]
    return {
        "first": first,
        "last": last,
        "email": [
            f"{a.lower()}.{b.lower().replace(' ', '')}{i}@example.com"
            for i, (a, b) in enumerate(zip(first, last, strict=True))
        ],
        "phone": [f"07{r.choice('45789')}{r.randint(10, 99)} {r.randint(100000, 999999)}" for _ in range(n)],
    }


# ---------------------------------------------------------------- checksums


digits = st.text(alphabet=string.digits, min_size=1, max_size=18)


@given(payload=digits, position=st.integers(min_value=0, max_value=18), delta=st.integers(1, 9))
def test_luhn_valid_numbers_pass_and_any_single_digit_change_fails(payload: str, position: int, delta: int) -> None:
    number = payload + str(cs.luhn_check_digit(payload))
    assert cs.luhn_valid(number)
    i = position % len(number)
    changed = number[:i] + str((int(number[i]) + delta) % 10) + number[i + 1 :]
    assert not cs.luhn_valid(changed)
    assert cs.luhn_valid_many([number, changed]).tolist() == [True, False]


def test_luhn_known_examples() -> None:
    valid = ["4111111111111111", "5555555555554444", "378282246310005", "79927398713", "490154203237518"]
    invalid = ["4111111111111112", "79927398710", "1234567812345678", "0", ""]
    assert all(cs.luhn_valid(x) for x in valid)
    assert not any(cs.luhn_valid(x) for x in invalid)
    assert cs.luhn_valid_many(valid + invalid).tolist() == [True] * 5 + [False] * 5
    assert cs.luhn_check_digit("7992739871") == 3


@given(values=st.lists(st.text(alphabet=string.digits + " x", max_size=20), max_size=30))
def test_luhn_vectorised_agrees_with_scalar(values: list[str]) -> None:
    assert cs.luhn_valid_many(values).tolist() == [cs.luhn_valid(v) for v in values]


@given(
    country=st.sampled_from(sorted(cs.IBAN_LENGTHS)),
    seed=st.integers(0, 10**6),
    position=st.integers(0, 40),
    delta=st.integers(1, 9),
)
def test_iban_valid_numbers_pass_and_any_single_digit_change_fails(
    country: str, seed: int, position: int, delta: int
) -> None:
    r = random.Random(seed)
    bban = "".join(r.choice(string.ascii_uppercase + string.digits) for _ in range(cs.IBAN_LENGTHS[country] - 4))
    number = country + cs.iban_check_digits(country, bban) + bban
    assert cs.iban_valid(number)
    digit_positions = [i for i, c in enumerate(number) if c.isdigit()]
    i = digit_positions[position % len(digit_positions)]
    changed = number[:i] + str((int(number[i]) + delta) % 10) + number[i + 1 :]
    assert not cs.iban_valid(changed)


def test_iban_known_examples_and_wrong_length() -> None:
    assert cs.iban_valid("GB82WEST12345698765432")
    assert cs.iban_valid("DE89370400440532013000")
    assert not cs.iban_valid("GB82WEST1234569876543")  # one short for GB
    assert not cs.iban_valid("XX82WEST12345698765432")  # no such country


@given(seed=st.integers(0, 10**6), position=st.integers(0, 9), delta=st.integers(1, 9))
def test_nhs_mod11_valid_numbers_pass_and_any_single_digit_change_fails(seed: int, position: int, delta: int) -> None:
    number = nhs_number(random.Random(seed))
    assert cs.nhs_valid(number)
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    assert not cs.nhs_valid(changed)
    assert cs.nhs_valid_many([number, changed, number[:9]]).tolist() == [True, False, False]


def test_nhs_known_example_and_payload_without_check_digit() -> None:
    assert cs.nhs_valid("9434765919")
    assert cs.nhs_check_digit("943476591") == 9
    payload = next(p for p in (f"{i:09d}" for i in range(1000, 2000)) if cs.nhs_check_digit(p) is None)
    assert not any(cs.nhs_valid(payload + d) for d in string.digits)


@given(seed=st.integers(0, 10**6))
def test_nino_generated_valid_pass(seed: int) -> None:
    assert cs.nino_valid(nino(random.Random(seed)))


@pytest.mark.parametrize(
    ("value", "ok"),
    [("AB 12 34 56 C", True), ("ab123456c", True), ("AB123456", True), ("ZZ123456A", False), ("GB123456A", False),
     ("DA123456A", False), ("AO123456A", False), ("QQ123456C", False), ("AB123456E", False), ("AB12345C", False)],
)  # fmt: skip
def test_nino_hmrc_rules(value: str, ok: bool) -> None:
    assert cs.nino_valid(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [("123-45-6788", True), ("123456788", True), ("123 45 6788", True), ("123-45 6788", False),
     ("000-12-3456", False), ("666-12-3456", False), ("912-12-3456", False), ("123-00-4567", False),
     ("123-45-0000", False), ("111-11-1111", False), ("078-05-1120", False), ("123-45-6789", False)],
)  # fmt: skip
def test_ssn_invalidation_rules(value: str, ok: bool) -> None:
    assert cs.ssn_valid(value) is ok


def test_card_brands_by_prefix_and_length() -> None:
    assert cs.card_brand("4111111111111111") == "visa"
    assert cs.card_brand("5555555555554444") == "mastercard"
    assert cs.card_brand("2221000000000009") == "mastercard"
    assert cs.card_brand("378282246310005") == "amex"
    assert cs.card_brand("6011111111111117") == "discover"
    assert cs.card_brand("3530111333300000") == "jcb"
    assert cs.card_brand("9111111111111111") is None
    assert cs.card_brand("41111111111111") is None  # visa has no 14-digit numbers


# ---------------------------------------------------------------- detectors


def results_for(values: list[str], text_like: bool = False) -> dict[str, float]:
    """Best score per entity from all detectors."""
    found, _ = run_detectors(values, text_like)
    best: dict[str, float] = {}
    for r in found:
        best[r.entity] = max(best.get(r.entity, 0.0), r.score())
    return best


def test_detect_email() -> None:
    assert results_for(people(50)["email"])["email"] > 0.9
    assert results_for(["not an email", "also@not", "x@y"] * 10).get("email", 0) == 0


def test_internationalised_emails_are_email_identifiers() -> None:
    """RFC 6531 local parts and IDN domains (Unicode or punycode) are emails, by their values alone."""
    emails = idn_emails()
    assert results_for(emails)["email"] > 0.9
    found = classify_column(emails, "contact", "customers")
    assert (found.entity, found.sensitive, found.strategy) == ("email", True, "synthesise")
    assert results_for(["jösé@", "@exämple.com", "jösé.exämple.com", "a@b"] * 10).get("email", 0) == 0


def test_internationalised_emails_in_free_text() -> None:
    plain = [f"The parcel {w} arrived on time and works as described." for w in "abcdefghij"] * 2
    scripts = [e for e in idn_emails() if not e.partition("@")[2][0].isascii()]  # no Latin letter after the @
    with_pii = [f"Sent the refund form to {e} today as agreed." for e in scripts]
    assert len(with_pii) == 20
    assert results_for(plain + with_pii, text_like=True)["free_text_pii"] > 0.8


def test_detect_phone_with_locale() -> None:
    uk = ["020 7946 0018", "+44 20 7946 0019", "07911 123456", "0161 496 0000", "+44 7700 900123"] * 6
    us = ["(212) 555-0123", "415-555-2671", "+1 415 555 2672", "212.555.0199 x12", "(646) 555-0100"] * 6
    found, _ = run_detectors(uk, False)
    phone = next(r for r in found if r.entity == "phone")
    assert phone.score() > 0.7 and max(phone.locales, key=phone.locales.__getitem__) == "en_GB"
    found, _ = run_detectors(us, False)
    phone = next(r for r in found if r.entity == "phone")
    assert phone.score() > 0.7 and max(phone.locales, key=phone.locales.__getitem__) == "en_US"


def test_detect_postcodes_and_zip() -> None:
    assert results_for(["SW1A 1AA", "EC1A 1BB", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT"] * 5)["postcode"] > 0.9
    assert results_for(["90210-1234", "10001-0001", "60601-1111"] * 10)["postcode"] > 0.8
    assert results_for(["1011 AB", "3511 CD", "2595 AA"] * 10)["postcode"] > 0.7


def test_detect_ip_v4_and_v6() -> None:
    assert results_for(["192.168.1.20", "10.0.0.1", "2001:db8::1", "fe80::1ff:fe23:4567:890a"] * 8)["ip_address"] > 0.9
    assert results_for(["999.1.1.1", "1.2.3"] * 10).get("ip_address", 0) == 0


def test_dates_of_birth_versus_order_dates() -> None:
    r = random.Random(3)
    births = [f"{r.randint(1940, 2004)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}" for _ in range(60)]
    orders = [f"2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}" for _ in range(60)]
    today = pd.Timestamp("2025-06-01").date()
    assert run_detectors(births, False, today)[0][-1].score() > 0.6
    assert run_detectors(orders, False, today)[0][-1].score() == 0
    facts = parse_dates(Values(["31/12/1980", "15/06/1975", "01/02/1990"] * 5), today)
    assert facts.fmt == "%d/%m/%Y" and facts.locale == "en_GB"


def test_detect_national_numbers_with_their_checks() -> None:
    r = random.Random(4)
    assert results_for([nino(r) for _ in range(40)])["uk_nino"] > 0.9
    assert (
        results_for([f"{r.randint(100, 665)}-{r.randint(1, 99):02d}-{r.randint(1, 9999):04d}" for _ in range(40)])[
            "us_ssn"
        ]
        > 0.7
    )
    assert (
        results_for([f"666-{r.randint(1, 99):02d}-{r.randint(1, 9999):04d}" for _ in range(40)]).get("us_ssn", 0) == 0
    )
    assert results_for([nhs_number(r) for _ in range(40)])["nhs_number"] > 0.9


def test_detect_cards_iban_and_failing_luhn() -> None:
    r = random.Random(5)
    cards = [luhn_number(r, "4", 16) for _ in range(40)]
    assert results_for(cards)["payment_card"] > 0.95
    failing = ["".join(r.choice(string.digits) for _ in range(16)) for _ in range(40)]
    failing = [x for x in failing if not cs.luhn_valid(x)]
    found, _ = run_detectors(failing, False)
    card = next(x for x in found if x.entity == "payment_card")
    assert card.failing and card.score() == 0
    assert results_for([iban(r) for _ in range(40)])["iban"] > 0.95


def test_detect_sort_codes_imei_imsi_msisdn() -> None:
    r = random.Random(6)
    assert (
        results_for([f"{r.randint(10, 99)}-{r.randint(10, 99)}-{r.randint(10, 99)}" for _ in range(40)])["sort_code"]
        > 0.7
    )
    assert results_for([luhn_number(r, "35", 15) for _ in range(40)])["imei"] > 0.9
    imsi = ["23410" + "".join(r.choice(string.digits) for _ in range(10)) for _ in range(40)]
    assert results_for(imsi)["imsi"] > 0.7
    msisdn = ["4479" + "".join(r.choice(string.digits) for _ in range(8)) for _ in range(40)]
    assert results_for(msisdn)["msisdn"] > 0.7


def test_detect_person_names_against_product_names() -> None:
    p = people(60)
    assert results_for([f"{a} {b}" for a, b in zip(p["first"], p["last"], strict=True)])["person_name"] > 0.8
    assert results_for(p["first"])["first_name"] > 0.8
    products = [f"{a} {b}" for a in ("Classic", "Deluxe", "Eco") for b in ("Kettle", "Toaster", "Lamp", "Chair")]
    assert results_for(products * 3).get("person_name", 0) < 0.2


@pytest.mark.parametrize(
    "addresses",
    [
        ["10 Downing Street", "221B Baker St", "1600 Pennsylvania Ave NW", "5 Station Road", "Flat 3, 12 Hill Lane"],
        ["Hauptstraße 5", "Lindenweg 12a", "Kerkstraat 7", "Am Markt 3, Berliner Allee 9", "Bahnhofstr. 44"],
        ["12 rue de la Paix", "5 bis avenue Foch", "Calle Mayor 5", "Avenida de America 12", "PO Box 1234"],
    ],
)
def test_detect_street_addresses(addresses: list[str]) -> None:
    assert results_for(addresses * 6)["street_address"] > 0.7


def test_detect_free_text_pii() -> None:
    r = random.Random(7)
    plain = [f"The {w} arrived on time and works as described, {r.randint(2, 9)} stars." for w in "abcdefghij"] * 4
    assert results_for(plain, text_like=True).get("free_text_pii", 0) == 0
    with_pii = list(plain)
    with_pii[::4] = [f"Customer asked for a call back on 07911 123{i:03d} about the order." for i in range(10)]
    with_pii[1::8] = [f"Emailed jane.doe{i}@example.com the refund form today as agreed." for i in range(5)]
    assert results_for(with_pii, text_like=True)["free_text_pii"] > 0.8


def test_detect_masked_values_and_their_entity() -> None:
    cards, rest = detect_masked(["XXXX-XXXX-XXXX-1234", "XXXX-XXXX-XXXX-9876", "****5678", "plain"])
    assert cards.masked == 3 and cards.entity == "payment_card" and rest == ["plain"]
    emails, _ = detect_masked(["j***@example.com", "a*****@example.org"])
    assert emails.entity == "email"
    unknown, _ = detect_masked(["XXXXXXX", "XXXXXXX"])
    assert unknown.entity is None and unknown.share == 1.0


def test_sampling_is_bounded_seeded_and_counts_statistics() -> None:
    series = pd.Series([str(i % 5000) for i in range(200_000)], dtype=object)
    first = sample_column(series, max_values=300, max_rows=10_000, seed=1)
    assert len(first.values) == 300 and first.sampled_rows == 10_000
    assert first.values == sample_column(series, max_values=300, max_rows=10_000, seed=1).values
    flags = sample_column(pd.Series(["Y", "N", None, "", "Y"] * 10, dtype=object))
    assert flags.boolean_like and flags.non_empty == 30
    keys = sample_column(pd.Series([str(i) for i in range(1000, 1300)], dtype=object))
    assert keys.sequential


# ---------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("name", "tokens"),
    [("custNm", ["cust", "nm"]), ("addr_line1", ["addr", "line", "1"]), ("Geburts-Datum", ["geburts", "datum"]),
     ("téléphone", ["telephone"]), ("IPAddress", ["ip", "address"]), ("Straße", ["strasse"]),
     ("NHSNumber", ["nhs", "number"]), ("e-mail", ["e", "mail"]), ("last4", ["last", "4"])],
)  # fmt: skip
def test_tokenize(name: str, tokens: list[str]) -> None:
    assert tokenize(name) == tokens


@pytest.mark.parametrize(
    ("name", "entity"),
    [("dob", "date_of_birth"), ("birth_date", "date_of_birth"), ("Geburtsdatum", "date_of_birth"),
     ("date_naissance", "date_of_birth"), ("fecha_nacimiento", "date_of_birth"), ("geboortedatum", "date_of_birth"),
     ("tel", "phone"), ("phone", "phone"), ("Telefon", "phone"), ("mobile", "phone"), ("msisdn", "msisdn"),
     ("Handy", "phone"), ("nino", "uk_nino"), ("ni_number", "uk_nino"), ("nhs_no", "nhs_number"), ("ssn", "us_ssn"),
     ("Sozialversicherungsnummer", "national_id"), ("cust_nm", "person_name"), ("fname", "first_name"),
     ("lname", "last_name"), ("surname", "last_name"), ("nachname", "last_name"), ("nom", "last_name"),
     ("prenom", "first_name"), ("apellido", "last_name"), ("voornaam", "first_name"), ("email", "email"),
     ("e_mail", "email"), ("mail", "email"), ("courriel", "email"), ("addr", "street_address"),
     ("street", "street_address"), ("strasse", "street_address"), ("rue", "street_address"), ("postcode", "postcode"),
     ("zip", "postcode"), ("PLZ", "postcode"), ("code_postal", "postcode"), ("iban", "iban"),
     ("acct_no", "bank_account"), ("account_number", "bank_account"), ("Kontonummer", "bank_account"),
     ("sort_code", "sort_code"), ("card", "payment_card"), ("pan", "payment_card"), ("cc_num", "payment_card"),
     ("ip", "ip_address"), ("ip_addr", "ip_address"), ("username", "username"), ("login", "username"),
     ("user_id", "customer_id"), ("Kundennummer", "customer_id"), ("customerRef", "customer_id"),
     ("notes", "free_text_pii"), ("comments", "free_text_pii"), ("remarks", "free_text_pii"),
     ("free_text", "free_text_pii"), ("kundenNachname", "last_name"), ("kundennachname", "last_name"),
     ("telefonnummer", "phone"), ("Numéro_Téléphone", "phone")],
)  # fmt: skip
def test_name_lexicon_in_several_languages(name: str, entity: str) -> None:
    analysis = analyse_name(name)
    assert analysis.best is not None and analysis.best.entity == entity, (name, analysis.priors)
    assert analysis.best.score >= 0.6


def test_name_qualifiers_and_neutral_terms() -> None:
    assert analyse_name("store_city").prior("city") < 0.3
    assert analyse_name("name", "products").prior("person_name") < 0.3
    assert analyse_name("name", "customers").prior("person_name") >= 0.75
    assert analyse_name("email_verified").prior("email") < 0.4
    assert analyse_name("email_hash").best.entity == "customer_id"  # type: ignore[union-attr]
    assert analyse_name("order_id").neutral is not None and not analyse_name("order_id").priors
    assert not analyse_name("number").priors and analyse_name("number").neutral is None
    assert analyse_name("id", "customers").best.entity == "customer_id"  # type: ignore[union-attr]
    assert not analyse_name("id", "orders").priors


# ---------------------------------------------------------------- combination logic


def test_name_only_value_only_and_both() -> None:
    r = random.Random(8)
    opaque = [f"K{r.randint(10**6, 10**7)}" for _ in range(100)]
    name_only = column(opaque, "customer_id")
    assert name_only.sensitive and name_only.entity == "customer_id" and methods(name_only) == {"column_name"}
    emails = people(100)["email"]
    value_only = column(emails, "col_7")
    assert value_only.sensitive and value_only.entity == "email" and "column_name" not in methods(value_only)
    both = column(emails, "email")
    assert both.confidence > max(value_only.confidence, 0.96)
    assert {"column_name", "value_pattern"} <= methods(both)
    assert both.strategy == "synthesise"


def test_values_that_contradict_a_recognisable_name_win() -> None:
    numbers = [str(i * 7) for i in range(100)]
    result = column(numbers, "email")
    assert not result.sensitive
    assert any(e.method == "negative_rule" and "do not look like email" in e.detail for e in result.evidence)


def test_checksum_lifts_and_failing_checksum_drops() -> None:
    r = random.Random(9)
    valid = column([luhn_number(r, "5", 16) for _ in range(100)], "ref")
    assert valid.sensitive and valid.entity == "payment_card" and valid.confidence > 0.95
    assert any(e.method == "checksum" and "Luhn" in e.detail for e in valid.evidence)
    ids = [x for x in ("".join(r.choice(string.digits) for _ in range(16)) for _ in range(200)) if not cs.luhn_valid(x)]
    order = column(ids[:100], "order_reference")
    assert not order.sensitive
    assert any("pass Luhn" in e.detail for e in order.evidence)
    unnamed = column(ids[:100], "c12")
    assert not unnamed.sensitive


def test_negative_rules() -> None:
    r = random.Random(10)
    codes = [r.choice(["0800 123456", "0845 600 6000", "0300 123 1000"]) for _ in range(200)]
    assert not column(codes, "dial").sensitive  # three numbers over 200 rows: codes, not phone numbers
    constant = column(["C000123"] * 100, "customer_id")
    assert not constant.sensitive and any("one identical value" in e.detail for e in constant.evidence)
    orders = [f"2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}" for _ in range(100)]
    assert not column(orders, "order_date").sensitive
    births = [f"{r.randint(1940, 2003)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}" for _ in range(100)]
    dob = column(births, "dob")
    assert dob.sensitive and dob.entity == "date_of_birth" and dob.strategy == "generalise"
    keys = column([str(i) for i in range(10_000_001, 10_000_201)], "ref_no")
    assert not keys.sensitive  # eight digits, but a dense run: a surrogate key
    flags = column(["true", "false"] * 50, "email_opt_in")
    assert not flags.sensitive
    product = column([f"{a} {b}" for a in ("Eco", "Pro") for b in ("Mug", "Lamp", "Desk")] * 20, "name", "products")
    assert not product.sensitive


def test_product_codes_that_look_like_phone_numbers() -> None:
    r = random.Random(11)
    codes = [str(r.randint(7_000_000_000, 7_999_999_999)) for _ in range(200)]
    assert not column(codes, "product_code").sensitive
    phones = [f"+1 {c[:3]} {c[3:6]} {c[6:]}" for c in codes]
    assert column(phones, "contact").sensitive


def test_masked_columns_stay_sensitive() -> None:
    r = random.Random(12)
    masked = [f"XXXX-XXXX-XXXX-{r.randint(1000, 9999)}" for _ in range(100)]
    result = column(masked, "card_no")
    assert result.sensitive and result.entity == "payment_card" and result.strategy == "mask"
    assert any("pre-masked" in e.detail for e in result.evidence)
    unnamed = column(masked, "col_3")
    assert unnamed.sensitive and unnamed.entity == "payment_card"
    fully = column(["XXXXXXXX"] * 100, "passport_no")
    assert fully.sensitive and fully.entity == "national_id"


# ---------------------------------------------------------------- cross-column context


def test_context_last4_first_last_and_account_beside_sort_code() -> None:
    r = random.Random(13)
    cards = [luhn_number(r, "4", 16) for _ in range(120)]
    p = people(120)
    frame = {
        "card_number": cards,
        "last4": [c[-4:] for c in cards],
        "first_nm": p["first"],
        "last_nm": p["last"],
        "sort_code": [f"{r.randint(10, 99)}-{r.randint(10, 99)}-{r.randint(10, 99)}" for _ in range(120)],
        "number": [str(r.randint(10_000_000, 99_999_999)) for _ in range(120)],
    }
    results = {x.column: x for x in classify_tables([table("payments", frame)])}
    # policy: the last four digits are not sensitive, but must be derived from the synthetic card
    assert not results["last4"].sensitive and results["last4"].strategy == "keep"
    assert any("card_number" in w and "derive" in w for w in results["last4"].warnings)
    assert any(e.method == "context" for e in results["first_nm"].evidence)
    assert results["number"].sensitive and results["number"].entity == "bank_account"
    assert any("sort code" in e.detail for e in results["number"].evidence)
    alone = classify_tables([table("refs", {"number": frame["number"]})])[0]
    assert not alone.sensitive  # eight digits alone are just a number


def test_join_keys_across_tables_are_pseudonymised_and_locale_comes_from_values() -> None:
    p = people(100)
    customers = table("customers", {"email": p["email"], "mobile": p["phone"], "first_name": p["first"]})
    orders = table("orders", {"email": p["email"][:50], "total": [str(i) for i in range(50)]})
    results = {(x.table, x.column): x for x in classify_tables([customers, orders])}
    assert results[("customers", "email")].strategy == "pseudonymise"
    assert results[("orders", "email")].strategy == "pseudonymise"
    assert results[("customers", "mobile")].locale == "en_GB"
    assert results[("customers", "first_name")].locale == "en_GB"  # the table's locale


# ---------------------------------------------------------------- knowledge base


class CountingKB:
    def __init__(self, answer: KnowledgeAnswer | None = None, fail: bool = False) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.answer = answer
        self.fail = fail

    def lookup(self, table: str, column: str, context: dict[str, Any]) -> KnowledgeAnswer | None:
        self.calls.append((table, column, context))
        if self.fail:
            raise ConnectionError("wiki down")
        return self.answer


def test_knowledge_base_only_in_the_ambiguous_band() -> None:
    kb = CountingKB()
    p = people(100)
    tables = [
        table("t", {
            "email": p["email"],  # strong: no lookup
            "qty": [str(i % 9) for i in range(100)],  # plainly not personal: no lookup
            "comments": [f"Arrived on day {i}, works fine and looks good." for i in range(100)],  # ambiguous
        })
    ]  # fmt: skip
    results = {x.column: x for x in classify_tables(tables, knowledge=kb)}
    assert [c[1] for c in kb.calls] == ["comments"]
    context = kb.calls[0][2]
    assert context["candidate"] == "free_text_pii" and "email" in context["columns"]
    assert "Arrived" not in json.dumps(context)  # no values leave for the knowledge base
    assert not results["comments"].warnings  # a real knowledge base: no fallback warning
    band = Thresholds(kb_low=0.9, kb_high=0.9)  # an empty band: never ask
    kb2 = CountingKB()
    classify_tables(tables, knowledge=kb2, thresholds=band)
    assert kb2.calls == []


def test_heuristic_fallback_warns_and_glossary_answers() -> None:
    result = column([f"Arrived on day {i}, works fine and looks good." for i in range(100)], "comments")
    assert HEURISTIC_WARNING in result.warnings
    strong = column(people(50)["email"], "email")
    assert HEURISTIC_WARNING not in strong.warnings
    kb = HeuristicKnowledgeBase()
    msisdn = kb.lookup("subs", "a_number", {})
    assert msisdn is not None and msisdn.sensitive and msisdn.entity == "msisdn"
    arpu = kb.lookup("subs", "ARPU", {})
    assert arpu is not None and not arpu.sensitive
    assert kb.lookup("subs", "colour", {}) is None


def test_knowledge_answers_change_the_decision_and_are_cached() -> None:
    texts = [f"Arrived on day {i}, works fine and looks good." for i in range(100)]
    says_no = CountingKB(KnowledgeAnswer(entity="none", sensitive=False, page_title="Review text", confidence=0.9))
    cached = CachedKnowledgeBase(says_no)
    result = column(texts, "comments", knowledge=cached)
    assert not result.sensitive
    assert any(e.method == "knowledge_base" and "Review text" in e.detail for e in result.evidence)
    column(texts, "comments", knowledge=cached)
    assert len(says_no.calls) == 1  # cached per (table, column)
    says_yes = CountingKB(
        KnowledgeAnswer(entity="customer_id", sensitive=True, page_title="BAN", page_url="https://wiki/ban",
                        confidence=0.9)
    )  # fmt: skip
    wide = Thresholds(kb_low=0.0, kb_high=0.75)  # ask about everything not clearly sensitive
    ban = column([f"{i:09d}" for i in range(5000, 5100)], "ban", knowledge=says_yes, thresholds=wide)
    assert ban.sensitive and ban.entity == "customer_id" and ban.strategy == "pseudonymise"
    broken = column(texts, "comments", knowledge=CountingKB(fail=True))
    assert broken.sensitive and any("lookup failed" in w for w in broken.warnings)


# ---------------------------------------------------------------- overrides


def test_overrides_correct_a_column() -> None:
    results = classify_tables([table("t", {"email": people(40)["email"], "code": [str(i) for i in range(40)]})])
    fixed = apply_overrides(
        results, {"t.code": {"sensitive": True, "entity": "customer_id"}, "t.email": {"sensitive": False}}
    )
    by = {r.column: r for r in fixed}
    assert by["code"].sensitive and by["code"].entity == "customer_id" and by["code"].strategy == "pseudonymise"
    assert by["code"].confidence == 1.0 and by["code"].evidence[0].method == "override"
    assert not by["email"].sensitive and by["email"].entity == "none" and by["email"].strategy == "keep"
    assert results[0].sensitive  # the input is not modified
    with pytest.raises(DoppelError) as error:
        apply_overrides(results, {"t.nope": {"sensitive": True}, "t.code": {"entity": "spaceship", "colour": 1}})
    text = str(error.value)
    assert "t.nope: no such column" in text and "t.code.entity" in text and "t.code.colour" in text


# ---------------------------------------------------------------- evidence hygiene

secretish = st.text(alphabet=string.ascii_letters + string.digits, min_size=8, max_size=16).filter(
    lambda s: sum(c.isdigit() for c in s) >= 2 and sum(c.isalpha() for c in s) >= 2
)
emails = st.builds(lambda a, b: f"{a}@{b}.com", st.text(string.ascii_lowercase, min_size=2, max_size=8),
                   st.text(string.ascii_lowercase, min_size=2, max_size=8))  # fmt: skip
cards = st.integers(0, 10**14).map(lambda n: luhn_number(random.Random(n), "4", 16))
phones = st.integers(0, 999_999).map(lambda n: f"+44 7911 {n:06d}")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(st.one_of(secretish, emails, cards, phones), min_size=1, max_size=40),
    name=st.sampled_from(["notes", "email", "card_number", "c1", "phone", "name"]),
)
def test_evidence_never_contains_a_raw_value(values: list[str], name: str) -> None:
    result = column(values, name)
    text = json.dumps([e.detail for e in result.evidence] + result.warnings)
    for value in values:
        assert value not in text


# ---------------------------------------------------------------- labelled sets


@pytest.mark.parametrize("name", ["dev", "test"])
def test_labelled_set_meets_targets(name: str) -> None:
    tables, labels = load_set(name)
    assert len(labels) >= (60 if name == "test" else 20)
    results = classify_tables(tables)
    scores = score(results, labels)
    wrong = mistakes(results, labels)
    assert scores.recall >= 0.98, wrong
    assert scores.precision >= 0.95, wrong
    assert scores.entity_accuracy >= 0.9, wrong


def test_labelled_set_covers_every_entity_and_hard_negatives() -> None:
    """The held-out sets together (test, and test3 from issue 10) label every entity type."""
    _, labels = load_set("test")
    _, later = load_set("test3")
    from tools.sensitive.model import EntityType

    missing = set(EntityType.__args__) - {x.entity for x in labels + later}  # type: ignore[attr-defined]
    assert not missing, sorted(missing)
    assert sum(not x.sensitive for x in labels) >= 25


def test_classification_is_deterministic() -> None:
    tables, _ = load_set("dev")
    first = [r.model_dump() for r in classify_tables(tables)]
    assert first == [r.model_dump() for r in classify_tables(tables)]


def test_wide_tall_columns_are_sampled_not_scanned(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each column is looked at through a bounded sample (at most 20,000 rows, 500 distinct values), seen
    here by spying on the sampler; the time this takes at 1M rows x 50 columns is bench/classify.py's."""
    import tools.sensitive.classify as classify_module

    rows = 100_000
    rng = np.random.default_rng(0)
    pool = {
        "email": np.array(people(2000)["email"], dtype=object),
        "amount": np.array([f"{x:.2f}" for x in rng.uniform(1, 500, 2000)], dtype=object),
        "code": np.array([f"SKU-{i}" for i in range(2000)], dtype=object),
    }
    frame = pd.DataFrame({f"{kind}_{i}": pool[kind][rng.integers(0, 2000, rows)] for i in range(10) for kind in pool})
    seen: list[tuple[int, int, int]] = []
    real = classify_module.sample_column

    def spy(series: pd.Series, *args: Any, **kwargs: Any) -> Any:
        taken = real(series, *args, **kwargs)
        seen.append((taken.rows, taken.sampled_rows, len(taken.values)))
        return taken

    monkeypatch.setattr(classify_module, "sample_column", spy)
    results = classify_tables(
        [IngestedTable(name="big", source=SourceInfo(path=Path("big.csv"), format="csv"), frame=frame)]
    )
    assert len(results) == 30 and all(r.sensitive == r.column.startswith("email") for r in results)
    assert len(seen) == 30 and all(whole == rows for whole, _, _ in seen)
    assert all(sampled == 20_000 and values == 500 for _, sampled, values in seen), seen


# ---------------------------------------------------------------- the command


@pytest.fixture
def cli() -> typer.Typer:
    from server.cmd_classify import register

    app = typer.Typer(pretty_exceptions_enable=False)

    @app.callback()
    def main() -> None:
        """Doppel (test app)."""

    register(app)
    return app


def test_classify_command_writes_report_and_prints_table(cli: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "reports" / "sensitivity.json"
    files = [str(DATA / "test" / "payments.csv"), str(DATA / "test" / "products.csv")]
    wide = {"COLUMNS": "200"}  # qualified column names fit on one line of the table
    done = CliRunner().invoke(cli, ["classify", *files, "--out", str(out), "--sample", "200"], env=wide)
    assert done.exit_code == 0, done.output
    report = SensitivityReport.model_validate_json(out.read_text())
    assert report.sample == 200 and report.tables == ["payments", "products"]
    by = {(c.table, c.column): c for c in report.columns}
    assert by[("payments", "card_number")].sensitive and not by[("products", "price")].sensitive
    assert "4 of 16 columns sensitive" in done.output  # last4 is not (policy)
    columns = [c.column for c in report.columns if c.table == "payments"]
    words = [line.replace("│", " ").split() for line in done.output.splitlines()]
    rows = {w[0]: w for w in words if w and w[0] in columns}  # each name whole, on one line with its role
    sensitive = {"customer_id", "card_number", "sort_code", "acct_no"}
    assert len(rows) == 10 and {name for name, row in rows.items() if "identifier" in row} == sensitive, rows
    assert all("-" in row for name, row in rows.items() if name not in sensitive), rows
    assert not list(out.parent.glob("*.tmp"))


def test_classify_command_user_errors_exit_2(cli: typer.Typer, tmp_path: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(cli, ["classify", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "s.json")])
    assert done.exit_code == 2 and "missing.csv: no such file" in done.output
    assert "Traceback" not in done.output
    bad = tmp_path / "fix.yaml"
    bad.write_text("payments.nope: {sensitive: true}\n")
    sample = str(DATA / "test" / "payments.csv")
    done = runner.invoke(cli, ["classify", sample, "--out", str(tmp_path / "s.json"), "--overrides", str(bad)])
    assert done.exit_code == 2 and "payments.nope: no such column" in done.output
    assert not (tmp_path / "s.json").exists()
    good = tmp_path / "fix.json"
    good.write_text(json.dumps({"payments.bic": {"sensitive": True, "entity": "sort_code"}}))
    done = runner.invoke(cli, ["classify", sample, "--out", str(tmp_path / "s.json"), "--overrides", str(good)])
    assert done.exit_code == 0, done.output
    report = SensitivityReport.model_validate_json((tmp_path / "s.json").read_text())
    bic = next(c for c in report.columns if c.column == "bic")
    assert bic.sensitive and bic.evidence[0].method == "override"
    done = runner.invoke(cli, ["classify", sample, "--sample", "3"])
    assert done.exit_code == 2


def test_csv_stand_in_reads_text_cells() -> None:
    t = read_csv_table(DATA / "test" / "stores.csv")
    cells = list(t.frame["store_id"])
    assert t.name == "stores" and all(v is None or isinstance(v, str) for v in cells) and None in cells
