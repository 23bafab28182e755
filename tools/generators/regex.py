"""Strings that match a regular expression, generated a whole column per pattern node.

The pattern is parsed once by Python's own ``re`` parser (so the syntax is exactly ``re``'s) and
compiled into a small tree of nodes, cached per pattern. Each node then produces the column for every
row at once: character runs as one numpy byte matrix, alternatives by routing each row to one branch,
variable repeats by generating the longest run and blanking the iterations past each row's count.
Constructs whose matches depend on context rather than on the characters produced (lookarounds,
conditionals, atomic groups) are rejected with a ValueError naming them, not generated wrongly.
"""

from __future__ import annotations

import importlib
import itertools
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import field_validator

from tools.generators.registry import GeneratorParams, Related, ValueSpace, generator
from tools.generators.vector import dealt

_parser: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")

PRINTABLE = "".join(chr(code) for code in range(32, 127))  # `.` and negated classes draw from these
DIGITS = string.digits
WORD = string.ascii_letters + string.digits + "_"
SPACE = " "  # \s: a plain space keeps generated data free of tabs and line breaks
UNBOUNDED_EXTRA = 8  # `*`, `+` and `{m,}` repeat at most m + 8 times

CATEGORIES = {
    _c.CATEGORY_DIGIT: DIGITS,
    _c.CATEGORY_NOT_DIGIT: "".join(ch for ch in PRINTABLE if ch not in DIGITS),
    _c.CATEGORY_WORD: WORD,
    _c.CATEGORY_NOT_WORD: "".join(ch for ch in PRINTABLE if ch not in WORD),
    _c.CATEGORY_SPACE: SPACE,
    _c.CATEGORY_NOT_SPACE: "".join(ch for ch in PRINTABLE if not ch.isspace()),
}
# Zero-width assertions that hold wherever the generated text starts or ends: they emit nothing.
SILENT_ANCHORS = {
    _c.AT_BEGINNING,
    _c.AT_BEGINNING_LINE,
    _c.AT_BEGINNING_STRING,
    _c.AT_END,
    _c.AT_END_LINE,
    _c.AT_END_STRING,
    _c.AT_BOUNDARY,
}

Value: TypeAlias = pa.Array | str  # a column, or one constant for every row
Groups: TypeAlias = dict[int, pa.Array]
Captures: TypeAlias = dict[int, str]  # one string's groups, when the space is enumerated

SPACE_CAP = 10**18  # counting a pattern's strings stops past this
ENUMERATE_LIMIT = 200_000  # spaces up to this size are listed exactly (overlapping branches counted once)


def _capped(n: int) -> int:
    return min(n, SPACE_CAP + 1)


def _product(counts: Iterator[int] | list[int]) -> int:
    total = 1
    for n in counts:
        if n == 0:
            return 0
        total = _capped(total * n)
    return total


def _repeats(choices: int, low: int, high: int) -> int:
    """Strings made of ``low`` to ``high`` pieces, each one of ``choices``: the sum of choices ** k."""
    if choices <= 1:
        return high - low + 1 if choices else int(low == 0)
    total = 0
    for k in range(low, high + 1):
        total = _capped(total + choices**k)
        if total > SPACE_CAP:
            break
    return total


def _column(value: Value, size: int) -> pa.Array:
    return pa.repeat(pa.scalar(value, pa.string()), size) if isinstance(value, str) else value


def _join(parts: list[Value], size: int) -> Value:
    if all(isinstance(part, str) for part in parts):
        return "".join(str(part) for part in parts)
    return pc.binary_join_element_wise(*parts, "")


# ---------------------------------------------------------------- nodes


