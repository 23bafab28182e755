"""The anonymisation tool: masking, keyed pseudonyms, generalisation, bounded noise, k-anonymity and
l-diversity, rules files, keys, and `doppel anonymise` end to end on the bank and telecom samples."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import typer
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from server.cmd_anonymise import register
from tests.conftest import ROOT
from tests.email_samples import idn_emails
from tools.anonymise.generalise import generalise
from tools.anonymise.keys import PseudonymKey, fingerprint, load_key
from tools.anonymise.mask import mask
from tools.anonymise.model import GeneraliseRule, MaskRule, PerturbRule, PseudonymiseRule
from tools.anonymise.perturb import perturb
from tools.anonymise.plan import load_rules, resolve_rules
from tools.anonymise.privacy import measure
from tools.anonymise.pseudonymise import permute_digits, pseudonymise
from tools.errors import DoppelError
from tools.ingest.model import IngestedTable, SourceInfo
from tools.ingest.readers import read_samples
from tools.sensitive.model import ColumnClassification
from tools.sensitive.policy import strategy_for
from tools.sensitive.report import SensitivityReport, write_report

SAMPLES = ROOT / "playbooks" / "samples"
KEY_A = PseudonymKey(b"a-test-key-of-at-least-16-bytes!", "file")
KEY_B = PseudonymKey(b"another-test-key-16-bytes-long!!", "file")
SECRET = "9f2c4e1b7a6d8c3e5f0a1b2c3d4e5f60deadbeefcafe"  # written to key files in CLI tests


def _series(values: Sequence[str | None]) -> pd.Series:
    return pd.Series(values, dtype=object)


def _cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test app."""

    register(app)
    return app


def _run(*args: str | Path, env: dict[str, str | None] | None = None) -> tuple[int, str]:
    """Run the command in-process; (exit code, stdout + stderr)."""
    environment: dict[str, str | None] = {"DOPPEL_PSEUDONYM_KEY": None, "COLUMNS": "200"}
    environment.update(env or {})
    done = CliRunner().invoke(_cli(), [str(a) for a in args], env=environment)
    return done.exit_code, done.output


def _flat(text: str) -> str:
    return " ".join(text.split())


# ------------------------------------------------------------------------------------------ mask

texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)


@settings(max_examples=150, deadline=None)
@given(values=st.lists(st.none() | texts, max_size=20), keep=st.integers(0, 8), char=st.sampled_from("*#X•"))
def test_keep_last_keeps_exactly_the_last_n_characters_and_the_length(
    values: list[str | None], keep: int, char: str
) -> None:
    out = mask(_series(values), MaskRule(mode="keep_last", keep=keep, char=char)).tolist()
    for before, after in zip(values, out, strict=True):
        if before is None:
            assert after is None
            continue
        assert len(after) == len(before)
        if len(before) > keep:
            cut = len(before) - keep
            assert after[cut:] == before[cut:]
            assert after[:cut] == char * cut
        else:  # keeping it all would hide nothing
            assert after == char * len(before)


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(st.text(alphabet="abcXYZé0189 -/.()ñ", max_size=25), min_size=1, max_size=15),
    keep=st.integers(0, 6),
    keep_first=st.integers(0, 3),
)
def test_partial_mask_keeps_separators_and_only_the_named_letters_and_digits(
    values: list[str], keep: int, keep_first: int
) -> None:
    out = mask(_series(list(values)), MaskRule(mode="partial", keep=keep, keep_first=keep_first)).tolist()
    for before, after in zip(values, out, strict=True):
        assert len(after) == len(before)
        alnum = [i for i, c in enumerate(before) if c.isalnum()]
        visible = set(alnum[:keep_first]) | set(alnum[len(alnum) - keep :]) if len(alnum) > keep + keep_first else set()
        for i, (b, a) in enumerate(zip(before, after, strict=True)):
            if not b.isalnum() or i in visible:
                assert a == b
            else:
                assert a == "*"


def test_mask_examples_and_fixed_length_full_mask() -> None:
    ibans = _series(["GB75 LOYD 3038 4339 9514 09", "GB55BARC20174960058234", None, "12"])
    assert mask(ibans, MaskRule()).tolist() == ["**** **** **** **** **14 09", "******************8234", None, "**"]
    sexes = _series(["Male", "Female", None, "Not known"])
    assert mask(sexes, MaskRule(mode="full", length=6, char="#")).tolist() == ["######", "######", None, "######"]
    assert mask(sexes, MaskRule(mode="full")).tolist() == ["****", "******", None, "*********"]


# -------------------------------------------------------------------------------------- pseudonymise


