from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import Server, serve


async def echo(ws: Any) -> None:
    async for message in ws:
        await ws.send(message)


def port_of(server: Server) -> int:
    return server.sockets[0].getsockname()[1]


def uri_of(server: Server, path: str = "/", scheme: str = "ws") -> str:
    return f"{scheme}://127.0.0.1:{port_of(server)}{path}"


@asynccontextmanager
async def pair(
    handler: Any = echo,
    server_kwargs: dict[str, Any] | None = None,
    **client_kwargs: Any,
) -> AsyncIterator[tuple[Server, ClientConnection]]:
    async with serve(handler, "127.0.0.1", 0, **(server_kwargs or {})) as server:
        async with connect(uri_of(server), **client_kwargs) as client:
            yield server, client


async def wait_for(predicate: Any, limit: float = 5.0) -> None:
    """Poll until predicate() is true; fail after ``limit`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.005)


async def run_loop_iterations(count: int = 10) -> None:
    """
    Let the event loop run ``count`` iterations.

    This shows that something did *not* happen without a timed sleep: each
    iteration polls the selector and runs every ready callback, so a task
    that can make progress, or a transport with data waiting to be read,
    gets its turn within one iteration. After several, its absence is an
    observed fact, not a guess about how long it might take.

    """
    for _ in range(count):
        await asyncio.sleep(0)


def runs_tls(connection, implementation):
    """
    Tell whether the connection runs TLS with the given implementation:
    ``"builtin"`` (websockets.asyncio.tls) or ``"asyncio"`` (asyncio's own).

    """
    import websockets.asyncio.tls

    builtin = isinstance(connection.transport, websockets.asyncio.tls.TLSTransport)
    return builtin == (implementation == "builtin")
