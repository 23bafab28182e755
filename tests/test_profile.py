"""Profiling: types, statistics, shapes, quality-issue rates, keys, orderings, correlations, privacy, CLI."""

from __future__ import annotations

import datetime as dt
import json
import string
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from server.cmd_profile import register
from tests.email_samples import idn_emails
from tools.errors import DoppelError
from tools.ingest.model import IngestedTable, SourceInfo
from tools.profile.model import ColumnProfile, DatasetProfile, QualityIssue
from tools.profile.patterns import mask_shape, shape
from tools.profile.profiler import profile_tables
from tools.sensitive.model import ColumnClassification

TODAY = dt.date(2025, 6, 1)
Columns = Mapping[str, Sequence[str | None]]


def table(name: str, columns: Columns) -> IngestedTable:
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()})
    source = SourceInfo(path=Path(f"{name}.csv"), format="csv", rows=len(frame), columns=frame.shape[1])
    return IngestedTable(name=name, source=source, frame=frame)


def classes(tables: list[IngestedTable], sensitive: dict[str, str] | None = None) -> list[ColumnClassification]:
    """Explicit classifications: ``sensitive`` maps column name -> entity; everything else is not sensitive."""
    sensitive = sensitive or {}
    return [
        ColumnClassification(
            table=t.name,
            column=str(c),
            sensitive=c in sensitive,
            entity=sensitive.get(str(c), "none"),
            confidence=1.0,
            strategy="synthesise" if c in sensitive else "keep",
        )
        for t in tables
        for c in t.frame.columns
    ]


def profile(columns: Columns, sensitive: dict[str, str] | None = None) -> DatasetProfile:
    tables = [table("t", columns)]
    return profile_tables(tables, classes(tables, sensitive), today=TODAY)


def column(columns: Columns, name: str | None = None, sensitive: dict[str, str] | None = None) -> ColumnProfile:
    p = profile(columns, sensitive)
    return p.column("t", name or next(iter(columns)))


def issue(col: ColumnProfile, kind: str) -> QualityIssue:
    found = [i for i in col.quality if i.kind == kind]
    assert found, f"no {kind} in {[i.kind for i in col.quality]}"
    return found[0]


def kinds(col: ColumnProfile) -> set[str]:
    return {i.kind for i in col.quality}


def rng() -> np.random.Generator:
    return np.random.default_rng(7)


# --------------------------------------------------------------------------------------------- types


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1", "-2", "+30", "4000"] * 10, "integer"),
        (["1.5", "2.25", "3.125", "1e3"] * 10, "float"),
        (["1.50", "2.00", "-3.10", "12"] * 10, "decimal"),
        ([f"CUST-{i:05d}" for i in range(200)], "identifier"),
        (["red", "green", "blue"] * 20, "category"),
        (
            [f"{w} called about the late delivery of order {i} today" for i, w in enumerate(["Ann", "Bob"] * 20)],
            "free_text",
        ),
        ([f"Person {c}{d}" for c in string.ascii_uppercase for d in string.ascii_lowercase[:4]], "text"),
        ([None, "", "  "] * 5, "empty"),
    ],
)
def test_type_inference(values: list[str | None], expected: str) -> None:
    col = column({"c": values})
    assert col.inferred.type == expected
    assert col.inferred.share == (0.0 if expected == "empty" else 1.0)


def test_decimal_scale_thousands_and_currency() -> None:
    col = column({"c": ["£1,234.50", "£12.00", "£999.99", "£0.10"] * 5})
    assert (col.inferred.type, col.inferred.scale) == ("decimal", 2)
    assert col.inferred.thousands_separator and col.inferred.currency_symbol == "£"
    assert col.numeric is not None and col.numeric.max == 1234.5


def test_zero_padded_codes_are_not_integers() -> None:
    col = column({"c": [f"{i:06d}" for i in range(100)]})
    assert col.inferred.type == "identifier" and col.inferred.leading_zeros


