"""The labelled sensitivity sets (tests/data/sensitivity): loading and scoring, shared by tests and bench.

The sets are frozen: ``tests/data/sensitivity/FROZEN.sha256`` holds the SHA-256 of every file the scores
are computed from (``sha256sum -c`` format, paths from the repository root), and tests fail when a file
differs, appears or goes. A deliberate change to a set is its own commit, with the checksums rewritten by
``python -m tests.sensitivity_set freeze``; a set and the classifier (tools/sensitive) are never changed
in the same commit, so a score never comes from labels edited to fit the classifier.
"""

from __future__ import annotations

import hashlib
import sys
from collections import defaultdict
from pathlib import Path

import pandas as pd
import yaml
from pydantic import BaseModel, model_validator

from tools.ingest.model import IngestedTable, SourceInfo
from tools.sensitive.model import ColumnClassification, Role

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data" / "sensitivity"
SAMPLES = ROOT / "playbooks" / "samples"
SETS = ("dev", "test", "samples", "dev3", "test3")
# what each set is to the classifier: test batch 2 and test3 were labelled before the classifier saw them
SET_ROLES = {
    "dev": "tuned on",
    "test": "batch 1 built by the tuner, batch 2 held out",
    "samples": "tuned on in issue 3",
    "dev3": "tuned on in issue 10",
    "test3": "held out: labelled before the classifier ran on it, never tuned on",
}
FROZEN = DATA / "FROZEN.sha256"
CLASSIFIER = "tools/sensitive/"
FREEZE_RULE = (
    "the labelled sets and the classifier (tools/sensitive) must never change in the same commit: "
    "commit a deliberate change to a set on its own, with `python -m tests.sensitivity_set freeze`"
)


def frozen_files() -> list[Path]:
    """Every file a classifier score is computed from: every set of labels.yaml (dev, test, ...) with its
    CSVs and the labels, and the bundled samples named in their labels.yaml with that file."""
    sets = yaml.safe_load((DATA / "labels.yaml").read_text(encoding="utf-8"))
    files = [DATA / "labels.yaml", *(csv for name in sets for csv in sorted((DATA / name).glob("*.csv")))]
    samples = yaml.safe_load((SAMPLES / "labels.yaml").read_text(encoding="utf-8"))
    return [*files, SAMPLES / "labels.yaml", *(SAMPLES / name for name in samples)]


def digests() -> dict[str, str]:
    """Repository-relative posix path -> SHA-256 of the file's bytes, for every frozen file."""
    return {p.relative_to(ROOT).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in frozen_files()}


