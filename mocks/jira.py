"""A Jira Server stand-in for ``atlassian-python-api``'s unmodified ``Jira`` client (REST API 2).

Serves: JQL search (``GET|POST /rest/api/2/search``), issues (``GET|PUT /rest/api/2/issue/{key}``,
``POST /rest/api/2/issue`` -> 201 ``{id, key, self}``), comments (``GET|POST .../comment``),
attachments (``POST .../attachments``, multipart ``file`` with ``X-Atlassian-Token: no-check``;
``GET /rest/api/2/attachment/{id}``, content at ``/secure/attachment/{id}/{filename}``), links
(``POST /rest/api/2/issueLink``, ``GET /rest/api/2/issueLinkType``), transitions (``GET|POST
.../transitions``: To Do, In Progress, Done), labels (``update.labels`` add/remove/set, ``GET
/rest/api/2/label``), priorities, projects, statuses, ``serverInfo`` and ``myself``. Errors come back in
Jira's shape (``errorMessages`` and ``errors``). Basic auth or a personal access token when
credentials are configured.

Seeded with a project per domain (TEL, BANK, HOSP) holding the test scenarios of ``mocks/content.py``,
labelled for their playbook run (``doppel-telecom``, ``doppel-bank``, ``doppel-hospital``).

CLI: ``python -m mocks.jira --port 8801``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from typing import Any

from mocks.base import HttpError, Request, Response, StandIn, Store, json_response
from mocks.content import DOMAINS, scenarios
from mocks.query import QueryError, parse

PRIORITIES = [("1", "Highest"), ("2", "High"), ("3", "Medium"), ("4", "Low"), ("5", "Lowest")]
ISSUE_TYPES = [("10001", "Test"), ("10002", "Bug"), ("10003", "Task"), ("10004", "Story")]
STATUSES = [("1", "To Do", "new"), ("3", "In Progress", "indeterminate"), ("10001", "Done", "done")]
TRANSITIONS = [("11", "To Do", "To Do"), ("21", "Start Progress", "In Progress"), ("31", "Done", "Done")]
LINK_TYPES = [
    ("10000", "Blocks", "is blocked by", "blocks"),
    ("10001", "Relates", "relates to", "relates to"),
    ("10002", "Duplicate", "is duplicated by", "duplicates"),
    ("10003", "Tests", "is tested by", "tests"),
]
FIRST_ISSUE_ID = 10000


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _bad(message: str | None = None, errors: dict[str, str] | None = None, status: int = 400) -> HttpError:
    return HttpError(status, {"errorMessages": [message] if message else [], "errors": errors or {}})


class JiraStandIn(StandIn):
    name = "jira"
    server_header = "Jira-StandIn/9.12"

    def routes(self) -> list[tuple[str, str, Any]]:
        issue = r"/rest/api/2/issue/(?P<key>[^/]+)"
        return [
            ("GET", r"/rest/api/2/serverInfo", self.server_info),
            ("GET", r"/rest/api/2/myself", self.myself),
            ("GET", r"/rest/api/2/search", self.search),
            ("POST", r"/rest/api/2/search", self.search),
            ("POST", r"/rest/api/2/issue/?", self.create),
            ("GET", issue, self.get_issue),
            ("PUT", issue, self.update),
            ("DELETE", issue, self.delete),
            ("GET", issue + "/comment", self.comments),
            ("POST", issue + "/comment", self.add_comment),
            ("POST", issue + "/attachments", self.attach),
            ("GET", issue + "/transitions", self.transitions),
            ("POST", issue + "/transitions", self.transition),
            ("GET", r"/rest/api/2/attachment/(?P<id>\d+)", self.attachment),
            ("GET", r"/secure/attachment/(?P<id>\d+)/(?P<filename>.+)", self.attachment_content),
            ("POST", r"/rest/api/2/issueLink", self.link),
            ("GET", r"/rest/api/2/issueLink/(?P<id>\d+)", self.get_link),
            ("GET", r"/rest/api/2/issueLinkType", self.link_types),
            ("GET", r"/rest/api/2/priority", self.priorities),
            ("GET", r"/rest/api/2/status", self.statuses),
            ("GET", r"/rest/api/2/issuetype", self.issue_types),
            ("GET", r"/rest/api/2/label", self.labels),
            ("GET", r"/rest/api/2/project/?", self.projects),
            ("GET", r"/rest/api/2/project/(?P<key>[^/]+)", self.project),
        ]

    def authorise(self, request: Request) -> None:
        self.basic_or_bearer(request)

    # ------------------------------------------------------------------ seed

    def seed(self, store: Store) -> None:
        for i, domain in enumerate(DOMAINS):
            store.put(
                "project",
                domain.project,
                {"id": str(10000 + i), "key": domain.project, "name": domain.name, "domain": domain.key},
            )
            for scenario in scenarios(domain):
                self._new_issue(
                    store,
                    domain.project,
                    scenario.summary,
                    scenario.description,
                    "Test",
                    scenario.priority,
                    list(scenario.labels),
                )

    def _new_issue(
        self,
        store: Store,
        project: str,
        summary: str,
        description: str,
        issuetype: str,
        priority: str,
        labels: list[str],
    ) -> dict[str, Any]:
        number = store.next(f"issue:{project}")
        issue_id = str(store.next("issue", FIRST_ISSUE_ID))
        stamp = now()
        doc = {
            "id": issue_id,
            "key": f"{project}-{number}",
            "project": project,
            "summary": summary,
            "description": description,
            "issuetype": issuetype,
            "status": "To Do",
            "priority": priority,
            "labels": labels,
            "comments": [],
            "attachments": [],
            "created": stamp,
            "updated": stamp,
        }
        store.put("issue", str(doc["key"]), doc)
        store.put("issue_id", issue_id, {"key": doc["key"]})
        return doc

    # ------------------------------------------------------------------ shapes

    def _issue(self, request: Request) -> dict[str, Any]:
        key = request.params["key"]
        if key.isdigit():
            ref = self.db.get("issue_id", key)
            key = ref["key"] if ref else key
        doc = self.db.get("issue", key.upper())
        if doc is None:
            raise _bad("Issue Does Not Exist", status=404)
        return doc

    def _status(self, name: str) -> dict[str, Any]:
        sid, sname, category = next(s for s in STATUSES if s[1] == name)
        return {
            "self": f"{self.url}/rest/api/2/status/{sid}",
            "id": sid,
            "name": sname,
            "statusCategory": {"key": category, "name": sname},
        }

    def _priority(self, name: str) -> dict[str, Any]:
        pid = next((p for p, n in PRIORITIES if n == name), "3")
        return {"self": f"{self.url}/rest/api/2/priority/{pid}", "id": pid, "name": name}

    def _comment(self, issue: dict[str, Any], comment: dict[str, Any]) -> dict[str, Any]:
        author = {"name": comment["author"], "displayName": comment["author"]}
        return {
            "self": f"{self.url}/rest/api/2/issue/{issue['id']}/comment/{comment['id']}",
            "id": comment["id"],
            "author": author,
            "body": comment["body"],
            "created": comment["created"],
            "updated": comment["created"],
        }

    def _attachment(self, item: dict[str, Any]) -> dict[str, Any]:
        return {
            **item,
            "self": f"{self.url}/rest/api/2/attachment/{item['id']}",
            "content": f"{self.url}/secure/attachment/{item['id']}/{item['filename']}",
        }

    def _links(self, issue: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        for link in self.db.all("link"):
            if issue["key"] not in (link["inward"], link["outward"]):
                continue
            lid, name, inward, outward = next(t for t in LINK_TYPES if t[1] == link["type"])
            other_key = link["outward"] if link["inward"] == issue["key"] else link["inward"]
            other = self.db.get("issue", other_key) or {"id": "", "summary": "", "status": "To Do"}
            ref = {
                "id": other["id"],
                "key": other_key,
                "self": f"{self.url}/rest/api/2/issue/{other['id']}",
                "fields": {"summary": other["summary"], "status": self._status(other["status"])},
            }
            side = "outwardIssue" if link["inward"] == issue["key"] else "inwardIssue"
            item = {
                "id": link["id"],
                "self": f"{self.url}/rest/api/2/issueLink/{link['id']}",
                "type": {"id": lid, "name": name, "inward": inward, "outward": outward},
                side: ref,
            }
            out.append(item)
        return out

    def _issue_json(self, doc: dict[str, Any], fields: str | None = "*all") -> dict[str, Any]:
        project = self.db.get("project", doc["project"]) or {"id": "", "key": doc["project"], "name": doc["project"]}
        type_id = next((t for t, n in ISSUE_TYPES if n == doc["issuetype"]), "10003")
        comments = [self._comment(doc, c) for c in doc["comments"]]
        every: dict[str, Any] = {
            "summary": doc["summary"],
            "description": doc["description"],
            "issuetype": {"id": type_id, "name": doc["issuetype"], "subtask": False},
            "project": {"id": project["id"], "key": project["key"], "name": project["name"]},
            "status": self._status(doc["status"]),
            "priority": self._priority(doc["priority"]),
            "labels": doc["labels"],
            "comment": {"comments": comments, "maxResults": len(comments), "total": len(comments), "startAt": 0},
            "attachment": [self._attachment(a) for a in doc["attachments"]],
            "issuelinks": self._links(doc),
            "created": doc["created"],
            "updated": doc["updated"],
            "reporter": {"name": "doppel", "displayName": "Doppel"},
            "assignee": None,
        }
        wanted = {f.strip() for f in (fields or "*all").split(",") if f.strip()}
        if not wanted & {"*all", "*navigable"}:
            every = {k: v for k, v in every.items() if k in wanted}
        return {
            "expand": "renderedFields,names,schema,transitions,changelog",
            "id": doc["id"],
            "key": doc["key"],
            "self": f"{self.url}/rest/api/2/issue/{doc['id']}",
            "fields": every,
        }

    @staticmethod
    def _field(doc: dict[str, Any], field: str) -> Any:
        name = field.lower()
        if name in ("key", "issuekey"):
            return doc["key"]
        if name == "id":
            return int(doc["id"])
        if name in ("type", "issuetype"):
            return doc["issuetype"]
        if name == "text":
            return " ".join([doc["summary"], doc["description"], *(c["body"] for c in doc["comments"])])
        if name == "comment":
            return " ".join(c["body"] for c in doc["comments"])
        if name in ("project", "summary", "description", "status", "priority", "labels", "created", "updated"):
            return doc[name]
        raise QueryError(f"Field '{field}' does not exist or you do not have permission to view it.")

    # ------------------------------------------------------------------ handlers

    def server_info(self, request: Request) -> Response:
        return json_response(
            200,
            {
                "baseUrl": self.url,
                "version": "9.12.0",
                "versionNumbers": [9, 12, 0],
                "deploymentType": "Server",
                "serverTitle": "Jira stand-in",
            },
        )

    def myself(self, request: Request) -> Response:
        user = (self.credentials or {}).get("username", "doppel")
        return json_response(200, {"name": user, "key": user, "displayName": user, "active": True})

    def search(self, request: Request) -> Response:
        if request.method == "POST":
            body = request.json() or {}
            jql, start, limit = body.get("jql") or "", int(body.get("startAt") or 0), int(body.get("maxResults") or 50)
            fields = body.get("fields")
            fields = ",".join(fields) if isinstance(fields, list) else fields
        else:
            jql, start, limit = (
                request.arg("jql") or "",
                request.int_arg("startAt", 0),
                request.int_arg("maxResults", 50),
            )
            fields = request.arg("fields")
        try:
            query = parse(jql)
        except QueryError as exc:
            raise _bad(f"Error in the JQL Query: {exc}") from None
        query.order = [("id" if f.lower() in ("key", "issuekey") else f, d) for f, d in query.order]
        projects = {p["key"].lower(): p for p in self.db.all("project")}

        def get(doc: dict[str, Any], field: str) -> Any:
            value = self._field(doc, field)
            if field.lower() == "project":  # a project matches by key or by name
                return [value, projects.get(value.lower(), {}).get("name", value)]
            return value

        try:
            found = query.apply(self.db.all("issue"), get)
        except QueryError as exc:
            raise _bad(str(exc)) from None
        chunk = found[start : start + max(0, limit)]
        return json_response(
            200,
            {
                "expand": "names,schema",
                "startAt": start,
                "maxResults": limit,
                "total": len(found),
                "issues": [self._issue_json(d, fields) for d in chunk],
            },
        )

    def get_issue(self, request: Request) -> Response:
        return json_response(200, self._issue_json(self._issue(request), request.arg("fields")))

    def create(self, request: Request) -> Response:
        body = request.json() or {}
        fields = body.get("fields") or {}
        errors: dict[str, str] = {}
        project_ref = fields.get("project") or {}
        project = next(
            (
                p
                for p in self.db.all("project")
                if project_ref.get("key") == p["key"] or str(project_ref.get("id")) == p["id"]
            ),
            None,
        )
        if project is None:
            errors["project"] = "project is required" if not project_ref else "valid project is required"
        type_name = (fields.get("issuetype") or {}).get("name") or ""
        type_id = str((fields.get("issuetype") or {}).get("id") or "")
        issue_type = next((n for t, n in ISSUE_TYPES if n.lower() == type_name.lower() or t == type_id), None)
        if issue_type is None:
            errors["issuetype"] = "valid issue type is required"
        if not str(fields.get("summary") or "").strip():
            errors["summary"] = "You must specify a summary of the issue."
        priority = (fields.get("priority") or {}).get("name") or "Medium"
        if priority not in [n for _, n in PRIORITIES]:
            errors["priority"] = f"The priority selected is invalid: {priority}"
        labels = fields.get("labels") or []
        if any(" " in str(label) for label in labels):
            errors["labels"] = "Labels cannot contain spaces."
        if errors:
            raise _bad(errors=errors)
        assert project is not None and issue_type is not None
        with self.db.transaction():
            doc = self._new_issue(
                self.db,
                project["key"],
                str(fields["summary"]),
                str(fields.get("description") or ""),
                issue_type,
                priority,
                [str(x) for x in labels],
            )
            for item in (body.get("update") or {}).get("issuelinks") or []:
                self._add_link(item.get("add") or {}, doc["key"])
        return json_response(
            201, {"id": doc["id"], "key": doc["key"], "self": f"{self.url}/rest/api/2/issue/{doc['id']}"}
        )

    def update(self, request: Request) -> Response:
        doc = self._issue(request)
        body = request.json() or {}
        fields = body.get("fields") or {}
        for name in ("summary", "description"):
            if name in fields:
                doc[name] = str(fields[name] or "")
        if "labels" in fields:
            doc["labels"] = [str(x) for x in fields["labels"] or []]
        if "priority" in fields:
            doc["priority"] = (fields["priority"] or {}).get("name") or doc["priority"]
        for op in (body.get("update") or {}).get("labels") or []:
            if "add" in op and op["add"] not in doc["labels"]:
                doc["labels"].append(str(op["add"]))
            if "remove" in op:
                doc["labels"] = [x for x in doc["labels"] if x != op["remove"]]
            if "set" in op:
                doc["labels"] = [str(x) for x in op["set"]]
        for op in (body.get("update") or {}).get("comment") or []:
            if "add" in op:
                self._new_comment(doc, str(op["add"].get("body") or ""))
        if any(" " in x for x in doc["labels"]):
            raise _bad(errors={"labels": "Labels cannot contain spaces."})
        doc["updated"] = now()
        self.db.put("issue", doc["key"], doc)
        return Response(204)

    def delete(self, request: Request) -> Response:
        doc = self._issue(request)
        self.db.delete("issue", doc["key"])
        return Response(204)

    def _new_comment(self, doc: dict[str, Any], body: str) -> dict[str, Any]:
        comment = {
            "id": str(self.db.next("comment", 10000)),
            "body": body,
            "author": (self.credentials or {}).get("username", "doppel"),
            "created": now(),
        }
        doc["comments"].append(comment)
        return comment

    def comments(self, request: Request) -> Response:
        doc = self._issue(request)
        items = [self._comment(doc, c) for c in doc["comments"]]
        return json_response(200, {"startAt": 0, "maxResults": len(items), "total": len(items), "comments": items})

    def add_comment(self, request: Request) -> Response:
        body = request.json() or {}
        if not str(body.get("body") or "").strip():
            raise _bad(errors={"comment": "Comment body can not be empty!"})
        with self.db.transaction():
            doc = self._issue(request)
            comment = self._new_comment(doc, str(body["body"]))
            doc["updated"] = now()
            self.db.put("issue", doc["key"], doc)
        return json_response(201, self._comment(doc, comment))

    def attach(self, request: Request) -> Response:
        if (request.headers.get("X-Atlassian-Token") or "").lower() != "no-check":
            raise _bad("XSRF check failed", status=403)
        if request.content_type != "multipart/form-data":
            raise _bad("attachments must be sent as multipart/form-data", status=415)
        header = f"Content-Type: {request.headers.get('Content-Type')}\r\n\r\n".encode()
        message = BytesParser(policy=policy.HTTP).parsebytes(header + request.body)
        created = []
        with self.db.transaction():
            doc = self._issue(request)
            for part in message.iter_parts():
                if part.get_param("name", header="content-disposition") != "file":
                    continue
                data = part.get_payload(decode=True) or b""
                item = {
                    "id": str(self.db.next("attachment", 10000)),
                    "filename": part.get_filename() or "file",
                    "size": len(data),
                    "mimeType": part.get_content_type(),
                    "created": now(),
                    "author": {"name": (self.credentials or {}).get("username", "doppel")},
                }
                self.db.put_blob(f"attachment:{item['id']}", bytes(data))
                self.db.put("attachment", str(item["id"]), {**item, "issue": doc["key"]})
                doc["attachments"].append(item)
                created.append(self._attachment(item))
            if not created:
                raise _bad("No file part named 'file' in the request")
            self.db.put("issue", doc["key"], doc)
        return json_response(200, created)

    def attachment(self, request: Request) -> Response:
        item = self.db.get("attachment", request.params["id"])
        if item is None:
            raise _bad("The attachment does not exist", status=404)
        return json_response(200, self._attachment({k: v for k, v in item.items() if k != "issue"}))

    def attachment_content(self, request: Request) -> Response:
        item = self.db.get("attachment", request.params["id"])
        data = self.db.get_blob(f"attachment:{request.params['id']}")
        if item is None or data is None:
            raise _bad("The attachment does not exist", status=404)
        return Response(200, data, item["mimeType"])

    def transitions(self, request: Request) -> Response:
        doc = self._issue(request)
        items = [
            {"id": tid, "name": name, "to": self._status(target), "hasScreen": False}
            for tid, name, target in TRANSITIONS
            if target != doc["status"]
        ]
        return json_response(200, {"expand": "transitions", "transitions": items})

    def transition(self, request: Request) -> Response:
        body = request.json() or {}
        wanted = body.get("transition") or {}
        with self.db.transaction():
            doc = self._issue(request)
            found = next(
                (
                    t
                    for t in TRANSITIONS
                    if t[2] != doc["status"] and (str(wanted.get("id")) == t[0] or wanted.get("name") == t[1])
                ),
                None,
            )
            if found is None:
                raise _bad(
                    f"It seems that you have tried to perform a workflow operation ({wanted}) that is not valid "
                    "for the current state of this issue."
                )
            doc["status"] = found[2]
            for op in (body.get("update") or {}).get("comment") or []:
                if "add" in op:
                    self._new_comment(doc, str(op["add"].get("body") or ""))
            doc["updated"] = now()
            self.db.put("issue", doc["key"], doc)
        return Response(204)

    def _add_link(self, body: dict[str, Any], this_key: str | None = None) -> dict[str, Any]:
        type_name = (body.get("type") or {}).get("name") or ""
        link_type = next((t for t in LINK_TYPES if t[1].lower() == type_name.lower()), None)
        if link_type is None:
            raise _bad(f"No issue link type with name '{type_name}' found.", status=404)
        keys = []
        for side in ("inwardIssue", "outwardIssue"):
            key = (body.get(side) or {}).get("key") or this_key
            if not key or self.db.get("issue", str(key).upper()) is None:
                raise _bad(f"Issue Does Not Exist: {side}", status=404)
            keys.append(str(key).upper())
        link = {"id": str(self.db.next("link", 10000)), "type": link_type[1], "inward": keys[0], "outward": keys[1]}
        self.db.put("link", link["id"], link)
        return link

    def link(self, request: Request) -> Response:
        body = request.json() or {}
        with self.db.transaction():
            self._add_link(body)
            comment = (body.get("comment") or {}).get("body")
            if comment:
                doc = self.db.get("issue", str(body["inwardIssue"]["key"]).upper())
                if doc is not None:
                    self._new_comment(doc, str(comment))
                    self.db.put("issue", doc["key"], doc)
        return Response(201)

    def get_link(self, request: Request) -> Response:
        link = self.db.get("link", request.params["id"])
        if link is None:
            raise _bad("No issue link with this id", status=404)
        lid, name, inward, outward = next(t for t in LINK_TYPES if t[1] == link["type"])
        return json_response(
            200,
            {
                "id": link["id"],
                "type": {"id": lid, "name": name, "inward": inward, "outward": outward},
                "inwardIssue": {"key": link["inward"]},
                "outwardIssue": {"key": link["outward"]},
            },
        )

    def link_types(self, request: Request) -> Response:
        types = [{"id": i, "name": n, "inward": a, "outward": b} for i, n, a, b in LINK_TYPES]
        return json_response(200, {"issueLinkTypes": types})

    def priorities(self, request: Request) -> Response:
        return json_response(200, [self._priority(n) for _, n in PRIORITIES])

    def statuses(self, request: Request) -> Response:
        return json_response(200, [self._status(n) for _, n, _ in STATUSES])

    def issue_types(self, request: Request) -> Response:
        return json_response(200, [{"id": t, "name": n, "subtask": False} for t, n in ISSUE_TYPES])

    def labels(self, request: Request) -> Response:
        values = sorted({label for doc in self.db.all("issue") for label in doc["labels"]})
        return json_response(
            200, {"startAt": 0, "maxResults": len(values), "total": len(values), "isLast": True, "values": values}
        )

    def _project_json(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": p["id"],
            "key": p["key"],
            "name": p["name"],
            "projectTypeKey": "software",
            "self": f"{self.url}/rest/api/2/project/{p['id']}",
        }

    def projects(self, request: Request) -> Response:
        return json_response(200, [self._project_json(p) for p in self.db.all("project")])

    def project(self, request: Request) -> Response:
        key = request.params["key"]
        found = next((p for p in self.db.all("project") if key in (p["key"], p["id"])), None)
        if found is None:
            raise _bad(f"No project could be found with key '{key}'.", status=404)
        return json_response(200, self._project_json(found))


if __name__ == "__main__":
    from mocks.suite import serve_one

    serve_one(JiraStandIn)
