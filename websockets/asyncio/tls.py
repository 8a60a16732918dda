"""
TLS inside the connection, on asyncio's own event loop.

asyncio's TLS layer (:mod:`asyncio.sslproto`) is written in Python and keeps
a 256 KiB read buffer per connection: it dominates the CPU of small messages
over TLS and the memory of idle TLS connections. This module runs TLS with
:class:`ssl.MemoryBIO` and :class:`ssl.SSLObject` between the TCP transport
and the connection, with few Python calls per message:

* :class:`TLSProtocol` is the protocol of the TCP transport. The transport
  reads ciphertext into a buffer that all the connections of a thread share;
  :class:`TLSProtocol` moves it into the incoming BIO at once, then decrypts
  all the available plaintext straight into the connection's read buffer
  (``get_buffer()`` / ``buffer_updated()``). An idle connection keeps no
  read buffer of its own.
* :class:`TLSTransport` is the transport that the connection sees. It
  encrypts writes into the outgoing BIO and hands the ciphertext to the TCP
  transport. Flow control of writes is the TCP transport's: its buffer holds
  the ciphertext, which is the plaintext plus a few bytes per record.

The TLS handshake completes before the connection's ``connection_made()``,
as with asyncio. Its errors are raised by :func:`open_connection` (clients)
or close the TCP connection silently (servers), as with asyncio.

:data:`TLS_IMPLEMENTATION` chooses between this module (``"builtin"``) and
asyncio's TLS layer (``"asyncio"``); see :func:`use_builtin_tls`.

"""

from __future__ import annotations

import asyncio
import os
import ssl
import threading
from typing import Any, Callable, TypeVar, cast


__all__ = [
    "TLS_IMPLEMENTATION",
    "TLSProtocol",
    "TLSTransport",
    "open_connection",
    "server_factory",
    "start_tls",
    "use_builtin_tls",
]


def _read_tls_implementation() -> str:
    # Read once, at import, and fail loudly: a typo mustn't silently select
    # the other implementation.
    value = os.environ.get("WEBSOCKETS_TLS", "builtin")
    if value not in ("asyncio", "builtin"):
        raise ValueError(
            f"WEBSOCKETS_TLS must be 'asyncio' or 'builtin', got {value!r}"
        )
    return value


TLS_IMPLEMENTATION = _read_tls_implementation()
"""
``"builtin"`` runs TLS in this module on asyncio's own event loop;
``"asyncio"`` uses asyncio's TLS layer. Set with the ``WEBSOCKETS_TLS``
environment variable. Other event loops, such as uvloop, always use their
own TLS.

"""

P = TypeVar("P", bound=asyncio.BaseProtocol)

# asyncio's defaults for the TLS handshake and shutdown timeouts.
HANDSHAKE_TIMEOUT = 60.0
SHUTDOWN_TIMEOUT = 30.0

# Ciphertext is fed to and taken from the memory BIOs in pieces of at most
# this size: a memory BIO keeps the largest size it ever held for the rest of
# the connection, so this bounds what a connection keeps after large messages.
CHUNK_SIZE = 256 * 1024

# Size of the read buffer that the connections of a thread share: the size of
# asyncio's reads, which makes few system calls for large messages.
READ_SIZE = 256 * 1024

_thread_local = threading.local()


def shared_read_buffer() -> memoryview:
    """Return the read buffer of the TLS connections of this thread."""
    try:
        buffer: memoryview = _thread_local.read_buffer
    except AttributeError:
        buffer = _thread_local.read_buffer = memoryview(bytearray(READ_SIZE))
    return buffer


# States of TLSProtocol.
HANDSHAKE, WRAPPED, SHUTDOWN, CLOSED = range(4)


def use_builtin_tls(loop: asyncio.AbstractEventLoop, ssl_arg: Any) -> bool:
    """
    Tell whether a connection with the ``ssl`` argument ``ssl_arg`` runs TLS
    in this module.

    Only asyncio's own event loops qualify: others, such as uvloop, run TLS
    in compiled code already. Arguments that asyncio rejects stay with
    asyncio, which raises its usual errors.

    """
    return (
        TLS_IMPLEMENTATION == "builtin"
        and (ssl_arg is True or isinstance(ssl_arg, ssl.SSLContext))
        and isinstance(loop, asyncio.BaseEventLoop)
    )


