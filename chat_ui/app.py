"""The Chainlit app: sign-in, starters, chat, uploads, settings and action buttons, wired to a
``Controller`` per chat session. ``doppel ui`` serves it (``chat_ui.server``)."""

from __future__ import annotations

import os
from typing import Any

import chainlit as cl
from chainlit.input_widget import NumberInput, Select, TextInput

from agents.state.users import authenticate
from agents.workflow.config import PLAYBOOKS, load_run_config
from chat_ui.controller import FORMATS, Controller
from tools.errors import DoppelError
from tools.settings import load_settings
from tools.workspace import workspace_of

DEMO = os.environ.get("DOPPEL_UI_DEMO") == "1"
PLAYBOOK_NAMES = ("telecom", "bank", "hospital")
PROVIDERS = ("offline", "bedrock")
HELP = """**Doppel** makes safe, realistic synthetic test data.

- Start a guided demo: **Telecom demo**, **Bank demo** or **Hospital demo**.
- Upload a CSV sample (the paperclip) to run on your own data, or an exported configuration (JSON) to import it.
- `run telecom` (or a config path in the workspace) runs a config without narration.
- `runs` lists past runs; `open RUN` shows one; `configs` lists saved configurations.
- Admins: `users` lists users, `add user NAME ROLE` adds one.
- Anything else goes to Doppel's supervisor agent (e.g. `profile playbooks/samples/bank_accounts.csv`).
- `schema editor` (or `edit schema PATH`) edits a schema with checks as you type, then generates from it.
- The ⚙️ settings set rows, seed, synthesizer and model for the next run."""


def starters_by_label() -> dict[str, str]:
    """Starter label -> playbook name, from each playbook's presenter script."""
    found = {}
    for name in PLAYBOOK_NAMES:
        config = load_run_config(PLAYBOOKS / f"{name}.yaml")
        if config.presenter is not None:
            found[config.presenter.starter] = name
    return found


@cl.password_auth_callback
async def sign_in(username: str, password: str) -> cl.User | None:
    import asyncio

    user = await asyncio.to_thread(authenticate, load_settings(), username, password)
    if user is None:
        return None
    return cl.User(
        identifier=user.name, metadata={"role": user.role, "provider": "doppel", "must_change": user.must_change}
    )


@cl.set_starters
async def starters(user: cl.User | None = None, language: str | None = None) -> list[cl.Starter]:
    return [cl.Starter(label=label, message=label) for label in starters_by_label()] + [
        cl.Starter(label="Past runs", message="runs"),
        cl.Starter(label="Schema editor", message="schema editor"),
    ]


def controller() -> Controller:
    ctl = cl.user_session.get("controller")
    assert isinstance(ctl, Controller)
    return ctl


@cl.on_chat_start
async def start() -> None:
    user = cl.user_session.get("user")
    name = user.identifier if user is not None else os.environ.get("USER", "unknown")
    role = str(user.metadata.get("role", "viewer")) if user is not None else "admin"
    settings = load_settings(user=name)
    provider = settings.model.provider if settings.model.provider in PROVIDERS else "offline"
    ctl = Controller(settings, workspace_of(settings), role, demo=DEMO)
    ctl.must_change = bool(user.metadata.get("must_change")) if user is not None else False
    cl.user_session.set("controller", ctl)
    await cl.ChatSettings(
        [
            NumberInput(id="rows", label="Rows to make (empty: the config's)", initial=None),
            NumberInput(id="sample_rows", label="Sample rows to read (empty: all)", initial=None),
            TextInput(id="seed", label="Seed (empty: the config's)", initial=""),
            Select(id="model", label="Synthesizer", values=["auto", "gaussian_copula", "cart"], initial_value="auto"),
            Select(id="format", label="Export format", values=list(FORMATS), initial_value="csv"),
            Select(id="provider", label="Text-field model", values=list(PROVIDERS), initial_value=provider),
            TextInput(id="model_id", label="Bedrock model id", initial=settings.model.model_id),
            TextInput(id="region", label="Bedrock region", initial=settings.model.region),
        ]
    ).send()
    # no message here: the starters show until the first one (the header shows the indicators)


@cl.on_settings_update
async def settings_changed(values: dict[str, Any]) -> None:
    ctl = controller()
    overrides: dict[str, Any] = {}
    for key in ("rows", "sample_rows"):
        if values.get(key):
            overrides[key] = int(values[key])
    if values.get("seed"):
        overrides["seed"] = str(values["seed"])
    for key in ("model", "format"):
        if values.get(key):
            overrides[key] = values[key]
    ctl.overrides = overrides
    model = ctl.settings.model.model_copy(
        update={
            k: values[v]
            for k, v in (("provider", "provider"), ("model_id", "model_id"), ("region", "region"))
            if values.get(v)
        }
    )
    ctl.settings = ctl.settings.model_copy(update={"model": model})
    await cl.Message(
        content=f"Settings for the next run: {overrides or 'the config as it is'} · {ctl.indicators()}"
    ).send()


