"""
TLS on asyncio's event loop, with each TLS implementation: asyncio's own
(``asyncio.sslproto``) and websockets' (``websockets.asyncio.tls``).

Every test runs with both, through the ``tls_implementation`` fixture, so
that the two show the same behaviour.

"""

import asyncio
import contextlib
import json
import os
import socket
import ssl
import subprocess
import sys
import textwrap

import pytest
from asyncio_utils import runs_tls

import websockets.asyncio.tls as tls_module
from websockets.asyncio.client import connect, unix_connect
from websockets.asyncio.server import serve, unix_serve
from websockets.exceptions import ConnectionClosedError, ConnectionClosedOK


DEADLINE = 10


@contextlib.asynccontextmanager
async def deadline(seconds):
    """Like asyncio.timeout(), which Python 3.10 lacks."""
    task = asyncio.current_task()
    expired = False

    def expire():
        nonlocal expired
        expired = True
        task.cancel()

    handle = asyncio.get_running_loop().call_later(seconds, expire)
    try:
        yield
    except asyncio.CancelledError:
        if expired:
            raise TimeoutError(f"deadline of {seconds} s passed") from None
        raise
    finally:
        handle.cancel()


def uri_of(server, host="localhost"):
    return f"wss://{host}:{server.sockets[0].getsockname()[1]}/"


async def echo(ws):
    async for message in ws:
        await ws.send(message)


async def test_client_and_server_exchange_messages(
    tls_implementation, server_ssl, client_ssl
):
    server_connections = []

    async def handler(ws):
        server_connections.append(ws)
        await echo(ws)

    async with serve(handler, "localhost", 0, ssl=server_ssl) as server:
        async with deadline(DEADLINE):
            async with connect(uri_of(server), ssl=client_ssl) as ws:
                await ws.send("hello")
                assert await ws.recv() == "hello"
                await ws.send(b"\x00\xff" * 100)
                assert await ws.recv() == b"\x00\xff" * 100
                assert runs_tls(ws, tls_implementation)
                assert runs_tls(server_connections[0], tls_implementation)
    assert ws.close_code == 1000


async def test_unix_client_and_server(
    tls_implementation, server_ssl, client_ssl, unix_socket_path
):
    path = unix_socket_path
    async with unix_serve(echo, path, ssl=server_ssl):
        async with deadline(DEADLINE):
            # unix_connect() uses wss://localhost/ when ssl is set: the
            # certificate for localhost matches.
            async with unix_connect(path, ssl=client_ssl) as ws:
                await ws.send("over a Unix socket")
                assert await ws.recv() == "over a Unix socket"
                assert runs_tls(ws, tls_implementation)


async def test_bad_certificate_raises_verification_error(
    tls_implementation, server_ssl
):
    async with serve(echo, "localhost", 0, ssl=server_ssl) as server:
        # The default context doesn't trust the test CA.
        async with deadline(DEADLINE):
            with pytest.raises(ssl.SSLCertVerificationError) as raised:
                await connect(uri_of(server), ssl=ssl.create_default_context())
        assert raised.value.verify_message == "unable to get local issuer certificate"
        # The server stays usable after the failed handshake.
        client_ssl = ssl.create_default_context()
        client_ssl.check_hostname = False
        client_ssl.verify_mode = ssl.CERT_NONE
        async with deadline(DEADLINE):
            async with connect(uri_of(server), ssl=client_ssl) as ws:
                await ws.send("still serving")
                assert await ws.recv() == "still serving"


async def test_wrong_host_name_raises_verification_error(
    tls_implementation, server_ssl, client_ssl
):
    async with serve(echo, "localhost", 0, ssl=server_ssl) as server:
        async with deadline(DEADLINE):
            with pytest.raises(ssl.SSLCertVerificationError) as raised:
                # The certificate is for localhost, not for this name.
                await connect(
                    uri_of(server),
                    ssl=client_ssl,
                    server_hostname="other.example",
                )
        assert "Hostname mismatch" in raised.value.verify_message


