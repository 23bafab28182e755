"""Seeds: any int or string in, independent reproducible streams out.

Each (table, field, segment, block, purpose) gets its own numpy SeedSequence child, so the values of
a block never depend on how many rows other blocks hold, on chunk sizes, or on worker counts.
"""

from __future__ import annotations

import hashlib
import secrets

import numpy as np

from tools.errors import DoppelError

SEED_BITS = 63


def stable_key(text: str) -> int:
    """A 32-bit number from text that is the same on every machine and Python run."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big")


EMPTY_SEED = "--seed: empty; give an integer or any text, or leave --seed out for a random (recorded) seed"


def parse_seed(value: int | str | None) -> int:
    """An int is used as is; other text is hashed stably; None draws a fresh random seed.

    Empty text is an error, never a random seed: a script passing ``--seed "$SEED"`` with SEED unset
    would otherwise lose reproducibility without a word."""
    if value is None:
        return secrets.randbits(SEED_BITS)
    if isinstance(value, str) and not value.strip():
        raise DoppelError(EMPTY_SEED)
    if isinstance(value, int):
        seed = value
    else:
        text = value.strip()
        try:
            seed = int(text)
        except ValueError:
            return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") >> (64 - SEED_BITS)
    if seed < 0:
        raise DoppelError(f"--seed: must not be negative, got {seed}")
    return seed


def rng_for(
    seed: int, table: str, field: str, segment: int, block: int, purpose: str = "values"
) -> np.random.Generator:
    spawn_key = (stable_key(table), stable_key(field), segment, block, stable_key(purpose))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=spawn_key)))


def field_seed(seed: int, table: str, field: str) -> int:
    """A per-field constant (the same in every block and segment) for keyed permutations and masks."""
    seq = np.random.SeedSequence(seed, spawn_key=(stable_key(table), stable_key(field), 2**31 - 1))
    return int(seq.generate_state(1, np.uint64)[0] >> np.uint64(1))
