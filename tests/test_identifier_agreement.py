"""Regenerated identifiers agree with each other and with the modelled columns, and nothing is copied.

Measured on the files ``synthesize`` writes, for small generated samples and the bundled hospital
sample: a row's postcode lies in its town's and county's districts (per the bundled gazetteer, read
here with the test's own parser), its address line names the postcode's town, its email address is
made from its name, a card's last-four column is the card's last four digits, a clinician's or next of
kin's name is nobody else's in the row; no output first+last name pair is a sample person's, a row
that k sample rows share may be written while a rare one never is, and a run that cannot avoid a copy
writes nothing and says which table and columns.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.conftest import ROOT
from tests.gazetteer_support import read_gazetteer
from tools.generators.vector import words
from tools.ingest.model import IngestedTable, SourceInfo
from tools.profile.profiler import profile_tables
from tools.sensitive.model import ColumnClassification
from tools.sensitive.policy import strategy_for
from tools.synth import leakage
from tools.synth.leakage import LeakageError
from tools.synth.model import SynthesizeRequest, SynthesizeResult
from tools.synth.pipeline import synthesize
from tools.synth.plan import ColumnPlan, plan_table

SAMPLES = ROOT / "playbooks" / "samples"
FIXED = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
UK_POSTCODE = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?) ?\d[A-Z]{2}$")
CLINICIAN = re.compile(r"^(?:Dr|Mr|Ms|Mrs|Miss|Prof)\.? [A-Z]\.? [A-Za-z'-]+$")
TOWNS = [  # (town, county, districts): a sample's modelled places
    ("Leeds", "West Yorkshire", ["LS1", "LS6", "LS11"]),
    ("Cardiff", "Cardiff", ["CF10", "CF14", "CF24"]),
    ("Falkirk", "Falkirk", ["FK1", "FK2"]),
    ("Hull", "East Riding of Yorkshire", ["HU3", "HU5", "HU8"]),
    ("London", "Greater London", ["E1", "N7", "SE15", "SW11"]),
    ("Norwich", "Norfolk", ["NR1", "NR3"]),
]


# ------------------------------------------------------------------------------------------ oracles


GAZETTEER = {d: {(t, c) for t, c, _ in places} for d, places in read_gazetteer("en_GB").items()}


def _place(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def _district(postcode: str) -> str | None:
    m = UK_POSTCODE.match(postcode.strip().upper())
    return m.group(1) if m else None


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def _pair(first: str, last: str) -> tuple[str, str] | None:
    """(given name, surname) as compared: first word / last word, letters only, lower case."""
    f, s = first.split(), last.split()
    if not f or not s or len(_letters(f[0])) < 2:
        return None
    return _letters(f[0]), _letters(s[-1])


def _full_pair(full: str) -> tuple[str, str] | None:
    text = re.sub(r"^(?:(?:dr|mr|mrs|ms|miss|prof)\.?\s+)+", "", full.strip(), flags=re.IGNORECASE)
    if "," in text:
        last, first = text.split(",", 1)
        return _pair(first, last)
    return _pair(text, text)


def _luhn(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


# ------------------------------------------------------------------------------------------ running


def _synthesize(folder: Path, name: str, sample: pd.DataFrame, labels: dict[str, dict[str, Any]], rows: int,
                seed: int = 7) -> tuple[SynthesizeResult, pd.DataFrame]:  # fmt: skip
    path = folder / f"{name}.csv"
    sample.to_csv(path, index=False)
    overrides = folder / "overrides.yaml"
    overrides.write_text(yaml.safe_dump({f"{name}.{c}": v for c, v in labels.items()}), encoding="utf-8")
    out = folder / "out"
    request = SynthesizeRequest(
        data=[path], rows=rows, seed=seed, out=out, overrides=overrides, fixed_time=FIXED, model="cart"
    )
    result = synthesize(request)
    return result, pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False)


def _customers(n: int, rng: np.random.Generator) -> pd.DataFrame:
    firsts = words("first_names_female.en_GB").to_pylist()[:40] + words("first_names_male.en_GB").to_pylist()[:40]
    lasts = words("last_names.en_GB").to_pylist()[:120]
    first = rng.choice(firsts, n)
    last = rng.choice(lasts, n)
    town = rng.integers(0, len(TOWNS), n)
    postcodes, addresses = [], []
    for t in town:
        name, _, districts = TOWNS[t]
        inward = f"{rng.integers(0, 10)}{''.join(rng.choice(list('ABDEFGHJLNPQRSTUWXYZ'), 2))}"
        postcodes.append(f"{rng.choice(districts)} {inward}")
        addresses.append(f"{rng.integers(1, 200)} {rng.choice(['Church', 'Mill', 'Park', 'Station'])} Road, {name}")
    cards = [_luhn("4" + "".join(rng.choice(list("0123456789"), 14))) for _ in range(n)]
    has_card = rng.random(n) < 0.7
    return pd.DataFrame(
        {
            "customer_id": [f"C{100000 + i}" for i in range(n)],
            "first_name": first,
            "last_name": last,
            "email": [f"{f}.{s}{i % 97}@example.com".lower() for i, (f, s) in enumerate(zip(first, last, strict=True))],
            "address": addresses,
            "town": [TOWNS[t][0] for t in town],
            "county": [TOWNS[t][1] for t in town],
            "postcode": postcodes,
            "card_number": [c if h else "" for c, h in zip(cards, has_card, strict=True)],
            "card_last4": [c[-4:] if h else "" for c, h in zip(cards, has_card, strict=True)],
            "plan": rng.choice(["Basic", "Plus", "Max"], n),
        }
    )


CUSTOMER_LABELS = (
    "customer_id:customer_id first_name:first_name last_name:last_name email:email address:street_address "
    "town:city~ postcode:postcode~ card_number:payment_card"
)


def _labels(spec: str, *plain: str) -> dict[str, dict[str, Any]]:
    """'column:entity' identifiers ('column:entity~' quasi-identifiers) and non-sensitive columns."""
    out: dict[str, dict[str, Any]] = {c: {"role": "non_sensitive"} for c in plain}
    for item in spec.split():
        column, entity = item.split(":")
        role = "quasi_identifier" if entity.endswith("~") else "identifier"
        out[column] = {"role": role, "entity": entity.rstrip("~")}
    return out


def _run(factory: pytest.TempPathFactory, name: str, sample: pd.DataFrame, labels: dict[str, dict[str, Any]],
         rows: int) -> tuple[SynthesizeResult, pd.DataFrame, pd.DataFrame]:  # fmt: skip
    result, output = _synthesize(factory.mktemp(name), name, sample, labels, rows)
    return result, output, sample


@pytest.fixture(scope="module")
def customers(tmp_path_factory: pytest.TempPathFactory) -> tuple[SynthesizeResult, pd.DataFrame, pd.DataFrame]:
    labels = _labels(CUSTOMER_LABELS, "county", "card_last4", "plan")
    return _run(tmp_path_factory, "customers", _customers(600, np.random.default_rng(11)), labels, 400)


# ------------------------------------------------------------------------------------------ places


def test_postcode_lies_in_the_modelled_towns_and_countys_districts(customers: Any) -> None:
    result, out, sample = customers
    strategies = {c.column: c.strategy for c in result.columns}
    assert strategies["town"] == "learned" and strategies["county"] == "learned"
    assert strategies["postcode"] == "regenerated" and strategies["address"] == "regenerated"
    checked = 0
    sample_pairs = set(zip(sample.town, sample.county, strict=True))
    for town, county, postcode in zip(out.town, out.county, out.postcode, strict=True):
        district = _district(postcode)
        if district is None or not town.strip():
            continue
        places = GAZETTEER[district]
        assert _place(town) in {_place(t) for t, _ in places}, (town, postcode)
        if county.strip() and (town.strip(), county.strip()) in sample_pairs:  # a town/county pair the sample has
            assert _place(county) in {_place(c) for _, c in places}, (town, county, postcode)
        checked += 1
    assert checked >= 0.9 * len(out)


def test_address_line_names_the_postcodes_town(customers: Any) -> None:
    _, out, _ = customers
    checked = 0
    for address, postcode in zip(out.address, out.postcode, strict=True):
        district = _district(postcode)
        if district is None or not address.strip():
            continue
        town = address.rsplit(",", 1)[-1]
        assert _place(town) in {_place(t) for t, _ in GAZETTEER[district]}, (address, postcode)
        checked += 1
    assert checked >= 0.9 * len(out)


def test_regenerated_town_county_and_postcode_come_from_one_entry(tmp_path: Path) -> None:
    """Towns that are mostly one-off labels are regenerated (a quasi-identifier of rare labels), the
    county is modelled: the town, its postcode and the address line come from one gazetteer entry of
    the row's modelled county."""
    rng = np.random.default_rng(5)
    n = 300
    which = rng.integers(0, len(TOWNS), n)
    sample = pd.DataFrame(
        {
            "town": [f"Hamlet {i}" for i in range(n)],  # nobody else's: regenerated
            "county": [TOWNS[t][1] for t in which],
            "postcode": [f"{TOWNS[t][2][0]} {i % 10}AB" for i, t in enumerate(which)],
            "address": [f"{i + 1} Mill Lane, Hamlet {i}" for i in range(n)],
            "plan": rng.choice(["Basic", "Plus"], n),
        }
    )
    labels = _labels("town:city~ postcode:postcode~ address:street_address", "county", "plan")
    result, out = _synthesize(tmp_path, "homes", sample, labels, 200)
    assert {c.column: c.strategy for c in result.columns}["town"] == "regenerated"
    checked = 0
    for town, county, postcode, address in zip(out.town, out.county, out.postcode, out.address, strict=True):
        district = _district(postcode)
        if district is None or not town.strip():
            continue
        places = GAZETTEER[district]
        assert _place(town) in {_place(t) for t, _ in places}, (town, postcode)
        assert _place(address.rsplit(",", 1)[-1]) in {_place(t) for t, _ in places}, (address, postcode)
        if county.strip():
            assert _place(county) in {_place(c) for _, c in places}, (county, postcode)
        checked += 1
    assert checked >= 0.9 * len(out)


