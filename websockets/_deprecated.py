"""
Deprecated aliases that modules resolve lazily, with a warning (PEP 562).

websockets kept the names of its legacy implementation in several modules;
programs that still use them get the legacy objects and a
:exc:`DeprecationWarning`, as with websockets.

"""

from __future__ import annotations

import importlib
import warnings
from typing import Any, Callable


__all__ = ["lazy_deprecated_getattr"]


def lazy_deprecated_getattr(
    module_name: str, aliases: dict[str, str]
) -> Callable[[str], Any]:
    """
    Build a module ``__getattr__`` for deprecated aliases.

    Args:
        module_name: ``__name__`` of the module that defines the aliases.
        aliases: Maps each deprecated name to the module, relative to the
            ``websockets`` package, that provides it.

    """

    def __getattr__(name: str) -> Any:
        try:
            source = aliases[name]
        except KeyError:
            raise AttributeError(
                f"module {module_name!r} has no attribute {name!r}"
            ) from None
        warnings.warn(
            f"{module_name}.{name} is deprecated",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(source, "websockets"), name)

    return __getattr__
