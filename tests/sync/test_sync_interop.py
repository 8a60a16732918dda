"""
Interoperability with the released websockets 17.4, running in another process.

"""

from __future__ import annotations

import subprocess
import sys

import pytest

from websockets.exceptions import ConnectionClosedOK
from websockets.frames import CloseCode
from websockets.sync.client import connect

from .sync_utils import run_server, subprocess_env, uri


UPSTREAM_SERVER = r"""
import sys, threading
from websockets.sync.server import serve

def handler(websocket):
    for message in websocket:
        if message == "close":
            websocket.close(1001, "upstream says bye")
            return
        websocket.send(message)

compression = None if sys.argv[1] == "none" else "deflate"
with serve(handler, "127.0.0.1", 0, compression=compression) as server:
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    print(server.socket.getsockname()[1], flush=True)
    sys.stdin.read()  # run until the test closes stdin
    server.shutdown()
    join(thread)
"""

UPSTREAM_CLIENT = r"""
import sys
from websockets.sync.client import connect
from websockets.exceptions import ConnectionClosedOK

compression = None if sys.argv[2] == "none" else "deflate"
with connect(sys.argv[1], compression=compression) as websocket:
    for message in ["hello", b"\x00\xff" * 5000, "é" * 70000]:
        websocket.send(message)
        assert websocket.recv() == message
    websocket.send(["frag", "mented"])
    assert websocket.recv() == "fragmented"
    assert websocket.ping().wait(10)
    websocket.send("close")
    try:
        websocket.recv()
    except ConnectionClosedOK as exc:
        print("closed", exc.rcvd.code, exc.rcvd.reason, flush=True)
print("ok", flush=True)
"""


@pytest.fixture(params=["deflate", "none"])
def compression(request):
    return request.param


@pytest.fixture
def upstream_server(upstream, compression):
    process = upstream.popen(
        "-c",
        UPSTREAM_SERVER,
        compression,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = int(process.stdout.readline())
        yield port
    finally:
        process.stdin.close()
        process.wait(30)
        process.stdout.close()


def test_our_client_with_upstream_server(upstream_server, compression):
    with connect(
        f"ws://127.0.0.1:{upstream_server}/",
        compression=None if compression == "none" else "deflate",
    ) as ws:
        assert bool(ws.protocol.extensions) == (compression == "deflate")
        for message in ["hello", b"\x00\xff" * 5000, "é" * 70000]:
            ws.send(message)
            assert ws.recv() == message
        ws.send(iter([b"frag", b"mented"]))
        assert ws.recv() == b"fragmented"
        assert ws.ping().wait(10)
        ws.send("close")
        with pytest.raises(ConnectionClosedOK) as raised:
            ws.recv()
        assert raised.value.rcvd.code == CloseCode.GOING_AWAY
        assert raised.value.rcvd.reason == "upstream says bye"


def test_upstream_client_with_our_server(upstream, compression):
    def handler(websocket):
        for message in websocket:
            if message == "close":
                websocket.close(CloseCode.GOING_AWAY, "we say bye")
                return
            websocket.send(message)

    with run_server(
        handler, compression=None if compression == "none" else "deflate"
    ) as server:
        result = upstream.run(
            "-c",
            UPSTREAM_CLIENT,
            uri(server),
            compression,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "closed 1001 we say bye\nok\n"


def test_upstream_client_with_our_tls_server(upstream, server_ssl, certs):
    _, _, ca_path, _ = certs
    script = r"""
import ssl, sys
from websockets.sync.client import connect
context = ssl.create_default_context(cafile=sys.argv[2])
with connect(sys.argv[1], ssl=context) as websocket:
    websocket.send("tls")
    print(websocket.recv(), flush=True)
"""

    def handler(websocket):
        for message in websocket:
            websocket.send(message)

    with run_server(handler, ssl=server_ssl) as server:
        port = server.socket.getsockname()[1]
        result = upstream.run(
            "-c",
            script,
            f"wss://localhost:{port}/",
            str(ca_path),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "tls\n"


def test_subprocess_env_exposes_this_package():
    result = subprocess.run(
        [sys.executable, "-c", "import websockets.sync.client as m; print(m.__file__)"],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=60,
    )
    assert "/websockets/sync/client.py" in result.stdout