def test_us_zip_and_address_agree_with_the_modelled_city_and_state(tmp_path: Path) -> None:
    """US: ZIP prefixes of the row's modelled city and state (per the US gazetteer), and the address
    line names that city, state and the row's own ZIP code."""
    cities = [("Chicago", "IL", "606"), ("Houston", "TX", "770"), ("Seattle", "WA", "981"), ("Boston", "MA", "021")]
    rng = np.random.default_rng(4)
    which = rng.integers(0, len(cities), 300)
    zips = [f"{cities[t][2]}{rng.integers(10, 99)}" for t in which]
    sample = pd.DataFrame(
        {
            "city": [cities[t][0] for t in which],
            "state": [cities[t][1] for t in which],
            "zip": zips,
            "address": [
                f"{i + 1} Main St, {cities[t][0]}, {cities[t][1]} {z}"
                for i, (t, z) in enumerate(zip(which, zips, strict=True))
            ],
            "plan": rng.choice(["A", "B"], 300),
        }
    )
    labels = _labels("city:city~ zip:postcode~ address:street_address", "state", "plan")
    _, out = _synthesize(tmp_path, "people", sample, labels, 200)
    us = read_gazetteer("en_US")
    checked = 0
    for city, state, code, address in zip(out.city, out.state, out.zip, out.address, strict=True):
        if not re.fullmatch(r"\d{5}", code.strip()) or not city.strip() or not state.strip():
            continue
        assert (city.strip(), state.strip()) in {(c, st) for c, st, _ in us[code.strip()[:3]]}, (city, state, code)
        assert address.strip().endswith(f", {city.strip()}, {state.strip()} {code.strip()}"), (address, code)
        checked += 1
    assert checked >= 0.9 * len(out)


