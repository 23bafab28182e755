"""The fixed workflow as a Strands graph: one node per stage, each edge taken only while the run goes on.

A node is a ``StageNode`` (a Strands ``MultiAgentBase``) that asks the engine to advance one stage: its
approval points, then the stage itself unless its checkpoint is valid. When the run pauses (a person
must answer) or is aborted, the node says so and no further edge is taken; the graph ends and ``advance``
returns. Checkpoints, retries and resumption stay in the engine, so a graph that stops early is resumed
by building a new one: completed stages are confirmed from their checkpoints in a blink.

Stages run one after another, in the graph's event loop thread (the graph runs in a fresh event loop of
the caller's thread), so Ctrl-C and kill -9 behave exactly as with a plain loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from strands.multiagent import GraphBuilder
from strands.multiagent.base import MultiAgentBase, MultiAgentResult, Status
from strands.multiagent.graph import Graph, GraphState

from agents.events import STAGES, Stage

T = TypeVar("T")
StageStep = Callable[[Stage], bool]  # advance one stage; False when the run stops there


@dataclass
class Flow:
    """Whether the run goes on after the last stage node, and how far it got."""

    go_on: bool = True
    last: Stage | None = None


class StageNode(MultiAgentBase):
    """A graph node that advances one stage of the run through the engine."""

    def __init__(self, stage: Stage, step: StageStep, flow: Flow) -> None:
        super().__init__()
        self.id = f"stage_{stage}"
        self.stage = stage
        self.step = step
        self.flow = flow

    async def invoke_async(
        self, task: Any, invocation_state: dict[str, Any] | None = None, **kwargs: Any
    ) -> MultiAgentResult:
        self.flow.go_on = self.step(self.stage)
        self.flow.last = self.stage
        return MultiAgentResult(status=Status.COMPLETED, execution_count=1)


def build_graph(step: StageStep, flow: Flow) -> Graph:
    """Ingest -> profile -> ... -> report; each edge conditional on the run going on."""

    def going_on(state: GraphState) -> bool:
        return flow.go_on

    builder = GraphBuilder()
    for stage in STAGES:
        builder.add_node(StageNode(stage, step, flow), stage)
    for before, after in itertools.pairwise(STAGES):
        builder.add_edge(before, after, condition=going_on)
    builder.set_entry_point(STAGES[0])
    builder.set_max_node_executions(len(STAGES))
    return builder.build()


def run_stages(step: StageStep) -> bool:
    """Advance every stage through the graph; True when the last stage went through (the run is done)."""
    flow = Flow()
    graph = build_graph(step, flow)
    result = run_coroutine(graph.invoke_async(f"advance the run through {len(STAGES)} stages"))
    if result.status != Status.COMPLETED:
        raise RuntimeError(f"workflow graph ended {result.status.value}")
    return flow.go_on and flow.last == STAGES[-1]


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to the end from synchronous code, even when this thread already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
