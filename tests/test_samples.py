"""The sample datasets in playbooks/samples: reproducible, shaped as promised, and quality.yaml / labels.yaml true.

Every rate in quality.yaml is re-measured here from the committed files with checks written independently of
the builder (regexes, check-digit algorithms, date arithmetic), so a drifting builder or a hand-edited file fails.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import ipaddress
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import openpyxl
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "playbooks" / "samples"
BUILD = SAMPLES / "build.py"

TELECOM, ACCOUNTS, TRANSACTIONS, HOSPITAL = (
    "telecom_customers.csv",
    "bank_accounts.csv",
    "bank_transactions.csv",
    "hospital_patients.csv",
)
XLSX = "hospital_patients.xlsx"
CSVS = [TELECOM, ACCOUNTS, TRANSACTIONS, HOSPITAL]
DATA_FILES = [*CSVS, XLSX]
OUTPUTS = [*DATA_FILES, "labels.yaml", "quality.yaml", "README.md"]

# The promises: encoding, BOM, delimiter, record terminator, data rows, columns.
SPEC: dict[str, tuple[str, bool, str, bytes, int, int]] = {
    TELECOM: ("cp1252", False, ";", b"\r\n", 5000, 57),
    ACCOUNTS: ("utf-8", False, ",", b"\n", 1000, 8),
    TRANSACTIONS: ("utf-8", False, ",", b"\n", 20000, 12),
    HOSPITAL: ("utf-8", True, ",", b"\n", 3000, 31),
}
XLSX_ROWS = 1000
MAX_BYTES = 4_000_000
ENTITIES = {
    "person_name", "first_name", "last_name", "email", "phone", "street_address", "postcode", "city",
    "date_of_birth", "us_ssn", "uk_nino", "nhs_number", "national_id", "payment_card", "iban", "bank_account",
    "sort_code", "ip_address", "username", "free_text_pii", "customer_id", "msisdn", "imei", "imsi", "gender",
    "ethnicity", "medical_condition", "none",
}  # fmt: skip


# ---------------------------------------------------------------- loading


def run_builder(out: Path) -> None:
    subprocess.run([sys.executable, str(BUILD), "--out", str(out)], check=True, capture_output=True, cwd=ROOT)


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two fresh builds (how long they take is measured by bench/samples.py, not asserted here)."""
    first, second = tmp_path_factory.mktemp("build_a"), tmp_path_factory.mktemp("build_b")
    run_builder(first)
    run_builder(second)
    return first, second


@cache
def builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("samples_build", BUILD)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def quality() -> dict[str, Any]:
    return dict(yaml.safe_load((SAMPLES / "quality.yaml").read_text(encoding="utf-8")))


@cache
def labels() -> dict[str, Any]:
    return dict(yaml.safe_load((SAMPLES / "labels.yaml").read_text(encoding="utf-8")))


@cache
def rows_of(name: str) -> tuple[list[str], list[list[str]]]:
    """Header and data rows of a committed CSV, decoded with its promised encoding."""
    encoding, bom, delimiter, *_ = SPEC[name]
    raw = (SAMPLES / name).read_bytes()
    text = raw[3:].decode(encoding) if bom else raw.decode(encoding)
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return records[0], records[1:]


@cache
def columns_of(name: str) -> dict[str, np.ndarray]:
    """file -> column -> object array of strings; the workbook is the CSV's head (checked separately)."""
    source = HOSPITAL if name == XLSX else name
    header, rows = rows_of(source)
    if name == XLSX:
        rows = rows[:XLSX_ROWS]
    out = {}
    for j, column in enumerate(header):
        values = np.empty(len(rows), dtype=object)
        values[:] = [r[j] for r in rows]
        out[column] = values
    return out


def n_rows(name: str) -> int:
    return len(next(iter(columns_of(name).values())))


def rate(mask: np.ndarray) -> float:
    return round(float(np.count_nonzero(mask)) / len(mask), 6)


