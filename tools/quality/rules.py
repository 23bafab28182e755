"""Row rules: each rule the real sample obeys (``tools.profile.rules``), with its support on the real side
and measured the same way on the synthetic side. Test systems reject a row that breaks a business rule,
so a synthetic support near 100% (or at least the real one) is the goal."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from tools.profile import rules as row_rules
from tools.profile.model import RowRule
from tools.quality.model import RuleComparison


def compare_rules(
    rules: list[RowRule], real: pd.DataFrame, synthetic: pd.DataFrame, today: dt.date
) -> list[RuleComparison]:
    """Every rule of the real profile, measured on ``synthetic`` (a dependency reads its pairs from ``real``)."""
    if not rules:
        return []
    kinds = row_rules.column_kinds(rules)
    reference = row_rules.typed_from_text(real, {c: k for c, k in kinds.items() if k == "label"}, today)
    typed = row_rules.typed_from_text(synthetic, kinds, today)
    out = []
    for rule in rules:
        support, rows = row_rules.measure(rule, typed, reference)
        out.append(
            RuleComparison(
                kind=rule.kind, columns=rule.columns, formula=rule.formula, real_support=rule.support,
                real_rows=rule.rows, synthetic_support=support if rows else None, synthetic_rows=rows,
            )
        )  # fmt: skip
    return out
