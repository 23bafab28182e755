"""Benchmark: Doppel's whole `synthesize` against raw SDV GaussianCopula on the same sample, and
`profile` against pandas.read_csv alone.

    .venv/bin/python bench/synthesize.py [--rows 100000] [--profile-rows 1000000] [--columns 50]

The sample is built here (seeded): a wide customer table with sensitive columns (keys, names,
emails, phones in mixed notations, dates of birth, postcodes, addresses, NI numbers, IBANs, partly
masked card numbers, IPs), numbers, categories, dates with an ordering, and injected quality issues.

* Doppel: ``synthesize()`` from the CSV to written CSV: read, classify, profile, SDV GaussianCopula fit
  and sample, regeneration, constraints, quality re-application, leakage check, measuring, export.
* SDV: ``pandas.read_csv`` + ``Metadata.detect_from_dataframes`` + ``GaussianCopulaSynthesizer`` fit and
  sample + ``DataFrame.to_csv``, on the same file and row count (it models every column, sensitive
  ones included, which is what Doppel exists to avoid).

Prints Markdown for BENCHMARKS.md. Each side runs in a fresh process, one after the other.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.generators.registry import Related, get  # noqa: E402


def _gen(name: str, rng: np.random.Generator, size: int, **params: object) -> np.ndarray:
    spec = get(name)
    assert spec is not None
    out = spec.func(rng, size, spec.parse_params(params), Related())
    arr = out if isinstance(out, pa.Array) else pa.array(out)
    return np.asarray(arr.cast(pa.string()).to_numpy(zero_copy_only=False), dtype=object)


def _blank(values: np.ndarray, rng: np.random.Generator, rate: float) -> np.ndarray:
    out = values.astype(object).copy()
    out[rng.random(len(out)) < rate] = None
    return out


def _pad(values: np.ndarray, rng: np.random.Generator, rate: float) -> np.ndarray:
    out = values.astype(object).copy()
    hit = (rng.random(len(out)) < rate) & pd.notna(out)
    out[hit] = [f" {v}" for v in out[hit]]
    return out


def _dates(rng: np.random.Generator, size: int, start: str, days: int, fmt: str) -> tuple[np.ndarray, np.ndarray]:
    stamps = np.datetime64(start, "s") + rng.integers(0, days * 86400, size).astype("timedelta64[s]")
    return stamps, pd.Series(stamps).dt.strftime(fmt).to_numpy(dtype=object)


def build_sample(rows: int, columns: int, seed: int = 7) -> pd.DataFrame:
    """A messy, wide customer table of text cells (see the module docstring)."""
    rng = np.random.default_rng(seed)
    n = rows
    first, last = _gen("first_name", rng, n, locale="en_GB"), _gen("last_name", rng, n, locale="en_GB")
    phones = _gen("phone", rng, n, locale="en_GB", format="mixed")
    cards = _gen("credit_card", rng, n, brands=["visa", "mastercard"])
    masked = rng.random(n) < 0.1
    cards[masked] = ["************" + c[-4:] for c in cards[masked]]
    emails = _gen("email", rng, n, locale="en_GB")
    broken = rng.random(n) < 0.02
    emails[broken] = [e.replace("@", "") for e in emails[broken]]
    postcodes = _gen("postcode", rng, n, locale="en_GB")
    invalid = rng.random(n) < 0.02
    postcodes[invalid] = [p[:-1] for p in postcodes[invalid]]
    _, dob_text = _dates(rng, n, "1940-01-01", 60 * 365, "%d/%m/%Y")
    start, start_text = _dates(rng, n, "2019-01-01", 5 * 365, "%Y-%m-%d")
    end = start + rng.integers(30, 900, n).astype("timedelta64[D]")
    end_text = pd.Series(end).dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    flip = rng.random(n) < 0.01
    end_text[flip] = pd.Series(start[flip] - np.timedelta64(5, "D")).dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    plan = rng.choice(["Starter", "Standard", "Premium", "Unlimited"], n, p=[0.4, 0.3, 0.2, 0.1])
    fee = np.select([plan == "Starter", plan == "Standard", plan == "Premium"], [9.99, 19.99, 34.99], 49.99)
    status = rng.choice(["Active", "Suspended", "Closed"], n, p=[0.85, 0.1, 0.05]).astype(object)
    status[rng.random(n) < 0.03] = "ACTIVE"
    data: dict[str, np.ndarray] = {
        "customer_id": np.array([f"CUST-{i:07d}" for i in rng.permutation(9_000_000)[:n]], dtype=object),
        "first_name": _pad(first, rng, 0.01),
        "last_name": last,
        "full_name": np.array([f"{a} {b}" for a, b in zip(first, last, strict=True)], dtype=object),
        "email": _blank(emails, rng, 0.08),
        "phone": _blank(phones, rng, 0.05),
        "date_of_birth": dob_text,
        "postcode": _blank(postcodes, rng, 0.02),
        "address_line1": _gen("street", rng, n, locale="en_GB"),
        "ni_number": _blank(_gen("national_id", rng, n, country="GB"), rng, 0.15),
        "iban": _gen("iban", rng, n, country="GB"),
        "card_number": _blank(cards, rng, 0.3),
        "ip_address": np.array([f"10.{a}.{b}.{c}" for a, b, c in rng.integers(0, 256, (n, 3))], dtype=object),
        "plan": plan.astype(object),
        "monthly_fee": np.char.mod("%.2f", fee).astype(object),
        "status": status,
        "contract_start": start_text,
        "contract_end": end_text,
        "created_at": _dates(rng, n, "2015-01-01", 9 * 365, "%Y-%m-%dT%H:%M:%SZ")[1],
    }
    numeric = 0
    categories = [
        ["North", "South", "East", "West", "Midlands", "Scotland", "Wales"],
        ["Online", "Retail", "Telesales", "Partner"],
        ["iOS", "Android"],
        ["Y", "N"],
        ["TRUE", "FALSE"],
        ["Email", "SMS", "Phone", "Post"],
        ["Consumer", "Small Business", "Enterprise"],
        ["GBP", "EUR", "USD"],
    ]
    k = 0
    while len(data) < columns:
        if k % 3 == 2:
            choice = categories[(k // 3) % len(categories)]
            data[f"category_{k}"] = _blank(rng.choice(choice, n).astype(object), rng, 0.02)
        elif k % 3 == 0:
            values = np.round(rng.lognormal(3 + numeric % 4, 0.8, n), 2)
            data[f"amount_{k}"] = _blank(np.char.mod("%.2f", values).astype(object), rng, 0.01)
            numeric += 1
        else:
            data[f"count_{k}"] = np.char.mod("%d", rng.poisson(5 + k, n)).astype(object)
        k += 1
    return pd.DataFrame(data)


def _run(code: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run_doppel(sample: Path, rows: int, out: Path) -> dict[str, float]:
    code = (
        "import json, time\n"
        "from pathlib import Path\n"
        "from tools.synth.model import SynthesizeRequest\n"
        "from tools.synth.pipeline import synthesize\n"
        "t = time.perf_counter()\n"
        f"request = SynthesizeRequest(data=[Path({str(sample)!r})], rows={rows}, seed=1, out=Path({str(out)!r}))\n"
        "r = synthesize(request)\n"
        "timings = dict(r.timings, wall=time.perf_counter() - t, leak_passed=float(r.leakage.passed),\n"
        "               off=float(sum(not q.within_tolerance for q in r.quality)), rates=float(len(r.quality)))\n"
        "print(json.dumps(timings))\n"
    )
    return _run(code)


def run_sdv(sample: Path, rows: int, out: Path) -> dict[str, float]:
    code = (
        "import json, time, warnings\n"
        "warnings.simplefilter('ignore')\n"
        "import pandas as pd\n"
        "from sdv.metadata import Metadata\n"
        "from sdv.single_table import GaussianCopulaSynthesizer\n"
        "t = time.perf_counter()\n"
        f"frame = pd.read_csv({str(sample)!r})\n"
        "read = time.perf_counter()\n"
        "metadata = Metadata.detect_from_dataframes({'sample': frame})\n"
        "synth = GaussianCopulaSynthesizer(metadata)\n"
        "synth.fit({'sample': frame})\n"
        "fit = time.perf_counter()\n"
        f"out = synth.sample(num_rows={rows})['sample']\n"
        "sample = time.perf_counter()\n"
        f"out.to_csv({str(out)!r}, index=False)\n"
        "end = time.perf_counter()\n"
        "print(json.dumps({'read': read - t, 'fit': fit - read, 'sample': sample - fit, 'write': end - sample,\n"
        "                  'wall': end - t}))\n"
    )
    return _run(code)


def run_profile(sample: Path) -> dict[str, float]:
    code = (
        "import json, time\n"
        "from pathlib import Path\n"
        "from tools.ingest.readers import read_samples\n"
        "from tools.profile.profiler import profile_tables\n"
        "from tools.sensitive.classify import classify_tables\n"
        "t = time.perf_counter()\n"
        f"tables = read_samples([Path({str(sample)!r})])\n"
        "read = time.perf_counter()\n"
        "found = classify_tables(tables)\n"
        "classified = time.perf_counter()\n"
        "profile_tables(tables, found)\n"
        "end = time.perf_counter()\n"
        "print(json.dumps({'read': read - t, 'classify': classified - read, 'profile': end - classified,\n"
        "                  'wall': end - t}))\n"
    )
    return _run(code)


def run_read_csv(sample: Path) -> dict[str, float]:
    code = (
        "import json, time\n"
        "import pandas as pd\n"
        "t = time.perf_counter()\n"
        f"pd.read_csv({str(sample)!r})\n"
        "print(json.dumps({'wall': time.perf_counter() - t}))\n"
    )
    return _run(code)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--profile-rows", type=int, default=1_000_000)
    parser.add_argument("--columns", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        sample = folder / "customers.csv"
        build_sample(args.rows, args.columns).to_csv(sample, index=False)
        built = time.perf_counter() - started
        doppel = run_doppel(sample, args.rows, folder / "doppel")
        sdv = run_sdv(sample, args.rows, folder / "sdv.csv")
        ratio = doppel["wall"] / sdv["wall"]
        print(f"## Synthesis from a sample ({platform.python_version()}, {platform.machine()})\n")
        print(f"{args.rows:,} rows x {args.columns} columns, {args.rows:,} rows out, GaussianCopula, CSV in and out ")
        print(f"(sample built in {built:.1f} s, {sample.stat().st_size / 2**20:.1f} MiB).\n")
        print("| step | Doppel synthesize (s) | raw SDV (s) |")
        print("|---|---:|---:|")
        print(f"| read | {doppel['read']:.1f} | {sdv['read']:.1f} |")
        print(f"| classify | {doppel['classify']:.1f} | - |")
        print(f"| profile | {doppel['profile']:.1f} | - |")
        print(f"| SDV fit + sample | {doppel['fit_and_sample']:.1f} | {sdv['fit'] + sdv['sample']:.1f} |")
        print(f"| regenerate sensitive columns | {doppel['regenerate']:.1f} | - |")
        print(f"| constraints + quality issues | {doppel['constraints_quality']:.1f} | - |")
        print(f"| leakage check | {doppel['leakage_check']:.1f} | - |")
        print(f"| measure output rates | {doppel['measure']:.1f} | - |")
        print(f"| write | {doppel['write']:.1f} | {sdv['write']:.1f} |")
        print(f"| **total** | **{doppel['wall']:.1f}** | **{sdv['wall']:.1f}** |")
        print(f"\nDoppel / SDV: **{ratio:.2f}x** (target <= 1.3x). Leakage check passed: "
              f"{bool(doppel['leak_passed'])}; rates outside tolerance: "
              f"{int(doppel['off'])} of {int(doppel['rates'])}.")  # fmt: skip
        if args.profile_rows:
            big = folder / "big.csv"
            started = time.perf_counter()
            build_sample(args.profile_rows, args.columns, seed=8).to_csv(big, index=False)
            built = time.perf_counter() - started
            profile = run_profile(big)
            pandas = run_read_csv(big)
            print(f"\n## Profiling {args.profile_rows:,} rows x {args.columns} columns "
                  f"({big.stat().st_size / 2**20:.0f} MiB CSV, built in {built:.0f} s)\n")  # fmt: skip
            print("| step | seconds |")
            print("|---|---:|")
            print(f"| pandas.read_csv alone | {pandas['wall']:.1f} |")
            print(f"| Doppel read (all cells as text) | {profile['read']:.1f} |")
            print(f"| Doppel classify | {profile['classify']:.1f} |")
            print(f"| Doppel profile | {profile['profile']:.1f} |")
            print(f"| **Doppel read + classify + profile** | **{profile['wall']:.1f}** |")
            print(f"\nDoppel / pandas.read_csv: **{profile['wall'] / pandas['wall']:.2f}x**")


if __name__ == "__main__":
    main()
