"""One chat session's runs: start them, drive them in a worker process, render their events, ask the
person (approvals, failures, presenter controls) and offer their outputs.

Stages never run here: a run advances in ``python -m chat_ui.worker resume RUN`` (a child process), and
this session reads the run's events back from the state database every few hundred milliseconds while
the worker lives, so a minute of synthesis never blocks the socket, and several sessions' runs proceed
side by side. Every path from the UI (uploads, configs typed in chat) goes through the workspace.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import chainlit as cl

from agents.events import STAGES
from agents.state.users import Permission, allowed
from agents.workflow import api
from agents.workflow.config import RunConfig, load_confined_config
from agents.workflow.presenter import Presenter
from chat_ui.render import RunView, title_of
from tools.errors import DoppelError
from tools.settings import Settings
from tools.workspace import Workspace

POLL_SECONDS = 0.3
FORMATS = ("csv", "json", "jsonl", "parquet", "avro", "sql")
UPLOADS = "uploads"
SCHEMAS = "schemas"
EXAMPLE_SCHEMA = Path(__file__).resolve().parents[1] / "examples" / "shop.yaml"
KEY_FILES = (("evaluate", "report.html", "HTML report"), ("report", "report.md", "run summary"))


def worker_env(settings: Settings) -> dict[str, str]:
    """The worker's environment: this session's settings where they matter, as DOPPEL_* variables."""
    env = dict(os.environ)
    env["DOPPEL_HOME"] = str(Path(settings.home).resolve())
    env["DOPPEL_USER"] = settings.user
    env["DOPPEL_WORKSPACE_ROOT"] = str(Path(settings.workspace_root).resolve())
    if settings.database_url is not None:
        env["DOPPEL_DATABASE_URL"] = settings.database_url.get_secret_value()
    env["DOPPEL_MODEL__PROVIDER"] = settings.model.provider
    env["DOPPEL_MODEL__MODEL_ID"] = settings.model.model_id
    env["DOPPEL_MODEL__REGION"] = settings.model.region
    return env


def parse_column_change(text: str) -> dict[str, dict[str, Any]]:
    """``table.column role`` or ``table.column sensitive:false entity:email`` -> a change at after:classify."""
    words = text.replace(",", " ").split()
    if len(words) < 2 or "." not in words[0]:
        raise DoppelError(
            "write the column as table.column, then its new role, e.g. 'telecom_customers.notes non_sensitive'"
        )
    fields: dict[str, Any] = {}
    for word in words[1:]:
        key, sep, value = word.partition(":")
        if not sep:
            fields["role"] = word
        elif key == "sensitive":
            fields[key] = value.lower() in ("true", "yes", "1")
        else:
            fields[key] = value
    return {words[0]: fields}


@dataclass
class Driven:
    """The run this session is showing."""

    run_id: str
    view: RunView
    presenter: Presenter | None = None
    asked_points: set[str] = field(default_factory=set)  # approval points that are real questions
    play: bool = False


class Controller:
    def __init__(self, settings: Settings, workspace: Workspace, role: str, *, demo: bool = False) -> None:
        self.settings = settings
        self.workspace = workspace
        self.role = role
        self.demo = demo
        self.current: Driven | None = None
        self.proc: asyncio.subprocess.Process | None = None
        self.stop_message: cl.Message | None = None
        self.overrides: dict[str, Any] = {}
        self.task: asyncio.Task[None] | None = None
        self.prompt_message: cl.Message | None = None
        self.conversation: Any = None
        self.must_change = False

    # ---------------------------------------------------------------- permissions and indicators

    async def change_password(self, password: str) -> None:
        from agents.state.users import set_password

        try:
            await asyncio.to_thread(set_password, self.settings, self.settings.user, password.strip())
        except DoppelError as exc:
            await cl.Message(content=str(exc)).send()
            return
        self.must_change = False
        await cl.Message(content="Password changed.").send()

    async def may(self, permission: Permission) -> bool:
        if self.must_change:
            await cl.Message(
                content="You signed in with a one-time password: set your own first with `password NEW-PASSWORD`."
            ).send()
            return False
        if allowed(self.role, permission):
            return True
        what = {"run": "start or answer runs", "admin": "manage users and configuration", "browse": "browse"}
        await cl.Message(content=f"Your role ({self.role}) may not {what[permission]}.", author="Doppel").send()
        return False

    def indicators(self) -> str:
        model = self.settings.model.provider
        parts = ["offline model" if model == "offline" else f"model: {model} ({self.settings.model.model_id})"]
        if self.demo:
            parts.insert(0, "demo mode: stand-in systems")
        return " · ".join(parts)

    # ---------------------------------------------------------------- starting runs

    def config_of(self, ref: str) -> RunConfig:
        """A run config named in chat (a playbook name or a path), confined to the workspace."""
        return load_confined_config(ref, self.workspace)

    def with_overrides(self, config: RunConfig) -> RunConfig:
        update = {k: v for k, v in self.overrides.items() if v not in (None, "") and k in RunConfig.model_fields}
        return config.model_validate(config.model_dump() | update) if update else config

    async def start(self, config: RunConfig, *, presenter: bool = False) -> None:
        if not await self.may("run"):
            return
        if self.busy():
            await cl.Message(content="A run is in progress in this chat: stop it or wait for it.").send()
            return
        config = self.with_overrides(config)
        script = config.presenter if presenter else None
        asked: set[str] = set(config.approvals if config.approvals is not None else self.settings.approvals)
        if script is not None:
            await cl.Message(content=f"**{script.starter}**: {script.intro}", author="Presenter").send()
            points = sorted(asked | set(script.pause_points()))
            config = config.model_copy(update={"approvals": points})
        await self.estimate(config)
        try:
            run_id = await asyncio.to_thread(api.create_run, config, settings=self.settings)
        except DoppelError as exc:
            await cl.Message(content=f"Cannot start: {exc}", author="Doppel").send()
            return
        view = RunView(run_id, script, run_dir=Path(self.settings.runs_dir).resolve() / run_id)
        self.current = Driven(run_id=run_id, view=view, presenter=script, asked_points=asked)
        await cl.Message(content=f"Run `{run_id}` started ({config.name}, seed {config.seed}).", author="Doppel").send()
        await self.drive()

    async def estimate(self, config: RunConfig) -> None:
        from agents.costs.estimate import estimate
        from agents.costs.model import load_prices

        try:
            report = await asyncio.to_thread(estimate, config, self.settings, load_prices())
        except Exception:  # an estimate is a help, never a reason not to run
            return
        notes = "; ".join(report.notes)
        await cl.Message(
            content=f"Cost estimate before the run: ${report.total:.4f} ({self.indicators()}; {notes})",
            author="Doppel",
        ).send()

    async def upload(self, elements: list[Any]) -> None:
        """CSV files uploaded in chat: stored in the workspace's uploads folder, then run."""
        configs = [e for e in elements if getattr(e, "path", None) and str(e.name).lower().endswith(".json")]
        for element in configs:
            await self.import_config(self._store_upload(element))
        files = [e for e in elements if getattr(e, "path", None) and str(e.name).lower().endswith(".csv")]
        if configs and not files:
            return
        if not files:
            await cl.Message(content="Upload a CSV sample (one file per table) to start a run on it.").send()
            return
        if not await self.may("run"):
            return
        stored = [self._store_upload(element) for element in files]
        stem = re.sub(r"[^A-Za-z0-9_.-]", "_", stored[0].stem)[:40] or "upload"
        await cl.Message(
            content=f"Stored {', '.join(p.name for p in stored)} in the workspace ({UPLOADS}/). Starting a run on it."
        ).send()
        config = RunConfig(name=stem, data=stored, rows=self.overrides.get("rows") or None, seed=42)
        await self.start(self.workspace.confine(config))

    def _store_upload(self, element: Any) -> Path:
        """An uploaded file, copied into the workspace's uploads folder under a safe name."""
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", Path(element.name).name).lstrip(".") or "upload"
        target = self.workspace.resolve(f"{UPLOADS}/{name}", write=True, where="upload")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(Path(element.path).read_bytes())
        return target

    # ---------------------------------------------------------------- the worker

    async def drive(self, *, approve_all: bool = False) -> None:
        """Advance the current run in a worker process; the rendering goes on in a task of this session
        (the handler that asked returns at once, so buttons such as Stop stay usable)."""
        self.task = asyncio.create_task(self._guarded(approve_all))

    async def _guarded(self, approve_all: bool) -> None:
        try:
            await self._drive(approve_all=approve_all)
        except Exception as exc:  # shown, never lost in a task nobody awaits
            await cl.Message(content=f"The UI lost track of the run ({type(exc).__name__}); `runs` shows it.").send()
            raise

    async def wait(self) -> None:
        """Until the current drive (and any it started) is over: for tests and the REST API."""
        while self.task is not None and not self.task.done():
            await asyncio.shield(self.task)

    async def _drive(self, *, approve_all: bool = False) -> None:
        assert self.current is not None
        driven = self.current
        after = await asyncio.to_thread(self._last_seq, driven.run_id)
        args = [sys.executable, "-m", "chat_ui.worker", "resume", driven.run_id]
        if approve_all:
            args.append("--approve-all")
        self.proc = await asyncio.create_subprocess_exec(
            *args,
            env=worker_env(self.settings),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        self.stop_message = cl.Message(
            content="Running in its own process.",
            actions=[cl.Action(name="stop", payload={"run_id": driven.run_id}, label="Stop")]
            + ([cl.Action(name="pause", payload={"run_id": driven.run_id}, label="Pause")] if driven.play else []),
            author="Doppel",
        )
        await self.stop_message.send()
        proc = self.proc
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), POLL_SECONDS)
            after = await self._render_new(driven, after)
            if proc.returncode is not None:
                break
        await self._render_new(driven, after)
        if self.stop_message is not None:
            await self.stop_message.remove()
            self.stop_message = None
        stderr = (await proc.stderr.read()).decode(errors="replace") if proc.stderr else ""
        if proc.returncode not in (0, -15, -9) and stderr.strip():
            await cl.Message(content=f"The worker stopped: {stderr.strip().splitlines()[-1][:300]}").send()
        status = await asyncio.to_thread(api.get_run, driven.run_id, settings=self.settings)
        await self.prompt(status)

    async def ready(self) -> Driven | None:
        """The run an answer acts on, when it may be acted on now: a run is shown, none is working, the role
        allows it. The buttons of the question being answered go away."""
        if self.busy():
            await cl.Message(content="The run is still working: wait for it, or press Stop.").send()
            return None
        await self.retire_prompt()
        return self.current if self.current is not None and await self.may("run") else None

    async def retire_prompt(self) -> None:
        """The buttons of the question just answered go away (they would act on a question no longer asked)."""
        if self.prompt_message is not None:
            await self.prompt_message.remove_actions()
            self.prompt_message = None

    async def ask(self, content: str, actions: list[cl.Action], author: str = "Doppel", **kw: Any) -> None:
        self.prompt_message = cl.Message(content=content, actions=actions, author=author, **kw)
        await self.prompt_message.send()

    def busy(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    def _last_seq(self, run_id: str) -> int:
        events = api.run_event_log(run_id, settings=self.settings)
        return events[-1][0] if events else 0

    async def _render_new(self, driven: Driven, after: int) -> int:
        log = await asyncio.to_thread(api.run_event_log, driven.run_id, after_seq=after, settings=self.settings)
        if log:
            await driven.view.render([event for _, event in log])
            after = log[-1][0]
        return after

    async def stop(self) -> None:
        if self.current is None or self.proc is None or self.proc.returncode is not None:
            await cl.Message(content="Nothing is running.").send()
            return
        if not await self.may("run"):
            return
        try:
            await asyncio.to_thread(api.cancel_run, self.current.run_id, settings=self.settings)
        except DoppelError:
            self.proc.terminate()

    # ---------------------------------------------------------------- asking the person

    async def prompt(self, status: api.RunStatus) -> None:
        driven = self.current
        assert driven is not None
        run = {"run_id": status.run_id}
        if status.state == "paused_approval" and status.pending_approval is not None:
            asked = status.pending_approval
            point = str(asked.context.get("point", ""))
            if driven.presenter is not None and point not in driven.asked_points:
                if driven.play:
                    await self.answer_approval("approve", {})
                    return
                await self.presenter_controls(f"Paused after **{title_of(point.partition(':')[2])}**.")
                return
            labels = {"approve": "Approve", "change": "Change a column", "abort": "Abort"}
            actions = [cl.Action(name=o, payload=run, label=labels[o]) for o in asked.options if o in labels]
            if driven.presenter is not None:
                actions.append(cl.Action(name="previous_step", payload=run, label="Previous step"))
            await self.ask(f"{asked.question}", actions)
        elif status.state == "paused_approval":
            await self.presenter_controls("Stepped back: the run waits here.")
        elif status.state == "paused_failure" and status.pending_failure is not None:
            failed = status.pending_failure
            labels = {"retry": "Retry", "skip": "Skip", "abort": "Abort"}
            actions = [cl.Action(name=f"failure_{c}", payload=run, label=labels[c]) for c in failed.choices]
            await self.ask(
                f"{title_of(failed.stage or 'stage')} failed: {failed.error}\n\n**Suggested remedy:** {failed.remedy}",
                actions,
            )
        elif status.state == "interrupted":
            await driven.view.stopped(status.current_stage)
            await self.ask(
                f"Stopped during {title_of(status.current_stage or 'a stage')}. The run keeps its checkpoints.",
                [cl.Action(name="resume", payload=run, label="Resume")],
            )
        elif status.state == "completed":
            await self.completed(status)
        elif status.state == "aborted":
            await cl.Message(content=f"Run `{status.run_id}` was aborted.", author="Doppel").send()

    async def presenter_controls(self, text: str) -> None:
        driven = self.current
        assert driven is not None
        run = {"run_id": driven.run_id}
        actions = [
            cl.Action(name="next_step", payload=run, label="Next step"),
            cl.Action(name="previous_step", payload=run, label="Previous step"),
            cl.Action(name="pause" if driven.play else "play", payload=run, label="Pause" if driven.play else "Play"),
        ]
        await self.ask(text, actions, author="Presenter")

    async def answer_approval(self, decision: str, changes: dict[str, Any]) -> None:
        driven = await self.ready()
        if driven is None:
            return
        try:
            await asyncio.to_thread(
                api.approve,
                driven.run_id,
                decision,  # type: ignore[arg-type]
                changes or None,
                settings=self.settings,
            )
        except DoppelError as exc:
            await cl.Message(content=str(exc), author="Doppel").send()
            return
        if decision != "abort":
            await self.drive()
        else:
            await cl.Message(content=f"Run `{driven.run_id}` aborted.", author="Doppel").send()

    async def change_column(self) -> None:
        driven = await self.ready()
        if driven is None:
            return
        reply = await cl.AskUserMessage(
            content="Which column, and its new role? e.g. `telecom_customers.notes non_sensitive` "
            "(roles: identifier, quasi_identifier, sensitive_attribute, non_sensitive)",
            timeout=600,
        ).send()
        if not reply:
            return
        try:
            changes = parse_column_change(str(reply.get("output", "")))
        except DoppelError as exc:
            await cl.Message(content=str(exc)).send()
            await self.prompt(await asyncio.to_thread(api.get_run, driven.run_id, settings=self.settings))
            return
        await self.answer_approval("change", changes)

    async def answer_failure(self, choice: str) -> None:
        driven = await self.ready()
        if driven is None:
            return
        try:
            await asyncio.to_thread(api.answer_failure, driven.run_id, choice, settings=self.settings)  # type: ignore[arg-type]
        except DoppelError as exc:
            await cl.Message(content=str(exc)).send()
            return
        if choice != "abort":
            await self.drive()

    async def resume(self) -> None:
        if await self.ready():
            await self.drive()

    # ---------------------------------------------------------------- presenter controls

    async def next_step(self) -> None:
        driven = await self.ready()
        if driven is None:
            return
        status = await asyncio.to_thread(api.get_run, driven.run_id, settings=self.settings)
        if status.pending_approval is not None:
            await self.answer_approval("approve", {})
        elif status.state in ("paused_approval", "interrupted"):
            await self.drive()
        else:
            await cl.Message(content=f"The run is {status.state.replace('_', ' ')}: no next step.").send()

    async def previous_step(self) -> None:
        driven = await self.ready()
        if driven is None:
            return
        status = await asyncio.to_thread(api.get_run, driven.run_id, settings=self.settings)
        done = {s.stage for s in status.stages if s.state in ("completed", "skipped")}
        point = status.pending_approval.context.get("point", "") if status.pending_approval else ""
        here = str(point).partition(":")[2] if str(point).startswith("after:") else None
        steps = [s.stage for s in driven.presenter.steps if s.pause] if driven.presenter else list(STAGES)
        limit = STAGES.index(here) if here in STAGES else len(STAGES)
        if status.state != "completed" and here is None and status.current_stage in STAGES:
            limit = STAGES.index(status.current_stage)
        earlier = [s for s in steps if s in done and STAGES.index(s) < limit]
        if not earlier:
            await cl.Message(content="This is the first step: there is nothing to go back to.").send()
            return
        target = earlier[-1]
        try:
            status = await asyncio.to_thread(api.rewind, driven.run_id, target, settings=self.settings)
        except DoppelError as exc:
            await cl.Message(content=str(exc)).send()
            return
        driven.play = False
        driven.view.restore(status)
        after = await asyncio.to_thread(self._last_seq, driven.run_id)
        await self._render_new(driven, max(0, after - 2))  # the rewind's own decision and question
        await cl.Message(
            content=f"Back to the end of **{title_of(target)}**: its checkpoint is restored; "
            "later stages are recomputed from the same seed when you go on.",
            author="Presenter",
        ).send()
        await self.prompt(status)

    async def set_play(self, play: bool) -> None:
        if self.current is None:
            return
        self.current.play = play
        if play:
            await cl.Message(content="Playing: pause points go on by themselves.", author="Presenter").send()
            await self.next_step()
        else:
            await cl.Message(content="Paused: the run stops at the next pause point.", author="Presenter").send()

    # ---------------------------------------------------------------- outputs

    async def completed(self, status: api.RunStatus) -> None:
        driven = self.current
        elements: list[Any] = []
        lines = [f"Run `{status.run_id}` completed."]
        for stage in status.stages:
            if stage.stage != "export":
                continue
            for rel in stage.outputs:
                if not rel.endswith("metadata.json"):
                    path = status.artifacts_dir / rel
                    elements.append(cl.File(name=Path(rel).name, path=str(path), display="inline"))
        for stage_name, suffix, label in KEY_FILES:
            for stage in status.stages:
                for rel in stage.outputs if stage.stage == stage_name else []:
                    if rel.endswith(suffix):
                        lines.append(f"[Open the {label}]({files_url(status.run_id, rel)})")
                        elements.append(
                            cl.File(name=f"{label}{Path(rel).suffix}", path=str(status.artifacts_dir / rel))
                        )
        if driven is not None and driven.presenter is not None and driven.presenter.outro:
            lines.append(f"{driven.presenter.outro}")
        actions = [
            cl.Action(name="download", payload={"run_id": status.run_id, "format": f}, label=f"Download as {f}")
            for f in FORMATS
        ] + [
            cl.Action(name="export_run", payload={"run_id": status.run_id}, label="Export archive"),
            cl.Action(name="save_config", payload={"run_id": status.run_id}, label="Save as configuration"),
        ]
        if driven is not None and driven.presenter is not None:
            actions.insert(0, cl.Action(name="previous_step", payload={"run_id": status.run_id}, label="Previous step"))
        await self.ask("\n\n".join(lines), actions, elements=elements)

    async def download(self, run_id: str, fmt: str) -> None:
        if fmt not in FORMATS:
            return
        out = Path(self.settings.home).resolve() / "ui" / "downloads" / run_id / fmt
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "chat_ui.worker",
            "convert",
            run_id,
            fmt,
            str(out),
            env=worker_env(self.settings),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await proc.communicate()
        if proc.returncode != 0:
            await cl.Message(content=f"Could not convert: {stderr.decode(errors='replace').strip()[-300:]}").send()
            return
        files = [Path(line) for line in stdout.decode().splitlines() if line.strip()]
        elements = [cl.File(name=p.name, path=str(p), display="inline") for p in files]
        await cl.Message(content=f"The synthetic data as {fmt}:", elements=elements, author="Doppel").send()

    # ---------------------------------------------------------------- chat with the supervisor

    async def chat(self, request: dict[str, Any]) -> None:
        """A message (or an approval answer) for the supervisor, whose conversation runs in its own process."""
        from chat_ui.chat import ChatSession

        if self.conversation is None:
            self.conversation = ChatSession(self.settings, worker_env(self.settings))
        await self.conversation.send(request)

    def close(self) -> None:
        if self.conversation is not None:
            self.conversation.close()

    # ---------------------------------------------------------------- the schema editor

    async def schema_editor(self, ref: str | None = None) -> None:
        """The schema editor, with a workspace schema (or the bundled example) to start from."""
        if not await self.may("run"):
            return
        path = self.workspace.resolve(ref, where="schema") if ref else EXAMPLE_SCHEMA
        if not path.is_file():
            await cl.Message(content=f"{ref}: no such schema file in the workspace").send()
            return
        name = re.sub(r"[^A-Za-z0-9_-]", "_", path.stem)
        props = {"text": path.read_text(encoding="utf-8"), "name": name}
        element = cl.CustomElement(name="SchemaEditor", props=props, display="inline")
        await cl.Message(
            content="Schema editor: edit tables, fields, generator types and parameters, relations and edge cases; "
            "problems show as you type.",
            elements=[element],
            author="Doppel",
        ).send()

    def save_schema(self, text: str, name: str) -> Path:
        from chat_ui.schema_check import check_schema_text

        problems = [i for i in check_schema_text(text) if i["kind"] != "conflict"]
        if problems:
            raise DoppelError(f"the schema has {len(problems)} problem(s); fix them first")
        safe = re.sub(r"[^A-Za-z0-9_-]", "_", name)[:60] or "schema"
        path = self.workspace.resolve(f"{SCHEMAS}/{safe}.yaml", write=True, where="schema")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    async def schema_action(self, text: str, name: str, *, run: bool) -> None:
        if not await self.may("run"):
            return
        try:
            path = await asyncio.to_thread(self.save_schema, text, name)
        except DoppelError as exc:
            await cl.Message(content=str(exc)).send()
            return
        await cl.Message(content=f"Schema saved to {path.relative_to(self.workspace.root)} in the workspace.").send()
        if run:
            safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:40] or "schema"
            await self.start(RunConfig(name=safe, schema_file=path, seed=42))

    # ---------------------------------------------------------------- past runs and configurations

    async def list_runs(self) -> None:
        runs = await asyncio.to_thread(api.list_runs, limit=15, settings=self.settings)
        if not runs:
            await cl.Message(content="No runs yet.").send()
            return
        lines = ["| run | name | state | created |", "|---|---|---|---|"]
        lines += [
            f"| `{r.run_id}` | {r.name} | {r.state.replace('_', ' ')} | {r.created_at:%Y-%m-%d %H:%M} |" for r in runs
        ]
        actions = [cl.Action(name="open_run", payload={"run_id": r.run_id}, label=f"Open {r.run_id}") for r in runs[:6]]
        await cl.Message(content="\n".join(lines), actions=actions, author="Doppel").send()

    async def open_run(self, run_id: str) -> None:
        from agents.archive import open_run

        try:
            opened = await asyncio.to_thread(open_run, self.settings, run_id)
        except DoppelError as exc:
            await cl.Message(content=str(exc)).send()
            return
        status = opened.status
        numbers = "\n".join(f"- {k}: {v}" for k, v in opened.numbers.items())
        files = "\n".join(
            f"- [{f.path}]({files_url(status.run_id, f.path)}) ({f.bytes:,} bytes)" for f in opened.files[:40]
        )
        self.current = Driven(run_id=status.run_id, view=RunView(status.run_id, run_dir=status.artifacts_dir))
        self.current.view.restore(status)
        run = {"run_id": status.run_id}
        await cl.Message(
            content=f"**{status.name}** `{status.run_id}`: {status.state.replace('_', ' ')}\n\n{numbers}\n\n{files}",
            actions=[
                cl.Action(name="export_run", payload=run, label="Export archive"),
                cl.Action(name="share_run", payload=run, label="Share link (24h)"),
                cl.Action(name="save_config", payload=run, label="Save as configuration"),
            ],
            author="Doppel",
        ).send()
        if status.state != "completed" and allowed(self.role, "run"):
            await self.prompt(status)

    async def list_configs(self) -> None:
        from agents import configs

        saved = await asyncio.to_thread(configs.list_saved, self.settings)
        if not saved:
            await cl.Message(
                content="No saved configurations yet (`doppel configs save`, or **save config NAME** here)."
            ).send()
            return
        lines = [f"- **{c.name}** (`{c.id}`) {', '.join(c.tags)}" for c in saved]
        actions = [cl.Action(name="run_config", payload={"id": c.id}, label=f"Run {c.name}") for c in saved[:8]]
        actions += [cl.Action(name="export_config", payload={"id": c.id}, label=f"Export {c.name}") for c in saved[:8]]
        lines.append("\nImport one: upload its exported JSON file here.")
        await cl.Message(content="Saved configurations:\n" + "\n".join(lines), actions=actions).send()

    async def export_config(self, ref: str) -> None:
        from agents import configs

        out = self.downloads() / "configs" / f"{re.sub(r'[^A-Za-z0-9_-]', '_', ref)}.json"
        try:
            path = await asyncio.to_thread(configs.export, self.settings, ref, out)
        except DoppelError as exc:
            await cl.Message(content=str(exc)).send()
            return
        await cl.Message(
            content="The configuration as JSON:", elements=[cl.File(name=path.name, path=str(path))]
        ).send()

    async def import_config(self, path: Path) -> None:
        from agents import configs

        if not await self.may("run"):
            return
        try:
            saved = await asyncio.to_thread(configs.import_file, self.settings, path)
        except DoppelError as exc:
            await cl.Message(content=str(exc)).send()
            return
        await cl.Message(
            content=f"Configuration **{saved.name}** (`{saved.id}`) imported.",
            actions=[cl.Action(name="run_config", payload={"id": saved.id}, label=f"Run {saved.name}")],
        ).send()

    async def save_config(self, run_id: str, name: str) -> None:
        from agents import configs

        if not await self.may("run"):
            return
        try:
            status = await asyncio.to_thread(api.get_run, run_id, settings=self.settings)
            config = RunConfig.model_validate(await asyncio.to_thread(self._run_config, status.run_id))
            saved = await asyncio.to_thread(configs.save, self.settings, config, name, replace=True)
        except DoppelError as exc:
            await cl.Message(content=str(exc)).send()
            return
        await cl.Message(content=f"Saved as configuration **{saved.name}** (`{saved.id}`); `configs` lists it.").send()

    def _run_config(self, run_id: str) -> dict[str, Any]:
        from agents.state import store
        from agents.state.db import session

        with session(self.settings) as s:
            return dict(store.get_run(s, run_id).config)

    async def export_run(self, run_id: str) -> None:
        from agents.archive import export_run

        try:
            run_id = (await asyncio.to_thread(api.get_run, run_id, settings=self.settings)).run_id
            result = await asyncio.to_thread(
                export_run, self.settings, run_id, self.downloads() / "runs" / f"{run_id}.zip"
            )
        except DoppelError as exc:
            await cl.Message(content=str(exc)).send()
            return
        await cl.Message(
            content=f"The run's archive ({len(result.members)} files and a sha256 manifest):",
            elements=[cl.File(name=result.path.name, path=str(result.path))],
        ).send()

    async def share_run(self, run_id: str) -> None:
        from agents.state import shares

        token, _ = await asyncio.to_thread(shares.sign, self.settings, run_id, shares.duration("24h"))
        await cl.Message(content=f"A download link for 24 hours: [{run_id}.zip](/doppel/share/{token})").send()

    def downloads(self) -> Path:
        return Path(self.settings.home).resolve() / "ui" / "downloads"

    # ---------------------------------------------------------------- users (admins)

    async def list_users(self) -> None:
        from agents.state.users import list_users

        if not await self.may("admin"):
            return
        found = await asyncio.to_thread(list_users, self.settings)
        lines = ["| user | role | API keys |", "|---|---|---|"]
        lines += [f"| {u.name} | {u.role} | {', '.join(u.keys)} |" for u in found]
        await cl.Message(
            content="\n".join(lines) + "\n\n`add user NAME ROLE` adds one (roles: viewer, engineer, admin)."
        ).send()

    async def add_user(self, name: str, role: str) -> None:
        import secrets

        from agents.state.users import add_user

        if not await self.may("admin"):
            return
        password = secrets.token_urlsafe(12)
        try:
            await asyncio.to_thread(add_user, self.settings, name, role, password, must_change=True)
        except DoppelError as exc:
            await cl.Message(content=str(exc)).send()
            return
        await cl.Message(content=f"User **{name}** ({role}) added; one-time password, shown once: `{password}`").send()

    async def run_saved(self, ref: str) -> None:
        from agents import configs

        try:
            loaded = await asyncio.to_thread(configs.load, self.settings, ref)
        except DoppelError as exc:
            await cl.Message(content=str(exc)).send()
            return
        await self.start(self.workspace.confine(loaded.config))


def files_url(run_id: str, rel: str) -> str:
    """The link the UI's server serves a run's file under (signed-in users only)."""
    return f"/doppel/runs/{run_id}/files/{rel}"
