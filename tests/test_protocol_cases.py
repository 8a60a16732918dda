"""
Autobahn-style cases played in memory between a client and a server protocol.

The Autobahn test suite groups its cases in sections: 1 framing, 2 pings and
pongs, 3 reserved bits, 4 opcodes, 5 fragmentation, 6 UTF-8, 7 closing,
9 limits and performance, 12 and 13 permessage-deflate. The wire-level suite
runs in ``tests/compliance``; here the same behaviours are checked byte for
byte without sockets, in whichever mode (compiled or pure) the run uses.

"""

import itertools

import pytest

from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    ServerPerMessageDeflateFactory,
)
from websockets.frames import (
    OP_BINARY,
    OP_CLOSE,
    OP_CONT,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    Frame,
)
from websockets.protocol import SEND_EOF, State
from websockets.server import ServerProtocol
from websockets.uri import parse_uri


def open_pair(client_extensions=None, server_extensions=None, max_size=2**20):
    client = ClientProtocol(
        parse_uri("ws://localhost/"), extensions=client_extensions, max_size=max_size
    )
    server = ServerProtocol(extensions=server_extensions, max_size=max_size)
    client.send_request(client.connect())
    transfer(client, server)
    [request] = server.events_received()
    server.send_response(server.accept(request))
    transfer(server, client)
    [response] = client.events_received()
    assert response.status_code == 101
    return client, server


def transfer(source, destination):
    for data in source.data_to_send():
        if data == SEND_EOF:
            destination.receive_eof()
        else:
            destination.receive_data(data)


def unmasked(opcode, payload, *, fin=True, rsv=0):
    """Frame bytes as a server sends them (no mask)."""
    head1 = (0x80 if fin else 0) | rsv | opcode
    length = len(payload)
    if length < 126:
        header = bytes([head1, length])
    elif length < 65536:
        header = bytes([head1, 126]) + length.to_bytes(2, "big")
    else:
        header = bytes([head1, 127]) + length.to_bytes(8, "big")
    return header + payload


# Section 1: framing. Text and binary messages of the lengths around the
# 7-bit, 16-bit and 64-bit length encodings go through unchanged.


@pytest.mark.parametrize("size", [0, 125, 126, 127, 128, 65535, 65536, 65537])
@pytest.mark.parametrize("opcode", [OP_TEXT, OP_BINARY])
def test_1_echo_of_every_length_encoding(size, opcode):
    client, server = open_pair()
    payload = b"*" * size
    if opcode is OP_TEXT:
        client.send_text(payload)
    else:
        client.send_binary(payload)
    transfer(client, server)
    [frame] = server.events_received()
    assert frame == Frame(opcode, payload)
    server.send_binary(frame.data) if opcode is OP_BINARY else server.send_text(
        frame.data
    )
    transfer(server, client)
    assert client.events_received() == [Frame(opcode, payload)]


def test_1_frames_fed_one_byte_at_a_time():
    client, server = open_pair()
    client.send_text(b"x" * 300)
    [data] = client.data_to_send()
    for index in range(len(data)):
        server.receive_data(data[index : index + 1])
    assert server.events_received() == [Frame(OP_TEXT, b"x" * 300)]


# Section 2: pings and pongs.


@pytest.mark.parametrize("size", [0, 1, 125])
def test_2_ping_is_answered_with_identical_payload(size):
    client, server = open_pair()
    payload = bytes(range(size))
    client.send_ping(payload)
    transfer(client, server)
    assert server.events_received() == [Frame(OP_PING, payload)]
    transfer(server, client)
    assert client.events_received() == [Frame(OP_PONG, payload)]


def test_2_ping_with_126_bytes_fails_with_1002():
    client, _ = open_pair()
    client.receive_data(b"\x89\x7e\x00\x7e" + b"a" * 126)
    assert client.close_sent.code == 1002


def test_2_ten_pings_get_ten_pongs_in_order():
    client, server = open_pair()
    for index in range(10):
        client.send_ping(str(index).encode())
    transfer(client, server)
    server.events_received()
    transfer(server, client)
    pongs = client.events_received()
    assert [frame.data for frame in pongs] == [str(i).encode() for i in range(10)]


def test_2_unsolicited_pong_is_ignored():
    client, server = open_pair()
    server.send_pong(b"unsolicited")
    transfer(server, client)
    assert client.events_received() == [Frame(OP_PONG, b"unsolicited")]
    assert client.data_to_send() == []
    assert client.state is State.OPEN


# Section 3: reserved bits. Section 4: reserved opcodes.


@pytest.mark.parametrize("rsv", [0x40, 0x20, 0x10, 0x60, 0x50, 0x30, 0x70])
def test_3_reserved_bits_fail_with_1002(rsv):
    client, _ = open_pair()
    client.receive_data(unmasked(0x01, b"hi", rsv=rsv))
    assert client.close_sent.code == 1002
    assert client.close_sent.reason == "reserved bits must be 0"


