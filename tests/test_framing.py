"""
Tests for the frame parsing and building kernel, run against both twins.

Tests that take the ``framing_twin`` fixture (``tests/twins.py``) run with
each framing_twin and check it against an encoder written independently of both, or
against bytes produced by websockets 17.4. The differential tests take the
``framing_compiled`` fixture: they feed the same random streams to the
compiled framing_twin and to the pure framing_twin and require the same frames, or the same
exception at the same point.

"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import random
import struct
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.twins import pure
from websockets.exceptions import PayloadTooBig, ProtocolError
from websockets.frames import Frame, Opcode


PURE = pure("framing")

MASK_KEY = b"\x12\x34\x56\x78"

VALID_OPCODES = [0, 1, 2, 8, 9, 10]
INVALID_OPCODES = [3, 4, 5, 6, 7, 11, 12, 13, 14, 15]


def payload(size):
    return (bytes(range(256)) * (size // 256 + 1))[:size]


def mask_bytes(data, key):
    return bytes(byte ^ key[index % 4] for index, byte in enumerate(data))


def encode(opcode, data, *, fin=True, rsv=0, mask_key=None, length_size=None):
    """
    Encode a frame independently of the code under test.

    ``length_size`` forces the encoding of the length: 0 for 7 bits, 2 for 16
    bits, 8 for 64 bits; None picks the minimal one.

    """
    length = len(data)
    if length_size is None:
        length_size = 0 if length < 126 else 2 if length < 65536 else 8
    head1 = (0x80 if fin else 0) | rsv | opcode
    head2 = 0x80 if mask_key is not None else 0
    if length_size == 0:
        header = struct.pack("!BB", head1, head2 | length)
    elif length_size == 2:
        header = struct.pack("!BBH", head1, head2 | 126, length)
    else:
        header = struct.pack("!BBQ", head1, head2 | 127, length)
    if mask_key is None:
        return header + data
    return header + mask_key + mask_bytes(data, mask_key)


def parse_all(framing_twin, data, **kwargs):
    kwargs.setdefault("mask", False)
    parser = framing_twin.FrameParser(**kwargs)
    parser.feed(data)
    frames = []
    while (frame := parser.next_frame()) is not None:
        frames.append(frame)
    return frames, parser


# Parsing valid frames.


KNOWN_FRAMES = [
    # (wire bytes, mask, expected frame)
    (b"\x81\x04Spam", False, Frame(Opcode.TEXT, b"Spam")),
    (b"\x81\x84\x124VxAD7\x15", True, Frame(Opcode.TEXT, b"Spam")),
    (b"\x82\x03\x00\xff\x10", False, Frame(Opcode.BINARY, b"\x00\xff\x10")),
    (b"\x01\x00", False, Frame(Opcode.TEXT, b"", fin=False)),
    (b"\x00\x84\x124VxwS1\x0b", True, Frame(Opcode.CONT, b"eggs", fin=False)),
    (b"\x80\x00", False, Frame(Opcode.CONT, b"")),
    (b"\x88\x02\x03\xe8", False, Frame(Opcode.CLOSE, b"\x03\xe8")),
    (b"\x88\x80\x124Vx", True, Frame(Opcode.CLOSE, b"")),
    (b"\x89\x84\x124Vxb]8\x1f", True, Frame(Opcode.PING, b"ping")),
    (b"\x8a\x00", False, Frame(Opcode.PONG, b"")),
]


@pytest.mark.parametrize("wire, mask, expected", KNOWN_FRAMES)
def test_parse_known_frame(framing_twin, wire, mask, expected):
    frames, parser = parse_all(framing_twin, wire, mask=mask)
    assert frames == [expected]
    assert type(frames[0].opcode) is Opcode
    assert type(frames[0].data) is bytes
    assert parser.buffered == 0


def test_parsed_frame_is_identical_to_constructed_frame(framing_twin):
    (frame,), _ = parse_all(framing_twin, b"\x82\x03abc")
    expected = Frame(Opcode.BINARY, b"abc")
    assert type(frame) is Frame
    assert frame == expected
    fields = [field.name for field in dataclasses.fields(Frame)]
    assert [getattr(frame, name) for name in fields] == [
        getattr(expected, name) for name in fields
    ]
    assert repr(frame) == repr(expected)
    assert str(frame) == str(expected)
    assert frame.opcode is Opcode.BINARY
    assert frame.fin is True and frame.rsv1 is False


@pytest.mark.parametrize("opcode", VALID_OPCODES)
@pytest.mark.parametrize("masked", [False, True])
def test_parse_every_opcode(framing_twin, opcode, masked):
    data = payload(125 if opcode >= 8 else 300)
    wire = encode(opcode, data, mask_key=MASK_KEY if masked else None)
    frames, _ = parse_all(framing_twin, wire, mask=masked)
    assert frames == [Frame(Opcode(opcode), data)]
    assert frames[0].opcode is Opcode(opcode)


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 70000])
@pytest.mark.parametrize("masked", [False, True])
def test_parse_payload_lengths(framing_twin, size, masked):
    data = payload(size)
    wire = encode(2, data, mask_key=MASK_KEY if masked else None)
    frames, _ = parse_all(framing_twin, wire, mask=masked)
    assert frames == [Frame(Opcode.BINARY, data)]


@pytest.mark.parametrize("length_size", [0, 2, 8])
@pytest.mark.parametrize("size", [0, 5, 125])
def test_parse_non_minimal_length_encodings(framing_twin, length_size, size):
    # websockets accepts them, and so do we; control frames are checked
    # against their actual length, not against the encoding.
    for opcode in (2, 9):
        data = payload(size)
        wire = encode(opcode, data, length_size=length_size)
        frames, _ = parse_all(framing_twin, wire)
        assert frames == [Frame(Opcode(opcode), data)]


@pytest.mark.parametrize("rsv", [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70])
@pytest.mark.parametrize(
    "allowed_rsv", [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70]
)
def test_parse_rsv_bits(framing_twin, rsv, allowed_rsv):
    wire = encode(1, b"abc", rsv=rsv)
    parser = framing_twin.FrameParser(mask=False, allowed_rsv=allowed_rsv)
    parser.feed(wire)
    if rsv & ~allowed_rsv:
        with pytest.raises(ProtocolError, match="^reserved bits must be 0$"):
            parser.next_frame()
    else:
        frame = parser.next_frame()
        assert frame == Frame(
            Opcode.TEXT,
            b"abc",
            rsv1=bool(rsv & 0x40),
            rsv2=bool(rsv & 0x20),
            rsv3=bool(rsv & 0x10),
        )


def test_parse_many_frames_in_one_buffer(framing_twin):
    frames = [
        Frame(Opcode(op), payload(size), fin=True)
        for op, size in [(1, 0), (2, 300), (9, 125), (0, 7), (10, 1)] * 50
    ]
    wire = b"".join(
        encode(frame.opcode, frame.data, mask_key=MASK_KEY) for frame in frames
    )
    parser = framing_twin.FrameParser(mask=True)
    parser.feed(wire)
    assert parser.frames() == frames
    assert parser.buffered == 0
    assert parser.frames() == []
    assert parser.next_frame() is None


def test_parse_waits_for_complete_frame(framing_twin):
    parser = framing_twin.FrameParser(mask=False)
    assert parser.next_frame() is None
    parser.feed(b"\x82")
    assert parser.next_frame() is None
    parser.feed(b"\x7e\x01")
    assert parser.next_frame() is None
    parser.feed(b"\x00" + b"x" * 255)
    assert parser.next_frame() is None
    assert parser.buffered == 259
    parser.feed(b"xy")
    assert parser.next_frame() == Frame(Opcode.BINARY, b"x" * 256)
    assert parser.buffered == 1
    assert parser.take_buffer() == b"y"
    assert parser.buffered == 0


@pytest.mark.parametrize("masked", [False, True])
def test_parse_split_at_every_byte_with_feed(framing_twin, masked):
    frames = [
        Frame(Opcode.TEXT, b"caf\xc3\xa9", fin=False),
        Frame(Opcode.PING, b""),
        Frame(Opcode.CONT, payload(200)),
        Frame(Opcode.BINARY, payload(66000)),
        Frame(Opcode.CLOSE, b"\x03\xe8bye"),
    ]
    key = MASK_KEY if masked else None
    wire = b"".join(
        encode(frame.opcode, frame.data, fin=frame.fin, mask_key=key)
        for frame in frames
    )
    # Every boundary within the headers and around the payloads, sampled
    # inside the large payload to keep the test fast.
    cuts = [
        cut
        for cut in range(len(wire) + 1)
        if cut < 300 or cut > len(wire) - 300 or cut % 997 == 0
    ]
    for cut in cuts:
        parser = framing_twin.FrameParser(mask=masked)
        parser.feed(wire[:cut])
        received = parser.frames()
        parser.feed(memoryview(wire)[cut:])
        received += parser.frames()
        assert received == frames, cut
        assert parser.buffered == 0


def test_parse_one_byte_at_a_time(framing_twin):
    frames = [Frame(Opcode.BINARY, payload(size)) for size in (0, 1, 125, 126, 300)]
    wire = b"".join(
        encode(frame.opcode, frame.data, mask_key=MASK_KEY) for frame in frames
    )
    parser = framing_twin.FrameParser(mask=True)
    received = []
    for index in range(len(wire)):
        parser.feed(wire[index : index + 1])
        received += parser.frames()
    assert received == frames


@pytest.mark.parametrize("masked", [False, True])
def test_parse_split_at_every_byte_with_get_buffer(framing_twin, masked):
    frames = [
        Frame(Opcode.TEXT, b"hello"),
        Frame(Opcode.BINARY, payload(130)),
        Frame(Opcode.PONG, b"x"),
    ]
    key = MASK_KEY if masked else None
    wire = b"".join(encode(frame.opcode, frame.data, mask_key=key) for frame in frames)
    for cut in range(len(wire) + 1):
        parser = framing_twin.FrameParser(mask=masked)
        received = []
        for chunk in (wire[:cut], wire[cut:]):
            buffer = parser.get_buffer(-1)
            assert len(buffer) >= len(chunk)
            buffer[: len(chunk)] = chunk
            parser.buffer_updated(len(chunk))
            received += parser.frames()
        assert received == frames, cut


def test_get_buffer_size(framing_twin):
    parser = framing_twin.FrameParser(mask=False)
    for sizehint in (-1, 0, 1, 16384):
        view = parser.get_buffer(sizehint)
        assert len(view) >= 16384
        assert not view.readonly
    # Large hints aren't followed (asyncio's TLS transport asks for 256 KiB).
    assert len(parser.get_buffer(262144)) == 16384
    with pytest.raises(TypeError):
        parser.get_buffer(1.5)
    # When the header of a large frame is known, the view fits the rest.
    parser.feed(encode(2, b"", length_size=8)[:2] + struct.pack("!Q", 1_000_000))
    assert len(parser.get_buffer(-1)) >= 1_000_000
    # ... up to 16 MiB only.
    parser = framing_twin.FrameParser(mask=False)
    parser.feed(b"\x82\x7f" + struct.pack("!Q", 1 << 62))
    view = parser.get_buffer(-1)
    assert 16 * 1024 * 1024 <= len(view) < 32 * 1024 * 1024


def test_buffer_updated_out_of_range(framing_twin):
    parser = framing_twin.FrameParser(mask=False)
    view = parser.get_buffer(-1)
    with pytest.raises(ValueError, match="^nbytes out of range$"):
        parser.buffer_updated(len(view) + 1)
    with pytest.raises(ValueError, match="^nbytes out of range$"):
        parser.buffer_updated(-1)
    parser.buffer_updated(0)
    assert parser.buffered == 0


def test_get_buffer_view_survives_reallocation(framing_twin):
    parser = framing_twin.FrameParser(mask=False)
    view = parser.get_buffer(-1)
    # Growing the buffer must not break the old view (nor crash).
    parser.feed(b"\x82\x00" * 100_000)
    view[:2] = b"ab"
    assert len(parser.frames()) == 100_000


def test_feed_accepts_bytes_like_objects(framing_twin):
    parser = framing_twin.FrameParser(mask=False)
    parser.feed(b"\x82\x02")
    parser.feed(bytearray(b"a"))
    parser.feed(memoryview(b"xbx")[1:2])
    parser.feed(memoryview(b"\x81\x00\x81\x00")[::2])  # not contiguous
    assert parser.frames() == [Frame(Opcode.BINARY, b"ab")]
    assert parser.take_buffer() == b"\x81\x81"


def test_feed_rejects_str(framing_twin):
    parser = framing_twin.FrameParser(mask=False)
    with pytest.raises(TypeError, match="^data must be a bytes-like object, not str$"):
        parser.feed("\x81\x00")


# Buffer management.


def test_buffer_is_reused_for_many_small_frames(framing_twin):
    frame = encode(2, b"0123456789abcdef", mask_key=MASK_KEY)
    wire = frame * 100_000
    parser = framing_twin.FrameParser(mask=True)
    count = 0
    # Odd chunk sizes leave partial frames in the buffer between feeds.
    for start in range(0, len(wire), 4093):
        parser.feed(wire[start : start + 4093])
        count += len(parser.frames())
        assert parser.capacity <= 65536
    assert count == 100_000
    assert parser.buffered == 0


def test_idle_parser_holds_no_buffer(framing_twin):
    # Thousands of idle connections must not hold a read buffer each.
    parser = framing_twin.FrameParser(mask=False)
    view = parser.get_buffer(-1)
    frame = encode(1, b"hello")
    view[: len(frame)] = frame
    del view
    parser.buffer_updated(len(frame))
    assert parser.frames() == [Frame(Opcode.TEXT, b"hello")]
    assert parser.capacity == 0
    parser.feed(frame + frame[:3])
    assert len(parser.frames()) == 1
    assert parser.capacity > 0  # a partial frame is pending
    parser.feed(frame[3:])
    assert len(parser.frames()) == 1
    assert parser.capacity == 0


def test_buffer_grows_for_large_frame_then_shrinks(framing_twin):
    parser = framing_twin.FrameParser(mask=False)
    big = encode(2, payload(3_000_000))
    for start in range(0, len(big), 65536):
        parser.feed(big[start : start + 65536])
    assert parser.capacity >= 3_000_000
    assert parser.frames() == [Frame(Opcode.BINARY, payload(3_000_000))]
    parser.feed(encode(1, b"small"))
    assert parser.frames() == [Frame(Opcode.TEXT, b"small")]
    assert parser.capacity <= 65536


def test_buffer_shrinks_with_partial_frame_pending(framing_twin):
    parser = framing_twin.FrameParser(mask=False)
    small = encode(1, b"x" * 100)
    big = encode(2, payload(2_000_000))
    # A small frame cut in half stays after the large one.
    parser.feed(big + small[:50])
    assert len(parser.frames()) == 1
    # The next feed compacts the buffer into a smaller one.
    parser.feed(small[50:] + small * 10)
    assert parser.capacity <= 65536
    assert parser.frames() == [Frame(Opcode.TEXT, b"x" * 100)] * 11


def test_take_buffer(framing_twin):
    parser = framing_twin.FrameParser(mask=False)
    parser.feed(b"\x81\x01a\x88\x00tail")
    assert parser.next_frame() == Frame(Opcode.TEXT, b"a")
    assert parser.buffered == 6
    assert parser.take_buffer() == b"\x88\x00tail"
    assert parser.buffered == 0
    assert parser.take_buffer() == b""
    parser.feed(b"\x81\x00")
    assert parser.next_frame() == Frame(Opcode.TEXT, b"")


# Errors.


ERRORS = [
    # (wire bytes, mask, max_size, exception type, message)
    (b"\x83\x00", False, None, ProtocolError, "invalid opcode"),
    (b"\x8f\x00", False, None, ProtocolError, "invalid opcode"),
    (b"\x81\x80\x00\x00\x00\x00", False, None, ProtocolError, "incorrect masking"),
    (b"\x81\x00", True, None, ProtocolError, "incorrect masking"),
    (b"\xc1\x00", False, None, ProtocolError, "reserved bits must be 0"),
    (b"\x91\x00", False, None, ProtocolError, "reserved bits must be 0"),
    (b"\x89\x7e\x00\x7e", False, None, ProtocolError, "control frame too long"),
    (
        b"\x88\x7f\x00\x00\x00\x00\x00\x00\x00\x7e",
        False,
        None,
        ProtocolError,
        "control frame too long",
    ),
    (b"\x09\x00", False, None, ProtocolError, "fragmented control frame"),
    (b"\x0a\x7e\x00\x7d", False, None, ProtocolError, "fragmented control frame"),
    (
        b"\x82\x06",
        False,
        5,
        PayloadTooBig,
        "frame with 6 bytes exceeds limit of 5 bytes",
    ),
    (
        b"\x82\x7e\x01\x00",
        False,
        255,
        PayloadTooBig,
        "frame with 256 bytes exceeds limit of 255 bytes",
    ),
    (
        b"\x82\x81",
        True,
        0,
        PayloadTooBig,
        "frame with 1 bytes exceeds limit of 0 bytes",
    ),
    # Several rules broken at once: the first check in the documented order wins.
    (b"\xf3\x80", False, None, ProtocolError, "invalid opcode"),
    (b"\xc9\x7f", True, 0, ProtocolError, "incorrect masking"),
    # As in websockets 17.4: the size first, then RSV bits, then the rules
    # of control frames.
    (b"\x49\x81", True, 0, PayloadTooBig, "frame with 1 bytes exceeds limit of 0 bytes"),
    (b"\x49\x81", True, None, ProtocolError, "reserved bits must be 0"),
    (b"\x09\xfe\x01\x00", True, 0, PayloadTooBig, "frame with 256 bytes exceeds limit of 0 bytes"),
    (b"\x09\xfe\x01\x00", True, None, ProtocolError, "control frame too long"),
    (b"\x09\x81", True, None, ProtocolError, "fragmented control frame"),
]


def test_invalid_opcode_is_caused_by_the_value_error_of_websockets(framing_twin):
    parser = framing_twin.FrameParser(mask=False, max_size=None)
    parser.feed(b"\x83\x00")
    with pytest.raises(ProtocolError) as exc_info:
        parser.next_frame()
    assert type(exc_info.value.__cause__) is ValueError
    assert str(exc_info.value.__cause__) == "3 is not a valid Opcode"


@pytest.mark.parametrize("wire, mask, max_size, exc_type, message", ERRORS)
def test_parse_error(framing_twin, wire, mask, max_size, exc_type, message):
    parser = framing_twin.FrameParser(mask=mask, max_size=max_size)
    # Errors are reported as soon as the header is buffered.
    parser.feed(wire)
    with pytest.raises(exc_type) as exc_info:
        parser.next_frame()
    assert type(exc_info.value) is exc_type
    assert str(exc_info.value) == message
    # The parser is failed now, and the offending bytes are still buffered.
    with pytest.raises(ProtocolError, match="^parser failed$"):
        parser.next_frame()
    with pytest.raises(ProtocolError, match="^parser failed$"):
        parser.frames()
    assert parser.take_buffer() == wire


def test_payload_too_big_attributes(framing_twin):
    parser = framing_twin.FrameParser(mask=False, max_size=1000)
    parser.feed(b"\x82\x7e\x04\x00")
    with pytest.raises(PayloadTooBig) as exc_info:
        parser.next_frame()
    assert exc_info.value.size == 1024
    assert exc_info.value.max_size == 1000
    assert exc_info.value.current_size is None


def test_huge_length_with_max_size(framing_twin):
    # RFC 6455 §5.2 requires the most significant bit to be 0; like
    # websockets, we treat it as a huge length, without allocating anything.
    parser = framing_twin.FrameParser(mask=True, max_size=1 << 20)
    parser.feed(b"\x82\xff\x80\x00\x00\x00\x00\x00\x00\x00")
    with pytest.raises(PayloadTooBig) as exc_info:
        parser.next_frame()
    assert (
        str(exc_info.value)
        == f"frame with {1 << 63} bytes exceeds limit of {1 << 20} bytes"
    )
    assert parser.capacity <= 65536


def test_huge_length_without_max_size(framing_twin):
    parser = framing_twin.FrameParser(mask=False)
    header = b"\x82\x7f\xff\xff\xff\xff\xff\xff\xff\xff"
    parser.feed(header + b"data")
    assert parser.next_frame() is None
    assert parser.buffered == 14
    assert parser.capacity <= 65536


def test_max_size_larger_than_any_length(framing_twin):
    parser = framing_twin.FrameParser(mask=False, max_size=1 << 80)
    parser.feed(b"\x82\x01x")
    assert parser.next_frame() == Frame(Opcode.BINARY, b"x")
    assert parser.max_size == 1 << 80


def test_errors_wait_for_header_bytes(framing_twin):
    # The control frame check needs the extended length; the opcode check
    # doesn't.
    parser = framing_twin.FrameParser(mask=False)
    parser.feed(b"\x89\x7e\x00")
    assert parser.next_frame() is None
    parser.feed(b"\x7e")
    with pytest.raises(ProtocolError, match="^control frame too long$"):
        parser.next_frame()
    parser = framing_twin.FrameParser(mask=False)
    parser.feed(b"\x83\x7f")
    with pytest.raises(ProtocolError, match="^invalid opcode$"):
        parser.next_frame()


@pytest.mark.parametrize("opcode", INVALID_OPCODES)
def test_invalid_opcode(framing_twin, opcode):
    parser = framing_twin.FrameParser(mask=False)
    parser.feed(bytes([0x80 | opcode, 0]))
    with pytest.raises(ProtocolError, match="^invalid opcode$"):
        parser.next_frame()


def test_frames_returns_valid_frames_before_error(framing_twin):
    parser = framing_twin.FrameParser(mask=False)
    parser.feed(b"\x81\x01a\x82\x01b\x83\x00")
    assert parser.frames() == [Frame(Opcode.TEXT, b"a"), Frame(Opcode.BINARY, b"b")]
    with pytest.raises(ProtocolError, match="^invalid opcode$"):
        parser.frames()
    with pytest.raises(ProtocolError, match="^parser failed$"):
        parser.frames()


def test_max_size_and_allowed_rsv_are_settable(framing_twin):
    parser = framing_twin.FrameParser(mask=False)
    assert parser.max_size is None
    assert parser.allowed_rsv == 0
    parser.feed(b"\xc1\x03abc\xc1\x03abc")
    parser.allowed_rsv = 0x40
    parser.max_size = 3
    assert parser.max_size == 3
    assert parser.allowed_rsv == 0x40
    assert parser.next_frame() == Frame(Opcode.TEXT, b"abc", rsv1=True)
    # The protocol lowers max_size during a fragmented message.
    parser.max_size = 2
    with pytest.raises(
        PayloadTooBig, match="^frame with 3 bytes exceeds limit of 2 bytes$"
    ):
        parser.next_frame()


def test_invalid_settings(framing_twin):
    with pytest.raises(ValueError, match="^max_size must be >= 0$"):
        framing_twin.FrameParser(mask=False, max_size=-1)
    with pytest.raises(TypeError, match="^max_size must be an int or None, not float$"):
        framing_twin.FrameParser(mask=False, max_size=1.5)
    with pytest.raises(
        ValueError, match="^allowed_rsv must be a combination of 0x40, 0x20, 0x10$"
    ):
        framing_twin.FrameParser(mask=False, allowed_rsv=0x80)
    with pytest.raises(
        ValueError, match="^allowed_rsv must be a combination of 0x40, 0x20, 0x10$"
    ):
        framing_twin.FrameParser(mask=False, allowed_rsv=-1)
    with pytest.raises(TypeError, match="^allowed_rsv must be an int, not str$"):
        framing_twin.FrameParser(mask=False, allowed_rsv="0")
    parser = framing_twin.FrameParser(mask=False, max_size=10)
    with pytest.raises(ValueError, match="^max_size must be >= 0$"):
        parser.max_size = -(1 << 70)
    assert parser.max_size == 10


# Building frames.


UPSTREAM_FRAMES = [
    # Serialized by websockets 17.4 with secrets.token_bytes patched to return
    # MASK_KEY: (opcode, data or payload size, fin, mask, expected), where
    # expected is the bytes, or the header and the SHA-256 of the bytes.
    ("TEXT", b"Spam", True, False, b"\x81\x04Spam"),
    ("TEXT", b"Spam", True, True, b"\x81\x84\x124VxAD7\x15"),
    ("BINARY", b"\x00\xff\x10", True, False, b"\x82\x03\x00\xff\x10"),
    ("BINARY", b"\x00\xff\x10", True, True, b"\x82\x83\x124Vx\x12\xcbF"),
    ("TEXT", b"", False, False, b"\x01\x00"),
    ("CONT", b"eggs", False, True, b"\x00\x84\x124VxwS1\x0b"),
    ("CONT", b"", True, False, b"\x80\x00"),
    ("CLOSE", b"\x03\xe8", True, False, b"\x88\x02\x03\xe8"),
    ("CLOSE", b"", True, True, b"\x88\x80\x124Vx"),
    ("PING", b"ping", True, True, b"\x89\x84\x124Vxb]8\x1f"),
    ("PONG", b"", True, False, b"\x8a\x00"),
    (
        "BINARY",
        125,
        True,
        False,
        (b"\x82}", "31de6ba82a2508bb7552db745e9847f37c8deb6093d7b09cb6d3b0fe571ec008"),
    ),
    (
        "BINARY",
        126,
        True,
        True,
        (
            b"\x82\xfe\x00~\x124Vx",
            "ead73394f8211e1d66f5973504b5895befaca381c61ff2a87799370366b324ac",
        ),
    ),
    (
        "BINARY",
        65535,
        True,
        False,
        (
            b"\x82~\xff\xff",
            "6299d834a004cb62ce3f9d42a60fca887704b9b865fdbbf9758dece3624ebf09",
        ),
    ),
    (
        "BINARY",
        65536,
        True,
        True,
        (
            b"\x82\xff\x00\x00\x00\x00\x00\x01\x00\x00\x124Vx",
            "85c266a6b4dc86431e2fb6331bb340fb28fd536e520cf30e6d906836da1e266c",
        ),
    ),
    (
        "TEXT",
        70000,
        False,
        False,
        (
            b"\x01\x7f\x00\x00\x00\x00\x00\x01\x11p",
            "9f929bb31d089ec803f080e42bfbf963a99a348f35ca59eeb79951827820b0b0",
        ),
    ),
]


def check_upstream_bytes(output, expected):
    if isinstance(expected, bytes):
        assert output == expected
    else:
        header, digest = expected
        assert output.startswith(header)
        assert hashlib.sha256(output).hexdigest() == digest


@pytest.mark.parametrize("opcode, data, fin, mask, expected", UPSTREAM_FRAMES)
def test_build_frame_matches_upstream(framing_twin, opcode, data, fin, mask, expected):
    if isinstance(data, int):
        data = payload(data)
    output = framing_twin.build_frame(
        Opcode[opcode], data, fin, 0, MASK_KEY if mask else None
    )
    assert type(output) is bytes
    check_upstream_bytes(output, expected)


@pytest.mark.parametrize("opcode, data, fin, mask, expected", UPSTREAM_FRAMES)
def test_frame_serialize_matches_upstream(opcode, data, fin, mask, expected):
    # Frame.serialize goes through the active framing_twin.
    if isinstance(data, int):
        data = payload(data)
    with mock.patch("secrets.token_bytes", return_value=MASK_KEY):
        output = Frame(Opcode[opcode], data, fin).serialize(mask=mask)
    check_upstream_bytes(output, expected)


@pytest.mark.parametrize("rsv", [0x00, 0x10, 0x20, 0x40, 0x70])
@pytest.mark.parametrize("size", [0, 3, 125, 126, 65535, 65536])
@pytest.mark.parametrize("masked", [False, True])
def test_build_frame_round_trip(framing_twin, rsv, size, masked):
    data = payload(size)
    for opcode, fin in [(0, False), (1, True), (2, False)] + (
        [(8, True), (9, True), (10, True)] if size <= 125 else []
    ):
        wire = framing_twin.build_frame(
            opcode, data, fin, rsv, MASK_KEY if masked else None
        )
        assert wire == encode(
            opcode, data, fin=fin, rsv=rsv, mask_key=MASK_KEY if masked else None
        )
        frames, _ = parse_all(framing_twin, wire, mask=masked, allowed_rsv=0x70)
        assert frames == [
            Frame(
                Opcode(opcode),
                data,
                fin,
                bool(rsv & 0x40),
                bool(rsv & 0x20),
                bool(rsv & 0x10),
            )
        ]


def test_build_frame_accepts_bytes_like_objects(framing_twin):
    expected = framing_twin.build_frame(2, b"abcdef", True, 0, MASK_KEY)
    assert (
        framing_twin.build_frame(2, bytearray(b"abcdef"), True, 0, MASK_KEY) == expected
    )
    assert (
        framing_twin.build_frame(2, memoryview(b"xabcdefx")[1:-1], True, 0, MASK_KEY)
        == expected
    )
    assert (
        framing_twin.build_frame(2, memoryview(b"aXbXcXdXeXfX")[::2], True, 0, MASK_KEY)
        == expected
    )
    assert framing_twin.build_frame(2, b"abcdef", 1, 0, bytearray(MASK_KEY)) == expected
    assert (
        framing_twin.build_frame(2, b"abcdef", True, 0, memoryview(MASK_KEY))
        == expected
    )
    assert (
        framing_twin.build_frame(Opcode.BINARY, b"abcdef", "yes", 0, MASK_KEY)
        == expected
    )


BUILD_ERRORS = [
    ((1.0, b"", True, 0, None), TypeError, "opcode must be an int, not float"),
    ((16, b"", True, 0, None), ValueError, "opcode must be between 0 and 15"),
    ((-1, b"", True, 0, None), ValueError, "opcode must be between 0 and 15"),
    ((1 << 70, b"", True, 0, None), ValueError, "opcode must be between 0 and 15"),
    ((1, b"", True, None, None), TypeError, "rsv must be an int, not NoneType"),
    (
        (1, b"", True, 0x80, None),
        ValueError,
        "rsv must be a combination of 0x40, 0x20, 0x10",
    ),
    (
        (1, b"", True, 1 << 70, None),
        ValueError,
        "rsv must be a combination of 0x40, 0x20, 0x10",
    ),
    (
        (1, "text", True, 0, None),
        TypeError,
        "data must be a bytes-like object, not str",
    ),
    (
        (1, None, True, 0, None),
        TypeError,
        "data must be a bytes-like object, not NoneType",
    ),
    (
        (1, b"", True, 0, "abcd"),
        TypeError,
        "mask_key must be a bytes-like object or None, not str",
    ),
    ((1, b"", True, 0, b"abc"), ValueError, "mask_key must be 4 bytes long"),
    ((1, b"", True, 0, bytearray(5)), ValueError, "mask_key must be 4 bytes long"),
]


@pytest.mark.parametrize("args, exc_type, message", BUILD_ERRORS)
def test_build_frame_errors(framing_twin, args, exc_type, message):
    with pytest.raises(exc_type) as exc_info:
        framing_twin.build_frame(*args)
    assert type(exc_info.value) is exc_type
    assert str(exc_info.value) == message


def released_view(data):
    view = memoryview(data)
    view.release()
    return view


# Values of each argument of build_frame: valid ones first, then values that
# are wrong in each possible way.
BUILD_ARGUMENTS = {
    "opcode": [1, Opcode.PING, 99, -1, 1 << 70, 1.0, "1", None],
    "data": [
        b"abc",
        memoryview(b"aXbXc")[::2],
        "text",
        None,
        12,
        released_view(b"abc"),
    ],
    "fin": [True, 0],
    "rsv": [0, 0x40, 0x80, -1, 1 << 70, "x", None, 1.5],
    "mask_key": [
        None,
        MASK_KEY,
        bytearray(MASK_KEY),
        memoryview(MASK_KEY * 2)[::2],
        b"abc",
        bytearray(5),
        "abcd",
        1234,
        released_view(MASK_KEY),
    ],
}


def build_outcome(build, *args):
    try:
        return "returned", build(*args)
    except Exception as exc:
        return "raised", type(exc), str(exc)


def test_build_frame_twins_check_arguments_in_the_same_order(framing_compiled):
    # Every combination, so that many calls are wrong in two, three or four
    # ways at once: both twins must report the same error first.
    combinations = itertools.product(*BUILD_ARGUMENTS.values())
    for args in combinations:
        expected = build_outcome(PURE.build_frame, *args)
        assert build_outcome(framing_compiled.build_frame, *args) == expected, args


def test_frame_writer_twins_check_arguments_in_the_same_order(framing_compiled):
    pool = bytes(index & 0xFF for index in range(PURE.MASK_POOL_SIZE))
    for mask in (False, True):
        arguments = [BUILD_ARGUMENTS[name] for name in ("opcode", "data", "fin", "rsv")]
        for args in itertools.product(*arguments):
            with mock.patch("secrets.token_bytes", return_value=pool):
                expected = build_outcome(PURE.FrameWriter(mask=mask).write, *args)
                writer = framing_compiled.FrameWriter(mask=mask)
                assert build_outcome(writer.write, *args) == expected, (mask, args)


PARSER_SETTINGS = {
    "max_size": [None, 0, 2**64, -1, -(1 << 70), 1.5, "1"],
    "allowed_rsv": [0, 0x70, 0x80, -1, "0", None],
}


def parser_outcome(framing_twin, max_size, allowed_rsv):
    try:
        parser = framing_twin.FrameParser(
            mask=False, max_size=max_size, allowed_rsv=allowed_rsv
        )
    except Exception as exc:
        return "raised", type(exc), str(exc)
    return "returned", parser.max_size, parser.allowed_rsv


def test_frame_parser_twins_check_settings_in_the_same_order(framing_compiled):
    for max_size, allowed_rsv in itertools.product(*PARSER_SETTINGS.values()):
        expected = parser_outcome(PURE, max_size, allowed_rsv)
        assert parser_outcome(framing_compiled, max_size, allowed_rsv) == expected


# Differential tests: every twin sees the same stream and must agree.


def run_stream(framing_twin, chunks, *, mask, max_size, allowed_rsv, modes):
    """
    Feed ``chunks`` to a parser; return a transcript of what happened.

    ``modes`` says, for each chunk, whether to use feed() or get_buffer()
    and buffer_updated(), and whether to parse with frames() or next_frame().

    """
    parser = framing_twin.FrameParser(
        mask=mask, max_size=max_size, allowed_rsv=allowed_rsv
    )
    transcript = []
    for chunk, (use_get_buffer, use_frames) in zip(chunks, modes, strict=True):
        if use_get_buffer:
            # The view may be shorter than the hint: write in several reads.
            rest = memoryview(chunk)
            while rest:
                view = parser.get_buffer(len(rest))
                size = min(len(view), len(rest))
                view[:size] = rest[:size]
                del view
                parser.buffer_updated(size)
                rest = rest[size:]
        else:
            parser.feed(chunk)
        try:
            if use_frames:
                frames = parser.frames()
            else:
                frames = []
                while (frame := parser.next_frame()) is not None:
                    frames.append(frame)
        except (ProtocolError, PayloadTooBig) as exc:
            transcript.append(("error", type(exc), str(exc), parser.buffered))
            return transcript
        transcript.append(("frames", frames, parser.buffered))
    return transcript


def random_frame(rng, *, allowed_rsv=0x70):
    """Return a random frame and its fields, with RSV bits in allowed_rsv."""
    opcode = rng.choice(VALID_OPCODES)
    if opcode >= 8:
        size = rng.randrange(126)
    elif rng.random() < 0.25:
        sizes = [0, 1, 125, 126, 127, 1000, 65535, 65536, 65537]
        size = rng.choice(sizes + [rng.randrange(1 << 21)] * 3)
    else:
        size = rng.randrange(200)
    fin = True if opcode >= 8 else rng.random() < 0.7
    rsv = rng.choice([0, 0x40, 0x20, 0x10, 0x70]) & allowed_rsv
    data = rng.randbytes(size)
    key = rng.randbytes(4)
    frame = Frame(
        Opcode(opcode), data, fin, bool(rsv & 0x40), bool(rsv & 0x20), bool(rsv & 0x10)
    )
    return frame, opcode, data, fin, rsv, key


def random_stream(rng, *, mask, allowed_rsv):
    """Return the wire bytes of a random stream of frames, maybe corrupted."""
    parts = []
    corrupt_at = rng.randrange(8) if rng.random() < 0.5 else None
    for index in range(rng.randrange(1, 8)):
        frame, opcode, data, fin, rsv, key = random_frame(rng, allowed_rsv=allowed_rsv)
        wire = encode(opcode, data, fin=fin, rsv=rsv, mask_key=key if mask else None)
        if index == corrupt_at:
            wire = bytearray(wire)
            # Flip a random bit in the first two bytes or the extended length.
            position = rng.randrange(min(len(wire), 10))
            wire[position] ^= 1 << rng.randrange(8)
            wire = bytes(wire)
        parts.append(wire)
    if rng.random() < 0.2:
        # Trailing garbage, possibly an incomplete header.
        parts.append(rng.randbytes(rng.randrange(1, 20)))
    return b"".join(parts)


def split(rng, data):
    chunks = []
    position = 0
    while position < len(data):
        size = rng.choice([1, 2, 3, 7, 100, 4096, 65536, 1 << 20])
        chunks.append(data[position : position + rng.randrange(1, size + 1)])
        position += len(chunks[-1])
    return chunks


def stream_transcript(framing_twin, data, chunks_seed, *, mask, max_size, allowed_rsv):
    """Cut ``data`` into chunks chosen by ``chunks_seed`` and run the stream."""
    rng = random.Random(chunks_seed)
    chunks = split(rng, data) or [b""]
    modes = [(rng.random() < 0.5, rng.random() < 0.5) for _ in chunks]
    return run_stream(
        framing_twin,
        chunks,
        mask=mask,
        max_size=max_size,
        allowed_rsv=allowed_rsv,
        modes=modes,
    )


def check_twins_agree(framing_compiled, data, chunks_seed, **settings):
    expected = stream_transcript(PURE, data, chunks_seed, **settings)
    assert (
        stream_transcript(framing_compiled, data, chunks_seed, **settings) == expected
    )


def check_valid_stream(framing_twin, frames, wire, chunks_seed, *, mask):
    transcript = stream_transcript(
        framing_twin, wire, chunks_seed, mask=mask, max_size=None, allowed_rsv=0x70
    )
    received = [frame for entry in transcript for frame in entry[1]]
    assert received == frames
    assert transcript[-1][-1] == 0


@pytest.mark.parametrize("seed", range(60))
def test_random_streams_agree(framing_compiled, seed):
    rng = random.Random(seed)
    mask = rng.random() < 0.5
    max_size = rng.choice([None, None, 0, 125, 1000, 1 << 20, 2 << 20])
    allowed_rsv = rng.choice([0, 0x40, 0x70])
    wire = random_stream(rng, mask=mask, allowed_rsv=allowed_rsv)
    check_twins_agree(
        framing_compiled,
        wire,
        seed,
        mask=mask,
        max_size=max_size,
        allowed_rsv=allowed_rsv,
    )


@pytest.mark.parametrize("seed", range(20))
def test_random_valid_streams_round_trip(framing_twin, seed):
    rng = random.Random(1000 + seed)
    mask = rng.random() < 0.5
    frames = []
    parts = []
    for _ in range(rng.randrange(1, 10)):
        frame, opcode, data, fin, rsv, key = random_frame(rng)
        frames.append(frame)
        key = key if mask else None
        wire = framing_twin.build_frame(opcode, data, fin, rsv, key)
        assert wire == encode(opcode, data, fin=fin, rsv=rsv, mask_key=key)
        parts.append(wire)
    check_valid_stream(framing_twin, frames, b"".join(parts), seed, mask=mask)


frame_strategy = st.builds(
    lambda opcode, data, fin, rsv: (
        opcode,
        data[:125] if opcode >= 8 else data,
        fin or opcode >= 8,
        rsv,
    ),
    st.sampled_from(VALID_OPCODES),
    st.binary(max_size=300),
    st.booleans(),
    st.sampled_from([0, 0x10, 0x20, 0x40, 0x70]),
)


# The twin fixtures keep the same twin for every example.
FIXTURE_SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture],
}


@settings(max_examples=150, **FIXTURE_SETTINGS)
@given(
    specs=st.lists(frame_strategy, min_size=1, max_size=6),
    mask=st.booleans(),
    chunks_seed=st.integers(0, 1 << 32),
)
def test_hypothesis_valid_streams_round_trip(framing_twin, specs, mask, chunks_seed):
    frames = [
        Frame(
            Opcode(op), data, fin, bool(rsv & 0x40), bool(rsv & 0x20), bool(rsv & 0x10)
        )
        for op, data, fin, rsv in specs
    ]
    wire = b"".join(
        encode(op, data, fin=fin, rsv=rsv, mask_key=MASK_KEY if mask else None)
        for op, data, fin, rsv in specs
    )
    check_valid_stream(framing_twin, frames, wire, chunks_seed, mask=mask)


@settings(max_examples=300, **FIXTURE_SETTINGS)
@given(
    data=st.binary(max_size=200),
    mask=st.booleans(),
    max_size=st.one_of(st.none(), st.integers(0, 300)),
    allowed_rsv=st.sampled_from([0, 0x40, 0x70]),
    chunks_seed=st.integers(0, 1 << 32),
)
def test_hypothesis_arbitrary_bytes_agree(
    framing_compiled, data, mask, max_size, allowed_rsv, chunks_seed
):
    check_twins_agree(
        framing_compiled,
        data,
        chunks_seed,
        mask=mask,
        max_size=max_size,
        allowed_rsv=allowed_rsv,
    )


# parse_into: whole messages in bulk, other frames returned.


def collect(framing_twin, data, **kwargs):
    parser = framing_twin.FrameParser(mask=False, **kwargs)
    parser.feed(data)
    events, returned = [], []
    while True:
        frame = parser.parse_into(events, lambda data: data.decode())
        if frame is None:
            return events, returned
        returned.append((len(events), frame))


def test_parse_into_appends_whole_messages(framing_twin):
    events, returned = collect(framing_twin, b"\x81\x02hi\x82\x01\x00\x81\x00")
    assert events == [
        Frame(Opcode.TEXT, b"hi"),
        Frame(Opcode.BINARY, b"\x00"),
        Frame(Opcode.TEXT, b""),
    ]
    assert returned == []


def test_parse_into_returns_control_frames_fragments_and_rsv_frames(framing_twin):
    data = (
        b"\x81\x01a"  # whole text message
        + b"\x89\x01p"  # ping
        + b"\x01\x01b"  # first fragment
        + b"\x80\x01c"  # last fragment
        + b"\xc2\x01d"  # binary with RSV1
        + b"\x82\x01e"  # whole binary message
    )
    events, returned = collect(framing_twin, data, allowed_rsv=0x40)
    assert events == [Frame(Opcode.TEXT, b"a"), Frame(Opcode.BINARY, b"e")]
    assert returned == [
        (1, Frame(Opcode.PING, b"p")),
        (1, Frame(Opcode.TEXT, b"b", fin=False)),
        (1, Frame(Opcode.CONT, b"c")),
        (1, Frame(Opcode.BINARY, b"d", rsv1=True)),
    ]


def test_parse_into_validates_text_and_propagates_errors(framing_twin):
    parser = framing_twin.FrameParser(mask=False)
    parser.feed(b"\x81\x01a\x81\x01\xff\x81\x01b")
    events = []
    with pytest.raises(UnicodeDecodeError) as raised:
        parser.parse_into(events, lambda data: data.decode())
    assert raised.value.start == 0
    assert events == [Frame(Opcode.TEXT, b"a")]
    # The invalid frame is consumed; the next one is still available.
    assert parser.parse_into(events, lambda data: data.decode()) is None
    assert events[-1] == Frame(Opcode.TEXT, b"b")


def test_parse_into_does_not_validate_binary(framing_twin):
    parser = framing_twin.FrameParser(mask=False)
    parser.feed(b"\x82\x01\xff")
    events = []

    def validate(data):
        raise AssertionError("binary frames must not be validated")

    assert parser.parse_into(events, validate) is None
    assert events == [Frame(Opcode.BINARY, b"\xff")]


def test_parse_into_raises_protocol_errors(framing_twin):
    parser = framing_twin.FrameParser(mask=True)
    parser.feed(b"\x81\x01a")
    with pytest.raises(ProtocolError, match="incorrect masking"):
        parser.parse_into([], lambda data: None)


def test_parse_into_twins_agree_on_random_streams(framing_compiled):
    rng = random.Random(7)
    for _ in range(50):
        chunks = []
        for _ in range(rng.randrange(1, 20)):
            opcode = rng.choice([1, 2, 9, 10])
            fin = opcode >= 8 or rng.random() < 0.8
            text = rng.random() < 0.9
            body = (
                "é".encode() * rng.randrange(0, 60)
                if text
                else bytes(rng.randrange(256) for _ in range(rng.randrange(0, 100)))
            )
            if opcode >= 8:
                body = body[:125]
            chunks.append(encode(opcode, body, fin=fin))
        data = b"".join(chunks)
        results = []
        for framing_twin in (PURE, framing_compiled):
            parser = framing_twin.FrameParser(mask=False)
            parser.feed(data)
            events, returned = [], []
            try:
                while (frame := parser.parse_into(events, bytes.decode)) is not None:
                    returned.append((len(events), frame))
                outcome = None
            except Exception as exc:
                outcome = (type(exc), str(exc))
            results.append((events, returned, outcome))
        assert results[1] == results[0]


# FrameWriter: masks with keys drawn in bulk from secrets.token_bytes.


def test_frame_writer_without_mask_matches_build_frame(framing_twin):
    writer = framing_twin.FrameWriter(mask=False)
    assert writer.write(1, b"hello", True, 0) == framing_twin.build_frame(
        1, b"hello", True, 0, None
    )
    assert writer.write(2, b"x" * 300, False, 0x40) == framing_twin.build_frame(
        2, b"x" * 300, False, 0x40, None
    )


def test_frame_writer_masks_with_keys_from_secrets_token_bytes(framing_twin):
    pool = bytes(range(8))
    with mock.patch("secrets.token_bytes", return_value=pool) as token_bytes:
        writer = framing_twin.FrameWriter(mask=True)
        first = writer.write(1, b"hello", True, 0)
        second = writer.write(1, b"hello", True, 0)
        third = writer.write(1, b"hello", True, 0)
    token_bytes.assert_called_with(framing_twin.MASK_POOL_SIZE)
    assert token_bytes.call_count == 2
    assert first == framing_twin.build_frame(1, b"hello", True, 0, pool[0:4])
    assert second == framing_twin.build_frame(1, b"hello", True, 0, pool[4:8])
    assert third == framing_twin.build_frame(1, b"hello", True, 0, pool[0:4])


def test_frame_writer_draws_distinct_keys(framing_twin):
    writer = framing_twin.FrameWriter(mask=True)
    keys = {writer.write(2, b"", True, 0)[2:6] for _ in range(2000)}
    assert len(keys) > 1990


def test_frame_writer_rejects_short_random_pool(framing_twin):
    with mock.patch("secrets.token_bytes", return_value=b"\x00\x01"):
        writer = framing_twin.FrameWriter(mask=True)
        with pytest.raises(ValueError, match="fewer than 4 bytes"):
            writer.write(1, b"", True, 0)


def test_frame_writer_errors_match_build_frame(framing_twin):
    writer = framing_twin.FrameWriter(mask=True)
    with pytest.raises(ValueError, match="opcode must be between 0 and 15"):
        writer.write(16, b"", True, 0)
    with pytest.raises(TypeError, match="data must be a bytes-like object, not str"):
        writer.write(1, "text", True, 0)


# receive(): feed() then parse_into(), parsing straight from the input when
# nothing is buffered.


def mixed_stream(rng, mask_key):
    """Frames of every kind, mostly valid, some breaking a rule."""
    chunks = []
    for _ in range(rng.randrange(1, 12)):
        kind = rng.random()
        if kind < 0.05:
            # Invalid opcode.
            chunks.append(encode(3, b"x", mask_key=mask_key))
            continue
        opcode = rng.choice([1, 1, 2, 2, 0, 9, 10])
        fin = opcode >= 8 or rng.random() < 0.85
        size = rng.choice([0, 1, 5, 125, 126, 200, 70000])
        if opcode == 1:
            body = ("é" * size).encode()[:size]  # may cut a character
        else:
            body = bytes(rng.randrange(256) for _ in range(min(size, 300)))
            body = (body * (size // max(len(body), 1) + 1))[:size]
        if opcode >= 8:
            body = body[:125]
        rsv = 0x40 if rng.random() < 0.05 else 0
        length_size = 8 if rng.random() < 0.05 else None
        chunks.append(
            encode(
                opcode,
                body,
                fin=fin,
                rsv=rsv,
                mask_key=mask_key,
                length_size=length_size,
            )
        )
    return b"".join(chunks)


def drive(parser, pieces, use_receive):
    """Feed pieces one by one; record events, returned frames and errors."""
    log = []
    for piece in pieces:
        events = []
        try:
            if use_receive:
                frame = parser.receive(piece, events, bytes.decode)
            else:
                parser.feed(piece)
                frame = parser.parse_into(events, bytes.decode)
            outcome = frame
        except Exception as exc:
            outcome = (type(exc), str(exc))
        log.append((events, outcome, parser.buffered))
    return log


def receive_case(seed):
    """A random stream cut in pieces, and the parser's settings."""
    rng = random.Random(seed)
    mask = rng.random() < 0.5
    data = mixed_stream(rng, MASK_KEY if mask else None)
    cuts = sorted(
        rng.sample(range(1, len(data)), min(rng.randrange(0, 6), len(data) - 1))
    )
    pieces = [data[i:j] for i, j in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    settings = {
        "mask": mask,
        "max_size": rng.choice([None, 100, 70000]),
        "allowed_rsv": 0x40,
    }
    return pieces, settings


@pytest.mark.parametrize("seed", range(40))
def test_receive_equals_feed_then_parse_into(framing_twin, seed):
    pieces, settings = receive_case(seed)
    received = drive(framing_twin.FrameParser(**settings), pieces, use_receive=True)
    fed = drive(framing_twin.FrameParser(**settings), pieces, use_receive=False)
    assert received == fed


@pytest.mark.parametrize("seed", range(40))
def test_receive_twins_agree(framing_compiled, seed):
    pieces, settings = receive_case(seed)
    expected = drive(PURE.FrameParser(**settings), pieces, use_receive=True)
    assert (
        drive(framing_compiled.FrameParser(**settings), pieces, use_receive=True)
        == expected
    )


def test_receive_parses_whole_messages_without_buffering(framing_twin):
    parser = framing_twin.FrameParser(mask=True)
    events = []
    data = encode(2, b"spam", mask_key=MASK_KEY) + encode(1, b"eggs", mask_key=MASK_KEY)
    assert parser.receive(data, events, bytes.decode) is None
    assert events == [Frame(Opcode.BINARY, b"spam"), Frame(Opcode.TEXT, b"eggs")]
    assert parser.buffered == 0
    assert parser.capacity == 0


def test_receive_buffers_the_rest_of_the_input(framing_twin):
    parser = framing_twin.FrameParser(mask=False)
    events = []
    frame = encode(2, b"x" * 300)
    assert parser.receive(b"\x81\x02hi" + frame[:100], events, bytes.decode) is None
    assert events == [Frame(Opcode.TEXT, b"hi")]
    assert parser.buffered == 100
    assert parser.receive(frame[100:] + b"\x89\x00", events, bytes.decode) == Frame(
        Opcode.PING, b""
    )
    assert events[1:] == [Frame(Opcode.BINARY, b"x" * 300)]
    assert parser.buffered == 0


def test_receive_consumes_invalid_text_and_keeps_the_rest(framing_twin):
    parser = framing_twin.FrameParser(mask=False)
    events = []
    with pytest.raises(UnicodeDecodeError):
        parser.receive(b"\x81\x01a\x81\x01\xff\x82\x01b", events, bytes.decode)
    assert events == [Frame(Opcode.TEXT, b"a")]
    assert parser.buffered == 3
    assert parser.parse_into(events, bytes.decode) is None
    assert events[-1] == Frame(Opcode.BINARY, b"b")


def test_receive_reports_errors_as_parse_into(framing_twin):
    parser = framing_twin.FrameParser(mask=False, max_size=10)
    with pytest.raises(PayloadTooBig):
        parser.receive(b"\x82\x01a\x82\x0b" + b"b" * 11, [], bytes.decode)
    # The offending frame stays buffered and the parser is failed.
    assert parser.buffered == 13
    with pytest.raises(ProtocolError, match="parser failed"):
        parser.receive(b"\x82\x00", [], bytes.decode)


def test_receive_accepts_bytes_like_objects(framing_twin):
    for data in [bytearray(b"\x82\x01a"), memoryview(b"\x82\x01a")]:
        parser = framing_twin.FrameParser(mask=False)
        events = []
        assert parser.receive(data, events, bytes.decode) is None
        assert events == [Frame(Opcode.BINARY, b"a")]


def test_receive_rejects_str(framing_twin):
    parser = framing_twin.FrameParser(mask=False)
    with pytest.raises(TypeError, match="data must be a bytes-like object, not str"):
        parser.receive("\x82\x01a", [], bytes.decode)


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("size", [0, 1, 3, 125, 126, 65535, 65536])
@pytest.mark.parametrize("opcode", [0, 1, 2, 9, 15])
def test_frame_writer_matches_build_frame(framing_twin, masked, size, opcode):
    pool = bytes(range(16))
    data = payload(size)
    with mock.patch("secrets.token_bytes", return_value=pool):
        writer = framing_twin.FrameWriter(mask=masked)
        for index, fin in enumerate([True, False]):
            key = pool[4 * index : 4 * index + 4] if masked else None
            assert writer.write(opcode, data, fin, 0) == framing_twin.build_frame(
                opcode, data, fin, 0, key
            )


def test_frame_is_slotted_and_still_copies_pickles_and_replaces():
    import copy
    import pickle

    frame = Frame(Opcode.TEXT, b"caf\xc3\xa9", fin=False, rsv1=True)
    assert not hasattr(frame, "__dict__")
    with pytest.raises(AttributeError):
        frame.extra = 1
    assert copy.copy(frame) == frame
    assert copy.deepcopy(frame) == frame
    assert pickle.loads(pickle.dumps(frame)) == frame
    assert dataclasses.replace(frame, data=b"x") == Frame(
        Opcode.TEXT, b"x", fin=False, rsv1=True
    )
