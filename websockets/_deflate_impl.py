"""
Choose, once at import time, the deflate library behind permessage-deflate.

Two libraries have zlib's API:

* ``zlib``: the standard library's module, always available; the compiled
  deflate kernel calls the same C library directly;
* ``zlib-ng``: :mod:`zlib_ng.zlib_ng`, from the optional extra
  ``pip install websockets-speedy[zlib-ng]``. zlib-ng compresses JSON-like
  text about 1.5× as fast as zlib and inflates it about 1.5× as fast, with
  the same parameters (``benchmarks/README.rst``). Its output is valid
  deflate data but not byte for byte zlib's.

The environment variable ``WEBSOCKETS_DEFLATE_IMPL`` picks one: ``zlib`` or
``zlib-ng`` (an :exc:`ImportError` if it isn't installed). Unset or empty,
zlib-ng is used when it's installed, since installing the extra asks for it.
Other values raise :exc:`ValueError`.

Both twins of the deflate kernel use :data:`IMPL`: the pure twin through
:data:`ZLIB`, the compiled twin through zlib's C API for ``zlib`` and through
:data:`ZLIB`'s objects for ``zlib-ng``, whose wheel doesn't export its C
functions.

"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import TYPE_CHECKING


__all__ = ["IMPLEMENTATIONS", "IMPL", "ZLIB"]


IMPLEMENTATIONS = ("zlib", "zlib-ng")
"""Values of ``WEBSOCKETS_DEFLATE_IMPL``."""

_MODULES = {"zlib": "zlib", "zlib-ng": "zlib_ng.zlib_ng"}


def choose(value: str | None) -> tuple[str, ModuleType]:
    """
    Return the name and module of the deflate library for a setting.

    Args:
        value: Value of ``WEBSOCKETS_DEFLATE_IMPL``, or :obj:`None` if unset.

    Raises:
        ValueError: If ``value`` isn't empty, ``zlib`` or ``zlib-ng``.
        ImportError: If ``value`` is ``zlib-ng`` and it isn't installed.

    """
    if not value:
        try:
            return "zlib-ng", importlib.import_module(_MODULES["zlib-ng"])
        except ImportError:
            return "zlib", importlib.import_module(_MODULES["zlib"])
    if value not in IMPLEMENTATIONS:
        raise ValueError(
            f"WEBSOCKETS_DEFLATE_IMPL must be one of {', '.join(IMPLEMENTATIONS)}, "
            f"not {value!r}"
        )
    try:
        return value, importlib.import_module(_MODULES[value])
    except ImportError as exc:
        raise ImportError(
            f"WEBSOCKETS_DEFLATE_IMPL={value} but {_MODULES[value]} cannot be "
            f"imported: install websockets-speedy[zlib-ng]"
        ) from exc


IMPL, _module = choose(os.environ.get("WEBSOCKETS_DEFLATE_IMPL"))
"""``"zlib"`` or ``"zlib-ng"``: the deflate library in use."""

if TYPE_CHECKING:
    # Both libraries have zlib's API; type-check against the standard one.
    import zlib as ZLIB
else:
    ZLIB = _module
    """The module of the deflate library in use."""
