"""Which LLM client the ``llm_text`` generator uses: one set by the caller, else one built from settings.

A plain module global (not a context variable) on purpose: the engine makes blocks on a thread pool,
and threads started by ``ThreadPoolExecutor`` do not inherit context variables.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tools.llm.client import BedrockTextClient
from tools.settings import load_settings

_lock = threading.Lock()
_UNSET = object()
_override: object = _UNSET
_cache: dict[str, BedrockTextClient] = {}


def set_llm_client(client: BedrockTextClient | None) -> None:
    """Use ``client`` for model-written text from now on (``None``: always the rule fallback)."""
    global _override
    with _lock:
        _override = client


def clear_llm_client() -> None:
    """Go back to a client built from the settings (``model.provider``)."""
    global _override
    with _lock:
        _override = _UNSET


@contextmanager
def use_llm_client(client: BedrockTextClient | None) -> Iterator[BedrockTextClient | None]:
    """``with use_llm_client(client):`` generation inside uses ``client`` (with its hook and usage)."""
    global _override
    with _lock:
        previous, _override = _override, client
    try:
        yield client
    finally:
        with _lock:
            _override = previous


def current_client() -> tuple[BedrockTextClient | None, str]:
    """The client to use and, when there is none, why (for the one-time fallback notice)."""
    with _lock:
        override = _override
    if override is not _UNSET:
        return (override, "") if isinstance(override, BedrockTextClient) else (None, "no model client is set")
    settings = load_settings()
    if settings.model.provider != "bedrock":
        return None, f"the model provider is '{settings.model.provider}'"
    key = settings.model.model_dump_json() + settings.retry.model_dump_json()
    with _lock:
        client = _cache.get(key)
        if client is None:
            client = _cache[key] = BedrockTextClient(settings.model, settings.retry)
    return client, ""
