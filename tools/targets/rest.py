"""A REST API (kind ``rest``), by default shaped like the REST stand-in (mocks/rest.py):

- a batch is one ``POST {batch_path}`` of a JSON array, answered ``207 {"results": [{index, status,
  errors}]}``: 201 loaded, 422 rejected with its field errors, 409 the key exists;
- ``upsert`` then ``PUT {record_path}`` for each record that existed (200 updated);
- ``unload`` ``DELETE {record_path}`` per key recorded;
- without a ``batch_path``, each record is one ``POST {resource}``.

Every write carries an ``Idempotency-Key`` derived from the load, the table, the batch (or record) and the
body: a retried request after a lost answer replays the first answer, so nothing is ever written twice.
Connection failures, time-outs, cut-off answers, 429 (``Retry-After`` honoured) and 5xx are retried.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from tools.targets.base import Batch, BatchResult, Key, Mode, Rejection, TablePlan, TargetError, TargetInfo
from tools.targets.config import RestTarget, TargetConfig
from tools.targets.registry import OpenContext, target_kind
from tools.targets.retry import Caller, Transient, retry_after_seconds

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent == 0 else float(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


class RestApi:
    keyed = True

    def __init__(self, config: RestTarget, context: OpenContext) -> None:
        if not config.url:
            raise TargetError(
                f"{config.label}: no url. A stand-in (stand_in: true) is started by `doppel load` and `doppel run`, "
                "or serve the stand-ins with `doppel mocks` and give the REST stand-in's URL"
            )
        self.config = config
        self.load_id = context.load_id
        self.caller = Caller(config, context.sleep)
        headers = {"Accept": "application/json"}
        if config.token is not None:
            headers["Authorization"] = f"Bearer {config.token.get_secret_value()}"
        host = urlsplit(config.url).hostname or ""
        self.client = httpx.Client(
            base_url=config.url.rstrip("/") + "/",
            headers=headers,
            timeout=httpx.Timeout(config.read_timeout, connect=config.connect_timeout),
            trust_env=host not in LOOPBACK,  # no proxy for a local stand-in
        )

    def report(self) -> TargetInfo:
        return TargetInfo(
            name=self.config.label,
            kind="rest",
            where=self.config.where() if not self.config.stand_in else f"stand-in at {self.config.url}",
            stand_in=self.config.stand_in,
            identity=self.config.identity(),
        )

    # ------------------------------------------------------------------ HTTP

    def _send(self, method: str, path: str, body: Any = None, key: str | None = None) -> httpx.Response:
        headers = {self.config.idempotency_header: key} if key else {}
        content = json.dumps(body, default=_json_value).encode() if body is not None else None
        if content is not None:
            headers["Content-Type"] = "application/json"

        def attempt() -> httpx.Response:
            try:
                answer = self.client.request(method, path, content=content, headers=headers)
            except httpx.TransportError as exc:  # refused, dropped, timed out, cut off
                raise Transient(type(exc).__name__) from None
            if answer.status_code == 429 or answer.status_code >= 500:
                raise Transient(f"HTTP {answer.status_code}", retry_after_seconds(answer.headers.get("Retry-After")))
            if answer.status_code in (401, 403):
                raise TargetError(f"{self.config.label}: HTTP {answer.status_code}: check the token")
            if answer.content and answer.headers.get("content-type", "").startswith("application/json"):
                try:
                    answer.json()
                except ValueError:
                    raise Transient("an answer that is not complete JSON") from None
            return answer

        return self.caller.run(f"{method} {path}", attempt)

    def check(self) -> None:
        self._send("GET", "")

    def begin(self, tables: Sequence[TablePlan], mode: Mode) -> None:
        for plan in tables:
            if len(self._key(plan)) == 0:
                raise TargetError(f"{self.config.label}: table {plan.name} has no key field for its records")
            mapping = (self.config.fields or {}).get(plan.name) or {}
            missing = sorted(c for c in mapping if c not in {c.name for c in plan.columns})
            if missing:
                raise TargetError(f"{self.config.label}: table {plan.name} has no column(s) {', '.join(missing)}")

    def _key(self, plan: TablePlan) -> str:
        """The JSON field that identifies a record: the resource's key, else the (renamed) primary key."""
        resource = self.config.resource(plan.name)
        if resource.key:
            return resource.key
        if len(plan.primary_key) != 1:
            return ""
        mapping = (self.config.fields or {}).get(plan.name)
        return mapping.get(plan.primary_key[0], plan.primary_key[0]) if mapping else plan.primary_key[0]

    def _record(self, plan: TablePlan, row: dict[str, Any]) -> dict[str, Any]:
        mapping = (self.config.fields or {}).get(plan.name)
        if mapping is None:
            return {k: _json_value(v) for k, v in row.items()}
        record = {field: _json_value(row.get(column)) for column, field in mapping.items()}
        if len(plan.primary_key) == 1 and plan.primary_key[0] not in mapping:
            record.setdefault(plan.primary_key[0], _json_value(row.get(plan.primary_key[0])))
        return record

    def _idempotency(self, *parts: Any) -> str:
        text = "\0".join(json.dumps(p, default=_json_value, sort_keys=True) for p in (self.load_id, *parts))
        return hashlib.sha256(text.encode()).hexdigest()[:40]

    # ------------------------------------------------------------------ loading

    def load(self, table: TablePlan, batch: Batch, mode: Mode) -> BatchResult:
        resource = self.config.resource(table.name).resource
        key_field = self._key(table)
        records = [self._record(table, row) for row in batch.rows]
        keys = [r.get(key_field) for r in records]
        result = BatchResult()
        if self.config.batch_path:
            path = self.config.batch_path.format(resource=resource)
            answer = self._send("POST", path, records, self._idempotency(table.name, batch.index, records))
            items = _results(answer, len(records), self.config.label)
        else:
            items = []
            for i, record in enumerate(records):
                one = self._send("POST", resource, record, self._idempotency(table.name, "post", keys[i], record))
                items.append({"index": i, "status": one.status_code, "errors": _errors(one)})
        existing: list[int] = []
        for item in items:
            i, status = int(item["index"]), int(item["status"])
            if status in (200, 201):
                result.loaded += 1
                result.written.append(keys[i])
            elif status == 409 and mode == "upsert":
                existing.append(i)
            elif status == 409:
                result.rejected.append(Rejection(keys[i], f"{key_field} exists already (insert mode)"))
            else:
                result.rejected.append(Rejection(keys[i], _reasons(item.get("errors"), status)))
        for i in existing:
            path = self.config.record_path.format(resource=resource, id=quote(str(keys[i]), safe=""))
            answer = self._send("PUT", path, records[i], self._idempotency(table.name, "put", keys[i], records[i]))
            if answer.status_code == 200:
                result.updated += 1
                result.written.append(keys[i])
            elif answer.status_code == 201:
                result.loaded += 1
                result.written.append(keys[i])
            else:
                result.rejected.append(Rejection(keys[i], _reasons(_errors(answer), answer.status_code)))
        result.retried = self.caller.take_retried()
        return result

    def finish(self, table: TablePlan) -> BatchResult:
        return BatchResult()

    def unload(self, table: str, keys: Sequence[Key]) -> int:
        resource = self.config.resource(table).resource
        removed = 0
        for key in keys:
            path = self.config.record_path.format(resource=resource, id=quote(str(key), safe=""))
            answer = self._send("DELETE", path)
            if answer.status_code in (200, 202, 204):
                removed += 1
            elif answer.status_code != 404:
                raise TargetError(f"{self.config.label}: DELETE {path}: HTTP {answer.status_code}")
        return removed

    def close(self) -> None:
        self.client.close()


