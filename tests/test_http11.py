import sys
import warnings

import pytest

from websockets import http11
from websockets.datastructures import Headers, MultipleValuesError
from websockets.exceptions import (
    HeaderLineTooLong,
    RequestLineTooLong,
    SecurityError,
    StatusLineTooLong,
    TooManyHeaders,
)
from websockets.http11 import Request, Response
from websockets.streams import StreamReader
from websockets.version import version


def parse_request(data, *, eof=False, chunk_size=None):
    """Parse a request from data; return (request, remaining bytes) or None."""
    reader = StreamReader()
    gen = Request.parse(reader.read_line)
    return drive(reader, gen, data, eof, chunk_size)


def parse_response(data, *, eof=False, chunk_size=None, proxy=False):
    """Parse a response from data; return (response, remaining bytes) or None."""
    reader = StreamReader()
    gen = Response.parse(
        reader.read_line, reader.read_exact, reader.read_to_eof, proxy=proxy
    )
    return drive(reader, gen, data, eof, chunk_size)


def drive(reader, gen, data, eof, chunk_size):
    if chunk_size is None:
        chunks = [data]
    else:
        chunks = [data[i : i + chunk_size] for i in range(0, len(data), chunk_size)]
    try:
        next(gen)
        for chunk in chunks:
            reader.feed_data(chunk)
            next(gen)
        if eof:
            reader.feed_eof()
            next(gen)
    except StopIteration as exc:
        return exc.value, bytes(reader.buffer)
    return None  # still running


REQUEST = (
    b"GET /chat HTTP/1.1\r\n"
    b"Host: server.example.com\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Origin: http://example.com\r\n"
    b"Sec-WebSocket-Protocol: chat, superchat\r\n"
    b"Sec-WebSocket-Version: 13\r\n"
    b"\r\n"
)

RESPONSE = (
    b"HTTP/1.1 101 Switching Protocols\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
    b"Sec-WebSocket-Protocol: chat\r\n"
    b"\r\n"
)


# Module constants


def test_default_limits():
    assert http11.MAX_NUM_HEADERS == 128
    assert http11.MAX_LINE_LENGTH == 8192
    assert http11.MAX_BODY_SIZE == 1_048_576


def test_user_agent_and_server():
    expected = (
        f"Python/{sys.version_info[0]}.{sys.version_info[1]} websockets/{version}"
    )
    assert http11.USER_AGENT == expected
    assert http11.SERVER == expected


def test_d_decodes_with_backslash_escapes():
    assert http11.d(b"caf\xc3\xa9") == "café"
    assert http11.d(b"\xe9\x00") == "\\xe9\x00"
    assert http11.d(bytearray(b"x")) == "x"


# Request parsing


def test_parse_request():
    request, rest = parse_request(REQUEST)
    assert request.path == "/chat"
    assert request.method == "GET"
    assert request.protocol == "HTTP/1.1"
    assert request.headers["Upgrade"] == "websocket"
    assert request.headers["sec-websocket-protocol"] == "chat, superchat"
    assert rest == b""


def test_parse_request_one_byte_at_a_time():
    request, _ = parse_request(REQUEST, chunk_size=1)
    assert request == parse_request(REQUEST)[0]


def test_parse_request_leaves_following_data_in_buffer():
    assert parse_request(REQUEST + b"\x81\x00")[1] == b"\x81\x00"


def test_parse_request_incomplete_waits():
    assert parse_request(REQUEST[:-2]) is None


def test_parse_request_other_method_and_http_1_0():
    # Methods and HTTP/1.0 are accepted here; the server rejects them later.
    request, _ = parse_request(b"POST /x?y=z HTTP/1.0\r\n\r\n")
    assert (request.method, request.path, request.protocol) == (
        "POST",
        "/x?y=z",
        "HTTP/1.0",
    )


def test_parse_request_empty_method_and_path():
    request, _ = parse_request(b" / HTTP/1.1\r\n\r\n")
    assert request.method == ""
    request, _ = parse_request(b"GET  HTTP/1.1\r\n\r\n")
    assert request.path == ""


