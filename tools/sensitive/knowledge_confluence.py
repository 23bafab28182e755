"""The Confluence knowledge base: data-dictionary pages answer what an ambiguous column is.

For a column the classifier is unsure of, it runs one CQL query (pages with a data-dictionary label, in
the configured spaces, whose text names the column), reads the pages found and looks for a table row
whose first cell is the column's name. The row's classification ("Personal data" / "Not personal
data") and entity give the answer, which cites the page's title and URL. A page about the same table
(its title names the table) wins over one about another table.

- Cached for the run: each CQL text and each page is fetched once per knowledge-base instance.
- Audited: every query and page read that reaches Confluence goes to ``hook`` as a
  :class:`KnowledgeQuery`: the CQL text and page ids only, never a column's values.
- When Confluence is down (or refuses the credentials), the lookup and every later one of the run
  answer from the built-in heuristics (the bundled glossary) and ``warning`` says so. A column no page
  describes also gets the glossary's answer, cited as the built-in glossary.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field

from tools.atlassian.confluence import ConfluenceClient, Page, PageHit, cql_string
from tools.atlassian.http import AtlassianError
from tools.sensitive.knowledge import HeuristicKnowledgeBase, KnowledgeAnswer
from tools.sensitive.model import EntityType
from tools.settings import Settings

log = logging.getLogger("doppel.sensitive.knowledge")

ENTITIES = frozenset(get_args(EntityType))
SAME_TABLE, OTHER_TABLE = 0.9, 0.75  # confidence of a row on the table's own page, and on another's


class KnowledgeQuery(BaseModel):
    """One request to the knowledge base, for the audit trail: the query and page ids, nothing else."""

    system: Literal["confluence"] = "confluence"
    operation: Literal["cql", "page"]
    query: str = Field("", description="the CQL text (operation cql)")
    pages: list[str] = Field(default_factory=list, description="ids of the pages found or read")
    status: Literal["ok", "failed"] = "ok"
    latency_ms: float = Field(0.0, ge=0)


QueryHook = Callable[[KnowledgeQuery], None]


class _Rows(HTMLParser):
    """The cells of every table row in a storage-format body, as plain text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def dictionary_row(body: str, column: str) -> dict[str, str] | None:
    """The row describing ``column`` in a data-dictionary table, keyed by the header's lower-case names."""
    parser = _Rows()
    parser.feed(body)
    header: list[str] | None = None
    wanted = column.strip().lower()
    for row in parser.rows:
        lowered = [c.lower() for c in row]
        if "column" in lowered or "field" in lowered:
            header = lowered
            continue
        if header and row and row[0].strip().lower() == wanted:
            return dict(zip(header, row, strict=False))
    return None


def answer_from(row: dict[str, str], page: Page, confidence: float) -> KnowledgeAnswer:
    classification = (row.get("classification") or "").lower()
    entity = (row.get("entity") or "").strip().lower()
    sensitive = bool(classification) and not classification.startswith(("not", "public", "non"))
    if entity not in ENTITIES:
        entity = "other_pii" if sensitive else "none"
    if entity == "none":
        sensitive = False
    return KnowledgeAnswer(
        entity=entity,
        sensitive=sensitive,
        page_title=page.title,
        page_url=page.url,
        confidence=confidence,
    )


