"""Format mixes by shape: which written shapes a column uses (``AA 99 99 99 A`` 28%, ``AA999999A`` 67%)
and how to pour freshly generated values into them. Shapes come from the profile, so they say how
values are written without saying what they are. Everything works on whole columns at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tools.generators.identity import ascii_strings, render
from tools.profile.model import ColumnProfile
from tools.profile.patterns import shape as shape_of
from tools.synth.arrays import allocate

LOWER = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
UPPER = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)
DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)
# random letters leave out X: a run of them (860XX, 12XX34) reads as a pre-masked value
LOWER_NO_X = np.frombuffer(b"abcdefghijklmnopqrstuvwyz", dtype=np.uint8)
UPPER_NO_X = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWYZ", dtype=np.uint8)


def signature(shape: str) -> str:
    """The letter/digit sequence of a shape, separators dropped: ``AA 99-9`` -> ``AA999``."""
    return "".join(ch for ch in shape if ch in "A9")


def template(shape: str) -> str | None:
    """``AA 99`` -> ``## ##`` (None when a literal is not ASCII, or the shape was cut short)."""
    if not shape.isascii() or shape.endswith("…"):
        return None
    return "".join("#" if ch in "A9" else ch for ch in shape)


@dataclass
class ShapeMix:
    shapes: list[str]
    weights: np.ndarray  # sums to 1
    coverage: float = 1.0  # share of the column's present values these shapes account for

    def __bool__(self) -> bool:
        return bool(self.shapes)

    def pick(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """A shape index per row, each shape used exactly as often as its weight says."""
        return allocate(rng, size, self.weights)

    def share(self, predicate: Callable[[str], bool]) -> float:
        """Share of the mix whose shape satisfies ``predicate``."""
        return float(sum(w for s, w in zip(self.shapes, self.weights, strict=True) if predicate(s)))


MASK_CHARS = frozenset("*#•")


def shape_mix(profile: ColumnProfile, keep: Callable[[str], bool] | None = None) -> ShapeMix:
    """The profile's top shapes of unmasked values (optionally only those ``keep(shape)`` accepts),
    weights renormalised. Pre-masked values are left out, ``860xx`` (shape ``999AA``) as well as
    ``****1234``: masks are re-applied, in their own shapes and at their own rate, by the quality stage."""
    top = profile.patterns.top if profile.patterns is not None else []
    masked: dict[str, int] = {}
    for issue in profile.quality:
        if issue.kind == "masked_values":
            for mask in issue.patterns:
                masked[shape_of(mask.value)] = masked.get(shape_of(mask.value), 0) + mask.count
    chosen = [
        (s.value, s.count - masked.get(s.value, 0))
        for s in top
        if not MASK_CHARS & set(s.value) and (keep is None or keep(s.value))
    ]
    chosen = [(s, c) for s, c in chosen if c > 0]
    if not chosen:
        return ShapeMix([], np.zeros(0), 0.0)
    counts = np.asarray([c for _, c in chosen], dtype=np.float64)
    unmasked = profile.present - sum(masked.values())
    coverage = float(counts.sum()) / unmasked if unmasked > 0 else 0.0
    return ShapeMix([s for s, _ in chosen], counts / counts.sum(), min(1.0, coverage))


def compact(values: pa.Array) -> pa.Array:
    """Letters and digits only."""
    return pc.replace_substring_regex(values.cast(pa.string()), r"[^A-Za-z0-9]", "")


def _matrix(values: pa.Array, width: int) -> np.ndarray:
    """Equal-length ASCII strings as an ``(n, width)`` uint8 matrix."""
    if len(values) == 0:
        return np.zeros((0, width), dtype=np.uint8)
    joined = "".join(values.cast(pa.string()).to_pylist())
    return np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(len(values), width)


def pour(values: pa.Array, mix: ShapeMix, rng: np.random.Generator) -> pa.Array:
    """Each value written in a shape drawn from ``mix`` whose letter/digit sequence matches the value's
    own (``AB123456C`` -> ``AB 12 34 56 C``); values no shape fits are left as they are."""
    values = values.cast(pa.string())
    n = len(values)
    if not mix or n == 0:
        return values
    comp = compact(values)
    own = pc.replace_substring_regex(pc.replace_substring_regex(comp, "[A-Za-z]", "A"), "[0-9]", "9")
    choice = mix.pick(rng, n)
    out = values
    own_np = np.asarray(own.to_numpy(zero_copy_only=False), dtype=object)
    ascii_ok = np.asarray(pc.fill_null(pc.string_is_ascii(comp), False).to_numpy(zero_copy_only=False), bool)
    for k, shape in enumerate(mix.shapes):
        tmpl = template(shape)
        if tmpl is None:
            continue
        rows = np.flatnonzero((choice == k) & (own_np == signature(shape)) & ascii_ok)
        if not len(rows):
            continue
        width = len(signature(shape))
        chars = _matrix(comp.take(pa.array(rows)), width)
        poured = render([tmpl], None, chars)
        out = _put(out, rows, poured)
    return out


def _put(values: pa.Array, rows: np.ndarray, new: pa.Array) -> pa.Array:
    """``values`` with ``values[rows] = new``."""
    arr = np.asarray(values.to_numpy(zero_copy_only=False), dtype=object)
    arr[rows] = np.asarray(new.to_numpy(zero_copy_only=False), dtype=object)
    return pa.array(arr, pa.string())


def fill(shape: str, size: int, rng: np.random.Generator, upper: float = 1.0) -> pa.Array:
    """Random values of one shape: ``A`` -> a letter other than X (upper-case with probability
    ``upper``), ``9`` -> a digit, anything else kept."""
    tmpl = template(shape)
    if tmpl is None:
        tmpl = "".join("#" if ch in "A9" else (ch if ch.isascii() else "-") for ch in shape.rstrip("…"))
    slots = [ch for ch in shape if ch in "A9"]
    chars = np.zeros((size, len(slots)), dtype=np.uint8)
    for j, ch in enumerate(slots):
        if ch == "9":
            chars[:, j] = DIGITS[rng.integers(0, 10, size)]
        else:
            up = rng.random(size) < upper
            letters = len(UPPER_NO_X)
            chars[:, j] = np.where(
                up, UPPER_NO_X[rng.integers(0, letters, size)], LOWER_NO_X[rng.integers(0, letters, size)]
            )
    if not slots:
        return pa.array([tmpl] * size, pa.string())
    return render([tmpl], None, chars)


def fill_mix(mix: ShapeMix, size: int, rng: np.random.Generator, upper: float = 1.0) -> pa.Array:
    """Random values whose shapes follow ``mix``."""
    out = np.empty(size, dtype=object)
    choice = mix.pick(rng, size)
    for k, shape in enumerate(mix.shapes):
        rows = np.flatnonzero(choice == k)
        if len(rows):
            out[rows] = np.asarray(fill(shape, len(rows), rng, upper).to_numpy(zero_copy_only=False), dtype=object)
    return pa.array(out, pa.string())


@dataclass
class CaseMix:
    """Shares of ALL-UPPER and all-lower values among values with at least two letters."""

    upper: float = 0.0
    lower: float = 0.0


def _classes(values: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    text = values.cast(pa.string())
    letters = np.asarray(pc.fill_null(pc.count_substring_regex(text, r"\p{L}"), 0).to_numpy(zero_copy_only=False))
    cased = letters >= 2
    upper = cased & np.asarray(pc.fill_null(pc.utf8_is_upper(text), False).to_numpy(zero_copy_only=False), bool)
    lower = cased & np.asarray(pc.fill_null(pc.utf8_is_lower(text), False).to_numpy(zero_copy_only=False), bool)
    return cased, upper, lower


def case_mix(values: pa.Array) -> CaseMix:
    cased, upper, lower = _classes(values)
    n = int(cased.sum())
    return CaseMix(float(upper.sum()) / n, float(lower.sum()) / n) if n else CaseMix()


def apply_case_mix(values: pa.Array, target: CaseMix, rng: np.random.Generator) -> pa.Array:
    """Re-case just enough values that the ALL-UPPER and all-lower shares reach ``target``: mixed-case
    values first, then values of the other class while it is above its own target."""
    values = values.cast(pa.string())
    cased, upper, lower = _classes(values)
    n = int(cased.sum())
    if not n:
        return values
    arr = np.asarray(values.to_numpy(zero_copy_only=False), dtype=object)
    goals = {"upper": round(target.upper * n), "lower": round(target.lower * n)}
    classes = {"upper": upper, "lower": lower}
    funcs = {"upper": pc.utf8_upper, "lower": pc.utf8_lower}
    for name, other in (("upper", "lower"), ("lower", "upper")):
        need = goals[name] - int(classes[name].sum())
        if need <= 0:
            continue
        mixed = np.flatnonzero(cased & ~upper & ~lower)
        rows = rng.permutation(mixed)[:need]
        surplus = int(classes[other].sum()) - goals[other]
        if len(rows) < need and surplus > 0:
            spare = rng.permutation(np.flatnonzero(classes[other]))[: min(surplus, need - len(rows))]
            classes[other][spare] = False
            rows = np.concatenate([rows, spare])
        if not len(rows):
            continue
        arr[rows] = np.asarray(
            funcs[name](pa.array(arr[rows], pa.string())).to_numpy(zero_copy_only=False), dtype=object
        )
        classes[name][rows] = True
    return pa.array(arr, pa.string())


CASE_STYLES: dict[str, Callable[[str], str]] = {
    "upper": str.upper,
    "lower": str.lower,
    "capitalised": lambda text: text[:1].upper() + text[1:].lower(),
    "title": str.title,
    "mixed": str.swapcase,
}


def restyle(text: str, style: str) -> str:
    """``text`` in one of the case styles of ``tools.profile.quality.case_style`` (mixed: swapped case)."""
    return CASE_STYLES.get(style, str)(text)


def random_letters(rng: np.random.Generator, size: int, width: int) -> pa.Array:
    return ascii_strings(UPPER[rng.integers(0, 26, size=(size, width))])
