"""Serve the Chainlit app (``doppel ui``): its app folder, secrets and the routes Doppel adds.

Chainlit reads its folder (``.chainlit/config.toml``, ``public/``, uploads in ``.files/``) from
``CHAINLIT_APP_ROOT`` when it is imported, so ``prepare`` writes ``<home>/ui/`` first and ``serve`` imports
Chainlit after. Doppel's routes are put before Chainlit's catch-all page route: a signed-in user's run
files (``/doppel/runs/RUN/files/PATH``), signed share links (``/doppel/share/TOKEN``) and the REST API
(``/api``, OpenAPI docs at ``/api/docs``).
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path
from typing import Any

from tools.settings import Settings

HERE = Path(__file__).resolve().parent
APP_FILE = HERE / "app.py"
CONFIG = """[project]
user_env = []
session_timeout = 3600
user_session_timeout = 86400
cache = false
persist_user_env = false
mask_user_env = true
allow_origins = ["http://127.0.0.1", "http://localhost"]

[features]
unsafe_allow_html = false
latex = false
user_message_markdown = true
user_message_autoscroll = true
assistant_message_autoscroll = true
auto_tag_thread = true
edit_message = false
allow_thread_sharing = false
favorites = false

[features.spontaneous_file_upload]
    enabled = true
    accept = ["text/csv", "text/plain", "application/vnd.ms-excel", "application/json"]
    max_files = 10
    max_size_mb = 200

[features.audio]
    enabled = false

[features.mcp]
    enabled = false

    [features.mcp.user_servers]
        enabled = false
        allowed_urls = []

[UI]
name = "Doppel"
description = "Safe, realistic synthetic test data"
cot = "full"
layout = "wide"
default_sidebar_state = "closed"
alert_style = "classic"
custom_css = "/public/doppel.css"
logo_file_url = ""
default_avatar_file_url = ""

{header_links}
[meta]
generated_by = "2.12.0"
"""
README = """# Doppel

Safe, realistic synthetic test data from a production sample or a schema.

Start with a guided demo (**Telecom demo**, **Bank demo**, **Hospital demo**), upload a CSV sample, or type
`runs` to browse past runs. Every stage runs in its own process; approvals, failures and presenter controls
appear as buttons.
"""


def indicators(settings: Settings, demo: bool) -> list[tuple[str, str]]:
    """(text, icon) of the header's always-visible indicators."""
    model = settings.model.provider
    shown = [("offline model" if model == "offline" else f"model: {model}", "/public/badge.svg")]
    if demo:
        shown.insert(0, ("demo mode: stand-in systems", "/public/demo.svg"))
    return shown


def header_links(settings: Settings, demo: bool) -> str:
    links = [("runs", "/public/badge.svg", "/api/docs", "API")] + [
        (text.split(":")[0].replace(" ", "-"), icon, "/doppel/about", text) for text, icon in indicators(settings, demo)
    ]
    return "".join(
        f'[[UI.header_links]]\n    name = "{name}"\n    icon_url = "{icon}"\n    url = "{url}"\n'
        f'    display_name = "{label}"\n    target = "_blank"\n\n'
        for name, icon, url, label in links
    )


def prepare(settings: Settings, *, demo: bool = False) -> Path:
    """``<home>/ui``: Chainlit's folder with Doppel's config, welcome text and custom elements."""
    root = Path(settings.home).resolve() / "ui"
    (root / ".chainlit").mkdir(parents=True, exist_ok=True)
    config = CONFIG.replace("{header_links}", header_links(settings, demo))
    (root / ".chainlit" / "config.toml").write_text(config, encoding="utf-8")
    (root / "chainlit.md").write_text(README, encoding="utf-8")
    public = root / "public"
    if public.exists():
        shutil.rmtree(public)
    shutil.copytree(HERE / "public", public)
    return root


def auth_secret(root: Path) -> str:
    """CHAINLIT_AUTH_SECRET, or one kept in ``<home>/ui/.auth-secret`` (0600) across restarts."""
    if given := os.environ.get("CHAINLIT_AUTH_SECRET"):
        return given
    path = root / ".auth-secret"
    if not path.is_file():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()


def environment(settings: Settings, root: Path, *, demo: bool) -> None:
    """What the app module and the worker processes read: the same home, database and workspace."""
    os.environ["CHAINLIT_APP_ROOT"] = str(root)
    os.environ["CHAINLIT_AUTH_SECRET"] = auth_secret(root)
    os.environ["DOPPEL_HOME"] = str(Path(settings.home).resolve())
    os.environ["DOPPEL_WORKSPACE_ROOT"] = str(Path(settings.workspace_root).resolve())
    if settings.database_url is not None:
        os.environ["DOPPEL_DATABASE_URL"] = settings.database_url.get_secret_value()
    if demo:
        os.environ["DOPPEL_UI_DEMO"] = "1"


def build(settings: Settings, *, host: str, port: int, demo: bool = False) -> Any:
    """The ASGI app: Chainlit with Doppel's module loaded and Doppel's routes first."""
    root = prepare(settings, demo=demo)
    environment(settings, root, demo=demo)
    from chainlit.auth import ensure_jwt_secret
    from chainlit.config import config, load_module
    from chainlit.server import app

    config.run.host, config.run.port, config.run.headless = host, port, True
    config.run.module_name = str(APP_FILE)
    load_module(str(APP_FILE))
    ensure_jwt_secret()
    from chat_ui.routes import add_routes

    add_routes(app, settings)
    return app


def serve(settings: Settings, *, host: str = "127.0.0.1", port: int = 8000, demo: bool = False) -> None:
    import asyncio

    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            if self.started:
                bound = self.servers[0].sockets[0].getsockname()[1] if self.servers else port
                print(f"Doppel UI ready: http://{host}:{bound}", flush=True)

    app = build(settings, host=host, port=port, demo=demo)
    server = Server(uvicorn.Config(app, host=host, port=port, log_level="warning", ws="auto"))
    asyncio.run(server.serve())
