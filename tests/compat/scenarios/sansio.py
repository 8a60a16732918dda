"""
Sans-I/O scenarios: ``ServerProtocol`` and ``ClientProtocol`` fed with valid,
malformed and edge-case bytes; each records events, output, state and errors.

"""

from __future__ import annotations


SCENARIOS: dict[str, str] = {}

_GOOD_REQUEST = (
    "GET /chat?x=1 HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n"
)


def _request(
    *, method="GET", target="/chat?x=1", version="HTTP/1.1", drop=(), extra=""
):
    lines = [
        f"{method} {target} {version}",
        "Host: example.com",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
    ]
    lines = [line for line in lines if line.split(":")[0] not in drop]
    return "\r\n".join(lines) + "\r\n" + extra + "\r\n"


# Opening handshake requests fed to ServerProtocol, then accepted.
SERVER_REQUESTS = {
    "valid": _request(),
    "post": _request(method="POST"),
    "head": _request(method="HEAD"),
    "http10": _request(version="HTTP/1.0"),
    "http2": _request(version="HTTP/2.0"),
    "lowercase_version": _request(version="http/1.1"),
    "absolute_uri": _request(target="http://example.com/chat"),
    "no_host": _request(drop=("Host",)),
    "no_upgrade": _request(drop=("Upgrade",)),
    "no_connection": _request(drop=("Connection",)),
    "no_key": _request(drop=("Sec-WebSocket-Key",)),
    "no_version": _request(drop=("Sec-WebSocket-Version",)),
    "upgrade_h2c": _request(drop=("Upgrade",), extra="Upgrade: h2c\r\n"),
    "upgrade_list": _request(drop=("Upgrade",), extra="Upgrade: foo, websocket\r\n"),
    "connection_keepalive": _request(
        drop=("Connection",), extra="Connection: keep-alive\r\n"
    ),
    "connection_list": _request(
        drop=("Connection",), extra="Connection: keep-alive, Upgrade\r\n"
    ),
    "bad_key": _request(
        drop=("Sec-WebSocket-Key",), extra="Sec-WebSocket-Key: abc\r\n"
    ),
    "two_keys": _request(extra="Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"),
    "version_8": _request(
        drop=("Sec-WebSocket-Version",), extra="Sec-WebSocket-Version: 8\r\n"
    ),
    "version_junk": _request(
        drop=("Sec-WebSocket-Version",), extra="Sec-WebSocket-Version: x\r\n"
    ),
    "header_no_colon": _request(extra="NoColonHere\r\n"),
    "header_bad_name": _request(extra="Bad Name: x\r\n"),
    "header_bad_value": _request(extra="X-Bad: a\x00b\r\n"),
    "header_obs_fold": _request(extra="X-Folded: a\r\n b\r\n"),
    "header_latin1": _request(extra="X-Latin: caf\xe9\r\n"),
    "header_long": _request(extra="X-Long: " + "a" * 9000 + "\r\n"),
    "many_headers": _request(extra="X-Many: a\r\n" * 130),
    "request_line_junk": "JUNK\r\n\r\n",
    "request_line_long": "GET /" + "a" * 9000 + " HTTP/1.1\r\n\r\n",
    "bare_lf": _request().replace("\r\n", "\n"),
    "body_content_length": _request(extra="Content-Length: 3\r\n"),
    "transfer_encoding": _request(extra="Transfer-Encoding: chunked\r\n"),
    "origin": _request(extra="Origin: https://example.com\r\n"),
    "subprotocols_offered": _request(
        extra="Sec-WebSocket-Protocol: chat, superchat\r\n"
    ),
    "deflate_offered": _request(
        extra="Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
    ),
    "deflate_bad_param": _request(
        extra="Sec-WebSocket-Extensions: permessage-deflate; foo=bar\r\n"
    ),
    "deflate_bad_bits": _request(
        extra="Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=7\r\n"
    ),
    "extension_unknown": _request(extra="Sec-WebSocket-Extensions: x-unknown\r\n"),
    "extension_malformed": _request(extra="Sec-WebSocket-Extensions: ;;\r\n"),
    "two_hosts": _request(extra="Host: other.example\r\n"),
}

