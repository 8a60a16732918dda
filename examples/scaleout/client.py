#!/usr/bin/env python

"""
Client of the scaled-out counter: prints what it receives, reconnects.

Print the counter and the users count as they change, and optionally press
"plus" or "minus" a few times::

    $ python client.py ws://localhost:8765/ --action plus --repeat 3

When its server process goes away, the client reconnects, possibly to
another process, and receives the current state again. Set
``WEBSOCKETS_BACKOFF_INITIAL_DELAY`` (and ``_MIN_DELAY``, ``_MAX_DELAY``,
``_FACTOR``) to tune how quickly it retries; websockets reads them on import.

"""

from __future__ import annotations

import argparse
import asyncio
import json

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed


async def watch(uri: str, action: str | None, repeat: int) -> None:
    """Print the events of the counter server at ``uri``, forever."""
    # connect() used as an asynchronous iterator reconnects with exponential
    # backoff after errors; after a clean closure, it reconnects at once.
    async for websocket in connect(uri):
        assert websocket.response is not None  # set by the opening handshake
        process = websocket.response.headers.get("X-Process", "?")
        print(f"connected to process {process}")
        try:
            if action is not None:
                for _ in range(repeat):
                    await websocket.send(json.dumps({"action": action}))
                # Press the buttons once, not on every reconnection.
                action = None
            async for message in websocket:
                event = json.loads(message)
                if event["type"] == "state":
                    print(f"counter: {event['value']}")
                elif event["type"] == "users":
                    print(f"users: {event['count']}")
        except ConnectionClosed as exc:
            print(f"disconnected: {exc}")
        else:
            print(f"disconnected: {websocket.close_code} {websocket.close_reason}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    parser.add_argument("uri", nargs="?", default="ws://localhost:8765/")
    parser.add_argument("--action", choices=["plus", "minus"])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    try:
        asyncio.run(watch(args.uri, args.action, args.repeat))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
