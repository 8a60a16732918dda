"""
The fast paths of permessage-deflate in the Sans-I/O protocol.

When permessage-deflate is the only extension (the default configuration),
:meth:`Protocol.send_text` and friends compress without creating frames, and
whole compressed messages are decompressed without
:meth:`PerMessageDeflate.decode`. These tests check that the fast paths are
taken and that they give the same bytes, events and close codes as the
general path, which :attr:`Protocol.deflate` set to :obj:`None` forces.

"""

import random

import pytest

from websockets.client import ClientProtocol
from websockets.extensions import permessage_deflate
from websockets.extensions.permessage_deflate import (
    PerMessageDeflate,
    enable_client_permessage_deflate,
    enable_server_permessage_deflate,
)
from websockets.frames import OP_BINARY, OP_TEXT, Frame
from websockets.protocol import SEND_EOF
from websockets.server import ServerProtocol
from websockets.uri import parse_uri


def open_pair(max_size=2**20):
    client = ClientProtocol(
        parse_uri("ws://localhost/"),
        extensions=enable_client_permessage_deflate(None),
        max_size=max_size,
    )
    server = ServerProtocol(
        extensions=enable_server_permessage_deflate(None), max_size=max_size
    )
    client.send_request(client.connect())
    transfer(client, server)
    [request] = server.events_received()
    server.send_response(server.accept(request))
    transfer(server, client)
    client.events_received()
    return client, server


def transfer(source, destination):
    for data in source.data_to_send():
        if data == SEND_EOF:
            destination.receive_eof()
        else:
            destination.receive_data(data)


def slow(protocol):
    """Force the general path: PerMessageDeflate.encode() and decode()."""
    protocol.deflate = None
    return protocol


def test_default_configuration_takes_the_fast_paths(monkeypatch):
    client, server = open_pair()
    assert type(client.deflate) is PerMessageDeflate
    assert type(server.deflate) is PerMessageDeflate

    def fail(*args, **kwargs):
        raise AssertionError("general path")

    monkeypatch.setattr(PerMessageDeflate, "encode", fail)
    monkeypatch.setattr(PerMessageDeflate, "decode", fail)
    message = b'{"key": "value"}' * 100
    server.send_text(message)
    [data] = server.data_to_send()
    assert data[0] == 0xC1  # FIN, RSV1, TEXT
    client.receive_data(data)
    assert client.events_received() == [Frame(OP_TEXT, message)]


@pytest.mark.parametrize("general", [False, True])
def test_default_sends_large_random_messages_uncompressed(general):
    client, server = open_pair()
    if general:
        slow(server)
    rng = random.Random(5)
    for message, compressed in [
        # Below 1 KiB, every message is compressed, like websockets 17.4.
        (rng.randbytes(1023), True),
        (b'{"key": "value"}' * 64, True),
        # From 1 KiB, random data isn't.
        (rng.randbytes(1024), False),
        (rng.randbytes(70_000), False),
    ]:
        server.send_binary(message)
        data = b"".join(server.data_to_send())
        assert data[0] == (0xC2 if compressed else 0x82)  # FIN, RSV1?, BINARY
        client.receive_data(data)
        assert client.events_received() == [Frame(OP_BINARY, message)]


@pytest.mark.parametrize("general", [False, True])
def test_skip_incompressible_off_compresses_every_message(general):
    client, server = open_pair()
    if general:
        slow(server)
    server.extensions[0].skip_incompressible = False
    message = random.Random(6).randbytes(4096)
    server.send_binary(message)
    data = b"".join(server.data_to_send())
    assert data[0] == 0xC2  # FIN, RSV1, BINARY
    client.receive_data(data)
    assert client.events_received() == [Frame(OP_BINARY, message)]


def test_skip_incompressible_setting_rejects_bad_values():
    assert permessage_deflate._skip_incompressible("1") is True
    assert permessage_deflate._skip_incompressible("0") is False
    for value in ["", "yes", "true", "2"]:
        with pytest.raises(ValueError, match="WEBSOCKETS_SKIP_INCOMPRESSIBLE"):
            permessage_deflate._skip_incompressible(value)


