"""Shared by the Bedrock tests: no real AWS anywhere, and the local stand-in as fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mocks.bedrock import BedrockStandIn

# seconds a client waits on a request the stand-in holds (hold=True) before its read timeout fires: the
# held request never answers, and an answered one takes milliseconds, so this is all margin
HELD_READ_TIMEOUT = 3.0


def isolate_from_aws(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """No credentials, profiles or instance metadata: everything must work against the stand-in alone."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(folder / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(folder / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(scope="module")
def stand_in() -> Iterator[BedrockStandIn]:
    with BedrockStandIn() as server:
        yield server


@pytest.fixture
def bedrock(stand_in: BedrockStandIn) -> BedrockStandIn:
    """The module's stand-in, answering ``ok`` with no requests recorded yet."""
    stand_in.set_scenario("ok")
    stand_in.reset()
    return stand_in
