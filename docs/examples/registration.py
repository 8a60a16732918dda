#!/usr/bin/env python

"""Registration pattern: keep track of connected clients."""

import asyncio

from websockets.asyncio.server import broadcast, serve


CONNECTIONS = set()


async def handler(websocket):
    # Register.
    CONNECTIONS.add(websocket)
    try:
        # Implement logic here: for example, greet everyone.
        broadcast(CONNECTIONS, f"Hello! {len(CONNECTIONS)} connected.")
        await websocket.wait_closed()
    finally:
        # Unregister.
        CONNECTIONS.remove(websocket)


async def main():
    async with serve(handler, "localhost", 8765) as server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
