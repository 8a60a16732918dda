"""asyncio client through HTTP and SOCKS proxies listening on 127.0.0.1."""

from __future__ import annotations

import socket

import pytest
from asyncio_utils import echo, port_of, runs_tls

from tests.test_proxy import Socks5ProxyHandler, run_connect_proxy, run_server
from websockets.asyncio.client import connect
from websockets.asyncio.server import serve
from websockets.exceptions import InvalidProxyMessage, InvalidProxyStatus
from websockets.http11 import USER_AGENT


def closed_port():
    """Return a port on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("variable", ["ws_proxy", "https_proxy", "http_proxy"])
async def test_http_proxy_from_environment(monkeypatch, variable):
    async with serve(echo, "127.0.0.1", 0) as server:
        port = port_of(server)
        with run_connect_proxy() as proxy_server:
            proxy_host, proxy_port = proxy_server.server_address
            monkeypatch.setenv(variable, f"http://{proxy_host}:{proxy_port}")
            async with connect(f"ws://127.0.0.1:{port_of(server)}/") as ws:
                await ws.send("via proxy")
                assert await ws.recv() == "via proxy"
    [request] = proxy_server.requests
    assert request.startswith(f"CONNECT 127.0.0.1:{port} ".encode())


async def test_http_proxy_sends_user_agent():
    async with serve(echo, "127.0.0.1", 0) as server:
        with run_connect_proxy() as proxy_server:
            proxy_host, proxy_port = proxy_server.server_address
            proxy = f"http://{proxy_host}:{proxy_port}"
            uri = f"ws://127.0.0.1:{port_of(server)}/"
            async with connect(uri, proxy=proxy):
                pass
            async with connect(uri, proxy=proxy, user_agent_header=None):
                pass
    with_header, without_header = proxy_server.requests
    assert f"\r\nUser-Agent: {USER_AGENT}\r\n".encode() in with_header
    assert b"User-Agent" not in without_header


async def test_explicit_proxy_overrides_environment(monkeypatch):
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{closed_port()}")
    async with serve(echo, "127.0.0.1", 0) as server:
        with run_connect_proxy(credentials=b"user:p@ss") as proxy_server:
            proxy_host, proxy_port = proxy_server.server_address
            proxy = f"http://user:p%40ss@{proxy_host}:{proxy_port}"
            uri = f"ws://127.0.0.1:{port_of(server)}/"
            async with connect(uri, proxy=proxy) as ws:
                await ws.send("authenticated")
                assert await ws.recv() == "authenticated"


async def test_proxy_none_ignores_environment(monkeypatch):
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{closed_port()}")
    async with serve(echo, "127.0.0.1", 0) as server:
        async with connect(f"ws://127.0.0.1:{port_of(server)}/", proxy=None) as ws:
            await ws.send("direct")
            assert await ws.recv() == "direct"


async def test_no_proxy_bypasses_environment(monkeypatch):
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    async with serve(echo, "127.0.0.1", 0) as server:
        async with connect(f"ws://127.0.0.1:{port_of(server)}/") as ws:
            await ws.send("direct")
            assert await ws.recv() == "direct"


async def test_preexisting_socket_ignores_proxy(monkeypatch):
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{closed_port()}")
    async with serve(echo, "127.0.0.1", 0) as server:
        sock = socket.create_connection(("127.0.0.1", port_of(server)))
        async with connect("ws://example.com/", sock=sock) as ws:
            await ws.send("direct")
            assert await ws.recv() == "direct"


async def test_http_proxy_rejecting_connection_raises_invalid_proxy_status():
    async with serve(echo, "127.0.0.1", 0) as server:
        with run_connect_proxy(credentials=b"user:pass") as proxy_server:
            proxy_host, proxy_port = proxy_server.server_address
            with pytest.raises(InvalidProxyStatus) as raised:
                await connect(
                    f"ws://127.0.0.1:{port_of(server)}/",
                    proxy=f"http://{proxy_host}:{proxy_port}",
                )
    assert raised.value.response.status_code == 407
    assert str(raised.value) == "proxy rejected connection: HTTP 407"


async def test_http_proxy_sending_garbage_raises_invalid_proxy_message():
    async with serve(echo, "127.0.0.1", 0) as server:
        with run_connect_proxy(response=b"garbage\r\n\r\n") as proxy_server:
            proxy_host, proxy_port = proxy_server.server_address
            with pytest.raises(InvalidProxyMessage):
                await connect(
                    f"ws://127.0.0.1:{port_of(server)}/",
                    proxy=f"http://{proxy_host}:{proxy_port}",
                )


async def test_unreachable_http_proxy_raises_oserror():
    with pytest.raises(OSError):
        await connect("ws://127.0.0.1/", proxy=f"http://127.0.0.1:{closed_port()}")


async def test_wss_through_http_proxy(tls_implementation, server_ssl, client_ssl):
    async with serve(echo, "127.0.0.1", 0, ssl=server_ssl) as server:
        port = port_of(server)
        with run_connect_proxy() as proxy_server:
            proxy_host, proxy_port = proxy_server.server_address
            async with connect(
                f"wss://localhost:{port_of(server)}/",
                proxy=f"http://{proxy_host}:{proxy_port}",
                ssl=client_ssl,
            ) as ws:
                await ws.send("encrypted")
                assert await ws.recv() == "encrypted"
                assert runs_tls(ws, tls_implementation)
    [request] = proxy_server.requests
    assert request.startswith(f"CONNECT localhost:{port} ".encode())


@pytest.mark.parametrize(
    "scheme, host, address_type",
    [("socks5h", "localhost", 3), ("socks5", "127.0.0.1", 1)],
)
async def test_socks_proxy_from_environment(monkeypatch, scheme, host, address_type):
    async with serve(echo, "127.0.0.1", 0) as server:
        port = port_of(server)
        with run_server(Socks5ProxyHandler) as proxy_server:
            proxy_host, proxy_port = proxy_server.server_address
            monkeypatch.setenv("socks_proxy", f"{scheme}://{proxy_host}:{proxy_port}")
            # SOCKS takes precedence over https_proxy and http_proxy.
            monkeypatch.setenv("https_proxy", f"http://127.0.0.1:{closed_port()}")
            async with connect(f"ws://{host}:{port_of(server)}/") as ws:
                await ws.send("via SOCKS")
                assert await ws.recv() == "via SOCKS"
    [(rcvd_address_type, rcvd_host, rcvd_port)] = proxy_server.requests
    assert rcvd_address_type == address_type
    assert rcvd_host == host
    assert rcvd_port == port


async def test_wss_through_explicit_socks_proxy(
    tls_implementation, server_ssl, client_ssl
):
    async with serve(echo, "127.0.0.1", 0, ssl=server_ssl) as server:
        with run_server(Socks5ProxyHandler) as proxy_server:
            proxy_host, proxy_port = proxy_server.server_address
            async with connect(
                f"wss://localhost:{port_of(server)}/",
                proxy=f"socks5h://{proxy_host}:{proxy_port}",
                ssl=client_ssl,
            ) as ws:
                await ws.send("encrypted via SOCKS")
                assert await ws.recv() == "encrypted via SOCKS"
                assert runs_tls(ws, tls_implementation)


async def test_unreachable_socks_proxy_raises_oserror():
    with pytest.raises(OSError):
        await connect("ws://127.0.0.1/", proxy=f"socks5h://127.0.0.1:{closed_port()}")
