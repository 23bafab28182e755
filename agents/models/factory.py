"""The model behind every agent, chosen by configuration only (``[model] provider`` in doppel.toml).

``offline`` (the default) is Doppel's deterministic rules model; ``bedrock`` is Strands' Bedrock
provider (model id, region, temperature, max tokens and an optional endpoint URL, e.g. the local
stand-in in mocks/); other Strands providers are taken by name, with the model id and parameters from
the same settings. A provider whose optional package is missing is a clear configuration error.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from strands.models import Model

from agents.models.offline import OfflineModel
from tools.errors import DoppelError
from tools.settings import ModelSettings, Settings
from tools.workspace import workspace_of

# provider name -> (module, class, how the model parameters are passed)
PROVIDERS: dict[str, tuple[str, str, str]] = {
    "anthropic": ("strands.models.anthropic", "AnthropicModel", "max_tokens+params"),
    "openai": ("strands.models.openai", "OpenAIModel", "params"),
    "litellm": ("strands.models.litellm", "LiteLLMModel", "params"),
    "ollama": ("strands.models.ollama", "OllamaModel", "flat"),
    "mistral": ("strands.models.mistral", "MistralModel", "flat"),
    "gemini": ("strands.models.gemini", "GeminiModel", "params"),
    "llamaapi": ("strands.models.llamaapi", "LlamaAPIModel", "params"),
    "writer": ("strands.models.writer", "WriterModel", "flat"),
}


def is_offline(settings: Settings) -> bool:
    return settings.model.provider == "offline"


def describe(settings: Settings) -> str:
    """One line for banners: which model answers, said plainly."""
    m = settings.model
    if m.provider == "offline":
        return "Model: offline (deterministic rules, no network; set [model] provider in doppel.toml for an LLM)"
    where = f" via {m.endpoint_url}" if m.endpoint_url else ""
    return f"Model: {m.provider} {m.model_id}{where}"


def build_model(settings: Settings, *, agent: str = "assistant") -> Model:
    """A fresh model instance for one agent (models keep per-agent config, so agents never share one)."""
    m = settings.model
    if m.provider == "offline":
        return OfflineModel(workdir=chat_folder(settings), agent=agent, root=workspace_of(settings).root)
    if m.provider == "bedrock":
        return _bedrock(m)
    if m.provider not in PROVIDERS:
        known = ", ".join(["offline", "bedrock", *PROVIDERS])
        raise DoppelError(f"model.provider: unknown provider '{m.provider}' (known: {known})")
    module_name, class_name, style = PROVIDERS[m.provider]
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except ImportError as exc:
        raise DoppelError(
            f"model.provider '{m.provider}' needs an optional package ({exc.name}): "
            f"pip install 'strands-agents[{m.provider}]'"
        ) from None
    return cls(**_provider_arguments(m, style))


def chat_folder(settings: Settings) -> Path:
    """Where the chat's own outputs go: ``<home>/chat`` when home is inside the workspace (as by default),
    else ``.doppel/chat`` in the workspace, so tools confined to it may write there."""
    root = workspace_of(settings).root
    home = (Path.cwd() / settings.home).resolve() / "chat"
    return home if home.is_relative_to(root) else root / ".doppel" / "chat"


def _bedrock(m: ModelSettings) -> Model:
    import boto3
    import botocore.config
    from strands.models.bedrock import BedrockModel

    from tools.llm.client import STAND_IN_CREDENTIALS, is_loopback

    # Strands' own ModelRetryStrategy retries throttling; botocore's retries are off so they do not stack.
    client_config = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=60)
    # a local stand-in never sees real credentials (and none need to exist)
    session = boto3.Session(region_name=m.region, **STAND_IN_CREDENTIALS) if is_loopback(m.endpoint_url) else None
    return BedrockModel(
        boto_session=session,
        model_id=m.model_id,
        region_name=None if session else m.region,
        endpoint_url=m.endpoint_url,
        temperature=m.temperature,
        max_tokens=m.max_tokens,
        streaming=m.streaming,
        boto_client_config=client_config,
    )


def _provider_arguments(m: ModelSettings, style: str) -> dict[str, Any]:
    if style == "flat":
        flat: dict[str, Any] = {"model_id": m.model_id, "temperature": m.temperature, "max_tokens": m.max_tokens}
        if m.provider == "ollama":
            flat["host"] = m.endpoint_url  # Ollama's server address is a required argument
        return flat
    params = {"temperature": m.temperature, "max_tokens": m.max_tokens}
    if style == "max_tokens+params":
        return {"model_id": m.model_id, "max_tokens": m.max_tokens, "params": {"temperature": m.temperature}}
    return {"model_id": m.model_id, "params": params}
