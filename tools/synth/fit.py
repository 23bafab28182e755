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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tools.errors import DoppelError
from tools.synth import segments
from tools.synth.children import ChildPlan, leaf_relations, plan_child, redraw
from tools.synth.model import MetadataCorrection, SynthModel
from tools.synth.relations import Relation
from tools.synth.segments import Fitter
from tools.synth.training import TrainingTable

MODEL_LABEL = {
    "cart": "CART",
    "gaussian_copula": "GaussianCopula",
    "ctgan": "CTGAN",
    "copulagan": "CopulaGAN",
    "tvae": "TVAE",
}
SDV_LOGGERS = ("sdv", "SingleTableSynthesizer", "MultiTableSynthesizer", "Metadata", "SingleTableMetadata",
               "copulas", "rdt", "ctgan")  # fmt: skip
SEED_MOD = 2**32
CART_MIN_ROWS = 50  # fewer sample rows than this make leaves of a handful of people: a copula generalises more

ModelChoice = tuple[SynthModel, str]  # (model that runs, why)


def choose_model(requested: SynthModel, rows: int) -> ModelChoice:
    """The model for one table and the reason recorded in metadata.json. ``auto`` takes sequential CART
    (every value drawn from real values of its kind given the row so far; best quality on every public
    table in BENCHMARKS.md) unless the sample is too small for leaves of several rows each."""
    if requested != "auto":
        return requested, "chosen by --model"
    if rows < CART_MIN_ROWS:
        return "gaussian_copula", (
            f"auto: {rows} training rows are too few for sequential trees (at least {CART_MIN_ROWS}); "
            "a Gaussian copula generalises from fewer rows"
        )
    return "cart", (
        "auto: sequential CART keeps each column's real values and their joint dependence "
        "(BENCHMARKS.md: ahead of GaussianCopula on every public table measured)"
    )


@dataclass
class Sampled:
    """SDV's sampled frames by table, and how they were modelled (for metadata.json)."""

    frames: dict[str, pd.DataFrame]
    notes: dict[str, str] = field(default_factory=dict)  # table -> how it was modelled, when not plainly
    reason: str = ""  # why this model ran (metadata.json)
    faithful_gaps: set[str] = field(default_factory=set)  # tables whose gaps were drawn with their rows (CART)

    def __getitem__(self, table: str) -> pd.DataFrame:
        return self.frames[table]


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


def cart_fitter(rare: int) -> Fitter:
    """Sequential CART on one frame (``cart.py``), the Fitter interface of segments and children; no
    sampled row equals a training row shared by fewer than ``rare`` rows."""

    def fit(frame: pd.DataFrame, sdtypes: dict[str, str], rows: int, seed: int) -> pd.DataFrame:
        from tools.synth import cart

        return cart.sample(frame, sdtypes, rows, seed, rare=rare)

    return fit


def copula_fitter(name: str) -> Fitter:
    """SDV GaussianCopula on one frame, its metadata detected then set to our sdtypes, seeded."""

    def fit(frame: pd.DataFrame, sdtypes: dict[str, str], rows: int, seed: int) -> pd.DataFrame:
        from sdv.metadata import Metadata
        from sdv.single_table import GaussianCopulaSynthesizer

        with quiet_and_seeded(seed):
            metadata = Metadata.detect_from_dataframes({name: frame}, infer_keys=None)
            detected = metadata.tables[name].columns
            for column, sdtype in sdtypes.items():
                if column in frame and str(detected[column]["sdtype"]) != sdtype:
                    metadata.update_column(column, name, sdtype=sdtype)
            synthesizer = GaussianCopulaSynthesizer(metadata)
            synthesizer.fit({name: frame})
            synthesizer._set_random_state(seed % SEED_MOD)
            sampled = synthesizer.sample(num_rows=rows)
        return sampled[name] if isinstance(sampled, dict) else sampled

    return fit


