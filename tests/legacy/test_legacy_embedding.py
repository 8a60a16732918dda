"""
The legacy server protocol embedded by another server, the way uvicorn's
``--ws websockets`` does: the program creates the protocol itself with
``loop.create_server``, passes its own ``ws_server`` object, stores its own
value in ``server``, overrides ``process_request`` and
``process_subprotocol``, and checks requests with ``legacy.handshake``.

"""

from __future__ import annotations

import asyncio
import http
import json
import subprocess
import sys
import warnings

import pytest

from websockets.asyncio.client import connect
from websockets.datastructures import Headers
from websockets.exceptions import InvalidStatus


with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from websockets.legacy import handshake
    from websockets.legacy.server import WebSocketServerProtocol


TIMEOUT = 10


class EmbedderServer:
    """The legacy server interface, without anything else."""

    def __init__(self):
        self.closing = False
        self.registered = []
        self.unregistered = []

    def register(self, ws):
        self.registered.append(ws)

    def unregister(self, ws):
        self.unregistered.append(ws)

    def is_serving(self):
        return not self.closing


class EmbeddedProtocol(WebSocketServerProtocol):
    def __init__(self, ws_server, seen):
        self.seen = seen
        # The embedder stores its own data in "server", like uvicorn does
        # with the local address, before and after the base constructor.
        self.server = None
        # Like the release, warn about the handler's second argument.
        with pytest.warns(DeprecationWarning, match="remove second argument"):
            super().__init__(
                ws_handler=self.ws_handler,
                ws_server=ws_server,
                max_size=2**20,
                ping_interval=None,
            )
        self.server_header = None

    def connection_made(self, transport):
        self.server = transport.get_extra_info("sockname")[:2]
        super().connection_made(transport)

    async def process_request(self, path, request_headers):
        self.seen["key"] = handshake.check_request(request_headers)
        if path == "/forbidden":
            return http.HTTPStatus.FORBIDDEN, [], b""
        return None

    def process_subprotocol(self, headers, available_subprotocols):
        return "chosen-by-app"

    async def ws_handler(self, protocol, path):
        # Two arguments, as uvicorn's handler takes.
        self.seen["path"] = path
        async for message in self:
            await self.send(message)


@pytest.fixture
async def embedded():
    loop = asyncio.get_running_loop()
    ws_server = EmbedderServer()
    seen = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        server = await loop.create_server(
            lambda: EmbeddedProtocol(ws_server, seen), "127.0.0.1", 0
        )
    port = server.sockets[0].getsockname()[1]
    try:
        yield ws_server, seen, f"ws://127.0.0.1:{port}"
    finally:
        server.close()
        await asyncio.wait_for(server.wait_closed(), TIMEOUT)


async def test_embedded_protocol_with_own_server_object_echoes(embedded):
    ws_server, seen, uri = embedded
    async with connect(uri + "/echo?x=1", subprotocols=["chosen-by-app"]) as ws:
        assert ws.subprotocol == "chosen-by-app"
        assert "Server" not in ws.response.headers
        await ws.send("hello")
        assert await asyncio.wait_for(ws.recv(), TIMEOUT) == "hello"
        await ws.send(b"\x00" * 2**20)
        assert await asyncio.wait_for(ws.recv(), TIMEOUT) == b"\x00" * 2**20
    assert seen["path"] == "/echo?x=1"
    assert seen["key"] == ws.request.headers["Sec-WebSocket-Key"]
    (protocol,) = ws_server.registered
    assert isinstance(protocol.server, tuple)
    await asyncio.wait_for(protocol.handler_task, TIMEOUT)
    assert ws_server.unregistered == [protocol]


async def test_embedded_protocol_process_request_rejects(embedded):
    ws_server, seen, uri = embedded
    with pytest.raises(InvalidStatus) as raised:
        await connect(uri + "/forbidden")
    assert raised.value.response.status_code == 403


async def test_embedded_protocol_rejects_when_server_is_closing(embedded):
    ws_server, seen, uri = embedded
    ws_server.closing = True
    with pytest.raises(InvalidStatus) as raised:
        await connect(uri + "/")
    assert raised.value.response.status_code == 503


KEY = "dGhlIHNhbXBsZSBub25jZQ=="

HANDSHAKE_CASES = [
    {"Upgrade": "websocket"},
    {"Connection": "Upgrade"},
    {"Connection": "Upgrade", "Upgrade": "websocket"},
    {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Key": "abc"},
    {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Key": "AAAA",
        "Sec-WebSocket-Version": "13",
    },
    {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Key": KEY},
    {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Key": KEY,
        "Sec-WebSocket-Version": "12",
    },
    {
        "Connection": "keep-alive, Upgrade",
        "Upgrade": "WebSocket",
        "Sec-WebSocket-Key": KEY,
        "Sec-WebSocket-Version": "13",
    },
    {
        "Connection": "Upgrade",
        "Upgrade": "h2c",
        "Sec-WebSocket-Key": KEY,
        "Sec-WebSocket-Version": "13",
    },
    {
        "Connection": "close",
        "Upgrade": "websocket",
        "Sec-WebSocket-Key": KEY,
        "Sec-WebSocket-Version": "13",
    },
    {
        "Connection": "Upgrade",
        "Upgrade": "websocket, h2c",
        "Sec-WebSocket-Key": KEY,
        "Sec-WebSocket-Version": "13",
    },
    {},
    {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Accept": "x"},
    {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Accept": "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
    },
]

# Runs with either implementation; prints one line per case.
HANDSHAKE_SCRIPT = """\
import json, sys, warnings
warnings.simplefilter("ignore")
from websockets.datastructures import Headers
from websockets.legacy import handshake
results = []
for case in json.loads(sys.argv[1]):
    for check in (handshake.check_request, handshake.check_response):
        headers = Headers(case)
        try:
            args = (headers,) if check is handshake.check_request else (headers, sys.argv[2])
            results.append(["ok", check(*args)])
        except Exception as exc:
            results.append([type(exc).__name__, str(exc)])
headers = Headers()
key = handshake.build_request(headers)
handshake.check_request(headers)
response = Headers()
handshake.build_response(response, key)
handshake.check_response(response, key)
results.append(sorted(headers) + sorted(response))
print(json.dumps(results))
"""


def test_legacy_handshake_checks_match_the_release(upstream, tmp_path):
    cases = json.dumps(HANDSHAKE_CASES)
    released = upstream.run(
        "-c", HANDSHAKE_SCRIPT, cases, KEY, capture_output=True, text=True, timeout=60
    )
    assert released.returncode == 0, released.stderr
    ours = subprocess.run(
        [sys.executable, "-c", HANDSHAKE_SCRIPT, cases, KEY],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ours.returncode == 0, ours.stderr
    assert json.loads(ours.stdout) == json.loads(released.stdout)
    assert len(json.loads(ours.stdout)) == 2 * len(HANDSHAKE_CASES) + 1


def test_build_response_accepts_the_rfc_example_key():
    headers = Headers()
    handshake.build_response(headers, KEY)
    assert headers["Sec-WebSocket-Accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
