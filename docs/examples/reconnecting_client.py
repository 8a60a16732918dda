#!/usr/bin/env python

"""Client that reconnects automatically when the connection breaks."""

import asyncio

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed


async def consume(count):
    received = 0
    # Each iteration yields a new connection. After a failed attempt, connect
    # waits with an exponential backoff before trying again.
    async for websocket in connect("ws://localhost:8765"):
        try:
            async for message in websocket:
                print(f"< {message}", flush=True)
                received += 1
                if received == count:
                    return
        except ConnectionClosed:
            # The connection broke: reconnect.
            continue


if __name__ == "__main__":
    asyncio.run(consume(count=5))
