"""Correlated numeric fields through a Gaussian copula over each field's own marginal.

The user states the Pearson coefficient they want between the generated values. Marginals that are
bounded, skewed or discrete shrink a latent Gaussian correlation on the way through, so the latent
value is calibrated once per plan (bisection on a fixed sample) to land on the target; where the
marginals make the target unreachable the closest reachable value is used and reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import special

from tools.schema.model import CorrelationSpec
from tools.schema.psd import complete
from tools.schema.validate import correlation_groups

if TYPE_CHECKING:
    from tools.engine.plan import CorrelationGroup, FieldPlan

CALIBRATION_ROWS = 40_000


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    if np.std(a) == 0 or np.std(b) == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def _pair_pearson(rho: float, fa: FieldPlan, fb: FieldPlan, z: np.ndarray) -> float:
    za, zb = z[:, 0], rho * z[:, 0] + np.sqrt(max(1 - rho * rho, 0.0)) * z[:, 1]
    assert fa.generator.quantile and fb.generator.quantile
    xa = np.asarray(fa.generator.quantile(special.ndtr(za), fa.params), dtype=float)
    xb = np.asarray(fb.generator.quantile(special.ndtr(zb), fb.params), dtype=float)
    return _pearson(xa, xb)


def calibrate(target: float, fa: FieldPlan, fb: FieldPlan) -> float:
    """The latent Gaussian correlation whose transformed values have Pearson ``target`` (or closest)."""
    z = np.random.default_rng(20240601).standard_normal((CALIBRATION_ROWS, 2))
    lo, hi = (0.0, 0.999) if target >= 0 else (-0.999, 0.0)
    reach = _pair_pearson(hi if target >= 0 else lo, fa, fb, z)
    if abs(reach) <= abs(target):
        return hi if target >= 0 else lo
    for _ in range(30):
        mid = (lo + hi) / 2
        if _pair_pearson(mid, fa, fb, z) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _nearest_correlation(matrix: np.ndarray) -> np.ndarray:
    """Clip negative eigenvalues so several pairwise targets form a valid correlation matrix."""
    values, vectors = np.linalg.eigh(matrix)
    fixed = vectors @ np.diag(np.maximum(values, 1e-6)) @ vectors.T
    d = np.sqrt(np.diag(fixed))
    return fixed / np.outer(d, d)


def build_groups(specs: list[CorrelationSpec], fields: dict[str, FieldPlan]) -> list[CorrelationGroup]:
    """Union pairwise targets into connected groups, each with a calibrated latent matrix.

    Pairs of a group left open take the values of a positive semi-definite completion (validation has
    checked one exists), rather than zero, which can make the given pairs unreachable (a-b 0.9, b-c 0.9)."""
    from tools.engine.plan import CorrelationGroup

    pairs = {(s.fields[0], s.fields[1]): s.coefficient for s in specs}
    result = []
    for members in correlation_groups(pairs):
        names = tuple(n for n in fields if n in members)
        targets = {pair: value for pair, value in pairs.items() if set(pair) <= members}
        latent = np.full((len(names), len(names)), np.nan)
        np.fill_diagonal(latent, 1.0)
        for (a, b), target in targets.items():
            rho = calibrate(target, fields[a], fields[b])
            i, j = names.index(a), names.index(b)
            latent[i, j] = latent[j, i] = rho
        filled = np.where(np.isnan(latent), 0.0, latent)
        if np.isnan(latent).any() and np.linalg.eigvalsh(filled)[0] < 0:
            filled = complete(latent).matrix
        result.append(CorrelationGroup(fields=names, targets=targets, gaussian=_nearest_correlation(filled)))
    return result


def sample_uniforms(group: CorrelationGroup, rng: np.random.Generator, size: int) -> dict[str, np.ndarray]:
    """Correlated uniforms in (0, 1), one column per field of the group."""
    chol = np.linalg.cholesky(group.gaussian)
    z = rng.standard_normal((size, len(group.fields))) @ chol.T
    u = special.ndtr(z)
    return {name: u[:, i] for i, name in enumerate(group.fields)}


class PearsonAccumulator:
    """Streaming Pearson correlation over chunks (sums of x, y, x², y², xy)."""

    def __init__(self) -> None:
        self.n = 0
        self.sums = np.zeros(5)

    def add(self, x: Any, y: Any) -> None:
        a = np.asarray(x, dtype=float)
        b = np.asarray(y, dtype=float)
        keep = ~(np.isnan(a) | np.isnan(b))
        a, b = a[keep], b[keep]
        self.n += len(a)
        self.sums += [a.sum(), b.sum(), (a * a).sum(), (b * b).sum(), (a * b).sum()]

    def value(self) -> float | None:
        if self.n < 2:
            return None
        sx, sy, sxx, syy, sxy = self.sums
        cov = sxy - sx * sy / self.n
        var = (sxx - sx * sx / self.n) * (syy - sy * sy / self.n)
        return float(cov / np.sqrt(var)) if var > 0 else None
