"""Settings precedence: defaults < doppel.toml < environment < explicit values."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.settings import load_settings


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
    with pytest.raises(ValueError, match="retention_dayz"):
        load_settings()
    (tmp_path / "doppel.toml").write_text('approvals = ["after:lunch"]\n')
    with pytest.raises(ValueError, match="approvals"):
        load_settings()
