"""Synthesis keeps what the sample shows, measured on the written file:

* pre-masked values keep their masks exactly (``860xx``, ``****1234``): the same shapes with the mask
  characters where they were, at the sample's masked share, and never an unmasked value where the
  sample only had masked ones;
* case variants of a category are only those the sample has (``MALE``, ``male``; never ``mALE``), at
  the sample's rates;
* a regenerated (sensitive) flag keeps its labels and its rate (12 % stays 12 %).

Sensitivity is given (overrides), so these tests measure synthesis, not the classifier.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tools.profile.patterns import MASK_RE, mask_shape
from tools.synth.model import SynthesizeRequest
from tools.synth.pipeline import synthesize

N_SAMPLE = 400
N_OUT = 1000
MASKED = re.compile(MASK_RE)


def written_shape(value: str) -> str:
    """Digits -> 9, letters -> A, mask characters (``*``, ``#``, runs of X or x) kept as written."""
    marked = re.sub(r"[Xx]{2,}", lambda m: m.group().replace("X", "\0").replace("x", "\1"), value)
    out = re.sub(r"[0-9]", "9", marked)
    out = re.sub(r"[^\W\d_]", "A", out)
    return out.replace("\0", "X").replace("\1", "x")


def tolerance(rate: float, n: int) -> float:
    """Three standard errors of a share over ``n`` values, plus one value's worth of rounding."""
    return 3 * math.sqrt(max(rate * (1 - rate), 1e-4) / n) + 1 / n


def _zips(rng: np.random.Generator, n: int) -> list[str]:
    return [f"{rng.integers(100, 1000)}{rng.integers(0, 100):02d}" for _ in range(n)]


def _cased(rng: np.random.Generator, base: np.ndarray, variants: dict[str, list[tuple[str, float]]]) -> list[str]:
    """Each value, or one of its case variants at the given shares."""
    out = []
    for value in base:
        r, acc, chosen = rng.random(), 0.0, str(value)
        for spelling, share in variants.get(str(value), []):
            acc += share
            if r < acc:
                chosen = spelling
                break
        out.append(chosen)
    return out


def sample_frame() -> pd.DataFrame:
    rng = np.random.default_rng(20)
    n = N_SAMPLE
    zips = _zips(rng, n)
    zips = [z[:3] + "xx" if rng.random() < 0.3 else z for z in zips]  # 30 % masked like 860xx
    cards = [f"4{rng.integers(10**14, 10**15)}" for _ in range(n)]
    cards = [f"****{c[-4:]}" if rng.random() < 0.15 else c for c in cards]
    gender = _cased(
        rng,
        rng.choice(["Male", "Female"], n),
        {"Male": [("MALE", 0.08), ("male", 0.04)], "Female": [("female", 0.1)]},
    )
    sex = _cased(rng, rng.choice(["Female", "Male"], n, p=[0.55, 0.45]), {"Female": [("FEMALE", 0.1)]})
    smoker = rng.choice(["N", "Unknown", "Y", "No", "Yes"], n, p=[0.69, 0.12, 0.12, 0.05, 0.02])
    members = [f"M-{rng.integers(10**7, 10**8)}" for _ in range(n)]
    members = [f"{m[:6]}XXXX" if rng.random() < 0.2 else m for m in members]
    letters = "ABCDEFGHIJKLMNOPQRSTUVWYZ"
    pool = [f"{rng.choice(list(letters))}{rng.choice(list(letters))}{rng.integers(10**5, 10**6)}" for _ in range(300)]
    policies = [str(rng.choice(pool)) for _ in range(n)]
    policies = [f"{p[:2]}****{p[-2:]}" if rng.random() < 0.15 else p for p in policies]
    branches = [f"BR-{rng.integers(10, 30)}" for _ in range(n)]
    branches = ["BR-XX" if rng.random() < 0.25 else b for b in branches]
    return pd.DataFrame(
        {
            "zip": zips,
            "zip3": [f"{rng.integers(100, 1000)}XX" for _ in range(n)],  # every value masked
            "region": [f"{rng.integers(100, 110)}xx" for _ in range(n)],  # not sensitive, every value masked
            "member_no": members,
            "policy": policies,
            "branch": branches,
            "card": cards,
            "gender": gender,
            "sex": sex,
            "smoker": smoker,
            "hiv_positive": np.where(rng.random(n) < 0.12, "Y", "N"),
            "pregnant": np.where(rng.random(n) < 0.2, "1", "0"),
            "amount": np.round(rng.gamma(2, 40, n), 2),
        }
    )


OVERRIDES = {
    "people.zip": {"sensitive": True, "entity": "postcode"},
    "people.zip3": {"sensitive": True, "entity": "postcode"},
    "people.card": {"sensitive": True, "entity": "payment_card"},
    "people.region": {"sensitive": False},
    "people.member_no": {"sensitive": True, "entity": "other_pii"},
    "people.policy": {"sensitive": True, "entity": "other_pii"},
    "people.branch": {"sensitive": False},
    "people.gender": {"sensitive": False},
    "people.sex": {"sensitive": True, "entity": "gender"},
    "people.smoker": {"sensitive": True, "entity": "medical_condition"},
    "people.hiv_positive": {"sensitive": True, "entity": "medical_condition"},
    "people.pregnant": {"sensitive": True, "entity": "medical_condition"},
    "people.amount": {"sensitive": False},
}


@dataclass
class Made:
    sample: pd.DataFrame
    output: pd.DataFrame


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Made:
    folder = tmp_path_factory.mktemp("fidelity")
    sample = sample_frame()
    sample.to_csv(folder / "people.csv", index=False)
    overrides = folder / "overrides.yaml"
    overrides.write_text(yaml.safe_dump(OVERRIDES), encoding="utf-8")
    out = folder / "out"
    synthesize(SynthesizeRequest(data=[folder / "people.csv"], rows=N_OUT, seed=5, out=out, overrides=overrides))
    output = pd.read_csv(out / "people.csv", dtype=str, keep_default_na=False, na_filter=False)
    read_back = pd.read_csv(folder / "people.csv", dtype=str, keep_default_na=False, na_filter=False)
    return Made(read_back, output)


def _present(values: pd.Series) -> list[str]:
    return [v.strip() for v in values if v.strip()]


def _share(values: list[str], predicate: object) -> float:
    return sum(1 for v in values if predicate(v)) / len(values)  # type: ignore[operator]


# ------------------------------------------------------------------------------------ item 6: masks


@pytest.mark.parametrize("column", ["zip", "zip3", "region", "card", "member_no", "policy", "branch"])
def test_masked_values_keep_the_sample_mask_shapes_and_share(made: Made, column: str) -> None:
    real, synthetic = _present(made.sample[column]), _present(made.output[column])
    real_shapes, synthetic_shapes = Counter(map(written_shape, real)), Counter(map(written_shape, synthetic))
    assert set(synthetic_shapes) <= set(real_shapes), (column, synthetic_shapes - real_shapes)
    real_masked = _share(real, lambda v: MASKED.search(v))
    synthetic_masked = _share(synthetic, lambda v: MASKED.search(v))
    assert real_masked > 0
    assert abs(synthetic_masked - real_masked) <= tolerance(real_masked, len(synthetic)), (
        column,
        real_masked,
        synthetic_masked,
    )


@pytest.mark.parametrize(("column", "pattern"), [("zip3", r"\d{3}XX"), ("region", r"\d{3}xx")])
def test_a_column_masked_throughout_stays_masked_throughout(made: Made, column: str, pattern: str) -> None:
    values = _present(made.output[column])
    assert len(values) == N_OUT
    assert all(re.fullmatch(pattern, v) for v in values), [v for v in values if not re.fullmatch(pattern, v)]


def test_zip_masks_show_a_zip_prefix_of_the_synthetic_zips(made: Made) -> None:
    """The visible digits of ``860xx`` are a leading ZIP3, like the unmasked synthetic ZIPs' prefixes."""
    values = _present(made.output["zip"])
    masked = [v[:3] for v in values if v.endswith("xx")]
    plain = {v[:3] for v in values if re.fullmatch(r"\d{5}", v)}
    assert masked and plain
    assert sum(p in plain for p in masked) / len(masked) >= 0.8


# ------------------------------------------------------------------------------- item 7: case and flags


def _variants(values: list[str]) -> dict[str, Counter[str]]:
    by_key: dict[str, Counter[str]] = {}
    for v in values:
        by_key.setdefault(v.lower(), Counter())[v] += 1
    return by_key


def test_learned_category_case_variants_are_the_sample_s_own_at_its_rates(made: Made) -> None:
    real, synthetic = _present(made.sample["gender"]), _present(made.output["gender"])
    assert set(synthetic) <= set(real), set(synthetic) - set(real)
    real_by, synthetic_by = _variants(real), _variants(synthetic)
    for key, counts in real_by.items():
        dominant = counts.most_common(1)[0][0]
        n_real, n_syn = sum(counts.values()), sum(synthetic_by[key].values())
        for spelling in counts:
            if spelling == dominant:
                continue
            want = counts[spelling] / n_real
            got = synthetic_by[key][spelling] / n_syn
            assert abs(got - want) <= tolerance(want, n_syn), (spelling, want, got)


def test_regenerated_category_case_variants_are_the_sample_s_own(made: Made) -> None:
    real, synthetic = _present(made.sample["sex"]), _present(made.output["sex"])
    assert set(synthetic) <= set(real), set(synthetic) - set(real)
    off = _share(real, lambda v: v == v.upper())
    got = _share(synthetic, lambda v: v == v.upper())
    assert abs(got - off) <= tolerance(off, len(synthetic)), (off, got)


@pytest.mark.parametrize(("column", "true"), [("hiv_positive", "Y"), ("smoker", "Y"), ("pregnant", "1")])
def test_regenerated_flag_keeps_its_labels_and_rate(made: Made, column: str, true: str) -> None:
    real, synthetic = _present(made.sample[column]), _present(made.output[column])
    assert set(synthetic) <= set(real), set(synthetic) - set(real)
    want, got = real.count(true) / len(real), synthetic.count(true) / len(synthetic)
    assert abs(got - want) <= tolerance(want, len(synthetic)), (column, want, got)


# ----------------------------------------------------------------------- the helpers, for every input


MASK_PART = st.one_of(
    st.text("*#", min_size=2, max_size=6),
    st.sampled_from(["XX", "XXX", "XXXX", "xx", "xxxx", "XXXXXXXX"]),
)
VISIBLE_PART = st.text("0123456789ABCDEFGHJKLMNPQRSTUVWYZabcdefghjkmnpqrstuvwyz", min_size=0, max_size=5)
SEPARATOR = st.sampled_from(["", "", "-", " ", "/"])


@st.composite
def masked_values(draw: st.DrawFn) -> str:
    """A pre-masked value: visible parts, separators and at least one mask run."""
    parts = [draw(VISIBLE_PART)]
    for _ in range(draw(st.integers(1, 3))):
        parts += [draw(SEPARATOR), draw(MASK_PART), draw(SEPARATOR), draw(VISIBLE_PART)]
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(masked_values(), st.text(min_size=0, max_size=20), st.integers(0, 2**32 - 1))
def test_a_redrawn_mask_has_exactly_the_mask_shape(original: str, synthetic: str, seed: int) -> None:
    from tools.synth.quality import _mask_one

    if not MASKED.search(original):
        return  # not a mask the profiler would record
    mask = mask_shape(original)
    out = _mask_one(synthetic, mask, np.random.default_rng(seed))
    assert len(out) == len(mask)
    assert mask_shape(out) == mask, (original, synthetic, out)
    assert MASKED.search(out)


PUBLIC = st.sampled_from(["Y", "N", "y", "n", "Yes", "no", "TRUE", "false", "T", "F", "1", "0", "Unknown", "Ex"])
CODES = st.text("ABCDEFGHJKLMNPQRSTUVWZ0123456789", min_size=1, max_size=4)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(PUBLIC, CODES), min_size=1, max_size=12), st.integers(0, 2**32 - 1))
def test_regenerated_labels_keep_public_vocabulary_and_never_reuse_a_category(raw: list[str], seed: int) -> None:
    from tools.synth.vocabulary import FLAGS, SMOKER, labels

    categories = list({c.lower(): c for c in raw}.values())  # distinct case-insensitively, as regenerate gives
    avoid = {c.lower() for c in categories}
    public = FLAGS | {v.lower() for v in SMOKER}
    made = labels(categories, "medical_condition", "smoker", np.random.default_rng(seed), avoid)
    assert len({m.lower() for m in made}) == len(categories)  # one distinct label per category
    for category, label in zip(categories, made, strict=True):
        if category.lower() in public:
            assert label == category  # a flag or a smoking status keeps its meaning
        else:
            assert label.lower() not in avoid  # any other category never takes a production label


