"""
Scenarios for the behaviours that issue 16 lists, plus routers and TLS.

"""

from __future__ import annotations

from .tls import TLS_CONTEXTS


SCENARIOS: dict[str, str] = {}

# --- credentials and redirects ------------------------------------------------

_REDIRECT_ASYNCIO = r"""
fix_randomness()
from websockets.asyncio.client import connect
other = RawServer([upgrade()])
alias(other.port, "OTHERPORT")
srv = RawServer([lambda r: http_response('302 Found', [('Location', {location})])] + {same})
alias(srv.port, "SRVPORT")
HEADERS = {{"Authorization": "Bearer secret", "Cookie": "a=b", "Proxy-Authorization": "Basic x"}}
async def main():
    try:
        async with connect({uri}, additional_headers=HEADERS) as ws:
            pass
    except Exception as exc:
        rec("exc", describe(exc))
arun(main())
srv.join()
other.join()
rec("first", [head(r) for r in srv.requests])
rec("other", [head(r) for r in other.requests])
"""

_REDIRECT_SYNC = r"""
fix_randomness()
from websockets.sync.client import connect
other = RawServer([upgrade()])
alias(other.port, "OTHERPORT")
srv = RawServer([lambda r: http_response('302 Found', [('Location', {location})])] + {same})
alias(srv.port, "SRVPORT")
HEADERS = {{"Authorization": "Bearer secret", "Cookie": "a=b", "Proxy-Authorization": "Basic x"}}
try:
    with connect({uri}, additional_headers=HEADERS) as ws:
        pass
except Exception as exc:
    rec("exc", describe(exc))
srv.join()
other.join()
rec("first", [head(r) for r in srv.requests])
rec("other", [head(r) for r in other.requests])
"""

REDIRECTS = {
    "cross_origin": (
        "f'ws://127.0.0.1:{other.port}/'",
        "[]",
        'f"ws://127.0.0.1:{srv.port}/"',
    ),
    "same_origin": ("'/again'", "[upgrade()]", 'f"ws://127.0.0.1:{srv.port}/"'),
    "cross_origin_userinfo": (
        "f'ws://127.0.0.1:{other.port}/'",
        "[]",
        'f"ws://user:pass@127.0.0.1:{srv.port}/"',
    ),
    "same_origin_userinfo": (
        "'/again'",
        "[upgrade()]",
        'f"ws://user:pass@127.0.0.1:{srv.port}/"',
    ),
}
for _name, (_location, _same, _uri) in REDIRECTS.items():
    for _api, _template in (("asyncio", _REDIRECT_ASYNCIO), ("sync", _REDIRECT_SYNC)):
        SCENARIOS[f"{_api}-redirect-credentials-{_name}"] = _template.format(
            location=_location, same=_same, uri=_uri
        )

# --- requests that RFC 6455 forbids ---------------------------------------------

_FORBIDDEN_ASYNCIO = r"""
capture_logs()
from websockets.asyncio.server import serve
async def handler(ws):
    pass
def hook(ws, request):
    rec("process_request", [request.path])
async def main():
    async with serve(handler, "127.0.0.1", 0, process_request=hook) as server:
        port = server.sockets[0].getsockname()[1]
        await asyncio.to_thread(session, port, request={request})
        # The connection's end is logged once the server closed it.
        await await_log("INFO connection closed")
arun(main())
rec_logs()
"""

_FORBIDDEN_SYNC = r"""
capture_logs()
from websockets.sync.server import serve
def handler(ws):
    pass
def hook(ws, request):
    rec("process_request", [request.path])
with serve(handler, "127.0.0.1", 0, process_request=hook) as server:
    thread = start_thread(server.serve_forever)
    session(server.socket.getsockname()[1], request={request})
    # The connection's thread logs its end; shut down after it.
    wait_for_log("INFO connection closed")
    server.shutdown()
    thread.join(5)
rec_logs()
"""

FORBIDDEN = {
    "post": "REQUEST.replace(b'GET', b'POST')",
    "http10": "REQUEST.replace(b'HTTP/1.1', b'HTTP/1.0')",
}
for _name, _request in FORBIDDEN.items():
    SCENARIOS[f"asyncio-serve-forbidden-{_name}"] = _FORBIDDEN_ASYNCIO.format(
        request=_request
    )
    SCENARIOS[f"sync-serve-forbidden-{_name}"] = _FORBIDDEN_SYNC.format(
        request=_request
    )

# --- status line too long ---------------------------------------------------------

