"""
Scenarios for hooks that subclasses override and helpers that programs
import: the asyncio ``Connection.keepalive()`` coroutine, the threading
client's ``reconnect`` hooks (``open_socket``, ``enable_tls``,
``open_connection``, ``process_redirect``), ``Server.SHUTDOWN_POLLING_INTERVAL``
and ``apply_mask`` in ``websockets.utils`` and ``websockets.speedups``.

"""

from __future__ import annotations


SCENARIOS: dict[str, str] = {}

# --- asyncio keepalive() ------------------------------------------------------

SCENARIOS["asyncio-connection-keepalive-override"] = r"""
fix_randomness()
capture_logs()
from websockets.asyncio.client import connect, ClientConnection
from websockets.asyncio.server import serve
class Custom(ClientConnection):
    async def keepalive(self):
        rec("keepalive called", [self.ping_interval, self.ping_timeout])
        await super().keepalive()
async def handler(ws):
    await ws.wait_closed()
async def main():
    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}/", create_connection=Custom,
                           ping_interval=0.05, compression=None) as ws:
            rec("task", type(ws.keepalive_task).__name__)
            while ws.latency == 0:
                await asyncio.sleep(0.01)
            rec("latency measured", ws.latency > 0)
        rec("task after close", type(ws.keepalive_task).__name__)
    rec("keepalive pings", sum("sent keepalive ping" in e for e in LOGS) > 0)
arun(main())
"""

SCENARIOS["asyncio-connection-keepalive-override-timeout"] = r"""
fix_randomness()
capture_logs()
from websockets.asyncio.client import connect, ClientConnection
from websockets.exceptions import ConnectionClosed
class Custom(ClientConnection):
    async def keepalive(self):
        rec("keepalive called", True)
        await super().keepalive()
# The server completes the handshake, then never answers pings.
srv = RawServer([upgrade()], close=False)
async def main():
    async with connect(f"ws://127.0.0.1:{srv.port}/", create_connection=Custom,
                       ping_interval=0.1, ping_timeout=0.2, close_timeout=0.5,
                       compression=None) as ws:
        try:
            await ws.recv()
        except ConnectionClosed as exc:
            rec("closed", describe(exc))
    rec("close", [ws.close_code, ws.close_reason])
arun(main())
srv.join()
rec("after", [parse_frames(a) for a in srv.after])
rec_logs()
"""

SCENARIOS["asyncio-connection-keepalive-method"] = r"""
import inspect
from websockets.asyncio.connection import Connection
rec("coroutine", inspect.iscoroutinefunction(Connection.keepalive))
rec("signature", str(inspect.signature(Connection.keepalive)))
rec("doc", Connection.keepalive.__doc__.strip().splitlines()[0])
"""

# --- threading reconnect hooks --------------------------------------------------

_RECONNECT = r"""
fix_randomness()
capture_logs()
import socket
from websockets.sync.client import connect, reconnect, ClientConnection
class Custom(reconnect):
    def open_socket(self, deadline):
        sock = super().open_socket(deadline)
        rec("open_socket", [type(deadline).__name__, type(sock).__name__,
                            sock.gettimeout(), self.uri])
        return sock
    def enable_tls(self, sock, deadline):
        sock = super().enable_tls(sock, deadline)
        rec("enable_tls", [type(sock).__name__, sock.gettimeout()])
        return sock
    def open_connection(self, deadline):
        try:
            connection = super().open_connection(deadline)
        except Exception as exc:
            rec("open_connection raised", describe(exc))
            raise
        rec("open_connection", [type(connection).__name__, connection.state.name,
                                connection.keepalive_thread is None])
        return connection
    def process_redirect(self, exc):
        result = super().process_redirect(exc)
        rec("process_redirect", [describe(exc), describe(result) if
                                 isinstance(result, Exception) else result])
        return {process_redirect}
{setup}
client = Custom({uri}{kwargs})
rec("attributes", sorted(vars(client)))
rec("values", [client.uri, client.proxy, client.open_timeout, client.open_socket_kwargs,
               client.connection_kwargs, sorted(client.protocol_kwargs),
               client.create_connection.__name__, client.logger.name])
try:
    with client as ws:
        rec("recv", ws.recv())
        rec("pending legacy warning", ws.pending_legacy_warning)
        rec("uri after", [client.uri, client.additional_headers])
except Exception as exc:
    rec("exc", describe(exc))
{teardown}
rec_logs()
"""

