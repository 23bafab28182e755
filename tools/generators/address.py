"""Addresses per locale (streets, towns, postcodes, one-line addresses), countries and company names.

UK postcodes use real postcode areas and districts with the letters Royal Mail allows in each
position. A bundled gazetteer (``data/gazetteer.<locale>.txt``: UK postcode districts and US ZIP
prefixes, each with its post town, county and region or state) keeps the parts of a place together:
a one-line address puts a town with a postcode from one of that town's own districts, and synthesis
draws a row's town, county and postcode from one entry.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import model_validator

from tools.generators.identity import ascii_strings, decimal_chars, random_digits
from tools.generators.people import rank_weights, ranked, sample
from tools.generators.registry import GeneratorParams, Related, generator
from tools.generators.vector import concat, locale_words, words

AddressLocale = Literal["en_GB", "en_US", "de_DE", "fr_FR"]
# The two letters of a UK inward code ('9AA') never include C, I, K, M, O or V.
UK_INWARD_LETTERS = np.frombuffer(b"ABDEFGHJLNPQRSTUWXYZ", dtype=np.uint8)


class LocaleParams(GeneratorParams):
    locale: AddressLocale = "en_US"


# ---------------------------------------------------------------- towns


@dataclass(frozen=True)
class Towns:
    """A locale's towns, largest first, with one data column (UK areas, US state, postcode prefix)."""

    names: pa.Array
    weights: np.ndarray
    columns: list[list[str]]


@cache
def towns(locale: str) -> Towns:
    rows = [line.split("|") for line in words(f"cities.{locale}").to_pylist()]
    names = pa.array([r[0] for r in rows], type=pa.string())
    return Towns(names, rank_weights(len(rows), 3.0), [[r[k] for r in rows] for k in range(1, len(rows[0]))])


def _pick_towns(rng: np.random.Generator, size: int, locale: str) -> np.ndarray:
    t = towns(locale)
    return np.minimum(np.searchsorted(np.cumsum(t.weights), rng.random(size), side="right"), len(t.names) - 1)


# ---------------------------------------------------------------- UK postcodes


@dataclass(frozen=True)
class UkOutward:
    codes: pa.Array  # every outward code ('M14', 'EC1A'), grouped by area
    area_start: np.ndarray  # first code of each area
    area_count: np.ndarray
    town_start: np.ndarray  # a town's areas: town_areas[town_start[t] : town_start[t] + town_count[t]]
    town_count: np.ndarray
    town_areas: np.ndarray


def _districts(spec: str) -> list[str]:
    out: list[str] = []
    for token in spec.split(","):
        low, _, high = token.partition("-")
        out += [str(d) for d in range(int(low), int(high) + 1)] if high else [token]
    return out


@cache
def uk_outward() -> UkOutward:
    codes: list[str] = []
    index: dict[str, int] = {}
    starts: list[int] = []
    counts: list[int] = []
    for line in words("postcode_areas.en_GB").to_pylist():
        area, spec = line.split("|")
        index[area] = len(starts)
        starts.append(len(codes))
        districts = _districts(spec)
        counts.append(len(districts))
        codes += [area + d for d in districts]
    town_areas = [[index[a] for a in areas.split(",")] for areas in towns("en_GB").columns[0]]
    lengths = np.array([len(a) for a in town_areas])
    return UkOutward(
        codes=pa.array(codes, type=pa.string()),
        area_start=np.array(starts),
        area_count=np.array(counts),
        town_start=np.concatenate([[0], np.cumsum(lengths)[:-1]]),
        town_count=lengths,
        town_areas=np.concatenate([np.array(a) for a in town_areas]),
    )


def uk_postcodes(rng: np.random.Generator, size: int, town: np.ndarray | None = None) -> pa.Array:
    """UK postcodes; with ``town`` (indices into the en_GB towns), in one of that town's postcode areas."""
    uk = uk_outward()
    if town is None:
        outward = rng.integers(0, len(uk.codes), size=size)
    else:
        area = uk.town_areas[uk.town_start[town] + (rng.random(size) * uk.town_count[town]).astype(np.int64)]
        outward = uk.area_start[area] + (rng.random(size) * uk.area_count[area]).astype(np.int64)
    inward = np.hstack(
        [random_digits(rng, size, 1), UK_INWARD_LETTERS[rng.integers(0, len(UK_INWARD_LETTERS), size=(size, 2))]]
    )
    return concat(uk.codes.take(pa.array(outward)), " ", ascii_strings(inward))


