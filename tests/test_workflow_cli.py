"""`doppel run / resume / runs / audit` as users run them, and the engine on PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import yaml

from agents.state.db import dispose
from agents.workflow import api
from server.cmd_run import parse_changes, resolve_config
from tests.conftest import SHOP
from tests.workflow_support import cli, doppel, settings_in, shop_config
from tools.errors import DoppelError

PG = "postgresql://postgres@127.0.0.1:5432/test"


def _shop_yaml(folder: Path, **extra: object) -> Path:
    path = folder / "shop-run.yaml"
    path.write_text(yaml.safe_dump({"name": "shop", "schema_file": str(SHOP), "rows": 20, "seed": 3, **extra}))
    return path


def test_run_resume_show_events_via_cli(tmp_path: Path) -> None:
    home = tmp_path / "home"
    config = _shop_yaml(tmp_path, approvals=["after:synthesise"])
    done = doppel("run", str(config), home=home)
    assert done.returncode == 0, done.stderr
    assert "paused for approval at after:synthesise" in done.stdout
    run_id = api.list_runs(settings=settings_in(home))[0].run_id
    assert f"doppel runs approve {run_id}" in done.stdout and f"doppel resume {run_id}" in done.stdout
    assert "✓ synthesise" in done.stdout and "✓ export" not in done.stdout

    change = cli("runs", "approve", run_id, "--change", "shop.x=sensitive:false", home=home)
    assert change.exit_code == 2 and "takes none (only after:classify)" in change.stderr
    approved = cli("runs", "approve", run_id, home=home)
    assert approved.exit_code == 0 and "approve recorded" in approved.stdout
    resumed = doppel("resume", run_id[:10], home=home)
    assert resumed.returncode == 0, resumed.stderr
    assert "✓ export" in resumed.stdout and "completed" in resumed.stdout
    assert "– distribute skipped: no targets configured" in resumed.stdout

    shown = cli("runs", "show", run_id, home=home)
    assert shown.exit_code == 0 and "report" in shown.stdout and "completed" in shown.stdout
    listed = cli("runs", "list", "--query", "shop", home=home)
    assert run_id in listed.stdout
    events = cli("runs", "events", run_id, "--json", home=home)
    kinds = [json.loads(line)["kind"] for line in events.stdout.splitlines()]
    assert kinds[0] == "stage_started" and "approval_requested" in kinds and kinds[-1] == "decision"
    exported = cli("audit", "export", "--run", run_id, "--kind", "approval", home=home)
    assert [r["detail"]["event"] for r in json.loads(exported.stdout)] == ["requested", "decided"]


def test_run_seed_flag_and_approve_all(tmp_path: Path) -> None:
    home = tmp_path / "home"
    config = _shop_yaml(tmp_path, approvals=["after:synthesise"])
    done = doppel("run", str(config), "--approve-all", "--seed", "99", home=home)
    assert done.returncode == 0, done.stderr
    status = api.list_runs(settings=settings_in(home))[0]
    assert status.state == "completed"
    report = json.loads((status.artifacts_dir / "report" / "report.json").read_text())
    assert report["seed"] == 99


def test_cli_errors_name_the_file_and_exit_2(tmp_path: Path) -> None:
    home = tmp_path / "home"
    missing = doppel("run", str(tmp_path / "nope.yaml"), home=home)  # a real process: exit 2, no traceback
    assert missing.returncode == 2
    assert f"{tmp_path / 'nope.yaml'}: no such run config file or playbook" in missing.stderr
    assert "Traceback" not in missing.stderr + missing.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ndata:\n  - a.csv\nformat: xlsx\n")
    invalid = cli("run", str(bad), home=home)
    assert invalid.exit_code == 2 and f"{bad}:4: format" in invalid.stderr
    gone = tmp_path / "gone.yaml"
    gone.write_text("name: x\ndata: [missing.csv]\n")
    absent = cli("run", str(gone), home=home)
    assert absent.exit_code == 2 and "data[0]" in absent.stderr and str(tmp_path / "missing.csv") in absent.stderr
    unknown = cli("resume", "no-such-run", home=home)
    assert unknown.exit_code == 2 and "run 'no-such-run': no such run" in unknown.stderr
    change = cli("runs", "approve", "whatever", "--change", "nodot", home=home)
    assert change.exit_code == 2 and "--change 'nodot'" in change.stderr
    for done in (invalid, absent, unknown, change):
        assert done.exception is None or isinstance(done.exception, SystemExit)


def test_playbook_names_and_change_parsing(tmp_path: Path) -> None:
    assert resolve_config("telecom").name == "telecom.yaml"
    with pytest.raises(DoppelError, match="playbooks: bank, hospital, telecom"):
        resolve_config("nosuch")
    assert parse_changes(["t.a=sensitive:false", "t.b=sensitive:yes,entity:email"]) == {
        "t.a": {"sensitive": False},
        "t.b": {"sensitive": True, "entity": "email"},
    }
    with pytest.raises(DoppelError, match="sensitive must be true or false"):
        parse_changes(["t.a=sensitive:maybe"])


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A fresh schema on the local PostgreSQL, dropped afterwards."""
    name = f"doppel_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{name}" CASCADE')