def _results(answer: httpx.Response, count: int, label: str) -> list[dict[str, Any]]:
    if answer.status_code not in (200, 207):
        raise TargetError(f"{label}: the batch was refused: HTTP {answer.status_code} ({_reasons(_errors(answer), 0)})")
    items = answer.json().get("results") if answer.content else None
    if not isinstance(items, list) or len(items) != count:
        raise TargetError(f"{label}: the batch answer has no result per record ('results' with {count} items)")
    return items


def _errors(answer: httpx.Response) -> Any:
    try:
        body = answer.json()
    except ValueError:
        return None
    if isinstance(body, dict):
        return body.get("errors") or body.get("error")
    return body


def _reasons(errors: Any, status: int) -> str:
    """``gender: must be one of M, F, X, U; email: must be a valid email`` (field names and rules only)."""
    if isinstance(errors, list) and errors:
        parts = []
        for e in errors:
            if isinstance(e, dict):
                field, message = e.get("field"), e.get("message")
                parts.append(f"{field}: {message}" if field else str(message))
            else:
                parts.append(str(e))
        return "; ".join(parts)
    if isinstance(errors, str) and errors:
        return errors
    return f"HTTP {status}"


@target_kind(RestTarget)
def open_rest(config: TargetConfig, context: OpenContext) -> RestApi:
    assert isinstance(config, RestTarget)
    return RestApi(config, context)
