"""
Server scenarios, for the asyncio and the threading API: every documented
parameter of ``serve`` and ``unix_serve``, and ``basic_auth``, observed from
a raw client (response head, frames on the wire) and in the server's logs.

Handler and hook bodies are written once: ``AW `` becomes ``await `` in the
asyncio variant and disappears in the threading one.

"""

from __future__ import annotations

import textwrap


SCENARIOS: dict[str, str] = {}

_PRELUDE = """
fix_randomness()
capture_logs()
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosedOK
from websockets.http11 import Request, Response
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory
"""

_ASYNCIO = (
    _PRELUDE
    + """
import asyncio
from websockets.asyncio.server import serve, unix_serve, basic_auth, ServerConnection
{setup}
async def handler(ws):
{handler}
async def main():
    async with {serve}(handler, {address}{kwargs}) as server:
        target = {target}
        baseline = len(asyncio.all_tasks())
        await asyncio.to_thread(session, target, {session})
        await settle(baseline)
{after}
arun(main())
rec_logs()
"""
)

_SYNC = (
    _PRELUDE
    + """
from websockets.sync.server import serve, unix_serve, basic_auth, ServerConnection
{setup}
def handler(ws):
{handler}
with {serve}(handler, {address}{kwargs}) as server:
    target = {target}
    thread = start_thread(server.serve_forever)
    baseline = threading.active_count()
    session(target, {session})
    settle_threads(baseline)
{after}
    server.shutdown()
    thread.join(5)
rec_logs()
"""
)

# Echo one message, then wait for the client to close: the client decides
# when the connection ends, so that the order of close frames is fixed.
ECHO = (
    "rec('handler.recv', AW ws.recv())\nAW ws.send('echo')\n"
    "try:\n    AW ws.recv()\nexcept ConnectionClosedOK:\n    pass"
)