class ConfluenceKnowledgeBase:
    """A :class:`~tools.sensitive.knowledge.KnowledgeBase` over Confluence CQL; see the module docstring."""

    def __init__(
        self,
        client: ConfluenceClient,
        *,
        spaces: list[str] | None = None,
        labels: list[str] | None = None,
        max_pages: int = 5,
        hook: QueryHook | None = None,
    ) -> None:
        self.client = client
        self.spaces = list(spaces or [])
        self.labels = ["data-dictionary"] if labels is None else list(labels)
        self.max_pages = max_pages
        self.hook = hook or (lambda query: None)
        self.fallback = HeuristicKnowledgeBase()
        self.searches: dict[str, list[PageHit]] = {}
        self.pages: dict[str, Page] = {}
        self.down: str | None = None  # why Confluence is not used any more in this run

    @property
    def warning(self) -> str | None:
        if self.down is None:
            return None
        return f"Confluence knowledge base unavailable ({self.down}): used built-in heuristics"

    def cql(self, table: str, column: str) -> str:
        parts = ["type = page", f"text ~ {cql_string(column)}"]
        if self.labels:
            parts.append(f"label in ({', '.join(cql_string(x) for x in self.labels)})")
        if self.spaces:
            parts.append(f"space in ({', '.join(cql_string(x) for x in self.spaces)})")
        return " AND ".join(parts)

    def _search(self, cql: str) -> list[PageHit]:
        if cql not in self.searches:
            started = time.perf_counter()
            try:
                hits = self.client.search(cql, limit=self.max_pages)
            except AtlassianError:
                self.hook(KnowledgeQuery(operation="cql", query=cql, status="failed", latency_ms=_ms(started)))
                raise
            self.hook(KnowledgeQuery(operation="cql", query=cql, pages=[h.id for h in hits], latency_ms=_ms(started)))
            self.searches[cql] = hits
        return self.searches[cql]

    def _page(self, page_id: str) -> Page:
        if page_id not in self.pages:
            started = time.perf_counter()
            try:
                page = self.client.page(page_id)
            except AtlassianError:
                self.hook(KnowledgeQuery(operation="page", pages=[page_id], status="failed", latency_ms=_ms(started)))
                raise
            self.hook(KnowledgeQuery(operation="page", pages=[page_id], latency_ms=_ms(started)))
            self.pages[page_id] = page
        return self.pages[page_id]

    def lookup(self, table: str, column: str, context: dict[str, Any]) -> KnowledgeAnswer | None:
        if self.down is None:
            try:
                found = self._ask(table, column)
            except AtlassianError as exc:
                self.down = _reason(exc, self.client.endpoint)
                log.warning("Confluence knowledge base unavailable (%s): using built-in heuristics", self.down)
            else:
                if found is not None:
                    return found
        return self.fallback.lookup(table, column, context)

    def _ask(self, table: str, column: str) -> KnowledgeAnswer | None:
        hits = self._search(self.cql(table, column))
        name = table.lower()
        ranked = sorted(hits, key=lambda h: 0 if name and name in h.title.lower() else 1)
        for hit in ranked:
            row = dictionary_row(self._page(hit.id).body, column)
            if row is not None:
                same = bool(name) and name in hit.title.lower()
                return answer_from(row, self.pages[hit.id], SAME_TABLE if same else OTHER_TABLE)
        return None


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


def _reason(exc: AtlassianError, endpoint: str) -> str:
    if exc.status in (401, 403):
        return f"{endpoint} refused the credentials (HTTP {exc.status})"
    if exc.status:
        return f"{endpoint} answered HTTP {exc.status}"
    return f"{endpoint} unreachable"


def log_query(query: KnowledgeQuery) -> None:
    """A hook for callers without an audit trail (the CLI): each query as one log line."""
    log.info("confluence %s %s -> pages %s (%s)", query.operation, query.query, query.pages, query.status)


def knowledge_base(settings: Settings, hook: QueryHook | None = None) -> ConfluenceKnowledgeBase | None:
    """The Confluence knowledge base when ``[confluence] url`` is set, else None (the built-in glossary)."""
    if not settings.confluence.url:
        return None
    try:
        client = ConfluenceClient(settings.confluence, settings.retry)
    except AtlassianError as exc:  # incomplete settings: say so once, classification goes on
        log.warning("Confluence knowledge base not used: %s", exc)
        return None
    conf = settings.confluence
    return ConfluenceKnowledgeBase(client, spaces=conf.spaces, labels=conf.labels, max_pages=conf.max_pages, hook=hook)
