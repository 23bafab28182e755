"""A local stand-in for the Bedrock runtime Converse API, so tests exercise boto3 itself over real HTTP.

Point a ``bedrock-runtime`` client at it with ``endpoint_url=stand_in.url`` (any credentials, any region).
It serves ``POST /model/{modelId}/converse`` (JSON) and ``POST /model/{modelId}/converse-stream``
(``application/vnd.amazon.eventstream``) with the wire format botocore parses, including AWS error
shapes (``x-amzn-errortype``), so throttling and time-outs reach the client exactly as from AWS.

Answers are deterministic, made from the prompt: a request for "a JSON array of N strings" over numbered
items gets N short texts, each built from its item's context (a delivery note for Leeds mentions Leeds).
Token usage is counted from the words and punctuation of the request and the answer.

Failure scenarios, for the whole server (``stand_in.set_scenario(...)`` or ``POST /_scenario``
``{"name": ..., "failures": N, "delay": s, "status": code}``), or per request with the header
``x-doppel-scenario: name[:arg]`` or a model id suffix ``model+name[:arg]``:

- ``ok``: answer at once.
- ``throttle_then_ok:N``: N ``ThrottlingException`` (429) answers, then success.
- ``timeout:S``: sleep S seconds (longer than the client's read timeout) before answering.
- ``timeout_then_ok:N``: the first N requests sleep ``delay`` seconds, then success.
  With ``hold=True`` a timed-out request instead waits, with no clock at all, until ``release()``
  (or ``stop()``, or the next ``set_scenario``): the client's read timeout always fires first, however
  slow the machine, so tests can use a read timeout with a wide margin.
- ``wrong_count_then_ok:N``: N answers with one item too few, then success.
- ``fail:STATUS``: always fail: 400 ``ValidationException`` (default) or 500 ``InternalServerException``.

Counters for "then ok" scenarios are kept per scenario spelling and reset with the scenario.

Scripted answers (``stand_in.script([...])``): each request takes the next ``ScriptedAnswer`` in order
(before any scenario), so an agent loop can be driven through tool calls: an answer with ``tool_uses``
stops with ``tool_use`` and the next request carries the tool results (recorded as ``tool_results``).
A tool use's ``input`` is a JSON object, or a string sent as it is: in a stream the raw argument text
(malformed JSON, say), in ``converse`` a document of the wrong type. When the script runs out, the
deterministic answers above come back.
``GET /_requests`` (or ``stand_in.requests``) lists what was received; ``POST /_reset`` clears it.

CLI: ``python -m mocks.bedrock --port 8790 [--scenario throttle_then_ok:2]``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import struct
import threading
import time
import zlib
from binascii import crc32
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, Field

HOST = "127.0.0.1"
ScenarioName = Literal["ok", "throttle_then_ok", "timeout", "timeout_then_ok", "wrong_count_then_ok", "fail"]
SCENARIO_HEADER = "x-doppel-scenario"
ERROR_NAMESPACE = "http://internal.amazon.com/coral/com.amazon.bedrock/"
TOKEN = re.compile(r"\w+|[^\w\s]")
ROUTE = re.compile(r"^/model/(?P<model>[^/]+)/(?P<op>converse|converse-stream)$")


class Scenario(BaseModel):
    """How the stand-in answers; ``failures``, ``delay`` and ``status`` only matter to some scenarios."""

    name: ScenarioName = "ok"
    failures: int = Field(2, ge=0, description="failed answers before success (the *_then_ok scenarios)")
    delay: float = Field(5.0, ge=0, description="seconds a timed-out request sleeps")
    hold: bool = Field(False, description="a timed-out request waits for release() instead of sleeping")
    status: Literal[400, 500] = 400

    @classmethod
    def parse(cls, text: str) -> Scenario:
        """``name`` or ``name:arg``: arg is failures (``*_then_ok``), seconds (``timeout``) or status (``fail``)."""
        name, _, arg = text.strip().partition(":")
        if not arg:
            return cls(name=name)
        if name == "timeout":
            return cls(name=name, delay=float(arg))
        if name == "fail":
            return cls(name=name, status=int(arg))
        return cls(name=name, failures=int(arg))


class ScriptedToolUse(BaseModel):
    """A tool call the stand-in answers with: a tool's name and its arguments."""

    name: str
    input: dict[str, Any] | str = Field(default_factory=dict, description="a string is sent as it is")


