import dataclasses
import inspect
import itertools
import json
import os
import textwrap
import tracemalloc
import zlib

import pytest

from websockets import _deflate_impl
from websockets.exceptions import (
    DuplicateParameter,
    InvalidParameterName,
    InvalidParameterValue,
    NegotiationError,
    PayloadTooBig,
    ProtocolError,
)
from websockets.extensions import (
    ClientExtensionFactory,
    Extension,
    ServerExtensionFactory,
    permessage_deflate,
)
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    PerMessageDeflate,
    ServerPerMessageDeflateFactory,
    enable_client_permessage_deflate,
    enable_server_permessage_deflate,
)
from websockets.frames import (
    OP_BINARY,
    OP_CLOSE,
    OP_CONT,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    Close,
    CloseCode,
    Frame,
    Opcode,
)


def make(
    remote_nct=False, local_nct=False, remote_bits=15, local_bits=15, settings=None
):
    """Return an extension that compresses every message, like websockets."""
    extension = PerMessageDeflate(
        remote_nct, local_nct, remote_bits, local_bits, settings
    )
    extension.compression_threshold = 0
    extension.skip_incompressible = False
    return extension


def pair(client_nct=False, server_nct=False, client_bits=15, server_bits=15):
    """Return a (client, server) pair of extensions that agree on parameters."""
    client = PerMessageDeflate(server_nct, client_nct, server_bits, client_bits)
    server = PerMessageDeflate(client_nct, server_nct, client_bits, server_bits)
    client.compression_threshold = server.compression_threshold = 0
    client.skip_incompressible = server.skip_incompressible = False
    return client, server


# Public API


def test_module_exports():
    assert permessage_deflate.__all__ == [
        "PerMessageDeflate",
        "ClientPerMessageDeflateFactory",
        "enable_client_permessage_deflate",
        "ServerPerMessageDeflateFactory",
        "enable_server_permessage_deflate",
    ]


def test_signatures():
    assert str(inspect.signature(PerMessageDeflate)) == (
        "(remote_no_context_takeover: 'bool', local_no_context_takeover: 'bool', "
        "remote_max_window_bits: 'int', local_max_window_bits: 'int', "
        "compress_settings: 'dict[Any, Any] | None' = None) -> 'None'"
    )
    assert str(inspect.signature(ClientPerMessageDeflateFactory)) == (
        "(server_no_context_takeover: 'bool' = False, "
        "client_no_context_takeover: 'bool' = False, "
        "server_max_window_bits: 'int | None' = None, "
        "client_max_window_bits: 'int | Literal[True] | None' = True, "
        "compress_settings: 'dict[str, Any] | None' = None) -> 'None'"
    )
    assert str(inspect.signature(ServerPerMessageDeflateFactory)) == (
        "(server_no_context_takeover: 'bool' = False, "
        "client_no_context_takeover: 'bool' = False, "
        "server_max_window_bits: 'int | None' = None, "
        "client_max_window_bits: 'int | None' = None, "
        "compress_settings: 'dict[str, Any] | None' = None, "
        "require_client_max_window_bits: 'bool' = False) -> 'None'"
    )


def test_classes_inherit_from_base_classes():
    assert issubclass(PerMessageDeflate, Extension)
    assert issubclass(ClientPerMessageDeflateFactory, ClientExtensionFactory)
    assert issubclass(ServerPerMessageDeflateFactory, ServerExtensionFactory)
    for cls in [
        PerMessageDeflate,
        ClientPerMessageDeflateFactory,
        ServerPerMessageDeflateFactory,
    ]:
        assert cls.name == "permessage-deflate"


def test_repr():
    extension = make(False, True, 10, 12, {"memLevel": 5})
    assert repr(extension) == (
        "PerMessageDeflate(remote_no_context_takeover=False, "
        "local_no_context_takeover=True, "
        "remote_max_window_bits=10, local_max_window_bits=12)"
    )


@pytest.mark.parametrize(
    "args",
    [
        (False, False, 7, 15),
        (False, False, 16, 15),
        (False, False, 15, 8),
        (False, False, 15, 16),
        (False, False, 15, 15, {"wbits": 9}),
    ],
)
def test_extension_rejects_invalid_parameters(args):
    with pytest.raises(AssertionError):
        PerMessageDeflate(*args)


def test_extension_rejects_invalid_compress_settings():
    with pytest.raises(TypeError):
        make(settings={"foo": 5})


def test_extension_accepts_8_bit_remote_window():
    make(remote_bits=8, local_bits=9)


# Known payloads: RFC 7692 §7.2.3 examples and bytes produced by websockets.


@pytest.mark.parametrize(
    "payload",
    [
        # §7.2.3.1: "Hello" compressed with a sync flush, tail removed.
        "f248cdc9c90700",
        # §7.2.3.3: "Hello" in a stored (uncompressed) block.
        "000500faff48656c6c6f00",
        # §7.2.3.4: "Hello" in a block with BFINAL set, with and without the
        # padding that some implementations add.
        "f348cdc9c9070000",
        "f348cdc9c907000000",
        # §7.2.3.5: two blocks in one message.
        "f24805000000ffffcac9c90700",
    ],
)
def test_decode_rfc_examples(payload):
    extension = make()
    frame = Frame(OP_TEXT, bytes.fromhex(payload), rsv1=True)
    assert extension.decode(frame) == Frame(OP_TEXT, b"Hello")


def test_decode_rfc_example_fragmented():
    # §7.2.3.1: compressed data may be split anywhere across frames.
    extension = make()
    first = extension.decode(Frame(OP_TEXT, b"\xf2\x48\xcd", fin=False, rsv1=True))
    last = extension.decode(Frame(OP_CONT, b"\xc9\xc9\x07\x00"))
    assert first.data + last.data == b"Hello"
    assert (first.rsv1, last.rsv1) == (False, False)


def test_encode_rfc_example_with_context_takeover():
    # §7.2.3.2: the second "Hello" reuses the sliding window.
    extension = make()
    assert extension.encode(Frame(OP_TEXT, b"Hello")).data == bytes.fromhex(
        "f248cdc9c90700"
    )
    assert extension.encode(Frame(OP_TEXT, b"Hello")).data == bytes.fromhex(
        "f200110000"
    )
    assert extension.encode(Frame(OP_TEXT, b"Hello")).data == bytes.fromhex("02130000")


def test_encode_without_context_takeover_repeats_bytes():
    extension = make(local_nct=True)
    for _ in range(3):
        assert extension.encode(Frame(OP_TEXT, b"Hello")).data == bytes.fromhex(
            "f248cdc9c90700"
        )


def test_encode_fragmented_message_known_bytes():
    extension = make()
    frames = [
        Frame(OP_TEXT, b"Hel", fin=False),
        Frame(OP_CONT, b"lo", fin=False),
        Frame(OP_CONT, b""),
    ]
    encoded = [extension.encode(frame) for frame in frames]
    assert [frame.data.hex() for frame in encoded] == [
        "f248cd01000000ffff",
        "cac907000000ffff",
        "00",
    ]
    assert [frame.rsv1 for frame in encoded] == [True, False, False]
    assert [frame.fin for frame in encoded] == [False, False, True]


