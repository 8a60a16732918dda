"""
Fuzz target: the UTF-8 validators, one-shot and incremental.

Oracles:

1. ``codecs``: :func:`validate_utf8` raises exactly the
   :exc:`UnicodeDecodeError` of ``codecs.utf_8_decode(data, "strict",
   True)`` (same reason, start, end and object), or nothing;
   :class:`Utf8Validator` fed random pieces raises what
   ``codecs.getincrementaldecoder("utf-8")().decode`` raises, in the same
   call, and keeps going after an error like the decoder does;
2. differential: both twins agree, with every inner loop (SIMD variant) of
   the compiled twin, for bytes, bytearray and memoryview arguments,
   contiguous or not.

Input layout: a mode byte, a split seed, then either raw bytes or, in
structured mode, tokens that each pick an interesting UTF-8 sequence, since
random bytes are rarely valid UTF-8 beyond ASCII.

"""

from __future__ import annotations

import codecs
import random
from types import ModuleType
from typing import Any

from ..common import (
    Input,
    all_implementations,
    check_same,
    encode_input,
    implementation,
    twins,
    uint,
)


PURE, COMPILED = twins("utf8")

VARIANTS: list[tuple[ModuleType, str | None]] = [(PURE, None)]
if COMPILED is not None:
    VARIANTS += [(COMPILED, name) for name in all_implementations(COMPILED)]

# Sequences that exercise every branch of a UTF-8 decoder (RFC 3629 §4).
TOKENS = [
    b"a", b"hello world, ", b"\x00", b"\x7f",
    "é".encode(), "ß".encode(), "\u07ff".encode(),
    "€".encode(), "\u0800".encode(), "\ud7ff".encode(), "\ue000".encode(), "\uffff".encode(),
    "🎉".encode(), "\U00010000".encode(), "\U0010ffff".encode(),
    b"\x80", b"\xbf", b"\xc0\x80", b"\xc1\xbf", b"\xe0\x80\x80", b"\xe0\x9f\xbf",
    b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xf0\x80\x80\x80", b"\xf0\x8f\xbf\xbf",
    b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xf8", b"\xfe", b"\xff",
    b"\xc3", b"\xe2\x82", b"\xf0\x9f", b"\xf0\x9f\x8e",
    b"x" * 31, b"y" * 64, "é".encode() * 17,
]  # fmt: skip


def build(source: Input) -> bytes:
    """Decode the input into the bytes to validate."""
    if source.byte() & 1:
        return source.rest()
    return b"".join(TOKENS[byte % len(TOKENS)] for byte in source.rest())


def as_argument(data: bytes, kind: int) -> Any:
    if kind == 1:
        return bytearray(data)
    if kind == 2:
        return memoryview(data)
    if kind == 3:
        # Non-contiguous view of the same bytes.
        doubled = bytearray(len(data) * 2)
        doubled[::2] = data
        return memoryview(doubled)[::2]
    return data


def describe(exc: UnicodeDecodeError) -> tuple[Any, ...]:
    return (
        "raise",
        type(exc).__name__,
        exc.encoding,
        exc.reason,
        exc.start,
        exc.end,
        bytes(exc.object),
        str(exc),
    )


def one_shot(module: ModuleType, data: Any) -> tuple[Any, ...]:
    try:
        module.validate_utf8(data)
    except UnicodeDecodeError as exc:
        return describe(exc)
    return ("ok",)


def expected_one_shot(data: bytes) -> tuple[Any, ...]:
    try:
        codecs.utf_8_decode(data, "strict", True)
    except UnicodeDecodeError as exc:
        return describe(exc)
    return ("ok",)


def pieces(data: bytes, seed: int) -> list[tuple[bytes, bool]]:
    """Cut ``data`` at random points; some calls are marked final early."""
    rng = random.Random(seed)
    result = []
    pos = 0
    while True:
        size = rng.choice((0, 1, 1, 2, 3, 4, 7, 16, 33, 100))
        piece = data[pos : pos + size]
        pos += size
        last = pos >= len(data)
        result.append((piece, last or rng.random() < 0.05))
        if last:
            return result


def incremental(
    module: ModuleType | None, steps: list[tuple[bytes, bool]], kind: int
) -> list[Any]:
    """Feed ``steps`` to a validator, or to codecs' decoder if ``module`` is None."""
    log: list[Any] = []
    if module is None:
        decoder = codecs.getincrementaldecoder("utf-8")()
    else:
        validator = module.Utf8Validator()
    for piece, final in steps:
        try:
            if module is None:
                decoder.decode(piece, final)
            else:
                validator.feed(as_argument(piece, kind), final)
        except UnicodeDecodeError as exc:
            log.append(describe(exc))
        else:
            log.append(("ok",))
        if final:
            # A final call ends the message; the decoder then starts afresh,
            # as websockets uses a new validator per message.
            if module is None:
                decoder.reset()
            else:
                validator.reset()
    return log


def fuzz(data: bytes) -> None:
    source = Input(data)
    kind = source.byte() % 4
    seed = source.uint(2)
    text = build(source)

    expected = expected_one_shot(text)
    steps = pieces(text, seed)
    expected_steps = incremental(None, steps, 0)
    for module, name in VARIANTS:
        with implementation(module, name):
            label = f"{module.__name__} ({name or 'default'})"
            check_same(
                f"validate_utf8 of {label}",
                expected,
                one_shot(module, as_argument(text, kind)),
            )
            check_same(
                f"Utf8Validator of {label}",
                expected_steps,
                incremental(module, steps, kind),
            )


def seeds() -> dict[str, bytes]:
    # Parameters: argument kind, split seed, mode (1 = raw); then the data.
    text = "Hello, 世界! Ünïcödé ✓ 🎉🎉 " * 3
    return {
        "valid-raw": encode_input(text.encode(), 0, uint(1, 2), 1),
        "valid-bytearray-split": encode_input(text.encode(), 1, uint(7, 2), 1),
        "invalid-raw": encode_input(b"caf\xc3\x28 \xed\xa0\x80 ok", 2, uint(3, 2), 1),
        "strided": encode_input(text.encode() + b"\xff", 3, uint(9, 2), 1),
        "tokens": encode_input(bytes(range(len(TOKENS))), 0, uint(5, 2), 0),
        "tokens-truncated-end": encode_input(
            bytes([12, 0, 33, 1, 34, 35]), 0, uint(2, 2), 0
        ),
        "long-ascii-then-error": encode_input(
            b"a" * 200 + b"\xe2\x82" + b"b" * 40, 0, uint(11, 2), 1
        ),
    }