def vmap(fn: Callable[[str], bool], values: np.ndarray) -> np.ndarray:
    return np.fromiter((fn(v) for v in values), dtype=bool, count=len(values))


# ---------------------------------------------------------------- independent validators


def luhn_ok(number: str) -> bool:
    if not number.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def iban_ok(iban: str) -> bool:
    iban = iban.replace(" ", "")
    if not re.fullmatch(r"GB\d{2}[A-Z]{4}\d{14}", iban):
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def nhs_ok(number: str) -> bool:
    number = number.replace(" ", "")
    if not re.fullmatch(r"\d{10}", number):
        return False
    check = 11 - sum(int(d) * w for d, w in zip(number[:9], range(10, 1, -1), strict=True)) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(number[9])


EMAIL_RE = re.compile(r"[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)+")
POSTCODE_RE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][ABD-HJLNP-UW-Z]{2}")
NINO_RE = re.compile(r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]")
MASKS = {
    "nino": re.compile(r"XX\*{6}[A-D]|\*{9}"),
    "acct_no": re.compile(r"\*{4}\d{4}"),
    "card_number": re.compile(r"\*{12}\d{4}|XXXX-XXXX-XXXX-\d{4}"),
}
NULL_TOKENS = {"N/A", "n/a", "NULL", "null", "-", "unknown"}
DATE_IN_TEXT = re.compile(
    r"\b\d{1,2}/\d{1,2}/\d{4}\b|\b\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{4}\b"
)
PHONE_IN_TEXT = re.compile(r"\+44|\b0\d{2,4} ?\d{3,4} ?\d{3,4}\b")
EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


