"""
Type stub for the compiled twin of the deflate kernel, built from
``_speedups/deflate.pyx``; see :mod:`websockets._pure.deflate`.

"""

from __future__ import annotations

__all__ = [
    "Compressor",
    "Decompressor",
    "worth_compressing",
    "SAMPLE_SIZE",
    "INCOMPRESSIBLE_DISTINCT_BYTES",
]

SAMPLE_SIZE: int
INCOMPRESSIBLE_DISTINCT_BYTES: int

def worth_compressing(
    data: bytes | bytearray | memoryview, threshold: int, sample: bool = True
) -> bool: ...

class Compressor:
    def __init__(
        self,
        wbits: int,
        no_context_takeover: bool = False,
        level: int = -1,
        method: int = 8,
        memLevel: int = 8,
        strategy: int = 0,
    ) -> None: ...
    def compress(self, data: bytes | bytearray | memoryview, fin: bool) -> bytes: ...

class Decompressor:
    def __init__(self, wbits: int, no_context_takeover: bool = False) -> None: ...
    def decompress(
        self, data: bytes | bytearray | memoryview, fin: bool, max_size: int | None
    ) -> bytes: ...
