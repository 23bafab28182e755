"""Every call an agent makes to a remote model is an ``external_call`` audit record: metadata only.

Recorded: the provider, the model id, the agent, latency, outcome (ok, or the exception's type) and the
stop reason. Never the prompt, the answer or a tool's arguments. The offline model calls nothing
external, so it is not audited.
"""

from __future__ import annotations

import time
from typing import Any

from strands.hooks import AfterModelCallEvent, BeforeModelCallEvent, HookProvider, HookRegistry

from tools.settings import Settings


class ModelCallAudit(HookProvider):
    def __init__(self, settings: Settings, agent: str) -> None:
        self.settings = settings
        self.agent = agent
        self._started: float | None = None

    def register_hooks(self, registry: HookRegistry, **kwargs: Any) -> None:
        registry.add_callback(BeforeModelCallEvent, self.before)
        registry.add_callback(AfterModelCallEvent, self.after)

    def before(self, event: BeforeModelCallEvent) -> None:
        self._started = time.perf_counter()

    def after(self, event: AfterModelCallEvent) -> None:
        from agents.state import audit
        from agents.state.db import session

        latency = (time.perf_counter() - self._started) * 1000 if self._started is not None else 0.0
        model = self.settings.model
        detail: dict[str, Any] = {
            "system": model.provider,
            "operation": "model_call",
            "target": model.model_id,
            "agent": self.agent,
            "latency_ms": round(latency, 1),
            "status": "ok" if event.exception is None else "error",
        }
        if event.exception is not None:
            detail["error_code"] = type(event.exception).__name__
        if event.stop_response is not None:
            detail["stop_reason"] = str(event.stop_response.stop_reason)
        if model.endpoint_url:
            detail["endpoint"] = model.endpoint_url.split("?")[0]
        with session(self.settings) as s:
            audit.record(s, "external_call", self.settings.user, detail)


def model_hooks(settings: Settings, agent: str) -> list[HookProvider]:
    """The audit hook for a remote model; none for the offline one."""
    return [] if settings.model.provider == "offline" else [ModelCallAudit(settings, agent)]
