"""`doppel ui`: serve the Chainlit chat UI on 127.0.0.1 (sign-in, guided playbooks, runs in worker
processes, /api); and `doppel runs cancel|rewind|share`, the run controls the UI uses."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    from server.cli import out, user_errors

    @app.command("ui")
    @user_errors
    def ui(
        port: Annotated[int, typer.Option("--port", min=0, max=65535, help="port on 127.0.0.1")] = 8000,
        host: Annotated[str, typer.Option("--host", help="address to bind (loopback by default)")] = "127.0.0.1",
        demo: Annotated[bool, typer.Option("--demo", help="say so in the UI: stand-in systems are in use")] = False,
        admin: Annotated[str, typer.Option("--admin", help="the admin created on first start")] = "admin",
    ) -> None:
        """Serve the chat UI (Chainlit): sign in, start the guided demos, approve runs, download results."""
        from agents.state.users import ensure_admin
        from chat_ui.server import serve
        from tools.settings import load_settings

        settings = load_settings()
        password = ensure_admin(settings, admin)
        if password is not None:
            out.print(f"first start: user '{admin}' (admin) created; one-time password: {password}", highlight=False)
        out.print(f"Doppel UI: http://{host}:{port}  (API docs: http://{host}:{port}/api/docs)", highlight=False)
        serve(settings, host=host, port=port, demo=demo)

    runs = next(g.typer_instance for g in app.registered_groups if g.name == "runs" and g.typer_instance)
    assert runs is not None

    @runs.command("cancel")
    @user_errors
    def cancel(run_id: Annotated[str, typer.Argument(help="the run id (or a unique prefix)")]) -> None:
        """Stop the process advancing a run; the run keeps its checkpoints (`doppel resume RUN` goes on)."""
        from agents.workflow import api

        status = api.cancel_run(run_id)
        out.print(f"run {status.run_id}: stopped; continue with: doppel resume {status.run_id}", highlight=False)

    @runs.command("rewind")
    @user_errors
    def rewind(
        run_id: Annotated[str, typer.Argument(help="the run id (or a unique prefix)")],
        stage: Annotated[str, typer.Argument(help="go back to the end of this stage")],
    ) -> None:
        """Step a run back to a stage's checkpoint; `doppel resume RUN` recomputes the later stages."""
        from agents.workflow import api

        status = api.rewind(run_id, stage)  # type: ignore[arg-type]
        out.print(f"run {status.run_id}: back at the end of {stage}; continue with: doppel resume {status.run_id}")

    @runs.command("share")
    @user_errors
    def share(
        run_id: Annotated[str, typer.Argument(help="the run id (or a unique prefix)")],
        expires: Annotated[str, typer.Option("--expires", help="how long the link works: 30m, 24h, 7d")] = "24h",
        base_url: Annotated[str, typer.Option("--base-url", help="where `doppel ui` serves")] = "http://127.0.0.1:8000",
    ) -> None:
        """A signed download link for a run's archive, refused after it expires (served by `doppel ui`)."""
        from datetime import UTC, datetime

        from agents.state import shares
        from agents.workflow import api
        from tools.settings import load_settings

        settings = load_settings()
        status = api.get_run(run_id, settings=settings)
        token, until = shares.sign(settings, status.run_id, shares.duration(expires))
        print(f"{base_url.rstrip('/')}/doppel/share/{token}")
        out.print(f"expires {datetime.fromtimestamp(until, UTC):%Y-%m-%d %H:%M} UTC", highlight=False)
