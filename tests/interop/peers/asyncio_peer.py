"""
Interop peer on websockets' asyncio API: see ``common.py`` for the rules.

    python asyncio_peer.py server {deflate,none} [--certfile PEM]
    python asyncio_peer.py client URI {deflate,none} SCENARIO [--cafile PEM]

"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import common

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosedError


async def respond(ws: Any, message: str | bytes) -> bool:
    """Answer one message; return :obj:`False` once the server closed."""
    if message == "!extensions":
        await ws.send(",".join(ext.name for ext in ws.protocol.extensions))
    elif message == "!fragment":
        await ws.send(common.FRAGMENTS)
    elif message == "!ping":
        await (await ws.ping(common.SERVER_PING))
        await ws.send("!pong received")
    elif isinstance(message, str) and message.startswith("!close "):
        await ws.close(*common.parse_close_command(message))
        return False
    else:
        await ws.send(message)
    return True


async def handler(ws: Any) -> None:
    try:
        async for message in ws:
            if not await respond(ws, message):
                break
    except ConnectionClosedError:
        pass  # a close code other than 1000 or 1001: the report shows it
    finally:
        await ws.wait_closed()
        common.report(f"closed {ws.close_code} {ws.close_reason}")


async def run_server(args: Any) -> None:
    async with serve(
        handler,
        "127.0.0.1",
        0,
        compression=common.compression_option(args.compression),
        max_size=common.MAX_SIZE,
        open_timeout=common.OPEN_TIMEOUT,
        ssl=common.server_ssl(args.certfile),
    ) as server:
        port = server.sockets[0].getsockname()[1]
        common.report(f"ready {port} {common.describe_library()}")
        # Serve until the test closes our standard input.
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


async def play(ws: Any, args: Any) -> None:
    check = common.check
    scenario = args.scenario
    if scenario == "messages":
        own = ",".join(ext.name for ext in ws.protocol.extensions)
        check(
            own == common.expected_extensions(args.compression), f"extensions {own!r}"
        )
        await ws.send("!extensions")
        theirs = await ws.recv()
        check(theirs == own, f"server extensions {theirs!r}")
        for message in [common.TEXT, common.BINARY, "", b""]:
            await ws.send(message)
            echo = await ws.recv()
            check(echo == message, f"echo of {message!r}: {echo!r}")
    elif scenario == "fragmented":
        await ws.send(common.FRAGMENTS)
        echo = await ws.recv()
        check(echo == "".join(common.FRAGMENTS), f"echo of text fragments: {echo!r}")
        await ws.send([fragment.encode() for fragment in common.FRAGMENTS])
        echo = await ws.recv()
        check(
            echo == "".join(common.FRAGMENTS).encode(),
            f"echo of binary fragments: {echo!r}",
        )
        await ws.send("!fragment")
        fragments = [fragment async for fragment in ws.recv_streaming()]
        # websockets ends a fragmented message with an empty frame.
        check(
            [fragment for fragment in fragments if fragment] == common.FRAGMENTS,
            f"fragments {fragments!r}",
        )
    elif scenario == "large":
        for message in [common.large_binary(), common.large_text()]:
            await ws.send(message)
            echo = await ws.recv()
            check(echo == message, f"echo of {len(message)} {type(message).__name__}")
    elif scenario == "ping":
        latency = await (await ws.ping(common.CLIENT_PING))
        check(latency >= 0, f"latency {latency!r}")
        await ws.send("!ping")
        reply = await ws.recv()
        check(reply == "!pong received", f"reply to !ping: {reply!r}")
    elif scenario == "close-by-client":
        await ws.close(*common.CLIENT_CLOSE)
    elif scenario == "close-by-server":
        code, reason = common.SERVER_CLOSE
        await ws.send(f"!close {code} {reason}")
        try:
            await ws.recv()
        except ConnectionClosedError:
            pass  # 4002 isn't a normal closure, hence the Error subclass
        else:
            check(False, "message after !close")


async def run_client(args: Any) -> None:
    async with connect(
        args.uri,
        compression=common.compression_option(args.compression),
        max_size=common.MAX_SIZE,
        open_timeout=common.OPEN_TIMEOUT,
        ssl=common.client_ssl(args.cafile),
    ) as ws:
        await play(ws, args)
    common.report(f"closed {ws.close_code} {ws.close_reason}")
    common.report("ok")


def main() -> None:
    args = common.parse_args()
    if args.command == "server":
        asyncio.run(run_server(args))
    else:
        common.report(f"library {common.describe_library()}")
        asyncio.run(run_client(args))


if __name__ == "__main__":
    main()
