"""Model-written free text (Bedrock Converse through boto3) with retries, usage, audit metadata and fallback."""

from tools.llm.active import clear_llm_client, current_client, set_llm_client, use_llm_client
from tools.llm.client import BedrockTextClient, LlmAnswerError, LlmError, batch_prompt, is_loopback, parse_list
from tools.llm.models import (
    ConverseResult,
    ExternalCall,
    ExternalCallHook,
    LlmUsage,
    ModelUsage,
    TextsResult,
    no_hook,
)

__all__ = [
    "BedrockTextClient",
    "ConverseResult",
    "ExternalCall",
    "ExternalCallHook",
    "LlmAnswerError",
    "LlmError",
    "LlmUsage",
    "ModelUsage",
    "TextsResult",
    "batch_prompt",
    "clear_llm_client",
    "current_client",
    "is_loopback",
    "no_hook",
    "parse_list",
    "set_llm_client",
    "use_llm_client",
]
