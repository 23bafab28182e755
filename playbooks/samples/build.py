"""Build Doppel's messy, production-like (and entirely fictitious) sample datasets.

    .venv/bin/python playbooks/samples/build.py              # rewrite the files next to this script
    .venv/bin/python playbooks/samples/build.py --out DIR    # build somewhere else

Every value is drawn from numpy Generators with fixed seeds, so the output is identical byte for byte on
every run. Nothing here comes from real people: names are random pairings of common forenames and
surnames, phone numbers sit in Ofcom's drama ranges (landlines) or the 07700 9xxxxx block (mobiles),
e-mail domains are reserved example domains, IP addresses are private, CGNAT or documentation ranges,
and identifiers (NHS, NI, IMEI, IBAN, card numbers) are random digits with computed check digits.

Each quality problem is injected on an exactly counted set of rows and recorded in ``quality.yaml``
(rates over all data rows of the written file); ground-truth sensitivity labels go to ``labels.yaml``.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import time
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import yaml

HERE = Path(__file__).resolve().parent
SEED = 20250630
TELECOM, ACCOUNTS, TRANSACTIONS, HOSPITAL = (
    "telecom_customers.csv",
    "bank_accounts.csv",
    "bank_transactions.csv",
    "hospital_patients.csv",
)
HOSPITAL_XLSX = "hospital_patients.xlsx"
XLSX_ROWS = 1000
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

# ---------------------------------------------------------------- vocabulary (CP1252-safe unless marked)

# fmt: off
FEMALE_FIRST = {
    "Olivia": 30, "Amelia": 25, "Emily": 28, "Sophie": 22, "Jessica": 20, "Chloé": 6, "Zoë": 9, "Renée": 6,
    "Siân": 7, "Aoife": 5, "Niamh": 6, "Bríd": 3, "Anaïs": 3, "Mia": 15, "Isla": 12, "Grace": 18,
    "Hannah": 20, "Lucy": 22, "Charlotte": 24, "Emma": 25, "Sarah": 30, "Laura": 22, "Rebecca": 18,
    "Rachel": 18, "Claire": 20, "Helen": 20, "Susan": 18, "Margaret": 15, "Patricia": 10, "Fatima": 10,
    "Aisha": 10, "Priya": 10, "Ananya": 5, "Mei": 5, "Agnieszka": 5, "Rhiannon": 6, "Eilidh": 5, "Nia": 5,
    "Joan": 8, "Maureen": 8, "Ellie": 12, "Freya": 12, "Ruby": 12, "Poppy": 10, "Mélanie": 3, "Inès": 3,
}
MALE_FIRST = {
    "Oliver": 28, "George": 25, "Harry": 24, "Jack": 26, "Jacob": 18, "Noah": 18, "Thomas": 25, "James": 30,
    "William": 22, "Daniel": 22, "Matthew": 20, "David": 30, "Michael": 28, "Paul": 22, "Mark": 22,
    "Andrew": 22, "Richard": 18, "Peter": 18, "Stephen": 18, "Christopher": 20, "Mohammed": 15, "Ahmed": 10,
    "Arjun": 6, "Rahul": 6, "Wei": 5, "Piotr": 5, "Tomasz": 4, "Seán": 6, "Ciarán": 5, "Eoin": 4, "Rhys": 8,
    "Dafydd": 5, "Gareth": 8, "Iain": 6, "Callum": 10, "Liam": 14, "Ethan": 14, "Joshua": 16, "Samuel": 16,
    "Benjamin": 14, "Alexander": 12, "José": 5, "Noël": 3, "Jérôme": 3, "Björn": 2, "Kwame": 4, "Chidi": 4,
}
SURNAMES = {
    "Smith": 40, "Jones": 32, "Taylor": 25, "Brown": 24, "Williams": 24, "Wilson": 20, "Johnson": 18,
    "Davies": 20, "Patel": 18, "Robinson": 14, "Wright": 14, "Thompson": 14, "Evans": 16, "Walker": 14,
    "White": 12, "Roberts": 14, "Green": 12, "Hall": 12, "Wood": 10, "Jackson": 11, "Clarke": 11,
    "Hughes": 11, "Edwards": 11, "Lewis": 11, "Morgan": 10, "Khan": 12, "Ali": 8, "Hussain": 8, "Begum": 6,
    "Singh": 9, "Kaur": 6, "Murphy": 8, "Kelly": 8, "O’Brien": 5, "O'Neill": 5, "MacDonald": 6,
    "McKenzie": 5, "Campbell": 8, "Stewart": 8, "Nowak": 5, "Kowalski": 4, "Nguyen": 4, "Chen": 5,
    "Okafor": 3, "Adeyemi": 3, "Mensah": 3, "Fernández": 3, "Lefèvre": 2, "Müller": 2, "Gómez": 2,
    "Núñez": 2, "Doyle": 5, "Byrne": 5, "Griffiths": 8, "Owen": 7, "Rees": 6, "Llewellyn": 4, "Fraser": 5,
    "Sinclair": 4, "Barker": 6, "Fletcher": 6, "Hargreaves": 4, "Cartwright": 4, "Ashworth": 3,
    "Whitehead": 4, "Sutcliffe": 3, "Pickering": 3, "Brontë": 1, "D’Souza": 2,
}
# Only in the UTF-8 files (bank, hospital): characters that CP1252 cannot hold.
EXTRA_FEMALE_FIRST = {"Małgorzata": 3, "Zuzanna": 2, "Ljubica": 1, "Şebnem": 1}
EXTRA_MALE_FIRST = {"Łukasz": 3, "Wojciech": 2, "Jiří": 2, "Ngô": 1}
EXTRA_SURNAMES = {"Wiśniewski": 3, "Dvořák": 2, "Nguyễn": 2, "Şahin": 2, "Kovačević": 2, "Dąbrowski": 2}

STREETS = [
    "High", "Church", "Station", "Victoria", "Mill", "Park", "Queen's", "King's", "Manor", "Albert", "Chapel",
    "Springfield", "Green", "Grove", "Acacia", "Meadow", "Orchard", "Riverside", "Windsor", "York", "Cedar",
    "Beech", "Hawthorn", "Willow", "Elm", "Sycamore", "Castle", "Bridge", "Market", "Brook", "Heather",
]
STREET_TYPES = ["Street", "Road", "Lane", "Avenue", "Close", "Drive", "Way", "Crescent", "Gardens", "Terrace"]
HOUSE_NAMES = ["Rose Cottage", "The Old Rectory", "Ivy House", "Hillcrest", "The Laurels", "Orchard View"]
LOCALITIES = ["Headingley", "Chorlton", "Moseley", "Clifton", "Jesmond", "Roath", "Leith", "Partick", "Didsbury"]

# town, county, region, postcode area, first and last district, weight, drama landline area, local prefix
TOWNS: list[tuple[str, str, str, str, int, int, float, str, str]] = [
    ("London", "Greater London", "London", "SE", 1, 28, 14, "020", "79460"),
    ("London", "Greater London", "London", "N", 1, 22, 12, "020", "79460"),
    ("London", "Greater London", "London", "E", 1, 18, 12, "020", "79460"),
    ("London", "Greater London", "London", "SW", 1, 20, 12, "020", "79460"),
    ("Leeds", "West Yorkshire", "Yorkshire and the Humber", "LS", 1, 28, 10, "0113", "4960"),
    ("Sheffield", "South Yorkshire", "Yorkshire and the Humber", "S", 1, 36, 8, "0114", "4960"),
    ("York", "North Yorkshire", "Yorkshire and the Humber", "YO", 1, 32, 3, "01632", "960"),
    ("Harrogate", "North Yorkshire", "Yorkshire and the Humber", "HG", 1, 5, 2, "01632", "960"),
    ("Hull", "East Riding of Yorkshire", "Yorkshire and the Humber", "HU", 1, 17, 3, "01632", "960"),
    ("Manchester", "Greater Manchester", "North West", "M", 1, 40, 12, "0161", "4960"),
    ("Liverpool", "Merseyside", "North West", "L", 1, 38, 8, "0151", "4960"),
    ("Preston", "Lancashire", "North West", "PR", 1, 9, 3, "01632", "960"),
    ("Birmingham", "West Midlands", "West Midlands", "B", 1, 45, 12, "0121", "4960"),
    ("Coventry", "West Midlands", "West Midlands", "CV", 1, 8, 4, "01632", "960"),
    ("Nottingham", "Nottinghamshire", "East Midlands", "NG", 1, 16, 6, "0115", "4960"),
    ("Leicester", "Leicestershire", "East Midlands", "LE", 1, 9, 5, "0116", "4960"),
    ("Derby", "Derbyshire", "East Midlands", "DE", 1, 24, 3, "01632", "960"),
    ("Bristol", "City of Bristol", "South West", "BS", 1, 16, 7, "0117", "4960"),
    ("Exeter", "Devon", "South West", "EX", 1, 4, 2, "01632", "960"),
    ("Plymouth", "Devon", "South West", "PL", 1, 9, 3, "01632", "960"),
    ("Reading", "Berkshire", "South East", "RG", 1, 6, 4, "0118", "4960"),
    ("Brighton", "East Sussex", "South East", "BN", 1, 3, 4, "01632", "960"),
    ("Oxford", "Oxfordshire", "South East", "OX", 1, 4, 3, "01632", "960"),
    ("Southampton", "Hampshire", "South East", "SO", 14, 19, 4, "01632", "960"),
    ("Cambridge", "Cambridgeshire", "East of England", "CB", 1, 5, 3, "01632", "960"),
    ("Norwich", "Norfolk", "East of England", "NR", 1, 7, 3, "01632", "960"),
    ("Newcastle upon Tyne", "Tyne and Wear", "North East", "NE", 1, 15, 6, "0191", "4980"),
    ("Cardiff", "Cardiff", "Wales", "CF", 10, 24, 5, "029", "20180"),
    ("Swansea", "Swansea", "Wales", "SA", 1, 9, 3, "01632", "960"),
    ("Edinburgh", "City of Edinburgh", "Scotland", "EH", 1, 17, 6, "0131", "4960"),
    ("Glasgow", "Glasgow City", "Scotland", "G", 1, 53, 7, "0141", "4960"),
    ("Aberdeen", "Aberdeen City", "Scotland", "AB", 10, 25, 3, "01632", "960"),
    ("Belfast", "County Antrim", "Northern Ireland", "BT", 1, 17, 5, "028", "96496"),
]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
EMAIL_DOMAINS = {"example.com": 40, "example.org": 20, "example.net": 15, "mail.example.com": 15,
                 "post.example.org": 10}
NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"
NINO_BLOCKED = ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ")
# fmt: on


# ---------------------------------------------------------------- generic helpers


def draw(rng: np.random.Generator, weights: dict[str, float] | Sequence[str], size: int) -> np.ndarray:
    """``size`` values from a {value: weight} mapping (or a list, uniformly) as an object array."""
    keys = list(weights)
    p = np.array([weights[k] for k in keys] if isinstance(weights, dict) else [1.0] * len(keys), dtype=float)
    values = np.empty(len(keys), dtype=object)
    values[:] = keys
    return values[rng.choice(len(keys), size=size, p=p / p.sum())]


def obj(values: Any) -> np.ndarray:
    """Any iterable of strings as a 1-D object array."""
    items = list(values)
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def digits(rng: np.random.Generator, size: int, length: int) -> np.ndarray:
    """Random digit strings of a fixed length (leading zeros kept)."""
    matrix = rng.integers(0, 10, size=(size, length))
    return obj("".join(map(str, row)) for row in matrix.tolist())


def money(values: np.ndarray) -> np.ndarray:
    return obj(f"{v:.2f}" for v in np.round(np.asarray(values, dtype=float), 2))


def iso_dates(days: np.ndarray) -> np.ndarray:
    return obj(np.datetime_as_string(np.asarray(days, dtype="datetime64[D]"), unit="D"))


def iso_seconds(seconds: np.ndarray) -> np.ndarray:
    """datetime64[s] values as 'YYYY-MM-DDTHH:MM:SS'."""
    return obj(np.datetime_as_string(np.asarray(seconds, dtype="datetime64[s]"), unit="s"))


def uk_date(iso: str) -> str:
    return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}"


def mon_date(iso: str) -> str:
    return f"{iso[8:10]}-{MONTHS[int(iso[5:7]) - 1]}-{iso[:4]}"


_FOLD = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "ß": "ss", "đ": "d", "’": "", "'": "", " ": "", "-": ""})


def ascii_fold(text: str) -> str:
    """Lower-case ASCII for e-mail addresses and user names: 'Zoë O’Brien' -> 'zoeobrien'."""
    return unicodedata.normalize("NFKD", text.translate(_FOLD)).encode("ascii", "ignore").decode().lower()


def luhn_check_digits(payloads: Sequence[str]) -> np.ndarray:
    """Luhn check digit for each equal-length digit string."""
    matrix = np.array([[int(c) for c in p] for p in payloads], dtype=np.int64)
    rev = matrix[:, ::-1].copy()
    rev[:, 0::2] *= 2  # the rightmost payload digit is doubled
    rev[rev > 9] -= 9
    return (10 - rev.sum(axis=1) % 10) % 10


def iban_check(bank: str, sort_code: str, account: str) -> str:
    bban = f"{bank}{sort_code}{account}"
    numeric = "".join(str(int(c, 36)) for c in bban + "GB00")
    return f"{98 - int(numeric) % 97:02d}"


def nhs_numbers(rng: np.random.Generator, size: int) -> np.ndarray:
    """Random NHS numbers (England-style leading digit 4, 6 or 7) with a valid mod-11 check digit."""
    out = np.empty(size, dtype=object)
    todo = np.arange(size)
    weights = np.arange(10, 1, -1)
    while todo.size:
        first = rng.choice(np.array([4, 6, 7]), size=todo.size, p=[0.5, 0.3, 0.2])
        payload = np.column_stack([first, rng.integers(0, 10, size=(todo.size, 8))])
        check = 11 - (payload @ weights) % 11
        check[check == 11] = 0
        ok = check != 10
        for i, row, c in zip(todo[ok], payload[ok].tolist(), check[ok].tolist(), strict=True):
            out[i] = "".join(map(str, row)) + str(c)
        todo = todo[~ok]
    return out


def bmi_text(weight_kg: str, height_cm: str) -> str:
    return f"{float(weight_kg) / (float(height_cm) / 100) ** 2:.1f}"


def other_digit(rng: np.random.Generator, digit: str) -> str:
    return str((int(digit) + int(rng.integers(1, 10))) % 10)


def postcodes(rng: np.random.Generator, town_idx: np.ndarray) -> np.ndarray:
    towns = [TOWNS[i] for i in town_idx.tolist()]
    districts = [int(rng.integers(t[4], t[5] + 1)) for t in towns]
    sector = rng.integers(0, 10, size=len(towns)).tolist()
    letters = rng.integers(0, len(INWARD_LETTERS), size=(len(towns), 2)).tolist()
    return obj(
        f"{t[3]}{d} {s}{INWARD_LETTERS[a]}{INWARD_LETTERS[b]}"
        for t, d, s, (a, b) in zip(towns, districts, sector, letters, strict=True)
    )


def street_lines(rng: np.random.Generator, size: int) -> np.ndarray:
    number = np.minimum(rng.geometric(0.025, size=size), 240)
    street = draw(rng, STREETS, size)
    kind = draw(rng, STREET_TYPES, size)
    style = rng.random(size)
    flat = rng.integers(1, 24, size=size)
    house = draw(rng, HOUSE_NAMES, size)
    out = []
    for i in range(size):
        line = f"{number[i]} {street[i]} {kind[i]}"
        if style[i] < 0.06:
            line = f"Flat {flat[i]}, {line}"
        elif style[i] < 0.09:
            line = f"{house[i]}, {street[i]} {kind[i]}"
        out.append(line)
    return obj(out)


def mobile_numbers(rng: np.random.Generator, size: int, *, unique: bool = False, drama: bool = False) -> np.ndarray:
    """National significant numbers '77009xxxxx' (drama: '7700900xxx', Ofcom's reserved range)."""
    span = 1000 if drama else 100_000
    tail = rng.choice(span, size=size, replace=False) if unique else rng.integers(0, span, size=size)
    prefix = "7700900" if drama else "77009"
    width = 3 if drama else 5
    return obj(f"{prefix}{t:0{width}d}" for t in tail.tolist())


def format_mobile(nsn: str, style: str) -> str:
    """'77009001234'-style national significant number in one of the common UK notations."""
    national = "0" + nsn
    return {
        "national_spaced": f"{national[:5]} {national[5:]}",
        "national_compact": national,
        "e164": f"+44{nsn}",
        "intl_no_plus": f"44{nsn}",
        "bracketed": f"({national[:5]}) {national[5:8]}-{national[8:]}",
        "intl_spaced": f"+44 {nsn[:4]} {nsn[4:]}",
    }[style]


def landline(rng: np.random.Generator, town: int) -> tuple[str, str]:
    """(area code, local number) in the town's Ofcom drama range."""
    _, _, _, _, _, _, _, area, prefix = TOWNS[town]
    return area, f"{prefix}{int(rng.integers(0, 1000)):03d}"


def format_landline(area: str, local: str, style: str) -> str:
    grouped = {8: f"{local[:4]} {local[4:]}", 7: f"{local[:3]} {local[3:]}"}.get(len(local), local)
    return {
        "landline_national": f"{area} {grouped}",
        "landline_compact": area + local,
        "landline_intl": f"+44 {area[1:]} {grouped}",
        "landline_bracketed": f"({area}) {grouped}",
    }[style]


def people(rng: np.random.Generator, size: int, *, utf8: bool, sex_p: Sequence[float] = (0.505, 0.485, 0.01)):
    """Sex code (F/M/U), forename and surname arrays."""
    female = dict(FEMALE_FIRST, **(EXTRA_FEMALE_FIRST if utf8 else {}))
    male = dict(MALE_FIRST, **(EXTRA_MALE_FIRST if utf8 else {}))
    surnames = dict(SURNAMES, **(EXTRA_SURNAMES if utf8 else {}))
    sex = draw(rng, {"F": sex_p[0], "M": sex_p[1], "U": sex_p[2]}, size)
    first = np.where(sex == "F", draw(rng, female, size), draw(rng, male, size))
    either = np.where(rng.random(size) < 0.5, draw(rng, female, size), draw(rng, male, size))
    first = np.where(sex == "U", either, first)
    return sex, first.astype(object), draw(rng, surnames, size)


def emails(rng: np.random.Generator, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    domain = draw(rng, EMAIL_DOMAINS, len(first))
    pattern = rng.integers(0, 6, size=len(first))
    number = rng.integers(1, 99, size=len(first))
    out = []
    for f, la, d, p, k in zip(first, last, domain, pattern.tolist(), number.tolist(), strict=True):
        f, la = ascii_fold(f), ascii_fold(la)
        local = [f"{f}.{la}", f"{f}{la}", f"{f[0]}{la}", f"{f}_{la}", f"{f}.{la}{k}", f"{la}{f[0]}{k}"][p]
        out.append(f"{local}@{d}")
    return obj(out)


def nino_values(rng: np.random.Generator, size: int) -> np.ndarray:
    out = []
    while len(out) < size:
        a = NINO_FIRST[int(rng.integers(0, len(NINO_FIRST)))]
        b = NINO_SECOND[int(rng.integers(0, len(NINO_SECOND)))]
        if a + b in NINO_BLOCKED:
            continue
        number = "".join(str(d) for d in rng.integers(0, 10, size=6).tolist())
        out.append(f"{a}{b}{number}{'ABCD'[int(rng.integers(0, 4))]}")
    return obj(out)


# ---------------------------------------------------------------- injection bookkeeping


Transform = Callable[[np.ndarray, np.random.Generator], Sequence[str]]


class Table:
    """String columns plus exact masks of every injected issue and format variant."""

    def __init__(self, name: str, n: int, rng: np.random.Generator) -> None:
        self.name, self.n, self.rng = name, n, rng
        self.cols: dict[str, np.ndarray] = {}
        self.issues: dict[str, dict[str, np.ndarray]] = {}
        self.formats: dict[str, dict[str, np.ndarray]] = {}
        self.touched: dict[str, np.ndarray] = {}
        self.duplicates = np.zeros(n, dtype=bool)

    def __setitem__(self, col: str, values: Any) -> None:
        arr = obj(values) if not isinstance(values, np.ndarray) else values.astype(object)
        if arr.shape != (self.n,):
            raise ValueError(f"{col}: expected {self.n} values, got {arr.shape}")
        if any(not isinstance(v, str) for v in arr):
            raise TypeError(f"{col}: every value must be a string")
        self.cols[col] = arr

    def __getitem__(self, col: str) -> np.ndarray:
        return self.cols[col]

    def _touched(self, col: str) -> np.ndarray:
        return self.touched.setdefault(col, np.zeros(self.n, dtype=bool))

    def pick(self, col: str, rate: float, where: np.ndarray | None = None) -> np.ndarray:
        """Exactly round(rate * n) rows that are non-empty, untouched in ``col`` and inside ``where``."""
        eligible = (self.cols[col] != "") & ~self._touched(col)
        if where is not None:
            eligible &= where
        k = round(rate * self.n)
        pool = np.flatnonzero(eligible)
        if k > pool.size:
            raise ValueError(f"{self.name}.{col}: {k} rows wanted, {pool.size} eligible")
        mask = np.zeros(self.n, dtype=bool)
        mask[self.rng.choice(pool, size=k, replace=False)] = True
        self._touched(col)[mask] = True
        return mask

    def flag(self, col: str, issue: str, mask: np.ndarray) -> None:
        issues = self.issues.setdefault(col, {})
        issues[issue] = issues.get(issue, np.zeros(self.n, dtype=bool)) | mask

    def inject(self, col: str, issue: str, rate: float, fn: Transform, where: np.ndarray | None = None) -> np.ndarray:
        mask = self.pick(col, rate, where)
        if mask.any():
            new = obj(fn(self.cols[col][mask], self.rng))
            if any(a == b for a, b in zip(new, self.cols[col][mask], strict=True)):
                raise AssertionError(f"{self.name}.{col}: {issue} left a value unchanged")
            self.cols[col][mask] = new
        self.flag(col, issue, mask)
        return mask

    def inject_at(
        self,
        col: str,
        issue: str,
        rate: float,
        fn: Callable[[np.ndarray], Sequence[str]],
        where: np.ndarray | None = None,
    ) -> np.ndarray:
        """Like ``inject`` but ``fn`` receives the chosen row numbers (for values that depend on other columns)."""
        mask = self.pick(col, rate, where)
        self.cols[col][mask] = obj(fn(np.flatnonzero(mask)))
        self.flag(col, issue, mask)
        return mask

    def blank(self, col: str, rate: float, where: np.ndarray | None = None) -> np.ndarray:
        mask = self.pick(col, rate, where)
        self.cols[col][mask] = ""
        return mask

    def fmt(self, col: str, name: str, mask: np.ndarray) -> None:
        self.formats.setdefault(col, {})[name] = np.asarray(mask, dtype=bool)

    def add_duplicates(self, count: int, *, adjacent: bool) -> None:
        """Append ``count`` exact copies of random rows, each placed after its original."""
        src = np.sort(self.rng.choice(self.n, size=count, replace=False))
        key = np.concatenate([np.arange(self.n, dtype=float), src + 0.5])
        if not adjacent:
            key[self.n :] = self.rng.uniform(src + 0.5, self.n)
        order = np.concatenate([np.arange(self.n), src])[np.argsort(key, kind="stable")]
        dup = np.concatenate([np.zeros(self.n, dtype=bool), np.ones(count, dtype=bool)])[np.argsort(key, kind="stable")]
        self.cols = {c: v[order] for c, v in self.cols.items()}
        self.issues = {c: {i: m[order] for i, m in d.items()} for c, d in self.issues.items()}
        self.formats = {c: {f: m[order] for f, m in d.items()} for c, d in self.formats.items()}
        self.n = len(order)
        self.duplicates = dup

    def quality(self, canonical: dict[str, list[str]] | None = None) -> dict[str, Any]:
        rate = lambda mask: round(float(np.count_nonzero(mask)) / self.n, 6)  # noqa: E731
        issues: dict[str, dict[str, float]] = {}
        if self.duplicates.any():
            issues["_table"] = {"exact_duplicate_rows": rate(self.duplicates)}
        for col, values in self.cols.items():
            entry = {"missing": rate(values == "")}
            entry.update({name: rate(mask) for name, mask in self.issues.get(col, {}).items()})
            issues[col] = entry
        formats: dict[str, dict[str, float]] = {}
        for col, variants in self.formats.items():
            present = self.cols[col] != ""
            total = float(np.count_nonzero(present))
            formats[col] = {k: round(float(np.count_nonzero(m & present)) / total, 6) for k, m in variants.items()}
        out: dict[str, Any] = {"rows": self.n, "columns": len(self.cols), "issues": issues, "formats": formats}
        if canonical:
            out["canonical_values"] = canonical
        return out


# ---------------------------------------------------------------- reusable value transforms


def pad_spaces(values: np.ndarray, rng: np.random.Generator) -> list[str]:
    pads = [(" ", ""), ("", " "), ("  ", ""), ("", "  "), (" ", " ")]
    choice = rng.integers(0, len(pads), size=len(values)).tolist()
    return [f"{pads[c][0]}{v}{pads[c][1]}" for v, c in zip(values, choice, strict=True)]


def recase(values: np.ndarray, rng: np.random.Generator) -> list[str]:
    out = []
    for v, r in zip(values, rng.random(len(values)).tolist(), strict=True):
        options = [o for o in (v.upper(), v.lower(), v.capitalize()) if o != v]
        out.append(options[int(r * len(options))])
    return out


def upper(values: np.ndarray, _rng: np.random.Generator) -> list[str]:
    return [v.upper() for v in values]


def replace_with(mapping: dict[str, list[str]]) -> Transform:
    def fn(values: np.ndarray, rng: np.random.Generator) -> list[str]:
        return [mapping[v][int(rng.integers(0, len(mapping[v])))] for v in values]

    return fn


def constant(text: str) -> Transform:
    return lambda values, _rng: [text] * len(values)


def break_email(values: np.ndarray, rng: np.random.Generator) -> list[str]:
    out = []
    for v, k in zip(values, rng.integers(0, 5, size=len(values)).tolist(), strict=True):
        local, domain = v.split("@")
        out.append(
            [
                f"{local}{domain}",  # '@' lost
                f"{local}@@{domain}",  # doubled '@'
                f"{local}@{domain.split('.')[0]}",  # no top-level domain
                f"{local}@{domain.replace('.', ',', 1)}",  # comma typed for a dot
                f"{local}@{domain}.",  # trailing dot
            ][k]
        )
    return out


def shout_email(values: np.ndarray, rng: np.random.Generator) -> list[str]:
    return [v.upper() if r < 0.5 else v.title() for v, r in zip(values, rng.random(len(values)).tolist(), strict=True)]


def squash_postcode(values: np.ndarray, rng: np.random.Generator) -> list[str]:
    out = []
    for v, k in zip(values, rng.integers(0, 3, size=len(values)).tolist(), strict=True):
        out.append([v.lower(), v.replace(" ", ""), v.lower().replace(" ", "")][k])
    return out


def break_postcode(values: np.ndarray, rng: np.random.Generator) -> list[str]:
    out = []
    for v, k in zip(values, rng.integers(0, 4, size=len(values)).tolist(), strict=True):
        outward, inward = v.split(" ")
        out.append(
            [
                f"{outward} {inward[:2]}",  # truncated inward code
                f"{outward} O{inward[1:]}" if inward[0] == "0" else f"{outward} {inward[0]}O{inward[2]}",  # O for 0
                f"{outward} {inward}{inward[-1]}",  # doubled last letter
                f"{outward} {inward[:2]}C",  # C is never used in an inward code
            ][k]
        )
    return out


# ---------------------------------------------------------------- 1. telecom customers (CP1252, ';')

# fmt: off
PLANS = [
    # name, plan type, base monthly fee, data allowance GB (None = unlimited), weight, SIM only
    ("Essentials 5GB", "Postpaid", 10.0, 5, 8, False),
    ("Essentials 15GB", "Postpaid", 14.0, 15, 10, False),
    ("Smart 30GB", "Postpaid", 18.0, 30, 12, False),
    ("Smart 100GB", "Postpaid", 24.0, 100, 9, False),
    ("Unlimited", "Postpaid", 30.0, None, 10, False),
    ("Unlimited Max", "Postpaid", 38.0, None, 6, False),
    ("SIM Only 12GB", "Postpaid", 8.0, 12, 9, True),
    ("SIM Only 60GB", "Postpaid", 12.0, 60, 7, True),
    ("Family Share 200GB", "Postpaid", 45.0, 200, 3, False),
    ("Business Pro", "Postpaid", 35.0, None, 0, False),
    ("PAYG £10 Bundle", "Prepaid", 10.0, 4, 8, True),
    ("PAYG £15 Bundle", "Prepaid", 15.0, 12, 6, True),
    ("PAYG £20 Bundle", "Prepaid", 20.0, 40, 4, True),
    ("Pay As You Go", "Prepaid", 0.0, 0, 3, True),
]
DEVICES = [
    # manufacturer, model, os, 5G capable, handset monthly cost, weight
    ("Apple", "iPhone 15", "iOS", True, 32.0, 10),
    ("Apple", "iPhone 14", "iOS", True, 26.0, 10),
    ("Apple", "iPhone 13", "iOS", True, 20.0, 9),
    ("Apple", "iPhone SE (2022)", "iOS", True, 14.0, 5),
    ("Apple", "iPhone 11", "iOS", False, 12.0, 5),
    ("Samsung", "Galaxy S24", "Android", True, 30.0, 8),
    ("Samsung", "Galaxy S23", "Android", True, 24.0, 6),
    ("Samsung", "Galaxy A54", "Android", True, 14.0, 8),
    ("Samsung", "Galaxy A14", "Android", False, 8.0, 7),
    ("Google", "Pixel 8", "Android", True, 22.0, 4),
    ("Google", "Pixel 7a", "Android", True, 15.0, 4),
    ("Motorola", "moto g54", "Android", True, 9.0, 4),
    ("Xiaomi", "Redmi Note 13", "Android", False, 9.0, 4),
    ("Nokia", "G22", "Android", False, 7.0, 3),
    ("Doro", "8100", "Android", False, 6.0, 2),
    ("OnePlus", "Nord CE3", "Android", True, 13.0, 3),
]
TELECOM_NOTES_PLAIN = [
    "Customer requested PAC code",
    "Upgrade eligible; offered Unlimited Max at £38.00",
    "Roaming bill shock – €45 charged in Spain; £10 goodwill credit applied",
    'Said signal is "rubbish" at home; network ticket raised',
    "Direct debit failed; retry scheduled",
    "Handset sent for repair under warranty",
    "Complaint re: slow 5G speeds in town centre",
    "Loyalty discount 10% applied for 12 months",
    "Customer wants to leave – retention offer declined",
    "Bill explained, customer happy",
    "eSIM QR code re-issued",
    "Vulnerable customer flag reviewed; no change",
    "Customer’s device won’t connect to 5G; APN settings sent",
]
TELECOM_NOTES_PII = [
    "Customer called from {mobile} about bill",
    "Spoke to {first} {last} (account holder’s {relation}); added as authorised user",
    "Please call back on {landline} after 5pm – asked for {first}",
    "Confirmation email sent to {email}",
    "{first} rang re: lost phone; SIM barred, replacement sent to {address}",
    "DOB confirmed as {dob} during security check",
    "Port-out request by {first} {last}; PAC issued",
    'Third party "{first} {last}" called on {mobile}; not on account, no info given',
]
RELATIONS = ["partner", "parent", "son or daughter", "carer", "sibling"]
# fmt: on


def build_telecom() -> Table:
    rng = np.random.default_rng([SEED, 1])
    n, n_dup = 4925, 75
    t = Table(TELECOM, n, rng)
    snapshot = np.datetime64("2025-06-30", "D")

    sex, first, last = people(rng, n, utf8=False)
    town = rng.choice(len(TOWNS), size=n, p=np.array([x[6] for x in TOWNS]) / sum(x[6] for x in TOWNS))
    segment = draw(rng, {"Consumer": 85, "Small Business": 11, "Enterprise": 4}, n)
    plan_idx = rng.choice(len(PLANS), size=n, p=np.array([p[4] for p in PLANS]) / sum(p[4] for p in PLANS))
    business = segment != "Consumer"
    plan_idx = np.where(business & (rng.random(n) < 0.6), 9, plan_idx)
    plan_idx = np.where(business & (plan_idx >= 10), 4, plan_idx)  # businesses are never prepaid
    plan = [PLANS[i] for i in plan_idx.tolist()]
    prepaid = np.array([p[1] == "Prepaid" for p in plan])
    sim_only = np.array([p[5] for p in plan])
    device_idx = rng.choice(len(DEVICES), size=n, p=np.array([d[5] for d in DEVICES]) / sum(d[5] for d in DEVICES))
    device = [DEVICES[i] for i in device_idx.tolist()]
    no_device = rng.random(n) < 0.03  # SIM seen on the network but no handset registered

    # identifiers
    t["customer_id"] = obj(f"CUST-{i:06d}" for i in np.sort(rng.choice(np.arange(100, 999_999), n, replace=False)))
    nsn = mobile_numbers(rng, n, unique=True)
    styles = ["national_spaced", "e164", "intl_no_plus", "national_compact", "bracketed"]
    style = draw(rng, dict(zip(styles, [40, 25, 15, 10, 10], strict=True)), n)
    t["msisdn"] = obj(format_mobile(s, f) for s, f in zip(nsn, style, strict=True))
    for f in styles:
        t.fmt("msisdn", f, style == f)
    mnc = draw(rng, {"15": 92, "10": 8}, n)
    t["imsi"] = obj(f"234{m}{d}" for m, d in zip(mnc, digits(rng, n, 10), strict=True))
    tacs = {d[1]: f"35{int(rng.integers(0, 1_000_000)):06d}" for d in DEVICES}
    payload = obj(f"{tacs[d[1]]}{s}" for d, s in zip(device, digits(rng, n, 6), strict=True))
    check = luhn_check_digits(payload)
    t["imei"] = obj("" if nd else f"{p}{c}" for p, c, nd in zip(payload, check.tolist(), no_device, strict=True))

    # person
    t["first_name"] = first.copy()
    t["last_name"] = last.copy()
    comma = rng.random(n) < 0.04
    t["cust_nm"] = obj(f"{la}, {f}" if c else f"{f} {la}" for f, la, c in zip(first, last, comma, strict=True))
    t.fmt("cust_nm", "first_last", ~comma)
    t.fmt("cust_nm", "last_comma_first", comma)
    age_days = (np.clip(rng.normal(44, 15, n), 18, 92) * 365.25).astype(int) + rng.integers(0, 365, n)
    dob_iso = iso_dates(snapshot - age_days)
    dob_style = draw(rng, {"iso": 50, "uk_slash": 35, "dd_mon_yyyy": 15}, n)
    t["dob"] = obj(
        {"iso": d, "uk_slash": uk_date(d), "dd_mon_yyyy": mon_date(d)}[s]
        for d, s in zip(dob_iso, dob_style, strict=True)
    )
    t["gender"] = sex.copy()
    email = emails(rng, first, last)
    t["email"] = email
    user_style = rng.integers(0, 3, n).tolist()
    t["username"] = obj(
        [f"{ascii_fold(f)}.{ascii_fold(la)}{k}", f"{ascii_fold(f)[0]}{ascii_fold(la)}", f"{ascii_fold(la)}_{k}"][s]
        for f, la, s, k in zip(first, last, user_style, rng.integers(1, 99, n).tolist(), strict=True)
    )
    t["addr_line1"] = street_lines(rng, n)
    t["town"] = obj(TOWNS[i][0] for i in town.tolist())
    t["county"] = obj(TOWNS[i][1] for i in town.tolist())
    t["postcode"] = postcodes(rng, town)
    nino = nino_values(rng, n)
    spaced = rng.random(n) < 0.3
    t["nino"] = obj(f"{v[:2]} {v[2:4]} {v[4:6]} {v[6:8]} {v[8]}" if s else v for v, s in zip(nino, spaced, strict=True))

    # billing
    method = np.where(
        prepaid,
        draw(rng, {"Card": 55, "Voucher": 30, "Cash": 15}, n),
        draw(rng, {"Direct Debit": 82, "Card": 14, "Invoice": 4}, n),
    )
    method = np.where((method == "Invoice") & ~business, "Direct Debit", method).astype(object)
    dd = method == "Direct Debit"
    sort_compact = rng.random(n) < 0.15
    sort_code = digits(rng, n, 6)
    t["sort_code"] = obj(
        ("" if not d else s if c else f"{s[:2]}-{s[2:4]}-{s[4:]}")
        for s, d, c in zip(sort_code, dd, sort_compact, strict=True)
    )
    t.fmt("sort_code", "dashed", ~sort_compact)
    t.fmt("sort_code", "compact", sort_compact)
    t["acct_no"] = np.where(dd, digits(rng, n, 8), "")
    t["card_last4"] = np.where(method == "Card", digits(rng, n, 4), "")
    t["payment_method"] = method
    t["plan"] = obj(p[0] for p in plan)
    t["plan_type"] = obj(p[1] for p in plan)

    # tenure and contract
    tenure_days = np.clip(rng.gamma(1.6, 700, n), 20, 4900).astype(int)
    created_day = snapshot - tenure_days
    created_s = created_day.astype("datetime64[s]") + rng.integers(8 * 3600, 20 * 3600, n).astype("timedelta64[s]")
    term = np.where(sim_only, 12, np.where(rng.random(n) < 0.7, 24, 36))
    term_days = np.round(term * 365.25 / 12).astype(int)
    renewals = rng.integers(0, np.maximum(tenure_days // term_days, 0) + 1)
    start = created_day + renewals * term_days
    end = start + term_days - 1
    t["contract_start"] = np.where(prepaid, "", iso_dates(start))
    t["contract_end"] = np.where(prepaid, "", iso_dates(end))
    handset = ~sim_only & ~prepaid & ~no_device
    fee = np.array([p[2] for p in plan]) + np.where(handset, [d[4] for d in device], 0.0)
    fee = np.where(rng.random(n) < 0.12, fee * 0.9, fee)
    t["monthly_fee"] = money(fee)
    allowance = [p[3] for p in plan]
    unlimited = np.array([a is None for a in allowance])
    t["data_allowance_gb"] = obj("9999" if a is None else str(a) for a in allowance)
    t.flag("data_allowance_gb", "sentinel_value", unlimited)
    t["minutes_used"] = obj(str(v) for v in rng.gamma(2, 120, n).astype(int).tolist())
    t["sms_sent"] = obj(str(v) for v in rng.gamma(1.2, 30, n).astype(int).tolist())
    mean_gb = np.where(unlimited, 25.0, np.array([a or 0 for a in allowance], dtype=float) * 0.55) + 0.2
    t["data_used_mb"] = obj(f"{v:.1f}" for v in mean_gb * 1024 * rng.lognormal(0, 0.6, n))
    t["roaming"] = np.where(rng.random(n) < 0.15, "Y", "N")
    churn = rng.random(n) < 0.12
    t["churn_flag"] = np.where(churn, "yes", "no")
    score = np.clip(rng.normal(720, 110, n), 300, 999).astype(int)
    t["credit_score"] = obj(
        "" if (p and r > 0.2) else str(s) for s, p, r in zip(score.tolist(), prepaid, rng.random(n), strict=True)
    )
    extras = rng.gamma(1.0, 4.0, n)
    arpu = np.where(prepaid, np.maximum(fee, 5.0) * rng.uniform(0.6, 1.3, n), fee + extras)
    t["arpu"] = money(arpu)
    t["tenure_months"] = obj(str(v) for v in (tenure_days / 30.44).astype(int).tolist())

    # device and usage
    t["device_model"] = obj("" if nd else d[1] for d, nd in zip(device, no_device, strict=True))
    t["manufacturer"] = obj("" if nd else d[0] for d, nd in zip(device, no_device, strict=True))
    t["os"] = obj("" if nd else d[2] for d, nd in zip(device, no_device, strict=True))
    five_g = np.array([d[3] for d in device]) & ~no_device & (plan_idx != 13) & (rng.random(n) < 0.8)
    t["network_type"] = np.where(five_g, "5G", "4G")
    topup = snapshot.astype("datetime64[s]") - rng.integers(3600, 120 * 86400, n).astype("timedelta64[s]")
    never = rng.random(n) < 0.05
    t["last_topup_dt"] = np.where(prepaid & ~never, obj(s.replace("T", " ") for s in iso_seconds(topup)), "")
    t["marketing_opt_in"] = np.where(rng.random(n) < 0.4, "1", "0")

    # free-text notes: about 10% carry personal data, 35% are routine, the rest are blank
    kind = rng.random(n)
    pii_note = kind < 0.10
    notes = []
    _, o_first, o_last = people(rng, n, utf8=False)
    other_mobile = mobile_numbers(rng, n, drama=True)
    for i in range(n):
        if pii_note[i]:
            template = TELECOM_NOTES_PII[int(rng.integers(0, len(TELECOM_NOTES_PII)))]
            area, local = landline(rng, int(town[i]))
            notes.append(
                template.format(
                    mobile=format_mobile(other_mobile[i], "national_spaced"),
                    first=o_first[i] if "{last}" in template else first[i],
                    last=o_last[i],
                    relation=RELATIONS[int(rng.integers(0, len(RELATIONS)))],
                    landline=format_landline(area, local, "landline_national"),
                    email=email[i],
                    address=f"{t['addr_line1'][i]}, {t['town'][i]}",
                    dob=uk_date(dob_iso[i]),
                )
            )
        elif kind[i] < 0.45:
            notes.append(TELECOM_NOTES_PLAIN[int(rng.integers(0, len(TELECOM_NOTES_PLAIN)))])
        else:
            notes.append("")
    t["notes"] = notes
    t.flag("notes", "embedded_pii", pii_note)
    ip_kind = rng.random(n)
    octets = rng.integers(0, 256, size=(n, 3))
    t["ip_address"] = obj(
        f"100.{64 + o[0] % 64}.{o[1]}.{o[2]}"
        if k < 0.6
        else f"10.{o[0]}.{o[1]}.{o[2]}"
        if k < 0.8
        else f"{['192.0.2', '198.51.100', '203.0.113'][o[0] % 3]}.{o[2]}"
        for o, k in zip(octets.tolist(), ip_kind.tolist(), strict=True)
    )
    t["segment"] = segment
    t["region"] = obj(TOWNS[i][2] for i in town.tolist())
    channel = draw(rng, {"Retail Store": 40, "Online": 35, "Telesales": 15, "Partner": 10}, n)
    stores = [f"ST{s:04d}" for s in np.sort(rng.choice(np.arange(1, 2000), size=120, replace=False)).tolist()]
    t["store_id"] = obj(
        stores[int(s)] if c == "Retail Store" else "" for s, c in zip(rng.integers(0, 120, n), channel, strict=True)
    )
    t["sales_channel"] = channel
    complaints = rng.poisson(0.35 + 0.8 * churn)
    t["complaint_count"] = obj(str(c) for c in complaints.tolist())
    nps = np.clip(np.round(rng.normal(7.5 - 1.2 * complaints, 2.0)), 0, 10).astype(int)
    t["nps_score"] = obj(str(s) if r < 0.45 else "" for s, r in zip(nps.tolist(), rng.random(n), strict=True))
    status = np.where(churn, np.where(rng.random(n) < 0.6, "Closed", "Active"), "Active")
    status = np.where(~churn & (rng.random(n) < 0.05), "Suspended", status)
    t["account_status"] = status
    t["sim_type"] = np.where(~no_device & (rng.random(n) < 0.15), "eSIM", "Physical")
    t["handset_financed"] = np.where(handset, "TRUE", "FALSE")
    arrears = (status == "Suspended") | (~prepaid & (rng.random(n) < 0.06))
    t["outstanding_balance"] = money(np.where(arrears, rng.lognormal(3.5, 0.8, n), 0.0))
    t["last_bill_amount"] = np.where(prepaid, "", money(fee + extras * rng.uniform(0.5, 1.5, n)))
    t["preferred_contact"] = draw(rng, {"Email": 45, "SMS": 35, "Phone": 12, "Post": 8}, n)
    t["loyalty_points"] = obj(str(v) for v in (tenure_days / 30.44 * rng.uniform(5, 25, n)).astype(int).tolist())
    t["created_at"] = obj(s + "Z" for s in iso_seconds(created_s))
    alt = []
    for i, r in enumerate(rng.random(n).tolist()):
        if r < 0.25:
            area, local = landline(rng, int(town[i]))
            alt.append(format_landline(area, local, "landline_national"))
        elif r < 0.35:
            alt.append(format_mobile(mobile_numbers(rng, 1)[0], "national_spaced"))
        else:
            alt.append("")
    t["alt_phone"] = alt

    # ---- quality problems (disjoint per column; rates are fractions of all rows)
    t.inject("imei", "invalid_checksum", 0.01, lambda v, r: [x[:-1] + other_digit(r, x[-1]) for x in v])
    t.inject("first_name", "whitespace", 0.02, pad_spaces)
    t.inject("last_name", "whitespace", 0.015, pad_spaces)
    t.inject("cust_nm", "inconsistent_case", 0.03, upper)
    t.inject("cust_nm", "whitespace", 0.01, pad_spaces)
    placeholder = t.inject("dob", "out_of_range_date", 0.004, constant("1900-01-01"))
    for f in ("iso", "uk_slash", "dd_mon_yyyy"):
        t.fmt("dob", f, (dob_style == f) & ~placeholder | (placeholder & (f == "iso")))
    t.blank("dob", 0.01)
    gender_codes = {"M": ["Male", "male"], "F": ["Female", "female"]}
    t.inject("gender", "inconsistent_coding", 0.06, replace_with(gender_codes), where=t["gender"] != "U")
    t.blank("gender", 0.04)
    t.inject("email", "invalid_format", 0.015, break_email)
    t.inject("email", "whitespace", 0.008, pad_spaces)
    t.inject("email", "inconsistent_case", 0.007, shout_email)
    t.blank("email", 0.08)
    t.blank("username", 0.10)
    t.inject("addr_line1", "whitespace", 0.03, pad_spaces)
    t.blank("addr_line1", 0.01)
    t.inject("town", "inconsistent_case", 0.02, upper)
    t.inject("town", "whitespace", 0.01, pad_spaces)
    t.blank("town", 0.015)
    t.blank("county", 0.12)
    t.inject("postcode", "invalid_format", 0.04, break_postcode)
    t.inject("postcode", "nonstandard_format", 0.06, squash_postcode)
    t.blank("postcode", 0.02)
    t.inject(
        "nino",
        "masked",
        0.05,
        lambda v, r: ["*********" if k < 0.4 else f"XX******{x[-1]}" for x, k in zip(v, r.random(len(v)), strict=True)],
    )
    t.fmt("nino", "masked", t.issues["nino"]["masked"])
    t.fmt("nino", "spaced", spaced & ~t.issues["nino"]["masked"])
    t.fmt("nino", "compact", ~spaced & ~t.issues["nino"]["masked"])
    t.blank("nino", 0.15)
    t.inject("acct_no", "masked", 0.05, lambda v, _r: [f"****{x[-4:]}" for x in v])
    t.inject(
        "card_last4",
        "leading_zero_lost",
        0.01,
        lambda v, _r: [x[1:] for x in v],
        where=obj(x.startswith("0") for x in t["card_last4"]).astype(bool),
    )
    t.inject("plan", "whitespace", 0.01, lambda v, _r: [f"{x} " for x in v])
    t.inject("plan_type", "inconsistent_case", 0.08, recase)
    t.inject("contract_start", "out_of_range_date", 0.002, constant("1900-01-01"))
    start_ok = t["contract_start"] != "1900-01-01"
    t.inject_at(
        "contract_end",
        "end_before_start",
        0.01,
        lambda idx: iso_dates(start[idx] - rng.integers(1, 400, idx.size)),
        where=start_ok,
    )
    t.inject("contract_end", "out_of_range_date", 0.005, constant("2099-12-31"), where=start_ok)
    t.inject("monthly_fee", "non_numeric", 0.01, lambda v, _r: [f"£{x}" for x in v])
    t.inject("minutes_used", "negative_value", 0.003, lambda v, _r: [f"-{x}" if x != "0" else "-1" for x in v])
    t.blank("minutes_used", 0.01)
    t.blank("sms_sent", 0.01)
    t.blank("data_used_mb", 0.01)
    t.blank("roaming", 0.05)
    t.inject("churn_flag", "inconsistent_case", 0.03, recase)
    t.inject("credit_score", "null_token", 0.02, constant("N/A"))
    t.inject("os", "inconsistent_case", 0.04, recase)
    t.inject("network_type", "inconsistent_coding", 0.02, constant("LTE"), where=t["network_type"] == "4G")
    t.inject(
        "ip_address",
        "invalid_format",
        0.005,
        lambda v, r: [
            [x.rsplit(".", 1)[0], x.rsplit(".", 1)[0] + ".", x.rsplit(".", 1)[0] + ".300"][k]
            for x, k in zip(v, r.integers(0, 3, len(v)).tolist(), strict=True)
        ],
    )
    t.blank("ip_address", 0.05)
    t.inject("segment", "inconsistent_case", 0.05, recase)
    t.inject("region", "whitespace", 0.02, lambda v, _r: [f"{x} " for x in v])
    t.inject("sales_channel", "inconsistent_case", 0.03, recase)

    t.add_duplicates(n_dup, adjacent=False)
    return t


TELECOM_CANONICAL = {
    "gender": ["M", "F", "U"],
    "plan_type": ["Prepaid", "Postpaid"],
    "churn_flag": ["yes", "no"],
    "os": ["iOS", "Android"],
    "network_type": ["4G", "5G"],
    "segment": ["Consumer", "Small Business", "Enterprise"],
    "sales_channel": ["Retail Store", "Online", "Telesales", "Partner"],
    "roaming": ["Y", "N"],
    "marketing_opt_in": ["1", "0"],
    "payment_method": ["Direct Debit", "Card", "Invoice", "Voucher", "Cash"],
}


# ---------------------------------------------------------------- 2. bank accounts and transactions (UTF-8, ',')

# fmt: off
BANKS = [("NWBK", "60", 30), ("BARC", "20", 25), ("LOYD", "30", 25), ("HBUK", "40", 12), ("NAIA", "07", 8)]
BUSINESS_NAMES = [
    "Harbour Lane Plumbing Ltd", "Bluebell Bakery Ltd", "Northern Sparks Electrical Ltd", "Kestrel Logistics Ltd",
    "Oakfield Dental Care LLP", "Riverside Café Ltd", "Copperleaf Design Studio", "Thistle & Fern Florists",
]
MERCHANTS = [
    ("FRESHMART SUPERSTORE", "5411", 18), ("VALLEY FOODS", "5411", 10), ("CORNER LOCAL", "5411", 8),
    ("HARBOUR COFFEE CO", "5814", 8), ("BEAN THERE CAFE", "5814", 5), ("NORTHGATE FUEL", "5541", 6),
    ("QUICKFUEL EXPRESS", "5541", 4), ("METROLINK TICKETS", "4111", 5), ("RAILWAY TICKET OFFICE", "4112", 3),
    ("CITYCAB", "4121", 3), ("PIXEL ELECTRONICS", "5732", 2), ("THE RED LION", "5813", 4),
    ("SPICE GARDEN", "5812", 3), ("NAPOLI PIZZA", "5814", 3), ("HIGH ST PHARMACY", "5912", 4),
    ("STREAMFLIX", "4899", 3), ("TUNEBOX", "5815", 2), ("SHOPSPHERE MARKETPLACE", "5999", 7),
    ("BOOKNOOK", "5942", 2), ("SUNNYSTAYS HOTELS", "7011", 1), ("SKYHOP AIRWAYS", "4511", 1),
    ("FITZONE GYM", "7997", 2), ("TOOLSHED DIY", "5200", 2), ("PAWS & CLAWS PET SUPPLIES", "5995", 2),
]
BILLERS = ["NORTHGATE ENERGY", "AQUAFLOW WATER", "BRIGHTWAVE MOBILE", "SHIELDSURE INSURANCE", "CITY COUNCIL TAX",
           "FITZONE GYM", "STREAMFLIX"]
EMPLOYERS = ["KESTREL LOGISTICS LTD", "WESTFIELD HOSPITALS TRUST", "OAKFIELD BOROUGH COUNCIL", "BLUEBELL BAKERY LTD",
             "NORTHERN SPARKS LTD", "AURORA SOFTWARE LTD"]
REFERENCES_PLAIN = ["Dinner split", "Rent June", "INV-2291", "Savings", "Holiday fund", "Council tax", "Car share",
                    "Football subs", "Refund", "Deposit", "Tickets", "Birthday present"]
REFERENCES_PII = ["{first} {last}", "Rent – {first}", "Pocket money for {first}", "Thanks {first}!",
                  "{FIRST} {LAST} LOAN REPAY", "Birthday present for {first}", "From {first} & {first2}"]
CHANNELS = {  # channel: weight for current accounts
    "CARD_POS": 45, "CARD_ECOM": 20, "ATM": 6, "DIRECT_DEBIT": 10, "STANDING_ORDER": 4, "FASTER_PAYMENT": 11,
    "BACS": 4,
}
# fmt: on


def random_iban(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Valid GB IBANs plus their sort codes and account numbers."""
    bank = rng.choice(len(BANKS), size=size, p=np.array([b[2] for b in BANKS]) / sum(b[2] for b in BANKS))
    sort = obj(f"{BANKS[b][1]}{s}" for b, s in zip(bank.tolist(), digits(rng, size, 4), strict=True))
    account = digits(rng, size, 8)
    iban = obj(
        f"GB{iban_check(BANKS[b][0], s, a)}{BANKS[b][0]}{s}{a}"
        for b, s, a in zip(bank.tolist(), sort, account, strict=True)
    )
    return iban, sort, account


def card_numbers(rng: np.random.Generator, size: int) -> np.ndarray:
    visa = rng.random(size) < 0.7
    head = obj("4" if v else f"5{int(rng.integers(1, 6))}" for v in visa)
    payload = obj(h + d[: 15 - len(h)] for h, d in zip(head, digits(rng, size, 14), strict=True))
    return obj(f"{p}{c}" for p, c in zip(payload, luhn_check_digits(payload).tolist(), strict=True))


def build_bank() -> tuple[Table, Table]:
    rng = np.random.default_rng([SEED, 2])
    n = 1000
    a = Table(ACCOUNTS, n, rng)
    ids = np.sort(rng.choice(np.arange(100_000, 1_000_000), size=n, replace=False))
    account_id = obj(f"ACC-{i}" for i in ids.tolist())
    a["account_id"] = account_id
    kind = draw(rng, {"personal": 85, "joint": 10, "business": 5}, n)
    _, first, last = people(rng, n, utf8=True)
    _, first2, _ = people(rng, n, utf8=True)
    holder = []
    for k, f, la, f2, r in zip(kind, first, last, first2, rng.random(n).tolist(), strict=True):
        if k == "business":
            holder.append(BUSINESS_NAMES[int(r * len(BUSINESS_NAMES))])
        elif k == "joint":
            holder.append(f"{f} {la} & {f2} {la}" if r < 0.5 else f"Mr {f[0]} {la} & Mrs {f2[0]} {la}")
        else:
            holder.append(f"{f} {la}")
    iban, sort, _acct = random_iban(rng, n)
    spaced = rng.random(n) < 0.15
    a["iban"] = obj(
        " ".join(x[i : i + 4] for i in range(0, 22, 4)) if s else x for x, s in zip(iban, spaced, strict=True)
    )
    a.fmt("iban", "compact", ~spaced)
    a.fmt("iban", "spaced", spaced)
    a["holder_name"] = holder
    a["sort_code"] = obj(f"{s[:2]}-{s[2:4]}-{s[4:]}" for s in sort)
    opened = np.datetime64("1995-01-01") + rng.integers(0, 10_950, n).astype("timedelta64[D]")
    a["opened_date"] = iso_dates(opened)
    acc_type = np.where(
        kind == "business",
        "Business",
        np.where(kind == "joint", "Current", draw(rng, {"Current": 65, "Savings": 25, "ISA": 10}, n)),
    ).astype(object)
    a["account_type"] = acc_type
    town = rng.choice(len(TOWNS), size=n, p=np.array([x[6] for x in TOWNS]) / sum(x[6] for x in TOWNS))
    a["branch_city"] = obj(TOWNS[i][0] for i in town.tolist())
    current = (acc_type == "Current") | (acc_type == "Business")
    balance = np.where(
        current,
        rng.normal(1800, 2500, n) * np.where(acc_type == "Business", 8, 1),
        rng.lognormal(8.5, 1.3, n),
    )
    a["balance"] = money(balance)

    a.inject("iban", "invalid_checksum", 0.02, _break_iban)
    a.inject("holder_name", "inconsistent_case", 0.10, upper)
    a.inject("holder_name", "whitespace", 0.01, pad_spaces)
    a.inject("account_type", "inconsistent_case", 0.03, recase)
    a.blank("branch_city", 0.10)
    a.blank("opened_date", 0.005)

    # ---- transactions
    rng = np.random.default_rng([SEED, 3])
    m, m_dup = 19_940, 60
    tx = Table(TRANSACTIONS, m, rng)
    activity = rng.lognormal(0, 0.8, n) * np.where(current, 10.0, 0.6)
    acc = rng.choice(n, size=m, p=activity / activity.sum())
    is_current = current[acc]
    channel = np.where(
        is_current,
        draw(rng, CHANNELS, m),
        draw(rng, {"FASTER_PAYMENT": 60, "STANDING_ORDER": 40}, m),
    ).astype(object)
    card = np.isin(channel, ["CARD_POS", "CARD_ECOM", "ATM"])

    # timestamps: business hours heavy, salaries and bills around month end / start
    year_days = np.arange(np.datetime64("2024-01-01"), np.datetime64("2025-01-01"))
    dom = (year_days - year_days.astype("datetime64[M]")).astype(int) + 1
    last_dom = ((year_days.astype("datetime64[M]") + 1).astype("datetime64[D]") - year_days).astype(int) == 1
    weekday = (year_days.astype("datetime64[D]").view("int64") - 4) % 7  # 0 = Monday
    base = np.where(weekday >= 5, 0.8, 1.0) * np.where((dom >= 26) | (dom == 1), 1.6, 1.0)
    day_weights = {
        "general": base,
        "BACS": np.where((dom >= 25) & (weekday < 5), 1.0, 0.0) * np.where(last_dom, 3.0, 1.0),
        "DIRECT_DEBIT": np.where(np.isin(dom, [1, 2, 15, 28]), 1.0, 0.02),
        "STANDING_ORDER": np.where(dom == 1, 1.0, 0.03),
    }
    day = np.empty(m, dtype=int)
    for key, w in day_weights.items():
        sel = ~np.isin(channel, ["BACS", "DIRECT_DEBIT", "STANDING_ORDER"]) if key == "general" else channel == key
        day[sel] = rng.choice(len(year_days), size=int(sel.sum()), p=w / w.sum())
    hour_w = np.array([1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 3, 6, 8, 9, 10, 12, 11, 9, 9, 9, 10, 9, 7, 6, 5, 3, 2], float)
    hour = rng.choice(24, size=m, p=hour_w / hour_w.sum())
    batch = np.isin(channel, ["BACS", "DIRECT_DEBIT", "STANDING_ORDER"])
    hour = np.where(batch, rng.integers(0, 7, m), hour)
    seconds = hour * 3600 + rng.integers(0, 3600, m)
    ts = year_days[day].astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    order = np.argsort(ts, kind="stable")
    acc, channel, card, ts, batch = acc[order], channel[order], card[order], ts[order], batch[order]

    # amounts by channel (heavy tails)
    amount = np.zeros(m)
    amt = {
        "CARD_POS": -rng.lognormal(np.log(12), 0.9, m),
        "CARD_ECOM": -rng.lognormal(np.log(28), 1.0, m) * np.where(rng.random(m) < 0.01, 25, 1),
        "ATM": -rng.choice(np.array([10, 20, 20, 30, 40, 50, 50, 100, 200, 250], float), m),
        "DIRECT_DEBIT": -rng.lognormal(np.log(45), 0.7, m),
        "STANDING_ORDER": -rng.lognormal(np.log(250), 0.8, m),
        "FASTER_PAYMENT": np.where(rng.random(m) < 0.35, 1, -1) * np.minimum((rng.pareto(1.3, m) + 1) * 20, 60_000),
        "BACS": rng.lognormal(np.log(2200), 0.35, m),
    }
    for ch, values in amt.items():
        amount = np.where(channel == ch, values, amount)
    refund = (channel == "CARD_POS") & (rng.random(m) < 0.02)
    amount = np.where(refund, -amount, amount) * np.where(acc_type[acc] == "Business", 3.0, 1.0)
    amount = np.round(amount, 2)
    amount = np.where(amount == 0, -0.01, amount)

    currency = np.where(
        np.isin(channel, ["CARD_POS", "CARD_ECOM"]) & (rng.random(m) < 0.04),
        np.where(rng.random(m) < 0.6, "EUR", "USD"),
        "GBP",
    )
    merchant_idx = rng.choice(
        len(MERCHANTS), size=m, p=np.array([x[2] for x in MERCHANTS]) / sum(x[2] for x in MERCHANTS)
    )
    place = obj(TOWNS[i][0].upper() for i in rng.choice(len(TOWNS), size=m).tolist())
    comma_style = rng.random(m) < 0.05
    biller = draw(rng, BILLERS, m)
    merchant, mcc = [], []
    for i in range(m):
        ch = channel[i]
        if ch in ("CARD_POS", "CARD_ECOM"):
            name, code, _ = MERCHANTS[merchant_idx[i]]
            if ch == "CARD_ECOM":
                merchant.append(f"{name} ONLINE")
            else:
                merchant.append(f"{name}, {place[i]}" if comma_style[i] else f"{name} {place[i]}")
            mcc.append(code)
        elif ch == "ATM":
            merchant.append(f"CASH MACHINE {place[i]}")
            mcc.append("6011")
        elif ch == "DIRECT_DEBIT":
            merchant.append(biller[i])
            mcc.append("")
        else:
            merchant.append("")
            mcc.append("")

    cards_per_account = [card_numbers(rng, 2) for _ in range(n)]
    which_card = (rng.random(m) < 0.25).astype(int)
    card_no = obj(cards_per_account[a_][w] if c else "" for a_, w, c in zip(acc, which_card, card, strict=True))
    card_spaced = card & (rng.random(m) < 0.05)
    card_no = obj(
        " ".join(x[i : i + 4] for i in range(0, 16, 4)) if s else x for x, s in zip(card_no, card_spaced, strict=True)
    )

    payee_iban, _, _ = random_iban(rng, 400)
    biller_iban = dict(zip(BILLERS, random_iban(rng, len(BILLERS))[0], strict=True))
    employer_iban = random_iban(rng, len(EMPLOYERS))[0]
    employer = rng.integers(0, len(EMPLOYERS), n)  # one employer per account
    _, ref_first, ref_last = people(rng, m, utf8=True)
    _, ref_first2, _ = people(rng, m, utf8=True)
    counterparty, reference = [], []
    ref_pii = np.zeros(m, dtype=bool)
    payee = rng.integers(0, 400, m)
    r_kind = rng.random(m)
    for i in range(m):
        ch = channel[i]
        month = MONTHS[int(str(ts[i])[5:7]) - 1].upper()
        if ch in ("FASTER_PAYMENT", "STANDING_ORDER"):
            counterparty.append(payee_iban[payee[i]])
            if r_kind[i] < 0.4:
                template = REFERENCES_PII[int(rng.integers(0, len(REFERENCES_PII)))]
                reference.append(
                    template.format(
                        first=ref_first[i],
                        last=ref_last[i],
                        FIRST=ref_first[i].upper(),
                        LAST=ref_last[i].upper(),
                        first2=ref_first2[i],
                    )
                )
                ref_pii[i] = True
            else:
                reference.append(REFERENCES_PLAIN[int(rng.integers(0, len(REFERENCES_PLAIN)))])
        elif ch == "DIRECT_DEBIT":
            counterparty.append(biller_iban[biller[i]])
            reference.append(f"DD REF {int(rng.integers(10_000_000, 99_999_999))}")
        elif ch == "BACS":
            counterparty.append(employer_iban[employer[acc[i]]])
            reference.append(f"SALARY {EMPLOYERS[employer[acc[i]]]} {month}")
        else:
            counterparty.append("")
            reference.append("")

    seq = 4_500_000_000 + np.cumsum(rng.integers(1, 4, m))
    tx["txn_id"] = obj(f"TXN{s:010d}" for s in seq.tolist())
    tx["account_id"] = account_id[acc]
    tx["txn_ts"] = iso_seconds(ts)
    tx["amount"] = money(amount)
    tx["currency"] = currency.astype(object)
    tx["merchant"] = merchant
    tx["mcc"] = mcc
    tx["card_number"] = card_no
    tx["channel"] = channel
    tx["counterparty_iban"] = counterparty
    tx["reference"] = reference
    status = draw(rng, {"COMPLETED": 96, "PENDING": 2, "DECLINED": 1.5, "REVERSED": 0.5}, m)
    tx["status"] = status
    tx.flag("reference", "embedded_pii", ref_pii)

    known = set(account_id.tolist())
    orphans = [f"ACC-{i}" for i in rng.choice(np.arange(100_000, 1_000_000), size=400, replace=False).tolist()]
    orphans = [o for o in orphans if o not in known]
    tx.inject("account_id", "orphan_fk", 0.005, lambda v, r: list(r.choice(obj(orphans), size=len(v))))
    tx.inject(
        "card_number",
        "invalid_checksum",
        0.002,
        lambda v, r: [x[:-1] + other_digit(r, x[-1]) for x in v],
        where=card & ~card_spaced,
    )
    tx.inject("card_number", "masked", 0.125, lambda v, _r: ["*" * 12 + x[-4:] for x in v], where=~card_spaced)
    stars = tx.issues["card_number"]["masked"].copy()
    tx.inject("card_number", "masked", 0.006, lambda v, _r: ["XXXX-XXXX-XXXX-" + x[-4:] for x in v], where=~card_spaced)
    exes = tx.issues["card_number"]["masked"] & ~stars
    tx.fmt("card_number", "compact", card & ~card_spaced & ~stars & ~exes)
    tx.fmt("card_number", "spaced", card_spaced)
    tx.fmt("card_number", "masked_stars", stars)
    tx.fmt("card_number", "masked_x", exes)
    big = np.abs(amount) >= 1000
    tx.inject("amount", "thousands_separator", 0.005, lambda v, _r: [f"{float(x):,.2f}" for x in v], where=big)
    tx.inject("currency", "inconsistent_case", 0.005, lambda v, _r: [x.lower() for x in v])
    tx.blank("mcc", 0.01)

    tx.add_duplicates(m_dup, adjacent=True)
    return a, tx


def _break_iban(values: np.ndarray, rng: np.random.Generator) -> list[str]:
    out = []
    for v in values:
        compact = v.replace(" ", "")
        good = int(compact[2:4])
        bad = good
        while bad == good:
            bad = int(rng.integers(2, 99))
        broken = f"{compact[:2]}{bad:02d}{compact[4:]}"
        out.append(" ".join(broken[i : i + 4] for i in range(0, 22, 4)) if " " in v else broken)
    return out


BANK_CANONICAL = {
    "account_type": ["Current", "Savings", "ISA", "Business"],
    "currency": ["GBP", "EUR", "USD"],
    "channel": list(CHANNELS),
    "status": ["COMPLETED", "PENDING", "DECLINED", "REVERSED"],
}


# ---------------------------------------------------------------- 3. hospital patients (UTF-8 with BOM, ',')

# fmt: off
DIAGNOSES = [
    # ICD-10 code, description, ward, weight, mean length of stay (days), sex restriction, min age, max age
    ("J18.9", "Pneumonia, unspecified", "Ward 7 - Respiratory", 8, 6.0, "", 0, 120),
    ("J44.1", "Chronic obstructive pulmonary disease with acute exacerbation, unspecified", "Ward 7 - Respiratory",
     6, 5.0, "", 40, 120),
    ("J45.9", "Asthma, unspecified", "Ward 7 - Respiratory", 3, 2.0, "", 5, 120),
    ("U07.1", "COVID-19, virus identified", "Ward 7 - Respiratory", 2, 5.0, "", 0, 120),
    ("I21.9", "Acute myocardial infarction, unspecified", "CCU", 5, 4.0, "", 35, 120),
    ("I48.9", "Atrial fibrillation and atrial flutter, unspecified", "Ward 9 - Cardiology", 4, 3.0, "", 40, 120),
    ("I50.9", "Heart failure, unspecified", "Ward 9 - Cardiology", 5, 7.0, "", 50, 120),
    ("R07.4", "Chest pain, unspecified", "AMU", 7, 1.0, "", 18, 120),
    ("R55", "Syncope and collapse", "AMU", 4, 1.5, "", 16, 120),
    ("I63.9", "Cerebral infarction, unspecified", "Stroke Unit", 4, 10.0, "", 40, 120),
    ("I26.9", "Pulmonary embolism without mention of acute cor pulmonale", "AMU", 2, 4.0, "", 18, 120),
    ("N39.0", "Urinary tract infection, site not specified", "Ward 3 - Elderly Care", 6, 4.0, "", 0, 120),
    ("N17.9", "Acute renal failure, unspecified", "Ward 3 - Elderly Care", 3, 6.0, "", 40, 120),
    ("E86", "Volume depletion", "Ward 3 - Elderly Care", 2, 3.0, "", 0, 120),
    ("S72.0", "Fracture of neck of femur", "Ward 22 - Trauma & Orthopaedics", 5, 12.0, "", 55, 120),
    ("S06.0", "Concussion", "Ward 22 - Trauma & Orthopaedics", 2, 1.0, "", 0, 120),
    ("K35.8", "Acute appendicitis, other and unspecified", "Ward 14 - General Surgery", 4, 3.0, "", 5, 80),
    ("K80.2", "Calculus of gallbladder without cholecystitis", "Ward 14 - General Surgery", 3, 2.0, "", 20, 100),
    ("K57.3", "Diverticular disease of large intestine without perforation or abscess", "Ward 14 - General Surgery",
     2, 4.0, "", 40, 120),
    ("K92.2", "Gastrointestinal haemorrhage, unspecified", "Ward 12 - Gastroenterology", 2, 4.0, "", 30, 120),
    ("A09.9", "Gastroenteritis and colitis of unspecified origin", "Ward 12 - Gastroenterology", 4, 2.0, "", 0, 120),
    ("L03.1", "Cellulitis of other parts of limb", "AMU", 4, 4.0, "", 18, 120),
    ("E11.9", "Type 2 diabetes mellitus without complications", "Ward 10 - Endocrinology", 2, 3.0, "", 30, 120),
    ("D64.9", "Anaemia, unspecified", "Ward 10 - Endocrinology", 2, 2.0, "", 18, 120),
    ("G40.9", "Epilepsy, unspecified", "Ward 5 - Neurology", 2, 3.0, "", 0, 120),
    ("F10.0", "Mental and behavioural disorders due to use of alcohol: acute intoxication", "AMU", 2, 1.0, "",
     18, 90),
    ("F32.9", "Depressive episode, unspecified", "Mental Health Liaison", 2, 9.0, "", 16, 100),
    ("T39.1", "Poisoning by 4-Aminophenol derivatives", "AMU", 1, 2.0, "", 12, 80),
    ("C34.9", "Malignant neoplasm: bronchus or lung, unspecified", "Ward 18 - Oncology", 2, 8.0, "", 45, 120),
    ("C50.9", "Malignant neoplasm: breast, unspecified", "Ward 18 - Oncology", 2, 4.0, "F", 30, 120),
    ("O80.9", "Single spontaneous delivery, unspecified", "Maternity Suite", 5, 1.5, "F", 18, 45),
    ("Z38.0", "Singleton, born in hospital", "Neonatal Unit", 3, 2.0, "", 0, 0),
    ("B34.9", "Viral infection, unspecified", "Rainbow Ward - Paediatrics", 3, 1.5, "", 0, 15),
    ("J21.9", "Acute bronchiolitis, unspecified", "Rainbow Ward - Paediatrics", 2, 3.0, "", 0, 2),
]
ETHNICITY = {
    "White - British": 70, "White - Irish": 2, "White - Any other White background": 5,
    "Mixed - White and Black Caribbean": 1, "Mixed - White and Asian": 1, "Asian or Asian British - Indian": 3,
    "Asian or Asian British - Pakistani": 3, "Asian or Asian British - Bangladeshi": 1,
    "Black or Black British - African": 2, "Black or Black British - Caribbean": 1, "Other Ethnic Groups - Chinese": 1,
    "Other Ethnic Groups - Any other ethnic group": 1, "Not stated": 7,
}
BLOOD = {"O+": 35, "A+": 30, "B+": 8, "AB+": 2, "O-": 13, "A-": 8, "B-": 2, "AB-": 1}
ALLERGIES = ["Penicillin", "Penicillin (rash)", "Latex", "Peanuts, tree nuts", "Codeine – nausea", "Trimethoprim",
             "Aspirin", "Shellfish", "Elastoplast", 'NSAIDs ("wheezy")', "Penicillin, Sulfonamides"]
CLINICIANS = [
    "Dr A. Patel", "Dr S. Okonkwo", "Dr R. Lindqvist", "Mr J. Harrington", "Ms F. Delacroix", "Dr M. Chaudhry",
    "Dr E. Whitfield", "Dr K. Yamamoto", "Mr P. Oyelaran", "Dr L. Moreau", "Dr H. Tanaka", "Ms C. Brennan",
    "Dr T. Nkemelu", "Dr G. Ferreira", "Dr N. Abernethy", "Mr D. Kowalczyk",
]
CLINICAL_PLAIN = [
    "Obs stable overnight. Plan: IV antibiotics, review in 48h.",
    "Pain 6/10, analgesia given.\nMobilising with frame.",
    'Pt states "much better today", eating and drinking.',
    "Awaiting bloods; NEWS2 score 3, escalate if >5.",
    "Fall risk assessment completed, bed rails in place.",
    "Diet: soft, fork-mashable.\nSALT review requested.",
    "Discharge planning started; OT and physio input needed.",
    "Pressure areas intact, repositioned 2-hourly.",
    'Reports "tight chest" on exertion.\nECG: sinus rhythm, no acute changes.',
    "Wound clean and dry, dressing changed.",
]
CLINICAL_PII = [
    "Seen by {clinician} on {date}. Plan agreed with patient.",
    "NOK {nok} informed by phone ({nok_phone}).",
    'Family member {other} visited, says "{forename} is more muddled than usual".',
    "Discussed with {clinician}, plan agreed.\nTTO meds to be ready by {date}.",
    '{forename} reports "feeling off" since {long_date}.',
    "Relative {other} {surname} asked for update, call {nok_phone}.\nNo concerns raised.",
]
# fmt: on


def build_hospital() -> Table:
    rng = np.random.default_rng([SEED, 4])
    n_patients, n = 2720, 3000
    snapshot = np.datetime64("2025-06-30T09:00", "m")

    # patients
    sex, first, last = people(rng, n_patients, utf8=True, sex_p=(0.52, 0.475, 0.005))
    group = rng.random(n_patients)
    age = np.where(
        group < 0.05,
        0,
        np.where(
            group < 0.13, rng.integers(1, 16, n_patients), np.clip(rng.normal(62, 20, n_patients), 16, 101).astype(int)
        ),
    )
    town = rng.choice(len(TOWNS), size=n_patients, p=np.array([x[6] for x in TOWNS]) / sum(x[6] for x in TOWNS))
    nhs = nhs_numbers(rng, n_patients)
    dob_offset = rng.integers(0, 365, n_patients)
    pid = obj(f"P{v:07d}" for v in rng.choice(np.arange(100_000, 9_999_999), n_patients, replace=False).tolist())
    email = emails(rng, first, last)
    ethnicity = draw(rng, ETHNICITY, n_patients)
    blood = draw(rng, BLOOD, n_patients)
    line1 = street_lines(rng, n_patients)
    locality = draw(rng, LOCALITIES, n_patients)
    address = obj(
        f"{line}, {loc}, {TOWNS[tw][0]}" if r < 0.2 else f"{line}, {TOWNS[tw][0]}"
        for line, loc, tw, r in zip(line1, locality, town.tolist(), rng.random(n_patients).tolist(), strict=True)
    )
    pcode = postcodes(rng, town)
    practices = {
        i: [f"{'ABCDEFGHJKLMNPY'[i % 15]}{int(rng.integers(80_000, 89_999))}" for _ in range(3)]
        for i in range(len(TOWNS))
    }
    gp = obj(practices[tw][int(r * 3)] for tw, r in zip(town.tolist(), rng.random(n_patients).tolist(), strict=True))
    phone_style = draw(
        rng,
        {
            "mobile_national": 35,
            "mobile_e164": 15,
            "landline_national": 30,
            "landline_compact": 8,
            "landline_intl": 6,
            "landline_bracketed": 6,
        },
        n_patients,
    )

    def phone_for(tw: int, style: str) -> str:
        if style.startswith("mobile"):
            nsn = mobile_numbers(rng, 1)[0]
            return format_mobile(nsn, "national_spaced" if style == "mobile_national" else "intl_spaced")
        area, local = landline(rng, tw)
        return format_landline(area, local, style)

    phone = obj(phone_for(tw, s) for tw, s in zip(town.tolist(), phone_style, strict=True))
    _, nok_first, nok_last = people(rng, n_patients, utf8=True)
    nok_last = np.where(rng.random(n_patients) < 0.6, last, nok_last)
    nok_name = obj(f"{f} {la}" for f, la in zip(nok_first, nok_last, strict=True))
    nok_phone = obj(
        phone_for(tw, "mobile_national" if r < 0.7 else "landline_national")
        for tw, r in zip(town.tolist(), rng.random(n_patients).tolist(), strict=True)
    )
    smoker = np.where(age < 16, "N", draw(rng, {"Y": 15, "N": 70, "Unknown": 15}, n_patients)).astype(object)
    title = []
    for s, ag, r in zip(sex, age.tolist(), rng.random(n_patients).tolist(), strict=True):
        if ag < 16:
            title.append("" if r < 0.7 else ("Master" if s == "M" else "Miss"))
        elif r < 0.03:
            title.append("Dr")
        elif s == "U":
            title.append("Mx")
        elif s == "M":
            title.append("Mr")
        else:
            title.append("Mrs" if r < 0.5 else "Ms" if r < 0.8 else "Miss")
    title = obj(title)
    allergy_r = rng.random(n_patients)
    allergies = obj(
        "" if r < 0.65 else "NKDA" if r < 0.8 else ALLERGIES[int(q * len(ALLERGIES))]
        for r, q in zip(allergy_r.tolist(), rng.random(n_patients).tolist(), strict=True)
    )
    # body size: sex- and age-dependent height, BMI around 27 for adults
    h_adult = np.where(
        sex == "M",
        rng.normal(176, 7, n_patients),
        np.where(sex == "F", rng.normal(163, 6.5, n_patients), rng.normal(170, 8, n_patients)),
    )
    h_child = 75 + 6.2 * age + rng.normal(0, 5, n_patients)
    h_baby = rng.normal(51, 2.5, n_patients)
    height = np.where(age == 0, h_baby, np.where(age < 16, h_child, h_adult))
    bmi_true = np.where(
        age == 0,
        rng.normal(13.2, 1.0, n_patients),
        np.where(age < 16, rng.normal(17, 2, n_patients), rng.lognormal(np.log(27), 0.18, n_patients)),
    )
    weight = bmi_true * (height / 100) ** 2

    # episodes: every patient once, some readmitted
    patient = np.concatenate([np.arange(n_patients), rng.choice(n_patients, size=n - n_patients)])
    patient = patient[rng.permutation(n)]
    start = np.datetime64("2024-01-01T00:00", "m")
    span = int((np.datetime64("2025-06-29T00:00", "m") - start).astype(int))
    admit = start + rng.integers(0, span, n).astype("timedelta64[m]")
    diag = np.empty(n, dtype=int)
    for i, p in enumerate(patient.tolist()):
        ok = [j for j, d in enumerate(DIAGNOSES) if d[6] <= age[p] <= d[7] and d[5] in ("", sex[p])]
        if age[p] == 0 and rng.random() < 0.6:
            ok = [31]
        w = np.array([DIAGNOSES[j][3] for j in ok], dtype=float)
        diag[i] = ok[int(rng.choice(len(ok), p=w / w.sum()))]
    newborn = diag == 31
    los_mean = np.array([DIAGNOSES[j][4] for j in diag])
    los_minutes = (rng.gamma(1.5, los_mean / 1.5) * 1440 + rng.integers(60, 720, n)).astype(int)
    discharge = admit + los_minutes.astype("timedelta64[m]")
    order = np.argsort(admit, kind="stable")
    patient, admit, diag, newborn, discharge = (
        patient[order],
        admit[order],
        diag[order],
        newborn[order],
        discharge[order],
    )
    inpatient = discharge > snapshot

    dob_day = np.datetime64("2025-06-30") - (age[patient] * 365.25).astype(int) - dob_offset[patient]
    dob_day = np.where(newborn, admit.astype("datetime64[D]"), dob_day).astype("datetime64[D]")
    # a readmitted patient keeps one date of birth: use the first episode's value
    first_dob: dict[int, np.datetime64] = {}
    for i, p in enumerate(patient.tolist()):
        dob_day[i] = first_dob.setdefault(p, dob_day[i])

    t = Table(HOSPITAL, n, rng)
    t["episode_id"] = obj(f"EP{i:07d}" for i in (1_200_000 + np.arange(n) * 3 + rng.integers(0, 3, n)).tolist())
    t["patient_id"] = pid[patient]
    nhs_spaced = rng.random(n_patients)[patient] < 0.6
    t["nhs_number"] = obj(
        f"{v[:3]} {v[3:6]} {v[6:]}" if s else v for v, s in zip(nhs[patient], nhs_spaced, strict=True)
    )
    t.fmt("nhs_number", "spaced", nhs_spaced)
    t.fmt("nhs_number", "compact", ~nhs_spaced)
    t["title"] = title[patient]
    t["forename"] = first[patient]
    t["surname"] = last[patient]
    t["date_of_birth"] = obj(uk_date(d) for d in iso_dates(dob_day))
    t["sex"] = obj({"M": "Male", "F": "Female", "U": "Not known"}[s] for s in sex[patient])
    t["ethnicity"] = ethnicity[patient]
    t["address"] = address[patient]
    t["postcode"] = pcode[patient]
    t["gp_practice_code"] = gp[patient]
    t["phone"] = phone[patient]
    for s in (
        "mobile_national",
        "mobile_e164",
        "landline_national",
        "landline_compact",
        "landline_intl",
        "landline_bracketed",
    ):
        t.fmt("phone", s, phone_style[patient] == s)
    t["email"] = np.where(age[patient] < 16, "", email[patient])
    fmt_min = lambda x: obj(s.replace("T", " ") for s in np.datetime_as_string(x, unit="m"))  # noqa: E731
    t["admission_date"] = fmt_min(admit)
    t["discharge_date"] = np.where(inpatient, "", fmt_min(discharge))
    t["ward"] = obj(DIAGNOSES[j][2] for j in diag.tolist())
    undotted = rng.random(n) < 0.15
    t["diagnosis_code"] = obj(
        (c.replace(".", "") if "." in c else c + "X") if u else c
        for c, u in zip((DIAGNOSES[j][0] for j in diag.tolist()), undotted, strict=True)
    )
    t.fmt("diagnosis_code", "dotted", ~undotted)
    t.fmt("diagnosis_code", "undotted", undotted)
    t["diagnosis_desc"] = obj(DIAGNOSES[j][1] for j in diag.tolist())
    ward_clinicians = {
        w: rng.choice(len(CLINICIANS), size=3, replace=False) for w in dict.fromkeys(d[2] for d in DIAGNOSES)
    }
    clinician = obj(
        CLINICIANS[ward_clinicians[DIAGNOSES[j][2]][int(r * 3)]]
        for j, r in zip(diag.tolist(), rng.random(n).tolist(), strict=True)
    )
    t["attending_clinician"] = clinician
    los = (discharge.astype("datetime64[D]") - admit.astype("datetime64[D]")).astype(int)
    t["length_of_stay"] = np.where(inpatient, "", obj(str(v) for v in los.tolist()))
    t["blood_type"] = blood[patient]
    t["allergies"] = allergies[patient]

    # clinical notes: 20% name people or dates, 70% routine, 10% blank
    note_kind = rng.random(n)
    _, other_first, _ = people(rng, n, utf8=True)
    notes, note_pii = [], np.zeros(n, dtype=bool)
    for i, p in enumerate(patient.tolist()):
        if note_kind[i] < 0.2:
            template = CLINICAL_PII[int(rng.integers(0, len(CLINICAL_PII)))]
            when = admit[i].astype("datetime64[D]") + int(rng.integers(0, 3))
            iso = str(when)
            notes.append(
                template.format(
                    clinician=clinician[i],
                    date=uk_date(iso),
                    nok=nok_name[p],
                    nok_phone=nok_phone[p],
                    other=other_first[i],
                    forename=first[p],
                    surname=last[p],
                    long_date=f"{int(iso[8:10])} {MONTHS[int(iso[5:7]) - 1]} {iso[:4]}",
                )
            )
            note_pii[i] = True
        elif note_kind[i] < 0.9:
            notes.append(CLINICAL_PLAIN[int(rng.integers(0, len(CLINICAL_PLAIN)))])
        else:
            notes.append("")
    t["clinical_notes"] = notes
    t.flag("clinical_notes", "embedded_pii", note_pii)
    t.flag("clinical_notes", "embedded_line_breaks", obj("\n" in x for x in notes).astype(bool))
    t.flag("clinical_notes", "embedded_quotes", obj('"' in x for x in notes).astype(bool))

    wobble = 1 + rng.normal(0, 0.02, n)
    w_ep = weight[patient] * wobble
    h_ep = height[patient]
    baby = age[patient] < 2
    t["weight_kg"] = obj(f"{w:.1f}" for w in w_ep)
    t["height_cm"] = obj(f"{h:.1f}" if b else f"{round(h)}" for h, b in zip(h_ep, baby, strict=True))
    # BMI from the recorded values, so it only disagrees with them where a unit error is injected below
    t["bmi"] = obj(bmi_text(w, h) for w, h in zip(t["weight_kg"], t["height_cm"], strict=True))
    t["smoker"] = smoker[patient]
    t["next_of_kin_name"] = nok_name[patient]
    t["next_of_kin_phone"] = nok_phone[patient]
    t["consent"] = np.where(rng.random(n) < 0.92, "TRUE", "FALSE")

    # ---- quality problems
    t.inject("nhs_number", "invalid_checksum", 0.02, lambda v, r: [x[:-1] + other_digit(r, x[-1]) for x in v])
    t.blank("nhs_number", 0.01)
    t.blank("title", 0.05)
    t.inject("forename", "whitespace", 0.01, pad_spaces)
    t.inject("surname", "inconsistent_case", 0.05, upper)
    t.inject("surname", "whitespace", 0.01, pad_spaces)
    t.inject("date_of_birth", "out_of_range_date", 0.003, constant("01/01/1900"))
    t.inject(
        "sex",
        "inconsistent_coding",
        0.03,
        replace_with({"Male": ["M"], "Female": ["F"]}),
        where=t["sex"] != "Not known",
    )
    t.blank("ethnicity", 0.04)
    t.blank("address", 0.01)
    t.inject("postcode", "invalid_format", 0.015, break_postcode)
    t.inject("postcode", "nonstandard_format", 0.03, squash_postcode)
    t.blank("postcode", 0.01)
    t.blank("gp_practice_code", 0.02)
    t.blank("phone", 0.03)
    t.inject("email", "invalid_format", 0.02, break_email)
    t.inject("email", "whitespace", 0.01, pad_spaces)
    t.blank("email", 0.2)

    # discharge typed a few days before the admission date; the recorded length of stay keeps its old value
    before = t.inject_at(
        "discharge_date",
        "end_before_start",
        0.01,
        lambda idx: fmt_min(
            discharge[idx] - ((los[idx] + rng.integers(1, 10, idx.size)) * 1440).astype("timedelta64[m]")
        ),
    )
    t._touched("length_of_stay")[before] = True
    t.flag("length_of_stay", "inconsistent_with_dates", before)
    t.inject(
        "length_of_stay",
        "inconsistent_with_dates",
        0.03,
        lambda v, r: [
            str(int(x) + int(d)) if int(x) + int(d) >= 0 else str(int(x) + 2)
            for x, d in zip(v, r.choice(np.array([-3, -2, -1, 1, 2, 3]), len(v)), strict=True)
        ],
    )
    t.blank("diagnosis_desc", 0.02)
    t.blank("blood_type", 0.30)
    t.inject("weight_kg", "unit_error", 0.005, lambda v, _r: [f"{float(x) * 2.20462:.1f}" for x in v], where=~baby)
    t.inject(
        "height_cm",
        "unit_error",
        0.005,
        lambda v, _r: [f"{int(x) / 100:.2f}" for x in v],
        where=~baby & ~t.issues["weight_kg"]["unit_error"],
    )
    unit = t.issues["weight_kg"]["unit_error"] | t.issues["height_cm"]["unit_error"]
    t.flag("bmi", "inconsistent_with_inputs", unit)
    t._touched("weight_kg")[unit] = True
    t._touched("height_cm")[unit] = True
    w_gone = t.blank("weight_kg", 0.04)
    h_gone = t.blank("height_cm", 0.06)
    t["bmi"][w_gone | h_gone] = ""
    t.inject(
        "smoker",
        "inconsistent_coding",
        0.02,
        replace_with({"Y": ["Yes", "yes"], "N": ["No", "no"]}),
        where=t["smoker"] != "Unknown",
    )
    t.blank("smoker", 0.05)
    nok_gone = t.blank("next_of_kin_name", 0.15)
    t["next_of_kin_phone"][nok_gone] = ""
    t.inject("consent", "inconsistent_coding", 0.01, replace_with({"TRUE": ["Yes"], "FALSE": ["No"]}))
    return t


HOSPITAL_CANONICAL = {
    "title": ["Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Master"],
    "sex": ["Male", "Female", "Not known"],
    "blood_type": list(BLOOD),
    "smoker": ["Y", "N", "Unknown"],
    "consent": ["TRUE", "FALSE"],
}


# ---------------------------------------------------------------- ground truth: sensitivity labels

# fmt: off
S, N = True, False
LABELS: dict[str, dict[str, tuple[bool, str]]] = {
    TELECOM: {
        "customer_id": (S, "customer_id"), "msisdn": (S, "msisdn"), "imsi": (S, "imsi"), "imei": (S, "imei"),
        "first_name": (S, "first_name"), "last_name": (S, "last_name"), "cust_nm": (S, "person_name"),
        "dob": (S, "date_of_birth"), "gender": (S, "gender"), "email": (S, "email"), "username": (S, "username"),
        "addr_line1": (S, "street_address"), "town": (S, "city"), "county": (N, "none"),
        "postcode": (S, "postcode"), "nino": (S, "uk_nino"), "sort_code": (S, "sort_code"),
        "acct_no": (S, "bank_account"), "card_last4": (N, "none"), "payment_method": (N, "none"),
        "plan": (N, "none"), "plan_type": (N, "none"), "contract_start": (N, "none"), "contract_end": (N, "none"),
        "monthly_fee": (N, "none"), "data_allowance_gb": (N, "none"), "minutes_used": (N, "none"),
        "sms_sent": (N, "none"), "data_used_mb": (N, "none"), "roaming": (N, "none"), "churn_flag": (N, "none"),
        "credit_score": (N, "none"), "arpu": (N, "none"), "tenure_months": (N, "none"),
        "device_model": (N, "none"), "manufacturer": (N, "none"), "os": (N, "none"), "network_type": (N, "none"),
        "last_topup_dt": (N, "none"), "marketing_opt_in": (N, "none"), "notes": (S, "free_text_pii"),
        "ip_address": (S, "ip_address"), "segment": (N, "none"), "region": (N, "none"), "store_id": (N, "none"),
        "sales_channel": (N, "none"), "complaint_count": (N, "none"), "nps_score": (N, "none"),
        "account_status": (N, "none"), "sim_type": (N, "none"), "handset_financed": (N, "none"),
        "outstanding_balance": (N, "none"), "last_bill_amount": (N, "none"), "preferred_contact": (N, "none"),
        "loyalty_points": (N, "none"), "created_at": (N, "none"), "alt_phone": (S, "phone"),
    },
    ACCOUNTS: {
        "account_id": (S, "customer_id"), "iban": (S, "iban"), "holder_name": (S, "person_name"),
        "sort_code": (S, "sort_code"), "opened_date": (N, "none"), "account_type": (N, "none"),
        "branch_city": (N, "city"), "balance": (N, "none"),
    },
    TRANSACTIONS: {
        "txn_id": (N, "none"), "account_id": (S, "customer_id"), "txn_ts": (N, "none"), "amount": (N, "none"),
        "currency": (N, "none"), "merchant": (N, "none"), "mcc": (N, "none"), "card_number": (S, "payment_card"),
        "channel": (N, "none"), "counterparty_iban": (S, "iban"), "reference": (S, "free_text_pii"),
        "status": (N, "none"),
    },
    HOSPITAL: {
        "episode_id": (N, "none"), "patient_id": (S, "customer_id"), "nhs_number": (S, "nhs_number"),
        "title": (N, "none"), "forename": (S, "first_name"), "surname": (S, "last_name"),
        "date_of_birth": (S, "date_of_birth"), "sex": (S, "gender"), "ethnicity": (S, "ethnicity"),
        "address": (S, "street_address"), "postcode": (S, "postcode"), "gp_practice_code": (N, "none"),
        "phone": (S, "phone"), "email": (S, "email"), "admission_date": (N, "none"), "discharge_date": (N, "none"),
        "ward": (S, "medical_condition"), "diagnosis_code": (S, "medical_condition"),
        "diagnosis_desc": (S, "medical_condition"), "attending_clinician": (S, "person_name"),
        "length_of_stay": (N, "none"), "blood_type": (S, "medical_condition"), "allergies": (S, "medical_condition"),
        "clinical_notes": (S, "free_text_pii"), "weight_kg": (S, "medical_condition"),
        "height_cm": (S, "medical_condition"), "bmi": (S, "medical_condition"), "smoker": (S, "medical_condition"),
        "next_of_kin_name": (S, "person_name"), "next_of_kin_phone": (S, "phone"), "consent": (N, "none"),
    },
}
LABELS[HOSPITAL_XLSX] = LABELS[HOSPITAL]
ENTITIES = [
    "person_name", "first_name", "last_name", "email", "phone", "street_address", "postcode", "city",
    "date_of_birth", "us_ssn", "uk_nino", "nhs_number", "national_id", "payment_card", "iban", "bank_account",
    "sort_code", "ip_address", "username", "free_text_pii", "customer_id", "msisdn", "imei", "imsi", "gender",
    "ethnicity", "medical_condition", "none",
]
LABEL_RULES = """\
# Ground-truth sensitivity labels: file -> column -> {sensitive, entity}.
# sensitive: true for
#   * direct identifiers: names, contact details, government / health / bank / card / device / network
#     identifiers and internal person keys (customer_id, patient_id, account_id);
#   * quasi-identifiers tied to a person: date of birth, postcode, street address, town of residence;
#   * special-category data (UK GDPR art. 9): ethnicity and health - diagnoses, the specialty ward, allergies,
#     blood type, smoking, body measurements;
#   * free text that contains any of the above in a share of rows (entity free_text_pii);
#   * gender/sex (entity gender, role quasi_identifier: modelled with the rest and kept; issue 10, it was
#     labelled not sensitive before).
# sensitive: false for everything else, including coarse geography (county,
# region), a bank branch's city (entity city, but not about a person), the last four digits of a card,
# event timestamps, amounts, scores and record keys of events (txn_id, episode_id).
# Rule: sensitive implies entity != none.
"""
# fmt: on


# ---------------------------------------------------------------- column descriptions (README)

DOCS: dict[str, dict[str, str]] = {
    TELECOM: {
        "customer_id": "CRM key, CUST-NNNNNN",
        "msisdn": "mobile number in mixed notations (07700 900123, +447700900123, 447700900123, 07700900123, "
        "(07700) 900-123)",
        "imsi": "15-digit IMSI, MCC 234, MNC 15 (10 for MVNO SIMs)",
        "imei": "15-digit IMEI (TAC per model + serial + Luhn digit); blank when no handset registered",
        "first_name": "forename (accents such as Zoë, Renée, Siân)",
        "last_name": "surname (O’Brien with a typographic apostrophe, Fernández, ...)",
        "cust_nm": "full name, usually 'First Last', sometimes 'Last, First'",
        "dob": "date of birth in three notations: 1985-03-12, 12/03/1985 (day first), 12-Mar-1985",
        "gender": "M / F / U, with spelled-out variants",
        "email": "e-mail on reserved example domains",
        "username": "self-care portal login",
        "addr_line1": "first address line ('Flat 3, 12 Mill Lane', house names)",
        "town": "post town",
        "county": "county",
        "postcode": "UK postcode",
        "nino": "National Insurance number, 'AB123456C' or 'AB 12 34 56 C'; some pre-masked",
        "sort_code": "bank sort code of direct-debit payers ('20-32-06' or '203206')",
        "acct_no": "8-digit bank account number of direct-debit payers; some masked ****1234",
        "card_last4": "last four digits of the payment card of card payers",
        "payment_method": "Direct Debit / Card / Invoice / Voucher / Cash",
        "plan": "tariff name (contains £ for PAYG bundles)",
        "plan_type": "Prepaid / Postpaid",
        "contract_start": "contract start (ISO date); blank for prepaid",
        "contract_end": "contract end (ISO date); blank for prepaid",
        "monthly_fee": "monthly fee in GBP, two decimals",
        "data_allowance_gb": "data allowance; 9999 is the system's code for unlimited",
        "minutes_used": "minutes used last month",
        "sms_sent": "SMS sent last month",
        "data_used_mb": "data used last month (MB, one decimal, heavy-tailed)",
        "roaming": "roamed last month, Y / N",
        "churn_flag": "churned or in notice, yes / no",
        "credit_score": "bureau score 300-999; mostly blank for prepaid",
        "arpu": "average revenue per user, GBP",
        "tenure_months": "months since the account was created",
        "device_model": "handset model",
        "manufacturer": "handset manufacturer",
        "os": "iOS / Android",
        "network_type": "4G / 5G",
        "last_topup_dt": "last top-up, 'YYYY-MM-DD HH:MM:SS' (prepaid only)",
        "marketing_opt_in": "1 / 0",
        "notes": "agent notes; some quote phone numbers, names, e-mails, addresses or dates of birth",
        "ip_address": "last data-session IPv4 (CGNAT 100.64/10, private 10/8, documentation ranges)",
        "segment": "Consumer / Small Business / Enterprise",
        "region": "UK region of the address",
        "store_id": "selling store, retail channel only",
        "sales_channel": "Retail Store / Online / Telesales / Partner",
        "complaint_count": "complaints in the last 12 months",
        "nps_score": "latest NPS answer 0-10; blank if never surveyed",
        "account_status": "Active / Suspended / Closed",
        "sim_type": "Physical / eSIM",
        "handset_financed": "TRUE / FALSE",
        "outstanding_balance": "arrears in GBP",
        "last_bill_amount": "last bill in GBP (postpaid only)",
        "preferred_contact": "Email / SMS / Phone / Post",
        "loyalty_points": "loyalty points balance",
        "created_at": "account creation, ISO 8601 UTC ('2021-06-03T10:22:31Z')",
        "alt_phone": "second contact number (landline in Ofcom drama ranges or mobile)",
    },
    ACCOUNTS: {
        "account_id": "account key, ACC-NNNNNN",
        "iban": "GB IBAN (bank code + sort code + account number, mod-97 check digits); compact or grouped by 4",
        "holder_name": "account holder: person, joint holders ('Mr J Smith & Mrs A Smith') or a business",
        "sort_code": "sort code, consistent with the IBAN",
        "opened_date": "date opened (ISO)",
        "account_type": "Current / Savings / ISA / Business",
        "branch_city": "home branch city; blank for digital-only accounts",
        "balance": "current balance in GBP (negative when overdrawn)",
    },
    TRANSACTIONS: {
        "txn_id": "transaction key, TXN + 10 digits, increasing with time",
        "account_id": "foreign key to bank_accounts.account_id",
        "txn_ts": "timestamp 'YYYY-MM-DDTHH:MM:SS' in 2024; business-hours heavy, batch payments at night, "
        "salaries and bills around month end",
        "amount": "signed amount (debits negative), two decimals, heavy-tailed",
        "currency": "GBP, some EUR / USD card spend",
        "merchant": "card merchant descriptor (sometimes 'NAME, TOWN'), biller for direct debits",
        "mcc": "merchant category code of card transactions",
        "card_number": "16-digit card number (Luhn-valid), compact, grouped, or masked",
        "channel": "CARD_POS / CARD_ECOM / ATM / DIRECT_DEBIT / STANDING_ORDER / FASTER_PAYMENT / BACS",
        "counterparty_iban": "payee or payer IBAN of transfers, direct debits and salaries",
        "reference": "payment reference free text (some name people)",
        "status": "COMPLETED / PENDING / DECLINED / REVERSED",
    },
    HOSPITAL: {
        "episode_id": "admission key, EP + 7 digits, increasing with admission time",
        "patient_id": "hospital number, P + 7 digits; repeats for readmitted patients",
        "nhs_number": "NHS number (mod-11 check digit), '943 476 5919' or '9434765919'",
        "title": "Mr / Mrs / Ms / Miss / Mx / Dr / Master",
        "forename": "forename (UTF-8: Łukasz, Zoë, Siân, ...)",
        "surname": "surname (Wiśniewski, Nguyễn, O’Brien, ...)",
        "date_of_birth": "date of birth dd/mm/yyyy; newborns born on the admission date",
        "sex": "Male / Female / Not known",
        "ethnicity": "NHS ethnic category ('White - British', 'Not stated', ...)",
        "address": "address lines and town in one field, comma-separated (quoted in the CSV)",
        "postcode": "UK postcode",
        "gp_practice_code": "registered GP practice code (letter + 5 digits)",
        "phone": "patient phone, landline or mobile, mixed notations",
        "email": "patient e-mail (blank for children)",
        "admission_date": "admission 'YYYY-MM-DD HH:MM', 2024-01 to 2025-06",
        "discharge_date": "discharge 'YYYY-MM-DD HH:MM'; blank while still an inpatient",
        "ward": "ward / specialty",
        "diagnosis_code": "primary diagnosis, ICD-10 'J18.9' or undotted 'J189' / 'R55X'",
        "diagnosis_desc": "ICD-10 description of the code",
        "attending_clinician": "consultant ('Dr A. Patel', 'Mr J. Harrington')",
        "length_of_stay": "whole days between admission and discharge dates",
        "blood_type": "ABO and RhD group",
        "allergies": "free text, often blank or 'NKDA'",
        "clinical_notes": "free text with commas, quotes, line breaks, and some names, phone numbers and dates",
        "weight_kg": "weight in kg, one decimal",
        "height_cm": "height in cm (one decimal for infants)",
        "bmi": "body-mass index from the recorded weight and height, one decimal",
        "smoker": "Y / N / Unknown",
        "next_of_kin_name": "next of kin",
        "next_of_kin_phone": "next of kin's phone",
        "consent": "consent to data sharing, TRUE / FALSE",
    },
}
ISSUE_DOCS = {
    "missing": "empty field",
    "exact_duplicate_rows": "row identical to an earlier row",
    "whitespace": "leading and/or trailing spaces",
    "inconsistent_case": "casing differs from the canonical spelling (all-caps names, 'prepaid', 'gbp', ...)",
    "inconsistent_coding": "a different code for a canonical value ('Male' for M, 'LTE' for 4G, 'Yes' for TRUE)",
    "invalid_format": "not a syntactically valid value",
    "nonstandard_format": "valid but lower-case and/or without the space",
    "invalid_checksum": "right shape, wrong check digit(s)",
    "masked": "pre-masked in the source",
    "leading_zero_lost": "leading zero stripped (3 digits left)",
    "out_of_range_date": "placeholder date 1900-01-01 / 01/01/1900 / 2099-12-31",
    "end_before_start": "end date before the start date",
    "non_numeric": "number with a currency symbol ('£25.00')",
    "thousands_separator": "number with a thousands separator ('-1,250.00')",
    "sentinel_value": "magic number standing for 'unlimited' (9999)",
    "negative_value": "negative count",
    "null_token": "'N/A' written instead of leaving the field blank",
    "embedded_pii": "free text naming a person or quoting a phone number, e-mail, address or date",
    "embedded_line_breaks": "line break inside the field (quoted in the CSV)",
    "embedded_quotes": 'double quote inside the field (escaped as "" in the CSV)',
    "orphan_fk": "account_id not present in bank_accounts.csv",
    "inconsistent_with_dates": "differs from the day count between admission and discharge dates",
    "inconsistent_with_inputs": "does not match the recorded weight and height",
    "unit_error": "recorded in the wrong unit (pounds / metres)",
}
FILE_INFO = {
    TELECOM: {"encoding": "cp1252", "delimiter": ";", "line_terminator": "CRLF", "bom": False},
    ACCOUNTS: {"encoding": "utf-8", "delimiter": ",", "line_terminator": "LF", "bom": False},
    TRANSACTIONS: {"encoding": "utf-8", "delimiter": ",", "line_terminator": "LF", "bom": False},
    HOSPITAL: {"encoding": "utf-8", "delimiter": ",", "line_terminator": "LF", "bom": True},
    HOSPITAL_XLSX: {"sheet": "patients"},
}
SUMMARY = {
    TELECOM: "A mobile operator's customer base (one row per customer, CRM export style). Prepaid customers "
    "have no contract dates, bank details or bills; direct-debit payers have sort code and account number, card "
    "payers the card's last four digits.",
    ACCOUNTS: "Parent table of the transactions: personal, joint and business accounts.",
    TRANSACTIONS: "A year (2024) of transactions of those accounts, sorted by time: card, cash machine, direct "
    "debit, standing order, Faster Payments and BACS salary credits.",
    HOSPITAL: "Inpatient episodes (one row per admission; about 9% are readmissions of an earlier patient, so "
    "patient-level columns repeat).",
    HOSPITAL_XLSX: "The first 1,000 rows of hospital_patients.csv as an Excel sheet 'patients': dates as "
    "date cells, weight, height, BMI and length of stay as numbers, everything else as text.",
}


# ---------------------------------------------------------------- writers


def csv_bytes(table: Table, info: dict[str, Any]) -> bytes:
    buffer = io.StringIO(newline="")
    terminator = {"CRLF": "\r\n", "LF": "\n"}[info["line_terminator"]]
    writer = csv.writer(buffer, delimiter=info["delimiter"], lineterminator=terminator, quoting=csv.QUOTE_MINIMAL)
    columns = list(table.cols)
    writer.writerow(columns)
    writer.writerows(zip(*(table.cols[c] for c in columns), strict=True))
    data = buffer.getvalue().encode(info["encoding"])  # strict: CP1252 fails loudly on an unencodable name
    return (b"\xef\xbb\xbf" + data) if info["bom"] else data


XLSX_NUMBERS = ("weight_kg", "height_cm", "bmi", "length_of_stay")
XLSX_DATES = {"date_of_birth": "dd/mm/yyyy", "admission_date": "yyyy-mm-dd hh:mm", "discharge_date": "yyyy-mm-dd hh:mm"}
FIXED_TIME = (2025, 6, 30, 0, 0, 0)


def xlsx_cell(column: str, value: str) -> Any:
    if value == "":
        return None
    if column in XLSX_NUMBERS:
        number = float(value)
        return int(number) if number.is_integer() and "." not in value else number
    if column == "date_of_birth":
        return datetime.strptime(value, "%d/%m/%Y")
    if column in XLSX_DATES:
        return datetime.strptime(value, "%Y-%m-%d %H:%M")
    return value


def xlsx_bytes(table: Table, rows: int) -> bytes:
    """A one-sheet workbook, made reproducible: fixed document times and zip entry dates."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "patients"
    columns = list(table.cols)
    sheet.append(columns)
    for i in range(rows):
        sheet.append([xlsx_cell(c, table.cols[c][i]) for c in columns])
    for j, column in enumerate(columns, start=1):
        if column in XLSX_DATES:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = XLSX_DATES[column]
    sheet.freeze_panes = "A2"
    workbook.properties.creator = "Doppel sample builder"
    raw = io.BytesIO()
    workbook.save(raw)
    stamp = b"2025-06-30T00:00:00Z"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
            entry = zipfile.ZipInfo(item.filename, date_time=FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, data)
    return out.getvalue()


def head(table: Table, rows: int) -> Table:
    out = Table(HOSPITAL_XLSX, rows, table.rng)
    out.cols = {c: v[:rows].copy() for c, v in table.cols.items()}
    out.issues = {c: {i: m[:rows] for i, m in d.items()} for c, d in table.issues.items()}
    out.formats = {c: {f: m[:rows] for f, m in d.items()} for c, d in table.formats.items()}
    out.duplicates = table.duplicates[:rows]
    return out


def dump_yaml(header: str, document: Any) -> bytes:
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, default_flow_style=False, width=120)
    return (header + body).encode("utf-8")


def pct(rate: float) -> str:
    text = f"{rate * 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


def readme(tables: dict[str, Table], quality: dict[str, Any], sizes: dict[str, int]) -> bytes:
    lines = [
        "# Doppel sample datasets",
        "",
        "Three messy, production-like datasets for demonstrating and testing Doppel's profiler, sensitive-field",
        "classifier and synthesiser. **Everything is fictitious**: names are random pairings of common forenames",
        "and surnames, landlines are in Ofcom's drama ranges (020 7946 0xxx, 0113 496 0xxx, 01632 960xxx, ...),",
        "mobiles are random numbers in the 07700 9xxxxx block (only 07700 900xxx is Ofcom-reserved; telecom agent",
        "notes quote that drama range), e-mail domains are reserved example domains (RFC 2606), IP addresses are",
        "private, CGNAT or documentation ranges, and NHS, NI, IMEI, IMSI, IBAN and card numbers are random digits",
        "with computed check digits. Merchants, employers, businesses and clinicians are invented.",
        "",
        "Rebuild (deterministic, about a second; rewrites the data files, both YAML files and this README):",
        "",
        "```",
        ".venv/bin/python playbooks/samples/build.py            # or --out DIR",
        ".venv/bin/python -m pytest tests/test_samples.py -q",
        "```",
        "",
        "This README is generated by `build.py` too: edit the script, not this file.",
        "",
        "| file | rows | columns | encoding | delimiter | size |",
        "|---|---|---|---|---|---|",
    ]
    for name, table in tables.items():
        info = FILE_INFO[name]
        enc = info.get("encoding", "xlsx")
        if info.get("bom"):
            enc += " with BOM"
        delim = {";": "`;`", ",": "`,`"}.get(info.get("delimiter", ""), "-")
        if "line_terminator" in info:
            delim += f" ({info['line_terminator']})"
        lines.append(f"| `{name}` | {table.n:,} | {len(table.cols)} | {enc} | {delim} | {sizes[name] / 1e6:.2f} MB |")
    lines += [
        "",
        "Also here: `labels.yaml` (ground-truth sensitivity per column), `quality.yaml` (every injected problem",
        "with its exact rate), and `.gitattributes` (keeps git from touching line endings and encodings).",
        "",
        "## Conventions",
        "",
        "* Every **rate** in `quality.yaml` and below is a count divided by **all data rows** of the file",
        "  (duplicates included); `missing` counts empty fields whether blank by design (prepaid customers",
        "  have no contract dates) or blanked at random.",
        "* The issues of one column are disjoint: a value is blanked, or made invalid, or padded, never two of them.",
        "* **Format** shares (`formats` in `quality.yaml`) are over the non-empty values of the column.",
        "* `canonical_values` lists the intended spellings of categorical columns; `inconsistent_case` and",
        "  `inconsistent_coding` are measured against them.",
        "* Quoting is minimal (RFC 4180 style): fields with the delimiter, a quote or a line break are quoted,",
        "  embedded quotes are doubled.",
        "",
        "## Labels",
        "",
        *[line[2:] if line.startswith("# ") else line[1:] for line in LABEL_RULES.splitlines()],
        "",
        "## Issue types",
        "",
        "| issue | meaning |",
        "|---|---|",
        *[f"| `{k}` | {v} |" for k, v in ISSUE_DOCS.items()],
    ]
    for name, table in tables.items():
        q = quality[name]
        docs = DOCS[HOSPITAL if name == HOSPITAL_XLSX else name]
        lines += ["", f"## `{name}`", "", SUMMARY[name], ""]
        table_issues = q["issues"].get("_table", {})
        if table_issues:
            lines += [f"Whole rows: {', '.join(f'{k} {pct(v)}' for k, v in table_issues.items())}.", ""]
        if name == HOSPITAL_XLSX:
            lines += ["Columns, labels and issues as in `hospital_patients.csv`; rates over these 1,000 rows:", ""]
            issue_line = ", ".join(
                f"`{c}` {k} {pct(v)}" for c, d in q["issues"].items() if c != "_table" for k, v in d.items() if v
            )
            lines += [issue_line, ""]
            continue
        lines += ["| column | description | sensitive | entity | missing | other issues |", "|---|---|---|---|---|---|"]
        for column in table.cols:
            sensitive, entity = LABELS[name][column]
            issues = q["issues"][column]
            other = ", ".join(f"{k} {pct(v)}" for k, v in issues.items() if k != "missing") or "-"
            lines.append(
                f"| `{column}` | {docs[column].replace('|', '/')} | {'yes' if sensitive else 'no'} | {entity} | "
                f"{pct(issues['missing'])} | {other} |"
            )
        if q["formats"]:
            lines += ["", "Formats (share of non-empty values):", ""]
            for column, shares in q["formats"].items():
                lines.append(f"* `{column}`: " + ", ".join(f"{k} {pct(v)}" for k, v in shares.items()))
    return ("\n".join(lines) + "\n").encode("utf-8")


# ---------------------------------------------------------------- main


def build(out: Path) -> dict[str, int]:
    """Build every output into ``out``; returns file sizes in bytes."""
    telecom = build_telecom()
    accounts, transactions = build_bank()
    hospital = build_hospital()
    tables = {TELECOM: telecom, ACCOUNTS: accounts, TRANSACTIONS: transactions, HOSPITAL: hospital}
    canonical = {
        TELECOM: TELECOM_CANONICAL,
        ACCOUNTS: BANK_CANONICAL,
        TRANSACTIONS: BANK_CANONICAL,
        HOSPITAL: HOSPITAL_CANONICAL,
    }
    files: dict[str, bytes] = {name: csv_bytes(t, FILE_INFO[name]) for name, t in tables.items()}
    files[HOSPITAL_XLSX] = xlsx_bytes(hospital, XLSX_ROWS)
    tables[HOSPITAL_XLSX] = head(hospital, XLSX_ROWS)
    canonical[HOSPITAL_XLSX] = HOSPITAL_CANONICAL

    quality: dict[str, Any] = {}
    for name, table in tables.items():
        keep = {c: v for c, v in canonical[name].items() if c in table.cols}
        quality[name] = {**FILE_INFO[name], **table.quality(keep)}
    for name, table in tables.items():
        if list(table.cols) != list(LABELS[name]):
            raise AssertionError(f"{name}: labels do not match the columns")
    labels = {
        name: {
            c: {"sensitive": s} | ({"role": "quasi_identifier"} if e == "gender" else {}) | {"entity": e}
            for c, (s, e) in LABELS[name].items()
        }
        for name in tables
    }
    quality_header = (
        "# Injected data-quality problems, measured on the written files (generated by build.py).\n"
        "# issues: column -> issue -> rate = affected rows / all data rows (exact, 6 decimals);\n"
        "#         '_table' holds whole-row issues. formats: shares of the column's non-empty values.\n"
    )
    files["labels.yaml"] = dump_yaml(LABEL_RULES, labels)
    files["quality.yaml"] = dump_yaml(quality_header, quality)
    sizes = {name: len(data) for name, data in files.items()}
    files["README.md"] = readme(tables, quality, sizes)
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (out / name).write_bytes(data)
    return {name: len(data) for name, data in files.items()}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: next to this script)")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    sizes = build(args.out)
    for name, size in sizes.items():
        print(f"{size / 1e6:7.2f} MB  {args.out / name}")
    print(f"built in {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