SCENARIOS["asyncio-connect-status_line_too_long"] = r"""
from websockets.asyncio.client import connect
srv = RawServer([b"HTTP/1.1 101 " + b"x" * 9000 + b"\r\n\r\n"])
async def main():
    try:
        async with connect(f"ws://127.0.0.1:{srv.port}/"):
            pass
    except Exception as exc:
        rec("exc", describe(exc))
arun(main())
"""
SCENARIOS["sync-connect-status_line_too_long"] = r"""
from websockets.sync.client import connect
srv = RawServer([b"HTTP/1.1 101 " + b"x" * 9000 + b"\r\n\r\n"])
try:
    with connect(f"ws://127.0.0.1:{srv.port}/"):
        pass
except Exception as exc:
    rec("exc", describe(exc))
"""

# --- threading API: sock, usage errors, shutdown, TLS, assembler ------------------

SCENARIOS["sync-serve-sock"] = r"""
from websockets.sync.server import serve
from websockets.sync.client import connect
listener = socket.create_server(("127.0.0.1", 0))
port = listener.getsockname()[1]
def handler(ws):
    ws.send("via sock")
with serve(handler, sock=listener) as server:
    thread = start_thread(server.serve_forever)
    with connect(f"ws://127.0.0.1:{port}/") as ws:
        rec("recv", ws.recv())
    server.shutdown()
    thread.join(5)
"""
SCENARIOS["sync-serve-usage-errors"] = r"""
from websockets.sync.server import serve, unix_serve
listener = socket.create_server(("127.0.0.1", 0))
call("sock_and_host", serve, print, host="127.0.0.1", sock=listener)
call("sock_and_port", serve, print, port=0, sock=listener)
call("neither", serve, print)
call("unix_path_and_sock", unix_serve, print, path="x.sock", sock=listener)
call("unix_neither", unix_serve, print)
"""
SCENARIOS["sync-connect-usage-errors"] = r"""
from websockets.sync.client import connect, unix_connect
s = socket.socket()
call("sock_unix", unix_connect, path="x.sock", sock=s)
call("unix_neither", unix_connect)
call("ssl_ws_uri", connect, "ws://127.0.0.1:9/", ssl=__import__("ssl").create_default_context())
"""
SCENARIOS["sync-server-shutdown-during-handshake"] = r"""
from websockets.sync.server import serve
def handler(ws):
    pass
with serve(handler, "127.0.0.1", 0, open_timeout=5) as server:
    thread = start_thread(server.serve_forever)
    port = server.socket.getsockname()[1]
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(b"GET / HTTP/1.1\r\n")
    time.sleep(0.3)
    closer = start_thread(server.shutdown)
    time.sleep(0.3)
    sock.sendall(REQUEST[len(b"GET / HTTP/1.1\r\n"):])
    rec("response", head(read_until(sock)))
    sock.close()
    closer.join(5)
    thread.join(5)
"""
SCENARIOS["sync-assembler-put-after-close"] = r"""
from websockets.sync.messages import Assembler
from websockets.frames import Frame, Opcode
assembler = Assembler()
assembler.close()
call("put", assembler.put, Frame(Opcode.TEXT, b"late"))
call("get", assembler.get, 0)
"""

_TLS = TLS_CONTEXTS

SCENARIOS["sync-serve-tls"] = (
    _TLS
    + r"""
from websockets.sync.server import serve
from websockets.sync.client import connect
def handler(ws):
    ws.send(ws.request.path)
with serve(handler, "127.0.0.1", 0, ssl=server_ctx) as server:
    rec("server socket", type(server.socket).__name__)
    thread = start_thread(server.serve_forever)
    port = server.socket.getsockname()[1]
    with connect(f"wss://127.0.0.1:{port}/tls", ssl=client_ctx, server_hostname="localhost") as ws:
        rec("recv", ws.recv())
        rec("client socket", type(ws.socket).__name__)
    with catch("wrong hostname"):
        connect(f"wss://127.0.0.1:{port}/", ssl=client_ctx, open_timeout=5)
    server.shutdown()
    thread.join(5)
"""
)
SCENARIOS["asyncio-serve-tls"] = (
    _TLS
    + r"""
from websockets.asyncio.server import serve
from websockets.asyncio.client import connect
async def handler(ws):
    await ws.send(ws.request.path)
async def main():
    async with serve(handler, "127.0.0.1", 0, ssl=server_ctx) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(f"wss://127.0.0.1:{port}/tls", ssl=client_ctx,
                           server_hostname="localhost") as ws:
            rec("recv", await ws.recv())
        try:
            async with connect(f"wss://127.0.0.1:{port}/", ssl=client_ctx):
                pass
        except Exception as exc:
            rec("wrong hostname", type(exc).__name__)
arun(main())
"""
)
SCENARIOS["asyncio-serve-tls-open_timeout"] = (
    _TLS
    + r"""
from websockets.asyncio.server import serve
async def handler(ws):
    pass
async def main():
    async with serve(handler, "127.0.0.1", 0, ssl=server_ctx, open_timeout=0.3) as server:
        port = server.sockets[0].getsockname()[1]
        def silent_client():
            # Open TCP, never start TLS: the server must give up.
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                start = time.monotonic()
                data = read_all(sock, timeout=3)
                return [data, time.monotonic() - start < 2]
        rec("closed by the server in time", await asyncio.to_thread(silent_client))
arun(main())
"""
)

