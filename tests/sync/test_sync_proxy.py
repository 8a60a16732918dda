"""Threading client through HTTP and SOCKS proxies listening on 127.0.0.1."""

from __future__ import annotations

import contextlib
import select
import socket
import ssl

import pytest

from tests import test_proxy
from tests.test_proxy import (
    SOCKET_TIMEOUT,
    ConnectProxyHandler,
    EchoHandler,
    Socks5ProxyHandler,
    run_connect_proxy,
    run_server as run_proxy_server,
)
from websockets.exceptions import InvalidProxyMessage, InvalidProxyStatus
from websockets.http11 import USER_AGENT
from websockets.proxy import parse_proxy
from websockets.sync.client import SSLSSLSocket, connect, connect_http_proxy
from websockets.sync.utils import Deadline
from websockets.uri import parse_uri

from .sync_utils import echo, run_server


def closed_port():
    """Return a port on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_of(server):
    return server.socket.getsockname()[1]


@pytest.mark.parametrize("variable", ["ws_proxy", "https_proxy", "http_proxy"])
def test_http_proxy_from_environment(monkeypatch, variable):
    with run_server(echo) as server:
        with run_connect_proxy() as proxy_server:
            proxy_host, proxy_port = proxy_server.server_address
            monkeypatch.setenv(variable, f"http://{proxy_host}:{proxy_port}")
            with connect(f"ws://127.0.0.1:{port_of(server)}/") as ws:
                ws.send("via proxy")
                assert ws.recv() == "via proxy"
        [request] = proxy_server.requests
        assert request.startswith(f"CONNECT 127.0.0.1:{port_of(server)} ".encode())


def test_all_proxy_is_not_used(monkeypatch):
    # Like upstream, all_proxy isn't part of the proxy configuration.
    monkeypatch.setenv("all_proxy", f"http://127.0.0.1:{closed_port()}")
    with run_server(echo) as server:
        with connect(f"ws://127.0.0.1:{port_of(server)}/") as ws:
            ws.send("direct")
            assert ws.recv() == "direct"


def test_http_proxy_sends_user_agent_and_host():
    with run_server(echo) as server:
        with run_connect_proxy() as proxy_server:
            proxy_host, proxy_port = proxy_server.server_address
            proxy = f"http://{proxy_host}:{proxy_port}"
            uri = f"ws://127.0.0.1:{port_of(server)}/"
            with connect(uri, proxy=proxy):
                pass
            with connect(uri, proxy=proxy, user_agent_header=None):
                pass
        with_header, without_header = proxy_server.requests
        port = port_of(server)
    assert (
        with_header
        == (
            f"CONNECT 127.0.0.1:{port} HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\n"
            f"User-Agent: {USER_AGENT}\r\n\r\n"
        ).encode()
    )
    assert b"User-Agent" not in without_header


def test_explicit_proxy_overrides_environment(monkeypatch):
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{closed_port()}")
    with run_server(echo) as server:
        with run_connect_proxy(credentials=b"user:p@ss") as proxy_server:
            proxy_host, proxy_port = proxy_server.server_address
            proxy = f"http://user:p%40ss@{proxy_host}:{proxy_port}"
            with connect(f"ws://127.0.0.1:{port_of(server)}/", proxy=proxy) as ws:
                ws.send("authenticated")
                assert ws.recv() == "authenticated"


def test_proxy_none_ignores_environment(monkeypatch):
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{closed_port()}")
    with run_server(echo) as server:
        with connect(f"ws://127.0.0.1:{port_of(server)}/", proxy=None) as ws:
            ws.send("direct")
            assert ws.recv() == "direct"


def test_no_proxy_bypasses_environment(monkeypatch):
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    with run_server(echo) as server:
        with connect(f"ws://127.0.0.1:{port_of(server)}/") as ws:
            ws.send("direct")
            assert ws.recv() == "direct"


def test_http_proxy_rejecting_connection_raises_invalid_proxy_status():
    with run_server(echo) as server:
        with run_connect_proxy(credentials=b"user:pass") as proxy_server:
            proxy_host, proxy_port = proxy_server.server_address
            with pytest.raises(InvalidProxyStatus) as raised:
                connect(
                    f"ws://127.0.0.1:{port_of(server)}/",
                    proxy=f"http://{proxy_host}:{proxy_port}",
                )
    assert raised.value.response.status_code == 407
    assert str(raised.value) == "proxy rejected connection: HTTP 407"


def test_http_proxy_sending_garbage_raises_invalid_proxy_message():
    with run_server(echo) as server:
        with run_connect_proxy(response=b"garbage\r\n\r\n") as proxy_server:
            proxy_host, proxy_port = proxy_server.server_address
            with pytest.raises(InvalidProxyMessage):
                connect(
                    f"ws://127.0.0.1:{port_of(server)}/",
                    proxy=f"http://{proxy_host}:{proxy_port}",
                )


def test_unreachable_http_proxy_raises_oserror():
    with pytest.raises(OSError):
        connect("ws://127.0.0.1/", proxy=f"http://127.0.0.1:{closed_port()}")


def test_connect_http_proxy_leaves_tunnel_bytes_in_socket():
    with run_proxy_server(EchoHandler) as echo_server:
        host, port = echo_server.server_address
        with run_connect_proxy(greeting=b"hi ") as proxy_server:
            proxy_host, proxy_port = proxy_server.server_address
            sock = connect_http_proxy(
                parse_proxy(f"http://{proxy_host}:{proxy_port}"),
                parse_uri(f"ws://{host}:{port}/"),
                Deadline(10),
            )
            with sock:
                sock.sendall(b"there")
                sock.shutdown(socket.SHUT_WR)
                received = b""
                while data := sock.recv(4096):
                    received += data
    assert received == b"hi there"


def test_wss_through_http_proxy(server_ssl, client_ssl):
    with run_server(echo, ssl=server_ssl) as server:
        with run_connect_proxy() as proxy_server:
            proxy_host, proxy_port = proxy_server.server_address
            with connect(
                f"wss://localhost:{port_of(server)}/",
                proxy=f"http://{proxy_host}:{proxy_port}",
                ssl=client_ssl,
            ) as ws:
                ws.send("encrypted")
                assert ws.recv() == "encrypted"


@pytest.mark.parametrize(
    "scheme, host, address_type",
    [("socks5h", "localhost", 3), ("socks5", "127.0.0.1", 1)],
)
def test_socks_proxy_from_environment(monkeypatch, scheme, host, address_type):
    with run_server(echo) as server:
        port = port_of(server)
        with run_proxy_server(Socks5ProxyHandler) as proxy_server:
            proxy_host, proxy_port = proxy_server.server_address
            monkeypatch.setenv("socks_proxy", f"{scheme}://{proxy_host}:{proxy_port}")
            # SOCKS takes precedence over https_proxy and http_proxy.
            monkeypatch.setenv("https_proxy", f"http://127.0.0.1:{closed_port()}")
            with connect(f"ws://{host}:{port}/") as ws:
                ws.send("via SOCKS")
                assert ws.recv() == "via SOCKS"
    [(rcvd_address_type, rcvd_host, rcvd_port)] = proxy_server.requests
    assert rcvd_address_type == address_type
    assert rcvd_host == host
    assert rcvd_port == port


def test_wss_through_explicit_socks_proxy(server_ssl, client_ssl):
    with run_server(echo, ssl=server_ssl) as server:
        with run_proxy_server(Socks5ProxyHandler) as proxy_server:
            proxy_host, proxy_port = proxy_server.server_address
            with connect(
                f"wss://localhost:{port_of(server)}/",
                proxy=f"socks5h://{proxy_host}:{proxy_port}",
                ssl=client_ssl,
            ) as ws:
                ws.send("encrypted via SOCKS")
                assert ws.recv() == "encrypted via SOCKS"


def test_unreachable_socks_proxy_raises_oserror():
    with pytest.raises(OSError):
        connect("ws://127.0.0.1/", proxy=f"socks5h://127.0.0.1:{closed_port()}")


class TLSConnectProxyHandler(ConnectProxyHandler):
    """HTTP proxy with TLS: the client talks to it over ``https://``."""

    def setup(self):
        self.request = self.server.ssl_context.wrap_socket(
            self.request, server_side=True
        )


