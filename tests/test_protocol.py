"""
Byte-level tests of the Sans-I/O data transfer and closing (RFC 6455 §5–7).

Every test runs in the mode selected by the environment (compiled kernels or
pure Python), since :class:`~websockets.protocol.Protocol` goes through
:mod:`websockets._accel`.

"""

import struct
from unittest import mock

import pytest

from websockets.exceptions import (
    ConnectionClosedError,
    ConnectionClosedOK,
    InvalidState,
    PayloadTooBig,
    ProtocolError,
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
)
from websockets.protocol import CLIENT, SEND_EOF, SERVER, Protocol, State


MASK = b"\x00\x00\x00\x00"


def masked(frame_bytes_unmasked):
    """Turn an unmasked frame into the same frame masked with a null key."""
    head1, head2 = frame_bytes_unmasked[0], frame_bytes_unmasked[1]
    length = head2 & 0x7F
    offset = 2 + (2 if length == 126 else 8 if length == 127 else 0)
    return (
        bytes([head1, head2 | 0x80])
        + frame_bytes_unmasked[2:offset]
        + MASK
        + frame_bytes_unmasked[offset:]
    )


def close_bytes(code, reason=""):
    payload = struct.pack("!H", code) + reason.encode()
    return bytes([0x88, len(payload)]) + payload


@pytest.fixture
def null_mask():
    with mock.patch("secrets.token_bytes", return_value=MASK):
        yield


def server():
    return Protocol(SERVER)


def client():
    return Protocol(CLIENT)


def feed(protocol, data):
    """Feed data alternately through receive_data and the zero-copy path."""
    protocol.receive_data(data)
    return protocol.events_received()


def feed_buffer(protocol, data):
    view = protocol.get_buffer(len(data))
    assert len(view) >= len(data)
    view[: len(data)] = data
    protocol.buffer_updated(len(data))
    return protocol.events_received()


# Receiving data frames.


@pytest.mark.parametrize("feeder", [feed, feed_buffer])
def test_server_receives_masked_text_frame(feeder):
    protocol = server()
    events = feeder(protocol, b"\x81\x85\x01\x02\x03\x04igohn")
    assert events == [Frame(OP_TEXT, b"hello")]
    assert protocol.data_to_send() == []


@pytest.mark.parametrize("feeder", [feed, feed_buffer])
def test_client_receives_unmasked_binary_frame(feeder):
    protocol = client()
    events = feeder(protocol, b"\x82\x03\x01\x02\x03")
    assert events == [Frame(OP_BINARY, b"\x01\x02\x03")]


def test_frame_split_at_every_byte_gives_one_event():
    data = masked(b"\x82\x7e\x01\x00" + bytes(range(256)))
    protocol = server()
    events = []
    for index in range(len(data)):
        events += feed(protocol, data[index : index + 1])
    assert events == [Frame(OP_BINARY, bytes(range(256)))]


def test_many_frames_in_one_chunk_give_many_events():
    protocol = client()
    events = feed(protocol, b"\x81\x01a\x81\x01b\x82\x01c")
    assert events == [
        Frame(OP_TEXT, b"a"),
        Frame(OP_TEXT, b"b"),
        Frame(OP_BINARY, b"c"),
    ]


def test_fragmented_message_gives_one_event_per_frame():
    protocol = client()
    events = feed(protocol, b"\x01\x02he\x00\x02ll\x80\x01o")
    assert events == [
        Frame(OP_TEXT, b"he", fin=False),
        Frame(OP_CONT, b"ll", fin=False),
        Frame(OP_CONT, b"o"),
    ]


def test_control_frame_interleaved_in_fragmented_message_is_answered():
    protocol = client()
    events = feed(protocol, b"\x01\x02he\x89\x04ping\x80\x03llo")
    assert events == [
        Frame(OP_TEXT, b"he", fin=False),
        Frame(OP_PING, b"ping"),
        Frame(OP_CONT, b"llo"),
    ]
    [pong] = protocol.data_to_send()
    assert pong[:2] == b"\x8a\x84"  # masked pong with 4 bytes


