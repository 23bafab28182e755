"""Sensitive-column classification: name prior + value patterns + checksums + statistics + context.

Per column: a seeded sample of distinct values (``sampling``), what the name suggests (``names``),
what the values look like (``patterns``). Each candidate entity gets a score that combines its name
prior ``n`` and its value evidence ``v`` as ``1 - (1 - n)(1 - v)``; then negative rules scale it
down (checksums failing, values contradicting a recognisable name, dates, flags, constants, dense
integer runs, business qualifiers, low-cardinality codes), and cross-column context lifts it (a
``last4`` beside a card column, first and last names side by side, an account number beside a sort
code). A column whose best score lands in the ambiguous band is looked up in the knowledge base.
Evidence texts are built from counts and names only, never from sampled values.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, Field, model_validator

from tools.ingest.model import IngestedTable, SourceInfo
from tools.sensitive.dates import DateFacts
from tools.sensitive.knowledge import CachedKnowledgeBase, KnowledgeAnswer, KnowledgeBase, cached
from tools.sensitive.masking import MaskResult, detect_masked
from tools.sensitive.model import ColumnClassification, EntityType, Evidence
from tools.sensitive.names import (
    BODY_TERMS,
    BUSINESS_TABLES,
    CONTACT,
    HEALTH_TABLES,
    PERSON_TABLES,
    NameAnalysis,
    analyse_name,
    singular,
    tokenize,
)
from tools.sensitive.patterns import name_shape_share, run_detectors
from tools.sensitive.policy import (
    CHECKABLE,
    JOIN_KEYS,
    KEPT_QUASI_IDENTIFIERS,
    LABEL,
    LOCALISED,
    SPECIAL_CATEGORY,
    SUPPORTS,
    role_for,
    strategy_for,
)
from tools.sensitive.sampling import ColumnSample, sample_column
from tools.sensitive.values import PatternResult

_LANG_LOCALE = {"de": "de_DE", "fr": "fr_FR", "es": "es_ES", "nl": "nl_NL"}
_NUMERIC_SHAPED = frozenset(
    {
        "phone",
        "msisdn",
        "payment_card",
        "us_ssn",
        "nhs_number",
        "imei",
        "imsi",
        "bank_account",
        "sort_code",
        "postcode",
        "uk_nino",
    }
)
_OPEN_CLASS = frozenset({"person_name", "first_name", "last_name"})
_LAST4_TERMS = frozenset({"last4", "last_four", "lastfour", "card_last4", "pan_last4", "last4_digits", "last_4_digits"})


class Thresholds(BaseModel):
    """Decision thresholds on the best candidate's score (0..1)."""

    sensitive: float = Field(0.5, ge=0.0, le=1.0, description="sensitive at or above this score")
    kb_low: float = Field(0.4, ge=0.0, le=1.0, description="ambiguous band: consult the knowledge base from here")
    kb_high: float = Field(0.75, ge=0.0, le=1.0, description="... up to (not including) here")

    @model_validator(mode="after")
    def _band(self) -> Thresholds:
        if self.kb_low > self.kb_high:
            raise ValueError("kb_low must not exceed kb_high")
        return self


def _pct(x: float) -> str:
    return f"{x:.0%}"


def _either(a: float, b: float) -> float:
    """Noisy-or: two independent pieces of evidence."""
    return 1.0 - (1.0 - a) * (1.0 - b)


@dataclass(slots=True)
class _Candidate:
    entity: str
    score: float
    evidence: list[Evidence] = field(default_factory=list)
    locales: Counter[str] = field(default_factory=Counter)
    has_name: bool = False
    has_values: bool = False


@dataclass(slots=True)
class _Column:
    table: str
    column: str
    sample: ColumnSample
    name: NameAnalysis
    results: list[PatternResult]
    dates: DateFacts
    mask: MaskResult
    candidates: dict[str, _Candidate] = field(default_factory=dict)
    general: list[Evidence] = field(default_factory=list)
    ruled_out: list[Evidence] = field(default_factory=list)  # shown only when the column is not sensitive
    warnings: list[str] = field(default_factory=list)
    joins: list[str] = field(default_factory=list)

    @property
    def best(self) -> _Candidate | None:
        if not self.candidates:
            return None
        return max(self.candidates.values(), key=lambda c: (c.score, c.has_name and c.has_values))

    def best_is(self, entity: str, at_least: float) -> bool:
        best = self.best
        return best is not None and best.entity == entity and best.score >= at_least

    def result(self, entity: str) -> PatternResult | None:
        own = [r for r in self.results if r.entity == entity]
        return max(own, key=lambda r: (r.score(), r.hit_rate)) if own else None


