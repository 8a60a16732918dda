"""
:class:`Connection`: the asyncio I/O layer shared by clients and servers.

A :class:`Connection` is an :class:`asyncio.BufferedProtocol` wrapped around
a Sans-I/O :class:`~websockets.protocol.Protocol`:

* the transport reads straight into the protocol's buffer
  (:meth:`get_buffer` / :meth:`buffer_updated` forward to the protocol), so
  incoming bytes are never copied before the frame parser sees them;
* after each read, the events the protocol produced are dispatched (data
  frames go to the :class:`~websockets.asyncio.messages.Assembler`) and
  whatever the protocol wants to send is flushed with one write;
* :meth:`send` encodes, frames and writes synchronously; it only suspends
  when the transport's write buffer is above its high-water mark;
* keepalive and the closing handshake timeout rely on
  :meth:`~asyncio.loop.call_later` timers rather than tasks.

The per-message path therefore creates no task, and no future unless
:meth:`recv` has to wait for data.

"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import struct
import typing
import uuid
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Iterable,
    Iterator,
    Mapping,
)
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, NoReturn, cast, overload

from ..exceptions import (
    ConcurrencyError,
    ConnectionClosed,
    ConnectionClosedOK,
    ProtocolError,
    TooManyFragments as TooManyFragments,
)
from ..frames import (
    DATA_OPCODES as DATA_OPCODES,
    OP_PONG,
    OP_TEXT,
    PONG as PONG,
    CloseCode,
    Frame,
)
from ..http11 import Request as Request, Response as Response
from ..imports import lazy_import
from ..protocol import (
    CLOSED,
    CLOSING,
    OPEN,
    Event as Event,
    Protocol as Protocol,
    State as State,
)
from ..typing import (
    BytesLike as BytesLike,
    Data,
    DataLike,
    LoggerLike,
    Subprotocol as Subprotocol,
)
from .messages import Assembler


if TYPE_CHECKING:
    from typing_extensions import Self


__all__ = ["Connection"]


# websockets 17.4 makes broadcast() importable from here too. It's defined
# in .server, which imports this module: resolve it on first use.
lazy_import(globals(), aliases={"broadcast": ".server"})


def _normalize_limits(
    value: int | None | tuple[int | None, int | None],
) -> tuple[int | None, int | None]:
    if isinstance(value, tuple):
        return value
    return value, None


class Connection(asyncio.BufferedProtocol, asyncio.Protocol):
    """
    :mod:`asyncio` implementation of a WebSocket connection.

    :class:`Connection` provides APIs shared between WebSocket servers and
    clients.

    You shouldn't use it directly. Instead, use
    :class:`~websockets.asyncio.client.ClientConnection` or
    :class:`~websockets.asyncio.server.ServerConnection`.

    """

    def __init__(
        self,
        protocol: Protocol,
        *,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 20,
        close_timeout: float | None = 10,
        max_queue: int | None | tuple[int | None, int | None] = 16,
        write_limit: int | tuple[int, int | None] = 2**15,
    ) -> None:
        self.protocol = protocol
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.close_timeout = close_timeout
        self.max_queue = _normalize_limits(max_queue)
        if isinstance(write_limit, int):
            write_limit = (write_limit, None)
        self.write_limit = write_limit

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

        # Event loop running this connection.
        self.loop = asyncio.get_running_loop()

        # Assembler turning frames into messages and vice versa.
        self.recv_messages = Assembler(
            *self.max_queue,
            pause=self.pause_reading,
            resume=self.resume_reading,
        )

        # Deadline for the closing handshake.
        self.close_deadline: float | None = None
        self.close_timer: asyncio.TimerHandle | None = None

        # Protect sending fragmented messages.
        self.send_in_progress: asyncio.Future[None] | None = None

        # Mapping of ping IDs to pong waiters, in chronological order.
        self.pending_pings: dict[bytes, tuple[asyncio.Future[float], float]] = {}

        self.latency: float = 0.0
        """
        Latency of the connection, in seconds.

        Latency is defined as the round-trip time of the connection. It is
        measured by sending a Ping frame and waiting for a matching Pong
        frame. Before the first measurement, :attr:`latency` is ``0``.

        By default, websockets enables a :ref:`keepalive <keepalive>`
        mechanism that sends Ping frames automatically at regular intervals.
        You can also send Ping frames and measure latency with :meth:`ping`.
        """

        # Keepalive timer; None when keepalive isn't running.
        self.keepalive_timer: asyncio.TimerHandle | None = None
        # Task running keepalive() when a subclass overrides it; see
        # start_keepalive().
        self.keepalive_task: asyncio.Task[None] | None = None

        # Exception raised while reading from the connection, to be chained
        # to ConnectionClosed in order to show why the TCP connection dropped.
        self.recv_exc: BaseException | None = None

        # Completed when the TCP connection is closed and the WebSocket
        # connection state becomes CLOSED.
        self.connection_lost_waiter: asyncio.Future[None] = self.loop.create_future()

        # Adapted from asyncio.FlowControlMixin.
        self.paused: bool = False
        self.drain_waiters: list[asyncio.Future[None]] = []

        self.transport: asyncio.Transport
        self.eof_fed = False
        self.reading_paused = False

    # Public attributes

    @property
    def local_address(self) -> Any:
        """
        Local address of the connection.

        For IPv4 connections, this is a ``(host, port)`` tuple.

        The format of the address depends on the address family.
        See :meth:`~socket.socket.getsockname`.

        """
        return self.transport.get_extra_info("sockname")

    @property
    def remote_address(self) -> Any:
        """
        Remote address of the connection.

        For IPv4 connections, this is a ``(host, port)`` tuple.

        The format of the address depends on the address family.
        See :meth:`~socket.socket.getpeername`.

        """
        return self.transport.get_extra_info("peername")

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
        State of the WebSocket connection, defined in :rfc:`6455`.

        This attribute is provided for completeness. Typical applications
        shouldn't check its value. Instead, they should inspect attributes
        of :exc:`~websockets.exceptions.ConnectionClosed` exceptions.

        """
        return self.protocol.close_code

    @property
    def close_reason(self) -> str | None:
        """
        State of the WebSocket connection, defined in :rfc:`6455`.

        This attribute is provided for completeness. Typical applications
        shouldn't check its value. Instead, they should inspect attributes
        of :exc:`~websockets.exceptions.ConnectionClosed` exceptions.

        """
        return self.protocol.close_reason

    @property
    def close_exc(self) -> ConnectionClosed:
        """
        Exception to raise when trying to interact with a closed connection.

        Don't access this attribute until :attr:`state` is
        :attr:`~websockets.protocol.State.CLOSED`. Once the connection is
        closed, it chains the exception that broke the connection, if any.

        Raises:
            AssertionError: If the connection isn't closed yet.

        """
        exc = self.protocol.close_exc
        exc.__cause__ = self._recv_cause()
        return exc

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
            await self.close()
        else:
            await self.close(CloseCode.INTERNAL_ERROR)

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
        :exc:`~websockets.exceptions.ConnectionClosed`. Specifically, it
        raises :exc:`~websockets.exceptions.ConnectionClosedOK` after a normal
        closure and :exc:`~websockets.exceptions.ConnectionClosedError` after
        a protocol error or a network failure. This is how you detect the end
        of the message stream.

        Canceling :meth:`recv` is safe. There's no risk of losing data. The
        next invocation of :meth:`recv` will return the next message.

        This makes it possible to enforce a timeout by wrapping :meth:`recv`
        in :func:`~asyncio.timeout` or :func:`~asyncio.wait_for`.

        When the message is fragmented, :meth:`recv` waits until all
        fragments are received, reassembles them, and returns the whole
        message.

        Args:
            decode: Set this flag to override the default behavior of
                returning :class:`str` or :class:`bytes`. See below for
                details.

        Returns:
            A string (:class:`str`) for a Text_ frame or a bytestring
            (:class:`bytes`) for a Binary_ frame.

            .. _Text: https://datatracker.ietf.org/doc/html/rfc6455#section-5.6
            .. _Binary: https://datatracker.ietf.org/doc/html/rfc6455#section-5.6

            You may override this behavior with the ``decode`` argument:

            * Set ``decode=False`` to disable UTF-8 decoding of Text_ frames
              and return a bytestring (:class:`bytes`). This improves
              performance when decoding isn't needed, for example if the
              message contains JSON and you're using a JSON library that
              expects a bytestring.
            * Set ``decode=True`` to force UTF-8 decoding of Binary_ frames
              and return a string (:class:`str`). This may be useful for
              servers that send binary frames instead of text frames.

        Raises:
            ConnectionClosed: When the connection is closed.
            ConcurrencyError: If two coroutines call :meth:`recv` or
                :meth:`recv_streaming` concurrently.

        """
        messages = self.recv_messages
        frames = messages.frames
        if not messages.get_in_progress:
            if not frames and not messages.closed:
                # Nothing is queued: wait for a frame on a future awaited
                # right here, without the two coroutine layers of
                # Assembler.get(). Cancellation takes no frame: safe. Any
                # frame wakes us up; fragments continue in Assembler.get(),
                # which consumes them as they arrive (see there why).
                waiter = self.loop.create_future()
                messages.waiter = waiter
                messages.waiter_wants_any = True
                messages.get_in_progress = True
                try:
                    await waiter
                finally:
                    messages.waiter = None
                    messages.get_in_progress = False
            # Fast path, inlined from Assembler.get() to save a coroutine: a
            # single-frame message is waiting. Anything else, including the
            # end of the stream, goes through Assembler.get().
            if not frames or not frames[0].fin:
                return await self._recv_slow(decode)
            frame = frames.popleft()
            if messages.paused:
                messages.maybe_resume()
            # The frame parser always produces bytes.
            data: bytes = frame.data  # type: ignore[assignment]
            if decode is None:
                if frame.opcode == OP_TEXT:
                    return data.decode()
                return data
            if decode:
                try:
                    return data.decode()
                except UnicodeDecodeError as exc:
                    # Only reachable on a binary message: the protocol
                    # validated text messages (RFC 6455 §8.1).
                    await self._fail_invalid_utf8(exc)
            return data
        return await self._recv_slow(decode)

    async def _fail_invalid_utf8(self, exc: UnicodeDecodeError) -> NoReturn:
        """
        Fail the connection with 1007 when decoding a message fails.

        Like websockets, raise ConnectionClosedError chained to ``exc``.

        """
        async with self.send_context():
            self.protocol.fail(
                CloseCode.INVALID_DATA,
                f"{exc.reason} at position {exc.start}",
            )
        # Wait for the protocol state to be CLOSED before accessing close_exc.
        await asyncio.shield(self.connection_lost_waiter)
        raise self.protocol.close_exc from exc

    async def _recv_slow(self, decode: bool | None) -> Data:
        return await _recv_message(self, decode)

    async def _raise_close_exc(self) -> NoReturn:
        # Wait for the protocol state to be CLOSED before accessing close_exc.
        await asyncio.shield(self.connection_lost_waiter)
        raise self.protocol.close_exc from self._recv_cause()

    @overload
    def recv_streaming(self, decode: Literal[True]) -> AsyncIterator[str]: ...

    @overload
    def recv_streaming(self, decode: Literal[False]) -> AsyncIterator[bytes]: ...

    @overload
    def recv_streaming(self, decode: bool | None = None) -> AsyncIterator[Data]: ...

    async def recv_streaming(self, decode: bool | None = None) -> AsyncIterator[Data]:
        """
        Receive the next message frame by frame.

        This method is designed for receiving fragmented messages. It returns
        an asynchronous iterator that yields each fragment as it is received.
        This iterator must be fully consumed. Else, future calls to
        :meth:`recv` or :meth:`recv_streaming` will raise
        :exc:`~websockets.exceptions.ConcurrencyError`, making the connection
        unusable.

        :meth:`recv_streaming` raises the same exceptions as :meth:`recv`.

        Canceling :meth:`recv_streaming` before receiving the first frame is
        safe. Canceling it after receiving one or more frames leaves the
        iterator in a partially consumed state, making the connection
        unusable. Instead, you should close the connection with
        :meth:`close`.

        Args:
            decode: Set this flag to override the default behavior of
                returning :class:`str` or :class:`bytes`.

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
          (:class:`bytes`, :class:`bytearray`, or :class:`memoryview`) in a
          Text_ frame. This improves performance when the message is already
          UTF-8 encoded, for example if the message contains JSON and you're
          using a JSON library that produces a bytestring.
        * Set ``text=False`` to send a string (:class:`str`) in a Binary_
          frame. This may be useful for servers that expect binary frames
          instead of text frames.

        :meth:`send` also accepts an iterable or an asynchronous iterable of
        strings, bytestrings, or bytes-like objects to enable fragmentation_.
        Each item is treated as a message fragment and sent in its own frame.
        All items must be of the same type, or else :meth:`send` will raise a
        :exc:`TypeError` and the connection will be closed.

        .. _fragmentation: https://datatracker.ietf.org/doc/html/rfc6455#section-5.4

        :meth:`send` rejects dict-like objects because this is often an error.
        (If you really want to send the keys of a dict-like object as
        fragments, call its :meth:`~dict.keys` method and pass the result to
        :meth:`send`.)

        Canceling :meth:`send` is discouraged. Instead, you should close the
        connection with :meth:`close`. Indeed, there are only two situations
        where :meth:`send` may yield control to the event loop and then get
        canceled; in both cases, :meth:`close` has the same effect and is
        more clear:

        1. The write buffer is full. If you don't want to wait until enough
           data is sent, your only alternative is to close the connection.
           :meth:`close` will likely time out then abort the TCP connection.
        2. ``message`` is an asynchronous iterator that yields control.
           Stopping in the middle of a fragmented message will cause a
           protocol error and the connection will be closed.

        When the connection is closed, :meth:`send` raises
        :exc:`~websockets.exceptions.ConnectionClosed`. Specifically, it
        raises :exc:`~websockets.exceptions.ConnectionClosedOK` after a normal
        connection closure and
        :exc:`~websockets.exceptions.ConnectionClosedError` after a protocol
        error or a network failure.

        Args:
            message: Message to send.

        Raises:
            ConnectionClosed: When the connection is closed.
            TypeError: If ``message`` doesn't have a supported type.

        """
        protocol = self.protocol
        # Fast path: a single-frame message on an open connection that isn't
        # in the middle of sending a fragmented message. Encoding happens
        # once; framing and the write are synchronous.
        if protocol.state == OPEN and self.send_in_progress is None:
            if type(message) is str:
                if text is False:
                    protocol.send_binary(message.encode())
                else:
                    protocol.send_text(message.encode())
                self.send_data()
                if self.paused:
                    await self.drain()
                return
            if type(message) is bytes:
                if text:
                    protocol.send_text(message)
                else:
                    protocol.send_binary(message)
                self.send_data()
                if self.paused:
                    await self.drain()
                return

        await _send_message(self, message, text)

    async def _wait_send_in_progress(self) -> None:
        assert self.send_in_progress is not None
        await asyncio.shield(self.send_in_progress)

    def _start_send_in_progress(self) -> None:
        self.send_in_progress = self.loop.create_future()

    def _end_send_in_progress(self) -> None:
        assert self.send_in_progress is not None
        self.send_in_progress.set_result(None)
        self.send_in_progress = None

    async def close(
        self,
        code: CloseCode | int = CloseCode.NORMAL_CLOSURE,
        reason: str = "",
    ) -> None:
        """
        Perform the closing handshake.

        :meth:`close` waits for the other end to complete the handshake and
        for the TCP connection to terminate.

        :meth:`close` is idempotent: it doesn't do anything once the
        connection is closed.

        Args:
            code: WebSocket close code.
            reason: WebSocket close reason.

        """
        await _close(self, code, reason)

    async def wait_closed(self) -> None:
        """
        Wait until the connection is closed.

        :meth:`wait_closed` waits for the closing handshake to complete and
        for the TCP connection to terminate.

        """
        await asyncio.shield(self.connection_lost_waiter)

    async def ping(self, data: DataLike | None = None) -> Awaitable[float]:
        """
        Send a Ping_.

        .. _Ping: https://datatracker.ietf.org/doc/html/rfc6455#section-5.5.2

        A ping may serve as a keepalive or as a check that the remote
        endpoint received all messages up to this point

        Args:
            data: Payload of the ping. A :class:`str` will be encoded to
                UTF-8. If ``data`` is :obj:`None`, the payload is four random
                bytes.

        Returns:
            A future that will be completed when the corresponding pong is
            received. You can ignore it if you don't intend to wait. The
            result of the future is the latency of the connection in seconds.

            ::

                pong_received = await ws.ping()
                # only if you want to wait for the corresponding pong
                latency = await pong_received

        Raises:
            ConnectionClosed: When the connection is closed.
            ConcurrencyError: If another ping was sent with the same data and
                the corresponding pong wasn't received yet.

        """
        if isinstance(data, (bytes, bytearray, memoryview)):
            data = bytes(data)
        elif isinstance(data, str):
            data = data.encode()
        elif data is not None:
            raise TypeError("data must be str or bytes-like")

        async with self.send_context():
            # Protect against duplicates if a payload is explicitly set.
            if data in self.pending_pings:
                raise ConcurrencyError("already waiting for a pong with the same data")

            # Generate a unique random payload otherwise.
            while data is None or data in self.pending_pings:
                data = struct.pack("!I", random.getrandbits(32))

            pong_waiter = self.loop.create_future()
            # The event loop's default clock is time.monotonic(). Its
            # resolution is a bit low on Windows (~16ms). This is improved
            # in Python 3.13.
            self.pending_pings[data] = (pong_waiter, self.loop.time())
            self.protocol.send_ping(data)
            return pong_waiter

    async def pong(self, data: DataLike = b"") -> None:
        """
        Send a Pong_.

        .. _Pong: https://datatracker.ietf.org/doc/html/rfc6455#section-5.5.3

        An unsolicited pong may serve as a unidirectional heartbeat.

        Args:
            data: Payload of the pong. A :class:`str` will be encoded to
                UTF-8.

        Raises:
            ConnectionClosed: When the connection is closed.

        """
        if isinstance(data, (bytes, bytearray, memoryview)):
            data = bytes(data)
        elif isinstance(data, str):
            data = data.encode()
        else:
            raise TypeError("data must be str or bytes-like")

        async with self.send_context():
            self.protocol.send_pong(data)

    # Private methods

    def _recv_cause(self) -> BaseException | None:
        # When the TCP connection broke (e.g. reset by the peer), that error
        # explains the closure better than the EOF the parser saw next.
        if self.recv_exc is not None:
            return self.recv_exc
        return getattr(self.protocol, "parser_exc", None)

    def process_event(self, event: Event) -> None:
        """
        Process one incoming event.

        This method is overridden in subclasses to handle the handshake.

        """
        assert isinstance(event, Frame)
        opcode = event.opcode
        if opcode <= 2:  # OP_CONT, OP_TEXT, OP_BINARY
            try:
                self.recv_messages.put(event)
            except TooManyFragments as exc:
                self.fail_too_many_fragments(exc)
        elif opcode == OP_PONG:
            self.acknowledge_pings(bytes(event.data))

    def fail_too_many_fragments(self, exc: TooManyFragments) -> None:
        """
        Fail the connection when a message has too many fragments.

        This happens only when ``WEBSOCKETS_MAX_FRAGMENTS`` is set. Like
        websockets, close with 1009 and chain ``exc`` to ConnectionClosed.

        """
        if self.protocol.state == OPEN:
            self.protocol.parser_exc = exc
            self.protocol.fail(CloseCode.MESSAGE_TOO_BIG, "too many fragments")

    def acknowledge_pings(self, data: bytes) -> None:
        """
        Acknowledge pings when receiving a pong.

        """
        # Ignore unsolicited pong.
        if data not in self.pending_pings:
            return

        pong_timestamp = self.loop.time()

        # Sending a pong for only the most recent ping is legal.
        # Acknowledge all previous pings too in that case.
        ping_id = None
        ping_ids = []
        for ping_id, (pong_waiter, ping_timestamp) in self.pending_pings.items():
            ping_ids.append(ping_id)
            latency = pong_timestamp - ping_timestamp
            if not pong_waiter.done():
                pong_waiter.set_result(latency)
            if ping_id == data:
                self.latency = latency
                break
        else:
            raise AssertionError("solicited pong not found in pings")

        # Remove acknowledged pings from self.pending_pings.
        for ping_id in ping_ids:
            del self.pending_pings[ping_id]

    def terminate_pending_pings(self) -> None:
        """
        Raise ConnectionClosed in pending pings when the connection is closed.

        """
        assert self.protocol.state == CLOSED
        exc = self.protocol.close_exc

        for pong_waiter, _ping_timestamp in self.pending_pings.values():
            if not pong_waiter.done():
                pong_waiter.set_exception(exc)
            # If the exception is never retrieved, it will be logged when
            # ping() is garbage-collected. This is confusing for users.
            # Given that ping() is done (with or without an exception),
            # canceling it does nothing, but it prevents the logging.
            pong_waiter.cancel()

        self.pending_pings.clear()

    def start_keepalive(self) -> None:
        """
        Start the keepalive timer, if ``ping_interval`` is set.

        Keepalive relies on :meth:`~asyncio.loop.call_later` rather than on a
        task, so an idle connection costs one timer handle.

        """
        if self.ping_interval is None:
            return
        if type(self).keepalive is not Connection.keepalive:
            # A subclass customizes keepalive(), the hook that websockets
            # runs in a task: run it the same way.
            self.keepalive_task = self.loop.create_task(self.keepalive())
            return
        self.keepalive_timer = self.loop.call_later(
            self.ping_interval, self._keepalive_ping
        )

    async def keepalive(self) -> None:
        """
        Send a Ping frame and wait for a Pong frame at regular intervals.

        This is the keepalive of websockets, as a coroutine: it runs until
        the connection closes or a pong times out, which fails the connection
        with code 1011. :meth:`start_keepalive` runs the same algorithm on
        timers, without a task, unless a subclass overrides this method.

        """
        assert self.ping_interval is not None
        latency = 0.0
        try:
            while True:
                # If self.ping_timeout > latency > self.ping_interval, pings
                # go out right after the previous pong arrives.
                await asyncio.sleep(self.ping_interval - latency)
                pong_received = await self.ping()
                if self.debug:
                    self.logger.debug("% sent keepalive ping")
                if self.ping_timeout is None:
                    continue
                try:
                    latency = await asyncio.wait_for(pong_received, self.ping_timeout)
                except (TimeoutError, asyncio.TimeoutError):
                    if self.debug:
                        self.logger.debug("- timed out waiting for keepalive pong")
                    async with self.send_context():
                        self.protocol.fail(
                            CloseCode.INTERNAL_ERROR, "keepalive ping timeout"
                        )
                    return
                if self.debug:
                    self.logger.debug("% received keepalive pong")
        except Exception:
            # Like websockets: when the connection closes, connection_lost()
            # cancels the task, so this is an unexpected error, e.g. ping()
            # on a closed connection when keepalive() runs on its own.
            self.logger.error("keepalive ping failed", exc_info=True)

    def _keepalive_ping(self) -> None:
        # Like websockets' keepalive loop: send a ping; with ping_timeout,
        # wait for its pong before scheduling the next ping, so that there's
        # never more than one keepalive ping in flight.
        self.keepalive_timer = None
        if self.protocol.state != OPEN:
            return
        data = None
        while data is None or data in self.pending_pings:
            data = struct.pack("!I", random.getrandbits(32))
        pong_waiter: asyncio.Future[float] = self.loop.create_future()
        self.pending_pings[data] = (pong_waiter, self.loop.time())
        self.protocol.send_ping(data)
        self.send_data()
        if self.debug:
            self.logger.debug("% sent keepalive ping")
        if self.ping_timeout is None:
            self._schedule_keepalive()
        else:
            timeout_handle = self.loop.call_later(
                self.ping_timeout, self._keepalive_timeout, pong_waiter
            )
            pong_waiter.add_done_callback(
                functools.partial(self._keepalive_pong, timeout_handle)
            )

    def _keepalive_pong(
        self,
        timeout_handle: asyncio.TimerHandle,
        pong_waiter: asyncio.Future[float],
    ) -> None:
        timeout_handle.cancel()
        # Pending pings are cancelled when the connection closes.
        if pong_waiter.cancelled() or self.protocol.state != OPEN:
            return
        if self.debug:
            self.logger.debug("% received keepalive pong")
        self._schedule_keepalive()

    def _schedule_keepalive(self) -> None:
        # If ping_timeout > latency > ping_interval, the next ping leaves as
        # soon as the pong arrives and the period exceeds ping_interval.
        assert self.ping_interval is not None
        self.keepalive_timer = self.loop.call_later(
            max(self.ping_interval - self.latency, 0), self._keepalive_ping
        )

    def _keepalive_timeout(self, pong_waiter: asyncio.Future[float]) -> None:
        if pong_waiter.done() or self.protocol.state != OPEN:
            return
        if self.debug:
            self.logger.debug("- timed out waiting for keepalive pong")
        self.protocol.fail(CloseCode.INTERNAL_ERROR, "keepalive ping timeout")
        self.send_data()

    @contextlib.asynccontextmanager
    async def send_context(
        self,
        *,
        expected_state: State = OPEN,  # CONNECTING during the opening handshake
    ) -> AsyncIterator[None]:
        """
        Create a context for writing to the connection from user code.

        On entry, :meth:`send_context` checks that the connection is in the
        expected state. If it isn't, after waiting for the connection to
        close, it raises :exc:`~websockets.exceptions.ConnectionClosed`.

        On exit, :meth:`send_context` writes outgoing data, waits for the
        write buffer to drain if needed, and arms the closing timeout if the
        protocol expects the connection to close.

        """
        original_exc: BaseException | None = None
        raise_close_exc = False

        if self.protocol.state == expected_state:
            try:
                yield
            except (ProtocolError, ConcurrencyError):
                # The protocol state wasn't changed. Exit immediately.
                raise
            except Exception as exc:
                self.logger.error("unexpected internal error", exc_info=True)
                # This branch should never run. It's a safety net in case of
                # bugs. Since we don't know what happened, we will close the
                # connection and raise the exception to the caller.
                original_exc = exc
                raise_close_exc = True
                self.protocol.fail(CloseCode.INTERNAL_ERROR)
            self.send_data()
            # If the write buffer is above the high-water mark, wait until it
            # drains, unless the connection broke meanwhile.
            if self.paused and not raise_close_exc:
                try:
                    await self.drain()
                except ConnectionClosed:
                    raise_close_exc = True
        else:
            # The connection isn't in the expected state: wait until it is
            # closed, then raise the corresponding ConnectionClosed.
            raise_close_exc = True
            self.arm_close_timer()

        if raise_close_exc:
            await asyncio.shield(self.connection_lost_waiter)
            raise self.protocol.close_exc from original_exc

        # When the closing handshake is initiated, wait for it to complete.
        if self.protocol.close_expected() or self.protocol.state == CLOSING:
            self.arm_close_timer()
            if self.protocol.state == CLOSING or self.protocol.state == CLOSED:
                await asyncio.shield(self.connection_lost_waiter)

    def arm_close_timer(self) -> None:
        """
        Abort the TCP connection if it isn't closed within ``close_timeout``.

        RFC 6455 7.1.1 lets an endpoint close the TCP connection when it
        doesn't hear back from its peer; ``close_timeout`` bounds how long we
        wait for the closing handshake and the TCP close.

        """
        if self.close_timer is not None or self.connection_lost_waiter.done():
            return
        if self.close_timeout is None:
            return
        self.close_deadline = self.loop.time() + self.close_timeout
        self.close_timer = self.loop.call_at(self.close_deadline, self._close_timeout)

    def _close_timeout(self) -> None:
        self.close_timer = None
        if not self.connection_lost_waiter.done():
            # Like websockets, ConnectionClosed exceptions raised from now on
            # are chained to this one, which says why the connection dropped.
            self.set_recv_exc(TimeoutError("timed out while closing connection"))
            # websockets doesn't log this; the "< EOF" that follows does.
            self.transport.abort()

    def send_data(self) -> None:
        """
        Send outgoing data.

        """
        chunks = self.protocol.data_to_send()
        if not chunks:
            return
        transport = self.transport
        if len(chunks) == 1 and chunks[0]:
            transport.write(chunks[0])
            # Micro-optimization: on an open connection, close_expected() is
            # always False; skip the method call.
            if self.protocol.state == OPEN:
                return
            if self.protocol.close_expected():
                self.arm_close_timer()
            return
        for data in chunks:
            if data:
                transport.write(data)
            else:
                # Half-close the TCP connection when possible i.e. no TLS.
                if transport.can_write_eof():
                    if self.debug:
                        self.logger.debug("x half-closing TCP connection")
                    # write_eof() doesn't document which exceptions it raises.
                    # OSError is plausible. uvloop can raise RuntimeError here.
                    try:
                        transport.write_eof()
                    except (OSError, RuntimeError):  # pragma: no cover
                        pass
                # Else, close the TCP connection.
                else:  # pragma: no cover
                    if self.debug:
                        self.logger.debug("x closing TCP connection")
                    transport.close()
        if self.protocol.close_expected():
            self.arm_close_timer()

    def set_recv_exc(self, exc: BaseException | None) -> None:
        """
        Set recv_exc, if not set yet.

        """
        if self.recv_exc is None:
            self.recv_exc = exc

    # websockets 17.4's name for set_recv_exc().
    set_connection_exc = set_recv_exc

    # Flow control of reads, driven by the assembler's queue.

    def pause_reading(self) -> None:
        """Stop reading from the transport while too many frames wait."""
        if not self.reading_paused:
            self.reading_paused = True
            with contextlib.suppress(Exception):
                self.transport.pause_reading()

    def resume_reading(self) -> None:
        """Resume reading from the transport."""
        if self.reading_paused:
            self.reading_paused = False
            with contextlib.suppress(Exception):
                self.transport.resume_reading()

    # asyncio.BufferedProtocol methods

    # Connection callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, transport)
        transport.set_write_buffer_limits(*self.write_limit)
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        # Calling protocol.receive_eof() is safe because it's idempotent.
        # This guarantees that the protocol state becomes CLOSED.
        if not self.eof_fed:
            self.eof_fed = True
            self.protocol.receive_eof()
            self._process_events()
        assert self.protocol.state == CLOSED, self.protocol.state

        self.set_recv_exc(exc)

        # Abort recv() and pending pings with a ConnectionClosed exception.
        self.recv_messages.close()
        self.terminate_pending_pings()

        if self.keepalive_timer is not None:
            self.keepalive_timer.cancel()
            self.keepalive_timer = None
        if self.keepalive_task is not None:
            self.keepalive_task.cancel()
            self.keepalive_task = None
        if self.close_timer is not None:
            self.close_timer.cancel()
            self.close_timer = None

        # If self.connection_lost_waiter isn't pending, that's a bug, because:
        # - it's set only here in connection_lost() which is called only once;
        # - it must never be canceled.
        self.connection_lost_waiter.set_result(None)

        # Adapted from asyncio.streams.FlowControlMixin
        if self.paused:  # pragma: no cover
            self.paused = False
            for waiter in self.drain_waiters:
                if not waiter.done():
                    waiter.set_result(None)
            self.drain_waiters.clear()

    # Flow control callbacks

    def pause_writing(self) -> None:
        # Adapted from asyncio.streams.FlowControlMixin
        assert not self.paused
        self.paused = True

    def resume_writing(self) -> None:
        # Adapted from asyncio.streams.FlowControlMixin
        assert self.paused
        self.paused = False
        for waiter in self.drain_waiters:
            if not waiter.done():
                waiter.set_result(None)
        self.drain_waiters.clear()

    async def drain(self) -> None:
        """
        Wait until the transport's write buffer goes below the low-water mark.

        Raises:
            ConnectionClosed: If the connection is lost meanwhile.

        """
        if self.connection_lost_waiter.done():
            raise self.protocol.close_exc
        if not self.paused:
            return
        waiter = self.loop.create_future()
        self.drain_waiters.append(waiter)
        await waiter
        if self.connection_lost_waiter.done():
            raise self.protocol.close_exc

    # Streaming protocol callbacks

    def get_buffer(self, sizehint: int) -> memoryview:
        # Zero-copy: the transport reads straight into the parser's buffer.
        return self.protocol.get_buffer(sizehint)

    def buffer_updated(self, nbytes: int) -> None:
        protocol = self.protocol
        protocol.buffer_updated(nbytes)
        events = protocol.events_received()
        if events:
            if protocol.state == OPEN:
                put = self.recv_messages.put
                try:
                    for event in events:
                        # Data frames are by far the most common events:
                        # deliver them without a method call. OP_CONT, OP_TEXT
                        # and OP_BINARY are 0, 1 and 2.
                        if type(event) is Frame and event.opcode <= 2:
                            put(event)
                        else:
                            self.process_event(event)
                except TooManyFragments as exc:
                    # The connection fails; later events don't matter.
                    self.fail_too_many_fragments(exc)
            else:
                for event in events:
                    self.process_event(event)
        self.send_data()

    def data_received(self, data: bytes) -> None:
        """
        Feed bytes received from the network to the connection.

        Parse them, process the resulting events, and send any data that the
        protocol produced in response, such as pongs or close frames.

        Args:
            data: Bytes received from the network.

        """
        # Not called by asyncio for a BufferedProtocol; kept for callers
        # that feed bytes directly, like websockets' Protocol-based code.
        self.protocol.receive_data(data)
        self._process_events()
        self.send_data()

    def _process_events(self) -> None:
        for event in self.protocol.events_received():
            self.process_event(event)

    def eof_received(self) -> None:
        # Feed the end of the data stream to the protocol.
        self.eof_fed = True
        self.protocol.receive_eof()
        self._process_events()
        self.send_data()
        # The WebSocket protocol has its own closing handshake: endpoints
        # close the TCP connection explicitly. Returning None lets asyncio
        # close the transport once its write buffer is flushed.
        return None


# The parts of the connection that the asyncio and trio implementations share.
# They depend on the event loop only through the methods of SharedConnection.


class SharedConnection(typing.Protocol):
    """What the shared functions below need from an asyncio or trio connection."""

    protocol: Protocol
    send_in_progress: Any

    @property
    def recv_messages(self) -> Assembler:
        """Assembler of incoming messages."""

    def send_context(self) -> contextlib.AbstractAsyncContextManager[None]:
        """Context for writing to the connection; see ``Connection``."""

    async def _raise_close_exc(self) -> NoReturn:
        """Wait until the connection is closed; raise ConnectionClosed."""

    async def _wait_send_in_progress(self) -> None:
        """Wait until the fragmented message being sent is complete."""

    def _start_send_in_progress(self) -> None:
        """Mark the start of a fragmented message."""

    def _end_send_in_progress(self) -> None:
        """Mark the end of a fragmented message; wake up waiting senders."""


async def _recv_message(connection: SharedConnection, decode: bool | None) -> Data:
    """
    Receive the next message with the assembler; see ``Connection.recv``.

    """
    try:
        message: Data = await connection.recv_messages.get(decode)
        return message
    except ConcurrencyError:
        raise ConcurrencyError(
            "cannot call recv while another coroutine "
            "is already running recv or recv_streaming"
        ) from None
    except (EOFError, UnicodeDecodeError) as exc:
        await _recv_failed(connection, exc)


async def _recv_fragments(
    connection: SharedConnection, decode: bool | None
) -> AsyncGenerator[Data, None]:
    """
    Receive the next message frame by frame; see ``Connection.recv_streaming``.

    """
    try:
        async for frame in connection.recv_messages.get_iter(decode):
            yield frame
    except ConcurrencyError:
        raise ConcurrencyError(
            "cannot call recv_streaming while another coroutine "
            "is already running recv or recv_streaming"
        ) from None
    except (EOFError, UnicodeDecodeError) as exc:
        await _recv_failed(connection, exc)


async def _recv_failed(
    connection: SharedConnection, exc: EOFError | UnicodeDecodeError
) -> NoReturn:
    """
    Raise ConnectionClosed once the assembler can't deliver more messages.

    EOFError means that the connection is closing; UnicodeDecodeError, that
    a message must fail the connection with 1007 (invalid data).

    """
    if isinstance(exc, UnicodeDecodeError):
        async with connection.send_context():
            connection.protocol.fail(
                CloseCode.INVALID_DATA,
                f"{exc.reason} at position {exc.start}",
            )
        try:
            await connection._raise_close_exc()
        except ConnectionClosed as closed:
            # Like websockets, the decoding error is the cause.
            raise closed from exc
    await connection._raise_close_exc()


async def _send_message(
    connection: SharedConnection,
    message: DataLike | Iterable[DataLike] | AsyncIterable[DataLike],
    text: bool | None,
) -> None:
    """
    Send a message, possibly fragmented; see ``Connection.send``.

    """
    # While sending a fragmented message, prevent sending other messages
    # until all fragments are sent.
    while connection.send_in_progress is not None:
        await connection._wait_send_in_progress()

    # Unfragmented message -- this case must be handled first because
    # strings and bytes-like objects are iterable.

    if isinstance(message, str):
        async with connection.send_context():
            if text is False:
                connection.protocol.send_binary(message.encode())
            else:
                connection.protocol.send_text(message.encode())

    elif isinstance(message, (bytes, bytearray, memoryview)):
        async with connection.send_context():
            if text:
                connection.protocol.send_text(bytes(message))
            else:
                connection.protocol.send_binary(bytes(message))

    # Catch a common mistake -- passing a dict to send().

    elif isinstance(message, Mapping):
        raise TypeError("data is a dict-like object")

    # Fragmented message -- regular iterator.

    elif isinstance(message, Iterable):
        await _send_fragments(connection, iter(message), None, text)

    # Fragmented message -- async iterator.

    elif isinstance(message, AsyncIterable):
        await _send_fragments(connection, None, aiter(message), text)

    else:
        raise TypeError("data must be str, bytes, iterable, or async iterable")


async def _send_fragments(
    connection: SharedConnection,
    chunks: Iterator[DataLike] | None,
    achunks: AsyncIterator[DataLike] | None,
    text: bool | None,
) -> None:
    # Read the first fragment before taking the "send in progress" lock,
    # because an empty iterable sends nothing.
    try:
        if chunks is not None:
            chunk = next(chunks)
        else:
            assert achunks is not None
            chunk = await anext(achunks)
    except (StopIteration, StopAsyncIteration):
        return

    if isinstance(chunk, str):
        is_text = True
    elif isinstance(chunk, (bytes, bytearray, memoryview)):
        is_text = False
    else:
        raise TypeError("iterable must contain bytes or str")
    encode = is_text
    opcode_text = is_text if text is None else text

    assert connection.send_in_progress is None
    connection._start_send_in_progress()
    try:
        # First fragment.
        async with connection.send_context():
            data = chunk.encode() if encode else bytes(chunk)  # type: ignore[union-attr,arg-type]
            if opcode_text:
                connection.protocol.send_text(data, fin=False)
            else:
                connection.protocol.send_binary(data, fin=False)

        # Other fragments.
        while True:
            try:
                if chunks is not None:
                    chunk = next(chunks)
                else:
                    assert achunks is not None
                    chunk = await anext(achunks)
            except (StopIteration, StopAsyncIteration):
                break
            if encode:
                if not isinstance(chunk, str):
                    raise TypeError("iterable must contain uniform types")
                data = chunk.encode()
            else:
                if not isinstance(chunk, (bytes, bytearray, memoryview)):
                    raise TypeError("iterable must contain uniform types")
                data = bytes(chunk)
            async with connection.send_context():
                connection.protocol.send_continuation(data, fin=False)

        # Final fragment.
        async with connection.send_context():
            connection.protocol.send_continuation(b"", fin=True)

    except Exception:
        # We're half-way through a fragmented message and we can't
        # complete it. This makes the connection unusable.
        async with connection.send_context():
            connection.protocol.fail(
                CloseCode.INTERNAL_ERROR,
                "error in fragmented message",
            )
        raise

    finally:
        connection._end_send_in_progress()


async def _close(connection: SharedConnection, code: int, reason: str) -> None:
    """
    Perform the closing handshake; see ``Connection.close``.

    """
    try:
        async with connection.send_context():
            if connection.send_in_progress is not None:
                connection.protocol.fail(
                    CloseCode.INTERNAL_ERROR,
                    "close during fragmented message",
                )
            else:
                connection.protocol.send_close(code, reason)
    except ConnectionClosed:
        # Ignore ConnectionClosed exceptions raised from send_context().
        # They mean that the connection is closed, which was the goal.
        pass