def recorded_digests() -> dict[str, str]:
    """The checksums committed in FROZEN.sha256."""
    lines = [line.split(maxsplit=1) for line in FROZEN.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {path.lstrip("*"): digest for digest, path in lines}


def freeze() -> None:
    """Rewrite FROZEN.sha256 from the files as they are now (a deliberate change, committed alone)."""
    FROZEN.write_text("".join(f"{d}  {path}\n" for path, d in digests().items()), encoding="utf-8")


class Label(BaseModel):
    """One column's ground truth. ``role`` is the privacy role; a label written before roles gives only
    ``sensitive`` and ``entity``, and takes the role the written policy gives that entity (``role_for``).
    ``sensitive`` means any role but ``non_sensitive``; when both are given they must agree."""

    table: str
    column: str
    sensitive: bool
    role: Role
    entity: str
    note: str = ""
    batch: int = 1  # 2: added after the classifier was tuned, labelled before it was run on them

    @model_validator(mode="before")
    @classmethod
    def _role(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        from tools.sensitive.policy import role_for

        role, sensitive = data.get("role"), data.get("sensitive")
        if role is None:
            return {**data, "role": role_for(str(data.get("entity", "none")), bool(sensitive))}
        if sensitive is None:
            return {**data, "sensitive": role != "non_sensitive"}
        if sensitive != (role != "non_sensitive"):
            raise ValueError(f"sensitive: {sensitive} contradicts role: {role} (sensitive: any role but non_sensitive)")
        return data


def read_csv_table(path: Path) -> IngestedTable:
    """A CSV as an IngestedTable of raw text cells (empty -> None): the test-side stand-in for ingest."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    frame = frame.astype(object).where(frame != "", None)
    source = SourceInfo(
        path=path, format="csv", encoding="utf-8", delimiter=",", rows=len(frame), columns=frame.shape[1]
    )
    return IngestedTable(name=path.stem, source=source, frame=frame)


def load_set(name: str) -> tuple[list[IngestedTable], list[Label]]:
    """The tables and ground-truth labels of a set of labels.yaml ("dev", "test", "dev3", "test3"), or of the
    bundled "samples"."""
    if name == "samples":
        return load_samples()
    labels = [Label.model_validate(x) for x in yaml.safe_load((DATA / "labels.yaml").read_text())[name]]
    tables = [read_csv_table(DATA / name / f"{table}.csv") for table in dict.fromkeys(x.table for x in labels)]
    return tables, labels


def load_samples() -> tuple[list[IngestedTable], list[Label]]:
    """The bundled samples (playbooks/samples), read by tools.ingest as ``doppel classify`` reads them, with
    their independently written labels.yaml (file -> column -> {sensitive, entity[, role]})."""
    from tools.sensitive.run import read_tables

    raw = yaml.safe_load((SAMPLES / "labels.yaml").read_text(encoding="utf-8"))
    files = [SAMPLES / name for name in raw]
    tables = read_tables(files)
    labels = [
        Label.model_validate({"table": table.name, "column": column, **label})
        for path, table in zip(files, tables, strict=True)
        for column, label in raw[path.name].items()
    ]
    return tables, labels


def only_batch(labels: list[Label], batch: int) -> list[Label]:
    return [label for label in labels if label.batch == batch]


class Scores(BaseModel):
    n: int
    positives: int
    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f2: float
    entity_accuracy: float  # among truly sensitive columns detected as sensitive, entity exactly right
    role_accuracy: float  # among all columns, privacy role exactly right (non_sensitive included)


def f_beta(precision: float, recall: float, beta: float = 2.0) -> float:
    if precision + recall == 0:
        return 0.0
    return (1 + beta**2) * precision * recall / (beta**2 * precision + recall)


def score(results: list[ColumnClassification], labels: list[Label]) -> Scores:
    """Binary sensitive/not-sensitive scores (sensitive: any role but non_sensitive), entity accuracy on the
    true positives, and role accuracy on every column."""
    got = {(r.table, r.column): r for r in results}
    tp = fp = fn = right = roles = 0
    for label in labels:
        r = got[(label.table, label.column)]
        roles += r.role == label.role
        if label.sensitive and r.sensitive:
            tp += 1
            right += r.entity == label.entity
        elif r.sensitive:
            fp += 1
        elif label.sensitive:
            fn += 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return Scores(
        n=len(labels),
        positives=tp + fn,
        tp=tp,
        fp=fp,
        fn=fn,
        precision=precision,
        recall=recall,
        f2=f_beta(precision, recall),
        entity_accuracy=right / tp if tp else 1.0,
        role_accuracy=roles / len(labels) if labels else 1.0,
    )


def per_entity(results: list[ColumnClassification], labels: list[Label]) -> dict[str, dict[str, float]]:
    """Per true entity: columns, recall (flagged sensitive), entity right; precision per predicted entity."""
    got = {(r.table, r.column): r for r in results}
    rows: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for label in labels:
        r = got[(label.table, label.column)]
        row = rows[label.entity]
        row["n"] += 1
        row["flagged"] += r.sensitive == label.sensitive
        row["entity_right"] += r.entity == label.entity
        guess = rows[r.entity]
        guess["predicted"] += 1
        guess["predicted_right"] += r.entity == label.entity
    out: dict[str, dict[str, float]] = {}
    for entity, counts in sorted(rows.items()):
        n, predicted = counts["n"], counts["predicted"]
        recall = counts["entity_right"] / n if n else float("nan")
        precision = counts["predicted_right"] / predicted if predicted else float("nan")
        out[entity] = {
            "n": n,
            "decision_right": counts["flagged"] / n if n else float("nan"),
            "precision": precision,
            "recall": recall,
            "f2": f_beta(precision, recall) if n and predicted else float("nan"),
        }
    return out


def mistakes(results: list[ColumnClassification], labels: list[Label]) -> list[str]:
    """Readable lines for every column whose decision, role or entity is wrong."""
    got = {(r.table, r.column): r for r in results}
    lines = []
    for label in labels:
        r = got[(label.table, label.column)]
        wrong_entity = label.sensitive and r.entity != label.entity
        if r.sensitive != label.sensitive or r.role != label.role or wrong_entity:
            lines.append(
                f"{label.table}.{label.column}: expected {label.role}/{label.entity}, "
                f"got {r.role}/{r.entity} ({r.confidence:.2f})"
            )
    return lines


if __name__ == "__main__":
    if sys.argv[1:] != ["freeze"]:
        sys.exit("usage: python -m tests.sensitivity_set freeze")
    freeze()
    print(f"wrote {FROZEN.relative_to(ROOT)}: {len(digests())} files; commit it alone ({FREEZE_RULE})")
