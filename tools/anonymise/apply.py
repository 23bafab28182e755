"""One planned rule applied to one column, with the counts that describe what it did (never values)."""

from __future__ import annotations

import pandas as pd

from tools.anonymise.generalise import generalise
from tools.anonymise.keys import PseudonymKey
from tools.anonymise.mask import mask
from tools.anonymise.model import (
    ColumnReport,
    DropRule,
    GeneraliseRule,
    KeepRule,
    MaskRule,
    PerturbRule,
    PseudonymiseRule,
)
from tools.anonymise.perturb import perturb
from tools.anonymise.plan import PlannedColumn
from tools.anonymise.pseudonymise import pseudonymise
from tools.engine.seeding import rng_for
from tools.errors import DoppelError


def apply_rule(
    values: pd.Series, planned: PlannedColumn, key: PseudonymKey | None, seed: int | None
) -> tuple[pd.Series | None, ColumnReport]:
    """The anonymised column (None when dropped) and its report."""
    where = f"{planned.table}.{planned.column}"
    rule = planned.rule
    notes = list(planned.notes)
    blanked = 0
    out: pd.Series | None
    if isinstance(rule, KeepRule):
        out = values
    elif isinstance(rule, DropRule):
        out = None
    elif isinstance(rule, MaskRule):
        out = mask(values, rule)
    elif isinstance(rule, PseudonymiseRule):
        if key is None:  # the pipeline loads a key whenever a column needs one
            raise DoppelError(f"{where}: pseudonymisation needs a key")
        try:
            out, fallback = pseudonymise(values, rule, key)
        except DoppelError as exc:
            raise DoppelError(f"{where}: {exc}") from None
        if fallback:
            notes.append(f"{fallback:,} values without digits got a hash pseudonym")
    elif isinstance(rule, GeneraliseRule):
        result = generalise(values, rule, where)
        out, blanked = result.values, result.blanked
        notes += [result.note] if result.note else []
    else:
        assert isinstance(rule, PerturbRule)
        if seed is None:  # the pipeline draws a seed whenever a column needs one
            raise DoppelError(f"{where}: perturbation needs a seed")
        rng = rng_for(seed, planned.table, planned.column, 0, 0, "anonymise-perturb")
        perturbed = perturb(values, rule, rng, where)
        out, blanked = perturbed.values, perturbed.blanked
        notes += [perturbed.note] if perturbed.note else []
    return out, _report(values, out, planned, blanked, notes)


def _report(
    before: pd.Series, after: pd.Series | None, planned: PlannedColumn, blanked: int, notes: list[str]
) -> ColumnReport:
    rule = planned.rule
    missing = before.isna()
    if after is None:
        changed, distinct_after = int((~missing).sum()), None
    else:
        gone = after.isna()
        differs = (missing != gone) | (~missing & ~gone & (before.astype(object) != after.astype(object)))
        changed, distinct_after = int(differs.sum()), int(after.nunique(dropna=True))
    detail = rule.describe()
    return ColumnReport(
        table=planned.table,
        column=planned.column,
        strategy=rule.strategy,
        detail=detail,
        source=planned.source,
        entity=planned.entity,
        rule=rule.model_dump(mode="json"),
        rows=len(before),
        missing=int(missing.sum()),
        changed=changed,
        blanked=blanked,
        distinct_before=int(before.nunique(dropna=True)),
        distinct_after=distinct_after,
        note="; ".join(notes) or None,
    )
