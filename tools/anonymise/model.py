"""What the anonymisation tool takes and gives back: one rule per column, a request, a result.

The result is written to ``anonymisation.json`` beside the output, so it holds counts, names and rule
settings only: never a production value, never the pseudonymisation key (only its fingerprint), and
never the perturbation seed (anyone holding it could regenerate the noise and subtract it).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tools.export.base import NEUTRALISE_FORMULAS

OutputFormat = Literal["csv", "json", "jsonl", "parquet", "avro", "sql"]
RuleSource = Literal["rules", "sensitivity", "classified", "default"]
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def describe(self) -> str:
        """A few words for summaries ("partial, keep last 4")."""
        return ""


class MaskRule(_Rule):
    """Replace characters with ``char``; the length is kept so downstream field widths still fit.

    ``full``: every character, or with ``length`` every value becomes that many ``char`` (a kept
    length can give away a category: ``****`` vs ``******`` is Male vs Female). ``keep_last``: all but
    the last ``keep`` characters. ``partial``: only letters and digits, keeping the first
    ``keep_first`` and last ``keep`` of them and every separator, so ``GB75 LOYD 3038`` reads
    ``**** **** **38``. A value no longer than what would be kept is masked whole (keeping all of it
    would hide nothing)."""

    strategy: Literal["mask"] = "mask"
    mode: Literal["full", "partial", "keep_last"] = "partial"
    keep: int = Field(4, ge=0, le=64)
    keep_first: int = Field(0, ge=0, le=64)
    char: str = Field("*", min_length=1, max_length=1)
    length: int | None = Field(None, ge=1, le=256, description="full: fixed output length (None: each value's)")

    def describe(self) -> str:
        if self.mode == "full":
            return "full" + (f", fixed {self.length} chars" if self.length else "")
        first = f"first {self.keep_first} and " if self.mode == "partial" and self.keep_first else ""
        unit = "letters/digits" if self.mode == "partial" else "chars"
        return f"{self.mode.replace('_', ' ')}, keep {first}last {self.keep} {unit}"


class PseudonymiseRule(_Rule):
    """A keyed HMAC-SHA256 pseudonym: the same value gives the same pseudonym in every table and run
    with the same key, so joins survive.

    ``hash`` (default): ``prefix`` + ``length`` base32 characters, a shape no real id has.
    ``digits``: format preserving: the digits go through a keyed permutation of all numbers with that
    many digits (a bijection, so distinct ids stay distinct) while letters and separators stay, e.g.
    ``ACC-101132`` -> ``ACC-583017``. Only for ids whose non-digit part is not personal, and since the
    pseudonyms live in the same space as real ids, one can by chance equal another person's real id:
    never look such an output id up in a production system."""

    strategy: Literal["pseudonymise"] = "pseudonymise"
    format: Literal["hash", "digits"] = "hash"
    prefix: str = Field("", max_length=32)
    length: int = Field(16, ge=8, le=52)
    normalise: Literal["exact", "trim", "trim_casefold"] = Field(
        "trim", description="how values are compared: padded or differently cased spellings can be one identity"
    )

    def describe(self) -> str:
        if self.format == "digits":
            return "format-preserving digits"
        return f"{self.format}, {self.length} chars" + (f" after '{self.prefix}'" if self.prefix else "")


class GeneraliseRule(_Rule):
    """Coarser values: dates to the first of their ``month``/``year``/``decade`` in the column's own
    format; numbers to ``band``s of ``width`` (``decade`` = bands of 10, e.g. ages ``30-39``);
    postcodes to their ``district`` (UK outward code ``SW1A``, US ZIP first 3 digits); ``common``:
    values seen fewer than ``min_count`` times become ``other``. Values that do not parse are blanked
    (``on_unparsed: blank``) since they could not be coarsened."""

    strategy: Literal["generalise"] = "generalise"
    to: Literal["month", "year", "decade", "band", "district", "common"]
    width: float = Field(10, gt=0)
    top: float | None = Field(None, description="band: values at or above this become 'top+'")
    min_count: int = Field(5, ge=2)
    other: str = Field("Other", max_length=64)
    on_unparsed: Literal["blank", "keep"] = "blank"

    def describe(self) -> str:
        if self.to == "band":
            return f"bands of {_number(self.width)}" + (f", {_number(self.top)}+" if self.top is not None else "")
        if self.to == "common":
            return f"values seen < {self.min_count} times -> '{self.other}'"
        return f"to {self.to}"


class PerturbRule(_Rule):
    """Seeded noise with a hard bound: ``|output - input| <= bound`` for every value, exactly (the sum
    is done in integer units of the value's own decimals). ``scale`` and ``bound`` are absolute
    (``250``) or relative to each value (``"5%"``); ``bound`` defaults to 3x the scale for gaussian
    noise and the scale for uniform noise. Integers stay integers, written decimals keep their count,
    and a column with no negative values gets none."""

    strategy: Literal["perturb"] = "perturb"
    noise: Literal["gaussian", "uniform"] = "gaussian"
    scale: float | str = "5%"
    bound: float | str | None = None
    on_unparsed: Literal["blank", "keep"] = "blank"

    @field_validator("scale", "bound")
    @classmethod
    def _amount(cls, value: float | str | None) -> float | str | None:
        if value is None:
            return value
        if isinstance(value, str):
            found = _PERCENT.match(value)
            if found is None:
                raise ValueError("must be a number or a percentage such as '5%'")
            if float(found.group(1)) <= 0:
                raise ValueError("must be greater than 0")
            return value.strip()
        if not value > 0 or value == float("inf"):
            raise ValueError("must be a finite number greater than 0")
        return value

    def amounts(self) -> tuple[tuple[float, bool], tuple[float, bool]]:
        """((scale, relative), (bound, relative)), percentages as fractions."""
        scale = _split(self.scale)
        if self.bound is not None:
            return scale, _split(self.bound)
        factor = 3.0 if self.noise == "gaussian" else 1.0
        return scale, (scale[0] * factor, scale[1])

    def describe(self) -> str:
        (_, _), (bound, relative) = self.amounts()
        shown = f"{_number(bound * 100)}%" if relative else _number(bound)
        return f"{self.noise} {self.scale}, |noise| <= {shown}"


class KeepRule(_Rule):
    strategy: Literal["keep"] = "keep"


class DropRule(_Rule):
    """Leave the column out of the output."""

    strategy: Literal["drop"] = "drop"


Rule = Annotated[
    MaskRule | PseudonymiseRule | GeneraliseRule | PerturbRule | KeepRule | DropRule, Field(discriminator="strategy")
]
RuleStrategy = Literal["mask", "pseudonymise", "generalise", "perturb", "keep", "drop"]


def _split(amount: float | str) -> tuple[float, bool]:
    if isinstance(amount, str):
        found = _PERCENT.match(amount)
        assert found is not None  # validated
        return float(found.group(1)) / 100.0, True
    return float(amount), False


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


class AnonymiseRequest(BaseModel):
    """Everything one run needs. The key itself is never part of a request (requests get logged):
    it is read from ``key_file`` or the ``key_env`` variable, or drawn at random with ``random_key``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    data: list[Path] = Field(min_length=1, description="sample files or folders; several files = related tables")
    out: Path
    rules: dict[str, Rule] = Field(default_factory=dict, description="'table.column' or 'column' -> rule")
    rules_file: Path | None = Field(None, description="YAML of the same mapping; errors name its lines")
    sensitivity: Path | None = Field(None, description="sensitivity.json from `doppel classify`")
    classify: bool = Field(True, description="classify in-process when no sensitivity report is given")
    key_file: Path | None = None
    key_env: str = "DOPPEL_PSEUDONYM_KEY"
    random_key: bool = False
    quasi_identifiers: list[str] | None = Field(
        None, description="'column' or 'table.column'; None: the classified quasi-identifiers"
    )
    sensitive_attribute: str | None = None
    k: int = Field(5, ge=2, le=1_000_000)
    l_target: int = Field(2, ge=1, le=1_000_000, alias="l")
    seed: int | str | None = None
    format: OutputFormat = "csv"
    max_rows: int | None = Field(None, ge=1)
    neutralise_formulas: bool = Field(True, description=NEUTRALISE_FORMULAS)


class ColumnReport(BaseModel):
    """What was done to one column, in counts."""

    table: str
    column: str
    strategy: RuleStrategy
    detail: str
    source: RuleSource
    entity: str | None = None
    rule: dict[str, object] = Field(default_factory=dict)
    rows: int
    missing: int = Field(description="empty cells before (they stay empty)")
    changed: int = Field(description="cells whose text differs in the output")
    blanked: int = Field(0, description="cells that could not be parsed for the rule and were emptied")
    distinct_before: int
    distinct_after: int | None = None
    note: str | None = None


class PrivacyMeasure(BaseModel):
    """k-anonymity (and l-diversity) of one table on its quasi-identifiers."""

    rows: int
    classes: int = Field(description="equivalence classes: distinct combinations of the quasi-identifiers")
    min_k: int = Field(description="rows in the smallest class (0 for an empty table)")
    target_k: int
    rows_below_k: int
    share_below_k: float
    min_l: int | None = Field(None, description="fewest distinct sensitive values in a class")
    target_l: int | None = None
    rows_below_l: int | None = None
    share_below_l: float | None = None


class TablePrivacy(BaseModel):
    table: str
    quasi_identifiers: list[str]
    sensitive_attribute: str | None = None
    before: PrivacyMeasure
    after: PrivacyMeasure
    note: str | None = None


class KeyInfo(BaseModel):
    source: Literal["file", "env", "random"]
    fingerprint: str = Field(description="first 8 hex of a domain-separated SHA-256 of the key; not the key")
    repeatable: bool


class TableOutput(BaseModel):
    table: str
    rows: int
    columns: int
    dropped: list[str] = Field(default_factory=list)
    file: Path


class AnonymiseResult(BaseModel):
    version: int = 1
    format: OutputFormat
    out: Path
    tables: list[TableOutput]
    columns: list[ColumnReport]
    privacy: list[TablePrivacy] = Field(default_factory=list)
    key: KeyInfo | None = None
    noise_seed: Literal["given", "random", "unused"] = Field(
        "unused", description="the seed itself is never written: it would let readers undo the noise"
    )
    warnings: list[str] = Field(default_factory=list)
    metadata_path: Path
    seconds: float = 0.0
