"""`doppel evaluate`: metrics against scipy, rankings of good/bad/leaky synthetic data, the self-contained
HTML report, and proof that no sensitive real value reaches the HTML or the JSON."""

from __future__ import annotations

import base64
import html as html_lib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from plotly.offline import get_plotlyjs
from scipy import stats
from typer.testing import CliRunner

from server.cli import app
from tests.browser import render
from tests.conftest import ROOT
from tools.errors import DoppelError
from tools.quality import columns as colmetrics
from tools.quality.evaluate import evaluate
from tools.quality.frames import ColumnInfo, TypedTable
from tools.quality.load import pair_tables, prepare_pair, read_side
from tools.quality.model import EvaluateRequest, EvaluateResult, TableEvaluation
from tools.quality.privacy import privacy, split_real
from tools.quality.report_html import SECTIONS
from tools.sensitive.model import ColumnClassification
from tools.sensitive.report import SensitivityReport, write_report

TELECOM = ROOT / "playbooks" / "samples" / "telecom_customers.csv"
LABELS = ROOT / "playbooks" / "samples" / "labels.yaml"
SENSITIVE = {
    "customer_id": "customer_id", "full_name": "person_name", "email": "email", "town": "city", "salary": "salary",
}  # fmt: skip
TOWNS = ["Zorbington", "Quaxley", "Flumpton", "Wibbleford"]
runner = CliRunner()


# ----------------------------------------------------------------------------------------- data


def people(
    n: int,
    seed: int,
    prefix: str,
    *,
    age_shift: float = 0.0,
    plan_p: tuple[float, float, float] = (0.6, 0.3, 0.1),
    break_links: bool = False,
    malformed: float = 0.10,
    padded: float = 0.05,
) -> pd.DataFrame:
    """A customer table: sensitive columns carry distinctive planted values; spend follows age, churn
    follows spend; exact shares of malformed emails and whitespace-padded plans are injected."""
    rng = np.random.default_rng(seed)
    age = np.clip(rng.normal(40 + age_shift, 10, n), 18, 90).round().astype(int)
    spend = (20 + 2 * age + rng.normal(0, 10, n)).round(2)
    churn = np.where(rng.random(n) < 1 / (1 + np.exp(-(spend - 100) / 6)), "no", "yes")
    if break_links:
        spend, churn = rng.permutation(spend), rng.permutation(churn)
    ids = np.arange(n)
    email = np.array([f"{prefix}.mail{i}@planted.example" for i in ids], dtype=object)
    bad = rng.choice(n, round(malformed * n), replace=False)
    email[bad] = [f"{prefix}.mail{i}.planted.example" for i in bad]
    plan = rng.choice(["basic", "plus", "pro"], n, p=list(plan_p)).astype(object)
    pad = rng.choice(n, round(padded * n), replace=False)
    plan[pad] = [f" {p} " for p in plan[pad]]
    joined = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 1000, n), unit="D")
    return pd.DataFrame(
        {
            "customer_id": [f"{prefix.upper()}-{i:06d}" for i in ids],
            "full_name": [f"{prefix.title()}name{i} Quixwell" for i in ids],
            "email": email,
            "town": rng.choice(TOWNS, n),
            "salary": (rng.normal(42_000, 9_000, n).round(0) + 0.37).round(2),
            "age": age,
            "spend": spend,
            "plan": plan,
            "joined": joined.strftime("%Y-%m-%d"),
            "churn": churn,
        }
    )


def sensitivity_file(path: Path, table: str, columns: list[str]) -> Path:
    classes = [
        ColumnClassification(
            table=table, column=c, sensitive=c in SENSITIVE, entity=SENSITIVE.get(c, "none"), confidence=1.0,
            strategy="synthesise" if c in SENSITIVE else "keep",
        )
        for c in columns
    ]  # fmt: skip
    return write_report(SensitivityReport(sample=0, tables=[table], columns=classes), path)


