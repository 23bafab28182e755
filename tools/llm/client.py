"""Free text from Bedrock's Converse API through boto3: batched prompts, tenacity retries, usage, audit hook.

Why this shape:
- K texts per prompt (answered as a JSON list) cut calls and tokens K-fold; an answer of the wrong size is
  re-asked, then reported so the caller can fall back to rule generators for that batch only.
- botocore's own retries are off (one attempt per call) so tenacity is the only retry loop: exponential
  backoff on throttling, time-outs and unavailability; anything else (a bad model id, denied access)
  fails at once with an error that says what to change.
- After a batch fails for a service reason the client stops calling (a breaker) and the rest falls back at
  once, so an outage costs one batch's retries, not one per chunk.
- Every attempt is reported to an :class:`~tools.llm.models.ExternalCallHook` with metadata only.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from tools.errors import DoppelError
from tools.llm.models import (
    CallStatus,
    ConverseResult,
    ExternalCall,
    ExternalCallHook,
    LlmUsage,
    TextsResult,
    no_hook,
)
from tools.settings import ModelSettings, RetrySettings

log = logging.getLogger(__name__)

SYSTEM = "bedrock"
TRANSIENT_CODES = frozenset(
    {
        "ThrottlingException",
        "TooManyRequestsException",
        "ServiceUnavailableException",
        "ServiceUnavailable",
        "ModelTimeoutException",
        "ModelNotReadyException",
        "InternalServerException",
    }
)
# Credentials sent to a loopback stand-in: real ones are never needed there, and never sent.
STAND_IN_CREDENTIALS = {"aws_access_key_id": "doppel-stand-in", "aws_secret_access_key": "doppel-stand-in"}
BATCH_SYSTEM = (
    "You write realistic, varied, fictional texts for software test data. Never include real people's "
    "personal data. Follow the requested answer format exactly."
)
TOKENS_PER_WORD = 2  # generous: JSON quoting and sub-word tokens
FENCE = re.compile(r"^```[a-zA-Z]*\s*|\s*```$")

REMEDIES = {
    "ThrottlingException": "lower model.batch_size, raise retry.attempts, or ask AWS for a higher quota",
    "timeout": "raise model.read_timeout or lower model.batch_size",
    "unavailable": "check model.endpoint_url and the network, or set model.provider = 'offline'",
    "ValidationException": "check model.model_id and model.region (the model must be enabled in that region)",
    "AccessDeniedException": "the credentials lack bedrock:InvokeModel on this model",
    "ResourceNotFoundException": "check model.model_id and model.region",
}


class LlmError(DoppelError):
    """A model call failed for good (after retries when the cause was transient)."""

    exit_code = 1

    def __init__(self, message: str, *, code: str | None = None, attempts: int = 0, transient: bool = False) -> None:
        super().__init__(message)
        self.code, self.attempts, self.transient = code, attempts, transient


class LlmAnswerError(LlmError):
    """The model answered, but not with a JSON list of the requested size."""


class _Retryable(Exception):
    """A transient failure of one attempt, for tenacity to retry."""

    def __init__(self, status: CallStatus, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.status, self.code, self.detail = status, code, detail


def is_loopback(url: str | None) -> bool:
    """True for http(s)://127.x, ::1 or localhost: a local stand-in, never AWS."""
    if not url:
        return False
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def batch_prompt(prompts: Sequence[str], max_words: int) -> str:
    """One prompt asking for ``len(prompts)`` texts as a JSON array, one numbered request per line."""
    n = len(prompts)
    lines = [f"{i}. {' '.join(p.split())}" for i, p in enumerate(prompts, 1)]
    return (
        f"Write {n} texts, one for each numbered request below, each at most {max_words} words.\n"
        f"Answer with only a JSON array of exactly {n} strings, in the same order, and nothing else.\n\n"
        + "\n".join(lines)
    )


