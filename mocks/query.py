"""One small query language for the stand-ins: the common core of JQL, CQL and SOQL's WHERE clause.

``field op value`` clauses joined by ``AND`` / ``OR`` / ``NOT`` and parentheses, where op is one of
``= != ~ !~ < > <= >= LIKE IN (...) NOT IN (...) IS [NOT] EMPTY|NULL``; values are quoted strings
('single' or "double"), bare words or numbers; a trailing ``ORDER BY field [ASC|DESC], ...`` is parsed
too. Matching is case-insensitive. A field's value is read by a getter the stand-in supplies (a scalar or
a list: a list matches when any element does, ``!=`` when none does).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

TOKEN = re.compile(
    r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<op>!=|!~|>=|<=|=|~|<|>|\(|\)|,)|(?P<word>[^\s=!~<>(),"']+))"""
)
KEYWORDS = {"and", "or", "not", "in", "is", "empty", "null", "order", "by", "like", "asc", "desc"}
Getter = Callable[[Any, str], Any]


class QueryError(ValueError):
    """A query the stand-in cannot parse (answered as 400)."""


@dataclass(frozen=True)
class Token:
    kind: str  # str, op, word, kw
    text: str


def tokenize(text: str) -> list[Token]:
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        found = TOKEN.match(text, pos)
        if found is None or found.end() == pos:
            raise QueryError(f"cannot parse the query at {text[pos : pos + 20]!r}")
        pos = found.end()
        if found["str"] is not None:
            raw = found["str"][1:-1]
            tokens.append(Token("str", re.sub(r"\\(.)", r"\1", raw)))
        elif found["op"] is not None:
            tokens.append(Token("op", found["op"]))
        elif found["word"] is not None:
            word = found["word"]
            tokens.append(Token("kw", word.lower()) if word.lower() in KEYWORDS else Token("word", word))
    return tokens


@dataclass
class Clause:
    field: str
    op: str
    values: list[str | None]


@dataclass
class Node:
    op: str  # and, or, not
    children: list[Any]