# name: (serve kwargs, handler body, setup, request, messages)
# `request` and `messages` are expressions of the runner's helpers.
CASES = {
    "default": ("", ECHO, "", "REQUEST", "frame(1, b'hi')"),
    "binary_echo": (
        "",
        "msg = AW ws.recv()\nAW ws.send(msg)\n"
        "try:\n    AW ws.recv()\nexcept ConnectionClosedOK:\n    pass",
        "",
        "REQUEST",
        "frame(2, b'\\x00\\x01')",
    ),
    "handler_observes_request": (
        "",
        "rec('path', ws.request.path)\nrec('headers', headers(ws.request.headers))\n"
        "rec('subprotocol', ws.subprotocol)\nrec('host', ws.remote_address[0])\n"
        "rec('local', ws.local_address[0])\nrec('response', headers(ws.response.headers))\n"
        "rec('state', ws.state.name)",
        "",
        "REQUEST.replace(b'GET / ', b'GET /a/b?c=d ')",
        "",
    ),
    "handler_raises": ("", "raise RuntimeError('boom')", "", "REQUEST", ""),
    "handler_returns": ("", "pass", "", "REQUEST", ""),
    "handler_closes_4000": ("", "AW ws.close(4000, 'app reason')", "", "REQUEST", ""),
    "origins_ok": (
        ", origins=['https://a.example']",
        ECHO,
        "",
        "REQUEST.replace(b'\\r\\n\\r\\n', b'\\r\\nOrigin: https://a.example\\r\\n\\r\\n')",
        "frame(1, b'hi')",
    ),
    "origins_forbidden": (
        ", origins=['https://a.example']",
        ECHO,
        "",
        "REQUEST.replace(b'\\r\\n\\r\\n', b'\\r\\nOrigin: https://b.example\\r\\n\\r\\n')",
        "",
    ),
    "origins_missing": (", origins=['https://a.example']", ECHO, "", "REQUEST", ""),
    "origins_none": (", origins=[None]", ECHO, "", "REQUEST", "frame(1, b'hi')"),
    "subprotocols_match": (
        ", subprotocols=['chat', 'superchat']",
        "rec('subprotocol', ws.subprotocol)",
        "",
        "REQUEST.replace(b'\\r\\n\\r\\n', b'\\r\\nSec-WebSocket-Protocol: superchat, chat\\r\\n\\r\\n')",
        "",
    ),
    "subprotocols_no_match": (
        ", subprotocols=['chat']",
        "rec('subprotocol', ws.subprotocol)",
        "",
        "REQUEST.replace(b'\\r\\n\\r\\n', b'\\r\\nSec-WebSocket-Protocol: other\\r\\n\\r\\n')",
        "",
    ),
    "select_subprotocol": (
        ", select_subprotocol=pick",
        "rec('subprotocol', ws.subprotocol)",
        "def pick(ws, offered):\n    rec('offered', list(offered))\n    return offered[-1]",
        "REQUEST.replace(b'\\r\\n\\r\\n', b'\\r\\nSec-WebSocket-Protocol: a, b\\r\\n\\r\\n')",
        "",
    ),
    "select_subprotocol_raises": (
        ", select_subprotocol=pick",
        "pass",
        "def pick(ws, offered):\n    raise ValueError('no pick')",
        "REQUEST.replace(b'\\r\\n\\r\\n', b'\\r\\nSec-WebSocket-Protocol: a\\r\\n\\r\\n')",
        "",
    ),
    "compression_default_offered": (
        "",
        ECHO,
        "",
        "REQUEST.replace(b'\\r\\n\\r\\n', b'\\r\\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\\r\\n\\r\\n')",
        "frame(1, b'hi')",
    ),
    "compression_none": (
        ", compression=None",
        ECHO,
        "",
        "REQUEST.replace(b'\\r\\n\\r\\n', b'\\r\\nSec-WebSocket-Extensions: permessage-deflate\\r\\n\\r\\n')",
        "frame(1, b'hi')",
    ),
    "compression_invalid": (
        "",
        ECHO,
        "call('serve', serve, print, '127.0.0.1', 0, compression='bogus')",
        "REQUEST",
        "frame(1, b'hi')",
    ),
    "extensions_factory": (
        ", extensions=[ServerPerMessageDeflateFactory(server_max_window_bits=10,"
        " server_no_context_takeover=True)]",
        ECHO,
        "",
        "REQUEST.replace(b'\\r\\n\\r\\n', b'\\r\\nSec-WebSocket-Extensions: permessage-deflate\\r\\n\\r\\n')",
        "frame(1, b'hi')",
    ),
    "deflate_message": (
        "",
        ECHO,
        "",
        "REQUEST.replace(b'\\r\\n\\r\\n', b'\\r\\nSec-WebSocket-Extensions: permessage-deflate\\r\\n\\r\\n')",
        # "hi" compressed with permessage-deflate.
        "frame(1, bytes.fromhex('cac80400'), rsv=4)",
    ),
    "process_request_none": (
        ", process_request=hook",
        ECHO,
        "def hook(ws, request):\n    rec('hook.path', request.path)\n    return None",
        "REQUEST",
        "frame(1, b'hi')",
    ),
    "process_request_respond": (
        ", process_request=hook",
        ECHO,
        "def hook(ws, request):\n    return ws.respond(403, 'go away\\n')",
        "REQUEST",
        "",
    ),
    "process_request_response": (
        ", process_request=hook",
        ECHO,
        "def hook(ws, request):\n"
        "    return Response(200, 'OK', Headers([('X-A', '1'), ('Content-Length', '2')]), b'ok')",
        "REQUEST",
        "",
    ),
    "process_request_raises": (
        ", process_request=hook",
        ECHO,
        "def hook(ws, request):\n    raise ValueError('hook failed')",
        "REQUEST",
        "",
    ),
    "process_request_health_check": (
        ", process_request=hook",
        ECHO,
        "def hook(ws, request):\n"
        "    if request.path == '/healthz':\n        return ws.respond(200, 'OK\\n')",
        "b'GET /healthz HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'",
        "",
    ),
    "process_response_modify": (
        ", process_response=hook",
        ECHO,
        "def hook(ws, request, response):\n    response.headers['X-Extra'] = 'yes'",
        "REQUEST",
        "frame(1, b'hi')",
    ),
    "process_response_replace": (
        ", process_response=hook",
        ECHO,
        "def hook(ws, request, response):\n    return ws.respond(500, 'replaced\\n')",
        "REQUEST",
        "",
    ),
    "process_response_raises": (
        ", process_response=hook",
        ECHO,
        "def hook(ws, request, response):\n    raise KeyError('nope')",
        "REQUEST",
        "",
    ),
    "server_header_none": (
        ", server_header=None",
        ECHO,
        "",
        "REQUEST",
        "frame(1, b'hi')",
    ),
    "server_header_custom": (
        ", server_header='Custom/1.0'",
        ECHO,
        "",
        "REQUEST",
        "frame(1, b'hi')",
    ),
    "open_timeout": (", open_timeout=0.3", ECHO, "", "b'GET / HTTP/1.1\\r\\n'", ""),
    "open_timeout_none": (
        ", open_timeout=None",
        ECHO,
        "",
        "REQUEST",
        "frame(1, b'hi')",
    ),
    "ping_timeout": (
        ", ping_interval=0.1, ping_timeout=0.2",
        "AW ws.wait_closed()",
        "",
        "REQUEST",
        "",
    ),
    "close_timeout": (", close_timeout=0.2", "AW ws.close(1001)", "", "REQUEST", ""),
    "close_timeout_client_silent": (
        ", close_timeout=0.2",
        "AW ws.close(1001)",
        "",
        "REQUEST",
        "NEVER",
    ),
    "max_size": (", max_size=10", ECHO, "", "REQUEST", "frame(1, b'x' * 20)"),
    "max_size_none": (", max_size=None", ECHO, "", "REQUEST", "frame(2, b'x' * 2000)"),
    "max_size_tuple": (
        ", max_size=(100, 10)",
        ECHO,
        "",
        "REQUEST",
        "frame(1, b'x' * 20, fin=False)",
    ),
    "max_queue": (", max_queue=1", ECHO, "", "REQUEST", "frame(1, b'q')"),
    "max_queue_tuple": (", max_queue=(4, 2)", ECHO, "", "REQUEST", "frame(1, b'q')"),
    "max_queue_none": (", max_queue=None", ECHO, "", "REQUEST", "frame(1, b'q')"),
    "logger_custom": (
        ", logger=logging.getLogger('custom')",
        ECHO,
        "import logging\nlogging.getLogger('custom').setLevel(logging.DEBUG)\n"
        "logging.getLogger('custom').addHandler(_Capture())",
        "REQUEST",
        "frame(1, b'hi')",
    ),
    "create_connection": (
        ", create_connection=Custom",
        "rec('type', type(ws).__name__)",
        "class Custom(ServerConnection):\n    pass",
        "REQUEST",
        "",
    ),
    "bad_request_junk": ("", ECHO, "", "b'junk\\r\\n\\r\\n'", ""),
    "bad_request_no_key": (
        "",
        ECHO,
        "",
        "REQUEST.replace(b'Sec-WebSocket-Key', b'X-Key')",
        "",
    ),
    "bad_request_version": (
        "",
        ECHO,
        "",
        "REQUEST.replace(b'Version: 13', b'Version: 8')",
        "",
    ),
    "plain_http_get": ("", ECHO, "", "b'GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'", ""),
    "eof_before_request": ("", ECHO, "", "b''", ""),
    "client_sends_unmasked": ("", ECHO, "", "REQUEST", "frame(1, b'hi', mask=False)"),
    "client_sends_ping": (
        "",
        "AW ws.wait_closed()",
        "",
        "REQUEST",
        "frame(9, b'ping?')",
    ),
    "client_sends_invalid_utf8": ("", ECHO, "", "REQUEST", "frame(1, b'\\xff')"),
    "basic_auth_ok": (
        ", process_request=basic_auth(realm='r', credentials=('u', 'p'))",
        "rec('username', ws.username)",
        "",
        "REQUEST.replace(b'\\r\\n\\r\\n', b'\\r\\nAuthorization: Basic dTpw\\r\\n\\r\\n')",
        "",
    ),
    "basic_auth_missing": (
        ", process_request=basic_auth(realm='r', credentials=('u', 'p'))",
        "pass",
        "",
        "REQUEST",
        "",
    ),
    "basic_auth_wrong": (
        ", process_request=basic_auth(credentials=[('u', 'p'), ('v', 'q')])",
        "pass",
        "",
        "REQUEST.replace(b'\\r\\n\\r\\n', b'\\r\\nAuthorization: Basic dTpx\\r\\n\\r\\n')",
        "",
    ),
    "basic_auth_malformed": (
        ", process_request=basic_auth(credentials=('u', 'p'))",
        "pass",
        "",
        "REQUEST.replace(b'\\r\\n\\r\\n', b'\\r\\nAuthorization: Bearer xyz\\r\\n\\r\\n')",
        "",
    ),
    "basic_auth_check_credentials": (
        ", process_request=basic_auth(check_credentials=check)",
        "rec('username', ws.username)",
        "def check(username, password):\n    rec('checked', [username, password])\n"
        "    return password == 'p'",
        "REQUEST.replace(b'\\r\\n\\r\\n', b'\\r\\nAuthorization: Basic dTpw\\r\\n\\r\\n')",
        "",
    ),
    "basic_auth_both_arguments": (
        "",
        "pass",
        "call('basic_auth', basic_auth, credentials=('u', 'p'), check_credentials=print)",
        "REQUEST",
        "",
    ),
    "basic_auth_no_arguments": (
        "",
        "pass",
        "call('basic_auth', basic_auth)",
        "REQUEST",
        "",
    ),
    "basic_auth_bad_credentials": (
        "",
        "pass",
        "call('basic_auth', basic_auth, credentials='u:p')",
        "REQUEST",
        "",
    ),
}

