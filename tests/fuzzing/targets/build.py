"""
Fuzz target: serializing frames with ``build_frame`` and ``FrameWriter``.

Oracles:

1. differential: the pure and the compiled twins return the same bytes or
   raise the same exception (type and message), for every argument type;
2. round trip: a valid frame, parsed back by :class:`FrameParser`, gives
   the opcode, payload and bits it was built from, and the header uses the
   shortest length encoding (RFC 6455 §5.2);
3. masking: a masked frame's payload is the payload XOR the key
   (RFC 6455 §5.3), computed here byte by byte.

"""

from __future__ import annotations

from typing import Any
from unittest import mock

from ..common import (
    Divergence,
    Input,
    check_same,
    deterministic_token_bytes,
    encode_input,
    outcome,
    twins,
)


PURE, COMPILED = twins("framing")
IMPLEMENTATIONS = [PURE] if COMPILED is None else [PURE, COMPILED]

DATA_TYPES = ("bytes", "bytearray", "memoryview", "strided", "str", "list")


def make_data(kind: str, payload: bytes) -> Any:
    """Wrap ``payload`` in an argument of the given type."""
    if kind == "bytearray":
        return bytearray(payload)
    if kind == "memoryview":
        return memoryview(payload)
    if kind == "strided":
        # A non-contiguous view whose items are the payload.
        doubled = bytes(b for byte in payload for b in (byte, 0))
        return memoryview(doubled)[::2]
    if kind == "str":
        return payload.decode("latin-1")
    if kind == "list":
        return list(payload)
    return payload


def reference_frame(
    opcode: int, payload: bytes, fin: bool, rsv: int, key: bytes | None
) -> bytes:
    """Serialize a frame the slow, obvious way."""
    head = bytes([(0x80 if fin else 0) | rsv | opcode])
    bit = 0x80 if key is not None else 0
    length = len(payload)
    if length < 126:
        head += bytes([bit | length])
    elif length < 65536:
        head += bytes([bit | 126]) + length.to_bytes(2, "big")
    else:
        head += bytes([bit | 127]) + length.to_bytes(8, "big")
    if key is None:
        return head + payload
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def fuzz(data: bytes) -> None:
    source = Input(data)
    head = source.byte()
    opcode: Any = head & 0x0F
    fin = bool(head & 0x80)
    rsv = head & 0x70
    odd = source.byte()
    # Occasionally pass out-of-range or ill-typed values: the twins must
    # reject them identically.
    if odd == 1:
        opcode = 16 + source.byte()
    elif odd == 2:
        rsv |= source.byte()
    elif odd == 3:
        opcode = float(opcode)
    kind = source.pick(DATA_TYPES)
    key_kind = source.byte() % 4
    key: Any = None
    if key_kind == 1:
        key = source.take(4)
    elif key_kind == 2:
        key = source.take(source.byte() % 8)
    elif key_kind == 3:
        key = bytearray(source.take(4))
    writes = source.byte() % 4
    payload = source.rest()

    results = []
    for module in IMPLEMENTATIONS:
        results.append(
            outcome(module.build_frame, opcode, make_data(kind, payload), fin, rsv, key)
        )
    for result in results[1:]:
        check_same("compiled build_frame", results[0], result)

    result = results[0]
    valid_args = (
        kind not in ("str", "list")
        and isinstance(opcode, int)
        and 0 <= opcode <= 15
        and not rsv & ~0x70
        and (key is None or len(key) == 4)
    )
    if valid_args != (result[0] == "ok"):
        raise Divergence(f"build_frame() returned {result} for valid={valid_args}")
    if result[0] == "ok":
        frame = result[1]
        mask_key = None if key is None else bytes(key)
        check_same(
            "build_frame vs reference",
            reference_frame(opcode, payload, fin, rsv, mask_key),
            frame,
        )
        round_trip(frame, opcode, payload, fin, rsv, mask_key is not None)

    if writes:
        write_many(opcode, kind, payload, fin, rsv, writes)


def round_trip(
    frame: bytes, opcode: int, payload: bytes, fin: bool, rsv: int, mask: bool
) -> None:
    """Parse ``frame`` back with each FrameParser twin."""
    # Invalid opcodes and control frames that are too long or fragmented
    # must be rejected on parsing.
    if opcode in (3, 4, 5, 6, 7, 11, 12, 13, 14, 15):
        expected: tuple[Any, ...] = ("raise", "ProtocolError", "invalid opcode")
    elif opcode >= 8 and len(payload) > 125:
        expected = ("raise", "ProtocolError", "control frame too long")
    elif opcode >= 8 and not fin:
        expected = ("raise", "ProtocolError", "fragmented control frame")
    else:
        expected = (
            "ok",
            (
                opcode,
                payload,
                fin,
                bool(rsv & 0x40),
                bool(rsv & 0x20),
                bool(rsv & 0x10),
            ),
        )
    for module in IMPLEMENTATIONS:
        parser = module.FrameParser(mask=mask, allowed_rsv=0x70)
        parser.feed(frame)
        result = outcome(parser.next_frame)
        if result[0] == "ok":
            parsed = result[1]
            result = (
                "ok",
                (
                    int(parsed.opcode),
                    parsed.data,
                    parsed.fin,
                    parsed.rsv1,
                    parsed.rsv2,
                    parsed.rsv3,
                ),
            )
            if parser.buffered:
                raise Divergence("FrameParser left bytes after a whole frame")
        check_same(f"round trip with {module.__name__}", expected, result)


def write_many(
    opcode: Any, kind: str, payload: bytes, fin: bool, rsv: int, count: int
) -> None:
    """Compare FrameWriter twins over a few frames, with reproducible keys."""
    outputs = []
    for module in IMPLEMENTATIONS:
        output = []
        with mock.patch("secrets.token_bytes", deterministic_token_bytes):
            for mask in (True, False):
                writer = module.FrameWriter(mask=mask)
                for i in range(count):
                    chunk = payload[i:]
                    output.append(
                        outcome(writer.write, opcode, make_data(kind, chunk), fin, rsv)
                    )
        outputs.append(output)
    for output in outputs[1:]:
        check_same("compiled FrameWriter", outputs[0], output)


def seeds() -> dict[str, bytes]:
    # Parameters: head, odd, kind, key kind, [key], writes; then the payload.
    return {
        "text-unmasked": encode_input(b"Hello", 0x81, 0, 0, 0, 0),
        "binary-masked": encode_input(
            bytes(range(200)), 0x82, 0, 0, 1, b"\x01\x02\x03\x04", 2
        ),
        "bytearray-126": encode_input(b"a" * 126, 0x82, 0, 1, 0, 1),
        "strided-rsv": encode_input(
            b"abcdefgh" * 20, 0xC2, 0, 3, 3, b"\xff\x00\xff\x00", 3
        ),
        "close-memoryview": encode_input(b"\x03\xe8ok", 0x88, 0, 2, 0, 0),
        "ping-too-long": encode_input(b"p" * 126, 0x89, 0, 0, 0, 0),
        "bad-opcode-type": encode_input(b"", 0x81, 3, 0, 0, 0),
        "bad-key-length": encode_input(b"data", 0x82, 0, 0, 2, 3, b"abc", 0),
        "str-payload": encode_input(b"text", 0x81, 0, 4, 0, 1),
    }
