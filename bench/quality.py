"""Quality and privacy of `doppel synthesize` on the bundled samples, measured by `doppel evaluate`.

    .venv/bin/python bench/quality.py [--seed 1] [--keep DIR]
    .venv/bin/python bench/quality.py --public [--only wage] [--peers gaussian_copula,tvae,cart_leaky,bootstrap]

``--public``: public datasets that are not in this repository, Doppel and peers side by side (bench/public.py).

For each sample (telecom; bank with both related tables; hospital) a seeded 20 % of the rows is held out
first (for bank: 20 % of the accounts with all their transactions), written in the sample's own encoding
and delimiter, so the privacy metrics compare the synthetic rows with real rows the synthesizer never saw:

    doppel synthesize TRAIN... --rows <train rows of the first table> --seed S --fixed-time T --out OUT
    doppel evaluate TRAIN OUT --holdout-file HOLDOUT --seed S --fixed-time T --out report.html --json report.json

Doppel classifies the columns itself (no overrides). Prints Markdown for BENCHMARKS.md: SDMetrics quality
(overall, Column Shapes, Column Pair Trends), diagnostic, exact-copy rate against its holdout baseline,
distance to closest record against the holdout's, membership-inference AUC, the edge-case rates of the
real and synthetic tables, and the leakage check of the synthesis.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.ingest.model import IngestedTable  # noqa: E402
from tools.ingest.readers import read_samples  # noqa: E402

SAMPLES = ROOT / "playbooks" / "samples"
DOPPEL = [sys.executable, "-m", "server.cli"]
FIXED_TIME = "2026-01-01T00:00:00Z"
HOLDOUT = 0.2


@dataclass
class Case:
    name: str
    files: list[str]
    key: str | None = None  # parent key: hold out whole parents with their children


CASES = [
    Case("telecom", ["telecom_customers.csv"]),
    Case("bank", ["bank_accounts.csv", "bank_transactions.csv"], key="account_id"),
    Case("hospital", ["hospital_patients.csv"]),
]


def _write(table: IngestedTable, frame: pd.DataFrame, path: Path) -> None:
    """Rows in the sample's own encoding and delimiter (cells untouched; blanks stay blank)."""
    source = table.source
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(
        path, index=False, sep=source.delimiter or ",", quotechar=source.quotechar or '"',
        encoding=source.encoding or "utf-8", lineterminator="\r\n",
    )  # fmt: skip


def split(case: Case, folder: Path, seed: int) -> tuple[list[Path], list[Path], int]:
    """Train and holdout files of a case, and the train rows of its first table."""
    tables = read_samples([SAMPLES / f for f in case.files])
    rng = np.random.default_rng(seed)
    first = tables[0].frame
    held = rng.random(len(first)) < HOLDOUT
    parents: set[Any] = set(first.loc[held, case.key]) if case.key else set()
    train, holdout = [], []
    for i, table in enumerate(tables):
        frame = table.frame
        mask = held if i == 0 else frame[case.key].isin(parents).to_numpy() if case.key else held
        name = Path(case.files[i]).name
        _write(table, frame[~mask], folder / "train" / name)
        _write(table, frame[mask], folder / "holdout" / name)
        train.append(folder / "train" / name)
        holdout.append(folder / "holdout" / name)
    return train, holdout, int((~held).sum())


def _doppel(*args: str | Path | int) -> float:
    command = [*DOPPEL, *map(str, args)]
    print(f"$ doppel {' '.join(map(str, args))}", file=sys.stderr)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"doppel {args[0]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return time.perf_counter() - started


def run(case: Case, folder: Path, seed: int) -> dict[str, Any]:
    train, holdout, rows = split(case, folder, seed)
    out = folder / "synth"
    real = train[0] if len(train) == 1 else train[0].parent
    held = holdout[0] if len(holdout) == 1 else holdout[0].parent
    synth_s = _doppel("synthesize", *train, "--rows", rows, "--seed", seed, "--fixed-time", FIXED_TIME,
                      "--out", out, "-q")  # fmt: skip
    eval_s = _doppel("evaluate", real, out, "--holdout-file", held, "--seed", seed, "--fixed-time", FIXED_TIME,
                     "--out", folder / "report.html", "--json", folder / "report.json", "-q")  # fmt: skip
    meta = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    evaluation = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    return {"case": case, "rows": rows, "meta": meta, "eval": evaluation, "seconds": (synth_s, eval_s)}


def _prop(table: dict[str, Any], name: str) -> float | None:
    return next((p["score"] for p in table["quality_properties"] if p["name"] == name), None)


def _pct(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}%}"