# ---------------------------------------------------------------- one column


def _examine(
    table: str, column: str, series: pd.Series, sample: int, max_rows: int, seed: int, today: date | None
) -> _Column:
    column_seed = seed ^ zlib.crc32(f"{table}\x00{column}".encode())
    taken = sample_column(series, max_values=sample, max_rows=max_rows, seed=column_seed)
    mask, rest = detect_masked(taken.values)
    results, dates = run_detectors(rest, taken.text_like, today, phrase_like=taken.phrase_like)
    col = _Column(table, column, taken, analyse_name(column, table), results, dates, mask)
    _score(col)
    return col


def _score(col: _Column) -> None:
    """Candidates with combined scores and their evidence; then the column-wide negative rules."""
    mask, sample = col.mask, col.sample
    masked = mask.share >= 0.5
    entities = {p.entity for p in col.name.priors}
    entities |= {r.entity for r in col.results if r.score() > 0 or (r.failing and col.name.prior(r.entity) > 0)}
    if masked:
        entities.add(mask.entity or (col.name.best.entity if col.name.best else "other_pii"))
    for entity in entities:
        col.candidates[entity] = _candidate(col, entity, masked)
    if 0.02 <= mask.share < 0.5:
        for cand in col.candidates.values():
            cand.score = _either(cand.score, 0.3)
            cand.evidence.append(
                Evidence(
                    method="value_pattern", detail=f"{_pct(mask.share)} of sampled values are pre-masked", score=0.3
                )
            )
    for r in col.results:
        if r.failing and r.entity not in col.candidates:
            col.ruled_out.append(
                Evidence(
                    method="negative_rule",
                    detail=f"only {_pct(r.valid_rate or 0.0)} of {round(r.matched)} {r.detector} pass "
                    f"{r.validator}: not {LABEL[r.entity]}",
                    score=0.6,
                )
            )
    _negative_rules(col)
    if sample.non_empty == 0:
        col.warnings.append("no non-empty values in the sample: the decision rests on the column name")
    elif sample.non_empty < 10:
        col.warnings.append(f"only {sample.non_empty} non-empty sampled values: the decision leans on the column name")


def _candidate(col: _Column, entity: str, masked: bool) -> _Candidate:
    name, mask = col.name, col.mask
    n = name.prior(entity)
    cand = _Candidate(entity, 0.0, has_name=n > 0)
    prior = next((p for p in name.priors if p.entity == entity), None)
    if prior is not None:
        note = f"; {prior.note}" if prior.note else ""
        cand.evidence.append(
            Evidence(
                method="column_name",
                detail=f"column name matches '{prior.term}' ({prior.lang}, {prior.how}{note})",
                score=round(n, 3),
            )
        )
    own = col.result(entity)
    chosen, v = own, own.score() if own else 0.0
    for other, weight in SUPPORTS.get(entity, {}).items():
        support = col.result(other)
        if support is not None and support.score() * weight > v:
            chosen, v = support, support.score() * weight
    failing = own is not None and own.failing
    if chosen is not None and v > 0 and not failing:
        note = f" ({chosen.note})" if chosen.note else ""
        cand.evidence.append(
            Evidence(
                method="value_pattern",
                detail=f"{_pct(chosen.hit_rate)} of {chosen.checked} sampled values match {chosen.detector}{note}",
                score=round(v, 3),
            )
        )
        rate = chosen.valid_rate
        if rate is not None:
            cand.evidence.append(
                Evidence(
                    method="checksum" if chosen.decisive or chosen.strict else "value_pattern",
                    detail=f"{_pct(rate)} of {round(chosen.matched)} matching values pass {chosen.validator}",
                    score=round(rate, 3),
                )
            )
        cand.locales.update(chosen.locales)
        cand.has_values = True
    if failing and own is not None:
        cand.evidence.append(
            Evidence(
                method="negative_rule",
                detail=f"only {_pct(own.valid_rate or 0.0)} of {round(own.matched)} {own.detector} pass "
                f"{own.validator}: not {LABEL[entity]}",
                score=0.9,
            )
        )
        v, n = 0.0, n * 0.6
        if cand.has_name and entity == "payment_card":
            col.warnings.append("card-named values fail the Luhn check: tokenised or test numbers?")
    elif entity in CHECKABLE and n > 0 and v < 0.15 and len(col.sample.values) >= 10 and not masked:
        hit = own.hit_rate if own else 0.0
        if entity in _OPEN_CLASS and n >= 0.85 and name_shape_share(col.sample.values) >= 0.9:
            # names are an open class: an explicit name column of name-shaped values stands even when
            # few of its values are on the bundled lists
            cand.evidence.append(
                Evidence(
                    method="statistics",
                    detail=f"values are shaped like names, though only {_pct(hit)} are on the name lists",
                    score=0.5,
                )
            )
            n *= 0.9
            cand.score = _either(n, v)
            return cand
        cand.evidence.append(
            Evidence(
                method="negative_rule",
                detail=f"values do not look like {LABEL[entity]}: {_pct(hit)} of "
                f"{own.checked if own else len(col.sample.values)} sampled values match",
                score=0.7,
            )
        )
        n *= 0.4
    if masked and (entity == mask.entity or mask.entity is None or cand.has_name):
        # masking marks the column as sensitive; its shape says what it was, when it can
        fits = entity == mask.entity or mask.entity is None
        cand.evidence.append(
            Evidence(
                method="value_pattern",
                detail=f"pre-masked: {_pct(mask.share)} of {mask.checked} sampled values are masked ({mask.shape})",
                score=0.85 if fits else 0.6,
            )
        )
        v = max(v, 0.85 if fits else 0.6)
        cand.has_values = True
    cand.score = _either(n, v)
    return cand


