"""A Salesforce stand-in over TLS for ``simple-salesforce``'s unmodified client (REST API v59.0).

Construct the client with ``Salesforce(instance_url=stand_in.url, session_id=SESSION_ID, session=s)``
where ``s.verify = stand_in.ca_bundle`` and ``s.trust_env = False`` (the certificate is self-signed,
made at start for 127.0.0.1 by ``mocks/tls.py``). Requests need ``Authorization: Bearer <session id>``.

Serves under ``/services/data/v{version}/``: ``sobjects/`` (describe global), ``sobjects/{Obj}/describe``
(fields, record types), ``POST sobjects/{Obj}/`` (create: 201 ``{id, success, errors}``),
``GET|PATCH|DELETE sobjects/{Obj}/{Id}``, ``GET|PATCH sobjects/{Obj}/{ExternalIdField}/{value}`` (get
by, or upsert by, external id: 201 created / 204 updated), ``query/?q=`` (SOQL: SELECT fields FROM
object WHERE ... ORDER BY ... LIMIT/OFFSET, relationship fields like ``Account.Name``; paged by
``nextRecordsUrl``, batch size from ``Sforce-Query-Options: batchSize=N``), and Bulk API 2.0 ingest
jobs (``jobs/ingest``: create, upload CSV to ``/batches`` -> 201, PATCH ``UploadComplete`` processes
the rows at once -> ``JobComplete``, ``successfulResults`` / ``failedResults`` / ``unprocessedRecords``
as CSV). Objects: Account (record types Consumer and Business), Contact, RecordType. Every record is
validated (required fields, types, picklists, references, unique external ids); errors come back in
Salesforce's shape (``[{message, errorCode, fields}]``).

CLI: ``python -m mocks.salesforce --port 8802``.
"""

from __future__ import annotations

import csv
import io
import re
import ssl
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from mocks.base import HttpError, Request, Response, StandIn, Store, json_response
from mocks.query import Query, QueryError, parse
from mocks.tls import certificate