_HI = "upgrade(then=frame(1, b'hi', mask=False))"

RECONNECTS = {
    "redirect": dict(
        setup=(
            "srv = RawServer([http_response('302 Found', [('Location', '/new')]), "
            + _HI
            + "])\nalias(srv.port, 'SRVPORT')"
        ),
        uri='f"ws://127.0.0.1:{srv.port}/old"',
        kwargs=", additional_headers={'Authorization': 'Bearer x'}, open_timeout=5",
        process_redirect="result",
        teardown="srv.join()\nrec('requests', [head(r) for r in srv.requests])",
    ),
    "redirect_cross_origin": dict(
        setup=(
            "other = RawServer([" + _HI + "])\nalias(other.port, 'OTHERPORT')\n"
            "srv = RawServer([lambda r: http_response('302 Found', "
            "[('Location', f'ws://127.0.0.1:{other.port}/there')])])\n"
            "alias(srv.port, 'SRVPORT')"
        ),
        uri='f"ws://127.0.0.1:{srv.port}/"',
        kwargs=", additional_headers={'Authorization': 'Bearer x', 'X-A': '1'}",
        process_redirect="result",
        teardown=(
            "srv.join()\nother.join()\n"
            "rec('requests', [head(r) for r in srv.requests + other.requests])"
        ),
    ),
    "redirect_refused_by_hook": dict(
        setup=(
            "srv = RawServer([http_response('302 Found', [('Location', '/new')]), "
            + _HI
            + "])\nalias(srv.port, 'SRVPORT')"
        ),
        uri='f"ws://127.0.0.1:{srv.port}/old"',
        kwargs="",
        process_redirect="ValueError('no redirects') if isinstance(result, str) else result",
        teardown="srv.join()\nrec('requests', len(srv.requests))",
    ),
    "tls": dict(
        setup=(
            "import ssl, threading, trustme\n"
            "from websockets.sync.server import serve\n"
            "ca = trustme.CA()\ncert = ca.issue_cert('localhost')\n"
            "server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
            "cert.configure_cert(server_ctx)\n"
            "client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n"
            "ca.configure_trust(client_ctx)\n"
            "def handler(ws):\n"
            "    ws.send(ws.request.path)\n"
            "    for _ in ws:  # until the client closes\n"
            "        pass\n"
            "server = serve(handler, '127.0.0.1', 0, ssl=server_ctx)\n"
            "alias(server.socket.getsockname()[1], 'SRVPORT')\n"
            "thread = start_thread(server.serve_forever)"
        ),
        uri="f\"wss://localhost:{server.socket.getsockname()[1]}/tls\"",
        kwargs=", ssl=client_ctx, compression=None",
        process_redirect="result",
        teardown="server.shutdown()\nthread.join(5)\nLOGS[:] = [e for e in LOGS if 'server' not in e]",
    ),
    "refused": dict(
        setup=(
            "listener = socket.create_server(('127.0.0.1', 0))\n"
            "port = listener.getsockname()[1]\nlistener.close()\n"
            "alias(port, 'PORT')"
        ),
        uri='f"ws://127.0.0.1:{port}/"',
        kwargs=", open_timeout=2",
        process_redirect="result",
        teardown="",
    ),
}
for _name, _spec in RECONNECTS.items():
    SCENARIOS[f"sync-reconnect-hooks-{_name}"] = _RECONNECT.format(**_spec)

SCENARIOS["sync-reconnect-iterate"] = r"""
fix_randomness()
capture_logs()
from websockets.sync.client import reconnect
srv = RawServer([AndClose(http_response('503 Service Unavailable')),
                 upgrade(then=frame(1, b'second', mask=False))])
def delays():
    while True:
        yield 0
for ws in reconnect(f"ws://127.0.0.1:{srv.port}/", reconnect_delays=delays,
                    process_exception=lambda exc: rec("process_exception", describe(exc))):
    rec("recv", ws.recv())
    rec("pending legacy warning", ws.pending_legacy_warning)
    break
srv.join()
rec("requests", len(srv.requests))
rec_logs()
"""