@dataclass
class Query:
    where: Node | Clause | None
    order: list[tuple[str, bool]]  # (field, descending)

    def matches(self, item: Any, get: Getter) -> bool:
        return self.where is None or _eval(self.where, item, get)

    def apply(self, items: Sequence[Any], get: Getter) -> list[Any]:
        """The matching items, ordered by ORDER BY (stable, last key first)."""
        found = [i for i in items if self.matches(i, get)]
        for field, descending in reversed(self.order):

            def by(item: Any, name: str = field) -> Any:
                return _sort_key(get(item, name))

            found.sort(key=by, reverse=descending)
        return found


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens, self.pos = tokens, 0

    def peek(self, offset: int = 0) -> Token | None:
        i = self.pos + offset
        return self.tokens[i] if i < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise QueryError("the query ends too early")
        self.pos += 1
        return token

    def is_kw(self, *words: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == "kw" and token.text in words

    def expect(self, kind: str, text: str) -> None:
        token = self.take()
        if token.kind != kind or token.text != text:
            raise QueryError(f"expected {text!r}, found {token.text!r}")

    def query(self) -> Query:
        where = None if self.is_kw("order") or self.peek() is None else self.disjunction()
        order: list[tuple[str, bool]] = []
        if self.is_kw("order"):
            self.take()
            self.expect("kw", "by")
            while True:
                field = self.take().text
                descending = False
                if self.is_kw("asc", "desc"):
                    descending = self.take().text == "desc"
                order.append((field, descending))
                if self.peek() is not None and self.peek() == Token("op", ","):
                    self.take()
                    continue
                break
        if self.peek() is not None:
            raise QueryError(f"unexpected {self.peek().text!r}")  # type: ignore[union-attr]
        return Query(where, order)

    def disjunction(self) -> Node | Clause:
        parts = [self.conjunction()]
        while self.is_kw("or"):
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Node("or", parts)

    def conjunction(self) -> Node | Clause:
        parts = [self.negation()]
        while self.is_kw("and"):
            self.take()
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else Node("and", parts)

    def negation(self) -> Node | Clause:
        if self.is_kw("not"):
            self.take()
            return Node("not", [self.negation()])
        token = self.peek()
        if token is not None and token.kind == "op" and token.text == "(":
            self.take()
            inner = self.disjunction()
            self.expect("op", ")")
            return inner
        return self.clause()

    def clause(self) -> Clause:
        field = self.take()
        if field.kind not in ("word", "str"):
            raise QueryError(f"expected a field name, found {field.text!r}")
        if self.is_kw("is"):
            self.take()
            negated = self.is_kw("not")
            if negated:
                self.take()
            if not self.is_kw("empty", "null"):
                raise QueryError("IS must be followed by EMPTY or NULL")
            self.take()
            return Clause(field.text, "not_empty" if negated else "empty", [])
        if self.is_kw("not") and self.peek(1) == Token("kw", "in"):
            self.take()
            self.take()
            return Clause(field.text, "not_in", self.value_list())
        if self.is_kw("in"):
            self.take()
            return Clause(field.text, "in", self.value_list())
        if self.is_kw("like"):
            self.take()
            return Clause(field.text, "like", [self.value()])
        op = self.take()
        if op.kind != "op" or op.text in "(),":
            raise QueryError(f"expected an operator after {field.text!r}, found {op.text!r}")
        return Clause(field.text, op.text, [self.value()])

    def value_list(self) -> list[str | None]:
        self.expect("op", "(")
        values = [self.value()]
        while self.peek() == Token("op", ","):
            self.take()
            values.append(self.value())
        self.expect("op", ")")
        return values

    def value(self) -> str | None:
        token = self.take()
        if token.kind == "kw" and token.text in ("null", "empty"):
            return None
        if token.kind not in ("str", "word"):
            raise QueryError(f"expected a value, found {token.text!r}")
        return token.text


def parse(text: str) -> Query:
    """Parse ``where [ORDER BY ...]``; an empty text matches everything."""
    return _Parser(tokenize(text)).query()


def _norm(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip().lower()


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _sort_key(value: Any) -> tuple[int, float, str]:
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return (1, 0.0, "")
    number = _number(value)
    return (0, number, "") if number is not None and not isinstance(value, bool) else (0, 0.0, _norm(value))


def _contains(text: Any, phrase: str | None) -> bool:
    haystack = _norm(text)
    return all(term in haystack for term in _norm(phrase).split())


def _compare(actual: Any, op: str, expected: str | None) -> bool:
    if expected is None:
        return (actual in (None, "")) == (op == "=")
    if actual is None:
        return False
    if op == "=":
        return _norm(actual) == _norm(expected)
    if op == "~":
        return _contains(actual, expected)
    if op == "like":
        pattern = "^" + ".*".join(re.escape(p) for p in _norm(expected).split("%")) + "$"
        return re.match(pattern.replace("_", "."), _norm(actual), re.S) is not None
    a, b = _number(actual), _number(expected)
    left, right = (a, b) if a is not None and b is not None else (_norm(actual), _norm(expected))
    return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[op]  # type: ignore[operator]


def _eval(node: Node | Clause, item: Any, get: Getter) -> bool:
    if isinstance(node, Node):
        if node.op == "and":
            return all(_eval(c, item, get) for c in node.children)
        if node.op == "or":
            return any(_eval(c, item, get) for c in node.children)
        return not _eval(node.children[0], item, get)
    value = get(item, node.field)
    values = value if isinstance(value, list) else [value]
    present = [v for v in values if v not in (None, "")]
    if node.op == "empty":
        return not present
    if node.op == "not_empty":
        return bool(present)
    if node.op in ("!=", "!~", "not_in"):
        positive = {"!=": "=", "!~": "~", "not_in": "="}[node.op]
        return not any(_compare(v, positive, e) for v in values for e in node.values)
    op = "=" if node.op == "in" else node.op
    return any(_compare(v, op, e) for v in values for e in node.values)