class TLSTransport(asyncio.Transport):
    """
    Transport that the connection writes plaintext to.

    """

    def __init__(self, tls: TLSProtocol) -> None:
        super().__init__()
        self._tls = tls
        # Bind the hot methods of the TCP transport once.
        self._raw = tls.raw
        self._closing = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        tls = self._tls
        if name == "ssl_object":
            return tls.sslobj
        if name == "sslcontext":
            return tls.context
        if name == "peercert":
            return tls.peercert
        if name == "cipher":
            return tls.sslobj.cipher()
        if name == "compression":
            return tls.sslobj.compression()
        return self._raw.get_extra_info(name, default)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._tls.set_app_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._tls.app

    def is_closing(self) -> bool:
        return self._closing or self._raw.is_closing()

    def close(self) -> None:
        if not self._closing:
            self._closing = True
            self._tls.shutdown()

    def abort(self) -> None:
        self._closing = True
        self._tls.state = CLOSED
        self._raw.abort()

    # Reading

    def is_reading(self) -> bool:
        return not self._tls.app_paused and not self._raw.is_closing()

    def pause_reading(self) -> None:
        self._tls.pause_reading()

    def resume_reading(self) -> None:
        self._tls.resume_reading()

    # Writing

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._closing:
            return
        tls = self._tls
        size = len(data)
        if not size:
            return
        if size <= CHUNK_SIZE:
            try:
                tls.sslobj.write(data)
            except ssl.SSLError as exc:
                tls.fatal_error(exc)
                return
            self._raw.write(tls.outgoing.read())
        else:
            tls.write_chunks(data)

    def writelines(self, list_of_data: Any) -> None:
        for data in list_of_data:
            self.write(data)

    def can_write_eof(self) -> bool:
        # TLS has no half-close, like asyncio's TLS transport.
        return False

    def write_eof(self) -> None:
        raise NotImplementedError("TLS doesn't support half-closing")

    def get_write_buffer_size(self) -> int:
        return self._raw.get_write_buffer_size()

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._raw.get_write_buffer_limits()

    def set_write_buffer_limits(
        self, high: int | None = None, low: int | None = None
    ) -> None:
        self._raw.set_write_buffer_limits(high, low)


