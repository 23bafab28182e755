"""Imports every generator module of this package so their ``@generator`` decorators register them."""

from importlib import import_module
from pkgutil import iter_modules

import tools.generators as _package

NOT_GENERATORS = frozenset({"builtin", "registry", "vector"})

BUILTIN_MODULES = tuple(
    sorted(
        m.name for m in iter_modules(_package.__path__) if m.name not in NOT_GENERATORS and not m.name.startswith("_")
    )
)

for _module in BUILTIN_MODULES:
    import_module(f"tools.generators.{_module}")
