"""Person names per locale: first names, surnames and full names, sampled with realistic popularity.

Word lists are ordered most common first and sampled by index with Zipf-like weights. A locale falls
back to its language (fr_BE -> fr) and then to en_US.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field

from tools.generators.registry import GeneratorParams, Related, generator
from tools.generators.vector import locale_words

LOCALE_PATTERN = r"^[a-z]{2,3}(_[A-Z]{2})?$"
Gender = Literal["any", "female", "male"]


TABLE_SIZE = 1 << 16  # slots of the sampling tables: probabilities are kept to 1/65536


def rank_weights(n: int, flatness: float) -> np.ndarray:
    """Zipf-like probabilities for a list ordered most common first; larger ``flatness`` is closer to uniform."""
    w = 1.0 / (np.arange(n) + flatness)
    return w / w.sum()


@dataclass(frozen=True)
class Weighted:
    """A word list with a sampling table: slot k holds an index, each index in proportion to its weight."""

    values: pa.Array
    table: np.ndarray

    @classmethod
    def build(cls, values: pa.Array, weights: np.ndarray) -> Weighted:
        counts = np.maximum(1, np.rint(weights / weights.sum() * TABLE_SIZE)).astype(np.int64)
        counts[np.argmax(counts)] += TABLE_SIZE - counts.sum()  # exact total; every entry keeps a slot
        return cls(values, np.repeat(np.arange(len(values), dtype=np.int32), counts))

    def indices(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Weighted random indices into ``values``: one uint16 draw and one table lookup each."""
        return self.table[rng.integers(0, TABLE_SIZE, size=size, dtype=np.uint16)]


@cache
def ranked(kind: str, locale: str, flatness: float = 20.0) -> Weighted:
    """A locale's word list with popularity weights by rank (cached: built once per process)."""
    values = locale_words(kind, locale)
    return Weighted.build(values, rank_weights(len(values), flatness))


def sample(rng: np.random.Generator, words: Weighted, size: int) -> pa.Array:
    """``size`` entries of a weighted word list (one vectorised take)."""
    return words.values.take(pa.array(words.indices(rng, size)))


@cache
def _first_names(locale: str, gender: Gender) -> Weighted:
    if gender != "any":
        return ranked(f"first_names_{gender}", locale)
    female, male = ranked("first_names_female", locale), ranked("first_names_male", locale)
    weights = np.concatenate([np.bincount(female.table), np.bincount(male.table)]).astype(float)
    return Weighted.build(pa.concat_arrays([female.values, male.values]), weights)


def first_names(rng: np.random.Generator, size: int, locale: str, gender: Gender = "any") -> pa.Array:
    return sample(rng, _first_names(locale, gender), size)


def last_names(rng: np.random.Generator, size: int, locale: str) -> pa.Array:
    return sample(rng, ranked("last_names", locale), size)


class NameParams(GeneratorParams):
    locale: str = Field("en_US", pattern=LOCALE_PATTERN)
    gender: Gender = "any"


class LastNameParams(GeneratorParams):
    locale: str = Field("en_US", pattern=LOCALE_PATTERN)


class FullNameParams(NameParams):
    from_: list[str] | None = Field(None, alias="from", min_length=1, description="fields to join, e.g. [first, last]")


@generator("first_name", params=NameParams, output=pa.string())
def first_name(rng: np.random.Generator, size: int, params: NameParams, related: Related) -> Any:
    """Given names for the locale (en_US, en_GB, de, fr), optionally only female or male ones."""
    return first_names(rng, size, params.locale, params.gender)


@generator("last_name", params=LastNameParams, output=pa.string())
def last_name(rng: np.random.Generator, size: int, params: LastNameParams, related: Related) -> Any:
    """Surnames for the locale (en_US, en_GB, de, fr), common ones more often."""
    return last_names(rng, size, params.locale)


@generator("full_name", params=FullNameParams, output=pa.string(), field_refs=("from_",))
def full_name(rng: np.random.Generator, size: int, params: FullNameParams, related: Related) -> Any:
    """'First Last' names for the locale, or the `from` fields of the same row joined by spaces."""
    if params.from_:
        parts = [pc.cast(related[name], pa.string()) for name in params.from_]
        # Not null_handling="skip": pyarrow 26 drops rows whose inputs are all null, returning a shorter array.
        joined = pc.binary_join_element_wise(*[pc.fill_null(p, "") for p in parts], " ")
        joined = pc.utf8_trim_whitespace(pc.replace_substring_regex(joined, "  +", " ") if len(parts) > 2 else joined)
        all_null = np.logical_and.reduce([p.is_null().to_numpy(zero_copy_only=False) for p in parts])
        return pc.if_else(pa.array(all_null), pa.scalar(None, pa.string()), joined)
    return pc.binary_join_element_wise(
        first_names(rng, size, params.locale, params.gender), last_names(rng, size, params.locale), " "
    )
