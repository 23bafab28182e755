"""Read REAL and SYNTHETIC (files or folders), pair their tables by name, and sample large inputs.

A synthesize/generate output folder holds ``<table>.<ext>`` (or numbered ``<table>.part-00001.<ext>``
files) beside ``metadata.json``; the metadata file is not a table and part files are joined back.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tools.errors import DoppelError
from tools.export.base import ANOMALY_COLUMN
from tools.ingest.model import IngestedTable
from tools.ingest.readers import SUPPORTED, read_sample
from tools.sensitive.model import ColumnClassification
from tools.sensitive.report import read_report

METADATA_FILE = "metadata.json"
COMPRESSED = (".gz", ".zst", ".zip", ".bz2", ".xz")
_PART = re.compile(r"^(?P<table>.+)\.part-\d+$")


@dataclass
class TablePair:
    """One real table and its synthetic counterpart (raw text cells, Doppel tags removed)."""

    name: str
    real: IngestedTable
    synthetic: IngestedTable
    real_rows: int
    synthetic_rows: int
    tagged_anomaly_rate: float | None


def read_side(path: Path, role: str, head: int | None = None) -> dict[str, IngestedTable]:
    """Every table of one side, by name. ``role`` ("REAL", "SYNTH", "holdout") goes into error messages;
    ``head`` reads only each table's first rows, exactly as synthesis reads a sample cut by --max-rows."""
    path = Path(path)
    if not path.exists():
        raise DoppelError(f"{path}: no such file or folder ({role})")
    if path.is_file():
        return {t.name: t for t in read_sample(path, max_rows=head)}
    files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    if packed := [p for p in files if p.suffix.lower() in COMPRESSED]:
        raise DoppelError(f"{packed[0]}: compressed table files are not supported by evaluate; decompress them first")
    files = [p for p in files if p.suffix.lower() in SUPPORTED and p.name != METADATA_FILE]
    if not files:
        raise DoppelError(f"{path}: folder holds no table files ({role}; supported: {', '.join(SUPPORTED)})")
    groups: dict[str, list[Path]] = {}
    for file in files:
        match = _PART.match(file.stem)
        groups.setdefault(match["table"] if match else file.stem, []).append(file)
    tables: dict[str, IngestedTable] = {}
    for name, parts in groups.items():
        for table in _join_parts(name, parts, head):
            if table.name in tables:
                raise DoppelError(f"{table.source.path}: table '{table.name}' appears twice in {path} ({role})")
            tables[table.name] = table
    return tables


def _join_parts(name: str, parts: list[Path], head: int | None = None) -> list[IngestedTable]:
    """A single file as read (an Excel workbook may hold several sheets); numbered parts as one table
    (cut to its first ``head`` rows when given)."""
    if len(parts) == 1 and not _PART.match(parts[0].stem):
        return read_sample(parts[0], max_rows=head)
    frames: list[pd.DataFrame] = []
    first: IngestedTable | None = None
    for part in parts:
        (table,) = read_sample(part, max_rows=head)
        if first is not None and list(table.frame.columns) != list(first.frame.columns):
            raise DoppelError(f"{part}: columns differ from {first.source.path}; part files of one table must match")
        first = first or table
        frames.append(table.frame)
    assert first is not None
    frame = pd.concat(frames, ignore_index=True)
    if head is not None:
        frame = frame.iloc[:head].reset_index(drop=True)
    source = first.source.model_copy(update={"rows": len(frame)})
    return [IngestedTable(name=name, source=source, frame=frame)]


def pair_tables(
    real: dict[str, IngestedTable], synthetic: dict[str, IngestedTable], synthetic_path: Path, warnings: list[str]
) -> list[tuple[str, IngestedTable, IngestedTable]]:
    """One table on each side pairs directly (named after the real one); otherwise by name, and every real
    table needs a partner."""
    if len(real) == 1 and len(synthetic) == 1:
        (name, r), (s_name, s) = next(iter(real.items())), next(iter(synthetic.items()))
        if s_name != name and Path(synthetic_path).is_dir():
            warnings.append(f"paired real table '{name}' with synthetic table '{s_name}' (one table on each side)")
        return [(name, r, s)]
    missing = [n for n in real if n not in synthetic]
    if missing:
        found = ", ".join(sorted(synthetic)) or "none"
        raise DoppelError(
            f"{synthetic_path}: no synthetic table for {', '.join(missing)} (found: {found}); tables pair by name"
        )
    if extra := sorted(set(synthetic) - set(real)):
        warnings.append(f"synthetic tables without a real counterpart, not evaluated: {', '.join(extra)}")
    return [(name, real[name], synthetic[name]) for name in real]


def sample_frame(frame: pd.DataFrame, max_rows: int | None, seed: int) -> pd.DataFrame:
    """At most ``max_rows`` rows, drawn without replacement by a seeded generator, in original order."""
    if max_rows is None or len(frame) <= max_rows:
        return frame.reset_index(drop=True)
    picked = np.sort(np.random.default_rng(seed).choice(len(frame), size=max_rows, replace=False))
    return frame.iloc[picked].reset_index(drop=True)


def prepare_pair(
    name: str, real: IngestedTable, synthetic: IngestedTable, max_rows: int | None, seed: int
) -> TablePair:
    """Drop Doppel's tag column (recording how many rows carry tags), then sample both sides."""
    synth_frame = synthetic.frame
    tagged: float | None = None
    if ANOMALY_COLUMN in synth_frame.columns:
        tags = synth_frame[ANOMALY_COLUMN]
        empty = tags.isna() | tags.astype(str).str.strip().isin(["", "[]", "null"])
        tagged = float((~empty).mean()) if len(tags) else 0.0
        synth_frame = synth_frame.drop(columns=[ANOMALY_COLUMN])
    real_frame = real.frame.drop(columns=[ANOMALY_COLUMN], errors="ignore")
    return TablePair(
        name=name,
        real=real.model_copy(update={"name": name, "frame": sample_frame(real_frame, max_rows, seed)}),
        synthetic=synthetic.model_copy(update={"name": name, "frame": sample_frame(synth_frame, max_rows, seed + 1)}),
        real_rows=len(real.frame),
        synthetic_rows=len(synthetic.frame),
        tagged_anomaly_rate=tagged,
    )


def classifications(
    tables: list[IngestedTable], sensitivity: Path | None, warnings: list[str], today: dt.date | None = None
) -> list[ColumnClassification]:
    """From a saved sensitivity report, or by classifying REAL. If the classifier itself fails, every column
    is treated as sensitive (nothing value-level reaches the report) and the report says so."""
    if sensitivity is not None:
        return read_report(sensitivity).columns
    from tools.sensitive.classify import classify_tables

    try:
        return classify_tables(tables, today=today)
    except DoppelError:
        raise
    except Exception as exc:  # a classifier bug must not leak values by default: fall back to "all sensitive"
        warnings.append(
            f"sensitivity classifier failed ({type(exc).__name__}); every column treated as sensitive. "
            "Pass --sensitivity sensitivity.json to use a saved classification."
        )
        return []