@pytest.mark.differential
async def test_bad_certificate_error_matches_websockets_17_4(
    tls_implementation, server_ssl, upstream
):
    code = textwrap.dedent(
        """
        import asyncio, json, ssl, sys
        from websockets.asyncio.client import connect
        async def main():
            try:
                await connect(sys.argv[1], ssl=ssl.create_default_context())
            except Exception as exc:
                print(json.dumps(describe(exc)))
        def describe(exc):
            return [
                type(exc).__module__ + "." + type(exc).__qualname__,
                getattr(exc, "reason", None),
                getattr(exc, "verify_code", None),
                getattr(exc, "verify_message", None),
            ]
        asyncio.run(main())
        """
    )
    async with serve(echo, "localhost", 0, ssl=server_ssl) as server:
        uri = uri_of(server)
        released = await asyncio.to_thread(
            upstream.run,
            "-c",
            code,
            uri,
            capture_output=True,
            text=True,
            timeout=60,
        )
        async with deadline(DEADLINE):
            with pytest.raises(Exception) as raised:
                await connect(uri, ssl=ssl.create_default_context())
    exc = raised.value
    ours = [
        type(exc).__module__ + "." + type(exc).__qualname__,
        exc.reason,
        exc.verify_code,
        exc.verify_message,
    ]
    assert json.loads(released.stdout) == ours


def recording_server_ssl(server_ssl, names):
    def sni_callback(sslobj, server_name, context):
        names.append(server_name)

    server_ssl.sni_callback = sni_callback
    return server_ssl


async def test_sni_defaults_to_uri_host(tls_implementation, certs, client_ssl):
    names = []
    server_ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certs.cert.configure_cert(server_ssl)
    recording_server_ssl(server_ssl, names)
    async with serve(echo, "localhost", 0, ssl=server_ssl) as server:
        async with deadline(DEADLINE):
            async with connect(uri_of(server), ssl=client_ssl) as ws:
                await ws.send("sni")
                assert await ws.recv() == "sni"
    assert names == ["localhost"]


async def test_sni_follows_server_hostname(tls_implementation, certs, client_ssl):
    names = []
    server_ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certs.cert.configure_cert(server_ssl)
    recording_server_ssl(server_ssl, names)
    async with serve(echo, "127.0.0.1", 0, ssl=server_ssl) as server:
        async with deadline(DEADLINE):
            # Connect to an IP address, name the host for SNI and checks.
            async with connect(
                uri_of(server, "127.0.0.1"),
                ssl=client_ssl,
                server_hostname="localhost",
            ) as ws:
                assert (
                    ws.transport.get_extra_info("ssl_object").server_hostname
                    == "localhost"
                )
    assert names == ["localhost"]


async def test_server_bounds_handshake_with_open_timeout(
    tls_implementation, server_ssl
):
    async with serve(echo, "127.0.0.1", 0, ssl=server_ssl, open_timeout=0.2) as server:
        port = server.sockets[0].getsockname()[1]
        # A client that opens a TCP connection and never speaks TLS.
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            async with deadline(DEADLINE):
                # The server closes the connection after open_timeout,
                # not after asyncio's default of 60 seconds.
                assert await reader.read() == b""
        finally:
            writer.close()


@contextlib.asynccontextmanager
async def silent_server():
    """Run a server that accepts TCP connections and never speaks TLS; yield its port."""
    writers = []

    async def silent(reader, writer):
        writers.append(writer)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in writers:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_client_bounds_handshake_with_open_timeout(tls_implementation):
    async with silent_server() as port:
        async with deadline(DEADLINE):
            # asyncio.TimeoutError is TimeoutError since Python 3.11.
            with pytest.raises((TimeoutError, asyncio.TimeoutError)):
                await connect(
                    f"wss://127.0.0.1:{port}/",
                    ssl=ssl.create_default_context(),
                    open_timeout=0.2,
                )


async def test_client_bounds_handshake_with_ssl_handshake_timeout(
    tls_implementation,
):
    async with silent_server() as port:
        async with deadline(DEADLINE):
            with pytest.raises(ConnectionAbortedError, match="SSL handshake"):
                await connect(
                    f"wss://127.0.0.1:{port}/",
                    ssl=ssl.create_default_context(),
                    open_timeout=None,
                    ssl_handshake_timeout=0.2,
                )