@settings(max_examples=100, deadline=None)
@given(values=st.lists(texts.filter(bool), min_size=1, max_size=40, unique=True))
def test_hash_pseudonyms_are_deterministic_per_key_injective_and_differ_between_keys(values: list[str]) -> None:
    rule = PseudonymiseRule(format="hash", normalise="exact")
    first, _ = pseudonymise(_series(values), rule, KEY_A)
    again, _ = pseudonymise(_series(list(reversed(values))), rule, KEY_A)
    other, _ = pseudonymise(_series(values), rule, KEY_B)
    assert first.tolist() == list(reversed(again.tolist()))  # per value, whatever the order or table
    assert len(set(first)) == len(values)  # injective on distinct inputs
    assert all(a != b for a, b in zip(first, other, strict=True))  # another key, other pseudonyms
    assert all(len(p) == 16 and p not in values for p in first)


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.from_regex(r"[A-Z]{0,3}-?[0-9]{1,12}", fullmatch=True), min_size=1, max_size=30, unique=True))
def test_digit_pseudonyms_keep_the_shape_and_never_collide(values: list[str]) -> None:
    rule = PseudonymiseRule(format="digits", normalise="exact")
    out, fallback = pseudonymise(_series(values), rule, KEY_A)
    assert fallback == 0
    assert len(set(out)) == len(values)
    for before, after in zip(values, out, strict=True):
        assert len(after) == len(before)
        assert re.sub(r"\d", "#", after) == re.sub(r"\d", "#", before)
    assert pseudonymise(_series(values), rule, KEY_A)[0].tolist() == out.tolist()


def test_digit_permutation_is_a_bijection_of_every_length() -> None:
    for n in (1, 2, 3):
        domain = [str(i).zfill(n) for i in range(10**n)]
        images = [permute_digits(d, KEY_A.secret, b"T") for d in domain]
        assert sorted(images) == domain
        assert images != domain  # it does move values
        assert images != [permute_digits(d, KEY_B.secret, b"T") for d in domain]


def test_pseudonyms_match_across_tables_and_normalise_padding() -> None:
    rule = PseudonymiseRule(format="digits")
    parents, _ = pseudonymise(_series(["ACC-1", "ACC-2", "ACC-3"]), rule, KEY_A)
    children, _ = pseudonymise(_series([" ACC-3", "ACC-1", None, "ACC-1 ", "ACC-9"]), rule, KEY_A)
    assert children.tolist()[:4] == [parents[2], parents[0], None, parents[0]]
    assert children[4] not in set(parents)


def test_digits_format_falls_back_to_a_hash_for_values_without_digits() -> None:
    rule = PseudonymiseRule(format="digits")
    out, fallback = pseudonymise(_series(["ACC-12", "unknown", "unknown"]), rule, KEY_A)
    assert fallback == 2
    assert out[1] == out[2] and out[1] != "unknown" and len(out[1]) == 16


# ------------------------------------------------------------------------------------------ keys


def test_key_sources_order_and_errors(tmp_path: Path) -> None:
    key_file = tmp_path / "key.txt"
    key_file.write_text(SECRET + "\n")
    assert load_key(None, False, []) is None
    from_file = load_key(key_file, False, ["t.c"], environ={})
    from_env = load_key(None, False, ["t.c"], environ={"DOPPEL_PSEUDONYM_KEY": SECRET})
    assert from_file is not None and from_env is not None
    assert from_file.secret == from_env.secret == SECRET.encode()  # file and env spell the same key
    assert (from_file.source, from_env.source) == ("file", "env")
    assert SECRET not in repr(from_file) and from_file.fingerprint in repr(from_file)
    assert from_file.fingerprint == fingerprint(SECRET.encode()) and len(from_file.fingerprint) == 8
    assert from_file.fingerprint not in SECRET
    with pytest.raises(DoppelError, match=r"t\.c.*--key-file.*--random-key.*cannot be repeated"):
        load_key(None, False, ["t.c"], environ={})
    random = load_key(None, True, ["t.c"], environ={"DOPPEL_PSEUDONYM_KEY": SECRET})  # asked for: wins over env
    assert random is not None and random.source == "random" and not random.repeatable
    assert random.secret != SECRET.encode()
    short = tmp_path / "short.txt"
    short.write_text("tooshort")
    with pytest.raises(DoppelError, match="too short") as caught:
        load_key(short, False, ["t.c"], environ={})
    assert "tooshort" not in str(caught.value)
    with pytest.raises(DoppelError, match="give one"):
        load_key(key_file, True, ["t.c"], environ={})


# --------------------------------------------------------------------------------------- perturb


