"""Typed targets: one model per kind in run configurations and doppel.toml; credentials only from the settings
(doppel.toml or DOPPEL_TARGETS__NAME__FIELD) and never in a dump, a record, a report or a message; targets
from URLs; the registry takes new kinds (as a doppel.targets entry point would add them)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

import pytest
import yaml

from agents.workflow.config import RunConfig, load_run_config
from tests.targets_support import FAST, customer, customers_folder, settings_for
from tools.errors import DoppelError
from tools.settings import load_settings
from tools.targets.base import Batch, BatchResult, Key, Mode, TablePlan, TargetInfo
from tools.targets.config import (
    FolderTarget,
    RestTarget,
    S3Target,
    SqliteTarget,
    SqlTarget,
    TargetConfig,
    from_reference,
)
from tools.targets.registry import OpenContext, kinds, target_kind
from tools.targets.resolve import resolve_targets
from tools.targets.service import load_folder

SECRET = "s3cret-Pa55"


def test_run_config_targets_are_typed_by_kind_and_errors_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    document: dict[str, Any] = {
        "name": "t",
        "data": ["a.csv"],
        "targets": [
            "warehouse",
            {"kind": "sqlite", "name": "local"},
            {"kind": "salesforce", "stand_in": True, "objects": {"customers": {"object": "Account"}}},
            {"kind": "rest", "stand_in": True, "resources": {"customers": "customers"}},
        ],
    }
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    config = load_run_config(path)
    assert config.targets[0] == "warehouse"
    assert [type(t).__name__ for t in config.targets[1:]] == ["SqliteTarget", "SalesforceTarget", "RestTarget"]
    assert RunConfig.model_validate(config.model_dump(mode="json")) == config  # stored and read back as is

    document["targets"] = [{"kind": "sqlite", "name": "a"}, {"kind": "nosql"}, {"kind": "rest", "batch_size": 0}]
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    with pytest.raises(DoppelError) as info:
        load_run_config(path)
    text = str(info.value)
    assert f"{path}:" in text and "targets.1: unknown target kind 'nosql'; known: " in text and "sql, sqlite" in text
    assert "targets.2.batch_size" in text

    document["targets"] = [{"kind": "sql", "name": "wh", "url": f"postgresql://app:{SECRET}@db.example/prod"}]
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    with pytest.raises(DoppelError) as info:
        load_run_config(path)
    assert "DOPPEL_TARGETS__WH__PASSWORD" in str(info.value) and "doppel.toml [targets.wh]" in str(info.value)
    assert SECRET not in str(info.value)


def test_credentials_come_from_doppel_toml_or_the_environment_and_are_never_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toml = tmp_path / "doppel.toml"
    toml.write_text(
        '[targets.warehouse]\nkind = "sql"\nurl = "postgresql://app@127.0.0.1:1/prod"\nattempts = 1\n'
        '[targets.api]\nkind = "rest"\nurl = "http://127.0.0.1:1"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("DOPPEL_CONFIG", str(toml))
    monkeypatch.setenv("DOPPEL_TARGETS__WAREHOUSE__PASSWORD", SECRET)
    monkeypatch.setenv("DOPPEL_TARGETS__API__TOKEN", SECRET)
    monkeypatch.setenv("DOPPEL_HOME", str(tmp_path / "home"))
    settings = load_settings()
    warehouse = settings.targets["warehouse"]
    assert isinstance(warehouse, SqlTarget) and warehouse.password is not None
    assert warehouse.password.get_secret_value() == SECRET and warehouse.name == "warehouse"
    api = settings.targets["api"]
    assert isinstance(api, RestTarget) and api.token is not None and api.token.get_secret_value() == SECRET

    # a run configuration names the target, or writes it out without credentials: the settings supply them
    (merged,) = resolve_targets([SqlTarget(name="warehouse", url="postgresql://app@127.0.0.1:1/prod", mode="insert")],
                                settings)  # fmt: skip
    assert isinstance(merged, SqlTarget) and merged.password is not None and merged.mode == "insert"
    for dumped in (warehouse.model_dump(), warehouse.model_dump(mode="json"), api.model_dump_json(), repr(warehouse)):
        assert SECRET not in str(dumped)

    # a failed load: neither the report, nor the record of the load, nor the log says the password
    out = customers_folder(tmp_path / "data", [customer(1)])
    refs = ["warehouse", f"postgresql://app:{SECRET}@127.0.0.1:1/other"]
    report = load_folder(out, refs, settings, sleep=lambda seconds: None)
    assert not report.ok and [t.target.name for t in report.targets] == ["warehouse", "other"]
    assert all("127.0.0.1" in (t.error or "") for t in report.targets)
    record = Path(report.record).read_text(encoding="utf-8")
    assert SECRET not in report.model_dump_json() and SECRET not in record
    assert '"url": "postgresql://app@127.0.0.1:1/other"' in record


def test_targets_from_urls_and_folders(tmp_path: Path) -> None:
    assert isinstance(from_reference("sqlite:///x/y.db"), SqliteTarget)
    pg = from_reference(f"postgresql://app:{SECRET}@db:5432/prod")
    assert isinstance(pg, SqlTarget) and pg.url == "postgresql://app@db:5432/prod" and pg.name == "prod"
    assert pg.password is not None and pg.password.get_secret_value() == SECRET
    assert SECRET not in pg.where() and SECRET not in pg.identity()
    s3 = from_reference("s3://bucket-a/some/prefix")
    assert isinstance(s3, S3Target) and (s3.bucket, s3.prefix) == ("bucket-a", "some/prefix")
    assert isinstance(from_reference("https://api.example.com/v1"), RestTarget)
    assert isinstance(from_reference(str(tmp_path / "out")), FolderTarget)
    with pytest.raises(DoppelError, match="no target named nowhere"):
        resolve_targets(["nowhere"], settings_for(tmp_path))


class MemoryTarget(TargetConfig):
    """A plug-in kind: rows kept in a list (as a ``doppel.targets`` entry point would register it)."""

    kind: Literal["memory"] = "memory"
    SECRETS: ClassVar[tuple[str, ...]] = ()


HELD: dict[str, list[dict[str, Any]]] = {}


class Memory:
    keyed = True

    def __init__(self, config: TargetConfig) -> None:
        self.config = config

    def report(self) -> TargetInfo:
        return TargetInfo(name=self.config.label, kind="memory", where="memory", identity="memory")

    def check(self) -> None: ...

    def begin(self, tables: Sequence[TablePlan], mode: Mode) -> None: ...

    def load(self, table: TablePlan, batch: Batch, mode: Mode) -> BatchResult:
        HELD.setdefault(table.name, []).extend(batch.rows)
        return BatchResult(loaded=len(batch.rows), written=batch.keys)

    def finish(self, table: TablePlan) -> BatchResult:
        return BatchResult()

    def unload(self, table: str, keys: Sequence[Key]) -> int:
        before = len(HELD.get(table, []))
        HELD[table] = [r for r in HELD.get(table, []) if r["customer_id"] not in set(keys)]
        return before - len(HELD[table])

    def close(self) -> None: ...


def test_a_new_kind_registers_like_the_built_in_ones(tmp_path: Path) -> None:
    @target_kind(MemoryTarget)
    def open_memory(config: TargetConfig, context: OpenContext) -> Memory:
        return Memory(config)

    assert kinds()["memory"].config is MemoryTarget
    config = RunConfig.model_validate({"name": "t", "data": ["a.csv"], "targets": [{"kind": "memory", **FAST}]})
    assert isinstance(config.targets[0], MemoryTarget)
    settings = settings_for(tmp_path / "home")
    out = customers_folder(tmp_path / "data", [customer(i) for i in range(5)])
    report = load_folder(out, config.targets, settings)
    assert report.ok and len(HELD["telecom_customers"]) == 5
    record = [json.loads(line) for line in Path(report.record).read_text(encoding="utf-8").splitlines()]
    assert [r["type"] for r in record] == ["load", "target", "keys"]