# Captured from websockets 17.4 with local_max_window_bits=9, memLevel=5.
FRENCH = "Le cœur a ses raisons que la raison ne connaît point. ".encode() * 4
FRENCH_COMPRESSED = bytes.fromhex(
    "f24955483e3ab9b4482151a138b558a12831b3383faf58a1b03455212711ca55c8032a"
    "cacfcb4b3cbcae44a1203f33af444fc16788e80300"
)
FRENCH_COMPRESSED_AGAIN = bytes.fromhex("1aeefa0000")

# Captured from websockets 17.4 with local_max_window_bits=12, memLevel=5.
BYTES_512 = bytes(range(256)) * 2
BYTES_512_COMPRESSED = bytes.fromhex(
    "6260646266616563e7e0e4e2e6e1e5e3171014121611151397909492969195935750545256"
    "515553d7d0d4d2d6d1d5d33730343236313533b7b0b4b2b6b1b5b37770747276717573f7f0"
    "f4f2f6f1f5f30f080c0a0e090d0b8f888c8a8e898d8b4f484c4a4e494d4bcfc8cccacec9cd"
    "cb2f282c2a2e292d2bafa8acaaaea9adab6f686c6a6e696d6befe8eceaeee9edeb9f3071d2"
    "e42953a74d9f3173d6ec3973e7cd5fb070d1e2254b972d5fb172d5ea356bd7addfb071d3e6"
    "2d5bb76ddfb173d7ee3d7bf7ed3f70f0d0e123478f1d3f71f2d4e93367cf9dbf70f1d2e52b"
    "57af5dbf71f3d6ed3b77efdd7ff0f0d1e3274f9f3d7ff1f2d5eb376fdfbdfff0f1d3e72f5f"
    "bf7dfff1f3d7ef3f7ffffd6718e1fe0700"
)


def test_encode_matches_upstream_bytes_with_small_window():
    extension = make(local_bits=9, settings={"memLevel": 5})
    first = extension.encode(Frame(OP_TEXT, FRENCH)).data
    again = extension.encode(Frame(OP_TEXT, FRENCH)).data
    if _deflate_impl.IMPL == "zlib":
        assert (first, again) == (FRENCH_COMPRESSED, FRENCH_COMPRESSED_AGAIN)
    else:
        # zlib-ng's bytes differ from zlib's; websockets 17.4's zlib inflates
        # them, the second one with the window of the first.
        decoder = zlib.decompressobj(wbits=-9)
        assert decoder.decompress(first + b"\x00\x00\xff\xff") == FRENCH
        assert decoder.decompress(again + b"\x00\x00\xff\xff") == FRENCH


def test_encode_matches_upstream_bytes_binary():
    extension = make(local_bits=12, settings={"memLevel": 5})
    assert extension.encode(Frame(OP_BINARY, BYTES_512)).data == BYTES_512_COMPRESSED


def test_decode_upstream_bytes():
    extension = make(remote_bits=9)
    for payload in [FRENCH_COMPRESSED, FRENCH_COMPRESSED_AGAIN]:
        decoded = extension.decode(Frame(OP_TEXT, payload, rsv1=True))
        assert decoded == Frame(OP_TEXT, FRENCH)
    extension = make(remote_bits=12)
    decoded = extension.decode(Frame(OP_BINARY, BYTES_512_COMPRESSED, rsv1=True))
    assert decoded == Frame(OP_BINARY, BYTES_512)


def test_encode_empty_message():
    extension = make()
    assert extension.encode(Frame(OP_TEXT, b"")) == Frame(OP_TEXT, b"\x00", rsv1=True)
    assert extension.decode(Frame(OP_TEXT, b"\x00", rsv1=True)) == Frame(OP_TEXT, b"")


# Encoding


@pytest.mark.parametrize(
    "frame",
    [
        Frame(OP_PING, b"ping"),
        Frame(OP_PONG, b""),
        Frame(OP_CLOSE, Close(CloseCode.NORMAL_CLOSURE, "bye").serialize()),
    ],
)
def test_encode_leaves_control_frames_untouched(frame):
    extension = make()
    assert extension.encode(frame) is frame
    assert extension.decode(frame) is frame


def test_control_frames_with_rsv1_are_left_for_frame_check():
    # RFC 7692 §6.1: control frames are never compressed. A control frame
    # with RSV1 isn't decoded; Frame.check() rejects it later.
    extension = make()
    frame = Frame(OP_PING, b"\xf2\x48\xcd\xc9\xc9\x07\x00", rsv1=True)
    assert extension.decode(frame) is frame


def test_control_frames_do_not_disturb_fragmented_message():
    client, server = pair()
    first = client.encode(Frame(OP_TEXT, b"spam " * 10, fin=False))
    ping = client.encode(Frame(OP_PING, b"ping"))
    last = client.encode(Frame(OP_CONT, b"eggs " * 10))
    assert server.decode(first).data == b"spam " * 10
    assert server.decode(ping) == Frame(OP_PING, b"ping")
    assert server.decode(last) == Frame(OP_CONT, b"eggs " * 10)


@pytest.mark.parametrize("data_type", [bytes, bytearray, memoryview])
def test_encode_accepts_bytes_like_and_returns_bytes(data_type):
    extension = make()
    encoded = extension.encode(Frame(OP_BINARY, data_type(b"Hello")))
    assert type(encoded.data) is bytes
    assert encoded.data == bytes.fromhex("f248cdc9c90700")


@pytest.mark.parametrize("data_type", [bytes, bytearray, memoryview])
def test_decode_accepts_bytes_like_and_returns_bytes(data_type):
    for fin in [False, True]:
        extension = make()
        payload = data_type(bytes.fromhex("f248cdc9c90700"))
        decoded = extension.decode(Frame(OP_BINARY, payload, fin=fin, rsv1=True))
        assert type(decoded.data) is bytes
        assert decoded.data == b"Hello"


def test_encode_sets_rsv1_on_first_frame_only():
    extension = make()
    assert extension.encode(Frame(OP_TEXT, b"a", fin=False)).rsv1
    assert not extension.encode(Frame(OP_CONT, b"b", fin=False, rsv1=True)).rsv1
    assert not extension.encode(Frame(OP_CONT, b"c")).rsv1
    assert extension.encode(Frame(OP_BINARY, b"d", rsv1=True)).rsv1


def test_encode_keeps_other_reserved_bits_and_fin():
    extension = make()
    encoded = extension.encode(
        Frame(OP_BINARY, b"data", fin=False, rsv2=True, rsv3=True)
    )
    assert (encoded.opcode, encoded.fin, encoded.rsv1, encoded.rsv2, encoded.rsv3) == (
        OP_BINARY,
        False,
        True,
        True,
        True,
    )