def fit_and_sample(
    tables: list[TrainingTable],
    metadata: Any,
    model: SynthModel,
    epochs: int | None,
    seed: int,
    rows: int,
    relations: list[Relation] | None = None,
    rare: int = 0,
) -> Sampled:
    """Fit on the training frames and sample ``rows`` rows of the first table (related tables follow in
    the proportions learned). The random state is set from ``seed`` for fit and sample.

    GaussianCopula tables are segmented by the category that shapes the rest of the row
    (``segments.py``); with HMA, leaf child tables are redrawn per parent context (``children.py``).
    Where either cannot fit a part of the sample, SDV's plain model is used for that table."""
    frames = {t.name: t.frame for t in tables}
    notes: dict[str, str] = {}
    try:
        if len(tables) == 1:
            table = tables[0]
            if model == "cart":
                drawn = cart_fitter(rare)(table.frame, table.sdtypes, rows, seed)
                return Sampled({table.name: drawn}, notes, faithful_gaps={table.name})
            if model == "gaussian_copula":
                seg = segments.choose(table.frame, table.sdtypes)
                if seg is not None:
                    segmented = _try(
                        lambda: segments.sample_segmented(
                            table.frame, table.sdtypes, rows, seed, copula_fitter(table.name), seg
                        )
                    )
                    if segmented is not None:
                        notes[table.name] = f"one GaussianCopula per value of {seg.describe()}"
                        return Sampled({table.name: segments.with_dtypes(segmented, table.frame)}, notes)
            with quiet_and_seeded(seed):
                synthesizer = _single(model, metadata, epochs)
                synthesizer.fit({table.name: frames[table.name]})  # SDV 2: data is a {table: frame} mapping
                # SDV otherwise samples from a fixed seed whatever the run's seed is
                synthesizer._set_random_state(seed % SEED_MOD)
                sampled = synthesizer.sample(num_rows=rows)
            return Sampled({table.name: sampled[table.name] if isinstance(sampled, dict) else sampled}, notes)
        from sdv.multi_table import HMASynthesizer

        with quiet_and_seeded(seed):
            hma = HMASynthesizer(metadata, verbose=False)
            hma.fit(frames)
            hma._numpy_seed = seed % SEED_MOD  # HMA samples under this numpy seed
            out = dict(hma.sample(num_rows=rows, main_table_name=tables[0].name))
        faithful: set[str] = set()
        if model in ("gaussian_copula", "cart"):
            by_name = {t.name: t for t in tables}
            for r in leaf_relations(relations or []):
                parent, child = by_name[r.parent_table], by_name[r.child_table]
                plan = plan_child(parent, child, r)
                fitter = cart_fitter(rare) if model == "cart" else copula_fitter(child.name)
                redrawn = _try(lambda: redraw(plan, parent, child, out[r.parent_table], seed, fitter))  # noqa: B023
                if redrawn is not None:
                    out[r.child_table] = redrawn
                    notes[r.child_table] = _child_note(plan, MODEL_LABEL[model])
                    if model == "cart":
                        faithful.add(r.child_table)
        return Sampled(out, notes, faithful_gaps=faithful)
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


def _child_note(plan: ChildPlan, label: str) -> str:
    r = plan.relation
    how = "GaussianCopulas segmented by category" if label == "GaussianCopula" else f"{label} per context"
    if plan.context is None:
        return f"rows per {r.parent_table} row drawn alike for every parent, {how}"
    return (
        f"rows per {r.parent_table} row and their values drawn by {r.parent_table}.{plan.context} "
        f"(association {plan.association:.2f}), {how}; {r.parent_table} by HMA"
    )


def _try(make: Callable[[], pd.DataFrame]) -> pd.DataFrame | None:
    """A segmented or per-context sample, or None when SDV cannot fit one of its parts (a segment whose
    column is constant or empty, say): the caller then keeps SDV's plain model."""
    try:
        return make()
    except (ValueError, TypeError, KeyError, RuntimeError, IndexError, np.linalg.LinAlgError):
        return None
