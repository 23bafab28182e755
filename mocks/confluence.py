"""A Confluence Server stand-in for ``atlassian-python-api``'s unmodified ``Confluence`` client.

Serves (REST v1, Server/Data Center): ``GET /rest/api/search?cql=`` (CQL, paged through
``_links.next``), ``GET /rest/api/content/search?cql=``, ``GET /rest/api/content`` (``spaceKey``,
``title``, ``type``), ``GET|PUT /rest/api/content/{id}`` (``expand=body.storage,version,space``),
``POST /rest/api/content`` (create a page), ``GET /rest/api/content/{id}/label``,
``GET /rest/api/space[/{key}]`` and a plain HTML page per content at ``/pages/viewpage.action?pageId=``
(the URL cited as a page's ``_links.webui``). Basic auth or a personal access token when credentials are
configured. Seeded with a space per domain: data-dictionary pages (label ``data-dictionary``) and a
classification policy (label ``classification-policy``), see ``mocks/content.py``.

CLI: ``python -m mocks.confluence --port 8800`` (``doppel mocks`` starts all stand-ins together).
"""

from __future__ import annotations

import re
from html import escape, unescape
from typing import Any
from urllib.parse import urlencode

from mocks.base import HttpError, Request, Response, StandIn, Store, json_response, text_response
from mocks.content import DOMAINS, dictionary_html, policy_html
from mocks.query import QueryError, parse

TAG = re.compile(r"<[^>]+>")
FIRST_ID = 65537


def plain_text(storage: str) -> str:
    return " ".join(unescape(TAG.sub(" ", storage)).split())


