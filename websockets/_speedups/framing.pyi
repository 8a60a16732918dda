"""
Type stub for the compiled twin of the framing kernel, built from
``_speedups/framing.pyx``; see :mod:`websockets._pure.framing`.

"""

from __future__ import annotations

from typing import Any, Callable

from ..frames import Frame


__all__ = ["FrameParser", "FrameWriter", "build_frame", "MASK_POOL_SIZE"]

MASK_POOL_SIZE: int


class FrameParser:
    def __init__(
        self,
        *,
        mask: bool,
        max_size: int | None = None,
        allowed_rsv: int = 0,
    ) -> None: ...
    @property
    def max_size(self) -> int | None: ...
    @max_size.setter
    def max_size(self, value: int | None) -> None: ...
    @property
    def allowed_rsv(self) -> int: ...
    @allowed_rsv.setter
    def allowed_rsv(self, value: int) -> None: ...
    @property
    def buffered(self) -> int: ...
    @property
    def capacity(self) -> int: ...
    def feed(self, data: bytes | bytearray | memoryview) -> None: ...
    def get_buffer(self, sizehint: int) -> memoryview: ...
    def buffer_updated(self, nbytes: int) -> None: ...
    def take_buffer(self) -> bytes: ...
    def next_frame(self) -> Frame | None: ...
    def frames(self) -> list[Frame]: ...
    def parse_into(
        self, events: list[Any], validate_text: Callable[[bytes], object]
    ) -> Frame | None: ...
    def receive(
        self,
        data: bytes | bytearray | memoryview,
        events: list[Any],
        validate_text: Callable[[bytes], object],
    ) -> Frame | None: ...


class FrameWriter:
    def __init__(self, *, mask: bool) -> None: ...
    def write(
        self,
        opcode: int,
        data: bytes | bytearray | memoryview,
        fin: bool,
        rsv: int,
    ) -> bytes: ...


def build_frame(
    opcode: int,
    data: bytes | bytearray | memoryview,
    fin: bool,
    rsv: int,
    mask_key: bytes | None,
) -> bytes: ...
