"""websockets.legacy.http: the opening handshake read from a StreamReader."""

from __future__ import annotations

import asyncio
import warnings

import pytest

from tests.compat.twin_run import run_twins
from websockets.exceptions import SecurityError


with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from websockets.legacy.http import (
        MAX_LINE_LENGTH,
        MAX_NUM_HEADERS,
        d,
        read_headers,
        read_line,
        read_request,
        read_response,
    )


def stream_of(data, eof=True):
    stream = asyncio.StreamReader()
    stream.feed_data(data)
    if eof:
        stream.feed_eof()
    return stream


async def test_read_request_returns_path_and_headers_and_leaves_the_rest():
    stream = stream_of(b"GET /chat?x=1 HTTP/1.1\r\nHost: a\r\nX: 1\r\nX: 2\r\n\r\nnext")
    path, headers = await read_request(stream)
    assert path == "/chat?x=1"
    assert headers.get_all("X") == ["1", "2"]
    assert await stream.read() == b"next"


async def test_read_request_rejects_other_methods_before_versions():
    with pytest.raises(ValueError, match="unsupported HTTP method: POST"):
        await read_request(stream_of(b"POST / HTTP/1.0\r\n\r\n"))


async def test_read_request_rejects_http_1_0():
    with pytest.raises(ValueError, match="unsupported HTTP version: HTTP/1.0"):
        await read_request(stream_of(b"GET / HTTP/1.0\r\n\r\n"))


async def test_read_request_needs_crlf():
    with pytest.raises(EOFError, match="while reading HTTP request line") as info:
        await read_request(stream_of(b"GET / HTTP/1.1\n\n"))
    assert str(info.value.__cause__) == "line without CRLF"


async def test_read_request_keeps_non_ascii_bytes_as_surrogates():
    path, headers = await read_request(
        stream_of(b"GET /\xff HTTP/1.1\r\nA: caf\xc3\xa9\r\n\r\n")
    )
    assert path == "/\udcff"
    assert headers["A"] == "caf\udcc3\udca9"


async def test_read_request_strips_whitespace_around_values():
    _, headers = await read_request(stream_of(b"GET / HTTP/1.1\r\nA:\t b \t\r\n\r\n"))
    assert headers["A"] == "b"


@pytest.mark.parametrize(
    "line, message",
    [
        (b"Host x", "invalid HTTP header line: Host x"),
        (b"Ho st: x", "invalid HTTP header name: Ho st"),
        (b"A\xff: x", "invalid HTTP header name: A\\xff"),
        (b"A: x\x00", "invalid HTTP header value: x\x00"),
        (b"\tfolded", "invalid HTTP header line: \tfolded"),
    ],
)
async def test_read_request_rejects_invalid_headers(line, message):
    with pytest.raises(ValueError) as info:
        await read_request(stream_of(b"GET / HTTP/1.1\r\n" + line + b"\r\n\r\n"))
    assert str(info.value) == message


async def test_read_headers_limits_their_number():
    headers = b"A: b\r\n" * MAX_NUM_HEADERS
    parsed = await read_headers(stream_of(headers + b"\r\n"))
    assert len(parsed.get_all("A")) == MAX_NUM_HEADERS
    with pytest.raises(SecurityError, match="too many HTTP headers"):
        await read_headers(stream_of(headers + b"A: b\r\n\r\n"))


async def test_read_line_limits_length_crlf_included():
    line = b"a" * (MAX_LINE_LENGTH - 2)
    assert await read_line(stream_of(line + b"\r\n")) == line
    with pytest.raises(SecurityError, match="line too long"):
        await read_line(stream_of(line + b"a\r\n"))


async def test_read_request_waits_for_the_end_of_headers():
    stream = stream_of(b"GET / HTTP/1.1\r\nA: 1\r\n", eof=False)
    task = asyncio.ensure_future(read_request(stream))
    await asyncio.sleep(0)
    assert not task.done()
    stream.feed_data(b"\r\n")
    path, headers = await asyncio.wait_for(task, 5)
    assert (path, list(headers.raw_items())) == ("/", [("A", "1")])


