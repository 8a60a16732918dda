#!/usr/bin/env python

"""Server that requires HTTP Basic Authentication."""

import asyncio
import hmac
import os

from websockets.asyncio.server import basic_auth, serve


# Read the password from the environment rather than hard-coding it.
USERS = {"alice": os.environ.get("ALICE_PASSWORD", "correct horse battery staple")}


async def check_credentials(username, password):
    expected = USERS.get(username)
    # Compare in constant time, to leak nothing through timing.
    return expected is not None and hmac.compare_digest(expected, password)


async def hello(websocket):
    await websocket.send(f"Hello {websocket.username}!")


async def main():
    async with serve(
        hello,
        "localhost",
        8765,
        process_request=basic_auth(
            realm="example",
            check_credentials=check_credentials,
        ),
    ) as server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
