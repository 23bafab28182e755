"""The UI's worker process: it advances a run (or converts its data) so the UI's event loop never runs a
stage. ``python -m chat_ui.worker resume RUN_ID`` advances the run until it completes, pauses or is aborted
(its events go to the state database, where the UI reads them); ``python -m chat_ui.worker convert RUN_ID
FORMAT OUT`` writes the run's synthetic tables in another format. Settings come from the environment the
UI passes (DOPPEL_HOME, DOPPEL_USER, ...). This module imports no Chainlit.
"""

from __future__ import annotations

import sys
from pathlib import Path


def convert(run_id: str, fmt: str, out: Path) -> list[Path]:
    """The run's synthetic tables (``synthesise/*.csv``) in ``fmt`` under ``out``."""
    from agents.workflow import api
    from tools.export.base import ExportOptions
    from tools.export.convert import convert_tables

    status = api.get_run(run_id)
    tables = sorted((status.artifacts_dir / "synthesise").glob("*.csv"))
    out.mkdir(parents=True, exist_ok=True)
    for old in out.iterdir():
        old.unlink()
    written = convert_tables({p.stem: p for p in tables}, out, ExportOptions(format=fmt), {})
    return [p for files in written.values() for p in files]


async def chat() -> int:
    """A conversation with the supervisor, one JSON line per chat event on stdout. stdin takes
    ``{"message": TEXT}`` or ``{"answer": "yes"|"no"}`` (for pending approvals) per line; every turn ends
    with ``{"kind": "turn_end", "pending": N}``."""
    import asyncio
    import json

    from pydantic import TypeAdapter

    from agents.chat import ChatEvent, Conversation
    from tools.settings import load_settings

    conversation = Conversation(load_settings())
    adapter: TypeAdapter[ChatEvent] = TypeAdapter(ChatEvent)
    while line := await asyncio.to_thread(sys.stdin.readline):
        request = json.loads(line)
        if "answer" in request:
            stream = conversation.answer_approvals(str(request["answer"]))
        else:
            stream = conversation.send(str(request.get("message", "")))
        try:
            async for event in stream:
                print(adapter.dump_json(event).decode(), flush=True)
        except Exception as exc:  # the turn failed; the conversation (and this process) goes on
            print(json.dumps({"kind": "error", "text": f"{type(exc).__name__}: the request failed"}), flush=True)
        print(json.dumps({"kind": "turn_end", "pending": len(conversation.pending)}), flush=True)
    return 0


def main(argv: list[str]) -> int:
    from agents.workflow import api
    from tools.errors import DoppelError

    try:
        if len(argv) >= 2 and argv[0] == "resume":
            status = api.resume_run(argv[1], approve_all="--approve-all" in argv[2:])
            print(status.state)
            return 0
        if argv == ["chat"]:
            import asyncio

            return asyncio.run(chat())
        if len(argv) == 4 and argv[0] == "convert":
            for path in convert(argv[1], argv[2], Path(argv[3])):
                print(path)
            return 0
    except DoppelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("usage: python -m chat_ui.worker resume RUN_ID [--approve-all] | convert RUN_ID FORMAT OUT", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
