"""The UI's event -> element rendering, its pieces without a server (a mocked Chainlit session), and the
things it relies on: users and roles, share links, the REST API, the presenter scripts."""

from __future__ import annotations

import os
import tempfile

# Chainlit writes its folder (.chainlit/, .files/) where it is imported: a temporary one, not the checkout
os.environ.setdefault("CHAINLIT_APP_ROOT", tempfile.mkdtemp(prefix="doppel-chainlit-"))

import asyncio
import json
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock, Mock

import pytest
from chainlit.context import ChainlitContext, context_var
from chainlit.session import WebsocketSession
from typer.testing import CliRunner

from agents.events import (
    Chart,
    CostUpdate,
    Decision,
    Failed,
    Progress,
    SampleDiff,
    StageCompleted,
    StageStarted,
)
from agents.state import shares
from agents.state.users import (
    add_user,
    allowed,
    authenticate,
    ensure_admin,
    issue_key,
    list_users,
    remove_user,
    set_password,
    user_of_key,
)
from agents.workflow.config import PLAYBOOKS, load_run_config
from agents.workflow.presenter import Presenter
from chat_ui.controller import parse_column_change
from chat_ui.render import RunView, decision_row
from tests.conftest import ROOT
from tests.workflow_support import env_for, settings_in, shop_config
from tools.errors import DoppelError
from tools.settings import Settings


def session() -> Mock:
    s = Mock(spec=WebsocketSession)
    s.id, s.thread_id, s.user, s.chat_profile, s.client_type = "sid", "tid", None, None, "webapp"
    s.user_env, s.chat_settings, s.languages, s.http_referer = {}, {}, ["en"], None
    s.has_first_interaction, s.files_spec = True, {}
    s.emit = AsyncMock()
    s.emit_call = AsyncMock(return_value=None)
    return s


def in_chainlit(work: Callable[[], Awaitable[Any]]) -> Mock:
    """Run ``work`` inside a fake Chainlit session; the session (with every emit) afterwards."""
    s = session()

    async def go() -> None:
        token = context_var.set(ChainlitContext(s))
        try:
            await work()
        finally:
            context_var.reset(token)

    asyncio.run(go())
    return s


def emitted(s: Mock, kind: str) -> list[dict[str, Any]]:
    return [c.args[1] for c in s.emit.call_args_list if c.args[0] == kind]


def outputs(s: Mock) -> str:
    return "\n".join(str(m.get("output", "")) for kind in ("new_message", "update_message") for m in emitted(s, kind))


RUN = "telecom-1234abcd"


def started(stage: str = "classify") -> StageStarted:
    return StageStarted(
        run_id=RUN,
        stage=stage,
        agent="data_processor",
        what="Decide which columns are sensitive",  # type: ignore[arg-type]
        why="sensitive columns are regenerated",
        expected="one decision per column",
    )