@cl.on_message
async def on_message(message: cl.Message) -> None:
    ctl = controller()
    text = message.content.strip()
    if message.elements:
        await ctl.upload(message.elements)
        return
    demos = starters_by_label()
    lowered = text.lower()
    try:
        if lowered.startswith("password "):
            await message.remove()  # the new password does not stay on the screen
            await ctl.change_password(text.split(None, 1)[1])
        elif text in demos:
            await ctl.start(ctl.config_of(demos[text]), presenter=True)
        elif lowered in ("runs", "past runs", "list runs"):
            await ctl.list_runs()
        elif lowered.startswith("open "):
            await ctl.open_run(text.split(None, 1)[1])
        elif lowered in ("schema", "schema editor", "new schema") or lowered.startswith("edit schema"):
            ref = text.split(None, 2)[2].strip() if lowered.startswith("edit schema ") else None
            await ctl.schema_editor(ref)
        elif lowered == "users":
            await ctl.list_users()
        elif lowered.startswith("add user ") and len(text.split()) == 4:
            await ctl.add_user(text.split()[2], text.split()[3])
        elif lowered in ("configs", "configurations", "saved configurations"):
            await ctl.list_configs()
        elif lowered.startswith(("run ", "start ")):
            await ctl.start(ctl.config_of(text.split(None, 1)[1].strip()))
        elif lowered in ("help", "?", ""):
            await cl.Message(content=HELP, author="Doppel").send()
        elif await ctl.may("run"):
            await ctl.chat({"message": text})
    except DoppelError as exc:
        await cl.Message(content=str(exc), author="Doppel").send()


def _on(name: str) -> Any:
    return cl.action_callback(name)


@_on("approve")
async def approve(action: cl.Action) -> None:
    await controller().answer_approval("approve", {})


@_on("change")
async def change(action: cl.Action) -> None:
    await controller().change_column()


@_on("abort")
async def abort(action: cl.Action) -> None:
    await controller().answer_approval("abort", {})


@_on("failure_retry")
async def retry(action: cl.Action) -> None:
    await controller().answer_failure("retry")


@_on("failure_skip")
async def skip(action: cl.Action) -> None:
    await controller().answer_failure("skip")


@_on("failure_abort")
async def failure_abort(action: cl.Action) -> None:
    await controller().answer_failure("abort")


@_on("stop")
async def stop(action: cl.Action) -> None:
    await controller().stop()


@_on("resume")
async def resume(action: cl.Action) -> None:
    await controller().resume()


@_on("next_step")
async def next_step(action: cl.Action) -> None:
    await controller().next_step()


@_on("previous_step")
async def previous_step(action: cl.Action) -> None:
    await controller().previous_step()


@_on("play")
async def play(action: cl.Action) -> None:
    await controller().set_play(True)


@_on("pause")
async def pause(action: cl.Action) -> None:
    await controller().set_play(False)


@_on("download")
async def download(action: cl.Action) -> None:
    await controller().download(str(action.payload["run_id"]), str(action.payload["format"]))


@_on("open_run")
async def open_run(action: cl.Action) -> None:
    await controller().open_run(str(action.payload["run_id"]))


@_on("schema_save")
async def schema_save(action: cl.Action) -> None:
    await controller().schema_action(str(action.payload["text"]), str(action.payload["name"]), run=False)


@_on("schema_run")
async def schema_run(action: cl.Action) -> None:
    await controller().schema_action(str(action.payload["text"]), str(action.payload["name"]), run=True)


@_on("chat_yes")
async def chat_yes(action: cl.Action) -> None:
    await action.remove()
    await controller().chat({"answer": "yes"})


@_on("chat_no")
async def chat_no(action: cl.Action) -> None:
    await action.remove()
    await controller().chat({"answer": "no"})


@cl.on_chat_end
async def end() -> None:
    ctl = cl.user_session.get("controller")
    if isinstance(ctl, Controller):
        ctl.close()


@_on("export_config")
async def export_config(action: cl.Action) -> None:
    await controller().export_config(str(action.payload["id"]))


@_on("export_run")
async def export_run(action: cl.Action) -> None:
    await controller().export_run(str(action.payload["run_id"]))


@_on("share_run")
async def share_run(action: cl.Action) -> None:
    await controller().share_run(str(action.payload["run_id"]))


@_on("save_config")
async def save_config(action: cl.Action) -> None:
    reply = await cl.AskUserMessage(content="Save the configuration under which name?", timeout=300).send()
    if reply and str(reply.get("output", "")).strip():
        await controller().save_config(str(action.payload["run_id"]), str(reply["output"]).strip())


@_on("run_config")
async def run_config(action: cl.Action) -> None:
    await controller().run_saved(str(action.payload["id"]))
