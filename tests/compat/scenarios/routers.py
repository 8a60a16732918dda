"""
Router scenarios, for the asyncio and the threading API: ``route`` and
``unix_route`` with ``server_name``, ``ssl`` (a context, or :obj:`True`
behind a TLS-terminating proxy) and ``create_router``, observed from a raw
client (response heads, redirects' ``Location``, frames), from a client and
in the server's logs.

Fragments are written once: ``AW `` becomes ``await `` and ``ASYNC `` becomes
``async `` in the asyncio variant; both disappear in the threading one.

"""

from __future__ import annotations

import textwrap

from .tls import TLS_CONTEXTS


SCENARIOS: dict[str, str] = {}

_COMMON = """
fix_randomness()
capture_logs()
def closed_count():
    return sum(entry.endswith("INFO connection closed") for entry in LOGS)
import ssl
from werkzeug.routing import Map, Rule
from websockets.exceptions import ConnectionClosed
TLS = {tls}
FOLLOWS = {follows}
if TLS:
""" + textwrap.indent(TLS_CONTEXTS.strip("\n"), "    ") + """
    wrap = lambda sock: client_ctx.wrap_socket(sock, server_hostname="localhost")
else:
    wrap = None
ASYNC def hello(ws, name):
    AW ws.send(f"hello {{name}}")
ASYNC def number(ws, n):
    AW ws.send(repr(n + 1))
ASYNC def upper(ws):
    AW ws.send(ws.request.path.upper())
ASYNC def boom(ws):
    raise RuntimeError("boom")
url_map = Map([
    Rule("/hello/<name>", endpoint=hello),
    Rule("/n/<int:n>", endpoint=number),
    Rule("/upper", endpoint=upper),
    Rule("/boom", endpoint=boom),
    Rule("/old", redirect_to="/upper"),
    Rule("/users/<name>", redirect_to="/hello/<name>"),
])
def request(path, host=b"127.0.0.1"):
    return REQUEST.replace(b"GET / ", b"GET " + path + b" ").replace(
        b"Host: 127.0.0.1", b"Host: " + host
    )
"""

_ASYNCIO = (
    _COMMON
    + """
import asyncio
from websockets.asyncio.router import route, unix_route, Router
from websockets.asyncio.client import connect, unix_connect
{setup}
async def main():
    async with {serve}(url_map, {address}{kwargs}) as server:
        target = {target}
        async def closed(before):
            # One connection at a time: its logs come before the next one's.
            deadline = time.monotonic() + 5
            while closed_count() <= before and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
        async def raw(path, host=b"127.0.0.1"):
            before = closed_count()
            await asyncio.to_thread(
                session, target, request=request(path, host), wrap=wrap{family}
            )
            await closed(before)
        async def client(uri, **kwargs):
            before = closed_count()
            try:
                async with {connect} as ws:
                    rec("recv", await ws.recv())
                    # The handler closes the connection: wait for it.
                    await ws.wait_closed()
            except Exception as exc:
                rec("client exc", describe(exc))
            await closed(before + 1)
        baseline = len(asyncio.all_tasks())
{body}
        await settle(baseline)
arun(main())
# Client and server run side by side: each logger's records are in order,
# except that a client following a redirect opens the next connection while
# the server closes the previous one: then, only the server's records count.
if FOLLOWS:
    LOGS.sort()
rec_logs("server logs", "websockets.server")
rec_logs("client logs", "websockets.client")
"""
)

_SYNC = (
    _COMMON
    + """
from websockets.sync.router import route, unix_route, Router
from websockets.sync.client import connect, unix_connect
{setup}
with {serve}(url_map, {address}{kwargs}) as server:
    target = {target}
    def closed(before):
        # One connection at a time: its logs come before the next one's.
        deadline = time.monotonic() + 5
        while closed_count() <= before and time.monotonic() < deadline:
            time.sleep(0.01)
    def raw(path, host=b"127.0.0.1"):
        before = closed_count()
        session(target, request=request(path, host), wrap=wrap{family})
        closed(before)
    def client(uri, **kwargs):
        before = closed_count()
        try:
            with {connect} as ws:
                rec("recv", ws.recv())
                # The handler closes the connection: wait for it.
                try:
                    ws.recv()
                except ConnectionClosed:
                    pass
        except Exception as exc:
            rec("client exc", describe(exc))
        closed(before + 1)
    thread = start_thread(server.serve_forever)
    baseline = threading.active_count()
{body}
    settle_threads(baseline)
    server.shutdown()
    thread.join(5)
# See the asyncio variant.
if FOLLOWS:
    LOGS.sort()
rec_logs("server logs", "websockets.server")
rec_logs("client logs", "websockets.client")
"""
)

