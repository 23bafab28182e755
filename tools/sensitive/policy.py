"""What each entity type means for synthesis: its recommended strategy and how it is checked.

Labelling policy (one for the classifier and for both label sets, tests/data/sensitivity and
playbooks/samples/labels.yaml). "Sensitive" means any privacy role but ``non_sensitive``; the role says
what synthesis does (``tools.sensitive.model.Role``): identifiers are replaced, quasi-identifiers are
modelled and coarsened where a combination would single someone out, sensitive attributes are modelled
jointly and flagged. ``anonymise`` regenerates, pseudonymises, masks, generalises or perturbs them.

Sensitive:
- direct identifiers: names of anyone (customers, patients, next of kin, clinicians and other staff),
  contact details, government, health, bank, card, device and network identifiers, vehicle registrations
  and licence plates (any country's format: they lead to the registered keeper), and internal person keys
  (customer_id, patient_id, account_id) with their foreign keys;
- quasi-identifiers that are generalised: date of birth, age, postcode, street address, town of residence;
- special-category data (GDPR art. 9) about a person: ethnicity, religion and other art. 9 data, and health:
  diagnoses and their codes (ICD-10), the ward or specialty a patient is on, allergies, blood group,
  medication, smoking and alcohol, pregnancy, disability, vital signs and body measurements (weight,
  height, BMI) - even as a yes/no flag. The same words in a table that is not about persons (a ward list,
  a parcel's weight, blood-bank stock, a pharmacy catalogue) describe no one and are not sensitive;
- a person's pay (salary, income): a confidential personal amount (perturb);
- free text that may carry any of the above: notes and comments, and payment references that name
  people ("Rent - Aoife").

Roles: identifiers are the direct identifiers and person keys above; quasi-identifiers are date of birth,
age, postcode, town and gender; sensitive attributes are the special-category data and pay.

- gender / sex (entity ``gender``, strategy keep) is a quasi-identifier: sensitive, modelled with the rest
  (regenerating it independently would break its ties to titles, names and clinical columns), kept by
  ``anonymise`` (2-4 values that each cover a large share of any population: nothing to generalise it
  to), counted among the quasi-identifiers of the privacy evaluation.

Not sensitive:
- counts, amounts and scores whose name carries a health word or a complaint (number of medications,
  diagnoses counted, lab procedures, complaint counts): numbers about an encounter, not a condition;
- the last four digits of a card, alone or beside the card number: 10,000 values that necessarily recur
  (about one card in 10,000 shares them), and PCI DSS allows them to be displayed. Beside a card column
  the classifier warns that the synthesiser should derive them from the synthetic card. A pre-masked
  card column (XXXX...1234) is still a card column: sensitive, kept masked;
- bounded scores (credit score, NPS, churn risk), balances, amounts, fees, usage; event keys and dates
  (txn_id, episode_id, admission and order dates); business contact data; coarse geography (county).
"""

from __future__ import annotations

from tools.sensitive.model import EntityType, Role, Strategy

STRATEGY: dict[str, Strategy] = {
    # direct identifiers and contact data: regenerate
    "person_name": "synthesise", "first_name": "synthesise", "last_name": "synthesise", "email": "synthesise",
    "phone": "synthesise", "msisdn": "synthesise", "street_address": "synthesise", "username": "synthesise",
    "us_ssn": "synthesise", "uk_nino": "synthesise", "nhs_number": "synthesise", "national_id": "synthesise",
    "ip_address": "synthesise", "imei": "synthesise", "imsi": "synthesise", "free_text_pii": "synthesise",
    "sort_code": "synthesise", "gender": "synthesise", "ethnicity": "synthesise",
    "medical_condition": "synthesise", "other_pii": "synthesise", "vehicle_registration": "synthesise",
    # keys that join tables: a consistent pseudonym
    "customer_id": "pseudonymise",
    # payment data that keeps its last digits
    "payment_card": "mask", "iban": "mask", "bank_account": "mask",
    # quasi-identifiers: coarser values
    "date_of_birth": "generalise", "postcode": "generalise", "city": "generalise", "age": "generalise",
    # sensitive numbers: noise
    "salary": "perturb",
    "none": "keep",
}  # fmt: skip

ROLE: dict[str, Role] = {
    **{entity: "identifier" for entity in (
        "person_name", "first_name", "last_name", "email", "phone", "msisdn", "street_address", "username",
        "us_ssn", "uk_nino", "nhs_number", "national_id", "payment_card", "iban", "bank_account", "sort_code",
        "ip_address", "imei", "imsi", "free_text_pii", "customer_id", "vehicle_registration")},
    **{entity: "quasi_identifier" for entity in ("date_of_birth", "age", "postcode", "city", "gender")},
    **{entity: "sensitive_attribute" for entity in ("ethnicity", "medical_condition", "salary", "other_pii")},
}  # fmt: skip