def test_unexpected_continuation_frame_fails_with_1002():
    protocol = client()
    feed(protocol, b"\x80\x01a")
    assert protocol.close_sent == Close(1002, "unexpected continuation frame")
    assert protocol.state is State.CLOSING


def test_data_frame_inside_fragmented_message_fails_with_1002():
    protocol = client()
    feed(protocol, b"\x01\x01a\x81\x01b")
    assert protocol.close_sent == Close(1002, "expected a continuation frame")


def test_no_limit_on_number_of_fragments():
    protocol = client()
    data = b"\x02\x01a" + b"\x00\x01a" * 10_000 + b"\x80\x01a"
    events = feed(protocol, data)
    assert len(events) == 10_002
    assert protocol.state is State.OPEN


# Pings and pongs.


def test_server_answers_ping_with_pong_with_same_payload():
    protocol = server()
    feed(protocol, masked(b"\x89\x04ping"))
    assert protocol.data_to_send() == [b"\x8a\x04ping"]


def test_client_answers_ping_with_masked_pong(null_mask):
    protocol = client()
    feed(protocol, b"\x89\x04ping")
    assert protocol.data_to_send() == [b"\x8a\x84" + MASK + b"ping"]


def test_pong_is_delivered_and_not_answered():
    protocol = client()
    events = feed(protocol, b"\x8a\x04pong")
    assert events == [Frame(OP_PONG, b"pong")]
    assert protocol.data_to_send() == []


# Sending frames.


def test_client_sends_masked_text_frame():
    protocol = client()
    with mock.patch("secrets.token_bytes", return_value=b"\x01\x02\x03\x04"):
        protocol.send_text(b"hello")
    assert protocol.data_to_send() == [b"\x81\x85\x01\x02\x03\x04igohn"]


def test_server_sends_unmasked_frames_with_16_and_64_bit_lengths():
    protocol = server()
    protocol.send_binary(b"a" * 200)
    protocol.send_binary(b"a" * 70000)
    first, second = protocol.data_to_send()
    assert first == b"\x82\x7e\x00\xc8" + b"a" * 200
    assert second == b"\x82\x7f\x00\x00\x00\x00\x00\x01\x11\x70" + b"a" * 70000


def test_send_fragmented_message():
    protocol = server()
    protocol.send_text(b"he", fin=False)
    protocol.send_continuation(b"ll", fin=False)
    protocol.send_ping(b"")
    protocol.send_continuation(b"o", fin=True)
    assert protocol.data_to_send() == [
        b"\x01\x02he",
        b"\x00\x02ll",
        b"\x89\x00",
        b"\x80\x01o",
    ]


def test_send_continuation_without_fragmented_message_raises():
    protocol = server()
    with pytest.raises(ProtocolError, match="unexpected continuation frame"):
        protocol.send_continuation(b"", fin=True)


def test_send_text_during_fragmented_message_raises():
    protocol = server()
    protocol.send_binary(b"", fin=False)
    with pytest.raises(ProtocolError, match="expected a continuation frame"):
        protocol.send_text(b"")


def test_send_after_close_raises_invalid_state():
    protocol = server()
    protocol.send_close(1000)
    with pytest.raises(InvalidState, match="connection is closing"):
        protocol.send_text(b"x")
    # Control frames are still allowed while closing.
    protocol.send_ping(b"")


def test_mask_keys_differ_between_frames():
    protocol = client()
    protocol.send_binary(b"abcd")
    protocol.send_binary(b"abcd")
    first, second = protocol.data_to_send()
    assert first[2:6] != second[2:6]


# Closing handshake.