# Cases that only make sense for one API.
ASYNCIO_ONLY = {
    "process_request_async": (
        ", process_request=hook",
        ECHO,
        "async def hook(ws, request):\n    return ws.respond(401, 'who?\\n')",
        "REQUEST",
        "",
    ),
    "process_response_async": (
        ", process_response=hook",
        ECHO,
        "async def hook(ws, request, response):\n    response.headers['X-Async'] = '1'",
        "REQUEST",
        "frame(1, b'hi')",
    ),
    "basic_auth_async_check": (
        ", process_request=basic_auth(check_credentials=check)",
        "rec('username', ws.username)",
        "async def check(username, password):\n    return username == 'u'",
        "REQUEST.replace(b'\\r\\n\\r\\n', b'\\r\\nAuthorization: Basic dTpw\\r\\n\\r\\n')",
        "",
    ),
    "write_limit": (", write_limit=1", ECHO, "", "REQUEST", "frame(1, b'hi')"),
    "write_limit_tuple": (
        ", write_limit=(64, 16)",
        ECHO,
        "",
        "REQUEST",
        "frame(1, b'hi')",
    ),
}


def _indent(body: str) -> str:
    return textwrap.indent(body, "    ")


def render(api, name, case, *, unix=False):
    kwargs, handler, setup, request, messages = case
    template = _ASYNCIO if api == "asyncio" else _SYNC
    aw = "await " if api == "asyncio" else ""
    if unix:
        address = "path=SOCK"
        setup = "SOCK = tmp_socket_path()\n" + setup
        target = "SOCK"
        family = ", family='unix'"
    else:
        address = "'127.0.0.1', 0"
        target = (
            "server.sockets[0].getsockname()[1]"
            if api == "asyncio"
            else "server.socket.getsockname()[1]"
        )
        family = ""
    # The raw client closes after its messages; without messages, it waits
    # for the server to close, so that the handler decides when.
    shutdown = ", shutdown=True" if request == "b''" else ""
    close = "CLOSE_1000" if messages else "None"
    if messages == "NEVER":
        messages, close = "", "'never'"
    session = (
        f"request={request}, messages=[{messages}], close={close}{family}{shutdown}"
    )
    return template.format(
        setup=setup.replace("AW ", aw),
        handler=_indent(handler.replace("AW ", aw)),
        serve="unix_serve" if unix else "serve",
        address=address,
        kwargs=kwargs,
        target=target,
        session=session,
        after="",
    )


for _api in ("asyncio", "sync"):
    for _name, _case in CASES.items():
        SCENARIOS[f"{_api}-serve-{_name}"] = render(_api, _name, _case)
    for _name in ("default", "handler_observes_request", "max_size"):
        SCENARIOS[f"{_api}-unix_serve-{_name}"] = render(
            _api, _name, CASES[_name], unix=True
        )
for _name, _case in ASYNCIO_ONLY.items():
    SCENARIOS[f"asyncio-serve-{_name}"] = render("asyncio", _name, _case)
