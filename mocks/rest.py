"""A REST target stand-in: one JSON resource per bundled sample table, validated, with HTML pages.

Resources (key field in brackets): ``customers`` [customer_id] (telecom_customers), ``accounts``
[account_id] and ``transactions`` [txn_id] (bank), ``patients`` [episode_id] (hospital) and ``orders``
[id] (the shop example). Known fields are validated (type, required, pattern, allowed values); other
fields are stored as given.

- ``GET /`` lists the resources and their field rules.
- ``POST /{resource}`` one JSON object: 201 with the stored record, 409 when the key exists, 422
  ``{"errors": [{"field", "message"}]}`` when the record is bad.
- ``POST /{resource}/_batch`` a JSON array: 207 ``{"results": [{"index", "status", "id", "errors"}]}``:
  every good record is stored, every bad one answers 422 on its own.
- ``GET|PUT|DELETE /{resource}/{id}`` (PUT upserts: 201 created, 200 replaced, 422 bad);
  ``GET /{resource}?offset=&limit=`` lists.
- ``Idempotency-Key`` on POST and PUT: the same key with the same body replays the first answer (header
  ``Idempotent-Replayed: true``); with a different body, 409.
- ``GET /ui/{resource}`` and ``GET /ui/{resource}/{id}``: HTML pages (each value in
  ``<td id="field-NAME">``) for browser tests.

CLI: ``python -m mocks.rest --port 8803``.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime
from html import escape
from typing import Any, NamedTuple

from mocks.base import HttpError, Request, Response, StandIn, json_response, text_response


class Rule(NamedTuple):
    type: str  # string, integer, number, boolean, date, datetime, email, enum
    required: bool = False
    pattern: str | None = None
    values: tuple[str, ...] = ()


class Resource(NamedTuple):
    key: str
    source: str
    fields: dict[str, Rule]


S, REQ = Rule("string"), Rule("string", True)
RESOURCES: dict[str, Resource] = {
    "customers": Resource(
        "customer_id",
        "playbooks/samples/telecom_customers.csv",
        {
            "customer_id": Rule("string", True, r"CUST-\d{6}"),
            "msisdn": Rule("string", True, r"\+?[0-9 ]{10,15}"),
            "first_name": S,
            "last_name": REQ,
            "email": Rule("email"),
            "dob": Rule("date"),
            "gender": Rule("enum", values=("M", "F", "X", "U")),
            "postcode": Rule("string", pattern=r"[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2}"),
            "plan": S,
            "plan_type": Rule("enum", values=("Prepaid", "Postpaid")),
            "contract_start": Rule("date"),
            "contract_end": Rule("date"),
            "monthly_fee": Rule("number"),
            "loyalty_points": Rule("integer"),
            "created_at": Rule("datetime"),
        },
    ),
    "orders": Resource(
        "id",
        "examples/shop.yaml",
        {
            "id": Rule("integer", True),
            "customer_id": REQ,
            "order_date": Rule("datetime", True),
            "ship_date": Rule("datetime"),
            "amount": Rule("number", True),
        },
    ),
    "accounts": Resource(
        "account_id",
        "playbooks/samples/bank_accounts.csv",
        {
            "account_id": Rule("string", True, r"ACC-\d{6}"),
            "iban": Rule("string", True, r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}"),
            "holder_name": REQ,
            "sort_code": Rule("string", pattern=r"\d{2}-\d{2}-\d{2}"),
            "opened_date": Rule("date"),
            "account_type": S,
            "branch_city": S,
            "balance": Rule("number", True),
        },
    ),
    "transactions": Resource(
        "txn_id",
        "playbooks/samples/bank_transactions.csv",
        {
            "txn_id": REQ,
            "account_id": Rule("string", True, r"ACC-\d{6}"),
            "txn_ts": Rule("datetime", True),
            "amount": Rule("number", True),
            "currency": Rule("string", True, r"[A-Z]{3}"),
            "mcc": Rule("string", pattern=r"\d{4}"),
            "status": Rule("enum", values=("COMPLETED", "PENDING", "FAILED", "REVERSED")),
        },
    ),
    "patients": Resource(
        "episode_id",
        "playbooks/samples/hospital_patients.csv",
        {
            "episode_id": REQ,
            "patient_id": REQ,
            "nhs_number": Rule("string", pattern=r"\d{3} ?\d{3} ?\d{4}"),
            "forename": S,
            "surname": REQ,
            "date_of_birth": Rule("date", True),
            "email": Rule("email"),
            "admission_date": Rule("datetime", True),
            "discharge_date": Rule("datetime"),
            "ward": S,
            "length_of_stay": Rule("integer"),
        },
    ),
}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _date(text: str) -> bool:
    for parse in (date.fromisoformat, lambda t: datetime.strptime(t, "%d/%m/%Y")):
        try:
            parse(text)
            return True
        except ValueError:
            continue
    return False


def _datetime(text: str) -> bool:
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
        return True
    except ValueError:
        return _date(text)


def validate(resource: Resource, record: Any) -> list[dict[str, str]]:
    """Every problem of one record: ``[{"field", "message"}]`` (empty when good)."""
    if not isinstance(record, dict):
        return [{"field": "", "message": "a record must be a JSON object"}]
    errors = []
    for name, rule in resource.fields.items():
        value = record.get(name)
        if value is None or value == "":
            if rule.required:
                errors.append({"field": name, "message": "is required"})
            continue
        text = str(value)
        ok = True
        if rule.type == "integer":
            ok = (isinstance(value, int) and not isinstance(value, bool)) or bool(re.fullmatch(r"-?\d+", text))
        elif rule.type == "number":
            ok = (isinstance(value, int | float) and not isinstance(value, bool)) or bool(
                re.fullmatch(r"-?\d+(\.\d+)?", text)
            )
        elif rule.type == "boolean":
            ok = isinstance(value, bool) or text.lower() in ("true", "false")
        elif rule.type == "date":
            ok = _date(text)
        elif rule.type == "datetime":
            ok = _datetime(text)
        elif rule.type == "email":
            ok = bool(EMAIL.match(text))
        elif rule.type == "enum":
            ok = text in rule.values
        if not ok:
            expected = f"one of {', '.join(rule.values)}" if rule.type == "enum" else f"a valid {rule.type}"
            errors.append({"field": name, "message": f"must be {expected}"})
        elif rule.pattern and not re.fullmatch(rule.pattern, text):
            errors.append({"field": name, "message": f"does not match the pattern {rule.pattern}"})
    return errors


class RestStandIn(StandIn):
    name = "rest"
    server_header = "RestTarget-StandIn/1.0"

    def routes(self) -> list[tuple[str, str, Any]]:
        res = r"/(?P<resource>[a-z_]+)"
        return [
            ("GET", r"/", self.index),
            ("GET", r"/ui/?", self.ui_index),
            ("GET", r"/ui" + res + r"/?", self.ui_list),
            ("GET", r"/ui" + res + r"/(?P<id>[^/]+)", self.ui_record),
            ("POST", res + r"/_batch", self.batch),
            ("GET", res + r"/?", self.list),
            ("POST", res + r"/?", self.create),
            ("GET", res + r"/(?P<id>[^/]+)", self.get),
            ("PUT", res + r"/(?P<id>[^/]+)", self.put),
            ("DELETE", res + r"/(?P<id>[^/]+)", self.delete),
        ]

    def error_body(self, status: int, message: str) -> Any:
        return {"error": message, "status": status}

    def _resource(self, request: Request) -> tuple[str, Resource]:
        name = request.params["resource"]
        if name not in RESOURCES:
            raise HttpError(404, self.error_body(404, f"no resource {name!r}; try one of {', '.join(RESOURCES)}"))
        return name, RESOURCES[name]

    # ------------------------------------------------------------------ idempotency

    def _idempotent(self, request: Request, work: Any) -> Response:
        key = request.headers.get("Idempotency-Key")
        if not key:
            return work()
        digest = hashlib.sha256(request.method.encode() + request.path.encode() + b"\0" + request.body).hexdigest()
        with self.db.transaction():
            seen = self.db.get("idempotency", key)
            if seen is not None:
                if seen["digest"] != digest:
                    raise HttpError(409, self.error_body(409, "Idempotency-Key was used with a different request"))
                headers = {**seen["headers"], "Idempotent-Replayed": "true"}
                return Response(seen["status"], seen["body"].encode(), "application/json", headers)
            response: Response = work()
            if response.status < 500:
                self.db.put(
                    "idempotency",
                    key,
                    {
                        "digest": digest,
                        "status": response.status,
                        "body": response.body.decode(),
                        "headers": response.headers,
                    },
                )
        return response

    # ------------------------------------------------------------------ JSON API

    def index(self, request: Request) -> Response:
        described = {
            name: {"key": r.key, "source": r.source, "fields": {f: rule._asdict() for f, rule in r.fields.items()}}
            for name, r in RESOURCES.items()
        }
        return json_response(200, {"resources": described})

    def _store(self, name: str, resource: Resource, record: Any, *, replace_id: str | None = None) -> Response:
        errors = validate(resource, record)
        if (
            replace_id is not None
            and isinstance(record, dict)
            and str(record.get(resource.key, replace_id)) != replace_id
        ):
            errors.append({"field": resource.key, "message": f"must equal the id in the path ({replace_id})"})
        if errors:
            return json_response(422, {"error": "validation failed", "errors": errors})
        record_id = replace_id if replace_id is not None else str(record[resource.key])
        stored = {**record, resource.key: record.get(resource.key, record_id)}
        existed = self.db.get(name, record_id) is not None
        if existed and replace_id is None:
            return json_response(409, {"error": f"{resource.key} {record_id} already exists", "errors": []})
        self.db.put(name, record_id, stored)
        status = 200 if existed else 201
        return json_response(status, stored, {"Location": f"/{name}/{record_id}"})

    def create(self, request: Request) -> Response:
        name, resource = self._resource(request)
        record = request.json()
        return self._idempotent(request, lambda: self._store(name, resource, record))

    def batch(self, request: Request) -> Response:
        name, resource = self._resource(request)
        records = request.json()
        if not isinstance(records, list):
            raise HttpError(400, self.error_body(400, "a batch must be a JSON array of records"))

        def work() -> Response:
            results = []
            for i, record in enumerate(records):
                answer = self._store(name, resource, record)
                body = json.loads(answer.body)
                item: dict[str, Any] = {"index": i, "status": answer.status}
                if isinstance(record, dict) and record.get(resource.key) is not None:
                    item["id"] = str(record[resource.key])
                if answer.status >= 400:
                    item["errors"] = body.get("errors") or [{"field": resource.key, "message": body.get("error", "")}]
                results.append(item)
            return json_response(207, {"results": results})

        return self._idempotent(request, work)

    def list(self, request: Request) -> Response:
        name, _ = self._resource(request)
        items = self.db.all(name)
        offset, limit = request.int_arg("offset", 0), request.int_arg("limit", 100)
        return json_response(200, {"items": items[offset : offset + limit], "total": len(items), "offset": offset})

    def _record(self, request: Request) -> tuple[str, Resource, dict[str, Any]]:
        name, resource = self._resource(request)
        record = self.db.get(name, request.params["id"])
        if record is None:
            raise HttpError(404, self.error_body(404, f"no {name} record {request.params['id']}"))
        return name, resource, record

    def get(self, request: Request) -> Response:
        return json_response(200, self._record(request)[2])

    def put(self, request: Request) -> Response:
        name, resource = self._resource(request)
        record = request.json()
        return self._idempotent(request, lambda: self._store(name, resource, record, replace_id=request.params["id"]))

    def delete(self, request: Request) -> Response:
        name, _, _ = self._record(request)
        self.db.delete(name, request.params["id"])
        return Response(204)

    # ------------------------------------------------------------------ HTML pages

    @staticmethod
    def _html(title: str, body: str, status: int = 200) -> Response:
        page = (
            f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
            f'<body><h1 id="title">{escape(title)}</h1>{body}</body></html>'
        )
        return text_response(status, page, "text/html; charset=utf-8")

    def ui_index(self, request: Request) -> Response:
        links = "".join(f'<li><a id="link-{n}" href="/ui/{n}">{n}</a></li>' for n in RESOURCES)
        return self._html("Resources", f"<ul>{links}</ul>")

    def ui_list(self, request: Request) -> Response:
        name, resource = self._resource(request)
        keys = [escape(str(r[resource.key])) for r in self.db.all(name)]
        rows = "".join(f'<li><a class="record" href="/ui/{name}/{k}">{k}</a></li>' for k in keys)
        return self._html(f"{name} ({len(keys)})", f'<ul id="records">{rows}</ul>')

    def ui_record(self, request: Request) -> Response:
        try:
            name, _, record = self._record(request)
        except HttpError:
            return self._html("Not found", f'<p id="error">No record {escape(request.params["id"])}</p>', 404)
        cells = [(escape(k), escape("" if v is None else str(v))) for k, v in record.items()]
        rows = "".join(f'<tr data-field="{k}"><th>{k}</th><td id="field-{k}">{v}</td></tr>' for k, v in cells)
        return self._html(f"{name} {request.params['id']}", f'<table id="record">{rows}</table>')


if __name__ == "__main__":
    from mocks.suite import serve_one

    serve_one(RestStandIn)