def _scale(
    col: _Column,
    entities: Sequence[str] | None,
    factor: float,
    method: Literal["negative_rule", "statistics"],
    detail: str,
    score: float,
) -> None:
    """Multiply the named candidates' scores (all when None) and record why, once."""
    touched = False
    for cand in col.candidates.values():
        if (entities is None or cand.entity in entities) and cand.score > 0:
            cand.score *= factor
            touched = True
    if touched:
        col.general.append(Evidence(method=method, detail=detail, score=score))


def _negative_rules(col: _Column) -> None:
    s, name = col.sample, col.name
    others = [e for e in col.candidates]
    if s.constant and col.mask.share < 0.5:  # a fully masked column is one repeated mask, still sensitive
        _scale(
            col,
            None,
            0.3,
            "negative_rule",
            f"all {s.non_empty} sampled non-empty rows hold one identical value: not an identifier",
            0.8,
        )
    if s.boolean_like:  # a yes/no about a person's health (smoker: Y/N) is still special-category data
        flags = [e for e in others if e != "gender" and e not in SPECIAL_CATEGORY]
        _scale(col, flags, 0.2, "negative_rule", "values are yes/no flags", 0.8)
    if name.counted is not None and s.numeric_share >= 0.9 and s.non_empty >= 5:
        # policy: a count, amount or score is a number about an encounter, whatever word it counts
        _scale(
            col,
            [e for e in others if e in SPECIAL_CATEGORY or e == "free_text_pii"],
            0.15,
            "negative_rule",
            f"numbers under a count word ('{name.counted}'): a count, amount or score, not a condition",
            0.85,
        )
    if s.numeric_share >= 0.95 and s.non_empty >= 10:
        _scale(col, ["free_text_pii"], 0.2, "negative_rule", "values are numbers, not text", 0.8)
    if col.dates.share >= 0.9:
        _scale(
            col,
            [e for e in others if e not in {"date_of_birth", "age"}],
            0.3,
            "negative_rule",
            f"{_pct(col.dates.share)} of sampled values are dates",
            0.7,
        )
    if name.neutral is not None:
        unnamed = [c for c in col.candidates.values() if not c.has_name]
        weak = [c.entity for c in unnamed if not _proven(col, c.entity)]
        proven = [c.entity for c in unnamed if _proven(col, c.entity)]
        detail = f"column name matches '{name.neutral.term}', a non-personal business term"
        _scale(col, weak, 0.35, "negative_rule", detail, name.neutral.score)
        _scale(col, proven, 0.85, "negative_rule", detail, name.neutral.score)
    if name.business is not None:
        _scale(
            col,
            [e for e in others if e in CONTACT],
            0.35,
            "negative_rule",
            f"business qualifier {name.business}: contact data of a business, not of a person",
            0.7,
        )
    if s.distinct < 30 and s.non_empty >= 100:
        _scale(
            col,
            ["phone", "msisdn"],
            0.2,
            "negative_rule",
            f"only {s.distinct} distinct values in {s.non_empty} rows: codes, not phone numbers",
            0.7,
        )
    if s.distinct < 10 and s.non_empty >= 100:
        _scale(
            col,
            ["city", "postcode", "street_address"],
            0.5,
            "statistics",
            f"only {s.distinct} distinct places in {s.non_empty} rows: a coarse category, hardly identifying",
            0.6,
        )
    if s.sequential:
        _scale(
            col,
            [e for e in others if e in _NUMERIC_SHAPED],
            0.2,
            "statistics",
            "values form a dense run of integers: a surrogate key",
            0.7,
        )


