"""ML utility: does a model trained on synthetic rows predict real rows as well as one trained on real rows?

Train-synthetic-test-real (TSTR) against train-real-test-real, both tested on the real holdout, with a
gradient-boosted trees model (handles mixed scales, no tuning needed). Classification reports macro F1
and accuracy; regression R² and mean absolute error.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import accuracy_score, f1_score, mean_absolute_error, r2_score

from tools.quality.encode import Encoder
from tools.quality.frames import ColumnInfo, seconds
from tools.quality.model import UtilityResult
from tools.quality.numbers import clean
from tools.quality.privacy import Split

MAX_TRAIN = 20_000
MAX_ITER = 100


def utility(
    split: Split, synthetic: pd.DataFrame, columns: list[ColumnInfo], target: str, seed: int
) -> UtilityResult | str:
    """The TSTR comparison, or the reason it cannot run on this target."""
    info = next((c for c in columns if c.name == target), None)
    if info is None:
        return f"target column '{target}' is not in both REAL and SYNTH"
    if info.kind not in ("numerical", "categorical", "boolean"):
        return f"target column '{target}' is {info.kind}; ML utility needs a numerical or categorical target"
    features = [c for c in columns if c.record_feature and c.name != target]
    if not features:
        return "no feature columns besides the target"
    rng = np.random.default_rng(seed)
    train_real, test, train_synth = (_labelled(f, target, rng) for f in (split.train, split.holdout, synthetic))
    if min(len(train_real), len(test), len(train_synth)) < 10:
        return "fewer than 10 labelled rows in the real train, real holdout or synthetic data"
    encoder = Encoder.fit(train_real, features)
    x_test = encoder.transform(test)
    model = f"gradient-boosted trees (up to {MAX_ITER} iterations, early stopping)"
    notes = [f"features: {len(features)} columns; model: {model}"]
    if split.source == "split":
        notes.append("tested on a random split of REAL; if the synthesizer saw those rows the score is optimistic")
    if info.kind == "numerical":
        y_test = seconds(test[target])
        real_fit = _regress(encoder.transform(train_real), seconds(train_real[target]), x_test, seed)
        synth_fit = _regress(encoder.transform(train_synth), seconds(train_synth[target]), x_test, seed)
        real_r2, synth_r2 = r2_score(y_test, real_fit), r2_score(y_test, synth_fit)
        return UtilityResult(
            target=target, task="regression", metric="r2",
            synthetic_score=clean(synth_r2), real_score=clean(real_r2), ratio=_ratio(synth_r2, real_r2),
            synthetic_mae=clean(mean_absolute_error(y_test, synth_fit)),
            real_mae=clean(mean_absolute_error(y_test, real_fit)),
            train_rows=len(train_synth), test_rows=len(test), notes=notes,
        )  # fmt: skip
    y_synth, y_real = (frame[target].astype(str).to_numpy() for frame in (train_synth, train_real))
    for side, labels in (("synthetic", y_synth), ("real", y_real)):
        if (np.unique(labels, return_counts=True)[1] >= 2).sum() < 2:
            return f"{side} target '{target}' has fewer than two classes with 2+ rows; no classifier can be trained"
    y_test = test[target].astype(str).to_numpy()
    real_pred = _classify(encoder.transform(train_real), y_real, x_test, seed)
    synth_pred = _classify(encoder.transform(train_synth), y_synth, x_test, seed)
    real_f1 = f1_score(y_test, real_pred, average="macro", zero_division=0)
    synth_f1 = f1_score(y_test, synth_pred, average="macro", zero_division=0)
    return UtilityResult(
        target=target, task="classification", metric="f1_macro",
        synthetic_score=clean(synth_f1), real_score=clean(real_f1), ratio=_ratio(synth_f1, real_f1),
        synthetic_accuracy=clean(accuracy_score(y_test, synth_pred)),
        real_accuracy=clean(accuracy_score(y_test, real_pred)),
        train_rows=len(train_synth), test_rows=len(test), notes=notes,
    )  # fmt: skip


def _labelled(frame: pd.DataFrame, target: str, rng: np.random.Generator) -> pd.DataFrame:
    labelled = frame[frame[target].notna()].reset_index(drop=True)
    if len(labelled) > MAX_TRAIN:
        labelled = labelled.iloc[np.sort(rng.choice(len(labelled), MAX_TRAIN, replace=False))]
    return labelled.reset_index(drop=True)


def _regress(x: np.ndarray, y: np.ndarray, x_test: np.ndarray, seed: int) -> np.ndarray:
    model = HistGradientBoostingRegressor(max_iter=MAX_ITER, early_stopping=True, random_state=seed)
    return np.asarray(model.fit(x, y).predict(x_test))


def _classify(x: np.ndarray, y: np.ndarray, x_test: np.ndarray, seed: int) -> np.ndarray:
    """Classes seen once cannot be learned (and break the stratified early-stopping split): left out."""
    labels, counts = np.unique(y, return_counts=True)
    keep = np.isin(y, labels[counts >= 2])
    x, y = x[keep], y[keep]
    model = HistGradientBoostingClassifier(max_iter=MAX_ITER, early_stopping=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(model.fit(x, y).predict(x_test))


def _ratio(synthetic: float, real: float) -> float | None:
    return clean(synthetic / real) if real > 0 else None
