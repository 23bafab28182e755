"""A small rule language for checks over records, shared by the suite generator (choosing records) and the
Robot keyword library (checking them in the target database).

A rule is clauses joined by ``and``; a clause is ``operand op operand`` or ``check(column)``::

    contract_end > contract_start
    churn_flag ~ 'yes' and present(contract_end)
    age(date_of_birth) < 60
    present(mcc) and present(merchant)
    nhs_valid(nhs_number)

Operands are column names, numbers, quoted strings or ``age(column)`` (whole years to today). Operators:
``> >= < <= = !=`` and ``~`` (matches: equal ignoring case, or one of the value's words, so ``channel ~
'CARD'`` matches ``CARD_POS``). Values are compared as numbers when both sides are numbers, as dates when
both are dates (ISO, ``dd/mm/yyyy``, ``dd-Mon-yyyy`` and the like), else as text ignoring case. A comparison
with an empty side does not hold. Checks: ``present``, ``blank``, ``nhs_valid`` (mod 11), ``luhn_valid``
(payment cards), ``iban_valid`` (mod 97). No ``eval``: rules come from scenario text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tools.sensitive import checksums

OPERATORS = (">=", "<=", "!=", ">", "<", "=", "~")
_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")|(?P<num>-?\d+(?:\.\d+)?)(?![\w])"
    r"|(?P<op>>=|<=|!=|>|<|=|~|\(|\))|(?P<word>[A-Za-z_][A-Za-z0-9_]*))"
)
_DATE_FORMATS = (
    "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%b-%Y", "%d %b %Y", "%d %B %Y", "%Y%m%d",
    "%d/%m/%y",
)  # fmt: skip
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class RuleError(ValueError):
    """A rule that cannot be parsed."""


@dataclass(frozen=True)
class Operand:
    kind: str  # column, number, text, age
    value: str


@dataclass(frozen=True)
class Clause:
    op: str  # an operator, or a check name
    left: Operand
    right: Operand | None = None

    def columns(self) -> list[str]:
        return [o.value for o in (self.left, self.right) if o is not None and o.kind in ("column", "age")]

    def text(self) -> str:
        if self.right is None:
            return f"{self.op}({self.left.value})"
        return f"{_operand_text(self.left)} {self.op} {_operand_text(self.right)}"


def _operand_text(o: Operand) -> str:
    if o.kind == "text":
        return "'" + o.value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if o.kind == "age":
        return f"age({o.value})"
    return o.value


@dataclass(frozen=True)
class Rule:
    clauses: tuple[Clause, ...]

    def text(self) -> str:
        return " and ".join(c.text() for c in self.clauses)

    def columns(self) -> list[str]:
        out: list[str] = []
        for clause in self.clauses:
            out += [c for c in clause.columns() if c not in out]
        return out

    def compared_columns(self) -> list[str]:
        """Columns a comparison or a checksum reads (a record without them is not one the rule is about)."""
        out: list[str] = []
        for clause in self.clauses:
            if clause.op not in ("present", "blank"):
                out += [c for c in clause.columns() if c not in out]
        return out

    def __and__(self, other: Rule) -> Rule:
        return Rule(self.clauses + tuple(c for c in other.clauses if c not in self.clauses))


def column(name: str) -> Operand:
    return Operand("column", name)


def literal(value: str | float | int) -> Operand:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Operand("number", _number_text(float(value)))
    return Operand("text", str(value))


def _number_text(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def compare(left: Operand, op: str, right: Operand) -> Rule:
    if op not in OPERATORS:
        raise RuleError(f"unknown operator {op!r}")
    return Rule((Clause(op, left, right),))


def check(name: str, col: str) -> Rule:
    if name not in CHECKS:
        raise RuleError(f"unknown check {name!r}; known: {', '.join(CHECKS)}")
    return Rule((Clause(name, column(col)),))


def parse_rule(text: str) -> Rule:
    tokens = _tokens(text)
    clauses: list[Clause] = []
    pos = 0
    while True:
        clause, pos = _clause(tokens, pos, text)
        clauses.append(clause)
        if pos == len(tokens):
            return Rule(tuple(clauses))
        if tokens[pos] != ("word", "and"):
            raise RuleError(f"{text!r}: expected 'and' at {tokens[pos][1]!r}")
        pos += 1


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos, text = 0, text.strip()
    while pos < len(text):
        found = _TOKEN.match(text, pos)
        if found is None or found.end() == pos:
            raise RuleError(f"{text!r}: cannot read the rule at {text[pos : pos + 20]!r}")
        pos = found.end()
        kind = found.lastgroup or ""
        value = found[kind]
        if kind == "str":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        elif kind == "word" and value.lower() == "and":
            value = "and"
        out.append((kind, value))
    if not out:
        raise RuleError("an empty rule")
    return out


def _operand(tokens: list[tuple[str, str]], pos: int, text: str) -> tuple[Operand, int]:
    if pos >= len(tokens):
        raise RuleError(f"{text!r}: the rule ends too early")
    kind, value = tokens[pos]
    if kind == "str":
        return Operand("text", value), pos + 1
    if kind == "num":
        return Operand("number", value), pos + 1
    if kind == "word" and value == "age" and tokens[pos + 1 : pos + 2] == [("op", "(")]:
        inner, end = _call_column(tokens, pos, text)
        return Operand("age", inner), end
    if kind == "word":
        return Operand("column", value), pos + 1
    raise RuleError(f"{text!r}: expected a column or a value at {value!r}")


def _call_column(tokens: list[tuple[str, str]], pos: int, text: str) -> tuple[str, int]:
    if tokens[pos + 1 : pos + 2] != [("op", "(")] or len(tokens) < pos + 4 or tokens[pos + 3] != ("op", ")"):
        raise RuleError(f"{text!r}: write {tokens[pos][1]}(column)")
    if tokens[pos + 2][0] != "word":
        raise RuleError(f"{text!r}: {tokens[pos][1]}() takes a column name")
    return tokens[pos + 2][1], pos + 4


def _clause(tokens: list[tuple[str, str]], pos: int, text: str) -> tuple[Clause, int]:
    kind, value = tokens[pos]
    if kind == "word" and value in CHECKS and tokens[pos + 1 : pos + 2] == [("op", "(")]:
        inner, end = _call_column(tokens, pos, text)
        return Clause(value, column(inner)), end
    left, pos = _operand(tokens, pos, text)
    if pos >= len(tokens) or tokens[pos][0] != "op" or tokens[pos][1] not in OPERATORS:
        raise RuleError(f"{text!r}: expected one of {' '.join(OPERATORS)} after {left.value!r}")
    op = tokens[pos][1]
    right, pos = _operand(tokens, pos + 1, text)
    return Clause(op, left, right), pos


# ------------------------------------------------------------------ values


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def as_number(value: Any) -> float | None:
    if isinstance(value, bool) or is_empty(value):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace(",", "")
    text = text[1:] if text[:1] in "£$€" else text
    return float(text) if _NUMBER.match(text) else None


def as_datetime(value: Any) -> datetime | None:
    if is_empty(value):
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    text = str(value).strip()
    if not re.match(r"^\d{1,4}[-/. ]|^\d{8}$", text):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    for fmt in ("%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def years_between(born: datetime, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _digits(value: Any) -> str:
    return re.sub(r"[\s-]", "", str(value))


def nhs_valid(value: Any) -> bool:
    """An NHS number (spaces and dashes allowed) whose mod-11 check digit matches."""
    return checksums.nhs_valid(_digits(value))


def luhn_valid(value: Any) -> bool:
    """A payment card number (12 to 19 digits, spaces and dashes allowed) that passes the Luhn check."""
    digits = _digits(value)
    return 12 <= len(digits) <= 19 and checksums.luhn_valid(digits)


def iban_valid(value: Any) -> bool:
    """An IBAN (spaces allowed, any case) of its country's length whose mod-97 remainder is 1."""
    return checksums.iban_valid(re.sub(r"\s", "", str(value)).upper())


