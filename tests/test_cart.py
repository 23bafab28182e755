"""Sequential CART synthesis (tools/synth/cart.py): values borrowed from the column itself, gaps and joint
dependence kept, seeded, measured on the sampled frame rather than on anything the model reports."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from tools.synth import cart


def mixed_frame(rows: int, seed: int) -> pd.DataFrame:
    """A plan decides the fee band, the channel decides the amount's sign, the date follows the start."""
    rng = np.random.default_rng(seed)
    plan = rng.choice(["basic", "plus", "pro"], size=rows, p=[0.6, 0.3, 0.1])
    channel = rng.choice(["ATM", "SALARY", "CARD"], size=rows)
    sign = np.where(channel == "SALARY", 1.0, -1.0)
    amount = np.round(sign * rng.gamma(2.0, 40.0, rows), 2)
    fee = np.select([plan == "basic", plan == "plus"], [5.0, 12.5], 30.0)
    start = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, rows), unit="D")
    amount[rng.random(rows) < 0.1] = np.nan
    return pd.DataFrame({"plan": plan, "channel": channel, "amount": amount, "fee": fee, "start": start,
                         "active": rng.random(rows) < 0.3})  # fmt: skip


SDTYPES = {"plan": "categorical", "channel": "categorical", "amount": "numerical", "fee": "numerical",
           "start": "datetime", "active": "boolean"}  # fmt: skip


def test_every_value_is_one_the_column_holds_and_dtypes_are_kept() -> None:
    frame = mixed_frame(1500, 1)
    out = cart.sample(frame, SDTYPES, 3000, seed=3)
    assert len(out) == 3000 and list(out.columns) == list(frame.columns)
    assert list(out.dtypes) == list(frame.dtypes)
    for column in frame.columns:
        real = set(frame[column].dropna())
        assert set(out[column].dropna()) <= real, column


def test_joint_dependence_and_gaps_survive() -> None:
    frame = mixed_frame(3000, 2)
    out = cart.sample(frame, SDTYPES, 3000, seed=5)
    present = out.dropna(subset=["amount"])
    salary = present[present["channel"] == "SALARY"]["amount"]
    others = present[present["channel"] != "SALARY"]["amount"]
    assert (salary > 0).mean() > 0.97 and (others < 0).mean() > 0.97
    fee_by_plan = out.groupby("plan")["fee"].agg(lambda f: f.nunique())
    assert (fee_by_plan == 1).all()  # a function of the plan in the sample, still one in the output
    assert abs(out["amount"].isna().mean() - frame["amount"].isna().mean()) < 0.03
    shares = out["plan"].value_counts(normalize=True)
    assert abs(shares["basic"] - 0.6) < 0.04 and abs(shares["pro"] - 0.1) < 0.03


def test_same_seed_same_rows_other_seed_other_rows() -> None:
    frame = mixed_frame(800, 3)
    first = cart.sample(frame, SDTYPES, 500, seed=11)
    pd.testing.assert_frame_equal(first, cart.sample(frame, SDTYPES, 500, seed=11))
    assert not first.equals(cart.sample(frame, SDTYPES, 500, seed=12))


def test_visit_order_puts_categories_before_the_numbers_they_shape() -> None:
    columns = cart._encode(mixed_frame(500, 4), SDTYPES)
    order = [columns[i].name for i in cart.visit_order(columns)]
    assert order.index("plan") < order.index("amount") and order.index("channel") < order.index("amount")


@settings(max_examples=25, deadline=None)
@given(
    rows=st.integers(1, 60),
    out_rows=st.integers(0, 40),
    missing=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**31),
)
def test_any_small_frame_gives_the_rows_asked_for_from_its_own_values(
    rows: int, out_rows: int, missing: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    numbers = rng.normal(size=rows).round(1)
    numbers[rng.random(rows) < missing] = np.nan
    labels = rng.choice(np.array(["a", "b", None], dtype=object), size=rows)
    frame = pd.DataFrame({"x": numbers, "k": labels})
    out = cart.sample(frame, {"x": "numerical", "k": "categorical"}, out_rows, seed=seed)
    assert len(out) == out_rows
    assert set(out["x"].dropna()) <= set(frame["x"].dropna())
    assert set(out["k"].dropna()) <= set(frame["k"].dropna())
    if frame["x"].isna().all():
        assert out["x"].isna().all()


def test_no_row_equals_a_rare_sample_row() -> None:
    """A small table with few columns: whole-row coincidences are common unless redrawn."""
    rng = np.random.default_rng(9)
    frame = pd.DataFrame({"grade": rng.choice(["A", "B", "C"], 400), "years": rng.integers(0, 8, 400),
                          "pay": rng.integers(20, 60, 400) * 1000.0})  # fmt: skip
    sdtypes = {"grade": "categorical", "years": "numerical", "pay": "numerical"}
    counts = frame.value_counts()
    rare = {row for row, count in counts.items() if count < 3}
    plain = cart.sample(frame, sdtypes, 2000, seed=2)
    assert sum(tuple(r) in rare for r in plain.itertuples(index=False)) > 0  # the check below can fail
    guarded = cart.sample(frame, sdtypes, 2000, seed=2, rare=3)
    assert sum(tuple(r) in rare for r in guarded.itertuples(index=False)) == 0
    assert set(guarded["pay"]) <= set(frame["pay"])