def write(frame: pd.DataFrame, folder: Path, name: str = "customers.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / name, index=False)
    return folder / name


def without_bundle(html: str) -> str:
    return html.replace(get_plotlyjs(), "")


def tokens(document: str) -> set[str]:
    """Every text run of a document (JSON strings, HTML text and attributes, numbers) as whole values: the
    pieces between quotes/brackets/tags, and each run of up to 6 words in them, also without edge punctuation.
    Matching whole tokens (not substrings) keeps 'Leicester' from matching inside 'Leicestershire'."""
    unicode = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m[1], 16)), document)
    text = html_lib.unescape(unicode)
    found: set[str] = set()
    for piece in re.split(r'["<>\[\]{}=]|\\n', text):
        words = piece.split()
        for i in range(len(words)):
            for j in range(i + 1, min(i + 6, len(words)) + 1):
                run = " ".join(words[i:j])
                found.update((run, run.strip(".,:;()'·")))
    for kind, data in re.findall(r'"dtype":"(\w+)","bdata":"([^"]*)"', unicode):  # plotly's typed arrays
        for number in np.frombuffer(base64.b64decode(data), dtype=kind).tolist():
            found.update((str(number), f"{number:.2f}"))
    return found


def leaked(values: set[str], *documents: str) -> list[str]:
    """The values that occur as a whole token in any document."""
    found = set().union(*(tokens(d) for d in documents))
    return sorted(v for v in values if " ".join(v.split()) in found)


@dataclass
class Run:
    result: EvaluateResult
    html: Path | None
    json: Path

    @property
    def table(self) -> TableEvaluation:
        return self.result.tables[0]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("quality")
    real = people(1500, 1, "real")
    paths = {
        "real_frame_all": write(real, root / "all"),
        "real": write(real.iloc[:1200], root / "real"),
        "holdout": write(real.iloc[1200:], root / "holdout"),
        "good": write(people(1200, 2, "syn", malformed=0.03, padded=0.0), root / "good"),
        "bad": write(
            people(1200, 3, "bad", age_shift=15, plan_p=(0.1, 0.3, 0.6), break_links=True, malformed=0.0, padded=0.0),
            root / "bad",
        ),
        "leaky": write(real.iloc[:1200], root / "leaky"),
    }
    paths["sensitivity"] = sensitivity_file(root / "sensitivity.json", "customers", list(real.columns))
    paths["root"] = root
    return paths


def run(data: dict[str, Path], synth: str, *, html: bool = False, holdout_file: bool = True) -> Run:
    out = data["root"] / f"{synth}.html" if html else None
    json_out = data["root"] / f"{synth}.json"
    request = EvaluateRequest(
        real=data["real"], synthetic=data[synth], out=out, json_out=json_out, sensitivity=data["sensitivity"],
        holdout_file=data["holdout"] if holdout_file else None, target="churn", seed=7,
    )  # fmt: skip
    return Run(evaluate(request), out, json_out)


@pytest.fixture(scope="module")
def good(data: dict[str, Path]) -> Run:
    return run(data, "good", html=True)


@pytest.fixture(scope="module")
def bad(data: dict[str, Path]) -> Run:
    return run(data, "bad")


@pytest.fixture(scope="module")
def leaky(data: dict[str, Path]) -> Run:
    return run(data, "leaky")


def column(run: Run, name: str) -> colmetrics.ColumnMetrics:
    return next(c for c in run.table.columns if c.column == name)


# ------------------------------------------------------------------------- metrics vs scipy


def test_ks_and_wasserstein_match_scipy() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, 400), rng.normal(0.5, 2, 300)
    stat, p = colmetrics.ks(a, b)
    expected = stats.ks_2samp(a, b)
    assert stat == pytest.approx(expected.statistic, abs=1e-6)
    assert p == pytest.approx(expected.pvalue, rel=1e-4)
    raw, normalised = colmetrics.wasserstein(a, b)
    assert raw == pytest.approx(stats.wasserstein_distance(a, b), abs=1e-6)
    assert normalised == pytest.approx(stats.wasserstein_distance(a, b) / (a.max() - a.min()), abs=1e-6)
    # a pure shift by 3 moves every unit of mass by 3
    assert colmetrics.wasserstein(np.array([0.0, 1.0, 2.0]), np.array([3.0, 4.0, 5.0])) == (3.0, 1.5)


