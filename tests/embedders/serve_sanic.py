"""
Echo server on sanic, run in a virtual environment beside our wheel.

    python serve_sanic.py

Same protocol as serve_uvicorn.py: ``/echo/<token>`` and ``/query/<token>``.

"""

from __future__ import annotations

import json
import socket

from sanic import Sanic

import websockets
import websockets._accel
from websockets.exceptions import ConnectionClosed


CLOSES: dict[str, int] = {}

app = Sanic("echo")
app.config.WEBSOCKET_MAX_SIZE = 2 * 2**20
app.config.WEBSOCKET_PING_INTERVAL = None


@app.websocket("/echo/<token>")
async def echo(request, ws, token):
    try:
        async for message in ws:
            if isinstance(message, str) and message.startswith("close "):
                await ws.close(code=int(message.split()[1]), reason="bye")
                return
            await ws.send(message)
    except ConnectionClosed:
        pass
    finally:
        # The close code is known once the closing handshake is over. When
        # the connection is lost, sanic may cancel this handler (it does
        # with Python 3.12, with the released websockets too): record the
        # code anyway, as the connection is closed by then.
        try:
            await ws.wait_for_connection_lost(timeout=10)
        finally:
            CLOSES[token] = ws.ws_proto.close_code


@app.websocket("/query/<token>")
async def query(request, ws, token):
    await ws.send(str(CLOSES.get(token, "none")))
    await ws.close(code=1000)


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
    app.run(sock=sock, single_process=True, motd=False, access_log=False)


if __name__ == "__main__":
    main()