def clip_words(text: str, max_words: int) -> str:
    """Whitespace collapsed and at most ``max_words`` words (a model may overrun its brief)."""
    words = text.split()
    if len(words) <= max_words:
        return " ".join(words)
    return " ".join(words[:max_words]).rstrip(",;:") + "…"


def parse_list(text: str, n: int) -> list[str]:
    """The JSON array of ``n`` strings in a model answer (code fences and chatter around it tolerated)."""
    body = FENCE.sub("", text.strip())
    start, end = body.find("["), body.rfind("]")
    if start < 0 or end < start:
        raise LlmAnswerError(f"the answer is not a JSON array (asked for {n} texts)", code="BadAnswer")
    try:
        data = json.loads(body[start : end + 1])
    except json.JSONDecodeError as exc:
        raise LlmAnswerError(f"the answer is not valid JSON: {exc.msg}", code="BadAnswer") from exc
    if not isinstance(data, list) or len(data) != n:
        got = len(data) if isinstance(data, list) else type(data).__name__
        raise LlmAnswerError(f"asked for {n} texts, the answer has {got}", code="WrongCount")
    if not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in data):
        raise LlmAnswerError("the answer holds values that are not strings", code="BadAnswer")
    return [str(v) for v in data]


def _classify(exc: BaseException) -> tuple[CallStatus, str, int | None, bool] | None:
    """(status, error code, HTTP status, transient) of a boto3 failure; None when it is not a call failure."""
    from botocore.exceptions import (
        ClientError,
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        ReadTimeoutError,
    )

    if isinstance(exc, ReadTimeoutError | ConnectTimeoutError):
        return "timeout", type(exc).__name__, None, True
    if isinstance(exc, EndpointConnectionError | ConnectionClosedError):
        return "unavailable", type(exc).__name__, None, True
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code") or "ClientError")
        http = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        transient = code in TRANSIENT_CODES
        status: CallStatus = "error"
        if code in ("ThrottlingException", "TooManyRequestsException"):
            status = "throttled"
        elif code == "ModelTimeoutException":
            status = "timeout"
        elif transient:
            status = "unavailable"
        return status, code, http, transient
    return None