# name: (route kwargs, body, setup, tls)
CASES = {
    "dispatch": (
        "",
        'AW raw(b"/hello/world")\nAW raw(b"/n/41")\nAW raw(b"/upper?q=1")',
        "",
        False,
    ),
    "not_found": ("", 'AW raw(b"/missing")\nAW raw(b"/n/abc")', "", False),
    "handler_raises": ("", 'AW raw(b"/boom")', "", False),
    "redirect_host_header": (
        "",
        'AW raw(b"/old")\nAW raw(b"/users/bob", host=b"example.com:8080")',
        "",
        False,
    ),
    "redirect_server_name": (
        ", server_name='ws.example:8443'",
        'AW raw(b"/old")\nAW raw(b"/users/bob", host=b"example.com")',
        "",
        False,
    ),
    "redirect_ssl_true": (
        ", ssl=True",
        'AW raw(b"/old")\nAW raw(b"/users/bob", host=b"example.com")',
        "",
        False,
    ),
    "redirect_ssl_true_server_name": (
        ", ssl=True, server_name='ws.example'",
        'AW raw(b"/old")',
        "",
        False,
    ),
    "client_follows_redirect": (
        "",
        'AW client(f"ws://127.0.0.1:{PORT}/users/ann")',
        "",
        False,
    ),
    "tls": (
        ", ssl=server_ctx",
        'AW raw(b"/old", host=b"localhost")\nAW raw(b"/hello/tls", host=b"localhost")',
        "",
        True,
    ),
    "tls_client_follows_redirect": (
        ", ssl=server_ctx",
        'AW client(f"wss://localhost:{PORT}/users/tls", ssl=client_ctx)',
        "",
        True,
    ),
    "create_router": (
        ", create_router=Custom",
        'AW raw(b"/hello/world")\nAW raw(b"/missing")\nAW raw(b"/old")',
        "class Custom(Router):\n"
        "    def __init__(self, url_map, server_name=None, url_scheme='ws'):\n"
        "        rec('router', [server_name, url_scheme, type(url_map).__name__])\n"
        "        super().__init__(url_map, server_name, url_scheme)\n"
        "    def route_request(self, connection, request):\n"
        "        rec('route_request', request.path)\n"
        "        return super().route_request(connection, request)\n"
        "    def not_found(self, connection):\n"
        "        return connection.respond(404, 'custom not found\\n')\n"
        "    def redirect(self, connection, url):\n"
        "        rec('redirect', url)\n"
        "        return super().redirect(connection, url)\n",
        False,
    ),
    "create_router_server_name": (
        ", create_router=Custom, server_name='named.example'",
        'AW raw(b"/old")',
        "class Custom(Router):\n"
        "    def get_server_name(self, connection, request):\n"
        "        name = super().get_server_name(connection, request)\n"
        "        rec('server name', name)\n"
        "        return name\n",
        False,
    ),
    "process_request": (
        ", process_request=hook",
        'AW raw(b"/hello/hook")\nAW raw(b"/missing")\nAW raw(b"/blocked")',
        "def hook(ws, request):\n"
        "    rec('hook', request.path)\n"
        "    if request.path == '/blocked':\n"
        "        return ws.respond(403, 'blocked\\n')\n",
        False,
    ),
    "process_response": (
        ", process_response=hook",
        'AW raw(b"/hello/hook")\nAW raw(b"/missing")',
        "def hook(ws, request, response):\n"
        "    rec('hook', [request.path, response.status_code])\n",
        False,
    ),
}

UNIX_CASES = ["dispatch", "not_found", "redirect_host_header"]


def render(api: str, spec: tuple[str, str, str, bool], *, unix: bool = False) -> str:
    kwargs, body, setup, tls = spec
    template = _ASYNCIO if api == "asyncio" else _SYNC
    aw, asynchronous = ("await ", "async ") if api == "asyncio" else ("", "")
    if unix:
        address = "path=SOCK"
        setup = "SOCK = tmp_socket_path()\n" + setup
        target = "SOCK"
        family = ", family='unix'"
        connect = "unix_connect(SOCK, uri, **kwargs)"
    else:
        address = "'127.0.0.1', 0"
        target = (
            "server.sockets[0].getsockname()[1]"
            if api == "asyncio"
            else "server.socket.getsockname()[1]"
        )
        family = ""
        connect = "connect(uri, **kwargs)"
    # PORT is the listening port, for clients.
    if "{PORT}" in body:
        body = "PORT = target\nalias(PORT, 'PORT')\n" + body
    source = template.format(
        tls=tls,
        follows="client(" in body,
        setup=setup,
        serve="unix_route" if unix else "route",
        address=address,
        kwargs=kwargs,
        target=target,
        family=family,
        connect=connect,
        body=textwrap.indent(body, "        " if api == "asyncio" else "    "),
    )
    return source.replace("ASYNC ", asynchronous).replace("AW ", aw)


for _api in ("asyncio", "sync"):
    for _name, _spec in CASES.items():
        SCENARIOS[f"{_api}-route-{_name}"] = render(_api, _spec)
    for _name in UNIX_CASES:
        SCENARIOS[f"{_api}-unix_route-{_name}"] = render(_api, CASES[_name], unix=True)
