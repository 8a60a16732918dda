"""
Client scenarios, for the asyncio and the threading API: every documented
parameter of ``connect`` and ``unix_connect``, redirects and HTTP CONNECT
proxies, observed from a raw server (request heads, frames on the wire),
in exceptions and in the client's logs.

Fragments are raw strings: they're the scenario's source verbatim. ``AW ``
becomes ``await `` in the asyncio variant and disappears in the threading one.

"""

from __future__ import annotations

import textwrap


SCENARIOS: dict[str, str] = {}

_PRELUDE = r"""
fix_randomness()
capture_logs()
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
"""

_ASYNCIO = (
    _PRELUDE
    + r"""
import asyncio
from websockets.asyncio.client import connect, unix_connect, ClientConnection
srv = RawServer([{answers}]{server_options})
alias(srv.port, "SRVPORT")
{setup}
URI = {uri}
async def main():
    try:
        async with connect(URI{kwargs}) as ws:
{body}
    except Exception as exc:
        rec("exc", describe(exc))
arun(main())
srv.join()
rec("requests", [head(r) for r in srv.requests])
rec("after", [parse_frames(a) for a in srv.after])
if srv.preambles:
    rec("preambles", srv.preambles)
rec_logs()
"""
)

_SYNC = (
    _PRELUDE
    + r"""
from websockets.sync.client import connect, unix_connect, ClientConnection
srv = RawServer([{answers}]{server_options})
alias(srv.port, "SRVPORT")
{setup}
URI = {uri}
try:
    with connect(URI{kwargs}) as ws:
{body}
except Exception as exc:
    rec("exc", describe(exc))
srv.join()
rec("requests", [head(r) for r in srv.requests])
rec("after", [parse_frames(a) for a in srv.after])
if srv.preambles:
    rec("preambles", srv.preambles)
rec_logs()
"""
)

DEFAULT_URI = 'f"ws://127.0.0.1:{srv.port}/"'
HI = "upgrade(then=frame(1, b'hi', mask=False))"
RECV = "rec('recv', AW ws.recv())"


def case(
    kwargs="", body=RECV, answers=HI, setup="", uri=DEFAULT_URI, server_options=""
):
    return dict(
        kwargs=kwargs,
        body=body,
        answers=answers,
        setup=setup,
        uri=uri,
        server_options=server_options,
    )