def test_encode_keeps_empty_block_on_non_final_frames():
    # RFC 7692 §7.2.1: the four octets are removed at the end of the message
    # only; intermediate frames end with the sync flush marker.
    extension = make()
    first = extension.encode(Frame(OP_TEXT, b"Hello", fin=False))
    middle = extension.encode(Frame(OP_CONT, b"Hello", fin=False))
    last = extension.encode(Frame(OP_CONT, b"Hello"))
    assert first.data.endswith(b"\x00\x00\xff\xff")
    assert middle.data.endswith(b"\x00\x00\xff\xff")
    assert not last.data.endswith(b"\x00\x00\xff\xff")


def test_encode_applies_compress_settings():
    stored = make(settings={"level": 0}).encode(Frame(OP_TEXT, b"hello"))
    assert stored.data == b"\x00\x05\x00\xfa\xffhello\x00"
    default = make().encode(Frame(OP_TEXT, b"hello"))
    assert default.data != stored.data


def test_encode_continuation_of_uncompressed_message_leaves_it_uncompressed():
    # RFC 7692 §6.1: the first frame decides; a continuation frame without a
    # compressed first frame goes out as is.
    extension = make(local_nct=True)
    frame = Frame(OP_CONT, b"orphan")
    assert extension.encode(frame) is frame


# Decoding


def test_decode_leaves_uncompressed_messages_untouched():
    extension = make()
    frame = Frame(OP_TEXT, b"plain")
    assert extension.decode(frame) is frame
    first = Frame(OP_TEXT, b"pl", fin=False)
    middle = Frame(OP_CONT, b"a", fin=False)
    last = Frame(OP_CONT, b"in")
    for frame in [first, middle, last]:
        assert extension.decode(frame) is frame


def test_decode_leaves_rsv1_on_continuation_of_uncompressed_message():
    # The extension doesn't own RSV1 in an uncompressed message: it passes the
    # frame on and Frame.check() rejects the reserved bit.
    extension = make()
    extension.decode(Frame(OP_TEXT, b"pl", fin=False))
    frame = Frame(OP_CONT, b"ain", rsv1=True)
    assert extension.decode(frame) is frame


def test_decode_rejects_rsv1_on_continuation_of_compressed_message():
    client, server = pair()
    server.decode(client.encode(Frame(OP_TEXT, b"Hello", fin=False)))
    frame = dataclasses.replace(client.encode(Frame(OP_CONT, b"world")), rsv1=True)
    with pytest.raises(ProtocolError) as raised:
        server.decode(frame)
    assert str(raised.value) == "RSV1 bit set in continuation frame"
    assert raised.value.__cause__ is None


def test_decode_clears_rsv1_and_keeps_other_bits():
    extension = make()
    frame = Frame(
        OP_BINARY, bytes.fromhex("f248cdc9c90700"), rsv1=True, rsv2=True, rsv3=True
    )
    assert extension.decode(frame) == Frame(OP_BINARY, b"Hello", rsv2=True, rsv3=True)


@pytest.mark.parametrize("payload", [b"hello", b"\xff\xff\xff", bytes(10)])
@pytest.mark.parametrize("fin", [False, True])
def test_decode_invalid_data_raises_protocol_error(payload, fin):
    extension = make()
    with pytest.raises(ProtocolError) as raised:
        extension.decode(Frame(OP_BINARY, payload, fin=fin, rsv1=True))
    assert str(raised.value) == "decompression failed"
    assert isinstance(raised.value.__cause__, _deflate_impl.ZLIB.error)


def test_decode_ignores_data_after_final_block():
    # Like websockets: zlib keeps bytes after a BFINAL block aside.
    extension = make(remote_nct=True)
    payload = bytes.fromhex("f348cdc9c90700") + b"garbage"
    assert extension.decode(Frame(OP_TEXT, payload, rsv1=True)).data == b"Hello"


def test_decode_8_bit_window():
    # zlib can't compress with an 8-bit window, but a short message uses a
    # smaller window anyway, so an encoder with 9 bits produces valid data.
    encoder = make(local_bits=9)
    decoder = make(remote_bits=8)
    message = b"abcdefgh" * 20
    decoded = decoder.decode(encoder.encode(Frame(OP_BINARY, message)))
    assert decoded.data == message


# Round trips


@pytest.mark.parametrize("client_nct", [False, True])
@pytest.mark.parametrize("server_nct", [False, True])
@pytest.mark.parametrize("client_bits", range(9, 16))
@pytest.mark.parametrize("server_bits", [9, 12, 15])
def test_round_trip_every_parameter_combination(
    client_nct, server_nct, client_bits, server_bits
):
    client, server = pair(client_nct, server_nct, client_bits, server_bits)
    messages = [
        b"",
        b"x",
        b"hello world " * 100,
        bytes(range(256)) * 40,
        os.urandom(3000),
        "Ünïcödé ".encode() * 300,
    ]
    for sender, receiver in [(client, server), (server, client)]:
        for message in messages:
            for opcode in [OP_TEXT, OP_BINARY]:
                encoded = sender.encode(Frame(opcode, message))
                assert encoded.rsv1
                decoded = receiver.decode(encoded, max_size=len(message) or None)
                assert decoded == Frame(opcode, message)