class ScriptedAnswer(BaseModel):
    """One scripted model turn: text, tool calls, or both (tool calls stop with ``tool_use``)."""

    text: str = ""
    tool_uses: list[ScriptedToolUse] = Field(default_factory=list)


class RecordedRequest(BaseModel):
    """One request as received (a test stand-in may keep prompts; Doppel's own audit never does)."""

    operation: Literal["converse", "converse-stream"]
    model_id: str
    scenario: str
    status: int
    outcome: str  # ok, throttled, timeout, wrong_count, failed, scripted
    items: int = 0
    prompt: str = ""
    system: str = ""
    tools: list[str] = Field(default_factory=list, description="names of the tools offered to the model")
    tool_results: list[dict[str, Any]] = Field(
        default_factory=list, description="{status, text} of each toolResult in the last user message"
    )
    input_tokens: int = 0
    output_tokens: int = 0


class ApiError(Exception):
    """An AWS error answer: HTTP status, error type and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


# ---------------------------------------------------------------- deterministic texts

TOPICS: dict[str, tuple[str, ...]] = {
    "delivery": (
        "Please leave the parcel with a neighbour near {s}.",
        "Ring the bell twice; the side gate at {s} is usually open.",
        "Deliver after 5pm on weekdays, nobody is home in {s} before then.",
        "Call ahead, the entrance for {s} is round the back past the bins.",
        "Safe place: the blue porch box at {s}.",
        "Fragile items, please keep upright on the way to {s}.",
    ),
    "product": (
        "A durable everyday choice for {s}.",
        "Lightweight, easy to clean and made to last, ideal for {s}.",
        "Designed with {s} in mind, it folds flat for storage.",
        "Comes in three colours and suits {s} well.",
        "Customers buying for {s} praise the sturdy finish.",
        "Machine washable at 30 degrees; a favourite for {s}.",
    ),
    "address": (
        "{n} {street} Road, {s}",
        "Flat {n}, {street} House, {s}",
        "{n} {street} Lane, {s}",
        "Unit {n}, {street} Business Park, {s}",
    ),
    "feedback": (
        "Customer reported a late delivery to {s}; a voucher was offered.",
        "Very happy with the service in {s}, would order again.",
        "Item arrived damaged in {s}; replacement sent the next day.",
        "Asked for an invoice copy for {s}; emailed the same afternoon.",
    ),
    "note": (
        "Followed up about {s}; waiting for a reply.",
        "Checked {s} and everything looks in order.",
        "Spoke to the account holder regarding {s}, no further action.",
        "Reminder set to review {s} next week.",
        "Updated the record for {s} after the phone call.",
        "Escalated {s} to the team lead for approval.",
    ),
}
KEYWORDS = (
    ("delivery", ("deliver", "parcel", "courier", "shipping")),
    ("address", ("address", "street", "postal")),
    ("product", ("product", "description", "item", "listing")),
    ("feedback", ("review", "feedback", "complaint", "comment")),
)
STREETS = ("Mill", "Church", "Station", "Victoria", "Park", "Queen", "Meadow", "Orchard", "Bridge", "King")
SUBJECT = re.compile(r"\b(?:for|in|of|about|at|from|near|to|on)\s+(.+)$", re.IGNORECASE)
COUNT = re.compile(r"JSON array of (?:exactly )?(\d+) strings", re.IGNORECASE)
MAX_WORDS = re.compile(r"at most (\d+) words", re.IGNORECASE)
ITEM = re.compile(r"^\s*(\d+)[.)]\s+(.*\S)\s*$")


def count_tokens(text: str) -> int:
    """Words and punctuation marks: close enough to a model tokenizer for cost estimates."""
    return len(TOKEN.findall(text))


def _topic(item: str) -> str:
    lower = item.lower()
    return next((topic for topic, words in KEYWORDS if any(w in lower for w in words)), "note")


def _subject(item: str) -> str:
    match = SUBJECT.search(item)
    subject = (match.group(1) if match else item).strip().rstrip(".")
    return subject or "the account"


def fake_text(item: str, model_id: str, max_words: int | None = None) -> str:
    """A plausible text for one request, the same for the same request and model."""
    rnd = random.Random(zlib.crc32(f"{model_id}\x00{item}".encode()))
    topic, subject = _topic(item), _subject(item)
    pool = TOPICS[topic]
    count = 1 if topic == "address" else rnd.randint(1, 2)
    picked = rnd.sample(pool, count)
    fill = {"s": subject, "n": rnd.randint(1, 240), "street": rnd.choice(STREETS)}
    sentences = [p.format(**fill) for p in picked]
    if max_words is None:
        return " ".join(sentences)
    kept = sentences[:1] + [
        s for i, s in enumerate(sentences[1:], 2) if len(" ".join(sentences[:i]).split()) <= max_words
    ]
    words = " ".join(kept).split()
    if len(words) <= max_words:
        return " ".join(words)
    return " ".join(words[:max_words]).rstrip(",;.") + "."


def answer_for(prompt: str, model_id: str, short_by: int = 0) -> tuple[str, int]:
    """The answer text and the number of items asked for (0 when the prompt is not a batch)."""
    limit = MAX_WORDS.search(prompt)
    max_words = int(limit.group(1)) if limit else None
    wanted = COUNT.search(prompt)
    if wanted is None:
        return fake_text(prompt.strip().splitlines()[-1] if prompt.strip() else "", model_id, max_words), 0
    n = int(wanted.group(1))
    items = [m.group(2) for line in prompt.splitlines() if (m := ITEM.match(line))]
    items = (items + [f"item {i + 1}" for i in range(len(items), n)])[:n]
    texts = [fake_text(item, model_id, max_words) for item in items[: max(0, n - short_by)]]
    return json.dumps(texts, ensure_ascii=False), n


def _user_text(body: dict[str, Any]) -> str:
    """The text of the last user message (what a batch prompt is parsed from)."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise ApiError(400, "ValidationException", "The messages field is required and must not be empty.")
    last = next((m for m in reversed(messages) if isinstance(m, dict) and m.get("role") == "user"), None)
    if last is None:
        raise ApiError(400, "ValidationException", "A conversation must contain a user message.")
    return "\n".join(b.get("text", "") for b in last.get("content") or [] if isinstance(b, dict))