def test_off_case_styles_without_known_spellings_follow_the_sample_styles() -> None:
    """A column whose synthetic values are new words (no sample spelling to copy) is re-cased only in
    the styles the sample used, each at its share, at the sample's rate."""
    from tools.engine.seeding import rng_for
    from tools.ingest.model import IngestedTable, SourceInfo
    from tools.profile.profiler import profile_tables
    from tools.sensitive.model import ColumnClassification
    from tools.synth import quality
    from tools.synth.plan import plan_table

    rng = np.random.default_rng(9)
    status = rng.choice(["Active", "Closed"], 2000).astype(object)
    off = rng.choice(2000, 200, replace=False)
    status[off[:150]] = [v.upper() for v in status[off[:150]]]
    status[off[150:]] = [v.lower() for v in status[off[150:]]]
    frame = pd.DataFrame({"status": status})
    source = SourceInfo(path=Path("t.csv"), format="csv", rows=len(frame), columns=1)
    found = [ColumnClassification(table="t", column="status", sensitive=False, entity="none", confidence=1.0,
                                  strategy="keep")]  # fmt: skip
    profile = profile_tables([IngestedTable(name="t", source=source, frame=frame)], found)
    plans = {p.column: p for p in plan_table(profile.table("t"), {("t", "status"): found[0]}, set())}
    made = pd.DataFrame({"status": rng.choice(["Pending Review", "Open"], 5000).astype(object)})
    quality.reapply(made, profile.table("t"), plans, {}, lambda c: rng_for(2, "t", c, 0, 0, "q"))
    values = made["status"].tolist()
    upper = sum(v == v.upper() for v in values) / len(values)
    lower = sum(v == v.lower() for v in values) / len(values)
    assert set(values) <= {"Pending Review", "Open", "PENDING REVIEW", "OPEN", "pending review", "open"}
    assert abs(upper - 0.075) <= tolerance(0.075, 5000) and abs(lower - 0.025) <= tolerance(0.025, 5000)