@pytest.mark.parametrize("nct", [False, True])
@pytest.mark.parametrize("pieces", [2, 3, 7])
def test_round_trip_fragmented_messages(nct, pieces):
    client, server = pair(client_nct=nct, server_nct=nct)
    message = b"fragmented message " * 500
    for _ in range(3):
        size = -(-len(message) // pieces)
        chunks = [message[i : i + size] for i in range(0, len(message), size)]
        frames = [
            Frame(OP_TEXT if i == 0 else OP_CONT, chunk, fin=i == len(chunks) - 1)
            for i, chunk in enumerate(chunks)
        ]
        received = b""
        for frame in frames:
            encoded = client.encode(frame)
            assert encoded.rsv1 == (frame.opcode is OP_TEXT)
            decoded = server.decode(encoded, max_size=len(message))
            assert (decoded.opcode, decoded.fin, decoded.rsv1) == (
                frame.opcode,
                frame.fin,
                False,
            )
            received += decoded.data
        assert received == message
        assert not server.decode_cont_data


def test_round_trip_large_message():
    client, server = pair()
    message = os.urandom(100_000) + bytes(1_000_000)
    encoded = client.encode(Frame(OP_BINARY, message))
    assert len(encoded.data) < 110_000
    assert server.decode(encoded, max_size=len(message)).data == message


# Context takeover


def test_context_takeover_improves_compression_of_next_message():
    client, server = pair()
    message = b"The quick brown fox jumps over the lazy dog. " * 5
    first = client.encode(Frame(OP_TEXT, message))
    second = client.encode(Frame(OP_TEXT, message))
    assert len(second.data) < len(first.data) // 4
    assert server.decode(first).data == message
    assert server.decode(second).data == message


def test_no_context_takeover_compresses_messages_independently():
    client, server = pair(client_nct=True)
    message = b"The quick brown fox jumps over the lazy dog. " * 5
    first = client.encode(Frame(OP_TEXT, message))
    second = client.encode(Frame(OP_TEXT, message))
    assert first.data == second.data
    # The server can decode them in any order, each with a fresh decompressor.
    assert server.decode(second).data == message
    assert server.decode(first).data == message


def test_decoder_without_context_takeover_resets_window():
    # If the peer keeps its context but we reset ours, back-references into
    # the previous message can't be resolved: this shows that we do reset.
    encoder = make(local_nct=False)
    decoder = make(remote_nct=True)
    message = b"The quick brown fox jumps over the lazy dog. " * 5
    assert decoder.decode(encoder.encode(Frame(OP_TEXT, message))).data == message
    with pytest.raises(ProtocolError, match="decompression failed"):
        decoder.decode(encoder.encode(Frame(OP_TEXT, message)))


@pytest.mark.parametrize("nct", [False, True])
def test_compressor_and_decompressor_persist_for_the_connection(nct):
    # Without context takeover, they reset their window instead of being
    # replaced for each message.
    extension = make(remote_nct=nct, local_nct=nct)
    compressor, decompressor = extension.compressor, extension.decompressor
    for _ in range(2):
        extension.decode(extension.encode(Frame(OP_TEXT, b"spam", fin=False)))
        extension.decode(extension.encode(Frame(OP_CONT, b"eggs")))
    assert extension.compressor is compressor
    assert extension.decompressor is decompressor


# Size limit


@pytest.mark.parametrize("size", [1, 5, 100, 5000, 70_000])
@pytest.mark.parametrize("fin", [False, True])
def test_decode_max_size_boundary(size, fin):
    message = (b"abcdefghij" * size)[:size]
    encoded = make().encode(Frame(OP_BINARY, message, fin=fin))
    for max_size in [size, size + 1]:
        assert make().decode(encoded, max_size=max_size).data == message
    if size > 1:
        with pytest.raises(PayloadTooBig) as raised:
            make().decode(encoded, max_size=size - 1)
        assert str(raised.value) == f"frame exceeds limit of {size - 1} bytes"
        assert raised.value.size is None
        assert raised.value.max_size == size - 1


def test_decode_max_size_applies_to_each_frame():
    client, server = pair()
    first = client.encode(Frame(OP_TEXT, b"a" * 100, fin=False))
    last = client.encode(Frame(OP_CONT, b"b" * 101))
    assert server.decode(first, max_size=100).data == b"a" * 100
    with pytest.raises(PayloadTooBig):
        server.decode(last, max_size=100)


def test_decode_max_size_zero_allows_only_empty_payload():
    # zlib reads max_length=0 as "no limit"; the extension doesn't.
    client, server = pair()
    empty = client.encode(Frame(OP_TEXT, b"", fin=False))
    assert server.decode(empty, max_size=0).data == b""
    with pytest.raises(PayloadTooBig) as raised:
        server.decode(client.encode(Frame(OP_CONT, b"x")), max_size=0)
    assert str(raised.value) == "frame exceeds limit of 0 bytes"


def test_decompression_bomb_is_bounded():
    bomb = make().encode(Frame(OP_BINARY, bytes(16 * 1024 * 1024))).data
    assert len(bomb) < 20 * 1024
    frame = Frame(OP_BINARY, bomb, rsv1=True)
    extension = make()
    tracemalloc.start()
    try:
        with pytest.raises(PayloadTooBig) as raised:
            extension.decode(frame, max_size=64 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(raised.value) == "frame exceeds limit of 65536 bytes"
    # Without a bound, decoding would allocate 16 MiB.
    assert peak < 1024 * 1024


def test_decompression_bomb_in_continuation_frame_is_bounded():
    client, server = pair()
    server.decode(client.encode(Frame(OP_BINARY, b"start", fin=False)))
    bomb = client.encode(Frame(OP_CONT, bytes(4 * 1024 * 1024), fin=False))
    with pytest.raises(PayloadTooBig):
        server.decode(bomb, max_size=1024)


# Extension factories: configuration


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"server_max_window_bits": 7},
            "server_max_window_bits must be between 8 and 15",
        ),
        (
            {"server_max_window_bits": 16},
            "server_max_window_bits must be between 8 and 15",
        ),
        (
            {"server_max_window_bits": True},
            "server_max_window_bits must be between 8 and 15",
        ),
        (
            {"client_max_window_bits": 8},
            "client_max_window_bits must be between 9 and 15",
        ),
        (
            {"client_max_window_bits": 16},
            "client_max_window_bits must be between 9 and 15",
        ),
        (
            {"client_max_window_bits": False},
            "client_max_window_bits must be between 9 and 15",
        ),
        (
            {"compress_settings": {"wbits": 9}},
            "compress_settings must not include wbits, set client_max_window_bits instead",
        ),
        (
            {"server_max_window_bits": 7, "client_max_window_bits": 7},
            "server_max_window_bits must be between 8 and 15",
        ),
    ],
)
def test_client_factory_rejects_invalid_configuration(kwargs, message):
    with pytest.raises(ValueError) as raised:
        ClientPerMessageDeflateFactory(**kwargs)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"server_max_window_bits": 8},
            "server_max_window_bits must be between 9 and 15",
        ),
        (
            {"server_max_window_bits": 16},
            "server_max_window_bits must be between 9 and 15",
        ),
        (
            {"client_max_window_bits": 7},
            "client_max_window_bits must be between 8 and 15",
        ),
        (
            {"client_max_window_bits": True},
            "client_max_window_bits must be between 8 and 15",
        ),
        (
            {"compress_settings": {"wbits": 9}},
            "compress_settings must not include wbits, set server_max_window_bits instead",
        ),
        (
            {"require_client_max_window_bits": True},
            "require_client_max_window_bits is enabled, "
            "but client_max_window_bits isn't configured",
        ),
        (
            {"compress_settings": {"wbits": 9}, "require_client_max_window_bits": True},
            "compress_settings must not include wbits, set server_max_window_bits instead",
        ),
    ],
)
def test_server_factory_rejects_invalid_configuration(kwargs, message):
    with pytest.raises(ValueError) as raised:
        ServerPerMessageDeflateFactory(**kwargs)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    "kwargs, params",
    [
        ({}, [("client_max_window_bits", None)]),
        ({"client_max_window_bits": None}, []),
        ({"client_max_window_bits": 10}, [("client_max_window_bits", "10")]),
        (
            {"server_no_context_takeover": True},
            [("server_no_context_takeover", None), ("client_max_window_bits", None)],
        ),
        (
            {"client_no_context_takeover": True},
            [("client_no_context_takeover", None), ("client_max_window_bits", None)],
        ),
        (
            {"server_max_window_bits": 8},
            [("server_max_window_bits", "8"), ("client_max_window_bits", None)],
        ),
        (
            {
                "server_no_context_takeover": True,
                "client_no_context_takeover": True,
                "server_max_window_bits": 12,
                "client_max_window_bits": 9,
            },
            [
                ("server_no_context_takeover", None),
                ("client_no_context_takeover", None),
                ("server_max_window_bits", "12"),
                ("client_max_window_bits", "9"),
            ],
        ),
    ],
)
def test_client_factory_request_params(kwargs, params):
    assert ClientPerMessageDeflateFactory(**kwargs).get_request_params() == params