_SERVER_TEMPLATE = """
fix_randomness()
capture_logs()
from websockets.server import ServerProtocol
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory
p = ServerProtocol({kwargs})
p.receive_data({data!r}.encode("latin-1"))
events = p.events_received()
rec("events", [event(e) for e in events])
rec("state", p.state.name)
for e in events:
    response = call("accept", p.accept, e)
    if response is not None:
        rec("response", [response.status_code, response.reason_phrase,
                         headers(response.headers), response.body])
        p.send_response(response)
snap(p, "after")
rec("handshake_exc", describe(p.handshake_exc))
rec_logs()
"""

for _name, _data in SERVER_REQUESTS.items():
    SCENARIOS[f"sansio-server-request-{_name}"] = _SERVER_TEMPLATE.format(
        kwargs="", data=_data
    )

# ServerProtocol parameters, each with a request that exercises it.
SERVER_PARAMETERS = {
    "origins_match": (
        "origins=['https://example.com']",
        _request(extra="Origin: https://example.com\r\n"),
    ),
    "origins_mismatch": (
        "origins=['https://example.com']",
        _request(extra="Origin: https://evil.example\r\n"),
    ),
    "origins_missing": ("origins=['https://example.com']", _request()),
    "origins_none_allowed": ("origins=[None]", _request()),
    "origins_regex": (
        "origins=[__import__('re').compile(r'https://[a-z]+\\.example')]",
        _request(extra="Origin: https://chat.example\r\n"),
    ),
    "subprotocols_match": (
        "subprotocols=['superchat', 'chat']",
        _request(extra="Sec-WebSocket-Protocol: chat, superchat\r\n"),
    ),
    "subprotocols_none_offered": ("subprotocols=['chat']", _request()),
    "subprotocols_no_match": (
        "subprotocols=['chat']",
        _request(extra="Sec-WebSocket-Protocol: other\r\n"),
    ),
    "select_subprotocol": (
        "subprotocols=['a', 'b'], select_subprotocol=lambda p, offered: offered[-1]",
        _request(extra="Sec-WebSocket-Protocol: a, b\r\n"),
    ),
    "select_subprotocol_unknown": (
        "select_subprotocol=lambda p, offered: 'zzz'",
        _request(extra="Sec-WebSocket-Protocol: a\r\n"),
    ),
    "extensions_deflate": (
        "extensions=[ServerPerMessageDeflateFactory()]",
        _request(
            extra="Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
        ),
    ),
    "extensions_deflate_params": (
        "extensions=[ServerPerMessageDeflateFactory(server_no_context_takeover=True,"
        " client_no_context_takeover=True, server_max_window_bits=10)]",
        _request(
            extra="Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
        ),
    ),
    "extensions_deflate_require_bits": (
        "extensions=[ServerPerMessageDeflateFactory(client_max_window_bits=10,"
        " require_client_max_window_bits=True)]",
        _request(extra="Sec-WebSocket-Extensions: permessage-deflate\r\n"),
    ),
    "extensions_two_offers": (
        "extensions=[ServerPerMessageDeflateFactory()]",
        _request(
            extra="Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=8,"
            " permessage-deflate\r\n"
        ),
    ),
    "max_size_none": ("max_size=None", _request()),
    "state_open": ("state=__import__('websockets.protocol').protocol.State.OPEN", ""),
}

for _name, (_kwargs, _data) in SERVER_PARAMETERS.items():
    SCENARIOS[f"sansio-server-param-{_name}"] = _SERVER_TEMPLATE.format(
        kwargs=_kwargs, data=_data
    )

# Frames fed to an open ServerProtocol (frames from a client are masked).
_OPEN_SERVER = """
fix_randomness()
capture_logs()
from websockets.server import ServerProtocol
from websockets.protocol import State
p = ServerProtocol(state=State.OPEN, max_size={max_size})
for chunk in [{chunks}]:
    with catch("receive"):
        p.receive_data(chunk)
    snap(p, "step")
with catch("eof"):
    p.receive_eof()
snap(p, "eof")
rec_logs()
"""

_OPEN_CLIENT = """
fix_randomness()
capture_logs()
from websockets.client import ClientProtocol
from websockets.protocol import State
from websockets.uri import parse_uri
p = ClientProtocol(parse_uri("ws://example.com/"), state=State.OPEN, max_size={max_size})
for chunk in [{chunks}]:
    with catch("receive"):
        p.receive_data(chunk)
    snap(p, "step")
with catch("eof"):
    p.receive_eof()
snap(p, "eof")
rec_logs()
"""

