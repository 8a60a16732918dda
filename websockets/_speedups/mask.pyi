"""
Type stub for the compiled twin of the masking kernel, built from
``_speedups/mask.pyx``; see :mod:`websockets._pure.mask`.

"""

from __future__ import annotations

from ..typing import BytesLike

__all__ = ["IMPLEMENTATION", "apply_mask", "apply_mask_inplace"]

IMPLEMENTATION: str
"""Masking loop in use: ``"avx2"``, ``"sse2"`` or ``"word"``."""

def apply_mask(data: BytesLike, mask: BytesLike) -> bytes: ...
def apply_mask_inplace(
    buffer: bytearray | memoryview, mask: BytesLike, offset: int = 0
) -> None: ...

# Private helpers for tests and benchmarks.
def _supported_implementations() -> tuple[str, ...]: ...
def _set_implementation(name: str) -> None: ...
