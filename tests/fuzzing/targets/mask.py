"""
Fuzz target: WebSocket masking (RFC 6455 §5.3).

Oracles:

1. reference: :func:`apply_mask` returns each byte XOR the key byte at
   its position modulo 4, computed here byte by byte;
   :func:`apply_mask_inplace` does the same from ``offset % 4`` into the
   key and leaves bytes outside the buffer untouched;
2. differential: both twins, and every inner loop (SIMD variant) of the
   compiled twin, agree, including the exception type and message for
   invalid arguments.

"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ..common import (
    Input,
    all_implementations,
    check_same,
    encode_input,
    implementation,
    outcome,
    twins,
)


PURE, COMPILED = twins("mask")

VARIANTS: list[tuple[ModuleType, str | None]] = [(PURE, None)]
if COMPILED is not None:
    VARIANTS += [(COMPILED, name) for name in all_implementations(COMPILED)]

OFFSETS = (0, 1, 2, 3, 4, 5, -1, -7, 2**31, 2**63 - 1, 2**63, -(2**63), "1", 1.0)


def reference(data: bytes, key: bytes, phase: int = 0) -> bytes:
    return bytes(byte ^ key[(i + phase) % 4] for i, byte in enumerate(data))


def argument(data: bytes, kind: int) -> Any:
    if kind == 1:
        return bytearray(data)
    if kind == 2:
        return memoryview(data)
    if kind == 3:
        doubled = bytearray(len(data) * 2)
        doubled[::2] = data
        return memoryview(doubled)[::2]
    if kind == 4:
        # Multi-byte items: masking works on raw bytes.
        return memoryview(data[: len(data) & ~3]).cast("I")
    if kind == 5:
        return data.decode("latin-1")
    return data


def inplace(
    module: ModuleType, data: bytes, key: Any, offset: Any, kind: int, start: int
) -> tuple[Any, ...]:
    """Mask ``data`` in place within a larger buffer; return the whole buffer."""
    # The view starts at an arbitrary alignment within its buffer.
    backing = bytearray(b"\xaa" * start + data + b"\x55" * 5)
    target: Any
    if kind == 0:
        target = backing
        len(backing)
    else:
        target = memoryview(backing)[start : start + len(data)]
        if kind == 2:
            target = target.toreadonly()
        elif kind == 3:
            target = target[::2]
    result = outcome(module.apply_mask_inplace, target, key, offset)
    return result + (bytes(backing),)


def check_inplace(
    result: tuple[Any, ...], data: bytes, key: bytes, offset: int, kind: int, start: int
) -> None:
    """Check a successful in-place masking against the reference."""
    before = b"\xaa" * start + data + b"\x55" * 5
    if kind == 0:
        expected = reference(before, key, offset % 4)
    else:
        # Only the bytes within the view change. A strided view succeeds
        # only when it's contiguous anyway, i.e. when it holds one byte.
        step = 2 if kind == 3 else 1
        positions = range(start, start + len(data), step)
        buffer = bytearray(before)
        for i, position in enumerate(positions):
            buffer[position] ^= key[(i + offset) % 4]
        expected = bytes(buffer)
    check_same("apply_mask_inplace vs reference", expected, result[-1])


def fuzz(data: bytes) -> None:
    source = Input(data)
    key_kind = source.byte()
    key: Any = source.take(4)
    if key_kind % 8 == 1:
        key = bytearray(key)
    elif key_kind % 8 == 2:
        key = memoryview(key)
    elif key_kind % 8 == 3:
        key = key[: source.byte() % 4]
    elif key_kind % 8 == 4:
        key = list(key)
    kind = source.byte() % 6
    offset = source.pick(OFFSETS)
    inplace_kind = source.byte() % 4
    start = source.byte() % 16
    payload = source.rest()

    results = []
    for module, name in VARIANTS:
        with implementation(module, name):
            results.append(
                (
                    outcome(module.apply_mask, argument(payload, kind), key),
                    inplace(module, payload, key, offset, inplace_kind, start),
                )
            )
    for (module, name), result in zip(VARIANTS[1:], results[1:], strict=False):
        check_same(f"{module.__name__} ({name})", results[0], result)

    masked = results[0][0]
    if masked[0] == "ok":
        raw = bytes(argument(payload, kind)) if kind != 5 else b""
        check_same("apply_mask vs reference", reference(raw, bytes(key)), masked[1])
    masked_inplace = results[0][1]
    if masked_inplace[0] == "ok":
        check_inplace(masked_inplace, payload, bytes(key), offset, inplace_kind, start)


def seeds() -> dict[str, bytes]:
    # Parameters: key kind, key, [key length], data kind, offset index,
    # in-place kind, start; then the payload.
    key = b"\x12\x34\x56\x78"
    return {
        "bytes": encode_input(b"Hello, world!", 0, key, 0, 0, 0, 0),
        "long-unaligned": encode_input(
            bytes(range(256)) * 3 + b"tail", 1, key, 1, 1, 1, 3
        ),
        "strided": encode_input(b"0123456789" * 7, 2, key, 3, 2, 3, 1),
        "cast": encode_input(b"abcdefghijklmnop" * 5, 0, key, 4, 6, 0, 5),
        "short-key": encode_input(b"data", 3, key, 2, 0, 0, 0, 0),
        "readonly": encode_input(b"data" * 20, 0, key, 0, 3, 2, 7),
        "str": encode_input(b"text", 0, key, 5, 12, 0, 0),
        "huge-offset": encode_input(b"x" * 40, 0, key, 0, 9, 1, 2),
    }
