"""Benchmark: how long the sample builder (playbooks/samples/build.py) takes to write every sample.

    .venv/bin/python bench/samples.py [--runs 3]

Each run builds into a fresh temporary folder in its own process (as tests/test_samples.py does twice to
check determinism) and is timed by wall clock; prints Markdown for BENCHMARKS.md with each run and the
fastest. The tests check what the builder writes; how fast it writes it is measured here, not asserted.
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "playbooks" / "samples" / "build.py"


def build_once() -> float:
    with tempfile.TemporaryDirectory(prefix="doppel-samples-") as out:
        began = time.perf_counter()
        subprocess.run([sys.executable, str(BUILD), "--out", out], check=True, capture_output=True, cwd=ROOT)
        return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    seconds = [build_once() for _ in range(args.runs)]
    print(f"## Sample builder ({platform.python_version()}, {platform.machine()})\n")
    print("| run | seconds |\n|---:|---:|")
    for i, s in enumerate(seconds, 1):
        print(f"| {i} | {s:.1f} |")
    print(f"\nFastest of {args.runs}: {min(seconds):.1f} s (wall clock, includes starting Python).")


if __name__ == "__main__":
    main()