CASES = {
    "default": case(),
    "uri_path_query": case(uri='f"ws://127.0.0.1:{srv.port}/a/b?c=d&e"'),
    "uri_userinfo": case(uri='f"ws://user:p%40ss@127.0.0.1:{srv.port}/"'),
    "uri_localhost": case(uri='f"ws://localhost:{srv.port}/"'),
    "uri_invalid_scheme": case(uri='f"http://127.0.0.1:{srv.port}/"', answers=""),
    "uri_invalid": case(uri='"ws://[bad"', answers=""),
    "origin": case(", origin='https://o.example'"),
    "subprotocols_accepted": case(
        ", subprotocols=['chat', 'superchat']",
        body="rec('subprotocol', ws.subprotocol)",
        answers="upgrade(b'Sec-WebSocket-Protocol: superchat\\r\\n')",
    ),
    "subprotocols_none_chosen": case(
        ", subprotocols=['chat']", body="rec('subprotocol', ws.subprotocol)"
    ),
    "subprotocols_unknown_chosen": case(
        ", subprotocols=['chat']",
        answers="upgrade(b'Sec-WebSocket-Protocol: other\\r\\n')",
    ),
    "compression_none": case(", compression=None"),
    "compression_invalid": case(", compression='gzip'", answers=""),
    "compression_accepted": case(
        body="AW ws.send('hello hello hello')\nrec('recv', AW ws.recv())",
        answers="upgrade(b'Sec-WebSocket-Extensions: permessage-deflate\\r\\n',"
        " frame(1, b'hi', mask=False))",
    ),
    "extensions_factory": case(
        ", extensions=[ClientPerMessageDeflateFactory(client_max_window_bits=10,"
        " server_max_window_bits=12, compress_settings={'memLevel': 4})]",
        answers="upgrade(b'Sec-WebSocket-Extensions: permessage-deflate;"
        " server_max_window_bits=12; client_max_window_bits=10\\r\\n')",
        body="rec('extensions', [type(e).__name__ for e in ws.protocol.extensions])",
    ),
    "extension_unrequested": case(
        ", compression=None",
        answers="upgrade(b'Sec-WebSocket-Extensions: permessage-deflate\\r\\n')",
    ),
    "additional_headers_dict": case(", additional_headers={'X-A': '1', 'X-B': 'two'}"),
    "additional_headers_list": case(
        ", additional_headers=[('X-A', '1'), ('X-A', '2')]"
    ),
    "additional_headers_headers": case(", additional_headers=Headers(X_Custom='v')"),
    "user_agent_none": case(", user_agent_header=None"),
    "user_agent_custom": case(", user_agent_header='Agent/1.0'"),
    "proxy_none_ignores_environment": case(
        ", proxy=None",
        setup="os.environ['https_proxy'] = os.environ['http_proxy'] = 'http://127.0.0.1:9'",
    ),
    "open_timeout": case(", open_timeout=0.3", answers="None"),
    "open_timeout_none": case(", open_timeout=None"),
    "ping_timeout": case(
        ", ping_interval=0.1, ping_timeout=0.2",
        body="rec('recv', AW ws.recv())\n"
        "try:\n    AW ws.recv()\nexcept ConnectionClosed as exc:\n    rec('closed', describe(exc))",
    ),
    "ping_interval_none": case(", ping_interval=None"),
    "close_timeout": case(
        ", close_timeout=0.2",
        body="AW ws.close()\nrec('close_code', ws.close_code)",
        server_options=", close=False",
    ),
    "max_size": case(
        ", max_size=10",
        answers="upgrade(then=frame(1, b'x' * 20, mask=False))",
        body="try:\n    AW ws.recv()\nexcept ConnectionClosed as exc:\n    rec('closed', describe(exc))",
    ),
    "max_size_none": case(
        ", max_size=None", answers="upgrade(then=frame(2, b'y' * 3000, mask=False))"
    ),
    "max_size_tuple": case(
        ", max_size=(100, 10)",
        answers="upgrade(then=frame(1, b'x' * 20, fin=False, mask=False))",
        body="try:\n    AW ws.recv()\nexcept ConnectionClosed as exc:\n    rec('closed', describe(exc))",
    ),
    "max_queue": case(", max_queue=1"),
    "max_queue_tuple": case(", max_queue=(4, 2)"),
    "max_queue_none": case(", max_queue=None"),
    "logger_custom": case(
        ", logger=logging.getLogger('custom')",
        setup="logging.getLogger('custom').setLevel(logging.DEBUG)\n"
        "logging.getLogger('custom').addHandler(_Capture())",
    ),
    "create_connection": case(
        ", create_connection=Custom",
        setup="class Custom(ClientConnection):\n    pass",
        body="rec('type', type(ws).__name__)",
    ),
    "status_403": case(answers="http_response('403 Forbidden', body=b'no\\n')"),
    "status_500_no_body": case(
        answers="b'HTTP/1.1 500 Internal Server Error\\r\\n\\r\\n'"
    ),
    "status_200": case(
        answers="http_response('200 OK', [('Content-Type', 'text/plain')], b'hello')"
    ),
    "wrong_accept": case(
        answers="b'HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\n"
        "Connection: Upgrade\\r\\nSec-WebSocket-Accept: bad\\r\\n\\r\\n'"
    ),
    "junk_response": case(answers="b'junk\\r\\n\\r\\n'"),
    "empty_response": case(answers="b''"),
    "server_closes_1001": case(
        answers="upgrade(then=frame(8, b'\\x03\\xe9bye', mask=False))",
        body="try:\n    AW ws.recv()\nexcept ConnectionClosed as exc:\n    rec('closed', describe(exc))"
        "\nrec('close', [ws.close_code, ws.close_reason])",
    ),
    "server_sends_masked": case(
        answers="upgrade(then=frame(1, b'x'))",
        body="try:\n    AW ws.recv()\nexcept ConnectionClosed as exc:\n    rec('closed', describe(exc))",
    ),
    "server_sends_ping": case(
        answers="upgrade(then=frame(9, b'are you there', mask=False) + frame(1, b'hi', mask=False))"
    ),
    "client_sends": case(
        body="AW ws.send('text')\nAW ws.send(b'bytes')\nAW ws.send(['a', 'b'])\n"
        "AW ws.ping(b'1234')\nAW ws.pong(b'5678')\nAW ws.close(4001, 'done')",
        answers="upgrade()",
    ),
    # Redirects.
    "redirect_302_same_origin": case(
        uri='f"ws://127.0.0.1:{srv.port}/old"',
        answers="http_response('302 Found', [('Location', '/new')]), " + HI,
    ),
    "redirect_301_absolute": case(
        answers="lambda r: http_response('301 Moved Permanently',"
        " [('Location', f'ws://127.0.0.1:{srv.port}/moved')]), " + HI,
    ),
    "redirect_307_other_port": case(
        setup="other = RawServer([" + HI + "])\nalias(other.port, 'OTHERPORT')",
        answers="lambda r: http_response('307 Temporary Redirect',"
        " [('Location', f'ws://127.0.0.1:{other.port}/there')])",
        body=RECV + "\nrec('other', [head(r) for r in other.requests])",
    ),
    "redirect_to_http": case(
        answers="http_response('302 Found', [('Location', 'http://127.0.0.1:9/')])"
    ),
    "redirect_to_wss": case(
        answers="http_response('302 Found', [('Location', 'wss://127.0.0.1:9/')])"
    ),
    "redirect_no_location": case(answers="http_response('302 Found')"),
    "redirect_loop": case(
        answers=", ".join(["http_response('302 Found', [('Location', '/loop')])"] * 12),
    ),
    # HTTP CONNECT proxies.
    "proxy_connect": case(
        ", proxy=f'http://127.0.0.1:{srv.port}'",
        uri='"ws://ws.example:8080/chat"',
        answers="(b'HTTP/1.1 200 Connection established\\r\\n\\r\\n', " + HI + ",)",
    ),
    "proxy_credentials": case(
        ", proxy=f'http://u:p@127.0.0.1:{srv.port}'",
        uri='"ws://ws.example/"',
        answers="(b'HTTP/1.1 200 OK\\r\\n\\r\\n', " + HI + ",)",
    ),
    "proxy_407": case(
        ", proxy=f'http://127.0.0.1:{srv.port}'",
        uri='"ws://ws.example/"',
        answers="(http_response('407 Proxy Authentication Required'),)",
    ),
    "proxy_junk": case(
        ", proxy=f'http://127.0.0.1:{srv.port}'",
        uri='"ws://ws.example/"',
        answers="(b'junk\\r\\n\\r\\n',)",
    ),
    "proxy_from_environment": case(
        uri='"ws://ws.example:8080/"',
        setup="os.environ['https_proxy'] = os.environ['http_proxy'] ="
        " os.environ['all_proxy'] = f'http://127.0.0.1:{srv.port}'",
        answers="(b'HTTP/1.1 200 OK\\r\\n\\r\\n', " + HI + ",)",
    ),
    "proxy_unsupported_scheme": case(
        ", proxy='ftp://127.0.0.1:21'", uri='"ws://ws.example/"', answers=""
    ),
}

