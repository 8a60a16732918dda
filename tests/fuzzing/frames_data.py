"""
Byte streams that the seed corpora are made of.

"""

from __future__ import annotations

import zlib

from websockets._pure.framing import build_frame


__all__ = [
    "MASK_KEY",
    "SERVER_STREAM",
    "CLIENT_STREAM",
    "ERRORS",
    "deflate_message",
    "masked_frames",
    "unmasked_frames",
]


MASK_KEY = b"\x37\xfa\x21\x3d"

# (opcode, payload, fin, rsv): one of each kind of frame, including the
# boundaries of the payload length encodings (RFC 6455 §5.2).
FRAMES = [
    (0x1, "café ☕ 🎉".encode(), True, 0),
    (0x2, bytes(range(256)) * 2, True, 0),
    (0x1, b"frag", False, 0),
    (0x9, b"ping", True, 0),
    (0x0, "mented ✓".encode(), True, 0),
    (0x2, b"", True, 0),
    (0x2, b"x" * 125, True, 0),
    (0x2, b"y" * 126, True, 0),
    (0xA, b"", True, 0),
    (0x8, b"\x03\xe8bye", True, 0),
]


def masked_frames(frames: list[tuple[int, bytes, bool, int]]) -> bytes:
    """Serialize frames as a client sends them."""
    return b"".join(
        build_frame(opcode, data, fin, rsv, MASK_KEY)
        for opcode, data, fin, rsv in frames
    )


def unmasked_frames(frames: list[tuple[int, bytes, bool, int]]) -> bytes:
    """Serialize frames as a server sends them."""
    return b"".join(
        build_frame(opcode, data, fin, rsv, None) for opcode, data, fin, rsv in frames
    )


SERVER_STREAM = masked_frames(FRAMES)
"""What a server receives: masked frames."""

CLIENT_STREAM = (
    unmasked_frames(FRAMES)
    # A 64-bit length that could fit in 7 bits: RFC 6455 §5.2 requires the
    # minimal encoding, but websockets accepts this one, and so must we.
    + b"\x82\x7f"
    + (5).to_bytes(8, "big")
    + b"hello"
    + unmasked_frames([(0x1, b"rsv", True, 0x40)])
)
"""What a client receives: unmasked frames, one with a 64-bit length."""

ERRORS = {
    "invalid-opcode": b"\x83\x00",
    "rsv-bits": b"\xc1\x00",
    "control-too-long": b"\x89\x7e\x00\x7e" + b"p" * 126,
    "fragmented-control": b"\x09\x00",
    "huge-length": b"\x82\x7f\xff\xff\xff\xff\xff\xff\xff\xff",
    "non-minimal-length": b"\x82\x7e\x00\x03abc",
    "invalid-utf8": b"\x81\x02\xc3\x28",
    "truncated": b"\x82\x7e\x01",
}
"""Unmasked streams that a client must reject or wait on."""


def deflate_message(data: bytes, wbits: int = 15) -> bytes:
    """Compress ``data`` as permessage-deflate does (RFC 7692 §7.2.1)."""
    compressor = zlib.compressobj(wbits=-wbits)
    compressed = compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)
    assert compressed.endswith(b"\x00\x00\xff\xff")
    return compressed[:-4]
