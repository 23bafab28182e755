"""Regenerate the labelled sensitivity sets: SET/*.csv and labels.yaml.

    .venv/bin/python tests/data/sensitivity/make_sets.py [SET ...]   # default: every set
    .venv/bin/python tests/data/sensitivity/make_sets.py --labels    # labels.yaml only, no CSV rewritten

Values are fictitious and deterministic (Faker with fixed seeds, plus small generators below for
identifiers Faker lacks or gets wrong, e.g. Faker's en_GB NI numbers all use the unallocated ZZ
prefix). The CSVs are committed, so the sets stay fixed even if a newer Faker changes its output;
rerun this only on purpose, naming the sets to write (labels.yaml is always written whole, from the
specs below). The dev sets are for tuning; the test sets are only for measuring.

Each column's label is a privacy role (identifier, quasi_identifier, sensitive_attribute, non_sensitive)
and an entity; a spec written before roles gives ``True``/``False`` (sensitive or not) and the role is
the one the written policy gives the entity.

Labelling decisions (also in labels.yaml):
- the policy is the one written in tools/sensitive/policy.py; in short:
- business contact data (a store's city, phone, postcode) is not personal: not sensitive; a customer's
  town is (a quasi-identifier: generalise), and so are age and salary;
- gender / sex is a quasi-identifier: sensitive (role quasi_identifier), modelled with the rest and kept,
  entity ``gender`` (issue 10; it was labelled not sensitive before);
- special-category data about a person is sensitive: health (diagnoses, ICD codes, the ward a patient is
  on, allergies, blood group, medication, smoking, body measurements) is ``medical_condition``; the same
  words in a table that is not about persons (a ward list, a parcel's weight, blood-bank stock, a
  pharmacy catalogue) are not;
- the name of a clinician or any other staff member is personal data: sensitive (``person_name``);
- customer / patient / employee ids and foreign keys to them are sensitive (``customer_id``,
  pseudonymised), order, invoice, product and session ids are not;
- a free-text column named as notes/comments is sensitive (``free_text_pii``) even when the sample
  shows no personal data, since customers and agents write names and numbers into it; product
  descriptions are not;
- the last four digits of a card alone are not sensitive (values necessarily recur: 10,000 of them), even
  beside a card number (the synthesiser derives them from the synthetic card); a pre-masked card column
  (``XXXX...1234``) is a card column and stays sensitive;
- free text that carries names (payment references: "Rent - Aoife") is ``free_text_pii``;
- pre-masked columns are still sensitive, with the entity of what they mask;
- BIC, country, currency, tariff, ARPU, user agent, app version: not sensitive.
- (issue 10, dev3 and test3) every column has a privacy role as defined in tools/sensitive/policy.py:
  identifier, quasi_identifier (birth date, age, postcode, town, gender), sensitive_attribute (health,
  ethnicity, pay) or non_sensitive;
- vehicle registrations and licence plates (any country's format) are identifiers
  (``vehicle_registration``); a plate's state, a car's make and year are not sensitive;
- counts, amounts and scores are not sensitive even when their name carries a health word or a complaint
  (num_medications, number_diagnoses, Arzneimittel_Anzahl, complaint_count, sick_days_ytd);
- a person's lab results, vital signs, medication (a drug's dosage change, being on diabetes medication),
  symptoms and disability are health data (sensitive_attribute ``medical_condition``);
- driving licence numbers and the lifelong German health insurance number are ``national_id``;
  encounter, claim and case numbers are event keys; a health insurer's name and a GP practice's code
  are not sensitive.
"""

from __future__ import annotations

import random
import string
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from faker import Faker

HERE = Path(__file__).resolve().parent
ROWS = 240

Gen = Callable[[Faker, random.Random], str]


def luhn_digit(payload: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return str((10 - total % 10) % 10)


def nino(_: Faker, r: random.Random) -> str:
    first, second = "ABCEGHJKLMNOPRSTWXYZ", "ABCEGHJKLMNPRSTWXYZ"
    while True:
        prefix = r.choice(first) + r.choice(second)
        if prefix not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}:
            break
    digits = "".join(r.choice(string.digits) for _ in range(6))
    suffix = r.choice("ABCD")
    if r.random() < 0.5:
        return f"{prefix} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}"
    return f"{prefix}{digits}{suffix}"


def nhs(_: Faker, r: random.Random) -> str:
    while True:
        payload = "999" + "".join(r.choice(string.digits) for _ in range(6))
        total = sum(int(d) * w for d, w in zip(payload, range(10, 1, -1), strict=True))
        check = 11 - total % 11
        if check != 10:
            number = payload + str(check % 11)
            return f"{number[:3]} {number[3:6]} {number[6:]}" if r.random() < 0.6 else number


def imei(_: Faker, r: random.Random) -> str:
    payload = "35" + "".join(r.choice(string.digits) for _ in range(12))
    return payload + luhn_digit(payload)


def imsi(_: Faker, r: random.Random) -> str:
    return r.choice(["23410", "23415", "23420", "23430"]) + "".join(r.choice(string.digits) for _ in range(10))


def msisdn(_: Faker, r: random.Random) -> str:
    return "447" + r.choice("45789") + "".join(r.choice(string.digits) for _ in range(8))


def sixteen_failing_luhn(_: Faker, r: random.Random) -> str:
    payload = r.choice("123456789") + "".join(r.choice(string.digits) for _ in range(14))
    good = luhn_digit(payload)
    return payload + str((int(good) + r.randint(1, 9)) % 10)


def dni(_: Faker, r: random.Random) -> str:
    number = r.randint(10_000_000, 99_999_999)
    return f"{number}{'TRWAGMYFPDXBNJZSQVHLCKE'[number % 23]}"


def ean13(_: Faker, r: random.Random) -> str:
    payload = "50" + "".join(r.choice(string.digits) for _ in range(10))
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(payload))
    return payload + str((10 - total % 10) % 10)


ADJECTIVES = ["Classic", "Deluxe", "Compact", "Eco", "Smart", "Ultra", "Mini", "Pro", "Vintage", "Rustic", "Modern",
              "Travel"]  # fmt: skip
PRODUCTS = ["Kettle", "Toaster", "Blender", "Lamp", "Chair", "Desk", "Mug", "Backpack", "Headphones", "Charger",
            "Notebook", "Umbrella"]  # fmt: skip
COLOURS = ["Red", "Blue", "Black", "White", "Green", "Grey", "Oak", "Walnut", "Steel", "Copper"]
FEATURES = [
    "dishwasher safe", "made from recycled materials", "with a two-year warranty", "in a gift box",
    "with a detachable cable", "rated for outdoor use", "with adjustable height", "from sustainable oak",
]  # fmt: skip


def product_name(_: Faker, r: random.Random) -> str:
    return f"{r.choice(ADJECTIVES)} {r.choice(COLOURS)} {r.choice(PRODUCTS)}"


def product_description(_: Faker, r: random.Random) -> str:
    return (
        f"{r.choice(ADJECTIVES)} {r.choice(PRODUCTS).lower()} in {r.choice(COLOURS).lower()}, "
        f"{r.choice(FEATURES)}. Ships in {r.randint(1, 5)} working days; {r.randint(2, 30)} in stock."
    )


def notes_with_pii(fake: Faker, r: random.Random) -> str:
    base = fake.sentence(nb_words=10)
    roll = r.random()
    if roll < 0.12:
        return f"{base} Customer asked to be called back on {fake.phone_number()}."
    if roll < 0.22:
        return f"{base} New email is {fake.email()} per the caller."
    if roll < 0.32:
        return f"Spoke to {fake.first_name()} {fake.last_name()} about the refund. {base}"
    return base


def date_of_birth(fmt: str) -> Gen:
    return lambda fake, _: fake.date_of_birth(minimum_age=18, maximum_age=92).strftime(fmt)


def recent_date(fmt: str) -> Gen:
    return lambda fake, _: fake.date_between("-3y", "today").strftime(fmt)


def choice(*options: str) -> Gen:
    return lambda _, r: r.choice(options)


def number(low: int, high: int, fmt: str = "{}") -> Gen:
    return lambda _, r: fmt.format(r.randint(low, high))


def money(low: int, high: int) -> Gen:
    return lambda _, r: f"{r.uniform(low, high):.2f}"


def sequence(start: int, fmt: str = "{}") -> Gen:
    counter = iter(range(start, start + 10**7))
    return lambda _, __: fmt.format(next(counter))


def faker(method: str, **kwargs: Any) -> Gen:
    return lambda fake, _: str(getattr(fake, method)(**kwargs))


def masked(inner: Gen, keep: int, char: str = "X") -> Gen:
    def make(fake: Faker, r: random.Random) -> str:
        value = inner(fake, r)
        visible = value[-keep:]
        return "".join(char if c.isalnum() else c for c in value[:-keep]) + visible

    return make