ASYNCIO_ONLY = {
    "write_limit": case(", write_limit=1"),
    "write_limit_tuple": case(", write_limit=(64, 16)"),
}

SYNC_ONLY = {
    "sock": case(
        ", sock=socket.create_connection(('127.0.0.1', srv.port))",
        uri='"ws://ws.example/"',
    ),
    "sock_and_host": case(
        ", sock=socket.create_connection(('127.0.0.1', srv.port))",
        uri='f"ws://127.0.0.1:{srv.port}/"',
    ),
    "legacy_false": case(
        ", legacy=False", body="rec('type', type(ws).__name__)", answers=HI
    ),
    "server_hostname_without_ssl": case(", server_hostname='x'"),
    "proxy_ssl_without_https_proxy": case(
        ", proxy=f'http://127.0.0.1:{srv.port}', proxy_ssl=ssl.create_default_context()",
        uri='"ws://ws.example/"',
        answers="",
    ),
}


def _indent(body: str, level: int) -> str:
    return textwrap.indent(body, "    " * level)


def render(api: str, spec: dict[str, str]) -> str:
    aw = "await " if api == "asyncio" else ""
    template = _ASYNCIO if api == "asyncio" else _SYNC
    setup = spec["setup"]
    return template.format(
        setup="import logging, os, socket, ssl\n" + setup.replace("AW ", aw),
        answers=spec["answers"],
        server_options=spec["server_options"],
        uri=spec["uri"],
        kwargs=spec["kwargs"],
        body=_indent(spec["body"].replace("AW ", aw), 3 if api == "asyncio" else 2),
    )


