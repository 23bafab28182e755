"""Input that used to be accepted silently and meant something else: now a clear error (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import SHOP
from tests.workflow_support import env_for, tiny_sample

SEED_ERROR = "--seed: empty; give an integer or any text, or leave --seed out for a random (recorded) seed"


@pytest.mark.parametrize("command", ["generate", "synthesize", "anonymise", "run"])
def test_an_empty_seed_is_an_error_on_every_command_that_takes_one(tmp_path: Path, command: str) -> None:
    from server.cli import app

    sample = str(tiny_sample(tmp_path))
    out = str(tmp_path / "out")
    args = {
        "generate": ["generate", str(SHOP), "--rows", "5", "--out", out],
        "synthesize": ["synthesize", sample, "--rows", "5", "--out", out],
        "anonymise": ["anonymise", sample, "--out", out],
        "run": ["run", "telecom"],
    }[command]
    for empty in ("", "  "):
        done = CliRunner().invoke(app, [*args, "--seed", empty], env=env_for(tmp_path / "home"))
        assert done.exit_code == 2, done.output
        assert " ".join(done.stderr.split()) == f"error: {SEED_ERROR}"
    assert not (tmp_path / "out").exists() and not (tmp_path / "home" / "runs").exists()