CHECKS: dict[str, Callable[[Any], bool]] = {
    "present": lambda v: not is_empty(v),
    "blank": is_empty,
    "nhs_valid": nhs_valid,
    "luhn_valid": luhn_valid,
    "iban_valid": iban_valid,
}


def matches(value: Any, wanted: Any) -> bool:
    """``~``: equal ignoring case and surrounding space, or one of the value's words (split on ``_ - / space``)."""
    a, b = str(value).strip().casefold(), str(wanted).strip().casefold()
    return a == b or b in re.split(r"[\s_/-]+", a)


# ------------------------------------------------------------------ evaluation


def _value(operand: Operand, record: Mapping[str, Any], today: date) -> Any:
    if operand.kind == "column":
        if operand.value not in record:
            raise RuleError(f"no column {operand.value!r}")
        return record[operand.value]
    if operand.kind == "age":
        born = as_datetime(record.get(operand.value))
        return None if born is None else years_between(born, today)
    if operand.kind == "number":
        return float(operand.value)
    return operand.value


def _ordered(a: Any, b: Any) -> tuple[Any, Any]:
    na, nb = as_number(a), as_number(b)
    if na is not None and nb is not None:
        return na, nb
    da, db = as_datetime(a), as_datetime(b)
    if da is not None and db is not None:
        if (da.time() == datetime.min.time()) != (db.time() == datetime.min.time()):
            return da.date(), db.date()  # a date against a time stamp: compare the days
        return da, db
    return str(a).strip().casefold(), str(b).strip().casefold()


def holds(clause: Clause, record: Mapping[str, Any], today: date) -> bool:
    if clause.right is None:
        if clause.left.value not in record:
            raise RuleError(f"no column {clause.left.value!r}")
        return bool(CHECKS[clause.op](record[clause.left.value]))
    a, b = _value(clause.left, record, today), _value(clause.right, record, today)
    if is_empty(a) or is_empty(b):
        return False
    if clause.op == "~":
        return matches(a, b)
    x, y = _ordered(a, b)
    if clause.op == "=":
        return bool(x == y)
    if clause.op == "!=":
        return bool(x != y)
    try:
        return bool({">": x > y, ">=": x >= y, "<": x < y, "<=": x <= y}[clause.op])
    except TypeError:  # a number against text: not comparable, so the rule does not hold
        return False


def broken(rule: Rule, record: Mapping[str, Any], today: date) -> list[Clause]:
    """The clauses of ``rule`` that ``record`` breaks (empty: the rule holds)."""
    return [c for c in rule.clauses if not holds(c, record, today)]


def explain(rule: Rule, record: Mapping[str, Any], today: date) -> str:
    """``contract_end='2024-01-01', contract_start='2025-02-01'``: the values the broken clauses read."""
    shown: list[str] = []
    for clause in broken(rule, record, today):
        for name in clause.columns():
            text = f"{name}={record.get(name)!r}"
            if text not in shown:
                shown.append(text)
    return ", ".join(shown)
