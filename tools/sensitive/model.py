"""Sensitivity classification results: one per column, with the evidence behind the call."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

Strategy = Literal["synthesise", "pseudonymise", "mask", "generalise", "perturb", "keep"]

EntityType = Literal[
    "person_name", "first_name", "last_name", "email", "phone", "street_address", "postcode", "city",
    "date_of_birth", "us_ssn", "uk_nino", "nhs_number", "national_id", "payment_card", "iban",
    "bank_account", "sort_code", "ip_address", "username", "free_text_pii", "customer_id", "msisdn",
    "imei", "imsi", "gender", "ethnicity", "medical_condition", "none",
    # added by the classifier: personal numbers (perturb), ages (generalise), other special-category data
    "salary", "age", "other_pii",
    # issue 10: licence plates of any country
    "vehicle_registration",
]  # fmt: skip

Role = Literal["identifier", "quasi_identifier", "sensitive_attribute", "non_sensitive"]
"""What a column is to privacy, and so what synthesis does with it:

- ``identifier`` points at a person or an account (names, contact details, national, health, bank, card,
  device and network ids, vehicle registrations, person keys, free text with personal data): replaced by
  Doppel's generators;
- ``quasi_identifier`` (birth date, age, postcode, town, gender): modelled with the rest, then coarsened
  where a combination would single someone out;
- ``sensitive_attribute`` (health, ethnicity, religion, pay): modelled jointly with the rest and flagged
  (GDPR art. 9, or confidential), never destroyed: these are the statistics tests need;
- ``non_sensitive``: modelled as it is.
"""
ROLES: tuple[str, ...] = ("identifier", "quasi_identifier", "sensitive_attribute", "non_sensitive")


class Evidence(BaseModel):
    """One reason for the decision, e.g. a column-name match or a checksum pass rate."""

    method: Literal["column_name", "value_pattern", "checksum", "statistics", "context", "knowledge_base",
                    "negative_rule", "override"]  # fmt: skip
    detail: str
    score: float = Field(ge=0.0, le=1.0)


class ColumnClassification(BaseModel):
    """One column's decision. ``sensitive`` means any role but ``non_sensitive``; a report written before
    roles existed gets the role its entity implies."""

    table: str
    column: str
    sensitive: bool
    role: Role = "non_sensitive"
    entity: EntityType
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: list[Evidence] = Field(default_factory=list)
    strategy: Strategy
    locale: str | None = None
    warnings: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _role(cls, data: object) -> object:
        if isinstance(data, dict) and "role" not in data:
            from tools.sensitive.policy import role_for

            data = {**data, "role": role_for(data.get("entity", "none"), bool(data.get("sensitive")))}
        return data

    @model_validator(mode="after")
    def _sensitive_means_a_role(self) -> ColumnClassification:
        self.sensitive = self.role != "non_sensitive"
        return self
