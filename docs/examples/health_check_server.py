#!/usr/bin/env python

"""Server that answers plain HTTP health checks on /healthz."""

import asyncio
import http

from websockets.asyncio.server import serve


def health_check(connection, request):
    if request.path == "/healthz":
        return connection.respond(http.HTTPStatus.OK, "OK\n")
    # Returning None continues with the WebSocket handshake.
    return None


async def echo(websocket):
    async for message in websocket:
        await websocket.send(message)


async def main():
    async with serve(echo, "localhost", 8765, process_request=health_check) as server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
