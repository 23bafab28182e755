"""The generator registry: built-in and custom generators behind one small, validated interface.

A generator is a function ``(rng, size, params, related) -> array`` where ``rng`` is a
``numpy.random.Generator``, ``size`` the number of values wanted, ``params`` an instance of the
generator's pydantic parameter model and ``related`` the values of sibling fields it depends on
(plus ``related.row_start``, the global index of the first row, and ``related.unique``). It returns
anything ``pyarrow.array`` accepts (a numpy array, a list, a pyarrow array) of exactly ``size`` values.

Register with the :func:`generator` decorator, or expose a decorated function under the
``doppel.generators`` entry-point group from any installed package.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar

import numpy as np
import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from tools.errors import RegistrationError

ENTRY_POINT_GROUP = "doppel.generators"
TEXT = pa.string()
INTERFACE = ("rng", "size", "params", "related")


class GeneratorParams(BaseModel):
    """Base for parameter models: unknown keys are errors, so typos in schemas are caught."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class NoParams(GeneratorParams):
    pass


P = TypeVar("P", bound=GeneratorParams)


@dataclass(frozen=True)
class Related(Mapping[str, pa.Array]):
    """Values of the fields a generator depends on, for the same rows, plus row context."""

    columns: Mapping[str, pa.Array] = field(default_factory=dict)
    row_start: int = 0
    unique: bool = False
    # A per-field constant derived from the run seed, the same for every chunk (for keyed permutations).
    field_seed: int = 0

    def __getitem__(self, key: str) -> pa.Array:
        return self.columns[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)


GenerateFn = Callable[[np.random.Generator, int, Any, Related], Any]
QuantileFn = Callable[[np.ndarray, Any], Any]


@dataclass(frozen=True)
class ValueSpace:
    """How many distinct values a generator can produce with given params, and how to say which."""

    count: int
    what: str  # e.g. "1..10", "bronze, silver, gold", "pattern '[A-Z]{2}'"
    exact: bool = True  # False: ``count`` is an upper bound (or the cap)


SpaceFn = Callable[[Any], ValueSpace | None]


@dataclass(frozen=True)
class GeneratorSpec(Generic[P]):
    """Everything the engine needs to know about one generator type."""

    name: str
    func: GenerateFn
    params_model: type[P]
    arrow_type: Callable[[P], pa.DataType]
    # Names of parameters whose value is a sibling field name (e.g. email `from`, datetime `after`).
    field_refs: tuple[str, ...] = ()
    # Inverse CDF: uniforms in (0, 1) -> values with the generator's marginal. Enables correlations.
    quantile: QuantileFn | None = None
    # (low, high) of the valid domain, for `boundary` edge cases; None when the type has no bounds.
    bounds: Callable[[P], tuple[Any, Any] | None] | None = None
    # True when the generator guarantees distinct values itself if `related.unique` is set.
    unique_by_construction: bool = False
    # True when the values are JSON documents stored as text.
    json: bool = False
    # The distinct values the params allow, when few enough to matter for unique fields (None: unbounded).
    space: SpaceFn | None = None
    description: str = ""

    def parse_params(self, raw: Mapping[str, Any]) -> P:
        return self.params_model.model_validate(dict(raw))

    def referenced_fields(self, params: P) -> list[str]:
        names: list[str] = []
        for ref in self.field_refs:
            value = getattr(params, ref, None)
            if isinstance(value, str):
                names.append(value)
            elif isinstance(value, list | tuple):
                names.extend(str(v) for v in value)
        return names


_REGISTRY: dict[str, GeneratorSpec[Any]] = {}
_ENTRY_POINTS_LOADED = False


def _check_interface(name: str, func: Any, params_model: Any, arrow_type: Any) -> None:
    where = f"generator '{name}'"
    if not name or not isinstance(name, str) or not name.replace("_", "").isalnum():
        raise RegistrationError(f"{where}: a name must be a non-empty identifier such as 'sku_code'")
    if not callable(func):
        raise RegistrationError(f"{where}: {func!r} is not callable")
    try:
        parameters = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError) as exc:  # builtins without signatures
        raise RegistrationError(f"{where}: cannot read the signature of {func!r}: {exc}") from exc
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required_extra = [p.name for p in positional[len(INTERFACE) :] if p.default is p.empty]
    if len(positional) < len(INTERFACE) or required_extra:
        got = ", ".join(p.name for p in parameters) or "no parameters"
        raise RegistrationError(
            f"{where}: must accept ({', '.join(INTERFACE)}): a numpy Generator, a size, "
            f"its params and the related field values; it accepts ({got})"
        )
    if not (isinstance(params_model, type) and issubclass(params_model, BaseModel)):
        raise RegistrationError(f"{where}: params must be a pydantic BaseModel subclass, got {params_model!r}")
    if not (isinstance(arrow_type, pa.DataType) or callable(arrow_type)):
        raise RegistrationError(f"{where}: output must be a pyarrow DataType or a function of the params returning one")


def generator(
    name: str,
    *,
    params: type[GeneratorParams] = NoParams,
    output: pa.DataType | Callable[[Any], pa.DataType] = TEXT,
    field_refs: tuple[str, ...] = (),
    quantile: QuantileFn | None = None,
    bounds: Callable[[Any], tuple[Any, Any] | None] | None = None,
    unique_by_construction: bool = False,
    json: bool = False,
    space: SpaceFn | None = None,
    replace: bool = False,
) -> Callable[[GenerateFn], GenerateFn]:
    """Register a generator under ``name``; the decorated function is returned unchanged."""

    def register_fn(func: GenerateFn) -> GenerateFn:
        _check_interface(name, func, params, output)
        if name in _REGISTRY and not replace and _REGISTRY[name].func is not func:
            raise RegistrationError(
                f"generator '{name}': already registered by {_REGISTRY[name].func.__module__}; "
                "pass replace=True to override it"
            )
        fixed = output

        def arrow_type(p: Any) -> pa.DataType:
            return fixed if isinstance(fixed, pa.DataType) else fixed(p)

        _REGISTRY[name] = GeneratorSpec(
            name=name,
            func=func,
            params_model=params,
            arrow_type=arrow_type,
            field_refs=field_refs,
            quantile=quantile,
            bounds=bounds,
            unique_by_construction=unique_by_construction,
            json=json,
            space=space,
            description=(inspect.getdoc(func) or "").split("\n")[0],
        )
        func.__doppel_generator__ = name  # type: ignore[attr-defined]
        return func

    return register_fn


def unregister(name: str) -> None:
    _REGISTRY.pop(name, None)


def _load_builtins() -> None:
    # Importing the modules runs their @generator decorators.
    from tools.generators import builtin  # noqa: F401


def load_entry_points() -> None:
    """Import every ``doppel.generators`` entry point; a broken plug-in is a clear error."""
    global _ENTRY_POINTS_LOADED
    if _ENTRY_POINTS_LOADED:
        return
    _ENTRY_POINTS_LOADED = True
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            obj = ep.load()
        except Exception as exc:
            raise RegistrationError(f"entry point '{ep.name}' ({ep.value}): failed to import: {exc}") from exc
        registered = getattr(obj, "__doppel_generator__", None)
        if registered is None:
            raise RegistrationError(
                f"entry point '{ep.name}' ({ep.value}): is not a generator; decorate it with "
                "@tools.generators.registry.generator(...)"
            )


def registry() -> Mapping[str, GeneratorSpec[Any]]:
    _load_builtins()
    load_entry_points()
    return _REGISTRY


def get(name: str) -> GeneratorSpec[Any] | None:
    return registry().get(name)