@dataclass(frozen=True)
class Node:
    # Referenced groups captured inside this node, and groups this node refers to.
    defines: frozenset[int] = field(default=frozenset(), kw_only=True)
    uses: frozenset[int] = field(default=frozenset(), kw_only=True)

    def gen(self, rng: np.random.Generator, size: int, groups: Groups) -> Value:
        raise NotImplementedError

    def count(self) -> int:
        """How many strings this node can produce, counting overlaps twice; capped past SPACE_CAP."""
        raise NotImplementedError

    def expand(self, groups: Captures) -> Iterator[tuple[str, Captures]]:
        """Every string this node can produce (with the captures it leaves), for small spaces only."""
        raise NotImplementedError


@dataclass(frozen=True)
class Const(Node):
    text: str

    def gen(self, rng: np.random.Generator, size: int, groups: Groups) -> Value:
        return self.text

    def count(self) -> int:
        return 1

    def expand(self, groups: Captures) -> Iterator[tuple[str, Captures]]:
        yield self.text, groups


@dataclass(frozen=True)
class CharRun(Node):
    """Between ``low`` and ``high`` characters, each drawn from ``alphabet`` (a class, `.`, a literal)."""

    alphabet: str
    low: int = 1
    high: int = 1

    def gen(self, rng: np.random.Generator, size: int, groups: Groups) -> Value:
        counts = np.full(size, self.low, dtype=np.int64)
        if self.high > self.low:
            counts = rng.integers(self.low, self.high + 1, size=size)
        n = len(self.alphabet)
        if n == 1:
            index = np.zeros((size, self.high), dtype=np.int64)
        else:
            index = rng.integers(0, n, size=(size, self.high), dtype=np.uint8 if n <= 256 else np.int64)
        if self.alphabet.isascii():
            table = np.frombuffer(self.alphabet.encode("ascii"), dtype=np.uint8)
            chars = table[index]
            data = chars.ravel() if self.high == self.low else chars[np.arange(self.high) < counts[:, None]]
            offsets = np.zeros(size + 1, dtype=np.int64)
            np.cumsum(counts, out=offsets[1:])
            if offsets[-1] >= 2**31:
                raise ValueError(f"{size} values of up to {self.high} characters do not fit one text column")
            return pa.StringArray.from_buffers(
                size, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(np.ascontiguousarray(data))
            )
        table_arr = pa.array(list(self.alphabet), type=pa.string())
        cols: list[Value] = []
        for k in range(self.high):
            col = table_arr.take(pa.array(index[:, k]))
            cols.append(col if k < self.low else pc.if_else(pa.array(counts > k), col, ""))
        return _join(cols, size) if cols else ""

    def count(self) -> int:
        return _repeats(len(self.alphabet), self.low, self.high)

    def expand(self, groups: Captures) -> Iterator[tuple[str, Captures]]:
        for k in range(self.low, self.high + 1):
            for chars in itertools.product(self.alphabet, repeat=k):
                yield "".join(chars), groups


def _expand_sequence(parts: tuple[Node, ...], groups: Captures) -> Iterator[tuple[str, Captures]]:
    if not parts:
        yield "", groups
        return
    for head, after in parts[0].expand(groups):
        for tail, final in _expand_sequence(parts[1:], after):
            yield head + tail, final


@dataclass(frozen=True)
class Seq(Node):
    parts: tuple[Node, ...]

    def gen(self, rng: np.random.Generator, size: int, groups: Groups) -> Value:
        return _join([part.gen(rng, size, groups) for part in self.parts], size)

    def count(self) -> int:
        return _product(part.count() for part in self.parts)

    def expand(self, groups: Captures) -> Iterator[tuple[str, Captures]]:
        return _expand_sequence(self.parts, groups)


