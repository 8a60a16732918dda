#!/usr/bin/env python

"""Server example with trio: read a name, send a greeting, close."""

import trio

from websockets.trio.server import serve


async def hello(websocket):
    name = await websocket.recv()
    print(f"< {name}")

    greeting = f"Hello {name}!"

    await websocket.send(greeting)
    print(f"> {greeting}")


async def main():
    # serve() runs until it's canceled, for example by Ctrl-C.
    await serve(hello, 8765, host="localhost")


if __name__ == "__main__":
    try:
        trio.run(main)
    except KeyboardInterrupt:
        pass