SCENARIOS["sync-connect-legacy-flags"] = r"""
import warnings
from websockets.sync.client import connect, reconnect
srv = RawServer([upgrade(then=frame(1, b'a', mask=False)), upgrade(then=frame(1, b'b', mask=False)),
                 upgrade(then=frame(1, b'c', mask=False))])
for legacy in (None, True):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ws = connect(f"ws://127.0.0.1:{srv.port}/", legacy=legacy)
        rec(f"legacy={legacy}", [type(ws).__name__, ws.pending_legacy_warning, ws.recv()])
        ws.close()
        rec(f"legacy={legacy} warnings", [str(w.message) for w in caught])
client = connect(f"ws://127.0.0.1:{srv.port}/", legacy=False)
rec("legacy=False", type(client).__name__)
with client as ws:
    rec("entered", [ws.pending_legacy_warning, ws.recv()])
srv.join()
"""

SCENARIOS["sync-reconnect-construction-errors"] = r"""
import ssl, warnings
from websockets.sync.client import reconnect, unix_reconnect
call("http uri", reconnect, "http://x/")
call("ssl with ws", reconnect, "ws://x/", ssl=ssl.create_default_context())
call("compression", reconnect, "ws://x/", compression="gzip")
call("subprotocol", reconnect, "ws://x/", subprotocols=["a b"])
call("unix without path", unix_reconnect)
call("unix with path and sock", unix_reconnect, "/x", sock=socket.socket())
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    client = reconnect("wss://x/", ssl_context=ssl.create_default_context())
rec("ssl_context", [type(client.ssl).__name__, [str(w.message) for w in caught]])
client = unix_reconnect("/some/path")
rec("unix", [client.uri, client.open_socket_kwargs])
client = reconnect("ws://x/", proxy="http://127.0.0.1:9", proxy_ssl=ssl.create_default_context())
from websockets.sync.utils import Deadline
call("proxy_ssl with http proxy", client.open_socket, Deadline(1))
call("process_redirect of another error", client.process_redirect, ValueError("x"))
"""

# --- threading server ------------------------------------------------------------

SCENARIOS["sync-server-shutdown-polling-interval"] = r"""
from websockets.sync.server import Server, serve
rec("class attribute", Server.SHUTDOWN_POLLING_INTERVAL)
with serve(lambda ws: None, "127.0.0.1", 0) as server:
    rec("instance", server.SHUTDOWN_POLLING_INTERVAL)
    thread = start_thread(server.serve_forever)
    server.shutdown()
    thread.join(5)
    rec("serve_forever returned", not thread.is_alive())
"""

# --- apply_mask ---------------------------------------------------------------------

_MASK_CALLS = r"""
import array
CALLS = [
    ("bytes", (b"abcd", b"1234"), {{}}),
    ("keywords", (), {{"data": b"ab", "mask": b"1234"}}),
    ("bytearray", (bytearray(b"abcdef"), bytearray(b"1234")), {{}}),
    ("memoryview data", (memoryview(b"abcdefgh")[::2], b"1234"), {{}}),
    ("memoryview mask", (b"abcd", memoryview(b"1234")), {{}}),
    ("array data", (array.array("i", [1]), b"1234"), {{}}),
    ("empty", (b"", b"1234"), {{}}),
    ("str data", ("abcd", b"1234"), {{}}),
    ("str mask", (b"abcd", "1234"), {{}}),
    ("int data", (1, b"1234"), {{}}),
    ("None mask", (b"ab", None), {{}}),
    ("short mask", (b"abcd", b"123"), {{}}),
    ("long mask", (b"abcd", b"12345"), {{}}),
{extra}]
for label, args, kwargs in CALLS:
    call(label, apply_mask, *args, **kwargs)
"""