SESSION_ID = "doppel-stand-in-session"
API = r"/services/data/v(?P<version>\d+\.\d)"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SOQL = re.compile(r"^\s*select\s+(?P<fields>.+?)\s+from\s+(?P<object>\w+)(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)
TAIL = re.compile(r"\s+(?:limit\s+(?P<limit>\d+)|offset\s+(?P<offset>\d+))\s*$", re.IGNORECASE)
BATCH = re.compile(r"batchSize=(\d+)")
DEFAULT_BATCH = 2000


class Field(NamedTuple):
    name: str
    type: str  # id, string, email, phone, date, datetime, double, currency, boolean, reference, picklist, textarea
    label: str
    required: bool = False
    external_id: bool = False
    reference_to: str | None = None
    picklist: tuple[str, ...] = ()
    length: int = 255
    createable: bool = True


class SObject(NamedTuple):
    name: str
    label: str
    prefix: str
    fields: tuple[Field, ...]
    record_types: tuple[str, ...] = ()


INDUSTRIES = ("Banking", "Healthcare", "Telecommunications", "Retail", "Other")
OBJECTS: dict[str, SObject] = {
    "Account": SObject(
        "Account",
        "Account",
        "001",
        (
            Field("Id", "id", "Account ID", createable=False, length=18),
            Field("Name", "string", "Account Name", required=True),
            Field("AccountNumber", "string", "Account Number", length=40),
            Field("Phone", "phone", "Account Phone", length=40),
            Field("Industry", "picklist", "Industry", picklist=INDUSTRIES),
            Field("Type", "picklist", "Account Type", picklist=("Customer", "Prospect", "Partner")),
            Field("AnnualRevenue", "currency", "Annual Revenue"),
            Field("BillingCity", "string", "Billing City", length=40),
            Field("BillingPostalCode", "string", "Billing Zip/Postal Code", length=20),
            Field("External_Id__c", "string", "External Id", external_id=True, length=80),
            Field("RecordTypeId", "reference", "Record Type ID", reference_to="RecordType", length=18),
            Field("CreatedDate", "datetime", "Created Date", createable=False),
        ),
        ("Consumer", "Business"),
    ),
    "Contact": SObject(
        "Contact",
        "Contact",
        "003",
        (
            Field("Id", "id", "Contact ID", createable=False, length=18),
            Field("FirstName", "string", "First Name", length=40),
            Field("LastName", "string", "Last Name", required=True, length=80),
            Field("Email", "email", "Email", length=80),
            Field("Phone", "phone", "Business Phone", length=40),
            Field("MobilePhone", "phone", "Mobile Phone", length=40),
            Field("Birthdate", "date", "Birthdate"),
            Field("HasOptedOutOfEmail", "boolean", "Email Opt Out"),
            Field("AccountId", "reference", "Account ID", reference_to="Account", length=18),
            Field("External_Id__c", "string", "External Id", external_id=True, length=80),
            Field("CreatedDate", "datetime", "Created Date", createable=False),
        ),
    ),
    "RecordType": SObject(
        "RecordType",
        "Record Type",
        "012",
        (
            Field("Id", "id", "Record Type ID", createable=False, length=18),
            Field("Name", "string", "Record Type Label", required=True, length=80),
            Field("DeveloperName", "string", "Record Type Name", required=True, length=80),
            Field("SobjectType", "string", "SObject Type Name", required=True, length=40),
            Field("IsActive", "boolean", "Active"),
        ),
    ),
}


class SalesforceError(Exception):
    """One record's error: Salesforce error code, message, fields."""

    def __init__(self, code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.fields = code, message, fields or []

    def json(self) -> dict[str, Any]:
        return {"message": self.message, "errorCode": self.code, "fields": self.fields}

    def csv(self) -> str:
        return f"{self.code}:{self.message}:{','.join(self.fields)} --"


def _sf_error(status: int, code: str, message: str, fields: list[str] | None = None) -> HttpError:
    return HttpError(status, [SalesforceError(code, message, fields).json()])


def _iso_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


class SalesforceStandIn(StandIn):
    name = "salesforce"
    tls = True
    server_header = "Salesforce-StandIn/59.0"

    def __init__(self, *args: Any, session_id: str = SESSION_ID, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session_id = session_id

    @property
    def ca_bundle(self) -> str:
        """The PEM file a client trusts (``requests.Session.verify``)."""
        return str(certificate(self.state_dir, self.name)[0].resolve())

    def ssl_context(self) -> ssl.SSLContext:
        cert, key = certificate(self.state_dir, self.name)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        return context

    def routes(self) -> list[tuple[str, str, Any]]:
        sob = API + r"/sobjects/(?P<object>\w+)"
        job = API + r"/jobs/ingest/(?P<job>\w+)"
        return [
            ("GET", API + r"/?", self.resources),
            ("GET", API + r"/sobjects/?", self.describe_global),
            ("GET", sob + r"/describe/?", self.describe),
            ("GET", sob + r"/?", self.object_info),
            ("POST", sob + r"/?", self.create),
            ("GET", sob + r"/(?P<id>\w+)/?", self.get_record),
            ("PATCH", sob + r"/(?P<id>\w+)/?", self.update),
            ("DELETE", sob + r"/(?P<id>\w+)/?", self.delete),
            ("GET", sob + r"/(?P<field>\w+)/(?P<value>[^/]+)/?", self.get_by_external_id),
            ("PATCH", sob + r"/(?P<field>\w+)/(?P<value>[^/]+)/?", self.upsert),
            ("GET", API + r"/(?:query|queryAll)/?", self.query),
            ("GET", API + r"/(?:query|queryAll)/(?P<locator>[\w-]+)", self.query_more),
            ("POST", API + r"/jobs/ingest/?", self.create_job),
            ("GET", API + r"/jobs/ingest/?", self.list_jobs),
            ("GET", job + r"/?", self.get_job),
            ("PATCH", job + r"/?", self.set_job_state),
            ("DELETE", job + r"/?", self.delete_job),
            ("PUT", job + r"/batches/?", self.upload),
            ("GET", job + r"/(?P<kind>successfulResults|failedResults|unprocessedRecords)/?", self.results),
        ]

    def error_body(self, status: int, message: str) -> Any:
        code = {401: "INVALID_SESSION_ID", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 429: "REQUEST_LIMIT_EXCEEDED"}
        return [{"message": message, "errorCode": code.get(status, "UNKNOWN_EXCEPTION")}]

    def authorise(self, request: Request) -> None:
        header = request.headers.get("Authorization") or ""
        if header != f"Bearer {self.session_id}":
            raise _sf_error(401, "INVALID_SESSION_ID", "Session expired or invalid")

    # ------------------------------------------------------------------ seed and records

    def seed(self, store: Store) -> None:
        for obj in OBJECTS.values():
            for name in obj.record_types:
                rid = self._new_id(store, "RecordType")
                store.put(
                    "RecordType",
                    rid,
                    {"Id": rid, "Name": name, "DeveloperName": name, "SobjectType": obj.name, "IsActive": True},
                )

    def _new_id(self, store: Store, obj: str) -> str:
        prefix = OBJECTS[obj].prefix if obj in OBJECTS else "750"
        return f"{prefix}DP{store.next(f'id:{obj}'):010d}AAA"

    def _object(self, name: str) -> SObject:
        obj = OBJECTS.get(name)
        if obj is None:
            raise _sf_error(
                404, "NOT_FOUND", f"The requested resource does not exist: sObject type '{name}' is not supported."
            )
        return obj

    def _field(self, obj: SObject, name: str) -> Field:
        found = next((f for f in obj.fields if f.name.lower() == name.lower()), None)
        if found is None:
            raise SalesforceError("INVALID_FIELD", f"No such column '{name}' on sobject of type {obj.name}", [name])
        return found

    def _coerce(self, obj: SObject, field: Field, value: Any) -> Any:
        if value is None or value == "":
            return None
        text = str(value).strip()
        bad = SalesforceError(
            "INVALID_TYPE_ON_FIELD_IN_RECORD", f"{field.label}: value not of required type: {text}", [field.name]
        )
        if field.type in ("double", "currency"):
            try:
                return float(text)
            except ValueError:
                raise bad from None
        if field.type == "boolean":
            if text.lower() in ("true", "1"):
                return True
            if text.lower() in ("false", "0"):
                return False
            raise bad
        if field.type == "date":
            try:
                return date.fromisoformat(text[:10]).isoformat()
            except ValueError:
                raise bad from None
        if field.type == "email" and not EMAIL.match(text):
            raise SalesforceError("INVALID_EMAIL_ADDRESS", f"Email: invalid email address: {text}", [field.name])
        if field.type == "picklist" and text not in field.picklist:
            raise SalesforceError(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{field.label}: bad value for restricted picklist field: {text}",
                [field.name],
            )
        if field.type == "reference":
            target = field.reference_to or ""
            if self.db.get(target, text) is None:
                raise SalesforceError(
                    "INVALID_CROSS_REFERENCE_KEY", f"{field.label}: id value of incorrect type: {text}", [field.name]
                )
            if field.name == "RecordTypeId" and self.db.get("RecordType", text)["SobjectType"] != obj.name:  # type: ignore[index]
                raise SalesforceError(
                    "INVALID_CROSS_REFERENCE_KEY",
                    f"Record Type ID: this ID value isn't valid for the user: {text}",
                    [field.name],
                )
        if len(text) > field.length:
            raise SalesforceError("STRING_TOO_LONG", f"{field.label}: data value too large: {text[:20]}", [field.name])
        return text

    def _write(
        self, obj: SObject, values: dict[str, Any], existing: dict[str, Any] | None
    ) -> tuple[dict[str, Any], bool]:
        """Validate and store one record; returns (record, created). Raises SalesforceError."""
        record = dict(existing or {})
        for name, value in values.items():
            if name == "attributes":
                continue
            field = self._field(obj, name)
            if not field.createable:
                raise SalesforceError(
                    "INVALID_FIELD_FOR_INSERT_UPDATE", f"Unable to create/update fields: {field.name}.", [field.name]
                )
            record[field.name] = self._coerce(obj, field, value)
        missing = [f.name for f in obj.fields if f.required and record.get(f.name) in (None, "")]
        if missing:
            raise SalesforceError(
                "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]", missing
            )
        for field in obj.fields:
            value = record.get(field.name)
            if field.external_id and value is not None:
                clash = next(
                    (
                        r
                        for r in self.db.find(obj.name, field.name, str(value))
                        if r.get(field.name) == value and r["Id"] != record.get("Id")
                    ),
                    None,
                )
                if clash is not None:
                    raise SalesforceError(
                        "DUPLICATE_VALUE",
                        f"duplicate value found: {field.name} duplicates value on record with id: {clash['Id']}",
                        [field.name],
                    )
        created = existing is None
        if created:
            record["Id"] = self._new_id(self.db, obj.name)
            if "CreatedDate" in {f.name for f in obj.fields}:
                record["CreatedDate"] = _iso_now()
            if obj.record_types and not record.get("RecordTypeId"):
                record["RecordTypeId"] = self._default_record_type(obj)
        self.db.put(obj.name, record["Id"], record)
        return record, created

    def _default_record_type(self, obj: SObject) -> str | None:
        return next((r["Id"] for r in self.db.all("RecordType") if r["SobjectType"] == obj.name), None)

    def _record_json(
        self, obj: SObject, record: dict[str, Any], version: str, fields: list[str] | None = None
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "attributes": {"type": obj.name, "url": f"/services/data/v{version}/sobjects/{obj.name}/{record['Id']}"}
        }
        for name in fields or [f.name for f in obj.fields]:
            out.update(self._project(obj, record, name, version))
        return out

    def _project(self, obj: SObject, record: dict[str, Any], name: str, version: str) -> dict[str, Any]:
        if "." in name:
            rel, sub = name.split(".", 1)
            ref = self._field(obj, rel + "Id" if not rel.endswith("__r") else rel[:-3] + "__c")
            target = self.db.get(ref.reference_to or "", str(record.get(ref.name) or ""))
            if target is None:
                return {rel: None}
            target_obj = OBJECTS[ref.reference_to or ""]
            inner = self._record_json(target_obj, target, version, [sub])
            return {rel: inner}
        field = self._field(obj, name)
        return {field.name: record.get(field.name)}

    def _value(self, obj: SObject, record: dict[str, Any], name: str) -> Any:
        if "." in name:
            rel, sub = name.split(".", 1)
            ref = self._field(obj, rel + "Id")
            target = self.db.get(ref.reference_to or "", str(record.get(ref.name) or ""))
            return None if target is None else self._value(OBJECTS[ref.reference_to or ""], target, sub)
        return record.get(self._field(obj, name).name)

    # ------------------------------------------------------------------ REST handlers

    def resources(self, request: Request) -> Response:
        base = f"/services/data/v{request.params['version']}"
        return json_response(200, {"sobjects": f"{base}/sobjects", "query": f"{base}/query", "jobs": f"{base}/jobs"})

    def _describe_short(self, obj: SObject, version: str) -> dict[str, Any]:
        base = f"/services/data/v{version}/sobjects/{obj.name}"
        return {
            "name": obj.name,
            "label": obj.label,
            "keyPrefix": obj.prefix,
            "createable": obj.name != "RecordType",
            "queryable": True,
            "updateable": obj.name != "RecordType",
            "custom": False,
            "urls": {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"},
        }

    def describe_global(self, request: Request) -> Response:
        version = request.params["version"]
        return json_response(
            200,
            {
                "encoding": "UTF-8",
                "maxBatchSize": 200,
                "sobjects": [self._describe_short(o, version) for o in OBJECTS.values()],
            },
        )

    def object_info(self, request: Request) -> Response:
        obj = self._object(request.params["object"])
        return json_response(
            200, {"objectDescribe": self._describe_short(obj, request.params["version"]), "recentItems": []}
        )

    def describe(self, request: Request) -> Response:
        obj = self._object(request.params["object"])
        default = self._default_record_type(obj)
        fields = [
            {
                "name": f.name,
                "label": f.label,
                "type": f.type,
                "length": f.length if f.type not in ("double", "currency", "boolean", "date", "datetime") else 0,
                "nillable": not f.required and f.type != "id",
                "createable": f.createable,
                "updateable": f.createable,
                "externalId": f.external_id,
                "unique": f.external_id,
                "idLookup": f.external_id or f.type == "id",
                "referenceTo": [f.reference_to] if f.reference_to else [],
                "relationshipName": f.name[:-2] if f.type == "reference" else None,
                "picklistValues": [{"value": v, "label": v, "active": True, "defaultValue": False} for v in f.picklist],
                "restrictedPicklist": bool(f.picklist),
                "custom": f.name.endswith("__c"),
                "defaultedOnCreate": not f.createable,
            }
            for f in obj.fields
        ]
        record_types = [
            {
                "recordTypeId": r["Id"],
                "name": r["Name"],
                "developerName": r["DeveloperName"],
                "active": True,
                "available": True,
                "defaultRecordTypeMapping": r["Id"] == default,
                "master": False,
            }
            for r in self.db.all("RecordType")
            if r["SobjectType"] == obj.name
        ]
        master = {
            "recordTypeId": "012000000000000AAA",
            "name": "Master",
            "developerName": "Master",
            "active": True,
            "available": True,
            "defaultRecordTypeMapping": not record_types,
            "master": True,
        }
        body = {
            **self._describe_short(obj, request.params["version"]),
            "fields": fields,
            "recordTypeInfos": [*record_types, master],
        }
        return json_response(200, body)

    def _body(self, request: Request) -> dict[str, Any]:
        body = request.json()
        if not isinstance(body, dict):
            raise _sf_error(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
        return body

    def create(self, request: Request) -> Response:
        obj = self._object(request.params["object"])
        body = self._body(request)
        try:
            with self.db.transaction():
                record, _ = self._write(obj, body, None)
        except SalesforceError as exc:
            raise HttpError(400, [exc.json()]) from None
        return json_response(201, {"id": record["Id"], "success": True, "errors": []})

    def _get(self, obj: SObject, record_id: str) -> dict[str, Any]:
        record = self.db.get(obj.name, record_id)
        if record is None:
            raise _sf_error(404, "NOT_FOUND", "The requested resource does not exist")
        return record

    def get_record(self, request: Request) -> Response:
        obj = self._object(request.params["object"])
        record = self._get(obj, request.params["id"])
        fields = request.arg("fields")
        chosen = [f.strip() for f in fields.split(",")] if fields else None
        return json_response(200, self._record_json(obj, record, request.params["version"], chosen))

    def update(self, request: Request) -> Response:
        obj = self._object(request.params["object"])
        try:
            with self.db.transaction():
                self._write(obj, self._body(request), self._get(obj, request.params["id"]))
        except SalesforceError as exc:
            raise HttpError(400, [exc.json()]) from None
        return Response(204)

    def delete(self, request: Request) -> Response:
        obj = self._object(request.params["object"])
        self._get(obj, request.params["id"])
        self.db.delete(obj.name, request.params["id"])
        return Response(204)

    def _by_external(self, obj: SObject, field_name: str, value: str) -> tuple[Field, dict[str, Any] | None]:
        try:
            field = self._field(obj, field_name)
        except SalesforceError as exc:
            raise HttpError(404, [exc.json()]) from None
        if not (field.external_id or field.type == "id"):
            raise _sf_error(400, "INVALID_FIELD", f"Field {field.name} is not an external id field", [field.name])
        found = next((r for r in self.db.find(obj.name, field.name, value) if str(r.get(field.name)) == value), None)
        return field, found

    def get_by_external_id(self, request: Request) -> Response:
        obj = self._object(request.params["object"])
        _, record = self._by_external(obj, request.params["field"], request.params["value"])
        if record is None:
            raise _sf_error(404, "NOT_FOUND", "The requested resource does not exist")
        return json_response(200, self._record_json(obj, record, request.params["version"]))

    def upsert(self, request: Request) -> Response:
        obj = self._object(request.params["object"])
        body = self._body(request)
        try:
            with self.db.transaction():
                field, existing = self._by_external(obj, request.params["field"], request.params["value"])
                if existing is None and field.type == "id":
                    raise HttpError(
                        404, self.error_body(404, "Provided external ID field does not exist or is not accessible")
                    )
                values = {k: v for k, v in body.items() if k.lower() != field.name.lower()}
                if existing is None:
                    values[field.name] = request.params["value"]
                record, created = self._write(obj, values, existing)
        except SalesforceError as exc:
            raise HttpError(400, [exc.json()]) from None
        if created:
            return json_response(201, {"id": record["Id"], "success": True, "errors": [], "created": True})
        return Response(204)

    # ------------------------------------------------------------------ SOQL

    def _soql(self, text: str) -> tuple[SObject, list[str], Query, int | None, int]:
        found = SOQL.match(text)
        if found is None:
            raise _sf_error(400, "MALFORMED_QUERY", f"unexpected token: {text[:40]}")
        obj = OBJECTS.get(found["object"])
        if obj is None:
            raise _sf_error(400, "INVALID_TYPE", f"sObject type '{found['object']}' is not supported.")
        fields = [f.strip() for f in found["fields"].split(",") if f.strip()]
        rest, limit, offset = found["rest"], None, 0
        while (tail := TAIL.search(rest)) is not None:
            if tail["limit"]:
                limit = int(tail["limit"])
            if tail["offset"]:
                offset = int(tail["offset"])
            rest = rest[: tail.start()]
        rest = rest.strip()
        if rest and not re.match(r"(?i)^(where|order\s+by)\b", rest):
            raise _sf_error(400, "MALFORMED_QUERY", f"unexpected token: {rest.split()[0]}")
        rest = re.sub(r"(?i)^where\s+", "", rest)
        try:
            query = parse(rest)
            for name in fields:
                self._field(obj, name.split(".", 1)[0] + "Id" if "." in name else name)
        except (QueryError, SalesforceError) as exc:
            raise _sf_error(
                400, "INVALID_FIELD" if isinstance(exc, SalesforceError) else "MALFORMED_QUERY", str(exc)
            ) from None
        return obj, fields, query, limit, offset

    def query(self, request: Request) -> Response:
        text = request.arg("q") or ""
        obj, fields, query, limit, offset = self._soql(text)
        try:
            found = query.apply(self.db.all(obj.name), lambda r, f: self._value(obj, r, f))
        except SalesforceError as exc:
            raise _sf_error(400, "INVALID_FIELD", exc.message) from None
        found = found[offset:]
        if limit is not None:
            found = found[:limit]
        records = [self._record_json(obj, r, request.params["version"], fields) for r in found]
        batch = BATCH.search(request.headers.get("Sforce-Query-Options") or "")
        size = int(batch[1]) if batch and int(batch[1]) > 0 else DEFAULT_BATCH  # small sizes too, for tests
        return self._query_page(request.params["version"], records, 0, size)

    def _query_page(self, version: str, records: list[dict[str, Any]], start: int, size: int) -> Response:
        chunk = records[start : start + size]
        body: dict[str, Any] = {"totalSize": len(records), "done": start + size >= len(records), "records": chunk}
        if not body["done"]:
            cursor = f"01gDP{self.db.next('cursor'):010d}"
            self.db.put("cursor", cursor, {"records": records, "size": size})
            body["nextRecordsUrl"] = f"/services/data/v{version}/query/{cursor}-{start + size}"
        return json_response(200, body)

    def query_more(self, request: Request) -> Response:
        cursor, _, start = request.params["locator"].rpartition("-")
        saved = self.db.get("cursor", cursor)
        if saved is None or not start.isdigit():
            raise _sf_error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._query_page(request.params["version"], saved["records"], int(start), int(saved["size"]))

    # ------------------------------------------------------------------ Bulk API 2.0

    def _job(self, request: Request) -> dict[str, Any]:
        job = self.db.get("job", request.params["job"])
        if job is None:
            raise _sf_error(404, "NOT_FOUND", "The requested resource does not exist")
        return job

    def _job_json(self, job: dict[str, Any]) -> dict[str, Any]:
        keys = (
            "id",
            "operation",
            "object",
            "createdById",
            "createdDate",
            "systemModstamp",
            "state",
            "externalIdFieldName",
            "concurrencyMode",
            "contentType",
            "apiVersion",
            "contentUrl",
            "lineEnding",
            "columnDelimiter",
            "numberRecordsProcessed",
            "numberRecordsFailed",
            "retries",
            "totalProcessingTime",
            "apiActiveProcessingTime",
            "apexProcessingTime",
            "jobType",
            "errorMessage",
        )
        return {k: job[k] for k in keys if k in job}

    def create_job(self, request: Request) -> Response:
        body = self._body(request)
        operation = body.get("operation")
        if operation not in ("insert", "upsert", "update", "delete", "hardDelete"):
            raise _sf_error(400, "INVALIDJOB", f"InvalidJob : Invalid operation: {operation}")
        obj = self._object(str(body.get("object")))
        external = body.get("externalIdFieldName")
        if operation == "upsert":
            field = next((f for f in obj.fields if f.name == external), None)
            if field is None or not (field.external_id or field.type == "id"):
                raise _sf_error(
                    400,
                    "INVALIDJOB",
                    f"InvalidJob : Field name provided, {external} does not match an External ID, Salesforce Id, "
                    f"or indexed field for {obj.name}",
                )
        version = request.params["version"]
        job_id = f"750DP{self.db.next('job'):010d}AAA"
        stamp = _iso_now()
        job = {
            "id": job_id,
            "operation": operation,
            "object": obj.name,
            "createdById": "005DP0000000001AAA",
            "createdDate": stamp,
            "systemModstamp": stamp,
            "state": "Open",
            "externalIdFieldName": external,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(version),
            "contentUrl": f"services/data/v{version}/jobs/ingest/{job_id}/batches",
            "jobType": "V2Ingest",
            "lineEnding": body.get("lineEnding") or "LF",
            "columnDelimiter": body.get("columnDelimiter") or "COMMA",
            "numberRecordsProcessed": 0,
            "numberRecordsFailed": 0,
            "retries": 0,
            "totalProcessingTime": 0,
            "apiActiveProcessingTime": 0,
            "apexProcessingTime": 0,
        }
        self.db.put("job", job_id, job)
        return json_response(200, self._job_json(job))

    def list_jobs(self, request: Request) -> Response:
        return json_response(
            200, {"done": True, "records": [self._job_json(j) for j in self.db.all("job")], "nextRecordsUrl": None}
        )

    def get_job(self, request: Request) -> Response:
        return json_response(200, self._job_json(self._job(request)))

    def upload(self, request: Request) -> Response:
        job = self._job(request)
        if job["state"] != "Open":
            raise _sf_error(400, "INVALIDJOBSTATE", f"Job {job['id']} is not Open (state {job['state']})")
        self.db.put_blob(f"job:{job['id']}", request.body)  # Bulk 2.0 takes one upload per job
        return Response(201)

    def set_job_state(self, request: Request) -> Response:
        job = self._job(request)
        state = (self._body(request)).get("state")
        if state == "Aborted" and job["state"] in ("Open", "UploadComplete", "InProgress"):
            job["state"] = "Aborted"
        elif state == "UploadComplete" and job["state"] == "Open":
            job["state"] = "UploadComplete"
            answer = self._job_json(job)
            self._process(job)
            self.db.put("job", job["id"], job)
            return json_response(200, answer)
        else:
            raise _sf_error(
                400, "INVALIDJOBSTATE", f"Cannot change the state of job {job['id']} from {job['state']} to {state}"
            )
        self.db.put("job", job["id"], job)
        return json_response(200, self._job_json(job))

    def delete_job(self, request: Request) -> Response:
        job = self._job(request)
        self.db.delete("job", job["id"])
        return Response(204)

    def _process(self, job: dict[str, Any]) -> None:
        """Apply every row of the uploaded CSV; results are kept as CSV texts."""
        delimiter = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^", "BACKQUOTE": "`"}[
            job["columnDelimiter"]
        ]
        text = (self.db.get_blob(f"job:{job['id']}") or b"").decode("utf-8-sig")
        reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
        header = list(reader.fieldnames or [])
        obj = OBJECTS[job["object"]]
        ok, failed = io.StringIO(), io.StringIO()
        ok_writer, failed_writer = csv.writer(ok, lineterminator="\n"), csv.writer(failed, lineterminator="\n")
        ok_writer.writerow(["sf__Id", "sf__Created", *header])
        failed_writer.writerow(["sf__Id", "sf__Error", *header])
        processed = errors = 0
        for row in reader:
            processed += 1
            values = {k: v for k, v in row.items() if k is not None and v != ""}
            cells = [row.get(h) or "" for h in header]
            try:
                with self.db.transaction():
                    record, created = self._apply(job, obj, values)
                ok_writer.writerow([record.get("Id", ""), "true" if created else "false", *cells])
            except SalesforceError as exc:
                errors += 1
                failed_writer.writerow([values.get("Id", ""), exc.csv(), *cells])
        self.db.put_blob(f"job:{job['id']}:successfulResults", ok.getvalue().encode())
        self.db.put_blob(f"job:{job['id']}:failedResults", failed.getvalue().encode())
        self.db.put_blob(f"job:{job['id']}:unprocessedRecords", (delimiter.join(header) + "\n").encode())
        job.update(
            state="JobComplete", numberRecordsProcessed=processed, numberRecordsFailed=errors, systemModstamp=_iso_now()
        )

    def _apply(self, job: dict[str, Any], obj: SObject, values: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        operation = job["operation"]
        if operation == "insert":
            return self._write(obj, values, None)
        if operation in ("delete", "hardDelete"):
            record = self.db.get(obj.name, str(values.get("Id") or ""))
            if record is None:
                raise SalesforceError("ENTITY_IS_DELETED", "entity is deleted", [])
            self.db.delete(obj.name, record["Id"])
            return record, False
        key_field = "Id" if operation == "update" else job["externalIdFieldName"]
        key = values.get(key_field)
        if not key:
            raise SalesforceError("MISSING_ARGUMENT", f"{key_field} not specified", [key_field])
        existing = next(
            (r for r in self.db.find(obj.name, key_field, str(key)) if str(r.get(key_field)) == str(key)), None
        )
        if existing is None and operation == "update":
            raise SalesforceError("INVALID_CROSS_REFERENCE_KEY", f"invalid cross reference id: {key}", ["Id"])
        changes = {k: v for k, v in values.items() if k != "Id"}
        return self._write(obj, changes, existing)

    def results(self, request: Request) -> Response:
        job = self._job(request)
        if job["state"] != "JobComplete":
            raise _sf_error(400, "INVALIDJOBSTATE", f"Job {job['id']} is not complete (state {job['state']})")
        data = self.db.get_blob(f"job:{job['id']}:{request.params['kind']}") or b""
        return Response(200, data, "text/csv", {"Sforce-NumberOfRecords": str(max(0, data.count(b"\n") - 1))})


if __name__ == "__main__":
    from mocks.suite import serve_one

    serve_one(SalesforceStandIn)
