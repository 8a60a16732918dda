"""
Proxy scenarios, for the asyncio and the threading client: HTTPS proxies
(``proxy_ssl``, ``proxy_server_hostname``), ``wss://`` through a tunnel, and
SOCKS 4, 4a and 5 proxies (python-socks), observed from a raw server that
plays the proxy and the WebSocket server at once: what the proxy is asked
for, the request heads, the frames, exceptions and logs.

"""

from __future__ import annotations

from .clients import HI, case, render
from .tls import TLS_CONTEXTS


SCENARIOS: dict[str, str] = {}

# Certificates for "localhost", trusted by client_ctx only; the proxy and
# the server listen on 127.0.0.1, so verification needs a server_hostname.
_TLS = TLS_CONTEXTS

_TLS_PROXY = ", wrap=lambda conn: server_ctx.wrap_socket(conn, server_side=True)"
_CONNECT_OK = "b'HTTP/1.1 200 Connection established\\r\\n\\r\\n'"
_TARGET = '"ws://ws.example:8080/chat"'

HTTPS = {
    "https_proxy": case(
        ", proxy=f'https://127.0.0.1:{srv.port}', proxy_ssl=client_ctx,"
        " proxy_server_hostname='localhost'",
        uri=_TARGET,
        answers=f"({_CONNECT_OK}, {HI},)",
        setup=_TLS,
        server_options=_TLS_PROXY,
    ),
    "https_proxy_credentials": case(
        ", proxy=f'https://u:p@127.0.0.1:{srv.port}', proxy_ssl=client_ctx,"
        " proxy_server_hostname='localhost', user_agent_header='Agent/2'",
        uri=_TARGET,
        answers=f"({_CONNECT_OK}, {HI},)",
        setup=_TLS,
        server_options=_TLS_PROXY,
    ),
    "https_proxy_407": case(
        ", proxy=f'https://127.0.0.1:{srv.port}', proxy_ssl=client_ctx,"
        " proxy_server_hostname='localhost'",
        uri=_TARGET,
        answers="(http_response('407 Proxy Authentication Required'),)",
        setup=_TLS,
        server_options=_TLS_PROXY,
    ),
    "https_proxy_hostname_mismatch": case(
        ", proxy=f'https://127.0.0.1:{srv.port}', proxy_ssl=client_ctx",
        uri=_TARGET,
        answers=f"({_CONNECT_OK}, {HI},)",
        setup=_TLS,
        server_options=_TLS_PROXY,
    ),
    "https_proxy_untrusted": case(
        ", proxy=f'https://localhost:{srv.port}'",
        uri=_TARGET,
        answers=f"({_CONNECT_OK}, {HI},)",
        setup=_TLS,
        server_options=_TLS_PROXY,
    ),
    "https_proxy_from_environment": case(
        ", proxy_ssl=client_ctx, proxy_server_hostname='localhost'",
        uri=_TARGET,
        answers=f"({_CONNECT_OK}, {HI},)",
        setup=_TLS
        + "os.environ['https_proxy'] = os.environ['http_proxy'] ="
        " os.environ['all_proxy'] = f'https://127.0.0.1:{srv.port}'",
        server_options=_TLS_PROXY,
    ),
    # TLS with the server inside a plain tunnel: ssl and server_hostname
    # apply to the server, not to the proxy.
    "wss_through_http_proxy": case(
        ", proxy=f'http://127.0.0.1:{srv.port}', ssl=client_ctx,"
        " server_hostname='localhost'",
        uri='"wss://ws.example/chat"',
        answers=f"({_CONNECT_OK}, StartTLS(lambda: server_ctx), {HI},)",
        setup=_TLS,
    ),
    "wss_through_http_proxy_hostname_mismatch": case(
        ", proxy=f'http://127.0.0.1:{srv.port}', ssl=client_ctx",
        uri='"wss://ws.example/chat"',
        answers=f"({_CONNECT_OK}, StartTLS(lambda: server_ctx), {HI},)",
        setup=_TLS,
    ),
}

_SOCKS = ", preamble=socks_proxy({options})"

SOCKS = {
    "socks5h": case(
        ", proxy=f'socks5h://127.0.0.1:{srv.port}'",
        uri=_TARGET,
        server_options=_SOCKS.format(options=""),
    ),
    "socks5_ip_address": case(
        ", proxy=f'socks5://127.0.0.1:{srv.port}'",
        uri='"ws://127.0.0.2:8080/chat"',
        server_options=_SOCKS.format(options=""),
    ),
    "socks5_credentials": case(
        ", proxy=f'socks5h://u:p%40ss@127.0.0.1:{srv.port}'",
        uri=_TARGET,
        server_options=_SOCKS.format(options="auth=('u', 'p@ss')"),
    ),
    "socks5_wrong_credentials": case(
        ", proxy=f'socks5h://u:bad@127.0.0.1:{srv.port}'",
        uri=_TARGET,
        server_options=_SOCKS.format(options="auth=('u', 'p')"),
    ),
    "socks5_refused": case(
        ", proxy=f'socks5h://127.0.0.1:{srv.port}'",
        uri=_TARGET,
        server_options=_SOCKS.format(options="reply=5"),
    ),
    "socks4a": case(
        ", proxy=f'socks4a://127.0.0.1:{srv.port}'",
        uri=_TARGET,
        server_options=_SOCKS.format(options=""),
    ),
    "socks4_ip_address": case(
        ", proxy=f'socks4://127.0.0.1:{srv.port}'",
        uri='"ws://127.0.0.2/"',
        server_options=_SOCKS.format(options=""),
    ),
    "socks4_refused": case(
        ", proxy=f'socks4a://127.0.0.1:{srv.port}'",
        uri=_TARGET,
        server_options=_SOCKS.format(options="reply=1"),
    ),
    "socks_from_environment": case(
        uri=_TARGET,
        setup="os.environ['https_proxy'] = os.environ['http_proxy'] ="
        " os.environ['all_proxy'] = f'socks5h://127.0.0.1:{srv.port}'",
        server_options=_SOCKS.format(options=""),
    ),
    "socks_proxy_closes": case(
        ", proxy=f'socks5h://127.0.0.1:{srv.port}'",
        uri=_TARGET,
        server_options=", preamble=lambda conn: ([read_all(conn, timeout=0.5)], False)",
    ),
    "wss_through_socks": case(
        ", proxy=f'socks5h://127.0.0.1:{srv.port}', ssl=client_ctx,"
        " server_hostname='localhost'",
        uri='"wss://ws.example/chat"',
        answers=f"(StartTLS(lambda: server_ctx), {HI},)",
        setup=_TLS,
        server_options=_SOCKS.format(options=""),
    ),
}

for _api in ("asyncio", "sync"):
    for _name, _spec in {**HTTPS, **SOCKS}.items():
        SCENARIOS[f"{_api}-proxy-{_name}"] = render(_api, _spec)
