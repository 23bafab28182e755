"""The bank and hospital playbooks through the whole offline workflow, judged on the exported files
against the sample files (read here with pandas alone, not through Doppel):

- every foreign key of the output resolves to a parent row, and keys are unique;
- every learned column (not sensitive, modelled by SDV) is within bounds of the rows the run read: the
  two-sample Kolmogorov-Smirnov statistic for numbers and dates, the total-variation distance for
  categories (see ``ks_bound`` and ``tv_bound`` for why these bounds);
- a cross-column link of the sample is kept (bank: the channel decides an amount's sign; hospital: a
  discharge does not come before its admission).

One run per playbook serves every test of it (module fixtures), made small where the config allows:
fewer rows made, and for bank the first 4,000 transactions read (the no-copy check still reads all).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from agents.workflow import api
from agents.workflow.config import load_run_config
from tests.conftest import ROOT
from tests.workflow_support import settings_in

PLAYBOOKS = ROOT / "playbooks"
COMPLETED = ["ingest", "profile", "classify", "synthesise", "evaluate", "export", "report"]
KS_NOISE = 1.95  # c(alpha) of the two-sample KS test at alpha = 0.001
TV_DRAWS = 1000
MODEL_ALLOWANCE = 0.10
RARE = 0.01  # categories below this share of the sample are pooled as "(rare)" for total variation


@dataclass
class PlaybookRun:
    status: api.RunStatus
    meta: dict[str, Any]  # synthesise/metadata.json
    sample: dict[str, pd.DataFrame]  # the rows the run read, as text cells
    output: dict[str, pd.DataFrame]  # the exported files, as text cells


def _text_csv(path: Path, rows: int | None = None) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", nrows=rows)


def _run(name: str, home: Path, **changes: Any) -> PlaybookRun:
    config = load_run_config(PLAYBOOKS / f"{name}.yaml").model_copy(update={"approvals": [], **changes})
    status = api.start_run(config, settings=settings_in(home))
    assert status.state == "completed", [(s.stage, s.state, s.message) for s in status.stages]
    run_dir = status.artifacts_dir
    meta = json.loads((run_dir / "synthesise" / "metadata.json").read_text(encoding="utf-8"))
    sample = {p.stem: _text_csv(p, config.sample_rows) for p in config.data}
    output = {name: _text_csv(run_dir / "export" / f"{name}.csv") for name in sample}
    return PlaybookRun(status, meta, sample, output)


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> PlaybookRun:
    return _run("bank", tmp_path_factory.mktemp("bank"), rows=300, sample_rows=4000)


@pytest.fixture(scope="module")
def hospital(tmp_path_factory: pytest.TempPathFactory) -> PlaybookRun:
    return _run("hospital", tmp_path_factory.mktemp("hospital"), rows=400)


@pytest.fixture(params=["bank", "hospital"])
def playbook(request: pytest.FixtureRequest) -> PlaybookRun:
    run: PlaybookRun = request.getfixturevalue(request.param)
    return run


# ------------------------------------------------------------------------------------------ measures


def ks_bound(n: int, m: int) -> float:
    """Two samples of one distribution differ by more than ``1.95 * sqrt((n+m)/(n*m))`` once in a
    thousand; a learned column may differ by 0.10 more, since a copula draws from fitted marginals that
    cannot follow a skewed, multi-peaked sample exactly. Past that, some value range's share is off by
    over ten points beyond noise: a difference anyone sees in a chart, so not learned."""
    return KS_NOISE * math.sqrt((n + m) / (n * m)) + MODEL_ALLOWANCE


def tv_bound(shares: pd.Series, n: int, m: int) -> float:
    """The total variation that two samples of ``n`` and ``m`` rows drawn from the sample's own shares
    exceed once in a thousand (1,000 seeded multinomial draws: their largest), plus the same 0.10
    allowance. Drawn rather than a formula, since with many categories the noise depends on them all."""
    rng = np.random.default_rng(0)
    p = shares.to_numpy(dtype=float) / shares.sum()
    a = rng.multinomial(n, p, size=TV_DRAWS) / n
    b = rng.multinomial(m, p, size=TV_DRAWS) / m
    return float(0.5 * np.abs(a - b).sum(axis=1).max()) + MODEL_ALLOWANCE


def _numbers(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values.str.strip().str.replace(",", "", regex=False), errors="coerce").dropna()


def _instants(values: pd.Series) -> pd.Series:
    parsed = pd.to_datetime(values.str.strip(), errors="coerce", format="mixed", dayfirst=True)
    return parsed.dropna().astype("int64").astype(float)


def _kind(values: pd.Series) -> str:
    present = values[values.str.strip() != ""]
    if len(_numbers(present)) >= 0.9 * len(present):
        return "number"
    if len(_instants(present)) >= 0.9 * len(present):
        return "date"
    return "category"


def distance(sample: pd.Series, output: pd.Series) -> tuple[str, float, float]:
    """(measure, distance, bound) of one column: KS of the parsed values for numbers and dates, total
    variation of the values (empty included, rare ones pooled) for categories."""
    kind = _kind(sample)
    if kind != "category":
        parse = _numbers if kind == "number" else _instants
        a, b = parse(sample), parse(output)
        return f"KS ({kind})", float(stats.ks_2samp(a, b).statistic), ks_bound(len(a), len(b))
    a, b = sample.str.strip(), output.str.strip()
    shares = a.value_counts(normalize=True)
    rare = set(shares[shares < RARE].index)
    a, b = a.where(~a.isin(rare), "(rare)"), b.where(~b.isin(rare) & b.isin(shares.index), "(rare)")
    p, q = a.value_counts(normalize=True), b.value_counts(normalize=True)
    tv = 0.5 * float(p.subtract(q, fill_value=0).abs().sum())
    return "TV", tv, tv_bound(p, len(a), len(b))


def learned(run: PlaybookRun) -> list[tuple[str, str]]:
    """Modelled columns: learned, or derived from learned ones by a row rule of the sample."""
    return [(c["table"], c["column"]) for c in run.meta["columns"] if c["strategy"] in ("learned", "derived")]


# ------------------------------------------------------------------------------------------ the run


def test_every_stage_ran_offline(playbook: PlaybookRun) -> None:
    states = {s.stage: s.state for s in playbook.status.stages}
    assert [s for s in COMPLETED if states[s] == "completed"] == COMPLETED
    assert {states[s] for s in states if s not in COMPLETED} == {"skipped"}  # no targets configured
    for name, frame in playbook.output.items():
        assert list(frame.columns) == list(playbook.sample[name].columns), name


def test_bank_every_foreign_key_resolves(bank: PlaybookRun) -> None:
    accounts, transactions = bank.output["bank_accounts"], bank.output["bank_transactions"]
    assert len(accounts) == 300 and len(transactions) > 300
    assert accounts["account_id"].is_unique and (accounts["account_id"].str.strip() != "").all()
    # ids repeat only on whole duplicate rows: the sample's 0.3% exact duplicates, re-applied at its rate
    assert transactions.drop_duplicates()["txn_id"].is_unique and transactions.duplicated().mean() < 0.01
    assert bank.meta["relationships"] == ["bank_transactions.account_id -> bank_accounts.account_id"]
    dangling = ~transactions["account_id"].isin(accounts["account_id"])
    assert not dangling.any(), transactions.loc[dangling, "account_id"].head().tolist()
    real = set(bank.sample["bank_accounts"]["account_id"]) | set(bank.sample["bank_transactions"]["account_id"])
    assert not set(accounts["account_id"]) & real  # new keys, not the sample's


def test_hospital_has_no_foreign_keys_and_unique_episodes(hospital: PlaybookRun) -> None:
    assert hospital.meta["relationships"] == []
    episodes = hospital.output["hospital_patients"]["episode_id"]
    assert len(episodes) == 400 and episodes.is_unique


def test_learned_columns_are_within_bounds_of_the_sample(playbook: PlaybookRun) -> None:
    columns = learned(playbook)
    assert len(columns) >= 7, columns  # bank: 11, hospital: 7
    measured = {
        f"{table}.{column}": distance(playbook.sample[table][column], playbook.output[table][column])
        for table, column in columns
    }
    off = {name: (kind, round(d, 3), round(bound, 3)) for name, (kind, d, bound) in measured.items() if d > bound}
    assert not off, off
    kinds = {kind.split()[0] for kind, _, _ in measured.values()}
    assert kinds == {"KS", "TV"}  # numbers or dates, and categories, were all compared


def test_the_bounds_reject_another_distribution(bank: PlaybookRun) -> None:
    """The bounds can fail: against all accounts' balances, those of current accounts (most accounts) pass
    and those of the other account types do not; card channels alone are not the channel mix."""
    sample = bank.sample["bank_accounts"]
    current = sample["account_type"].str.strip().str.lower() == "current"
    kind, d, bound = distance(sample["balance"], sample.loc[current, "balance"].reset_index(drop=True))
    assert kind == "KS (number)" and d < bound, (d, bound)
    kind, d, bound = distance(sample["balance"], sample.loc[~current, "balance"].reset_index(drop=True))
    assert d > bound, (d, bound)
    channels = bank.sample["bank_transactions"]["channel"]
    kind, d, bound = distance(channels, channels[channels.str.startswith("CARD")].reset_index(drop=True))
    assert kind == "TV" and d > bound, (d, bound)


# ------------------------------------------------------------------------------------------ cross-column links


def _negative_share_by_channel(frame: pd.DataFrame) -> pd.Series:
    amounts = pd.to_numeric(frame["amount"], errors="coerce")
    known = amounts.notna() & (frame["channel"].str.strip() != "")
    return (amounts[known] < 0).groupby(frame.loc[known, "channel"].str.strip()).agg(["mean", "size"])


def test_bank_channel_decides_the_sign_of_an_amount(bank: PlaybookRun) -> None:
    """In the sample, debits (ATM, card, direct debit, standing order) are spent and BACS is paid in. The
    output keeps each channel's side, far from what the channel would say if sign were independent."""
    want = _negative_share_by_channel(bank.sample["bank_transactions"])
    got = _negative_share_by_channel(bank.output["bank_transactions"])
    assert set(want.index) == set(got.index)
    overall = float(np.average(got["mean"], weights=got["size"]))
    for channel, (share, _) in want.iterrows():
        out_share, out_n = got.loc[channel]
        if share in (0.0, 1.0) and out_n >= 20:  # a one-sided channel in the sample
            assert abs(out_share - share) <= 0.15, (channel, share, out_share)  # at most 15% on the wrong side
            assert abs(out_share - share) < abs(overall - share) / 2, (channel, out_share, overall)
    assert {c for c, (s, _) in want.iterrows() if s in (0.0, 1.0)} >= {"ATM", "BACS", "DIRECT_DEBIT"}


def test_hospital_discharge_follows_admission(hospital: PlaybookRun) -> None:
    def before(frame: pd.DataFrame) -> tuple[float, int]:
        admitted = pd.to_datetime(frame["admission_date"].str.strip(), errors="coerce", format="mixed")
        discharged = pd.to_datetime(frame["discharge_date"].str.strip(), errors="coerce", format="mixed")
        both = admitted.notna() & discharged.notna()
        return float((discharged[both] < admitted[both]).mean()), int(both.sum())

    (want, n), (got, m) = before(hospital.sample["hospital_patients"]), before(hospital.output["hospital_patients"])
    assert n >= 2900 and m >= 390
    assert want < 0.02  # the sample: about 1% of discharges are recorded before their admission
    assert got <= want + 3 * math.sqrt(max(want * (1 - want), 1e-4) / m) + 0.005, (want, got)
    # independent dates would put half of the discharges first: the link is what keeps them in order
    shuffled = hospital.output["hospital_patients"].assign(
        discharge_date=hospital.output["hospital_patients"]["discharge_date"].sample(frac=1, random_state=1).to_numpy()
    )
    assert before(shuffled)[0] > 0.2