def blocking_tls_client(port, ca_path, *, clean):
    """
    Open a WebSocket connection with a blocking TLS socket, answer the
    server's closing handshake, and report how the TLS stream ended.

    """
    context = ssl.create_default_context(cafile=str(ca_path))
    raw = socket.create_connection(("localhost", port), timeout=DEADLINE)
    sock = context.wrap_socket(
        raw, server_hostname="localhost", suppress_ragged_eofs=False
    )
    sock.sendall(
        b"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\n\r\n"
    )
    received = b""
    while b"\r\n\r\n" not in received:
        received += sock.recv(4096)
    if not clean:
        # Close TCP without close_notify.
        raw_fd = sock.detach()
        socket.socket(fileno=raw_fd).close()
        return None
    response, _, received = received.partition(b"\r\n\r\n")
    assert response.startswith(b"HTTP/1.1 101")
    # Read the server's close frame: 0x88, length 2, code 1000.
    while len(received) < 4:
        received += sock.recv(4096)
    assert received[:4] == b"\x88\x02\x03\xe8"
    # Answer with a masked close frame.
    sock.sendall(b"\x88\x82\x00\x00\x00\x00\x03\xe8")
    try:
        while sock.recv(4096):
            pass
    except ssl.SSLEOFError:
        return "unclean EOF"
    finally:
        sock.close()
    # recv() returns b"" only after the server's close_notify.
    return "close_notify"


async def test_server_sends_close_notify_on_close(
    tls_implementation, server_ssl, certs
):
    async def handler(ws):
        await ws.close()

    async with serve(handler, "localhost", 0, ssl=server_ssl) as server:
        port = server.sockets[0].getsockname()[1]
        async with deadline(DEADLINE):
            ending = await asyncio.to_thread(
                blocking_tls_client, port, certs.ca_path, clean=True
            )
    assert ending == "close_notify"


async def test_server_handles_unclean_eof(tls_implementation, server_ssl, certs):
    errors = []
    done = asyncio.Event()

    async def handler(ws):
        try:
            await ws.recv()
        except ConnectionClosedError as exc:
            errors.append(exc)
        finally:
            done.set()

    async with serve(handler, "localhost", 0, ssl=server_ssl) as server:
        port = server.sockets[0].getsockname()[1]
        async with deadline(DEADLINE):
            await asyncio.to_thread(
                blocking_tls_client, port, certs.ca_path, clean=False
            )
            await done.wait()
    # The TCP connection ended without a closing handshake.
    assert len(errors) == 1
    assert errors[0].rcvd is None


async def test_client_handles_peer_close_notify(
    tls_implementation, server_ssl, client_ssl
):
    async def handler(ws):
        await ws.close(1000, "bye")

    async with serve(handler, "localhost", 0, ssl=server_ssl) as server:
        async with deadline(DEADLINE):
            async with connect(uri_of(server), ssl=client_ssl) as ws:
                with pytest.raises(ConnectionClosedOK):
                    await ws.recv()
                await ws.wait_closed()
    assert (ws.close_code, ws.close_reason) == (1000, "bye")


