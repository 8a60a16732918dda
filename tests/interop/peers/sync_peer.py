"""
Interop peer on websockets' threading API: see ``common.py`` for the rules.

    python sync_peer.py server {deflate,none} [--certfile PEM]
    python sync_peer.py client URI {deflate,none} SCENARIO [--cafile PEM]

"""

from __future__ import annotations

import sys
import threading
from typing import Any

import common

from websockets.exceptions import ConnectionClosedError
from websockets.sync.client import connect
from websockets.sync.server import serve


# Waiting for a pong or a closing handshake never takes this long on
# loopback; the bound only keeps a broken peer from hanging the test.
TIMEOUT = 60


def respond(ws: Any, message: str | bytes) -> bool:
    """Answer one message; return :obj:`False` once the server closed."""
    if message == "!extensions":
        ws.send(",".join(ext.name for ext in ws.protocol.extensions))
    elif message == "!fragment":
        ws.send(common.FRAGMENTS)
    elif message == "!ping":
        pong = ws.ping(common.SERVER_PING)
        ws.send("!pong received" if pong.wait(TIMEOUT) else "!pong missing")
    elif isinstance(message, str) and message.startswith("!close "):
        ws.close(*common.parse_close_command(message))
        return False
    else:
        ws.send(message)
    return True


def handler(ws: Any) -> None:
    try:
        for message in ws:
            if not respond(ws, message):
                break
    except ConnectionClosedError:
        pass  # a close code other than 1000 or 1001: the report shows it
    finally:
        # The closing handshake is over: iteration ended, or close() returned.
        common.report(f"closed {ws.close_code} {ws.close_reason}")


def run_server(args: Any) -> None:
    with serve(
        handler,
        "127.0.0.1",
        0,
        compression=common.compression_option(args.compression),
        max_size=common.MAX_SIZE,
        open_timeout=common.OPEN_TIMEOUT,
        ssl=common.server_ssl(args.certfile),
    ) as server:
        thread = threading.Thread(target=server.serve_forever)
        thread.start()
        port = server.socket.getsockname()[1]
        common.report(f"ready {port} {common.describe_library()}")
        # Serve until the test closes our standard input.
        sys.stdin.read()
        server.shutdown()
        thread.join()


def play(ws: Any, args: Any) -> None:
    check = common.check
    scenario = args.scenario
    if scenario == "messages":
        own = ",".join(ext.name for ext in ws.protocol.extensions)
        check(
            own == common.expected_extensions(args.compression), f"extensions {own!r}"
        )
        ws.send("!extensions")
        theirs = ws.recv(TIMEOUT)
        check(theirs == own, f"server extensions {theirs!r}")
        for message in [common.TEXT, common.BINARY, "", b""]:
            ws.send(message)
            echo = ws.recv(TIMEOUT)
            check(echo == message, f"echo of {message!r}: {echo!r}")
    elif scenario == "fragmented":
        ws.send(common.FRAGMENTS)
        echo = ws.recv(TIMEOUT)
        check(echo == "".join(common.FRAGMENTS), f"echo of text fragments: {echo!r}")
        ws.send([fragment.encode() for fragment in common.FRAGMENTS])
        echo = ws.recv(TIMEOUT)
        check(
            echo == "".join(common.FRAGMENTS).encode(),
            f"echo of binary fragments: {echo!r}",
        )
        ws.send("!fragment")
        fragments = list(ws.recv_streaming())
        # websockets ends a fragmented message with an empty frame.
        check(
            [fragment for fragment in fragments if fragment] == common.FRAGMENTS,
            f"fragments {fragments!r}",
        )
    elif scenario == "large":
        for message in [common.large_binary(), common.large_text()]:
            ws.send(message)
            echo = ws.recv(TIMEOUT)
            check(echo == message, f"echo of {len(message)} {type(message).__name__}")
    elif scenario == "ping":
        pong = ws.ping(common.CLIENT_PING)
        check(pong.wait(TIMEOUT), "missing pong")
        ws.send("!ping")
        reply = ws.recv(TIMEOUT)
        check(reply == "!pong received", f"reply to !ping: {reply!r}")
    elif scenario == "close-by-client":
        ws.close(*common.CLIENT_CLOSE)
    elif scenario == "close-by-server":
        code, reason = common.SERVER_CLOSE
        ws.send(f"!close {code} {reason}")
        try:
            ws.recv(TIMEOUT)
        except ConnectionClosedError:
            pass  # 4002 isn't a normal closure, hence the Error subclass
        else:
            check(False, "message after !close")


def run_client(args: Any) -> None:
    with connect(
        args.uri,
        compression=common.compression_option(args.compression),
        max_size=common.MAX_SIZE,
        open_timeout=common.OPEN_TIMEOUT,
        ssl=common.client_ssl(args.cafile),
    ) as ws:
        play(ws, args)
    common.report(f"closed {ws.close_code} {ws.close_reason}")
    common.report("ok")


def main() -> None:
    args = common.parse_args()
    if args.command == "server":
        run_server(args)
    else:
        common.report(f"library {common.describe_library()}")
        run_client(args)


if __name__ == "__main__":
    main()