def _proven(col: _Column, entity: str) -> bool:
    """Checksum-grade value evidence (most values pass Luhn, mod-97, mod-11...)."""
    result = col.result(entity)
    rate = result.valid_rate if result else None
    return result is not None and result.decisive and rate is not None and rate >= 0.9 and result.hit_rate >= 0.5


# ---------------------------------------------------------------- neighbours


def _lift(cand: _Candidate, to: float, detail: str) -> None:
    cand.score = _either(cand.score, to)
    cand.evidence.append(Evidence(method="context", detail=detail, score=to))


def _context(columns: list[_Column]) -> None:
    """Lift candidates by what sits beside them in the same table."""
    cards = [c for c in columns if c.best_is("payment_card", 0.75)]
    firsts = [c for c in columns if c.best_is("first_name", 0.5)]
    lasts = [c for c in columns if c.best_is("last_name", 0.5)]
    sorts = [c for c in columns if c.best_is("sort_code", 0.5)]
    accounts = [c for c in columns if c.name.prior("bank_account") >= 0.5]
    for col in columns:
        card = col.candidates.get("payment_card")
        prior = next((p for p in col.name.priors if p.entity == "payment_card"), None)
        last4 = prior is not None and prior.term in _LAST4_TERMS
        if card is not None and last4 and col.sample.digit_share >= 0.9 and cards and col not in cards:
            # policy: the last four digits alone are not sensitive; keep them consistent with the card
            col.warnings.append(
                f"last digits of card column '{cards[0].column}': "
                "derive them from the synthetic card to keep both consistent"
            )
        for mine, theirs, label in ((firsts, lasts, "surname"), (lasts, firsts, "first-name")):
            if col in mine and theirs:
                entity = "first_name" if label == "surname" else "last_name"
                _lift(col.candidates[entity], 0.4, f"beside {label} column '{theirs[0].column}'")
        if sorts and col not in sorts:
            eight = col.result("bank_account")
            if col.name.prior("bank_account") > 0 or (eight is not None and eight.hit_rate >= 0.8):
                cand = col.candidates.setdefault("bank_account", _Candidate("bank_account", 0.0))
                cand.has_values = cand.has_values or eight is not None
                _lift(cand, 0.75, f"beside sort code column '{sorts[0].column}'")
        if col in sorts and any(a is not col for a in accounts):
            other = next(a for a in accounts if a is not col)
            _lift(col.candidates["sort_code"], 0.5, f"beside account number column '{other.column}'")


_PERSON_KEYS = frozenset(
    {"person_name", "first_name", "last_name", "customer_id", "date_of_birth", "nhs_number", "national_id",
     "us_ssn", "uk_nino", "email", "phone"}
)  # fmt: skip


def _table_tokens(table: str) -> set[str]:
    return {singular(t) for t in tokenize(table)}


def _not_about_persons(columns: list[_Column]) -> None:
    """Special-category words describe no one in a table of products or stock (pharmacy_catalogue.medication,
    blood_bank_stock.blood_group), nor when a weakly named column names the table's own rows
    (hospital_wards.ward: a list of wards, not the ward a patient is on)."""
    if not columns:
        return
    tokens = _table_tokens(columns[0].table)
    business = sorted(tokens & BUSINESS_TABLES)
    for col in columns:
        own = {singular(t) for t in col.name.tokens}
        weak = 0 < max((col.name.prior(e) for e in SPECIAL_CATEGORY), default=0.0) < 0.75
        if business:
            detail = f"table '{col.table}' lists {business[0]} items, not persons: no one's special-category data"
        elif weak and own <= tokens:
            detail = f"column names the rows of table '{col.table}' (a list of them), not a person's attribute"
        else:
            continue
        _scale(col, sorted(SPECIAL_CATEGORY), 0.3, "negative_rule", detail, 0.7)