def test_parse_request_eof_before_request_line():
    with pytest.raises(EOFError) as raised:
        parse_request(b"", eof=True)
    assert str(raised.value) == "connection closed while reading HTTP request line"
    assert str(raised.value.__cause__) == (
        "stream ends after 0 bytes, before end of line"
    )


def test_parse_request_eof_in_headers():
    with pytest.raises(EOFError) as raised:
        parse_request(b"GET / HTTP/1.1\r\nHost: x\r\n", eof=True)
    assert str(raised.value) == "connection closed while reading HTTP headers"
    assert isinstance(raised.value.__cause__, EOFError)


def test_parse_request_line_without_crlf():
    with pytest.raises(EOFError) as raised:
        parse_request(b"GET / HTTP/1.1\n\r\n")
    assert str(raised.value) == "connection closed while reading HTTP request line"
    assert str(raised.value.__cause__) == "line without CRLF"


def test_parse_request_header_line_without_crlf():
    with pytest.raises(EOFError) as raised:
        parse_request(b"GET / HTTP/1.1\r\nHost: x\n\r\n")
    assert str(raised.value) == "connection closed while reading HTTP headers"
    assert str(raised.value.__cause__) == "line without CRLF"


@pytest.mark.parametrize(
    "request_line",
    [b"", b"GET", b"GET /chat"],
)
def test_parse_request_invalid_request_line(request_line):
    with pytest.raises(ValueError) as raised:
        parse_request(request_line + b"\r\n\r\n")
    assert str(raised.value) == f"invalid HTTP request line: {request_line.decode()}"
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__


@pytest.mark.parametrize(
    "request_line",
    [
        b"GET /chat HTTP/2.0",
        b"GET /chat http/1.1",
        b"GET  /chat HTTP/1.1",
        b"GET /chat HTTP/1.1 x",
        b"GET /a b HTTP/1.1",
        b"GET /a HTTP/1.1\r",
    ],
)
def test_parse_request_unsupported_protocol(request_line):
    with pytest.raises(ValueError) as raised:
        parse_request(request_line + b"\r\n\r\n")
    assert str(raised.value) == (
        "unsupported protocol; expected HTTP/1.1 or HTTP/1.0: " + request_line.decode()
    )


def test_parse_request_unsupported_protocol_escapes_non_utf8():
    with pytest.raises(ValueError) as raised:
        parse_request(b"G\xe9T / HTTP/2\r\n\r\n")
    assert str(raised.value) == (
        "unsupported protocol; expected HTTP/1.1 or HTTP/1.0: G\\xe9T / HTTP/2"
    )


def test_parse_request_non_ascii_method():
    with pytest.raises(UnicodeDecodeError) as raised:
        parse_request(b"G\xe9T / HTTP/1.1\r\n\r\n")
    assert raised.value.start == 1


def test_parse_request_non_ascii_path():
    with pytest.raises(UnicodeDecodeError) as raised:
        parse_request(b"GET /caf\xe9 HTTP/1.1\r\n\r\n")
    assert raised.value.start == 4


def test_parse_request_headers_strip_whitespace_and_allow_empty_values():
    request, _ = parse_request(
        b"GET / HTTP/1.1\r\nA:x\r\nB: \t y \t\r\nC:\r\nD: \xe9\r\n\r\n"
    )
    assert list(request.headers.raw_items()) == [
        ("A", "x"),
        ("B", "y"),
        ("C", ""),
        ("D", "é"),
    ]


def test_parse_request_header_names_accept_all_token_characters():
    name = b"X-!#$%&'*+-.^_`|~09az"
    request, _ = parse_request(b"GET / HTTP/1.1\r\n" + name + b": v\r\n\r\n")
    assert request.headers[name.decode()] == "v"


def test_parse_request_repeated_headers():
    request, _ = parse_request(b"GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n")
    assert request.headers.get_all("Host") == ["a", "b"]