def test_server_echoes_close_and_sends_eof():
    protocol = server()
    events = feed(protocol, masked(close_bytes(1000, "bye")))
    assert events == [Frame(OP_CLOSE, b"\x03\xe8bye")]
    assert protocol.data_to_send() == [close_bytes(1000, "bye"), SEND_EOF]
    assert protocol.state is State.CLOSING
    assert protocol.close_expected()
    protocol.receive_eof()
    assert protocol.state is State.CLOSED
    assert protocol.close_code == 1000
    assert protocol.close_reason == "bye"
    exc = protocol.close_exc
    assert isinstance(exc, ConnectionClosedOK)
    assert str(exc) == "received 1000 (OK) bye; then sent 1000 (OK) bye"


def test_client_initiates_close_and_waits_for_server_eof(null_mask):
    protocol = client()
    protocol.send_close(1001, "leaving")
    assert protocol.data_to_send() == [b"\x88\x89" + MASK + b"\x03\xe9leaving"]
    assert protocol.state is State.CLOSING
    feed(protocol, close_bytes(1001, "leaving"))
    assert protocol.data_to_send() == []
    assert protocol.state is State.CLOSING
    protocol.receive_eof()
    assert protocol.data_to_send() == [SEND_EOF]
    assert protocol.state is State.CLOSED
    exc = protocol.close_exc
    assert isinstance(exc, ConnectionClosedOK)
    assert exc.rcvd_then_sent is False


def test_empty_close_frame_is_echoed_empty_and_reports_1005():
    protocol = server()
    feed(protocol, masked(b"\x88\x00"))
    assert protocol.data_to_send() == [b"\x88\x00", SEND_EOF]
    protocol.receive_eof()
    assert protocol.close_code == CloseCode.NO_STATUS_RCVD
    assert isinstance(protocol.close_exc, ConnectionClosedOK)


def test_send_close_without_code_sends_empty_frame():
    protocol = server()
    protocol.send_close()
    assert protocol.data_to_send() == [b"\x88\x00"]


def test_send_close_with_reason_but_no_code_raises():
    protocol = server()
    with pytest.raises(ProtocolError, match="cannot send a reason without a code"):
        protocol.send_close(None, "oops")


@pytest.mark.parametrize("code", [1005, 1006, 1015, 999, 1004, 2999, 5000])
def test_close_frame_with_invalid_code_fails_with_1002(code):
    protocol = client()
    feed(protocol, close_bytes(code))
    assert protocol.close_sent == Close(1002, "invalid status code")


@pytest.mark.parametrize("code", [1000, 1001, 1003, 1007, 1011, 1014, 3000, 4999])
def test_close_frame_with_valid_code_is_echoed(code):
    protocol = client()
    feed(protocol, close_bytes(code))
    assert protocol.close_sent == Close(code, "")


def test_close_frame_with_invalid_utf8_reason_fails_with_1007():
    protocol = client()
    feed(protocol, b"\x88\x03\x03\xe8\xff")
    assert protocol.close_sent == Close(1007, "invalid start byte at position 0")


def test_close_frame_of_one_byte_fails_with_1002():
    protocol = client()
    feed(protocol, b"\x88\x01\x03")
    assert protocol.close_sent == Close(1002, "close frame too short")


def test_close_during_fragmented_message_drops_the_message_and_closes():
    # RFC 6455 §5.4 allows control frames between fragments; Autobahn 7.1.5.
    protocol = client()
    events = feed(protocol, b"\x01\x01a" + close_bytes(1000))
    assert events == [Frame(OP_TEXT, b"a", fin=False), Frame(OP_CLOSE, b"\x03\xe8")]
    assert protocol.close_sent == Close(1000, "")
    assert protocol.close_rcvd_then_sent is True
    assert feed(protocol, b"\x00\x01b") == []


def test_data_after_close_frame_is_ignored():
    protocol = client()
    events = feed(protocol, close_bytes(1000) + b"\x81\x01a")
    assert events == [Frame(OP_CLOSE, b"\x03\xe8")]
    assert feed(protocol, b"\x81\x01b") == []


def test_eof_without_close_is_abnormal_closure():
    protocol = client()
    protocol.receive_eof()
    assert protocol.state is State.CLOSED
    assert protocol.close_code == CloseCode.ABNORMAL_CLOSURE
    assert protocol.data_to_send() == [SEND_EOF]
    exc = protocol.close_exc
    assert isinstance(exc, ConnectionClosedError)
    assert isinstance(exc.__cause__, EOFError)