# Frames as expressions of the frame() helper (masked for the server side).
FRAMES = {
    "text": "frame(1, b'hello')",
    "binary": "frame(2, b'\\x00\\xff')",
    "empty_text": "frame(1, b'')",
    "fragmented": "frame(1, b'he', fin=False), frame(0, b'll', fin=False), frame(0, b'o')",
    "ping": "frame(9, b'ping')",
    "pong": "frame(10, b'pong')",
    "close_1000": "frame(8, b'\\x03\\xe8bye')",
    "close_empty": "frame(8, b'')",
    "close_one_byte": "frame(8, b'\\x03')",
    "close_1005": "frame(8, b'\\x03\\xed')",
    "close_999": "frame(8, b'\\x03\\xe7')",
    "close_3000": "frame(8, b'\\x0b\\xb8app')",
    "close_5000": "frame(8, b'\\x13\\x88')",
    "close_bad_utf8": "frame(8, b'\\x03\\xe8\\xff')",
    "reserved_opcode_3": "frame(3, b'x')",
    "reserved_opcode_11": "frame(11, b'x')",
    "rsv1": "frame(1, b'x', rsv=4)",
    "rsv2": "frame(1, b'x', rsv=2)",
    "rsv3": "frame(1, b'x', rsv=1)",
    "control_too_long": "frame(9, b'x' * 126)",
    "control_fragmented": "frame(9, b'x', fin=False)",
    "continuation_first": "frame(0, b'x')",
    "text_in_text": "frame(1, b'a', fin=False), frame(1, b'b')",
    "ping_between_fragments": "frame(1, b'a', fin=False), frame(9, b'p'), frame(0, b'b')",
    "too_big": "frame(2, b'x' * 65)",
    "too_big_fragmented": "frame(2, b'x' * 40, fin=False), frame(0, b'x' * 40)",
    "byte_by_byte": "*[bytes([b]) for b in frame(1, b'split')]",
    "two_in_one_chunk": "frame(1, b'a') + frame(2, b'b')",
    "data_after_close": "frame(8, b'\\x03\\xe8'), frame(1, b'late')",
    "len_126": "frame(2, b'y' * 60)[:0] + frame(2, b'z' * 50)",
    "nonminimal_length": "bytes([0x82, 0xfe, 0, 3]) + b'\\x01\\x02\\x03\\x04' + bytes([1, 2, 3])",
    "len_63bit": "bytes([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0])",
    "truncated_header": "bytes([0x81])",
}

# Frames a client must reject or accept: unmasked is the norm from a server.
CLIENT_FRAMES = {
    "text": "frame(1, b'hello', mask=False)",
    "masked": "frame(1, b'hello')",
    "ping": "frame(9, b'ping', mask=False)",
    "close_1001": "frame(8, b'\\x03\\xe9going', mask=False)",
    "close_1006": "frame(8, b'\\x03\\xee', mask=False)",
    "fragmented": "frame(2, b'a', fin=False, mask=False), frame(0, b'b', mask=False)",
    "too_big": "frame(2, b'x' * 65, mask=False)",
    "reserved_opcode": "frame(7, b'', mask=False)",
}

for _name, _chunks in FRAMES.items():
    SCENARIOS[f"sansio-server-frames-{_name}"] = _OPEN_SERVER.format(
        chunks=_chunks, max_size=64
    )
# Unmasked frames sent to a server.
SCENARIOS["sansio-server-frames-unmasked"] = _OPEN_SERVER.format(
    chunks="frame(1, b'x', mask=False)", max_size=64
)
for _name, _chunks in CLIENT_FRAMES.items():
    SCENARIOS[f"sansio-client-frames-{_name}"] = _OPEN_CLIENT.format(
        chunks=_chunks, max_size=64
    )

# Opening handshake responses fed to ClientProtocol.
_CLIENT_TEMPLATE = """
fix_randomness()
capture_logs()
from websockets.client import ClientProtocol
from websockets.uri import parse_uri
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
p = ClientProtocol(parse_uri({uri!r}){kwargs})
request = p.connect()
rec("request", [request.path, headers(request.headers)])
p.send_request(request)
snap(p, "sent")
data = {data!r}.encode("latin-1").replace(b"ACCEPT", b"Cr+w1RMqFD5Vkw0eJSD8CWZagmw=")
for chunk in [data]:
    with catch("receive"):
        p.receive_data(chunk)
snap(p, "received")
with catch("eof"):
    p.receive_eof()
snap(p, "eof")
rec_logs()
"""


