"""Settings precedence: defaults < doppel.toml < environment < explicit values."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tools.settings import SettingsError, load_settings


def test_defaults_are_offline_sqlite_and_loopback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.model.provider == "offline"
    assert settings.database == "sqlite:///.doppel/doppel.db"
    assert settings.mcp.host == "127.0.0.1"
    assert settings.approvals == ["after:classify", "before:distribute"]


def test_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "doppel.toml").write_text('retention_days = 30\n[model]\nprovider = "bedrock"\n')
    assert load_settings().model.provider == "bedrock"
    assert load_settings().retention_days == 30
    monkeypatch.setenv("DOPPEL_MODEL__PROVIDER", "offline")
    assert load_settings().model.provider == "offline"
    assert load_settings(retention_days=7).retention_days == 7


def test_unknown_keys_and_bad_values_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "doppel.toml").write_text("retention_dayz = 30\n")
    with pytest.raises(SettingsError, match="retention_dayz"):
        load_settings()
    (tmp_path / "doppel.toml").write_text('approvals = ["after:lunch"]\n')
    with pytest.raises(SettingsError, match="approvals"):
        load_settings()


# ------------------------------------------------------------------ invalid settings: clear errors, exit 2


def _doppel(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """A real `doppel` process in ``tmp_path`` with only the given DOPPEL_* variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DOPPEL_")}
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        cwd=tmp_path,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_retention_days_zero_from_the_environment_is_one_clear_line(tmp_path: Path) -> None:
    done = _doppel(tmp_path, "audit", "archive", DOPPEL_RETENTION_DAYS="0")
    assert done.returncode == 2, done.stderr
    text = done.stdout + done.stderr
    assert "Traceback" not in text and "pydantic" not in text and "validation error" not in text
    lines = done.stderr.strip().splitlines()
    assert lines[0] == "error: invalid settings"
    assert lines[1:] == [
        "  - retention_days = '0' (from environment variable DOPPEL_RETENTION_DAYS): must be greater than or equal to 1"
    ]


@pytest.mark.parametrize("command", [["version"], ["generators"], ["runs", "list"], ["configs", "list"]])
def test_every_command_refuses_invalid_settings(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "doppel.toml").write_text('[model]\ntemperature = 3\n[mcp]\nport = "high"\n')
    done = _doppel(tmp_path, *command)
    assert done.returncode == 2, done.stdout + done.stderr
    toml = tmp_path / "doppel.toml"
    assert done.stderr.strip().splitlines() == [
        "error: invalid settings",
        f"  - model.temperature = 3 (from {toml}): must be less than or equal to 1",
        f"  - mcp.port = 'high' (from {toml}): must be a valid integer, unable to parse string as an integer",
    ]
    assert "Traceback" not in done.stdout + done.stderr


def test_problems_name_their_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in [k for k in os.environ if k.startswith("DOPPEL_")]:
        monkeypatch.delenv(name)
    own = tmp_path / "conf" / "mine.toml"
    own.parent.mkdir()
    own.write_text('retention_dayz = 30\napprovals = ["after:lunch"]\n')
    monkeypatch.setenv("DOPPEL_CONFIG", str(own))
    monkeypatch.setenv("DOPPEL_MODEL__MAX_TOKENS", "-5")
    monkeypatch.setenv("DOPPEL_APPROVALS", "not json")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert [str(i) for i in caught.value.issues] == [
        "approvals (from environment variable DOPPEL_APPROVALS): not valid JSON (a list or object is expected)",
    ]
    monkeypatch.delenv("DOPPEL_APPROVALS")
    with pytest.raises(SettingsError) as caught:
        load_settings(retention_days=0)
    assert sorted(str(i) for i in caught.value.issues) == sorted([
        "retention_days = 0 (given explicitly): must be greater than or equal to 1",
        f"approvals.0 = 'after:lunch' (from {own}): must be 'after:ingest', 'after:profile', 'after:classify', "
        "'after:synthesise', 'after:evaluate', 'after:export', 'before:distribute', 'before:test_cases', "
        "'before:execute' or 'before:report'",
        "model.max_tokens = '-5' (from environment variable DOPPEL_MODEL__MAX_TOKENS): must be greater than 0",
        f"retention_dayz (from {own}): unknown setting",
    ])  # fmt: skip


def test_unreadable_config_files_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in [k for k in os.environ if k.startswith("DOPPEL_")]:
        monkeypatch.delenv(name)
    (tmp_path / "doppel.toml").write_text("retention_days = \n")
    with pytest.raises(SettingsError, match=r"doppel.toml: not valid TOML: .*line 1"):
        load_settings()
    monkeypatch.setenv("DOPPEL_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert [str(i) for i in caught.value.issues] == [
        f"DOPPEL_CONFIG (environment variable): {tmp_path / 'missing.toml'}: no such file"
    ]
