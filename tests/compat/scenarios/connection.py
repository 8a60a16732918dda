"""
Connection scenarios: a server and a client of the same package talk in one
program; the scenario records what the methods of ``Connection`` return and
raise (recv, recv_streaming, send, close, wait_closed, ping, pong, iteration,
attributes), plus ``broadcast``, ``unix_serve``/``unix_connect``, ``route``
and TLS, in the asyncio and the threading API.

Fragments are raw strings. ``AW `` becomes ``await `` (asyncio) or nothing
(threading); ``AFOR `` becomes ``async for `` or ``for ``.

"""

from __future__ import annotations

import textwrap


SCENARIOS: dict[str, str] = {}

_ASYNCIO = r"""
fix_randomness()
capture_logs()
# What the server sees, reported once both sides are done, since its
# thread or task runs concurrently with the client.
SERVER = {{}}
def srec(key, value):
    SERVER[key] = norm(value)
import asyncio
from websockets.asyncio.server import serve, unix_serve, broadcast
from websockets.asyncio.client import connect, unix_connect
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK, ConcurrencyError
{setup}
async def handler(ws):
{server}
async def main():
    async with {serve}(handler, {address}{server_kwargs}) as server:
        {target}
        baseline = len(asyncio.all_tasks())
        async with {connect}({uri}{client_kwargs}) as ws:
{client}
        await settle(baseline)
arun(main())
rec("server", SERVER)
rec_logs("server logs", "websockets.server")
rec_logs("client logs", "websockets.client")
"""

_SYNC = r"""
fix_randomness()
capture_logs()
# What the server sees, reported once both sides are done, since its
# thread or task runs concurrently with the client.
SERVER = {{}}
def srec(key, value):
    SERVER[key] = norm(value)
from websockets.sync.server import serve, unix_serve, broadcast
from websockets.sync.client import connect, unix_connect
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK, ConcurrencyError
{setup}
def handler(ws):
{server}
with {serve}(handler, {address}{server_kwargs}) as server:
    {target}
    thread = start_thread(server.serve_forever)
    baseline = threading.active_count()
    with {connect}({uri}{client_kwargs}) as ws:
{client}
    settle_threads(baseline)
    server.shutdown()
    thread.join(5)
rec("server", SERVER)
# Threads log concurrently: compare which records there are, not their order.
LOGS.sort()
rec_logs("server logs", "websockets.server")
rec_logs("client logs", "websockets.client")
"""

# Server bodies.
ECHO_ALL = r"""
try:
    AFOR message in ws:
        AW ws.send(message)
except ConnectionClosed as exc:
    srec("closed", describe(exc))
"""
SEND_THEN_WAIT = r"""
AW ws.send("text")
AW ws.send(b"binary")
AW ws.send(["frag", "mented"])
AW ws.send(b"\xff\xfe")
try:
    AW ws.recv()
except ConnectionClosed as exc:
    srec("closed", describe(exc))
"""
WAIT = r"""
try:
    AW ws.recv()
except ConnectionClosed as exc:
    srec("closed", describe(exc))
"""

CLOSED = "except ConnectionClosed as exc:\n    rec('closed', describe(exc))"

