"""
Byte-level tests of the Sans-I/O opening handshake (RFC 6455 §4).

"""

import http
import logging
import re
from unittest import mock

import pytest

from websockets.client import ClientProtocol
from websockets.datastructures import Headers
from websockets.exceptions import (
    InvalidHandshake,
    InvalidHeader,
    InvalidHeaderValue,
    InvalidMessage,
    InvalidStatus,
    InvalidUpgrade,
    NegotiationError,
)
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    PerMessageDeflate,
    ServerPerMessageDeflateFactory,
)
from websockets.frames import OP_TEXT, Frame
from websockets.http11 import Request, Response
from websockets.protocol import SEND_EOF, State
from websockets.server import ServerProtocol
from websockets.uri import parse_uri
from websockets.utils import accept_key


KEY = "dGhlIHNhbXBsZSBub25jZQ=="
ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="  # RFC 6455 §1.3


def make_request(**headers):
    base = Headers(
        {
            "Host": "example.com",
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": KEY,
            "Sec-WebSocket-Version": "13",
        }
    )
    for name, value in headers.items():
        name = name.replace("_", "-")
        if name in base:
            del base[name]
        if value is not None:
            base[name] = value
    return Request("/chat", base)


def request_bytes(**headers):
    return make_request(**headers).serialize()


def make_client(**kwargs):
    with mock.patch("secrets.token_bytes", return_value=b"the sample nonce"):
        return ClientProtocol(parse_uri("ws://example.com/chat"), **kwargs)


def open_pair(client_kwargs=None, server_kwargs=None):
    client = make_client(**(client_kwargs or {}))
    server = ServerProtocol(**(server_kwargs or {}))
    client.send_request(client.connect())
    for data in client.data_to_send():
        server.receive_data(data)
    [request] = server.events_received()
    server.send_response(server.accept(request))
    for data in server.data_to_send():
        client.receive_data(data)
    [response] = client.events_received()
    return client, server, request, response


# Client request.


def test_client_request_has_rfc_6455_headers():
    client = make_client()
    request = client.connect()
    assert request.path == "/chat"
    assert request.headers["Host"] == "example.com"
    assert request.headers["Upgrade"] == "websocket"
    assert request.headers["Connection"] == "Upgrade"
    assert request.headers["Sec-WebSocket-Key"] == KEY
    assert request.headers["Sec-WebSocket-Version"] == "13"


def test_client_request_serializes_to_exact_bytes():
    client = make_client()
    client.send_request(client.connect())
    assert client.data_to_send() == [
        b"GET /chat HTTP/1.1\r\n"
        b"Host: example.com\r\n"
        b"Upgrade: websocket\r\n"
        b"Connection: Upgrade\r\n"
        b"Sec-WebSocket-Key: " + KEY.encode() + b"\r\n"
        b"Sec-WebSocket-Version: 13\r\n"
        b"\r\n"
    ]


def test_client_key_comes_from_secrets_token_bytes_at_call_time():
    with mock.patch("secrets.token_bytes", return_value=b"\x00" * 16) as token_bytes:
        client = ClientProtocol(parse_uri("ws://example.com/"))
    token_bytes.assert_called_with(16)
    assert client.key == "AAAAAAAAAAAAAAAAAAAAAA=="


def test_client_request_with_origin_subprotocols_extensions_and_auth():
    client = ClientProtocol(
        parse_uri("wss://user:pass@example.com:8443/path?query"),
        origin="https://example.com",
        subprotocols=["chat", "superchat"],
        extensions=[ClientPerMessageDeflateFactory()],
    )
    request = client.connect()
    assert request.path == "/path?query"
    assert request.headers["Host"] == "example.com:8443"
    assert request.headers["Origin"] == "https://example.com"
    assert request.headers["Sec-WebSocket-Protocol"] == "chat, superchat"
    assert request.headers["Sec-WebSocket-Extensions"].startswith("permessage-deflate")
    assert request.headers["Authorization"] == "Basic dXNlcjpwYXNz"


# Server validation.


def test_server_accepts_valid_request_with_101():
    server = ServerProtocol()
    response = server.accept(make_request())
    assert response.status_code == 101
    assert response.reason_phrase == "Switching Protocols"
    assert response.headers["Sec-WebSocket-Accept"] == ACCEPT
    assert response.headers["Upgrade"] == "websocket"
    assert response.headers["Connection"] == "Upgrade"
    assert server.handshake_exc is None


def test_server_parses_request_from_bytes():
    server = ServerProtocol()
    server.receive_data(request_bytes())
    [request] = server.events_received()
    assert isinstance(request, Request)
    assert request.path == "/chat"