def test_tv_distance_and_chi_squared_on_known_counts() -> None:
    real = pd.Series(["a"] * 50 + ["b"] * 30 + ["c"] * 20 + [None] * 5)
    synth = pd.Series(["a"] * 30 + ["b"] * 30 + ["c"] * 40)
    rc, sc = colmetrics.category_counts(real, synth)
    assert colmetrics.tv_distance(rc, sc) == pytest.approx(0.2)  # 0.5 * (|.5-.3| + 0 + |.2-.4|)
    expected = stats.chi2_contingency([[50, 30, 20], [30, 30, 40]], correction=False).pvalue
    assert colmetrics.chi2_pvalue(rc, sc) == pytest.approx(expected, rel=1e-4)
    same = pd.Series(["a", "b"] * 50)
    assert colmetrics.tv_distance(*colmetrics.category_counts(same, same)) == 0.0


def test_correlation_difference_matches_numpy() -> None:
    from tools.quality.correlation import compare

    rng = np.random.default_rng(1)
    x = rng.normal(size=500)
    real = pd.DataFrame({"x": x, "y": 2 * x + rng.normal(scale=0.5, size=500), "z": rng.normal(size=500)})
    synth = pd.DataFrame({"x": x, "y": rng.normal(size=500), "z": rng.normal(size=500)})
    cols = [ColumnInfo(n, "numerical", False) for n in "xyz"]
    text = real.astype(str)
    table = TypedTable("t", cols, real, synth, text, synth.astype(str))
    result = compare(table, "pearson")
    assert result is not None
    diff = np.abs(np.corrcoef(real.to_numpy().T) - np.corrcoef(synth.to_numpy().T))
    assert np.allclose(np.array(result.difference, dtype=float), diff, atol=1e-6)
    assert result.worst_pair == ["x", "y"]
    assert result.max_abs_difference == pytest.approx(diff[0, 1], abs=1e-6)


# ------------------------------------------------------------------------------ rankings


def test_good_synthetic_scores_higher_than_bad(good: Run, bad: Run) -> None:
    g, b = good.table, bad.table
    assert g.quality_score is not None and b.quality_score is not None
    assert g.quality_score > b.quality_score + 0.05
    assert column(good, "age").ks_statistic < 0.1 < 0.4 < column(bad, "age").ks_statistic  # type: ignore[operator]
    assert column(bad, "age").wasserstein_normalised > 3 * column(good, "age").wasserstein_normalised  # type: ignore[operator]
    assert column(good, "plan").tv_distance < 0.1 < 0.3 < column(bad, "plan").tv_distance  # type: ignore[operator]
    good_corr = next(c for c in g.correlations if c.method == "pearson")
    bad_corr = next(c for c in b.correlations if c.method == "pearson")
    assert good_corr.max_abs_difference < 0.1 < 0.5 < bad_corr.max_abs_difference  # type: ignore[operator]
    assert bad_corr.worst_pair == ["age", "spend"]  # the link the bad data broke
    assert {p.name for p in g.quality_properties} == {"Column Shapes", "Column Pair Trends"}
    assert {p.name for p in g.diagnostic_properties} == {"Data Validity", "Data Structure"}


def test_ml_utility_ranks_good_above_bad(good: Run, bad: Run) -> None:
    g, b = good.table.utility, bad.table.utility
    assert g is not None and b is not None
    assert g.task == "classification" and g.metric == "f1_macro"
    assert g.real_score is not None and g.real_score > 0.7  # churn is learnable from spend
    assert g.ratio is not None and b.ratio is not None
    assert g.ratio > 0.85 and b.ratio < g.ratio - 0.2


