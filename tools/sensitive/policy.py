"""What each entity type means for synthesis: its recommended strategy and how it is checked."""

from __future__ import annotations

from tools.sensitive.model import EntityType, Strategy

STRATEGY: dict[str, Strategy] = {
    # direct identifiers and contact data: regenerate
    "person_name": "synthesise", "first_name": "synthesise", "last_name": "synthesise", "email": "synthesise",
    "phone": "synthesise", "msisdn": "synthesise", "street_address": "synthesise", "username": "synthesise",
    "us_ssn": "synthesise", "uk_nino": "synthesise", "nhs_number": "synthesise", "national_id": "synthesise",
    "ip_address": "synthesise", "imei": "synthesise", "imsi": "synthesise", "free_text_pii": "synthesise",
    "sort_code": "synthesise", "gender": "synthesise", "ethnicity": "synthesise",
    "medical_condition": "synthesise", "other_pii": "synthesise",
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

# entities whose values a detector recognises, so values that do not match argue against the name
CHECKABLE: frozenset[str] = frozenset(
    {"person_name", "first_name", "last_name", "email", "phone", "msisdn", "street_address", "postcode",
     "date_of_birth", "us_ssn", "uk_nino", "nhs_number", "payment_card", "iban", "sort_code", "ip_address",
     "imei", "imsi", "gender", "age", "salary", "bank_account"}
)  # fmt: skip

# entities whose recognition can join tables: the same column in two tables is pseudonymised
JOIN_KEYS: frozenset[str] = frozenset({"customer_id", "email", "username", "phone", "msisdn"})

# entities for which a locale matters to a generator (names, addresses, phone formats, ids)
LOCALISED: frozenset[str] = frozenset(
    {"person_name", "first_name", "last_name", "phone", "msisdn", "street_address", "postcode", "city",
     "date_of_birth", "national_id", "us_ssn", "uk_nino", "nhs_number", "iban", "bank_account", "sort_code",
     "free_text_pii"}
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
    "other_pii": "personal data", "none": "non-personal values",
}  # fmt: skip


def strategy_for(entity: EntityType, sensitive: bool) -> Strategy:
    """The recommended strategy of a decided column."""
    if not sensitive:
        return "keep"
    return STRATEGY.get(entity, "synthesise")
