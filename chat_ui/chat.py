"""Free-text chat with the supervisor, rendered in Chainlit; the conversation lives in a worker process.

``python -m chat_ui.worker chat`` holds the session's ``agents.chat.Conversation`` (so a capability or a
workflow run the supervisor starts never runs in the UI's process) and prints its chat events as JSON
lines; this side turns them into streamed text, a step per tool call, run events through a ``RunView``
and approval buttons for the supervisor's questions.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import chainlit as cl
from pydantic import TypeAdapter

from agents.chat import Answer, ApprovalNeeded, ChatEvent, TextDelta, ToolCalled, ToolFinished, WorkflowEvent
from agents.events import Progress
from chat_ui.render import RunView, progress_line
from tools.settings import Settings

ADAPTER: TypeAdapter[ChatEvent] = TypeAdapter(ChatEvent)
LINE_LIMIT = 64 * 1024 * 1024  # one JSON line may carry a chart


class ChatSession:
    """The supervisor conversation of one chat session, in its own process."""

    def __init__(self, settings: Settings, env: dict[str, str]) -> None:
        self.settings = settings
        self.env = env
        self.proc: asyncio.subprocess.Process | None = None
        self.views: dict[str, RunView] = {}
        self.lock = asyncio.Lock()

    async def _process(self) -> asyncio.subprocess.Process:
        if self.proc is None or self.proc.returncode is not None:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "chat_ui.worker",
                "chat",
                env=self.env,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
                limit=LINE_LIMIT,
            )
        return self.proc

    async def send(self, request: dict[str, Any]) -> int:
        """Send a message (or an approval answer) and render the turn; the questions left pending."""
        async with self.lock:
            proc = await self._process()
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write((json.dumps(request) + "\n").encode())
            await proc.stdin.drain()
            return await self._turn(proc)

    async def _turn(self, proc: asyncio.subprocess.Process) -> int:
        assert proc.stdout is not None
        text: cl.Message | None = None
        steps: dict[str, cl.Step] = {}
        while line := await proc.stdout.readline():
            data = json.loads(line)
            if data.get("kind") == "turn_end":
                if text is not None:
                    await text.send()
                return int(data.get("pending", 0))
            if data.get("kind") == "error":
                await cl.Message(content=str(data.get("text")), author="Doppel").send()
                continue
            event = ADAPTER.validate_python(data)
            if isinstance(event, TextDelta) and event.agent == "supervisor":
                if text is None:
                    text = cl.Message(content="", author="Doppel")
                await text.stream_token(event.text)
            elif isinstance(event, ToolCalled):
                step = cl.Step(name=f"{event.agent} · {event.tool}", type="tool", default_open=False)
                await step.send()
                steps[event.tool_use_id] = step
            elif isinstance(event, ToolFinished) and (finished := steps.get(event.tool_use_id)) is not None:
                finished.output = (finished.output + "\n\n" if finished.output else "") + (
                    "done" if event.ok else f"failed: {event.summary}"
                )
                finished.is_error = not event.ok
                await finished.update()
            elif isinstance(event, WorkflowEvent) and event.event.run_id is None and steps:
                if isinstance(event.event, Progress):  # a capability's progress: shown in its tool's step
                    latest = list(steps.values())[-1]
                    latest.output = (latest.output + "\n" if latest.output else "") + f"- {progress_line(event.event)}"
                    await latest.update()
            elif isinstance(event, WorkflowEvent):
                run_id = event.event.run_id or "-"
                view = self.views.setdefault(run_id, RunView(run_id, workflow=False))
                await view.render([event.event])
            elif isinstance(event, ApprovalNeeded):
                await cl.Message(
                    content=f"The supervisor asks: {event.question}",
                    actions=[
                        cl.Action(name="chat_yes", payload={"answer": "yes"}, label="Yes, go on"),
                        cl.Action(name="chat_no", payload={"answer": "no"}, label="No"),
                    ],
                    author="Doppel",
                ).send()
            elif isinstance(event, Answer) and text is None and event.text:
                text = cl.Message(content=event.text, author="Doppel")
        await cl.Message(content="The conversation's process ended; send a message to start a new one.").send()
        return 0

    def close(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