def test_leaky_copy_is_flagged_and_good_is_not(good: Run, leaky: Run) -> None:
    lp, gp = leaky.table.privacy, good.table.privacy
    assert lp is not None and gp is not None
    assert lp.holdout_source == gp.holdout_source == "file"
    assert lp.exact_copy_rate == 1.0 and gp.exact_copy_rate == 0.0
    assert lp.dcr_synthetic_median == 0.0 and lp.dcr_ratio == 0.0
    assert gp.dcr_ratio is not None and gp.dcr_ratio > 0.7
    assert lp.mia_auc is not None and lp.mia_auc > 0.9
    assert gp.mia_auc is not None and 0.4 < gp.mia_auc < 0.6
    assert lp.share_closer_to_train is not None and lp.share_closer_to_train > 0.9
    assert gp.share_closer_to_train is not None and 0.4 < gp.share_closer_to_train < 0.6
    assert lp.verdict == "high risk" and gp.verdict == "low risk"
    assert leaky.result.privacy_verdict == "high risk"


def test_split_holdout_still_catches_copies_and_says_what_it_cannot_see() -> None:
    rng = np.random.default_rng(5)
    real = pd.DataFrame({"a": rng.normal(size=600), "b": rng.choice(["x", "y", "z"], 600)})
    cols = [ColumnInfo("a", "numerical", False), ColumnInfo("b", "categorical", False)]
    split = split_real(real, 0.2, seed=1)
    assert len(split.holdout) == 120 and len(split.train) == 480
    copied = privacy(split, real.copy(), cols, seed=1)
    fresh = privacy(split, pd.DataFrame({"a": rng.normal(size=600), "b": rng.choice(["x", "y", "z"], 600)}), cols, 1)
    assert not isinstance(copied, str) and not isinstance(fresh, str)
    assert copied.exact_copy_rate == 1.0 and copied.verdict == "high risk"
    assert fresh.exact_copy_rate == 0.0 and fresh.verdict == "low risk"
    assert any("cannot reveal memorisation" in n for n in copied.notes)
    assert privacy(split, real, [ColumnInfo("id", "identifier", True)], 1) == (
        "no numerical, date or categorical columns to compare records on"
    )


def test_edge_case_rates_match_injected_rates(good: Run, bad: Run, data: dict[str, Path]) -> None:
    real = pd.read_csv(data["real"], dtype=str, keep_default_na=False)
    no_at = float((~real["email"].str.contains("@")).mean())  # injected at 10% of the 1500 rows REAL is cut from
    padded = float((real["plan"] != real["plan"].str.strip()).mean())
    assert 0.08 < no_at < 0.12 and 0.03 < padded < 0.07
    rows = {(e.column, e.issue): e for e in good.table.edge_cases}
    email = rows[("email", "malformed_email")]
    assert email.real_rate == pytest.approx(no_at, abs=1e-5)
    assert email.synthetic_rate == pytest.approx(0.03, abs=1e-6)  # exactly 36 of 1200 synthetic rows
    assert email.difference == pytest.approx(0.03 - no_at, abs=1e-5)
    plan = rows[("plan", "whitespace")]
    assert plan.real_rate == pytest.approx(padded, abs=1e-5) and plan.synthetic_rate == 0.0
    bad_rows = {(e.column, e.issue): e for e in bad.table.edge_cases}
    assert bad_rows[("email", "malformed_email")].synthetic_rate == 0.0


# ---------------------------------------------------------------------------- the report


def test_html_is_self_contained_with_every_section(good: Run) -> None:
    assert good.html is not None
    html = good.html.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, flags=re.I)
    assert not re.search(r"<link[^>]*https?:", html, flags=re.I)
    assert html.count(get_plotlyjs()) == 1  # plotly.js inlined exactly once
    assert 'id="summary"' in html
    for section in SECTIONS:
        assert f'id="customers-{section}"' in html, section
    body = without_bundle(html)
    assert body.count("Plotly.newPlot") >= len(good.table.columns)  # distributions, Q-Q, heatmaps
    assert "Q-Q" in body and "Pearson correlation: |real - synthetic|" in body
    assert "email: value lengths (sensitive: values not shown)" in body
    assert "Doppel evaluation report" in body and "low risk" in body