class TLSProtocol(asyncio.BufferedProtocol):
    """
    Protocol of the TCP transport, running TLS for one connection.

    Args:
        app: The connection's protocol.
        context: TLS settings.
        server_side: Whether this is the server side.
        server_hostname: Host name for SNI and certificate checks (clients).
        handshake_timeout: Abort the connection if the handshake takes longer.
        shutdown_timeout: Close the TCP connection if the peer doesn't
            answer ``close_notify`` within this time.

    """

    raw: asyncio.Transport
    app_transport: TLSTransport

    def __init__(
        self,
        app: asyncio.BaseProtocol,
        context: ssl.SSLContext,
        *,
        server_side: bool,
        server_hostname: str | None = None,
        handshake_timeout: float | None = None,
        shutdown_timeout: float | None = None,
    ) -> None:
        self.loop = asyncio.get_running_loop()
        self.context = context
        self.read_buffer = shared_read_buffer()
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.sslobj = context.wrap_bio(
            self.incoming,
            self.outgoing,
            server_side=server_side,
            server_hostname=server_hostname,
        )
        self.peercert: Any = None
        self.set_app_protocol(app)
        self.handshake_timeout = (
            HANDSHAKE_TIMEOUT if handshake_timeout is None else handshake_timeout
        )
        self.shutdown_timeout = (
            SHUTDOWN_TIMEOUT if shutdown_timeout is None else shutdown_timeout
        )
        self.timer: asyncio.TimerHandle | None = None
        self.state = HANDSHAKE
        self.app_paused = False
        self.app_writing_paused = False
        self.app_made = False
        # With start_tls(), the connection exists before TLS starts; like
        # asyncio's loop.start_tls(), a failed handshake then reaches it
        # through connection_lost().
        self.app_preexists = False
        # Resolved when the handshake completes, with its error if it fails.
        self.handshake_done: asyncio.Future[None] = self.loop.create_future()

    def set_app_protocol(self, app: asyncio.BaseProtocol) -> None:
        self.app = app
        self.buffered = isinstance(app, asyncio.BufferedProtocol)

    # Handshake

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.raw = transport
        self.app_transport = TLSTransport(self)
        self.timer = self.loop.call_later(
            self.handshake_timeout, self._handshake_timed_out
        )
        self._do_handshake()

    def _do_handshake(self) -> None:
        try:
            self.sslobj.do_handshake()
        except ssl.SSLWantReadError:
            self._flush()
            return
        except Exception as exc:
            self._handshake_failed(exc)
            return
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.state = WRAPPED
        self.peercert = self.sslobj.getpeercert()
        # TLS 1.3 servers send session tickets after the handshake.
        self._flush()
        self.app_made = True
        self.app.connection_made(self.app_transport)
        if not self.handshake_done.done():
            self.handshake_done.set_result(None)
        if self.state == WRAPPED and (self.incoming.pending or self.sslobj.pending()):
            self._read()

    def _handshake_failed(self, exc: Exception) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.state = CLOSED
        # Like asyncio, close the TCP connection at once, without sending the
        # alert: the peer sees the same end of stream with both TLS layers.
        self._force_close(exc)
        if not self.handshake_done.done():
            self.handshake_done.set_exception(exc)
            # Servers don't wait for the handshake; don't log the error as
            # never retrieved. Like asyncio, servers ignore handshake errors.
            self.handshake_done.exception()

    def _handshake_timed_out(self) -> None:
        self.timer = None
        if self.state == HANDSHAKE:
            timeout = self.handshake_timeout
            exc = ConnectionAbortedError(
                f"SSL handshake is taking longer than {timeout} seconds: "
                f"aborting the connection"
            )
            self.state = CLOSED
            self._force_close(exc)
            if not self.handshake_done.done():
                self.handshake_done.set_exception(exc)
                self.handshake_done.exception()

    # Reading

    def get_buffer(self, sizehint: int) -> memoryview:
        # All the connections of a thread read into one buffer, since
        # buffer_updated() moves the bytes into the BIO at once: a buffer
        # per connection would cost memory, and reading into a new bytes
        # object, as asyncio.Protocol does, allocates 256 KiB per read.
        return self.read_buffer

    def buffer_updated(self, nbytes: int) -> None:
        if self.state == WRAPPED and nbytes <= CHUNK_SIZE:
            # Fast path: one read on an open connection.
            self.incoming.write(self.read_buffer[:nbytes])
            if not self.app_paused:
                self._read()
        else:
            self.data_received(self.read_buffer[:nbytes])

    def data_received(self, data: bytes | memoryview) -> None:
        # Feed large reads in pieces; see CHUNK_SIZE.
        view = memoryview(data)
        incoming = self.incoming
        for start in range(0, len(view), CHUNK_SIZE):
            incoming.write(view[start : start + CHUNK_SIZE])
            state = self.state
            if state == WRAPPED:
                if self.app_paused:
                    # Keep the rest until reading resumes.
                    incoming.write(view[start + CHUNK_SIZE :])
                    return
                self._read()
            elif state == HANDSHAKE:
                self._do_handshake()
            elif state == SHUTDOWN:
                self._do_shutdown()
            else:
                return

    def _read(self) -> None:
        """Decrypt all the available plaintext into the connection."""
        sslobj = self.sslobj
        incoming = self.incoming
        app = self.app
        try:
            if self.buffered:
                get_buffer = app.get_buffer  # type: ignore[attr-defined]
                buffer_updated = app.buffer_updated  # type: ignore[attr-defined]
                # Each read returns at most one TLS record (16 KiB). Fill the
                # connection's buffer with as many as fit before handing it
                # over: a large frame is parsed once per buffer, not once per
                # record. Stop when no ciphertext nor plaintext remains,
                # without waiting for SSLWantReadError.
                while True:
                    buffer = get_buffer(CHUNK_SIZE)
                    size = len(buffer)
                    # With a buffer, read() returns a count; typeshed says bytes.
                    nbytes: int = sslobj.read(size, buffer)  # type: ignore[assignment]
                    if not nbytes:
                        # The peer sent close_notify: ssl returns no data.
                        self._eof()
                        return
                    while nbytes < size and (incoming.pending or sslobj.pending()):
                        try:
                            count: int = sslobj.read(size - nbytes, buffer[nbytes:])  # type: ignore[assignment]
                        except ssl.SSLWantReadError:
                            break
                        if not count:
                            buffer_updated(nbytes)
                            self._eof()
                            return
                        nbytes += count
                    buffer_updated(nbytes)
                    if (
                        self.app_paused
                        or self.state != WRAPPED
                        or not (incoming.pending or sslobj.pending())
                    ):
                        break
            else:
                data_received = app.data_received  # type: ignore[attr-defined]
                while True:
                    data = sslobj.read(CHUNK_SIZE)
                    if not data:
                        self._eof()
                        return
                    data_received(data)
                    if (
                        self.app_paused
                        or self.state != WRAPPED
                        or not (incoming.pending or sslobj.pending())
                    ):
                        break
        except ssl.SSLWantReadError:
            pass
        except ssl.SSLZeroReturnError:
            # The peer sent close_notify (older versions of ssl).
            self._eof()
            return
        except ssl.SSLError as exc:
            self.fatal_error(exc)
            return
        # Reading may produce data to send, e.g. a TLS 1.3 key update.
        if self.outgoing.pending:
            self._flush()

    def _eof(self) -> None:
        if self.state != WRAPPED:
            return
        keep_open = self.app.eof_received()  # type: ignore[attr-defined]
        if not keep_open:
            self.app_transport.close()

    def eof_received(self) -> bool | None:
        if self.state == HANDSHAKE:
            self._handshake_failed(ConnectionResetError("Connection lost"))
            return None
        if self.state == WRAPPED:
            # The peer closed TCP without close_notify: deliver what was
            # received, then the end of the stream.
            if self.incoming.pending and not self.app_paused:
                self._read()
            self._eof()
        # Let the TCP transport close itself.
        return None

    def pause_reading(self) -> None:
        if not self.app_paused:
            self.app_paused = True
            self.raw.pause_reading()

    def resume_reading(self) -> None:
        if self.app_paused:
            self.app_paused = False
            self.raw.resume_reading()
            if self.state == WRAPPED and (
                self.incoming.pending or self.sslobj.pending()
            ):
                # Deliver plaintext that waited, outside of the caller.
                self.loop.call_soon(self._resume_read)

    def _resume_read(self) -> None:
        if self.state == WRAPPED and not self.app_paused:
            self._read()

    # Writing

    def _flush(self) -> None:
        data = self.outgoing.read()
        if data:
            self.raw.write(data)

    def write_chunks(self, data: bytes | bytearray | memoryview) -> None:
        # Encrypt in pieces; see CHUNK_SIZE.
        view = memoryview(data).cast("B")
        sslobj_write = self.sslobj.write
        outgoing_read = self.outgoing.read
        raw_write = self.raw.write
        try:
            for start in range(0, len(view), CHUNK_SIZE):
                sslobj_write(view[start : start + CHUNK_SIZE])
                raw_write(outgoing_read())
        except ssl.SSLError as exc:
            self.fatal_error(exc)

    def pause_writing(self) -> None:
        if self.app_made and not self.app_writing_paused:
            self.app_writing_paused = True
            self.app.pause_writing()

    def resume_writing(self) -> None:
        if self.app_writing_paused:
            self.app_writing_paused = False
            self.app.resume_writing()

    # Closing

    def shutdown(self) -> None:
        """Send close_notify, then close when the peer answers or times out."""
        if self.state == HANDSHAKE:
            self.state = CLOSED
            self.raw.abort()
            return
        if self.state != WRAPPED:
            return
        self.state = SHUTDOWN
        self.timer = self.loop.call_later(
            self.shutdown_timeout, self._shutdown_timed_out
        )
        self._do_shutdown()

    def _do_shutdown(self) -> None:
        try:
            self.sslobj.unwrap()
        except ssl.SSLWantReadError:
            # close_notify is sent; the peer's hasn't arrived yet.
            self._flush()
            return
        except ssl.SSLError:
            pass
        self._flush()
        self.state = CLOSED
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.raw.close()

    def _shutdown_timed_out(self) -> None:
        self.timer = None
        if self.state == SHUTDOWN:
            self.state = CLOSED
            self.raw.abort()

    def _force_close(self, exc: Exception) -> None:
        """Close the TCP connection during the handshake, like asyncio."""
        self.raw.abort()
        if self.app_preexists:
            self.loop.call_soon(self.app.connection_lost, exc)

    def fatal_error(self, exc: BaseException) -> None:
        self.state = CLOSED
        self.app_transport._closing = True
        # The connection learns the error from connection_lost(), as with
        # asyncio, whose transports have a private method for this.
        force_close = getattr(self.raw, "_force_close", None)
        if force_close is not None:
            force_close(exc)
        else:  # pragma: no cover
            self.raw.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.state == HANDSHAKE:
            self.state = CLOSED
            if not self.handshake_done.done():
                self.handshake_done.set_exception(
                    exc or ConnectionResetError("Connection lost")
                )
                self.handshake_done.exception()
            return
        self.state = CLOSED
        self.app_transport._closing = True
        if self.app_made:
            self.app_made = False
            self.app.connection_lost(exc)


