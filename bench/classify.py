"""Benchmark: sensitive-column classification on the labelled sets.

    .venv/bin/python bench/classify.py [--rows 1000000] [--columns 50] [--sets test3 ...] [--mistakes]

Sets (frozen: tests/data/sensitivity/FROZEN.sha256): tests/data/sensitivity dev (tuned on) and test (its
batch 2, labelled before the classifier saw it, also on its own), the bundled samples playbooks/samples
with their independently written labels.yaml (read with tools.ingest, as ``doppel classify`` reads them;
the classifier was tuned on them in issue 3, so their scores are tuned scores, not held-out ones), dev3
(tuned on in issue 10) and test3 (held out in issue 10: labelled before the classifier ran on it).
Prints Markdown for BENCHMARKS.md: overall precision, recall and F2 of the sensitive/not-sensitive
decision (sensitive: any privacy role but non_sensitive), entity accuracy and role accuracy, for Doppel
and two ablation baselines (column names only: the lexicon prior >= 0.5; values only: the same
classifier with every table and column renamed to a neutral name), then per-entity scores on the test
sets, then the time to classify COLUMNS columns of ROWS rows (``--rows 0``: no timing). ``--mistakes``
lists Doppel's wrong columns per set: never ask for it on a held-out set you are still tuning against.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.sensitivity_set import (  # noqa: E402
    SET_ROLES,
    SETS,
    Label,
    Scores,
    load_set,
    mistakes,
    only_batch,
    per_entity,
    score,
)
from tools.ingest.model import IngestedTable  # noqa: E402
from tools.sensitive.classify import classify_tables  # noqa: E402
from tools.sensitive.model import ColumnClassification  # noqa: E402
from tools.sensitive.names import analyse_name  # noqa: E402
from tools.sensitive.policy import role_for, strategy_for  # noqa: E402


def doppel(tables: list[IngestedTable], labels: list[Label]) -> list[ColumnClassification]:
    return classify_tables(tables)


def names_only(tables: list[IngestedTable], labels: list[Label]) -> list[ColumnClassification]:
    out = []
    for t in tables:
        for name in t.frame.columns:
            best = analyse_name(str(name), t.name).best
            sensitive = best is not None and best.score >= 0.5
            entity = best.entity if best is not None and sensitive else "none"
            out.append(
                ColumnClassification(
                    table=t.name,
                    column=str(name),
                    sensitive=sensitive,
                    role=role_for(entity, sensitive),
                    entity=entity,
                    confidence=best.score if best else 0.5,
                    strategy=strategy_for(entity, sensitive),
                )
            )
    return out


def values_only(tables: list[IngestedTable], labels: list[Label]) -> list[ColumnClassification]:
    anonymous = []
    renames: dict[tuple[str, str], tuple[str, str]] = {}
    for i, t in enumerate(tables):
        frame = t.frame.copy()
        frame.columns = [f"c{j}" for j in range(frame.shape[1])]
        for j, name in enumerate(t.frame.columns):
            renames[(f"t{i}", f"c{j}")] = (t.name, str(name))
        anonymous.append(t.model_copy(update={"name": f"t{i}", "frame": frame}))
    results = classify_tables(anonymous)
    return [
        r.model_copy(update=dict(zip(("table", "column"), renames[(r.table, r.column)], strict=True))) for r in results
    ]


def row(name: str, s: Scores) -> str:
    return (
        f"| {name} | {s.n} | {s.positives} | {s.precision:.3f} | {s.recall:.3f} | {s.f2:.3f} | "
        f"{s.entity_accuracy:.3f} | {s.role_accuracy:.3f} | {s.fp} | {s.fn} |"
    )


def timing(rows: int, columns: int) -> tuple[float, int]:
    """Seconds to classify a table of ``columns`` x ``rows`` built from the test set's columns."""
    tables, _ = load_set("test")
    sources = [t.frame[c].dropna().to_numpy(dtype=object) for t in tables for c in t.frame.columns]
    rng = np.random.default_rng(0)
    data = {
        f"c{i}": sources[i % len(sources)][rng.integers(0, len(sources[i % len(sources)]), rows)]
        for i in range(columns)
    }
    frame = pd.DataFrame(data)
    table = tables[0].model_copy(update={"name": "big", "frame": frame})
    started = time.perf_counter()
    classify_tables([table])
    return time.perf_counter() - started, rows * columns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--columns", type=int, default=50)
    parser.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS))
    parser.add_argument("--mistakes", action="store_true", help="list Doppel's wrong columns per set")
    args = parser.parse_args()
    print(f"## Sensitive-column classification ({platform.python_version()}, {platform.machine()})\n")
    print("Sets (frozen, tests/data/sensitivity/FROZEN.sha256): tests/data/sensitivity dev, test, dev3, test3 and")
    print("playbooks/samples with its independent labels.yaml. Held out: test batch 2 and test3; dev, dev3 and the")
    print("samples were tuned on, so their scores are tuned scores. F2 weighs recall 4x.\n")
    print("| method / set | columns | sensitive | precision | recall | F2 | entity acc. | role acc. | FP | FN |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    wrong: dict[str, list[str]] = {}
    for set_name in args.sets:
        tables, labels = load_set(set_name)
        for method_name, method in (("Doppel", doppel), ("names only", names_only), ("values only", values_only)):
            results = method(tables, labels)
            print(row(f"{method_name} / {set_name} ({SET_ROLES[set_name]})", score(results, labels)))
            new = only_batch(labels, 2)
            if new:
                print(row(f"{method_name} / {set_name} batch 2 (held out)", score(results, new)))
            if method_name == "Doppel":
                wrong[set_name] = mistakes(results, labels)
    for set_name in [s for s in ("test", "test3") if s in args.sets]:
        tables, labels = load_set(set_name)
        results = doppel(tables, labels)
        print(f"\nPer entity on {set_name} (recall: columns of that entity found with that entity; precision: of")
        print("the columns given that entity, how many have it; decision: sensitive/not decided right).\n")
        print("| entity | columns | decision right | precision | recall | F2 |")
        print("|---|---:|---:|---:|---:|---:|")
        for entity, s in per_entity(results, labels).items():
            if s["n"]:
                print(
                    f"| {entity} | {int(s['n'])} | {s['decision_right']:.2f} | {s['precision']:.2f} | "
                    f"{s['recall']:.2f} | {s['f2']:.2f} |"
                )
    if args.mistakes:
        for set_name, lines in wrong.items():
            print(f"\nWrong on {set_name} ({len(lines)}):")
            print("\n".join(f"- {line}" for line in lines) or "- none")
    if args.rows > 0:
        seconds, cells = timing(args.rows, args.columns)
        print(f"\nSpeed: {args.columns} columns x {args.rows:,} rows ({cells:,} cells) classified in {seconds:.2f} s")
        print("(at most 20,000 rows and 500 distinct values sampled per column).")


if __name__ == "__main__":
    main()
