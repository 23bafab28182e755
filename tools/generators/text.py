"""Filler text: sentences of common English words, built as one flat word array and joined per row."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, model_validator

from tools.generators.people import Weighted, ranked
from tools.generators.registry import GeneratorParams, Related, generator
from tools.generators.vector import concat

SENTENCE_END = 0.1  # chance a word ends its sentence (so about ten words a sentence)
COMMA = 0.06


class TextParams(GeneratorParams):
    min_words: int = Field(5, ge=1, le=10_000)
    max_words: int = Field(25, ge=1, le=10_000)
    max_chars: int | None = Field(None, ge=1, description="cut at a word boundary to at most this many characters")

    @model_validator(mode="after")
    def _range(self) -> TextParams:
        if self.max_words < self.min_words:
            raise ValueError(f"max_words ({self.max_words}) is below min_words ({self.min_words})")
        return self


def _truncate(text: pa.Array, max_chars: int) -> pa.Array:
    """Cut texts longer than ``max_chars`` after their last whole word (a lone long word is cut) and end with '.'."""
    long = pc.greater(pc.utf8_length(text), max_chars)
    if not pc.any(long).as_py():
        return text
    head = pc.utf8_slice_codeunits(text, 0, max_chars)  # pyarrow slices utf8 by code point
    if max_chars >= 2:
        head = pc.utf8_slice_codeunits(text, 0, max_chars - 1)
        whole = pc.replace_substring_regex(head, r"[\s,.]*\s\S*$", "")
        head = pc.binary_join_element_wise(whole, ".", "")
    return pc.if_else(long, head, text)


@cache
def _variants() -> tuple[Weighted, pa.Array]:
    """The vocabulary in six forms: word, 'word.', 'word,' then the same capitalised (index + k * size)."""
    vocab = ranked("text_words", "en", 10.0)
    forms = []
    for word in (vocab.values, pc.utf8_capitalize(vocab.values)):
        forms += [word, concat(word, "."), concat(word, ",")]
    return vocab, pa.concat_arrays(forms)


@generator("text", params=TextParams, output=pa.string())
def text(rng: np.random.Generator, size: int, params: TextParams, related: Related) -> Any:
    """Plausible English sentences of min_words to max_words common words (optionally at most max_chars)."""
    counts = rng.integers(params.min_words, params.max_words + 1, size=size)
    offsets = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    total = int(offsets[-1])
    vocab, forms = _variants()
    first = np.zeros(total, dtype=bool)
    first[offsets[:-1]] = True
    last = np.zeros(total, dtype=bool)
    last[offsets[1:] - 1] = True
    breaks = rng.random(total, dtype=np.float32) < SENTENCE_END
    breaks[1:] &= ~first[:-1]  # no sentence shorter than three words (except at the end of a text)
    breaks &= ~first
    early = breaks.copy()
    breaks[1:] &= ~early[:-1]
    breaks[2:] &= ~early[:-2]
    ends = last | breaks
    starts = first.copy()
    starts[1:] |= ends[:-1]
    comma = ~ends & (rng.random(total, dtype=np.float32) < COMMA)
    form = np.where(ends, 1, np.where(comma, 2, 0)) + 3 * starts
    flat = forms.take(pa.array(vocab.indices(rng, total) + form * len(vocab.values)))
    rows = pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), flat)
    joined = pc.binary_join(rows, " ")
    return _truncate(joined, params.max_chars) if params.max_chars is not None else joined