_ARGUMENTS = """\
    ("no arguments", (), {}),
    ("one argument", (b"a",), {}),
    ("three arguments", (b"a", b"1234", 1), {}),
    ("data by keyword only", (), {"data": b"a"}),
    ("mask by keyword only", (), {"mask": b"1234"}),
    ("data twice", (b"a",), {"data": b"a"}),
    ("unknown keyword", (b"a", b"1234"), {"x": 1}),
"""

SCENARIOS["utils-apply_mask"] = (
    "from websockets.utils import apply_mask\n" + _MASK_CALLS.format(extra=_ARGUMENTS)
)
SCENARIOS["speedups-apply_mask"] = (
    "from websockets.speedups import apply_mask\n" + _MASK_CALLS.format(extra="")
)
SCENARIOS["speedups-apply_mask-arguments"] = (
    "from websockets.speedups import apply_mask\n"
    + _MASK_CALLS.format(extra=_ARGUMENTS)
)

# A peer that never closes: the closing handshake times out, after the
# keepalive fails the connection or after close().
_SILENT_PEER = r"""
fix_randomness()
capture_logs()
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
srv = RawServer([upgrade()], close=False)
async def main():
    async with connect(f"ws://127.0.0.1:{{srv.port}}/", ping_interval={ping_interval},
                       ping_timeout=0.2, close_timeout=0.5, compression=None) as ws:
        {action}
        try:
            await ws.recv()
        except ConnectionClosed as exc:
            rec("closed", describe(exc))
    rec("close", [ws.close_code, ws.close_reason])
arun(main())
srv.join()
rec("after", [parse_frames(a) for a in srv.after])
rec_logs()
"""
SCENARIOS["asyncio-connection-keepalive-timeout-silent-peer"] = _SILENT_PEER.format(
    ping_interval=0.1, action="pass"
)
SCENARIOS["asyncio-connection-close-timeout-silent-peer"] = _SILENT_PEER.format(
    ping_interval=None, action="await ws.close()"
)

_SILENT_PEER_SYNC = r"""
fix_randomness()
capture_logs()
from websockets.sync.client import connect
from websockets.exceptions import ConnectionClosed
srv = RawServer([upgrade()], close=False)
with connect(f"ws://127.0.0.1:{{srv.port}}/", ping_interval={ping_interval},
             ping_timeout=0.2, close_timeout=0.5, compression=None) as ws:
    {action}
    try:
        ws.recv()
    except ConnectionClosed as exc:
        rec("closed", describe(exc))
rec("close", [ws.close_code, ws.close_reason])
srv.join()
rec("after", [parse_frames(a) for a in srv.after])
rec_logs()
"""
# websockets 17.4's keepalive thread logs "keepalive ping failed" when the
# closing handshake that follows the pong timeout times out, unless the
# connection is closed first, which depends on thread scheduling: the record
# isn't compared.
SCENARIOS["sync-connection-keepalive-timeout-silent-peer"] = _SILENT_PEER_SYNC.format(
    ping_interval=0.1, action="pass"
).replace(
    "rec_logs()",
    "LOGS[:] = [e for e in LOGS if not e.endswith('keepalive ping failed [ConnectionClosedError]')]\nrec_logs()",
)
SCENARIOS["sync-connection-close-timeout-silent-peer"] = _SILENT_PEER_SYNC.format(
    ping_interval=None, action="ws.close()"
)

SCENARIOS["sync-unix_connect-legacy"] = r"""
import warnings
from websockets.sync.server import unix_serve
from websockets.sync.client import unix_connect
SOCK = tmp_socket_path()
def handler(ws):
    ws.send(ws.request.path)
    for _ in ws:  # until the client closes
        pass
with unix_serve(handler, SOCK) as server:
    thread = start_thread(server.serve_forever)
    client = unix_connect(SOCK, "ws://localhost/reconnect", legacy=False)
    rec("legacy=False", [type(client).__name__, client.uri, client.open_socket_kwargs])
    with client as ws:
        rec("recv", ws.recv())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ws = unix_connect(SOCK, legacy=True)
        rec("legacy=True", [type(ws).__name__, ws.pending_legacy_warning, ws.recv()])
        ws.close()
        rec("warnings", [str(w.message) for w in caught])
    server.shutdown()
    thread.join(5)
"""