def _response(status="101 Switching Protocols", drop=(), extra="", body=""):
    lines = [
        f"HTTP/1.1 {status}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Accept: ACCEPT",
    ]
    lines = [line for line in lines if line.split(":")[0] not in drop]
    return "\r\n".join(lines) + "\r\n" + extra + "\r\n" + body


# The key is fixed by fix_randomness(): 12345678 * 4, base64 EjRWeBI0VngSNFZ4EjRWeA==.
CLIENT_RESPONSES = {
    "valid": ("ws://example.com/", "", _response()),
    "valid_with_frame": ("ws://example.com/", "", _response() + "\x81\x02hi"),
    "status_200": ("ws://example.com/", "", _response("200 OK")),
    "status_403_body": (
        "ws://example.com/",
        "",
        _response(
            "403 Forbidden",
            drop=("Upgrade", "Connection", "Sec-WebSocket-Accept"),
            extra="Content-Length: 5\r\n",
            body="nope\n",
        ),
    ),
    "status_404_no_length": (
        "ws://example.com/",
        "",
        _response(
            "404 Not Found", drop=("Upgrade", "Connection", "Sec-WebSocket-Accept")
        ),
    ),
    "status_302": (
        "ws://example.com/",
        "",
        _response(
            "302 Found",
            drop=("Upgrade", "Connection", "Sec-WebSocket-Accept"),
            extra="Location: ws://other.example/\r\nContent-Length: 0\r\n",
        ),
    ),
    "no_upgrade": ("ws://example.com/", "", _response(drop=("Upgrade",))),
    "no_connection": ("ws://example.com/", "", _response(drop=("Connection",))),
    "no_accept": ("ws://example.com/", "", _response(drop=("Sec-WebSocket-Accept",))),
    "wrong_accept": (
        "ws://example.com/",
        "",
        _response(
            drop=("Sec-WebSocket-Accept",), extra="Sec-WebSocket-Accept: xxxx\r\n"
        ),
    ),
    "two_accepts": (
        "ws://example.com/",
        "",
        _response(extra="Sec-WebSocket-Accept: ACCEPT\r\n"),
    ),
    "status_line_junk": ("ws://example.com/", "", "JUNK\r\n\r\n"),
    "status_line_long": (
        "ws://example.com/",
        "",
        "HTTP/1.1 101 " + "x" * 9000 + "\r\n\r\n",
    ),
    "status_code_bad": ("ws://example.com/", "", "HTTP/1.1 1O1 Switching\r\n\r\n"),
    "status_code_999": ("ws://example.com/", "", "HTTP/1.1 999 Huh\r\n\r\n"),
    "http10": ("ws://example.com/", "", _response().replace("HTTP/1.1", "HTTP/1.0")),
    "reason_non_ascii": ("ws://example.com/", "", _response("101 Sw\xe9tching")),
    "truncated": ("ws://example.com/", "", _response()[:40]),
    "unrequested_subprotocol": (
        "ws://example.com/",
        "",
        _response(extra="Sec-WebSocket-Protocol: chat\r\n"),
    ),
    "subprotocol_selected": (
        "ws://example.com/",
        ", subprotocols=['chat', 'superchat']",
        _response(extra="Sec-WebSocket-Protocol: superchat\r\n"),
    ),
    "subprotocol_not_offered": (
        "ws://example.com/",
        ", subprotocols=['chat']",
        _response(extra="Sec-WebSocket-Protocol: other\r\n"),
    ),
    "two_subprotocols": (
        "ws://example.com/",
        ", subprotocols=['chat', 'superchat']",
        _response(extra="Sec-WebSocket-Protocol: chat, superchat\r\n"),
    ),
    "unrequested_extension": (
        "ws://example.com/",
        "",
        _response(extra="Sec-WebSocket-Extensions: permessage-deflate\r\n"),
    ),
    "deflate_accepted": (
        "ws://example.com/",
        ", extensions=[ClientPerMessageDeflateFactory(client_max_window_bits=True)]",
        _response(
            extra="Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=12\r\n"
        ),
    ),
    "deflate_bad_param": (
        "ws://example.com/",
        ", extensions=[ClientPerMessageDeflateFactory()]",
        _response(extra="Sec-WebSocket-Extensions: permessage-deflate; foo\r\n"),
    ),
    "deflate_bits_not_offered": (
        "ws://example.com/",
        ", extensions=[ClientPerMessageDeflateFactory()]",
        _response(
            extra="Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10\r\n"
        ),
    ),
    "origin_and_headers": (
        "wss://user:pass@example.com:8443/path?q",
        ", origin='https://example.com'",
        _response(),
    ),
    "ipv6_uri": ("ws://[::1]:9000/", "", _response()),
    "idn_uri": ("ws://b\u00fccher.example/p\u00e4th", "", _response()),
}