# ---------------------------------------------------------------- gazetteer

GAZETTEER_LOCALES = ("en_GB", "en_US")
_DISTRICT = re.compile(r"^([A-Z]{1,2})?(\d+[A-Z]?)(?:-(\d+))?$")
_GENERIC = re.compile(r"\b(?:city of|county|city|the)\b")


def place_key(name: str) -> str:
    """The comparison form of a place name: case, accents, punctuation and generic words ('City of',
    'County', 'City') ignored, so 'City of Bristol', 'BRISTOL ' and 'Bristol' agree."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    text = _GENERIC.sub(" ", text.replace("&", " and ").replace("saint ", "st "))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@dataclass(frozen=True)
class Gazetteer:
    """One entry per UK postcode district (per ZIP prefix and city in the US): its code, post town,
    county (US: state code) and region (US: state name), with look-ups by any of them."""

    locale: str
    district: np.ndarray  # object: outward code ('HU14') or ZIP prefix ('100')
    town: np.ndarray
    county: np.ndarray
    region: np.ndarray
    by_town: dict[str, np.ndarray]  # place_key -> entry indices (aliases included)
    by_county: dict[str, np.ndarray]
    by_region: dict[str, np.ndarray]
    by_district: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.district)

    def towns(self, name: str) -> np.ndarray:
        return self.by_town.get(place_key(name), _NONE)

    def areas(self, name: str, level: str | None = None) -> np.ndarray:
        """Entries of a county (US: state code) or region (US: state name); either when ``level`` is None."""
        key = place_key(name)
        if level is not None:
            return (self.by_county if level == "county" else self.by_region).get(key, _NONE)
        return np.union1d(self.by_county.get(key, _NONE), self.by_region.get(key, _NONE))

    def districts(self, code: str) -> np.ndarray:
        """Entries of a postcode's district ('HU14 3LL', 'hu143ll', 'HU14') or a ZIP code's prefix."""
        text = re.sub(r"[^A-Z0-9]", "", code.upper())
        if self.locale == "en_US":
            return self.by_district.get(text[:3].lower(), _NONE) if len(text) >= 3 else _NONE
        outward = text[:-3] if len(text) >= 5 else text
        return self.by_district.get(outward.lower(), _NONE)


_NONE = np.zeros(0, dtype=np.int64)


def _expand(spec: str, width: int) -> list[str]:
    out: list[str] = []
    area = ""
    for token in spec.split(","):
        found = _DISTRICT.match(token)
        if found is None:
            raise ValueError(f"gazetteer: not a district or range: {token!r}")
        area = found.group(1) or area
        low, high = found.group(2), found.group(3)
        numbers = [str(n).zfill(width) for n in range(int(low), int(high) + 1)] if high else [low]
        out += [area + n for n in numbers]
    return out


def _index(keys: list[list[str]]) -> dict[str, np.ndarray]:
    found: dict[str, list[int]] = {}
    for i, names in enumerate(keys):
        for key in dict.fromkeys(place_key(n) for n in names):
            found.setdefault(key, []).append(i)
    return {k: np.array(v, dtype=np.int64) for k, v in found.items()}


@cache
def gazetteer(locale: str) -> Gazetteer:
    """The bundled gazetteer of ``locale`` (en_GB or en_US)."""
    width = 3 if locale == "en_US" else 0
    rows: list[tuple[str, list[str], str, str]] = []
    for line in words(f"gazetteer.{locale}").to_pylist():
        spec, town, county, region = line.split("|")
        rows += [(code, town.split("/"), county, region) for code in _expand(spec, width)]
    return Gazetteer(
        locale=locale,
        district=np.array([r[0] for r in rows], dtype=object),
        town=np.array([r[1][0] for r in rows], dtype=object),
        county=np.array([r[2] for r in rows], dtype=object),
        region=np.array([r[3] for r in rows], dtype=object),
        by_town=_index([r[1] for r in rows]),
        by_county=_index([[r[2]] for r in rows]),
        by_region=_index([[r[3]] for r in rows]),
        by_district=_index([[r[0]] for r in rows]),
    )


@cache
def _town_entries(locale: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per town of ``cities.<locale>``, its gazetteer entries, as (start, count) into one flat array."""
    gaz = gazetteer(locale)
    groups = [gaz.towns(name) for name in towns(locale).names.to_pylist()]
    missing = [name for name, g in zip(towns(locale).names.to_pylist(), groups, strict=True) if not len(g)]
    if missing:
        raise ValueError(f"gazetteer.{locale} has no entry for {', '.join(missing[:5])}")
    counts = np.array([len(g) for g in groups], dtype=np.int64)
    return np.concatenate(groups), np.concatenate([[0], np.cumsum(counts)[:-1]]), counts