# name: (server body, client body, extra client kwargs, extra server kwargs)
CASES = {
    "recv_types": (
        SEND_THEN_WAIT,
        "for i in range(4):\n    rec('recv', AW ws.recv())",
        "",
        "",
    ),
    "recv_decode_false": (
        SEND_THEN_WAIT,
        "rec('recv', AW ws.recv(decode=False))\nfor i in range(3):\n    AW ws.recv()",
        "",
        "",
    ),
    "recv_decode_true": (
        SEND_THEN_WAIT,
        "AW ws.recv()\nrec('recv', AW ws.recv(decode=True))\nfor i in range(2):\n    AW ws.recv()",
        "",
        "",
    ),
    "recv_decode_true_invalid_utf8": (
        SEND_THEN_WAIT,
        "for i in range(3):\n    AW ws.recv()\ntry:\n    rec('recv', AW ws.recv(decode=True))\n"
        + CLOSED,
        "",
        "",
    ),
    "recv_streaming": (
        SEND_THEN_WAIT,
        "AW ws.recv()\nAW ws.recv()\nrec('fragments', [f AFOR f in ws.recv_streaming()])\nAW ws.recv()",
        "",
        "",
    ),
    "recv_streaming_decode_false": (
        SEND_THEN_WAIT,
        "rec('fragments', [f AFOR f in ws.recv_streaming(decode=False)])\nfor i in range(3):\n    AW ws.recv()",
        "",
        "",
    ),
    "send_variants": (
        ECHO_ALL,
        "for m in ['str', b'bytes', bytearray(b'ba'), memoryview(b'mv'), 'caf\u00e9']:\n"
        "    AW ws.send(m)\n    rec('echo', AW ws.recv())",
        "",
        "",
    ),
    "send_text_flag": (
        ECHO_ALL,
        "AW ws.send(b'as text', text=True)\nrec('echo', AW ws.recv())\n"
        "AW ws.send('as binary', text=False)\nrec('echo', AW ws.recv())",
        "",
        "",
    ),
    "send_fragments": (
        ECHO_ALL,
        "AW ws.send(['a', 'b', 'c'])\nrec('echo', AW ws.recv())\n"
        "AW ws.send(iter([b'x', b'y']))\nrec('echo', AW ws.recv())",
        "",
        "",
    ),
    "send_empty_iterable": (
        ECHO_ALL,
        "try:\n    AW ws.send([])\n    rec('sent', True)\nexcept Exception as exc:\n"
        "    rec('exc', describe(exc))",
        "",
        "",
    ),
    "send_mixed_fragments": (
        ECHO_ALL,
        "try:\n    AW ws.send(['a', b'b'])\nexcept Exception as exc:\n    rec('exc', describe(exc))\n"
        "try:\n    AW ws.recv()\n" + CLOSED,
        "",
        "",
    ),
    "send_wrong_type": (
        ECHO_ALL,
        "for m in [42, {'a': 1}, None]:\n    try:\n        AW ws.send(m)\n"
        "    except Exception as exc:\n        rec('exc', describe(exc))",
        "",
        "",
    ),
    "close_default": (
        WAIT,
        "AW ws.close()\nrec('close', [ws.close_code, ws.close_reason, ws.state.name])\n"
        "try:\n    AW ws.recv()\n" + CLOSED + "\ntry:\n    AW ws.send('x')\n" + CLOSED,
        "",
        "",
    ),
    "close_code_reason": (
        WAIT,
        "AW ws.close(1001, 'going away')\nrec('close', [ws.close_code, ws.close_reason])",
        "",
        "",
    ),
    "close_4000": (WAIT, "AW ws.close(4000, 'app')", "", ""),
    "close_invalid_code": (
        WAIT,
        "try:\n    AW ws.close(1005)\nexcept Exception as exc:\n    rec('exc', describe(exc))",
        "",
        "",
    ),
    "close_twice": (
        WAIT,
        "AW ws.close()\nAW ws.close()\nrec('state', ws.state.name)",
        "",
        "",
    ),
    "server_closes_first": (
        "AW ws.close(1001, 'bye')",
        "try:\n    AW ws.recv()\n"
        + CLOSED
        + "\nrec('close', [ws.close_code, ws.close_reason])",
        "",
        "",
    ),
    "iteration_until_close": (
        "AW ws.send('one')\nAW ws.send('two')\nAW ws.close()",
        "rec('messages', [m AFOR m in ws])",
        "",
        "",
    ),
    "iteration_until_error": (
        "AW ws.send('one')\nAW ws.close(1011, 'oops')",
        "try:\n    AFOR m in ws:\n        rec('m', m)\n" + CLOSED,
        "",
        "",
    ),
    "ping_pong": (
        WAIT,
        "waiter = AW ws.ping(b'1234')\nrec('waiter', type(waiter).__name__)\n"
        "AW ws.pong(b'5678')\nAW ws.ping('text ping')",
        "",
        "",
    ),
    "ping_after_close": (
        WAIT,
        "AW ws.close()\ntry:\n    AW ws.ping()\n"
        + CLOSED
        + "\ntry:\n    AW ws.pong()\n"
        + CLOSED,
        "",
        "",
    ),
    "attributes": (
        WAIT,
        "rec('attrs', [type(ws.id).__name__, ws.local_address[0], ws.remote_address[0],"
        " ws.latency, ws.state.name, ws.subprotocol, ws.request.path,"
        " ws.response.status_code, ws.close_code, ws.close_reason])",
        "",
        "",
    ),
    "subprotocol_negotiated": (
        "srec('subprotocol', ws.subprotocol)",
        "rec('subprotocol', ws.subprotocol)",
        ", subprotocols=['b', 'a']",
        ", subprotocols=['a', 'b']",
    ),
    "compression_both": (
        ECHO_ALL,
        "AW ws.send('z' * 200)\nrec('echo', AW ws.recv())\n"
        "rec('extensions', [repr(e) for e in ws.protocol.extensions])",
        "",
        "",
    ),
    "compression_client_off": (
        ECHO_ALL,
        "AW ws.send('z' * 200)\nrec('echo', AW ws.recv())",
        ", compression=None",
        "",
    ),
    "max_size_exceeded": (
        "AW ws.send('x' * 100)\n" + WAIT,
        "try:\n    AW ws.recv()\n" + CLOSED,
        ", max_size=50",
        "",
    ),
    "broadcast": (
        "AW ws.send('hello')\n" + WAIT,
        "rec('first', AW ws.recv())\nfor conn in server.connections:\n"
        "    broadcast([conn], 'to all')\n    broadcast([conn], b'bytes')\n"
        "    broadcast([conn], 'as binary', text=False)\n"
        "for i in range(3):\n    rec('broadcast', AW ws.recv())",
        "",
        "",
    ),
    "broadcast_closed_connection": (
        "AW ws.close()",
        "AW ws.wait_closed()\nfor conn in list(server.connections) or [ws]:\n"
        "    broadcast([ws], 'late')\ntry:\n    broadcast([ws], 'late', raise_exceptions=True)\n"
        "except Exception as exc:\n    rec('exc', [type(exc).__name__, [describe(e) for e in exc.exceptions]])",
        "",
        "",
    ),
    "broadcast_wrong_type": (
        WAIT,
        "try:\n    broadcast([ws], 42)\nexcept Exception as exc:\n    rec('exc', describe(exc))",
        "",
        "",
    ),
}