def masked_email(fake: Faker, r: random.Random) -> str:
    user, domain = fake.email().split("@")
    return f"{user[0]}{'*' * max(3, len(user) - 1)}@{domain}"


def mixed_dates_of_birth(fake: Faker, r: random.Random) -> str:
    """Birth dates in the several formats one export mixes (ISO, day-first, day-month-name)."""
    born = fake.date_of_birth(minimum_age=18, maximum_age=90)
    return born.strftime(r.choice(["%Y-%m-%d", "%d/%m/%Y", "%d-%b-%Y", "%d %B %Y"]))


def decimal(low: float, high: float, comma: bool = False) -> Gen:
    def make(_: Faker, r: random.Random) -> str:
        text = f"{r.uniform(low, high):.1f}"
        return text.replace(".", ",") if comma else text

    return make


def titled_name(*titles: str, initial: bool = False) -> Gen:
    """A clinician as hospitals write one: "Dr. med. Anna Schmidt", "dr. J. de Vries", "Dr Martin"."""

    def make(fake: Faker, r: random.Random) -> str:
        first = f"{fake.first_name()[0]}." if initial else fake.first_name()
        return (
            f"{r.choice(titles)} {first} {fake.last_name()}"
            if r.random() < 0.8
            else f"{r.choice(titles)} {fake.last_name()}"
        )

    return make


def payment_text(templates: list[str], plain: list[str], share: float) -> Gen:
    """Payment references: ``share`` of them name a person ({first}, {last}, {FIRST}, {LAST}), the rest do not."""

    def make(fake: Faker, r: random.Random) -> str:
        if r.random() < share:
            first, last = fake.first_name(), fake.last_name()
            return r.choice(templates).format(first=first, last=last, FIRST=first.upper(), LAST=last.upper())
        return r.choice(plain).format(n=r.randint(10_000_000, 99_999_999))

    return make


EN_REFERENCES = ["Rent June - {first}", "Gift for {first}", "{FIRST} {LAST} LOAN REPAY", "Thanks {first}!",
                 "Pocket money {first}", "From {first} and {last}"]  # fmt: skip
EN_PLAIN = ["DD REF {n}", "Council tax", "Groceries", "INV-{n}", "Savings", "Netflix", "Refund", "Car insurance"]
DE_REFERENCES = ["Miete Juni - {first} {last}", "Taschengeld für {first}", "Danke {first}!",
                 "{LAST} {FIRST} Darlehen"]  # fmt: skip
DE_PLAIN = ["Rechnung {n}", "Lastschrift {n}", "Strom Abschlag", "Kfz-Versicherung", "Gutschrift", "Sparplan"]


# ---- issue 10: vehicle registrations, more identifiers, health encounters


def letters(r: random.Random, n: int, pool: str = "ABCDEFGHJKLMNPRSTUVWXYZ") -> str:
    return "".join(r.choice(pool) for _ in range(n))


def digits(r: random.Random, n: int) -> str:
    return "".join(r.choice(string.digits) for _ in range(n))


UK_AREA = "ABCDEFGHKLMNOPRSTVWXY"
UK_YEAR = "ABCDEFGHJKLMNPRSTVWXY"


def uk_plate(current: float = 1.0, spaced: float = 0.85) -> Gen:
    """UK registrations: current (AB12 CDE, age identifier 02-24 or 51-74); otherwise the older prefix
    (A123 BCD) and suffix (ABC 123D) styles. ``spaced``: share written with the space."""

    def make(_: Faker, r: random.Random) -> str:
        roll = r.random()
        if roll < current:
            age = r.choice([r.randint(2, 24), r.randint(51, 74)])
            head, tail = f"{r.choice(UK_AREA)}{letters(r, 1)}{age:02d}", letters(r, 3)
        elif roll < current + (1 - current) * 0.6:
            head, tail = f"{r.choice(UK_YEAR)}{r.randint(1, 999)}", letters(r, 3)
        else:
            head, tail = letters(r, 3), f"{r.randint(1, 999)}{r.choice(UK_YEAR)}"
        return f"{head} {tail}" if r.random() < spaced else head + tail

    return make


def us_plate(_: Faker, r: random.Random) -> str:
    """US plates in a few states' styles: 7ABC123 (CA), ABC-1234 (NY, TX), ABC 123, 123 ABC."""
    style = r.random()
    if style < 0.35:
        return f"{r.randint(1, 9)}{letters(r, 3)}{digits(r, 3)}"
    if style < 0.7:
        return f"{letters(r, 3)}-{digits(r, 4)}"
    if style < 0.85:
        return f"{letters(r, 3)} {digits(r, 3)}"
    return f"{digits(r, 3)} {letters(r, 3)}"


DE_AREAS = ["B", "M", "HH", "K", "F", "S", "D", "KA", "BN", "DO", "MZ", "HB", "L", "DD", "N", "WI", "GÖ", "LÖ"]


def de_plate(hyphen: float = 0.7) -> Gen:
    """German registrations: area code, one or two letters, one to four digits (E for electric): B-AB 1234."""

    def make(_: Faker, r: random.Random) -> str:
        sep = "-" if r.random() < hyphen else " "
        electric = "E" if r.random() < 0.08 else ""
        middle = letters(r, r.choice([1, 2]), "ABCDEFGHJKLMNPRSTUVWXYZ")
        return f"{r.choice(DE_AREAS)}{sep}{middle} {r.randint(1, 9999)}{electric}"

    return make


NL_CONSONANTS = "BDFGHJKLNPRSTVXZ"


def nl_plate(_: Faker, r: random.Random) -> str:
    """Dutch kentekens in the recent sidecodes: 99-XXX-9, 9-XXX-99, XX-999-X, X-999-XX, XXX-99-X, 99-XX-XX."""
    c = lambda n: letters(r, n, NL_CONSONANTS)  # noqa: E731
    return r.choice([
        f"{digits(r, 2)}-{c(3)}-{digits(r, 1)}", f"{digits(r, 1)}-{c(3)}-{digits(r, 2)}",
        f"{c(2)}-{digits(r, 3)}-{c(1)}", f"{c(1)}-{digits(r, 3)}-{c(2)}", f"{c(3)}-{digits(r, 2)}-{c(1)}",
        f"{digits(r, 2)}-{c(2)}-{c(2)}",
    ])  # fmt: skip


def fr_plate(_: Faker, r: random.Random) -> str:
    """French SIV registrations: AB-123-CD (no I, O or U)."""
    pool = "ABCDEFGHJKLMNPQRSTVWXYZ"
    return f"{letters(r, 2, pool)}-{digits(r, 3)}-{letters(r, 2, pool)}"


def es_plate(_: Faker, r: random.Random) -> str:
    """Spanish registrations since 2000: 1234 BCD (consonants only)."""
    return f"{digits(r, 4)} {letters(r, 3, 'BCDFGHJKLMNPRSTVWXYZ')}"


def uk_driving_licence(fake: Faker, r: random.Random) -> str:
    """DVLA driving licence numbers: surname (5, padded with 9), decade, month (+50 for women), day, year,
    initials, a digit and two check letters: MORGA753116SM9IJ."""
    surname = "".join(ch for ch in fake.last_name().upper() if ch.isalpha())[:5].ljust(5, "9")
    year, month, day = r.randint(1940, 2005), r.randint(1, 12) + r.choice([0, 50]), r.randint(1, 28)
    initials = letters(r, 1) + r.choice([letters(r, 1), "9"])
    return f"{surname}{str(year)[2]}{month:02d}{day:02d}{str(year)[3]}{initials}9{letters(r, 2)}"


def kvnr(_: Faker, r: random.Random) -> str:
    """German health insurance numbers (Krankenversichertennummer): a letter and nine digits."""
    return f"{letters(r, 1, string.ascii_uppercase)}{digits(r, 9)}"


def gp_practice(_: Faker, r: random.Random) -> str:
    """NHS GP practice codes: a letter and five digits (B82005)."""
    return f"{r.choice('ABCDEFGHJKLMNPY')}{digits(r, 5)}"


def band(bands: list[str], missing: float = 0.0) -> Gen:
    """Bracketed bands as exported by hospital systems: [70-80), [75-100), or empty."""
    return lambda _, r: "" if r.random() < missing else r.choice(bands)


def numeric_code(low: int, high: int) -> Gen:
    return lambda _, r: str(r.randint(low, high))


