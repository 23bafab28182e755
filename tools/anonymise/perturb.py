"""Perturbation: seeded, bounded noise on numbers written as text, in their own written form.

Each value is read as an integer count of its own last decimal place (``12.50`` -> 1250 hundredths),
the noise is rounded to that place and capped at the bound, and the sum is written back by integer
arithmetic; so ``|output - input| <= bound`` holds exactly (no float drift), whole numbers stay whole,
and ``12.50`` keeps two decimals. A column without negative values gets none: where noise would
cross zero its sign is flipped, which keeps the same magnitude and so the same bound.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tools.anonymise.model import PerturbRule
from tools.anonymise.text import factorise
from tools.errors import DoppelError
from tools.profile.numbers import parse_numbers

MIN_PARSED_SHARE = 0.5
EXPONENT_DECIMALS = 6  # ``1.5e3`` has no written scale: it is written back as a plain decimal
MAX_UNITS = 2**53  # beyond this a float no longer holds every integer: such values are not perturbed
_SYMBOL = r"^[+-]?(?P<symbol>[£$€])"


@dataclass
class Perturbed:
    values: pd.Series
    blanked: int
    note: str | None = None


def perturb(values: pd.Series, rule: PerturbRule, rng: np.random.Generator, where: str) -> Perturbed:
    """Noisy copy of ``values`` (missing stays missing); ``where`` names the column in errors."""
    n = len(values)
    codes, uniques = factorise(values)
    if not len(uniques):
        return Perturbed(values.copy(), 0)
    text = pc.utf8_trim_whitespace(pa.array(uniques, pa.string()))
    parsed = parse_numbers(text)
    decimals_u = np.where(parsed.exponent & ~parsed.decimal, EXPONENT_DECIMALS, parsed.scale).astype(np.int64)
    units_u = np.rint(parsed.values * 10.0**decimals_u)
    ok_u = parsed.ok & np.isfinite(units_u) & (np.abs(units_u) < MAX_UNITS)
    symbol_u = np.asarray(
        pc.fill_null(pc.extract_regex(text, _SYMBOL).field("symbol"), "").to_numpy(zero_copy_only=False), dtype=object
    )
    present = codes >= 0
    safe = np.where(present, codes, 0)
    ok = present & ok_u[safe]
    _check_share(int(ok.sum()), int(present.sum()), where)

    x = np.where(ok, parsed.values[safe], 0.0)
    decimals = np.where(ok, decimals_u[safe], 0)
    units = np.where(ok, units_u[safe], 0).astype(np.int64)
    step = 10.0 ** (-decimals)

    (scale, scale_rel), (bound, bound_rel) = rule.amounts()
    scale_r = scale * np.abs(x) if scale_rel else np.full(n, scale)
    bound_r = bound * np.abs(x) if bound_rel else np.full(n, bound)
    draw = rng.standard_normal(n) if rule.noise == "gaussian" else rng.uniform(-1.0, 1.0, n)
    limit = np.floor(bound_r / step)
    limit = np.where(limit * step > bound_r, limit - 1, limit).astype(np.int64)  # float division may round up
    noise = np.clip(np.rint(draw * scale_r / step), -limit, limit).astype(np.int64)
    out_units = units + noise
    if ok.any() and bool((x[ok] >= 0).all()):
        out_units = np.where(out_units < 0, units - noise, out_units)

    written = _write(out_units, decimals, parsed.grouped[safe] & ok, symbol_u[safe], ok)

    out = np.empty(n, dtype=object)
    out[:] = None
    out[ok] = written[ok]
    unparsed = present & ~ok
    blanked = 0
    note = None
    if unparsed.any():
        if rule.on_unparsed == "keep":
            out[unparsed] = values.to_numpy(dtype=object)[unparsed]
            note = f"{int(unparsed.sum()):,} values that are not numbers were left as they were"
        else:
            blanked = int(unparsed.sum())
            note = f"{blanked:,} values that are not numbers were emptied"
    return Perturbed(pd.Series(out, index=values.index, name=values.name, dtype=object), blanked, note)


def _check_share(parsed: int, present: int, where: str) -> None:
    if present and parsed / present < MIN_PARSED_SHARE:
        raise DoppelError(
            f"{where}: perturb needs numbers, but only {parsed:,} of {present:,} non-empty values "
            f"({parsed / present:.0%}) parse as numbers; choose another rule for this column"
        )


def _write(
    units: np.ndarray, decimals: np.ndarray, grouped: np.ndarray, symbols: np.ndarray, ok: np.ndarray
) -> np.ndarray:
    """Integer units with ``decimals`` places back to text: sign, currency symbol, thousands separators."""
    out = np.full(len(units), "", dtype=object)
    magnitude = np.abs(units)
    for places in np.unique(decimals[ok]).tolist():
        rows = np.flatnonzero(ok & (decimals == places))
        whole = magnitude[rows] // 10**places
        body = pd.Series(whole.astype(str), dtype=object)
        commas = grouped[rows]
        if commas.any():
            body[commas] = [f"{int(v):,}" for v in whole[commas]]
        if places:
            fraction = np.char.zfill((magnitude[rows] % 10**places).astype(str), places)
            body = body + "." + pd.Series(fraction, dtype=object)
        sign = np.where(units[rows] < 0, "-", "")
        out[rows] = (pd.Series(sign, dtype=object) + pd.Series(symbols[rows], dtype=object) + body).to_numpy()
    return out
