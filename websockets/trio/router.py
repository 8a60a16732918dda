"""
Routing of WebSocket connections by URL with :mod:`werkzeug.routing`, for
the :mod:`trio` implementation: :func:`route` and :class:`Router`.

This module requires werkzeug. Without it, importing it raises
:exc:`ImportError`.

"""

from __future__ import annotations

import inspect
import ssl as ssl_module
from collections.abc import Awaitable, Callable
from typing import Any, Literal

import trio
from werkzeug.routing import Map

from ..asyncio import router as asyncio_router
from ..http11 import Request, Response
from .server import Server, ServerConnection, serve


__all__ = ["route", "Router"]


class Router(asyncio_router.Router):
    """WebSocket router supporting :func:`route`."""

    # Matching a request against the URL map only reads the request and
    # calls connection.respond(): it's the same for every I/O layer.

    async def handler(self, connection: ServerConnection) -> None:  # type: ignore[override]
        """Handle a connection."""
        return await connection.handler(connection, **connection.handler_kwargs)


async def route(
    url_map: Map,
    *args: Any,
    server_name: str | None = None,
    ssl: ssl_module.SSLContext | Literal[True] | None = None,
    create_router: type[Router] | None = None,
    task_status: trio.TaskStatus[Server] = trio.TASK_STATUS_IGNORED,
    **kwargs: Any,
) -> None:
    """
    Create a WebSocket server dispatching connections to different handlers.

    This feature requires the third-party library `werkzeug`_:

    .. code-block:: console

        $ pip install werkzeug

    .. _werkzeug: https://werkzeug.palletsprojects.com/

    :func:`route` accepts the same arguments as
    :func:`~websockets.trio.server.serve`, except as described below.

    The first argument is a :class:`werkzeug.routing.Map` that maps URL patterns
    to connection handlers. In addition to the connection, handlers receive
    parameters captured in the URL as keyword arguments.

    Here's an example::


        from websockets.trio.router import route
        from werkzeug.routing import Map, Rule

        async def channel_handler(websocket, channel_id):
            ...

        url_map = Map([
            Rule("/channel/<uuid:channel_id>", endpoint=channel_handler),
            ...
        ])

        async with trio.open_nursery() as nursery:
            server = await nursery.start(route, url_map, port)
            async with server:
                await stop.wait()

    Refer to the documentation of :mod:`werkzeug.routing` for details.

    If you define redirects with ``Rule(..., redirect_to=...)`` in the URL map,
    when the server runs behind a reverse proxy that modifies the ``Host``
    header or terminates TLS, you need additional configuration:

    * Set ``server_name`` to the name of the server as seen by clients. When
      not provided, websockets uses the value of the ``Host`` header.

    * Set ``ssl=True`` to generate ``wss://`` URIs without actually enabling
      TLS. Under the hood, this binds the URL map with a ``url_scheme`` of
      ``wss://`` instead of ``ws://``.

    There is no need to specify ``websocket=True`` in each rule. It is added
    automatically.

    Args:
        url_map: Mapping of URL patterns to connection handlers.
        server_name: Name of the server as seen by clients. If :obj:`None`,
            websockets uses the value of the ``Host`` header.
        ssl: Configuration for enabling TLS on the connection. Set it to
            :obj:`True` if a reverse proxy terminates TLS connections.
        create_router: Factory for the :class:`Router` dispatching requests to
            handlers. Set it to a wrapper or a subclass to customize routing.
        task_status: For compatibility with :meth:`nursery.start
            <trio.Nursery.start>`.

    """
    url_scheme = "ws" if ssl is None else "wss"
    if ssl is not True and ssl is not None:
        kwargs["ssl"] = ssl

    if create_router is None:
        create_router = Router

    router = create_router(url_map, server_name, url_scheme)

    user_process_request = kwargs.pop("process_request", None)

    async def process_request(
        connection: ServerConnection, request: Request
    ) -> Response | None:
        # The user's process_request runs first; it may be a function or a
        # coroutine, like any process_request given to serve().
        if user_process_request is not None:
            response = user_process_request(connection, request)
            if inspect.isawaitable(response):
                response = await response
            if response is not None:
                return response  # type: ignore[no-any-return]
        return router.route_request(connection, request)  # type: ignore[arg-type]

    handler: Callable[[ServerConnection], Awaitable[None]] = router.handler
    await serve(
        handler,
        *args,
        process_request=process_request,
        task_status=task_status,
        **kwargs,
    )