class ConfluenceStandIn(StandIn):
    name = "confluence"
    server_header = "Confluence-StandIn/8.5"

    def routes(self) -> list[tuple[str, str, Any]]:
        return [
            ("GET", r"/rest/api/search", self.search),
            ("GET", r"/rest/api/content/search", self.content_search),
            ("GET", r"/rest/api/content/?", self.list_content),
            ("POST", r"/rest/api/content/?", self.create),
            ("GET", r"/rest/api/content/(?P<id>\d+)/label", self.labels),
            ("GET", r"/rest/api/content/(?P<id>\d+)", self.get_content),
            ("PUT", r"/rest/api/content/(?P<id>\d+)", self.update),
            ("GET", r"/rest/api/space/?", self.spaces),
            ("GET", r"/rest/api/space/(?P<key>[^/]+)", self.space),
            ("GET", r"/pages/viewpage\.action", self.view),
        ]

    def authorise(self, request: Request) -> None:
        if not request.path.startswith("/pages/"):
            self.basic_or_bearer(request)

    # ------------------------------------------------------------------ seed

    def seed(self, store: Store) -> None:
        for domain in DOMAINS:
            store.put("space", domain.space, {"key": domain.space, "name": f"{domain.name} data", "type": "global"})
            for table in domain.tables:
                self._new_page(
                    store,
                    domain.space,
                    table.title,
                    dictionary_html(table, domain),
                    ["data-dictionary", domain.key, table.name],
                )
            self._new_page(
                store,
                domain.space,
                f"{domain.name} classification policy",
                policy_html(domain),
                ["classification-policy", domain.key],
            )

    def _new_page(self, store: Store, space: str, title: str, body: str, labels: list[str]) -> dict[str, Any]:
        page_id = str(store.next("content", FIRST_ID))
        doc = {
            "id": page_id,
            "type": "page",
            "status": "current",
            "title": title,
            "space": space,
            "body": body,
            "labels": labels,
            "version": 1,
        }
        store.put("content", page_id, doc)
        return doc

    # ------------------------------------------------------------------ shapes

    def _space_json(self, key: str) -> dict[str, Any]:
        space = self.db.get("space", key) or {"key": key, "name": key, "type": "global"}
        return {**space, "_links": {"webui": f"/display/{key}", "self": f"{self.url}/rest/api/space/{key}"}}

    def _content_json(self, doc: dict[str, Any], expand: str | None) -> dict[str, Any]:
        wanted = {e.strip() for e in (expand or "").split(",") if e.strip()}
        out: dict[str, Any] = {
            "id": doc["id"],
            "type": doc["type"],
            "status": doc["status"],
            "title": doc["title"],
            "_links": {
                "webui": f"/pages/viewpage.action?pageId={doc['id']}",
                "self": f"{self.url}/rest/api/content/{doc['id']}",
                "tinyui": f"/x/{doc['id']}",
            },
            "_expandable": {"space": f"/rest/api/space/{doc['space']}", "version": "", "body": ""},
        }
        if "space" in wanted or not wanted:
            out["space"] = self._space_json(doc["space"])
        if "version" in wanted or not wanted:
            out["version"] = {"number": doc["version"], "by": {"type": "known", "username": "doppel"}}
        if "body.storage" in wanted or "body" in wanted:
            out["body"] = {"storage": {"value": doc["body"], "representation": "storage"}}
        if "body.view" in wanted:
            out.setdefault("body", {})["view"] = {"value": doc["body"], "representation": "view"}
        if any(w.startswith("metadata.labels") for w in wanted):
            out["metadata"] = {"labels": self._label_page(doc)}
        return out

    def _label_page(self, doc: dict[str, Any]) -> dict[str, Any]:
        results = [{"prefix": "global", "name": n, "id": str(i + 1), "label": n} for i, n in enumerate(doc["labels"])]
        return {"results": results, "start": 0, "limit": 200, "size": len(results)}

    @staticmethod
    def _field(doc: dict[str, Any], field: str) -> Any:
        name = field.lower()
        if name in ("space", "space.key"):
            return doc["space"]
        if name in ("label", "labels"):
            return doc["labels"]
        if name == "text":
            return f"{doc['title']} {plain_text(doc['body'])} {' '.join(doc['labels'])}"
        if name in ("title", "type", "id", "status"):
            return doc[name]
        if name in ("created", "lastmodified"):
            return int(doc["id"])
        raise QueryError(f"unknown CQL field {field!r}")

    def _query(self, cql: str | None) -> list[dict[str, Any]]:
        if not cql:
            raise HttpError(
                400, {"statusCode": 400, "message": "cql is required", "errorMessages": ["cql is required"]}
            )
        try:
            query = parse(cql)
            return query.apply(self.db.all("content"), self._field)
        except QueryError as exc:
            message = f"Could not parse cql : {cql} ({exc})"
            raise HttpError(400, {"statusCode": 400, "message": message, "errorMessages": [message]}) from None

    def _page(self, request: Request, items: list[Any], path: str, default_limit: int = 25) -> tuple[list[Any], dict]:
        start, limit = request.int_arg("start", 0), max(1, request.int_arg("limit", default_limit))
        chunk = items[start : start + limit]
        links: dict[str, Any] = {"base": self.url, "context": "", "self": f"{self.url}{path}"}
        if start + limit < len(items):
            query = {k: v[0] for k, v in request.query.items()}
            query.update(start=str(start + limit), limit=str(limit))
            links["next"] = f"{path}?{urlencode(query)}"
        return chunk, {"start": start, "limit": limit, "size": len(chunk), "_links": links}

    # ------------------------------------------------------------------ handlers

    def search(self, request: Request) -> Response:
        cql = request.arg("cql")
        found = self._query(cql)
        chunk, paging = self._page(request, found, "/rest/api/search")
        results = [
            {
                "content": self._content_json(d, request.arg("expand")),
                "title": d["title"],
                "excerpt": plain_text(d["body"])[:200],
                "url": f"/pages/viewpage.action?pageId={d['id']}",
                "resultGlobalContainer": {
                    "title": self._space_json(d["space"])["name"],
                    "displayUrl": f"/display/{d['space']}",
                },
                "entityType": "content",
                "lastModified": "2024-01-01T00:00:00.000Z",
            }
            for d in chunk
        ]
        return json_response(200, {"results": results, "totalSize": len(found), "cqlQuery": cql, **paging})

    def content_search(self, request: Request) -> Response:
        found = self._query(request.arg("cql"))
        chunk, paging = self._page(request, found, "/rest/api/content/search")
        return json_response(200, {"results": [self._content_json(d, request.arg("expand")) for d in chunk], **paging})

    def list_content(self, request: Request) -> Response:
        docs = self.db.all("content")
        space, title, kind = request.arg("spaceKey"), request.arg("title"), request.arg("type")
        docs = [
            d
            for d in docs
            if (not space or d["space"] == space)
            and (not title or d["title"] == title)
            and (not kind or d["type"] == kind)
        ]
        chunk, paging = self._page(request, docs, "/rest/api/content")
        return json_response(200, {"results": [self._content_json(d, request.arg("expand")) for d in chunk], **paging})

    def _doc(self, request: Request) -> dict[str, Any]:
        doc = self.db.get("content", request.params["id"])
        if doc is None:
            message = f"No content found with id: ContentId{{id={request.params['id']}}}"
            raise HttpError(404, {"statusCode": 404, "message": message, "errorMessages": [message]})
        return doc

    def get_content(self, request: Request) -> Response:
        return json_response(200, self._content_json(self._doc(request), request.arg("expand")))

    def labels(self, request: Request) -> Response:
        return json_response(200, self._label_page(self._doc(request)))

    def _storage(self, body: dict[str, Any]) -> str:
        storage = (body.get("body") or {}).get("storage") or {}
        return str(storage.get("value") or "")

    def create(self, request: Request) -> Response:
        body = request.json() or {}
        title, space = body.get("title"), (body.get("space") or {}).get("key")
        if not title or not space or self.db.get("space", space) is None:
            message = "A page needs a title and an existing space key"
            raise HttpError(400, {"statusCode": 400, "message": message, "errorMessages": [message]})
        if any(d["space"] == space and d["title"] == title for d in self.db.all("content")):
            message = "A page with this title already exists: A page already exists with the same TITLE in this space"
            raise HttpError(400, {"statusCode": 400, "message": message, "errorMessages": [message]})
        with self.db.transaction():
            doc = self._new_page(self.db, space, str(title), self._storage(body), [])
        return json_response(200, self._content_json(doc, "space,version,body.storage"))

    def update(self, request: Request) -> Response:
        doc = self._doc(request)
        body = request.json() or {}
        number = int((body.get("version") or {}).get("number") or 0)
        if number != doc["version"] + 1:
            message = f"Version must be incremented on update. Current version is: {doc['version']}"
            raise HttpError(409, {"statusCode": 409, "message": message, "errorMessages": [message]})
        doc.update(version=number, title=body.get("title") or doc["title"], body=self._storage(body) or doc["body"])
        self.db.put("content", doc["id"], doc)
        return json_response(200, self._content_json(doc, "space,version,body.storage"))

    def spaces(self, request: Request) -> Response:
        chunk, paging = self._page(request, self.db.all("space"), "/rest/api/space")
        return json_response(200, {"results": [self._space_json(s["key"]) for s in chunk], **paging})

    def space(self, request: Request) -> Response:
        if self.db.get("space", request.params["key"]) is None:
            message = f"No space with key : {request.params['key']}"
            raise HttpError(404, {"statusCode": 404, "message": message, "errorMessages": [message]})
        return json_response(200, self._space_json(request.params["key"]))

    def view(self, request: Request) -> Response:
        doc = self.db.get("content", request.arg("pageId") or "")
        if doc is None:
            return text_response(404, "<h1>Page not found</h1>", "text/html; charset=utf-8")
        html = f"<!doctype html><title>{escape(doc['title'])}</title><h1>{escape(doc['title'])}</h1>{doc['body']}"
        return text_response(200, html, "text/html; charset=utf-8")


if __name__ == "__main__":
    from mocks.suite import serve_one

    serve_one(ConfluenceStandIn)
