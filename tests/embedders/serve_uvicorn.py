"""
Echo server on uvicorn, run in a virtual environment beside our wheel.

    python serve_uvicorn.py auto|websockets

Prints one JSON line (port, websockets' package path, kernels), then serves
an ASGI app on 127.0.0.1, on a port chosen by the system:

* ``/echo/<token>`` echoes text and binary messages; ``close <code>`` makes
  it close with that code and the reason ``bye``; it records the code of the
  client's close under ``token``;
* ``/query/<token>`` sends the recorded code, or ``none``, and closes.

"""

from __future__ import annotations

import json
import socket
import sys

import uvicorn

import websockets
import websockets._accel


CLOSES: dict[str, int] = {}


async def app(scope, receive, send):
    assert scope["type"] == "websocket", scope["type"]
    kind, _, token = scope["path"].strip("/").partition("/")
    message = await receive()
    assert message["type"] == "websocket.connect", message
    await send({"type": "websocket.accept"})
    if kind == "query":
        await send({"type": "websocket.send", "text": str(CLOSES.get(token, "none"))})
        await send({"type": "websocket.close", "code": 1000})
        return
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            CLOSES[token] = message["code"]
            return
        text = message.get("text")
        if text is not None and text.startswith("close "):
            code = int(text.split()[1])
            await send({"type": "websocket.close", "code": code, "reason": "bye"})
            return
        if text is not None:
            await send({"type": "websocket.send", "text": text})
        else:
            await send({"type": "websocket.send", "bytes": message["bytes"]})


def main() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    # Listen before telling the port: connections wait in the backlog until
    # the server is ready to accept them.
    sock.listen(128)
    info = {
        "port": sock.getsockname()[1],
        "websockets": websockets.__file__,
        "kernels": websockets._accel.ACTIVE,
    }
    print(json.dumps(info), flush=True)
    config = uvicorn.Config(
        app,
        ws=sys.argv[1],
        lifespan="off",
        log_level="warning",
        ws_max_size=2 * 2**20,
    )
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
