"""
Fuzz targets, by name.

Each module defines ``fuzz(data: bytes) -> None``, which raises on a bug,
and ``seeds() -> dict[str, bytes]``, the seed corpus that
``python -m tests.fuzzing.run --write-seeds`` writes to
``tests/fuzzing/corpus/<name>/``.

"""

from __future__ import annotations

import importlib
from types import ModuleType


__all__ = ["TARGETS", "load"]


TARGETS = ("frames", "build", "http", "protocol", "deflate", "utf8", "mask")
"""Names of the fuzz targets, i.e. of the modules of this package."""


def load(name: str) -> ModuleType:
    """Import the module of target ``name``."""
    if name not in TARGETS:
        raise LookupError(f"unknown fuzz target: {name}")
    return importlib.import_module(f"tests.fuzzing.targets.{name}")
