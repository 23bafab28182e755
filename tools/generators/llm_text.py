"""``llm_text``: free text written by a model (Bedrock) from a prompt that may quote sibling fields.

``{type: llm_text, prompt: "a delivery note for {city}", max_words: 25}`` asks the model for one text per
row, K rows per call. Whenever the model is not available (provider ``offline``, the default, or Bedrock
failing after its retries) the values come from a rule generator (``fallback``, default ``text``), with a
warning recorded once in the output's ``metadata.json`` (see ``tools.generators.notices``). The fallback
is always drawn first from the same random stream, so a run's other values and its fallback values are
the same for a seed whichever batches the model answered.
"""

from __future__ import annotations

import logging
import string
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, field_validator, model_validator

from tools.generators import notices
from tools.generators import registry as reg
from tools.generators.notices import reset_notices
from tools.generators.registry import GeneratorParams, Related, generator

log = logging.getLogger(__name__)

__all__ = ["LlmFallbackWarning", "llm_text", "notice_once", "reset_notices"]


class LlmFallbackWarning(UserWarning):
    """Values that were meant to come from a model came from a rule generator."""


def notice_once(message: str) -> None:
    """Say a fallback once per generation (in its metadata warnings), not once per chunk."""
    notices.notice_once(message, LlmFallbackWarning)


def template_fields(template: str) -> list[str]:
    """Field names a prompt template quotes, in order, once each: ``{city}`` -> ``city``."""
    names: list[str] = []
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"'{{{name}}}' in the prompt must be a plain field name such as {{city}}")
        if name not in names:
            names.append(name)
    return names


class LlmTextParams(GeneratorParams):
    prompt: str = Field(min_length=3, description="what to write per row; {field} quotes a field of the same row")
    max_words: int = Field(40, ge=1, le=400)
    fallback: str = Field("text", description="the rule generator used when no model answers")
    fallback_params: dict[str, Any] = Field(default_factory=dict, description="its parameters")
    batch_size: int | None = Field(None, ge=1, le=200, description="rows per prompt (default: model.batch_size)")

    @field_validator("prompt")
    @classmethod
    def _prompt(cls, value: str) -> str:
        template_fields(value)
        return value

    @model_validator(mode="after")
    def _fallback(self) -> LlmTextParams:
        self.fallback_spec()  # unknown generators and bad parameters are schema errors
        return self

    def fallback_spec(self) -> tuple[reg.GeneratorSpec[Any], Any]:
        if self.fallback == "llm_text":
            raise ValueError("fallback must be a rule generator, not llm_text itself")
        spec = reg.get(self.fallback)
        if spec is None:
            raise ValueError(f"fallback '{self.fallback}' is not a registered generator")
        raw = self.fallback_params
        if not raw and self.fallback == "text":
            raw = {"min_words": min(5, self.max_words), "max_words": self.max_words}
        return spec, spec.parse_params(raw)

    @property
    def context_fields(self) -> list[str]:
        """Fields this one depends on: those the prompt quotes and those its fallback reads."""
        spec, params = self.fallback_spec()
        names = template_fields(self.prompt)
        return names + [n for n in spec.referenced_fields(params) if n not in names]


def render_prompts(template: str, size: int, related: Related) -> list[str]:
    """The prompt of each row, with the quoted fields' values (empty when null)."""
    names = template_fields(template)
    missing = [n for n in names if n not in related]
    if missing:
        raise ValueError(f"the prompt quotes {', '.join(missing)}, which has no values here")
    columns = {n: ["" if v is None else str(v) for v in related[n].to_pylist()] for n in names}
    return [template.format(**{n: columns[n][i] for n in names}) for i in range(size)]


def _as_strings(values: Any, size: int) -> pa.Array:
    from tools.engine.fieldgen import to_arrow  # the engine imports the registry: import when called

    return to_arrow(values, pa.string(), size, "llm_text fallback")


@generator("llm_text", params=LlmTextParams, output=pa.string(), field_refs=("context_fields",))
def llm_text(rng: np.random.Generator, size: int, params: LlmTextParams, related: Related) -> Any:
    """Free text from a model (Bedrock) per row, from a prompt quoting sibling fields; rule fallback offline."""
    from tools.llm import current_client

    spec, fallback_params = params.fallback_spec()
    fallback = _as_strings(spec.func(rng, size, fallback_params, related), size)  # always: seeds stay aligned
    client, why = current_client()
    if client is None:
        notice_once(f"llm_text: {why}; values come from the '{params.fallback}' rule generator")
        return fallback
    prompts = render_prompts(params.prompt, size, related)
    result = client.generate_texts(prompts, max_words=params.max_words, batch_size=params.batch_size)
    if result.used_fallback:
        reason = result.errors[0] if result.errors else "no answer"
        notice_once(f"llm_text: Bedrock did not answer ({reason}); values come from '{params.fallback}'")
        log.info("llm_text: %d of %d values from the fallback", sum(result.fallback), size)
    written = pa.array(result.texts, type=pa.string())
    return pc.if_else(pc.is_null(written), fallback, written)
