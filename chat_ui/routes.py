"""Doppel's HTTP routes beside Chainlit's: run files for signed-in users, share links, and ``/api``.

``/api`` is a small REST API for CI pipelines that speak neither MCP nor chat: start, resume, answer and
list runs, read their events, download outputs; OpenAPI docs at ``/api/docs``. It takes a user's API key
(``doppel users key NAME``) as a bearer token and checks the user's role. Runs advance in worker processes,
never in the server.
"""

import asyncio
import os
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from agents.state import shares
from agents.state.users import Permission, UserInfo, allowed, user_of_key
from agents.workflow import api
from agents.workflow.config import load_confined_config
from tools.errors import DoppelError
from tools.settings import Settings
from tools.workspace import workspace_of

_WORKERS: set[asyncio.subprocess.Process] = set()


def run_file(settings: Settings, run_id: str, rel: str) -> Path:
    """A file of a run's folder; 404 for anything else (``..``, links out, the lock)."""
    try:
        status = api.get_run(run_id, settings=settings)
    except DoppelError:
        raise HTTPException(404, "no such run") from None
    base = status.artifacts_dir.resolve()
    path = (base / rel).resolve()
    if not path.is_relative_to(base) or not path.is_file() or path.name == ".lock":
        raise HTTPException(404, "no such file")
    return path


