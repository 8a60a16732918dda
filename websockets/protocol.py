"""
The Sans-I/O WebSocket protocol: bytes in, events out; calls in, bytes out.

:class:`Protocol` implements data transfer and closing (RFC 6455 §5–7) for
both sides. :class:`~websockets.client.ClientProtocol` and
:class:`~websockets.server.ServerProtocol` add the opening handshake.

The per-frame path is built for speed: incoming bytes land in the buffer of a
:class:`~websockets._accel.FrameParser` (compiled when the extension is
available), which checks the framing rules of RFC 6455 §5.2 and unmasks the
payload in place; this module only applies the rules that span several frames
(fragmentation, UTF-8 of text messages, the closing handshake). The opening
handshake, which happens once per connection, goes through the generator-based
HTTP parser of :mod:`websockets.http11`.

"""

from __future__ import annotations

import enum
import logging
import uuid
from collections.abc import Generator
from typing import Any

from . import _accel
from .exceptions import (
    ConnectionClosed,
    ConnectionClosedError,
    ConnectionClosedOK,
    InvalidState,
    PayloadTooBig,
    ProtocolError,
)
from .extensions import Extension
from .extensions.permessage_deflate import PerMessageDeflate
from .frames import (  # noqa: F401 - BINARY...TEXT are re-exported as websockets does
    BINARY,
    CLOSE,
    CONT,
    OK_CLOSE_CODES,
    OP_BINARY,
    OP_CLOSE,
    OP_CONT,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    PING,
    PONG,
    TEXT,
    Close,
    CloseCode,
    Frame,
)
from .http11 import Request, Response
from .streams import StreamReader
from .typing import BytesLike, LoggerLike, Origin, Subprotocol


__all__ = [
    "Protocol",
    "Side",
    "State",
    "SEND_EOF",
]

# Change to Request | Response | Frame when dropping Python < 3.10.
Event = Request | Response | Frame
"""Events that :meth:`~Protocol.events_received` may return."""


class Side(enum.IntEnum):
    """A WebSocket connection is either a server or a client."""

    SERVER, CLIENT = range(2)


SERVER = Side.SERVER
CLIENT = Side.CLIENT


class State(enum.IntEnum):
    """A WebSocket connection is in one of these four states."""

    CONNECTING, OPEN, CLOSING, CLOSED = range(4)


CONNECTING = State.CONNECTING
OPEN = State.OPEN
CLOSING = State.CLOSING
CLOSED = State.CLOSED


class InputMode(enum.Enum):
    """Which parser consumes the data that a :class:`Protocol` receives."""

    #: The generator-based parser: the opening handshake.
    HTTP = enum.auto()
    #: The frame parser, once the connection is open.
    FRAMES = enum.auto()
    #: The discarding parser, after the closing handshake, until EOF.
    DISCARD = enum.auto()


SEND_EOF = b""
"""Sentinel signaling that the TCP connection must be half-closed."""


# The UTF-8 validator of the kernel chosen by _accel, bound once.
_validate_utf8 = _accel.validate_utf8

# Frame header bits for the RSV flags, in first-byte positions.
RSV1, RSV2, RSV3 = 0x40, 0x20, 0x10


