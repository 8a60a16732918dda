"""websockets.legacy.framing: frames read and written with coroutines."""

from __future__ import annotations

import asyncio
import warnings

import pytest

from tests.compat.twin_run import run_twins
from websockets.exceptions import PayloadTooBig, ProtocolError
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import CloseCode, Opcode


with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from websockets.legacy import framing
    from websockets.legacy.framing import (
        Frame,
        encode_data,
        parse_close,
        prepare_ctrl,
        prepare_data,
        serialize_close,
    )


def reader_of(data):
    """Coroutine function reading exactly n bytes of data, like readexactly()."""
    buffer = bytearray(data)

    async def readexactly(n):
        if len(buffer) < n:
            raise asyncio.IncompleteReadError(bytes(buffer), n)
        chunk = bytes(buffer[:n])
        del buffer[:n]
        return chunk

    return readexactly


async def read(data, **kwargs):
    kwargs.setdefault("mask", False)
    return await Frame.read(reader_of(data), **kwargs)


async def test_read_unmasked_text_frame():
    frame = await read(b"\x81\x02hi")
    assert frame == Frame(True, Opcode.TEXT, b"hi")
    assert type(frame.data) is bytes


async def test_read_masked_frame_unmasks_payload():
    frame = await read(b"\x82\x82\x01\x02\x03\x04\x01\x02", mask=True)
    assert frame == Frame(True, Opcode.BINARY, b"\x00\x00")


async def test_read_fragment_keeps_fin_and_opcode():
    frame = await read(b"\x01\x02hi")
    assert (frame.fin, frame.opcode) == (False, Opcode.TEXT)


async def test_read_16_bit_length():
    frame = await read(b"\x82\x7e\x01\x00" + bytes(256))
    assert frame.data == bytes(256)


async def test_read_rejects_unexpected_masking():
    with pytest.raises(ProtocolError, match="incorrect masking"):
        await read(b"\x81\x02hi", mask=True)


async def test_read_rejects_invalid_opcode():
    with pytest.raises(ProtocolError, match="invalid opcode"):
        await read(b"\x83\x00")


async def test_read_rejects_reserved_bits_without_extension():
    with pytest.raises(ProtocolError, match="reserved bits must be 0"):
        await read(b"\xc1\x00")


async def test_read_rejects_long_control_frame():
    with pytest.raises(ProtocolError, match="control frame too long"):
        await read(b"\x89\x7e\x00\x7e" + b"x" * 126)


async def test_read_enforces_max_size():
    with pytest.raises(PayloadTooBig, match="frame with 5 bytes exceeds limit of 3"):
        await read(b"\x81\x05hello", max_size=3)


async def test_read_propagates_end_of_stream_from_reader():
    with pytest.raises(asyncio.IncompleteReadError):
        await read(b"\x81\x05hel")


async def test_write_then_read_with_permessage_deflate_round_trips():
    written = []
    extension = PerMessageDeflate(False, False, 15, 15)
    frame = Frame(True, Opcode.TEXT, b"compressible " * 20)
    frame.write(written.append, mask=True, extensions=[extension])
    assert len(written) == 1, "a frame is written in one call"
    assert len(written[0]) < 100
    decoder = PerMessageDeflate(False, False, 15, 15)
    assert await read(written[0], mask=True, extensions=[decoder]) == frame


def test_write_unmasked_frame():
    written = []
    Frame(True, Opcode.BINARY, b"\x00\xff").write(written.append, mask=False)
    assert written == [b"\x82\x02\x00\xff"]


def test_write_rejects_invalid_frame():
    with pytest.raises(ProtocolError, match="fragmented control frame"):
        Frame(False, Opcode.PING, b"").write(lambda data: None, mask=False)


def test_new_frame_converts_to_sans_io_frame():
    new_frame = Frame(False, Opcode.TEXT, b"hi", rsv1=True).new_frame
    assert (new_frame.opcode, new_frame.data, new_frame.fin, new_frame.rsv1) == (
        Opcode.TEXT,
        b"hi",
        False,
        True,
    )
    assert str(Frame(True, Opcode.TEXT, b"hi")) == "TEXT 'hi' [2 bytes]"


def test_check_rejects_reserved_bits():
    with pytest.raises(ProtocolError, match="reserved bits must be 0"):
        Frame(True, Opcode.TEXT, b"", rsv2=True).check()


def test_prepare_data_keeps_bytes_like_objects_and_encodes_text():
    data = bytearray(b"x")
    assert prepare_data("café") == (Opcode.TEXT, "café".encode())
    opcode, payload = prepare_data(data)
    assert opcode == Opcode.BINARY and payload is data
    with pytest.raises(TypeError, match="data must be str or bytes-like"):
        prepare_data(42)