def test_engine_on_postgresql(tmp_path: Path, pg_schema: str) -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{pg_schema}"
    settings = settings_in(tmp_path / "home", database_url=url)
    try:
        status = api.start_run(shop_config(approvals=["after:synthesise"]), settings=settings)
        assert status.state == "paused_approval"
        api.approve(status.run_id, settings=settings)
        done = api.resume_run(status.run_id, settings=settings)
        assert done.state == "completed"
        assert api.get_run(status.run_id, settings=settings).stages[-1].state == "completed"
        assert len(api.run_events(status.run_id, settings=settings)) > 10
    finally:
        dispose(settings)
    with psycopg.connect(PG) as conn:
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (pg_schema,)
            )
        }
        seed = conn.execute(f'SELECT seed FROM "{pg_schema}".doppel_run').fetchone()
    assert {"doppel_run", "doppel_stage_checkpoint", "doppel_approval", "doppel_audit", "doppel_event"} <= tables
    assert seed == (7,)  # shop_config seed, read back from PostgreSQL


def test_interactive_approval_on_a_terminal(tmp_path: Path) -> None:
    """On a TTY the run asks at the approval point and goes on with the answer."""
    import os
    import pty
    import select
    import subprocess

    from tests.workflow_support import DOPPEL, ROOT, env_for

    home = tmp_path / "home"
    config = _shop_yaml(tmp_path, approvals=["after:synthesise"])
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [*DOPPEL, "run", str(config)], cwd=ROOT, env=env_for(home, COLUMNS="120"),
        stdin=slave, stdout=slave, stderr=slave, close_fds=True,
    )  # fmt: skip
    os.close(slave)
    seen, answered = b"", False
    try:
        while True:  # woken by each piece of output; the silence limit only turns a hang into a failure
            ready, _, _ = select.select([master], [], [], 600)
            assert ready, f"no output for 10 minutes: {seen.decode(errors='replace')}"
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
            if not answered and b"or later?" in seen:
                os.write(master, b"approve\n")
                answered = True
    finally:
        proc.wait(timeout=30)
        os.close(master)
    text = seen.decode(errors="replace")
    assert proc.returncode == 0, text
    assert answered and "approve, abort or later?" in text
    status = api.list_runs(settings=settings_in(home))[0]
    assert status.state == "completed"


def test_a_killed_run_shows_as_interrupted_with_the_resume_command_and_resumes(tmp_path: Path) -> None:
    """SIGKILL `doppel run` as the synthesise stage starts (seen on its output, no sleeping)."""
    import signal
    import subprocess

    from tests.workflow_support import DOPPEL, ROOT, env_for

    home = tmp_path / "home"
    config = _shop_yaml(tmp_path, approvals=[])
    proc = subprocess.Popen(
        [*DOPPEL, "run", str(config)], cwd=ROOT, env=env_for(home, PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:  # blocks until the child prints the next line
        seen.append(line)
        if "▶ synthesise" in line:
            proc.send_signal(signal.SIGKILL)
            break
    proc.stdout.close()
    assert proc.wait(timeout=60) == -signal.SIGKILL, "".join(seen)
    (status,) = api.list_runs(settings=settings_in(home))
    assert status.state == "interrupted" and status.current_stage == "synthesise"
    assert status.resume_command == f"doppel resume {status.run_id}"

    listed = cli("runs", "list", home=home)
    assert listed.exit_code == 0 and "interrupted" in listed.stdout
    assert f"continue it with: doppel resume {status.run_id}" in " ".join(listed.stdout.split())
    shown = cli("runs", "show", status.run_id, home=home)
    assert shown.exit_code == 0 and "interrupted" in shown.stdout
    assert f"continue it with: doppel resume {status.run_id}" in " ".join(shown.stdout.split())

    resumed = doppel("resume", status.run_id, home=home)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert api.get_run(status.run_id, settings=settings_in(home)).state == "completed"


def test_running_means_a_live_owner(tmp_path: Path) -> None:
    """A "running" row whose owner pid is dead is interrupted; a live, own or remote owner is running."""
    import os
    import socket
    import subprocess

    from agents.state.db import session
    from agents.state.models import Run

    settings = settings_in(tmp_path / "home")
    gone = subprocess.Popen(["true"])
    gone.wait()
    owners = {
        "dead": (socket.gethostname(), gone.pid),
        "mine": (socket.gethostname(), os.getpid()),
        "parent": (socket.gethostname(), os.getppid()),
        "remote": ("another-host.example", gone.pid),
        "unknown": (None, None),  # a row from before owners were recorded, and no lock held
    }
    with session(settings) as s:
        for name, (host, pid) in owners.items():
            s.add(Run(id=f"r-{name}", name=name, seed=1, state="running", user="t", owner_host=host, owner_pid=pid))
    states = {s.name: s.state for s in api.list_runs(settings=settings)}
    assert states == {
        "dead": "interrupted", "mine": "running", "parent": "running", "remote": "running", "unknown": "interrupted",
    }  # fmt: skip
    from agents.workflow.locking import run_lock

    with run_lock(settings.runs_dir / "r-unknown", "r-unknown"):  # a holder of the run's lock: running
        assert api.get_run("r-unknown", settings=settings).state == "running"
