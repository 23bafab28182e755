"""`doppel load` and `doppel unload` on the command line: counts per target and table, rejection reasons, the
stand-ins named as such, one unreachable target failing alone with a non-zero exit, and unload by load id."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Any

from mocks.suite import MockSuite
from tests.targets_support import generate
from tests.workflow_support import env_for


def run_cli(*args: str, home: Path, config: Path) -> Any:
    from typer.testing import CliRunner

    from server.cli import app

    env = env_for(home, DOPPEL_CONFIG=str(config), COLUMNS="200")
    return CliRunner().invoke(app, list(args), env=env)


def test_load_prints_each_target_and_table_and_one_unreachable_target_fails_alone(
    mocks: MockSuite, tmp_path: Path
) -> None:
    out = generate(tmp_path, "csv", customers=20, orders=30)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, never listening: every connection is refused
    try:
        config = tmp_path / "doppel.toml"
        config.write_text(
            f'[targets.db]\nkind = "sqlite"\npath = "{tmp_path / "shop.sqlite"}"\n\n'
            f'[targets.api]\nkind = "rest"\nstand_in = true\nurl = "{mocks.urls["rest"]}"\ntables = ["orders"]\n'
            "initial_delay = 0\n\n"
            f'[targets.gone]\nkind = "rest"\nurl = "http://127.0.0.1:{closed.getsockname()[1]}"\nattempts = 2\n'
            "initial_delay = 0\n",
            encoding="utf-8",
        )
        home = tmp_path / "home"
        done = run_cli("load", str(out), "--target", "db", "--target", "gone", "--target", "api", "--batch-size", "7",
                       home=home, config=config)  # fmt: skip
    finally:
        closed.close()
    assert done.exit_code == 1, done.output
    text = done.stdout
    rows = {tuple(re.split(r"\s*│\s*", line.strip())) for line in text.splitlines() if "│" in line}
    assert ("db", "sqlite", "customers", "20", "0", "0", "0", "ok") in rows
    assert ("", "", "orders", "30", "0", "0", "0", "") in rows
    assert ("api", "rest (STAND-IN)", "orders", "30", "0", "0", "0", "ok") in rows
    assert ("gone", "rest", "", "", "", "", "", "FAILED") in rows
    assert "✗ gone (http://127.0.0.1:" in text and "failed after 2 attempt(s)" in text
    assert "stand-ins (local imitations, not the real systems): api: rest stand-in at http://127.0.0.1:" in text
    load_id = re.search(r"load id: (load-[\w-]+)", text)
    assert load_id is not None and f"doppel unload {load_id[1]}" in text

    undone = run_cli("unload", load_id[1], home=home, config=config)
    assert undone.exit_code == 0, undone.output
    assert f"✓ db (sqlite, {load_id[1]}): removed orders 30, customers 20" in undone.stdout
    assert f"✓ api (rest, STAND-IN, {load_id[1]}): removed orders 30" in undone.stdout
    assert "gone" not in undone.stdout  # it wrote nothing, so there is nothing to remove

    refused = run_cli("load", str(out), "--target", "db", "--mode", "merge", home=home, config=config)
    assert refused.exit_code == 2 and "--mode: 'merge' is not one of insert, upsert, replace" in refused.stderr
    unknown = run_cli("unload", "no-such-run", home=home, config=config)
    assert unknown.exit_code == 2 and "no load or run 'no-such-run'" in unknown.stderr


def test_doppel_run_serves_the_stand_ins_its_targets_need_and_says_so(tmp_path: Path) -> None:
    """A schema run whose only target is the REST stand-in: `doppel run` starts it for the run, the distribute
    stage loads into it, and the output says it is a stand-in."""
    import yaml

    from tests.conftest import SHOP
    from tests.workflow_support import cli

    config = tmp_path / "shop-run.yaml"
    target = {"kind": "rest", "name": "orders_api", "stand_in": True, "tables": ["orders"], "initial_delay": 0}
    config.write_text(
        yaml.safe_dump({"name": "shop", "schema_file": str(SHOP), "rows": 25, "seed": 3, "targets": [target]}),
        encoding="utf-8",
    )
    home = tmp_path / "home"
    done = cli("run", str(config), "--approve-all", home=home)
    assert done.exit_code == 0, done.output
    text = " ".join(done.stdout.split())
    assert "stand-ins (local imitations, not the real systems) started for this run: rest http://127.0.0.1:" in text
    assert "✓ distribute" in text and "orders api/orders loaded 25" in text  # (the renderer shows _ as a space)
    assert "orders_api: rest stand-in at http://127.0.0.1:" in text and "(started in-process for this run)" in text
    assert not (home / "mocks" / "running.json").exists()  # the run's stand-ins stopped with it
    run_id = next((home / "runs").iterdir()).name
    undone = cli("unload", run_id, home=home)
    assert (
        undone.exit_code == 0
        and "✓ orders_api (rest, STAND-IN," in undone.stdout
        and "removed orders 25" in undone.stdout
    )