@pytest.mark.parametrize("opcode", [3, 4, 5, 6, 7, 11, 12, 13, 14, 15])
def test_4_reserved_opcodes_fail_with_1002(opcode):
    client, _ = open_pair()
    client.receive_data(unmasked(opcode, b""))
    assert client.close_sent.code == 1002
    assert client.close_sent.reason == "invalid opcode"


def test_4_valid_frame_before_reserved_opcode_is_delivered():
    client, _ = open_pair()
    client.receive_data(unmasked(0x01, b"ok") + unmasked(5, b""))
    assert client.events_received() == [Frame(OP_TEXT, b"ok")]
    assert client.close_sent.code == 1002


# Section 5: fragmentation.


def test_5_fragmented_ping_fails_with_1002():
    client, _ = open_pair()
    client.receive_data(unmasked(0x09, b"a", fin=False))
    assert client.close_sent.reason == "fragmented control frame"


def test_5_pings_between_fragments_are_answered():
    client, server = open_pair()
    client.send_text(b"frag", fin=False)
    client.send_ping(b"p1")
    client.send_continuation(b"ment", fin=False)
    client.send_ping(b"p2")
    client.send_continuation(b"ed", fin=True)
    transfer(client, server)
    assert server.events_received() == [
        Frame(OP_TEXT, b"frag", fin=False),
        Frame(OP_PING, b"p1"),
        Frame(OP_CONT, b"ment", fin=False),
        Frame(OP_PING, b"p2"),
        Frame(OP_CONT, b"ed"),
    ]
    transfer(server, client)
    assert client.events_received() == [Frame(OP_PONG, b"p1"), Frame(OP_PONG, b"p2")]


@pytest.mark.parametrize("fin", [True, False])
def test_5_continuation_without_start_fails_with_1002(fin):
    client, _ = open_pair()
    client.receive_data(unmasked(0x00, b"x", fin=fin))
    assert client.close_sent.reason == "unexpected continuation frame"


def test_5_new_message_before_end_of_fragmented_message_fails_with_1002():
    client, _ = open_pair()
    client.receive_data(unmasked(0x01, b"a", fin=False) + unmasked(0x02, b"b"))
    assert client.close_sent.reason == "expected a continuation frame"


def test_5_many_empty_fragments_are_accepted():
    client, _ = open_pair()
    data = unmasked(0x01, b"", fin=False) + unmasked(0x00, b"", fin=False) * 1000
    client.receive_data(data + unmasked(0x00, b"", fin=True))
    events = client.events_received()
    assert len(events) == 1002
    assert client.state is State.OPEN


# Section 6: UTF-8 handling in text messages.


@pytest.mark.parametrize(
    "payload",
    [
        "κόσμε".encode(),
        b"\xf4\x8f\xbf\xbf",  # U+10FFFF
        b"\xef\xbf\xbf",  # U+FFFF
        b"\xed\x9f\xbf",  # U+D7FF, just below the surrogates
    ],
)
def test_6_valid_utf8_is_accepted_in_any_fragmentation(payload):
    for cut in range(len(payload) + 1):
        client, _ = open_pair()
        client.receive_data(
            unmasked(0x01, payload[:cut], fin=False) + unmasked(0x00, payload[cut:])
        )
        assert client.state is State.OPEN, cut


@pytest.mark.parametrize(
    "payload",
    [
        b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64",
        b"\xf4\x90\x80\x80",  # above U+10FFFF
        b"\xc0\xaf",  # overlong
        b"\x80",  # lone continuation byte
        b"\xfe",
    ],
)
def test_6_invalid_utf8_fails_with_1007_in_any_fragmentation(payload):
    for cut in range(len(payload) + 1):
        client, _ = open_pair()
        client.receive_data(
            unmasked(0x01, payload[:cut], fin=False) + unmasked(0x00, payload[cut:])
        )
        assert client.close_sent is not None, cut
        assert client.close_sent.code == 1007, cut


def test_6_invalid_utf8_fails_before_the_message_ends():
    client, _ = open_pair()
    client.receive_data(unmasked(0x01, b"valid \xc0\xaf", fin=False))
    assert client.close_sent.code == 1007
    # The rest of the message never arrives: the failure didn't wait for it.
    assert client.state is State.CLOSING


# Section 7: closing.


@pytest.mark.parametrize(
    "code",
    [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999],
)
def test_7_valid_close_codes_are_echoed(code):
    client, server = open_pair()
    client.send_close(code, "reason")
    transfer(client, server)
    [frame] = server.events_received()
    assert frame.opcode is OP_CLOSE
    assert server.close_sent.code == code
    transfer(server, client)
    assert client.state is State.CLOSED or client.close_rcvd.code == code