for _name, (_uri, _kwargs, _data) in CLIENT_RESPONSES.items():
    SCENARIOS[f"sansio-client-response-{_name}"] = _CLIENT_TEMPLATE.format(
        uri=_uri, kwargs=_kwargs, data=_data
    )

# Sending API of Protocol on both sides, including errors.
_SEND_TEMPLATE = """
fix_randomness()
capture_logs()
from websockets.server import ServerProtocol
from websockets.client import ClientProtocol
from websockets.protocol import State
from websockets.uri import parse_uri
for side, p in [("server", ServerProtocol(state=State.OPEN)),
                ("client", ClientProtocol(parse_uri("ws://x/"), state=State.OPEN))]:
{body}
    snap(p, side)
rec_logs()
"""

SENDS = {
    "text": "    call('send_text', p.send_text, b'caf\\xc3\\xa9')",
    "binary_fragments": (
        "    call('a', p.send_binary, b'ab', fin=False)\n"
        "    call('b', p.send_continuation, b'cd', fin=True)"
    ),
    "continuation_without_start": "    call('c', p.send_continuation, b'x', fin=True)",
    "text_during_fragment": (
        "    call('a', p.send_text, b'a', fin=False)\n    call('b', p.send_text, b'b')"
    ),
    "ping_pong": "    call('ping', p.send_ping, b'1')\n    call('pong', p.send_pong, b'2')",
    "ping_too_long": "    call('ping', p.send_ping, b'x' * 126)",
    "close_default": "    call('close', p.send_close)",
    "close_code_reason": "    call('close', p.send_close, 1001, 'bye')",
    "close_reason_without_code": "    call('close', p.send_close, None, 'bye')",
    "close_invalid_code": "    call('close', p.send_close, 1005)",
    "close_then_send": (
        "    call('close', p.send_close, 1000)\n    call('send', p.send_text, b'x')"
    ),
    "fail": "    call('fail', p.fail, 1011, 'oops')\n    call('send', p.send_text, b'x')",
    "fail_1006": "    call('fail', p.fail, 1006)",
    "receive_after_fail": (
        "    p.fail(1002, 'x')\n    call('receive', p.receive_data, frame(1, b'x'))"
    ),
}

for _name, _body in SENDS.items():
    SCENARIOS[f"sansio-send-{_name}"] = _SEND_TEMPLATE.format(body=_body)

# How frames are shown in debug logs: str(Frame).
FRAME_STR = {
    "empty_frames": "[Frame(op, b'') for op in Opcode]",
    "close_payloads": (
        "[Frame(Opcode.CLOSE, d) for d in [b'\\x03\\xe8', b'\\x03', b'\\x03\\xe7',"
        " b'\\x03\\xe8\\xff', b'\\x0f\\xa0ok', b'\\x03\\xedx']]"
    ),
    "long_payloads": (
        "[Frame(Opcode.BINARY, bytes(100)), Frame(Opcode.TEXT, b'x' * 100),"
        " Frame(Opcode.CLOSE, b'\\x03\\xe8' + b'y' * 100)]"
    ),
    "invalid_text": (
        "[Frame(Opcode.TEXT, b'\\xff\\x00', fin=False), Frame(Opcode.PING, b'\\xff'),"
        " Frame(Opcode.CONT, b'caf\\xc3\\xa9')]"
    ),
}

for _name, _frames in FRAME_STR.items():
    SCENARIOS[f"sansio-frame-str-{_name}"] = (
        "from websockets.frames import Frame, Opcode\n"
        f"rec('str', [str(f) for f in {_frames}])\n"
    )