def test_html_opens_offline_in_a_real_browser_and_draws_every_chart(good: Run) -> None:
    assert good.html is not None
    page = render(good.html)
    charts = without_bundle(good.html.read_text(encoding="utf-8")).count("Plotly.newPlot")
    assert charts >= len(good.table.columns)
    drawn = page.dom.count('class="plot-container plotly"')  # plotly adds it when a chart is drawn
    assert drawn == charts, f"{drawn} of {charts} charts drawn"
    assert page.dom.count('class="main-svg"') >= charts
    assert 'id="summary"' in page.dom and "Doppel evaluation report" in page.dom
    assert page.console == []  # no script error, no failed fetch


def test_no_sensitive_real_value_in_html_or_json(good: Run, data: dict[str, Path]) -> None:
    real = pd.read_csv(data["real_frame_all"], dtype=str, keep_default_na=False)
    assert good.html is not None
    html = without_bundle(good.html.read_text(encoding="utf-8"))
    document = good.json.read_text(encoding="utf-8")
    sensitive = {v.strip() for c in SENSITIVE for v in real[c] if v.strip()}
    assert len(sensitive) > 4000  # ids, names, emails, towns and salaries were planted
    assert leaked(sensitive, html, document) == []
    # the check can fail: non-sensitive category labels and numbers do appear
    assert leaked({"basic", "plus", "pro", "99999.99"}, html) == ["basic", "plus", "pro"]
    assert all(c.sensitive == (c.column in SENSITIVE) for c in good.table.columns)


def test_json_validates_back_into_the_result(good: Run) -> None:
    again = EvaluateResult.model_validate_json(good.json.read_text(encoding="utf-8"))
    assert again == good.result
    document = json.loads(good.json.read_text(encoding="utf-8"))
    assert document["tables"][0]["name"] == "customers"
    assert "NaN" not in good.json.read_text(encoding="utf-8")