@pytest.mark.parametrize(
    "code", [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535]
)
def test_7_invalid_close_codes_fail_with_1002(code):
    client, _ = open_pair()
    client.receive_data(unmasked(0x08, code.to_bytes(2, "big")))
    assert client.close_sent.code == 1002


def test_7_close_with_123_byte_reason_is_accepted():
    client, _ = open_pair()
    client.receive_data(unmasked(0x08, b"\x03\xe8" + b"r" * 123))
    assert client.close_sent.code == 1000
    assert client.close_rcvd.reason == "r" * 123


def test_7_frames_after_close_are_ignored():
    client, _ = open_pair()
    client.receive_data(
        unmasked(0x08, b"\x03\xe8") + unmasked(0x01, b"late") + unmasked(0x09, b"")
    )
    assert [frame.opcode for frame in client.events_received()] == [OP_CLOSE]
    # Only the close frame is echoed: the ping after it isn't answered.
    assert len(client.data_to_send()) == 1


def test_7_close_handshake_completes_on_both_sides():
    client, server = open_pair()
    server.send_close(1001, "going away")
    transfer(server, client)
    transfer(client, server)
    transfer(server, client)
    transfer(client, server)
    assert client.state is State.CLOSED
    assert server.state is State.CLOSED
    assert client.close_code == 1001
    assert server.close_code == 1001


# Section 9: limits.


@pytest.mark.parametrize("size", [2**16, 2**20, 2**22])
def test_9_large_messages_within_max_size(size):
    client, server = open_pair(max_size=2**22)
    client.send_binary(b"\xfe" * size)
    transfer(client, server)
    [frame] = server.events_received()
    assert len(frame.data) == size


def test_9_large_fragmented_message_within_max_size():
    client, server = open_pair(max_size=2**22)
    chunk = b"a" * 65536
    client.send_text(chunk, fin=False)
    for _ in range(30):
        client.send_continuation(chunk, fin=False)
    client.send_continuation(chunk, fin=True)
    transfer(client, server)
    frames = server.events_received()
    assert sum(len(frame.data) for frame in frames) == 32 * 65536


def test_9_message_over_max_size_fails_with_1009():
    client, server = open_pair(max_size=1000)
    client.send_binary(b"a" * 1001)
    transfer(client, server)
    assert server.close_sent.code == 1009


# Sections 12 and 13: permessage-deflate with every combination of
# parameters, messages of several sizes, in both directions.

DEFLATE_PARAMS = [
    dict(),
    dict(client_no_context_takeover=True),
    dict(server_no_context_takeover=True),
    dict(client_no_context_takeover=True, server_no_context_takeover=True),
    dict(client_max_window_bits=9, server_max_window_bits=9),
    dict(client_max_window_bits=15, server_max_window_bits=15),
    dict(
        client_max_window_bits=9,
        server_max_window_bits=15,
        server_no_context_takeover=True,
    ),
]