# what a sensitive attribute is flagged as in reports and the audit
ATTRIBUTE_FLAG: dict[str, str] = {"ethnicity": "GDPR art. 9", "medical_condition": "GDPR art. 9",
                                  "other_pii": "GDPR art. 9", "salary": "confidential"}  # fmt: skip

ROLE_MEANING: dict[str, str] = {
    "identifier": "replaced by generated values in the sample's formats",
    "quasi_identifier": "modelled with the rest, coarsened where a combination would single someone out",
    "sensitive_attribute": "modelled jointly with the rest and flagged",
    "non_sensitive": "modelled as it is",
}


def role_for(entity: str, sensitive: bool) -> Role:
    """The role an entity implies: gender is always a quasi-identifier; an entity the policy does not
    place is an identifier when sensitive (replacing is the safe default)."""
    if entity == "gender":
        return "quasi_identifier"
    if not sensitive:
        return "non_sensitive"
    return ROLE.get(entity, "identifier")


def flag_for(entity: str, role: str) -> str | None:
    """``GDPR art. 9`` or ``confidential`` for a sensitive attribute, else None."""
    return ATTRIBUTE_FLAG.get(entity, "GDPR art. 9") if role == "sensitive_attribute" else None


ROLE_WORDS: dict[str, str] = {
    "identifier": "identifier",
    "quasi_identifier": "quasi-identifier",
    "sensitive_attribute": "sensitive attribute",
    "non_sensitive": "not sensitive",
}


def describe_role(role: str, flag: str | None = None) -> str:
    """A role in words, with its flag: ``identifier``, ``sensitive attribute (GDPR art. 9)``, ``not sensitive``."""
    words = ROLE_WORDS.get(role, role)
    return f"{words} ({flag})" if flag else words


# entities whose values a detector recognises, so values that do not match argue against the name
CHECKABLE: frozenset[str] = frozenset(
    {"person_name", "first_name", "last_name", "email", "phone", "msisdn", "street_address", "postcode",
     "date_of_birth", "us_ssn", "uk_nino", "nhs_number", "payment_card", "iban", "sort_code", "ip_address",
     "imei", "imsi", "gender", "age", "salary", "bank_account", "vehicle_registration"}
)  # fmt: skip

# special-category data (GDPR art. 9): sensitive even as a yes/no flag (smoker: Y/N)
SPECIAL_CATEGORY: frozenset[str] = frozenset({"medical_condition", "ethnicity", "other_pii"})

# quasi-identifiers that are recognised and reported but kept: not sensitive (see the module docstring)
KEPT_QUASI_IDENTIFIERS: frozenset[str] = frozenset({"gender"})

# entities whose recognition can join tables: the same column in two tables is pseudonymised
JOIN_KEYS: frozenset[str] = frozenset({"customer_id", "email", "username", "phone", "msisdn"})

# entities for which a locale matters to a generator (names, addresses, phone formats, ids)
LOCALISED: frozenset[str] = frozenset(
    {"person_name", "first_name", "last_name", "phone", "msisdn", "street_address", "postcode", "city",
     "date_of_birth", "national_id", "us_ssn", "uk_nino", "nhs_number", "iban", "bank_account", "sort_code",
     "free_text_pii", "vehicle_registration"}
)  # fmt: skip

# value evidence for one entity that also supports another (with a weight)
SUPPORTS: dict[str, dict[str, float]] = {
    "msisdn": {"phone": 0.95},
    "phone": {"msisdn": 0.95},
    "person_name": {"first_name": 0.8, "last_name": 0.8},
    "first_name": {"person_name": 0.6},
    "last_name": {"person_name": 0.6},
    "national_id": {"us_ssn": 0.9, "uk_nino": 0.9, "nhs_number": 0.9},
    "username": {"email": 0.7},
    "customer_id": {"username": 0.5},
}

LABEL: dict[str, str] = {
    "person_name": "person names", "first_name": "first names", "last_name": "surnames", "email": "email addresses",
    "phone": "phone numbers", "msisdn": "MSISDNs", "street_address": "street addresses", "postcode": "postcodes",
    "city": "city names", "date_of_birth": "dates of birth", "us_ssn": "US SSNs", "uk_nino": "UK NI numbers",
    "nhs_number": "NHS numbers", "national_id": "national ids", "payment_card": "payment card numbers",
    "iban": "IBANs", "bank_account": "bank account numbers", "sort_code": "sort codes", "ip_address": "IP addresses",
    "username": "user names", "free_text_pii": "free text with personal data", "customer_id": "customer ids",
    "imei": "IMEIs", "imsi": "IMSIs", "gender": "genders", "ethnicity": "ethnicities",
    "medical_condition": "medical conditions", "salary": "personal amounts", "age": "ages",
    "other_pii": "personal data", "vehicle_registration": "vehicle registrations", "none": "non-personal values",
}  # fmt: skip


def strategy_for(entity: EntityType, sensitive: bool) -> Strategy:
    """The recommended strategy of a decided column."""
    if not sensitive:
        return "keep"
    return STRATEGY.get(entity, "synthesise")
