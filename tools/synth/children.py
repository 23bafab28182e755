"""Child rows drawn per parent context, after HMA has made the parent rows.

HMA models a child table by per-parent distribution parameters folded into the parent's copula. With
a few dozen children per parent and categories that change the shape of other columns, that loses
most of the child table's structure (a bank sample: ATM withdrawals came out positive, savings
accounts got 13 card payments each instead of 1.5 transfers). Here a leaf child table (one parent,
no children of its own) is redrawn instead:

- the parent category that best explains its children (how many, and what they look like) is the
  context, e.g. ``account_type``;
- each synthetic parent gets a number of children drawn from the child counts of the sample's
  parents with the same context value (the count is not a production value of any sensitive column);
- the children of each context value come from segmented Gaussian copulas (``segments.py``) fitted on
  the sample's children of that context value; small context groups share one model.

HMA's parent rows and keys are kept as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tools.synth import segments
from tools.synth.relations import Relation
from tools.synth.training import TrainingTable

MIN_CONTEXT_CHILDREN = 50  # a context value with fewer children in the sample joins the pooled model
MAX_CONTEXT_VALUES = 12


@dataclass(frozen=True)
class ChildPlan:
    relation: Relation
    context: str | None  # parent column, or None: one model for all children
    association: float


def leaf_relations(relations: list[Relation]) -> list[Relation]:
    """Relations whose child has this one parent and no children: the ones redrawn here."""
    parents = {r.parent_table for r in relations}
    as_child: dict[str, int] = {}
    for r in relations:
        as_child[r.child_table] = as_child.get(r.child_table, 0) + 1
    return [r for r in relations if as_child[r.child_table] == 1 and r.child_table not in parents]


def child_counts(parent: pd.DataFrame, child: pd.DataFrame, r: Relation) -> np.ndarray:
    """Children per parent row (0 for parents without any)."""
    per_key = child[r.child_column].value_counts()
    return per_key.reindex(parent[r.parent_column]).fillna(0).to_numpy(dtype=np.int64)


def parent_rows(parent: TrainingTable, child: TrainingTable, r: Relation) -> np.ndarray:
    """Position in ``parent.frame`` of each child row's parent (orphans were dropped from training)."""
    position = pd.Series(np.arange(len(parent.frame)), index=parent.frame[r.parent_column])
    return child.frame[r.child_column].map(position).to_numpy(dtype=np.int64)


def plan_child(parent: TrainingTable, child: TrainingTable, r: Relation) -> ChildPlan:
    """The parent category most associated with its children: with their count per parent (Cramér's V
    against count deciles) or with their columns (mean Cramér's V), whichever is stronger."""
    counts = child_counts(parent.frame, child.frame, r)
    joined = parent_rows(parent, child, r)
    best: tuple[float, str | None] = (0.0, None)
    for column, sdtype in parent.sdtypes.items():
        if sdtype not in segments.CATEGORICAL or column == r.parent_column:
            continue
        values = parent.frame[column]
        if not 2 <= values.nunique(dropna=True) <= MAX_CONTEXT_VALUES:
            continue
        on_children = values.to_numpy()[joined]
        frame = child.frame.drop(columns=[r.child_column]).assign(__context=on_children)
        sdtypes = {c: t for c, t in child.sdtypes.items() if c != r.child_column} | {"__context": "categorical"}
        by_rows = segments.association(frame, sdtypes, "__context")
        by_count = segments.cramers_v(
            np.asarray(pd.factorize(values)[0]), np.asarray(pd.qcut(counts, 10, labels=False, duplicates="drop"))
        )
        score = max(by_rows, by_count)  # shaping how many children, or what they look like
        if score > best[0]:
            best = (score, column)
    context = best[1] if best[0] >= segments.MIN_ASSOCIATION else None
    return ChildPlan(relation=r, context=context, association=round(best[0], 4))


def redraw(
    plan: ChildPlan,
    parent: TrainingTable,
    child: TrainingTable,
    synthetic_parent: pd.DataFrame,
    seed: int,
    fit: segments.Fitter,
) -> pd.DataFrame:
    """The child table for ``synthetic_parent``: counts per parent by context, rows by context."""
    r = plan.relation
    rng = np.random.default_rng([seed, 0xC41D])
    counts = child_counts(parent.frame, child.frame, r)
    learned = child.frame.drop(columns=[r.child_column])
    sdtypes = {c: t for c, t in child.sdtypes.items() if c in learned}
    groups: dict[object, tuple[np.ndarray, np.ndarray, np.ndarray]]
    if plan.context is None:
        groups = {None: (np.ones(len(synthetic_parent), dtype=bool), counts, np.ones(len(learned), dtype=bool))}
    else:
        groups = _context_groups(plan.context, parent, child, synthetic_parent, counts, r)
    parts: list[pd.DataFrame] = []
    for i, (mask_synth, group_counts, mask_real) in enumerate(groups.values()):
        drawn = rng.choice(group_counts, size=int(mask_synth.sum())) if len(group_counts) else np.zeros(0, int)
        total = int(drawn.sum())
        if total == 0:
            continue
        rows = learned.loc[mask_real].reset_index(drop=True)
        seg = segments.choose(rows, sdtypes)
        part = segments.sample_segmented(rows, sdtypes, total, seed + 101 * (i + 1), fit, seg)
        part[r.child_column] = np.repeat(synthetic_parent[r.parent_column].to_numpy()[mask_synth], drawn)
        parts.append(part)
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=child.frame[c].dtype) for c in child.frame.columns})
    out = pd.concat(parts, ignore_index=True)[list(child.frame.columns)]
    return segments.with_dtypes(out.iloc[rng.permutation(len(out))].reset_index(drop=True), child.frame)


def _context_groups(
    context: str,
    parent: TrainingTable,
    child: TrainingTable,
    synthetic_parent: pd.DataFrame,
    counts: np.ndarray,
    r: Relation,
) -> dict[object, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per context value: (synthetic parents with it, the sample's child counts of its parents, the
    sample's children of its parents); values with few children are pooled under None."""
    real_context = parent.frame[context]
    child_context = pd.Series(real_context.to_numpy()[parent_rows(parent, child, r)])
    synth_context = synthetic_parent[context]
    big = [v for v, n in child_context.value_counts().items() if n >= MIN_CONTEXT_CHILDREN]
    groups: dict[object, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for value in big:
        groups[value] = (
            (synth_context == value).to_numpy(),
            counts[(real_context == value).to_numpy()],
            (child_context == value).to_numpy(),
        )
    pooled_synth = ~synth_context.isin(big).to_numpy()
    if pooled_synth.any():
        small = ~real_context.isin(big).to_numpy()
        pooled_children = ~child_context.isin(big).to_numpy()
        if not pooled_children.any():  # every small value has no children at all: counts say 0
            pooled_children = np.ones(len(child_context), dtype=bool)
        groups[None] = (pooled_synth, counts[small] if small.any() else counts, pooled_children)
    return groups
