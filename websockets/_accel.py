"""
Choose, once at import time, the implementation of every hot-path kernel.

Each kernel is a module with two twins that behave identically (same return
values, same exception types and messages):

* ``websockets._pure.<name>``: the pure-Python reference, always available;
* ``websockets._speedups.<name>``: compiled from ``_speedups/<name>.pyx``.

:data:`API` declares the kernels and the names that this module re-exports
from each; everything else (``__all__``, the bindings below, the tests that
check both twins and the ``.pyi`` stubs against each other) derives from it:

``mask``
    masking (:rfc:`6455#section-5.3`): ``apply_mask`` and ``apply_mask_inplace``;
``utf8``
    UTF-8 validation of Text messages: ``validate_utf8`` and the
    incremental ``Utf8Validator``;
``framing``
    ``FrameParser`` (parses frames from a buffer it owns), ``FrameWriter``
    (serializes a connection's frames, drawing mask keys in bulk) and
    ``build_frame``;
``deflate``
    permessage-deflate (:rfc:`7692`): ``Compressor`` and ``Decompressor``,
    which compress and decompress one frame per call, and
    ``worth_compressing``, which tells which messages are sent uncompressed.

Environment switches, read once when this module is imported:

* ``WEBSOCKETS_NO_SPEEDUPS=1`` forces the pure-Python twins;
* ``WEBSOCKETS_REQUIRE_SPEEDUPS=1`` turns a missing compiled module into an
  :exc:`ImportError` instead of a silent fallback.

:data:`ACTIVE` tells which implementation each kernel uses, e.g.
``{"mask": "compiled", "utf8": "compiled", "framing": "compiled",
"deflate": "compiled"}``.

"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import TYPE_CHECKING


API: dict[str, tuple[str, ...]] = {
    "mask": ("apply_mask", "apply_mask_inplace"),
    "utf8": ("validate_utf8", "Utf8Validator"),
    "framing": ("FrameParser", "FrameWriter", "build_frame"),
    "deflate": ("Compressor", "Decompressor", "worth_compressing"),
}
"""For each kernel: the names that this module re-exports from its active twin."""

KERNELS = tuple(API)

__all__ = [
    "API",
    "KERNELS",
    "NO_SPEEDUPS",
    "REQUIRE_SPEEDUPS",
    "REGISTRY",
    "ACTIVE",
    *(name for names in API.values() for name in names),
]


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "no", "false")


NO_SPEEDUPS = _flag("WEBSOCKETS_NO_SPEEDUPS")
REQUIRE_SPEEDUPS = _flag("WEBSOCKETS_REQUIRE_SPEEDUPS")

if NO_SPEEDUPS and REQUIRE_SPEEDUPS:
    raise ImportError(
        "WEBSOCKETS_NO_SPEEDUPS and WEBSOCKETS_REQUIRE_SPEEDUPS are both set"
    )


def _load(name: str) -> tuple[ModuleType, ModuleType | None]:
    pure = importlib.import_module(f"websockets._pure.{name}")
    if NO_SPEEDUPS:
        return pure, None
    try:
        compiled = importlib.import_module(f"websockets._speedups.{name}")
    except ImportError as exc:
        if REQUIRE_SPEEDUPS:
            raise ImportError(
                f"WEBSOCKETS_REQUIRE_SPEEDUPS is set but the compiled module "
                f"websockets._speedups.{name} cannot be imported: {exc}"
            ) from exc
        compiled = None
    return pure, compiled


REGISTRY: dict[str, tuple[ModuleType, ModuleType | None]] = {
    name: _load(name) for name in KERNELS
}
"""For each kernel: its pure-Python module and its compiled module or None."""

ACTIVE: dict[str, str] = {
    name: "pure" if compiled is None else "compiled"
    for name, (_, compiled) in REGISTRY.items()
}
"""For each kernel: ``"compiled"`` or ``"pure"``."""


def _active(name: str) -> ModuleType:
    pure, compiled = REGISTRY[name]
    return pure if compiled is None else compiled


if TYPE_CHECKING:
    # Both twins have the same interface; type-check against the pure one.
    # tests/test_kernel_api.py checks that these imports match API.
    # The "as" clauses re-export the names for mypy.
    from ._pure.deflate import (
        Compressor as Compressor,
        Decompressor as Decompressor,
        worth_compressing as worth_compressing,
    )
    from ._pure.framing import (
        FrameParser as FrameParser,
        FrameWriter as FrameWriter,
        build_frame as build_frame,
    )
    from ._pure.mask import (
        apply_mask as apply_mask,
        apply_mask_inplace as apply_mask_inplace,
    )
    from ._pure.utf8 import (
        Utf8Validator as Utf8Validator,
        validate_utf8 as validate_utf8,
    )
else:
    for _kernel, _names in API.items():
        _module = _active(_kernel)
        for _name in _names:
            globals()[_name] = getattr(_module, _name)
    del _kernel, _names, _module, _name
