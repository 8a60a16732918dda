#!/usr/bin/env python

"""Secure server example: WebSocket over TLS (wss://)."""

import asyncio
import pathlib
import ssl

from websockets.asyncio.server import serve


async def hello(websocket):
    name = await websocket.recv()
    print(f"< {name}")

    greeting = f"Hello {name}!"

    await websocket.send(greeting)
    print(f"> {greeting}")


# localhost.pem holds the private key and the certificate chain.
ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ssl_context.load_cert_chain(pathlib.Path(__file__).with_name("localhost.pem"))


async def main():
    async with serve(hello, "localhost", 8765, ssl=ssl_context) as server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