@dataclass(frozen=True)
class Alt(Node):
    """One branch per row, chosen uniformly; each branch is generated only for its own rows."""

    options: tuple[Node, ...]

    def gen(self, rng: np.random.Generator, size: int, groups: Groups) -> Value:
        choice = rng.integers(0, len(self.options), size=size)
        if all(isinstance(option, Const) for option in self.options):
            texts = pa.array([o.text for o in self.options if isinstance(o, Const)], type=pa.string())
            return texts.take(pa.array(choice))
        parts: list[pa.Array] = []
        captured: dict[int, list[pa.Array]] = {gid: [] for gid in self.defines}
        for i, option in enumerate(self.options):
            rows = pa.array(np.flatnonzero(choice == i))
            local = {gid: groups[gid].take(rows) for gid in option.uses if gid in groups}
            parts.append(_column(option.gen(rng, len(rows), local), len(rows)))
            for gid in self.defines:
                captured[gid].append(local.get(gid, pa.nulls(len(rows), pa.string())))
        # Row r's value sits at position[r] of the branch outputs laid end to end.
        position = np.empty(size, dtype=np.int64)
        position[np.argsort(choice, kind="stable")] = np.arange(size)
        where = pa.array(position)
        for gid, pieces in captured.items():
            groups[gid] = pa.concat_arrays(pieces).take(where)
        return pa.concat_arrays(parts).take(where)

    def count(self) -> int:
        return _capped(sum(option.count() for option in self.options))

    def expand(self, groups: Captures) -> Iterator[tuple[str, Captures]]:
        for option in self.options:
            yield from option.expand(groups)


@dataclass(frozen=True)
class Repeat(Node):
    """``low`` to ``high`` repetitions of a sub-pattern: ``high`` columns, those past a row's count blanked."""

    child: Node
    low: int
    high: int

    def gen(self, rng: np.random.Generator, size: int, groups: Groups) -> Value:
        counts = np.full(size, self.low, dtype=np.int64)
        if self.high > self.low:
            counts = rng.integers(self.low, self.high + 1, size=size)
        cols: list[Value] = []
        per_iteration: list[Groups] = []
        for k in range(self.high):
            local = dict(groups)
            value = self.child.gen(rng, size, local)
            cols.append(value if k < self.low else pc.if_else(pa.array(counts > k), _column(value, size), ""))
            per_iteration.append(local)
        # A group captured inside keeps the value of each row's last iteration, as `re` does.
        last = pa.array(np.maximum(counts - 1, 0) * size + np.arange(size))
        for gid in self.defines:
            captured = pa.concat_arrays([local[gid] for local in per_iteration]).take(last)
            groups[gid] = pc.if_else(pa.array(counts > 0), captured, pa.scalar(None, pa.string()))
        return _join(cols, size) if cols else ""

    def count(self) -> int:
        return _repeats(self.child.count(), self.low, self.high)

    def expand(self, groups: Captures) -> Iterator[tuple[str, Captures]]:
        for k in range(self.low, self.high + 1):
            yield from _expand_sequence((self.child,) * k, groups)


@dataclass(frozen=True)
class Group(Node):
    """A capturing group that a backreference uses: its column is kept for the reference to copy."""

    index: int
    child: Node

    def gen(self, rng: np.random.Generator, size: int, groups: Groups) -> Value:
        value = self.child.gen(rng, size, groups)
        groups[self.index] = _column(value, size)
        return value

    def count(self) -> int:
        return self.child.count()

    def expand(self, groups: Captures) -> Iterator[tuple[str, Captures]]:
        for text, after in self.child.expand(groups):
            yield text, {**after, self.index: text}


@dataclass(frozen=True)
class Backref(Node):
    index: int

    def gen(self, rng: np.random.Generator, size: int, groups: Groups) -> Value:
        return groups[self.index]

    def count(self) -> int:
        return 1  # it repeats what its group matched: no choice of its own

    def expand(self, groups: Captures) -> Iterator[tuple[str, Captures]]:
        yield groups.get(self.index, ""), groups


# ---------------------------------------------------------------- compiling the parse tree


def _subpatterns(av: Any) -> Iterator[Any]:
    if isinstance(av, _parser.SubPattern):
        yield av
    elif isinstance(av, tuple | list):
        for item in av:
            yield from _subpatterns(item)


def _references(items: Any) -> set[int]:
    found: set[int] = set()
    for op, av in items:
        if op is _c.GROUPREF:
            found.add(av)
        for sub in _subpatterns(av):
            found |= _references(sub)
    return found


