"""Per-stage seeds: each stage draws from its own stream, derived from the run seed and the stage name.

A resumed run re-derives exactly the seeds an uninterrupted one used, so outputs are byte-identical.
"""

from __future__ import annotations

import numpy as np

from tools.engine.seeding import SEED_BITS, parse_seed, stable_key


def run_seed(value: int | str | None) -> int:
    """The run's seed: an int as is, text hashed stably, None drawn at random (and then recorded)."""
    return parse_seed(value)


def stage_seed(seed: int, stage: str) -> int:
    """A 63-bit seed for ``stage``, independent of every other stage's."""
    sequence = np.random.SeedSequence(seed, spawn_key=(stable_key(f"stage:{stage}"),))
    return int(sequence.generate_state(1, np.uint64)[0] >> np.uint64(64 - SEED_BITS))
