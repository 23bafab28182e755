"""Shared helpers for the workflow and audit tests: isolated settings, small configs, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from agents.events import Event
from agents.workflow.config import RunConfig, load_run_config
from tests.conftest import ROOT, SHOP
from tools.settings import RetrySettings, Settings

TELECOM = ROOT / "playbooks" / "telecom.yaml"
DOPPEL = [sys.executable, "-m", "server.cli"]
USER = "tester"


def settings_in(home: Path, **overrides: Any) -> Settings:
    """Settings with everything in ``home``, no retry delays, the default approval points."""
    values: dict[str, Any] = {
        "home": home,
        "user": USER,
        "retry": RetrySettings(attempts=3, initial_delay=0, max_delay=0),
    }
    return Settings(**(values | overrides))


def env_for(home: Path, **extra: str) -> dict[str, str]:
    """Environment for a `doppel` subprocess using ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOPPEL_")}
    env |= {"DOPPEL_HOME": str(home), "DOPPEL_USER": USER, "DOPPEL_RETRY__INITIAL_DELAY": "0"}
    return env | extra


def doppel(*args: str, home: Path, cwd: Path = ROOT, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*DOPPEL, *args], cwd=cwd, env=env_for(home, **extra), capture_output=True, text=True, timeout=300
    )


def cli(*args: str, home: Path) -> Any:
    """The doppel app in this process (fast); ``.exit_code``, ``.stdout``, ``.stderr``."""
    from typer.testing import CliRunner

    from server.cli import app

    return CliRunner().invoke(app, list(args), env=env_for(home))


def shop_config(**changes: Any) -> RunConfig:
    """A run from the bundled schema (no sample): ingest, synthesise, export and report do work."""
    return RunConfig(name="shop", schema_file=SHOP, rows=30, seed=7).model_copy(update=changes)


def telecom_config(rows: int = 60, sample_rows: int = 300, **changes: Any) -> RunConfig:
    """playbooks/telecom.yaml made small: fewer sample rows read and fewer rows made."""
    return load_run_config(TELECOM).model_copy(update={"rows": rows, "sample_rows": sample_rows, **changes})


class Collect:
    """An EventSink that keeps every event."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    def kinds(self, kind: str) -> list[Any]:
        return [e for e in self.events if e.kind == kind]


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative posix path -> bytes), hidden lock files left out."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def tiny_sample(folder: Path) -> Path:
    """80 rows, 6 columns: quick to synthesise, with names and emails to regenerate."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(3)
    n = 80
    frame = pd.DataFrame({
        "customer_id": [f"C{i:05d}" for i in range(n)],
        "full_name": [f"{rng.choice(['Amelia', 'Oliver', 'Isla', 'George'])} {rng.choice(['Smith', 'Jones'])}"
                      for _ in range(n)],
        "email": [f"user{i}@example.com" for i in range(n)],
        "plan": rng.choice(["basic", "plus", "pro"], n),
        "monthly_fee": np.round(rng.normal(30, 8, n), 2),
        "signup": pd.date_range("2023-01-01", periods=n, freq="3D").strftime("%Y-%m-%d"),
    })  # fmt: skip
    path = folder / "customers.csv"
    frame.to_csv(path, index=False)
    return path
