"""`doppel chat`: a terminal conversation with the supervisor (and `--once TEXT` for one message).

The banner says which model answers (plainly "offline" by default). The supervisor's words stream as
they come; specialists' tool calls show as dim lines, workflow events through the run renderer (progress
bars on a TTY), and an approval question is asked on the spot, or answered by ``--yes``/``--no`` when
there is no terminal to ask at.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

EXIT_WORDS = {"exit", "quit", "bye", ":q"}


def register(app: typer.Typer) -> None:
    """Add `chat` to the doppel app."""
    from server.cli import user_errors

    @app.command("chat")
    @user_errors
    def chat(
        once: Annotated[str | None, typer.Option("--once", help="send one message, print the answer, exit")] = None,
        yes: Annotated[bool, typer.Option("--yes", help="answer approval questions with yes when not asked")] = False,
    ) -> None:
        """Chat with Doppel's supervisor: profile, classify, synthesise, run playbooks, ask why."""
        from agents.models.factory import describe
        from tools.settings import load_settings

        settings = load_settings()
        console = Console(highlight=False)
        console.print(f"[dim]{escape(describe(settings))}[/]", soft_wrap=True)
        code = asyncio.run(_session(settings, console, once, yes))
        raise typer.Exit(code)


async def _session(settings: object, console: Console, once: str | None, yes: bool) -> int:
    from agents.chat import Conversation

    conversation = Conversation(settings)  # type: ignore[arg-type]
    if once is not None:
        return await _exchange(conversation, once, console, yes)
    console.print("[dim]Type a request (or 'help'); 'exit' or Ctrl-D to leave.[/]")
    while True:
        try:
            line = await asyncio.to_thread(console.input, "[bold cyan]you>[/] ")
        except (EOFError, KeyboardInterrupt):
            console.print()
            return 0
        if line.strip().lower() in EXIT_WORDS:
            return 0
        if line.strip():
            await _exchange(conversation, line, console, yes)


async def _exchange(conversation: object, message: str, console: Console, yes: bool) -> int:
    """One message and every approval round it leads to; 1 when a tool failed, else 0."""
    from agents.chat import Conversation

    assert isinstance(conversation, Conversation)
    view = ChatView(console)
    stream = conversation.send(message)
    while True:
        async for event in stream:
            view(event)
        view.close()
        if not conversation.pending:
            return 1 if view.failed else 0
        answer = await _ask(conversation, console, yes)
        stream = conversation.answer_approvals(answer)


async def _ask(conversation: object, console: Console, yes: bool) -> str:
    from agents.chat import Conversation

    assert isinstance(conversation, Conversation)
    questions = "; ".join(p.question for p in conversation.pending)
    if sys.stdin.isatty() and sys.stdout.isatty():
        reply = await asyncio.to_thread(console.input, f"[bold yellow]? {escape(questions)} [y/N][/] ")
        return "yes" if reply.strip().lower() in ("y", "yes") else "no"
    console.print(f"[yellow]? {escape(questions)} -> {'yes (--yes)' if yes else 'no (no terminal; pass --yes)'}[/]")
    return "yes" if yes else "no"


class ChatView:
    """Renders chat events: the supervisor's text as it streams, everything else as dim context lines."""

    def __init__(self, console: Console) -> None:
        from server.run_render import RunRenderer

        self.console = console
        self.runs = RunRenderer(console)
        self.failed = False
        self._streaming = False

    def __call__(self, event: object) -> None:
        from agents.chat import Answer, TextDelta, ToolCalled, ToolFinished, WorkflowEvent

        if isinstance(event, TextDelta):
            if event.agent == "supervisor":
                self.console.print(escape(event.text), end="", soft_wrap=True)
                self._streaming = True
        elif isinstance(event, ToolCalled):
            self._line(f"[dim]→ {escape(event.agent)} · {escape(event.tool)}[/]")
        elif isinstance(event, ToolFinished) and not event.ok:
            self.failed = True
            self._line(f"[red]✗ {escape(event.tool)}: {escape(event.summary)}[/]")
        elif isinstance(event, WorkflowEvent):
            self._end_text()
            self.runs(event.event)
        elif isinstance(event, Answer):
            self._end_text()

    def _line(self, markup: str) -> None:
        self._end_text()
        self.console.print(markup)

    def _end_text(self) -> None:
        if self._streaming:
            self.console.print()
            self._streaming = False

    def close(self) -> None:
        self._end_text()
        self.runs.close()