def test_classifier_failure_treats_every_column_as_sensitive(
    data: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import tools.sensitive.classify as classify

    def broken(*args: object, **kwargs: object) -> None:
        raise OverflowError("boom")

    monkeypatch.setattr(classify, "classify_tables", broken)
    out = data["root"] / "fallback.html"
    result = evaluate(EvaluateRequest(real=data["real"], synthetic=data["good"], out=out, max_rows=300))
    assert any("sensitivity classifier failed (OverflowError)" in w for w in result.warnings)
    assert all(c.sensitive for c in result.tables[0].columns)
    body = without_bundle(out.read_text(encoding="utf-8"))
    assert leaked({"basic", "plus", "pro", *TOWNS}, body) == []


# ------------------------------------------------------------------------- inputs and CLI


def test_output_folder_parts_metadata_and_tags(tmp_path: Path) -> None:
    real = people(200, 1, "real")
    write(real, tmp_path / "real")
    write(real.iloc[:50], tmp_path / "real", "stores.csv")
    synth = people(200, 2, "syn")
    synth["_anomalies"] = [json.dumps(["malformed_email"]) if i % 10 == 0 else "" for i in range(200)]
    out = tmp_path / "out"
    write(synth.iloc[:120], out, "customers.part-00001.csv")
    write(synth.iloc[120:], out, "customers.part-00002.csv")
    write(synth.iloc[:40].drop(columns="_anomalies"), out, "stores.csv")
    (out / "metadata.json").write_text('{"seed": 1}', encoding="utf-8")
    warnings: list[str] = []
    pairs = pair_tables(read_side(tmp_path / "real", "REAL"), read_side(out, "SYNTH"), out, warnings)
    assert [name for name, _, _ in pairs] == ["customers", "stores"]
    pair = prepare_pair(*pairs[0], max_rows=None, seed=0)
    assert len(pair.synthetic.frame) == 200 and "_anomalies" not in pair.synthetic.frame.columns
    assert pair.tagged_anomaly_rate == pytest.approx(0.1)
    sampled = prepare_pair(*pairs[0], max_rows=50, seed=0)
    assert len(sampled.real.frame) == 50 and sampled.real_rows == 200
    assert prepare_pair(*pairs[0], max_rows=50, seed=0).real.frame.equals(sampled.real.frame)  # seeded
    (tmp_path / "real" / "stores.csv").unlink()
    write(real, tmp_path / "real", "orders.csv")
    with pytest.raises(DoppelError, match=r"no synthetic table for orders"):
        pair_tables(read_side(tmp_path / "real", "REAL"), read_side(out, "SYNTH"), out, warnings)


def test_cli_writes_report_and_prints_summary(data: dict[str, Path], tmp_path: Path) -> None:
    html, doc = tmp_path / "r.html", tmp_path / "r.json"
    done = runner.invoke(
        app,
        ["evaluate", str(data["real"]), str(data["good"]), "--out", str(html), "--json", str(doc),
         "--sensitivity", str(data["sensitivity"]), "--max-rows", "400", "--no-charts", "-q"],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "quality" in done.output and "privacy" in done.output and str(html) in done.output
    result = EvaluateResult.model_validate_json(doc.read_text(encoding="utf-8"))
    assert result.tables[0].evaluated_real_rows == 400 and result.html_path == html
    assert "Plotly.newPlot" not in without_bundle(html.read_text(encoding="utf-8"))


def test_fixed_time_makes_the_html_report_byte_identical(data: dict[str, Path], tmp_path: Path) -> None:
    """Charts included (plotly would pick random div ids): the same inputs and --fixed-time give the same
    bytes, and the report states that time, not the clock."""
    pages = []
    for name in ("a", "b"):
        html = tmp_path / f"{name}.html"
        done = runner.invoke(
            app,
            ["evaluate", str(data["real"]), str(data["good"]), "--out", str(html), "--sensitivity",
             str(data["sensitivity"]), "--max-rows", "300", "--seed", "3", "--fixed-time", "2026-03-01T09:30", "-q"],
        )  # fmt: skip
        assert done.exit_code == 0, done.output
        pages.append(html.read_bytes())
    assert pages[0] == pages[1]
    body = without_bundle(pages[0].decode("utf-8"))
    assert "2026-03-01 09:30 UTC" in body and "Plotly.newPlot" in body
    done = runner.invoke(app, ["evaluate", str(data["real"]), str(data["good"]), "--fixed-time", "soon", "-q"])
    assert done.exit_code == 2 and "--fixed-time: 'soon' is not an ISO date" in done.output


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing_real", "nope.csv: no such file or folder (REAL)"),
        ("mismatched", "no synthetic table for orders"),
        ("no_common_columns", "no column in common with real table"),
        ("bad_target", "--target: no column 'nope'"),
        ("empty_synth", "empty.csv: table 'customers' has no rows to evaluate"),
    ],
)
def test_cli_errors_exit_2_naming_the_input(data: dict[str, Path], tmp_path: Path, case: str, message: str) -> None:
    real, synth = data["real"], data["good"]
    extra: list[str] = []
    if case == "missing_real":
        real = tmp_path / "nope.csv"
    elif case == "mismatched":
        real, synth = tmp_path / "r", tmp_path / "s"
        write(people(50, 1, "a"), real)
        write(people(50, 1, "a"), real, "orders.csv")
        write(people(50, 2, "b"), synth)
        write(people(50, 2, "b"), synth, "invoices.csv")
    elif case == "no_common_columns":
        synth = write(pd.DataFrame({"other": [1, 2, 3]}), tmp_path / "s")
    elif case == "empty_synth":
        synth = write(people(5, 2, "b").iloc[:0], tmp_path / "s", "empty.csv")
    else:
        extra = ["--target", "nope"]
    html = tmp_path / "never.html"
    done = runner.invoke(app, ["evaluate", str(real), str(synth), "--out", str(html), "-q", *extra])
    assert done.exit_code == 2, done.output
    assert message in done.output
    assert "Traceback" not in done.output
    assert not html.exists()
    if case == "mismatched":
        assert str(synth) in done.output


