#!/usr/bin/env python

"""Consumer and producer patterns, on the same connection."""

import asyncio
import itertools

from websockets.asyncio.server import serve


async def consumer(message):
    # Your business logic goes here.
    print(f"< {message}")


COUNTER = itertools.count(1)


async def producer():
    # Your business logic goes here.
    await asyncio.sleep(0.1)
    return f"message {next(COUNTER)}"


async def consumer_handler(websocket):
    async for message in websocket:
        await consumer(message)


async def producer_handler(websocket):
    while True:
        message = await producer()
        await websocket.send(message)


async def handler(websocket):
    consumer_task = asyncio.create_task(consumer_handler(websocket))
    producer_task = asyncio.create_task(producer_handler(websocket))
    # When either task terminates, for example because the client closed
    # the connection, cancel the other one.
    done, pending = await asyncio.wait(
        [consumer_task, producer_task],
        return_when=asyncio.FIRST_COMPLETED,
    )
    for task in pending:
        task.cancel()


async def main():
    async with serve(handler, "localhost", 8765) as server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
