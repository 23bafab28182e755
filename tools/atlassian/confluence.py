"""Confluence through ``atlassian-python-api``: CQL search and page bodies (storage format), retried.

``ConfluenceClient(settings.confluence, settings.retry, hook=...)``: Server/Data Center (basic auth or a
personal access token) or Cloud (email + API token), see :mod:`tools.atlassian.http`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from atlassian import Confluence
from pydantic import BaseModel

from tools.atlassian.http import Caller, CallHook, client_kwargs
from tools.settings import ConfluenceSettings, RetrySettings


class PageHit(BaseModel):
    """One CQL result: a page's id, title, space and web address."""

    id: str
    title: str
    space: str | None = None
    url: str


class Page(PageHit):
    """A page with its body in storage format (XHTML)."""

    body: str


def cql_string(text: str) -> str:
    """``text`` as a double-quoted CQL string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ConfluenceClient:
    def __init__(
        self,
        settings: ConfluenceSettings,
        retry: RetrySettings,
        hook: CallHook | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        kwargs = client_kwargs("confluence", settings)
        self.base = kwargs["url"]
        self.api = Confluence(**kwargs)
        self.caller = Caller("confluence", settings, retry, hook, sleep)

    @property
    def endpoint(self) -> str:
        return self.caller.endpoint

    def _url(self, content: dict[str, Any], links: dict[str, Any] | None = None) -> str:
        webui = (content.get("_links") or {}).get("webui") or (links or {}).get("webui")
        base = ((links or {}).get("base") or self.base).rstrip("/")
        return f"{base}{webui}" if webui else f"{self.base}/pages/viewpage.action?pageId={content.get('id')}"

    def search(self, cql: str, limit: int = 25) -> list[PageHit]:
        """The first ``limit`` results of a CQL query (content results only)."""
        answer = self.caller.call("cql", lambda: self.api.cql(cql, limit=limit))
        links = answer.get("_links") or {}
        hits = []
        for result in answer.get("results") or []:
            content = result.get("content") or {}
            if not content.get("id"):
                continue
            space = (content.get("space") or {}).get("key")
            hits.append(PageHit(id=str(content["id"]), title=str(content.get("title") or result.get("title") or ""),
                                space=space, url=self._url(content, links)))  # fmt: skip
        return hits

    def page(self, page_id: str) -> Page:
        """One page with its storage-format body."""
        content = self.caller.call(
            "get_page", lambda: self.api.get_page_by_id(page_id, expand="body.storage,space,version")
        )
        body = ((content.get("body") or {}).get("storage") or {}).get("value") or ""
        space = (content.get("space") or {}).get("key")
        return Page(id=str(content["id"]), title=str(content.get("title") or ""), space=space,
                    url=self._url(content), body=str(body))  # fmt: skip