def pick_places(rng: np.random.Generator, size: int, locale: str) -> np.ndarray:
    """Gazetteer entries for ``size`` rows: a town as often as the town list ranks it (large ones more
    often), then one of that town's districts."""
    flat, start, count = _town_entries(locale)
    town = _pick_towns(rng, size, locale)
    return flat[start[town] + (rng.random(size) * count[town]).astype(np.int64)]


def place_postcodes(rng: np.random.Generator, entries: np.ndarray, locale: str, zip4: bool = False) -> pa.Array:
    """A postcode inside each entry's district: UK 'HU14 3LL' (a random inward code), US '10027'."""
    districts = pa.array(gazetteer(locale).district[entries], type=pa.string())
    size = len(entries)
    if locale == "en_US":
        code = concat(districts, ascii_strings(decimal_chars(rng.integers(1, 100, size=size), 2)))
        return concat(code, "-", ascii_strings(random_digits(rng, size, 4))) if zip4 else code
    inward = np.hstack(
        [random_digits(rng, size, 1), UK_INWARD_LETTERS[rng.integers(0, len(UK_INWARD_LETTERS), size=(size, 2))]]
    )
    return concat(districts, " ", ascii_strings(inward))


# ---------------------------------------------------------------- postcodes elsewhere


def _prefixed_codes(rng: np.random.Generator, town: np.ndarray, locale: str) -> pa.Array:
    """Five-digit codes: the town's prefix then random digits (French towns end in 0, arrondissements 01-20)."""
    prefixes = np.array(towns(locale).columns[-1])[town]
    width = np.char.str_len(prefixes)
    tails = np.zeros((town.size, 3), dtype=np.uint8)
    for w in (2, 3):  # prefixes of two or three digits
        rows = np.flatnonzero(width == w)
        if locale == "fr_FR" and w == 2:
            tails[rows, :3] = decimal_chars(rng.integers(0, 100, size=rows.size) * 10, 3)
        elif locale == "fr_FR":
            tails[rows, :2] = decimal_chars(rng.integers(1, 21, size=rows.size), 2)
        else:
            tails[rows, : 5 - w] = random_digits(rng, rows.size, 5 - w)
    return concat(pa.array(prefixes.astype(object), type=pa.string()), ascii_strings(tails))


def _us_zip(rng: np.random.Generator, town: np.ndarray, zip4: bool) -> pa.Array:
    zip3 = pa.array(towns("en_US").columns[1], type=pa.string()).take(pa.array(town))
    code = concat(zip3, ascii_strings(decimal_chars(rng.integers(1, 100, size=town.size), 2)))
    return concat(code, "-", ascii_strings(random_digits(rng, town.size, 4))) if zip4 else code


def _postcodes(rng: np.random.Generator, town: np.ndarray, locale: str, zip4: bool = False) -> pa.Array:
    if locale == "en_GB":
        return uk_postcodes(rng, town.size, town)
    if locale == "en_US":
        return _us_zip(rng, town, zip4)
    return _prefixed_codes(rng, town, locale)


class PostcodeParams(LocaleParams):
    zip4: bool = False  # en_US: ZIP+4 (12345-6789)

    @model_validator(mode="after")
    def _zip4_us_only(self) -> PostcodeParams:
        if self.zip4 and self.locale != "en_US":
            raise ValueError(f"zip4 applies to en_US ZIP codes, not {self.locale}")
        return self


@generator("postcode", params=PostcodeParams, output=pa.string())
def postcode(rng: np.random.Generator, size: int, params: PostcodeParams, related: Related) -> Any:
    """Postcodes: UK (real areas and districts, every official format), US ZIP or ZIP+4, German PLZ, French."""
    if params.locale == "en_GB":
        return uk_postcodes(rng, size)
    return _postcodes(rng, _pick_towns(rng, size, params.locale), params.locale, params.zip4)


@generator("city", params=LocaleParams, output=pa.string())
def city(rng: np.random.Generator, size: int, params: LocaleParams, related: Related) -> Any:
    """Towns and cities of the locale's country, larger ones more often."""
    return towns(params.locale).names.take(pa.array(_pick_towns(rng, size, params.locale)))


