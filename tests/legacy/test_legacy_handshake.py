"""websockets.legacy.handshake: headers of the opening handshake."""

from __future__ import annotations

import warnings

import pytest

from tests.compat.twin_run import run_twins
from websockets.datastructures import Headers
from websockets.exceptions import (
    InvalidHeader,
    InvalidHeaderFormat,
    InvalidHeaderValue,
    InvalidUpgrade,
)
from websockets.utils import accept_key


with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from websockets.legacy.handshake import (
        build_request,
        build_response,
        check_request,
        check_response,
    )


def request_headers():
    headers = Headers()
    key = build_request(headers)
    return headers, key


def replace(headers, name, value):
    del headers[name]
    headers[name] = value
    return headers


def test_build_request_adds_the_handshake_headers():
    headers, key = request_headers()
    assert list(headers.raw_items()) == [
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", key),
        ("Sec-WebSocket-Version", "13"),
    ]


def test_build_request_uses_a_new_key_each_time():
    assert request_headers()[1] != request_headers()[1]


def test_check_request_returns_the_key():
    headers, key = request_headers()
    assert check_request(headers) == key


def test_check_request_accepts_other_connection_options_and_case():
    headers, key = request_headers()
    replace(headers, "Connection", "keep-alive, upgrade")
    replace(headers, "Upgrade", "WebSocket")
    assert check_request(headers) == key


def test_check_request_rejects_missing_upgrade_as_empty():
    headers, _ = request_headers()
    del headers["Upgrade"]
    with pytest.raises(InvalidUpgrade, match="empty Upgrade header"):
        check_request(headers)


def test_check_request_rejects_other_protocols():
    headers, _ = request_headers()
    replace(headers, "Upgrade", "websocket, h2c")
    with pytest.raises(InvalidUpgrade, match="invalid Upgrade header: websocket, h2c"):
        check_request(headers)


def test_check_request_rejects_connection_without_upgrade():
    headers, _ = request_headers()
    replace(headers, "Connection", "keep-alive")
    with pytest.raises(InvalidUpgrade, match="invalid Connection header: keep-alive"):
        check_request(headers)


def test_check_request_rejects_malformed_connection():
    headers, _ = request_headers()
    replace(headers, "Connection", ",,")
    with pytest.raises(InvalidHeaderFormat):
        check_request(headers)


def test_check_request_rejects_missing_key_with_cause():
    headers, _ = request_headers()
    del headers["Sec-WebSocket-Key"]
    with pytest.raises(InvalidHeader, match="missing Sec-WebSocket-Key header") as info:
        check_request(headers)
    assert isinstance(info.value.__cause__, KeyError)


def test_check_request_rejects_repeated_key():
    headers, key = request_headers()
    headers["Sec-WebSocket-Key"] = key
    with pytest.raises(
        InvalidHeader, match="Sec-WebSocket-Key header: multiple values"
    ):
        check_request(headers)


@pytest.mark.parametrize("key", ["abc", "!!!!", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="])
def test_check_request_rejects_keys_that_arent_16_bytes_of_base64(key):
    headers, _ = request_headers()
    replace(headers, "Sec-WebSocket-Key", key)
    with pytest.raises(InvalidHeaderValue, match="invalid Sec-WebSocket-Key header"):
        check_request(headers)


def test_check_request_rejects_other_versions():
    headers, _ = request_headers()
    replace(headers, "Sec-WebSocket-Version", "8")
    with pytest.raises(InvalidHeaderValue, match="Sec-WebSocket-Version header: 8"):
        check_request(headers)


def test_build_response_then_check_response():
    _, key = request_headers()
    headers = Headers()
    build_response(headers, key)
    assert headers["Sec-WebSocket-Accept"] == accept_key(key)
    assert check_response(headers, key) is None


def test_check_response_rejects_wrong_accept():
    _, key = request_headers()
    headers = Headers()
    build_response(headers, "AAAAAAAAAAAAAAAAAAAAAA==")
    with pytest.raises(InvalidHeaderValue, match="invalid Sec-WebSocket-Accept header"):
        check_response(headers, key)


def test_check_response_rejects_missing_accept():
    _, key = request_headers()
    headers = Headers()
    build_response(headers, key)
    del headers["Sec-WebSocket-Accept"]
    with pytest.raises(InvalidHeader, match="missing Sec-WebSocket-Accept header"):
        check_response(headers, key)


LEGACY_HANDSHAKE_PROGRAM = r"""
import secrets, warnings
warnings.simplefilter("ignore")
import websockets.legacy.handshake as H
from websockets.datastructures import Headers

secrets.token_bytes = lambda n: bytes(range(n))

def show(label, function, *args):
    try:
        print(label, "->", repr(function(*args)))
    except BaseException as exc:
        cause = exc.__cause__
        print(label, "raised", type(exc).__name__, str(exc), "| cause:",
              type(cause).__name__ if cause else None, str(cause) if cause else "")

def headers_of(items):
    headers = Headers()
    for name, value in items:
        headers[name] = value
    return headers

headers = Headers()
key = H.build_request(headers)
print("build_request", key, list(headers.raw_items()))
headers = Headers(Connection="keep-alive", Upgrade="other")
H.build_request(headers)
print("build_request existing", list(headers.raw_items()))
headers = Headers()
H.build_response(headers, key)
print("build_response", list(headers.raw_items()))
accept = headers["Sec-WebSocket-Accept"]

request = [("Upgrade", "websocket"), ("Connection", "Upgrade"),
           ("Sec-WebSocket-Key", key), ("Sec-WebSocket-Version", "13")]
response = [("Upgrade", "websocket"), ("Connection", "Upgrade"),
            ("Sec-WebSocket-Accept", accept)]
show("check_request", H.check_request, headers_of(request))
show("check_request empty", H.check_request, Headers())
show("check_response", H.check_response, headers_of(response), key)
show("check_response empty", H.check_response, Headers(), key)
show("check_response other key", H.check_response, headers_of(response),
     "AAAAAAAAAAAAAAAAAAAAAA==")
for items, check, args in [(request, H.check_request, ()), (response, H.check_response, (key,))]:
    for index, (name, value) in enumerate(items):
        show(f"missing {name}", check, headers_of(items[:index] + items[index + 1:]), *args)
        show(f"repeated {name}", check, headers_of(items + [(name, value)]), *args)
        for other in ["WebSocket", "websocket, h2c", "h2c", "websocket/13", "keep-alive, Upgrade",
                      "keep-alive", "upgrade", ",,", ",", "abc", "!!!!", "AAAAAAAAAAAAAAAAAAAAAA==",
                      "AAAAAAAAAAAAAAAAAAAAAAAAAAA=", "8", "13, 8", ""]:
            changed = [(n, other if n == name else v) for n, v in items]
            show(f"{name}={other!r}", check, headers_of(changed), *args)
"""


@pytest.mark.differential
def test_legacy_handshake_behaves_as_in_17_4(upstream, tmp_path):
    ours, released = run_twins(upstream, tmp_path, LEGACY_HANDSHAKE_PROGRAM)
    assert "raised InvalidHeaderValue invalid Sec-WebSocket-Key header" in released
    assert ours == released