def relay_with_threads(client, upstream):
    # One thread serves both directions: OpenSSL doesn't support using one
    # TLS connection (the client's, here) from two threads at once. pending()
    # covers bytes that TLS already decrypted and buffered, which select()
    # can't see.
    peers = {client: upstream, upstream: client}
    while True:
        ready = [
            sock for sock in peers if isinstance(sock, ssl.SSLSocket) and sock.pending()
        ]
        if not ready:
            ready, _, _ = select.select(list(peers), [], [], SOCKET_TIMEOUT)
            if not ready:
                return
        for source in ready:
            target = peers[source]
            try:
                data = source.recv(65536)
            except OSError:
                return
            if not data:
                with contextlib.suppress(OSError):
                    target.shutdown(socket.SHUT_WR)
                return
            try:
                target.sendall(data)
            except OSError:
                return


def test_wss_through_https_proxy_runs_tls_inside_tls(
    server_ssl, client_ssl, monkeypatch
):
    monkeypatch.setattr(test_proxy, "relay", relay_with_threads)
    with run_server(echo, ssl=server_ssl) as server:
        with run_proxy_server(
            TLSConnectProxyHandler,
            ssl_context=server_ssl,
            credentials=None,
            response=None,
            greeting=b"",
        ) as proxy_server:
            proxy_host, proxy_port = proxy_server.server_address
            with connect(
                f"wss://localhost:{port_of(server)}/",
                proxy=f"https://{proxy_host}:{proxy_port}",
                proxy_ssl=client_ssl,
                ssl=client_ssl,
                open_timeout=5,
            ) as ws:
                assert isinstance(ws.socket, SSLSSLSocket)
                ws.send("encrypted twice")
                assert ws.recv() == "encrypted twice"
                # Several TLS records each way, larger than a read.
                message = bytes(range(256)) * 1000
                ws.send(message)
                assert ws.recv() == message
    # The proxy saw only the CONNECT request in clear text.
    assert proxy_server.requests[0].startswith(b"CONNECT localhost:")