@pytest.mark.parametrize(
    "params", DEFLATE_PARAMS, ids=lambda params: str(sorted(params))
)
@pytest.mark.parametrize("size", [16, 64, 256, 1024, 4096, 8192, 65536, 131072])
def test_12_13_deflate_round_trips(params, size):
    client, server = open_pair(
        [ClientPerMessageDeflateFactory(**params)],
        [ServerPerMessageDeflateFactory(**params)],
    )
    assert client.extensions and server.extensions
    for index in range(3):
        text = (f"WebSocket {index} " * (size // 12 + 1))[:size].encode()
        client.send_text(text)
        transfer(client, server)
        assert server.events_received() == [Frame(OP_TEXT, text)]
        server.send_binary(text)
        transfer(server, client)
        assert client.events_received() == [Frame(OP_BINARY, text)]


def test_12_13_deflate_fragmented_message_round_trips():
    client, server = open_pair(
        [ClientPerMessageDeflateFactory()], [ServerPerMessageDeflateFactory()]
    )
    parts = [b"fragment %d " % index * 50 for index in range(5)]
    client.send_binary(parts[0], fin=False)
    for part in parts[1:-1]:
        client.send_continuation(part, fin=False)
    client.send_continuation(parts[-1], fin=True)
    transfer(client, server)
    frames = server.events_received()
    assert b"".join(frame.data for frame in frames) == b"".join(parts)


def test_12_13_decompression_is_bounded_by_max_size():
    client, server = open_pair(
        [ClientPerMessageDeflateFactory()],
        [ServerPerMessageDeflateFactory()],
        max_size=65536,
    )
    # 16 MiB of zeros compress to a few KiB: a decompression bomb.
    client.max_size = None
    client.send_binary(bytes(2**24))
    [data] = client.data_to_send()
    assert len(data) < 100_000
    server.receive_data(data)
    assert server.close_sent.code == 1009


def test_12_13_control_frames_are_never_compressed():
    client, server = open_pair(
        [ClientPerMessageDeflateFactory()], [ServerPerMessageDeflateFactory()]
    )
    server.send_ping(b"ping" * 20)
    [data] = server.data_to_send()
    assert data[0] == 0x89  # FIN, no RSV1, PING
    server.send_close(1000, "x" * 100)
    [data] = server.data_to_send()
    assert data[0] == 0x88


def test_12_13_compressed_and_uncompressed_messages_in_one_read_keep_order():
    # With permessage-deflate, whole uncompressed messages take the parser's
    # fast path while compressed ones go through the extension; one read
    # holding both kinds must give the messages in order.
    client, server = open_pair(
        [ClientPerMessageDeflateFactory()], [ServerPerMessageDeflateFactory()]
    )
    # Short messages are sent uncompressed unless the threshold is 0.
    server.extensions[0].compression_threshold = 0
    server.send_text(b"compressed one")
    [compressed_one] = server.data_to_send()
    server.send_binary(b"compressed two")
    [compressed_two] = server.data_to_send()
    assert compressed_one[0] == 0xC1 and compressed_two[0] == 0xC2  # RSV1 set
    data = (
        unmasked(0x2, b"plain one")
        + compressed_one
        + unmasked(0x1, "plain two é".encode())
        + compressed_two
        + unmasked(0x9, b"ping")
        + unmasked(0x2, b"plain three")
    )
    client.receive_data(data)
    assert client.events_received() == [
        Frame(OP_BINARY, b"plain one"),
        Frame(OP_TEXT, b"compressed one"),
        Frame(OP_TEXT, "plain two é".encode()),
        Frame(OP_BINARY, b"compressed two"),
        Frame(OP_PING, b"ping"),
        Frame(OP_BINARY, b"plain three"),
    ]
    assert client.state is State.OPEN


def test_12_13_invalid_utf8_in_uncompressed_message_fails_with_1007():
    client, server = open_pair(
        [ClientPerMessageDeflateFactory()], [ServerPerMessageDeflateFactory()]
    )
    client.receive_data(unmasked(0x1, b"ok") + unmasked(0x1, b"\xff") + unmasked(0x1, b"x"))
    assert client.events_received() == [Frame(OP_TEXT, b"ok")]
    assert client.close_sent.code == 1007


def test_12_13_uncompressed_message_over_max_size_fails_with_1009():
    client, server = open_pair(
        [ClientPerMessageDeflateFactory()], [ServerPerMessageDeflateFactory()], max_size=100
    )
    client.receive_data(unmasked(0x2, b"x" * 100) + unmasked(0x2, b"x" * 101))
    assert client.events_received() == [Frame(OP_BINARY, b"x" * 100)]
    assert client.close_sent.code == 1009


def test_other_extensions_see_every_frame():
    # An extension other than permessage-deflate may transform frames that
    # have no RSV bit, so whole messages must go through it.
    from websockets.extensions import Extension

    class Upper(Extension):
        name = "x-upper"

        def decode(self, frame, *, max_size=None):
            if frame.opcode is OP_TEXT:
                return Frame(OP_TEXT, bytes(frame.data).upper(), frame.fin)
            return frame

        def encode(self, frame):
            return frame

    client, server = open_pair()
    client.extensions = [Upper()]
    client.update_fast_frames()
    client.receive_data(unmasked(0x1, b"hello") + unmasked(0x1, b"world"))
    assert client.events_received() == [Frame(OP_TEXT, b"HELLO"), Frame(OP_TEXT, b"WORLD")]


def test_pairwise_combinations_of_everything_keep_state_consistent():
    # A compact product of message kinds and fragment counts, both ways.
    client, server = open_pair(
        [ClientPerMessageDeflateFactory()], [ServerPerMessageDeflateFactory()]
    )
    for kind, pieces in itertools.product(["text", "binary"], [1, 2, 5]):
        payload = ("é" * 40).encode()
        # Cut on character boundaries for text: each fragment stays valid.
        step = len(payload) // pieces // 2 * 2
        cuts = [index * step for index in range(pieces)] + [len(payload)]
        chunks = [
            payload[start:end] for start, end in zip(cuts, cuts[1:], strict=False)
        ]
        send = client.send_text if kind == "text" else client.send_binary
        send(chunks[0], fin=len(chunks) == 1)
        for index, chunk in enumerate(chunks[1:], 1):
            client.send_continuation(chunk, fin=index == len(chunks) - 1)
        transfer(client, server)
        frames = server.events_received()
        assert b"".join(frame.data for frame in frames) == b"".join(chunks)
    assert server.state is State.OPEN
