"""Salesforce (kind ``salesforce``) through Bulk API 2.0 with the unmodified ``simple-salesforce`` client.

Each table maps to one object (``objects``): columns to fields, constants, the table's key to an external
id field, and a record type per row (a fixed DeveloperName, or one chosen by a column's value). A batch
is one ingest job, ``insert`` or ``upsert`` by the external id, driven step by step so that no step is
ever repeated blindly: the job is created, its CSV uploaded (repeatable while the job is open), closed
(a lost answer is settled by reading the job's state back), then read until complete. Its results decide
what happens to each record: ``successfulResults`` are loaded (``sf__Created``) or updated, records in
``failedResults`` are rejected with Salesforce's error code and field, unless the code is transient (a
lock, a limit) - those, the ``unprocessedRecords`` and anything the results leave out go into the next job.
The keys recorded are the Salesforce record ids; ``unload`` deletes those with a Bulk 2.0 delete job.

The session never uses proxies for a local stand-in, applies the configured time-outs to every request and
keeps the last ``Retry-After`` it saw, which the retries honour (simple-salesforce's errors carry no headers).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import requests

from tools.targets.base import Batch, BatchResult, Key, Mode, Rejection, TablePlan, TargetError, TargetInfo
from tools.targets.config import RecordTypeMap, SalesforceObject, SalesforceTarget, TargetConfig
from tools.targets.registry import OpenContext, target_kind
from tools.targets.retry import Caller, Transient, retry_after_seconds

TRANSIENT_CODES = frozenset(
    {"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "REQUEST_LIMIT_EXCEEDED", "REQUEST_RUNNING_TOO_LONG"}
)
DONE = ("JobComplete", "Failed", "Aborted")
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class _Session(requests.Session):
    """A requests session with default time-outs that remembers the last ``Retry-After``."""

    def __init__(self, timeout: tuple[float, float]) -> None:
        super().__init__()
        self.default_timeout = timeout
        self.retry_after: float | None = None

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.default_timeout)
        self.retry_after = None
        response = super().request(method, url, *args, **kwargs)
        self.retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        return response


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _reason(error: str) -> str:
    """``INVALID_EMAIL_ADDRESS:Email: invalid email address: x:Email --`` -> ``INVALID_EMAIL_ADDRESS (Email):
    Email: invalid email address`` (the record's value left out, so reasons group)."""
    text = error.strip().removesuffix("--").strip()
    code, _, rest = text.partition(":")
    message, _, fields = rest.rpartition(":")
    if not message:
        message, fields = fields, ""
    if message.count(": ") >= 1 and code not in ("REQUIRED_FIELD_MISSING",):
        message = message.rsplit(": ", 1)[0]
    return f"{code} ({fields})" + (f": {message}" if message else "") if fields else f"{code}: {message}"


class SalesforceOrg:
    keyed = True

    def __init__(self, config: SalesforceTarget, context: OpenContext) -> None:
        self.config = config
        self.caller = Caller(config, context.sleep)
        self.sleep = context.sleep
        self.session = _Session((config.connect_timeout, config.read_timeout))
        self.session.verify = str(config.ca_bundle) if config.ca_bundle else config.verify_tls
        if config.instance_url and (urlsplit(config.instance_url).hostname or "") in LOOPBACK:
            self.session.trust_env = False  # no proxy (and no REQUESTS_CA_BUNDLE) for a local stand-in
        self.sf: Any = None
        self.record_types: dict[str, dict[str, str]] = {}
        self.fields: dict[str, dict[str, dict[str, Any]]] = {}

    # ------------------------------------------------------------------ calls

    def _call(self, what: str, fn: Any, *, settle: Any = None) -> Any:
        """``fn()`` retried on transient failures; ``settle(exc)`` may turn a 400 into an answer."""
        from simple_salesforce.exceptions import (
            SalesforceError,
            SalesforceExpiredSession,
            SalesforceMalformedRequest,
            SalesforceRefusedRequest,
        )

        def attempt() -> Any:
            try:
                return fn()
            except requests.exceptions.SSLError as exc:
                raise TargetError(
                    f"{self.config.label}: TLS certificate not trusted ({type(exc).__name__}); set ca_bundle"
                ) from None
            except (requests.exceptions.RequestException, ValueError) as exc:  # refused, dropped, cut off
                raise Transient(type(exc).__name__) from None
            except SalesforceExpiredSession:
                raise TargetError(
                    f"{self.config.label}: the session is invalid or expired: check session_id or the login"
                ) from None
            except SalesforceRefusedRequest:
                raise TargetError(
                    f"{self.config.label}: {what}: refused (HTTP 403): the user lacks permission"
                ) from None
            except SalesforceMalformedRequest as exc:
                if settle is not None:
                    return settle(exc)
                raise TargetError(f"{self.config.label}: {what}: {_content(exc)}") from None
            except SalesforceError as exc:
                if exc.status == 429 or exc.status >= 500:
                    raise Transient(f"HTTP {exc.status}", self.session.retry_after) from None
                raise TargetError(f"{self.config.label}: {what}: HTTP {exc.status}: {_content(exc)}") from None

        return self.caller.run(what, attempt)

    def _client(self, obj: str) -> Any:
        return getattr(self.sf.bulk2, obj)._client  # simple-salesforce's Bulk 2.0 client, step by step

    # ------------------------------------------------------------------ protocol

    def report(self) -> TargetInfo:
        where = f"stand-in at {self.config.instance_url}" if self.config.stand_in else self.config.where()
        return TargetInfo(
            name=self.config.label,
            kind="salesforce",
            where=where,
            stand_in=self.config.stand_in,
            identity=self.config.identity(),
        )

    def accepts(self, plan: TablePlan) -> bool:
        return plan.name in self.config.objects

    def check(self) -> None:
        from simple_salesforce import Salesforce

        c = self.config
        if c.session_id is not None and c.instance_url:
            self.sf = Salesforce(
                instance_url=c.instance_url,
                session_id=c.session_id.get_secret_value(),
                session=self.session,
                version=c.api_version,
            )
        elif c.username and c.password is not None:
            token = c.security_token.get_secret_value() if c.security_token else ""

            def login() -> Any:
                return Salesforce(
                    username=c.username,
                    password=c.password.get_secret_value() if c.password else "",
                    security_token=token,
                    domain=c.domain,
                    session=self.session,
                    version=c.api_version,
                )

            self.sf = self._call("logging in", login)
        else:
            raise TargetError(
                f"{c.label}: no credentials: give instance_url and session_id, or username, password and "
                f"security_token (in doppel.toml [targets.{c.label}] or DOPPEL_TARGETS__{c.label.upper()}__...); "
                "a stand-in (stand_in: true) gets its own"
            )
        for table, mapping in c.objects.items():
            described = self._call(
                f"describing {mapping.object}", lambda o=mapping.object: getattr(self.sf, o).describe()
            )
            self.fields[mapping.object] = {f["name"]: f for f in described.get("fields", [])}
            self.record_types[mapping.object] = {
                r["developerName"]: r["recordTypeId"]
                for r in described.get("recordTypeInfos", [])
                if "developerName" in r
            }
            self._check_mapping(table, mapping)

    def _check_mapping(self, table: str, mapping: SalesforceObject) -> None:
        fields = self.fields[mapping.object]
        wanted = [*mapping.fields.values(), *mapping.constants, mapping.external_id]
        unknown = sorted({f for f in wanted if f not in fields})
        if unknown:
            raise TargetError(
                f"{self.config.label}: {mapping.object} has no field(s) {', '.join(unknown)} (table {table})"
            )
        if not fields[mapping.external_id].get("externalId"):
            raise TargetError(
                f"{self.config.label}: {mapping.object}.{mapping.external_id} is not an external id field"
            )
        names = self._record_type_names(mapping)
        missing = sorted(n for n in names if n not in self.record_types[mapping.object])
        if missing:
            have = ", ".join(sorted(self.record_types[mapping.object])) or "none"
            raise TargetError(
                f"{self.config.label}: {mapping.object} has no record type(s) {', '.join(missing)} (it has: {have})"
            )

    @staticmethod
    def _record_type_names(mapping: SalesforceObject) -> set[str]:
        rt = mapping.record_type
        if rt is None:
            return set()
        if isinstance(rt, str):
            return {rt}
        return set(rt.values.values()) | ({rt.default} if rt.default else set())

    def begin(self, tables: Sequence[TablePlan], mode: Mode) -> None:
        for plan in tables:
            mapping = self.config.objects[plan.name]
            columns = {c.name for c in plan.columns}
            used = [*mapping.fields, *([mapping.key] if mapping.key else [])]
            if isinstance(mapping.record_type, RecordTypeMap) and mapping.record_type.column:
                used.append(mapping.record_type.column)
            missing = sorted(c for c in used if c not in columns)
            if missing:
                raise TargetError(f"{self.config.label}: table {plan.name} has no column(s) {', '.join(missing)}")
            if not mapping.key and len(plan.primary_key) != 1:
                raise TargetError(
                    f"{self.config.label}: table {plan.name}: say which column goes into {mapping.external_id} (key:)"
                )

    # ------------------------------------------------------------------ loading

    def _record(self, plan: TablePlan, mapping: SalesforceObject, row: dict[str, Any]) -> dict[str, str]:
        key = mapping.key or plan.primary_key[0]
        record = {mapping.external_id: _cell(row.get(key))}
        for column, field in mapping.fields.items():
            record[field] = _cell(row.get(column))
        record.update(mapping.constants)
        rt = mapping.record_type
        name: str | None = None
        if isinstance(rt, str):
            name = rt
        elif isinstance(rt, RecordTypeMap):
            value = _cell(row.get(rt.column)) if rt.column else ""
            lowered = {k.strip().lower(): v for k, v in rt.values.items()}
            name = lowered.get(value.strip().lower(), rt.default)
        if name:
            record["RecordTypeId"] = self.record_types[mapping.object][name]
        return record

    def load(self, table: TablePlan, batch: Batch, mode: Mode) -> BatchResult:
        mapping = self.config.objects[table.name]
        external = mapping.external_id
        pending = [self._record(table, mapping, row) for row in batch.rows]
        result = BatchResult()
        operation = "upsert" if mode == "upsert" else "insert"
        for job_number in range(self.config.attempts):
            if not pending:
                break
            if job_number:
                result.retried += len(pending)  # records sent again in a new job
            ok, failed, again = self._job(
                mapping.object, operation, external if operation == "upsert" else None, pending
            )
            sent = {r[external] for r in pending}
            for row in ok:
                if row.get(external) not in sent:
                    continue
                sent.discard(row[external])
                result.written.append(row["sf__Id"])
                if row.get("sf__Created", "").lower() == "true":
                    result.loaded += 1
                else:
                    result.updated += 1
            for row in failed:
                if row.get(external) not in sent:
                    continue
                error = row.get("sf__Error", "")
                if error.split(":", 1)[0] in TRANSIENT_CODES:
                    continue
                sent.discard(row[external])
                result.rejected.append(Rejection(row[external], _reason(error)))
            again_keys = {r.get(external) for r in again}
            pending = [r for r in pending if r[external] in sent or r[external] in again_keys]
        if pending:
            raise TargetError(
                f"{self.config.label}: {len(pending)} record(s) of {table.name} were still unprocessed after "
                f"{self.config.attempts} jobs"
            )
        result.retried += self.caller.take_retried()
        return result

    def _job(
        self, obj: str, operation: str, external: str | None, records: list[dict[str, str]]
    ) -> tuple[list[dict[str, str]], list[dict[str, str]], list[dict[str, str]]]:
        """One Bulk 2.0 ingest job: (successful, failed, unprocessed) rows of its results."""
        client = self._client(obj)
        header = list(dict.fromkeys(k for r in records for k in r))
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(records)
        data = buffer.getvalue()
        job = self._call(
            f"creating a {operation} job for {obj}", lambda: client.create_job(operation, external_id_field=external)
        )
        job_id = job["id"]
        self._call(f"uploading to job {job_id}", lambda: client.upload_job_data(job_id, data))

        def closed(exc: Exception) -> Any:
            state = self._call(f"reading job {job_id}", lambda: client.get_job(job_id, False))["state"]
            if state == "Open":
                raise TargetError(f"{self.config.label}: job {job_id} cannot be closed: {_content(exc)}")
            return state  # an earlier close was applied and its answer lost

        self._call(f"closing job {job_id}", lambda: client.close_job(job_id), settle=closed)
        state = "UploadComplete"
        while True:
            info = self._call(f"reading job {job_id}", lambda: client.get_job(job_id, False))
            state = info["state"]
            if state in DONE:
                break
            self.sleep(self.config.poll_interval)
        if state != "JobComplete":
            return [], [], records  # a failed or aborted job: every record goes again
        results = []
        for kind in ("successfulResults", "failedResults", "unprocessedRecords"):
            text = self._call(
                f"reading the {kind} of job {job_id}", lambda k=kind: client.get_ingest_results(job_id, k)
            )
            results.append(list(csv.DictReader(io.StringIO(text))))
        return results[0], results[1], results[2]

    def finish(self, table: TablePlan) -> BatchResult:
        return BatchResult()

    def unload(self, table: str, keys: Sequence[Key]) -> int:
        mapping = self.config.objects.get(table)
        if mapping is None or not keys:
            return 0
        ok, _, _ = self._job(mapping.object, "delete", None, [{"Id": str(k)} for k in keys])
        return len(ok)

    def close(self) -> None:
        self.session.close()


def _content(exc: Any) -> str:
    content = getattr(exc, "content", None)
    if isinstance(content, list) and content and isinstance(content[0], dict):
        first = content[0]
        return f"{first.get('errorCode', '')}: {first.get('message', '')}".strip(": ")
    return str(content)[:200] if content else type(exc).__name__


@target_kind(SalesforceTarget)
def open_salesforce(config: TargetConfig, context: OpenContext) -> SalesforceOrg:
    assert isinstance(config, SalesforceTarget)
    return SalesforceOrg(config, context)