ASYNCIO_ONLY = {
    # In the threading API, the pong may arrive before the second ping.
    "ping_duplicate": (
        WAIT,
        "AW ws.ping(b'same')\ntry:\n    AW ws.ping(b'same')\nexcept Exception as exc:\n"
        "    rec('exc', describe(exc))",
        "",
        "",
    ),
    "wait_closed": (
        "AW ws.close(1001)",
        "AW ws.wait_closed()\nrec('close', [ws.close_code, ws.close_reason])",
        "",
        "",
    ),
    "concurrent_recv": (
        WAIT,
        "task = asyncio.create_task(ws.recv())\nawait asyncio.sleep(0)\n"
        "try:\n    AW ws.recv()\nexcept ConcurrencyError as exc:\n    rec('exc', describe(exc))\n"
        "task.cancel()",
        "",
        "",
    ),
    "send_async_iterator": (
        ECHO_ALL,
        "async def gen():\n    yield 'a'\n    yield 'b'\nAW ws.send(gen())\nrec('echo', AW ws.recv())",
        "",
        "",
    ),
    "ping_waiter_resolves": (
        WAIT,
        "waiter = AW ws.ping()\nlatency = AW asyncio.wait_for(waiter, 5)\n"
        "rec('latency', type(latency).__name__)",
        "",
        "",
    ),
}

SYNC_ONLY = {
    "recv_timeout": (
        WAIT,
        "try:\n    ws.recv(timeout=0.05)\nexcept TimeoutError as exc:\n    rec('exc', describe(exc))",
        "",
        "",
    ),
    "recv_timeout_zero": (
        "ws.send('ready')\n" + WAIT,
        "import time\ntime.sleep(0.2)\nrec('recv', ws.recv(timeout=0))",
        "",
        "",
    ),
    "concurrent_recv": (
        WAIT,
        "t = start_thread(lambda: ws.recv(timeout=1))\nimport time\ntime.sleep(0.1)\n"
        "try:\n    ws.recv(timeout=0.1)\nexcept ConcurrencyError as exc:\n    rec('exc', describe(exc))",
        "",
        "",
    ),
}


def render(api: str, case: tuple[str, str, str, str], *, unix: bool = False) -> str:
    server, client, client_kwargs, server_kwargs = case
    aw, afor = ("await ", "async for ") if api == "asyncio" else ("", "for ")
    template = _ASYNCIO if api == "asyncio" else _SYNC

    def sub(body: str, level: int) -> str:
        return textwrap.indent(
            body.replace("AW ", aw).replace("AFOR ", afor), "    " * level
        )

    if unix:
        setup = "SOCK = tmp_socket_path()"
        address, target, uri = "path=SOCK", "pass", "SOCK"
        serve_name, connect_name = "unix_serve", "unix_connect"
    else:
        setup = ""
        address = "'127.0.0.1', 0"
        target = (
            "port = server.sockets[0].getsockname()[1]"
            if api == "asyncio"
            else "port = server.socket.getsockname()[1]"
        )
        uri = 'f"ws://127.0.0.1:{port}/"'
        serve_name, connect_name = "serve", "connect"
    return template.format(
        setup=setup,
        server=sub(server, 1),
        serve=serve_name,
        address=address,
        server_kwargs=", ping_interval=None" + server_kwargs,
        target=target,
        connect=connect_name,
        uri=uri,
        client_kwargs=", ping_interval=None" + client_kwargs,
        client=sub(client, 3 if api == "asyncio" else 2),
    )