class Protocol:
    """
    Sans-I/O implementation of a WebSocket connection.

    Args:
        side: :attr:`~Side.CLIENT` or :attr:`~Side.SERVER`.
        state: Initial state of the WebSocket connection.
        max_size: Maximum size of incoming messages in bytes;
            :obj:`None` disables the limit. You may pass a
            ``(max_message_size, max_fragment_size)`` tuple to set different
            limits for messages and fragments when you expect long messages
            sent in short fragments.
        logger: Logger for this connection; depending on ``side``,
            defaults to ``logging.getLogger("websockets.client")``
            or ``logging.getLogger("websockets.server")``;
            see the :doc:`logging guide <../../topics/logging>` for details.

    """

    def __init__(
        self,
        side: Side,
        *,
        state: State = OPEN,
        max_size: tuple[int | None, int | None] | int | None = 2**20,
        logger: LoggerLike | None = None,
    ) -> None:
        # Unique identifier. For logs.
        self.id: uuid.UUID = uuid.uuid4()
        """Unique identifier of the connection. Useful in logs."""

        # Logger or LoggerAdapter for this connection.
        if logger is None:
            logger = logging.getLogger(f"websockets.{side.name.lower()}")
        self.logger: LoggerLike = logger
        """Logger for this connection."""

        # Track if DEBUG is enabled. Shortcut logging calls if it isn't.
        self.debug = logger.isEnabledFor(logging.DEBUG)

        # Connection side. CLIENT or SERVER.
        self.side = side

        # Connection state. Initially OPEN because subclasses handle CONNECTING.
        self.state = state

        # Current size of incoming message in bytes. Only set while reading a
        # fragmented message i.e. a data frames with the FIN bit not set.
        self.cur_size: int | None = None
        # Whether the fragment limit, rather than the message limit, is the
        # one that the frame parser currently enforces.
        self.fragment_limit_applies = False

        # Maximum size of incoming messages and fragments in bytes; this
        # sets max_message_size and max_fragment_size.
        self.max_message_size: int | None
        self.max_fragment_size: int | None
        self.max_size = max_size

        # True while sending a fragmented message i.e. a data frames with the
        # FIN bit not set.
        self.expect_continuation_frame = False

        # WebSocket protocol parameters.
        self.origin: Origin | None = None
        self.extensions: list[Extension] = []
        self.subprotocol: Subprotocol | None = None

        # Close code and reason, set when a close frame is sent or received.
        self.close_rcvd: Close | None = None
        self.close_sent: Close | None = None
        self.close_rcvd_then_sent: bool | None = None

        # Track if an exception happened during the handshake.
        self.handshake_exc: Exception | None = None
        """
        Exception to raise if the opening handshake failed.

        :obj:`None` if the opening handshake succeeded.

        """

        # Track if send_eof() was called.
        self.eof_sent = False

        # Parser state. The opening handshake is parsed from ``reader`` by the
        # generator-based ``parser``; frames are parsed by ``frame_parser``.
        self.reader = StreamReader()
        self.events: list[Event] = []
        self.writes: list[bytes] = []
        self.parser: Generator[None] | None = None
        self.frame_parser = _accel.FrameParser(
            mask=side is SERVER, max_size=self._frame_limit(), allowed_rsv=0
        )
        self.parser_exc: Exception | None = None
        # Validates text messages incrementally, across fragments.
        self.utf8_validator: Any = None
        # Whether the current incoming fragmented message is text.
        self.cur_text = False
        # True once EOF was received.
        self.eof_rcvd = False
        # Serializes outgoing frames; a client's writer masks them.
        self.frame_writer = _accel.FrameWriter(mask=side is CLIENT)
        # Scratch buffer for get_buffer() during the opening handshake.
        self.handshake_buffer: bytearray | None = None
        # Which parser consumes received data; see InputMode.
        self.mode = InputMode.FRAMES if state is OPEN else InputMode.HTTP
        # Whether whole messages take the fast path; see update_fast_frames().
        self.update_fast_frames()
        if self.mode is InputMode.HTTP:
            self.parser = self.parse()
            next(self.parser)  # start coroutine

    # Public attributes

    @property
    def state(self) -> State:
        """
        State of the WebSocket connection.

        Defined in 4.1_, 4.2_, 7.1.3_, and 7.1.4_ of :rfc:`6455`.

        .. _4.1: https://datatracker.ietf.org/doc/html/rfc6455#section-4.1
        .. _4.2: https://datatracker.ietf.org/doc/html/rfc6455#section-4.2
        .. _7.1.3: https://datatracker.ietf.org/doc/html/rfc6455#section-7.1.3
        .. _7.1.4: https://datatracker.ietf.org/doc/html/rfc6455#section-7.1.4

        """
        return self._state

    @state.setter
    def state(self, state: State) -> None:
        if self.debug:
            self.logger.debug("= connection is %s", state.name)
        self._state = state
        # Like websockets, the server logs the end of each connection when
        # its state becomes CLOSED, whichever I/O layer runs it.
        if state is CLOSED and self.side is SERVER:
            self.logger.info("connection closed")

    @property
    def max_size(self) -> int | None:
        """Maximum size of incoming messages in bytes, or :obj:`None`."""
        return self.max_message_size

    @max_size.setter
    def max_size(self, max_size: tuple[int | None, int | None] | int | None) -> None:
        if isinstance(max_size, tuple):
            self.max_message_size, self.max_fragment_size = max_size
        else:
            self.max_message_size, self.max_fragment_size = max_size, None
        frame_parser = getattr(self, "frame_parser", None)
        if frame_parser is not None:
            frame_parser.max_size = self._frame_limit()

    @property
    def close_code(self) -> int | None:
        """
        WebSocket close code received from the remote endpoint.

        Defined in 7.1.5_ of :rfc:`6455`.

        .. _7.1.5: https://datatracker.ietf.org/doc/html/rfc6455#section-7.1.5

        :obj:`None` if the connection isn't closed yet.

        """
        if self.state is not CLOSED:
            return None
        elif self.close_rcvd is None:
            return CloseCode.ABNORMAL_CLOSURE
        else:
            return self.close_rcvd.code

    @property
    def close_reason(self) -> str | None:
        """
        WebSocket close reason received from the remote endpoint.

        Defined in 7.1.6_ of :rfc:`6455`.

        .. _7.1.6: https://datatracker.ietf.org/doc/html/rfc6455#section-7.1.6

        :obj:`None` if the connection isn't closed yet.

        """
        if self.state is not CLOSED:
            return None
        elif self.close_rcvd is None:
            return ""
        else:
            return self.close_rcvd.reason

    @property
    def close_exc(self) -> ConnectionClosed:
        """
        Exception to raise when trying to interact with a closed connection.

        Don't raise this exception while the connection :attr:`state`
        is :attr:`~websockets.protocol.State.CLOSING`; wait until
        it's :attr:`~websockets.protocol.State.CLOSED`.

        Indeed, the exception includes the close code and reason, which are
        known only once the connection is closed.

        Raises:
            AssertionError: If the connection isn't closed yet.

        """
        assert self.state is CLOSED, "connection isn't closed yet"
        exc_type: type[ConnectionClosed]
        if (
            self.close_rcvd is not None
            and self.close_sent is not None
            and self.close_rcvd.code in OK_CLOSE_CODES
            and self.close_sent.code in OK_CLOSE_CODES
        ):
            exc_type = ConnectionClosedOK
        else:
            exc_type = ConnectionClosedError
        exc: ConnectionClosed = exc_type(
            self.close_rcvd,
            self.close_sent,
            self.close_rcvd_then_sent,
        )
        # Chain to the exception raised in the parser, if any.
        exc.__cause__ = self.parser_exc
        return exc

    # Public methods for receiving data.

    def receive_data(self, data: BytesLike) -> None:
        """
        Receive data from the network.

        After calling this method:

        - You must call :meth:`data_to_send` and send this data to the network.
        - You should call :meth:`events_received` and process resulting events.

        Raises:
            EOFError: If :meth:`receive_eof` was called earlier.

        """
        if self.fast_frames:
            # Fast path, inlined from parse_frames(): no fragmented message
            # in progress, no debug logs, and no extension but
            # permessage-deflate, which leaves whole messages without RSV1
            # unchanged. Other frames, compressed ones included, are
            # returned and take the general path.
            parser = self.frame_parser
            if type(data) is not bytes:
                # Let feed() raise TypeError for what isn't bytes-like.
                parser.feed(data)
                data = b""
            try:
                frame = parser.receive(data, self.events, _validate_utf8)
            except Exception as exc:
                self.parse_error(exc)
                return
            if frame is not None:
                self.parse_frames(frame)
        elif self.mode is InputMode.FRAMES:
            if self.eof_rcvd:
                raise EOFError("stream ended")
            self.frame_parser.feed(data)
            self.parse_frames()
        else:
            self.reader.feed_data(bytes(data) if type(data) is memoryview else data)
            self.step_parser()

    def get_buffer(self, sizehint: int) -> memoryview:
        """
        Return a writable buffer for receiving data without a copy.

        Write up to ``len(buffer)`` bytes into it, then call
        :meth:`buffer_updated` with how many bytes were written. Together,
        they are equivalent to :meth:`receive_data`; they suit
        :class:`asyncio.BufferedProtocol` and :meth:`socket.socket.recv_into`.

        """
        if self.mode is InputMode.FRAMES:
            return self.frame_parser.get_buffer(sizehint)
        if self.handshake_buffer is None:
            self.handshake_buffer = bytearray(4096)
        return memoryview(self.handshake_buffer)

    def buffer_updated(self, nbytes: int) -> None:
        """
        Receive ``nbytes`` bytes written into the last :meth:`get_buffer`.

        """
        if self.fast_frames:
            # Fast path, as in receive_data().
            parser = self.frame_parser
            parser.buffer_updated(nbytes)
            try:
                frame = parser.parse_into(self.events, _validate_utf8)
            except Exception as exc:
                self.parse_error(exc)
                return
            if frame is not None:
                self.parse_frames(frame)
        elif self.mode is InputMode.FRAMES:
            if self.eof_rcvd:
                raise EOFError("stream ended")
            self.frame_parser.buffer_updated(nbytes)
            self.parse_frames()
        else:
            assert self.handshake_buffer is not None
            self.reader.feed_data(bytes(self.handshake_buffer[:nbytes]))
            self.step_parser()

    def receive_eof(self) -> None:
        """
        Receive the end of the data stream from the network.

        After calling this method:

        - You must call :meth:`data_to_send` and send this data to the network;
          it will return ``[b""]``, signaling the end of the stream, or ``[]``.
        - You aren't expected to call :meth:`events_received`; it won't return
          any new events.

        :meth:`receive_eof` is idempotent.

        """
        if self.mode is InputMode.FRAMES:
            if self.eof_rcvd:
                return
            self.eof_rcvd = True
            self.update_fast_frames()
            # Reaching EOF while parsing frames means that the connection
            # wasn't closed cleanly: fail() switches to InputMode.DISCARD.
            # Like websockets, log "< EOF" only when it comes between frames.
            if self.frame_parser.buffered:
                exc = _truncated_frame(self.frame_parser.take_buffer())
            else:
                if self.debug:
                    self.logger.debug("< EOF")
                exc = EOFError("unexpected end of stream")
            self.parser_exc = exc
            self.fail(CloseCode.ABNORMAL_CLOSURE, str(exc))
        else:
            if self.reader.eof:
                return
            self.reader.feed_eof()
            self.step_parser()

    # Public methods for sending events.

    def send_continuation(self, data: BytesLike, fin: bool) -> None:
        """
        Send a `Continuation frame`_.

        .. _Continuation frame:
            https://datatracker.ietf.org/doc/html/rfc6455#section-5.6

        Parameters:
            data: payload containing the same kind of data
                as the initial frame.
            fin: FIN bit; set it to :obj:`True` if this is the last frame
                of a fragmented message and to :obj:`False` otherwise.

        Raises:
            ProtocolError: If a fragmented message isn't in progress.

        """
        if not self.expect_continuation_frame:
            raise ProtocolError("unexpected continuation frame")
        if self._state is not OPEN:
            raise InvalidState(f"connection is {self.state.name.lower()}")
        self.expect_continuation_frame = not fin
        if self.deflate is not None:
            self.send_deflate(0x00, data, fin)
        elif self.extensions or self.debug:
            self.send_frame(Frame(OP_CONT, data, fin))
        else:
            self.writes.append(self.frame_writer.write(0x00, data, fin, 0))

    def send_text(self, data: BytesLike, fin: bool = True) -> None:
        """
        Send a `Text frame`_.

        .. _Text frame:
            https://datatracker.ietf.org/doc/html/rfc6455#section-5.6

        Parameters:
            data: payload containing text encoded with UTF-8.
            fin: FIN bit; set it to :obj:`False` if this is the first frame of
                a fragmented message.

        Raises:
            ProtocolError: If a fragmented message is in progress.

        """
        if self.expect_continuation_frame:
            raise ProtocolError("expected a continuation frame")
        if self._state is not OPEN:
            raise InvalidState(f"connection is {self.state.name.lower()}")
        if not fin:
            self.expect_continuation_frame = True
        if self.deflate is not None:
            self.send_deflate(0x01, data, fin)
        elif self.extensions or self.debug:
            self.send_frame(Frame(OP_TEXT, data, fin))
        else:
            # Fast path: serialize without creating a Frame.
            self.writes.append(self.frame_writer.write(0x01, data, fin, 0))

    def send_binary(self, data: BytesLike, fin: bool = True) -> None:
        """
        Send a `Binary frame`_.

        .. _Binary frame:
            https://datatracker.ietf.org/doc/html/rfc6455#section-5.6

        Parameters:
            data: payload containing arbitrary binary data.
            fin: FIN bit; set it to :obj:`False` if this is the first frame of
                a fragmented message.

        Raises:
            ProtocolError: If a fragmented message is in progress.

        """
        if self.expect_continuation_frame:
            raise ProtocolError("expected a continuation frame")
        if self._state is not OPEN:
            raise InvalidState(f"connection is {self.state.name.lower()}")
        if not fin:
            self.expect_continuation_frame = True
        if self.deflate is not None:
            self.send_deflate(0x02, data, fin)
        elif self.extensions or self.debug:
            self.send_frame(Frame(OP_BINARY, data, fin))
        else:
            # Fast path: serialize without creating a Frame.
            self.writes.append(self.frame_writer.write(0x02, data, fin, 0))

    def takes_shared_frames(self) -> bool:
        """
        Tell whether a frame built once for many connections may be sent as is.

        The frame is an unmasked, unfragmented data frame without RSV bits,
        ``build_frame(opcode, data, True, 0, None)``, which the I/O layer
        writes straight to the network instead of calling :meth:`send_text`
        or :meth:`send_binary`, e.g. to broadcast a message.

        That's the same bytes only for a server (clients mask frames, RFC
        6455 §5.3) without extensions (they may transform frames) or debug
        logs (they log each frame), outside a fragmented message. Also,
        :meth:`data_to_send` must hold nothing, so that frames go out in
        order.

        """
        return (
            self.side is SERVER
            and self._state is OPEN
            and not self.extensions
            and not self.debug
            and not self.expect_continuation_frame
            and not self.writes
        )

    def send_close(self, code: CloseCode | int | None = None, reason: str = "") -> None:
        """
        Send a `Close frame`_.

        .. _Close frame:
            https://datatracker.ietf.org/doc/html/rfc6455#section-5.5.1

        Parameters:
            code: close code.
            reason: close reason.

        Raises:
            ProtocolError: If the code isn't valid or if a reason is provided
                without a code.

        """
        # RFC 6455 §7.1.2 - Start the WebSocket Closing Handshake
        # A close frame must be sent even in the middle of a fragmented
        # message, hence no check of expect_continuation_frame.
        if self._state is not OPEN:
            raise InvalidState(f"connection is {self.state.name.lower()}")
        if code is None:
            if reason != "":
                raise ProtocolError("cannot send a reason without a code")
            close = Close(CloseCode.NO_STATUS_RCVD, "")
            data = b""
        else:
            close = Close(code, reason)
            data = close.serialize()
        # RFC 6455 §7.1.3 - The WebSocket Closing Handshake is Started
        self.send_frame(Frame(OP_CLOSE, data))
        # Since the state is OPEN, no close frame was received yet.
        # As a consequence, self.close_rcvd_then_sent remains None.
        assert self.close_rcvd is None
        self.close_sent = close
        self.state = CLOSING

    def send_ping(self, data: BytesLike) -> None:
        """
        Send a `Ping frame`_.

        .. _Ping frame:
            https://datatracker.ietf.org/doc/html/rfc6455#section-5.5.2

        Parameters:
            data: payload containing arbitrary binary data.

        """
        # RFC 6455 §5.5: control frames may be interjected in the middle of a
        # fragmented message, hence no check of expect_continuation_frame.
        if self._state is not OPEN and self._state is not CLOSING:
            raise InvalidState(f"connection is {self.state.name.lower()}")
        self.send_frame(Frame(OP_PING, data))

    def send_pong(self, data: BytesLike) -> None:
        """
        Send a `Pong frame`_.

        .. _Pong frame:
            https://datatracker.ietf.org/doc/html/rfc6455#section-5.5.3

        Parameters:
            data: payload containing arbitrary binary data.

        """
        if self._state is not OPEN and self._state is not CLOSING:
            raise InvalidState(f"connection is {self.state.name.lower()}")
        self.send_frame(Frame(OP_PONG, data))

    def fail(self, code: CloseCode | int, reason: str = "") -> None:
        """
        `Fail the WebSocket connection`_.

        .. _Fail the WebSocket connection:
            https://datatracker.ietf.org/doc/html/rfc6455#section-7.1.7

        Parameters:
            code: close code
            reason: close reason

        Raises:
            ProtocolError: If the code isn't valid.
        """
        # RFC 6455 §7.1.7 - Fail the WebSocket Connection
        # "If _The WebSocket Connection is Established_ prior to the point
        # where the endpoint is required to _Fail the WebSocket Connection_,
        # the endpoint SHOULD send a Close frame with an appropriate status
        # code (Section 7.4) before proceeding to _Close the WebSocket
        # Connection_."
        if self._state is OPEN:
            if code != CloseCode.ABNORMAL_CLOSURE:
                close = Close(code, reason)
                data = close.serialize()
                self.send_frame(Frame(OP_CLOSE, data))
                self.close_sent = close
                # If recv_frame() raised an exception upon receiving a close
                # frame but before echoing it, then close_rcvd is not None even
                # though the state is OPEN. This happens when the connection is
                # closed while receiving a fragmented message.
                if self.close_rcvd is not None:
                    self.close_rcvd_then_sent = True
                self.state = CLOSING

        # When failing the connection, a server closes the TCP connection
        # without waiting for the client to complete the handshake, while a
        # client waits for the server to close the TCP connection, possibly
        # after sending a close frame that the client will ignore.
        if self.side is SERVER and not self.eof_sent:
            self.send_eof()

        # 7.1.7. Fail the WebSocket Connection "An endpoint MUST NOT continue
        # to attempt to process data(including a responding Close frame) from
        # the remote endpoint after being instructed to _Fail the WebSocket
        # Connection_."
        self.start_discarding()

    # Public method for getting incoming events after receiving data.

    def events_received(self) -> list[Event]:
        """
        Fetch events generated from data received from the network.

        Call this method immediately after any of the ``receive_*()`` methods.

        Process resulting events, likely by passing them to the application.

        Returns:
            Events read from the connection.
        """
        events, self.events = self.events, []
        return events

    # Public method for getting outgoing data after receiving data or sending events.

    def data_to_send(self) -> list[bytes]:
        """
        Obtain data to send to the network.

        Call this method immediately after any of the ``receive_*()``,
        ``send_*()``, or :meth:`fail` methods.

        Write resulting data to the connection.

        The empty bytestring :data:`~websockets.protocol.SEND_EOF` signals
        the end of the data stream. When you receive it, half-close the TCP
        connection.

        Returns:
            Data to write to the connection.

        """
        writes, self.writes = self.writes, []
        return writes

    def close_expected(self) -> bool:
        """
        Tell if the TCP connection is expected to close soon.

        Call this method immediately after any of the ``receive_*()``,
        ``send_close()``, or :meth:`fail` methods.

        If it returns :obj:`True`, schedule closing the TCP connection after a
        short timeout if the other side hasn't already closed it.

        Returns:
            Whether the TCP connection is expected to close soon.

        """
        # During the opening handshake, when our state is CONNECTING, we expect
        # a TCP close if and only if the hansdake fails. When it does, we start
        # the TCP closing handshake by sending EOF with send_eof().

        # Once the opening handshake completes successfully, we expect a TCP
        # close if and only if we sent a close frame, meaning that our state
        # progressed to CLOSING:

        # * Normal closure: once we send a close frame, we expect a TCP close:
        #   server waits for client to complete the TCP closing handshake;
        #   client waits for server to initiate the TCP closing handshake.

        # * Abnormal closure: we always send a close frame and the same logic
        #   applies, except on EOFError where we don't send a close frame
        #   because we already received the TCP close, so we don't expect it.

        # If our state is CLOSED, we already received a TCP close so we don't
        # expect it anymore.

        # Micro-optimization: put the most common case first
        if self._state is OPEN:
            return False
        if self._state is CLOSING:
            return True
        if self._state is CLOSED:
            return False
        assert self._state is CONNECTING
        return self.eof_sent

    # Private methods for receiving data.

    def step_parser(self) -> None:
        """Advance the generator-based parser after feeding the reader."""
        assert self.parser is not None
        next(self.parser)

    def parse(self) -> Generator[None]:
        """
        Parse incoming data before the connection is open.

        Subclasses parse the opening handshake then call
        :meth:`start_frames`. This base implementation only runs when a
        :class:`Protocol` is created in a state other than OPEN.

        """
        self.start_frames()
        yield

    def start_frames(self) -> None:
        """
        Switch the input path from the HTTP parser to the frame parser.

        Bytes received after the handshake move over to the frame parser.

        """
        self.frame_parser.allowed_rsv = self.allowed_rsv()
        self.mode = InputMode.FRAMES
        self.update_fast_frames()
        self.parser = None
        self.handshake_buffer = None
        leftover = self.reader.buffer
        if leftover:
            self.frame_parser.feed(bytes(leftover))
            del leftover[:]
        if self.reader.eof:
            self.receive_eof()
        elif self.frame_parser.buffered:
            self.parse_frames()

    def allowed_rsv(self) -> int:
        """RSV bits that the negotiated extensions may set (RFC 6455 §5.2)."""
        # permessage-deflate uses RSV1 (RFC 7692 §6). Other extensions may
        # declare theirs with an ``rsv_bits`` attribute.
        bits = 0
        for extension in self.extensions:
            rsv_bits = getattr(extension, "rsv_bits", None)
            if rsv_bits is None:
                rsv_bits = RSV1 if extension.name == "permessage-deflate" else 0
            bits |= rsv_bits
        return bits

    def _frame_limit(self) -> int | None:
        # The frame parser enforces the limits before buffering a payload.
        # Within a fragmented message, the message limit is what remains of
        # the budget; the fragment limit applies to each frame.
        limit = self.max_message_size
        if limit is not None and self.cur_size is not None:
            limit -= self.cur_size
        fragment_limit = self.max_fragment_size
        if fragment_limit is not None and (limit is None or fragment_limit < limit):
            self.fragment_limit_applies = True
            return fragment_limit
        self.fragment_limit_applies = False
        return limit

    def parse_frames(self, frame: Frame | None = None) -> None:
        """
        Process ``frame``, if given, then the frames in the frame parser.

        """
        parser = self.frame_parser
        try:
            while True:
                if frame is None:
                    if self.mode is not InputMode.FRAMES:
                        return
                    # Whole messages go straight to the events, with the
                    # checks of recv_frame() done by the parser, unless a
                    # fragmented message is in progress, an extension other
                    # than permessage-deflate may transform frames, or frames
                    # must be logged.
                    if self.fast_frames:
                        frame = parser.parse_into(self.events, _validate_utf8)
                    else:
                        frame = parser.next_frame()
                    if frame is None:
                        return
                deflate = self.deflate
                if (
                    deflate is not None
                    and frame.rsv1
                    and frame.fin
                    and self.cur_size is None
                    and not deflate.decode_cont_data
                    and (frame.opcode is OP_TEXT or frame.opcode is OP_BINARY)
                ):
                    # Fast path for whole compressed messages, the common
                    # case: what PerMessageDeflate.decode(), Frame.check() and
                    # recv_frame() would do, minus the checks that can't
                    # fail here: the parser rejected RSV bits that weren't
                    # negotiated and control frames with RSV1; self.deflate
                    # is None when frames are logged.
                    data = deflate.decompressor.decompress(
                        frame.data, True, self._frame_limit()
                    )
                    if frame.opcode is OP_TEXT:
                        _accel.validate_utf8(data)
                    self.events.append(Frame(frame.opcode, data))
                    frame = None
                    continue
                if self.extensions:
                    for extension in reversed(self.extensions):
                        frame = extension.decode(frame, max_size=self._frame_limit())
                    frame.check()
                if self.debug:
                    self.logger.debug("< %s", frame)
                self.recv_frame(frame)
                frame = None
        except Exception as exc:
            self.parse_error(exc)

    def parse_error(self, exc: Exception) -> None:
        """Fail the connection with the close code that ``exc`` calls for."""
        self.parser_exc = exc
        if isinstance(exc, ProtocolError):
            self.fail(CloseCode.PROTOCOL_ERROR, str(exc))
        elif isinstance(exc, UnicodeDecodeError):
            self.fail(CloseCode.INVALID_DATA, f"{exc.reason} at position {exc.start}")
        elif isinstance(exc, PayloadTooBig):
            # Report the size of the message so far when the message limit,
            # not the fragment limit, rejected the frame.
            if not self.fragment_limit_applies:
                exc.set_current_size(self.cur_size)
            self.fail(CloseCode.MESSAGE_TOO_BIG, str(exc))
        else:
            self.logger.error("parser failed", exc_info=exc)
            # Don't include exception details, which may be security-sensitive.
            self.fail(CloseCode.INTERNAL_ERROR)

    def update_fast_frames(self) -> None:
        """
        Tell whether whole messages may take the fast path of the parser.

        Call it whenever one of the conditions below may change; it's the
        only place that sets :attr:`fast_frames`.

        """
        extensions = self.extensions
        self.fast_frames = (
            self.mode is InputMode.FRAMES
            and not self.eof_rcvd
            and self.cur_size is None
            and not self.debug
            and all(type(extension) is PerMessageDeflate for extension in extensions)
        )
        # Messages take the fast paths of permessage-deflate when it's the
        # only extension (the default configuration) and frames aren't logged.
        self.deflate: PerMessageDeflate | None = (
            extensions[0]
            if len(extensions) == 1
            and type(extensions[0]) is PerMessageDeflate
            and not self.debug
            else None
        )

    def start_discarding(self) -> None:
        """Ignore incoming data until EOF (RFC 6455 §7.1.7, §1.4)."""
        if self.mode is InputMode.FRAMES:
            # Drop what the frame parser holds; discard() only waits for EOF.
            self.frame_parser.take_buffer()
            if self.eof_rcvd:
                self.reader.feed_eof()
        self.mode = InputMode.DISCARD
        self.update_fast_frames()
        self.parser = self.discard()
        next(self.parser)

    def discard(self) -> Generator[None]:
        """
        Discard incoming data.

        This coroutine replaces :meth:`parse`:

        - after receiving a close frame, during a normal closure (1.4);
        - after sending a close frame, during an abnormal closure (7.1.7).

        """
        # After the opening handshake completes, the server closes the TCP
        # connection in the same circumstances where discard() replaces parse().
        # The client closes it when it receives EOF from the server or times
        # out. (The latter case cannot be handled in this Sans-I/O layer.)
        assert (self.state == CONNECTING or self.side is SERVER) == (self.eof_sent)
        while not (yield from self.reader.at_eof()):
            self.reader.discard()
        # Unlike receive_eof() while frames are parsed, reaching EOF here
        # isn't logged: websockets logs "< EOF" only when it's unexpected.
        # A server closes the TCP connection immediately, while a client
        # waits for the server to close the TCP connection.
        if self.state != CONNECTING and self.side is CLIENT:
            self.send_eof()
        self.state = CLOSED
        # If discard() completes normally, execution ends here.
        yield
        # Once the reader reaches EOF, its feed_data/eof() methods raise an
        # error, so our receive_data/eof() methods don't step the generator.
        raise AssertionError("discard() shouldn't step after EOF")

    def recv_frame(self, frame: Frame) -> None:
        """
        Process an incoming frame.

        """
        opcode = frame.opcode
        if opcode is OP_TEXT or opcode is OP_BINARY:
            if self.cur_size is not None:
                raise ProtocolError("expected a continuation frame")
            if opcode is OP_TEXT:
                # RFC 6455 §8.1: fail as soon as the bytes received make an
                # invalid UTF-8 sequence certain, even mid-message.
                if frame.fin:
                    _accel.validate_utf8(frame.data)
                else:
                    self.utf8_validator = _accel.Utf8Validator()
                    self.utf8_validator.feed(frame.data, False)
            if not frame.fin:
                self.cur_text = opcode is OP_TEXT
                self.cur_size = len(frame.data)
                self.update_fast_frames()
                self.frame_parser.max_size = self._frame_limit()
        elif opcode is OP_CONT:
            if self.cur_size is None:
                raise ProtocolError("unexpected continuation frame")
            if self.cur_text:
                assert self.utf8_validator is not None
                self.utf8_validator.feed(frame.data, frame.fin)
            if frame.fin:
                self.cur_size = None
                self.utf8_validator = None
                self.update_fast_frames()
            else:
                self.cur_size += len(frame.data)
            self.frame_parser.max_size = self._frame_limit()
        elif opcode is OP_PING:
            # RFC 6455 §5.5.2: upon receipt of a Ping frame, an endpoint MUST
            # send a Pong frame in response, with the same payload.
            pong_frame = Frame(OP_PONG, frame.data)
            self.send_frame(pong_frame)
        elif opcode is OP_PONG:
            # RFC 6455 §5.5.3: a Pong frame MAY be sent unsolicited; the
            # I/O layer matches pongs with pings.
            pass
        elif opcode is OP_CLOSE:
            # RFC 6455 §5.5.1: the close frame may contain a code and reason.
            self.close_rcvd = Close.parse(frame.data)
            if self._state is CLOSING:
                assert self.close_sent is not None
                self.close_rcvd_then_sent = False

            # RFC 6455 §5.4: control frames may be injected in the middle of
            # a fragmented message, close frames included. The incomplete
            # message is dropped and the closing handshake proceeds, as the
            # Autobahn test suite expects (case 7.1.5). websockets fails the
            # connection with 1002 here instead.
            if self.cur_size is not None:
                self.cur_size = None
                self.utf8_validator = None

            # RFC 6455 §5.5.1: "If an endpoint receives a Close frame and did
            # not previously send a Close frame, the endpoint MUST send a
            # Close frame in response. (When sending a Close frame in
            # response, the endpoint typically echos the status code it
            # received.)"
            if self._state is OPEN:
                # Echo the original data instead of re-serializing it with
                # Close.serialize() because that fails when the close frame
                # is empty and Close.parse() synthesizes a 1005 close code.
                # The rest is identical to send_close().
                self.send_frame(Frame(OP_CLOSE, frame.data))
                self.close_sent = self.close_rcvd
                self.close_rcvd_then_sent = True
                self.state = CLOSING

            # RFC 6455 §7.1.2: "The server SHOULD close the underlying TCP
            # connection first" once the closing handshake completes.
            if self.side is SERVER:
                self.send_eof()

            # RFC 6455 §1.4: after sending and receiving a Close message, an
            # endpoint considers the WebSocket connection closed; any further
            # data is ignored until the TCP connection closes.
            self.events.append(frame)
            self.start_discarding()
            return
        else:
            # This can't happen: the frame parser rejects other opcodes.
            raise AssertionError(f"unexpected opcode: {opcode:02x}")

        self.events.append(frame)

    # Private methods for sending events.

    def send_deflate(self, opcode: int, data: BytesLike, fin: bool) -> None:
        """
        Compress and queue a data frame when permessage-deflate is the only
        extension: what :meth:`send_frame` and
        :meth:`~websockets.extensions.permessage_deflate.PerMessageDeflate.encode`
        do, without creating :class:`~websockets.frames.Frame` objects.

        """
        deflate = self.deflate
        assert deflate is not None
        if opcode:
            # RFC 7692 §6.1: any message may be sent uncompressed; whole
            # messages are, when they're small or look incompressible.
            threshold = deflate.compression_threshold
            sample = deflate.skip_incompressible
            if (
                fin
                and (threshold or sample)
                and not _accel.worth_compressing(data, threshold, sample)
            ):
                self.writes.append(self.frame_writer.write(opcode, data, True, 0))
                return
            deflate.encode_cont_data = not fin
            rsv = RSV1
        else:
            if not deflate.encode_cont_data:
                self.writes.append(self.frame_writer.write(0x00, data, fin, 0))
                return
            if fin:
                deflate.encode_cont_data = False
            rsv = 0
        self.writes.append(
            self.frame_writer.write(
                opcode, deflate.compressor.compress(data, fin), fin, rsv
            )
        )

    def send_frame(self, frame: Frame) -> None:
        """
        Serialize a frame and queue it for :meth:`data_to_send`.

        Extensions encode the frame first, in the order in which they were
        negotiated. Frames sent by a client are masked (RFC 6455 §5.3).

        This is a low-level method: it doesn't track the state of the
        connection or of fragmented messages. Use :meth:`send_text`,
        :meth:`send_binary`, :meth:`send_close`, etc. instead.

        Args:
            frame: Frame to send.

        Raises:
            ProtocolError: If the frame has invalid reserved bits or opcode,
                or if it's an invalid control frame.

        """
        if self.debug:
            self.logger.debug("> %s", frame)
        frame.check()
        for extension in self.extensions:
            frame = extension.encode(frame)
        self.writes.append(
            self.frame_writer.write(
                frame.opcode,
                frame.data,
                frame.fin,
                (RSV1 if frame.rsv1 else 0)
                | (RSV2 if frame.rsv2 else 0)
                | (RSV3 if frame.rsv3 else 0),
            )
        )

    def send_eof(self) -> None:
        """
        Queue :data:`SEND_EOF` for :meth:`data_to_send`.

        It signals that the I/O layer must half-close the TCP connection. This
        is a low-level method, which may be called only once per connection.

        """
        assert not self.eof_sent
        self.eof_sent = True
        if self.debug:
            self.logger.debug("> EOF")
        self.writes.append(SEND_EOF)


def _truncated_frame(data: bytes) -> EOFError:
    """
    Describe the end of the stream in the middle of the frame in ``data``.

    websockets reads a frame in four steps: the first two bytes, the extended
    length, the mask and the payload; its error says how many bytes of the
    step that the stream interrupted were there, out of how many.

    """
    if len(data) < 2:
        got, expected = len(data), 2
    else:
        code = data[1] & 0x7F
        steps = [2 if code == 126 else 8 if code == 127 else 0]
        steps.append(4 if data[1] & 0x80 else 0)
        if code == 126 and len(data) >= 4:
            steps.append(int.from_bytes(data[2:4], "big"))
        elif code == 127 and len(data) >= 10:
            steps.append(int.from_bytes(data[2:10], "big"))
        else:
            steps.append(code if code < 126 else 1 << 64)
        got, expected = len(data) - 2, 0
        for expected in steps:
            if got < expected:
                break
            got -= expected
    return EOFError(f"stream ends after {got} bytes, expected {expected} bytes")
