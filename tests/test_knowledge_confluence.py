"""The classifier asks the Confluence stand-in about ambiguous columns: the page is cited, queries are
cached and audited (query text and page ids only), and an unreachable Confluence leaves heuristics and a
warning."""

from __future__ import annotations

import json
import socket
from datetime import date
from types import SimpleNamespace
from typing import Any

import pandas as pd

from agents.workflow.stages.sample import _classify
from mocks.base import Faults
from mocks.suite import MockSuite
from tests.mock_support import FAST_RETRY, QUIET, confluence_settings
from tools.atlassian.confluence import ConfluenceClient
from tools.ingest.model import IngestedTable, SourceInfo
from tools.sensitive.classify import Thresholds, classify_tables
from tools.sensitive.knowledge import HEURISTIC_WARNING
from tools.sensitive.knowledge_confluence import ConfluenceKnowledgeBase, KnowledgeQuery, knowledge_base
from tools.settings import RetrySettings, Settings

REVIEWS = [f"Arrived on day {i}, works fine and looks good." for i in range(100)]  # ambiguous free text


def table(name: str, columns: dict[str, list[Any]]) -> IngestedTable:
    frame = pd.DataFrame(columns)
    source = SourceInfo(path=f"{name}.csv", format="csv", rows=len(frame), columns=len(frame.columns))
    return IngestedTable(name=name, source=source, frame=frame)


def subscribers() -> IngestedTable:
    return table(
        "telecom_customers",
        {"notes": REVIEWS, "monthly_fee": [f"{10 + i % 20}.00" for i in range(100)]},
    )


def knowledge(suite: MockSuite, audit: list[KnowledgeQuery], **changes: Any) -> ConfluenceKnowledgeBase:
    client = ConfluenceClient(confluence_settings(suite, **changes), FAST_RETRY, sleep=lambda s: None)
    return ConfluenceKnowledgeBase(client, spaces=["TEL", "BANK", "HOSP"], hook=audit.append)


def test_an_ambiguous_column_cites_its_confluence_page(mocks: MockSuite) -> None:
    audit: list[KnowledgeQuery] = []
    kb = knowledge(mocks, audit)
    results = {c.column: c for c in classify_tables([subscribers()], knowledge=kb)}
    notes = results["notes"]
    cited = [e for e in notes.evidence if e.method == "knowledge_base"]
    assert len(cited) == 1
    assert cited[0].detail.startswith("Data dictionary: telecom_customers <" + mocks.urls["confluence"] + "/pages/")
    assert cited[0].detail.endswith(": personal data (free_text_pii)") and cited[0].score == 0.9
    assert notes.sensitive and notes.entity == "free_text_pii" and not notes.warnings
    # audited: the CQL text, then the page read, ids only; never a value of the column
    assert [q.operation for q in audit] == ["cql", "page"]
    assert 'text ~ "notes"' in audit[0].query and audit[0].pages and audit[1].pages == [audit[0].pages[0]]
    assert "Arrived" not in json.dumps([q.model_dump() for q in audit])
    # cached for the run: asking again reaches Confluence no more
    classify_tables([subscribers()], knowledge=kb)
    assert len(audit) == 2


def test_another_tables_page_answers_with_less_confidence(mocks: MockSuite) -> None:
    audit: list[KnowledgeQuery] = []
    wide = Thresholds(kb_low=0.0, kb_high=0.75)  # ask about every column not clearly sensitive
    ban = table("subscribers", {"ban": [f"{i:09d}" for i in range(5000, 5100)]})
    result = classify_tables([ban], knowledge=knowledge(mocks, audit), thresholds=wide)[0]
    assert result.sensitive and result.entity == "customer_id" and result.strategy == "pseudonymise"
    cited = next(e for e in result.evidence if e.method == "knowledge_base")
    assert "Data dictionary: telecom_customers" in cited.detail and cited.score == 0.75


def test_confluence_down_means_heuristics_and_a_warning(mocks: MockSuite) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    audit: list[KnowledgeQuery] = []
    kb = knowledge(mocks, audit, url=closed)
    notes = classify_tables([subscribers()], knowledge=kb)[0]
    assert notes.column == "notes" and notes.sensitive  # the heuristics still decide
    assert notes.warnings == [f"Confluence knowledge base unavailable ({closed} unreachable): used built-in heuristics"]
    assert not any(e.method == "knowledge_base" and "Data dictionary" in e.detail for e in notes.evidence)
    assert [(q.operation, q.status) for q in audit] == [("cql", "failed")]
    # a site answering 500 to everything: the same, after the configured retries
    mocks.confluence.set_faults(Faults(rate=1.0, kinds=["500"], retry_after=0, hold=None))
    try:
        failing = classify_tables([subscribers()], knowledge=knowledge(mocks, []))[0]
    finally:
        mocks.confluence.set_faults(QUIET)
    down = f"{mocks.urls['confluence']} answered HTTP 500"
    assert failing.warnings == [f"Confluence knowledge base unavailable ({down}): used built-in heuristics"]


def test_the_workflow_classify_stage_uses_confluence_when_configured(mocks: MockSuite) -> None:
    audited: list[tuple[str, dict[str, Any]]] = []
    settings = Settings(
        confluence=confluence_settings(mocks, spaces=["TEL"]), retry=RetrySettings(attempts=2, initial_delay=0)
    )
    context = SimpleNamespace(
        run_seed=1, today=date(2025, 1, 1), settings=settings, audit=lambda kind, detail: audited.append((kind, detail))
    )
    notes = _classify(context, [subscribers()])[0]  # type: ignore[arg-type]
    assert any(e.method == "knowledge_base" and "telecom_customers" in e.detail for e in notes.evidence)
    assert [(kind, detail["operation"]) for kind, detail in audited] == [
        ("external_call", "cql"),
        ("external_call", "page"),
    ]
    assert audited[0][1]["system"] == "confluence" and 'space in ("TEL")' in audited[0][1]["query"]
    # not configured: the built-in glossary answers, and says so
    assert knowledge_base(Settings()) is None
    plain = SimpleNamespace(run_seed=1, today=date(2025, 1, 1), settings=Settings(), audit=lambda k, d: None)
    assert HEURISTIC_WARNING in _classify(plain, [subscribers()])[0].warnings  # type: ignore[arg-type]
