#!/usr/bin/env python

"""Producer pattern: send messages to a client as they become available."""

import asyncio
import itertools

from websockets.asyncio.server import serve


COUNTER = itertools.count(1)


async def producer():
    # Your business logic goes here.
    await asyncio.sleep(0.1)
    return f"message {next(COUNTER)}"


async def producer_handler(websocket):
    while True:
        message = await producer()
        await websocket.send(message)


async def main():
    async with serve(producer_handler, "localhost", 8765) as server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
