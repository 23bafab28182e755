"""Property tests for the regex generator: every value fullmatches its pattern, and the rest of the contract."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tools.engine.fieldgen import generate_field
from tools.generators.regex import generate_matching
from tools.generators.registry import Related, get
from tools.schema.model import SchemaSpec
from tools.schema.validate import validate_schema

seeds = st.integers(min_value=0, max_value=2**63 - 1)

PATTERNS = [
    r"[A-Z]{3}-[0-9]{4}",  # SKU
    r"[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}",  # UK postcode
    r"\d{5}(-\d{4})?",  # US ZIP+4
    r"[0-9]{2}-[0-9]{2}-[0-9]{2}",  # sort code
    r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}",  # email
    r"[\w.-]+@(example|test)\.(com|org)",
    r"#[0-9a-fA-F]{6}",  # hex colour
    r"0x[0-9A-F]{8}",
    r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",  # uuid v4
    r"(19|20)\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])",  # ISO date
    r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?",  # time of day
    r"(red|green|blue)",
    r"(?:Mr|Mrs|Ms|Dr)\. [A-Z][a-z]+",
    r"((a|b)(c|d)){2,3}",  # nested groups in a repeat
    r"(?P<word>[a-z]{3})-(?P=word)",  # named backreference
    r"(\d)(\d)\2\1",  # palindrome through backreferences
    r"(ab|cd)+\1",  # backreference to a group's last iteration
    r"(?:(\d)-\1,)+",  # backreference inside the repeated body
    r"^ORD-\d{6}$",
    r"\bID\d+\b",
    r"[^,;\s]{1,10}",  # negated class with a category
    r"[\d\s-]{5,}",
    r"\w+\.\w+",
    r"\D{3}\W\S",
    r"a.b.c",
    r"(?i)[a-z]{4}[^x]",  # ignorecase: the negated class must exclude X too
    r"(?i:[^a-wy\d]{6})Q",  # ... and every other letter's other case
    r"colou?r",
    r"[+]?\d{1,3}( \d{3}){2,4}",
    r"https?://(www\.)?[a-z]{3,10}\.(com|net|io)/[a-z0-9/_-]*",
    r"v\d+\.\d+\.\d+(-(alpha|beta|rc)\.\d+)?",  # semver
    r"[A-Z]{2}\d{2}[A-Z0-9]{4}\d{7}([A-Z0-9]?){0,16}",  # IBAN-like
    r"x*?y+?z{2,}?",  # lazy quantifiers
    r"[ÀÉÎõü]{2}[α-ω]+",  # non-ASCII classes
    r"(?x) [A-Z]{2} \s? \d{3}  # verbose",
    r"[\]\\\-^]{3}",  # escapes inside a class
    r"a{0}b[^a]",
    "",
]


def gen(pattern: str, seed: int, size: int) -> pa.Array:
    return generate_field("f", {"type": "regex", "pattern": pattern}, np.random.default_rng(seed), size, Related())


@settings(max_examples=300, deadline=None)
@given(pattern=st.sampled_from(PATTERNS), seed=seeds, size=st.integers(0, 400))
def test_every_value_fullmatches(pattern: str, seed: int, size: int) -> None:
    values = gen(pattern, seed, size)
    assert values.type == pa.string() and len(values) == size and values.null_count == 0
    compiled = re.compile(pattern)
    bad = [v for v in values.to_pylist() if compiled.fullmatch(v) is None]
    assert not bad, f"{pattern!r} produced non-matching values {bad[:5]}"


@settings(max_examples=40, deadline=None)
@given(pattern=st.sampled_from(PATTERNS), seed=seeds, size=st.integers(1, 200))
def test_edge_case_helper_matches_and_is_deterministic(pattern: str, seed: int, size: int) -> None:
    first = generate_matching(pattern, np.random.default_rng(seed), size)
    again = generate_matching(pattern, np.random.default_rng(seed), size)
    assert first.equals(again)
    assert all(re.fullmatch(pattern, v) for v in first.to_pylist())


def test_variable_repeats_use_every_length() -> None:
    lengths = Counter(len(v) for v in gen(r"[a-z]{2,6}", 1, 20_000).to_pylist())
    assert set(lengths) == {2, 3, 4, 5, 6}
    assert min(lengths.values()) > 3_000  # about 4,000 each


def test_unbounded_repeats_are_capped_at_min_plus_eight() -> None:
    plus = {len(v) for v in gen(r"a+", 2, 20_000).to_pylist()}
    star = {len(v) for v in gen(r"(ab)*", 3, 20_000).to_pylist()}
    assert plus == set(range(1, 10))
    assert star == {2 * k for k in range(9)}


def test_alternation_is_uniform_per_row() -> None:
    words = Counter(v.split("-")[0] for v in gen(r"(north|south|east|west)-\d", 4, 40_000).to_pylist())
    assert set(words) == {"north", "south", "east", "west"}
    assert all(abs(n / 40_000 - 0.25) < 0.015 for n in words.values())


def test_classes_cover_their_characters() -> None:
    chars = set("".join(gen(r"[\w.-]{20}", 5, 5_000).to_pylist()))
    assert chars == set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
    dots = set("".join(gen(r".{20}", 6, 5_000).to_pylist()))
    assert dots == {chr(c) for c in range(32, 127)}


def test_backreference_copies_the_group_per_row() -> None:
    for value in gen(r"(?P<k>[a-f0-9]{4})-\d{2}-(?P=k)", 7, 2_000).to_pylist():
        head, _, tail = value.split("-")
        assert head == tail
    distinct = set(gen(r"([a-z]{3})\1", 8, 2_000).to_pylist())
    assert len(distinct) > 1_500  # a fresh group value per row, not one shared value


@pytest.mark.parametrize(
    ("pattern", "construct"),
    [
        (r"a(?=b)b", "lookahead"),
        (r"a(?!c)b", "negative lookahead"),
        (r"(?<=a)b", "lookbehind"),
        (r"(?<!a)b", "negative lookbehind"),
        (r"(a)?(?(1)b|c)", "conditional group"),
        (r"(?>ab)", "atomic group"),
        (r"a++", "possessive quantifier"),
        (r"a\Bb", r"\\B"),
        (r"(a)?\1", "backreference"),
        (r"(a|(b))\2", "backreference"),
        (r"[^\x20-\x7e]", "no printable"),
        (r"[a-", "invalid regular expression"),
    ],
)
def test_unsupported_constructs_are_named(pattern: str, construct: str) -> None:
    with pytest.raises(ValueError, match=construct):
        generate_matching(pattern, np.random.default_rng(0), 3)
    with pytest.raises(ValidationError, match=construct):
        get("regex").parse_params({"pattern": pattern})  # type: ignore[union-attr]


def test_schema_validation_reports_unsupported_pattern() -> None:
    spec = SchemaSpec.model_validate(
        {"name": "s", "tables": {"t": {"fields": {"code": {"type": "regex", "pattern": "x(?=y)y"}}}}}
    )
    issues = validate_schema(spec)
    assert any(i.path.startswith("tables.t.fields.code") and "lookahead" in i.message for i in issues), issues


def test_pattern_is_required() -> None:
    with pytest.raises(ValidationError, match="pattern"):
        get("regex").parse_params({})  # type: ignore[union-attr]


def test_output_does_not_depend_on_string_hashing() -> None:
    # Class alphabets come from sets; their order must not follow PYTHONHASHSEED.
    code = (
        "import numpy as np; from tools.generators.regex import generate_matching; "
        "print(generate_matching(r'[^aeiou\\d]{12}|[xyz.,;]{5}', np.random.default_rng(3), 50).to_pylist())"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": str(hash_seed)},
        ).stdout
        for hash_seed in (1, 2, 3)
    }
    assert len(outputs) == 1


# ---------------------------------------------------------------- the pattern's value space

ALPHABET = "abc"


@st.composite
def small_patterns(draw: st.DrawFn, depth: int = 2) -> tuple[str, int]:
    """A pattern over a, b, c (literals, classes, groups, alternation, bounded repeats) and its longest match."""
    parts: list[tuple[str, int]] = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["lit", "class", "group"] if depth > 0 else ["lit", "class"]))
        if kind == "lit":
            atom, longest = draw(st.sampled_from(ALPHABET)), 1
        elif kind == "class":
            atom, longest = draw(st.sampled_from(["[ab]", "[a-c]", "[c]", "[^ab\\W\\d_d-z]", "."])), 1
        else:
            branches = [draw(small_patterns(depth - 1)) for _ in range(draw(st.integers(1, 3)))]
            capture = draw(st.booleans())
            atom = ("(" if capture else "(?:") + "|".join(b for b, _ in branches) + ")"
            longest = max(n for _, n in branches)
        low = draw(st.integers(0, 2))
        high = draw(st.integers(low, 2))
        quantifier = draw(st.sampled_from(["", "?", f"{{{low},{high}}}"]))
        times = {"": 1, "?": 1}.get(quantifier, high)
        parts.append((atom + quantifier, longest * times))
    return "".join(p for p, _ in parts), sum(n for _, n in parts)


def brute_force_space(pattern: str, longest: int, alphabet: str) -> int:
    import itertools

    compiled = re.compile(pattern)
    return sum(
        1
        for length in range(longest + 1)
        for chars in itertools.product(alphabet, repeat=length)
        if compiled.fullmatch("".join(chars))
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(small_patterns())
def test_the_counted_space_is_exactly_the_strings_the_pattern_matches(case: tuple[str, int]) -> None:
    from tools.generators.regex import pattern_space

    pattern, longest = case
    printable = "." in pattern or "^" in pattern  # classes drawing from printable ASCII: count over that
    assume(longest <= (2 if printable else 7))  # keeps the brute force to a few thousand strings
    alphabet = "".join(chr(c) for c in range(32, 127)) if printable else ALPHABET
    space = pattern_space(pattern)
    assert space.count == brute_force_space(pattern, longest, alphabet), pattern
    assert space.exact


def test_space_of_known_patterns_and_the_cap() -> None:
    from tools.generators.regex import SPACE_CAP, pattern_space

    assert pattern_space(r"[A-Z]{3}-[0-9]{4}").count == 26**3 * 10**4
    assert pattern_space(r"(red|green|blue)").count == 3
    assert pattern_space(r"(a|a)b?").count == 2  # overlapping branches are counted once
    assert pattern_space(r"(\d)\1").count == 10  # a backreference adds no choice
    assert pattern_space(r"[a-z]{40}").count == SPACE_CAP + 1  # counting stops past the cap
    assert not pattern_space(r"[a-z]{40}").exact


@pytest.mark.parametrize(
    ("pattern", "rows"), [(r"[0-9]{3}", 1000), (r"(x|y)[a-d]{4}", 512), (r"(\d)\1-[ab]", 20), (r"[a-c]{2}", 5)]
)
def test_a_unique_regex_fills_its_whole_space_without_repeats(tmp_path: object, pattern: str, rows: int) -> None:
    from tools.engine.runner import GenerateOptions, generate
    from tools.export.base import ExportOptions

    code = {"type": "regex", "pattern": pattern, "unique": True}
    doc = {"name": "r", "tables": {"t": {"rows": rows, "fields": {"code": code}}}}
    spec = SchemaSpec.model_validate(doc)
    assert validate_schema(spec) == []
    out = tmp_path / "o"  # type: ignore[operator]
    generate(spec, "h", GenerateOptions(out=out, seed=4, export=ExportOptions(format="csv")))
    values = (out / "t.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert len(values) == rows and len(set(values)) == rows
    assert all(re.fullmatch(pattern, v) for v in values)
