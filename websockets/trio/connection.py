"""
:class:`Connection`: the :mod:`trio` I/O layer shared by clients and servers.

A :class:`Connection` drives a Sans-I/O :class:`~websockets.protocol.Protocol`
over a :class:`trio.abc.Stream`, with tasks in the nursery it's given:

* :meth:`Connection.recv_events` reads from the stream, feeds the protocol,
  hands data frames to the :class:`~websockets.trio.messages.Assembler`, where
  :meth:`Connection.recv` waits, and writes what the protocol answers, such as
  pongs or close frames;
* when ``ping_interval`` is set, :meth:`Connection.keepalive` sends pings;
* when the connection is expected to close, a timer aborts it if the peer
  doesn't close it within ``close_timeout``.

Sending happens in the caller's task. A :class:`trio.Lock` serializes writes
to the stream, which trio requires. :meth:`Connection.send` takes it before
framing the message: when a cancellation interrupts the wait for the lock,
the message isn't sent at all.

On a plain TCP or Unix :class:`trio.SocketStream`, reads and writes go to
the socket directly, with one trip through trio's scheduler each, and reads
land in the frame parser's buffer without a copy; other streams (TLS, proxy
tunnels, test streams) go through the :class:`trio.abc.Stream` interface.

What doesn't depend on the event loop (the slow paths of :meth:`recv` and
:meth:`send`, fragmented messages, the closing handshake) is shared with
:mod:`websockets.asyncio.connection`.

"""

from __future__ import annotations

import contextlib
import logging
import random
import socket
import struct
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, NoReturn, overload

import trio

from ..asyncio.connection import (
    _close,
    _recv_fragments,
    _recv_message,
    _send_message,
)
from ..exceptions import (
    ConcurrencyError,
    ConnectionClosed,
    ConnectionClosedOK,
    ProtocolError,
)
from ..frames import DATA_OPCODES, OP_PONG, OP_TEXT, CloseCode, Frame
from ..http11 import Request, Response
from ..protocol import OPEN, Event, Protocol, State
from ..typing import Data, DataLike, LoggerLike
from .messages import Assembler, Waiter


if TYPE_CHECKING:
    from typing_extensions import Self


__all__ = ["Connection"]


def _normalize_max_queue(
    max_queue: int | None | tuple[int | None, int | None],
) -> tuple[int | None, int | None]:
    if isinstance(max_queue, tuple):
        return max_queue
    return max_queue, None


def _control_payload(data: DataLike) -> bytes:
    # Payload of a ping or a pong: str is encoded to UTF-8.
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    if isinstance(data, str):
        return data.encode()
    raise TypeError("data must be str or bytes-like")


def _raw_socket(stream: trio.abc.Stream) -> socket.socket | None:
    # Only a trio.SocketStream (not a subclass, not TLS, not a test stream)
    # owns a socket that nothing else reads or writes. trio keeps the
    # standard socket in a private attribute; without it, use the stream.
    if type(stream) is not trio.SocketStream:
        return None
    raw = getattr(stream.socket, "_sock", None)
    return raw if isinstance(raw, socket.socket) else None


