"""Whether pairwise correlation targets can belong to real data: a correlation matrix must be positive
semi-definite (PSD), and pairs left open may take any value that makes it so.

* Every pair given: the smallest eigenvalue decides (``TOLERANCE`` below zero still counts as zero).
* Pairs left open and the given pairs form a chordal graph (chains, stars, trees, triangles ...): a PSD
  completion exists exactly when every clique of given pairs is PSD (Grone, Johnson, Sá, Wolkowicz 1984),
  so the failing clique names the contradicting pairs.
* Otherwise (a cycle of four or more without chords): alternating projections (Higham 2002, with the
  given entries fixed) look for a completion; none within reach means none exists.

The same search gives the engine a valid matrix for the pairs left open (the PSD completion nearest to
leaving them uncorrelated).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TOLERANCE = 1e-9
ITERATIONS = 5000
SEARCH_TOLERANCE = 1e-7  # alternating projections converge slowly on the boundary


@dataclass(frozen=True)
class Completion:
    feasible: bool
    matrix: np.ndarray  # a completed matrix (PSD when feasible; the closest found otherwise)
    smallest: float  # its (or the failing clique's) smallest eigenvalue
    clique: tuple[int, ...] | None = None  # the failing clique's indices, when the graph is chordal


def _smallest(matrix: np.ndarray) -> float:
    return float(np.linalg.eigvalsh(matrix)[0]) if len(matrix) else 0.0


def _cliques(known: np.ndarray) -> list[tuple[int, ...]] | None:
    """The cliques {v} ∪ (neighbours numbered earlier) of a maximum cardinality search; None when the
    graph of known pairs is not chordal (some such neighbourhood is not a clique)."""
    n = len(known)
    weight = [0] * n
    order: list[int] = []
    for _ in range(n):
        v = max((u for u in range(n) if u not in order), key=lambda u: (weight[u], -u))
        order.append(v)
        for u in range(n):
            if known[v, u] and u not in order:
                weight[u] += 1
    cliques = []
    for position, v in enumerate(order):
        earlier = [u for u in order[:position] if known[v, u]]
        if any(not known[a, b] for i, a in enumerate(earlier) for b in earlier[i + 1 :]):
            return None
        cliques.append(tuple(sorted([v, *earlier])))
    return cliques


def _project_psd(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh(matrix)
    fixed = (vectors * np.maximum(values, 0.0)) @ vectors.T
    return (fixed + fixed.T) / 2


def _search(target: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Alternating projections onto the PSD cone and onto the matrices with the known entries."""
    y = np.where(known, target, 0.0)
    correction = np.zeros_like(y)
    for _ in range(ITERATIONS):
        r = y - correction
        x = _project_psd(r)
        correction = x - r
        y = np.where(known, target, x)
        if _smallest(y) >= -TOLERANCE:
            break
    return y


def complete(target: np.ndarray) -> Completion:
    """``target``: a symmetric matrix with ones on the diagonal and NaN where a pair is left open."""
    known = ~np.isnan(target)
    if known.all():
        smallest = _smallest(target)
        return Completion(smallest >= -TOLERANCE, target, smallest)
    zeros = np.where(known, target, 0.0)
    cliques = _cliques(known)
    if cliques is not None:
        for clique in cliques:
            smallest = _smallest(target[np.ix_(clique, clique)])
            if smallest < -TOLERANCE:
                return Completion(False, zeros, smallest, clique)
        if _smallest(zeros) >= 0:
            return Completion(True, zeros, _smallest(zeros))
        found = _search(target, known)
        return Completion(True, found, _smallest(found))
    if _smallest(zeros) >= 0:
        return Completion(True, zeros, _smallest(zeros))
    found = _search(target, known)
    smallest = _smallest(found)
    return Completion(smallest >= -SEARCH_TOLERANCE, found, smallest)