def test_zip_codes_are_judged_as_zip_codes_not_uk_postcodes() -> None:
    """A US ZIP column is not 100 % invalid UK postcodes: only its broken ZIPs are invalid, and the
    breakages re-applied to synthetic ZIPs stay invalid ZIPs."""
    from tools.ingest.model import IngestedTable, SourceInfo
    from tools.profile.profiler import profile_tables
    from tools.profile.quality import US_ZIP_RE
    from tools.synth.quality import _bad_postcodes

    rng = np.random.default_rng(4)
    zips = _zips(rng, 950) + [f"{rng.integers(1000, 10000)}" for _ in range(50)]  # 5 % four digits: broken
    frame = pd.DataFrame({"zip": zips, "postcode": ["SW1A 1AA", "M1 1AE", "B33 8TH", "SW1A1A"] * 250})
    source = SourceInfo(path=Path("t.csv"), format="csv", rows=len(frame), columns=2)
    profile = profile_tables([IngestedTable(name="t", source=source, frame=frame)], [])
    issues = {c.name: {i.kind: i for i in c.quality} for c in profile.table("t").columns}
    zip_issue, uk_issue = issues["zip"]["invalid_postcode"], issues["postcode"]["invalid_postcode"]
    assert zip_issue.rate == pytest.approx(0.05) and zip_issue.details["format"] == "us"
    assert uk_issue.rate == pytest.approx(0.25) and uk_issue.details["format"] == "uk"
    broken = _bad_postcodes(np.array(_zips(rng, 500), dtype=object), US_ZIP_RE, rng)
    assert not any(re.fullmatch(r"[0-9]{5}(?:-[0-9]{4})?", v) for v in broken)