def _num(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def report(results: list[dict[str, Any]], seed: int) -> None:
    print("| sample / table | rows train -> synth | quality | column shapes | pair trends | diagnostic "
          "| exact copies (holdout baseline) | DCR median synth / holdout (ratio) | MIA AUC | privacy |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---|---|---:|---|")
    for r in results:
        for t in r["eval"]["tables"]:
            p = t["privacy"] or {}
            dcr = (
                f"{_num(p.get('dcr_synthetic_median'))} / {_num(p.get('dcr_holdout_median'))} "
                f"({_num(p.get('dcr_ratio'), 2)})"
            )
            print(
                f"| {r['case'].name} / {t['name']} | {t['real_rows']:,} -> {t['synthetic_rows']:,} "
                f"| {_pct(t['quality_score'])} | {_pct(_prop(t, 'Column Shapes'))} "
                f"| {_pct(_prop(t, 'Column Pair Trends'))} | {_pct(t['diagnostic_score'])} "
                f"| {_pct(p.get('exact_copy_rate'), 2)} ({_pct(p.get('holdout_copy_rate'), 2)}) | {dcr} "
                f"| {_num(p.get('mia_auc'))} | {p.get('verdict', 'n/a')} |"
            )
    print("\nEdge cases (profile quality issues: malformed emails, invalid postcodes, mixed phone formats, "
          "padding, masks, placeholder dates, ...) and the leakage check:\n")  # fmt: skip
    print("| sample / table | issues compared | mean abs. rate difference | worst (real -> synthetic) "
          "| synthesize rates within tolerance | leakage check |")  # fmt: skip
    print("|---|---:|---:|---|---|---|")
    for r in results:
        meta = r["meta"]
        leak = meta["leakage"]
        verdict = "passed" if leak["passed"] else "FAILED"
        leak_text = (
            f"{verdict}: {leak['production_values']:,} values / {sum(leak['rows_hashed'].values()):,} rows hashed, "
            f"{leak['value_matches']:,} chance matches replaced ({leak['value_cells_blanked']:,} blanked), "
            f"{leak['row_matches']} copied rows fixed, 0 left"
            if leak["passed"]
            else f"{verdict}: {leak['remaining_value_matches']} values, {leak['remaining_row_matches']} rows left"
        )
        for i, t in enumerate(r["eval"]["tables"]):
            edges = [e for e in t["edge_cases"] if e["issue"] != "missing"]
            diffs = [abs(e["real_rate"] - e["synthetic_rate"]) for e in edges]
            worst = max(edges, key=lambda e: abs(e["real_rate"] - e["synthetic_rate"]), default=None)
            worst_text = (
                f"{worst['column'] or '(table)'} {worst['issue']}: {_pct(worst['real_rate'], 2)} -> "
                f"{_pct(worst['synthetic_rate'], 2)}"
                if worst
                else "-"
            )
            rates = [q for q in meta["quality"] if q["table"] == t["name"]]
            within = f"{sum(q['within_tolerance'] for q in rates)} of {len(rates)}"
            mean = _pct(float(np.mean(diffs)) if diffs else None, 2)
            print(
                f"| {r['case'].name} / {t['name']} | {len(edges)} | {mean} "
                f"| {worst_text} | {within} | {leak_text if i == 0 else '(same run)'} |"
            )
    timings = "; ".join(f"{r['case'].name} {r['seconds'][0]:.0f} s, {r['seconds'][1]:.0f} s" for r in results)
    print(f"\nSeconds (synthesize, evaluate): {timings}. Seed {seed}.")


def main() -> None:
    import public

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="keep the splits, outputs and reports in this folder")
    parser.add_argument("--public", action="store_true", help="public datasets against peers (bench/public.py)")
    parser.add_argument("--only", action="append", help="a case name (repeatable)")
    parser.add_argument("--peers", default=",".join(public.PEERS), help="with --public: peers, comma-separated")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="doppel-quality-") as tmp:
        root = args.keep or Path(tmp)
        if args.public:
            peers = [p for p in args.peers.split(",") if p]
            unknown = sorted(set(peers) - set(public.PEERS))
            if unknown:
                raise SystemExit(f"--peers: unknown {', '.join(unknown)} (known: {', '.join(public.PEERS)})")
            chosen = [c for c in public.CASES if not args.only or c.name in args.only]
            done = [public.run_case(case, root / case.name, args.seed, peers) for case in chosen]
            public.report(done, args.seed)
            return
        cases = [c for c in CASES if not args.only or c.name in args.only]
        results = [run(case, root / case.name, args.seed) for case in cases]
        report(results, args.seed)


if __name__ == "__main__":
    main()