def test_enable_client_permessage_deflate_defaults():
    extensions = enable_client_permessage_deflate(None)
    assert len(extensions) == 1
    (factory,) = extensions
    assert isinstance(factory, ClientPerMessageDeflateFactory)
    assert factory.get_request_params() == [("client_max_window_bits", None)]
    assert factory.compress_settings == {"memLevel": 5}
    extension = factory.process_response_params([], [])
    assert extension.compress_settings == {"memLevel": 5}


def test_enable_server_permessage_deflate_defaults():
    extensions = enable_server_permessage_deflate(None)
    assert len(extensions) == 1
    (factory,) = extensions
    assert isinstance(factory, ServerPerMessageDeflateFactory)
    assert (factory.server_max_window_bits, factory.client_max_window_bits) == (12, 12)
    assert factory.compress_settings == {"memLevel": 5}
    params, extension = factory.process_request_params(
        [("client_max_window_bits", None)], []
    )
    assert params == [
        ("server_max_window_bits", "12"),
        ("client_max_window_bits", "12"),
    ]
    assert repr(extension) == (
        "PerMessageDeflate(remote_no_context_takeover=False, "
        "local_no_context_takeover=False, "
        "remote_max_window_bits=12, local_max_window_bits=12)"
    )


@pytest.mark.parametrize(
    "enable, factory_class",
    [
        (enable_client_permessage_deflate, ClientPerMessageDeflateFactory),
        (enable_server_permessage_deflate, ServerPerMessageDeflateFactory),
    ],
)
def test_enable_permessage_deflate_keeps_existing_configuration(enable, factory_class):
    class Other:
        name = "x-other"

    class Custom:
        name = "permessage-deflate"

    existing = [factory_class(compress_settings={"memLevel": 9})]
    assert enable(existing) is existing
    custom = (Custom(),)
    assert enable(custom) is custom

    other = Other()
    extensions = enable((other,))
    assert type(extensions) is list
    assert extensions[0] is other
    assert isinstance(extensions[1], factory_class)
    assert enable([]) is not None and len(enable([])) == 1


# Extension factories: negotiation


def negotiate_client(factory_kwargs, params):
    return ClientPerMessageDeflateFactory(**factory_kwargs).process_response_params(
        params, []
    )


def negotiate_server(factory_kwargs, params):
    return ServerPerMessageDeflateFactory(**factory_kwargs).process_request_params(
        params, []
    )


def settings(extension):
    return (
        extension.remote_no_context_takeover,
        extension.local_no_context_takeover,
        extension.remote_max_window_bits,
        extension.local_max_window_bits,
    )


@pytest.mark.parametrize(
    "kwargs, params, expected",
    [
        ({}, [], (False, False, 15, 15)),
        ({}, [("server_no_context_takeover", None)], (True, False, 15, 15)),
        ({}, [("client_no_context_takeover", None)], (False, True, 15, 15)),
        ({}, [("server_max_window_bits", "8")], (False, False, 8, 15)),
        ({}, [("client_max_window_bits", "10")], (False, False, 15, 10)),
        (
            {"server_no_context_takeover": True},
            [("server_no_context_takeover", None)],
            (True, False, 15, 15),
        ),
        # The client honours its own client_no_context_takeover even when the
        # server doesn't repeat it.
        ({"client_no_context_takeover": True}, [], (False, True, 15, 15)),
        (
            {"server_max_window_bits": 12},
            [("server_max_window_bits", "12")],
            (False, False, 12, 15),
        ),
        (
            {"server_max_window_bits": 12},
            [("server_max_window_bits", "9")],
            (False, False, 9, 15),
        ),
        ({"client_max_window_bits": None}, [], (False, False, 15, 15)),
        # An offered value applies when the server doesn't answer it.
        ({"client_max_window_bits": 10}, [], (False, False, 15, 10)),
        (
            {"client_max_window_bits": 10},
            [("client_max_window_bits", "9")],
            (False, False, 15, 9),
        ),
        (
            {},
            [
                ("client_max_window_bits", "9"),
                ("server_max_window_bits", "9"),
                ("client_no_context_takeover", None),
                ("server_no_context_takeover", None),
            ],
            (True, True, 9, 9),
        ),
    ],
)
def test_client_accepts_response(kwargs, params, expected):
    assert settings(negotiate_client(kwargs, params)) == expected


