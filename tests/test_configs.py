"""Saved configurations: save, list, search, show, load (files and targets checked), run, export, import."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path
from typing import Any

import yaml

from agents import configs
from agents.workflow import api
from tests.conftest import SHOP
from tests.workflow_support import cli, settings_in


def _config(folder: Path, schema: Path = SHOP, **extra: Any) -> Path:
    path = folder / "shop-run.yaml"
    document = {"name": "shop", "description": "the little shop", "schema_file": str(schema), "rows": 15, "seed": 5}
    path.write_text(yaml.safe_dump(document | {"approvals": []} | extra), encoding="utf-8")
    return path


def _no_traceback(result: Any) -> None:
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def _saved_id(stdout: str) -> str:
    return stdout.split("saved configuration ", 1)[1].split()[0]


def test_save_list_search_show_load_and_run(tmp_path: Path) -> None:
    home = tmp_path / "home"
    saved = cli("configs", "save", str(_config(tmp_path)), "--name", "Shop nightly", "-t", "Demo", "-t", "schema",
                home=home)  # fmt: skip
    assert saved.exit_code == 0, saved.stderr
    config_id = _saved_id(saved.stdout)
    assert config_id.startswith("cfg-") and f"doppel run config:{config_id}" in saved.stdout
    other = cli("configs", "save", "telecom", "--name", "telecom-full", "--tag", "sample", home=home)
    assert other.exit_code == 0, other.stderr
    other_id = _saved_id(other.stdout)

    listed = cli("configs", "list", home=home)
    assert config_id in listed.stdout and other_id in listed.stdout
    tagged = cli("configs", "list", "--tag", "demo", home=home)  # tags are kept lower-case
    assert config_id in tagged.stdout and other_id not in tagged.stdout
    found = cli("configs", "search", "LITTLE shop", home=home)  # the description, any case
    assert config_id in found.stdout and other_id not in found.stdout
    by_tag = cli("configs", "search", "sample", home=home)
    assert other_id in by_tag.stdout and config_id not in by_tag.stdout
    nothing = cli("configs", "search", "zzz", home=home)
    assert nothing.exit_code == 0 and "no saved configuration matches" in nothing.stdout

    shown = cli("configs", "show", config_id, home=home)
    assert shown.exit_code == 0 and f"schema_file: {SHOP}" in shown.stdout and "rows: 15" in shown.stdout
    loaded = cli("configs", "load", "Shop nightly", home=home)  # by name too
    assert loaded.exit_code == 0 and "ok" in loaded.stdout and str(SHOP) in loaded.stdout

    again = cli("configs", "save", str(_config(tmp_path)), "--name", "Shop nightly", home=home)
    assert again.exit_code == 2 and f"already saved as {config_id}" in again.stderr
    _no_traceback(again)

    settings = settings_in(home)
    ran = cli("run", f"config:{config_id}", home=home)
    assert ran.exit_code == 0, ran.stderr
    by_option = cli("run", "--config-id", config_id[:8], home=home)  # a unique prefix
    assert by_option.exit_code == 0, by_option.stderr
    runs = api.list_runs(settings=settings)
    assert [r.state for r in runs] == ["completed", "completed"] and {r.name for r in runs} == {"shop"}
    both = cli("run", "telecom", "--config-id", config_id, home=home)
    assert both.exit_code == 2 and "give exactly one" in both.stderr


def test_export_import_round_trip_and_clear_errors(tmp_path: Path) -> None:
    home = tmp_path / "home"
    config_id = _saved_id(
        cli("configs", "save", str(_config(tmp_path)), "--name", "shared", "-t", "x", home=home).stdout
    )
    exported = tmp_path / "out" / "shared.json"
    done = cli("configs", "export", config_id, "--out", str(exported), home=home)
    assert done.exit_code == 0, done.stderr
    document = json.loads(exported.read_text(encoding="utf-8"))
    assert document["format"] == "doppel-configuration" and document["id"] == config_id
    assert document["config"]["schema_file"] == str(SHOP) and document["tags"] == ["x"]
    assert not list(exported.parent.glob(".*.tmp"))  # written atomically

    clash = cli("configs", "import", str(exported), home=home)
    assert clash.exit_code == 2 and "--name 'shared': already saved" in clash.stderr
    imported = cli("configs", "import", str(exported), "--name", "copy", home=home)
    assert imported.exit_code == 0, imported.stderr
    settings = settings_in(home)
    copy = configs.get(settings, "copy")
    assert copy.id != config_id and copy.config == configs.get(settings, config_id).config and copy.tags == ["x"]

    # into another home: the same id is kept, and relative paths are taken from the file's folder
    elsewhere = tmp_path / "other"
    shutil.copy(SHOP, tmp_path / "shop-schema.yaml")
    document["config"]["schema_file"] = "shop-schema.yaml"
    relative = tmp_path / "relative.json"
    relative.write_text(json.dumps(document), encoding="utf-8")
    moved = cli("configs", "import", str(relative), home=elsewhere)
    assert moved.exit_code == 0, moved.stderr
    assert configs.get(settings_in(elsewhere), config_id).config["schema_file"] == str(tmp_path / "shop-schema.yaml")

    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "name": "x",\n  "config": {\n}', encoding="utf-8")
    bad_json = cli("configs", "import", str(broken), home=home)
    assert bad_json.exit_code == 2 and f"{broken}:4:2: not valid JSON" in bad_json.stderr
    _no_traceback(bad_json)

    invalid = tmp_path / "invalid.json"
    bad_config = {"name": "x", "data": ["a.csv"], "rows": 0, "format": "xlsx"}
    invalid.write_text(json.dumps({"name": "x", "colour": 1, "config": bad_config}), encoding="utf-8")
    bad_fields = cli("configs", "import", str(invalid), home=home)
    assert bad_fields.exit_code == 2 and f"{invalid}: not a valid Doppel configuration" in bad_fields.stderr
    for field in ("colour: unknown key", "config.rows: Input should be greater than or equal to 1", "config.format"):
        assert f"{invalid}: {field}" in bad_fields.stderr, field
    _no_traceback(bad_fields)

    not_object = tmp_path / "list.json"
    not_object.write_text("[1, 2]", encoding="utf-8")
    listed = cli("configs", "import", str(not_object), home=home)
    assert listed.exit_code == 2 and "expected a JSON object" in listed.stderr
    missing = cli("configs", "import", str(tmp_path / "nope.json"), home=home)
    assert missing.exit_code == 2 and "nope.json: no such file" in missing.stderr
    unknown = cli("configs", "show", "nosuch", home=home)
    assert unknown.exit_code == 2 and "configuration 'nosuch': no such saved configuration" in unknown.stderr


def test_load_names_missing_files(tmp_path: Path) -> None:
    home = tmp_path / "home"
    schema = tmp_path / "schema.yaml"
    shutil.copy(SHOP, schema)
    config_id = _saved_id(cli("configs", "save", str(_config(tmp_path, schema)), "--name", "gone", home=home).stdout)
    schema.unlink()
    loaded = cli("configs", "load", config_id, home=home)
    assert loaded.exit_code == 2
    assert f"configuration {config_id} (gone): cannot be run as saved" in loaded.stderr
    assert f"config.schema_file: {schema}: no such file or folder" in loaded.stderr
    _no_traceback(loaded)
    ran = cli("run", f"config:{config_id}", home=home)
    assert ran.exit_code == 2 and "no such file or folder" in ran.stderr
    assert api.list_runs(settings=settings_in(home)) == []


def test_targets_are_checked_for_reachability(tmp_path: Path) -> None:
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen()
    open_port = listening.getsockname()[1]
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound and kept, never listening: refuses every connection, and no
    closed_port = closed.getsockname()[1]  # other process can start listening on it during the test
    try:
        issues = configs.check_targets(
            [
                {"kind": "rest", "url": f"http://127.0.0.1:{open_port}/api"},
                {"kind": "sql", "host": "127.0.0.1", "port": open_port},
                {"kind": "folder", "path": str(tmp_path)},
                {"kind": "rest", "url": f"http://127.0.0.1:{closed_port}/api"},
                {"kind": "sql", "url": f"postgresql+psycopg://u@127.0.0.1:{closed_port}/db"},
                {"kind": "folder", "path": str(tmp_path / "missing")},
                {"kind": "rest", "url": "not a url"},
                {"kind": "sql", "host": "127.0.0.1"},
            ],
            timeout=30,  # a margin only: the open port accepts and the closed one refuses at once
        )
    finally:
        listening.close()
        closed.close()
    where = [i.path for i in issues]
    assert where == [
        f"targets[3].url: http://127.0.0.1:{closed_port}/api",
        f"targets[4].url: postgresql+psycopg://u@127.0.0.1:{closed_port}/db",
        f"targets[5].path: {tmp_path / 'missing'}",
        "targets[6].url: not a url",
        "targets[7].port",
    ]
    assert issues[0].message.startswith("not reachable") and issues[2].message == "no such folder"


def test_import_refuses_input_paths_that_do_not_exist(tmp_path: Path) -> None:
    home = tmp_path / "home"
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "present.csv").write_text("id\n1\n", encoding="utf-8")
    absent = tmp_path / "elsewhere" / "b.csv"
    document = {"name": "shared", "config": {"name": "s", "data": ["a.csv", str(absent), "present.csv"]}}
    file = shared / "cfg.json"
    file.write_text(json.dumps(document), encoding="utf-8")
    done = cli("configs", "import", str(file), home=home)
    assert done.exit_code == 2, done.stdout
    assert done.stderr.splitlines() == [
        f"error: {file}: cannot import: input paths that do not exist (relative paths are taken from "
        f"{shared}, the folder of the configuration file)",
        f"  - config.data[0]: {shared / 'a.csv'}: no such file or folder",
        f"  - config.data[1]: {absent}: no such file or folder",
    ]
    _no_traceback(done)
    schema = {"name": "shared", "config": {"name": "s", "schema_file": "schemas/shop.yaml"}}
    file.write_text(json.dumps(schema), encoding="utf-8")
    done = cli("configs", "import", str(file), home=home)
    assert done.exit_code == 2
    assert f"  - config.schema_file: {shared / 'schemas' / 'shop.yaml'}: no such file or folder" in done.stderr
    assert configs.list_saved(settings_in(home)) == []
