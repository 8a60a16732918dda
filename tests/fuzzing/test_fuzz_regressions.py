"""
Regression tests for what fuzzing found.

Each test asserts the correct behaviour, which the pure twin and websockets
17.4 share. The inputs that found them are stored in
``tests/fuzzing/regressions/<target>/`` and replayed by
``test_fuzz_smoke.py``.

"""

from __future__ import annotations

import zlib

import pytest

from websockets.exceptions import PayloadTooBig, ProtocolError
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import Close, Frame, Opcode
from websockets.protocol import CLOSING, Protocol, Side


def empty_strided_view():
    # memoryview reports such a view as not C-contiguous, while
    # PyBuffer_IsContiguous() says that any empty buffer is contiguous;
    # asking the view for a PyBUF_SIMPLE buffer then raises BufferError.
    view = memoryview(bytearray(0))[::2]
    assert not view.c_contiguous
    return view


# Found by the mask target (regressions/mask/empty-strided-memoryview).


def test_apply_mask_masks_empty_non_contiguous_memoryview(mask_twin):
    # websockets.speedups.apply_mask of websockets 17.4 returns b"" too.
    assert mask_twin.apply_mask(empty_strided_view(), b"\x01\x02\x03\x04") == b""


def test_apply_mask_rejects_empty_non_contiguous_mask_with_value_error(mask_twin):
    with pytest.raises(ValueError, match="mask must contain 4 bytes"):
        mask_twin.apply_mask(b"data", empty_strided_view())


def test_apply_mask_inplace_rejects_empty_non_contiguous_memoryview(mask_twin):
    with pytest.raises(ValueError, match="memoryview must be C-contiguous"):
        mask_twin.apply_mask_inplace(empty_strided_view(), b"\x01\x02\x03\x04")


# Found by the deflate target; both behaviours match websockets 17.4.


def deflate(data):
    compressor = zlib.compressobj(wbits=-15)
    return (compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH))[:-4]


def test_deflate_rejects_frame_whose_output_exceeds_max_size():
    # These 4 bytes start a deflate stream and inflate to 260 bytes. zlib
    # consumes all of them but can hold output back when the output buffer
    # is full: inflating up to max_size + 1 bytes tells that the frame
    # exceeds max_size at once. (websockets 17.4 cuts the frame at 16 bytes
    # and fails on the next frame, with the same close code, 1009.)
    extension = PerMessageDeflate(False, False, 15, 15)
    first = Frame(Opcode.BINARY, bytes.fromhex("4a4c1c05"), fin=False, rsv1=True)
    with pytest.raises(PayloadTooBig):
        extension.decode(first, max_size=16)
    extension = PerMessageDeflate(False, False, 15, 15)
    assert extension.decode(first, max_size=260).data == b"a" * 260


def test_deflate_loses_no_byte_when_max_size_holds_output_back():
    extension = PerMessageDeflate(False, False, 15, 15)
    frames = [
        Frame(Opcode.BINARY, bytes.fromhex("4a4c1c05"), fin=False, rsv1=True),
        Frame(Opcode.CONT, bytes.fromhex("c40200"), fin=False),
        Frame(Opcode.CONT, b"\x00", fin=True),
    ]
    data = b"".join(extension.decode(frame, max_size=1000).data for frame in frames)
    assert data == b"a" * 300


def test_deflate_reports_invalid_data_after_output_within_max_size():
    # regressions/deflate/invalid-data-after-held-back-output: "d" comes out
    # before invalid deflate data. Inflating up to max_size + 1 bytes reaches
    # the invalid data with or without a limit: the connection fails with
    # 1002 at once. (websockets 17.4 stops at the limit and fails later.)
    frame = Frame(Opcode.BINARY, b"J!L\x1c", fin=False, rsv1=True)
    for max_size in [1, None]:
        extension = PerMessageDeflate(False, False, 15, 15)
        with pytest.raises(ProtocolError, match="decompression failed"):
            extension.decode(frame, max_size=max_size)


def test_protocol_fails_new_compressed_message_inside_fragmented_message():
    # A compressed message can't start before the previous one ends:
    # PerMessageDeflate.decode() fails the connection on the second frame
    # with the error that the protocol would raise, without decoding it.
    protocol = Protocol(Side.CLIENT)
    protocol.extensions = [PerMessageDeflate(True, True, 15, 15)]
    protocol.frame_parser.allowed_rsv = 0x40
    stream = (
        b"\x41" + bytes([len(deflate(b"a"))]) + deflate(b"a")
        + b"\xc1" + bytes([len(deflate(b"b"))]) + deflate(b"b")
        + b"\x80\x02xx"
    )  # fmt: skip
    protocol.receive_data(stream)
    assert protocol.state is CLOSING
    assert str(protocol.parser_exc) == "expected a continuation frame"
    assert protocol.close_sent == Close(1002, "expected a continuation frame")


# Found by the frames target (regressions/frames/max-size-above-2-63).


@pytest.mark.parametrize("max_size", [2**63 - 1, 2**63, 2**64 - 2])
def test_frame_parser_enforces_max_size_between_2_63_and_2_64(framing_twin, max_size):
    # RFC 6455 §5.2 wants the most significant bit of a 64-bit length to be
    # 0, but websockets doesn't check it, so lengths go up to 2**64 - 1 and
    # a max_size below that must still reject them.
    parser = framing_twin.FrameParser(mask=False, max_size=max_size)
    parser.feed(b"\x82\x7f" + b"\xff" * 8)
    with pytest.raises(PayloadTooBig) as raised:
        parser.next_frame()
    assert str(raised.value) == (
        f"frame with {2**64 - 1} bytes exceeds limit of {max_size} bytes"
    )


@pytest.mark.parametrize("max_size", [2**64 - 1, 2**64, 2**100])
def test_frame_parser_max_size_of_2_64_or_more_is_no_limit(framing_twin, max_size):
    parser = framing_twin.FrameParser(mask=False, max_size=max_size)
    parser.feed(b"\x82\x7f" + b"\xff" * 8)
    assert parser.next_frame() is None