async def test_extra_info(tls_implementation, server_ssl, client_ssl):
    server_info = {}

    async def handler(ws):
        transport = ws.transport
        for name in ("ssl_object", "peercert", "sslcontext", "cipher"):
            server_info[name] = transport.get_extra_info(name)
        await echo(ws)

    async with serve(handler, "localhost", 0, ssl=server_ssl) as server:
        async with deadline(DEADLINE):
            async with connect(uri_of(server), ssl=client_ssl) as ws:
                await ws.send("info")
                assert await ws.recv() == "info"
                transport = ws.transport
                sslobj = transport.get_extra_info("ssl_object")
                assert isinstance(sslobj, ssl.SSLObject)
                assert not sslobj.server_side
                peercert = transport.get_extra_info("peercert")
                assert ("DNS", "localhost") in peercert["subjectAltName"]
                assert peercert == sslobj.getpeercert()
                assert transport.get_extra_info("cipher") == sslobj.cipher()
                assert transport.get_extra_info("compression") is None
                assert transport.get_extra_info("sslcontext") is client_ssl
                sock = transport.get_extra_info("socket")
                assert sock.getsockname() == transport.get_extra_info("sockname")
                assert ws.local_address == transport.get_extra_info("sockname")
                assert ws.remote_address == transport.get_extra_info("peername")
                assert ws.remote_address == server.sockets[0].getsockname()[:2]
                assert transport.get_extra_info("missing", "default") == "default"
    assert server_info["ssl_object"].server_side
    # The client sent no certificate.
    assert server_info["peercert"] is None
    assert server_info["sslcontext"] is server_ssl
    assert server_info["cipher"] == sslobj.cipher()


@pytest.mark.parametrize("size", [2**20, 2**24])
async def test_large_messages(tls_implementation, server_ssl, client_ssl, size):
    message = os.urandom(size)
    # Without compression, which would cost more than TLS.
    async with serve(
        echo, "localhost", 0, ssl=server_ssl, max_size=None, compression=None
    ) as server:
        async with deadline(DEADLINE * 3):
            async with connect(
                uri_of(server), ssl=client_ssl, max_size=None, compression=None
            ) as ws:
                await ws.send(message)
                assert await ws.recv() == message
                await ws.send(message[: size // 2])
                assert await ws.recv() == message[: size // 2]


async def test_flow_control(tls_implementation, server_ssl, client_ssl):
    server_connections = []
    # Random bytes: compression would shrink repeated bytes.
    message = os.urandom(2**18)
    count = 64
    sent = asyncio.Event()

    async def handler(ws):
        server_connections.append(ws)
        for _ in range(count):
            await ws.send(message)
        sent.set()
        await ws.wait_closed()

    async with serve(handler, "localhost", 0, ssl=server_ssl) as server:
        # A small receive buffer, set before connecting, keeps the kernel
        # from absorbing what the server sends.
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2**16)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(
            sock, server.sockets[0].getsockname()
        )
        async with deadline(DEADLINE * 3):
            async with connect(
                uri_of(server), sock=sock, ssl=client_ssl, max_queue=4
            ) as ws:
                # The client doesn't read: once its queue is full, it stops
                # reading from the transport, then the server's writes pause.
                while ws.transport.is_reading() or not server_connections:
                    await asyncio.sleep(0.01)
                while not server_connections[0].paused:
                    await asyncio.sleep(0.01)
                assert not sent.is_set()
                assert server_connections[0].transport.get_write_buffer_size() > 0
                # Reading resumes and every message arrives, in order.
                for _ in range(count):
                    assert await ws.recv() == message
                await sent.wait()
                assert ws.transport.is_reading()


def test_bad_setting_fails_loudly():
    process = subprocess.run(
        [sys.executable, "-c", "import websockets.asyncio.client"],
        env={**os.environ, "WEBSOCKETS_TLS": "sslproto"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode != 0
    assert "WEBSOCKETS_TLS must be 'asyncio' or 'builtin', got 'sslproto'" in (
        process.stderr
    )


@pytest.mark.parametrize("value", ["asyncio", "builtin"])
def test_setting_selects_implementation(value):
    process = subprocess.run(
        [
            sys.executable,
            "-c",
            "import websockets.asyncio.tls as t; print(t.TLS_IMPLEMENTATION)",
        ],
        env={**os.environ, "WEBSOCKETS_TLS": value},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.stdout.strip() == value


def test_uvloop_keeps_its_own_tls(tls_implementation, client_ssl):
    uvloop = pytest.importorskip("uvloop")
    loop = uvloop.new_event_loop()
    try:
        assert not tls_module.use_builtin_tls(loop, client_ssl)
    finally:
        loop.close()
    loop = asyncio.new_event_loop()
    try:
        assert tls_module.use_builtin_tls(loop, client_ssl) == (
            tls_implementation == "builtin"
        )
    finally:
        loop.close()
