"""Jira through ``atlassian-python-api``: JQL search, issues, comments, attachments, links, transitions,
labels and priorities, retried (see :mod:`tools.atlassian.http`).

Operations that create something (issue, comment, attachment, link) are retried only when the request
cannot have been applied, so an outage never leaves duplicates behind.
"""

from __future__ import annotations

import functools
import io
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from atlassian import Jira
from pydantic import BaseModel, Field

from tools.atlassian.http import AtlassianError, Caller, CallHook, client_kwargs, is_cloud
from tools.settings import JiraSettings, RetrySettings

SEARCH_FIELDS = ["summary", "description", "status", "priority", "labels", "issuetype", "project"]
PAGE = 50


class Issue(BaseModel):
    key: str
    id: str
    summary: str = ""
    description: str = ""
    status: str | None = None
    priority: str | None = None
    issuetype: str | None = None
    project: str | None = None
    labels: list[str] = Field(default_factory=list)
    url: str


class JiraClient:
    def __init__(
        self,
        settings: JiraSettings,
        retry: RetrySettings,
        hook: CallHook | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        kwargs = client_kwargs("jira", settings)
        self.base = kwargs["url"]
        self.cloud = is_cloud(settings)
        self.api = Jira(**kwargs)
        self.caller = Caller("jira", settings, retry, hook, sleep)

    def _issue(self, raw: dict[str, Any]) -> Issue:
        fields = raw.get("fields") or {}

        def name(key: str) -> str | None:
            value = fields.get(key)
            return str(value.get("name") or value.get("key")) if isinstance(value, dict) else None

        return Issue(
            key=str(raw["key"]), id=str(raw.get("id") or ""), summary=str(fields.get("summary") or ""),
            description=str(fields.get("description") or ""), status=name("status"), priority=name("priority"),
            issuetype=name("issuetype"), project=(fields.get("project") or {}).get("key"),
            labels=[str(x) for x in fields.get("labels") or []], url=f"{self.base}/browse/{raw['key']}",
        )  # fmt: skip

    def search(self, jql: str, fields: Sequence[str] = SEARCH_FIELDS, limit: int = 1000) -> list[Issue]:
        """Every issue the JQL finds (up to ``limit``), page by page."""
        found: list[Issue] = []
        token: str | None = None
        while len(found) < limit:
            size = min(PAGE, limit - len(found))
            answer = self.caller.call("jql", functools.partial(self._page, jql, list(fields), len(found), size, token))
            issues = answer.get("issues") or []
            found += [self._issue(i) for i in issues]
            token = answer.get("nextPageToken")
            total = answer.get("total")
            if not issues or (self.cloud and not token) or (total is not None and len(found) >= int(total)):
                break
        return found

    def _page(self, jql: str, fields: list[str], start: int, size: int, token: str | None) -> Any:
        if self.cloud:  # Cloud pages by token (search/jql); Server and Data Center by startAt
            return self.api.enhanced_jql(jql, fields=fields, nextPageToken=token, limit=size)
        return self.api.jql(jql, fields=fields, start=start, limit=size)

    def issue(self, key: str) -> Issue:
        return self._issue(
            self.caller.call("get_issue", lambda: self.api.get_issue(key, fields=",".join(SEARCH_FIELDS)))
        )

    def create_issue(
        self,
        project: str,
        summary: str,
        description: str = "",
        issuetype: str = "Task",
        labels: Sequence[str] = (),
        priority: str | None = None,
    ) -> Issue:
        fields: dict[str, Any] = {"project": {"key": project}, "summary": summary, "description": description,
                                  "issuetype": {"name": issuetype}, "labels": list(labels)}  # fmt: skip
        if priority:
            fields["priority"] = {"name": priority}
        created = self.caller.call("create_issue", lambda: self.api.create_issue(fields=fields), changes=True)
        return self.issue(str(created["key"]))

    def comment(self, key: str, body: str) -> str:
        """Add a comment; returns its id."""
        answer = self.caller.call("comment", lambda: self.api.issue_add_comment(key, body), changes=True)
        return str(answer["id"])

    def comments(self, key: str) -> list[str]:
        """The bodies of an issue's comments, oldest first."""
        answer = self.caller.call("comments", lambda: self.api.issue_get_comments(key))
        return [str(c.get("body") or "") for c in (answer or {}).get("comments") or []]

    def attachments(self, key: str) -> list[str]:
        """The file names attached to an issue."""
        raw = self.caller.call("get_issue", lambda: self.api.get_issue(key, fields="attachment"))
        return [str(a.get("filename")) for a in ((raw or {}).get("fields") or {}).get("attachment") or []]

    def linked(self, key: str) -> list[str]:
        """The keys of the issues linked to an issue (any link type, either direction)."""
        raw = self.caller.call("get_issue", lambda: self.api.get_issue(key, fields="issuelinks"))
        links = ((raw or {}).get("fields") or {}).get("issuelinks") or []
        return [str((x.get("inwardIssue") or x.get("outwardIssue") or {}).get("key")) for x in links]

    def attach(self, key: str, data: bytes | Path, filename: str | None = None) -> str:
        """Attach a file (a path, or bytes with a file name); returns the attachment id."""
        content = data.read_bytes() if isinstance(data, Path) else data
        name = filename or (data.name if isinstance(data, Path) else "attachment.bin")

        def send() -> Any:
            stream = io.BytesIO(content)
            stream.name = name
            return self.api.add_attachment_object(key, stream)

        answer = self.caller.call("attach", send, changes=True)
        items = answer if isinstance(answer, list) else (answer or {}).get("attachments") or [answer]
        return str(items[0]["id"])

    def link(self, inward: str, outward: str, link_type: str = "Relates") -> None:
        data = {"type": {"name": link_type}, "inwardIssue": {"key": inward}, "outwardIssue": {"key": outward}}
        self.caller.call("link", lambda: self.api.create_issue_link(data), changes=True)

    def transition(self, key: str, status: str) -> None:
        """Move an issue to ``status`` (nothing to do when it is there already)."""
        current = self.issue(key)
        if (current.status or "").lower() == status.lower():
            return
        options = self.caller.call("transitions", lambda: self.api.get_issue_transitions(key))
        chosen = next((t for t in options if str(t["to"]).lower() == status.lower()), None)
        if chosen is None:
            reachable = ", ".join(sorted({str(t["to"]) for t in options})) or "none"
            raise AtlassianError(
                f"Jira issue {key} cannot move from {current.status} to {status} (reachable: {reachable})"
            )
        self.caller.call("transition", lambda: self.api.set_issue_status_by_transition_id(key, chosen["id"]))

    def add_labels(self, key: str, labels: Sequence[str]) -> None:
        update = {"update": {"labels": [{"add": label} for label in labels]}}
        self.caller.call("add_labels", lambda: self.api.update_issue(key, update))

    def remove_labels(self, key: str, labels: Sequence[str]) -> None:
        update = {"update": {"labels": [{"remove": label} for label in labels]}}
        self.caller.call("remove_labels", lambda: self.api.update_issue(key, update))

    def priorities(self) -> list[str]:
        answer: Any = self.caller.call("priorities", self.api.get_all_priorities)
        return [str(p["name"]) for p in answer or []]
