"""SDV: metadata detected from the training frames, corrected by our profile; one of four single-table
models, or HMA for related tables; seeded so the same seed gives the same rows.

SDV's loggers are silenced while it runs: its metadata detection logs category lists at INFO level,
and its usage log goes to a file in the user's data folder. Only non-sensitive columns ever reach SDV,
but nothing of the sample should leave through a log either way.
"""

from __future__ import annotations

import contextlib
import logging
import random
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from tools.errors import DoppelError
from tools.synth.model import MetadataCorrection, SynthModel
from tools.synth.relations import Relation
from tools.synth.training import TrainingTable

MODEL_LABEL = {
    "gaussian_copula": "GaussianCopula",
    "ctgan": "CTGAN",
    "copulagan": "CopulaGAN",
    "tvae": "TVAE",
}
SDV_LOGGERS = ("sdv", "SingleTableSynthesizer", "MultiTableSynthesizer", "Metadata", "SingleTableMetadata",
               "copulas", "rdt", "ctgan")  # fmt: skip
SEED_MOD = 2**32


@contextlib.contextmanager
def quiet_and_seeded(seed: int) -> Iterator[None]:
    """SDV's loggers off, its warnings hidden, and numpy / random / torch global generators seeded;
    everything restored afterwards."""
    loggers = [logging.getLogger(name) for name in SDV_LOGGERS]
    disabled = [lg.disabled for lg in loggers]
    np_state, py_state = np.random.get_state(), random.getstate()
    torch_state = None
    torch: Any = None
    with contextlib.suppress(ImportError):
        import torch

        torch_state = torch.random.get_rng_state()
    try:
        for lg in loggers:
            lg.disabled = True
        np.random.seed(seed % SEED_MOD)
        random.seed(seed)
        if torch is not None:
            torch.manual_seed(seed % SEED_MOD)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, was in zip(loggers, disabled, strict=True):
            lg.disabled = was
        np.random.set_state(np_state)
        random.setstate(py_state)
        if torch is not None and torch_state is not None:
            torch.random.set_rng_state(torch_state)


def build_metadata(
    tables: list[TrainingTable], relations: list[Relation], links: dict[str, dict[str, str]]
) -> tuple[Any, list[MetadataCorrection]]:
    """SDV's detection on the training frames, then our sdtypes, keys and relationships on top.

    ``links``: table -> link column -> "id". Returns the Metadata and what was corrected."""
    from sdv.metadata import Metadata

    frames = {t.name: t.frame for t in tables}
    with quiet_and_seeded(0):
        metadata = Metadata.detect_from_dataframes(frames, infer_keys=None)
    corrections: list[MetadataCorrection] = []
    for t in tables:
        detected = metadata.tables[t.name].columns
        wanted = dict(t.sdtypes)
        wanted.update(links.get(t.name, {}))
        for column, sdtype in wanted.items():
            found = str(detected[column]["sdtype"])
            if found != sdtype:
                metadata.update_column(column, t.name, sdtype=sdtype)
                if not column.startswith("__doppel_"):
                    corrections.append(
                        MetadataCorrection(table=t.name, column=column, detected=found, corrected=sdtype)
                    )
    for r in relations:
        if metadata.tables[r.parent_table].primary_key is None:
            metadata.set_primary_key(r.parent_column, r.parent_table)
        metadata.add_relationship(r.parent_table, r.child_table, r.parent_column, r.child_column)
    metadata.validate()
    return metadata, corrections


def _single(model: SynthModel, metadata: Any, epochs: int | None) -> Any:
    from sdv.single_table import CopulaGANSynthesizer, CTGANSynthesizer, GaussianCopulaSynthesizer, TVAESynthesizer

    if model == "gaussian_copula":
        return GaussianCopulaSynthesizer(metadata)
    extra: dict[str, Any] = {"enable_gpu": False}
    if epochs is not None:
        extra["epochs"] = epochs
    if model == "ctgan":
        return CTGANSynthesizer(metadata, **extra)
    if model == "copulagan":
        return CopulaGANSynthesizer(metadata, **extra)
    return TVAESynthesizer(metadata, **extra)


def fit_and_sample(
    tables: list[TrainingTable],
    metadata: Any,
    model: SynthModel,
    epochs: int | None,
    seed: int,
    rows: int,
) -> dict[str, pd.DataFrame]:
    """Fit on the training frames and sample ``rows`` rows of the first table (HMA: related tables
    follow in the proportions it learned). The random state is set from ``seed`` for fit and sample."""
    frames = {t.name: t.frame for t in tables}
    try:
        with quiet_and_seeded(seed):
            if len(tables) == 1:
                name = tables[0].name
                synthesizer = _single(model, metadata, epochs)
                synthesizer.fit({name: frames[name]})  # SDV 2: data is a {table: frame} mapping
                # SDV otherwise samples from a fixed seed whatever the run's seed is
                synthesizer._set_random_state(seed % SEED_MOD)
                sampled = synthesizer.sample(num_rows=rows)
                return {name: sampled[name] if isinstance(sampled, dict) else sampled}
            from sdv.multi_table import HMASynthesizer

            hma = HMASynthesizer(metadata, verbose=False)
            hma.fit(frames)
            hma._numpy_seed = seed % SEED_MOD  # HMA samples under this numpy seed
            return dict(hma.sample(num_rows=rows, main_table_name=tables[0].name))
    except DoppelError:
        raise
    except (ValueError, TypeError, KeyError, RuntimeError) as exc:
        label = "HMA" if len(tables) > 1 else MODEL_LABEL[model]
        names = ", ".join(t.name for t in tables)
        # SDV's own message is left out: it can quote sample values
        raise DoppelError(
            f"{label} could not learn {names} ({type(exc).__name__}); try --model gaussian_copula, or "
            "correct the column types with --overrides"
        ) from None
