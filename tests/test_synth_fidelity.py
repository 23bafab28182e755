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

from tools.profile.patterns import MASK_RE
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
    return pd.DataFrame(
        {
            "zip": zips,
            "zip3": [f"{rng.integers(100, 1000)}XX" for _ in range(n)],  # every value masked
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