@st.composite
def number_columns(draw: st.DrawFn) -> tuple[list[str | None], bool]:
    places = draw(st.integers(0, 3))
    negative = draw(st.booleans())
    low = -(10**7) if negative else 0
    ints = draw(st.lists(st.integers(low, 10**7), min_size=1, max_size=30))
    values: list[str | None] = [f"{Decimal(i).scaleb(-places):.{places}f}" for i in ints]
    holes = draw(st.lists(st.integers(0, len(values) - 1), max_size=3))
    for i in holes:
        values[i] = None
    return values, negative


amounts = st.one_of(
    st.floats(0.01, 500, allow_nan=False).map(lambda x: round(x, 2)),
    st.integers(1, 50).map(lambda p: f"{p}%"),
)


@settings(max_examples=150, deadline=None)
@given(
    column=number_columns(),
    noise=st.sampled_from(["gaussian", "uniform"]),
    scale=amounts,
    bound=amounts | st.none(),
    seed=st.integers(0, 2**32),
)
def test_perturbed_values_stay_within_the_bound_and_keep_their_form(
    column: tuple[list[str | None], bool], noise: str, scale: float | str, bound: float | str | None, seed: int
) -> None:
    values, _ = column
    rule = PerturbRule(noise=noise, scale=scale, bound=bound)
    out = perturb(_series(values), rule, np.random.default_rng(seed), "t.c")
    again = perturb(_series(values), rule, np.random.default_rng(seed), "t.c")
    assert out.values.tolist() == again.values.tolist()  # seeded
    assert out.blanked == 0
    (_, _), (limit, relative) = rule.amounts()
    non_negative = all(Decimal(v) >= 0 for v in values if v is not None)
    for before, after in zip(values, out.values.tolist(), strict=True):
        if before is None:
            assert after is None
            continue
        allowed = Decimal(repr(limit)) * (abs(Decimal(before)) if relative else 1)
        assert abs(Decimal(after) - Decimal(before)) <= allowed
        assert ("." in after) == ("." in before)  # integers stay integers
        if "." in before:
            assert len(after.split(".")[1]) == len(before.split(".")[1])
        if non_negative:
            assert Decimal(after) >= 0


def test_perturb_keeps_currency_and_separators_and_blanks_non_numbers() -> None:
    values = _series(["£1,250.00", "12.50", None, "n/a"] + ["7"] * 6)
    out = perturb(values, PerturbRule(scale=5, bound=5), np.random.default_rng(0), "t.c")
    assert re.fullmatch(r"£\d{1},\d{3}\.\d{2}", out.values[0])
    assert out.values[2] is None and out.values[3] is None and out.blanked == 1
    assert out.note is not None and "1 values" in out.note
    changed = sum(a != b for a, b in zip(values[4:], out.values[4:], strict=True))
    assert changed > 0  # the noise does something
    with pytest.raises(DoppelError, match=r"^t\.c: perturb needs numbers") as caught:
        perturb(_series(["Alice", "Bob", "1"]), PerturbRule(), np.random.default_rng(0), "t.c")
    assert "Alice" not in str(caught.value)


# ------------------------------------------------------------------------------------- generalise

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%b-%Y", "%Y%m%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


@settings(max_examples=100, deadline=None)
@given(
    moments=st.lists(st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2099, 12, 31)), min_size=1, max_size=25),
    fmt=st.sampled_from(DATE_FORMATS),
    to=st.sampled_from(["month", "year"]),
)
def test_generalised_dates_are_period_starts_in_the_same_format(moments: list[dt.datetime], fmt: str, to: str) -> None:
    values = [m.strftime(fmt) for m in moments]
    out = generalise(_series(values), GeneraliseRule(to=to), "t.c")
    assert out.blanked == 0
    for moment, text in zip(moments, out.values.tolist(), strict=True):
        parsed = dt.datetime.strptime(text, fmt)  # same written format
        assert parsed.day == 1 and (parsed.hour, parsed.minute, parsed.second) == (0, 0, 0)
        assert parsed.year == moment.year
        assert parsed.month == (moment.month if to == "month" else 1)


def test_generalise_dates_keeps_zones_and_blanks_what_is_not_a_date() -> None:
    values = _series(["2021-06-03T10:22:31Z", "2021-06-30T23:30:00-02:00", None, "1985-03-12", "N/A"])
    out = generalise(values, GeneraliseRule(to="month"), "t.c")
    assert out.values.tolist() == ["2021-06-01T00:00:00Z", "2021-06-01T00:00:00-02:00", None, "1985-03-01", None]
    assert out.blanked == 1
    decade = generalise(_series(["12/03/1985", "01/01/1990"]), GeneraliseRule(to="decade"), "t.c")
    assert decade.values.tolist() == ["01/01/1980", "01/01/1990"]
    with pytest.raises(DoppelError, match=r"^t\.c: generalise to month needs dates") as caught:
        generalise(_series(["Alice", "Bob", "2020-01-01"]), GeneraliseRule(to="month"), "t.c")
    assert "Alice" not in str(caught.value)