def _health_context(columns: list[_Column]) -> None:
    """Body measurements (weight, height, BMI) are health data when the rows are persons or patients:
    lift them in such tables; a parcel's weight in a shipments table stays a number."""
    if not columns:
        return
    tokens = _table_tokens(columns[0].table)
    if tokens & BUSINESS_TABLES:
        return
    medical = sum(c.best_is("medical_condition", 0.75) for c in columns)
    health_rows = bool(tokens & HEALTH_TABLES) or medical >= 1
    person_rows = bool(tokens & PERSON_TABLES) or any(
        c.best is not None and c.best.entity in _PERSON_KEYS and c.best.score >= 0.75 for c in columns
    )
    if not (health_rows or person_rows):
        return
    why = "the rows are patients' records" if health_rows else "the rows are persons"
    for col in columns:
        body = [t for t in col.name.tokens if t in BODY_TERMS]
        if not body or col.name.modifier is not None or not _measurements(col.sample.values):
            continue
        cand = col.candidates.setdefault("medical_condition", _Candidate("medical_condition", 0.0))
        cand.has_values = True
        _lift(cand, 0.85, f"a body measurement ('{body[0]}') and {why}: health data")


def _measurements(values: list[str]) -> bool:
    """Plausible human body measurements: numbers (decimal point or comma) between 0.2 and 400."""
    if len(values) < 5:
        return False
    numbers = pd.to_numeric(pd.Series(values, dtype=object).str.replace(",", ".", regex=False), errors="coerce")
    return bool(numbers.notna().mean() >= 0.9 and numbers.min() >= 0.2 and numbers.max() <= 400)


def _joins(columns: list[_Column]) -> None:
    """Mark identifier columns whose name recurs in other tables: they join, so pseudonymise."""
    by_name: dict[str, list[_Column]] = {}
    for col in columns:
        by_name.setdefault("_".join(tokenize(col.column)), []).append(col)
    for group in by_name.values():
        tables = {c.table for c in group}
        if len(tables) < 2:
            continue
        for col in group:
            col.joins = sorted(tables - {col.table})


# ---------------------------------------------------------------- decision


def _ask(
    col: _Column, kb: CachedKnowledgeBase, best: _Candidate | None, neighbours: list[str]
) -> KnowledgeAnswer | None:
    context: dict[str, Any] = {
        "tokens": col.name.tokens,
        "candidate": best.entity if best else "none",
        "score": round(best.score, 3) if best else 0.0,
        "columns": neighbours,
        "language": col.name.language,
    }
    answer = kb.lookup(col.table, col.column, context)
    warning = kb.errors.get((col.table, col.column)) or kb.warning
    if warning:
        col.warnings.append(warning)
    return answer


def _decide(
    col: _Column, thresholds: Thresholds, kb: CachedKnowledgeBase, neighbours: list[str]
) -> ColumnClassification:
    best = col.best
    score = best.score if best else 0.0
    entity: str = best.entity if best else "none"
    evidence = list(best.evidence) if best else []
    if thresholds.kb_low <= score < thresholds.kb_high:
        answer = _ask(col, kb, best, neighbours)
        if answer is not None:
            title = answer.page_title or "knowledge base"
            where = f" <{answer.page_url}>" if answer.page_url else ""
            verdict = f"personal data ({answer.entity})" if answer.sensitive else "not personal data"
            evidence.append(
                Evidence(method="knowledge_base", detail=f"{title}{where}: {verdict}", score=answer.confidence)
            )
            if answer.sensitive:
                same = answer.entity in (entity, "none")
                score = _either(score, answer.confidence) if same else max(score, answer.confidence)
                entity = entity if answer.entity == "none" else answer.entity
            else:
                score *= 1.0 - answer.confidence
    sensitive = score >= thresholds.sensitive
    evidence += col.general
    kept = sensitive and entity in KEPT_QUASI_IDENTIFIERS
    if kept:
        # policy: a quasi-identifier that is modelled with the rest and kept by anonymise
        evidence.append(
            Evidence(
                method="negative_rule",
                detail=f"policy: {LABEL[entity]} are a quasi-identifier: modelled with the rest, not regenerated",
                score=0.9,
            )
        )
    elif not sensitive:
        entity = "none"
        evidence += col.ruled_out
    decided: EntityType = entity  # type: ignore[assignment]
    role = role_for(decided, sensitive)
    strategy = "keep" if kept else strategy_for(decided, sensitive)
    if sensitive and col.mask.share >= 0.5:
        strategy = "mask"
        col.warnings.append("values are pre-masked in the sample: keep them masked")
    if sensitive and col.joins and decided in JOIN_KEYS:
        strategy = "pseudonymise"
        evidence.append(
            Evidence(
                method="context",
                detail=f"same column in table(s) {', '.join(col.joins)}: pseudonymise to keep joins",
                score=0.6,
            )
        )
    locale = None
    if sensitive and decided in LOCALISED:
        locale = _locale(col, best if best and best.entity == decided else None)
    confidence = score if sensitive or kept else max(0.5, min(0.95, 1.0 - score))
    return ColumnClassification(
        table=col.table,
        column=col.column,
        sensitive=sensitive,
        role=role,
        entity=decided,
        confidence=round(min(1.0, confidence), 3),
        evidence=evidence,
        strategy=strategy,
        locale=locale,
        warnings=list(dict.fromkeys(col.warnings)),
    )


