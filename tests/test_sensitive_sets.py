"""The labelled sensitivity sets carry privacy roles: labels follow the written policy (gender is a
quasi-identifier), scores count any role but non_sensitive as sensitive and report role accuracy."""

from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from tests.sensitivity_set import DATA, Label, load_set, score
from tools.sensitive.model import ColumnClassification


def every_set() -> list[str]:
    return [*yaml.safe_load((DATA / "labels.yaml").read_text(encoding="utf-8")), "samples"]


@pytest.mark.parametrize("name", every_set())
def test_gender_is_labelled_a_sensitive_quasi_identifier(name: str) -> None:
    _, labels = load_set(name)
    gender = [label for label in labels if label.entity == "gender"]
    assert all(label.role == "quasi_identifier" and label.sensitive for label in gender), gender


def test_labels_without_a_role_take_the_policy_role_and_contradictions_are_refused() -> None:
    assert Label.model_validate({"table": "t", "column": "dob", "sensitive": True, "entity": "date_of_birth"}).role == (
        "quasi_identifier"
    )
    assert Label.model_validate({"table": "t", "column": "x", "sensitive": False, "entity": "none"}).role == (
        "non_sensitive"
    )
    assert _label("dx", "sensitive_attribute", "medical_condition").sensitive
    with pytest.raises(ValidationError, match="contradicts role"):
        Label.model_validate({"table": "t", "column": "x", "sensitive": False, "role": "identifier", "entity": "email"})


def _label(column: str, role: str, entity: str) -> Label:
    return Label.model_validate({"table": "t", "column": column, "role": role, "entity": entity})


def _result(column: str, role: str, entity: str) -> ColumnClassification:
    return ColumnClassification.model_validate(
        {"table": "t", "column": column, "sensitive": role != "non_sensitive", "role": role, "entity": entity,
         "confidence": 0.9, "strategy": "keep"}
    )  # fmt: skip


def test_scores_count_every_role_as_sensitive_and_report_role_accuracy() -> None:
    labels = [
        _label("sex", "quasi_identifier", "gender"),
        _label("dx", "sensitive_attribute", "medical_condition"),
        _label("n", "non_sensitive", "none"),
    ]
    results = [
        _result("sex", "quasi_identifier", "gender"),
        _result("dx", "identifier", "medical_condition"),  # sensitive, entity right, role wrong
        _result("n", "non_sensitive", "none"),
    ]
    scores = score(results, labels)
    assert (scores.tp, scores.fp, scores.fn) == (2, 0, 0)
    assert scores.precision == scores.recall == scores.entity_accuracy == 1.0
    assert scores.role_accuracy == pytest.approx(2 / 3)


def test_the_held_out_set_is_large_varied_and_full_of_hard_negatives() -> None:
    """test3 (issue 10): at least 120 columns over several domains and languages, with vehicle registrations
    as identifiers and counts named after health words or complaints as non_sensitive."""
    tables, labels = load_set("test3")
    assert len(labels) >= 120 and len(tables) >= 12
    roles = {label.role for label in labels}
    assert roles == {"identifier", "quasi_identifier", "sensitive_attribute", "non_sensitive"}
    plates = [label for label in labels if label.entity == "vehicle_registration"]
    assert len(plates) >= 5 and all(label.role == "identifier" for label in plates)
    counts = [label for label in labels if "count" in label.note]  # the labeller's note: "a count", ...
    assert len(counts) >= 8 and all(label.role == "non_sensitive" for label in counts), counts
    assert sum(label.role == "non_sensitive" for label in labels) >= 60
    _, tuned = load_set("dev3")
    assert not {(x.table, x.column) for x in tuned} & {(x.table, x.column) for x in labels}  # no shared column