@pytest.mark.parametrize(
    "line, message",
    [
        (b"Host x", "invalid HTTP header line: Host x"),
        (b" y", "invalid HTTP header line:  y"),
    ],
)
def test_parse_request_invalid_header_line(line, message):
    with pytest.raises(ValueError) as raised:
        parse_request(b"GET / HTTP/1.1\r\n" + line + b"\r\n\r\n")
    assert str(raised.value) == message
    assert raised.value.__suppress_context__


@pytest.mark.parametrize(
    "name, message",
    [
        (b"Ho st", "invalid HTTP header name: Ho st"),
        (b"", "invalid HTTP header name: "),
        (b"Host ", "invalid HTTP header name: Host "),
        (b" Host", "invalid HTTP header name:  Host"),
        (b"X(", "invalid HTTP header name: X("),
        (b"H\xe9st", "invalid HTTP header name: H\\xe9st"),
    ],
)
def test_parse_request_invalid_header_name(name, message):
    with pytest.raises(ValueError) as raised:
        parse_request(b"GET / HTTP/1.1\r\n" + name + b": x\r\n\r\n")
    assert str(raised.value) == message


@pytest.mark.parametrize("value", [b"a\x00b", b"a\x7fb", b"a\rb", b"\x01", b"a\x1fb"])
def test_parse_request_invalid_header_value(value):
    with pytest.raises(ValueError) as raised:
        parse_request(b"GET / HTTP/1.1\r\nHost: " + value + b"\r\n\r\n")
    assert str(raised.value) == "invalid HTTP header value: " + value.decode()