def test_eof_in_the_middle_of_a_frame_is_abnormal_closure():
    protocol = server()
    feed(protocol, b"\x81\x85\x00\x00")
    protocol.receive_eof()
    assert protocol.state is State.CLOSED
    assert protocol.close_code == CloseCode.ABNORMAL_CLOSURE
    assert protocol.data_to_send() == [SEND_EOF]


def test_receive_eof_is_idempotent():
    protocol = client()
    protocol.receive_eof()
    protocol.receive_eof()
    assert protocol.state is State.CLOSED


def test_fail_sends_close_frame_and_server_sends_eof():
    protocol = server()
    protocol.fail(1011, "oops")
    assert protocol.data_to_send() == [close_bytes(1011, "oops"), SEND_EOF]
    assert protocol.state is State.CLOSING


# Protocol errors detected by the frame parser map to close codes.


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"\x83\x00", "invalid opcode"),
        (b"\x8b\x00", "invalid opcode"),
        (b"\xc1\x00", "reserved bits must be 0"),
        (b"\xa1\x00", "reserved bits must be 0"),
        (b"\x91\x00", "reserved bits must be 0"),
        (b"\x81\x80" + MASK, "incorrect masking"),
        (b"\x89\x7e\x00\x7e" + b"a" * 126, "control frame too long"),
        (b"\x09\x00", "fragmented control frame"),
    ],
)
def test_client_fails_invalid_frame_with_1002(data, reason):
    protocol = client()
    assert feed(protocol, data) == []
    assert protocol.close_sent == Close(1002, reason)
    assert isinstance(protocol.parser_exc, ProtocolError)


def test_server_fails_unmasked_frame_with_1002():
    protocol = server()
    feed(protocol, b"\x81\x01a")
    assert protocol.data_to_send() == [close_bytes(1002, "incorrect masking"), SEND_EOF]


def test_invalid_utf8_text_frame_fails_with_1007():
    protocol = client()
    events = feed(protocol, b"\x81\x02\xc3\x28")
    assert events == []
    assert protocol.close_sent == Close(1007, "invalid continuation byte at position 0")
    assert isinstance(protocol.parser_exc, UnicodeDecodeError)


def test_invalid_utf8_detected_in_first_fragment_before_message_ends():
    protocol = client()
    # The first fragment already contains an invalid sequence (a surrogate).
    events = feed(protocol, b"\x01\x03\xed\xa0\x80")
    assert events == []
    assert protocol.close_sent is not None
    assert protocol.close_sent.code == 1007


def test_invalid_utf8_split_across_fragments_fails_with_1007():
    protocol = client()
    events = feed(protocol, b"\x01\x02\xf0\x90")
    assert events == [Frame(OP_TEXT, b"\xf0\x90", fin=False)]
    assert protocol.state is State.OPEN
    feed(protocol, b"\x80\x01\x28")
    assert protocol.close_sent is not None
    assert protocol.close_sent.code == 1007


def test_valid_utf8_split_across_fragments_is_accepted():
    protocol = client()
    text = "héllo €𝄞".encode()
    data = (
        b"".join(
            bytes([0x01 if index == 0 else 0x00]) + bytes([1]) + text[index : index + 1]
            for index in range(len(text) - 1)
        )
        + b"\x80\x01"
        + text[-1:]
    )
    events = feed(protocol, data)
    assert b"".join(event.data for event in events) == text
    assert protocol.state is State.OPEN


def test_binary_message_is_not_validated_as_utf8():
    protocol = client()
    assert feed(protocol, b"\x82\x01\xff") == [Frame(OP_BINARY, b"\xff")]


# Size limits.