@pytest.mark.parametrize(
    "kwargs, params, exc_type, message",
    [
        ({}, [("foo", None)], InvalidParameterName, "invalid parameter name: foo"),
        (
            {},
            [("Server_No_Context_Takeover", None)],
            InvalidParameterName,
            "invalid parameter name: Server_No_Context_Takeover",
        ),
        (
            {},
            [
                ("server_no_context_takeover", None),
                ("server_no_context_takeover", None),
            ],
            DuplicateParameter,
            "duplicate parameter: server_no_context_takeover",
        ),
        (
            {},
            [("client_no_context_takeover", None), ("client_no_context_takeover", "x")],
            DuplicateParameter,
            "duplicate parameter: client_no_context_takeover",
        ),
        (
            {},
            [("server_max_window_bits", "10"), ("server_max_window_bits", "x")],
            DuplicateParameter,
            "duplicate parameter: server_max_window_bits",
        ),
        (
            {},
            [("client_max_window_bits", "10"), ("client_max_window_bits", "10")],
            DuplicateParameter,
            "duplicate parameter: client_max_window_bits",
        ),
        (
            {},
            [("server_no_context_takeover", "x")],
            InvalidParameterValue,
            "invalid value for parameter server_no_context_takeover: x",
        ),
        (
            {},
            [("client_no_context_takeover", "1")],
            InvalidParameterValue,
            "invalid value for parameter client_no_context_takeover: 1",
        ),
        (
            {},
            [("server_max_window_bits", None)],
            InvalidParameterValue,
            "missing value for parameter server_max_window_bits",
        ),
        (
            {},
            [("server_max_window_bits", "")],
            InvalidParameterValue,
            "empty value for parameter server_max_window_bits",
        ),
        (
            {},
            [("server_max_window_bits", "16")],
            InvalidParameterValue,
            "invalid value for parameter server_max_window_bits: 16",
        ),
        (
            {},
            [("server_max_window_bits", "7")],
            InvalidParameterValue,
            "invalid value for parameter server_max_window_bits: 7",
        ),
        (
            {},
            [("server_max_window_bits", "010")],
            InvalidParameterValue,
            "invalid value for parameter server_max_window_bits: 010",
        ),
        (
            {},
            [("server_max_window_bits", "+9")],
            InvalidParameterValue,
            "invalid value for parameter server_max_window_bits: +9",
        ),
        (
            {},
            [("server_max_window_bits", " 10")],
            InvalidParameterValue,
            "invalid value for parameter server_max_window_bits:  10",
        ),
        # A server must give client_max_window_bits a value.
        (
            {},
            [("client_max_window_bits", None)],
            InvalidParameterValue,
            "missing value for parameter client_max_window_bits",
        ),
        (
            {},
            [("client_max_window_bits", "16")],
            InvalidParameterValue,
            "invalid value for parameter client_max_window_bits: 16",
        ),
        (
            {"server_no_context_takeover": True},
            [],
            NegotiationError,
            "expected server_no_context_takeover",
        ),
        (
            {"server_max_window_bits": 10},
            [],
            NegotiationError,
            "expected server_max_window_bits",
        ),
        (
            {"server_max_window_bits": 10},
            [("server_max_window_bits", "11")],
            NegotiationError,
            "unsupported server_max_window_bits",
        ),
        (
            {"client_max_window_bits": None},
            [("client_max_window_bits", "10")],
            NegotiationError,
            "unexpected client_max_window_bits",
        ),
        (
            {"client_max_window_bits": 10},
            [("client_max_window_bits", "11")],
            NegotiationError,
            "unsupported client_max_window_bits",
        ),
        (
            {},
            [("client_max_window_bits", "8")],
            NegotiationError,
            "unsupported client_max_window_bits = 8, use 9",
        ),
        (
            {"client_max_window_bits": 9},
            [("client_max_window_bits", "8")],
            NegotiationError,
            "unsupported client_max_window_bits = 8, use 9",
        ),
    ],
)
def test_client_rejects_response(kwargs, params, exc_type, message):
    with pytest.raises(exc_type) as raised:
        negotiate_client(kwargs, params)
    assert type(raised.value) is exc_type
    assert str(raised.value) == message


@pytest.mark.parametrize(
    "kwargs, params, response, expected",
    [
        ({}, [], [], (False, False, 15, 15)),
        # A bare client_max_window_bits only says that the client supports it.
        ({}, [("client_max_window_bits", None)], [], (False, False, 15, 15)),
        (
            {},
            [("server_no_context_takeover", None)],
            [("server_no_context_takeover", None)],
            (False, True, 15, 15),
        ),
        (
            {},
            [("client_no_context_takeover", None)],
            [("client_no_context_takeover", None)],
            (True, False, 15, 15),
        ),
        (
            {},
            [("server_max_window_bits", "10")],
            [("server_max_window_bits", "10")],
            (False, False, 15, 10),
        ),
        (
            {},
            [("client_max_window_bits", "10")],
            [("client_max_window_bits", "10")],
            (False, False, 10, 15),
        ),
        # The server adds its own requirements.
        (
            {"server_no_context_takeover": True, "client_no_context_takeover": True},
            [],
            [
                ("server_no_context_takeover", None),
                ("client_no_context_takeover", None),
            ],
            (True, True, 15, 15),
        ),
        (
            {"server_max_window_bits": 12},
            [],
            [("server_max_window_bits", "12")],
            (False, False, 15, 12),
        ),
        # The stricter limit wins.
        (
            {"server_max_window_bits": 12},
            [("server_max_window_bits", "10")],
            [("server_max_window_bits", "10")],
            (False, False, 15, 10),
        ),
        (
            {"server_max_window_bits": 12},
            [("server_max_window_bits", "14")],
            [("server_max_window_bits", "12")],
            (False, False, 15, 12),
        ),
        (
            {"client_max_window_bits": 12},
            [("client_max_window_bits", None)],
            [("client_max_window_bits", "12")],
            (False, False, 12, 15),
        ),
        (
            {"client_max_window_bits": 12},
            [("client_max_window_bits", "10")],
            [("client_max_window_bits", "10")],
            (False, False, 10, 15),
        ),
        (
            {"client_max_window_bits": 12},
            [("client_max_window_bits", "14")],
            [("client_max_window_bits", "12")],
            (False, False, 12, 15),
        ),
        # Without client support, the client's window can't be limited.
        ({"client_max_window_bits": 12}, [], [], (False, False, 15, 15)),
        (
            {"client_max_window_bits": 8, "require_client_max_window_bits": True},
            [("client_max_window_bits", None)],
            [("client_max_window_bits", "8")],
            (False, False, 8, 15),
        ),
    ],
)
def test_server_accepts_offer(kwargs, params, response, expected):
    response_params, extension = negotiate_server(kwargs, params)
    assert response_params == response
    assert settings(extension) == expected


@pytest.mark.parametrize(
    "kwargs, params, exc_type, message",
    [
        ({}, [("foo", "bar")], InvalidParameterName, "invalid parameter name: foo"),
        (
            {},
            [("client_max_window_bits", None), ("client_max_window_bits", "10")],
            DuplicateParameter,
            "duplicate parameter: client_max_window_bits",
        ),
        (
            {},
            [("server_no_context_takeover", "x")],
            InvalidParameterValue,
            "invalid value for parameter server_no_context_takeover: x",
        ),
        (
            {},
            [("server_max_window_bits", None)],
            InvalidParameterValue,
            "missing value for parameter server_max_window_bits",
        ),
        (
            {},
            [("client_max_window_bits", "x")],
            InvalidParameterValue,
            "invalid value for parameter client_max_window_bits: x",
        ),
        (
            {},
            [("server_max_window_bits", "8")],
            NegotiationError,
            "unsupported server_max_window_bits = 8, use 9",
        ),
        (
            {"server_max_window_bits": 12},
            [("server_max_window_bits", "8")],
            NegotiationError,
            "unsupported server_max_window_bits = 8, use 9",
        ),
        (
            {"client_max_window_bits": 10, "require_client_max_window_bits": True},
            [],
            NegotiationError,
            "required client_max_window_bits",
        ),
        # The check on server_max_window_bits comes first.
        (
            {"client_max_window_bits": 10, "require_client_max_window_bits": True},
            [("server_max_window_bits", "8")],
            NegotiationError,
            "unsupported server_max_window_bits = 8, use 9",
        ),
    ],
)
def test_server_rejects_offer(kwargs, params, exc_type, message):
    with pytest.raises(exc_type) as raised:
        negotiate_server(kwargs, params)
    assert type(raised.value) is exc_type
    assert str(raised.value) == message


def test_client_rejects_duplicate_extension():
    factory = ClientPerMessageDeflateFactory()
    with pytest.raises(NegotiationError) as raised:
        factory.process_response_params([], [make()])
    assert str(raised.value) == "received duplicate permessage-deflate"