def test_a_stage_is_a_step_with_explanation_progress_decisions_and_counts() -> None:
    presenter = load_run_config(PLAYBOOKS / "telecom.yaml").presenter
    view = RunView(RUN, presenter)
    events = [
        started(),
        Progress(run_id=RUN, stage="classify", action="Analysing 57 fields for PII patterns", done=20, total=57),
        Progress(run_id=RUN, stage="classify", action="Analysing 57 fields for PII patterns", done=57, total=57),
        Decision(
            run_id=RUN,
            stage="classify",
            subject="telecom_customers.msisdn",
            decision="sensitive: msisdn (generate)",
            confidence=0.98,
            evidence=["column_name: matches 'msisdn'", "knowledge_base: Confluence page 'MSISDN'"],
        ),
        Decision(
            run_id=RUN, stage="classify", subject="telecom_customers.plan", decision="not sensitive", confidence=0.9
        ),
        StageCompleted(
            run_id=RUN, stage="classify", counts={"columns": 57, "sensitive": 20}, seconds=0.61, success_rate=1.0
        ),
    ]
    s = in_chainlit(lambda: view.render(events))
    text = outputs(s)
    steps = [m for m in emitted(s, "new_message") if m.get("type") == "tool"]
    assert [m["name"] for m in steps] == ["Classify · data_processor"]
    assert "**What:** Decide which columns are sensitive" in text and "**Expect:** one decision per column" in text
    assert "Analysing 57 fields for PII patterns: 57 of 57" in text and ": 20 of 57" not in text.split("\n")[-1]
    assert "| telecom_customers.msisdn | identifier | msisdn | 98% |" in text
    assert "Confluence page 'MSISDN'" in text
    assert "| telecom_customers.plan | non_sensitive |" in text
    assert "Done in 0.6s, success rate 100%: columns 57, sensitive 20" in text
    messages = [m["output"] for m in emitted(s, "new_message") if m.get("type") != "tool"]
    assert any(m.startswith("**Find the personal data**") for m in messages)  # narration
    assert any(m.startswith("**Key decision:**") for m in messages)  # callout
    workflow = [e for e in emitted(s, "element") if e.get("name") == "WorkflowView"]
    assert workflow, "the workflow view is sent"
    props = workflow[-1]["props"]
    classify = next(st for st in props["stages"] if st["stage"] == "classify")
    assert (
        classify["state"] == "done" and classify["seconds"] == 0.61 and classify["decisions"][0]["role"] == "identifier"
    )
    assert next(st for st in props["stages"] if st["stage"] == "synthesise")["state"] == "waiting"


def test_charts_sample_diffs_costs_and_failures() -> None:
    figure = {"data": [{"type": "bar", "x": [0.9], "y": ["age"], "orientation": "h"}], "layout": {"title": "scores"}}
    events = [
        started("synthesise"),
        SampleDiff(
            run_id=RUN,
            stage="synthesise",
            table="customers",
            columns=["name", "plan"],
            before=[{"name": "Aaaa Aaaaa", "plan": "Prepaid"}],
            after=[{"name": "Ola Berg", "plan": "Prepaid"}],
            changed=["0:name"],
        ),
        Chart(run_id=RUN, stage="evaluate", title="customers: column shapes", figure=figure),
        CostUpdate(run_id=RUN, stage="synthesise", total=0.0012, estimate=0.002, by_service={"compute": 0.0012}),
        CostUpdate(run_id=RUN, stage="evaluate", total=0.0015, estimate=0.002, by_service={"compute": 0.0015}),
        Failed(
            run_id=RUN,
            stage="synthesise",
            error="disk full",
            context="stage synthesise, attempt 1",
            remedy="free space",
        ),
    ]
    view = RunView(RUN)
    s = in_chainlit(lambda: view.render(events))
    elements = emitted(s, "element")
    diff = next(e for e in elements if e.get("name") == "SampleDiff")
    props = diff["props"]
    assert props["before"][0]["name"] == "Aaaa Aaaaa" and props["changed"] == ["0:name"]
    assert any(e["type"] == "plotly" for e in elements)
    messages = [m["output"] for m in emitted(s, "new_message") if m.get("type") != "tool"]
    assert "Chart: customers: column shapes" in messages
    updates = [m["output"] for m in emitted(s, "update_message")]
    assert any("Running cost: $0.0015 of an estimated $0.0020" in m for m in updates)  # one message, updated
    assert sum("Running cost" in m for m in messages) == 1
    failed = [m for m in emitted(s, "update_message") if m.get("isError")]
    assert failed and "**Failed:** disk full" in failed[-1]["output"]


def test_decision_rows_take_the_role_from_the_policy() -> None:
    row = decision_row(Decision(subject="t.dob", decision="sensitive: date_of_birth (coarsen)", confidence=0.8))
    assert row["role"] == "quasi_identifier" and row["type"] == "date_of_birth"
    assert decision_row(Decision(subject="t.x", decision="not sensitive"))["role"] == "non_sensitive"


def test_a_column_change_is_read_from_plain_words() -> None:
    assert parse_column_change("telecom_customers.notes non_sensitive") == {
        "telecom_customers.notes": {"role": "non_sensitive"}
    }
    assert parse_column_change("t.email sensitive:false") == {"t.email": {"sensitive": False}}
    with pytest.raises(DoppelError, match=r"table\.column"):
        parse_column_change("notes")