for _api in ("asyncio", "sync"):
    for _name, _spec in CASES.items():
        SCENARIOS[f"{_api}-connect-{_name}"] = render(_api, _spec)
for _name, _spec in ASYNCIO_ONLY.items():
    SCENARIOS[f"asyncio-connect-{_name}"] = render("asyncio", _spec)
for _name, _spec in SYNC_ONLY.items():
    SCENARIOS[f"sync-connect-{_name}"] = render("sync", _spec)

# Reconnection: `async for` / `for` over connect(), with process_exception.
_RECONNECT = (
    _PRELUDE
    + r"""
import asyncio
from websockets.asyncio.client import connect
srv = RawServer([AndClose(http_response('503 Service Unavailable')), AndClose({second}),
                 upgrade(then=frame(1, b'third', mask=False))])
def pe(exc):
    rec("process_exception", describe(exc))
    return {returns}
def delays():
    while True:
        yield 0
async def main():
    try:
        async for ws in connect(f"ws://127.0.0.1:{{srv.port}}/", process_exception=pe, reconnect_delays=delays):
            rec("recv", await ws.recv())
            await ws.close()
            break
    except Exception as exc:
        rec("exc", describe(exc))
arun(main())
srv.join()
rec("requests", len(srv.requests))
rec_logs()
"""
)

RECONNECTS = {
    "retry_503": ("upgrade(then=frame(1, b'second', mask=False))", "None"),
    "process_exception_raises": ("upgrade()", "exc"),
    "process_exception_replaces": ("upgrade()", "RuntimeError('replaced')"),
    "retry_after_refused_handshake": ("b'junk\\r\\n\\r\\n'", "None"),
}
for _name, (_second, _returns) in RECONNECTS.items():
    SCENARIOS[f"asyncio-reconnect-{_name}"] = _RECONNECT.format(
        second=_second, returns=_returns
    )

# Keyword arguments that connect() passes to loop.create_connection() or
# socket.create_connection(), and the host/port overrides.
ASYNCIO_KWARGS = {
    "sock": case(
        ", sock=socket.create_connection(('127.0.0.1', srv.port))",
        uri='"ws://ws.example/"',
    ),
    "host_port_override": case(
        ", host='127.0.0.1', port=srv.port",
        uri='"ws://ws.example/path"',
    ),
    "family_local_addr": case(", family=socket.AF_INET, local_addr=('127.0.0.1', 0)"),
}
for _name, _spec in ASYNCIO_KWARGS.items():
    SCENARIOS[f"asyncio-connect-kwargs-{_name}"] = render("asyncio", _spec)

# Leaving `async for ... in connect()` with break, without closing.
SCENARIOS["asyncio-reconnect-break"] = (
    _PRELUDE
    + r"""
import asyncio
from websockets.asyncio.client import connect
srv = RawServer([upgrade(then=frame(1, b'first', mask=False))])
async def main():
    async for ws in connect(f"ws://127.0.0.1:{srv.port}/"):
        rec("recv", await ws.recv())
        break
    rec("state after break", ws.state.name)
    await asyncio.wait_for(ws.wait_closed(), 5)
    rec("close", [ws.close_code, ws.close_reason])
arun(main())
srv.join()
rec("after", [parse_frames(a) for a in srv.after])
if srv.preambles:
    rec("preambles", srv.preambles)
rec_logs()
"""
)
