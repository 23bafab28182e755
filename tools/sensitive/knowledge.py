"""The knowledge base consulted for ambiguous columns, and its built-in fallback.

The classifier asks a ``KnowledgeBase`` only when its own confidence falls in the ambiguous band
(``Thresholds.kb_low`` .. ``kb_high``). The question carries the table and column names and a
value-free context (name tokens, the leading guess, neighbouring column names): never a sampled
value, since the answer may come from a remote wiki. Answers are cached per (table, column).
The Confluence connector is a later piece; ``HeuristicKnowledgeBase`` answers from a bundled glossary.
"""

from __future__ import annotations

import logging
from functools import cache
from importlib.resources import files
from typing import Any, Protocol, runtime_checkable

import yaml
from pydantic import BaseModel, Field

from tools.sensitive.model import EntityType
from tools.sensitive.names import tokenize

log = logging.getLogger("doppel.sensitive.knowledge")

HEURISTIC_WARNING = "knowledge base unavailable: used built-in heuristics"


class KnowledgeAnswer(BaseModel):
    """What the knowledge base says about one column."""

    entity: EntityType
    sensitive: bool
    page_title: str | None = None
    page_url: str | None = None
    confidence: float = Field(ge=0.0, le=1.0)


@runtime_checkable
class KnowledgeBase(Protocol):
    """Anything that can answer "what is this column?" (None: no idea)."""

    def lookup(self, table: str, column: str, context: dict[str, Any]) -> KnowledgeAnswer | None: ...


class GlossaryTerm(BaseModel):
    entity: EntityType
    sensitive: bool
    title: str


@cache
def glossary() -> dict[str, GlossaryTerm]:
    """The bundled glossary (tools/sensitive/data/glossary.yaml): business term -> meaning."""
    text = files("tools.sensitive").joinpath("data", "glossary.yaml").read_text(encoding="utf-8")
    return {str(k).lower(): GlossaryTerm.model_validate(v) for k, v in yaml.safe_load(text).items()}


class HeuristicKnowledgeBase:
    """Built-in fallback: looks the column's name tokens up in the bundled glossary.

    Every classification that consults it carries ``warning``, so nobody mistakes it for the
    organisation's own knowledge base."""

    warning = HEURISTIC_WARNING

    def lookup(self, table: str, column: str, context: dict[str, Any]) -> KnowledgeAnswer | None:
        terms = glossary()
        tokens = tokenize(column)
        candidates = ["".join(tokens), *tokens]
        for n in (3, 2):  # short phrases: "a_number" -> "anumber"
            candidates += ["".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
        for candidate in candidates:
            term = terms.get(candidate)
            if term is not None:
                return KnowledgeAnswer(
                    entity=term.entity,
                    sensitive=term.sensitive,
                    page_title=f"built-in glossary: {term.title}",
                    page_url=None,
                    confidence=0.8,
                )
        return None


class CachedKnowledgeBase:
    """Wraps a knowledge base: one lookup per (table, column), logged, errors turned into warnings."""

    def __init__(self, inner: KnowledgeBase) -> None:
        self.inner = inner
        self.cache: dict[tuple[str, str], KnowledgeAnswer | None] = {}
        self.errors: dict[tuple[str, str], str] = {}

    @property
    def warning(self) -> str | None:
        return getattr(self.inner, "warning", None)

    def lookup(self, table: str, column: str, context: dict[str, Any]) -> KnowledgeAnswer | None:
        key = (table, column)
        if key not in self.cache:
            try:
                self.cache[key] = self.inner.lookup(table, column, context)
            except Exception as exc:  # a remote wiki may fail; classification goes on without it
                self.cache[key] = None
                self.errors[key] = f"knowledge base lookup failed: {type(exc).__name__}"
            answer = self.cache[key]
            log.info(
                "knowledge base lookup %s.%s -> %s",
                table,
                column,
                f"{answer.entity} (sensitive={answer.sensitive})" if answer else "no answer",
            )
        return self.cache[key]


def cached(knowledge: KnowledgeBase | None) -> CachedKnowledgeBase:
    """The knowledge base to use, cached (the built-in heuristics when none is given)."""
    if isinstance(knowledge, CachedKnowledgeBase):
        return knowledge
    return CachedKnowledgeBase(knowledge if knowledge is not None else HeuristicKnowledgeBase())