# ICD-9-CM diagnosis codes as hospital extracts write them: three digits, some with a decimal, V and E codes
ICD9_TEST = [
    "428",
    "414",
    "786",
    "410",
    "486",
    "427",
    "491",
    "715",
    "682",
    "434",
    "780",
    "996",
    "276",
    "250.8",
    "599",
    "584",
    "V57",
    "250.6",
    "518",
    "577",
    "562",
    "403",
    "820",
    "38",
    "435",
    "250.02",
    "250.13",
    "250.83",
    "401",
    "496",
    "493",
    "440",
    "197",
    "574",
    "E909",
    "V45",
    "250.01",
    "272",
    "285",
    "707",
]
ICD9_DEV = [
    "401.9",
    "250.00",
    "272.4",
    "530.81",
    "V58.67",
    "E849.7",
    "414.01",
    "427.31",
    "428.0",
    "244.9",
    "311",
    "305.1",
    "V45.81",
    "585.9",
    "786.50",
    "599.0",
    "E878.1",
    "493.90",
    "V15.82",
    "780.79",
]
ICD10_AE = [
    "R07.4",
    "S52.5",
    "J06.9",
    "N39.0",
    "R10.4",
    "S06.0",
    "T78.4",
    "I48.9",
    "R55",
    "S93.4",
    "J18.9",
    "K52.9",
    "R51",
    "S01.8",
    "F10.0",
    "L03.1",
]
ICD10_GM = [
    "J06.9",
    "M54.5",
    "I10.90",
    "E11.9",
    "F32.9",
    "K21.0",
    "Z00.0",
    "J20.9",
    "M17.1",
    "E78.0",
    "N39.0",
    "R10.4",
    "H10.9",
    "L20.9",
]
MED_CHANGE = ["No", "No", "No", "Steady", "Steady", "Up", "Down"]


def skewed(rate: float, cap: int) -> Gen:
    """Small counts, most of them 0 or 1 (visits, emergencies): an exponential draw, capped."""
    return lambda _, r: str(min(int(r.expovariate(rate)), cap))


def timestamp(fmt: str) -> Gen:
    return lambda fake, _: fake.date_time_between("-1y", "now").strftime(fmt)


def young_date_of_birth(fmt: str) -> Gen:
    return lambda fake, _: fake.date_of_birth(minimum_age=14, maximum_age=18).strftime(fmt)


def es_mobile(_: Faker, r: random.Random) -> str:
    return f"+34 6{digits(r, 2)} {digits(r, 3)} {digits(r, 3)}"


def two_decimals(low: float, high: float) -> Gen:
    return lambda _, r: f"{r.uniform(low, high):.2f}"


