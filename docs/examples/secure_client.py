#!/usr/bin/env python

"""Secure client example: trust the certificate in localhost.pem."""

import asyncio
import pathlib
import ssl

from websockets.asyncio.client import connect


# The server's certificate isn't signed by a certificate authority that the
# system trusts: tell the client to trust the one in localhost.pem.
ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ssl_context.load_verify_locations(pathlib.Path(__file__).with_name("localhost.pem"))


async def hello():
    async with connect("wss://localhost:8765", ssl=ssl_context) as websocket:
        name = input("What's your name? ")

        await websocket.send(name)
        print(f"> {name}")

        greeting = await websocket.recv()
        print(f"< {greeting}")


if __name__ == "__main__":
    asyncio.run(hello())