def test_server_rejects_duplicate_extension():
    factory = ServerPerMessageDeflateFactory()
    with pytest.raises(NegotiationError) as raised:
        factory.process_request_params([], [make()])
    assert str(raised.value) == "skipped duplicate permessage-deflate"


def test_factories_accept_after_other_extensions():
    class Other(Extension):
        name = "x-other"

    assert settings(
        ClientPerMessageDeflateFactory().process_response_params([], [Other()])
    ) == (
        False,
        False,
        15,
        15,
    )
    params, extension = ServerPerMessageDeflateFactory().process_request_params(
        [], [Other()]
    )
    assert params == []


def test_factories_pass_compress_settings():
    client = ClientPerMessageDeflateFactory(compress_settings={"memLevel": 3})
    assert client.process_response_params([], []).compress_settings == {"memLevel": 3}
    server = ServerPerMessageDeflateFactory(compress_settings={"memLevel": 3})
    assert server.process_request_params([], [])[1].compress_settings == {"memLevel": 3}


CLIENT_CONFIGS = [
    dict(
        zip(
            [
                "server_no_context_takeover",
                "client_no_context_takeover",
                "server_max_window_bits",
                "client_max_window_bits",
            ],
            values,
            strict=True,
        )
    )
    for values in itertools.product(
        [False, True], [False, True], [None, 9, 15], [None, True, 9, 12]
    )
]
SERVER_CONFIGS = [
    dict(
        zip(
            [
                "server_no_context_takeover",
                "client_no_context_takeover",
                "server_max_window_bits",
                "client_max_window_bits",
                "require_client_max_window_bits",
            ],
            values,
            strict=True,
        )
    )
    for values in itertools.product(
        [False, True], [False, True], [None, 10, 15], [None, 8, 11], [False, True]
    )
    if not (values[4] and values[3] is None)
]


@pytest.mark.parametrize("client_kwargs", CLIENT_CONFIGS)
def test_handshake_offer_response_accept(client_kwargs):
    # Client offer -> server response -> client accept, then messages flow in
    # both directions with the negotiated parameters.
    client_factory = ClientPerMessageDeflateFactory(**client_kwargs)
    offer = client_factory.get_request_params()
    for server_kwargs in SERVER_CONFIGS:
        server_factory = ServerPerMessageDeflateFactory(**server_kwargs)
        try:
            response, server_extension = server_factory.process_request_params(
                offer, []
            )
        except NegotiationError as exc:
            # Only a client that doesn't support client_max_window_bits can be
            # turned down by a server that requires it.
            assert str(exc) == "required client_max_window_bits"
            assert client_kwargs["client_max_window_bits"] is None
            continue
        try:
            client_extension = client_factory.process_response_params(response, [])
        except NegotiationError as exc:
            # A server may limit the client's window to 8 bits, which zlib
            # can't compress with, so the client declines.
            assert str(exc) == "unsupported client_max_window_bits = 8, use 9"
            assert ("client_max_window_bits", "8") in response
            continue
        assert settings(client_extension) == (
            server_extension.local_no_context_takeover,
            server_extension.remote_no_context_takeover,
            server_extension.local_max_window_bits,
            server_extension.remote_max_window_bits,
        )
        if (
            client_kwargs["server_no_context_takeover"]
            or server_kwargs["server_no_context_takeover"]
        ):
            assert server_extension.local_no_context_takeover
        if (
            client_kwargs["client_no_context_takeover"]
            or server_kwargs["client_no_context_takeover"]
        ):
            assert client_extension.local_no_context_takeover
        message = b"negotiated " * 100
        for sender, receiver in [
            (client_extension, server_extension),
            (server_extension, client_extension),
        ]:
            for _ in range(2):
                received = receiver.decode(sender.encode(Frame(OP_TEXT, message)))
                assert received.data == message


# Interoperability with the released websockets package


UPSTREAM_CODEC = textwrap.dedent(
    """
    import json, sys
    from websockets.extensions.permessage_deflate import PerMessageDeflate
    from websockets.frames import Frame, Opcode

    request = json.load(sys.stdin)
    results = []
    for case in request:
        extension = PerMessageDeflate(*case["params"])
        frames = []
        for opcode, data, fin, rsv1 in case["frames"]:
            frame = Frame(Opcode(opcode), bytes.fromhex(data), fin, rsv1)
            if case["action"] == "encode":
                frame = extension.encode(frame)
            else:
                try:
                    frame = extension.decode(frame, max_size=case["max_size"])
                except Exception as exc:
                    frames.append([type(exc).__name__, str(exc)])
                    break
            frames.append([int(frame.opcode), frame.data.hex(), frame.fin, frame.rsv1])
        results.append(frames)
    json.dump(results, sys.stdout)
    """
)