def test_parse_request_transfer_encoding():
    with pytest.raises(NotImplementedError) as raised:
        parse_request(b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
    assert str(raised.value) == "transfer codings aren't supported"


def test_parse_request_transfer_encoding_checked_before_content_length():
    with pytest.raises(NotImplementedError):
        parse_request(
            b"GET / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: x\r\n\r\n"
        )


def test_parse_request_content_length_zero_is_tolerated():
    request, _ = parse_request(
        b"GET / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n"
    )
    assert request.headers.get_all("Content-Length") == ["0", "0"]


@pytest.mark.parametrize("values", [[b"5"], [b"00"], [b""], [b"x"], [b"1", b"1"]])
def test_parse_request_body(values):
    headers = b"".join(b"Content-Length: " + value + b"\r\n" for value in values)
    with pytest.raises(ValueError) as raised:
        parse_request(b"GET / HTTP/1.1\r\n" + headers + b"\r\nhello")
    assert str(raised.value) == "unsupported request body"


# Limits


def many_headers(count):
    return b"".join(b"X-Header-%d: value\r\n" % i for i in range(count))


def test_parse_request_max_num_headers():
    request, _ = parse_request(b"GET / HTTP/1.1\r\n" + many_headers(128) + b"\r\n")
    assert len(request.headers) == 128


def test_parse_request_too_many_headers():
    with pytest.raises(TooManyHeaders) as raised:
        parse_request(b"GET / HTTP/1.1\r\n" + many_headers(129) + b"\r\n")
    assert str(raised.value) == "expected no more than 128 headers"


def test_parse_request_too_many_headers_fails_without_end_of_headers():
    # The parser doesn't wait for more data to reject the 129th header.
    assert parse_request(b"GET / HTTP/1.1\r\n" + many_headers(128)) is None
    with pytest.raises(TooManyHeaders):
        parse_request(b"GET / HTTP/1.1\r\n" + many_headers(129))


def request_line_of_length(n):
    # Length includes the CRLF.
    return b"GET /" + b"a" * (n - 16) + b" HTTP/1.1\r\n"


def test_parse_request_max_request_line():
    line = request_line_of_length(8192)
    assert len(line) == 8192
    request, _ = parse_request(line + b"\r\n")
    assert len(request.path) == 8192 - 15


def test_parse_request_request_line_too_long():
    with pytest.raises(RequestLineTooLong) as raised:
        parse_request(request_line_of_length(8193) + b"\r\n")
    assert str(raised.value) == "read 8193 bytes, expected no more than 8192 bytes"
    assert isinstance(raised.value, SecurityError)


def test_parse_request_request_line_too_long_fails_without_lf():
    with pytest.raises(RequestLineTooLong) as raised:
        parse_request(b"GET /" + b"a" * 9000)
    assert str(raised.value) == "read 9005 bytes, expected no more than 8192 bytes"


def test_parse_request_max_header_line():
    line = b"X: " + b"a" * (8192 - 5) + b"\r\n"
    request, _ = parse_request(b"GET / HTTP/1.1\r\n" + line + b"\r\n")
    assert len(request.headers["X"]) == 8187


def test_parse_request_header_line_too_long():
    line = b"X: " + b"a" * (8193 - 5) + b"\r\n"
    with pytest.raises(HeaderLineTooLong) as raised:
        parse_request(b"GET / HTTP/1.1\r\n" + line + b"\r\n")
    assert str(raised.value) == "read 8193 bytes, expected no more than 8192 bytes"


def test_parse_request_huge_header_line_fails_early():
    with pytest.raises(HeaderLineTooLong) as raised:
        parse_request(b"GET / HTTP/1.1\r\nX: " + b"a" * 100_000, chunk_size=4096)
    assert str(raised.value).endswith("expected no more than 8192 bytes")


def test_limits_are_read_at_call_time(monkeypatch):
    monkeypatch.setattr(http11, "MAX_NUM_HEADERS", 2)
    with pytest.raises(TooManyHeaders) as raised:
        parse_request(b"GET / HTTP/1.1\r\n" + many_headers(3) + b"\r\n")
    assert str(raised.value) == "expected no more than 2 headers"
    monkeypatch.setattr(http11, "MAX_LINE_LENGTH", 20)
    with pytest.raises(RequestLineTooLong) as raised:
        parse_request(b"GET /" + b"a" * 25 + b" HTTP/1.1\r\n\r\n")
    assert str(raised.value) == "read 41 bytes, expected no more than 20 bytes"


# Request serialization


def test_serialize_request():
    request = Request("/chat", Headers([("Host", "example.com"), ("X", "é")]))
    assert request.serialize() == (
        b"GET /chat HTTP/1.1\r\nHost: example.com\r\nX: \xe9\r\n\r\n"
    )


def test_serialize_request_method_and_protocol():
    request = Request("/", Headers(), method="POST", protocol="HTTP/1.0")
    assert request.serialize() == b"POST / HTTP/1.0\r\n\r\n"


def test_serialize_request_non_ascii_path():
    with pytest.raises(UnicodeEncodeError):
        Request("/é", Headers()).serialize()


def test_request_round_trip():
    request, _ = parse_request(REQUEST)
    assert request.serialize() == REQUEST


def test_request_fields_and_repr():
    request = Request("/", Headers())
    assert request == Request("/", Headers(), "GET", "HTTP/1.1", None)
    assert repr(request) == (
        "Request(path='/', headers=Headers([]), method='GET', "
        "protocol='HTTP/1.1', _exception=None)"
    )


def test_request_exception_is_deprecated():
    exc = ValueError("x")
    request = Request("/", Headers(), _exception=exc)
    with pytest.warns(DeprecationWarning, match="Request.exception is deprecated"):
        assert request.exception is exc


# Response parsing


def test_parse_response():
    response, rest = parse_response(RESPONSE)
    assert response.status_code == 101
    assert response.reason_phrase == "Switching Protocols"
    assert response.headers["Sec-WebSocket-Accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    assert response.body == b""
    assert rest == b""


def test_parse_response_one_byte_at_a_time():
    response, _ = parse_response(RESPONSE + b"\x81\x00", chunk_size=1)
    assert response == parse_response(RESPONSE)[0]


def test_parse_response_leaves_websocket_data_in_buffer():
    assert parse_response(RESPONSE + b"\x81\x00")[1] == b"\x81\x00"


def test_parse_response_empty_reason_phrase():
    response, _ = parse_response(b"HTTP/1.1 101 \r\n\r\n")
    assert response.reason_phrase == ""


def test_parse_response_reason_phrase_latin_1_tab_and_spaces():
    response, _ = parse_response(
        b"HTTP/1.1 404 Not\tFound  \xe9\r\nContent-Length: 0\r\n\r\n"
    )
    assert response.reason_phrase == "Not\tFound  é"


def test_parse_response_eof_before_status_line():
    with pytest.raises(EOFError) as raised:
        parse_response(b"", eof=True)
    assert str(raised.value) == "connection closed while reading HTTP status line"
    assert isinstance(raised.value.__cause__, EOFError)


def test_parse_response_eof_in_headers():
    with pytest.raises(EOFError) as raised:
        parse_response(b"HTTP/1.1 101 OK\r\n", eof=True)
    assert str(raised.value) == "connection closed while reading HTTP headers"


def test_parse_response_status_line_without_crlf():
    with pytest.raises(EOFError) as raised:
        parse_response(b"HTTP/1.1 101 OK\n\r\n")
    assert str(raised.value) == "connection closed while reading HTTP status line"
    assert str(raised.value.__cause__) == "line without CRLF"


@pytest.mark.parametrize("status_line", [b"", b"HTTP/1.1", b"HTTP/1.1 101"])
def test_parse_response_invalid_status_line(status_line):
    with pytest.raises(ValueError) as raised:
        parse_response(status_line + b"\r\n\r\n")
    assert str(raised.value) == f"invalid HTTP status line: {status_line.decode()}"
    assert raised.value.__suppress_context__


@pytest.mark.parametrize(
    "status_line", [b"HTTP/1.0 101 OK", b"HTTP/2 101 OK", b"http/1.1 101 OK"]
)
def test_parse_response_unsupported_protocol(status_line):
    with pytest.raises(ValueError) as raised:
        parse_response(status_line + b"\r\n\r\n")
    assert str(raised.value) == (
        f"unsupported protocol; expected HTTP/1.1: {status_line.decode()}"
    )


def test_parse_response_from_proxy_accepts_http_1_0():
    response, rest = parse_response(b"HTTP/1.0 200 OK\r\n\r\nxx", proxy=True)
    assert response.status_code == 200
    assert rest == b"xx"


def test_parse_response_from_proxy_unsupported_protocol():
    with pytest.raises(ValueError) as raised:
        parse_response(b"HTTP/2 200 OK\r\n\r\n", proxy=True)
    assert str(raised.value) == (
        "unsupported protocol; expected HTTP/1.1 or HTTP/1.0: HTTP/2 200 OK"
    )


@pytest.mark.parametrize(
    "status_code",
    [b"abc", b"+20", b"2a0", b"", b"\xd9\xa1\xd9\xa0\xd9\xa1", b"0" * 16 + b"200"],
)
def test_parse_response_status_code_not_an_integer(status_code):
    with pytest.raises(ValueError) as raised:
        parse_response(b"HTTP/1.1 " + status_code + b" OK\r\n\r\n")
    assert str(raised.value) == (
        f"invalid status code; expected integer; got {status_code.decode()}"
    )


@pytest.mark.parametrize("status_code", [b"99", b"099", b"600", b"1010"])
def test_parse_response_status_code_out_of_range(status_code):
    with pytest.raises(ValueError) as raised:
        parse_response(b"HTTP/1.1 " + status_code + b" OK\r\n\r\n")
    assert str(raised.value) == (
        f"invalid status code; expected 100–599; got {status_code.decode()}"
    )


def test_parse_response_status_code_with_leading_zeros():
    response, _ = parse_response(b"HTTP/1.1 " + b"0" * 15 + b"101 OK\r\n\r\n")
    assert response.status_code == 101


@pytest.mark.parametrize("reason", [b"O\x00K", b"O\x7fK", b"O\rK"])
def test_parse_response_invalid_reason_phrase(reason):
    with pytest.raises(ValueError) as raised:
        parse_response(b"HTTP/1.1 200 " + reason + b"\r\n\r\n")
    assert str(raised.value) == f"invalid HTTP reason phrase: {reason.decode()}"


def test_parse_response_invalid_header():
    with pytest.raises(ValueError) as raised:
        parse_response(b"HTTP/1.1 101 OK\r\nHo st: x\r\n\r\n")
    assert str(raised.value) == "invalid HTTP header name: Ho st"


def test_parse_response_status_line_too_long():
    with pytest.raises(StatusLineTooLong) as raised:
        parse_response(b"HTTP/1.1 " + b"2" * 9000 + b" OK\r\n\r\n")
    assert str(raised.value) == "read 9014 bytes, expected no more than 8192 bytes"


def test_parse_response_header_line_too_long():
    with pytest.raises(HeaderLineTooLong) as raised:
        parse_response(b"HTTP/1.1 101 OK\r\nX: " + b"a" * 9000 + b"\r\n\r\n")
    assert str(raised.value) == "read 9005 bytes, expected no more than 8192 bytes"


def test_parse_response_too_many_headers():
    with pytest.raises(TooManyHeaders) as raised:
        parse_response(b"HTTP/1.1 101 OK\r\n" + many_headers(129) + b"\r\n")
    assert str(raised.value) == "expected no more than 128 headers"


# Response bodies


@pytest.mark.parametrize("status_code", [100, 101, 199, 204, 304])
def test_parse_response_without_body(status_code):
    data = b"HTTP/1.1 %d X\r\nContent-Length: 5\r\n\r\nhello" % status_code
    response, rest = parse_response(data)
    assert response.body == b""
    assert rest == b"hello"


def test_parse_response_content_length():
    response, rest = parse_response(
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloextra"
    )
    assert response.body == b"hello"
    assert type(response.body) is bytearray
    assert rest == b"extra"


def test_parse_response_content_length_zero_and_leading_zeros():
    response, rest = parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nab")
    assert (response.body, rest) == (b"", b"ab")
    response, _ = parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 003\r\n\r\nabc")
    assert response.body == b"abc"


def test_parse_response_content_length_waits_for_body():
    assert parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel") is None


def test_parse_response_content_length_eof():
    with pytest.raises(EOFError) as raised:
        parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", eof=True)
    assert str(raised.value) == "stream ends after 3 bytes, expected 5 bytes"


@pytest.mark.parametrize(
    "value", [b"x", b"-1", b"+5", b"", b"1a", b"0" * 18 + b"1", b"1" + b"0" * 30]
)
def test_parse_response_invalid_content_length(value):
    with pytest.raises(SecurityError) as raised:
        parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: " + value + b"\r\n\r\n")
    assert str(raised.value) == f"invalid content length: {value.decode()}"


def test_parse_response_content_length_decoded_as_latin_1_in_message():
    with pytest.raises(SecurityError) as raised:
        parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: \xd9\xa1\r\n\r\n")
    assert str(raised.value) == "invalid content length: Ù¡"


def test_parse_response_repeated_content_length():
    with pytest.raises(MultipleValuesError):
        parse_response(
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello"
        )


def test_parse_response_max_body_size():
    body = b"a" * 1_048_576
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n" + body
    response, _ = parse_response(data)
    assert len(response.body) == 1_048_576


def test_parse_response_body_too_large_content_length():
    with pytest.raises(SecurityError) as raised:
        parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 1048577\r\n\r\n")
    assert str(raised.value) == "body too large: 1048577 bytes"


def test_parse_response_body_until_eof():
    data = b"HTTP/1.1 500 Internal Server Error\r\n\r\nhello"
    assert parse_response(data) is None
    response, rest = parse_response(data, eof=True)
    assert response.body == b"hello"
    assert rest == b""


def test_parse_response_body_until_eof_too_large():
    with pytest.raises(SecurityError) as raised:
        parse_response(b"HTTP/1.1 200 OK\r\n\r\n" + b"a" * 1_048_577)
    assert str(raised.value) == (
        "read 1048577 bytes, expected no more than 1048576 bytes"
    )


def test_parse_response_body_until_eof_at_limit():
    data = b"HTTP/1.1 200 OK\r\n\r\n" + b"a" * 1_048_576
    response, _ = parse_response(data, eof=True)
    assert len(response.body) == 1_048_576


def test_parse_response_body_limit_is_read_at_call_time(monkeypatch):
    monkeypatch.setattr(http11, "MAX_BODY_SIZE", 4)
    with pytest.raises(SecurityError) as raised:
        parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
    assert str(raised.value) == "body too large: 5 bytes"


CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"


def test_parse_response_chunked():
    data = (
        CHUNKED + b"5\r\nhello\r\n6;ext=1\r\n world\r\nA\r\n0123456789\r\n0\r\n\r\nrest"
    )
    response, rest = parse_response(data)
    assert response.body == b"hello world0123456789"
    assert type(response.body) is bytes
    assert rest == b"rest"


def test_parse_response_chunked_one_byte_at_a_time():
    data = CHUNKED + b"5\r\nhello\r\n0\r\n\r\n"
    response, _ = parse_response(data, chunk_size=1)
    assert response.body == b"hello"


def test_parse_response_chunked_empty_and_leading_zeros():
    response, _ = parse_response(CHUNKED + b"0\r\n\r\n")
    assert response.body == b""
    response, _ = parse_response(CHUNKED + b"0" * 14 + b"1\r\nx\r\n0\r\n\r\n")
    assert response.body == b"x"


def test_parse_response_chunked_trailers_are_read_and_discarded():
    response, rest = parse_response(
        CHUNKED + b"5\r\nhello\r\n0\r\nTrailer: x\r\n\r\nrest"
    )
    assert "Trailer" not in response.headers
    assert rest == b"rest"


def test_parse_response_chunked_invalid_trailer():
    with pytest.raises(ValueError) as raised:
        parse_response(CHUNKED + b"0\r\nHo st: x\r\n\r\n")
    assert str(raised.value) == "invalid HTTP header name: Ho st"


def test_parse_response_chunked_eof_in_trailers():
    with pytest.raises(EOFError) as raised:
        parse_response(CHUNKED + b"5\r\nhello\r\n0\r\n", eof=True)
    assert str(raised.value) == "connection closed while reading HTTP headers"


def test_parse_response_chunked_eof_in_chunk_size():
    with pytest.raises(EOFError) as raised:
        parse_response(CHUNKED + b"5\r\nhello\r\n0", eof=True)
    assert str(raised.value) == "stream ends after 1 bytes, before end of line"


def test_parse_response_chunked_eof_in_chunk():
    with pytest.raises(EOFError) as raised:
        parse_response(CHUNKED + b"5\r\nhel", eof=True)
    assert str(raised.value) == "stream ends after 3 bytes, expected 5 bytes"


@pytest.mark.parametrize(
    "size", [b"z", b"5 ", b" 5", b"0x5", b"", b"5 ;x", b"0" * 15 + b"1", b"f" * 32]
)
def test_parse_response_chunked_invalid_chunk_size(size):
    with pytest.raises(SecurityError) as raised:
        parse_response(CHUNKED + size + b"\r\nhello\r\n0\r\n\r\n")
    # Chunk extensions, after ";", aren't part of the size.
    expected = size.split(b";")[0].decode()
    assert str(raised.value) == f"invalid chunk size: {expected}"


def test_parse_response_chunked_chunk_size_without_crlf():
    with pytest.raises(EOFError) as raised:
        parse_response(CHUNKED + b"5\nhello\r\n0\r\n\r\n")
    assert str(raised.value) == "line without CRLF"


def test_parse_response_chunked_chunk_size_line_too_long():
    with pytest.raises(SecurityError) as raised:
        parse_response(CHUNKED + b"1" + b"0" * 9000 + b"\r\n")
    assert type(raised.value) is SecurityError
    assert str(raised.value) == "read 9003 bytes, expected no more than 8192 bytes"


def test_parse_response_chunked_chunk_without_crlf():
    with pytest.raises(ValueError) as raised:
        parse_response(CHUNKED + b"5\r\nhelloXX0\r\n\r\n")
    assert str(raised.value) == "chunk without CRLF"


def test_parse_response_chunked_too_large():
    data = CHUNKED + b"80000\r\n" + b"a" * 0x80000 + b"\r\n80001\r\n"
    with pytest.raises(SecurityError) as raised:
        parse_response(data)
    assert str(raised.value) == "chunk too large: 524289 bytes after 524288 bytes"


def test_parse_response_chunked_at_limit():
    chunk = b"80000\r\n" + b"a" * 0x80000 + b"\r\n"
    response, _ = parse_response(CHUNKED + chunk + chunk + b"0\r\n\r\n")
    assert len(response.body) == 1_048_576


def test_parse_response_chunked_first_chunk_too_large():
    with pytest.raises(SecurityError) as raised:
        parse_response(CHUNKED + b"100001\r\n")
    assert str(raised.value) == "chunk too large: 1048577 bytes after 0 bytes"


def test_parse_response_chunked_takes_precedence_over_content_length():
    response, _ = parse_response(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Length: 3\r\n\r\n0\r\n\r\n"
    )
    assert response.body == b""


@pytest.mark.parametrize("coding", ["gzip", "gzip, chunked", "CHUNKED", ""])
def test_parse_response_unsupported_transfer_coding(coding):
    with pytest.raises(NotImplementedError) as raised:
        parse_response(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: "
            + coding.encode()
            + b"\r\n\r\n0\r\n\r\n"
        )
    assert str(raised.value) == f"transfer coding {coding} isn't supported"


def test_parse_response_repeated_transfer_encoding():
    with pytest.raises(MultipleValuesError):
        parse_response(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        )


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 200 Connection established\r\n\r\n",
        b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 3\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
    ],
)
def test_parse_response_from_proxy_never_reads_body(head):
    response, rest = parse_response(head + b"abcXXX", proxy=True)
    assert response.body == b""
    assert rest == b"abcXXX"


