"""
Tests for websockets.proxy: finding and parsing proxies, the CONNECT
request, parsing the proxy's response, and tunnels through real proxies
listening on 127.0.0.1.

"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import selectors
import socket
import socketserver
import struct
import threading

import pytest

from websockets.exceptions import (
    InvalidProxy,
    InvalidProxyMessage,
    InvalidProxyStatus,
    ProxyError,
    SecurityError,
    StatusLineTooLong,
    TooManyHeaders,
)
from websockets.http11 import USER_AGENT
from websockets.proxy import (
    Proxy,
    ProxyConnectParser,
    get_proxy,
    parse_proxy,
    prepare_connect_request,
    prepare_socks_proxy,
)
from websockets.uri import parse_uri


# Safety net against hangs in end-to-end tests; no assertion depends on it.
SOCKET_TIMEOUT = 10


# parse_proxy


@pytest.mark.parametrize(
    "proxy, expected",
    [
        ("http://proxy", ("http", "proxy", 80, None, None)),
        ("https://proxy", ("https", "proxy", 443, None, None)),
        ("http://proxy/", ("http", "proxy", 80, None, None)),
        ("http://proxy:8080", ("http", "proxy", 8080, None, None)),
        ("https://proxy:8443/", ("https", "proxy", 8443, None, None)),
        # SOCKS proxies have no default port of their own.
        ("socks5h://proxy", ("socks5h", "proxy", 80, None, None)),
        ("socks5://proxy:1080", ("socks5", "proxy", 1080, None, None)),
        ("socks4a://proxy:1080", ("socks4a", "proxy", 1080, None, None)),
        ("socks4://proxy:1080", ("socks4", "proxy", 1080, None, None)),
        ("HTTP://PROXY:3128", ("http", "proxy", 3128, None, None)),
        ("HtTpS://Proxy", ("https", "proxy", 443, None, None)),
        ("http://proxy:0", ("http", "proxy", 80, None, None)),
        ("http://proxy:", ("http", "proxy", 80, None, None)),
        ("http://proxy:65535", ("http", "proxy", 65535, None, None)),
        ("http://1.2.3.4:3128", ("http", "1.2.3.4", 3128, None, None)),
        ("http://[::1]:8080", ("http", "::1", 8080, None, None)),
        ("https://[2001:db8::1]", ("https", "2001:db8::1", 443, None, None)),
        # Empty query and fragment, and ;params after the path, are ignored.
        ("http://proxy?", ("http", "proxy", 80, None, None)),
        ("http://proxy#", ("http", "proxy", 80, None, None)),
        ("http://proxy/?", ("http", "proxy", 80, None, None)),
        ("http://proxy/#", ("http", "proxy", 80, None, None)),
        ("http://proxy/;x", ("http", "proxy", 80, None, None)),
        # Credentials.
        ("http://user:pass@proxy:1234", ("http", "proxy", 1234, "user", "pass")),
        ("socks5h://u:p@proxy:1080/", ("socks5h", "proxy", 1080, "u", "p")),
        ("http://:pass@proxy", ("http", "proxy", 80, "", "pass")),
        ("http://user:@proxy", ("http", "proxy", 80, "user", "")),
        ("HTTP://User:Pw@Proxy", ("http", "proxy", 80, "User", "Pw")),
        ("http://%7Euser:p%40ss@proxy", ("http", "proxy", 80, "~user", "p@ss")),
        ("http://us%3Aer:pw@proxy", ("http", "proxy", 80, "us:er", "pw")),
        ("http://a%20b:c@proxy", ("http", "proxy", 80, "a b", "c")),
        ("http://p%C3%A4ss:p%C3%A4ss@proxy", ("http", "proxy", 80, "päss", "päss")),
        ("http://user:pass@proxy@x", ("http", "x", 80, "user", "pass@proxy")),
        # IRIs: the host name is encoded with IDNA.
        ("http://ü.example", ("http", "xn--tda.example", 80, None, None)),
        ("http://Ü.example:81", ("http", "xn--tda.example", 81, None, None)),
        ("http://ü:ö@ü.example", ("http", "xn--tda.example", 80, "ü", "ö")),
        ("http://user:pässword@proxy", ("http", "proxy", 80, "user", "pässword")),
    ],
)
def test_parse_proxy(proxy, expected):
    assert parse_proxy(proxy) == Proxy(*expected)


@pytest.mark.parametrize(
    "proxy, message",
    [
        ("ftp://proxy", "scheme ftp isn't supported"),
        ("ftp://", "scheme ftp isn't supported"),
        ("socks://proxy", "scheme socks isn't supported"),
        ("ws://proxy", "scheme ws isn't supported"),
        ("proxy", "scheme  isn't supported"),
        ("proxy:8080", "scheme proxy isn't supported"),
        ("", "scheme  isn't supported"),
        ("http://", "hostname isn't provided"),
        ("http:///path", "hostname isn't provided"),
        ("http://user@/", "hostname isn't provided"),
        ("http://proxy/path", "path is meaningless"),
        ("http://proxy//", "path is meaningless"),
        ("http://proxy/path?q#f", "path is meaningless"),
        ("http://ü.example/path", "path is meaningless"),
        ("http://proxy?q", "query is meaningless"),
        ("http://proxy?q#f", "query is meaningless"),
        ("http://proxy#f", "fragment is meaningless"),
        ("http://user@proxy", "username provided without password"),
        ("http://@proxy", "username provided without password"),
        ("socks5://user@proxy:1080", "username provided without password"),
    ],
)
def test_parse_proxy_rejects_invalid_proxy(proxy, message):
    with pytest.raises(InvalidProxy) as raised:
        parse_proxy(proxy)
    assert str(raised.value) == f"{proxy} isn't a valid proxy: {message}"
    assert raised.value.proxy == proxy
    assert raised.value.msg == message


@pytest.mark.parametrize(
    "proxy, message",
    [
        ("http://proxy:99999", "Port out of range 0-65535"),
        ("http://proxy:abc", "Port could not be cast to integer value as 'abc'"),
        ("http://[::1", "Invalid IPv6 URL"),
    ],
)
def test_parse_proxy_raises_value_error_on_invalid_port_or_address(proxy, message):
    with pytest.raises(ValueError) as raised:
        parse_proxy(proxy)
    assert str(raised.value) == message


@pytest.mark.parametrize("proxy", ["http://%FF:x@proxy", "http://x:%FE@proxy"])
def test_parse_proxy_rejects_credentials_that_arent_utf8(proxy):
    with pytest.raises(UnicodeDecodeError):
        parse_proxy(proxy)


def test_proxy_user_info():
    assert Proxy("http", "proxy", 80, "user", "pass").user_info == ("user", "pass")
    assert Proxy("http", "proxy", 80).user_info is None


def test_proxy_user_info_requires_password_with_username():
    with pytest.raises(AssertionError):
        _ = Proxy("http", "proxy", 80, "user").user_info


def test_proxy_module_exports():
    import websockets.proxy

    assert websockets.proxy.__all__ == ["get_proxy", "parse_proxy", "Proxy"]


# get_proxy


@pytest.fixture
def proxy_env(monkeypatch):
    """
    Clear the proxy configuration inherited from the environment.

    Returns a function that sets environment variables.

    """
    for name in list(os.environ):
        if name.lower().endswith("_proxy") or name == "REQUEST_METHOD":
            monkeypatch.delenv(name)

    def setenv(**variables):
        for name, value in variables.items():
            monkeypatch.setenv(name, value)

    return setenv


URIS = [
    "ws://example.com",
    "wss://example.com",
    "ws://sub.example.com:8080",
    "ws://localhost:8000",
    "wss://127.0.0.1",
    "ws://[::1]:9",
]


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, [None, None, None, None, None, None]),
        (
            # http_proxy is only for ws:// URIs.
            {"http_proxy": "http://h:1"},
            ["http://h:1", None, "http://h:1", "http://h:1", None, "http://h:1"],
        ),
        (
            # https_proxy is for ws:// and wss:// URIs.
            {"https_proxy": "http://s:1"},
            ["http://s:1"] * 6,
        ),
        (
            # https_proxy takes precedence over http_proxy.
            {"http_proxy": "http://h:1", "https_proxy": "http://s:1"},
            ["http://s:1"] * 6,
        ),
        (
            # ws_proxy and wss_proxy take precedence over everything.
            {
                "ws_proxy": "http://w:1",
                "wss_proxy": "http://ws:1",
                "socks_proxy": "socks5h://so:1",
                "https_proxy": "http://s:1",
                "http_proxy": "http://h:1",
            },
            [
                "http://w:1",
                "http://ws:1",
                "http://w:1",
                "http://w:1",
                "http://ws:1",
                "http://w:1",
            ],
        ),
        (
            # A SOCKS proxy takes precedence over https_proxy and http_proxy.
            {
                "socks_proxy": "socks5h://so:1",
                "https_proxy": "http://s:1",
                "http_proxy": "http://h:1",
            },
            ["socks5h://so:1"] * 6,
        ),
        (
            # ws_proxy only applies to ws:// URIs.
            {"ws_proxy": "http://w:1", "socks_proxy": "socks5://so:1"},
            [
                "http://w:1",
                "socks5://so:1",
                "http://w:1",
                "http://w:1",
                "socks5://so:1",
                "http://w:1",
            ],
        ),
        (
            # Any variable can configure a SOCKS proxy.
            {"https_proxy": "socks5h://s:1", "http_proxy": "http://h:1"},
            ["socks5h://s:1"] * 6,
        ),
        (
            # all_proxy isn't used.
            {"all_proxy": "socks5h://a:1"},
            [None, None, None, None, None, None],
        ),
        (
            # Upper-case variables work too.
            {"HTTPS_PROXY": "http://S:1"},
            ["http://S:1"] * 6,
        ),
        (
            # Empty variables are ignored.
            {"ws_proxy": "", "http_proxy": "http://h:1"},
            ["http://h:1", None, "http://h:1", "http://h:1", None, "http://h:1"],
        ),
        (
            # The address of the proxy isn't validated.
            {"wss_proxy": "garbage", "socks_proxy": "socks://so:1"},
            [
                "socks://so:1",
                "garbage",
                "socks://so:1",
                "socks://so:1",
                "garbage",
                "socks://so:1",
            ],
        ),
        (
            # Under CGI, HTTP_PROXY may come from a request header: ignore it.
            {"REQUEST_METHOD": "GET", "HTTP_PROXY": "http://H:1"},
            [None, None, None, None, None, None],
        ),
    ],
)
def test_get_proxy(proxy_env, env, expected):
    proxy_env(**env)
    assert [get_proxy(parse_uri(uri)) for uri in URIS] == expected


@pytest.mark.parametrize(
    "no_proxy, expected",
    [
        ("*", [None, None, None, None, None, None]),
        ("example.com", [None, None, None, "http://s:1", "http://s:1", "http://s:1"]),
        (".example.com", [None, None, None, "http://s:1", "http://s:1", "http://s:1"]),
        (
            "localhost,127.0.0.1",
            ["http://s:1", "http://s:1", "http://s:1", None, None, "http://s:1"],
        ),
        # Entries with a port match only that port.
        (
            "example.com:443,sub.example.com:8080",
            ["http://s:1", None, None, "http://s:1", "http://s:1", "http://s:1"],
        ),
        # IPv6 addresses match without brackets.
        (
            "::1",
            [
                "http://s:1",
                "http://s:1",
                "http://s:1",
                "http://s:1",
                "http://s:1",
                None,
            ],
        ),
        ("[::1]", ["http://s:1"] * 6),
    ],
)
def test_get_proxy_bypass(proxy_env, no_proxy, expected):
    proxy_env(https_proxy="http://s:1", no_proxy=no_proxy)
    assert [get_proxy(parse_uri(uri)) for uri in URIS] == expected


def test_get_proxy_bypass_applies_to_websocket_proxies(proxy_env):
    proxy_env(ws_proxy="http://w:1", wss_proxy="http://ws:1", no_proxy="example.com")
    assert get_proxy(parse_uri("ws://example.com")) is None
    assert get_proxy(parse_uri("wss://example.com")) is None
    assert get_proxy(parse_uri("ws://other.com")) == "http://w:1"


# prepare_connect_request


@pytest.mark.parametrize(
    "proxy, uri, expected",
    [
        (
            "http://proxy:8080",
            "ws://example.com/chat?x",
            b"CONNECT example.com:80 HTTP/1.1\r\n"
            b"Host: example.com\r\n"
            b"User-Agent: " + USER_AGENT.encode() + b"\r\n\r\n",
        ),
        (
            "http://proxy:8080",
            "wss://example.com",
            b"CONNECT example.com:443 HTTP/1.1\r\n"
            b"Host: example.com\r\n"
            b"User-Agent: " + USER_AGENT.encode() + b"\r\n\r\n",
        ),
        (
            "https://proxy",
            "ws://example.com:8000",
            b"CONNECT example.com:8000 HTTP/1.1\r\n"
            b"Host: example.com:8000\r\n"
            b"User-Agent: " + USER_AGENT.encode() + b"\r\n\r\n",
        ),
        (
            # The Host header includes the port when it isn't the default.
            "http://proxy",
            "wss://example.com:80",
            b"CONNECT example.com:80 HTTP/1.1\r\n"
            b"Host: example.com:80\r\n"
            b"User-Agent: " + USER_AGENT.encode() + b"\r\n\r\n",
        ),
        (
            "http://proxy",
            "wss://[2001:db8::1]",
            b"CONNECT [2001:db8::1]:443 HTTP/1.1\r\n"
            b"Host: [2001:db8::1]\r\n"
            b"User-Agent: " + USER_AGENT.encode() + b"\r\n\r\n",
        ),
        (
            # Credentials in the WebSocket URI aren't for the proxy.
            "http://proxy",
            "ws://user:pw@example.com",
            b"CONNECT example.com:80 HTTP/1.1\r\n"
            b"Host: example.com\r\n"
            b"User-Agent: " + USER_AGENT.encode() + b"\r\n\r\n",
        ),
        (
            "http://user:pass@proxy",
            "ws://example.com:8000",
            b"CONNECT example.com:8000 HTTP/1.1\r\n"
            b"Host: example.com:8000\r\n"
            b"User-Agent: " + USER_AGENT.encode() + b"\r\n"
            b"Proxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n",
        ),
        (
            "http://p%C3%A4ss:w%C3%B6rd@proxy",
            "ws://ü.example",
            b"CONNECT xn--tda.example:80 HTTP/1.1\r\n"
            b"Host: xn--tda.example\r\n"
            b"User-Agent: " + USER_AGENT.encode() + b"\r\n"
            b"Proxy-Authorization: Basic cMOkc3M6d8O2cmQ=\r\n\r\n",
        ),
        (
            "http://:@proxy",
            "ws://h",
            b"CONNECT h:80 HTTP/1.1\r\n"
            b"Host: h\r\n"
            b"User-Agent: " + USER_AGENT.encode() + b"\r\n"
            b"Proxy-Authorization: Basic Og==\r\n\r\n",
        ),
    ],
)
def test_prepare_connect_request(proxy, uri, expected):
    assert prepare_connect_request(parse_proxy(proxy), parse_uri(uri)) == expected


def test_prepare_connect_request_with_user_agent():
    request = prepare_connect_request(
        parse_proxy("http://proxy"),
        parse_uri("ws://[::1]:9"),
        user_agent_header="UA/1",
    )
    assert (
        request
        == b"CONNECT [::1]:9 HTTP/1.1\r\nHost: [::1]:9\r\nUser-Agent: UA/1\r\n\r\n"
    )


def test_prepare_connect_request_without_user_agent():
    request = prepare_connect_request(
        parse_proxy("http://proxy"),
        parse_uri("ws://[::1]:9"),
        None,
    )
    assert request == b"CONNECT [::1]:9 HTTP/1.1\r\nHost: [::1]:9\r\n\r\n"


# ProxyConnectParser


@pytest.mark.parametrize(
    "data, status_code, reason_phrase",
    [
        (b"HTTP/1.1 200 OK\r\n\r\n", 200, "OK"),
        (b"HTTP/1.1 200 Connection established\r\n\r\n", 200, "Connection established"),
        # Proxies may answer with HTTP/1.0.
        (b"HTTP/1.0 200 Connection established\r\n\r\n", 200, "Connection established"),
        (b"HTTP/1.1 204 No Content\r\n\r\n", 204, "No Content"),
        (b"HTTP/1.1 299 Whatever\r\n\r\n", 299, "Whatever"),
        (b"HTTP/1.1 200 \r\n\r\n", 200, ""),
    ],
)
def test_parser_accepts_successful_response(data, status_code, reason_phrase):
    parser = ProxyConnectParser()
    response = parser.receive_data(data)
    assert response is not None
    assert response.status_code == status_code
    assert response.reason_phrase == reason_phrase
    assert response.body == b""
    assert parser.response is response
    assert parser.leftover == b""


def test_parser_keeps_headers():
    parser = ProxyConnectParser()
    response = parser.receive_data(
        b"HTTP/1.1 200 OK\r\nProxy-Agent: test\r\nContent-Length: 12\r\n\r\n"
    )
    assert response is not None
    assert response.headers["Proxy-Agent"] == "test"
    # A successful response to CONNECT has no body (RFC 9110 §9.3.6).
    assert response.body == b""


def test_parser_waits_for_complete_response():
    parser = ProxyConnectParser()
    data = b"HTTP/1.1 200 OK\r\nProxy-Agent: test\r\n\r\n"
    for byte in data[:-1]:
        assert parser.receive_data(bytes([byte])) is None
    assert parser.response is None
    response = parser.receive_data(data[-1:])
    assert response is not None
    assert response.status_code == 200


def test_parser_leaves_tunnel_data():
    parser = ProxyConnectParser()
    assert parser.receive_data(b"HTTP/1.1 200 OK\r\n") is None
    assert parser.leftover == b""
    response = parser.receive_data(b"\r\nHTTP/1.1 101 Switching Protocols\r\n")
    assert response is not None
    assert parser.leftover == b"HTTP/1.1 101 Switching Protocols\r\n"


def test_parser_returns_response_again_after_success():
    parser = ProxyConnectParser()
    response = parser.receive_data(b"HTTP/1.1 200 OK\r\n\r\n")
    assert parser.receive_data(b"more") is response
    assert parser.leftover == b"more"
    assert parser.receive_eof() is response


def test_parser_accepts_response_followed_by_eof():
    parser = ProxyConnectParser()
    assert parser.receive_data(b"HTTP/1.1 200 OK\r\n\r\n") is not None
    assert parser.receive_eof().status_code == 200


@pytest.mark.parametrize(
    "data, status_code",
    [
        (b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n", 407),
        (
            b"HTTP/1.1 407 Proxy Authentication Required\r\n"
            b'Proxy-Authenticate: Basic realm="proxy"\r\n'
            b"Content-Length: 5\r\n\r\nhello",
            407,
        ),
        (b"HTTP/1.1 403 Forbidden\r\n\r\n", 403),
        (b"HTTP/1.1 502 Bad Gateway\r\n\r\n", 502),
        (b"HTTP/1.1 301 Moved Permanently\r\nLocation: http://x/\r\n\r\n", 301),
        (b"HTTP/1.1 101 Switching Protocols\r\n\r\n", 101),
        (b"HTTP/1.1 100 Continue\r\n\r\n", 100),
    ],
)
def test_parser_rejects_unsuccessful_response(data, status_code):
    parser = ProxyConnectParser()
    with pytest.raises(InvalidProxyStatus) as raised:
        parser.receive_data(data)
    exc = raised.value
    assert isinstance(exc, ProxyError)
    assert str(exc) == f"proxy rejected connection: HTTP {status_code}"
    assert exc.response.status_code == status_code
    # The body isn't read: the proxy's response has no body by definition.
    assert exc.response.body == b""
    assert parser.response is None
    assert parser.exc is exc


def test_parser_raises_same_exception_again_after_failure():
    parser = ProxyConnectParser()
    with pytest.raises(InvalidProxyStatus) as raised:
        parser.receive_data(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")
    with pytest.raises(InvalidProxyStatus) as raised_again:
        parser.receive_data(b"more")
    assert raised_again.value is raised.value
    with pytest.raises(InvalidProxyStatus) as raised_again:
        parser.receive_eof()
    assert raised_again.value is raised.value
    assert parser.leftover == b""


@pytest.mark.parametrize(
    "data, cause_type, cause_message",
    [
        (b"garbage\r\n\r\n", ValueError, "invalid HTTP status line: garbage"),
        (
            b"HTTP/2 200 OK\r\n\r\n",
            ValueError,
            "unsupported protocol; expected HTTP/1.1 or HTTP/1.0: HTTP/2 200 OK",
        ),
        (
            b"HTTP/1.1 OK 200\r\n\r\n",
            ValueError,
            "invalid status code; expected integer; got OK",
        ),
        (
            b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
            ValueError,
            "invalid HTTP header line: no colon",
        ),
        (
            b"HTTP/1.1 200 OK\n\n",
            EOFError,
            "connection closed while reading HTTP status line",
        ),
        (
            b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 200 + b"\r\n",
            TooManyHeaders,
            "expected no more than 128 headers",
        ),
        (
            b"HTTP/1.1 200 " + b"x" * 10000 + b"\r\n\r\n",
            StatusLineTooLong,
            "read 10015 bytes, expected no more than 8192 bytes",
        ),
    ],
)
def test_parser_rejects_invalid_response(data, cause_type, cause_message):
    parser = ProxyConnectParser()
    with pytest.raises(InvalidProxyMessage) as raised:
        parser.receive_data(data)
    exc = raised.value
    assert isinstance(exc, ProxyError)
    assert str(exc) == "did not receive a valid HTTP response from proxy"
    assert isinstance(exc.__cause__, cause_type)
    assert str(exc.__cause__) == cause_message
    assert parser.response is None


@pytest.mark.parametrize(
    "data, cause_message",
    [
        (b"", "connection closed while reading HTTP status line"),
        (b"HTTP/1.1 200 OK", "connection closed while reading HTTP status line"),
        (b"HTTP/1.1 200 OK\r\n", "connection closed while reading HTTP headers"),
        (
            b"HTTP/1.1 200 OK\r\nX: y\r\n",
            "connection closed while reading HTTP headers",
        ),
    ],
)
def test_parser_rejects_truncated_response(data, cause_message):
    parser = ProxyConnectParser()
    assert parser.receive_data(data) is None
    with pytest.raises(InvalidProxyMessage) as raised:
        parser.receive_eof()
    assert str(raised.value) == "did not receive a valid HTTP response from proxy"
    assert isinstance(raised.value.__cause__, EOFError)
    assert str(raised.value.__cause__) == cause_message


def test_parser_status_line_too_long_is_a_security_error():
    parser = ProxyConnectParser()
    with pytest.raises(InvalidProxyMessage) as raised:
        parser.receive_data(b"HTTP/1.1 200 " + b"x" * 10000)
    assert isinstance(raised.value.__cause__, SecurityError)


# prepare_socks_proxy


@pytest.mark.parametrize(
    "proxy, version, rdns",
    [
        ("socks5h://proxy:1080", 5, True),
        ("socks5://proxy:1080", 5, False),
        ("socks4a://proxy:1080", 4, True),
        ("socks4://proxy:1080", 4, False),
    ],
)
def test_prepare_socks_proxy(proxy, version, rdns):
    from python_socks import ProxyType

    kwargs = prepare_socks_proxy(parse_proxy(proxy))
    assert kwargs == {
        "proxy_type": ProxyType.SOCKS5 if version == 5 else ProxyType.SOCKS4,
        "host": "proxy",
        "port": 1080,
        "username": None,
        "password": None,
        "rdns": rdns,
    }


def test_prepare_socks_proxy_with_credentials():
    kwargs = prepare_socks_proxy(parse_proxy("socks5h://user:pass@proxy:1080"))
    assert kwargs["username"] == "user"
    assert kwargs["password"] == "pass"


def test_prepare_socks_proxy_requires_python_socks(monkeypatch):
    import sys

    # A None entry in sys.modules makes the import fail with ImportError.
    monkeypatch.setitem(sys.modules, "python_socks", None)
    with pytest.raises(ImportError) as raised:
        prepare_socks_proxy(parse_proxy("socks5h://proxy:1080"))
    assert str(raised.value) == "connecting through a SOCKS proxy requires python-socks"


# End-to-end tests: a TCP echo server behind proxies written below, which
# run in threads on 127.0.0.1, and a client that only uses the Sans-I/O
# helpers over a real socket.


class ThreadingServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False


class EchoHandler(socketserver.BaseRequestHandler):
    def handle(self):
        sock = self.request
        sock.settimeout(SOCKET_TIMEOUT)
        while data := sock.recv(4096):
            sock.sendall(data)


def relay(client, upstream):
    """Copy bytes in both directions until both sides are done sending."""
    selector = selectors.DefaultSelector()
    selector.register(client, selectors.EVENT_READ, upstream)
    selector.register(upstream, selectors.EVENT_READ, client)
    try:
        while selector.get_map():
            for key, _ in selector.select(SOCKET_TIMEOUT):
                source, target = key.fileobj, key.data
                data = source.recv(4096)
                if data:
                    target.sendall(data)
                else:
                    selector.unregister(source)
                    with contextlib.suppress(OSError):
                        target.shutdown(socket.SHUT_WR)
    finally:
        selector.close()


def recv_until(sock, marker):
    data = b""
    while marker not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


class ConnectProxyHandler(socketserver.BaseRequestHandler):
    """Minimal HTTP proxy supporting CONNECT (RFC 9110 §9.3.6)."""

    def handle(self):
        sock = self.request
        sock.settimeout(SOCKET_TIMEOUT)
        data = recv_until(sock, b"\r\n\r\n")
        head, _, rest = data.partition(b"\r\n\r\n")
        self.server.requests.append(head + b"\r\n\r\n")
        request_line, *header_lines = head.split(b"\r\n")
        method, target, _ = request_line.split(b" ")
        headers = dict(line.split(b": ", 1) for line in header_lines)

        if self.server.response is not None:
            sock.sendall(self.server.response)
            return
        if self.server.credentials is not None:
            expected = b"Basic " + base64.b64encode(self.server.credentials)
            if headers.get(b"Proxy-Authorization") != expected:
                sock.sendall(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                    b'Proxy-Authenticate: Basic realm="test"\r\n'
                    b"Content-Length: 0\r\n\r\n"
                )
                return
        assert method == b"CONNECT"
        host, _, port = target.rpartition(b":")
        upstream = socket.create_connection(
            (host.strip(b"[]").decode(), int(port)), timeout=SOCKET_TIMEOUT
        )
        with upstream:
            # Send the response and the first bytes of the tunnel together,
            # to check that the client doesn't lose them.
            sock.sendall(
                b"HTTP/1.0 200 Connection established\r\n\r\n" + self.server.greeting
            )
            if rest:
                upstream.sendall(rest)
            relay(sock, upstream)


class Socks5ProxyHandler(socketserver.BaseRequestHandler):
    """Minimal SOCKS5 proxy supporting CONNECT without authentication (RFC 1928)."""

    def recv_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.request.recv(n - len(data))
            assert chunk, "unexpected EOF"
            data += chunk
        return data

    def handle(self):
        sock = self.request
        sock.settimeout(SOCKET_TIMEOUT)
        version, nmethods = self.recv_exact(2)
        assert version == 5
        assert 0 in self.recv_exact(nmethods)
        sock.sendall(b"\x05\x00")  # no authentication required
        version, command, _, address_type = self.recv_exact(4)
        assert (version, command) == (5, 1)  # CONNECT
        if address_type == 1:  # IPv4 address
            host = socket.inet_ntoa(self.recv_exact(4))
        elif address_type == 3:  # domain name, resolved by the proxy
            (length,) = self.recv_exact(1)
            host = self.recv_exact(length).decode()
        else:  # pragma: no cover
            raise AssertionError(f"unexpected address type {address_type}")
        (port,) = struct.unpack("!H", self.recv_exact(2))
        self.server.requests.append((address_type, host, port))
        upstream = socket.create_connection((host, port), timeout=SOCKET_TIMEOUT)
        with upstream:
            sock.sendall(
                b"\x05\x00\x00\x01" + socket.inet_aton("0.0.0.0") + b"\x00\x00"
            )
            relay(sock, upstream)


@contextlib.contextmanager
def run_server(handler, **attributes):
    server = ThreadingServer(("127.0.0.1", 0), handler)
    server.requests = []
    for name, value in attributes.items():
        setattr(server, name, value)
    # A short poll interval makes shutdown() quick.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def echo_server():
    with run_server(EchoHandler) as server:
        yield server


@contextlib.contextmanager
def run_connect_proxy(credentials=None, response=None, greeting=b""):
    with run_server(
        ConnectProxyHandler,
        credentials=credentials,
        response=response,
        greeting=greeting,
    ) as server:
        yield server


def open_tunnel(proxy, ws_uri):
    """
    Open a tunnel through an HTTP proxy, as the sync client does.

    Return the socket and the bytes received after the proxy's response.

    """
    sock = socket.create_connection((proxy.host, proxy.port), timeout=SOCKET_TIMEOUT)
    try:
        sock.sendall(prepare_connect_request(proxy, ws_uri))
        parser = ProxyConnectParser()
        while True:
            data = sock.recv(4096)
            if data:
                response = parser.receive_data(data)
            else:
                response = parser.receive_eof()
            if response is not None:
                return sock, parser.leftover
    except BaseException:
        sock.close()
        raise


def echo_through(sock, leftover, message):
    sock.sendall(message)
    sock.shutdown(socket.SHUT_WR)
    received = leftover
    while data := sock.recv(4096):
        received += data
    return received


def test_http_proxy_tunnels_to_server(echo_server):
    host, port = echo_server.server_address
    with run_connect_proxy() as proxy_server:
        proxy_host, proxy_port = proxy_server.server_address
        proxy = parse_proxy(f"http://{proxy_host}:{proxy_port}")
        ws_uri = parse_uri(f"ws://{host}:{port}/")
        sock, leftover = open_tunnel(proxy, ws_uri)
        with sock:
            assert echo_through(sock, leftover, b"Hello through the tunnel!") == (
                b"Hello through the tunnel!"
            )
    assert proxy_server.requests == [prepare_connect_request(proxy, ws_uri)]


def test_http_proxy_tunnel_keeps_data_sent_with_response(echo_server):
    host, port = echo_server.server_address
    with run_connect_proxy(greeting=b"early bytes") as proxy_server:
        proxy_host, proxy_port = proxy_server.server_address
        proxy = parse_proxy(f"http://{proxy_host}:{proxy_port}")
        sock, leftover = open_tunnel(proxy, parse_uri(f"ws://{host}:{port}/"))
        with sock:
            assert echo_through(sock, leftover, b"echo") == b"early bytesecho"


def test_http_proxy_authenticates_with_credentials(echo_server):
    host, port = echo_server.server_address
    with run_connect_proxy(credentials=b"user:p@ss") as proxy_server:
        proxy_host, proxy_port = proxy_server.server_address
        proxy = parse_proxy(f"http://user:p%40ss@{proxy_host}:{proxy_port}")
        sock, leftover = open_tunnel(proxy, parse_uri(f"ws://{host}:{port}/"))
        with sock:
            assert echo_through(sock, leftover, b"authenticated") == b"authenticated"


def test_http_proxy_rejects_missing_credentials(echo_server):
    host, port = echo_server.server_address
    with run_connect_proxy(credentials=b"user:pass") as proxy_server:
        proxy_host, proxy_port = proxy_server.server_address
        proxy = parse_proxy(f"http://{proxy_host}:{proxy_port}")
        with pytest.raises(InvalidProxyStatus) as raised:
            open_tunnel(proxy, parse_uri(f"ws://{host}:{port}/"))
    assert raised.value.response.status_code == 407
    assert raised.value.response.headers["Proxy-Authenticate"] == 'Basic realm="test"'


def test_http_proxy_rejects_wrong_credentials(echo_server):
    host, port = echo_server.server_address
    with run_connect_proxy(credentials=b"user:pass") as proxy_server:
        proxy_host, proxy_port = proxy_server.server_address
        proxy = parse_proxy(f"http://user:wrong@{proxy_host}:{proxy_port}")
        with pytest.raises(InvalidProxyStatus) as raised:
            open_tunnel(proxy, parse_uri(f"ws://{host}:{port}/"))
    assert str(raised.value) == "proxy rejected connection: HTTP 407"


def test_http_proxy_sending_garbage_is_invalid_message(echo_server):
    host, port = echo_server.server_address
    with run_connect_proxy(response=b"SSH-2.0-OpenSSH_9.6\r\n") as proxy_server:
        proxy_host, proxy_port = proxy_server.server_address
        proxy = parse_proxy(f"http://{proxy_host}:{proxy_port}")
        with pytest.raises(InvalidProxyMessage) as raised:
            open_tunnel(proxy, parse_uri(f"ws://{host}:{port}/"))
    assert isinstance(raised.value.__cause__, ValueError)


def test_http_proxy_closing_connection_is_invalid_message(echo_server):
    host, port = echo_server.server_address
    with run_connect_proxy(response=b"HTTP/1.1 200 OK\r\n") as proxy_server:
        proxy_host, proxy_port = proxy_server.server_address
        proxy = parse_proxy(f"http://{proxy_host}:{proxy_port}")
        with pytest.raises(InvalidProxyMessage) as raised:
            open_tunnel(proxy, parse_uri(f"ws://{host}:{port}/"))
    assert isinstance(raised.value.__cause__, EOFError)


@pytest.mark.parametrize("scheme, address_type", [("socks5h", 3), ("socks5", 1)])
def test_socks_proxy_tunnels_to_server(echo_server, scheme, address_type):
    from python_socks.sync import Proxy as SocksProxy

    _, port = echo_server.server_address
    with run_server(Socks5ProxyHandler) as proxy_server:
        proxy_host, proxy_port = proxy_server.server_address
        proxy = parse_proxy(f"{scheme}://{proxy_host}:{proxy_port}")
        ws_uri = parse_uri(f"ws://localhost:{port}/")
        socks_proxy = SocksProxy(**prepare_socks_proxy(proxy))
        sock = socks_proxy.connect(ws_uri.host, ws_uri.port, timeout=SOCKET_TIMEOUT)
        with sock:
            assert echo_through(sock, b"", b"Hello via SOCKS!") == b"Hello via SOCKS!"
    # With socks5h, the proxy resolves the host name; with socks5, the client.
    [(rcvd_address_type, rcvd_host, rcvd_port)] = proxy_server.requests
    assert rcvd_address_type == address_type
    assert rcvd_host == ("localhost" if address_type == 3 else "127.0.0.1")
    assert rcvd_port == port


class TunnelProtocol(asyncio.Protocol):
    """
    Open a tunnel through an HTTP proxy, as the asyncio client does.

    """

    def __init__(self, proxy, ws_uri):
        self.proxy = proxy
        self.ws_uri = ws_uri
        self.parser = ProxyConnectParser()
        self.response = asyncio.get_running_loop().create_future()
        self.received = bytearray()
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport):
        self.transport = transport
        transport.write(prepare_connect_request(self.proxy, self.ws_uri))

    def data_received(self, data):
        if self.response.done():
            self.received += data
            return
        try:
            response = self.parser.receive_data(data)
        except ProxyError as exc:
            self.response.set_exception(exc)
            self.transport.close()
        else:
            if response is not None:
                self.received += self.parser.leftover
                self.response.set_result(response)

    def eof_received(self):
        if not self.response.done():
            try:
                self.response.set_result(self.parser.receive_eof())
            except ProxyError as exc:
                self.response.set_exception(exc)

    def connection_lost(self, exc):
        if not self.response.done():
            self.response.set_exception(exc or EOFError("connection lost"))
        self.closed.set_result(None)


async def test_http_proxy_tunnels_to_server_with_asyncio(echo_server):
    host, port = echo_server.server_address
    with run_connect_proxy(greeting=b"hi ") as proxy_server:
        proxy_host, proxy_port = proxy_server.server_address
        proxy = parse_proxy(f"http://{proxy_host}:{proxy_port}")
        ws_uri = parse_uri(f"ws://{host}:{port}/")
        loop = asyncio.get_running_loop()
        transport, protocol = await loop.create_connection(
            lambda: TunnelProtocol(proxy, ws_uri), proxy.host, proxy.port
        )
        response = await protocol.response
        assert response.status_code == 200
        transport.write(b"from asyncio")
        transport.write_eof()
        await protocol.closed
    assert protocol.received == b"hi from asyncio"


async def test_http_proxy_rejects_missing_credentials_with_asyncio(echo_server):
    host, port = echo_server.server_address
    with run_connect_proxy(credentials=b"user:pass") as proxy_server:
        proxy_host, proxy_port = proxy_server.server_address
        proxy = parse_proxy(f"http://{proxy_host}:{proxy_port}")
        ws_uri = parse_uri(f"ws://{host}:{port}/")
        loop = asyncio.get_running_loop()
        transport, protocol = await loop.create_connection(
            lambda: TunnelProtocol(proxy, ws_uri), proxy.host, proxy.port
        )
        with pytest.raises(InvalidProxyStatus) as raised:
            await protocol.response
        await protocol.closed
    assert raised.value.response.status_code == 407
