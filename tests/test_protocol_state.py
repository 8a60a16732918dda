"""
The protocol's input state is explicit: :class:`InputMode` says which parser
consumes received data, :attr:`Protocol.fast_frames` whether whole messages
take the parser's fast path, and :meth:`Protocol.takes_shared_frames`
whether the I/O layer may send a frame built once for many connections.

"""

from __future__ import annotations

import logging

from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    ServerPerMessageDeflateFactory,
)
from websockets.frames import OP_CONT, OP_TEXT, Frame
from websockets.protocol import CLOSED, OPEN, InputMode, Protocol, Side
from websockets.server import ServerProtocol
from websockets.uri import parse_uri

from .test_protocol_cases import open_pair, transfer


def test_input_mode_follows_the_connection():
    client = ClientProtocol(parse_uri("ws://localhost/"))
    server = ServerProtocol()
    assert client.mode is server.mode is InputMode.HTTP
    client.send_request(client.connect())
    transfer(client, server)
    [request] = server.events_received()
    server.send_response(server.accept(request))
    assert server.mode is InputMode.FRAMES
    transfer(server, client)
    assert client.mode is InputMode.FRAMES
    client.send_close(1000)
    transfer(client, server)
    assert server.mode is InputMode.DISCARD
    transfer(server, client)
    assert client.mode is InputMode.DISCARD
    transfer(client, server)
    transfer(server, client)
    assert client.state is server.state is CLOSED


def test_protocol_created_open_parses_frames():
    assert Protocol(Side.SERVER, state=OPEN).mode is InputMode.FRAMES


def test_fast_frames_is_off_during_a_fragmented_message_and_after_eof():
    client, server = open_pair()
    assert server.fast_frames
    client.send_text(b"frag", fin=False)
    transfer(client, server)
    assert not server.fast_frames
    client.send_continuation(b"ment", fin=True)
    transfer(client, server)
    assert server.fast_frames
    assert server.events_received() == [
        Frame(OP_TEXT, b"frag", fin=False),
        Frame(OP_CONT, b"ment"),
    ]
    server.receive_eof()
    assert not server.fast_frames


def test_open_server_takes_shared_frames():
    _, server = open_pair()
    assert server.takes_shared_frames()


def test_client_does_not_take_shared_frames():
    # Clients mask every frame with a fresh key.
    client, _ = open_pair()
    assert not client.takes_shared_frames()


def test_server_with_pending_output_does_not_take_shared_frames():
    _, server = open_pair()
    server.send_ping(b"")
    assert not server.takes_shared_frames()
    server.data_to_send()
    assert server.takes_shared_frames()


def test_server_sending_fragmented_message_does_not_take_shared_frames():
    _, server = open_pair()
    server.send_binary(b"frag", fin=False)
    server.data_to_send()
    assert not server.takes_shared_frames()


def test_server_with_extension_does_not_take_shared_frames():
    _, server = open_pair(
        client_extensions=[ClientPerMessageDeflateFactory()],
        server_extensions=[ServerPerMessageDeflateFactory()],
    )
    assert server.extensions
    assert not server.takes_shared_frames()


def test_server_logging_frames_does_not_take_shared_frames():
    logger = logging.getLogger("test_protocol_state")
    logger.setLevel(logging.DEBUG)
    server = Protocol(Side.SERVER, state=OPEN, logger=logger)
    assert not server.takes_shared_frames()


def test_closing_server_does_not_take_shared_frames():
    _, server = open_pair()
    server.send_close(1000)
    server.data_to_send()
    assert not server.takes_shared_frames()
