"""Shared fixtures: paths and small schema builders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

pytest_plugins = ["tests.bedrock_support", "tests.mock_support"]  # stand-in fixtures: Bedrock; mocks, moto_s3

ROOT = Path(__file__).resolve().parents[1]
SHOP = ROOT / "examples" / "shop.yaml"


def write_schema(folder: Path, document: dict[str, Any], name: str = "schema.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def shop_document() -> dict[str, Any]:
    return dict(yaml.safe_load(SHOP.read_text(encoding="utf-8")))
