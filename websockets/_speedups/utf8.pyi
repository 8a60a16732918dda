"""
Type stub for the compiled twin of the utf8 kernel, built from
``_speedups/utf8.pyx``; see :mod:`websockets._pure.utf8`.

"""

from __future__ import annotations

__all__ = ["validate_utf8", "Utf8Validator", "IMPLEMENTATION"]

IMPLEMENTATION: str
"""Pre-pass in use: ``"avx2"`` or ``"word"``."""

def _supported_implementations() -> tuple[str, ...]: ...
def _set_implementation(name: str) -> None: ...
def validate_utf8(data: bytes | bytearray | memoryview) -> None: ...

class Utf8Validator:
    def __init__(self) -> None: ...
    def reset(self) -> None: ...
    def feed(
        self, data: bytes | bytearray | memoryview, final: bool = False
    ) -> None: ...