@pytest.mark.parametrize(
    ("true", "false"), [("Yes", "No"), ("Y", "N"), ("true", "false"), ("T", "F"), ("1", "0"), ("TRUE", "FALSE")]
)
def test_boolean_pairs_record_the_literals(true: str, false: str) -> None:
    col = column({"c": [true] * 30 + [false] * 20})
    assert col.inferred.type == "boolean"
    assert (col.inferred.true_literal, col.inferred.false_literal) == (true, false)


@pytest.mark.parametrize(
    ("values", "kind", "fmt"),
    [
        (["2024-01-31", "2023-12-01", "2020-02-29"], "date", "%Y-%m-%d"),
        (["31/01/2024", "01/12/2023", "13/02/2020"], "date", "%d/%m/%Y"),
        (["01/31/2024", "12/01/2023", "02/13/2020"], "date", "%m/%d/%Y"),
        (["31-Jan-2024", "01-Dec-2023", "29-Feb-2020"], "date", "%d-%b-%Y"),
        (["20240131", "20231201", "20200229"], "date", "%Y%m%d"),
        (["2024-01-31T10:00:00Z", "2023-12-01T23:59:59Z"], "datetime", "%Y-%m-%dT%H:%M:%SZ"),
        (["2024-01-31 10:00:00+01:00", "2023-12-01 08:30:00-05:00"], "datetime", "%Y-%m-%d %H:%M:%S%:z"),
        (["31/01/2024 10:15", "01/12/2023 23:59"], "datetime", "%d/%m/%Y %H:%M"),
        (["January 31, 2024", "December 1, 2023"], "date", "%B %d, %Y"),
    ],
)
def test_date_formats(values: list[str], kind: str, fmt: str) -> None:
    col = column({"d": values * 10})
    assert col.inferred.type == kind
    assert col.inferred.formats[0].value == fmt
    assert col.inferred.share == 1.0


def test_mixed_date_formats_have_shares_and_day_month_is_disambiguated() -> None:
    values = ["2024-03-01"] * 60 + ["25/12/2023"] * 30 + ["05/01/2022"] * 10
    col = column({"d": values})
    shares = {f.value: f.share for f in col.inferred.formats}
    assert shares == {"%Y-%m-%d": 0.6, "%d/%m/%Y": 0.4}
    assert col.dates is not None and col.dates.min == "2022-01-05"


def test_ambiguous_day_month_is_flagged() -> None:
    col = column({"d": ["01/02/2024", "03/04/2024", "05/06/2024"] * 5})
    assert col.inferred.day_first_ambiguous


def test_unparsed_share_and_issue() -> None:
    values = [str(i) for i in range(950)] + ["n/a"] * 50
    col = column({"c": values})
    assert col.inferred.type == "integer"
    assert col.inferred.share == pytest.approx(0.95)
    assert issue(col, "unparsed_values").rate == pytest.approx(0.05)


# ------------------------------------------------------------------------------------- statistics


def test_counts_missing_distinct_and_quantiles() -> None:
    values: list[str | None] = [str(i) for i in range(1, 101)] + [None] * 10 + ["", "  "]
    col = column({"n": values})
    assert (col.count, col.present, col.nulls, col.blanks, col.distinct) == (112, 100, 10, 2, 100)
    assert col.missing_rate == pytest.approx(12 / 112, abs=1e-6)
    assert col.numeric is not None
    expected = np.quantile(np.arange(1, 101), [0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1])
    assert list(col.numeric.quantiles.values()) == pytest.approx(list(expected))
    assert list(col.numeric.quantiles) == ["p0", "p1", "p5", "p25", "p50", "p75", "p95", "p99", "p100"]
    assert len(col.numeric.histogram.counts) == 20 and sum(col.numeric.histogram.counts) == 100
    assert col.numeric.mean == pytest.approx(50.5)


def test_top_values_only_frequent_and_only_non_sensitive() -> None:
    values = ["a"] * 50 + ["b"] * 5 + ["c"] * 4 + ["d"] * 41
    p = profile({"plain": values, "secret": values}, sensitive={"secret": "medical_condition"})
    top = p.column("t", "plain").top_values
    assert top is not None and [(v.value, v.count) for v in top] == [("a", 50), ("d", 41), ("b", 5)]
    assert p.column("t", "secret").top_values is None