def test_prepare_ctrl_copies_to_bytes():
    assert prepare_ctrl(memoryview(b"abcd")[::2]) == b"ac"
    assert prepare_ctrl("é") == "é".encode()
    assert encode_data is prepare_ctrl
    with pytest.raises(TypeError, match="data must be str or bytes-like"):
        prepare_ctrl(None)


def test_parse_and_serialize_close():
    assert parse_close(b"\x03\xe8ok") == (1000, "ok")
    assert parse_close(b"") == (CloseCode.NO_STATUS_RCVD, "")
    assert serialize_close(1001, "bye") == b"\x03\xe9bye"
    with pytest.raises(ProtocolError, match="close frame too short"):
        parse_close(b"\x03")
    with pytest.raises(ProtocolError, match="invalid status code"):
        serialize_close(999, "")


def test_module_binds_apply_mask():
    assert framing.apply_mask(b"\x00\x00", b"\x01\x02\x03\x04") == b"\x01\x02"


LEGACY_FRAMING_PROGRAM = r"""
import asyncio, secrets, warnings
warnings.simplefilter("ignore")
from websockets.frames import Opcode
from websockets.legacy import framing as F

def show(label, function, *args, **kwargs):
    try:
        result = function(*args, **kwargs)
    except BaseException as exc:
        print(label, "raised", type(exc).__name__, exc)
    else:
        if isinstance(result, tuple):
            result = tuple(bytes(x) if isinstance(x, memoryview) else x for x in result)
        print(label, "->", repr(result))

for value in ["café", b"x", bytearray(b"x"), memoryview(b"xyzw")[::2], 1]:
    show("prepare_data", F.prepare_data, value)
    show("prepare_ctrl", F.prepare_ctrl, value)
for payload in [b"\x03\xe8ok", b"", b"\x03", b"\x03\xe7", b"\x03\xe8\xff", b"\x0b\xb8"]:
    show("parse_close", F.parse_close, payload)
for code, reason in [(1000, "ok"), (999, ""), (3000, "é"), (1005, "")]:
    show("serialize_close", F.serialize_close, code, reason)
for frame in [
    F.Frame(True, Opcode.TEXT, b"hi"),
    F.Frame(True, Opcode.TEXT, b"hi", rsv1=True),
    F.Frame(True, Opcode.PING, b"x" * 126),
    F.Frame(False, Opcode.PING, b"x"),
    F.Frame(False, Opcode.CONT, b"\xc3"),
    F.Frame(True, Opcode.CLOSE, b"\x03\xe8bye"),
]:
    print(repr(frame), str(frame))
    show("check", frame.check)
    secrets.token_bytes = lambda n: b"\x01\x02\x03\x04"[:n]
    for mask in (False, True):
        written = []
        show("write", frame.write, written.append, mask=mask)
        print(written)

async def read_all():
    for data, mask, max_size in [
        (b"\x81\x02hi", False, None),
        (b"\x81\x82\x01\x02\x03\x04ik", True, None),
        (b"\x81\x02hi", True, None),
        (b"\x81\x82\x01\x02\x03\x04ab", False, None),
        (b"\x81\x05hello", False, 3),
        (b"\x81\x05hel", False, None),
        (b"\x83\x00", False, None),
        (b"\x89\x7e\x00\x7e" + b"x" * 126, False, None),
        (b"\xc1\x00", False, None),
        (b"\x01\x02hi", False, None),
        (b"\x88\x02\x03\xe8", False, None),
        (b"\x82\x7f" + (70000).to_bytes(8, "big") + bytes(70000), False, None),
        (b"\x82\x7e\x00\x05abc", False, None),
    ]:
        buffer = bytearray(data)
        async def reader(n):
            if len(buffer) < n:
                raise asyncio.IncompleteReadError(bytes(buffer), n)
            chunk = bytes(buffer[:n])
            del buffer[:n]
            return chunk
        try:
            frame = await F.Frame.read(reader, mask=mask, max_size=max_size)
        except BaseException as exc:
            print("read raised", type(exc).__name__, exc)
        else:
            print("read", frame.fin, frame.opcode, bytes(frame.data[:10]), len(frame.data))

asyncio.run(read_all())
"""


@pytest.mark.differential
def test_legacy_framing_behaves_as_in_17_4(upstream, tmp_path):
    ours, released = run_twins(upstream, tmp_path, LEGACY_FRAMING_PROGRAM)
    assert "read raised ProtocolError incorrect masking" in released
    assert ours == released
