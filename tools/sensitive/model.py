"""Sensitivity classification results: one per column, with the evidence behind the call."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Strategy = Literal["synthesise", "pseudonymise", "mask", "generalise", "perturb", "keep"]

EntityType = Literal[
    "person_name", "first_name", "last_name", "email", "phone", "street_address", "postcode", "city",
    "date_of_birth", "us_ssn", "uk_nino", "nhs_number", "national_id", "payment_card", "iban",
    "bank_account", "sort_code", "ip_address", "username", "free_text_pii", "customer_id", "msisdn",
    "imei", "imsi", "gender", "ethnicity", "medical_condition", "none",
    # added by the classifier: personal numbers (perturb), ages (generalise), other special-category data
    "salary", "age", "other_pii",
]  # fmt: skip


class Evidence(BaseModel):
    """One reason for the decision, e.g. a column-name match or a checksum pass rate."""

    method: Literal["column_name", "value_pattern", "checksum", "statistics", "context", "knowledge_base",
                    "negative_rule", "override"]  # fmt: skip
    detail: str
    score: float = Field(ge=0.0, le=1.0)


class ColumnClassification(BaseModel):
    table: str
    column: str
    sensitive: bool
    entity: EntityType
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: list[Evidence] = Field(default_factory=list)
    strategy: Strategy
    locale: str | None = None
    warnings: list[str] = Field(default_factory=list)