# table -> (locale, seed, [(column, generator, sensitive or role, entity, note)])
Column = tuple[str, Gen, bool | str, str, str]
SETS: dict[str, dict[str, tuple[str, int, list[Column]]]] = {
    "dev": {
        "dev_accounts": ("en_US", 11, [
            ("given_name", faker("first_name"), True, "first_name", ""),
            ("family_name", faker("last_name"), True, "last_name", ""),
            ("email_address", faker("email"), True, "email", ""),
            ("home_phone", faker("phone_number"), True, "phone", "Faker US formats, extensions"),
            ("birth_date", date_of_birth("%Y-%m-%d"), True, "date_of_birth", ""),
            ("zip_code", faker("zipcode_plus4"), True, "postcode", "ZIP+4"),
            ("credit_card", faker("credit_card_number", card_type="visa"), True, "payment_card", ""),
            ("user_login", faker("user_name"), True, "username", ""),
            ("ipv4", faker("ipv4_public"), True, "ip_address", ""),
            ("account_status", choice("active", "suspended", "closed"), False, "none", ""),
            ("created_at", recent_date("%Y-%m-%d %H:%M:%S"), False, "none", ""),
            ("comments", faker("sentence", nb_words=9), True, "free_text_pii", "policy: notes are sensitive"),
        ]),
        "dev_orders": ("en_GB", 12, [
            ("order_no", sequence(500_000), False, "none", "sequential id"),
            ("cust_no", number(10_000, 99_999, "CU{}"), True, "customer_id", "foreign key to customers"),
            ("ship_postcode", faker("postcode"), True, "postcode", "a person's delivery postcode"),
            ("order_total", money(5, 400), False, "none", ""),
            ("item_desc", product_description, False, "none", "product text without PII"),
            ("qty", number(1, 9), False, "none", ""),
            ("sku_number", number(7_000_000_000, 7_999_999_999), False, "none", "phone-like codes"),
            ("nat_ins_no", nino, True, "uk_nino", ""),
            ("dispatch_city", choice("Leeds", "Bristol", "Glasgow", "Cardiff"), False, "none",
             "warehouse city, business"),
            ("ref16", sixteen_failing_luhn, False, "none", "16-digit refs failing Luhn"),
        ]),
        "dev_mitglieder": ("de_DE", 13, [
            ("Mitgliedsnummer", sequence(20_001), True, "customer_id", ""),
            ("Rufname", faker("first_name"), True, "first_name", ""),
            ("Familienname", faker("last_name"), True, "last_name", ""),
            ("Wohnort", faker("city"), True, "city", ""),
            ("Handy", faker("phone_number"), True, "phone", ""),
            ("Kontonummer", number(1_000_000_000, 9_999_999_999), True, "bank_account", "German 10-digit accounts"),
            ("Artikelname", product_name, False, "none", "product names"),
            ("Beitrag", money(5, 50), False, "none", "membership fee"),
        ]),
    },
    "test": {
        "crm_customers_uk": ("en_GB", 21, [
            ("cust_id", sequence(100_001, "C{}"), True, "customer_id", ""),
            ("fname", faker("first_name"), True, "first_name", ""),
            ("lname", faker("last_name"), True, "last_name", ""),
            ("e_mail", faker("email"), True, "email", ""),
            ("mobile", faker("phone_number"), True, "phone", ""),
            ("addr_line1", faker("street_address"), True, "street_address", ""),
            ("town", faker("city"), True, "city", "a customer's town (fictional Faker towns)"),
            ("post_code", faker("postcode"), True, "postcode", ""),
            ("d_o_b", date_of_birth("%d/%m/%Y"), True, "date_of_birth", ""),
            ("nino", nino, True, "uk_nino", ""),
            ("gender", choice("M", "F", "X", "M", "F"), "quasi_identifier", "gender", "policy: a quasi-identifier"),
            ("signup_date", recent_date("%d/%m/%Y"), False, "none", "date, not a birth date"),
            ("loyalty_tier", choice("Gold", "Silver", "Bronze"), False, "none", ""),
            ("marketing_opt_in", choice("Y", "N"), False, "none", ""),
        ]),
        "us_patients": ("en_US", 22, [
            ("patient_id", number(1_000_000, 9_999_999, "P{}"), True, "customer_id", ""),
            ("full_name", faker("name"), True, "person_name", ""),
            ("SSN", faker("ssn"), True, "us_ssn", ""),
            ("birthDate", date_of_birth("%m/%d/%Y"), True, "date_of_birth", ""),
            ("phoneNumber", faker("phone_number"), True, "phone", ""),
            ("zip", faker("zipcode"), True, "postcode", ""),
            ("diagnosis", choice("E11.9", "I10", "J45.909", "F32.1", "M54.5", "K21.9"), True, "medical_condition",
             "ICD-10 codes"),
            ("race", choice("White", "Black or African American", "Asian", "American Indian", "Other"), True,
             "ethnicity", ""),
            ("insurance_plan", choice("Bronze PPO", "Silver HMO", "Gold PPO"), False, "none", ""),
            ("visit_count", number(1, 40), False, "none", ""),
        ]),
        "nhs_referrals": ("en_GB", 23, [
            ("nhs_no", nhs, True, "nhs_number", "NHS test range 999"),
            ("referral_date", recent_date("%Y-%m-%d"), False, "none", ""),
            ("clinic_code", choice("RX1", "RX2", "RTH", "RGT"), False, "none", ""),
            ("age", number(18, 95), True, "age", ""),
            ("agent_notes", notes_with_pii, True, "free_text_pii", "about 30% of notes hold PII"),
        ]),
        "kunden": ("de_DE", 24, [
            ("Kundennummer", number(100_000, 999_999, "K-{}"), True, "customer_id", ""),
            ("Vorname", faker("first_name"), True, "first_name", ""),
            ("Nachname", faker("last_name"), True, "last_name", ""),
            ("Geburtsdatum", date_of_birth("%d.%m.%Y"), True, "date_of_birth", ""),
            ("Straße", faker("street_address"), True, "street_address", ""),
            ("PLZ", faker("postcode"), True, "postcode", ""),
            ("Ort", faker("city"), True, "city", ""),
            ("Telefon", faker("phone_number"), True, "phone", ""),
            ("IBAN", faker("iban"), True, "iban", ""),
            ("Gehalt", money(28_000, 140_000), True, "salary", ""),
            ("Geschlecht", choice("männlich", "weiblich", "divers"), "quasi_identifier", "gender",
             "policy: a quasi-identifier"),
        ]),
        "clients_fr": ("fr_FR", 25, [
            ("nom", faker("last_name"), True, "last_name", ""),
            ("prenom", faker("first_name"), True, "first_name", ""),
            ("date_naissance", date_of_birth("%d/%m/%Y"), True, "date_of_birth", ""),
            ("courriel", faker("email"), True, "email", ""),
            ("numero_carte", faker("credit_card_number", card_type="mastercard"), True, "payment_card", ""),
            ("code_postal", faker("postcode"), True, "postcode", ""),
            ("pays", choice("France", "Belgique", "Suisse"), False, "none", ""),
        ]),
        "clientes_es": ("es_ES", 26, [
            ("nombre_completo", faker("name"), True, "person_name", ""),
            ("dni", dni, True, "national_id", ""),
            ("telefono_movil", faker("phone_number"), True, "phone", ""),
            ("direccion", faker("street_address"), True, "street_address", ""),
            ("importe", money(10, 900), False, "none", ""),
        ]),
        "klanten_nl": ("nl_NL", 27, [
            ("klantnummer", sequence(7_000_001), True, "customer_id", ""),
            ("achternaam", faker("last_name"), True, "last_name", ""),
            ("geboortedatum", date_of_birth("%d-%m-%Y"), True, "date_of_birth", ""),
            ("rekeningnummer", faker("iban"), True, "iban", "Dutch account numbers are IBANs"),
            ("postcode", faker("postcode"), True, "postcode", ""),
            ("woonplaats", faker("city"), True, "city", ""),
        ]),
        "payments": ("en_GB", 28, [
            ("payment_id", faker("uuid4"), False, "none", ""),
            ("customer_id", number(100_001, 100_240, "C{}"), True, "customer_id", "foreign key"),
            ("card_number", faker("credit_card_number"), True, "payment_card", ""),
            ("last4", faker("numerify", text="####"), False, "none",
             "replaced by the card's last 4 below; policy: last 4 digits alone are not sensitive"),
            ("amount", money(1, 2_000), False, "none", ""),
            ("currency", choice("GBP", "EUR", "USD"), False, "none", ""),
            ("sort_code", number(100_000, 999_999), True, "sort_code", "stored without dashes"),
            ("acct_no", number(10_000_000, 99_999_999), True, "bank_account", ""),
            ("bic", choice("NWBKGB2L", "BARCGB22", "HBUKGB4B", "LOYDGB2L"), False, "none", "bank identifier"),
            ("order_reference", sixteen_failing_luhn, False, "none", "16-digit ids failing Luhn"),
        ]),
        "telecom_subscribers": ("en_GB", 29, [
            ("msisdn", msisdn, True, "msisdn", ""),
            ("imsi", imsi, True, "imsi", ""),
            ("imei", imei, True, "imei", ""),
            ("tariff", choice("SIM Only 5GB", "SIM Only 30GB", "Unlimited", "Pay As You Go"), False, "none", ""),
            ("arpu", money(5, 80), False, "none", ""),
            ("mcc", choice("234"), False, "none", "one constant network code"),
            ("data_usage_mb", number(0, 90_000), False, "none", ""),
        ]),
        "web_sessions": ("en_US", 30, [
            ("session_id", faker("uuid4"), False, "none", "random token, no meaning"),
            ("user_name", faker("user_name"), True, "username", ""),
            ("client_ip", lambda f, r: f.ipv4_public() if r.random() < 0.7 else f.ipv6(), True, "ip_address", ""),
            ("user_agent", faker("user_agent"), False, "none", ""),
            ("page_views", number(1, 60), False, "none", ""),
            ("last_login", recent_date("%Y-%m-%dT%H:%M:%S"), False, "none", ""),
            ("app_version", lambda _, r: f"{r.randint(1, 9)}.{r.randint(0, 20)}.{r.randint(0, 9)}.{r.randint(0, 99)}",
             False, "none", "version strings shaped like IPv4"),
        ]),
        "products": ("en_GB", 31, [
            ("sku", number(10_000, 99_999, "SKU-{}-XL"), False, "none", ""),
            ("name", product_name, False, "none", "misleading name: a product's name"),
            ("description", product_description, False, "none", "free text without PII"),
            ("product_code", number(7_000_000_000, 7_999_999_999), False, "none", "10 digits, like US phones"),
            ("price", money(2, 300), False, "none", ""),
            ("ean", ean13, False, "none", "13-digit barcodes"),
        ]),
        "stores": ("en_GB", 32, [
            ("store_id", sequence(1), False, "none", ""),
            ("store_name", lambda f, _: f"Doppel {f.city()}", False, "none", ""),
            ("city", faker("city"), False, "none", "a store's city: business, not personal"),
            ("phone", faker("phone_number"), False, "none", "a store's phone: business contact"),
            ("manager", faker("name"), True, "person_name", "a person's name under a neutral column name"),
        ]),
        "invoices": ("en_GB", 33, [
            ("number", number(10_000, 99_999, "INV-{}"), False, "none", "misleading name: invoice number"),
            ("order_date", recent_date("%Y-%m-%d"), False, "none", ""),
            ("customer_ref", number(100_001, 100_240, "C{}"), True, "customer_id", ""),
            ("total", money(10, 5_000), False, "none", ""),
            ("discount_code", number(10_000, 99_999), False, "none", "five digits, like ZIP codes"),
        ]),
        "hr_employees": ("en_GB", 34, [
            ("employee_number", sequence(4_001, "E{}"), True, "customer_id", ""),
            ("salary", money(21_000, 160_000), True, "salary", ""),
            ("ni_number", nino, True, "uk_nino", ""),
            ("religion", choice("Christian", "Muslim", "None", "Hindu", "Jewish", "Sikh", "Prefer not to say"), True,
             "other_pii", "special-category data"),
            ("job_title", faker("job"), False, "none", ""),
            ("hire_date", recent_date("%Y-%m-%d"), False, "none", ""),
        ]),
        "masked_extract": ("en_GB", 35, [
            ("pan", masked(faker("credit_card_number", card_type="visa16"), 4), True, "payment_card", "XXXX...1234"),
            ("email", masked_email, True, "email", "j****@domain"),
            ("account_no", masked(number(10_000_000, 99_999_999), 4, "*"), True, "bank_account", "****5678"),
            ("passport_no", lambda _, __: "XXXXXXXXX", True, "national_id", "fully masked"),
        ]),
        "extract_0": ("en_GB", 36, [
            ("col_a", faker("email"), True, "email", "no name to go by"),
            ("col_b", faker("phone_number"), True, "phone", ""),
            ("col_c", faker("iban"), True, "iban", ""),
            ("col_d", faker("word"), False, "none", ""),
            ("col_e", faker("postcode"), True, "postcode", ""),
        ]),

        # ---- batch 2: columns added after the classifier was tuned, labelled before it was run on them
        "patienten_stationaer": ("de_DE", 41, [
            ("Patientennr", sequence(880_001), True, "customer_id", "a patient number"),
            ("Station", choice("Station 3 - Kardiologie", "Station 7 - Onkologie", "Intensivstation", "Geburtshilfe",
                               "Station 2 - Innere Medizin", "Unfallchirurgie", "Psychiatrie", "Neurologie"), True,
             "medical_condition", "the ward a patient is on reveals the illness"),
            ("Hauptdiagnose", choice("I21.0", "J18.9", "E11.90", "F32.1", "C50.9", "K35.8", "S72.00", "N39.0",
                                     "I10.90", "O80"), True, "medical_condition", "ICD-10-GM codes"),
            ("Blutgruppe", choice("A Rh+", "A Rh-", "0 Rh+", "0 Rh-", "B Rh+", "B Rh-", "AB Rh+", "AB Rh-"), True,
             "medical_condition", "German notation: 0 for O"),
            ("Körpergewicht", decimal(45, 130, comma=True), True, "medical_condition", "a patient's weight"),
            ("Raucher", choice("ja", "nein", "ehemalig"), True, "medical_condition", "smoking status"),
            ("Aufnahmedatum", recent_date("%d.%m.%Y"), False, "none", ""),
            ("Behandelnder_Arzt", titled_name("Dr. med.", "Prof. Dr.", "Dr."), True, "person_name", "a clinician"),
        ]),
        "dossiers_medicaux": ("fr_FR", 42, [
            ("numero_dossier", sequence(300_001, "D{}"), True, "customer_id", "a patient record number"),
            ("groupe_sanguin", choice("A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-"), True, "medical_condition",
             ""),
            ("antecedents", choice("Diabète de type 2", "Asthme", "Hypertension artérielle", "Aucun",
                                   "Insuffisance cardiaque", "Dépression", "Épilepsie", "Cancer du sein (rémission)"),
             True, "medical_condition", "medical history"),
            ("traitement_en_cours", choice("Metformine 500 mg", "Ventoline", "Lévothyrox 50 µg", "Aucun",
                                           "Amlodipine 5 mg", "Sertraline 50 mg"), True, "medical_condition",
             "current medication"),
            ("taille_cm", number(150, 195), True, "medical_condition", "a patient's height"),
            ("medecin_traitant", titled_name("Dr", "Docteur"), True, "person_name", "a clinician"),
            ("date_consultation", recent_date("%d/%m/%Y"), False, "none", ""),
        ]),
        "historias_clinicas": ("es_ES", 43, [
            ("alergias_conocidas", choice("Penicilina", "Ninguna conocida", "Polen", "Ácaros", "Marisco", "Látex",
                                          "Ibuprofeno"), True, "medical_condition", ""),
            ("codigo_cie10", choice("E11.9", "J45.9", "I10", "M54.5", "F41.1", "K29.7", "N18.3", "G43.9"), True,
             "medical_condition", "ICD-10 codes (CIE-10)"),
            ("imc", decimal(17, 40), True, "medical_condition", "body mass index"),
            ("fumador", choice("Sí", "No", "Exfumador"), True, "medical_condition", "smoking status"),
            ("peso_kg", decimal(48, 120), True, "medical_condition", "a patient's weight"),
        ]),
        "zorgdossier": ("nl_NL", 44, [
            ("bloedgroep", choice("A+", "A-", "0+", "0-", "B+", "B-", "AB+", "AB-"), True, "medical_condition", ""),
            ("medicijnen", choice("Paracetamol 500 mg", "Omeprazol 20 mg", "Metoprolol 50 mg", "Geen",
                                  "Salbutamol inhalator", "Simvastatine 40 mg"), True, "medical_condition", ""),
            ("lengte_cm", number(150, 200), True, "medical_condition", "a patient's height"),
            ("huisarts", titled_name("dr.", "Dr.", initial=True), True, "person_name", "the patient's GP"),
            ("afspraak_datum", recent_date("%d-%m-%Y"), False, "none", ""),
        ]),
        "standing_orders": ("en_GB", 45, [
            ("payment_details", payment_text(EN_REFERENCES, EN_PLAIN, 0.3), True, "free_text_pii",
             "30% name a person"),
            ("value_date", recent_date("%Y-%m-%d"), False, "none", ""),
            ("amount_gbp", money(5, 900), False, "none", ""),
        ]),
        "ueberweisungen": ("de_DE", 46, [
            ("Verwendungszweck", payment_text(DE_REFERENCES, DE_PLAIN, 0.3), True, "free_text_pii",
             "30% name a person"),
            ("Buchungsdatum", recent_date("%d.%m.%Y"), False, "none", ""),
        ]),
        "hospital_wards": ("en_GB", 47, [
            ("ward", choice("Ward 9 - Cardiology", "Ward 4 - Oncology", "Maternity", "Ward 12 - Respiratory",
                            "Stroke Unit", "ICU"), False, "none", "a list of wards, not about patients"),
            ("ward_capacity", number(8, 40), False, "none", ""),
            ("beds_occupied", number(0, 40), False, "none", ""),
            ("nurse_in_charge", faker("name"), True, "person_name", "a staff member's name"),
        ]),
        "shipments": ("en_GB", 48, [
            ("parcel_ref", number(10**11, 10**12 - 1, "PX{}"), False, "none", ""),
            ("weight_kg", decimal(0.2, 30), False, "none", "a parcel's weight"),
            ("height_cm", number(5, 120), False, "none", "a parcel's height"),
            ("service", choice("Next day", "Standard", "Economy"), False, "none", ""),
        ]),
        "blood_bank_stock": ("en_GB", 49, [
            ("blood_group", choice("A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-"), False, "none",
             "stock per blood group: no person"),
            ("units_available", number(0, 300), False, "none", ""),
            ("expiry_date", recent_date("%Y-%m-%d"), False, "none", ""),
        ]),
        "pharmacy_catalogue": ("en_GB", 50, [
            ("medication", choice("Ibuprofen 200 mg tablets x16", "Paracetamol 500 mg caplets x32",
                                  "Cetirizine 10 mg x30", "Omeprazole 10 mg x14", "Loratadine 10 mg x7"), False,
             "none", "products for sale, no patient"),
            ("price", money(1, 15), False, "none", ""),
        ]),
        "gym_members": ("en_GB", 51, [
            ("sex", choice("Male", "Female"), "quasi_identifier", "gender", "policy: a quasi-identifier"),
            ("card_last_four", faker("numerify", text="####"), False, "none", "policy: last 4 digits alone"),
            ("birth_dt", mixed_dates_of_birth, True, "date_of_birth", "mixed date formats"),
            ("weight_kg", decimal(50, 120), True, "medical_condition", "a member's body weight"),
        ]),
    },
    # ---- issue 10. dev3: tuned on. test3: held out, labelled by the policy before the classifier ran on it
    "dev3": {
        "inpatient_spells": ("en_GB", 81, [
            ("spell_id", number(4_000_000, 4_999_999), "non_sensitive", "none", "an event key"),
            ("hosp_no", number(1_000_000, 9_999_999, "RX{}"), "identifier", "customer_id", "a patient's number"),
            ("admit_date", recent_date("%d/%m/%Y"), "non_sensitive", "none", ""),
            ("los_days", skewed(0.2, 60), "non_sensitive", "none", "length of stay"),
            ("dx_primary", choice(*ICD9_DEV), "sensitive_attribute", "medical_condition", "ICD-9-CM codes"),
            ("dx_secondary", choice("I10", "E11.9", "J44.1", "N18.3", "F41.9", "Z87.891", "K57.30", "M81.0"),
             "sensitive_attribute", "medical_condition", "ICD-10 codes"),
            ("med_count", number(0, 20), "non_sensitive", "none", "policy: a count"),
            ("n_diagnoses", number(1, 12), "non_sensitive", "none", "policy: a count"),
            ("lab_tests_ordered", number(0, 60), "non_sensitive", "none", "a count"),
            ("total_procedures", skewed(0.8, 9), "non_sensitive", "none", "a count"),
            ("severity_score", number(1, 10), "non_sensitive", "none", "a score"),
            ("allergy_count", skewed(1.2, 5), "non_sensitive", "none", "policy: a count"),
            ("specialty", choice("Cardiology", "Respiratory Medicine", "Geriatrics", "General Surgery", "Oncology",
                                 "Gastroenterology", "Trauma & Orthopaedics"), "sensitive_attribute",
             "medical_condition", "the specialty a patient is under"),
            ("smoker_flag", choice("Y", "N", "N"), "sensitive_attribute", "medical_condition", "smoking"),
            ("blood_type", choice("A+", "A-", "B+", "O+", "O-", "AB+"), "sensitive_attribute", "medical_condition",
             ""),
            ("weight_kg", decimal(40, 140), "sensitive_attribute", "medical_condition", "a patient's weight"),
            ("ethnicity", choice("White British", "Asian or Asian British", "Black or Black British", "Mixed",
                                 "Other ethnic group", "Not stated"), "sensitive_attribute", "ethnicity", ""),
            ("sex", choice("M", "F"), "quasi_identifier", "gender", ""),
            ("age_band", band(["18-29", "30-44", "45-64", "65-74", "75+"]), "quasi_identifier", "age", ""),
            ("glucose_result", choice("Normal", "High", "Very high", "Not tested"), "sensitive_attribute",
             "medical_condition", "a lab result"),
            ("on_insulin", choice("Yes", "No", "No"), "sensitive_attribute", "medical_condition", "medication"),
        ]),
        "fleet_uk": ("en_GB", 82, [
            ("reg_no", uk_plate(current=0.6, spaced=0.7), "identifier", "vehicle_registration",
             "current, prefix and suffix styles"),
            ("driver_name", faker("name"), "identifier", "person_name", ""),
            ("make", choice("Ford", "Vauxhall", "Peugeot", "Mercedes-Benz", "Renault"), "non_sensitive", "none", ""),
            ("mileage", number(2_000, 180_000), "non_sensitive", "none", ""),
            ("mot_due", recent_date("%Y-%m-%d"), "non_sensitive", "none", ""),
            ("defects_count", skewed(1.0, 6), "non_sensitive", "none", ""),
            ("depot", choice("Leeds", "Crewe", "Swindon", "Motherwell"), "non_sensitive", "none", "business"),
            ("complaints_received", skewed(1.0, 8), "non_sensitive", "none", "a count"),
        ]),
        "rental_contracts": ("en_US", 83, [
            ("contract_no", number(30_000_000, 39_999_999, "RA{}"), "non_sensitive", "none", "an event key"),
            ("plate_number", us_plate, "identifier", "vehicle_registration", ""),
            ("renter_name", faker("name"), "identifier", "person_name", ""),
            ("renter_dob", date_of_birth("%m/%d/%Y"), "quasi_identifier", "date_of_birth", ""),
            ("pickup_branch", choice("LAX Airport", "Downtown Denver", "Midtown Atlanta", "Orlando MCO"),
             "non_sensitive", "none", ""),
            ("daily_rate", money(29, 160), "non_sensitive", "none", ""),
            ("damage_reports", skewed(2.0, 4), "non_sensitive", "none", ""),
            ("registration_state", choice("CA", "CO", "GA", "FL", "NV"), "non_sensitive", "none",
             "coarse geography"),
        ]),
        "mietwagen": ("de_DE", 84, [
            ("amtliches_Kennzeichen", de_plate(hyphen=0.3), "identifier", "vehicle_registration", ""),
            ("Mieter", faker("name"), "identifier", "person_name", ""),
            ("Kaution", money(100, 1_500), "non_sensitive", "none", ""),
            ("Anzahl_Fahrer", number(1, 3), "non_sensitive", "none", ""),
            ("Rueckgabedatum", recent_date("%d.%m.%Y"), "non_sensitive", "none", ""),
        ]),
        "leasecontracten": ("nl_NL", 85, [
            ("voertuig_kenteken", nl_plate, "identifier", "vehicle_registration", ""),
            ("leasenemer", faker("name"), "identifier", "person_name", "the lessee"),
            ("maandtermijn", money(250, 1_200), "non_sensitive", "none", ""),
            ("einddatum", recent_date("%d-%m-%Y"), "non_sensitive", "none", ""),
        ]),
        "call_centre": ("en_GB", 86, [
            ("ticket_id", number(600_000, 699_999, "T{}"), "non_sensitive", "none", ""),
            ("caller_msisdn", msisdn, "identifier", "msisdn", ""),
            ("complaints_total", skewed(1.0, 7), "non_sensitive", "none", "a count"),
            ("complaint_text", notes_with_pii, "identifier", "free_text_pii", ""),
            ("csat_score", choice("1", "2", "3", "4", "5"), "non_sensitive", "none", ""),
            ("handled_by", faker("name"), "identifier", "person_name", "an agent's name"),
            ("call_date", recent_date("%Y-%m-%d"), "non_sensitive", "none", ""),
        ]),
        "empleados": ("es_ES", 87, [
            ("num_empleado", sequence(3_001), "identifier", "customer_id", ""),
            ("nombre", faker("first_name"), "identifier", "first_name", ""),
            ("apellidos", faker("last_name"), "identifier", "last_name", ""),
            ("salario_bruto", number(18_000, 80_000), "sensitive_attribute", "salary", ""),
            ("dias_baja", skewed(0.3, 40), "non_sensitive", "none", "sick-leave days: a count"),
            ("departamento", choice("Ventas", "Finanzas", "Logística", "Sistemas"), "non_sensitive", "none", ""),
            ("provincia", choice("Madrid", "Barcelona", "Valencia", "Sevilla", "Bizkaia"), "non_sensitive", "none",
             "coarse geography"),
            ("fecha_alta", recent_date("%d/%m/%Y"), "non_sensitive", "none", ""),
            ("discapacidad", choice("No", "No", "No", "Sí"), "sensitive_attribute", "medical_condition", ""),
        ]),
        "eleves": ("fr_FR", 88, [
            ("numero_eleve", number(100_000, 999_999), "identifier", "customer_id", "a pupil's number"),
            ("nom_eleve", faker("name"), "identifier", "person_name", ""),
            ("date_naissance", young_date_of_birth("%d/%m/%Y"), "quasi_identifier", "date_of_birth", ""),
            ("moyenne_generale", two_decimals(6, 19), "non_sensitive", "none", ""),
            ("nombre_absences", skewed(0.3, 30), "non_sensitive", "none", ""),
            ("classe", choice("2nde A", "2nde B", "1ère S", "Tle ES"), "non_sensitive", "none", ""),
            ("allergies", choice("Aucune", "Aucune", "Arachide", "Gluten", "Lactose", "Pollen"), "sensitive_attribute",
             "medical_condition", ""),
        ]),
        "flota_es": ("es_ES", 89, [
            ("matricula", es_plate, "identifier", "vehicle_registration", ""),
            ("conductor", faker("name"), "identifier", "person_name", ""),
            ("km_recorridos", number(100, 90_000), "non_sensitive", "none", ""),
            ("incidencias", skewed(1.0, 6), "non_sensitive", "none", "a count"),
        ]),
    },
    "test3": {
        "diabetes_encounters": ("en_US", 61, [
            ("encounter_id", number(12_000_000, 440_000_000), "non_sensitive", "none", "an encounter's key"),
            ("patient_nbr", number(100_000, 190_000_000), "identifier", "customer_id", "a patient's number"),
            ("race", choice("Caucasian", "Caucasian", "Caucasian", "AfricanAmerican", "Hispanic", "Asian", "Other",
                            "?"), "sensitive_attribute", "ethnicity", ""),
            ("gender", choice("Female", "Male", "Female", "Male", "Unknown/Invalid"), "quasi_identifier", "gender",
             ""),
            ("age", band(["[30-40)", "[40-50)", "[50-60)", "[60-70)", "[70-80)", "[80-90)"]), "quasi_identifier",
             "age", "ten-year bands"),
            ("weight", band(["[25-50)", "[50-75)", "[75-100)", "[100-125)", "[125-150)"], missing=0.6),
             "sensitive_attribute", "medical_condition", "a patient's body weight band"),
            ("admission_type_id", numeric_code(1, 8), "non_sensitive", "none", "a code of the admission's type"),
            ("discharge_disposition_id", numeric_code(1, 28), "non_sensitive", "none", ""),
            ("admission_source_id", numeric_code(1, 25), "non_sensitive", "none", ""),
            ("time_in_hospital", number(1, 14), "non_sensitive", "none", "days"),
            ("payer_code", choice("MC", "MD", "HM", "UN", "BC", "SP", "CP", "SI", "DM", "CM", "PO", "WC", "OT"),
             "non_sensitive", "none", ""),
            ("medical_specialty", band(["InternalMedicine", "Cardiology", "Surgery-General", "Family/GeneralPractice",
                                        "Orthopedics", "Nephrology", "Emergency/Trauma", "Psychiatry", "Pulmonology"],
                                       missing=0.4), "sensitive_attribute", "medical_condition",
             "the specialty a patient is under"),
            ("num_lab_procedures", number(1, 132), "non_sensitive", "none", "policy: a count"),
            ("num_procedures", number(0, 6), "non_sensitive", "none", "policy: a count"),
            ("num_medications", number(1, 81), "non_sensitive", "none", "policy: a count"),
            ("number_outpatient", skewed(1.5, 40), "non_sensitive", "none", "a count"),
            ("number_emergency", skewed(2.0, 40), "non_sensitive", "none", "a count"),
            ("number_inpatient", skewed(1.2, 20), "non_sensitive", "none", "a count"),
            ("diag_1", choice(*ICD9_TEST), "sensitive_attribute", "medical_condition", "ICD-9-CM codes"),
            ("diag_2", choice(*ICD9_TEST), "sensitive_attribute", "medical_condition", "ICD-9-CM codes"),
            ("diag_3", choice(*ICD9_TEST), "sensitive_attribute", "medical_condition", "ICD-9-CM codes"),
            ("number_diagnoses", number(1, 16), "non_sensitive", "none", "policy: a count"),
            ("max_glu_serum", choice("None", "None", "None", "None", ">200", ">300", "Norm"), "sensitive_attribute",
             "medical_condition", "a glucose test result"),
            ("A1Cresult", choice("None", "None", "None", ">7", ">8", "Norm"), "sensitive_attribute",
             "medical_condition", "an HbA1c test result"),
            ("metformin", choice(*MED_CHANGE), "sensitive_attribute", "medical_condition", "a drug's dosage change"),
            ("insulin", choice(*MED_CHANGE), "sensitive_attribute", "medical_condition", "a drug's dosage change"),
            ("change", choice("No", "Ch"), "sensitive_attribute", "medical_condition",
             "diabetes medication changed: medication"),
            ("diabetesMed", choice("Yes", "No"), "sensitive_attribute", "medical_condition",
             "on diabetes medication: medication"),
            ("readmitted", choice("NO", ">30", "<30"), "non_sensitive", "none", "an encounter's outcome"),
        ]),
        "hr_staff_records": ("en_GB", 62, [
            ("staff_no", sequence(10_231, "E{}"), "identifier", "customer_id", ""),
            ("forename", faker("first_name"), "identifier", "first_name", ""),
            ("surname", faker("last_name"), "identifier", "last_name", ""),
            ("work_email", faker("company_email"), "identifier", "email", "a named employee's address"),
            ("ni_number", nino, "identifier", "uk_nino", ""),
            ("home_postcode", faker("postcode"), "quasi_identifier", "postcode", ""),
            ("gender", choice("Female", "Male", "Female", "Male", "Non-binary"), "quasi_identifier", "gender", ""),
            ("ethnic_origin", choice("White British", "White Irish", "Asian British - Indian",
                                     "Black British - Caribbean", "Mixed - White and Asian", "Chinese",
                                     "Prefer not to say", "White - Other"), "sensitive_attribute", "ethnicity", ""),
            ("disability_status", choice("No", "No", "No", "Yes", "Prefer not to say"), "sensitive_attribute",
             "medical_condition", ""),
            ("date_joined", recent_date("%d/%m/%Y"), "non_sensitive", "none", ""),
            ("department", choice("Finance", "Operations", "IT", "HR", "Sales", "Legal"), "non_sensitive", "none",
             ""),
            ("grade", choice("Band 3", "Band 4", "Band 5", "Band 6", "Band 7", "Band 8a"), "non_sensitive", "none",
             ""),
            ("annual_salary", number(19_000, 95_000), "sensitive_attribute", "salary", ""),
            ("overtime_hours", decimal(0, 40), "non_sensitive", "none", ""),
            ("sick_days_ytd", skewed(0.4, 25), "non_sensitive", "none", "a count"),
            ("performance_score", choice("1", "2", "3", "4", "5"), "non_sensitive", "none", ""),
            ("line_manager", faker("name"), "identifier", "person_name", ""),
            ("office_location", choice("Leeds", "Manchester", "London", "Bristol", "Glasgow"), "non_sensitive",
             "none", "business location"),
        ]),
        "motor_policies": ("en_GB", 63, [
            ("policy_no", number(10_000_000, 99_999_999, "MP{}"), "identifier", "customer_id",
             "a policyholder's policy number"),
            ("policyholder", faker("name"), "identifier", "person_name", ""),
            ("date_of_birth", date_of_birth("%d/%m/%Y"), "quasi_identifier", "date_of_birth", ""),
            ("licence_number", uk_driving_licence, "identifier", "national_id", "DVLA driving licence numbers"),
            ("vehicle_reg", uk_plate(current=0.8), "identifier", "vehicle_registration", ""),
            ("vehicle_make", choice("Ford", "Vauxhall", "Volkswagen", "BMW", "Toyota", "Nissan", "Audi", "Kia"),
             "non_sensitive", "none", ""),
            ("year_of_manufacture", number(2004, 2024), "non_sensitive", "none", "a car's year, not a person's"),
            ("annual_premium", money(280, 2_400), "non_sensitive", "none", ""),
            ("no_claims_years", number(0, 15), "non_sensitive", "none", ""),
            ("claims_count", skewed(1.5, 4), "non_sensitive", "none", ""),
            ("risk_score", two_decimals(0, 100), "non_sensitive", "none", ""),
            ("region", choice("North West", "Yorkshire and the Humber", "London", "South East", "Scotland", "Wales",
                              "East Midlands"), "non_sensitive", "none", "coarse geography"),
            ("cover_type", choice("Comprehensive", "Third Party, Fire and Theft", "Third Party Only"),
             "non_sensitive", "none", ""),
            ("start_date", recent_date("%Y-%m-%d"), "non_sensitive", "none", ""),
            ("claim_notes", notes_with_pii, "identifier", "free_text_pii", "policy: notes are sensitive"),
        ]),
        "fuhrpark": ("de_DE", 64, [
            ("Kennzeichen", de_plate(), "identifier", "vehicle_registration", ""),
            ("Fahrer", faker("name"), "identifier", "person_name", ""),
            ("Marke", choice("VW", "BMW", "Mercedes-Benz", "Audi", "Opel", "Skoda"), "non_sensitive", "none", ""),
            ("Kilometerstand", number(1_000, 240_000), "non_sensitive", "none", ""),
            ("Erstzulassung", recent_date("%d.%m.%Y"), "non_sensitive", "none", "first registration date"),
            ("Standort", choice("Berlin", "München", "Hamburg", "Köln", "Frankfurt"), "non_sensitive", "none",
             "business location"),
            ("Schadensanzahl", skewed(1.2, 5), "non_sensitive", "none", "a count"),
        ]),
        "fleet_vehicles_us": ("en_US", 65, [
            ("unit_number", number(100, 999, "TRK-{}"), "non_sensitive", "none", "a fleet asset number"),
            ("license_plate", us_plate, "identifier", "vehicle_registration", ""),
            ("plate_state", choice("CA", "TX", "NY", "FL", "IL", "AZ"), "non_sensitive", "none", ""),
            ("assigned_driver", faker("name"), "identifier", "person_name", ""),
            ("driver_phone", faker("phone_number"), "identifier", "phone", ""),
            ("odometer_miles", number(500, 310_000), "non_sensitive", "none", ""),
            ("last_service_date", recent_date("%m/%d/%Y"), "non_sensitive", "none", ""),
            ("fuel_type", choice("Diesel", "Gasoline", "Electric", "Hybrid"), "non_sensitive", "none", ""),
            ("mpg", decimal(8, 48), "non_sensitive", "none", ""),
            ("violation_count", skewed(1.5, 6), "non_sensitive", "none", ""),
            ("complaint_count", skewed(1.0, 9), "non_sensitive", "none", "complaint counts are not sensitive"),
        ]),
        "parking_permits": ("en_GB", 66, [
            ("registration", uk_plate(current=0.55, spaced=0.5), "identifier", "vehicle_registration",
             "current, prefix and suffix styles"),
            ("resident_name", faker("name"), "identifier", "person_name", ""),
            ("address", faker("street_address"), "identifier", "street_address", ""),
            ("zone", choice("CPZ A", "CPZ B", "CPZ C", "CPZ D"), "non_sensitive", "none", ""),
            ("valid_from", recent_date("%d/%m/%Y"), "non_sensitive", "none", ""),
            ("fee_paid", money(30, 250), "non_sensitive", "none", ""),
        ]),
        "voertuigen": ("nl_NL", 67, [
            ("kenteken", nl_plate, "identifier", "vehicle_registration", ""),
            ("bestuurder", faker("name"), "identifier", "person_name", "the driver"),
            ("leasemaatschappij", choice("LeasePlan", "Athlon", "Arval", "ALD Automotive"), "non_sensitive", "none",
             ""),
            ("kilometerstand", number(1_000, 200_000), "non_sensitive", "none", ""),
            ("brandstof", choice("Benzine", "Diesel", "Elektrisch", "Hybride"), "non_sensitive", "none", ""),
            ("aantal_schades", skewed(1.2, 4), "non_sensitive", "none", "a count"),
        ]),
        "sinistres_auto": ("fr_FR", 68, [
            ("numero_sinistre", number(1_000_000, 9_999_999, "SIN-{}"), "non_sensitive", "none", "a claim's key"),
            ("immatriculation", fr_plate, "identifier", "vehicle_registration", ""),
            ("conducteur", faker("name"), "identifier", "person_name", "the driver"),
            ("code_postal", faker("postcode"), "quasi_identifier", "postcode", ""),
            ("departement", choice("75", "69", "13", "33", "59", "31", "44"), "non_sensitive", "none",
             "coarse geography"),
            ("date_sinistre", recent_date("%d/%m/%Y"), "non_sensitive", "none", ""),
            ("montant_indemnise", money(150, 18_000), "non_sensitive", "none", ""),
            ("nombre_blesses", skewed(2.5, 3), "non_sensitive", "none", "a count of people injured"),
        ]),
        "pedidos_online": ("es_ES", 69, [
            ("id_pedido", sequence(880_001, "PED-{}"), "non_sensitive", "none", ""),
            ("id_cliente", number(10_000, 99_999, "CLI{}"), "identifier", "customer_id", ""),
            ("email_cliente", faker("email"), "identifier", "email", ""),
            ("telefono", faker("phone_number"), "identifier", "phone", ""),
            ("direccion_envio", faker("street_address"), "identifier", "street_address", ""),
            ("codigo_postal", faker("postcode"), "quasi_identifier", "postcode", ""),
            ("provincia", choice("Madrid", "Barcelona", "Valencia", "Sevilla", "Málaga", "Zaragoza", "Asturias"),
             "non_sensitive", "none", "coarse geography"),
            ("importe_total", money(5, 600), "non_sensitive", "none", ""),
            ("num_articulos", number(1, 12), "non_sensitive", "none", ""),
            ("codigo_producto", ean13, "non_sensitive", "none", "EAN-13"),
            ("fecha_pedido", recent_date("%d/%m/%Y"), "non_sensitive", "none", ""),
            ("valoracion", choice("1", "2", "3", "4", "5"), "non_sensitive", "none", ""),
            ("puntos_fidelidad", number(0, 5_000), "non_sensitive", "none", ""),
        ]),
        "ae_attendances": ("en_GB", 70, [
            ("attendance_id", number(10_000_000, 99_999_999, "AE{}"), "non_sensitive", "none", "an event key"),
            ("nhs_number", nhs, "identifier", "nhs_number", ""),
            ("patient_surname", faker("last_name"), "identifier", "last_name", ""),
            ("arrival_time", timestamp("%Y-%m-%d %H:%M"), "non_sensitive", "none", ""),
            ("presenting_complaint", choice("Chest pain", "Fall", "Shortness of breath", "Abdominal pain",
                                            "Head injury", "Back pain", "Fever", "Laceration to hand",
                                            "Allergic reaction", "Collapse", "Overdose", "Ankle injury"),
             "sensitive_attribute", "medical_condition", "symptoms"),
            ("primary_diagnosis_icd10", choice(*ICD10_AE), "sensitive_attribute", "medical_condition", ""),
            ("num_investigations", number(0, 8), "non_sensitive", "none", "a count"),
            ("wait_minutes", number(5, 600), "non_sensitive", "none", ""),
            ("discharge_destination", choice("Home", "Admitted", "Transferred", "Left before treatment",
                                             "GP follow-up"), "non_sensitive", "none", ""),
            ("heart_rate", number(48, 140), "sensitive_attribute", "medical_condition", "a vital sign"),
            ("systolic_bp", number(85, 200), "sensitive_attribute", "medical_condition", "a vital sign"),
            ("gp_practice_code", gp_practice, "non_sensitive", "none", "an organisation's code"),
        ]),
        "ambulante_faelle": ("de_DE", 71, [
            ("Fallnummer", sequence(5_500_001), "non_sensitive", "none", "a case (event) key"),
            ("Versichertennummer", kvnr, "identifier", "national_id", "the lifelong health insurance number"),
            ("Diagnose_ICD", choice(*ICD10_GM), "sensitive_attribute", "medical_condition", "ICD-10-GM"),
            ("Fachrichtung", choice("Allgemeinmedizin", "Innere Medizin", "Orthopädie", "Dermatologie",
                                    "Psychiatrie", "Gynäkologie", "HNO"), "sensitive_attribute",
             "medical_condition", "the specialty treating the patient"),
            ("Anzahl_Besuche", number(1, 12), "non_sensitive", "none", "a count"),
            ("Arzneimittel_Anzahl", skewed(0.6, 9), "non_sensitive", "none", "policy: a count"),
            ("Behandlungsdatum", recent_date("%d.%m.%Y"), "non_sensitive", "none", ""),
            ("Krankenkasse", choice("AOK", "TK", "Barmer", "DAK", "IKK classic", "BKK"), "non_sensitive", "none",
             "the insurer: no health data"),
        ]),
        "student_records": ("en_US", 72, [
            ("student_id", number(200_000, 299_999, "S{}"), "identifier", "customer_id", ""),
            ("student_name", faker("name"), "identifier", "person_name", ""),
            ("date_of_birth", young_date_of_birth("%m/%d/%Y"), "quasi_identifier", "date_of_birth", ""),
            ("guardian_email", faker("email"), "identifier", "email", ""),
            ("grade_level", choice("9", "10", "11", "12"), "non_sensitive", "none", ""),
            ("gpa", two_decimals(1.5, 4.0), "non_sensitive", "none", ""),
            ("absences", skewed(0.3, 30), "non_sensitive", "none", ""),
            ("sat_score", number(800, 1_600), "non_sensitive", "none", ""),
            ("disability_support", choice("No", "No", "No", "Yes"), "sensitive_attribute", "medical_condition", ""),
            ("enrollment_date", recent_date("%m/%d/%Y"), "non_sensitive", "none", ""),
            ("school_district", choice("Northside ISD", "Eastwood USD", "Lakeview District 12", "Central Unified"),
             "non_sensitive", "none", ""),
        ]),
        "life_quotes": ("en_US", 73, [
            ("quote_id", faker("uuid4"), "non_sensitive", "none", ""),
            ("applicant_name", faker("name"), "identifier", "person_name", ""),
            ("dob", date_of_birth("%Y-%m-%d"), "quasi_identifier", "date_of_birth", ""),
            ("smoker", choice("Y", "N", "N", "N"), "sensitive_attribute", "medical_condition", ""),
            ("bmi", decimal(17, 42), "sensitive_attribute", "medical_condition", ""),
            ("height_in", number(58, 78), "sensitive_attribute", "medical_condition", ""),
            ("weight_lb", number(100, 320), "sensitive_attribute", "medical_condition", ""),
            ("coverage_amount", choice("100000", "250000", "500000", "750000", "1000000"), "non_sensitive", "none",
             ""),
            ("term_years", choice("10", "15", "20", "30"), "non_sensitive", "none", ""),
            ("monthly_premium", money(12, 450), "non_sensitive", "none", ""),
            ("state", choice("CA", "TX", "FL", "NY", "OH", "GA"), "non_sensitive", "none", ""),
        ]),
        "lineas_moviles": ("es_ES", 74, [
            ("numero_linea", es_mobile, "identifier", "msisdn", ""),
            ("imei", imei, "identifier", "imei", ""),
            ("titular", faker("name"), "identifier", "person_name", ""),
            ("nif", dni, "identifier", "national_id", ""),
            ("tarifa", choice("Tarifa 10GB", "Ilimitada", "Prepago", "Fibra + Móvil"), "non_sensitive", "none", ""),
            ("minutos_mes", number(0, 3_000), "non_sensitive", "none", ""),
            ("datos_gb", decimal(0, 100), "non_sensitive", "none", ""),
            ("num_reclamaciones", skewed(1.0, 5), "non_sensitive", "none", "a complaint count"),
            ("puntuacion_nps", number(0, 10), "non_sensitive", "none", ""),
            ("fecha_alta", recent_date("%d/%m/%Y"), "non_sensitive", "none", ""),
            ("provincia", choice("Madrid", "Barcelona", "Valencia", "Sevilla", "Bizkaia", "A Coruña"),
             "non_sensitive", "none", "coarse geography"),
            ("iban", faker("iban"), "identifier", "iban", ""),
        ]),
    },
}  # fmt: skip


