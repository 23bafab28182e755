"""k-anonymity and l-diversity on chosen quasi-identifiers, with one pandas groupby each.

An equivalence class is the set of rows sharing every quasi-identifier value (a missing value is a
value of its own: "unknown" still groups people). k-anonymity holds for k when every class has at
least k rows; l-diversity for l when every class holds at least l distinct non-missing values of the
sensitive attribute (otherwise knowing someone's class can reveal that attribute).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from tools.anonymise.model import PrivacyMeasure

MISSING = "\x00missing"  # groups missing values together without colliding with any real text


def measure(
    frame: pd.DataFrame,
    quasi_identifiers: Sequence[str],
    target_k: int,
    sensitive: str | None = None,
    target_l: int = 2,
) -> PrivacyMeasure:
    """k-anonymity (and l-diversity when ``sensitive`` is given) of ``frame`` on its quasi-identifiers."""
    rows = len(frame)
    qis = list(quasi_identifiers)
    if not rows:
        return PrivacyMeasure(rows=0, classes=0, min_k=0, target_k=target_k, rows_below_k=0, share_below_k=0.0)
    if qis:
        keys = frame[qis].astype(object).where(frame[qis].notna(), MISSING)
        class_id = keys.groupby(qis, sort=False, dropna=False).ngroup()
    else:  # every quasi-identifier removed: one class
        class_id = pd.Series(0, index=frame.index)
    sizes = class_id.map(class_id.value_counts())
    below_k = int((sizes < target_k).sum())
    result = PrivacyMeasure(
        rows=rows,
        classes=int(class_id.nunique()),
        min_k=int(sizes.min()),
        target_k=target_k,
        rows_below_k=below_k,
        share_below_k=round(below_k / rows, 6),
    )
    if sensitive is not None:
        distinct = frame[sensitive].groupby(class_id, sort=False).nunique(dropna=True)
        per_row = class_id.map(distinct)
        below_l = int((per_row < target_l).sum())
        result.min_l = int(distinct.min())
        result.target_l = target_l
        result.rows_below_l = below_l
        result.share_below_l = round(below_l / rows, 6)
    return result
