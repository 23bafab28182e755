"""Segmented copulas and per-context child tables: the association measure, the choice of a segment
column, how rows are split between models, and end to end through `synthesize` with SDV: a category
that shapes other columns, and a parent category that shapes how many children a parent has."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tools.synth import segments
from tools.synth.model import SynthesizeRequest
from tools.synth.pipeline import synthesize

CHANNELS = {"ATM": (-80.0, 20.0), "SALARY": (2500.0, 300.0), "CARD": (-25.0, 8.0)}


def channel_frame(rows: int, seed: int) -> pd.DataFrame:
    """Amounts whose sign and size depend on the channel, plus a column that does not."""
    rng = np.random.default_rng(seed)
    channel = rng.choice(list(CHANNELS), size=rows, p=[0.3, 0.2, 0.5])
    amount = np.array([rng.normal(*CHANNELS[c]) for c in channel]).round(2)
    amount = np.where(channel == "SALARY", np.abs(amount), -np.abs(amount))
    status = rng.choice(["DONE", "PENDING"], size=rows, p=[0.9, 0.1])
    return pd.DataFrame({"channel": channel, "amount": amount, "status": status})


def fake_fitter(calls: list[tuple[int, int, tuple[str, ...]]]) -> segments.Fitter:
    """Stands in for SDV in the split tests only: resamples the frame it was given."""

    def fit(frame: pd.DataFrame, sdtypes: dict[str, str], rows: int, seed: int) -> pd.DataFrame:
        calls.append((len(frame), rows, tuple(frame.columns)))
        pick = np.random.default_rng(seed).integers(0, len(frame), size=rows)
        return frame.iloc[pick].reset_index(drop=True)

    return fit


# ------------------------------------------------------------------------------------------- association


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 3)), min_size=2, max_size=200))
def test_cramers_v_is_between_0_and_1_and_symmetric(pairs: list[tuple[int, int]]) -> None:
    a, b = (np.array(x) for x in zip(*pairs, strict=True))
    v = segments.cramers_v(a, b)
    assert 0.0 <= v <= 1.0 + 1e-9
    assert v == pytest.approx(segments.cramers_v(b, a))


@given(st.lists(st.integers(0, 5), min_size=2, max_size=100).filter(lambda x: len(set(x)) >= 2))
def test_a_column_is_perfectly_associated_with_a_relabelling_of_itself(codes: list[int]) -> None:
    a = np.array(codes)
    assert segments.cramers_v(a, (a * 7 + 3) % 11) == pytest.approx(1.0)


def test_the_shaping_category_is_chosen_and_an_unrelated_one_is_not() -> None:
    frame = channel_frame(3000, 1)
    sdtypes = {"channel": "categorical", "amount": "numerical", "status": "categorical"}
    chosen = segments.choose(frame, sdtypes)
    assert chosen is not None and chosen.column == "channel"
    assert set(chosen.segments) == set(CHANNELS) and chosen.association >= segments.MIN_ASSOCIATION
    assert segments.choose(frame, sdtypes, exclude={"channel"}) is None  # status shapes nothing


# ------------------------------------------------------------------------------------------- the split


def test_rows_are_split_by_segment_share_and_rare_values_share_one_model() -> None:
    frame = channel_frame(3000, 2)
    frame.loc[:39, "channel"] = "RARE"  # 40 rows: below MIN_SEGMENT_ROWS, modelled with the rest
    sdtypes = {"channel": "categorical", "amount": "numerical", "status": "categorical"}
    seg = segments.choose(frame, sdtypes)
    assert seg is not None and "RARE" not in seg.segments
    calls: list[tuple[int, int, tuple[str, ...]]] = []
    out = segments.sample_segmented(frame, sdtypes, 10_000, 7, fake_fitter(calls), seg)
    assert len(out) == 10_000 and list(out.columns) == list(frame.columns)
    per_segment = [c for c in calls if "channel" not in c[2]]
    rest = [c for c in calls if "channel" in c[2]]
    assert len(per_segment) == len(seg.segments) and len(rest) == 1 and rest[0][0] == 40
    shares = out["channel"].value_counts(normalize=True)
    real = frame["channel"].value_counts(normalize=True)
    for value in CHANNELS:
        assert abs(shares[value] - real[value]) < 0.02, value
    again = segments.sample_segmented(frame, sdtypes, 10_000, 7, fake_fitter([]), seg)
    pd.testing.assert_frame_equal(out, again)


# --------------------------------------------------------------------------------------- end to end (SDV)


def test_single_table_keeps_what_each_category_does_to_the_amount(tmp_path: Path) -> None:
    sample = tmp_path / "payments.csv"
    channel_frame(2000, 3).to_csv(sample, index=False)
    request = SynthesizeRequest(data=[sample], rows=2000, seed=4, out=tmp_path / "out", model="gaussian_copula")
    result = synthesize(request)
    assert "channel" in result.tables[0].modelling
    out = pd.read_csv(tmp_path / "out" / "payments.csv")
    signs = out.groupby("channel")["amount"].agg(lambda a: float((a > 0).mean()))
    assert signs["SALARY"] > 0.97 and signs["ATM"] < 0.03 and signs["CARD"] < 0.03
    medians = out.groupby("channel")["amount"].median()
    for channel, (mean, sd) in CHANNELS.items():
        assert abs(abs(medians[channel]) - abs(mean)) < sd, channel


def bank_sample(folder: Path, seed: int) -> list[Path]:
    """Savings accounts have one or two transfers, current accounts about twenty mixed payments."""
    rng = np.random.default_rng(seed)
    kinds = rng.choice(["Current", "Savings"], size=300, p=[0.7, 0.3])
    accounts = pd.DataFrame({"account_id": [f"A{i:05d}" for i in range(300)], "kind": kinds,
                             "balance": rng.gamma(2.0, 900.0, size=300).round(2)})  # fmt: skip
    rows: list[dict[str, object]] = []
    for account, kind in zip(accounts["account_id"], kinds, strict=True):
        if kind == "Savings":
            for _ in range(int(rng.integers(1, 3))):
                rows.append({"account_id": account, "channel": "TRANSFER", "amount": round(rng.normal(300, 60), 2)})
            continue
        for _ in range(int(rng.integers(15, 26))):
            channel = str(rng.choice(["ATM", "CARD"], p=[0.3, 0.7]))
            amount = round(-abs(rng.normal(*CHANNELS[channel])), 2)
            rows.append({"account_id": account, "channel": channel, "amount": amount})
    paths = [folder / "accounts.csv", folder / "transactions.csv"]
    accounts.to_csv(paths[0], index=False)
    pd.DataFrame(rows).to_csv(paths[1], index=False)
    return paths


def test_children_follow_their_parent_kind_in_count_and_content(tmp_path: Path) -> None:
    paths = bank_sample(tmp_path, 5)
    result = synthesize(SynthesizeRequest(data=paths, rows=300, seed=6, out=tmp_path / "out"))
    note = {t.table: t.modelling for t in result.tables}["transactions"]
    assert "accounts.kind" in note, note
    accounts = pd.read_csv(tmp_path / "out" / "accounts.csv")
    transactions = pd.read_csv(tmp_path / "out" / "transactions.csv")
    assert transactions["account_id"].isin(accounts["account_id"]).all()
    joined = transactions.merge(accounts[["account_id", "kind"]], on="account_id")
    per_account = joined.groupby("account_id").size().reindex(accounts["account_id"]).fillna(0)
    mean_count = per_account.groupby(accounts.set_index("account_id")["kind"]).mean()
    assert 1.0 <= mean_count["Savings"] <= 2.0 and 15.0 <= mean_count["Current"] <= 25.0
    channels = joined.groupby("kind")["channel"].agg(set)
    assert channels["Savings"] == {"TRANSFER"} and channels["Current"] == {"ATM", "CARD"}
    assert (joined.loc[joined["channel"] == "TRANSFER", "amount"] > 0).mean() > 0.97
    assert (joined.loc[joined["channel"] != "TRANSFER", "amount"] < 0).mean() > 0.97
    meta = json.loads((tmp_path / "out" / "metadata.json").read_text(encoding="utf-8"))
    assert {t["table"]: t["modelling"] for t in meta["tables"]}["transactions"] == note
