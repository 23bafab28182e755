"""Sensitive-column classification on the bundled samples (labelled independently), and the evidence added
for them: health data (names in five languages, ICD-10 codes, blood groups, body measurements in context),
clinicians' names, names inside payment references, mixed-format birth dates, and the labelling policy
(gender kept, card last-4 not sensitive)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.sensitivity_set import load_set, mistakes, only_batch, score
from tools.ingest.model import IngestedTable, SourceInfo
from tools.sensitive.classify import classify_column, classify_tables
from tools.sensitive.dates import parse_dates
from tools.sensitive.freetext import _names_in
from tools.sensitive.model import ColumnClassification
from tools.sensitive.names import analyse_name
from tools.sensitive.patterns import _TITLED, detect_blood_group, detect_icd10
from tools.sensitive.values import Values, name_list

TODAY = date(2025, 6, 1)


def table(name: str, data: dict[str, list[Any]]) -> IngestedTable:
    frame = pd.DataFrame(data).astype(object)
    return IngestedTable(name=name, source=SourceInfo(path=Path(f"{name}.csv"), format="csv"), frame=frame)


def by_column(results: list[ColumnClassification]) -> dict[str, ColumnClassification]:
    return {r.column: r for r in results}


# ---------------------------------------------------------------- the gates


def test_bundled_samples_meet_the_target() -> None:
    """A regression guard, not a measure: the classifier was tuned on the samples (issue 3); the held-out
    measure is batch 2 of the test set below."""
    tables, labels = load_set("samples")
    assert len(labels) == 139
    results = classify_tables(tables)
    scores = score(results, labels)
    wrong = mistakes(results, labels)
    assert scores.recall >= 0.98, (scores.recall, wrong)
    assert scores.precision >= 0.95, (scores.precision, wrong)
    assert scores.entity_accuracy >= 0.95, wrong


def test_batch_2_of_the_test_set_is_held_out_and_scored() -> None:
    tables, labels = load_set("test")
    new = only_batch(labels, 2)
    assert len(new) >= 15 and sum(not x.sensitive for x in new) >= 8
    scores = score(classify_tables(tables), new)
    assert scores.recall >= 0.95 and scores.precision >= 0.95, scores


# ---------------------------------------------------------------- policy


def test_gender_is_a_kept_quasi_identifier() -> None:
    result = classify_column(["M", "F", "F", "M", "X"] * 40, "gender", "customers")
    assert result.sensitive and result.role == "quasi_identifier"
    assert result.entity == "gender" and result.strategy == "keep"
    assert any("policy" in e.detail for e in result.evidence)


def test_card_last4_alone_and_credit_score_are_not_sensitive() -> None:
    r = random.Random(3)
    assert not classify_column([f"{r.randint(0, 9999):04d}" for _ in range(200)], "card_last4").sensitive
    assert not classify_column([str(r.randint(300, 850)) for _ in range(200)], "credit_score").sensitive
    assert classify_column([str(r.randint(20_000, 90_000)) for _ in range(200)], "salary").sensitive


# ---------------------------------------------------------------- health: names


@pytest.mark.parametrize(
    "name",
    ["diagnosis_code", "dx", "Hauptdiagnose", "Blutgruppe", "groupe_sanguin", "grupo_sanguineo", "bloedgroep",
     "allergies", "Allergien", "alergias_conocidas", "medicatie", "medicamentos", "smoking_status", "Raucher",
     "fumador", "roker", "bmi", "IMC", "codigo_cie10", "icd10_code", "antecedentes", "Vorerkrankungen"],
)  # fmt: skip
def test_health_names_in_five_languages(name: str) -> None:
    best = analyse_name(name).best
    assert best is not None and best.entity == "medical_condition" and best.score >= 0.75, best


@pytest.mark.parametrize("name", ["ward_capacity", "weight_kg", "blood_bank", "station_id", "credit_score"])
def test_health_lookalike_names_carry_no_strong_health_prior(name: str) -> None:
    assert analyse_name(name).prior("medical_condition") < 0.5


# ---------------------------------------------------------------- health: values


# Hand-written oracle (not the detector's pattern): codes looked up in the WHO ICD-10 (2019), ICD-10-CM
# (2024) and ICD-10-GM (2024) tabular lists, and look-alikes that are no code in any of them.
WHO_CODES = [
    "A09", "A41.9", "B20", "C34.1", "C50.9", "D50.9", "E11.9", "E66.0", "F32.9", "F41.1", "G40.9", "G43.9",
    "H40.9", "I10", "I21.4", "I48.0", "I50.9", "J18.9", "J45.9", "K35.8", "K52.9", "L40.0", "M54.5", "N18.3",
    "N39.0", "O80", "R07.4", "S06.0", "S72.0", "T78.4", "U07.1", "Z00.0",
]  # fmt: skip
# ICD-10-CM: more characters after the dot, a letter in third place, 7th-character extensions
CM_CODES = [
    "E11.65", "J45.909", "K35.80", "S72.001A", "T78.40XA", "M54.50", "C50.911", "Z00.00", "C7A.00", "M1A.9XX0",
]  # fmt: skip
GM_CODES = ["E11.40+", "G63.2*", "B95.2!", "U07.1!"]  # dagger (written +), asterisk and "!" secondary codes
NOT_CODES = [
    "SW1A 1AA", "EC1A 1BB", "2024-01-05", "12.50", "AB-1234", "1E1.0", "E1", "E1.1", "EE1.2", "E11.12345",
    "E11.", "E11..9", "E11.9.1", "J45-909", "ICD10", "N/A", "Z", "E11.9#", "GB82WEST12345698765432", "E11.9++",
]  # fmt: skip


def test_real_icd10_codes_of_three_revisions_are_all_counted() -> None:
    codes = WHO_CODES + CM_CODES + GM_CODES
    (result,) = detect_icd10(Values(codes))
    assert result.entity == "medical_condition" and result.matched == len(codes) == 46


@pytest.mark.parametrize("text", NOT_CODES)
def test_look_alikes_are_not_counted_as_codes(text: str) -> None:
    (result,) = detect_icd10(Values([*WHO_CODES[:5], text]))
    assert result.matched == 5, text  # only the five real codes
    assert detect_icd10(Values(NOT_CODES)) == []  # not one of them, so not even the five needed to speak


@pytest.mark.parametrize(
    ("codes", "telling"),
    [
        (["E11.9", "I21.4", "J18.9", "C34.1", "F32.9", "N39.0"], True),  # dotted, six chapters
        (["E11.9", "E11.65", "E66.0", "I21.4", "I48.0", "I50.9"], False),  # dotted, two chapters only
        (["A09", "B20", "I10", "O80", "Z00.0", "N18.3", "K52.9", "F41.1", "C50.9", "E11.9"], True),  # 50% dotted
        (["A09", "B20", "I10", "O80", "E66", "N18", "K52", "F41", "C50", "Z00.0"], False),  # 10% dotted
    ],
)
def test_dotted_codes_from_several_chapters_are_telling(codes: list[str], telling: bool) -> None:
    (result,) = detect_icd10(Values(codes))
    assert result.matched == len(codes) and (result.score() >= 0.5) == telling, result


def test_postcode_districts_are_not_diagnoses() -> None:
    districts = ["E11", "N16", "W1A", "M60", "B33", "L18", "S10", "G12", "E14", "N19"] * 10
    assert not classify_column(districts, "col_7").sensitive


blood_notations = {
    "plain": lambda g, s: f"{g}{s}",
    "rh": lambda g, s: f"{'0' if g == 'O' else g} Rh{s}",
    "word": lambda g, s: f"{g} {'pos' if s == '+' else 'neg'}",
}


@given(
    st.sets(st.sampled_from(["A", "B", "AB", "O"]), min_size=2).filter(lambda g: bool(g & {"O", "AB"})),
    st.sampled_from(sorted(blood_notations)),
)
def test_blood_groups_are_recognised_in_any_notation(groups: set[str], notation: str) -> None:
    values = [blood_notations[notation](g, s) for g in sorted(groups) for s in "+-"]
    results = detect_blood_group(Values(values))
    assert results and results[0].score() >= 0.7


@given(st.sets(st.sampled_from(["A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D", "E", "F"]), min_size=2))
def test_school_grades_are_never_blood_groups(grades: set[str]) -> None:
    assert detect_blood_group(Values(sorted(grades))) == []


def test_smoker_flag_is_health_data_even_as_yes_no() -> None:
    result = classify_column(["Y", "N"] * 100, "smoker", "patients")
    assert result.sensitive and result.entity == "medical_condition"


WARDS = ["Ward 9 - Cardiology", "Ward 4 - Oncology", "Maternity", "Ward 12 - Respiratory", "Stroke Unit", "ICU"]


def test_body_measurements_and_ward_are_health_data_only_about_persons() -> None:
    r = random.Random(5)
    weights = [f"{r.uniform(45, 120):.1f}" for _ in range(200)]
    heights = [str(r.randint(150, 200)) for _ in range(200)]
    patients = by_column(
        classify_tables(
            [
                table(
                    "inpatients",
                    {"ward": [r.choice(WARDS) for _ in range(200)], "weight_kg": weights, "height_cm": heights},
                )
            ]
        )
    )
    assert all(patients[c].sensitive and patients[c].entity == "medical_condition" for c in patients), patients
    parcels = by_column(classify_tables([table("shipments", {"weight_kg": weights, "height_cm": heights})]))
    assert not any(c.sensitive for c in parcels.values())
    wards = by_column(
        classify_tables(
            [table("wards", {"ward": WARDS * 5, "ward_capacity": [str(r.randint(8, 40)) for _ in range(30)]})]
        )
    )
    assert not any(c.sensitive for c in wards.values())


def test_health_words_in_a_catalogue_describe_no_one() -> None:
    drugs = ["Ibuprofen 200 mg x16", "Paracetamol 500 mg x32", "Omeprazole 10 mg x14", "Cetirizine 10 mg x30"]
    result = classify_tables([table("pharmacy_products", {"medication": drugs * 30})])[0]
    assert not result.sensitive
    assert classify_column(drugs * 30, "medication", "prescriptions").sensitive


# ---------------------------------------------------------------- people's names


@given(
    st.sampled_from(["Dr", "Dr.", "Mr", "Ms", "Prof.", "Dr. med.", "Prof. Dr.", "dr.", "Docteur", "Herr"]),
    st.from_regex(r"(?:[A-Z]\. ){0,2}", fullmatch=True),
    st.from_regex(r"[A-Z][a-z]{2,12}(?:-[A-Z][a-z]{2,8})?", fullmatch=True),
)
def test_a_title_then_a_capitalised_name_is_a_person(title: str, initials: str, surname: str) -> None:
    assert _TITLED.fullmatch(f"{title} {initials}{surname}")


def test_clinician_column_from_its_name_and_titled_values() -> None:
    r = random.Random(9)
    surnames = ["Tanaka", "Okonkwo", "Delacroix", "Kowalczyk", "Abernethy", "Nkemelu", "Whitfield", "Ferreira"]
    values = [f"{r.choice(['Dr', 'Mr', 'Ms'])} {r.choice('ABCDEFGH')}. {r.choice(surnames)}" for _ in range(300)]
    result = classify_column(values, "attending_clinician", "admissions")
    assert result.sensitive and result.entity == "person_name"
    assert not classify_column(["Mr", "Mrs", "Ms", "Dr", "Miss"] * 40, "title").sensitive


@given(st.sampled_from(sorted(name_list("first_names") & {"aoife", "arjun", "priya", "chloe", "ines"})))
def test_a_listed_first_name_in_a_short_text_names_someone(first: str) -> None:
    assert _names_in(f"Rent - {first.title()}", name_list("first_names"), name_list("surnames")) >= 1
    assert _names_in(f"Rent - {first}", name_list("first_names"), name_list("surnames")) == 0  # lower case


def test_payment_references_with_names_are_free_text_pii() -> None:
    r = random.Random(2)
    firsts = ["Aoife", "Arjun", "Priya", "Chloe", "Ines", "Oliver", "Amelia", "Mohammed", "Sophie", "Lukas"]
    templates = ["Rent - {}", "Thanks {}!", "Gift for {}", "{} BROWN LOAN REPAY", "From {}"]
    named = [t.format(f.upper() if t.startswith("{} B") else f) for t in templates for f in firsts]
    plain = [f"DD REF {r.randint(10**7, 10**8 - 1)}" for _ in range(300)] + ["Council tax", "Refund", "Savings"]
    mixed = [r.choice(named) if r.random() < 0.25 else r.choice(plain) for _ in range(600)]
    result = classify_column(mixed, "reference", "transactions")
    assert result.sensitive and result.entity == "free_text_pii"
    assert not classify_column(plain, "reference", "transactions").sensitive


# ---------------------------------------------------------------- birth dates


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(18 * 366, 90 * 365), min_size=40, max_size=80), st.randoms(use_true_random=False))
def test_birth_dates_in_mixed_formats_parse_as_one_column(ages_in_days: list[int], rng: random.Random) -> None:
    formats = ["%Y-%m-%d", "%d/%m/%Y", "%d-%b-%Y", "%d %B %Y"]
    values = [(TODAY - timedelta(days=d)).strftime(rng.choice(formats)) for d in ages_in_days]
    facts = parse_dates(Values(values), TODAY)
    assert facts.share >= 0.95


def test_mixed_format_dob_column_is_a_date_of_birth() -> None:
    r = random.Random(4)
    formats = ["%Y-%m-%d", "%d/%m/%Y", "%d-%b-%Y"]
    values = [(TODAY - timedelta(days=r.randint(18 * 366, 90 * 365))).strftime(r.choice(formats)) for _ in range(400)]
    result = classify_column(values, "dob", "customers", today=TODAY)
    assert result.sensitive and result.entity == "date_of_birth"
