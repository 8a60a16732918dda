"""
Legacy API scenarios: ``websockets.legacy`` servers and clients, their
deprecation warnings, hooks and exceptions.

"""

from __future__ import annotations

import textwrap


SCENARIOS: dict[str, str] = {}

_TEMPLATE = r"""
fix_randomness()
import asyncio, warnings
warnings.simplefilter("always")
with warnings.catch_warnings(record=True) as caught:
    from websockets.legacy.server import serve, WebSocketServerProtocol
    from websockets.legacy.client import connect
    from websockets.legacy.auth import basic_auth_protocol_factory
    from websockets.legacy.exceptions import InvalidStatusCode, AbortHandshake
from websockets.exceptions import ConnectionClosed
rec("import warnings", sorted({{str(w.message) for w in caught}}))
{setup}
async def handler(ws, path=None):
{server}
async def main():
    with warnings.catch_warnings(record=True) as caught:
        async with serve(handler, "127.0.0.1", 0{server_kwargs}) as server:
            port = server.sockets[0].getsockname()[1]
{client}
    rec("warnings", sorted({{str(w.message) for w in caught}}))
arun(main())
"""

RAW = "            rec('session', ws_session(port, request=REQUEST, messages={messages}, close=CLOSE_1000 if {messages} else None))"

CONNECT = """            try:
                async with connect(f"ws://127.0.0.1:{{port}}/path"{client_kwargs}) as ws:
{body}
            except Exception as exc:
                rec("exc", describe(exc))"""

ECHO = "msg = await ws.recv()\nawait ws.send(msg)\ntry:\n    await ws.recv()\nexcept ConnectionClosed:\n    pass"

CASES = {
    "echo": ("", ECHO, "", "", "await ws.send('hi')\nrec('recv', await ws.recv())"),
    "handler_path": (
        "",
        "rec('path', path)\nrec('ws.path', ws.path)",
        "",
        "",
        "await ws.wait_closed()",
    ),
    "process_request_tuple": (
        ", process_request=hook",
        ECHO,
        "async def hook(path, headers):\n    return 403, [('X-Why', 'no')], b'forbidden\\n'",
        "",
        "pass",
    ),
    "extra_headers": (
        ", extra_headers={'X-Extra': 'yes'}",
        "rec('server.response', dict(ws.response_headers).get('X-Extra'))",
        "",
        "",
        "rec('x-extra', ws.response_headers.get('X-Extra'))",
    ),
    "subprotocols": (
        ", subprotocols=['chat']",
        "pass",
        "",
        ", subprotocols=['chat']",
        "rec('subprotocol', ws.subprotocol)",
    ),
    "basic_auth_rejected": (
        ", create_protocol=basic_auth_protocol_factory(realm='r', credentials=('u', 'p'))",
        ECHO,
        "",
        "",
        "pass",
    ),
    "basic_auth_accepted": (
        ", create_protocol=basic_auth_protocol_factory(realm='r', credentials=('u', 'p'))",
        "rec('username', ws.username)",
        "",
        "",
        "await ws.wait_closed()",
    ),
    "client_exceptions": (
        ", process_request=hook",
        ECHO,
        "async def hook(path, headers):\n    return 500, [], b'oops'",
        "",
        "pass",
    ),
    "close_codes": (
        "",
        "await ws.close(4000, 'legacy')",
        "",
        "",
        "try:\n    await ws.recv()\nexcept ConnectionClosed as exc:\n    rec('closed', describe(exc))\n"
        "rec('close', [ws.close_code, ws.close_reason])",
    ),
}


def render(case: tuple[str, str, str, str, str]) -> str:
    server_kwargs, server, setup, client_kwargs, body = case
    client = CONNECT.format(
        client_kwargs=client_kwargs, body=textwrap.indent(body, " " * 20)
    )
    if "basic_auth_accepted" in server_kwargs + body:  # pragma: no cover
        pass
    return _TEMPLATE.format(
        setup=setup,
        server=textwrap.indent(server, "    "),
        server_kwargs=server_kwargs,
        client=client,
    )


for _name, _case in CASES.items():
    SCENARIOS[f"legacy-{_name}"] = render(_case)
SCENARIOS["legacy-basic_auth_accepted"] = SCENARIOS[
    "legacy-basic_auth_accepted"
].replace('/path"', '/path".replace("ws://", "ws://u:p@")')

# Deprecated names and their warnings.
SCENARIOS["legacy-deprecated-imports"] = r"""
import warnings
warnings.simplefilter("always")
import websockets
for name in ["WebSocketServerProtocol", "WebSocketClientProtocol", "InvalidStatusCode",
             "AbortHandshake", "RedirectHandshake", "WebSocketCommonProtocol"]:
    with warnings.catch_warnings(record=True) as caught:
        obj = getattr(websockets, name, None)
    rec(name, [obj is not None, sorted({str(w.message) for w in caught})])
"""
SCENARIOS["legacy-invalid-status-code"] = r"""
import warnings
warnings.simplefilter("ignore")
from websockets.legacy.exceptions import InvalidStatusCode, AbortHandshake
from websockets.datastructures import Headers
exc = InvalidStatusCode(403, Headers())
rec("str", str(exc))
rec("attrs", [exc.status_code])
abort = AbortHandshake(404, Headers([("X", "y")]), b"nope")
rec("abort", [str(abort), abort.status, list(abort.headers.raw_items()), abort.body])
"""
