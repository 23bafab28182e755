"""Issue 10 classifier rules: counts, amounts and scores are never medical conditions because of a word in
their name; true health columns stay sensitive attributes."""

from __future__ import annotations

import random

import pytest

from tools.ingest.model import IngestedTable, SourceInfo
from tools.sensitive.classify import classify_column, classify_tables


def small_integers(seed: int, high: int, n: int = 240) -> list[str]:
    r = random.Random(seed)
    return [str(min(int(r.expovariate(3 / high)), high)) for _ in range(n)]


def table(name: str, columns: dict[str, list[str]]) -> IngestedTable:
    import pandas as pd

    frame = pd.DataFrame(columns)
    source = SourceInfo(path=f"{name}.csv", format="csv", rows=len(frame), columns=frame.shape[1])
    return IngestedTable(name=name, source=source, frame=frame)


COUNTS = ["num_medications", "number_diagnoses", "num_lab_procedures", "medication_count", "diagnosis_score",
          "allergy_count", "n_allergies", "total_prescriptions", "symptom_score", "nb_medicaments",
          "anzahl_diagnosen", "aantal_medicijnen", "complaints_count", "num_complaints"]  # fmt: skip


@pytest.mark.parametrize("name", COUNTS)
def test_counts_amounts_and_scores_of_health_words_are_not_sensitive(name: str) -> None:
    result = classify_column(small_integers(len(name), 30), name, "encounters")
    assert result.role == "non_sensitive" and not result.sensitive, result.evidence


def test_the_same_counts_in_a_patients_table_stay_numbers_beside_true_health_columns() -> None:
    r = random.Random(7)
    n = 240
    encounters = table(
        "patient_encounters",
        {
            "patient_id": [f"P{100000 + i}" for i in range(n)],
            "num_medications": small_integers(1, 40, n),
            "number_diagnoses": small_integers(2, 16, n),
            "diagnosis_code": [r.choice(["E11.9", "I10", "J45.909", "F32.1", "M54.5", "K21.9"]) for _ in range(n)],
            "smoker": [r.choice("YN") for _ in range(n)],
            "weight_kg": [f"{r.uniform(45, 130):.1f}" for _ in range(n)],
            "blood_type": [r.choice(["A+", "A-", "O+", "O-", "B+", "AB+"]) for _ in range(n)],
        },
    )
    by = {c.column: c for c in classify_tables([encounters])}
    for column in ("num_medications", "number_diagnoses"):
        assert by[column].role == "non_sensitive", by[column].evidence
        assert any("count" in e.detail for e in by[column].evidence if e.method == "negative_rule")
    for column in ("diagnosis_code", "smoker", "weight_kg", "blood_type"):
        assert by[column].role == "sensitive_attribute" and by[column].entity == "medical_condition", column
    assert by["patient_id"].role == "identifier"


def test_a_count_named_column_of_codes_is_not_a_count() -> None:
    """The rule needs numbers: a 'number'-named column of ICD-10 codes is still a diagnosis."""
    r = random.Random(3)
    codes = [r.choice(["E11.9", "I10", "J45.909", "F32.1", "M54.5", "K21.9", "C50.9", "N39.0"]) for _ in range(200)]
    assert classify_column(codes, "diagnosis_number", "patients").role == "sensitive_attribute"


def test_free_text_names_over_numbers_are_not_free_text() -> None:
    result = classify_column(small_integers(5, 8), "complaints_received", "depots")
    assert result.role == "non_sensitive", result.evidence
    assert any("numbers, not text" in e.detail for e in result.evidence)


def test_columns_named_after_a_drug_or_a_lab_test_are_health_data() -> None:
    r = random.Random(9)
    flags = [r.choice(["Yes", "No", "No"]) for _ in range(200)]
    on_insulin = classify_column(flags, "on_insulin", "inpatients")
    assert (on_insulin.role, on_insulin.entity) == ("sensitive_attribute", "medical_condition"), on_insulin.evidence
    assert any("drug, condition or allergen" in e.detail for e in on_insulin.evidence)
    results = [r.choice(["Normal", "High", "Very high", "Not tested"]) for _ in range(200)]
    assert classify_column(results, "glucose_result", "inpatients").role == "sensitive_attribute"
    beds = [str(r.randint(0, 30)) for _ in range(200)]
    assert classify_column(beds, "insulin_pumps_in_stock", "pharmacy_stock").role == "non_sensitive"