async def open_connection(
    loop: asyncio.AbstractEventLoop,
    factory: Callable[[], P],
    *,
    unix: bool = False,
    **kwargs: Any,
) -> P:
    """
    Open a TCP or Unix connection with TLS run by this module.

    Take the arguments of :meth:`~asyncio.loop.create_connection` or
    :meth:`~asyncio.loop.create_unix_connection`, with ``ssl`` set, and apply
    them as asyncio does. Return the connection's protocol once the TLS
    handshake is complete.

    Raises:
        ssl.SSLError: If the TLS handshake fails.
        ConnectionAbortedError: If the TLS handshake times out.

    """
    context = kwargs.pop("ssl")
    server_hostname = kwargs.pop("server_hostname", None)
    handshake_timeout = kwargs.pop("ssl_handshake_timeout", None)
    shutdown_timeout = kwargs.pop("ssl_shutdown_timeout", None)
    # Same defaults and errors as asyncio.
    if server_hostname is None:
        if unix:
            raise ValueError("you have to pass server_hostname when using ssl")
        if kwargs.get("host") is None:
            raise ValueError(
                "You must set server_hostname when using ssl without a host"
            )
        server_hostname = kwargs["host"]
    if context is True:
        context = ssl.create_default_context()
        if not server_hostname:
            context.check_hostname = False

    def tls_factory() -> TLSProtocol:
        # Create the connection once TCP is connected, like asyncio.
        return TLSProtocol(
            factory(),
            context,
            server_side=False,
            # An empty server_hostname disables SNI and hostname checks.
            server_hostname=server_hostname or None,
            handshake_timeout=handshake_timeout,
            shutdown_timeout=shutdown_timeout,
        )

    if unix:
        _, tls = await loop.create_unix_connection(tls_factory, **kwargs)
    else:
        _, tls = await loop.create_connection(tls_factory, **kwargs)
    try:
        await tls.handshake_done
    except BaseException:
        # Cancelled, e.g. by open_timeout, or failed: drop the connection.
        if tls.state == HANDSHAKE:
            tls.state = CLOSED
            tls.raw.abort()
        raise
    return cast(P, tls.app)