# ------------------------------------------------------------------------------ real sample


def test_telecom_sample_against_a_synthetic_stand_in(tmp_path: Path) -> None:
    """The messy 57-column CP1252 sample vs a stand-in: non-sensitive columns resampled independently,
    sensitive ones replaced by Faker values. Sensitivity comes from the ground-truth labels."""
    from faker import Faker

    from tools.ingest.readers import read_samples

    frame = read_samples([TELECOM])[0].frame
    labels = yaml.safe_load(LABELS.read_text(encoding="utf-8"))["telecom_customers.csv"]
    rows = 1500
    rng = np.random.default_rng(11)
    fake = Faker("en_GB")
    fake.seed_instance(11)
    makers = {
        "first_name": fake.first_name, "last_name": fake.last_name, "person_name": fake.name, "email": fake.email,
        "city": fake.city, "postcode": fake.postcode, "street_address": fake.street_address,
        "date_of_birth": lambda: fake.date_of_birth(minimum_age=18, maximum_age=90).strftime("%d/%m/%Y"),
    }  # fmt: skip
    synth: dict[str, list[object]] = {}
    for name in frame.columns:
        entity = labels[name]["entity"]
        if labels[name]["sensitive"]:
            make = makers.get(entity, lambda: fake.bothify("??########"))
            synth[name] = [make() for _ in range(rows)]
        else:
            synth[name] = list(frame[name].to_numpy()[rng.integers(0, len(frame), rows)])
    synth_path = write(pd.DataFrame(synth), tmp_path / "synth", "telecom_customers.csv")
    classes = [
        ColumnClassification(table="telecom_customers", column=c, sensitive=v["sensitive"], entity=v["entity"],
                             confidence=1.0, strategy="synthesise" if v["sensitive"] else "keep")
        for c, v in labels.items()
    ]  # fmt: skip
    sens = write_report(SensitivityReport(sample=0, tables=["telecom_customers"], columns=classes), tmp_path / "s.json")
    html, doc = tmp_path / "t.html", tmp_path / "t.json"
    result = evaluate(
        EvaluateRequest(real=TELECOM, synthetic=synth_path, out=html, json_out=doc, sensitivity=sens,
                        max_rows=rows, target="churn_flag", seed=3)
    )  # fmt: skip
    table = result.tables[0]
    assert len(table.columns) == 57 and table.evaluated_real_rows == rows and table.real_rows == 5000
    assert result.quality_score is not None and 0.5 < result.quality_score < 0.95
    by_name = {c.column: c for c in table.columns}
    assert by_name["plan"].shape_score is not None and by_name["plan"].shape_score > 0.9  # resampled
    assert by_name["monthly_fee"].ks_statistic is not None and by_name["monthly_fee"].ks_statistic < 0.1
    assert by_name["first_name"].shape_score is not None and by_name["first_name"].shape_score < 0.5  # replaced
    assert table.privacy is not None and table.privacy.exact_copy_rate == 0.0
    assert table.utility is not None and table.utility.target == "churn_flag"
    edges = {(e.column, e.issue): e for e in table.edge_cases}
    assert edges[("email", "malformed_email")].real_rate > 0
    real_text = frame.astype(object)
    public = {str(v).strip() for c in frame.columns if not labels[c]["sensitive"] for v in real_text[c].dropna()}
    secret = {
        str(v).strip()
        for c in frame.columns
        if labels[c]["sensitive"]
        for v in real_text[c].dropna()
        if len(str(v).strip()) >= 5
    } - tokens(json.dumps(sorted(public)))  # e.g. town 'Bristol' is also a word of county 'City of Bristol'
    assert len(secret) > 10_000
    body = without_bundle(html.read_text(encoding="utf-8"))
    assert leaked(secret, body, doc.read_text(encoding="utf-8")) == []