def _locale(col: _Column, best: _Candidate | None) -> str | None:
    """Locale from the values (phone regions, postcode and IBAN formats), else the name's language,
    else the day/month order of dates."""
    if best is not None and best.locales:
        return best.locales.most_common(1)[0][0]
    language = col.name.language
    if language in _LANG_LOCALE:
        return _LANG_LOCALE[language]
    if best is not None and best.entity == "date_of_birth" and col.dates.locale:
        return col.dates.locale
    return None


def _fill_locales(results: list[ColumnClassification]) -> None:
    """Columns of a table without a locale of their own take the table's majority locale."""
    by_table: dict[str, Counter[str]] = {}
    for r in results:
        if r.locale:
            by_table.setdefault(r.table, Counter())[r.locale] += 1
    for r in results:
        if r.sensitive and r.locale is None and r.entity in LOCALISED and r.table in by_table:
            r.locale = by_table[r.table].most_common(1)[0][0]


# ---------------------------------------------------------------- public API


def classify_tables(
    tables: list[IngestedTable],
    knowledge: KnowledgeBase | None = None,
    thresholds: Thresholds | None = None,
    *,
    sample: int = 500,
    max_rows: int = 20_000,
    seed: int = 0,
    today: date | None = None,
) -> list[ColumnClassification]:
    """Classify every column of every table, in order.

    ``sample``: distinct values examined per column (200-1000 is plenty); ``max_rows``: rows read per
    column to find them; ``seed``: the sampling seed; ``today``: reference date for ages (default today).
    ``knowledge`` is consulted only for scores in the ambiguous band; without one, the built-in
    glossary answers and each such column says so in its warnings."""
    thresholds = thresholds or Thresholds()
    kb = cached(knowledge)
    examined: list[list[_Column]] = []
    for table in tables:
        frame = table.frame
        columns = [
            _examine(table.name, str(name), frame.iloc[:, i], sample, max_rows, seed, today)
            for i, name in enumerate(frame.columns)
        ]
        _context(columns)
        _not_about_persons(columns)
        _health_context(columns)
        examined.append(columns)
    _joins([c for cols in examined for c in cols])
    results: list[ColumnClassification] = []
    for columns in examined:
        names = [c.column for c in columns]
        for col in columns:
            results.append(_decide(col, thresholds, kb, [n for n in names if n != col.column]))
    _fill_locales(results)
    return results


def classify_column(
    values: pd.Series | Sequence[str | None],
    column: str,
    table: str = "",
    *,
    knowledge: KnowledgeBase | None = None,
    thresholds: Thresholds | None = None,
    sample: int = 500,
    seed: int = 0,
    today: date | None = None,
) -> ColumnClassification:
    """Classify one column on its own (no neighbours to lend context)."""
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    frame = pd.DataFrame({column: series.reset_index(drop=True)})
    source = SourceInfo(path=f"{table or 'column'}", format="csv", rows=len(frame), columns=1)
    ingested = IngestedTable(name=table, source=source, frame=frame)
    return classify_tables([ingested], knowledge, thresholds, sample=sample, seed=seed, today=today)[0]