# ---------------------------------------------------------------- streets and addresses

# Largest house number and skew (higher: more small numbers) per locale.
HOUSE_NUMBERS = {"en_GB": (220, 2.2), "en_US": (9999, 1.6), "de_DE": (150, 2.0), "fr_FR": (180, 2.0)}


def streets(rng: np.random.Generator, size: int, locale: str) -> pa.Array:
    top, skew = HOUSE_NUMBERS[locale]
    number = pc.cast(pa.array(1 + (top * rng.random(size) ** skew).astype(np.int64)), pa.string())
    name = sample(rng, ranked("streets", locale, 10.0), size)
    if locale == "de_DE":
        return concat(name, " ", number)
    if locale == "fr_FR":
        return concat(number, " ", name)
    return concat(number, " ", name, " ", sample(rng, ranked("street_suffixes", locale, 2.0), size))


@generator("street", params=LocaleParams, output=pa.string())
def street(rng: np.random.Generator, size: int, params: LocaleParams, related: Related) -> Any:
    """Street lines: house number and street name in the locale's order ('12 Church Road', 'Hauptstraße 5')."""
    return streets(rng, size, params.locale)


def _us_units(rng: np.random.Generator, size: int) -> pa.Array:
    """' Apt 12' for about one US address in eight, else nothing."""
    apt = pc.cast(pa.array(rng.integers(1, 400, size=size)), pa.string())
    return pc.if_else(pa.array(rng.random(size) < 0.12), concat(" Apt ", apt), "")


@generator("address", params=LocaleParams, output=pa.string())
def address(rng: np.random.Generator, size: int, params: LocaleParams, related: Related) -> Any:
    """One-line postal addresses in the locale's layout, the postcode in one of the town's own districts."""
    locale = params.locale
    line = streets(rng, size, locale)
    if locale in GAZETTEER_LOCALES:
        entries = pick_places(rng, size, locale)
        gaz = gazetteer(locale)
        name = pa.array(gaz.town[entries], type=pa.string())
        code = place_postcodes(rng, entries, locale)
        if locale == "en_GB":
            return concat(line, ", ", name, ", ", code)
        state = pa.array(gaz.county[entries], type=pa.string())
        return concat(line, _us_units(rng, size), ", ", name, ", ", state, " ", code)
    town = _pick_towns(rng, size, locale)
    name = towns(locale).names.take(pa.array(town))
    return concat(line, ", ", _postcodes(rng, town, locale), " ", name)


# ---------------------------------------------------------------- countries


class CountryParams(GeneratorParams):
    code: bool = False  # ISO 3166-1 alpha-2 ('GB') instead of the name


@cache
def _countries() -> tuple[pa.Array, pa.Array]:
    rows = [line.split("|") for line in words("countries").to_pylist()]
    return pa.array([r[0] for r in rows], type=pa.string()), pa.array([r[1] for r in rows], type=pa.string())


@generator("country", params=CountryParams, output=pa.string())
def country(rng: np.random.Generator, size: int, params: CountryParams, related: Related) -> Any:
    """Country names (English short names) or ISO 3166-1 alpha-2 codes."""
    codes, names = _countries()
    return (codes if params.code else names).take(pa.array(rng.integers(0, len(codes), size=size)))


# ---------------------------------------------------------------- companies

COMPANY_SUFFIX_SHARE = 0.8


@generator("company", params=LocaleParams, output=pa.string())
def company(rng: np.random.Generator, size: int, params: LocaleParams, related: Related) -> Any:
    """Company names: 'Harrison Ltd', 'Webb & Shaw', 'Apex Logistics', 'Müller Bau GmbH', most with a legal form."""
    locale = params.locale
    last_a = sample(rng, ranked("last_names", locale), size)
    last_b = sample(rng, ranked("last_names", locale), size)
    brand = locale_words("company_words", None)
    brand = brand.take(pa.array(rng.integers(0, len(brand), size=size)))
    industry = sample(rng, ranked("company_industries", locale, 1e9), size)
    pattern = pa.array(rng.integers(0, 4, size=size))
    base = pc.choose(
        pattern, last_a, concat(last_a, " & ", last_b), concat(brand, " ", industry), concat(last_a, " ", industry)
    )
    legal = sample(rng, ranked("company_suffixes", locale, 2.0), size)
    return pc.if_else(pa.array(rng.random(size) < COMPANY_SUFFIX_SHARE), concat(base, " ", legal), base)