# ------------------------------------------------------------------------------------------ names, emails, cards


def test_email_is_made_from_the_rows_name(customers: Any) -> None:
    _, out, _ = customers
    rows = out[out.email.str.strip() != ""]
    assert len(rows) > 0.8 * len(out)
    for first, last, email in zip(rows.first_name, rows.last_name, rows.email, strict=True):
        assert _from_name(first, last, email), (first, last, email)


def _from_name(first: str, last: str, email: str) -> bool:
    local = email.strip().split("@")[0].lower()
    f, s = _letters(first), _letters(last)
    return bool(f and s) and s in local and (f in local or local.startswith(f[:1]))


def test_email_drawn_clear_of_sample_addresses_is_still_made_from_the_name(patients: Any) -> None:
    """Few names, sample addresses 'jsmith@' and 'james.smith@': an address made from a row's name
    often equals a sample one. It is drawn again from the same name, never replaced by an unrelated one."""
    result, out, sample = patients
    rows = out[out.email.str.strip() != ""]
    assert len(rows) > 0.8 * len(out)
    assert all(_from_name(f, s, e) for f, s, e in zip(rows.forename, rows.surname, rows.email, strict=True))
    assert not {e.strip().lower() for e in rows.email} & set(sample.email)
    assert result.leakage.passed


