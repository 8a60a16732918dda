#!/usr/bin/env python

"""Consumer pattern: process every message that a client sends."""

import asyncio

from websockets.asyncio.server import serve


async def consumer(message):
    # Your business logic goes here.
    print(f"< {message}")


async def consumer_handler(websocket):
    async for message in websocket:
        await consumer(message)


async def main():
    async with serve(consumer_handler, "localhost", 8765) as server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