def test_fast_path_sends_small_and_random_messages_uncompressed(monkeypatch):
    # Off by default, like websockets 17.4, which compresses small messages.
    monkeypatch.setattr(PerMessageDeflate, "compression_threshold", 1024)
    client, server = open_pair()
    for message in [b"small", random.Random(1).randbytes(4096)]:
        server.send_binary(message)
        [data] = server.data_to_send()
        assert data[0] == 0x82  # FIN, no RSV1, BINARY
        client.receive_data(data)
        assert client.events_received() == [Frame(OP_BINARY, message)]


def messages(rng):
    for _ in range(60):
        size = rng.choice([0, 10, 1000, 1024, 5000, 70_000])
        kind = rng.random()
        if kind < 0.5:
            data = bytes(rng.choice(b'{}":, abcdefgh0123') for _ in range(size))
        elif kind < 0.8:
            data = rng.randbytes(size)
        else:
            # Fragments may split characters: the UTF-8 check is incremental.
            data = "é€".encode() * (size // 5)
        # Random bytes aren't valid UTF-8: send them in binary messages.
        opcode = OP_TEXT if rng.random() < 0.5 and not 0.5 <= kind < 0.8 else OP_BINARY
        pieces = rng.choice([1, 1, 1, 3])
        yield opcode, data, pieces


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("threshold", [0, 1024])
@pytest.mark.parametrize("skip_incompressible", [False, True])
def test_fast_and_general_paths_send_and_receive_the_same(
    seed, threshold, skip_incompressible
):
    fast, slow_pair = open_pair(), open_pair()
    slow(slow_pair[0]), slow(slow_pair[1])
    for _client, server in [fast, slow_pair]:
        server.extensions[0].compression_threshold = threshold
        server.extensions[0].skip_incompressible = skip_incompressible
    for opcode, data, pieces in messages(random.Random(seed)):
        sent, received = [], []
        for client, server in [fast, slow_pair]:
            size = -(-len(data) // pieces) or 1
            chunks = [data[i : i + size] for i in range(0, len(data), size)] or [b""]
            for index, chunk in enumerate(chunks):
                fin = index == len(chunks) - 1
                if index == 0:
                    send = server.send_text if opcode is OP_TEXT else server.send_binary
                    send(chunk, fin)
                else:
                    server.send_continuation(chunk, fin)
            wire = b"".join(server.data_to_send())
            client.receive_data(wire)
            sent.append(wire)
            received.append(client.events_received())
        assert sent[0] == sent[1]
        assert received[0] == received[1]
        assert b"".join(frame.data for frame in received[0]) == data


@pytest.mark.parametrize("general", [False, True])
@pytest.mark.parametrize(
    "size, max_size, closed",
    [(5000, 5000, False), (5001, 5000, True), (100_000, 1000, True)],
)
def test_fast_path_enforces_max_size(general, size, max_size, closed):
    client, server = open_pair(max_size=max_size)
    if general:
        slow(client)
    server.extensions[0].compression_threshold = 0
    server.max_size = None
    message = b"a" * size
    server.send_binary(message)
    client.receive_data(b"".join(server.data_to_send()))
    if closed:
        assert client.close_sent.code == 1009
        assert client.events_received() == []
    else:
        assert client.close_sent is None
        assert client.events_received() == [Frame(OP_BINARY, message)]


@pytest.mark.parametrize("general", [False, True])
def test_fast_path_fails_invalid_utf8_with_1007(general):
    client, server = open_pair()
    if general:
        slow(client)
    server.extensions[0].compression_threshold = 0
    server.send_text(b"\xff" * 2000)
    client.receive_data(b"".join(server.data_to_send()))
    assert client.close_sent.code == 1007


@pytest.mark.parametrize("general", [False, True])
def test_fast_path_fails_invalid_deflate_data_with_1002(general):
    client, server = open_pair()
    if general:
        slow(client)
    # A compressed, unmasked binary frame with an invalid payload.
    client.receive_data(b"\xc2\x04\xff\xff\xff\xff")
    assert (client.close_sent.code, client.close_sent.reason) == (
        1002,
        "decompression failed",
    )