def server_factory(
    factory: Callable[[], asyncio.BaseProtocol],
    kwargs: dict[str, Any],
) -> Callable[[], asyncio.BaseProtocol]:
    """
    Wrap the protocol factory of a server to run TLS in this module.

    Remove the TLS arguments from ``kwargs``, the keyword arguments of
    :meth:`~asyncio.loop.create_server`, which must include ``ssl``.

    """
    context = kwargs.pop("ssl")
    handshake_timeout = kwargs.pop("ssl_handshake_timeout", None)
    shutdown_timeout = kwargs.pop("ssl_shutdown_timeout", None)

    def tls_factory() -> TLSProtocol:
        return TLSProtocol(
            factory(),
            context,
            server_side=True,
            handshake_timeout=handshake_timeout,
            shutdown_timeout=shutdown_timeout,
        )

    return tls_factory


async def start_tls(
    transport: asyncio.Transport,
    app: asyncio.BaseProtocol,
    context: ssl.SSLContext,
    *,
    leftover: bytes = b"",
    server_hostname: str | None = None,
    ssl_handshake_timeout: float | None = None,
    ssl_shutdown_timeout: float | None = None,
) -> None:
    """
    Run TLS over an open transport, e.g. a tunnel through an HTTP proxy, as
    a client, like :meth:`~asyncio.loop.start_tls`.

    ``transport`` must be paused; ``leftover`` holds bytes that it already
    received. The connection's ``connection_made()`` is called once the TLS
    handshake completes.

    """
    tls = TLSProtocol(
        app,
        context,
        server_side=False,
        server_hostname=server_hostname or None,
        handshake_timeout=ssl_handshake_timeout,
        shutdown_timeout=ssl_shutdown_timeout,
    )
    tls.app_preexists = True
    transport.set_protocol(tls)
    tls.connection_made(transport)
    if leftover:
        tls.data_received(leftover)
    transport.resume_reading()
    try:
        await tls.handshake_done
    except BaseException:
        if tls.state == HANDSHAKE:
            tls.state = CLOSED
            transport.abort()
        raise