# Response serialization


def test_serialize_response():
    response = Response(101, "Switching Protocols", Headers(Upgrade="websocket"))
    assert response.serialize() == (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"
    )


def test_serialize_response_with_body():
    response = Response(200, "OK", Headers(), bytearray(b"hello"))
    assert response.serialize() == b"HTTP/1.1 200 OK\r\n\r\nhello"


def test_serialize_response_latin_1_reason_phrase():
    assert Response(200, "Oké", Headers()).serialize() == b"HTTP/1.1 200 Ok\xe9\r\n\r\n"
    with pytest.raises(UnicodeEncodeError):
        Response(200, "€", Headers()).serialize()


def test_serialize_response_http_status():
    import http

    response = Response(http.HTTPStatus.OK, "OK", Headers())
    assert response.serialize() == b"HTTP/1.1 200 OK\r\n\r\n"


def test_response_round_trip():
    response, _ = parse_response(RESPONSE)
    assert response.serialize() == RESPONSE


def test_response_fields_and_repr():
    response = Response(200, "OK", Headers())
    assert response == Response(200, "OK", Headers(), b"", None)
    assert repr(response) == (
        "Response(status_code=200, reason_phrase='OK', headers=Headers([]), "
        "body=b'', _exception=None)"
    )


def test_response_exception_is_deprecated():
    exc = ValueError("x")
    response = Response(200, "OK", Headers(), _exception=exc)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert response.exception is exc
    assert [str(w.message) for w in caught] == [
        "Response.exception is deprecated; use ClientProtocol.handshake_exc instead"
    ]


def test_limits_and_headers_configurable_with_environment_variables():
    import os
    import subprocess

    env = dict(
        os.environ,
        WEBSOCKETS_MAX_NUM_HEADERS="3",
        WEBSOCKETS_MAX_LINE_LENGTH="100",
        WEBSOCKETS_MAX_BODY_SIZE="10",
        WEBSOCKETS_USER_AGENT="agent/1",
        WEBSOCKETS_SERVER="",
    )
    code = (
        "from websockets import http11 as h; "
        "print(h.MAX_NUM_HEADERS, h.MAX_LINE_LENGTH, h.MAX_BODY_SIZE, "
        "repr(h.USER_AGENT), repr(h.SERVER))"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    output = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert output == "3 100 10 'agent/1' ''\n"