async def spawn_worker(settings: Settings, run_id: str, approve_all: bool = False) -> None:
    from chat_ui.controller import worker_env

    args = [sys.executable, "-m", "chat_ui.worker", "resume", run_id] + (["--approve-all"] if approve_all else [])
    proc = await asyncio.create_subprocess_exec(
        *args, env=worker_env(settings), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    _WORKERS.add(proc)

    async def reap() -> None:
        await proc.wait()
        _WORKERS.discard(proc)

    asyncio.get_running_loop().create_task(reap())


class SchemaText(BaseModel):
    text: str = Field(max_length=200_000)


class StartRequest(BaseModel):
    config: str = Field(description="a playbook name (telecom, bank, hospital) or a run config path in the workspace")
    approve_all: bool = False
    rows: int | None = Field(None, ge=1)
    seed: int | str | None = None


class ApproveRequest(BaseModel):
    decision: Literal["approve", "change", "abort"] = "approve"
    changes: dict[str, dict[str, Any]] | None = None
    resume: bool = Field(True, description="continue the run in a worker after recording the answer")


class AnswerRequest(BaseModel):
    choice: Literal["retry", "skip", "abort"]
    resume: bool = True


def rest_api(settings: Settings) -> FastAPI:
    rest = FastAPI(
        title="Doppel API",
        description="Start, resume, answer and list workflow runs; download their outputs.",
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    router = APIRouter()

    def user(authorization: Annotated[str | None, Header()] = None) -> UserInfo:
        key = (authorization or "").removeprefix("Bearer ").strip()
        found = user_of_key(settings, key) if key else None
        if found is None:
            raise HTTPException(401, "a user's API key is needed: Authorization: Bearer dpl_...")
        return found

    def need(who: UserInfo, permission: Permission) -> Settings:
        if not allowed(who.role, permission):
            raise HTTPException(403, f"role {who.role} may not do this")
        return settings.model_copy(update={"user": who.name})

    def fail(exc: DoppelError) -> HTTPException:
        return HTTPException(400, str(exc))

    @router.get("/runs", response_model=list[api.RunStatus])
    async def list_runs(who: Annotated[UserInfo, Depends(user)], limit: int = 20) -> list[api.RunStatus]:
        s = need(who, "browse")
        return await asyncio.to_thread(api.list_runs, limit=limit, settings=s)

    @router.get("/runs/{run_id}", response_model=api.RunStatus)
    async def get_run(run_id: str, who: Annotated[UserInfo, Depends(user)]) -> api.RunStatus:
        s = need(who, "browse")
        try:
            return await asyncio.to_thread(api.get_run, run_id, settings=s)
        except DoppelError as exc:
            raise HTTPException(404, str(exc)) from None

    @router.get("/runs/{run_id}/events")
    async def events(run_id: str, who: Annotated[UserInfo, Depends(user)], after: int = 0) -> list[dict[str, Any]]:
        s = need(who, "browse")
        log = await asyncio.to_thread(api.run_event_log, run_id, after_seq=after, settings=s)
        return [{"seq": seq, **event.model_dump(mode="json")} for seq, event in log]

    @router.get("/runs/{run_id}/files/{rel:path}")
    async def download(run_id: str, rel: str, who: Annotated[UserInfo, Depends(user)]) -> FileResponse:
        s = need(who, "browse")
        return FileResponse(run_file(s, run_id, rel))

    @router.post("/runs", response_model=api.RunStatus, status_code=202)
    async def start(request: StartRequest, who: Annotated[UserInfo, Depends(user)]) -> api.RunStatus:
        s = need(who, "run")
        try:
            config = load_confined_config(request.config, workspace_of(s))
            update = {k: v for k, v in (("rows", request.rows), ("seed", request.seed)) if v is not None}
            config = config.model_copy(update=update)
            run_id = await asyncio.to_thread(api.create_run, config, approve_all=request.approve_all, settings=s)
        except DoppelError as exc:
            raise fail(exc) from None
        await spawn_worker(s, run_id, request.approve_all)
        return await asyncio.to_thread(api.get_run, run_id, settings=s)

    @router.post("/runs/{run_id}/resume", response_model=api.RunStatus, status_code=202)
    async def resume(run_id: str, who: Annotated[UserInfo, Depends(user)], approve_all: bool = False) -> api.RunStatus:
        s = need(who, "run")
        status = await asyncio.to_thread(api.get_run, run_id, settings=s)
        await spawn_worker(s, status.run_id, approve_all)
        return status

    @router.post("/runs/{run_id}/approve", response_model=api.RunStatus)
    async def approve(run_id: str, body: ApproveRequest, who: Annotated[UserInfo, Depends(user)]) -> api.RunStatus:
        s = need(who, "run")
        try:
            status = await asyncio.to_thread(api.approve, run_id, body.decision, body.changes, settings=s)
        except DoppelError as exc:
            raise fail(exc) from None
        if body.resume and status.state != "aborted":
            await spawn_worker(s, status.run_id)
        return status

    @router.post("/runs/{run_id}/answer", response_model=api.RunStatus)
    async def answer(run_id: str, body: AnswerRequest, who: Annotated[UserInfo, Depends(user)]) -> api.RunStatus:
        s = need(who, "run")
        try:
            status = await asyncio.to_thread(api.answer_failure, run_id, body.choice, settings=s)
        except DoppelError as exc:
            raise fail(exc) from None
        if body.resume and status.state != "aborted":
            await spawn_worker(s, status.run_id)
        return status

    rest.include_router(router)
    return rest


def add_routes(app: FastAPI, settings: Settings) -> None:
    """Doppel's routes, placed before Chainlit's catch-all page route."""
    from chainlit.auth import get_current_user

    before = len(app.router.routes)

    @app.get("/doppel/runs/{run_id}/files/{rel:path}", include_in_schema=False)
    async def run_files(run_id: str, rel: str, current: Annotated[Any, Depends(get_current_user)]) -> FileResponse:
        if current is None:
            raise HTTPException(401, "sign in first")
        media = "text/html" if rel.endswith(".html") else None
        return FileResponse(run_file(settings, run_id, rel), media_type=media)

    @app.post("/doppel/schema/check", include_in_schema=False)
    async def schema_check(body: SchemaText, current: Annotated[Any, Depends(get_current_user)]) -> dict[str, Any]:
        from chat_ui.schema_check import check_schema_text

        if current is None:
            raise HTTPException(401, "sign in first")
        return {"issues": await asyncio.to_thread(check_schema_text, body.text)}

    @app.get("/doppel/generators", include_in_schema=False)
    async def generators(current: Annotated[Any, Depends(get_current_user)]) -> list[dict[str, Any]]:
        from tools.generators.registry import registry

        if current is None:
            raise HTTPException(401, "sign in first")
        return [
            {"type": name, "parameters": [f.alias or n for n, f in gen.params_model.model_fields.items()]}
            for name, gen in sorted(registry().items())
        ]

    @app.get("/doppel/about", include_in_schema=False)
    async def about() -> dict[str, Any]:
        from chat_ui.server import indicators

        demo = os.environ.get("DOPPEL_UI_DEMO") == "1"
        return {"indicators": [text for text, _ in indicators(settings, demo)], "api": "/api/docs"}

    @app.get("/doppel/share/{token}", include_in_schema=False)
    async def shared(token: str) -> FileResponse:
        from agents.archive import export_run

        try:
            run_id = shares.verify(settings, token)
        except DoppelError as exc:
            raise HTTPException(403, str(exc)) from None
        out = Path(settings.home).resolve() / "ui" / "shares" / f"{run_id}.zip"
        result = await asyncio.to_thread(export_run, settings, run_id, out)
        return FileResponse(result.path, filename=f"{run_id}.zip", media_type="application/zip")

    app.mount("/api", rest_api(settings))
    added = app.router.routes[before:]
    del app.router.routes[before:]
    app.router.routes[:0] = added