@settings(max_examples=100, deadline=None)
@given(numbers=st.lists(st.integers(-500, 500), min_size=1, max_size=30), width=st.integers(1, 40))
def test_bands_contain_their_value(numbers: list[int], width: int) -> None:
    out = generalise(_series([str(n) for n in numbers]), GeneraliseRule(to="band", width=width), "t.c")
    for n, label in zip(numbers, out.values.tolist(), strict=True):
        low, high = (int(x) for x in re.fullmatch(r"(-?\d+)(?:-| to )(-?\d+)", label).groups())  # type: ignore[union-attr]
        assert low <= n <= high and high - low + 1 == width and low % width == 0


def test_ages_decades_postcode_districts_and_rare_values() -> None:
    ages = generalise(_series(["34", "5", "99", "100", None]), GeneraliseRule(to="decade", top=90), "t.c")
    assert ages.values.tolist() == ["30-39", "0-9", "90+", "90+", None]
    codes = _series(["SW1A 1AA", "sw1a1aa", "M1 1AE", "M11AE", "HU14 3LLL", "94105", "94105-1234", "EC1A"])
    out = generalise(codes, GeneraliseRule(to="district"), "t.c")
    assert out.values.tolist() == ["SW1A", "SW1A", "M1", "M1", None, "941", "941", "EC1A"]
    assert out.blanked == 1
    towns = generalise(_series(["Leeds"] * 3 + ["Hull", None]), GeneraliseRule(to="common", min_count=2), "t.c")
    assert towns.values.tolist() == ["Leeds", "Leeds", "Leeds", "Other", None]


# ----------------------------------------------------------------------------------------- privacy

cells = st.sampled_from(["a", "b", "c", None])


def _brute_force(rows: list[tuple[str | None, str | None, str | None]], k: int, ell: int) -> dict[str, int]:
    classes: dict[tuple[str | None, str | None], list[str | None]] = defaultdict(list)
    for q1, q2, s in rows:
        classes[(q1, q2)].append(s)
    size = {key: len(v) for key, v in classes.items()}
    diversity = {key: len({s for s in v if s is not None}) for key, v in classes.items()}
    return {
        "classes": len(classes),
        "min_k": min(size.values()),
        "rows_below_k": sum(size[(q1, q2)] < k for q1, q2, _ in rows),
        "min_l": min(diversity.values()),
        "rows_below_l": sum(diversity[(q1, q2)] < ell for q1, q2, _ in rows),
    }


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(st.tuples(cells, cells, cells), min_size=1, max_size=30), k=st.integers(2, 5), ell=st.integers(1, 3)
)
def test_k_anonymity_and_l_diversity_match_a_brute_force_count(
    rows: list[tuple[str | None, str | None, str | None]], k: int, ell: int
) -> None:
    frame = pd.DataFrame(rows, columns=["q1", "q2", "s"], dtype=object)
    got = measure(frame, ["q1", "q2"], k, "s", ell)
    assert got.model_dump(include={"classes", "min_k", "rows_below_k", "min_l", "rows_below_l"}) == _brute_force(
        rows, k, ell
    )
    assert got.share_below_k == pytest.approx(got.rows_below_k / len(rows), abs=1e-6)


# ------------------------------------------------------------------------------------------ rules


def _tables() -> list[IngestedTable]:
    frames = {"accounts": ["account_id", "iban"], "transactions": ["account_id", "amount"]}
    return [
        IngestedTable(
            name=name,
            source=SourceInfo(path=Path(f"{name}.csv"), format="csv"),
            frame=pd.DataFrame({c: ["x"] for c in columns}, dtype=object),
        )
        for name, columns in frames.items()
    ]


def test_rules_resolve_bare_and_qualified_columns(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "account_id: pseudonymise\ntransactions.account_id: {strategy: pseudonymise, format: hash}\n"
        "iban: {strategy: mask, mode: keep_last, keep: 4}\namount: {strategy: perturb, scale: 5%, bound: 20}\n"
    )
    resolved = resolve_rules(load_rules(rules), _tables(), str(rules))
    assert resolved[("accounts", "account_id")].rule == PseudonymiseRule()
    assert resolved[("transactions", "account_id")].rule == PseudonymiseRule(format="hash")
    assert resolved[("accounts", "iban")].rule == MaskRule(mode="keep_last", keep=4)
    assert resolved[("transactions", "amount")].rule.amounts() == ((0.05, True), (20.0, False))  # type: ignore[union-attr]


