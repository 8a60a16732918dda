#!/usr/bin/env python

"""Server that sends the current time at random intervals."""

import asyncio
import datetime
import random

from websockets.asyncio.server import serve


async def show_time(websocket):
    while True:
        now = datetime.datetime.now(datetime.timezone.utc)
        message = now.isoformat().replace("+00:00", "Z")
        await websocket.send(message)
        await asyncio.sleep(random.random() * 2 + 1)


async def main():
    async with serve(show_time, "localhost", 5678) as server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
