"""
Fuzz target: the Sans-I/O protocol, fed arbitrary bytes from the network.

A :class:`~websockets.server.ServerProtocol` or a
:class:`~websockets.client.ClientProtocol` (which sends its request first)
receives an arbitrary stream in arbitrary chunks, through
:meth:`receive_data` or :meth:`get_buffer` and :meth:`buffer_updated`,
accepts the handshake request or processes the response, echoes data
messages, optionally closes, and receives EOF.

Oracles:

1. differential: the transcript (events, bytes to send, states, exceptions,
   close codes and reasons) is the same with the pure kernels, with the
   compiled kernels, and with DEBUG logging on, which takes the slow path
   through :meth:`FrameParser.next_frame` rather than
   :meth:`FrameParser.parse_into`;
2. invariants: no exception escapes :meth:`receive_data` and
   :meth:`receive_eof`, :meth:`data_to_send` returns :class:`bytes`,
   states only move forward, the connection is CLOSED after EOF, and the
   buffers stay bounded.

Random values (the client's key, mask keys) come from a patched
:func:`secrets.token_bytes` and the ``Date`` header from a patched
:func:`email.utils.formatdate`, so transcripts are reproducible.

"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any
from unittest import mock

from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    ServerPerMessageDeflateFactory,
)
from websockets.frames import Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import CLOSED, CLOSING, CONNECTING, OPEN, Protocol
from websockets.server import ServerProtocol
from websockets.uri import parse_uri
from websockets.utils import accept_key, generate_key

from ..common import (
    Input,
    check_same,
    deterministic_token_bytes,
    encode_input,
    split,
    twins,
    uint,
)
from ..frames_data import deflate_message, masked_frames, unmasked_frames


HAS_COMPILED = all(twins(name)[1] is not None for name in ("framing", "utf8", "mask"))

MAX_SIZES = (2**20, None, 0, 1, 125, 126, 1000, 65536)

# States only move forward (RFC 6455 §4.1, §7.1.3, §7.1.4).
TRANSITIONS = {
    CONNECTING: {CONNECTING, OPEN, CLOSING, CLOSED},
    OPEN: {OPEN, CLOSING, CLOSED},
    CLOSING: {CLOSING, CLOSED},
    CLOSED: {CLOSED},
}

# Upper bound of the frame parser's buffer; see the frames target.
MAX_CAPACITY = 2 * (16 * 1024 * 1024 + 65536)

DATE = "Thu, 01 Jan 2026 00:00:00 GMT"


def _logger(name: str, level: int) -> logging.Logger:
    logger = logging.getLogger(f"tests.fuzzing.{name}")
    logger.setLevel(level)
    logger.propagate = False
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
    return logger


# With DEBUG enabled, Protocol logs every frame, which also disables the
# parse_into() fast path. Errors are logged too ("parser failed").
DEBUG_LOGGER = _logger("debug", logging.DEBUG)
QUIET_LOGGER = _logger("quiet", logging.CRITICAL + 1)


class Params:
    """Parameters of one run, decoded from the input."""

    def __init__(self, data: bytes) -> None:
        source = Input(data)
        flags = source.byte()
        self.server = not flags & 0x01
        self.deflate = bool(flags & 0x02)
        self.via_buffer = bool(flags & 0x04)
        self.echo = bool(flags & 0x08)
        self.close = bool(flags & 0x10)
        self.eof = not flags & 0x20
        self.max_size = source.pick(MAX_SIZES)
        seed = source.uint(2)
        self.chunks = split(source.rest(), seed)


def describe_event(event: Any) -> tuple[Any, ...]:
    if isinstance(event, Request):
        return ("request", event.path, list(event.headers.raw_items()))
    if isinstance(event, Response):
        headers = list(event.headers.raw_items())
        return (
            "response",
            event.status_code,
            event.reason_phrase,
            headers,
            bytes(event.body),
        )
    if isinstance(event, Frame):
        data = event.data
        return (
            "frame",
            event.opcode,
            type(data).__name__,
            bytes(data),
            event.fin,
            event.rsv1,
            event.rsv2,
            event.rsv3,
        )
    raise AssertionError(f"unexpected event: {event!r}")


def describe_exc(exc: BaseException | None) -> Any:
    if exc is None:
        return None
    return (type(exc).__name__, str(exc), describe_exc(exc.__cause__))


@contextlib.contextmanager
def reproducible() -> Iterator[None]:
    with (
        mock.patch("secrets.token_bytes", deterministic_token_bytes),
        mock.patch("email.utils.formatdate", lambda *args, **kwargs: DATE),
    ):
        yield


class Run:
    """Drive one protocol through the input and record a transcript."""

    def __init__(self, params: Params, debug: bool) -> None:
        self.params = params
        self.transcript: list[Any] = []
        logger = DEBUG_LOGGER if debug else QUIET_LOGGER
        self.protocol: Protocol
        if params.server:
            self.protocol = ServerProtocol(
                extensions=[ServerPerMessageDeflateFactory()]
                if params.deflate
                else None,
                subprotocols=["chat"],
                max_size=params.max_size,
                logger=logger,
            )
        else:
            client = ClientProtocol(
                parse_uri("ws://example.com/chat"),
                extensions=[ClientPerMessageDeflateFactory()]
                if params.deflate
                else None,
                subprotocols=["chat"],
                max_size=params.max_size,
                logger=logger,
            )
            client.send_request(client.connect())
            self.protocol = client
        self.state = self.protocol.state
        self.record("init")

    def record(self, step: str, events: list[Any] | None = None) -> None:
        protocol = self.protocol
        writes = protocol.data_to_send()
        for write in writes:
            if type(write) is not bytes:
                raise AssertionError(
                    f"data_to_send() returned a {type(write).__name__}"
                )
        state = protocol.state
        if state not in TRANSITIONS[self.state]:
            raise AssertionError(
                f"illegal transition from {self.state.name} to {state.name}"
            )
        self.state = state
        if protocol.frame_parser.capacity > MAX_CAPACITY:
            raise AssertionError(
                f"frame buffer grew to {protocol.frame_parser.capacity}"
            )
        self.transcript.append(
            (step, state.name, events or [], writes, protocol.close_expected())
        )

    def receive(self, chunk: bytes) -> None:
        protocol = self.protocol
        if self.params.via_buffer:
            while True:
                buffer = protocol.get_buffer(len(chunk))
                size = min(len(buffer), len(chunk))
                buffer[:size] = chunk[:size]
                protocol.buffer_updated(size)
                chunk = chunk[size:]
                if not chunk:
                    break
        else:
            protocol.receive_data(chunk)

    def process(self, events: list[Any]) -> list[Any]:
        protocol = self.protocol
        described = []
        for event in events:
            described.append(describe_event(event))
            if isinstance(event, Request):
                assert isinstance(protocol, ServerProtocol)
                protocol.send_response(protocol.accept(event))
            elif (
                isinstance(event, Frame)
                and self.params.echo
                and event.fin
                and protocol.state is OPEN
            ):
                if event.opcode is Opcode.TEXT:
                    protocol.send_text(event.data)
                elif event.opcode is Opcode.BINARY:
                    protocol.send_binary(event.data)
        return described

    def run(self) -> list[Any]:
        protocol = self.protocol
        for chunk in self.params.chunks:
            if protocol.state is CLOSED:
                break
            self.receive(chunk)
            self.record("data", self.process(protocol.events_received()))
        if self.params.close and protocol.state is OPEN:
            protocol.send_close(1000, "bye")
            self.record("close")
        if self.params.eof:
            protocol.receive_eof()
            self.record("eof", self.process(protocol.events_received()))
            if protocol.state is not CLOSED:
                raise AssertionError(f"connection is {protocol.state.name} after EOF")
        self.transcript.append(
            (
                "end",
                describe_exc(protocol.handshake_exc),
                describe_exc(protocol.parser_exc),
                protocol.close_code,
                protocol.close_reason,
                describe_exc(protocol.close_exc) if protocol.state is CLOSED else None,
            )
        )
        if protocol.state is CLOSING and not protocol.close_expected():
            raise AssertionError("CLOSING but no TCP close expected")
        return self.transcript


def transcript(params: Params, mode: str, debug: bool) -> list[Any]:
    from ..common import kernels

    with kernels(mode), reproducible():
        return Run(params, debug).run()


def fuzz(data: bytes) -> None:
    params = Params(data)
    reference = transcript(params, "pure", False)
    check_same(
        "pure kernels with DEBUG logs", reference, transcript(params, "pure", True)
    )
    if HAS_COMPILED:
        check_same("compiled kernels", reference, transcript(params, "compiled", False))
        check_same(
            "compiled kernels with DEBUG logs",
            reference,
            transcript(params, "compiled", True),
        )


def client_key() -> str:
    with reproducible():
        return generate_key()


REQUEST = (
    b"GET /chat HTTP/1.1\r\n"
    b"Host: example.com\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Sec-WebSocket-Version: 13\r\n"
    b"Sec-WebSocket-Protocol: chat\r\n"
)
DEFLATE_OFFER = (
    b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
)


def response(deflate: bool) -> bytes:
    accept = accept_key(client_key()).encode()
    return (
        b"HTTP/1.1 101 Switching Protocols\r\n"
        b"Upgrade: websocket\r\n"
        b"Connection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n"
        b"Sec-WebSocket-Protocol: chat\r\n"
        + (b"Sec-WebSocket-Extensions: permessage-deflate\r\n" if deflate else b"")
        + b"\r\n"
    )


# A conversation: text, binary, a fragmented text message interleaved with
# a ping, then a close frame.
MESSAGES = [
    (0x1, "héllo ✓".encode(), True, 0),
    (0x2, bytes(range(256)), True, 0),
    (0x1, b"frag", False, 0),
    (0x9, b"ping", True, 0),
    (0x0, "ment ✓".encode(), True, 0),
    (0x8, b"\x03\xe8bye", True, 0),
]
COMPRESSED = [
    (0x1, deflate_message("héllo ✓ héllo ✓".encode()), True, 0x40),
    (0x2, deflate_message(bytes(200)), True, 0x40),
    (0x1, b"not compressed", True, 0),
    (0x8, b"\x03\xe8", True, 0),
]


def seeds() -> dict[str, bytes]:
    # Flags: 0x01 client, 0x02 deflate, 0x04 get_buffer, 0x08 echo, 0x10
    # close, 0x20 no EOF. Then the max_size index and the chunking seed.
    server = REQUEST + b"\r\n" + masked_frames(MESSAGES)
    server_deflate = REQUEST + DEFLATE_OFFER + b"\r\n" + masked_frames(COMPRESSED)
    client = response(False) + unmasked_frames(MESSAGES)
    client_deflate = response(True) + unmasked_frames(COMPRESSED)
    return {
        "server": encode_input(server, 0x08, 0, uint(0, 2)),
        "server-chunked-buffer": encode_input(server, 0x04 | 0x08, 0, uint(17, 2)),
        "server-deflate": encode_input(server_deflate, 0x02 | 0x08, 0, uint(0, 2)),
        "server-small-max-size": encode_input(server, 0x08, 5, uint(3, 2)),
        "server-no-eof-close": encode_input(server[:-8], 0x10 | 0x20, 0, uint(0, 2)),
        "server-bad-request": encode_input(b"GET / HTTP/1.1\r\n\r\n", 0, 0, uint(0, 2)),
        "server-invalid-utf8": encode_input(
            REQUEST
            + b"\r\n"
            + masked_frames([(0x1, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xff", True, 0)]),
            0,
            0,
            uint(0, 2),
        ),
        "client": encode_input(client, 0x01 | 0x08, 0, uint(0, 2)),
        "client-deflate-chunked": encode_input(
            client_deflate, 0x01 | 0x02, 0, uint(5, 2)
        ),
        "client-rejected": encode_input(
            b"HTTP/1.1 403 Forbidden\r\nContent-Length: 4\r\n\r\nnope",
            0x01,
            0,
            uint(0, 2),
        ),
        "client-close": encode_input(client[:-10], 0x01 | 0x10, 0, uint(0, 2)),
    }
