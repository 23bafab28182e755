"""YAML with line numbers: where each key path sits, so validation errors can say ``file:line``."""

from __future__ import annotations

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