# Which payloads str(Frame) shows as text, per opcode.
_PAYLOADS = (
    r"[b'a', b'hi there', b'a\\b', b'\\x', 'caf\u00e9'.encode(), b'\x00', b'a\nb',"
    r" b'\xff', b'\x7f', b'\x0b', '\u00a0'.encode(), '\u2028'.encode(), '\u65e5'.encode(),"
    r" '\u65e5'.encode()[1:] + b'x', '\u65e5'.encode()[:2], b'\x80' * 4 + b'a', b'x' * 80]"
)
for _opcode in ("TEXT", "BINARY", "PING", "PONG", "CONT"):
    for _fin in (True, False):
        _suffix = "" if _fin else "-nonfinal"
        SCENARIOS[f"sansio-frame-str-{_opcode.lower()}{_suffix}"] = (
            "from websockets.frames import Frame, Opcode\n"
            f"rec('str', [str(Frame(Opcode.{_opcode}, d, fin={_fin})) for d in {_PAYLOADS}])\n"
        )
# Non-final data frames that end with bytes that can't start a character.
SCENARIOS["sansio-frame-str-nonfinal-invalid-end"] = (
    "from websockets.frames import Frame, Opcode\n"
    "rec('str', [str(Frame(op, d, fin=False)) for op in (Opcode.TEXT, Opcode.BINARY)"
    " for d in [b'\\x80', b'3\\xa9\\xa9\\xa9\\xa9']])\n"
)

# Frames that break several rules at once: which error wins. Raw headers,
# for a server (masked) with max_size=64 or None.
RULE_ORDER = {
    "opcode_unmasked": ("bytes([0x83, 0x01]) + b'x'", 64),
    "opcode_rsv": ("bytes([0xb3, 0x81, 0, 0, 0, 0]) + b'x'", 64),
    "rsv_too_big": ("bytes([0xc1, 0xe4, 0, 0, 0, 0]) + b'x' * 100", 64),
    "control_long_too_big": (
        "bytes([0x89, 0xfe, 0, 126, 0, 0, 0, 0]) + b'x' * 126",
        64,
    ),
    "control_fragmented_too_big": ("bytes([0x09, 0xe4, 0, 0, 0, 0]) + b'x' * 100", 64),
    "rsv_control_long": ("bytes([0xc9, 0xfe, 0, 126, 0, 0, 0, 0]) + b'x' * 126", None),
    "rsv_control_fragmented": ("bytes([0x49, 0x83, 0, 0, 0, 0]) + b'xyz'", None),
    "control_long_fragmented": (
        "bytes([0x09, 0xfe, 0, 126, 0, 0, 0, 0]) + b'x' * 126",
        None,
    ),
    # Only the header of a control frame that is too long: websockets waits
    # for the payload before it checks.
    "control_long_header_only": ("bytes([0x89, 0xfe, 0, 126])", None),
}
for _name, (_chunks, _max_size) in RULE_ORDER.items():
    SCENARIOS[f"sansio-server-rules-{_name}"] = _OPEN_SERVER.format(
        chunks=_chunks, max_size=_max_size
    )

# The stream ends in the middle of a frame, at each step of its parsing.
TRUNCATED = {
    "first_byte": "b'\\x81'",
    "extended_length_16": "b'\\x81\\xfe\\x00'",
    "extended_length_64": "b'\\x81\\xff\\x00\\x00'",
    "mask_missing": "b'\\x81\\x85'",
    "mask_partial": "b'\\x81\\x85\\x00\\x00'",
    "payload_partial": "b'\\x81\\x85\\x00\\x00\\x00\\x00ab'",
    "payload_16_partial": "b'\\x81\\xfe\\x01\\x00\\x00\\x00\\x00\\x00abc'",
    "after_a_frame": "b'\\x81\\x80\\x00\\x00\\x00\\x00\\x81'",
}
for _name, _chunks in TRUNCATED.items():
    SCENARIOS[f"sansio-server-truncated-{_name}"] = _OPEN_SERVER.format(
        chunks=_chunks, max_size=None
    )
SCENARIOS["sansio-client-truncated-payload"] = _OPEN_CLIENT.format(
    chunks="b'\\x81\\x05ab'", max_size=None
)