# tables added after the classifier was tuned (scored on their own by bench/classify.py)
BATCH_2 = frozenset(
    {"patienten_stationaer", "dossiers_medicaux", "historias_clinicas", "zorgdossier", "standing_orders",
     "ueberweisungen", "hospital_wards", "shipments", "blood_bank_stock", "pharmacy_catalogue", "gym_members"}
)  # fmt: skip


def messy(values: list[str], r: random.Random, empty: float = 0.03) -> list[str]:
    """A few empty cells and stray spaces, as production exports have."""
    out = []
    for value in values:
        roll = r.random()
        out.append("" if roll < empty else f" {value}" if roll < empty + 0.01 else value)
    return out


def label(table: str, column: str, truth: bool | str, entity: str, note: str) -> dict[str, Any]:
    """One labels.yaml entry: a role given as text is written with the sensitive flag it implies."""
    if isinstance(truth, str):
        head: dict[str, Any] = {"table": table, "column": column, "sensitive": truth != "non_sensitive",
                                "role": truth, "entity": entity}  # fmt: skip
    else:
        head = {"table": table, "column": column, "sensitive": truth, "entity": entity}
    return head | ({"note": note} if note else {}) | ({"batch": 2} if table in BATCH_2 else {})


def build(names: list[str], write_csv: bool = True) -> None:
    labels: dict[str, list[dict[str, Any]]] = {}
    for set_name, tables in SETS.items():
        folder = HERE / set_name
        labels[set_name] = [
            label(table, column, truth, entity, note)
            for table, (_, _, columns) in tables.items()
            for column, _, truth, entity, note in columns
        ]
        if not write_csv or set_name not in names:
            continue
        folder.mkdir(exist_ok=True)
        for table, (locale, seed, columns) in tables.items():
            fake = Faker(locale)
            fake.seed_instance(seed)
            rng = random.Random(seed)
            data = {}
            for column, gen, *_ in columns:
                values = [gen(fake, rng) for _ in range(ROWS)]
                data[column] = messy(values, rng) if column not in {"last4"} else values
            frame = pd.DataFrame(data)
            if "last4" in frame and "card_number" in frame:
                frame["last4"] = frame["card_number"].str.strip().str[-4:]
            frame.to_csv(folder / f"{table}.csv", index=False)
    decisions = (__doc__ or "").split("Labelling decisions (also in labels.yaml):")[1].strip().splitlines()
    header = "# Ground truth for the sensitivity sets, generated by make_sets.py. Labelling decisions:\n"
    header += "".join(f"# {line.strip()}\n" if line.startswith("- ") else f"#   {line.strip()}\n" for line in decisions)
    (HERE / "labels.yaml").write_text(header + yaml.safe_dump(labels, sort_keys=False, allow_unicode=True))


if __name__ == "__main__":
    arguments = sys.argv[1:]
    unknown = sorted(set(arguments) - set(SETS) - {"--labels"})
    if unknown:
        sys.exit(f"unknown set(s) {', '.join(unknown)}; sets: {', '.join(SETS)}")
    build([a for a in arguments if a != "--labels"] or list(SETS), write_csv="--labels" not in arguments)