def test_every_playbook_has_a_presenter_script_with_pause_points() -> None:
    for name, starter in (("telecom", "Telecom demo"), ("bank", "Bank demo"), ("hospital", "Hospital demo")):
        config = load_run_config(PLAYBOOKS / f"{name}.yaml")
        assert config.presenter is not None and config.presenter.starter == starter
        assert "after:classify" in config.presenter.pause_points()
        assert all(step.narration for step in config.presenter.steps)
        assert any(step.callout for step in config.presenter.steps)
    with pytest.raises(ValueError, match="workflow order"):
        Presenter.model_validate(
            {
                "starter": "x",
                "intro": "y",
                "steps": [
                    {"stage": "export", "title": "a", "narration": "b"},
                    {"stage": "ingest", "title": "c", "narration": "d"},
                ],
            }
        )


# ---------------------------------------------------------------- users, keys, roles, share links


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_in(tmp_path / "home")


def test_users_passwords_keys_and_roles(settings: Settings) -> None:
    add_user(settings, "ann", "engineer", "long-enough")
    assert authenticate(settings, "ann", "long-enough") is not None
    assert authenticate(settings, "ann", "wrong-password") is None
    assert authenticate(settings, "nobody", "long-enough") is None
    key = issue_key(settings, "ann")
    found = user_of_key(settings, key)
    assert found is not None and found.name == "ann" and found.role == "engineer"
    assert user_of_key(settings, key + "x") is None
    listed = list_users(settings)
    assert [u.name for u in listed] == ["ann"] and listed[0].keys == [key[:10] + "..."]
    from agents.state.db import session as db
    from agents.state.models import ApiKey, User

    with db(settings) as s:  # only hashes are stored
        assert s.get(User, "ann").password_hash.startswith("scrypt$")  # type: ignore[union-attr]
        assert "long-enough" not in s.get(User, "ann").password_hash  # type: ignore[union-attr]
        assert all(key not in row.key_hash for row in s.exec(__import__("sqlmodel").select(ApiKey)).all())
    with pytest.raises(DoppelError, match="already exists"):
        add_user(settings, "ann", "viewer", "long-enough")
    with pytest.raises(DoppelError, match="not one of"):
        add_user(settings, "bob", "boss", "long-enough")
    set_password(settings, "ann", "another-one")
    assert authenticate(settings, "ann", "long-enough") is None and authenticate(settings, "ann", "another-one")
    remove_user(settings, "ann")
    assert user_of_key(settings, key) is None
    assert allowed("viewer", "browse") and not allowed("viewer", "run")
    assert allowed("engineer", "run") and not allowed("engineer", "admin") and allowed("admin", "admin")


def test_first_start_creates_an_admin_with_a_one_time_password(settings: Settings) -> None:
    password = ensure_admin(settings)
    assert password is not None and len(password) >= 12
    first = authenticate(settings, "admin", password)
    assert first is not None and first.role == "admin" and first.must_change
    assert ensure_admin(settings) is None  # users exist: nothing is created or printed again
    set_password(settings, "admin", "my-own-password")
    again = authenticate(settings, "admin", "my-own-password")
    assert again is not None and not again.must_change


def test_users_cli(tmp_path: Path) -> None:
    from server.cli import app

    env = env_for(tmp_path / "home")
    runner = CliRunner()
    added = runner.invoke(
        app, ["users", "add", "cat", "--role", "admin", "--password-stdin"], input="pw-123456\n", env=env
    )
    assert added.exit_code == 0 and "user cat added (admin)" in added.stdout
    key = runner.invoke(app, ["users", "key", "cat"], env=env)
    assert key.exit_code == 0 and key.stdout.startswith("dpl_")
    listed = runner.invoke(app, ["users", "list"], env=env)
    assert "cat" in listed.stdout and "admin" in listed.stdout and key.stdout[:10] in listed.stdout
    short = runner.invoke(app, ["users", "add", "dog", "--password-stdin"], input="short\n", env=env)
    assert short.exit_code == 2 and "at least 8 characters" in short.stderr
    assert runner.invoke(app, ["users", "remove", "cat"], env=env).exit_code == 0