class Connection(trio.abc.AsyncResource):
    """
    :mod:`trio` implementation of a WebSocket connection.

    :class:`Connection` provides APIs shared between WebSocket servers and
    clients.

    You shouldn't use it directly. Instead, use
    :class:`~websockets.trio.client.ClientConnection` or
    :class:`~websockets.trio.server.ServerConnection`.

    """

    recv_bufsize = 65536
    """Size of the reads from the stream, in bytes."""

    def __init__(
        self,
        nursery: trio.Nursery,
        stream: trio.abc.Stream,
        protocol: Protocol,
        *,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 20,
        close_timeout: float | None = 10,
        max_queue: int | None | tuple[int | None, int | None] = 16,
    ) -> None:
        self.nursery = nursery
        self.stream = stream
        self.protocol = protocol
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.close_timeout = close_timeout
        self.max_queue = _normalize_max_queue(max_queue)

        # Inject reference to this instance in the protocol's logger.
        self.protocol.logger = logging.LoggerAdapter(
            self.protocol.logger,
            {"websocket": self},
        )

        # Copy attributes from the protocol for convenience.
        self.id: uuid.UUID = self.protocol.id
        """Unique identifier of the connection. Useful in logs."""
        self.logger: LoggerLike = self.protocol.logger
        """Logger for this connection."""
        self.debug = self.protocol.debug

        # HTTP handshake request and response.
        self.request: Request | None = None
        """Opening handshake request."""
        self.response: Response | None = None
        """Opening handshake response."""

        # Serializes writes to the stream: trio raises BusyResourceError when
        # two tasks call send_all() concurrently.
        self.send_lock = trio.Lock()

        # Set while reading is allowed; cleared while flow control pauses it.
        self.reading_allowed = trio.Event()
        self.reading_allowed.set()

        # Assembler turning frames into messages.
        self.recv_messages = Assembler(
            *self.max_queue,
            pause=self.pause_reading,
            resume=self.resume_reading,
        )

        # Deadline of the closing handshake, in trio's clock.
        self.close_deadline: float | None = None

        # Set while sending a fragmented message; other messages wait.
        self.send_in_progress: trio.Event | None = None

        # Mapping of ping IDs to pong waiters, in chronological order.
        self.pending_pings: dict[bytes, tuple[trio.Event, float, bool]] = {}

        self.latency: float = 0
        """
        Latency of the connection, in seconds.

        Latency is defined as the round-trip time of the connection. It is
        measured by sending a Ping frame and waiting for a matching Pong frame.
        Before the first measurement, :attr:`latency` is ``0``.

        By default, websockets enables a :ref:`keepalive <keepalive>` mechanism
        that sends Ping frames automatically at regular intervals. You can also
        send Ping frames and measure latency with :meth:`ping`.
        """

        # Exception raised while reading from or writing to the stream, to be
        # chained to ConnectionClosed in order to show why the TCP connection
        # dropped.
        self.connection_exc: BaseException | None = None

        # Set once the stream is closed and the protocol state is CLOSED.
        self.stream_closed = trio.Event()

        # The socket under a plain TCP or Unix stream: reading and writing it
        # directly skips layers of trio's stream and socket wrappers, and
        # lets reads land in the frame parser's buffer without a copy.
        self.raw_socket = _raw_socket(stream)

        # Reading runs as long as the connection is alive.
        self.nursery.start_soon(self.recv_events)

    # Public attributes

    @property
    def local_address(self) -> Any:
        """
        Local address of the connection.

        For IPv4 connections, this is a ``(host, port)`` tuple.

        The format of the address depends on the address family.
        See :meth:`~socket.socket.getsockname`.

        """
        return self._socket_stream().socket.getsockname()

    @property
    def remote_address(self) -> Any:
        """
        Remote address of the connection.

        For IPv4 connections, this is a ``(host, port)`` tuple.

        The format of the address depends on the address family.
        See :meth:`~socket.socket.getpeername`.

        """
        return self._socket_stream().socket.getpeername()

    def _socket_stream(self) -> trio.SocketStream:
        # TLS or a proxy tunnel wraps the socket stream; unwrap it.
        stream: Any = self.stream
        while hasattr(stream, "transport_stream"):
            stream = stream.transport_stream
        if not isinstance(stream, trio.SocketStream):
            raise AttributeError("the stream has no socket")
        return stream

    @property
    def state(self) -> State:
        """
        State of the WebSocket connection, defined in :rfc:`6455`.

        This attribute is provided for completeness. Typical applications
        shouldn't check its value. Instead, they should call :meth:`~recv` or
        :meth:`send` and handle :exc:`~websockets.exceptions.ConnectionClosed`
        exceptions.

        """
        return self.protocol.state

    @property
    def subprotocol(self) -> Any:
        """
        Subprotocol negotiated during the opening handshake.

        :obj:`None` if no subprotocol was negotiated.

        """
        return getattr(self.protocol, "subprotocol", None)

    @property
    def close_code(self) -> int | None:
        """
        Close code of the connection, once it's closed.

        This attribute is provided for completeness. Typical applications
        shouldn't check its value. Instead, they should inspect attributes
        of :exc:`~websockets.exceptions.ConnectionClosed` exceptions.

        """
        return self.protocol.close_code

    @property
    def close_reason(self) -> str | None:
        """
        Close reason of the connection, once it's closed.

        This attribute is provided for completeness. Typical applications
        shouldn't check its value. Instead, they should inspect attributes
        of :exc:`~websockets.exceptions.ConnectionClosed` exceptions.

        """
        return self.protocol.close_reason

    # Public methods

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            await self.aclose()
        else:
            await self.aclose(CloseCode.INTERNAL_ERROR)

    async def __aiter__(self) -> AsyncIterator[Data]:
        """
        Iterate on incoming messages.

        The iterator calls :meth:`recv` and yields messages asynchronously in
        an infinite loop.

        It exits when the connection is closed normally. It raises a
        :exc:`~websockets.exceptions.ConnectionClosedError` exception after a
        protocol error or a network failure.

        """
        try:
            while True:
                yield await self.recv()
        except ConnectionClosedOK:
            return

    @overload
    async def recv(self, decode: Literal[True]) -> str: ...

    @overload
    async def recv(self, decode: Literal[False]) -> bytes: ...

    @overload
    async def recv(self, decode: bool | None = None) -> Data: ...

    async def recv(self, decode: bool | None = None) -> Data:
        """
        Receive the next message.

        When the connection is closed, :meth:`recv` raises
        :exc:`~websockets.exceptions.ConnectionClosed`. Specifically, it raises
        :exc:`~websockets.exceptions.ConnectionClosedOK` after a normal closure
        and :exc:`~websockets.exceptions.ConnectionClosedError` after a protocol
        error or a network failure. This is how you detect the end of the
        message stream.

        Canceling :meth:`recv` is safe. There's no risk of losing data. The next
        invocation of :meth:`recv` will return the next message.

        This makes it possible to enforce a timeout by wrapping :meth:`recv` in
        :func:`~trio.move_on_after` or :func:`~trio.fail_after`.

        When the message is fragmented, :meth:`recv` waits until all fragments
        are received, reassembles them, and returns the whole message.

        Args:
            decode: Set this flag to override the default behavior of returning
                :class:`str` or :class:`bytes`: :obj:`False` returns the
                payload of Text_ frames as :class:`bytes`, :obj:`True` decodes
                Binary_ frames to :class:`str`.

                .. _Text: https://datatracker.ietf.org/doc/html/rfc6455#section-5.6
                .. _Binary: https://datatracker.ietf.org/doc/html/rfc6455#section-5.6

        Returns:
            A string (:class:`str`) for a Text_ frame or a bytestring
            (:class:`bytes`) for a Binary_ frame.

        Raises:
            ConnectionClosed: When the connection is closed.
            ConcurrencyError: If two coroutines call :meth:`recv` or
                :meth:`recv_streaming` concurrently.

        """
        messages = self.recv_messages
        frames = messages.frames
        if not messages.get_in_progress and not messages.closed:
            if frames:
                # Like trio's own receive methods, be a cancellation point.
                await trio.lowlevel.checkpoint_if_cancelled()
            else:
                # Nothing is queued: wait for a frame right here, without the
                # two coroutine layers of Assembler.get(). Cancellation takes
                # no frame: safe. Any frame wakes us up; fragments continue
                # in Assembler.get(), which consumes them as they arrive.
                waiter = Waiter()
                messages.waiter = waiter  # type: ignore[assignment]
                messages.waiter_wants_any = True
                messages.get_in_progress = True
                try:
                    await waiter.event.wait()
                finally:
                    messages.waiter = None
                    messages.get_in_progress = False
            # Fast path, inlined from Assembler.get(): a single-frame message
            # is waiting. Anything else goes through Assembler.get().
            if frames and frames[0].fin:
                frame = frames.popleft()
                if messages.paused:
                    messages.maybe_resume()
                # The frame parser always produces bytes.
                data: bytes = frame.data  # type: ignore[assignment]
                if decode is None:
                    return data.decode() if frame.opcode is OP_TEXT else data
                return data.decode() if decode else data
        return await self._recv_slow(decode)

    async def _recv_slow(self, decode: bool | None) -> Data:
        return await _recv_message(self, decode)

    async def _raise_close_exc(self) -> NoReturn:
        # Wait for the protocol state to be CLOSED before accessing close_exc.
        await self.stream_closed.wait()
        raise self.close_exc from self.connection_exc

    @overload
    def recv_streaming(self, decode: Literal[True]) -> AsyncIterator[str]: ...

    @overload
    def recv_streaming(self, decode: Literal[False]) -> AsyncIterator[bytes]: ...

    @overload
    def recv_streaming(self, decode: bool | None = None) -> AsyncIterator[Data]: ...

    async def recv_streaming(self, decode: bool | None = None) -> AsyncIterator[Data]:
        """
        Receive the next message frame by frame.

        This method is designed for receiving fragmented messages. It returns an
        asynchronous iterator that yields each fragment as it is received. This
        iterator must be fully consumed. Else, future calls to :meth:`recv` or
        :meth:`recv_streaming` will raise
        :exc:`~websockets.exceptions.ConcurrencyError`, making the connection
        unusable.

        :meth:`recv_streaming` raises the same exceptions as :meth:`recv`.

        Canceling :meth:`recv_streaming` before receiving the first frame is
        safe. Canceling it after receiving one or more frames leaves the
        iterator in a partially consumed state, making the connection unusable.
        Instead, you should close the connection with :meth:`aclose`.

        Args:
            decode: Set this flag to override the default behavior of returning
                :class:`str` or :class:`bytes`, as in :meth:`recv`.

        Raises:
            ConnectionClosed: When the connection is closed.
            ConcurrencyError: If two coroutines call :meth:`recv` or
                :meth:`recv_streaming` concurrently.

        """
        async with contextlib.aclosing(_recv_fragments(self, decode)) as fragments:
            async for fragment in fragments:
                yield fragment

    async def send(
        self,
        message: DataLike | Iterable[DataLike] | AsyncIterable[DataLike],
        *,
        text: bool | None = None,
    ) -> None:
        """
        Send a message.

        A string (:class:`str`) is sent as a Text_ frame. A bytestring or
        bytes-like object (:class:`bytes`, :class:`bytearray`, or
        :class:`memoryview`) is sent as a Binary_ frame.

        .. _Text: https://datatracker.ietf.org/doc/html/rfc6455#section-5.6
        .. _Binary: https://datatracker.ietf.org/doc/html/rfc6455#section-5.6

        You may override this behavior with the ``text`` argument:

        * Set ``text=True`` to send an UTF-8 bytestring or bytes-like object
          in a Text_ frame.
        * Set ``text=False`` to send a string (:class:`str`) in a Binary_
          frame.

        :meth:`send` also accepts an iterable or asynchronous iterable of
        strings, bytestrings, or bytes-like objects to enable fragmentation_.
        Each item is treated as a message fragment and sent in its own frame.
        All items must be of the same type, or else :meth:`send` will raise a
        :exc:`TypeError` and the connection will be closed.

        .. _fragmentation: https://datatracker.ietf.org/doc/html/rfc6455#section-5.4

        :meth:`send` rejects dict-like objects because this is often an error.

        Canceling :meth:`send` while it waits for another task to finish
        writing is safe: the message isn't sent. Canceling it while it writes
        to a peer that doesn't read leaves the stream in an unknown state, so
        the connection is aborted; you should rather close the connection with
        :meth:`aclose`.

        When the connection is closed, :meth:`send` raises
        :exc:`~websockets.exceptions.ConnectionClosed`. Specifically, it
        raises :exc:`~websockets.exceptions.ConnectionClosedOK` after a normal
        connection closure and
        :exc:`~websockets.exceptions.ConnectionClosedError` after a protocol
        error or a network failure.

        Args:
            message: Message to send.
            text: Force sending in a Text_ or Binary_ frame.

        Raises:
            ConnectionClosed: When the connection is closed.
            TypeError: If ``message`` doesn't have a supported type.

        """
        # Fast path: a str or bytes message on an open connection, which isn't
        # sending a fragmented message. It's send_context() inlined, for the
        # common case where the write succeeds.
        protocol = self.protocol
        if (
            self.send_in_progress is None
            and protocol.state is OPEN
            and (type(message) is str or type(message) is bytes)
        ):
            await self._acquire_send_lock()
            error: Exception | None = None
            try:
                # The state may have changed while waiting for the lock.
                if protocol.state is OPEN:
                    if type(message) is str:
                        if text is False:
                            protocol.send_binary(message.encode())
                        else:
                            protocol.send_text(message.encode())
                    else:
                        if text:
                            protocol.send_text(message)  # type: ignore[arg-type]
                        else:
                            protocol.send_binary(message)  # type: ignore[arg-type]
                    try:
                        await self._write()
                    except Exception as exc:
                        error = exc
                    else:
                        # Sending data frames leaves the connection OPEN: the
                        # closing handshake isn't expected.
                        return
            finally:
                self.send_lock.release()
            await self._fail_send(error)

        await _send_message(self, message, text)

    async def _wait_send_in_progress(self) -> None:
        assert self.send_in_progress is not None
        await self.send_in_progress.wait()

    def _start_send_in_progress(self) -> None:
        self.send_in_progress = trio.Event()

    def _end_send_in_progress(self) -> None:
        assert self.send_in_progress is not None
        self.send_in_progress.set()
        self.send_in_progress = None

    async def aclose(
        self,
        code: CloseCode | int = CloseCode.NORMAL_CLOSURE,
        reason: str = "",
    ) -> None:
        """
        Perform the closing handshake.

        :meth:`aclose` waits for the other end to complete the handshake and
        for the TCP connection to terminate.

        :meth:`aclose` is idempotent: it doesn't do anything once the
        connection is closed.

        Args:
            code: WebSocket close code.
            reason: WebSocket close reason.

        """
        await _close(self, code, reason)

    async def wait_closed(self) -> None:
        """
        Wait until the connection is closed.

        :meth:`wait_closed` waits for the closing handshake to complete and for
        the TCP connection to terminate.

        """
        await self.stream_closed.wait()

    async def ping(
        self,
        data: DataLike | None = None,
        *,
        ack_on_close: bool = False,
    ) -> trio.Event:
        """
        Send a Ping_.

        .. _Ping: https://datatracker.ietf.org/doc/html/rfc6455#section-5.5.2

        A ping may serve as a keepalive or as a check that the remote endpoint
        received all messages up to this point

        Args:
            data: Payload of the ping. A :class:`str` will be encoded to UTF-8.
                If ``data`` is :obj:`None`, the payload is four random bytes.
            ack_on_close: when this option is :obj:`True`, the event will also
                be set when the connection is closed. While this avoids getting
                stuck waiting for a pong that will never arrive, it requires
                checking that the state of the connection is still ``OPEN`` to
                confirm that a pong was received, rather than the connection
                being closed.

        Returns:
            An event that will be set when the corresponding pong is received.
            You can ignore it if you don't intend to wait.

            ::

                pong_received = await ws.ping()
                # only if you want to wait for the corresponding pong
                await pong_received.wait()

        Raises:
            ConnectionClosed: When the connection is closed.
            ConcurrencyError: If another ping was sent with the same data and
                the corresponding pong wasn't received yet.

        """
        if data is not None:
            data = _control_payload(data)

        async with self.send_context():
            # Protect against duplicates if a payload is explicitly set.
            if data in self.pending_pings:
                raise ConcurrencyError("already waiting for a pong with the same data")

            # Generate a unique random payload otherwise.
            while data is None or data in self.pending_pings:
                data = struct.pack("!I", random.getrandbits(32))

            pong_received = trio.Event()
            self.pending_pings[data] = (
                pong_received,
                trio.current_time(),
                ack_on_close,
            )
            self.protocol.send_ping(data)
            return pong_received

    async def pong(self, data: DataLike = b"") -> None:
        """
        Send a Pong_.

        .. _Pong: https://datatracker.ietf.org/doc/html/rfc6455#section-5.5.3

        An unsolicited pong may serve as a unidirectional heartbeat.

        Args:
            data: Payload of the pong. A :class:`str` will be encoded to UTF-8.

        Raises:
            ConnectionClosed: When the connection is closed.

        """
        data = _control_payload(data)

        async with self.send_context():
            self.protocol.send_pong(data)

    # Private methods

    def process_event(self, event: Event) -> None:
        """
        Process one incoming event.

        This method is overridden in subclasses to handle the handshake.

        """
        assert isinstance(event, Frame)
        if event.opcode in DATA_OPCODES:
            self.recv_messages.put(event)

        if event.opcode is OP_PONG:
            self.acknowledge_pings(bytes(event.data))

    def acknowledge_pings(self, data: bytes) -> None:
        """
        Acknowledge pings when receiving a pong.

        """
        # Ignore unsolicited pong.
        if data not in self.pending_pings:
            return

        pong_timestamp = trio.current_time()

        # Sending a pong for only the most recent ping is legitimate.
        # Acknowledge all previous pings too in that case.
        ping_ids = []
        for ping_id, (pong_received, ping_timestamp, _) in self.pending_pings.items():
            ping_ids.append(ping_id)
            pong_received.set()
            if ping_id == data:
                self.latency = pong_timestamp - ping_timestamp
                break
        else:  # pragma: no cover
            raise AssertionError("solicited pong not found in pings")

        # Remove acknowledged pings from self.pending_pings.
        for ping_id in ping_ids:
            del self.pending_pings[ping_id]

    def acknowledge_pending_pings(self) -> None:
        """
        Acknowledge pending pings when the connection is closed.

        """
        # Set events for pings registered with ack_on_close=True: they will
        # never get a pong, and their owners asked not to hang forever.
        for pong_received, _ping_timestamp, ack_on_close in self.pending_pings.values():
            if ack_on_close:
                pong_received.set()

        self.pending_pings.clear()

    async def keepalive(self) -> None:
        """
        Send a Ping frame and wait for a Pong frame at regular intervals.

        """
        assert self.ping_interval is not None
        try:
            while True:
                # If self.ping_timeout > self.latency > self.ping_interval,
                # pings will be sent immediately after receiving pongs.
                # The period will be longer than self.ping_interval.
                with trio.move_on_after(max(self.ping_interval - self.latency, 0)):
                    await self.stream_closed.wait()
                    break

                if self.ping_timeout is None:
                    await self.ping(ack_on_close=True)
                    if self.debug:
                        self.logger.debug("% sent keepalive ping")
                    continue

                # The timeout also bounds sending the ping: a peer that
                # stopped reading blocks writes, and with them the ping.
                with trio.move_on_after(self.ping_timeout) as scope:
                    pong_received = await self.ping(ack_on_close=True)
                    if self.debug:
                        self.logger.debug("% sent keepalive ping")
                    # ping(ack_on_close=True) sets the event when the
                    # connection closes, so this returns promptly then.
                    await pong_received.wait()
                if scope.cancelled_caught:
                    if self.debug:
                        self.logger.debug("- timed out waiting for keepalive pong")
                    # Don't wait for the send lock: a peer that stopped
                    # reading may hold it forever. The close frame goes out
                    # with the next write; the close timer bounds the wait
                    # for the peer either way.
                    if self.protocol.state is OPEN:
                        self.protocol.fail(
                            CloseCode.INTERNAL_ERROR,
                            "keepalive ping timeout",
                        )
                    self._arm_close_timer()
                    if not self.send_lock.locked():
                        await self.send_data()
                    break
                if self.debug and self.protocol.state is OPEN:
                    self.logger.debug("% received keepalive pong")
        except ConnectionClosed:
            pass
        except Exception:
            self.logger.error("keepalive ping failed", exc_info=True)

    def start_keepalive(self) -> None:
        """
        Run :meth:`keepalive` in a task, unless keepalive is disabled.

        """
        if self.ping_interval is not None:
            self.nursery.start_soon(self.keepalive)

    async def recv_events(self) -> None:
        """
        Read incoming data from the stream and process events.

        Run this method in a task as long as the connection is alive.

        ``recv_events()`` exits immediately when ``self.stream`` is closed.

        """
        protocol = self.protocol
        stream = self.stream
        raw = self.raw_socket
        bufsize = self.recv_bufsize
        try:
            while True:
                # Wait until flow control allows reading again. Event.wait()
                # yields to the scheduler even when the event is set.
                if not self.reading_allowed.is_set():
                    await self.reading_allowed.wait()
                # close_stream() may have closed the stream meanwhile, e.g.
                # on a canceled write: then there's nothing left to read.
                if self.stream_closed.is_set():
                    break
                try:
                    if raw is not None:
                        # Like SocketStream.receive_some(), with one trip
                        # through the scheduler per read, straight into the
                        # parser's buffer.
                        await trio.lowlevel.wait_readable(raw)
                        view = protocol.get_buffer(bufsize)
                        try:
                            nbytes = raw.recv_into(view)
                        except BlockingIOError:  # pragma: no cover
                            continue
                        except OSError as exc:
                            raise trio.BrokenResourceError(
                                f"socket connection broken: {exc}"
                            ) from exc
                        if nbytes == 0:
                            break
                        # Feed incoming data to the protocol.
                        protocol.buffer_updated(nbytes)
                    else:
                        data = await stream.receive_some(bufsize)
                        if not data:
                            break
                        # Feed incoming data to the protocol.
                        protocol.receive_data(data)
                except trio.ClosedResourceError:
                    # close_stream() closed the stream: the reason, if any,
                    # is already recorded in connection_exc.
                    break
                except Exception as exc:
                    if self.debug:
                        self.logger.debug("! error while receiving data", exc_info=True)
                    self.set_connection_exc(exc)
                    break

                # This isn't expected to raise an exception.
                events = protocol.events_received()

                # Deliver events before writing: writing may wait for a peer
                # that doesn't read, and messages shouldn't wait for that.
                for event in events:
                    # This isn't expected to raise an exception.
                    self.process_event(event)

                # Write outgoing data to the stream, e.g. pongs and close
                # frames. Most reads produce nothing to write; then don't
                # take the lock, which costs a trip through the scheduler.
                try:
                    if protocol.writes:
                        await self.send_data()
                except Exception as exc:
                    if self.debug:
                        self.logger.debug("! error while sending data", exc_info=True)
                    self.set_connection_exc(exc)

                if protocol.close_expected():
                    # If the connection is expected to close soon, abort it
                    # when the close timeout elapses.
                    self._arm_close_timer()

            # Breaking out of the while True: ... loop means that we believe
            # that the stream doesn't work anymore.

            # Feed the end of the data stream to the protocol.
            protocol.receive_eof()

            # This isn't expected to raise an exception.
            events = protocol.events_received()

            # This code path is triggered when receiving an HTTP response
            # without a Content-Length header. This is the only case where
            # reading until EOF generates an event; all other events have a
            # known length.
            for event in events:
                # This isn't expected to raise an exception.
                self.process_event(event)

            # send_data() can only write the end of the data stream here.
            try:
                await self.send_data()
            except Exception as exc:
                self.set_connection_exc(exc)

        except Exception as exc:  # pragma: no cover
            # This branch should never run. It's a safety net in case of bugs.
            self.logger.error("unexpected internal error", exc_info=True)
            self.set_connection_exc(exc)
        finally:
            # This isn't expected to raise an exception. It also runs when
            # the nursery is canceled: closing the stream doesn't checkpoint.
            await self.close_stream()

    def pause_reading(self) -> None:
        """Pause recv_events() until resume_reading() is called."""
        # Once the connection is closing, keep reading: recv_events() must
        # see the end of the stream to finish the closing handshake.
        if self.close_deadline is None and self.reading_allowed.is_set():
            self.reading_allowed = trio.Event()

    def resume_reading(self) -> None:
        """Resume recv_events() after pause_reading() was called."""
        self.reading_allowed.set()

    @contextlib.asynccontextmanager
    async def send_context(
        self,
        *,
        expected_state: State = OPEN,  # CONNECTING during the opening handshake
    ) -> AsyncIterator[None]:
        """
        Create a context for writing to the connection from user code.

        On entry, :meth:`send_context` checks that the connection is open; on
        exit, it writes outgoing data to the socket::

            async with self.send_context():
                self.protocol.send_text(message.encode())

        When the connection isn't open on entry, when the connection is expected
        to close on exit, or when an unexpected error happens, terminating the
        connection, :meth:`send_context` waits until the connection is closed
        then raises :exc:`~websockets.exceptions.ConnectionClosed`.

        """
        # Should we wait until the connection is closed?
        wait_for_close = False
        # Should we close the stream and raise ConnectionClosed?
        raise_close_exc = False
        # What exception should we chain ConnectionClosed to?
        original_exc: BaseException | None = None
        # Did writing to the stream fail?
        write_exc: Exception | None = None

        if self.protocol.state is expected_state:
            # Take the lock before the caller frames anything: a cancellation
            # while waiting for it then sends nothing.
            await self._acquire_send_lock()
            try:
                if self.protocol.state is expected_state:
                    # Let the caller interact with the protocol.
                    try:
                        yield
                    except (ProtocolError, ConcurrencyError):
                        # The protocol state wasn't changed. Exit immediately.
                        raise
                    except Exception as exc:
                        self.logger.error("unexpected internal error", exc_info=True)
                        # This branch should never run. It's a safety net in
                        # case of bugs. Since we don't know what happened, we
                        # close the connection and raise the exception.
                        raise_close_exc = True
                        original_exc = exc
                    else:
                        # Check if the connection is expected to close soon.
                        if self.protocol.close_expected():
                            wait_for_close = True
                            self._arm_close_timer()
                        # Write outgoing data to the stream.
                        try:
                            await self._write()
                        except Exception as exc:
                            write_exc = exc
                else:  # the state changed while waiting for the lock
                    wait_for_close = True
                    raise_close_exc = True
            finally:
                self.send_lock.release()
        else:
            # Minor layering violation: we assume that the connection will be
            # closing soon if it isn't in the expected state.
            wait_for_close = True
            raise_close_exc = True

        if write_exc is not None:
            await self._fail_send(write_exc)

        # If the connection is expected to close soon, wait until it's closed;
        # the close timer aborts it if the peer doesn't cooperate.
        if wait_for_close:
            await self._wait_closed_with_timer()

        # If an error occurred, close the stream to terminate the connection
        # and raise an exception.
        if raise_close_exc:
            await self.close_stream()
            raise self.close_exc from original_exc

    async def _wait_closed_with_timer(self) -> None:
        if not self.stream_closed.is_set():
            self._arm_close_timer()
            await self.stream_closed.wait()

    async def _fail_send(self, write_exc: Exception | None) -> None:
        # A write failed or, when write_exc is None, the connection stopped
        # being open while waiting to write: raise ConnectionClosed.
        if write_exc is not None:
            if self.debug:
                self.logger.debug("! error while sending data", exc_info=write_exc)
            self.set_connection_exc(write_exc)
        else:
            # Minor layering violation: we assume that the connection will be
            # closing soon if it isn't in the expected state.
            await self._wait_closed_with_timer()
        await self.close_stream()
        raise self.close_exc from write_exc

    async def send_data(self) -> None:
        """
        Send outgoing data.

        """
        await self._acquire_send_lock()
        try:
            await self._write()
        finally:
            self.send_lock.release()

    async def _acquire_send_lock(self) -> None:
        # Micro-optimization: trio.Lock.acquire() always yields to the
        # scheduler, even when the lock is free; the write that follows
        # yields anyway. Only check for cancellation when the lock is free.
        await trio.lowlevel.checkpoint_if_cancelled()
        try:
            self.send_lock.acquire_nowait()
        except trio.WouldBlock:
            await self.send_lock.acquire()

    async def _write(self) -> None:
        # Write what the protocol wants to send; the caller holds send_lock.
        data = self.protocol.data_to_send()
        if not data:
            return
        # Coalesce the chunks into one write; an empty chunk, SEND_EOF, means
        # half-closing the connection and is always the last one.
        eof = data[-1] == b""
        if eof:
            data.pop()
        if data:
            payload = data[0] if len(data) == 1 else b"".join(data)
            raw = self.raw_socket
            if raw is not None:
                # Fast path: a non-blocking send usually takes everything.
                # Then yield once, as trio's send_all() does, but without
                # letting a cancellation pretend that nothing was sent.
                try:
                    sent = raw.send(payload)
                except BlockingIOError:
                    sent = 0
                except OSError as exc:
                    raise trio.BrokenResourceError(
                        f"socket connection broken: {exc}"
                    ) from exc
                if sent == len(payload):
                    payload = b""
                    await trio.lowlevel.cancel_shielded_checkpoint()
                else:
                    payload = payload[sent:]
            try:
                if payload:
                    await self.stream.send_all(payload)
            except trio.Cancelled:
                # The write may have been partial: what the peer would read
                # next is undefined. Abort the connection. Closing the stream
                # doesn't checkpoint, so it happens despite the cancellation.
                self.set_connection_exc(
                    trio.BrokenResourceError("write canceled; connection aborted")
                )
                await self.close_stream()
                raise
        if eof:
            if isinstance(self.stream, trio.abc.HalfCloseableStream):
                if self.debug:
                    self.logger.debug("x half-closing TCP connection")
                with contextlib.suppress(
                    trio.BrokenResourceError, trio.ClosedResourceError
                ):
                    await self.stream.send_eof()
            else:
                # TLS can't half-close: close the stream, gracefully, with a
                # close_notify. recv_events() sees ClosedResourceError.
                if self.debug:
                    self.logger.debug("x closing TCP connection")
                with contextlib.suppress(
                    trio.BrokenResourceError, trio.ClosedResourceError
                ):
                    await self.stream.aclose()

    def _arm_close_timer(self) -> None:
        """
        Abort the connection if it isn't closed within ``close_timeout``.

        RFC 6455 7.1.1 lets an endpoint close the TCP connection when it
        doesn't hear back from its peer; ``close_timeout`` bounds how long we
        wait for the closing handshake and the TCP close.

        """
        if self.close_deadline is not None or self.stream_closed.is_set():
            return
        timeout = self.close_timeout
        self.close_deadline = trio.current_time() + (
            timeout if timeout is not None else float("inf")
        )
        # Reading must continue until the end of the stream.
        self.reading_allowed.set()
        if timeout is not None:
            self.nursery.start_soon(self._close_timer, self.close_deadline)

    async def _close_timer(self, deadline: float) -> None:
        with trio.move_on_at(deadline):
            await self.stream_closed.wait()
            return
        if self.debug:
            self.logger.debug("x aborting TCP connection")
        self.set_connection_exc(TimeoutError("timed out while closing connection"))
        await self.close_stream()

    @property
    def close_exc(self) -> ConnectionClosed:
        """
        Exception to raise when trying to interact with a closed connection.

        Don't access this attribute until :attr:`state` is
        :attr:`~websockets.protocol.State.CLOSED`.

        """
        return self.protocol.close_exc

    def set_connection_exc(self, exc: BaseException | None) -> None:
        """
        Set connection_exc, if not set yet.

        """
        if self.connection_exc is None:
            self.connection_exc = exc

    async def close_stream(self) -> None:
        """
        Shutdown and close stream. Close message assembler.

        Calling close_stream() guarantees that recv_events() terminates. Indeed,
        recv_events() may block only on stream.recv() or on recv_messages.put().

        """
        # Update the state first: nothing below may be skipped by a
        # cancellation. Calling protocol.receive_eof() is safe because it's
        # idempotent. This guarantees that the protocol state becomes CLOSED.
        self.protocol.receive_eof()
        # Pings won't get a pong anymore.
        self.acknowledge_pending_pings()
        # Abort recv() with a ConnectionClosed exception.
        self.recv_messages.close()
        self.reading_allowed.set()
        if not self.stream_closed.is_set():
            self.stream_closed.set()
            # Closing forcefully doesn't wait for the peer: a socket closes at
            # once; TLS skips its close_notify, sent already when the
            # connection closed gracefully.
            await trio.aclose_forcefully(self.stream)