# --- asyncio client: double entry, header injection ----------------------------

SCENARIOS["asyncio-connect-twice"] = r"""
from websockets.asyncio.client import connect
srv = RawServer([upgrade(), upgrade()])
async def main():
    connection = connect(f"ws://127.0.0.1:{srv.port}/")
    async with connection as ws:
        rec("first", ws.state.name)
        try:
            async with connection as ws2:
                rec("second", ws2.state.name)
        except Exception as exc:
            rec("exc", describe(exc))
arun(main())
"""
_INJECTION = r"""
capture_logs()
from websockets.{api}.client import connect
srv = RawServer([upgrade()])
async def main():
    try:
        async with connect(f"ws://127.0.0.1:{{srv.port}}/", {kwargs}):
            pass
    except Exception as exc:
        rec("exc", describe(exc))
def main_sync():
    try:
        with connect(f"ws://127.0.0.1:{{srv.port}}/", {kwargs}):
            pass
    except Exception as exc:
        rec("exc", describe(exc))
arun(main()) if "{api}" == "asyncio" else main_sync()
rec_logs()
"""
INJECTIONS = {
    "additional_headers": "additional_headers={'X-A': 'b\\r\\nX: 1'}",
    "user_agent": "user_agent_header='a\\nb'",
    "origin": "origin='https://a\\r\\nX: 1'",
}
for _api in ("asyncio", "sync"):
    for _name, _kwargs in INJECTIONS.items():
        SCENARIOS[f"{_api}-connect-header-injection-{_name}"] = _INJECTION.format(
            api=_api, kwargs=_kwargs
        )

# --- WEBSOCKETS_MAX_FRAGMENTS -------------------------------------------------------

_MAX_FRAGMENTS = r'''
PROGRAM = """
import asyncio, json
from websockets.asyncio.server import serve
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
async def handler(ws):
    try:
        await ws.recv()
    except Exception as exc:
        print(json.dumps([type(exc).__name__, str(exc), repr(exc.__cause__)]))
async def main():
    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(f"ws://127.0.0.1:{{port}}/") as ws:
            await ws.send(["a"] * {count})
            await ws.wait_closed()
            print(json.dumps([ws.close_code, ws.close_reason]))
asyncio.run(asyncio.wait_for(main(), 10))
"""
rec("run", pyrun(["-c", PROGRAM], env={{"WEBSOCKETS_MAX_FRAGMENTS": "{limit}"}}))
'''
SCENARIOS["asyncio-max-fragments-exceeded"] = _MAX_FRAGMENTS.format(limit=3, count=5)
# send() of a list adds an empty final frame: 4 + 1 frames.
SCENARIOS["asyncio-max-fragments-within"] = _MAX_FRAGMENTS.format(limit=5, count=4)

# --- routers -------------------------------------------------------------------------

_ROUTE = r"""
from werkzeug.routing import Map, Rule
from websockets.{api}.router import route
from websockets.{api}.client import connect
{aio}def hello(ws, name):
    {aw}ws.send(f"hello {{name}}")
{aio}def upper(ws):
    {aw}ws.send(ws.request.path.upper())
url_map = Map([Rule("/hello/<name>", endpoint=hello), Rule("/upper", endpoint=upper),
               Rule("/old", redirect_to="/upper")])
"""
SCENARIOS["asyncio-route"] = (
    _ROUTE.format(api="asyncio", aio="async ", aw="await ")
    + r"""
async def main():
    async with route(url_map, "127.0.0.1", 0, server_name="127.0.0.1") as server:
        port = server.sockets[0].getsockname()[1]
        for path in ["/hello/world", "/upper", "/old", "/missing"]:
            try:
                async with connect(f"ws://127.0.0.1:{port}{path}") as ws:
                    rec(path, await ws.recv())
            except Exception as exc:
                rec(path, describe(exc))
arun(main())
"""
)
SCENARIOS["sync-route"] = (
    _ROUTE.format(api="sync", aio="", aw="")
    + r"""
with route(url_map, "127.0.0.1", 0, server_name="127.0.0.1") as server:
    thread = start_thread(server.serve_forever)
    port = server.socket.getsockname()[1]
    for path in ["/hello/world", "/upper", "/old", "/missing"]:
        try:
            with connect(f"ws://127.0.0.1:{port}{path}") as ws:
                rec(path, ws.recv())
        except Exception as exc:
            rec(path, describe(exc))
    server.shutdown()
    thread.join(5)
"""
)