@cache
def name_pattern() -> re.Pattern[str]:
    """Any forename or surname the builder can produce, plus clinicians' surnames, as a whole word."""
    b = builder()
    vocabulary = {
        *b.FEMALE_FIRST, *b.MALE_FIRST, *b.SURNAMES, *b.EXTRA_FEMALE_FIRST, *b.EXTRA_MALE_FIRST, *b.EXTRA_SURNAMES,
        *(c.split()[-1] for c in b.CLINICIANS),
    }  # fmt: skip
    alternatives = "|".join(re.escape(v) for v in sorted(vocabulary, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE)


def has_pii(text: str) -> bool:
    return any(p.search(text) for p in (name_pattern(), PHONE_IN_TEXT, EMAIL_IN_TEXT, DATE_IN_TEXT, NINO_RE))


def postcode_parts(value: str) -> tuple[bool, bool]:
    """(valid once upper-cased and spaces removed, written in canonical 'AB1 2CD' form)."""
    norm = value.upper().replace(" ", "")
    valid = bool(POSTCODE_RE.fullmatch(norm))
    return valid, valid and value == f"{norm[:-3]} {norm[-3:]}"


def ipv4_ok(value: str) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


def year_of(value: str) -> int:
    match = re.search(r"\d{4}", value)
    assert match, value
    return int(match.group())


def is_float(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def bmi_text(weight: str, height: str) -> str:
    return f"{float(weight) / (float(height) / 100) ** 2:.1f}"


# ---------------------------------------------------------------- issue detectors


def detect(name: str, column: str, issue: str) -> np.ndarray:
    """Rows of ``column`` showing ``issue``, measured from the file alone."""
    cols = columns_of(name)
    values = cols[column]
    present = values != ""
    canonical = quality()[name].get("canonical_values", {}).get(column)
    lowered = {c.lower() for c in canonical} if canonical else set()

    if issue == "missing":
        return ~present
    if issue == "whitespace":
        return present & vmap(lambda v: v != v.strip(), values)
    if issue == "inconsistent_case":
        if canonical:
            return present & vmap(lambda v: v not in canonical and v.lower() in lowered, values)
        if column == "email":
            return vmap(lambda v: bool(EMAIL_RE.fullmatch(v.lower())) and v != v.lower(), values)
        return present & vmap(str.isupper, values)  # all-caps names and towns
    if issue == "inconsistent_coding":
        assert canonical, f"{name}.{column}: coding issues need canonical_values"
        return present & vmap(lambda v: v.lower() not in lowered, values)
    if issue == "invalid_format":
        check = {
            "email": lambda v: bool(EMAIL_RE.fullmatch(v.strip().lower())),
            "postcode": lambda v: postcode_parts(v)[0],
            "ip_address": ipv4_ok,
        }[column]
        return present & ~vmap(check, values)
    if issue == "nonstandard_format":
        return present & vmap(lambda v: postcode_parts(v) == (True, False), values)
    if issue == "invalid_checksum":
        check = {
            "imei": lambda v: len(v) == 15 and luhn_ok(v),
            "iban": iban_ok,
            "nhs_number": nhs_ok,
            "card_number": lambda v: bool(MASKS["card_number"].fullmatch(v)) or luhn_ok(v.replace(" ", "")),
        }[column]
        return present & ~vmap(check, values)
    if issue == "masked":
        return present & vmap(lambda v: bool(MASKS[column].fullmatch(v)), values)
    if issue == "leading_zero_lost":
        return present & vmap(lambda v: len(v) == 3, values)
    if issue == "out_of_range_date":
        return present & vmap(lambda v: v != "" and not 1901 <= year_of(v) <= 2098, values)
    if issue == "end_before_start":
        start = {"contract_end": "contract_start", "discharge_date": "admission_date"}[column]
        return present & (cols[start] != "") & (values < cols[start])  # ISO strings sort chronologically
    if issue == "non_numeric":
        return present & ~vmap(is_float, values)
    if issue == "thousands_separator":
        return vmap(lambda v: "," in v, values)
    if issue == "sentinel_value":
        return values == "9999"
    if issue == "negative_value":
        return vmap(lambda v: v.startswith("-"), values)
    if issue == "null_token":
        return vmap(lambda v: v in NULL_TOKENS, values)
    if issue == "embedded_pii":
        return present & vmap(has_pii, values)
    if issue == "embedded_line_breaks":
        return vmap(lambda v: "\n" in v or "\r" in v, values)
    if issue == "embedded_quotes":
        return vmap(lambda v: '"' in v, values)
    if issue == "orphan_fk":
        known = set(columns_of(ACCOUNTS)["account_id"])
        return vmap(lambda v: v not in known, values)
    if issue == "inconsistent_with_dates":
        admit, leave = cols["admission_date"], cols["discharge_date"]
        complete = present & (admit != "") & (leave != "")
        days = np.array(
            [(date.fromisoformat(b[:10]) - date.fromisoformat(a[:10])).days if ok else 0
             for a, b, ok in zip(admit, leave, complete, strict=True)]
        )  # fmt: skip
        return complete & vmap(lambda v: v != "", values) & (np.array([int(v or 0) for v in values]) != days)
    if issue in ("inconsistent_with_inputs", "unit_error"):
        weight, height, bmi = cols["weight_kg"], cols["height_cm"], cols["bmi"]
        complete = (weight != "") & (height != "") & (bmi != "")
        mismatch = complete & np.array(
            [ok and bmi_text(w, h) != b for w, h, b, ok in zip(weight, height, bmi, complete, strict=True)]
        )
        metres = complete & vmap(lambda h: h != "" and float(h) < 3, height)
        return {"bmi": mismatch, "height_cm": metres, "weight_kg": mismatch & ~metres}[column]
    raise AssertionError(f"{name}.{column}: no detector for issue {issue!r}")


def duplicate_rows(name: str) -> np.ndarray:
    cols = columns_of(name)
    seen: set[tuple[str, ...]] = set()
    out = np.zeros(n_rows(name), dtype=bool)
    for i, row in enumerate(zip(*cols.values(), strict=True)):
        out[i] = row in seen
        seen.add(row)
    return out


FORMATS: dict[str, dict[str, str]] = {
    "msisdn": {
        "national_spaced": r"07\d{3} \d{6}", "e164": r"\+447\d{9}", "intl_no_plus": r"447\d{9}",
        "national_compact": r"07\d{9}", "bracketed": r"\(07\d{3}\) \d{3}-\d{3}",
    },
    "cust_nm": {"last_comma_first": r".+, .+", "first_last": r"[^,]+"},
    "dob": {"iso": r"\d{4}-\d{2}-\d{2}", "uk_slash": r"\d{2}/\d{2}/\d{4}", "dd_mon_yyyy": r"\d{2}-[A-Z][a-z]{2}-\d{4}"},
    "sort_code": {"dashed": r"\d{2}-\d{2}-\d{2}", "compact": r"\d{6}"},
    "nino": {"masked": MASKS["nino"].pattern, "compact": r"[A-Z]{2}\d{6}[A-D]", "spaced": r"[A-Z]{2}( \d{2}){3} [A-D]"},
    "iban": {"compact": r"GB\d{2}[A-Z]{4}\d{14}", "spaced": r"GB\d{2} [A-Z]{4}( \d{4}){3} \d{2}"},
    "card_number": {
        "compact": r"\d{16}", "spaced": r"\d{4}( \d{4}){3}", "masked_stars": r"\*{12}\d{4}",
        "masked_x": r"XXXX-XXXX-XXXX-\d{4}",
    },
    "nhs_number": {"spaced": r"\d{3} \d{3} \d{4}", "compact": r"\d{10}"},
    "phone": {
        "mobile_national": r"07\d{3} \d{6}", "mobile_e164": r"\+44 7\d{3} \d{6}",
        "landline_national": r"0[1-9]\d{1,3} \d{3,6}( \d{4})?", "landline_compact": r"0[1-9]\d{8,9}",
        "landline_intl": r"\+44 [1-9]\d{1,3} \d{3,6}( \d{4})?", "landline_bracketed": r"\(0\d{2,4}\) \d{3,6}( \d{4})?",
    },
    "diagnosis_code": {"dotted": r"[A-Z]\d{2}(\.\d)?", "undotted": r"[A-Z]\d{2}[0-9X]"},
}  # fmt: skip


def classify(column: str, value: str) -> str:
    """The first format whose pattern matches; quality.yaml's format order is irrelevant."""
    for fmt, pattern in FORMATS[column].items():
        if re.fullmatch(pattern, value):
            return fmt
    raise AssertionError(f"{column}: {value!r} matches no known format")


# ---------------------------------------------------------------- reproducibility


def test_builder_is_deterministic(builds: tuple[Path, Path]) -> None:
    first, second = builds
    assert sorted(p.name for p in first.iterdir()) == sorted(OUTPUTS)
    for name in OUTPUTS:
        assert (first / name).read_bytes() == (second / name).read_bytes(), f"{name} differs between two builds"


def xlsx_members(data: bytes) -> dict[str, bytes]:
    """Each member of the workbook; XML members in canonical form (C14N 2.0), so the same document written by
    openpyxl's lxml writer or its pure-Python one (attribute order, ``<a/>`` or ``<a />``) compares equal."""
    from xml.etree.ElementTree import canonicalize

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {item.filename: archive.read(item.filename) for item in archive.infolist()}
    return {
        name: canonicalize(body.decode("utf-8")).encode("utf-8") if name.endswith((".xml", ".rels")) else body
        for name, body in members.items()
    }


@pytest.mark.parametrize("name", OUTPUTS)
def test_committed_file_matches_a_fresh_build(builds: tuple[Path, Path], name: str) -> None:
    built, committed = (builds[0] / name).read_bytes(), (SAMPLES / name).read_bytes()
    if name == XLSX:
        # zip compression bytes depend on the local zlib build; the archive's members must match exactly
        assert xlsx_members(committed) == xlsx_members(built)
    else:
        assert committed == built, f"{name} is stale: rerun playbooks/samples/build.py"


@pytest.mark.parametrize("name", DATA_FILES)
def test_files_stay_small(name: str) -> None:
    assert 0 < (SAMPLES / name).stat().st_size < MAX_BYTES


def test_gitattributes_protects_bytes() -> None:
    rules = (SAMPLES / ".gitattributes").read_text(encoding="utf-8")
    assert re.search(r"^\*\.csv\s+.*-text", rules, re.MULTILINE)
    assert re.search(r"^\*\.xlsx\s+binary", rules, re.MULTILINE)


# ---------------------------------------------------------------- shape, encoding, delimiters


@pytest.mark.parametrize("name", CSVS)
def test_csv_encoding_delimiter_and_shape(name: str) -> None:
    encoding, bom, delimiter, terminator, n, width = SPEC[name]
    raw = (SAMPLES / name).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == bom
    header, rows = rows_of(name)
    assert len(rows) == n and len(header) == width
    assert all(len(r) == width for r in rows)
    assert raw.splitlines(keepends=True)[0].endswith(terminator)
    assert raw.decode(encoding).count(delimiter) >= n * (width - 1)
    if terminator == b"\r\n":
        assert raw.count(b"\n") == raw.count(b"\r\n") == n + 1
    else:
        assert b"\r" not in raw
    assert len(set(header)) == width


def test_telecom_really_is_cp1252() -> None:
    raw = (SAMPLES / TELECOM).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    for word in ("Zoë", "Renée", "Siân", "O’Brien", "£", "€", "–"):
        assert word.encode("cp1252") in raw, word
    assert "Zoë".encode() not in raw
    _, rows = rows_of(TELECOM)
    assert any(";" in v or '"' in v for r in rows for v in r), "no field needed quoting"


def test_utf8_files_hold_non_cp1252_names() -> None:
    for name in (ACCOUNTS, HOSPITAL):
        text = (SAMPLES / name).read_bytes().decode("utf-8")
        assert any(ch in text for ch in "łŁśřễşč"), name
        with pytest.raises(UnicodeEncodeError):
            text.lstrip("\ufeff").encode("cp1252")


def test_hospital_quoting() -> None:
    raw = (SAMPLES / HOSPITAL).read_bytes().decode("utf-8-sig")
    notes = columns_of(HOSPITAL)["clinical_notes"]
    assert any("\n" in v for v in notes) and any('"' in v for v in notes)
    assert any("," in v for v in columns_of(HOSPITAL)["address"])
    assert '""' in raw
    assert raw.count("\n") > n_rows(HOSPITAL) + 1  # line breaks inside quoted fields


def test_xlsx_is_the_csv_head() -> None:
    workbook = openpyxl.load_workbook(SAMPLES / XLSX, read_only=True)
    assert workbook.sheetnames == ["patients"]
    rows = list(workbook["patients"].iter_rows(values_only=True))
    header, csv_rows = rows_of(HOSPITAL)
    assert list(rows[0]) == header
    assert len(rows) == XLSX_ROWS + 1
    typed = 0
    for cells, expected in zip(rows[1:], csv_rows[:XLSX_ROWS], strict=True):
        for column, cell, text in zip(header, cells, expected, strict=True):
            if cell is None:
                assert text == "", column
            elif isinstance(cell, datetime):
                fmt = "%d/%m/%Y" if column == "date_of_birth" else "%Y-%m-%d %H:%M"
                assert cell.strftime(fmt) == text, column
                typed += 1
            elif isinstance(cell, int | float):
                assert float(text) == cell, column
                typed += 1
            else:
                assert cell == text, column
    assert typed > XLSX_ROWS * 5


# ---------------------------------------------------------------- check digits


@pytest.mark.parametrize(
    ("name", "column", "valid"),
    [
        (TELECOM, "imei", lambda v: len(v) == 15 and luhn_ok(v)),
        (ACCOUNTS, "iban", iban_ok),
        (TRANSACTIONS, "counterparty_iban", iban_ok),
        (HOSPITAL, "nhs_number", nhs_ok),
        (TRANSACTIONS, "card_number", lambda v: len(v.replace(" ", "")) == 16 and luhn_ok(v.replace(" ", ""))),
    ],
)
def test_check_digits_hold_except_the_injected_share(name: str, column: str, valid: Callable[[str], bool]) -> None:
    values = columns_of(name)[column]
    issues = quality()[name]["issues"][column]
    ok = vmap(valid, values)
    bad = (values != "") & ~ok & ~vmap(lambda v: bool(MASKS.get(column, re.compile("^$")).fullmatch(v)), values)
    assert rate(bad) == issues.get("invalid_checksum", 0.0)
    expected_valid = 1 - issues["missing"] - issues.get("invalid_checksum", 0.0) - issues.get("masked", 0.0)
    assert rate(ok) == pytest.approx(expected_valid, abs=2e-6)
    if column != "counterparty_iban":
        assert issues["invalid_checksum"] > 0


def test_telecom_identifier_shapes() -> None:
    cols = columns_of(TELECOM)
    assert all(re.fullmatch(r"234(15|10)\d{10}", v) for v in cols["imsi"])
    assert all(re.fullmatch(r"CUST-\d{6}", v) for v in cols["customer_id"])
    numbers = {re.sub(r"\D", "", v)[-10:] for v in cols["msisdn"]}
    assert len(numbers) == len(set(cols["customer_id"]))  # one number per customer
    assert all(v.startswith("77009") for v in numbers)
    nino = [v.replace(" ", "") for v in cols["nino"] if v and "*" not in v]
    assert nino and all(NINO_RE.fullmatch(v) for v in nino)


# ---------------------------------------------------------------- quality.yaml


def test_quality_yaml_describes_every_file_and_column() -> None:
    q = quality()
    assert sorted(q) == sorted(DATA_FILES)
    for name in DATA_FILES:
        assert q[name]["rows"] == n_rows(name)
        assert q[name]["columns"] == len(columns_of(name))
        assert set(q[name]["issues"]) - {"_table"} == set(columns_of(name))
        for column, issues in q[name]["issues"].items():
            assert column == "_table" or "missing" in issues
            assert all(isinstance(r, float) and 0 <= r <= 1 for r in issues.values())


def quality_cases() -> list[tuple[str, str, str]]:
    return [
        (name, column, issue)
        for name, entry in quality().items()
        for column, issues in entry["issues"].items()
        if column != "_table"
        for issue in issues
    ]


@pytest.mark.parametrize(("name", "column", "issue"), quality_cases())
def test_quality_rate_matches_the_file(name: str, column: str, issue: str) -> None:
    expected = quality()[name]["issues"][column][issue]
    assert rate(detect(name, column, issue)) == expected


@pytest.mark.parametrize("name", DATA_FILES)
def test_duplicate_rate_matches_the_file(name: str) -> None:
    expected = quality()[name]["issues"].get("_table", {}).get("exact_duplicate_rows", 0.0)
    assert rate(duplicate_rows(name)) == expected
    if name in (TELECOM, TRANSACTIONS):
        assert expected > 0


def test_promised_problems_are_present() -> None:
    q = {name: quality()[name]["issues"] for name in CSVS}
    t = q[TELECOM]
    assert t["_table"]["exact_duplicate_rows"] == pytest.approx(0.015, abs=0.002)
    assert 0.025 <= sum(t["email"].get(k, 0) for k in ("invalid_format", "whitespace", "inconsistent_case")) <= 0.035
    assert t["postcode"]["invalid_format"] == pytest.approx(0.04, abs=0.005)
    assert t["contract_end"]["end_before_start"] == pytest.approx(0.01, abs=0.002)
    assert t["notes"]["embedded_pii"] == pytest.approx(0.10, abs=0.01)
    missing = [v["missing"] for v in t.values() if "missing" in v]
    assert min(missing) == 0.0 and max(missing) >= 0.3
    assert t["nino"]["masked"] > 0 and t["acct_no"]["masked"] > 0
    assert q[ACCOUNTS]["iban"]["invalid_checksum"] == pytest.approx(0.02, abs=0.003)
    assert q[TRANSACTIONS]["account_id"]["orphan_fk"] == pytest.approx(0.005, abs=0.001)
    card = quality()[TRANSACTIONS]["formats"]["card_number"]
    assert card["masked_stars"] == pytest.approx(0.2, abs=0.03) and card["masked_x"] > 0
    assert q[HOSPITAL]["nhs_number"]["invalid_checksum"] == pytest.approx(0.02, abs=0.003)
    assert q[HOSPITAL]["discharge_date"]["end_before_start"] == pytest.approx(0.01, abs=0.002)


@pytest.mark.parametrize("name", DATA_FILES)
def test_format_shares_match_the_file(name: str) -> None:
    formats = quality()[name]["formats"]
    for column, shares in formats.items():
        values = [v for v in columns_of(name)[column] if v != ""]
        found: dict[str, int] = {}
        for value in values:
            fmt = classify(column, value)
            found[fmt] = found.get(fmt, 0) + 1
        measured = {k: round(c / len(values), 6) for k, c in found.items()}
        assert measured == {k: v for k, v in shares.items() if v}, column
        assert sum(shares.values()) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("name", DATA_FILES)
def test_canonical_columns_hold_only_canonical_or_flagged_values(name: str) -> None:
    for column, canonical in quality()[name].get("canonical_values", {}).items():
        values = columns_of(name)[column]
        issues = quality()[name]["issues"][column]
        odd = (values != "") & ~vmap(lambda v, c=canonical: v in c, values)
        flagged = sum(issues.get(k, 0.0) for k in ("inconsistent_case", "inconsistent_coding", "whitespace"))
        assert rate(odd) == pytest.approx(flagged, abs=2e-6), column


def test_bank_timestamps_are_business_hours_heavy_with_a_month_end_peak() -> None:
    stamps = [datetime.fromisoformat(v) for v in columns_of(TRANSACTIONS)["txn_ts"]]
    assert stamps == sorted(stamps)
    assert all(s.year == 2024 for s in stamps)
    daytime = np.mean([9 <= s.hour < 18 for s in stamps])
    assert daytime > 0.5
    by_day = np.bincount([s.day for s in stamps], minlength=32)[1:]
    assert by_day[24:28].mean() > 1.3 * by_day[5:20].mean()
    amounts = np.array([float(v.replace(",", "")) for v in columns_of(TRANSACTIONS)["amount"]])
    assert (amounts < 0).mean() > 0.7 and np.abs(amounts).max() > 50 * np.median(np.abs(amounts))


def test_hospital_dates_and_body_measurements_are_plausible() -> None:
    cols = columns_of(HOSPITAL)
    admitted = [datetime.strptime(v, "%Y-%m-%d %H:%M") for v in cols["admission_date"]]
    assert admitted == sorted(admitted)
    pairs = [(float(w), float(h)) for w, h in zip(cols["weight_kg"], cols["height_cm"], strict=True) if w and h]
    weights, heights = np.array(pairs).T
    adults = heights > 100
    assert np.corrcoef(weights[adults], heights[adults])[0, 1] > 0.3
    assert len(set(cols["patient_id"])) < n_rows(HOSPITAL)  # readmissions


# ---------------------------------------------------------------- labels.yaml


def test_labels_cover_every_column_of_every_file() -> None:
    lab = labels()
    assert sorted(lab) == sorted(DATA_FILES)
    for name in DATA_FILES:
        assert list(lab[name]) == list(columns_of(name)), name
        for column, label in lab[name].items():
            assert set(label) - {"role"} == {"sensitive", "entity"}, (name, column)
            assert label.get("role") in (None, "quasi_identifier"), (name, column)
            assert isinstance(label["sensitive"], bool)
            assert label["entity"] in ENTITIES, (name, column, label["entity"])
            if label["sensitive"]:
                assert label["entity"] != "none", (name, column)


def test_labels_follow_the_stated_principles() -> None:
    lab = labels()

    def entity(name: str, column: str) -> tuple[bool, str]:
        return lab[name][column]["sensitive"], lab[name][column]["entity"]

    assert entity(TELECOM, "gender") == (True, "gender")  # a quasi-identifier (issue 10): modelled, kept
    assert entity(HOSPITAL, "sex") == (True, "gender")
    assert lab["telecom_customers.csv"]["gender"]["role"] == "quasi_identifier"
    assert entity(HOSPITAL, "ethnicity") == (True, "ethnicity")
    assert entity(HOSPITAL, "diagnosis_code") == (True, "medical_condition")
    assert entity(TELECOM, "dob") == (True, "date_of_birth")
    assert entity(TELECOM, "postcode") == (True, "postcode")
    assert entity(TELECOM, "cust_nm") == (True, "person_name")
    assert entity(TELECOM, "nino") == (True, "uk_nino")
    assert entity(HOSPITAL, "nhs_number") == (True, "nhs_number")
    assert entity(ACCOUNTS, "branch_city") == (False, "city")
    # every free-text column that carries PII in quality.yaml is labelled as such, and only those
    for name in DATA_FILES:
        pii_text = {c for c, i in quality()[name]["issues"].items() if i.get("embedded_pii", 0) > 0}
        free_text = {c for c, v in lab[name].items() if v["entity"] == "free_text_pii"}
        assert pii_text == free_text, name


# ---------------------------------------------------------------- fictitious by construction

DRAMA_LANDLINES = re.compile(
    r"(020 ?7946 ?0|0113 ?496 ?0|0114 ?496 ?0|0115 ?496 ?0|0116 ?496 ?0|0117 ?496 ?0|0118 ?496 ?0|0121 ?496 ?0"
    r"|0131 ?496 ?0|0141 ?496 ?0|0151 ?496 ?0|0161 ?496 ?0|0191 ?498 ?0|028 ?9649 ?6|029 ?2018 ?0|01632 ?960)\d{3}"
)


def as_national(phone: str) -> str:
    text = re.sub(r"[()\-]", "", phone).strip()
    return "0" + text[3:].lstrip() if text.startswith("+44") else text


def test_contact_details_are_fictitious() -> None:
    domains = set(builder().EMAIL_DOMAINS)
    for name in (TELECOM, HOSPITAL):
        valid = [v.strip().lower() for v in columns_of(name)["email"] if EMAIL_RE.fullmatch(v.strip().lower())]
        assert valid and all(v.rsplit("@", 1)[1] in domains for v in valid), name
        assert all(re.fullmatch(r"([a-z]+\.)?example\.(com|org|net)", d) for d in domains)  # RFC 2606
    phones = [
        *columns_of(TELECOM)["alt_phone"], *columns_of(HOSPITAL)["phone"], *columns_of(HOSPITAL)["next_of_kin_phone"],
    ]  # fmt: skip
    for phone in filter(None, phones):
        national = as_national(phone)
        assert national.replace(" ", "").startswith("077009") or DRAMA_LANDLINES.fullmatch(national), phone
    for value in filter(None, columns_of(TELECOM)["ip_address"]):
        if ipv4_ok(value):
            address = ipaddress.IPv4Address(value)
            assert address.is_private or address in ipaddress.IPv4Network("100.64.0.0/10"), value