def _case_variants(chars: set[str]) -> set[str]:
    variants = set(chars)
    for ch in chars:
        variants |= {other for other in (ch.lower(), ch.upper()) if len(other) == 1}
    return variants


def _class_alphabet(items: Any, ignorecase: bool) -> str:
    """The characters a ``[...]`` class can produce; a negated class draws from printable ASCII."""
    negate = False
    chars: set[str] = set()
    for op, av in items:
        if op is _c.NEGATE:
            negate = True
        elif op is _c.LITERAL:
            chars.add(chr(av))
        elif op is _c.RANGE:
            low, high = av
            chars.update(chr(code) for code in range(low, high + 1) if not 0xD800 <= code <= 0xDFFF)
        elif op is _c.CATEGORY:
            if av not in CATEGORIES:
                raise ValueError(f"character category {av} is not supported")
            chars.update(CATEGORIES[av])
        else:
            raise ValueError(f"{op} inside a character class is not supported")
    if negate:
        excluded = _case_variants(chars) if ignorecase else chars
        chars = {ch for ch in PRINTABLE if ch not in excluded}
    if not chars:
        raise ValueError("a character class leaves no printable ASCII character to generate")
    return "".join(sorted(chars))  # sorted: set order varies between processes, output must not


def _unsupported(op: Any, av: Any) -> str:
    if op is _c.ASSERT:
        return "lookahead (?=...)" if av[0] > 0 else "lookbehind (?<=...)"
    if op is _c.ASSERT_NOT:
        return "negative lookahead (?!...)" if av[0] > 0 else "negative lookbehind (?<!...)"
    if op is _c.GROUPREF_EXISTS:
        return "conditional group (?(name)yes|no)"
    if op is _c.ATOMIC_GROUP:
        return "atomic group (?>...)"
    if op is _c.POSSESSIVE_REPEAT:
        return "possessive quantifier (*+, ++, ?+, {m,n}+)"
    if op is _c.AT:
        return r"\B (not at a word boundary)" if av is _c.AT_NON_BOUNDARY else f"anchor {av}"
    return str(op)


@dataclass
class _Compiler:
    referenced: set[int]
    scopes: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    counter: int = 0

    def scope(self, kind: str, branch: int = 0) -> tuple[str, int, int]:
        self.counter += 1
        return (kind, self.counter, branch)

    def seq(self, items: Any, flags: int, ctx: tuple[Any, ...]) -> Node:
        parts: list[Node] = []
        for op, av in items:
            node = self.item(op, av, flags, ctx)
            if node is None:
                continue
            if isinstance(node, Seq):
                parts.extend(node.parts)
            elif isinstance(node, Const) and parts and isinstance(parts[-1], Const):
                parts[-1] = Const(parts[-1].text + node.text)
            else:
                parts.append(node)
        if not parts:
            return Const("")
        if len(parts) == 1:
            return parts[0]
        return Seq(tuple(parts), defines=_union(p.defines for p in parts), uses=_union(p.uses for p in parts))

    def item(self, op: Any, av: Any, flags: int, ctx: tuple[Any, ...]) -> Node | None:
        ignorecase = bool(flags & _c.SRE_FLAG_IGNORECASE)
        if op is _c.LITERAL:
            return Const(chr(av))
        if op is _c.NOT_LITERAL:
            excluded = _case_variants({chr(av)}) if ignorecase else {chr(av)}
            return CharRun("".join(ch for ch in PRINTABLE if ch not in excluded))
        if op is _c.ANY:
            return CharRun(PRINTABLE)
        if op is _c.IN:
            return CharRun(_class_alphabet(av, ignorecase))
        if op is _c.AT and av in SILENT_ANCHORS:
            return None
        if op is _c.BRANCH:
            marker = self.scope("alt")
            options = tuple(self.seq(sub, flags, (*ctx, (*marker[:2], i))) for i, sub in enumerate(av[1]))
            return Alt(options, defines=_union(o.defines for o in options), uses=_union(o.uses for o in options))
        if op is _c.SUBPATTERN:
            index, add_flags, del_flags, sub = av
            child = self.seq(sub, (flags | add_flags) & ~del_flags, ctx)
            if index is None or index not in self.referenced:
                return child
            self.scopes[index] = ctx
            return Group(index, child, defines=child.defines | {index}, uses=child.uses)
        if op is _c.MAX_REPEAT or op is _c.MIN_REPEAT:
            low, high, sub = av
            high = low + UNBOUNDED_EXTRA if high is _c.MAXREPEAT else high
            child = self.seq(sub, flags, (*ctx, self.scope("optional")) if low == 0 else ctx)
            if high == 0:
                return Const("")
            if isinstance(child, CharRun) and child.low == child.high == 1:
                return CharRun(child.alphabet, low, high)
            if isinstance(child, Const) and len(child.text) == 1:
                return CharRun(child.text, low, high)
            if isinstance(child, Const) and low == high:
                return Const(child.text * low)
            return Repeat(child, low, high, defines=child.defines, uses=child.uses)
        if op is _c.GROUPREF:
            scope = self.scopes.get(av)
            if scope is None or ctx[: len(scope)] != scope:
                raise ValueError(
                    f"backreference \\{av} points into an alternative or optional part that it is outside of, "
                    "so the group may not take part in the match"
                )
            return Backref(av, uses=frozenset({av}))
        raise ValueError(f"{_unsupported(op, av)} is not supported by the regex generator")