@pytest.mark.parametrize(
    "headers, status, exc_type, message",
    [
        ({"Connection": None}, 426, InvalidUpgrade, "missing Connection header"),
        (
            {"Connection": "keep-alive"},
            426,
            InvalidUpgrade,
            "invalid Connection header: keep-alive",
        ),
        ({"Upgrade": None}, 426, InvalidUpgrade, "missing Upgrade header"),
        ({"Upgrade": "h2c"}, 426, InvalidUpgrade, "invalid Upgrade header: h2c"),
        (
            {"Sec_WebSocket_Key": None},
            400,
            InvalidHeader,
            "missing Sec-WebSocket-Key header",
        ),
        (
            {"Sec_WebSocket_Key": "not base64!"},
            400,
            InvalidHeaderValue,
            "invalid Sec-WebSocket-Key header: not base64!",
        ),
        (
            {"Sec_WebSocket_Key": "c2hvcnQ="},
            400,
            InvalidHeaderValue,
            "invalid Sec-WebSocket-Key header: c2hvcnQ=",
        ),
        (
            {"Sec_WebSocket_Version": None},
            400,
            InvalidHeader,
            "missing Sec-WebSocket-Version header",
        ),
        (
            {"Sec_WebSocket_Version": "8"},
            400,
            InvalidHeaderValue,
            "invalid Sec-WebSocket-Version header: 8",
        ),
    ],
)
def test_server_rejects_invalid_request(headers, status, exc_type, message):
    server = ServerProtocol()
    response = server.accept(make_request(**headers))
    assert response.status_code == status
    assert isinstance(server.handshake_exc, exc_type)
    assert str(server.handshake_exc) == message
    assert response.body.decode().startswith(
        f"Failed to open a WebSocket connection: {message}"
    )
    if status == 426:
        assert response.headers["Upgrade"] == "websocket"


def test_server_rejects_duplicate_key():
    server = ServerProtocol()
    request = make_request()
    request.headers["Sec-WebSocket-Key"] = KEY
    response = server.accept(request)
    assert response.status_code == 400
    assert (
        str(server.handshake_exc) == "invalid Sec-WebSocket-Key header: multiple values"
    )


def test_server_rejects_origin_not_allowed_with_403():
    server = ServerProtocol(origins=["https://good.example"])
    response = server.accept(make_request(Origin="https://evil.example"))
    assert response.status_code == 403
    assert str(server.handshake_exc) == "invalid Origin header: https://evil.example"


def test_server_accepts_origin_matching_regex_and_missing_origin_when_none_allowed():
    server = ServerProtocol(origins=[re.compile(r"https://[a-z]+\.example"), None])
    assert server.accept(make_request(Origin="https://good.example")).status_code == 101
    server = ServerProtocol(origins=[re.compile(r"https://[a-z]+\.example"), None])
    assert server.accept(make_request()).status_code == 101


def test_server_rejects_missing_origin_with_403():
    server = ServerProtocol(origins=["https://good.example"])
    response = server.accept(make_request())
    assert response.status_code == 403
    assert str(server.handshake_exc) == "missing Origin header"


def test_server_reject_builds_plain_text_response():
    server = ServerProtocol()
    response = server.reject(404, "Not here.\n")
    assert response.status_code == 404
    assert response.reason_phrase == "Not Found"
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Length"] == "10"
    assert response.headers["Connection"] == "close"
    server.send_response(response)
    data = server.data_to_send()
    assert data[0].startswith(b"HTTP/1.1 404 Not Found\r\n")
    assert data[-1] == SEND_EOF
    assert server.close_expected()


def test_server_answers_invalid_http_with_handshake_exc_and_eof():
    server = ServerProtocol()
    server.receive_data(b"not HTTP at all\r\n\r\n")
    assert server.events_received() == []
    assert isinstance(server.handshake_exc, InvalidMessage)
    assert str(server.handshake_exc) == "did not receive a valid HTTP request"
    assert server.data_to_send() == [SEND_EOF]


def test_server_answers_thousands_of_headers_with_431():
    server = ServerProtocol()
    data = b"GET / HTTP/1.1\r\n" + b"X-Header: value\r\n" * 10_000
    server.receive_data(data)
    assert str(server.handshake_exc) == "expected no more than 128 headers"
    response, eof = server.data_to_send()
    assert response.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")
    assert response.endswith(
        b"Failed to open a WebSocket connection: expected no more than 128 headers.\n"
    )
    assert eof == SEND_EOF


