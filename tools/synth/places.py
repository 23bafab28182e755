"""Where each synthetic row is: one gazetteer entry per row, so its town, county or region, postcode and
address line agree (``tools.generators.address.gazetteer``: bundled open data, nothing downloaded).

The modelled place columns decide: a row whose town was learned as ``Leeds`` (and county ``West
Yorkshire``) gets a Leeds district for its regenerated postcode and address; a learned postcode
district decides the town of a regenerated address. Constraints are applied in order (town, then
postcode, then county and region) and one that would leave no entry is dropped (a modelled row can
pair a town with another county). With no modelled place column at all (a regenerated town, county and
postcode) a row's entry is drawn like a town (large towns more often), and every part comes from it.

No production value is read here: the values matched are the synthetic rows' modelled ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tools.generators.address import GAZETTEER_LOCALES, Gazetteer, gazetteer, pick_places
from tools.profile.quality import UK_POSTCODE_RE, US_ZIP_RE
from tools.synth.entities import column_tokens
from tools.synth.keys import stripped_values
from tools.synth.plan import ColumnPlan

PARTS = {"postcode": "postcode", "city": "town", "street_address": "address"}
AREA_WORDS = frozenset({"county", "region", "state", "province", "shire"})
AREA_ENTITIES = frozenset({"county", "region", "state"})
MATCHING = 0.5  # a modelled county/region column is used when at least this share of its values are places


def part(plan: ColumnPlan) -> str | None:
    """'postcode', 'town', 'address' or 'area' (county, region, state) for a place column, else None."""
    if plan.entity in PARTS:
        return PARTS[plan.entity]
    if plan.entity in AREA_ENTITIES:
        return "area"
    tokens = column_tokens(plan.column)
    if tokens and tokens[-1] in AREA_WORDS and plan.profile.inferred.type in ("category", "text"):
        return "area"
    return None


def area_field(plan: ColumnPlan, raw: pd.Series, gaz: Gazetteer) -> np.ndarray:
    """Which field of the entries a regenerated county/region column is written from: the region
    (UK 'region' columns; US state names) or the county (UK counties; US two-letter state codes)."""
    if gaz.locale == "en_US":
        values = stripped_values(raw)
        codes = float(values.str.fullmatch(r"[A-Za-z]{2}").mean()) if len(values) else 1.0
        return gaz.county if codes >= 0.5 else gaz.region
    return gaz.region if "region" in column_tokens(plan.column) else gaz.county


@dataclass
class Places:
    gazetteer: Gazetteer
    entries: np.ndarray  # one gazetteer entry per row
    unmatched: int = 0  # rows whose modelled place matched no entry, or contradicted another

    @property
    def locale(self) -> str:
        return self.gazetteer.locale

    def take(self, rows: np.ndarray) -> Places:
        return Places(self.gazetteer, self.entries[rows], 0)

    def towns(self) -> np.ndarray:
        return self.gazetteer.town[self.entries]


def locale_of(plans: list[ColumnPlan], frame: pd.DataFrame) -> str | None:
    """The gazetteer to use: the sample's own postcode system (UK postcodes or US ZIP codes) when it
    has a postcode column, else the place columns' locale; None when there is no gazetteer for it."""
    for plan in plans:
        if part(plan) == "postcode" and plan.column in frame:
            values = stripped_values(frame[plan.column])
            if len(values) and values.str.upper().str.match(UK_POSTCODE_RE).mean() >= 0.5:
                return "en_GB"
            if len(values) and values.str.match(US_ZIP_RE).mean() >= 0.5:
                return "en_US"
    locales = [p.locale for p in plans if part(p) is not None and p.locale in GAZETTEER_LOCALES]
    return locales[0] if locales else None


def resolve(
    plans: list[ColumnPlan], columns: dict[str, object], frame: pd.DataFrame, size: int, rng: np.random.Generator
) -> Places | None:
    """A gazetteer entry per row agreeing with the row's modelled place columns (``columns``: the
    assembled values so far); None when the table has no two place columns to agree, none to make,
    or no gazetteer fits."""
    geo = [p for p in plans if part(p) is not None]
    if len(geo) < 2 or not any(p.strategy == "regenerated" for p in geo):
        return None  # nothing to agree with: a lone town column keeps its own frequency profile
    locale = locale_of(geo, frame)
    if locale is None:
        return None
    gaz = gazetteer(locale)
    entries = pick_places(rng, size, locale)
    constraints = _constraints(geo, columns, gaz)
    if not constraints:
        return Places(gaz, entries)
    keys = pd.DataFrame({i: [_text(v) for v in values.tolist()] for i, (_, values) in enumerate(constraints)})
    groups = keys.groupby(list(keys.columns), sort=False, dropna=False).indices
    unmatched = 0
    for combo, rows in groups.items():
        combo = combo if isinstance(combo, tuple) else (combo,)
        found, complete = _candidates(gaz, [(kind, value) for (kind, _), value in zip(constraints, combo, strict=True)])
        if found is not None:
            entries[rows] = found[(rng.random(len(rows)) * len(found)).astype(np.int64)]
        unmatched += 0 if complete else len(rows)
    return Places(gaz, entries, unmatched)


def _constraints(geo: list[ColumnPlan], columns: dict[str, object], gaz: Gazetteer) -> list[tuple[str, np.ndarray]]:
    """(kind, values) of the modelled place columns, town first, then postcode, then counties and regions
    (a county/region column is read at the level most of its values name)."""
    found: list[tuple[str, np.ndarray]] = []
    for kind in ("town", "postcode", "area"):
        for plan in geo:
            if part(plan) != kind or plan.strategy == "regenerated" or plan.column not in columns:
                continue
            values = np.asarray(columns[plan.column], dtype=object)
            if kind == "postcode" and gaz.locale == "en_US":
                values = np.array([_zip(v) for v in values.tolist()], dtype=object)
            if kind == "area":
                level = max(("county", "region"), key=lambda lv: _matching_share(values, gaz, lv))
                if _matching_share(values, gaz, level) < MATCHING:
                    continue  # an 'order_state' or 'region' of something else: not a place
                kind = level
            found.append((kind, values))
    return found


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _zip(value: object) -> object:
    if isinstance(value, float | int | np.integer | np.floating) and not pd.isna(value):
        return str(int(value)).zfill(5)
    return value


def _lookup(gaz: Gazetteer, kind: str, value: str) -> np.ndarray:
    if kind == "town":
        return gaz.towns(value)
    if kind == "postcode":
        return gaz.districts(value)
    return gaz.areas(value, kind)


def _matching_share(values: np.ndarray, gaz: Gazetteer, level: str) -> float:
    """Share of the present values that name a county (or a region) of the gazetteer."""
    distinct = pd.Series(values, dtype=object).dropna()
    if not len(distinct):
        return 0.0
    counts = distinct.astype(str).str.strip().value_counts()
    hits = sum(count for value, count in counts.items() if len(gaz.areas(str(value), level)))
    return hits / int(counts.sum())


def _candidates(gaz: Gazetteer, combo: list[tuple[str, str]]) -> tuple[np.ndarray | None, bool]:
    """The entries agreeing with every present constraint that can be met, in order; and whether all
    could. None when no constraint matched at all (the row keeps its drawn entry)."""
    found: np.ndarray | None = None
    complete = True
    for kind, value in combo:
        if not value:
            continue
        matches = _lookup(gaz, kind, value)
        narrowed = matches if found is None else np.intersect1d(found, matches)
        if len(narrowed):
            found = narrowed
        else:
            complete = False
    return found, complete