for _api in ("asyncio", "sync"):
    for _name, _case in CASES.items():
        SCENARIOS[f"{_api}-connection-{_name}"] = render(_api, _case)
    for _name in ("recv_types", "close_code_reason"):
        SCENARIOS[f"{_api}-unix-{_name}"] = render(_api, CASES[_name], unix=True)
for _name, _case in ASYNCIO_ONLY.items():
    SCENARIOS[f"asyncio-connection-{_name}"] = render("asyncio", _case)
for _name, _case in SYNC_ONLY.items():
    SCENARIOS[f"sync-connection-{_name}"] = render("sync", _case)

# Servers: lifecycle and keyword arguments passed to the event loop.
SCENARIOS["asyncio-server-lifecycle"] = r"""
fix_randomness()
capture_logs()
import asyncio
from websockets.asyncio.server import serve
from websockets.asyncio.client import connect
async def handler(ws):
    await ws.send("hi")
    await ws.wait_closed()
async def main():
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = await serve(handler, sock=listener, start_serving=False)
    rec("serving before start", server.is_serving())
    await server.start_serving()
    rec("serving after start", server.is_serving())
    async with connect(f"ws://127.0.0.1:{port}/") as ws:
        rec("recv", await ws.recv())
        server.close(close_connections=False)
        rec("state after close", ws.state.name)
        rec("serving after close", server.is_serving())
    await asyncio.wait_for(server.wait_closed(), 5)
    rec("connections", len(server.connections))
arun(main())
# The server's records only: the client's interleave with them.
rec_logs("server logs", "websockets.server")
"""
SCENARIOS["asyncio-server-serve_forever"] = r"""
capture_logs()
import asyncio
from websockets.asyncio.server import serve
async def handler(ws):
    pass
async def main():
    async with serve(handler, "127.0.0.1", 0) as server:
        task = asyncio.create_task(server.serve_forever())
        await asyncio.sleep(0.1)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            rec("serve_forever", "cancelled")
        rec("serving", server.is_serving())
arun(main())
rec_logs()
"""
SCENARIOS["asyncio-server-close_connections"] = r"""
import asyncio
from websockets.asyncio.server import serve
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
async def handler(ws):
    await ws.wait_closed()
async def main():
    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}/") as ws:
            server.close()
            try:
                await ws.recv()
            except ConnectionClosed as exc:
                rec("closed", describe(exc))
arun(main())
"""
SCENARIOS["sync-server-lifecycle"] = r"""
fix_randomness()
capture_logs()
from websockets.sync.server import serve
from websockets.sync.client import connect
from websockets.exceptions import ConnectionClosed
def handler(ws):
    ws.send("hi")
    try:
        ws.recv()
    except ConnectionClosed as exc:
        pass
with serve(handler, "127.0.0.1", 0) as server:
    rec("fileno is socket's", server.fileno() == server.socket.fileno())
    thread = start_thread(server.serve_forever)
    port = server.socket.getsockname()[1]
    with connect(f"ws://127.0.0.1:{port}/") as ws:
        rec("recv", ws.recv())
        server.shutdown()
        try:
            ws.recv()
        except ConnectionClosed as exc:
            rec("closed", describe(exc))
    thread.join(5)
    rec("thread done", not thread.is_alive())
LOGS.sort()
rec_logs()
"""
for _api in ("asyncio", "sync"):
    SCENARIOS[f"{_api}-unix_connect-uri"] = (
        (
            "import asyncio\nfrom websockets.asyncio.server import unix_serve as serve\n"
            "from websockets.asyncio.client import unix_connect\n"
            "async def handler(ws):\n    await ws.send(ws.request.path + ' ' + ws.request.headers['Host'])\n"
            "async def main():\n    SOCK = tmp_socket_path()\n"
            "    async with serve(handler, SOCK):\n"
            "        async with unix_connect(SOCK, uri='ws://chat.example/room') as ws:\n"
            "            rec('recv', await ws.recv())\narun(main())\n"
        )
        if _api == "asyncio"
        else (
            "from websockets.sync.server import unix_serve as serve\n"
            "from websockets.sync.client import unix_connect\n"
            "def handler(ws):\n    ws.send(ws.request.path + ' ' + ws.request.headers['Host'])\n"
            "SOCK = tmp_socket_path()\n"
            "with serve(handler, SOCK) as server:\n"
            "    thread = start_thread(server.serve_forever)\n"
            "    with unix_connect(SOCK, uri='ws://chat.example/room') as ws:\n"
            "        rec('recv', ws.recv())\n"
            "    server.shutdown()\n    thread.join(5)\n"
        )
    )