def test_length_stats() -> None:
    col = column({"s": ["ab", "abcd", "abcdef"] * 10 + ["x" * 10]})
    assert col.lengths is not None
    assert (col.lengths.min, col.lengths.max) == (2, 10)


def test_dates_exact_when_plain_generalised_when_sensitive() -> None:
    days = [f"{1950 + i % 40}-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(400)]
    p = profile({"signup": days, "dob": days}, sensitive={"dob": "date_of_birth"})
    plain, dob = p.column("t", "signup").dates, p.column("t", "dob").dates
    assert plain is not None and plain.quantiles is not None and plain.min == "1950-01-01"
    assert dob is not None and dob.generalised and dob.quantiles is None and dob.min is None
    assert dob.years is not None and sum(y.count for y in dob.years) == 400
    assert {y.year for y in dob.years} == set(range(1950, 1990))


# --------------------------------------------------------------------------------------------- shapes


def test_shapes() -> None:
    assert shape("SW1A 1AA") == "AA9A 9AA"
    assert shape("ab-12 Zoë") == "AA-99 AAA"
    assert mask_shape("****1234") == "****9999"
    assert mask_shape("XX123456C".replace("123456", "******")) == "XX******A"
    assert mask_shape("###-##-####") == "###-##-####"
    assert mask_shape("XXXXX") == "XXXXX"


def test_pattern_frequencies_and_mixed_formats() -> None:
    values = ["SW1A 1AA"] * 6 + ["M1 1AE"] * 3 + ["b338th"]
    col = column({"pc": values})
    assert col.patterns is not None
    assert col.patterns.distinct == 3
    assert [(s.value, s.share) for s in col.patterns.top] == [("AA9A 9AA", 0.6), ("A9 9AA", 0.3), ("A999AA", 0.1)]


# --------------------------------------------------------------------------------------------- quality


def test_malformed_email_rate() -> None:
    good = [f"user{i}@example.co.uk" for i in range(930)]
    bad = [f"user{i}.example.com" for i in range(40)] + [f"user{i}@@x.com" for i in range(20)] + ["a@b"] * 10
    col = column({"email": good + bad})
    assert issue(col, "malformed_email").rate == pytest.approx(0.07)


def test_internationalised_emails_are_not_malformed() -> None:
    good = idn_emails(50)
    bad = ["jösé.exämple.com", "jösé@@exämple.com", "zoë@exämple"]
    col = column({"contact": good + bad}, sensitive={"contact": "email"})
    assert issue(col, "malformed_email").count == 3
    assert "malformed_email" not in kinds(column({"email": good}))


def test_a_column_named_like_mail_holding_no_addresses_is_no_email_column() -> None:
    """voice_mail_plan (yes/no), a mailing flag and a count of mails: none of their values is a malformed email."""
    flags = ["yes", "no", "no", "no"] * 50
    assert "malformed_email" not in kinds(column({"voice_mail_plan": flags}))
    assert "malformed_email" not in kinds(column({"mail_opt_in": ["Y", "N"] * 100}))
    assert "malformed_email" not in kinds(column({"email_count": [str(i % 7) for i in range(200)]}))
    assert "malformed_email" not in kinds(column({"email_domain": ["gmail.com", "outlook.com"] * 100}))
    mostly_bad = [f"user{i}.example.com" for i in range(150)] + [f"user{i}@example.com" for i in range(50)]
    assert issue(column({"email": mostly_bad}), "malformed_email").rate == pytest.approx(0.75)


def test_invalid_postcode_rate() -> None:
    good = ["SW1A 1AA", "EC1A 1BB", "W1A 0AX", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "GIR 0AA"] * 119
    bad = ["12345", "ABC 123", "SW1A 1A"] * 16 + ["SW1A1AA"]  # the last one is valid (space optional)
    col = column({"delivery_postcode": good + bad})
    assert issue(col, "invalid_postcode").count == 48
    assert issue(col, "invalid_postcode").rate == pytest.approx(48 / 1001, abs=1e-6)


def test_mixed_phone_formats() -> None:
    values = [f"07700 900{i:03d}" for i in range(700)] + [f"+44 7700 900{i:03d}" for i in range(300)]
    col = column({"mobile": values})
    found = issue(col, "mixed_phone_formats")
    assert found.rate == pytest.approx(0.3)
    assert [p.value for p in found.patterns] == ["99999 999999", "+99 9999 999999"]


def test_out_of_range_dates() -> None:
    values = [f"2010-01-{1 + i % 28:02d}" for i in range(970)]
    values += ["1900-01-01"] * 10 + ["9999-12-31"] * 5 + ["1850-06-01"] * 5 + ["2200-01-01"] * 5 + ["1900-01-02"] * 5
    col = column({"d": values})
    found = issue(col, "out_of_range_date")
    assert found.count == 25 and found.rate == pytest.approx(0.025)
    assert found.details == {"low_placeholder": 10, "high_placeholder": 5, "too_early": 5, "too_late": 5}
    assert col.dates is not None and col.dates.max == "2010-01-28"  # out-of-range values kept out of stats


def test_whitespace_rate() -> None:
    values = [f"v{i}" for i in range(960)] + [f" v{i}" for i in range(20)] + [f"v{i}\t" for i in range(20)]
    assert issue(column({"c": values}), "whitespace").rate == pytest.approx(0.04)


def test_inconsistent_case_rate() -> None:
    values = ["Active"] * 600 + ["active"] * 100 + ["ACTIVE"] * 50 + ["closed"] * 250
    found = issue(column({"status": values}), "inconsistent_case")
    assert found.rate == pytest.approx(0.15)
    assert found.details == {"groups": 1}


def test_duplicate_rows_and_duplicate_keys() -> None:
    ids = [str(i) for i in range(1000)]
    names = [f"n{i}" for i in range(1000)]
    for i in range(30):  # 30 rows become copies of earlier rows
        ids[500 + i], names[500 + i] = ids[i], names[i]
    p = profile({"order_id": ids, "name": names})
    t = p.table("t")
    assert t.duplicate_rows == 30 and t.duplicate_row_rate == pytest.approx(0.03)
    assert [q.kind for q in t.quality] == ["duplicate_rows"]
    dup = issue(p.column("t", "order_id"), "duplicate_key")
    assert dup.rate == pytest.approx(0.03) and dup.details["repeated_values"] == 30
    assert t.candidate_keys == []


def test_masked_values_and_their_patterns() -> None:
    cards = [f"4111 1111 1111 {i:04d}" for i in range(800)] + [f"****{i:04d}" for i in range(150)] + ["XXXXX"] * 50
    found = issue(column({"card": cards}), "masked_values")
    assert found.rate == pytest.approx(0.2) and found.count == 200
    assert [(m.value, m.count) for m in found.patterns] == [("****9999", 150), ("XXXXX", 50)]


@pytest.mark.parametrize(
    ("masked", "pattern"),
    [("XXX-XX-1234", "XXX-XX-9999"), ("###-##-####", "###-##-####"), ("XX******A", "XX******A"), ("xxxx", "xxxx")],
)
def test_mask_styles(masked: str, pattern: str) -> None:
    values = [f"AB{i:06d}C" for i in range(90)] + [masked] * 10
    found = issue(column({"id_number": values}), "masked_values")
    assert found.rate == pytest.approx(0.1)
    assert found.patterns[0].value == pattern


def test_clean_column_has_no_issues() -> None:
    assert column({"c": ["XXL", "XL", "L", "M", "S"] * 20}).quality == []


# -------------------------------------------------------------------------------- keys and orderings


def test_candidate_keys_and_foreign_keys() -> None:
    r = rng()
    customers = table(
        "customers", {"id": [str(i) for i in range(1, 501)], "code": [f"C{i:05d}" for i in range(1, 501)]}
    )
    customer_ids = [str(x) for x in r.integers(1, 501, 3000)]
    customer_ids[:30] = ["9999"] * 30  # one orphan value among ~430 distinct: inclusion stays above 98%
    orders = table(
        "orders",
        {
            "order_id": [str(i) for i in range(3000)],
            "customer_id": customer_ids,
            "customer_code": [f"C{x:05d}" for x in r.integers(1, 501, 3000)],
            "quantity": [str(x) for x in r.integers(1, 11, 3000)],
            "loose_ref": [str(x) for x in r.integers(1, 700, 3000)],
        },
    )
    p = profile_tables([customers, orders], classes([customers, orders]), today=TODAY)
    assert p.table("customers").candidate_keys == ["id", "code"]
    assert p.table("orders").candidate_keys == ["order_id"]
    found = {(f.child_table, f.child_column, f.parent_table, f.parent_column) for f in p.foreign_keys}
    assert found == {
        ("orders", "customer_id", "customers", "id"),
        ("orders", "customer_code", "customers", "code"),
    }
    fk = next(f for f in p.foreign_keys if f.child_column == "customer_id")
    assert 0.98 <= fk.inclusion < 1 and fk.name_match


def test_foreign_key_needs_98_percent_inclusion() -> None:
    parent = table("accounts", {"id": [str(i) for i in range(100)]})
    child = table("events", {"account_id": [str(i % 100) for i in range(900)] + [str(1000 + i) for i in range(100)]})
    p = profile_tables([parent, child], classes([parent, child]), today=TODAY)
    assert p.foreign_keys == []  # 100 of 200 distinct values are orphans


def test_ordering_constraints_with_violation_rate() -> None:
    start = pd.date_range("2020-01-01", periods=1000, freq="D")
    end = start + pd.to_timedelta(rng().integers(1, 30, 1000), unit="D")
    end = end.to_numpy().copy()
    end[:30] = start[:30] - pd.Timedelta(days=2)  # 3% violations
    other = rng().permutation(start.to_numpy())
    p = profile(
        {
            "start_date": list(start.strftime("%Y-%m-%d")),
            "end_date": list(pd.DatetimeIndex(end).strftime("%d/%m/%Y")),
            "shuffled": list(pd.DatetimeIndex(other).strftime("%Y-%m-%d")),
        }
    )
    t = p.table("t")
    assert [(o.first, o.second, o.violation_rate) for o in t.orderings] == [("start_date", "end_date", 0.03)]
    issue_ = next(q for q in t.quality if q.kind == "ordering_violation")
    assert issue_.rate == pytest.approx(0.03) and issue_.details == {"first": "start_date", "second": "end_date"}


# ------------------------------------------------------------------------------------- correlations


def test_correlations() -> None:
    r = rng()
    x = r.normal(size=2000)
    region = r.choice(["north", "south", "east"], 2000)
    tier = np.where(region == "north", "gold", np.where(region == "south", "silver", "bronze"))
    tier[:100] = "gold"
    p = profile(
        {
            "x": [f"{v:.4f}" for v in x],
            "y": [f"{v:.4f}" for v in 2 * x + r.normal(scale=0.1, size=2000)],
            "noise": [f"{v:.4f}" for v in r.normal(size=2000)],
            "region": list(region),
            "tier": list(tier),
            "coin": list(r.choice(["heads", "tails"], 2000)),
        }
    )
    got = {(c.a, c.b, c.method): c.value for c in p.table("t").correlations}
    assert got[("x", "y", "pearson")] > 0.99 and got[("x", "y", "spearman")] > 0.99
    assert got[("region", "tier", "cramers_v")] > 0.9
    assert not {k for k in got if "noise" in k or "coin" in k}


def test_correlation_matrix_is_capped_for_wide_tables() -> None:
    r = rng()
    base = r.normal(size=300)
    data = {f"n{i:02d}": [f"{v:.3f}" for v in base + r.normal(scale=0.5, size=300)] for i in range(60)}
    pearson = [c for c in profile(data).table("t").correlations if c.method == "pearson"]
    assert 0 < len(pearson) <= 30 * 29 // 2
    assert {c.a for c in pearson} | {c.b for c in pearson} <= {f"n{i:02d}" for i in range(30)}


# ------------------------------------------------------------------------------------------- privacy

_ALNUM = string.ascii_letters + string.digits


def _secret() -> st.SearchStrategy[str]:
    """Values that could not occur in a profile by coincidence: mixed letters and digits, a lowercase
    letter (so no shape 'AAA999' can equal one), at least 6 characters."""
    return st.text(_ALNUM, min_size=6, max_size=14).filter(
        lambda s: any(c.islower() for c in s) and any(c.isdigit() for c in s)
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    names=st.lists(_secret(), min_size=20, max_size=60),
    amounts=st.lists(st.integers(10_000, 9_999_999), min_size=20, max_size=60),
    births=st.lists(st.dates(dt.date(1930, 1, 1), dt.date(2010, 12, 31)), min_size=20, max_size=60),
    repeat=st.integers(1, 8),
)
def test_no_sensitive_value_appears_in_the_profile(
    names: list[str], amounts: list[int], births: list[dt.date], repeat: int
) -> None:
    n = min(len(names), len(amounts), len(births))
    salary = [f"{a}.{a % 97:02d}" for a in amounts[:n]]
    sensitive = {
        "name": names[:n] * repeat,  # repeated so frequent values exist (top-value and quantile bait)
        "email": [f"{v}@mail{v[-2:]}.example" for v in names[:n]] * repeat,
        "salary": salary * repeat,
        "dob": [b.strftime("%d/%m/%Y") for b in births[:n]] * repeat,
        "dob_iso": [b.isoformat() for b in births[:n]] * repeat,
        "flag": (["yes", "no"] * n)[:n] * repeat,
        "segment": [names[i % 3] for i in range(n)] * repeat,
    }
    plain = {"rowno": [str(i) for i in range(n * repeat)]}
    p = profile(
        {**sensitive, **plain},
        sensitive={
            "name": "person_name",
            "email": "email",
            "salary": "salary",
            "dob": "date_of_birth",
            "dob_iso": "date_of_birth",
            "flag": "medical_condition",
            "segment": "ethnicity",
        },
    )
    text = p.model_dump_json()
    for column_name, values in sensitive.items():
        col = p.column("t", column_name)
        assert col.sensitive and col.top_values is None and col.numeric is None
        for value in set(values):
            assert json.dumps(value) not in text, f"{column_name} value {value!r} leaked as a JSON string"
            if len(value) >= 6:  # long enough not to occur in a profile by chance: not even inside a string
                assert value not in text, f"{column_name} value {value!r} leaked"


def test_unclassified_columns_are_treated_as_sensitive() -> None:
    tables = [table("t", {"a": ["secret1x"] * 10, "b": ["keepme"] * 10})]
    p = profile_tables(tables, classes(tables)[1:], today=TODAY)
    assert p.column("t", "a").sensitive and "secret1x" not in p.model_dump_json()
    assert any("t.a" in w for w in p.warnings)
    assert p.column("t", "b").top_values is not None


def test_real_classifier_is_used_when_no_classifications_given() -> None:
    r = rng()
    emails = [f"person{i}x@example.org" for i in range(300)]
    t = table(
        "customers",
        {
            "email": emails,
            "full_name": [
                f"{a} {b}"
                for a, b in zip(r.choice(["Ann", "Bob", "Cara"], 300), [f"Smith{i}" for i in range(300)], strict=True)
            ],
            "status": list(r.choice(["active", "closed"], 300)),
        },
    )
    p = profile_tables([t], today=TODAY)
    assert p.column("customers", "email").sensitive
    text = p.model_dump_json()
    assert not [e for e in emails if e in text]


def test_free_text_values_are_never_stored() -> None:
    notes = ["Called about the delayed parcel and asked for a refund today"] * 40
    col = column({"notes": notes})
    assert col.inferred.type == "free_text" and col.top_values is None and col.patterns is None


def test_profile_round_trips_through_json() -> None:
    p = profile({"a": ["1", "2", "3"] * 10, "d": ["2024-01-01", "2024-02-01", "2024-03-01"] * 10})
    assert DatasetProfile.model_validate_json(p.model_dump_json()) == p


def test_repeated_table_names_are_refused() -> None:
    t = table("t", {"a": ["1"]})
    with pytest.raises(DoppelError, match="repeated: t"):
        profile_tables([t, t], classes([t]))


def test_a_wide_profile_covers_every_column() -> None:
    """50 columns of five kinds; the time a profile takes (1M rows x 50 columns) is measured by
    bench/synthesize.py, not asserted here."""
    r = rng()
    n = 20_000
    columns: dict[str, list[str | None]] = {}
    for j in range(10):
        columns[f"num{j}"] = list(np.char.mod("%.2f", r.normal(100, 15, n)))
        columns[f"cat{j}"] = list(r.choice(["a", "b", "c", "d"], n))
        columns[f"code{j}"] = list(np.char.add("K", r.integers(0, 10**7, n).astype(str)))
        columns[f"day{j}"] = list(np.datetime_as_string(np.datetime64("2000-01-01") + r.integers(0, 9000, n), "D"))
        columns[f"word{j}"] = list(r.choice(["alpha", "beta", "gamma", "delta", "Alpha"], n))
    found = {c.name: (c.inferred.type, c.count) for c in profile(columns).table("t").columns}
    kinds = {"num": "decimal", "cat": "category", "code": "identifier", "day": "date", "word": "category"}
    assert found == {name: (kinds[name.rstrip("0123456789")], n) for name in columns}


# ---------------------------------------------------------------------------------------------- CLI


def cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test app."""

    register(app)
    return app


def test_cli_profile_writes_json_and_summary(tmp_path: Path) -> None:
    (tmp_path / "customers.csv").write_text("id,status\n" + "".join(f"{i},{'ab'[i % 2]}\n" for i in range(50)))
    (tmp_path / "orders.csv").write_text(
        "order_id,customers_id\n" + "".join(f"{i},{i % 50}\n" for i in range(200)), encoding="utf-8"
    )
    out = tmp_path / "out" / "profile.json"
    done = CliRunner().invoke(
        cli(), ["profile", str(tmp_path / "customers.csv"), str(tmp_path / "orders.csv"), "--out", str(out)]
    )
    assert done.exit_code == 0, done.output
    saved = json.loads(out.read_text())
    assert [t["name"] for t in saved["tables"]] == ["customers", "orders"]
    assert "customers" in done.output and "profile written to" in done.output
    assert [p.name for p in out.parent.iterdir()] == ["profile.json"]  # no temp file left behind


def test_cli_max_rows(tmp_path: Path) -> None:
    (tmp_path / "big.csv").write_text("a\n" + "".join(f"{i}\n" for i in range(100)))
    out = tmp_path / "p.json"
    done = CliRunner().invoke(cli(), ["profile", str(tmp_path / "big.csv"), "--out", str(out), "--max-rows", "10"])
    assert done.exit_code == 0, done.output
    assert json.loads(out.read_text())["tables"][0]["rows"] == 10


def test_cli_user_error_exits_2_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n3,4,5\n")
    done = CliRunner().invoke(cli(), ["profile", str(tmp_path / "bad.csv"), "--out", str(tmp_path / "p.json")])
    assert done.exit_code == 2
    assert "bad.csv: line 3: expected 2 fields, found 3" in done.output
    assert "Traceback" not in done.output
    assert not (tmp_path / "p.json").exists()


def test_ip_addresses_and_sort_codes_are_not_phone_columns_or_keys() -> None:
    r = rng()
    ips = [".".join(str(x) for x in r.integers(1, 255, 4)) for _ in range(900)] + ["10.0.0.1"] * 100
    sort_codes = [f"{r.integers(10, 99)}-{r.integers(10, 99)}-{r.integers(10, 99)}" for _ in range(700)]
    sort_codes += [f"{r.integers(100000, 999999)}" for _ in range(300)]
    for sensitive in (None, {"ip": "ip_address", "sc": "sort_code"}):
        p = profile({"ip": ips, "sc": sort_codes}, sensitive)
        assert "mixed_phone_formats" not in kinds(p.column("t", "ip")) | kinds(p.column("t", "sc"))
    assert "duplicate_key" not in kinds(profile({"ip": ips}, {"ip": "ip_address"}).column("t", "ip"))
    phones = [f"07700 {r.integers(900000, 999999)}" for _ in range(600)] + [
        f"+447700{r.integers(900000, 999999)}" for _ in range(400)
    ]
    assert issue(column({"contact": phones}), "mixed_phone_formats").rate == pytest.approx(0.4)
