"""Benchmark: Doppel vs a Faker loop on the `customers` table of examples/shop.yaml, to Parquet.

    .venv/bin/python bench/generate.py [--rows 1000000] [--faker-rows 100000] [--big-rows 10000000]

Prints a Markdown table for BENCHMARKS.md. Faker is timed on fewer rows and scaled linearly (its
cost per row is flat); Doppel's peak memory is measured in fresh processes at 1M and 10M rows.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def customers_schema(folder: Path) -> Path:
    doc = yaml.safe_load((ROOT / "examples" / "shop.yaml").read_text())
    doc["tables"] = {"customers": doc["tables"]["customers"]}
    doc["edge_cases"] = [e for e in doc["edge_cases"] if e["table"] == "customers"]
    path = folder / "customers.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def run_doppel(schema: Path, rows: int, out: Path, workers: int) -> tuple[float, float]:
    """Seconds and peak RSS (MiB) of one `doppel generate` in a fresh process."""
    code = (
        "import resource, sys, time\n"
        "from pathlib import Path\n"
        "from tools.engine.runner import GenerateOptions, generate\n"
        "from tools.export.base import ExportOptions\n"
        "from tools.schema.loading import load_schema\n"
        f"spec, digest = load_schema({str(schema)!r})\n"
        "t = time.perf_counter()\n"
        f"generate(spec, digest, GenerateOptions(out=Path({str(out)!r}), rows={rows}, seed=1, workers={workers},"
        " export=ExportOptions(format='parquet')))\n"
        "print(time.perf_counter() - t)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    seconds, peak = (float(x) for x in done.stdout.split())
    return seconds, peak


def run_faker(rows: int, out: Path) -> float:
    """The same fields with Faker, one Python call per value (how Faker is used), then to Parquet."""
    from faker import Faker

    fake = Faker("en_GB")
    Faker.seed(1)
    random.seed(1)
    london = ZoneInfo("Europe/London")
    start, end = datetime(2023, 1, 1, tzinfo=london), datetime(2024, 12, 31, tzinfo=london)
    t = time.perf_counter()
    records = []
    for _ in range(rows):
        first, last = fake.first_name(), fake.last_name()
        records.append(
            {
                "id": fake.uuid4(),
                "first_name": first,
                "last_name": last,
                "email": f"{first}.{last}@{fake.free_email_domain()}".lower(),
                "phone": fake.phone_number(),
                "postcode": fake.postcode(),
                "age": min(99, max(18, round(random.gauss(41, 12)))),
                "tier": random.choices(["bronze", "silver", "gold"], weights=[0.6, 0.3, 0.1])[0],
                "balance": round(random.uniform(0, 5000), 2),
                "signup": fake.date_time_between(start, end, tzinfo=london),
                "code": fake.bothify("???-####", letters="ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
                "card": fake.credit_card_number(),
                "active": fake.pybool(80),
                "prefs": json.dumps({"newsletter": fake.pybool(), "channel": random.choice(["sms", "email"])}),
            }
        )
    pq.write_table(pa.Table.from_pylist(records), out / "faker_customers.parquet")
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--faker-rows", type=int, default=100_000)
    parser.add_argument("--big-rows", type=int, default=10_000_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        schema = customers_schema(folder)
        doppel_s, _ = run_doppel(schema, args.rows, folder / "d1", 1)
        doppel_par_s, peak_1m = run_doppel(schema, args.rows, folder / "d1p", args.workers)
        faker_s = run_faker(args.faker_rows, folder) * args.rows / args.faker_rows
        big_s, peak_big = run_doppel(schema, args.big_rows, folder / "d10", args.workers) if args.big_rows else (0, 0)
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print("| measure | value |\n|---|---|")
    print(f"| Doppel, {args.rows:,} rows, 1 worker | {doppel_s:.2f} s ({args.rows / doppel_s:,.0f} rows/s) |")
    par_rate = args.rows / doppel_par_s
    print(f"| Doppel, {args.rows:,} rows, {args.workers} workers | {doppel_par_s:.2f} s ({par_rate:,.0f} rows/s) |")
    print(f"| Faker loop, {args.faker_rows:,} rows scaled to {args.rows:,} | {faker_s:.2f} s |")
    print(
        f"| speed-up, 1 worker / {args.workers} workers | {faker_s / doppel_s:.1f}x / {faker_s / doppel_par_s:.1f}x |"
    )
    print(f"| peak memory, {args.rows:,} rows ({args.workers} workers) | {peak_1m:.0f} MiB |")
    if args.big_rows:
        print(f"| peak memory, {args.big_rows:,} rows ({args.workers} workers, {big_s:.1f} s) | {peak_big:.0f} MiB |")
        print(f"| memory ratio {args.big_rows:,} / {args.rows:,} | {peak_big / peak_1m:.2f} |")


if __name__ == "__main__":
    main()