def _tool_results(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The status and text of each tool result the last user message carries."""
    last: dict[str, Any] = next((m for m in reversed(body.get("messages") or []) if m.get("role") == "user"), {})
    found = []
    for block in last.get("content") or []:
        result = block.get("toolResult") if isinstance(block, dict) else None
        if isinstance(result, dict):
            parts = [c.get("text") or json.dumps(c.get("json")) for c in result.get("content") or []]
            found.append({"status": result.get("status", "success"), "text": "\n".join(p for p in parts if p)})
    return found


def _all_text(body: dict[str, Any]) -> str:
    parts = [b.get("text", "") for b in body.get("system") or [] if isinstance(b, dict)]
    for message in body.get("messages") or []:
        parts += [b.get("text", "") for b in message.get("content") or [] if isinstance(b, dict)]
    return "\n".join(parts)


# ---------------------------------------------------------------- event stream encoding


def _header(name: str, value: str) -> bytes:
    raw_name, raw_value = name.encode(), value.encode()
    return bytes([len(raw_name)]) + raw_name + b"\x07" + struct.pack(">H", len(raw_value)) + raw_value


def event_message(event_type: str, payload: dict[str, Any]) -> bytes:
    """One AWS event-stream frame: prelude, prelude CRC, string headers, JSON payload, message CRC."""
    headers = b"".join(
        _header(k, v)
        for k, v in ((":event-type", event_type), (":content-type", "application/json"), (":message-type", "event"))
    )
    body = json.dumps(payload).encode()
    prelude = struct.pack(">II", 12 + len(headers) + len(body) + 4, len(headers))
    message = prelude + struct.pack(">I", crc32(prelude) & 0xFFFFFFFF) + headers + body
    return message + struct.pack(">I", crc32(message) & 0xFFFFFFFF)


def stream_events(
    text: str, usage: dict[str, int], stop_reason: str, latency_ms: int, tool_uses: list[dict[str, Any]] | None = None
) -> Iterator[bytes]:
    yield event_message("messageStart", {"role": "assistant"})
    index = 0
    if text or not tool_uses:
        words = text.split(" ")
        for i in range(0, len(words), 8):
            chunk = " ".join(words[i : i + 8]) + (" " if i + 8 < len(words) else "")
            yield event_message("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": chunk}})
        yield event_message("contentBlockStop", {"contentBlockIndex": 0})
        index = 1
    for use in tool_uses or []:  # the arguments arrive as JSON text, in pieces, as from Bedrock
        start = {"toolUse": {"toolUseId": use["toolUseId"], "name": use["name"]}}
        yield event_message("contentBlockStart", {"contentBlockIndex": index, "start": start})
        raw = use["input"] if isinstance(use["input"], str) else json.dumps(use["input"])
        for i in range(0, len(raw), 16):
            delta = {"toolUse": {"input": raw[i : i + 16]}}
            yield event_message("contentBlockDelta", {"contentBlockIndex": index, "delta": delta})
        yield event_message("contentBlockStop", {"contentBlockIndex": index})
        index += 1
    yield event_message("messageStop", {"stopReason": stop_reason})
    yield event_message("metadata", {"usage": usage, "metrics": {"latencyMs": latency_ms}})


# ---------------------------------------------------------------- server


class BedrockStandIn:
    """The stand-in server: ``with BedrockStandIn() as bedrock: ... bedrock.url ...``."""

    def __init__(self, port: int = 0, scenario: Scenario | str = "ok") -> None:
        self._port = port
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._released = threading.Event()  # set: held requests go on (release, stop, a new scenario)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._seen: dict[str, int] = {}
        self._script: list[ScriptedAnswer] = []
        self._tool_uses = 0
        self.scenario = Scenario.parse(scenario) if isinstance(scenario, str) else scenario
        self.requests: list[RecordedRequest] = []

    # lifecycle
    def start(self) -> BedrockStandIn:
        handler = type("Handler", (_Handler,), {"stand_in": self})
        server = ThreadingHTTPServer((HOST, self._port), handler)
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._stopping.clear()
        self._released = threading.Event()
        self._thread = threading.Thread(target=server.serve_forever, name="bedrock-stand-in", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes requests sleeping in a timeout scenario
        self._released.set()  # and those held
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> BedrockStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the Bedrock stand-in is not running; call start()")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    # control
    def set_scenario(self, scenario: Scenario | str = "ok", **options: Any) -> None:
        """Switch the default scenario and restart its failure counter."""
        chosen = Scenario.parse(scenario) if isinstance(scenario, str) else scenario
        with self._lock:
            self.scenario = chosen.model_copy(update=options) if options else chosen
            self._seen.clear()
            self._released.set()  # requests held by the previous scenario go on
            self._released = threading.Event()

    def release(self) -> None:
        """Let every held request (``hold=True``) go on; its client has long given up."""
        self._released.set()

    def script(self, answers: list[ScriptedAnswer]) -> None:
        """Answer the next requests, one each and in order, with ``answers`` (replacing any left)."""
        with self._lock:
            self._script = list(answers)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._seen.clear()
            self._script.clear()

    def count(self, operation: str | None = None, outcome: str | None = None) -> int:
        """How many requests were received, optionally of one operation and outcome."""
        with self._lock:
            return sum(
                1
                for r in self.requests
                if (operation is None or r.operation == operation) and (outcome is None or r.outcome == outcome)
            )

    # request handling
    def _pick(self, model_id: str, header: str | None) -> tuple[str, Scenario, int]:
        """The scenario for this request, its key and how many requests used it before."""
        base, plus, suffix = model_id.partition("+")
        spec = header or (suffix if plus else None)
        scenario = Scenario.parse(spec) if spec else self.scenario
        key = spec or f"default:{scenario.model_dump_json()}"
        with self._lock:
            seen = self._seen.get(key, 0)
            self._seen[key] = seen + 1
        return base, scenario, seen

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _scripted(
        self, operation: Literal["converse", "converse-stream"], model_id: str, body: dict[str, Any]
    ) -> tuple[str, str, int, int, str, list[dict[str, Any]]] | None:
        """The next scripted answer, recorded, or None when the script is empty."""
        with self._lock:
            if not self._script:
                return None
            answer = self._script.pop(0)
            uses = []
            for use in answer.tool_uses:
                self._tool_uses += 1
                uses.append(
                    {"toolUseId": f"tooluse_standin_{self._tool_uses:04d}", "name": use.name, "input": use.input}
                )
        spec = body.get("toolConfig") or {}
        offered = [t["toolSpec"]["name"] for t in spec.get("tools") or [] if isinstance(t, dict) and "toolSpec" in t]
        system = "\n".join(b.get("text", "") for b in body.get("system") or [] if isinstance(b, dict))
        said = answer.text + "".join(json.dumps(u["input"]) for u in uses)
        tokens_in, tokens_out = count_tokens(_all_text(body)), count_tokens(said)
        stop = "tool_use" if uses else "end_turn"
        self._record(
            RecordedRequest(
                operation=operation, model_id=model_id.partition("+")[0], scenario="scripted", status=200,
                outcome="scripted", prompt=_user_text(body), system=system, tools=offered,
                tool_results=_tool_results(body), input_tokens=tokens_in, output_tokens=tokens_out,
            )
        )  # fmt: skip
        return answer.text, stop, tokens_in, tokens_out, "scripted", uses

    def handle(
        self, operation: Literal["converse", "converse-stream"], model_id: str, body: dict[str, Any], header: str | None
    ) -> tuple[str, str, int, int, str, list[dict[str, Any]]]:
        """Answer one request: (text, stop reason, input tokens, output tokens, outcome, tool uses); raises
        ApiError."""
        if (scripted := self._scripted(operation, model_id, body)) is not None:
            return scripted
        base, scenario, seen = self._pick(model_id, header)
        name, failing = scenario.name, seen < scenario.failures
        record = RecordedRequest(operation=operation, model_id=base, scenario=name, status=200, outcome="ok")
        try:
            user = _user_text(body)
        except ApiError as exc:
            self._record(record.model_copy(update={"status": exc.status, "outcome": "failed"}))
            raise
        record.prompt = user
        if name == "throttle_then_ok" and failing:
            self._record(record.model_copy(update={"status": 429, "outcome": "throttled"}))
            raise ApiError(429, "ThrottlingException", "Too many requests, please wait before trying again.")
        if name == "fail":
            self._record(record.model_copy(update={"status": scenario.status, "outcome": "failed"}))
            if scenario.status == 500:
                raise ApiError(500, "InternalServerException", "The server encountered an internal error.")
            raise ApiError(400, "ValidationException", f"The provided model identifier is invalid: {base}")
        timed_out = name == "timeout" or (name == "timeout_then_ok" and failing)
        short = 1 if name == "wrong_count_then_ok" and failing else 0
        text, items = answer_for(user, base, short_by=short)
        stop_reason = "end_turn"
        max_tokens = (body.get("inferenceConfig") or {}).get("maxTokens")
        if isinstance(max_tokens, int) and count_tokens(text) > max_tokens:
            text = " ".join(text.split()[:max_tokens])  # an over-long answer is cut, as a model's would be
            stop_reason = "max_tokens"
        input_tokens, output_tokens = count_tokens(_all_text(body)), count_tokens(text)
        outcome = "timeout" if timed_out else "wrong_count" if short else "ok"
        update = {"items": items, "input_tokens": input_tokens, "output_tokens": output_tokens, "outcome": outcome}
        self._record(record.model_copy(update=update))
        if timed_out and scenario.hold:
            self._released.wait()  # no clock: only release(), stop() or a new scenario end it
        elif timed_out:
            self._stopping.wait(scenario.delay)  # the client's read timeout fires first
        return text, stop_reason, input_tokens, output_tokens, outcome, []


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "BedrockStandIn/1.0"
    stand_in: BedrockStandIn

    def log_message(self, format: str, *args: Any) -> None:  # quiet in tests
        return

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("x-amzn-RequestId", f"{zlib.crc32(body):08x}-stand-in")
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (read timeout)
            self.close_connection = True

    def _json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json")

    def _error(self, exc: ApiError) -> None:
        body = json.dumps({"message": exc.message}).encode()
        self._send(exc.status, body, "application/json", {"x-amzn-ErrorType": f"{exc.code}:{ERROR_NAMESPACE}"})

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            parsed = json.loads(raw or b"{}")
        except json.JSONDecodeError as exc:
            raise ApiError(400, "ValidationException", f"The request body is not valid JSON: {exc}") from exc
        if not isinstance(parsed, dict):
            raise ApiError(400, "ValidationException", "The request body must be a JSON object.")
        return parsed

    def do_GET(self) -> None:
        if urlsplit(self.path).path == "/_requests":
            with self.stand_in._lock:
                records = [r.model_dump() for r in self.stand_in.requests]
            self._json(200, {"requests": records, "scenario": self.stand_in.scenario.model_dump()})
            return
        self._error(ApiError(404, "UnknownOperationException", f"No route for GET {self.path}"))

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        try:
            body = self._body()
            if path == "/_scenario":
                self.stand_in.set_scenario(Scenario.model_validate(body))
                self._json(200, self.stand_in.scenario.model_dump())
                return
            if path == "/_reset":
                self.stand_in.reset()
                self._json(200, {"reset": True})
                return
            route = ROUTE.match(path)
            if route is None:
                raise ApiError(404, "UnknownOperationException", f"No route for POST {path}")
            operation: Literal["converse", "converse-stream"] = (
                "converse" if route.group("op") == "converse" else "converse-stream"
            )
            started = time.perf_counter()
            text, stop, tokens_in, tokens_out, outcome, uses = self.stand_in.handle(
                operation, unquote(route.group("model")), body, self.headers.get(SCENARIO_HEADER)
            )
        except ApiError as exc:
            self._error(exc)
            return
        except ValueError as exc:  # a malformed scenario
            self._error(ApiError(400, "ValidationException", str(exc)))
            return
        if outcome == "timeout" and self.stand_in._stopping.is_set():
            self.close_connection = True
            return
        usage = {"inputTokens": tokens_in, "outputTokens": tokens_out, "totalTokens": tokens_in + tokens_out}
        latency = int((time.perf_counter() - started) * 1000)
        if operation == "converse":
            content: list[dict[str, Any]] = [{"text": text}] if text or not uses else []
            content += [{"toolUse": use} for use in uses]
            answer = {
                "output": {"message": {"role": "assistant", "content": content}},
                "stopReason": stop,
                "usage": usage,
                "metrics": {"latencyMs": latency},
            }
            self._json(200, answer)
        else:
            frames = b"".join(stream_events(text, usage, stop, latency, uses))
            self._send(200, frames, "application/vnd.amazon.eventstream")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a local Bedrock runtime (Converse) stand-in on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8790, help="0 picks a free port")
    parser.add_argument("--scenario", default="ok", help="ok, throttle_then_ok:N, timeout:S, fail:400 ...")
    args = parser.parse_args(argv)
    stand_in = BedrockStandIn(port=args.port, scenario=args.scenario).start()
    print(f"Bedrock stand-in on {stand_in.url} (scenario {stand_in.scenario.name}); Ctrl-C stops it", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        stand_in.stop()


if __name__ == "__main__":
    main()