class BedrockTextClient:
    """Texts from one Bedrock model: ``client.generate_texts(prompts, max_words=30)``.

    ``settings`` is the ``model`` section of the settings (endpoint, model id, region, timeouts, batch
    size); ``retry`` the backoff (``Settings.retry``). ``hook`` receives every attempt's metadata and
    ``usage`` accumulates tokens (pass a shared one to total several clients). ``boto_client`` replaces
    the boto3 client (tests); ``sleep`` the wait between retries. After a batch fails for a service
    reason the client answers ``None`` (fallback) without calling for ``breaker_cooldown`` seconds.
    """

    def __init__(
        self,
        settings: ModelSettings,
        retry: RetrySettings | None = None,
        *,
        hook: ExternalCallHook | None = None,
        usage: LlmUsage | None = None,
        boto_client: Any = None,
        sleep: Callable[[float], None] = time.sleep,
        breaker_cooldown: float = 60.0,
    ) -> None:
        self.settings = settings
        self.retry = retry or RetrySettings()
        self.hook: ExternalCallHook = hook or no_hook
        self.usage = usage if usage is not None else LlmUsage()
        self._sleep = sleep
        self._client = boto_client if boto_client is not None else self._make_client()
        self._broken: str | None = None
        self._broken_at = 0.0
        self._cooldown = breaker_cooldown
        self._lock = threading.Lock()
        self._local = threading.local()  # calls made by this thread, for TextsResult.calls
        endpoint = urlsplit(settings.endpoint_url) if settings.endpoint_url else None
        self._endpoint = f"{endpoint.scheme}://{endpoint.netloc}" if endpoint else None

    def _make_client(self) -> Any:
        import boto3
        from botocore.config import Config

        s = self.settings
        config = Config(
            region_name=s.region,
            connect_timeout=s.connect_timeout,
            read_timeout=s.read_timeout,
            retries={"total_max_attempts": 1, "mode": "standard"},  # tenacity retries, not botocore
            user_agent_extra="doppel",
        )
        credentials = STAND_IN_CREDENTIALS if is_loopback(s.endpoint_url) else {}
        return boto3.session.Session().client(
            "bedrock-runtime", region_name=s.region, endpoint_url=s.endpoint_url, config=config, **credentials
        )

    @property
    def model_id(self) -> str:
        return self.settings.model_id

    @property
    def broken(self) -> str | None:
        """Why the client stopped calling the model (a batch failed less than the cool-down ago), or None."""
        with self._lock:
            if self._broken is not None and time.monotonic() - self._broken_at >= self._cooldown:
                self._broken = None  # try again: a long-lived process must not fall back forever
            return self._broken

    def reset(self) -> None:
        """Close the breaker: the next batch calls the model again."""
        with self._lock:
            self._broken = None

    def close(self) -> None:
        close = getattr(self._client, "close", None)
        if callable(close):
            close()

    # ------------------------------------------------------------ one call

    def _attempt(self, request: dict[str, Any], attempt: int, items: int, prompt_chars: int) -> ConverseResult:
        """One HTTP call; reports it to the hook and usage; raises _Retryable or LlmError on failure."""
        meta: dict[str, Any] = {
            "target": self.model_id,
            "region": self.settings.region,
            "endpoint": self._endpoint,
            "attempt": attempt,
            "items": items,
            "prompt_chars": prompt_chars,
        }
        self._local.calls = getattr(self._local, "calls", 0) + 1
        started = time.perf_counter()
        try:
            response = self._client.converse(**request)
        except Exception as exc:
            latency = (time.perf_counter() - started) * 1000
            kind = _classify(exc)
            if kind is None:
                raise  # a programming error (bad parameters, a bug): keep its traceback
            status, code, http, transient = kind
            response = getattr(exc, "response", None)
            request_id = response.get("ResponseMetadata", {}).get("RequestId") if isinstance(response, dict) else None
            self.usage.add_call(self.model_id, 0, 0, ok=False)
            self.hook(
                ExternalCall(
                    **meta, status=status, latency_ms=latency, http_status=http, error_code=code, request_id=request_id
                )
            )
            if transient:
                raise _Retryable(status, code, str(exc)) from exc
            remedy = REMEDIES.get(code)
            raise LlmError(
                f"Bedrock converse on '{self.model_id}' failed: {code}: {exc}" + (f" ({remedy})" if remedy else ""),
                code=code,
                attempts=attempt,
            ) from exc
        latency = (time.perf_counter() - started) * 1000
        usage = response.get("usage") or {}
        tokens_in, tokens_out = int(usage.get("inputTokens", 0)), int(usage.get("outputTokens", 0))
        blocks = ((response.get("output") or {}).get("message") or {}).get("content") or []
        text = "".join(b.get("text", "") for b in blocks if isinstance(b, dict))
        stop = str(response.get("stopReason", ""))
        self.usage.add_call(self.model_id, tokens_in, tokens_out)
        self.hook(
            ExternalCall(
                **meta,
                status="ok",
                latency_ms=latency,
                http_status=response.get("ResponseMetadata", {}).get("HTTPStatusCode"),
                request_id=response.get("ResponseMetadata", {}).get("RequestId"),
                answer_chars=len(text),
                input_tokens=tokens_in,
                output_tokens=tokens_out,
                stop_reason=stop,
            )
        )
        return ConverseResult(
            text=text,
            stop_reason=stop,
            input_tokens=tokens_in,
            output_tokens=tokens_out,
            attempts=attempt,
            latency_ms=latency,
        )

    def converse(
        self, prompt: str, *, system: str | None = None, max_tokens: int | None = None, items: int = 0
    ) -> ConverseResult:
        """One prompt, retried with exponential backoff on transient failures; raises :class:`LlmError`."""
        request: dict[str, Any] = {
            "modelId": self.model_id,
            "messages": [{"role": "user", "content": [{"text": prompt}]}],
            "inferenceConfig": {
                "maxTokens": max_tokens or self.settings.max_tokens,
                "temperature": self.settings.temperature,
            },
        }
        if system:
            request["system"] = [{"text": system}]
        retrying = Retrying(
            stop=stop_after_attempt(self.retry.attempts),
            wait=wait_exponential(multiplier=self.retry.initial_delay, max=self.retry.max_delay),
            retry=retry_if_exception_type(_Retryable),
            sleep=self._sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )
        attempt = 0
        try:
            for state in retrying:
                with state:
                    attempt = state.retry_state.attempt_number
                    return self._attempt(request, attempt, items, len(prompt))
        except _Retryable as exc:
            remedy = REMEDIES.get(exc.code) or REMEDIES.get(exc.status, "")
            raise LlmError(
                f"Bedrock converse on '{self.model_id}' failed after {attempt} attempt(s): {exc.code} "
                f"({exc.status}); {remedy}",
                code=exc.code,
                attempts=attempt,
                transient=True,
            ) from exc
        raise AssertionError("unreachable: tenacity returns or raises")  # pragma: no cover

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.info("bedrock converse attempt %d failed (%s); retrying in %.2fs", state.attempt_number, exc, wait)

    # ------------------------------------------------------------ batches

    def effective_batch_size(self, max_words: int, batch_size: int | None = None) -> int:
        """Texts per prompt, lowered when the answer could not fit in ``max_tokens``."""
        wanted = batch_size or self.settings.batch_size
        fits = self.settings.max_tokens // (max_words * TOKENS_PER_WORD + 8)
        return max(1, min(wanted, fits))

    def complete_batch(self, prompts: Sequence[str], *, max_words: int) -> list[str]:
        """``len(prompts)`` texts from one prompt; an answer of the wrong shape is re-asked, then raised."""
        if not prompts:
            return []
        text = batch_prompt(prompts, max_words)
        tries = self.settings.answer_retries + 1
        for ask in range(1, tries + 1):
            result = self.converse(text, system=BATCH_SYSTEM, items=len(prompts))
            try:
                values = parse_list(result.text, len(prompts))
            except LlmAnswerError as exc:
                if ask == tries:
                    raise LlmAnswerError(f"{exc} after {tries} ask(s)", code=exc.code, attempts=ask) from exc
                log.info("bedrock answer unusable (%s); asking again", exc.code)
                continue
            return [clip_words(v, max_words) for v in values]
        raise AssertionError("unreachable")  # pragma: no cover

    def generate_texts(self, prompts: Sequence[str], *, max_words: int, batch_size: int | None = None) -> TextsResult:
        """Texts for every prompt in batches; failed batches are ``None`` (fallback), with the reason."""
        k = self.effective_batch_size(max_words, batch_size)
        texts: list[str | None] = [None] * len(prompts)
        result = TextsResult(texts=[])
        before = getattr(self._local, "calls", 0)
        for start in range(0, len(prompts), k):
            chunk = prompts[start : start + k]
            result.batches += 1
            broken = self.broken
            if broken is not None:
                result.failed_batches += 1
                if not result.errors:
                    result.errors.append(f"not called: {broken}")
                continue
            try:
                texts[start : start + len(chunk)] = self.complete_batch(chunk, max_words=max_words)
            except LlmError as exc:
                result.failed_batches += 1
                result.errors.append(str(exc))
                if not isinstance(exc, LlmAnswerError):  # the service failed: stop calling it
                    with self._lock:
                        self._broken, self._broken_at = str(exc), time.monotonic()
        result.calls = getattr(self._local, "calls", 0) - before
        result.texts = texts  # assigned last: pydantic copies lists on validation
        filled = sum(t is not None for t in texts)
        self.usage.add_values(llm=filled, fallback=len(texts) - filled)
        return result