async def test_read_response_returns_status_reason_headers_and_leaves_the_body():
    stream = stream_of(b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nabc")
    status_code, reason, headers = await read_response(stream)
    assert (status_code, reason, headers["Content-Length"]) == (404, "Not Found", "3")
    assert await stream.read() == b"abc"


@pytest.mark.parametrize(
    "status_line, message",
    [
        (b"HTTP/1.1 101", "invalid HTTP status line: HTTP/1.1 101"),
        (b"HTTP/1.0 101 X", "unsupported HTTP version: HTTP/1.0"),
        (b"HTTP/1.1 abc X", "invalid HTTP status code: abc"),
        (b"HTTP/1.1 1011 X", "unsupported HTTP status code: 1011"),
        (b"HTTP/1.1 99 X", "unsupported HTTP status code: 99"),
        (b"HTTP/1.1 101 a\x7f", "invalid HTTP reason phrase: a\x7f"),
    ],
)
async def test_read_response_rejects_invalid_status_lines(status_line, message):
    with pytest.raises(ValueError) as info:
        await read_response(stream_of(status_line + b"\r\n\r\n"))
    assert str(info.value) == message


async def test_read_response_decodes_reason_as_utf8():
    _, reason, _ = await read_response(stream_of(b"HTTP/1.1 101 caf\xc3\xa9\r\n\r\n"))
    assert reason == "café"
    with pytest.raises(UnicodeDecodeError):
        await read_response(stream_of(b"HTTP/1.1 101 \xff\r\n\r\n"))


def test_d_escapes_invalid_utf8():
    assert d(b"caf\xc3\xa9\xff") == "café\\xff"


LEGACY_HTTP_PROGRAM = r"""
import asyncio, warnings
warnings.simplefilter("ignore")
import websockets.legacy.http as H

print(H.MAX_LINE_LENGTH, H.MAX_NUM_HEADERS)

def describe(exc):
    cause = exc.__cause__
    return (f"{type(exc).__name__}: {exc} | cause {type(cause).__name__ if cause else None}"
            f": {cause if cause else ''} | suppress {exc.__suppress_context__}")

async def run(function, data, eof=True, limit=2**16):
    stream = asyncio.StreamReader(limit=limit)
    stream.feed_data(data)
    if eof:
        stream.feed_eof()
    try:
        result = await asyncio.wait_for(function(stream), 5)
    except BaseException as exc:
        print(function.__name__, data[:40], "raised", describe(exc))
    else:
        if isinstance(result, tuple):
            result = tuple(list(x.raw_items()) if hasattr(x, "raw_items") else x for x in result)
        elif hasattr(result, "raw_items"):
            result = list(result.raw_items())
        print(function.__name__, data[:40], "->", ascii(result)[:200], "rest", bytes(await stream.read())[:20])

async def main():
    for data in [
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\nrest", b"GET /p?q=1 HTTP/1.1\r\nA: 1\r\nA: 2\r\n\r\n",
        b"POST / HTTP/1.1\r\n\r\n", b"GET / HTTP/1.0\r\n\r\n", b"GET / HTTP/1.1\n\n",
        b"GET  HTTP/1.1\r\n\r\n", b"GET /\r\n\r\n", b"", b"GET / HTTP/1.1\r\n",
        b"GET / HTTP/1.1\r\nHost x\r\n\r\n", b"GET / HTTP/1.1\r\nHo st: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\x00\r\n\r\n", b"GET / HTTP/1.1\r\nHost:   x  \r\n\r\n",
        b"GET / HTTP/1.1\r\nHost:\r\n\r\n", b"GET /\xff HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\n" + b"A: b\r\n" * 129 + b"\r\n",
        b"GET / HTTP/1.1\r\n" + b"A: b\r\n" * 128 + b"\r\n",
        b"GET / HTTP/1.1\r\nA: " + b"b" * 8187 + b"\r\n\r\n",
        b"GET / HTTP/1.1\r\nA: " + b"b" * 8188 + b"\r\n\r\n",
        b"GET /" + b"a" * 8200 + b" HTTP/1.1\r\n\r\n", b"GET / HTTP/1.1\r\nA: caf\xc3\xa9\r\n\r\n",
        b"GET / HTTP/1.1\r\n\tfolded\r\n\r\n", b"get / HTTP/1.1\r\n\r\n", b"GET / HTTP/1.1 \r\n\r\n",
        b"POST / HTTP/1.0\r\n\r\n", b"GET / HTTP/1.1 extra\r\n\r\n", b"GET / HTTP/1.1\r\n: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nA: \x7f\r\n\r\n", b"GET / HTTP/1.1\r\nA: a\tb\r\n\r\n",
        b"GET / HTTP/1.1\r\nA:\tb\t\r\n\r\n", b"GET / HTTP/1.1\r\nA\xff: b\r\n\r\n",
        b"GET / HTTP/1.1\r\nA: \xff\r\n\r\n", b"GET\xff / HTTP/1.1\r\n\r\n",
    ]:
        await run(H.read_request, data)
    for data in [
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\nrest",
        b"HTTP/1.1 200 OK\r\n\r\n", b"HTTP/1.0 101 X\r\n\r\n", b"HTTP/1.1 1011 X\r\n\r\n",
        b"HTTP/1.1 99 X\r\n\r\n", b"HTTP/1.1 600 X\r\n\r\n", b"HTTP/1.1 abc X\r\n\r\n",
        b"HTTP/1.1 101\r\n\r\n", b"HTTP/1.1 101 \r\n\r\n", b"HTTP/1.1 101 Sw\x00\r\n\r\n",
        b"HTTP/1.1 101 caf\xc3\xa9\r\n\r\n", b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nabc",
        b"", b"HTTP/1.1 101 X\r\n", b"XTTP/1.1 101 X\r\n\r\n", b"HTTP/1.1 +01 X\r\n\r\n",
        b"HTTP/1.1 \xd9\xa1\xd9\xa0\xd9\xa1 X\r\n\r\n", b"HTTP/1.1 101 a b c\r\n\r\n",
        b"HTTP/1.1 101 \xff\r\n\r\n", b"HTTP/1.1 101 \x7f\r\n\r\n", b"HTTP/1.1 101 a\tb\r\n\r\n",
        b"HTTP/1.1  101 X\r\n\r\n", b"HTTP/1.1 1_01 X\r\n\r\n", b"HTTP/1.1 101 X\r\nA\r\n\r\n",
        b"HTTP/1.1 0101 X\r\n\r\n", b"HTTP/1.1 \xff X\r\n\r\n",
    ]:
        await run(H.read_response, data)
    for data, limit in [
        (b"abc\r\ndef", 2**16), (b"abc\ndef", 2**16), (b"abc", 2**16),
        (b"a" * 8191 + b"\r\n", 2**16), (b"a" * 8190 + b"\r\n", 2**16),
        (b"a" * 100 + b"\r\n", 50), (b"a" * 100, 50),
    ]:
        await run(H.read_line, data, limit=limit)
    await run(H.read_headers, b"A: 1\r\n\r\n")
    print(H.d(b"caf\xc3\xa9\xff"))

asyncio.run(main())
"""


def test_legacy_http_behaves_as_in_17_4(upstream, tmp_path):
    ours, released = run_twins(upstream, tmp_path, LEGACY_HTTP_PROGRAM)
    assert "raised SecurityError: too many HTTP headers" in released
    assert ours == released
