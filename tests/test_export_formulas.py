"""One formula-neutralisation policy for every CSV Doppel writes: `generate`, `synthesize`, `anonymise`,
the workflow's export stage and `doppel audit export`.

Numbers (``-12.50``) and phone numbers (``+44 20 7946 0958``) are never changed; other text starting
with = + - @ TAB or CR (OWASP's list), headers included, gets a leading ``'``; ``--keep-formulas`` (the
run configuration's ``keep_formulas``) writes everything verbatim. Every test reads the files written.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pyarrow as pa
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from agents.state import audit
from agents.state.db import session
from agents.workflow import api
from agents.workflow.config import RunConfig
from server.cli import app
from tests.workflow_support import env_for, settings_in
from tools.export.formatting import neutralise_formulas

LINK = '=HYPERLINK("http://x","y")'
HEADER = "=cmd()"
PHONE = "+44 20 7946 0958"
AMOUNT = "-12.50"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _neutralise(values: list[str | None]) -> list[str | None]:
    return neutralise_formulas(pa.array(values, pa.string())).to_pylist()


# ------------------------------------------------------------------------------------- the policy

numbers = st.one_of(
    st.integers().map(str),
    st.integers(min_value=0).map(lambda n: f"+{n}"),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
    st.integers(-(10**12), 10**12).map(lambda n: f"{n:,}"),
    st.from_regex(r"\A[+-]?[0-9]{1,6}(\.[0-9]{1,4})?[eE][+-]?[0-9]{1,3}\Z"),
)
phones = st.from_regex(r"\A\+?\(?[0-9]{1,4}\)?([ .-]\(?[0-9]{1,5}\)?){1,5}\Z")
formula_like = st.tuples(st.sampled_from(TRIGGERS), st.text(max_size=20)).map("".join)
# What may stay unneutralised although it starts with a trigger: digits and number/phone punctuation
# only (no letters, so no function, reference or DDE command), an exponent at most.
HARMLESS = re.compile(r"[+-]?[0-9 ().,-]*[0-9][0-9 ().,-]*(?:[eE][+-]?[0-9]+)?%?")


@settings(max_examples=300, deadline=None)
@given(st.lists(numbers | phones, max_size=30))
def test_numbers_and_phone_numbers_are_never_changed(values: list[str]) -> None:
    assert _neutralise(values) == values


@settings(max_examples=300, deadline=None)
@given(st.lists(formula_like, max_size=30))
def test_every_formula_like_text_is_neutralised(values: list[str]) -> None:
    for value, written in zip(values, _neutralise(values), strict=True):
        assert written in (value, "'" + value)
        if not HARMLESS.fullmatch(value):
            assert written == "'" + value, value


@settings(max_examples=300, deadline=None)
@given(st.lists(st.none() | st.text(max_size=20) | numbers | phones | formula_like, max_size=40))
def test_neutralised_text_never_starts_with_a_trigger(values: list[str | None]) -> None:
    for value, written in zip(values, _neutralise(values), strict=True):
        if value is None:
            assert written is None
            continue
        assert written in (value, "'" + value)
        if written.startswith((*TRIGGERS, "\x00")):
            assert written == value and HARMLESS.fullmatch(value), value


def test_policy_examples() -> None:
    kept = ["-12.5", "+3", "1e5", "-1,234.50", PHONE, "+1-555-0100", "+1 (555) 010.0100", "-0.50", "plain", ""]
    assert _neutralise(kept) == kept
    hit = [LINK, HEADER, "@SUM(A1)", "-5 apples", "+33 612 345 x", "\tTabbed", "\rCR", "-", "+", "=", "-1+cmd"]
    assert _neutralise(hit) == ["'" + v for v in hit]


# ------------------------------------------------------------------------------------- helpers


def _rows(path: Path, delimiter: str = ",") -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh, delimiter=delimiter))


def _column(rows: list[list[str]], name: str) -> list[str]:
    i = rows[0].index(name)
    return [r[i] for r in rows[1:]]


def _check_neutralised(rows: list[list[str]], link: str = "link", phone: str = "phone", amount: str = "amount") -> None:
    assert "'" + HEADER in rows[0] and HEADER not in rows[0]
    assert set(_column(rows, link)) == {"'" + LINK}
    phones = _column(rows, phone)
    assert phones and all(p.startswith("+") for p in phones)  # regenerated or kept, never prefixed
    amounts = _column(rows, amount)
    assert amounts and all(re.fullmatch(r"-\d+\.\d\d", a) for a in amounts)


def _check_verbatim(rows: list[list[str]], link: str = "link") -> None:
    assert HEADER in rows[0] and "'" + HEADER not in rows[0]
    assert set(_column(rows, link)) == {LINK}


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """40 rows with a formula header, a formula value, phone numbers and negative amounts as text."""
    path = tmp_path / "sample" / "accounts.csv"
    path.parent.mkdir()
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(["id", HEADER, "link", "phone", "amount"])
        for i in range(40):
            writer.writerow([f"C{i:04d}", "abc"[i % 3], LINK, f"+44 20 7946 {i:04d}", f"-{10 + i % 7}.50"])
    return path


def _cli(*args: str | Path, home: Path | None = None) -> str:
    env = env_for(home) if home is not None else {"COLUMNS": "200"}
    done = CliRunner().invoke(app, [str(a) for a in args], env=env)
    assert done.exit_code == 0, done.output
    return done.stdout


# ------------------------------------------------------------------------------------- generate


def _schema(tmp_path: Path) -> Path:
    path = tmp_path / "formulas.yaml"
    fields = {
        HEADER: {"type": "enum", "values": ["x"]},
        "link": {"type": "enum", "values": [LINK]},
        "phone": {"type": "enum", "values": [PHONE]},
        "amount": {"type": "enum", "values": [AMOUNT]},
    }
    document = {"name": "formulas", "version": 1, "tables": {"t": {"rows": 5, "fields": fields}}}
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_generate_neutralises_formulas_but_not_phone_numbers_or_amounts(tmp_path: Path) -> None:
    _cli("generate", _schema(tmp_path), "--seed", "1", "--no-tags", "--out", tmp_path / "out", "-q")
    rows = _rows(tmp_path / "out" / "t.csv")
    _check_neutralised(rows)
    assert set(_column(rows, "phone")) == {PHONE} and set(_column(rows, "amount")) == {AMOUNT}


def test_generate_keep_formulas_writes_everything_verbatim(tmp_path: Path) -> None:
    _cli("generate", _schema(tmp_path), "--seed", "1", "--no-tags", "--out", tmp_path / "out", "-q", "--keep-formulas")
    rows = _rows(tmp_path / "out" / "t.csv")
    _check_verbatim(rows)
    assert set(_column(rows, "phone")) == {PHONE} and set(_column(rows, "amount")) == {AMOUNT}


# ------------------------------------------------------------------------------------- synthesize


@pytest.mark.parametrize("keep", [False, True])
def test_synthesize_output(sample: Path, tmp_path: Path, keep: bool) -> None:
    flags = ["--keep-formulas"] if keep else []
    _cli("synthesize", sample, "--rows", "20", "--seed", "1", "--out", tmp_path / "out", "-q", *flags)
    rows = _rows(tmp_path / "out" / "accounts.csv")
    assert len(rows) == 21
    if keep:
        _check_verbatim(rows)
    else:
        _check_neutralised(rows)


# ------------------------------------------------------------------------------------- anonymise


@pytest.mark.parametrize("keep", [False, True])
def test_anonymise_output(sample: Path, tmp_path: Path, keep: bool) -> None:
    flags = ["--keep-formulas"] if keep else []
    _cli("anonymise", sample, "--no-classify", "--out", tmp_path / "out", "-q", *flags)
    rows = _rows(tmp_path / "out" / "accounts.csv")
    assert len(rows) == 41
    warnings = json.loads((tmp_path / "out" / "anonymisation.json").read_text(encoding="utf-8"))["warnings"]
    told = [w for w in warnings if "leading '" in w]
    if keep:
        _check_verbatim(rows)
        assert rows == _rows(sample)  # nothing classified, nothing changed
        assert told == []
    else:
        _check_neutralised(rows)
        assert len(told) == 1 and "(accounts: 41)" in told[0] and "--keep-formulas" in told[0]  # header + 40 cells
        assert _column(rows, "phone") == _column(_rows(sample), "phone")
        assert _column(rows, "amount") == _column(_rows(sample), "amount")


def test_anonymise_neutralises_in_the_inputs_own_layout(tmp_path: Path) -> None:
    path = tmp_path / "in" / "semi.csv"
    path.parent.mkdir()
    path.write_bytes(f"id;{HEADER};link;phone;amount\n1;a;{LINK};{PHONE};{AMOUNT}\n".encode())
    _cli("anonymise", path, "--no-classify", "--out", tmp_path / "out", "-q")
    text = (tmp_path / "out" / "semi.csv").read_text(encoding="utf-8")
    quoted = '"\'=HYPERLINK(""http://x"",""y"")"'  # the value holds the quote character
    assert text == f"id;'{HEADER};link;phone;amount\n1;a;{quoted};{PHONE};{AMOUNT}\n"


# ------------------------------------------------------------------------------------- workflow


@pytest.mark.parametrize("keep", [False, True])
def test_workflow_export_stage(sample: Path, tmp_path: Path, keep: bool) -> None:
    config = RunConfig(name="formulas", data=[sample], rows=20, seed=3, approvals=[], keep_formulas=keep)
    status = api.start_run(config, approve_all=True, settings=settings_in(tmp_path / "home"))
    assert status.state == "completed"
    rows = _rows(status.artifacts_dir / "export" / "accounts.csv")
    assert len(rows) == 21
    if keep:
        _check_verbatim(rows)
    else:
        _check_neutralised(rows)


@pytest.mark.parametrize("keep", [False, True])
def test_run_command_keep_formulas_flag(sample: Path, tmp_path: Path, keep: bool) -> None:
    config = tmp_path / "run.yaml"
    config.write_text(yaml.safe_dump({"name": "f", "data": [str(sample)], "rows": 20, "seed": 3, "approvals": []}))
    home = tmp_path / "home"
    _cli("run", config, "--approve-all", *(["--keep-formulas"] if keep else []), home=home)
    [status] = api.list_runs(settings=settings_in(home))
    rows = _rows(status.artifacts_dir / "export" / "accounts.csv")
    if keep:
        _check_verbatim(rows)
    else:
        _check_neutralised(rows)


def test_run_config_file_accepts_keep_formulas(sample: Path, tmp_path: Path) -> None:
    from agents.workflow.config import load_run_config

    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump({"name": "f", "data": [str(sample)], "keep_formulas": True}), encoding="utf-8")
    assert load_run_config(path).keep_formulas is True
    assert RunConfig(name="f", data=[sample]).keep_formulas is False


# ------------------------------------------------------------------------------------- audit export


def _seed_audit(home: Path) -> None:
    with session(settings_in(home)) as s:
        audit.record(s, "run", LINK, {"event": "start"}, run_id=PHONE, stage=AMOUNT)
        audit.record(s, "run", "@ann", {"event": "end"}, run_id="r1", stage="export")


@pytest.mark.parametrize("keep", [False, True])
def test_audit_export_csv(tmp_path: Path, keep: bool) -> None:
    home = tmp_path / "home"
    _seed_audit(home)
    out = tmp_path / "audit.csv"
    flags = ["--keep-formulas"] if keep else []
    _cli("audit", "export", "--format", "csv", "--out", out, *flags, home=home)
    rows = _rows(out)
    assert rows[0] == ["id", "kind", "run_id", "stage", "user", "at", "detail"]
    users = _column(rows, "user")
    assert users == ([LINK, "@ann"] if keep else ["'" + LINK, "'@ann"])
    assert _column(rows, "run_id") == [PHONE, "r1"] and _column(rows, "stage") == [AMOUNT, "export"]
    assert [json.loads(d) for d in _column(rows, "detail")] == [{"event": "start"}, {"event": "end"}]
    stdout = _cli("audit", "export", "--format", "csv", *flags, home=home)
    assert stdout == out.read_text(encoding="utf-8")