def test_rules_errors_name_the_file_line_and_column(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("iban: mask\nnope_column: mask\n")
    with pytest.raises(DoppelError) as caught:
        resolve_rules(load_rules(rules), _tables(), str(rules))
    assert f"{rules}:2" in str(caught.value) and "unknown column 'nope_column'" in str(caught.value)

    rules.write_text("iban: mask\n  keep: 4\namount: keep\n")
    with pytest.raises(DoppelError, match=r"rules\.yaml:2: invalid YAML at line 2: mapping values are not allowed"):
        load_rules(rules)
    rules.write_text("iban: mask\naccount_id: {strategy: mask, keep: [1\n")
    with pytest.raises(DoppelError, match=r"rules\.yaml:3: .*flow sequence that starts on line 2"):
        load_rules(rules)

    rules.write_text("iban:\n  strategy: mask\n  keep: -1\namount: shuffle\niban: keep\n")
    with pytest.raises(DoppelError) as caught:
        load_rules(rules)
    text = str(caught.value)
    assert f"{rules}:3: iban: keep: Input should be greater than or equal to 0" in text
    assert f"{rules}:4: amount: strategy: unknown strategy" in text
    assert f"{rules}:5: 'iban' already has a rule on line 1" in text


# --------------------------------------------------------------------------------- end to end: bank


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The bank sample anonymised (classified in-process) twice with one key (again as Parquet), once
    with another key, and once with format-preserving digit pseudonyms for account_id."""
    base = tmp_path_factory.mktemp("bank")
    key, other, digits = base / "key.txt", base / "other.txt", base / "digits.yaml"
    key.write_text(SECRET + "\n")
    other.write_text("a-completely-different-key-0123456789\n")
    digits.write_text("account_id: {strategy: pseudonymise, format: digits}\n")
    data = [SAMPLES / "bank_accounts.csv", SAMPLES / "bank_transactions.csv"]
    runs: dict[str, list[str | Path]] = {
        "one": ["--key-file", key],
        "two": ["--key-file", key, "--format", "parquet"],
        "other": ["--key-file", other],
        "digits": ["--key-file", key, "--rules", digits],
    }
    outputs: dict[str, Path] = {}
    for name, extra in runs.items():
        out = base / name
        code, text = _run("anonymise", *data, "--out", out, "--seed", "11", *extra)
        assert code == 0, text
        (out / "stdout.txt").write_text(text)
        outputs[name] = out
    return outputs


def _csv(path: Path) -> pd.DataFrame:
    return read_samples([path])[0].frame


@pytest.mark.parametrize("run", ["one", "digits"])
def test_bank_join_survives_pseudonymisation_row_for_row(bank: dict[str, Path], run: str) -> None:
    accounts, transactions = _csv(SAMPLES / "bank_accounts.csv"), _csv(SAMPLES / "bank_transactions.csv")
    out_accounts, out_transactions = _csv(bank[run] / "bank_accounts.csv"), _csv(bank[run] / "bank_transactions.csv")
    assert len(out_transactions) == len(transactions) and len(out_accounts) == len(accounts)
    parent = dict(zip(accounts["account_id"], range(len(accounts)), strict=True))
    out_parent = dict(zip(out_accounts["account_id"], range(len(out_accounts)), strict=True))
    matched = [parent.get(a) for a in transactions["account_id"]]
    assert [
        out_parent.get(a) for a in out_transactions["account_id"]
    ] == matched  # same parent row, orphans stay orphans
    assert sum(m is None for m in matched) > 0  # the sample's orphan rows are in the comparison
    assert all(a != b for a, b in zip(out_accounts["account_id"], accounts["account_id"], strict=True))
    if run == "digits":  # format preserving; a pseudonym may by chance equal another account's real id
        assert all(re.fullmatch(r"ACC-\d{6}", a) for a in out_accounts["account_id"])
    else:  # hash pseudonyms cannot be mistaken for real ids
        assert all(re.fullmatch(r"[a-z2-7]{16}", a) for a in out_accounts["account_id"])
        assert not set(out_transactions["account_id"]) & set(transactions["account_id"])
    pd.testing.assert_series_equal(out_transactions["amount"], transactions["amount"])  # not sensitive: untouched


def test_bank_same_key_repeats_other_key_differs_and_formats_agree(bank: dict[str, Path]) -> None:
    one = _csv(bank["one"] / "bank_accounts.csv")
    two = pq.read_table(bank["two"] / "bank_accounts.parquet").to_pandas()
    other = _csv(bank["other"] / "bank_accounts.csv")
    assert one["account_id"].tolist() == two["account_id"].tolist()
    assert one["iban"].tolist() == two["iban"].tolist()
    assert all(a != b for a, b in zip(one["account_id"], other["account_id"], strict=True))
    meta = [json.loads((bank[n] / "anonymisation.json").read_text()) for n in ("one", "two", "other")]
    assert meta[0]["key"]["fingerprint"] == meta[1]["key"]["fingerprint"] != meta[2]["key"]["fingerprint"]
    assert meta[0]["key"]["source"] == "file" and meta[0]["key"]["repeatable"] is True


def test_bank_key_and_production_values_never_reach_outputs_or_report(bank: dict[str, Path]) -> None:
    accounts = _csv(SAMPLES / "bank_accounts.csv")
    secrets_ = {value for column in ("account_id", "iban", "holder_name") for value in accounts[column].dropna()}
    for run in bank.values():
        for path in run.iterdir():
            raw = path.read_bytes()
            assert SECRET.encode() not in raw, path
            if path.suffix in (".json", ".txt"):
                text = raw.decode("utf-8")
                assert not [v for v in secrets_ if v in text], path  # report and summary hold no values


# ------------------------------------------------------------------------------ end to end: telecom

TELECOM = SAMPLES / "telecom_customers.csv"
NOISE_SEED = "4242424242"


@pytest.fixture(scope="module")
def telecom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Telecom anonymised with a sensitivity report built from the ground-truth labels, plus a rule."""
    base = tmp_path_factory.mktemp("telecom")
    labels = yaml.safe_load((SAMPLES / "labels.yaml").read_text(encoding="utf-8"))["telecom_customers.csv"]
    columns = [
        ColumnClassification(
            table="telecom_customers",
            column=name,
            sensitive=label["sensitive"],
            entity=label["entity"],
            confidence=1.0,
            strategy=strategy_for(label["entity"], label["sensitive"]),
        )
        for name, label in labels.items()
    ]
    report = write_report(SensitivityReport(sample=500, tables=["telecom_customers"], columns=columns), base / "s.json")
    rules = base / "rules.yaml"
    rules.write_text("arpu: {strategy: perturb, scale: 2%}\nstore_id: drop\n")
    out = base / "out"
    code, text = _run(
        "anonymise", TELECOM, "--out", out, "--sensitivity", report, "--rules", rules,
        "--quasi-identifiers", "dob,postcode,gender", "--sensitive-attribute", "plan", "--k", "3",
        "--seed", NOISE_SEED, env={"DOPPEL_PSEUDONYM_KEY": SECRET},
    )  # fmt: skip
    assert code == 0, text
    (out / "stdout.txt").write_text(text)
    return out


def test_telecom_keeps_encoding_delimiter_and_untouched_columns(telecom: Path) -> None:
    raw = (telecom / "telecom_customers.csv").read_bytes()
    assert raw.startswith(TELECOM.read_bytes().split(b"\r\n", 1)[0].replace(b";store_id", b"") + b"\r\n")
    raw.decode("cp1252")
    before, after = _csv(TELECOM), _csv(telecom / "telecom_customers.csv")
    assert "store_id" not in after.columns and len(after) == len(before)
    labels = yaml.safe_load((SAMPLES / "labels.yaml").read_text(encoding="utf-8"))["telecom_customers.csv"]
    plain = [c for c, label in labels.items() if not label["sensitive"] and c not in ("store_id", "arpu")]
    for column in plain:
        pd.testing.assert_series_equal(after[column], before[column], obj=column)
    for column in [c for c, label in labels.items() if label["sensitive"] and c != "town"] + ["arpu"]:
        assert (after[column] != before[column]).sum() > 0.2 * before[column].notna().sum(), column
    towns = after["town"].value_counts()  # generalised to common values: rare towns became "Other"
    assert "Other" in towns and towns.drop("Other").min() >= 5 and before["town"].value_counts().min() < 5


def test_telecom_hides_every_masked_or_pseudonymised_value(telecom: Path) -> None:
    before, after = _csv(TELECOM), _csv(telecom / "telecom_customers.csv")
    meta = json.loads((telecom / "anonymisation.json").read_text())
    hidden = [c["column"] for c in meta["columns"] if c["strategy"] in ("mask", "pseudonymise")]
    assert {"customer_id", "msisdn", "email", "acct_no", "first_name", "notes", "nino"} <= set(hidden)
    everything = set(after.stack().dropna())
    for column in hidden:
        originals = {v for v in before[column].dropna() if "*" not in v and len(v.strip()) >= 5}
        assert not originals & everything, column
    masked = [(b, a) for b, a in zip(before["acct_no"], after["acct_no"], strict=True) if b and "*" not in b]
    assert masked and all(a == "*" * (len(b) - 4) + b[-4:] for b, a in masked)  # only the last 4 digits stay
    dob = after["dob"].dropna()
    assert dob.str.fullmatch(r"01/01/\d{4}|\d{4}-01-01|01-Jan-\d{4}").all()  # generalised to the year, own format


def test_telecom_report_measures_privacy_and_holds_no_values_or_key(telecom: Path) -> None:
    text = (telecom / "anonymisation.json").read_text()
    meta = json.loads(text)
    (privacy,) = meta["privacy"]
    assert privacy["quasi_identifiers"] == ["dob", "postcode", "gender"]
    before, after = privacy["before"], privacy["after"]
    assert after["min_k"] >= before["min_k"] and after["classes"] < before["classes"]  # coarser classes
    assert after["rows_below_k"] < before["rows_below_k"]
    assert after["min_l"] is not None and after["target_l"] == 2
    by_column = {c["column"]: c for c in meta["columns"]}
    assert by_column["arpu"]["source"] == "rules" and by_column["arpu"]["strategy"] == "perturb"
    assert by_column["customer_id"]["rule"]["format"] == "hash"
    assert by_column["postcode"]["blanked"] > 0 and "not UK postcodes" in by_column["postcode"]["note"]
    assert SECRET not in text and SECRET not in (telecom / "stdout.txt").read_text()
    assert meta["noise_seed"] == "given" and NOISE_SEED not in text  # the seed would let readers undo the noise
    values = _csv(TELECOM)
    leaked = [v for c in ("email", "cust_nm", "msisdn", "postcode") for v in values[c].dropna() if v in text]
    assert not leaked
    summary = _flat((telecom / "stdout.txt").read_text())
    assert "smallest group" in summary and "fingerprint " + meta["key"]["fingerprint"] in summary


# ---------------------------------------------------------------------------------- CLI errors


def test_cli_refuses_to_pseudonymise_without_a_key(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, text = _run("anonymise", SAMPLES / "bank_accounts.csv", "--out", out)
    assert code == 2 and "Traceback" not in text
    flat = _flat(text)
    assert "bank_accounts.account_id" in flat and "--key-file" in flat and "--random-key" in flat
    assert not out.exists()  # nothing written


def test_cli_random_key_warns_that_the_mapping_cannot_be_repeated(tmp_path: Path) -> None:
    code, text = _run("anonymize", SAMPLES / "bank_accounts.csv", "--out", tmp_path / "o", "--random-key")
    assert code == 0, text
    assert "can never be reproduced" in _flat(text)
    meta = json.loads((tmp_path / "o" / "anonymisation.json").read_text())
    assert meta["key"]["source"] == "random" and meta["key"]["repeatable"] is False
    assert "anonymize" not in CliRunner().invoke(_cli(), ["--help"]).output  # the alias is hidden


def test_cli_writes_none_of_50_internationalised_emails(tmp_path: Path) -> None:
    """IDN domains and UTF-8 local parts are emails: classified by their values (the column name says
    nothing) and pseudonymised, so not one production address reaches the output."""
    emails = idn_emails()
    sample = tmp_path / "customers.csv"
    pd.DataFrame({"id": range(50), "contact": emails, "plan": ["basic", "plus"] * 25}).to_csv(sample, index=False)
    code, text = _run("anonymise", sample, "--out", tmp_path / "o", "--random-key", "-q")
    assert code == 0, text
    written = (tmp_path / "o" / "customers.csv").read_text(encoding="utf-8")
    out = pd.read_csv(tmp_path / "o" / "customers.csv", dtype=str, keep_default_na=False)
    assert len(out) == 50 and out["plan"].tolist() == ["basic", "plus"] * 25
    assert [e for e in emails if e in written] == []
    assert not set(out["contact"]) & set(emails)
    report = json.loads((tmp_path / "o" / "anonymisation.json").read_text(encoding="utf-8"))
    contact = next(c for c in report["columns"] if c["column"] == "contact")
    assert contact["entity"] == "email" and contact["changed"] == 50


def test_cli_rule_errors_name_the_rules_file_column_and_line(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("iban: mask\nbalanse: {strategy: perturb}\n")
    args: list[str | Path] = ["anonymise", SAMPLES / "bank_accounts.csv", "--out", tmp_path / "o", "--random-key"]
    args += ["--rules", rules]
    code, text = _run(*args)
    assert code == 2 and "Traceback" not in text
    assert f"{rules}:2" in text and "balanse" in text
    rules.write_text("iban: mask\nbalance: perturb\n  scale: 5%\n")
    code, text = _run(*args)
    assert code == 2 and f"{rules}:3: invalid YAML at line 3" in text
    rules.write_text("balance: {strategy: generalise, to: month}\n")
    code, text = _run(*args)
    assert code == 2 and "bank_accounts.balance: generalise to month needs dates" in _flat(text)
    assert not (tmp_path / "o").exists()


def test_cli_unknown_quasi_identifier_is_named(tmp_path: Path) -> None:
    code, text = _run(
        "anonymise", SAMPLES / "bank_accounts.csv", "--out", tmp_path / "o", "--random-key",
        "--quasi-identifiers", "branch_city,shoe_size",
    )  # fmt: skip
    assert code == 2 and "--quasi-identifiers: no table has column(s) shoe_size" in _flat(text)


def test_drop_and_keep_counts_in_the_report(tmp_path: Path) -> None:
    rules = tmp_path / "r.yaml"
    rules.write_text("holder_name: drop\naccount_type: keep\n")
    code, text = _run(
        "anonymise", SAMPLES / "bank_accounts.csv", "--out", tmp_path / "o", "--random-key", "--rules", rules,
        "--quasi-identifiers", "branch_city,account_type",
    )  # fmt: skip
    assert code == 0, text
    meta = json.loads((tmp_path / "o" / "anonymisation.json").read_text())
    columns = {c["column"]: c for c in meta["columns"]}
    assert columns["holder_name"]["strategy"] == "drop" and columns["holder_name"]["distinct_after"] is None
    assert columns["account_type"]["changed"] == 0
    assert meta["tables"][0]["dropped"] == ["holder_name"]
    accounts = _csv(SAMPLES / "bank_accounts.csv")
    sizes = Counter(zip(accounts["branch_city"], accounts["account_type"], strict=True))
    assert meta["privacy"][0]["before"]["min_k"] == min(sizes.values())


def test_a_classifier_failure_becomes_a_user_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tools.sensitive.classify as classify

    def broken(*args: object, **kwargs: object) -> None:
        raise OverflowError("Overflow in int64 addition")

    monkeypatch.setattr(classify, "classify_tables", broken)
    code, text = _run("anonymise", SAMPLES / "bank_accounts.csv", "--out", tmp_path / "o", "--random-key")
    assert code == 2 and "Traceback" not in text
    assert "automatic classification failed (OverflowError)" in _flat(text) and "--sensitivity" in text


def test_pipeline_api_with_inline_rules_reports_progress(tmp_path: Path) -> None:
    from tools.anonymise.model import AnonymiseRequest
    from tools.anonymise.pipeline import anonymise

    source = tmp_path / "people.csv"
    source.write_text(
        "id|born|age|city\n"
        + "".join(f"{i}|{1950 + i % 40}-0{1 + i % 9}-1{i % 10}|{20 + i % 50}|C{i % 3}\n" for i in range(60))
    )
    steps: list[tuple[str, int, int | None]] = []
    request = AnonymiseRequest(
        data=[source],
        out=tmp_path / "out",
        rules={
            "id": PseudonymiseRule(prefix="P-", length=10),
            "born": GeneraliseRule(to="month"),
            "age": GeneraliseRule(to="decade"),
        },
        classify=False,
        random_key=True,
        quasi_identifiers=["born", "age"],
        sensitive_attribute="city",
        k=2,
        max_rows=50,
    )
    result = anonymise(request, lambda step, done, total: steps.append((step, done, total)))
    assert ("Anonymising people.born (generalise)", 1, 4) in steps and steps[-1][1] == steps[-1][2]
    out = (tmp_path / "out" / "people.csv").read_text().splitlines()
    assert out[0] == "id|born|age|city" and len(out) == 51  # own delimiter, --max-rows honoured
    first = out[1].split("|")
    assert re.fullmatch(r"P-[a-z2-7]{10}", first[0]) and first[1] == "1950-01-01" and first[2] == "20-29"
    (privacy,) = result.privacy
    assert privacy.after.min_k >= privacy.before.min_k and privacy.after.min_l is not None
    assert [c.source for c in result.columns] == ["rules", "rules", "rules", "default"]


def test_a_key_pseudonymised_in_one_table_only_is_flagged(tmp_path: Path) -> None:
    rules = tmp_path / "r.yaml"
    rules.write_text("bank_accounts.account_id: pseudonymise\n")
    data = [SAMPLES / "bank_accounts.csv", SAMPLES / "bank_transactions.csv"]
    code, text = _run("anonymise", *data, "--out", tmp_path / "o", "--random-key", "--rules", rules, "--no-classify")
    assert code == 0, text
    flat = _flat(text)
    assert "account_id is pseudonymised in some tables but not all" in flat and "joins on it will break" in flat
    meta = json.loads((tmp_path / "o" / "anonymisation.json").read_text())
    assert [c["column"] for c in meta["columns"] if c["strategy"] != "keep"] == ["account_id"]


def test_values_differing_only_after_a_nul_stay_distinct() -> None:
    from tools.anonymise.text import factorise

    codes, uniques = factorise(pd.Series(["\x00", "\x000", None, "\x00"], dtype=object))
    assert codes.tolist() == [0, 1, -1, 0]
    assert uniques.tolist() == ["\x00", "\x000"]
