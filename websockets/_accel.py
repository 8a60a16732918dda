"""
Choose, once at import time, the implementation of every hot-path kernel.

Each kernel is a module with two twins that behave identically (same return
values, same exception types and messages):

* ``websockets._pure.<name>``: the pure-Python reference, always available;
* ``websockets._speedups.<name>``: compiled from ``_speedups/<name>.pyx``.

Kernels and the names they provide:

``mask``
    ``apply_mask(data, mask) -> bytes`` and ``apply_mask_inplace(buffer,
    mask, offset=0) -> None``; ``IMPLEMENTATION`` names the XOR loop in use.
``utf8``
    ``validate_utf8(data) -> None`` and the incremental ``Utf8Validator``.
``framing``
    ``FrameParser`` (parses frames from a buffer it owns),
    ``FrameWriter`` (serializes a connection's frames, drawing mask keys in
    bulk) and ``build_frame(opcode, data, fin, rsv, mask_key) -> bytes``.

Environment switches, read once when this module is imported:

* ``WEBSOCKETS_NO_SPEEDUPS=1`` forces the pure-Python twins;
* ``WEBSOCKETS_REQUIRE_SPEEDUPS=1`` turns a missing compiled module into an
  :exc:`ImportError` instead of a silent fallback.

:data:`ACTIVE` tells which implementation each kernel uses, e.g.
``{"mask": "compiled", "utf8": "compiled", "framing": "compiled"}``.

"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import TYPE_CHECKING


__all__ = [
    "KERNELS",
    "NO_SPEEDUPS",
    "REQUIRE_SPEEDUPS",
    "REGISTRY",
    "ACTIVE",
    "apply_mask",
    "apply_mask_inplace",
    "validate_utf8",
    "Utf8Validator",
    "FrameParser",
    "FrameWriter",
    "build_frame",
]


KERNELS = ("mask", "utf8", "framing")


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
    from ._pure.framing import FrameParser, FrameWriter, build_frame
    from ._pure.mask import apply_mask, apply_mask_inplace
    from ._pure.utf8 import Utf8Validator, validate_utf8
else:
    _mask = _active("mask")
    apply_mask = _mask.apply_mask
    apply_mask_inplace = _mask.apply_mask_inplace

    _utf8 = _active("utf8")
    validate_utf8 = _utf8.validate_utf8
    Utf8Validator = _utf8.Utf8Validator

    _framing = _active("framing")
    FrameParser = _framing.FrameParser
    FrameWriter = _framing.FrameWriter
    build_frame = _framing.build_frame