def test_frame_over_max_size_fails_with_1009():
    protocol = Protocol(CLIENT, max_size=100)
    feed(protocol, b"\x82\x7e\x01\x00")  # announces 256 bytes, sends none
    assert protocol.close_sent == Close(
        1009, "frame with 256 bytes exceeds limit of 100 bytes"
    )
    assert isinstance(protocol.parser_exc, PayloadTooBig)


def test_huge_length_fails_with_1009_without_waiting_for_payload():
    protocol = Protocol(CLIENT, max_size=2**20)
    feed(protocol, b"\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x00")
    assert protocol.close_sent is not None
    assert protocol.close_sent.code == 1009


def test_fragmented_message_over_max_size_fails_with_1009():
    protocol = Protocol(CLIENT, max_size=10)
    feed(protocol, b"\x02\x06aaaaaa")
    feed(protocol, b"\x80\x06aaaaaa")
    assert protocol.close_sent == Close(
        1009, "frame with 6 bytes after reading 6 bytes exceeds limit of 10 bytes"
    )


def test_max_size_none_disables_limit():
    protocol = Protocol(CLIENT, max_size=None)
    events = feed(protocol, b"\x82\x7f" + struct.pack("!Q", 2**21) + b"a" * 2**21)
    assert len(events[0].data) == 2**21


def test_max_size_can_be_changed_after_creation():
    protocol = Protocol(CLIENT, max_size=10)
    protocol.max_size = 1000
    events = feed(protocol, b"\x82\x7e\x00\xc8" + b"a" * 200)
    assert len(events) == 1


# State and identifiers.


def test_close_exc_before_closed_raises_assertion_error():
    protocol = client()
    with pytest.raises(AssertionError):
        _ = protocol.close_exc


def test_close_code_and_reason_are_none_until_closed():
    protocol = client()
    assert protocol.close_code is None
    assert protocol.close_reason is None


def test_each_protocol_has_its_own_id():
    assert client().id != client().id


# Separate limits for messages and fragments: max_size=(message, fragment).


def test_fragment_limit_rejects_large_frame():
    protocol = Protocol(CLIENT, max_size=(1000, 100))
    feed(protocol, b"\x82\x7e\x00\xc8" + b"a" * 200)
    assert protocol.close_sent == Close(
        1009, "frame with 200 bytes exceeds limit of 100 bytes"
    )


def test_message_limit_applies_across_small_fragments():
    protocol = Protocol(CLIENT, max_size=(1000, 100))
    fragments = b"\x02\x64" + b"a" * 100 + (b"\x00\x64" + b"a" * 100) * 8
    events = feed(protocol, fragments + b"\x80\x64" + b"a" * 100)
    assert len(events) == 10
    assert protocol.state is State.OPEN
    protocol = Protocol(CLIENT, max_size=(1000, 100))
    fragments = b"\x02\x64" + b"a" * 100 + (b"\x00\x64" + b"a" * 100) * 9
    feed(protocol, fragments + b"\x80\x64" + b"a" * 100)
    assert protocol.close_sent == Close(
        1009,
        "frame with 100 bytes after reading 1000 bytes exceeds limit of 1000 bytes",
    )


@pytest.mark.parametrize(
    "max_size, size, reason",
    [
        ((None, 100), 200, "frame with 200 bytes exceeds limit of 100 bytes"),
        ((1000, None), 1024, "frame with 1024 bytes exceeds limit of 1000 bytes"),
        ((100, 1000), 200, "frame with 200 bytes exceeds limit of 100 bytes"),
    ],
)
def test_tuple_limits_either_may_be_none(max_size, size, reason):
    protocol = Protocol(CLIENT, max_size=max_size)
    feed(protocol, b"\x82\x7e" + size.to_bytes(2, "big") + b"a" * size)
    assert protocol.close_sent == Close(1009, reason)


def test_max_size_tuple_sets_both_attributes():
    protocol = Protocol(CLIENT, max_size=(1000, 100))
    assert protocol.max_message_size == 1000
    assert protocol.max_fragment_size == 100
    protocol = Protocol(CLIENT, max_size=500)
    assert protocol.max_message_size == 500
    assert protocol.max_fragment_size is None
