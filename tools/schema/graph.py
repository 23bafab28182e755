"""Dependency order: parent tables before children, and within a table, fields after what they use."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class CycleError(ValueError):
    def __init__(self, cycle: list[str]) -> None:
        super().__init__(" -> ".join(cycle))
        self.cycle = cycle


def topological_order(nodes: Sequence[str], edges: Mapping[str, Sequence[str]]) -> list[str]:
    """Order ``nodes`` so each comes after its dependencies (``edges[node]``); stable for ties.

    Raises CycleError naming the cycle. Dependencies outside ``nodes`` are ignored.
    """
    order: list[str] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done
    stack: list[str] = []

    def visit(node: str) -> None:
        if state.get(node) == 2:
            return
        if state.get(node) == 1:
            raise CycleError([*stack[stack.index(node) :], node])
        state[node] = 1
        stack.append(node)
        for dep in edges.get(node, ()):
            if dep in nodes and dep != node:
                visit(dep)
            elif dep == node:
                raise CycleError([node, node])
        stack.pop()
        state[node] = 2
        order.append(node)

    for node in nodes:
        visit(node)
    return order