def _union(sets: Iterator[frozenset[int]] | Any) -> frozenset[int]:
    result: frozenset[int] = frozenset()
    for s in sets:
        result |= s
    return result


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> Node:
    """The generator tree of ``pattern``; ValueError names what cannot be generated."""
    try:
        re.compile(pattern)
        parsed = _parser.parse(pattern, 0)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
    return _Compiler(_references(parsed)).seq(parsed, parsed.state.flags, ())


@dataclass(frozen=True)
class PatternSpace:
    count: int  # SPACE_CAP + 1 means "more than SPACE_CAP"
    exact: bool  # False: an upper bound (branches or repeats that can produce the same string counted twice)
    values: tuple[str, ...] | None = None  # every string, sorted, when the space was enumerated


@lru_cache(maxsize=128)
def pattern_space(pattern: str) -> PatternSpace:
    """How many distinct strings ``pattern`` can generate: listed exactly up to ENUMERATE_LIMIT."""
    node = compile_pattern(pattern)
    bound = node.count()
    if bound > ENUMERATE_LIMIT:
        return PatternSpace(bound, exact=False)
    values = tuple(sorted({text for text, _ in node.expand({})}))
    return PatternSpace(len(values), exact=True, values=values)


def generate_matching(pattern: str, rng: np.random.Generator, size: int) -> pa.Array:
    """``size`` strings that each ``re.fullmatch(pattern, ...)``; also used for `regex` edge cases."""
    return _column(compile_pattern(pattern).gen(rng, size, {}), size)


class RegexParams(GeneratorParams):
    pattern: str

    @field_validator("pattern")
    @classmethod
    def _generatable(cls, value: str) -> str:
        compile_pattern(value)
        return value


def _regex_space(p: RegexParams) -> ValueSpace:
    space = pattern_space(p.pattern)
    return ValueSpace(space.count, f"pattern '{p.pattern}'", exact=space.exact)


@generator("regex", params=RegexParams, output=pa.string(), space=_regex_space)
def regex(rng: np.random.Generator, size: int, params: RegexParams, related: Related) -> Any:
    """Text matching a regular expression (classes, repeats, alternation, groups, backreferences).

    A unique field with a small space deals its strings out in a keyed order, so it can use all of them."""
    if related.unique:
        values = pattern_space(params.pattern).values
        if values is not None:
            return dealt(pa.array(values, type=pa.string()), related.row_start, size, related.field_seed)
    return generate_matching(params.pattern, rng, size)
