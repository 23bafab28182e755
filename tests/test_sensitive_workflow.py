"""Privacy roles through the workflow: the classify stage's decisions, audit records and summary, the
approval table, `doppel runs approve --change t.c=role:ROLE | sensitive:true` reaching synthesis, the
chat's words and `explain_sensitivity` all say each column's role, its flag and why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from agents.models.answers import answer
from agents.workflow import api
from tests.workflow_support import cli, settings_in, tiny_sample
from tools.capability.explain import ExplainSensitivityRequest, explain_sensitivity

ROLES = "identifier, quasi_identifier, sensitive_attribute, non_sensitive"


def with_diagnoses(folder: Path) -> Path:
    """The workflow tests' tiny sample (ids, names, emails, a plan, a fee) with a diagnosis code column."""
    path = tiny_sample(folder)
    frame = pd.read_csv(path, dtype=str)
    frame["diagnosis"] = np.random.default_rng(4).choice(["E11.9", "I10", "J45.909", "F32.1", "M54.5"], len(frame))
    frame.to_csv(path, index=False)
    return path


def columns_of(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["column"]: c for c in document["columns"]}


def test_role_changes_at_the_approval_reach_synthesis_and_are_shown_and_audited(tmp_path: Path) -> None:
    home = tmp_path / "home"
    config = tmp_path / "run.yaml"
    config.write_text(yaml.safe_dump({"name": "roles", "data": [str(with_diagnoses(tmp_path))], "rows": 30, "seed": 3}))
    started = cli("run", str(config), home=home)
    assert started.exit_code == 0, started.stderr
    assert "paused for approval at after:classify" in started.stdout
    assert "role:sensitive_attribute" in started.stdout  # how to change a role, said where the run stops
    table = started.stdout.split("columns sensitive")[1]
    assert "sensitive attribute (GDPR art. 9)" in table and "identifier" in table  # roles and the flag
    assert "why: column name matches 'diagnosis'" in table  # and why: the strongest evidence
    run_id = api.list_runs(settings=settings_in(home))[0].run_id

    bad = cli("runs", "approve", run_id, "--change", "customers.plan=role:secret", home=home)
    assert bad.exit_code == 2 and f"'secret' is not a privacy role; roles: {ROLES}" in bad.stderr
    changes = ["--change", "customers.plan=role:sensitive_attribute"]
    changes += ["--change", "customers.monthly_fee=sensitive:true"]
    approved = cli("runs", "approve", run_id, *changes, home=home)
    assert approved.exit_code == 0, approved.stderr
    resumed = cli("resume", run_id, home=home)
    assert resumed.exit_code == 0, resumed.stderr
    assert "completed" in resumed.stdout
    status = api.get_run(run_id, settings=settings_in(home))

    classified = columns_of(json.loads((status.artifacts_dir / "classify" / "sensitivity.json").read_text()))
    assert classified["plan"]["role"] == "sensitive_attribute" and classified["plan"]["sensitive"] is True
    assert classified["monthly_fee"]["role"] == "identifier"  # sensitive:true means identifier
    made = columns_of(json.loads((status.artifacts_dir / "synthesise" / "metadata.json").read_text()))
    assert (made["plan"]["role"], made["plan"]["flag"]) == ("sensitive_attribute", "GDPR art. 9")
    assert made["plan"]["strategy"] != "regenerated"  # modelled jointly, not replaced
    assert (made["monthly_fee"]["role"], made["monthly_fee"]["strategy"]) == ("identifier", "regenerated")
    assert (made["diagnosis"]["role"], made["diagnosis"]["flag"]) == ("sensitive_attribute", "GDPR art. 9")

    exported = cli("audit", "export", "--run", run_id, "--kind", "classification", home=home)
    records = {r["detail"]["column"]: r["detail"] for r in json.loads(exported.stdout)}
    plan = records["customers.plan"]
    assert (plan["role"], plan["flag"], plan["method"]) == ("sensitive_attribute", "GDPR art. 9", "override")
    assert records["customers.full_name"]["role"] == "identifier" and records["customers.full_name"]["flag"] is None
    frame = pd.read_csv(tmp_path / "customers.csv", dtype=str)
    stored = exported.stdout
    assert not [v for c in ("full_name", "diagnosis") for v in frame[c].unique() if v in stored]  # no values

    events = cli("runs", "events", run_id, "--json", home=home)
    decisions = [json.loads(line) for line in events.stdout.splitlines() if '"kind": "decision"' in line]
    said = [d["decision"] for d in decisions if d.get("subject") == "customers.plan"]
    assert said[-1] == "sensitive: sensitive attribute (GDPR art. 9), other_pii (synthesise)"
    completed = [json.loads(line) for line in events.stdout.splitlines() if '"stage_completed"' in line]
    counts = next(c["counts"] for c in reversed(completed) if c["stage"] == "classify")
    assert counts["sensitive_attribute"] == 2 and counts["identifier"] >= 3 and counts["overridden"] == 2

    why = explain_sensitivity(ExplainSensitivityRequest(report=status.artifacts_dir / "classify" / "sensitivity.json",
                                                        column="plan"))  # fmt: skip
    assert (why.role, why.flag) == ("sensitive_attribute", "GDPR art. 9")
    assert why.explanation.startswith("customers.plan was marked sensitive as other pii: a sensitive attribute (GDPR")
    assert "A sensitive attribute is modelled jointly with the rest and flagged." in why.explanation
    assert "set by the user: role sensitive_attribute" in why.explanation
    name = explain_sensitivity(ExplainSensitivityRequest(report=status.artifacts_dir / "classify" / "sensitivity.json",
                                                         column="full_name"))  # fmt: skip
    assert name.role == "identifier" and name.flag is None
    assert "An identifier is replaced by generated values in the sample's formats." in name.explanation


def test_chat_answers_say_the_role_and_flag() -> None:
    classified = {
        "out": "sensitivity.json", "sensitive": 2, "total": 3,
        "columns": [
            {"column": "p.name", "sensitive": True, "role": "identifier", "flag": None, "entity": "person_name",
             "confidence": 0.93, "strategy": "synthesise", "evidence": ["column name matches 'name'"]},
            {"column": "p.dx", "sensitive": True, "role": "sensitive_attribute", "flag": "GDPR art. 9",
             "entity": "medical_condition", "confidence": 0.9, "strategy": "synthesise", "evidence": []},
            {"column": "p.fee", "sensitive": False, "role": "non_sensitive", "flag": None, "entity": "none",
             "confidence": 0.9, "strategy": "keep", "evidence": []},
        ],
    }  # fmt: skip
    text = answer("classify_data", classified)
    assert "- p.name: person_name (93%), synthesise; identifier" in text
    assert "- p.dx: medical_condition (90%), synthesise; sensitive attribute (GDPR art. 9)" in text
    assert "p.fee" not in text
    paused = {
        "run_id": "r1", "name": "roles", "state": "paused_approval", "stages": [], "artifacts_dir": "x",
        "pending_approval": {
            "question": "Review the sensitive columns.",
            "context": {"point": "after:classify", "sensitive": [
                {"column": "p.dx", "role": "sensitive_attribute", "flag": "GDPR art. 9", "entity": "medical_condition",
                 "confidence": 0.9, "strategy": "synthesise", "why": "ICD-10 diagnosis code format"}]},
        },
    }  # fmt: skip
    text = answer("run_workflow", paused)
    assert "- p.dx: medical_condition; sensitive attribute (GDPR art. 9): ICD-10 diagnosis code format" in text