def run_upstream(upstream, script, request):
    result = upstream.run(
        "-c",
        script,
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(result.stdout)


INTEROP_MESSAGES = [
    [(OP_TEXT, b"Hello", True)],
    [(OP_BINARY, b"", True)],
    [(OP_BINARY, bytes(range(256)) * 50, True)],
    [
        (OP_TEXT, b"first part, ", False),
        (OP_PING, b"ping", True),
        (OP_CONT, b"second part, ", False),
        (OP_CONT, b"end", True),
    ],
    [(OP_TEXT, "Ünïcödé ".encode() * 500, True)],
    [(OP_BINARY, os.urandom(2000), True)],
]
INTEROP_PARAMS = [
    (False, False, 15, 15),
    (True, True, 15, 15),
    (False, True, 12, 9),
    (True, False, 9, 12),
    (False, False, 10, 11),
]


def interop_frames(messages):
    # Each case sends the messages twice, to exercise context takeover.
    return [
        [int(opcode), data.hex(), fin, False]
        for message in messages + messages
        for opcode, data, fin in message
    ]


@pytest.mark.parametrize("params", INTEROP_PARAMS)
def test_upstream_decodes_what_we_encode(upstream, params):
    ours = make(*params)
    frames = interop_frames(INTEROP_MESSAGES)
    encoded = []
    for opcode, data, fin, _ in frames:
        frame = ours.encode(Frame(Opcode(opcode), bytes.fromhex(data), fin))
        encoded.append([int(frame.opcode), frame.data.hex(), frame.fin, frame.rsv1])
    # The upstream decoder has the mirror image of our parameters.
    remote_nct, local_nct, remote_bits, local_bits = params
    mirrored = [local_nct, remote_nct, local_bits, remote_bits]
    (decoded,) = run_upstream(
        upstream,
        UPSTREAM_CODEC,
        [{"action": "decode", "params": mirrored, "frames": encoded, "max_size": None}],
    )
    assert decoded == [[opcode, data, fin, False] for opcode, data, fin, _ in frames]


@pytest.mark.parametrize("params", INTEROP_PARAMS)
def test_we_decode_what_upstream_encodes(upstream, params):
    frames = interop_frames(INTEROP_MESSAGES)
    (encoded,) = run_upstream(
        upstream,
        UPSTREAM_CODEC,
        [
            {
                "action": "encode",
                "params": list(params),
                "frames": frames,
                "max_size": None,
            }
        ],
    )
    # Same zlib, same settings: the bytes on the wire are identical. zlib-ng
    # compresses differently: only the framing is the same.
    ours = make(*params)
    for (opcode, data, fin, _), expected in zip(frames, encoded, strict=True):
        frame = ours.encode(Frame(Opcode(opcode), bytes.fromhex(data), fin))
        if _deflate_impl.IMPL == "zlib":
            assert [int(frame.opcode), frame.data.hex(), frame.fin, frame.rsv1] == (
                expected
            )
        else:
            assert [int(frame.opcode), frame.fin, frame.rsv1] == [
                expected[0],
                expected[2],
                expected[3],
            ]
    remote_nct, local_nct, remote_bits, local_bits = params
    decoder = make(local_nct, remote_nct, local_bits, remote_bits)
    for (opcode, data, fin, _), (e_opcode, e_data, e_fin, e_rsv1) in zip(
        frames, encoded, strict=True
    ):
        frame = Frame(Opcode(e_opcode), bytes.fromhex(e_data), e_fin, e_rsv1)
        decoded = decoder.decode(frame)
        assert (int(decoded.opcode), decoded.data.hex(), decoded.fin, decoded.rsv1) == (
            opcode,
            data,
            fin,
            False,
        )


def test_decode_errors_match_upstream(upstream):
    hello = bytes.fromhex("f248cdc9c90700")
    cases = [
        ([[1, hello.hex(), True, True]], 4),
        ([[1, hello.hex(), True, True]], 5),
        ([[2, bytes(100).hex(), True, True]], None),
        ([[2, "68656c6c6f", False, True]], None),
        ([[1, "f248", False, True], [0, "cdc9c90700", True, True]], None),
        ([[1, "f248", False, False], [0, "cdc9c90700", True, True]], None),
        ([[9, hello.hex(), True, True]], None),
        (
            [
                [
                    2,
                    make().encode(Frame(OP_BINARY, bytes(100_000))).data.hex(),
                    True,
                    True,
                ]
            ],
            99_999,
        ),
        (
            [
                [
                    2,
                    make().encode(Frame(OP_BINARY, bytes(100_000))).data.hex(),
                    True,
                    True,
                ]
            ],
            100_000,
        ),
    ]
    request = [
        {
            "action": "decode",
            "params": [False, False, 15, 15],
            "frames": frames,
            "max_size": max_size,
        }
        for frames, max_size in cases
    ]
    expected = run_upstream(upstream, UPSTREAM_CODEC, request)
    for (frames, max_size), upstream_result in zip(cases, expected, strict=True):
        extension = make()
        result = []
        for opcode, data, fin, rsv1 in frames:
            try:
                frame = extension.decode(
                    Frame(Opcode(opcode), bytes.fromhex(data), fin, rsv1),
                    max_size=max_size,
                )
            except Exception as exc:
                result.append([type(exc).__name__, str(exc)])
                break
            result.append([int(frame.opcode), frame.data.hex(), frame.fin, frame.rsv1])
        assert result == upstream_result


UPSTREAM_NEGOTIATION = textwrap.dedent(
    """
    import json, sys
    from websockets.extensions.permessage_deflate import (
        ClientPerMessageDeflateFactory,
        ServerPerMessageDeflateFactory,
    )

    def outcome(call):
        try:
            result = call()
        except Exception as exc:
            return ["error", type(exc).__name__, str(exc)]
        if isinstance(result, tuple):
            return ["ok", [list(param) for param in result[0]], repr(result[1])]
        return ["ok", repr(result)]

    request = json.load(sys.stdin)
    results = []
    for side, kwargs, params in request:
        params = [tuple(param) for param in params]
        if side == "client":
            factory = ClientPerMessageDeflateFactory(**kwargs)
            results.append(outcome(lambda: factory.process_response_params(params, [])))
        else:
            factory = ServerPerMessageDeflateFactory(**kwargs)
            results.append(outcome(lambda: factory.process_request_params(params, [])))
    json.dump(results, sys.stdout)
    """
)


def negotiation_outcome(method, params):
    try:
        result = method(params, [])
    except Exception as exc:
        return ["error", type(exc).__name__, str(exc)]
    if isinstance(result, tuple):
        return ["ok", [list(param) for param in result[0]], repr(result[1])]
    return ["ok", repr(result)]


def parameter_lists(values):
    names = [
        "server_no_context_takeover",
        "client_no_context_takeover",
        "server_max_window_bits",
        "client_max_window_bits",
    ]
    for combination in itertools.product(*values):
        yield [
            [name, value]
            for name, value in zip(names, combination, strict=True)
            if value != "absent"
        ]


def test_negotiation_matrix_matches_upstream(upstream):
    request = []
    client_params = list(
        parameter_lists(
            [
                ["absent", None, "x"],
                ["absent", None],
                ["absent", None, "8", "9", "12", "15", "16"],
                ["absent", None, "8", "9", "12", "15"],
            ]
        )
    )
    for kwargs in CLIENT_CONFIGS:
        for params in client_params:
            request.append(["client", kwargs, params])
    server_params = list(
        parameter_lists(
            [
                ["absent", None],
                ["absent", None, "x"],
                ["absent", None, "8", "9", "12", "15"],
                ["absent", None, "8", "9", "12", "15", "x"],
            ]
        )
    )
    for kwargs in SERVER_CONFIGS:
        for params in server_params:
            request.append(["server", kwargs, params])
    # Reordered and repeated parameters decide which error comes first.
    for params in [
        [
            ["client_max_window_bits", "9"],
            ["server_no_context_takeover", None],
            ["server_no_context_takeover", None],
        ],
        [["foo", None], ["server_no_context_takeover", "x"]],
        [["server_no_context_takeover", "x"], ["foo", None]],
        [
            ["server_max_window_bits", "10"],
            ["client_max_window_bits", "10"],
            ["server_max_window_bits", "x"],
        ],
    ]:
        request.append(["client", {}, params])
        request.append(["server", {}, params])

    expected = run_upstream(upstream, UPSTREAM_NEGOTIATION, request)
    assert len(expected) == len(request)
    mismatches = []
    for (side, kwargs, params), upstream_outcome in zip(request, expected, strict=True):
        params = [tuple(param) for param in params]
        if side == "client":
            factory = ClientPerMessageDeflateFactory(**kwargs)
            outcome = negotiation_outcome(factory.process_response_params, params)
        else:
            factory = ServerPerMessageDeflateFactory(**kwargs)
            outcome = negotiation_outcome(factory.process_request_params, params)
        if outcome != upstream_outcome:
            mismatches.append((side, kwargs, params, outcome, upstream_outcome))
    assert mismatches == []
