"""YAML with line numbers: where each key path sits, so validation errors can say ``file:line``."""

from __future__ import annotations

import re
from typing import Any

import yaml

Loc = tuple[str | int, ...]


def parse_with_lines(text: str) -> tuple[Any, dict[Loc, int]]:
    """The document (safe_load) and a map from key path to its 1-based line."""
    data = yaml.safe_load(text)
    lines: dict[Loc, int] = {}
    node = yaml.compose(text)
    if node is not None:
        _walk(node, (), lines)
    return data, lines


def _walk(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*loc, str(key.value))
            lines[child] = key.start_mark.line + 1
            _walk(value, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*loc, i), lines)


def line_of(lines: dict[Loc, int], loc: Loc) -> int | None:
    """The line of ``loc`` or of its nearest located parent."""
    for end in range(len(loc), -1, -1):
        key = tuple(loc[:end])
        if key in lines:
            return lines[key]
    return None


# ----------------------------------------------------------------------- naming file text safely in errors
#
# An error about a file must not repeat what the file holds: a file that is not what it was passed as
# (``/etc/shadow`` given as a schema) would otherwise come back line by line as "unknown key" errors.
# A key that is a plain name (a short identifier) may be named; anything else is named by its line only.

PLAIN = re.compile(r"\$?[^\W\d][\w-]{0,63}(?:\[\d+\])*|\[key\]|\d{1,9}")
MIN_HIDDEN = 4  # shorter text cannot carry a secret worth hiding, and would blot out ordinary words


def syntax_problem(exc: yaml.YAMLError) -> str:
    """A YAML syntax error without the file's text (``str(exc)`` quotes the line): ``line 3, column 5:
    expected ',' or ']', but got ':' (in what starts on line 2)``."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or "not valid YAML"
    context_mark = getattr(exc, "context_mark", None)
    started = f" (in what starts on line {context_mark.line + 1})" if context_mark and mark is not context_mark else ""
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}{started}" if mark else str(problem)


def is_plain(part: str | int) -> bool:
    """An index, or a key that is a short identifier (``customers``, ``$defs``, ``edge_cases[0]``)."""
    return isinstance(part, int) or PLAIN.fullmatch(part) is not None


def safe_issue_text(text: str, document: Any, lines: dict[Loc, int]) -> str:
    """``text`` (an error's path or message) with every key or text value of ``document`` that is not a
    plain name replaced by where it is: ``<key on line 3>``, ``<value on line 7>``."""
    for hidden, where in sorted(_texts(document, lines).items(), key=lambda kv: -len(kv[0])):
        text = text.replace(hidden, where)
    return text


def _texts(document: Any, lines: dict[Loc, int], loc: Loc = ()) -> dict[str, str]:
    """Every key and text value of ``document`` that is not a plain name -> how to name it instead."""
    found: dict[str, str] = {}
    if isinstance(document, dict):
        for key, value in document.items():
            here = (*loc, str(key))
            if _hideable(key):
                found.setdefault(key, _where("key", lines.get(here)))
            for text, where in _texts(value, lines, here).items():
                found.setdefault(text, where)
    elif isinstance(document, list):
        for i, item in enumerate(document):
            for text, where in _texts(item, lines, (*loc, i)).items():
                found.setdefault(text, where)
    elif _hideable(document):
        found[document] = _where("value", line_of(lines, loc))
    return found


ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")


def _hideable(value: Any) -> bool:
    """Text worth hiding: not a short name, and not an ISO date or time (a range bound says nothing secret)."""
    return isinstance(value, str) and len(value) >= MIN_HIDDEN and not is_plain(value) and not ISO_TIME.fullmatch(value)


def _where(what: str, line: int | None) -> str:
    return f"<{what} on line {line}>" if line else f"<{what} not shown>"
