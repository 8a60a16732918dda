#!/usr/bin/env python
"""Echo server: sends back every message it receives, on ws://localhost:8765/."""

import asyncio
import os

from websockets.asyncio.server import serve


async def echo(websocket):
    async for message in websocket:
        await websocket.send(message)


async def main():
    port = int(os.environ.get("PORT", "8765"))
    async with serve(echo, "localhost", port) as server:
        print(f"echo server listening on ws://localhost:{port}/", flush=True)
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