def test_email_is_made_from_the_full_name_when_there_are_no_name_columns(tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    firsts = words("first_names_female.en_GB").to_pylist()[:60]
    lasts = words("last_names.en_GB").to_pylist()[:150]
    names = [f"{f} {s}" for f, s in zip(rng.choice(firsts, 300), rng.choice(lasts, 300), strict=True)]
    sample = pd.DataFrame(
        {
            "holder_name": names,
            "email": [f"{n.replace(' ', '.').lower()}{i}@example.org" for i, n in enumerate(names)],
            "account_type": rng.choice(["Current", "Savings"], 300),
        }
    )
    labels = _labels("holder_name:person_name email:email", "account_type")
    _, out = _synthesize(tmp_path, "accounts", sample, labels, 200)
    rows = out[(out.email.str.strip() != "") & (out.holder_name.str.strip() != "")]
    assert len(rows) > 150
    for name, email in zip(rows.holder_name, rows.email, strict=True):
        pair = _full_pair(name)
        assert pair is not None and _from_name(*pair, email), (name, email)


def test_card_last4_is_the_cards_last_four_digits(customers: Any) -> None:
    _, out, _ = customers
    both = out[(out.card_number.str.strip() != "") & (out.card_last4.str.strip() != "")]
    assert len(both) > 0.3 * len(out)
    for card, last4 in zip(both.card_number, both.card_last4, strict=True):
        assert re.sub(r"\D", "", card)[-4:] == last4.strip(), (card, last4)


def _patients(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Few first names and surnames, every combination present: pairs would recur by chance."""
    firsts = words("first_names_male.en_GB").to_pylist()[:12]
    lasts = words("last_names.en_GB").to_pylist()[:12]
    first = rng.choice(firsts, n)
    last = rng.choice(lasts, n)
    kin = [f"{rng.choice(firsts)} {s}" for s in last]
    clinicians = ["Dr A. Patel", "Dr H. Tanaka", "Mr J. Harrington", "Ms F. Delacroix", "Dr E. Whitfield"]
    return pd.DataFrame(
        {
            "patient_id": [f"P{500000 + i}" for i in range(n)],
            "forename": first,
            "surname": last,
            "attending_clinician": rng.choice(clinicians, n),
            "next_of_kin_name": kin,
            "email": [
                (f"{f[0]}{s}" if i % 2 else f"{f}.{s}").lower() + "@example.com"
                for i, (f, s) in enumerate(zip(first, last, strict=True))
            ],
            "ward": rng.choice(["AMU", "Ward 3", "Ward 7"], n),
        }
    )


@pytest.fixture(scope="module")
def patients(tmp_path_factory: pytest.TempPathFactory) -> tuple[SynthesizeResult, pd.DataFrame, pd.DataFrame]:
    names = "forename:first_name surname:last_name attending_clinician:person_name next_of_kin_name:person_name"
    labels = _labels(f"patient_id:customer_id email:email {names}", "ward")
    return _run(tmp_path_factory, "patients", _patients(500, np.random.default_rng(3)), labels, 400)


def test_clinician_and_next_of_kin_have_names_of_their_own(patients: Any) -> None:
    _, out, _ = patients
    own = [_pair(f, s) for f, s in zip(out.forename, out.surname, strict=True)]
    for column in ("attending_clinician", "next_of_kin_name"):
        present = out[column].str.strip() != ""
        assert present.mean() > 0.9
        names = (out.forename.str.strip() + " " + out.surname.str.strip()).str.lower()
        assert not (out[column].str.strip().str.lower() == names)[present].any(), column
        assert not any(_full_pair(v) == p for v, p in zip(out[column], own, strict=True) if p and v.strip()), column
    assert out.attending_clinician.str.match(CLINICIAN).all()  # written as the sample writes them: 'Dr A. Patel'


def test_no_output_name_pair_is_a_sample_persons(patients: Any) -> None:
    result, out, sample = patients
    real = {_pair(f, s) for f, s in zip(sample.forename, sample.surname, strict=True)}
    real |= {_full_pair(v) for v in sample.next_of_kin_name}
    real.discard(None)
    assert len(real) > 100  # nearly every combination of 12 x 12 names is someone's
    pairs = [_pair(f, s) for f, s in zip(out.forename, out.surname, strict=True)]
    pairs += [_full_pair(v) for v in out.next_of_kin_name if v.strip()]
    made = [p for p in pairs if p is not None]
    assert len(made) > 0.9 * len(out) and not set(made) & real
    assert result.leakage.passed and result.leakage.remaining_name_pair_matches == 0


def _plans(frame: pd.DataFrame, entities: dict[str, str]) -> list[ColumnPlan]:
    source = SourceInfo(path=Path("t.csv"), format="csv", rows=len(frame), columns=frame.shape[1])
    table = IngestedTable(name="t", source=source, frame=frame.astype(object))
    found = [
        ColumnClassification(
            table="t", column=c, sensitive=c in entities, entity=entities.get(c, "none"), confidence=1.0,
            strategy=strategy_for(entities.get(c, "none"), c in entities), locale="en_GB",
        )
        for c in frame.columns
    ]  # fmt: skip
    profile = profile_tables([table], found)
    return plan_table(profile.table("t"), {(c.table, c.column): c for c in found}, set())


def test_the_final_check_redraws_a_planted_name_pair_and_refuses_what_it_cannot_fix() -> None:
    """The check itself, on an output with a sample person's pair planted (first + surname columns, and
    a full name written 'Last, First'): the surname and the full name are drawn again; with nothing but
    that person's surname to draw from, the run is refused naming the table and columns."""
    rng = np.random.default_rng(8)
    firsts, lasts = ["James", "Mary", "Omar", "Zoe"], ["Smith", "Jones", "Khan", "Evans"]
    sample = pd.DataFrame(
        {
            "first": rng.choice(firsts, 40),
            "last": rng.choice(lasts, 40),
            "kin": [f"{f} {s}" for f, s in zip(rng.choice(firsts, 40), rng.choice(lasts, 40), strict=True)],
            "plan": rng.choice(["Basic", "Plus"], 40),
        }
    )
    plans = _plans(sample, {"first": "first_name", "last": "last_name", "kin": "person_name"})
    output = pd.DataFrame(
        {
            "first": ["Anna", sample["first"][3], "Anna"],
            "last": ["Baker", sample["last"][3], "Baker"],
            "kin": ["Anna Baker", "Cole, Tom", f"{sample['kin'][5].split()[1]}, {sample['kin'][5].split()[0]}"],
            "plan": ["Basic", "Plus", "Basic"],
        }
    )
    guard = leakage.LeakGuard()
    guard.learn("t", sample, plans)

    def fresh(table: str, column: str, count: int, round_: int) -> np.ndarray:
        return np.array([f"Newname{round_}x{k}" for k in range(count)], dtype=object)

    report = leakage.check_and_fix(guard, {"t": output}, {"t": plans}, fresh, lambda t, c, r: np.random.default_rng(r))
    assert report.name_pair_matches == 1 and report.value_matches_by_column == {"t.kin": 1} and report.passed
    real = {_pair(f, s) for f, s in zip(sample["first"], sample["last"], strict=True)}
    real |= {_full_pair(v) for v in sample["kin"]}
    assert output["last"][1].startswith("Newname") and output["kin"][2].startswith("Newname")
    made = {_pair(f, s) for f, s in zip(output["first"], output["last"], strict=True)}
    assert not (made | {_full_pair(v) for v in output["kin"]}) & real
    output.loc[1, ["first", "last"]] = [sample["first"][3], sample["last"][3]]

    def same(table: str, column: str, count: int, round_: int) -> np.ndarray:
        return np.full(count, sample["last"][3], dtype=object)

    with pytest.raises(LeakageError, match=r"table t, columns first \+ last: 1 row"):
        leakage.check_and_fix(guard, {"t": output}, {"t": plans}, same, lambda t, c, r: np.random.default_rng(r))
    guard.discard()


# ------------------------------------------------------------------------------------------ whole rows against k


def test_rows_shared_by_k_sample_rows_may_be_written_rare_ones_never(tmp_path: Path) -> None:
    common = [("Basic", "Monthly", "Online")] * 160 + [("Plus", "Annual", "Store")] * 120
    rare = [("Max", "Monthly", "Phone")] * 3 + [("Basic", "Annual", "Phone")] * 2 + [("Plus", "Monthly", "Store")] * 4
    rng = np.random.default_rng(2)
    rows = common + rare
    rng.shuffle(rows)
    sample = pd.DataFrame(rows, columns=["plan", "billing", "channel"])
    result, out = _synthesize(tmp_path, "orders", sample, _labels("", *sample.columns), 300)
    written = list(map(tuple, out[["plan", "billing", "channel"]].to_numpy().tolist()))
    assert set(common) <= set(written)  # k or more sample rows share them: nobody's row, written as they are
    assert not set(rare) & set(written)
    assert result.leakage.rare_below == 10 and result.leakage.passed
    assert not (out == "").any().any()  # nothing blanked


def test_an_unavoidable_copy_writes_nothing_and_names_table_and_columns(tmp_path: Path) -> None:
    """Six identical rows (fewer than k = 10) and nothing else to learn: every synthetic row would be
    that row. The run refuses, names the table and its columns, and writes no file."""
    sample = pd.DataFrame({"tariff": ["Gold"] * 6, "contract": ["24 months"] * 6})
    with pytest.raises(LeakageError) as raised:
        _synthesize(tmp_path, "tariffs", sample, _labels("", *sample.columns), 20)
    message = str(raised.value)
    assert "tariffs" in message and "tariff" in message and "contract" in message and "nothing was written" in message
    out = tmp_path / "out"
    assert not out.exists() or not any(out.iterdir())


# ------------------------------------------------------------------------------------------ the hospital sample


@pytest.fixture(scope="module")
def hospital(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("hospital")
    labels = yaml.safe_load((SAMPLES / "labels.yaml").read_text(encoding="utf-8"))["hospital_patients.csv"]
    overrides = folder / "overrides.yaml"
    overrides.write_text(
        yaml.safe_dump({f"hospital_patients.{c}": {"sensitive": v["sensitive"], "entity": v["entity"]}
                        for c, v in labels.items()}),
        encoding="utf-8",
    )  # fmt: skip
    out = folder / "out"
    synthesize(
        SynthesizeRequest(
            data=[SAMPLES / "hospital_patients.csv"], rows=400, seed=3, out=out, overrides=overrides, fixed_time=FIXED
        )
    )
    sample = pd.read_csv(SAMPLES / "hospital_patients.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return sample, pd.read_csv(out / "hospital_patients.csv", dtype=str, keep_default_na=False)


def test_hospital_address_town_agrees_with_the_postcode(hospital: Any) -> None:
    _, out = hospital
    checked = agree = 0
    for address, postcode in zip(out.address, out.postcode, strict=True):
        district = _district(postcode)
        if district is None or not address.strip():
            continue  # a blank, or an invalid postcode re-applied at the sample's rate
        checked += 1
        agree += _place(address.rsplit(",", 1)[-1]) in {_place(t) for t, _ in GAZETTEER.get(district, set())}
    assert checked > 0.9 * len(out) and agree == checked


def test_hospital_clinicians_and_next_of_kin_are_not_the_patient(hospital: Any) -> None:
    sample, out = hospital
    patient = (out.forename.str.strip() + " " + out.surname.str.strip()).str.lower()
    for column in ("attending_clinician", "next_of_kin_name"):
        present = out[column].str.strip() != ""
        assert present.sum() > 0.5 * len(out)
        assert not (out[column].str.strip().str.lower() == patient)[present].any(), column
    assert out.attending_clinician[out.attending_clinician != ""].str.strip().str.match(CLINICIAN).mean() > 0.95
    real = {_pair(f, s) for f, s in zip(sample.forename, sample.surname, strict=True)}
    real |= {_full_pair(v) for v in sample.next_of_kin_name if v.strip()}
    made = {_pair(f, s) for f, s in zip(out.forename, out.surname, strict=True)}
    made |= {_full_pair(v) for v in out.next_of_kin_name if v.strip()}
    assert not (made - {None}) & (real - {None})