@pytest.mark.parametrize(
    ("value", "masked", "mask"),
    [
        ("860xx", True, "999xx"),
        ("860XX", True, "999XX"),
        ("12XX34", True, "99XX99"),
        ("****1234", True, "****9999"),
        ("B1 1XX", False, None),  # a UK postcode whose unit is XX: no mask
        ("SW1A 2XX", False, None),
        ("XXL", False, None),
    ],
)
def test_mask_detection_and_shapes(value: str, masked: bool, mask: str | None) -> None:
    assert bool(MASKED.search(value)) is masked
    if mask is not None:
        assert mask_shape(value) == mask


def test_learned_flags_keep_both_values_and_fixed_combinations_keep_their_types(tmp_path: Path) -> None:
    """A 0/1 flag that is nearly constant is not "determined" by every category (its rare 1s stay), a 0/1
    sex column keeps both values, and a category that truly fixes another still does, typed as it was."""
    rng = np.random.default_rng(11)
    n = 1500
    plan = rng.choice(["basic", "plus", "pro"], n, p=[0.5, 0.3, 0.2])
    frame = pd.DataFrame({
        "plan": plan,
        "tier": pd.Series(plan).map({"basic": "A", "plus": "B", "pro": "C"}),
        "heart_failure": (rng.random(n) < 0.004).astype(int),
        "sex": rng.integers(0, 2, n),
        "monthly_fee": np.round(rng.gamma(3.0, 10.0, n), 2),
    })  # fmt: skip
    frame["pregnancies"] = np.where(frame["sex"] == 1, rng.integers(0, 4, n).astype(float), np.nan)  # fixes sex
    sample = tmp_path / "members.csv"
    frame.to_csv(sample, index=False)
    out = tmp_path / "out"
    synthesize(SynthesizeRequest(data=[sample], rows=n, seed=3, out=out))
    written = pd.read_csv(out / "members.csv", dtype=str)
    assert set(written["heart_failure"]) == {"0", "1"} and set(written["sex"]) == {"0", "1"}
    ones = (written["heart_failure"] == "1").sum()
    assert 0 < ones < 25, ones  # the sample's 6 in 1,500, not none (forced) and not half (garbled)
    assert abs((written["sex"] == "1").mean() - frame["sex"].mean()) < 0.05
    assert (written["tier"] == written["plan"].map({"basic": "A", "plus": "B", "pro": "C"})).all()
    assert (written.loc[written["pregnancies"].notna(), "sex"] == "1").all()
