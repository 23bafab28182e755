"""Privacy: exact copies, distance to closest record (DCR) and a distance-based membership-inference attack.

Each number comes with its own baseline from real data, because "close" depends on the data: a few
categorical columns make identical rows common even between two independent real samples.
- exact copies: synthetic rows identical to a REAL row vs holdout rows identical to a train row;
- DCR: synthetic -> closest train row vs holdout -> closest train row (ratio well below 1 = copying);
- share of synthetic rows whose closest real row is in train, reweighted for the train/holdout sizes (~0.5 ideal);
- MIA: can the distance to the nearest synthetic row tell train rows from holdout rows (AUC; 0.5 = no).
The last two only mean something when the synthesizer never saw the holdout: see ``holdout_source``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import NearestNeighbors

from tools.quality.encode import Encoder
from tools.quality.frames import ColumnInfo
from tools.quality.model import PrivacyResult, Verdict
from tools.quality.numbers import clean

SAMPLE = 5000
MIN_ROWS = 10


@dataclass
class Split:
    """Real rows the synthesizer learned from (``train``) and rows it should not have seen (``holdout``)."""

    train: pd.DataFrame
    holdout: pd.DataFrame
    source: str  # "split" or "file"


def split_real(real: pd.DataFrame, holdout: float, seed: int) -> Split:
    """A seeded random split of REAL into train and holdout."""
    order = np.random.default_rng(seed).permutation(len(real))
    n_hold = max(1, round(len(real) * holdout)) if len(real) > 1 else 0
    hold, train = np.sort(order[:n_hold]), np.sort(order[n_hold:])
    return Split(real.iloc[train].reset_index(drop=True), real.iloc[hold].reset_index(drop=True), "split")


def _sample(frame: pd.DataFrame, size: int, rng: np.random.Generator) -> pd.DataFrame:
    if len(frame) <= size:
        return frame
    return frame.iloc[np.sort(rng.choice(len(frame), size, replace=False))].reset_index(drop=True)


def _row_hashes(frame: pd.DataFrame) -> np.ndarray:
    return pd.util.hash_pandas_object(frame, index=False).to_numpy()


def _nearest(reference: np.ndarray, queries: np.ndarray) -> np.ndarray:
    model = NearestNeighbors(n_neighbors=1, algorithm="auto").fit(reference)
    distances, _ = model.kneighbors(queries)
    return np.asarray(distances[:, 0])


def privacy(split: Split, synthetic: pd.DataFrame, columns: list[ColumnInfo], seed: int) -> PrivacyResult | str:
    """The privacy numbers and a verdict, or the reason they cannot be computed."""
    features = [c for c in columns if c.record_feature]
    names = [c.name for c in features]
    if not features:
        return "no numerical, date or categorical columns to compare records on"
    if len(split.train) < MIN_ROWS or len(split.holdout) < MIN_ROWS or len(synthetic) < MIN_ROWS:
        return f"too few rows for record-level privacy checks (need {MIN_ROWS} in train, holdout and synthetic)"
    rng = np.random.default_rng(seed)
    real = pd.concat([split.train[names], split.holdout[names]]) if split.source == "split" else split.train[names]
    exact = float(np.isin(_row_hashes(synthetic[names]), _row_hashes(real)).mean())
    baseline_copy = float(np.isin(_row_hashes(split.holdout[names]), _row_hashes(split.train[names])).mean())

    encoder = Encoder.fit(split.train, features)
    train_all = encoder.transform(_sample(split.train, SAMPLE, rng))
    hold_all = encoder.transform(_sample(split.holdout, SAMPLE, rng))
    synth = encoder.transform(_sample(synthetic, SAMPLE, rng))

    d_synth, d_hold = _nearest(train_all, synth), _nearest(train_all, hold_all)
    synth_median, hold_median = float(np.median(d_synth)), float(np.median(d_hold))
    ratio = synth_median / hold_median if hold_median > 0 else None
    closer = closer_to_train(d_synth, _nearest(hold_all, synth), len(train_all), len(hold_all))
    n_ref = min(len(train_all), len(hold_all))  # members and non-members in equal numbers
    members = train_all[rng.choice(len(train_all), n_ref, replace=False)]
    non_members = hold_all[rng.choice(len(hold_all), n_ref, replace=False)]
    member_distance = np.concatenate([_nearest(synth, members), _nearest(synth, non_members)])
    labels = np.concatenate([np.ones(n_ref), np.zeros(n_ref)])
    auc = float(roc_auc_score(labels, -member_distance))

    verdict, reasons = judge(exact, baseline_copy, ratio, closer, auc)
    notes = [
        f"compared on {len(names)} columns (numbers, dates, categories); identifiers and free text are left out",
        "distances: standardised numbers and one-hot categories, Euclidean, "
        f"on up to {SAMPLE:,} rows per side (seeded sample)",
    ]
    if split.source == "split":
        notes.append(
            "the holdout is a random split of REAL: if the synthesizer was fitted on all of REAL it saw the holdout "
            "too, so 'closer to train' and the membership-inference AUC cannot reveal memorisation; exact copies and "
            "the DCR ratio still can. Pass --holdout-file with real rows the synthesizer never saw."
        )
    if len(names) < 3:
        notes.append(f"only {len(names)} column(s) to compare: identical and near rows are common by chance")
    if ratio is None:
        notes.append("real rows often coincide exactly (median holdout distance 0): the DCR ratio is not defined")
    return PrivacyResult(
        columns=names,
        holdout_source="split" if split.source == "split" else "file",
        train_rows=len(split.train),
        holdout_rows=len(split.holdout),
        synthetic_rows=len(synthetic),
        exact_copy_rate=clean(exact),
        holdout_copy_rate=clean(baseline_copy),
        dcr_synthetic_median=clean(synth_median),
        dcr_holdout_median=clean(hold_median),
        dcr_ratio=clean(ratio),
        share_closer_to_train=clean(closer),
        mia_auc=clean(auc),
        verdict=verdict,
        reasons=reasons,
        notes=notes,
    )


def closer_to_train(to_train: np.ndarray, to_holdout: np.ndarray, n_train: int, n_holdout: int) -> float:
    """Share of synthetic rows whose closest real row is in train (ties count half), reweighted for the set
    sizes: without memorisation the raw share is n_train / (n_train + n_holdout), which maps to 0.5; a
    synthesizer that copies training rows pushes it towards 1."""
    raw = float(np.mean(to_train < to_holdout) + 0.5 * np.mean(to_train == to_holdout))
    train_odds, holdout_odds = raw * n_holdout, (1.0 - raw) * n_train
    return train_odds / (train_odds + holdout_odds) if train_odds + holdout_odds > 0 else 0.5


def judge(
    exact: float, baseline_copy: float, ratio: float | None, closer: float, auc: float
) -> tuple[Verdict, list[str]]:
    """Plain-language flags; any strong one makes it high risk, any mild one calls for caution."""
    excess = exact - baseline_copy if exact > 2 * baseline_copy else 0.0  # chance matches are not copying
    strong: list[str] = []
    mild: list[str] = []
    if excess > 0.05:
        strong.append(f"{exact:.1%} of synthetic rows copy a real row (real-vs-real baseline {baseline_copy:.1%})")
    elif excess > 0.01:
        mild.append(f"{exact:.1%} of synthetic rows copy a real row (baseline {baseline_copy:.1%})")
    if ratio is not None and ratio < 0.2:
        strong.append(f"synthetic rows sit {ratio:.2f}x as far from real rows as real rows do from each other")
    elif ratio is not None and ratio < 0.5:
        mild.append(f"synthetic rows are closer to real rows than real rows are to each other (ratio {ratio:.2f})")
    if auc > 0.7:
        strong.append(f"a distance attack tells training rows from holdout rows (AUC {auc:.2f})")
    elif auc > 0.6:
        mild.append(f"a distance attack partly tells training rows from holdout rows (AUC {auc:.2f})")
    if closer > 0.6:
        (strong if closer > 0.75 else mild).append(f"{closer:.0%} of synthetic rows are closer to train than holdout")
    if strong:
        return "high risk", strong + mild
    return ("caution", mild) if mild else ("low risk", [])
