"""Corrections applied to moto before its server starts.

Each module in this package is one correction. It has a docstring that says what moto does,
what AWS does instead (with the AWS documentation it follows) and why the stack needs it, and
a function ``apply()`` that patches moto in this process. ``apply()`` must be idempotent.
Modules are applied in name order; none may depend on another.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def discover() -> list[ModuleType]:
    """Return the correction modules of this package, in name order."""
    names = sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_"))
    return [importlib.import_module(f"{__name__}.{name}") for name in names]


def apply_all() -> list[str]:
    """Apply every correction; return their names."""
    applied = []
    for module in discover():
        module.apply()
        applied.append(module.__name__.rsplit(".", 1)[-1])
    return applied