def test_share_links_are_signed_and_expire(settings: Settings) -> None:
    token, expires = shares.sign(settings, "run-1", shares.duration("24h"), now=1000.0)
    assert expires == 1000 + 86400
    assert shares.verify(settings, token, now=2000.0) == "run-1"
    with pytest.raises(DoppelError, match="expired"):
        shares.verify(settings, token, now=1000.0 + 86400)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(DoppelError, match="not a valid link"):
        shares.verify(settings, forged, now=2000.0)
    with pytest.raises(DoppelError, match="positive number"):
        shares.duration("tomorrow")


def test_rest_api_starts_lists_answers_and_serves_files(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The /api sub-app with a user's key; its worker is run to the end here (the same module the server starts)."""
    from fastapi.testclient import TestClient

    from chat_ui import controller, routes

    add_user(settings, "ci", "engineer", "ci-password")
    add_user(settings, "look", "viewer", "look-password")
    engineer, viewer = issue_key(settings, "ci"), issue_key(settings, "look")

    async def run_worker(s: Settings, run_id: str, approve_all: bool = False) -> None:
        args = [sys.executable, "-m", "chat_ui.worker", "resume", run_id] + (["--approve-all"] if approve_all else [])
        done = subprocess.run(args, env=controller.worker_env(s) | {"PYTHONPATH": str(ROOT)}, capture_output=True)
        assert done.returncode == 0, done.stderr

    monkeypatch.setattr(routes, "spawn_worker", run_worker)
    schema = shop_config().schema_file
    workspace = Path(settings.home).parent / "workspace"
    workspace.mkdir()
    (workspace / "shop.yaml").write_text(f"name: shop\nschema_file: {schema}\nrows: 20\nseed: 3\n", encoding="utf-8")
    monkeypatch.chdir(workspace)
    client = TestClient(routes.rest_api(settings.model_copy(update={"workspace_root": workspace})))
    auth = {"Authorization": f"Bearer {engineer}"}

    assert client.get("/runs").status_code == 401
    assert client.get("/docs").status_code == 200 and "/runs" in client.get("/openapi.json").json()["paths"]
    refused = client.post("/runs", json={"config": "shop.yaml"}, headers={"Authorization": f"Bearer {viewer}"})
    assert refused.status_code == 403
    outside = client.post("/runs", json={"config": "/etc/passwd.yaml"}, headers=auth)
    assert outside.status_code == 400 and "outside the workspace" in outside.json()["detail"]

    started = client.post("/runs", json={"config": "shop.yaml", "approve_all": True}, headers=auth)
    assert started.status_code == 202, started.text
    run_id = started.json()["run_id"]
    status = client.get(f"/runs/{run_id}", headers={"Authorization": f"Bearer {viewer}"}).json()
    assert status["state"] == "completed"
    assert [r["run_id"] for r in client.get("/runs", headers=auth).json()] == [run_id]
    events = client.get(f"/runs/{run_id}/events", headers=auth, params={"after": 0}).json()
    assert events[0]["seq"] == 1 and events[0]["kind"] == "stage_started"
    exported = next(o for s in status["stages"] if s["stage"] == "export" for o in s["outputs"])
    assert client.get(f"/runs/{run_id}/files/{exported}", headers=auth).status_code == 200
    assert client.get(f"/runs/{run_id}/files/../../doppel.db", headers=auth).status_code == 404
    not_waiting = client.post(f"/runs/{run_id}/approve", json={"decision": "approve"}, headers=auth)
    assert not_waiting.status_code == 400 and "not waiting" in not_waiting.json()["detail"]


def test_mcp_http_accepts_an_engineers_api_key(settings: Settings) -> None:
    """The MCP HTTP transport's guard takes the server's token or, with users, an engineer's API key."""
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from server.mcp_auth import BearerAuth

    add_user(settings, "eng", "engineer", "eng-password")
    add_user(settings, "see", "viewer", "see-password")
    engineer, viewer = issue_key(settings, "eng"), issue_key(settings, "see")

    def check(key: str) -> bool:
        user = user_of_key(settings, key)
        return user is not None and allowed(user.role, "run")

    inner = Starlette(routes=[Route("/mcp", lambda request: PlainTextResponse("ok"))])
    client = TestClient(BearerAuth(inner, "t" * 8 + "server-token-0123456789abcdef", check))
    assert client.get("/mcp", headers={"Authorization": f"Bearer {engineer}"}).text == "ok"
    assert (
        client.get("/mcp", headers={"Authorization": "Bearer tttttttt" + "server-token-0123456789abcdef"}).text == "ok"
    )
    assert client.get("/mcp", headers={"Authorization": f"Bearer {viewer}"}).status_code == 401
    assert client.get("/mcp").status_code == 401


def test_schema_text_problems_name_their_field_and_line() -> None:
    from chat_ui.schema_check import check_schema_text

    text = (ROOT / "examples" / "shop.yaml").read_text(encoding="utf-8")
    assert check_schema_text(text) == []
    found = check_schema_text(text.replace("type: uuid", "type: uuidx").replace("min: 18, max: 99", "min: 99, max: 18"))
    by_path = {i["path"]: i for i in found}
    assert by_path["tables.customers.fields.id.type"]["line"] == 9
    assert "unknown type 'uuidx'" in by_path["tables.customers.fields.id.type"]["message"]
    assert by_path["tables.customers.fields.age"]["line"] == 15
    assert check_schema_text("name: x\ntables: [\n")[0]["message"].startswith("not valid YAML")


def test_quality_and_correlation_charts_from_the_evaluation(tmp_path: Path) -> None:
    from chat_ui.charts import evaluation_charts

    pair = {"metric": "CorrelationSimilarity", "score": 0.99}
    document = {
        "quality_score": 0.9,
        "diagnostic_score": 0.98,
        "tables": [
            {
                "name": "customers",
                "quality_properties": [{"name": "Column Shapes", "score": 0.93}],
                "column_pair_trends": [
                    pair | {"columns": ["age", "fee"], "real": 0.6, "synthetic": 0.58},
                    pair | {"columns": ["age", "tenure"], "real": 0.2, "synthetic": None},
                ],
            }
        ],
    }
    (tmp_path / "evaluate").mkdir()
    (tmp_path / "evaluate" / "evaluation.json").write_text(json.dumps(document), encoding="utf-8")
    charts = dict(evaluation_charts(tmp_path))
    assert list(charts) == ["Quality scores", "customers: correlations, real vs synthetic"]
    assert list(charts["Quality scores"].data[0].y) == [
        "overall quality",
        "overall diagnostic",
        "customers: Column Shapes",
    ]
    real, synthetic = charts["customers: correlations, real vs synthetic"].data
    assert list(real.x) == ["age", "fee"] and real.z[0][1] == 0.6 and synthetic.z[1][0] == 0.58
    assert evaluation_charts(tmp_path / "nowhere") == []


def test_paths_typed_in_the_ui_stay_in_the_workspace(tmp_path: Path) -> None:
    from chat_ui.controller import Controller
    from tools.workspace import Workspace, WorkspaceError

    ctl = Controller(settings_in(tmp_path / "home"), Workspace.at(tmp_path), "engineer")
    with pytest.raises(WorkspaceError, match="outside the workspace"):
        ctl.config_of("/etc/doppel.yaml")
    with pytest.raises(WorkspaceError, match="outside the workspace"):
        ctl.config_of("../elsewhere/run.yaml")
    assert ctl.config_of("telecom").name == "telecom"  # Doppel's bundled playbooks may be read
    saved = ctl.save_schema((ROOT / "examples" / "shop.yaml").read_text(encoding="utf-8"), "../../etc/x")
    assert saved == tmp_path / "schemas" / "______etc_x.yaml"  # the name is made safe, the file stays inside