def test_person_keys_and_person_roles_in_other_languages() -> None:
    keys = [str(4_000_000 + i) for i in range(200)]
    for name in ("num_empleado", "numero_eleve", "hosp_no", "leerlingnummer"):
        result = classify_column(keys if name != "hosp_no" else [f"RX{k}" for k in keys], name, "records")
        assert (result.role, result.entity) == ("identifier", "customer_id"), (name, result.evidence)
    r = random.Random(2)
    names = [f"{r.choice(['Jonas', 'Mia', 'Lukas', 'Lea'])} {r.choice(['Schmidtke', 'Heuser', 'Gröber'])}"
             for _ in range(200)]  # fmt: skip
    renter = classify_column(names, "Mieter", "mietwagen")
    assert (renter.role, renter.entity) == ("identifier", "person_name"), renter.evidence


def test_birth_dates_of_children_are_dates_of_birth() -> None:
    from datetime import date

    r = random.Random(5)
    pupils = [f"{r.randint(1, 28):02d}/{r.randint(1, 12):02d}/{r.randint(2008, 2012)}" for _ in range(200)]
    result = classify_column(pupils, "date_naissance", "eleves", today=date(2026, 6, 1))
    assert (result.role, result.entity) == ("quasi_identifier", "date_of_birth"), result.evidence
    orders = [f"{r.randint(1, 28):02d}/{r.randint(1, 12):02d}/2026" for _ in range(200)]
    assert classify_column(orders, "order_date", "orders", today=date(2026, 12, 31)).role == "non_sensitive"


def test_a_vehicle_make_is_not_a_surname() -> None:
    r = random.Random(6)
    makes = [r.choice(["Ford", "Vauxhall", "Peugeot", "Mercedes-Benz", "Renault"]) for _ in range(240)]
    assert classify_column(makes, "make", "fleet").role == "non_sensitive"


def test_specialty_and_unit_words_in_a_name_are_not_a_persons_health() -> None:
    """Only conditions, drugs and allergens make a name health data: a GP surgery's name or code, a
    cardiology department's code, name a place; a drug or condition with a name or id token is a label."""
    r = random.Random(12)
    practices = [f"{r.choice(['Riverside', 'Park Lane', 'Oak Tree'])} Surgery {i % 7}" for i in range(200)]
    codes = [f"{r.choice('ABCDEFGH')}{r.randint(10000, 99999)}" for _ in range(200)]
    assert classify_column(practices, "surgery_name", "patients").role == "non_sensitive"
    assert classify_column(codes, "surgery_code", "patients").role == "non_sensitive"
    assert classify_column(codes, "cardiology_unit", "patients").role == "non_sensitive"
    assert classify_column(codes, "insulin_code", "products").role == "non_sensitive"
    flags = [r.choice(["Y", "N"]) for _ in range(200)]
    assert classify_column(flags, "asthma", "patients").role == "sensitive_attribute"


@pytest.mark.parametrize("name", ["logwage", "adjpoll_clinton", "sbp_ratio", "reading"])
def test_decimal_measurements_with_many_digits_are_not_phone_numbers(name: str) -> None:
    """4.31806333496276 or 42.6414 have seven to fifteen digits and a point, but no phone number is
    written with one point and nothing else (public data: ISLR Wage, dslabs polls)."""
    r = random.Random(name)
    values = [f"{r.uniform(1, 99):.{r.randint(4, 13)}f}" for _ in range(300)]
    result = classify_column(values, name, "survey")
    assert not result.sensitive and result.entity == "none", result
    dotted = [f"020.{r.randint(1000, 9999)}.{r.randint(1000, 9999)}" for _ in range(300)]
    assert classify_column(dotted, "phone", "contacts").entity == "phone"  # numbers written with dots still are