def test_server_answers_huge_header_line_with_431():
    server = ServerProtocol()
    server.receive_data(b"GET / HTTP/1.1\r\nX-Header: " + b"a" * 100_000 + b"\r\n")
    response, eof = server.data_to_send()
    assert response.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")
    assert eof == SEND_EOF


def test_server_answers_huge_request_line_with_414():
    server = ServerProtocol()
    server.receive_data(b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\n")
    response, eof = server.data_to_send()
    # The reason phrase is http.HTTPStatus's, which Python 3.13 renamed
    # ("URI Too Long", after RFC 9110).
    phrase = http.HTTPStatus.REQUEST_URI_TOO_LONG.phrase
    assert response.startswith(f"HTTP/1.1 414 {phrase}\r\n".encode())
    assert eof == SEND_EOF


def test_server_error_in_select_subprotocol_returns_500(caplog):
    def select_subprotocol(protocol, subprotocols):
        raise RuntimeError("boom")

    server = ServerProtocol(select_subprotocol=select_subprotocol)
    with caplog.at_level(logging.ERROR, logger="websockets.server"):
        response = server.accept(make_request())
    assert response.status_code == 500
    assert isinstance(server.handshake_exc, RuntimeError)
    assert "opening handshake failed" in caplog.text


# Subprotocols.


@pytest.mark.parametrize(
    "available, offered, status, selected, error",
    [
        (["a", "b"], None, 400, None, "missing subprotocol"),
        (["a", "b"], "c", 400, None, "invalid subprotocol; expected one of a, b"),
        (["a", "b"], "b, a", 101, "a", None),
        (None, "a", 101, None, None),
        ([], "a", 101, None, None),
    ],
)
def test_server_selects_subprotocol(available, offered, status, selected, error):
    server = ServerProtocol(subprotocols=available)
    response = server.accept(make_request(Sec_WebSocket_Protocol=offered))
    assert response.status_code == status
    assert server.subprotocol == selected
    assert response.headers.get("Sec-WebSocket-Protocol") == selected
    if error is not None:
        assert str(server.handshake_exc) == error


def test_custom_select_subprotocol_receives_protocol_and_offers():
    seen = []

    def select_subprotocol(protocol, subprotocols):
        seen.append((protocol, list(subprotocols)))
        return "chat" if "chat" in subprotocols else None

    server = ServerProtocol(select_subprotocol=select_subprotocol)
    response = server.accept(make_request(Sec_WebSocket_Protocol="x, chat"))
    assert response.headers["Sec-WebSocket-Protocol"] == "chat"
    assert seen == [(server, ["x", "chat"])]


def test_client_and_server_negotiate_subprotocol():
    client, server, _, _ = open_pair(
        {"subprotocols": ["v2", "v1"]}, {"subprotocols": ["v1", "v2"]}
    )
    assert client.subprotocol == server.subprotocol == "v1"


def test_client_rejects_subprotocol_it_did_not_offer():
    client = make_client(subprotocols=["chat"])
    response = Response(
        101,
        "Switching Protocols",
        Headers(
            {
                "Upgrade": "websocket",
                "Connection": "Upgrade",
                "Sec-WebSocket-Accept": ACCEPT,
                "Sec-WebSocket-Protocol": "other",
            }
        ),
    )
    client.receive_data(response.serialize())
    [event] = client.events_received()
    assert isinstance(client.handshake_exc, NegotiationError)
    assert str(client.handshake_exc) == "unsupported subprotocol: other"
    assert event._exception is client.handshake_exc


# Extensions.


def test_permessage_deflate_is_negotiated_and_compresses():
    client, server, _, response = open_pair(
        {"extensions": [ClientPerMessageDeflateFactory()]},
        {"extensions": [ServerPerMessageDeflateFactory()]},
    )
    assert response.headers["Sec-WebSocket-Extensions"] == "permessage-deflate"
    assert isinstance(client.extensions[0], PerMessageDeflate)
    assert isinstance(server.extensions[0], PerMessageDeflate)
    # 1200 bytes: above the compression threshold.
    client.send_text(b"hello " * 200)
    [data] = client.data_to_send()
    assert data[0] == 0xC1  # FIN, RSV1 (compressed), TEXT
    assert len(data) < 100
    server.receive_data(data)
    assert server.events_received() == [Frame(OP_TEXT, b"hello " * 200)]


def test_server_ignores_extensions_it_does_not_support():
    server = ServerProtocol()
    response = server.accept(make_request(Sec_WebSocket_Extensions="x-unknown"))
    assert response.status_code == 101
    assert "Sec-WebSocket-Extensions" not in response.headers
    assert server.extensions == []


def test_rsv1_without_negotiated_extension_fails_with_1002():
    client, server, _, _ = open_pair()
    server.receive_data(b"\xc1\x81\x00\x00\x00\x00a")
    assert server.close_sent is not None
    assert server.close_sent.code == 1002
    assert server.close_sent.reason == "reserved bits must be 0"


# Client validation of the response.


def response_bytes(status=101, **headers):
    base = Headers(
        {
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Accept": ACCEPT,
        }
    )
    for name, value in headers.items():
        name = name.replace("_", "-")
        if name in base:
            del base[name]
        if value is not None:
            base[name] = value
    if status == 101:
        return Response(status, "Switching Protocols", base).serialize()
    base["Content-Length"] = "0"
    return Response(status, "Error", base).serialize()


def test_client_opens_on_valid_response():
    client = make_client()
    client.send_request(client.connect())
    client.receive_data(response_bytes())
    [response] = client.events_received()
    assert response.status_code == 101
    assert client.state is State.OPEN
    assert client.handshake_exc is None


def test_client_parses_frames_that_follow_the_response_in_the_same_chunk():
    client = make_client()
    client.receive_data(response_bytes() + b"\x81\x02hi")
    response, frame = client.events_received()
    assert response.status_code == 101
    assert frame == Frame(OP_TEXT, b"hi")


@pytest.mark.parametrize(
    "status, headers, exc_type, message",
    [
        (403, {}, InvalidStatus, "server rejected WebSocket connection: HTTP 403"),
        (101, {"Upgrade": None}, InvalidUpgrade, "missing Upgrade header"),
        (
            101,
            {"Connection": "close"},
            InvalidUpgrade,
            "invalid Connection header: close",
        ),
        (
            101,
            {"Sec_WebSocket_Accept": "wrong"},
            InvalidHeaderValue,
            "invalid Sec-WebSocket-Accept header: wrong",
        ),
        (
            101,
            {"Sec_WebSocket_Accept": None},
            InvalidHeader,
            "missing Sec-WebSocket-Accept header",
        ),
        (
            101,
            {"Sec_WebSocket_Extensions": "permessage-deflate"},
            NegotiationError,
            "no extensions supported",
        ),
        (
            101,
            {"Sec_WebSocket_Protocol": "chat"},
            NegotiationError,
            "no subprotocols supported",
        ),
    ],
)
def test_client_rejects_invalid_response(status, headers, exc_type, message):
    client = make_client()
    client.receive_data(response_bytes(status, **headers))
    [response] = client.events_received()
    assert isinstance(client.handshake_exc, exc_type)
    assert isinstance(client.handshake_exc, InvalidHandshake)
    assert str(client.handshake_exc) == message
    assert response._exception is client.handshake_exc
    assert client.data_to_send() == [SEND_EOF]
    assert client.close_expected()
    client.receive_eof()
    assert client.state is State.CLOSED


def test_client_rejects_non_http_response():
    client = make_client()
    client.receive_data(b"SSH-2.0-OpenSSH\r\n\r\n")
    assert isinstance(client.handshake_exc, InvalidMessage)
    assert str(client.handshake_exc) == "did not receive a valid HTTP response"


def test_client_reads_body_of_rejection():
    client = make_client()
    client.receive_data(b"HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\n\r\nnope!")
    [response] = client.events_received()
    assert response.body == b"nope!"
    assert isinstance(client.handshake_exc, InvalidStatus)
    assert client.handshake_exc.response is response


def test_accept_key_matches_rfc_6455_example():
    assert accept_key(KEY) == ACCEPT


# Full handshake then data, in memory.


def test_full_handshake_then_echo_and_close():
    client, server, request, response = open_pair()
    assert client.state is State.OPEN and server.state is State.OPEN
    client.send_text(b"hello")
    for data in client.data_to_send():
        server.receive_data(data)
    assert server.events_received() == [Frame(OP_TEXT, b"hello")]
    server.send_text(b"hello")
    for data in server.data_to_send():
        client.receive_data(data)
    assert client.events_received() == [Frame(OP_TEXT, b"hello")]
    client.send_close(1000)
    for data in client.data_to_send():
        server.receive_data(data)
    for data in server.data_to_send():
        if data:
            client.receive_data(data)
        else:
            client.receive_eof()
    assert client.data_to_send() == [SEND_EOF]
    server.receive_eof()
    assert client.state is State.CLOSED and server.state is State.CLOSED
    assert client.close_code == server.close_code == 1000
