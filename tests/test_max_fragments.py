"""
WEBSOCKETS_MAX_FRAGMENTS: honoured like websockets 17.4 when it's set; no
limit by default (docs/differences.rst).

"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap

import pytest

from websockets.exceptions import TooManyFragments
from websockets.frames import Frame, Opcode


# Each run sends fragmented messages to a server, then reports what the
# server's handler and the client observed.
EXCHANGE = textwrap.dedent(
    """
    import asyncio, sys, threading
    from websockets.exceptions import ConnectionClosed

    api, counts = sys.argv[1], [int(n) for n in sys.argv[2:]]

    def describe(exc):
        close = exc.sent or exc.rcvd
        return f"{type(exc).__name__} {close.code} {close.reason!r} {exc.__cause__!r}"

    if api == "asyncio":
        from websockets.asyncio.client import connect
        from websockets.asyncio.server import serve

        async def main():
            seen = []
            async def handler(ws):
                try:
                    async for message in ws:
                        if message == "end":
                            break
                        seen.append(len(message))
                except ConnectionClosed as exc:
                    seen.append(describe(exc))
            async with serve(handler, "127.0.0.1", 0) as server:
                port = server.sockets[0].getsockname()[1]
                async with connect(f"ws://127.0.0.1:{port}/") as ws:
                    try:
                        for count in counts:
                            await ws.send([b"x"] * count)
                        await ws.send("end")
                        await asyncio.wait_for(ws.recv(), 10)
                    except ConnectionClosed as exc:
                        print("client:", describe(exc))
                    except asyncio.TimeoutError:
                        print("client: no close")
            print("server:", seen)

        asyncio.run(main())
    else:
        from websockets.sync.client import connect
        from websockets.sync.server import serve

        seen = []
        def handler(ws):
            try:
                for message in ws:
                    if message == "end":
                        break
                    seen.append(len(message))
            except ConnectionClosed as exc:
                seen.append(describe(exc))
        with serve(handler, "127.0.0.1", 0) as server:
            thread = threading.Thread(target=server.serve_forever)
            thread.start()
            port = server.socket.getsockname()[1]
            with connect(f"ws://127.0.0.1:{port}/") as ws:
                try:
                    for count in counts:
                        ws.send([b"x"] * count)
                    ws.send("end")
                    ws.recv(timeout=10)
                except ConnectionClosed as exc:
                    print("client:", describe(exc))
                except TimeoutError:
                    print("client: no close")
            server.shutdown()
            thread.join(10)
        print("server:", seen)
    """
)


def run_ours(*args: str, max_fragments: str | None) -> str:
    env = dict(os.environ)
    env.pop("WEBSOCKETS_MAX_FRAGMENTS", None)
    if max_fragments is not None:
        env["WEBSOCKETS_MAX_FRAGMENTS"] = max_fragments
    result = subprocess.run(
        [sys.executable, "-c", EXCHANGE, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("api", ["asyncio", "sync"])
@pytest.mark.parametrize(
    "max_fragments, counts",
    [
        # [b"x"] * n is sent as n frames plus an empty final frame.
        ("3", ["2", "4"]),  # 3 frames pass, 5 frames fail
        ("1", ["1"]),  # 2 frames fail
        ("0", []),  # messages in one frame are never limited
        ("-1", ["1"]),
    ],
)
def test_max_fragments_when_set_behaves_like_websockets(
    api, max_fragments, counts, upstream
):
    env = dict(os.environ, WEBSOCKETS_MAX_FRAGMENTS=max_fragments)
    released = upstream.run(
        "-c",
        EXCHANGE,
        api,
        *counts,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert released.returncode == 0, released.stderr
    assert run_ours(api, *counts, max_fragments=max_fragments) == released.stdout


@pytest.mark.parametrize("api", ["asyncio", "sync"])
def test_too_many_fragments_fails_connection_with_1009(api):
    output = run_ours(api, "4", max_fragments="3")
    cause = "TooManyFragments('fragmented message exceeds limit of 3 frames')"
    assert output.splitlines() == [
        "client: ConnectionClosedError 1009 'too many fragments' None",
        f"server: [\"ConnectionClosedError 1009 'too many fragments' {cause}\"]",
    ]


@pytest.mark.parametrize("api", ["asyncio", "sync"])
def test_fragments_are_unlimited_by_default(api):
    # websockets 17.4 would fail this message: its default limit is 4096.
    output = run_ours(api, "5000", max_fragments=None)
    assert output.splitlines() == [
        "client: ConnectionClosedOK 1000 '' None",
        "server: [5000]",
    ]


def put_all(assembler, frames):
    raised = []
    for frame in frames:
        try:
            assembler.put(frame)
        except TooManyFragments as exc:
            raised.append(str(exc))
    return raised


def fragmented(n):
    return [
        Frame(Opcode.TEXT if i == 0 else Opcode.CONT, b"x", fin=i == n - 1)
        for i in range(n)
    ]


def test_sync_assembler_counts_frames_of_fragmented_messages(monkeypatch):
    from websockets.sync import messages

    monkeypatch.setattr(messages, "MAX_FRAGMENTS", 2)
    assembler = messages.Assembler()
    assert put_all(assembler, fragmented(2) + [Frame(Opcode.TEXT, b"y")]) == []
    # The third frame overflows; later frames are refused too.
    assert (
        put_all(assembler, fragmented(3) + [Frame(Opcode.TEXT, b"z")])
        == ["fragmented message exceeds limit of 2 frames"] * 2
    )
    assert assembler.get(timeout=0) == "xx"
    assert assembler.get(timeout=0) == "y"


def test_asyncio_assembler_counts_frames_of_fragmented_messages(monkeypatch):
    from websockets.asyncio import messages

    monkeypatch.setattr(messages, "MAX_FRAGMENTS", 2)

    async def run():
        assembler = messages.Assembler()
        assert put_all(assembler, fragmented(2)) == []
        assert put_all(assembler, fragmented(3)) == [
            "fragmented message exceeds limit of 2 frames"
        ]
        return await asyncio.wait_for(assembler.get(), 10)

    assert asyncio.run(run()) == "xx"


def test_max_fragments_is_none_by_default():
    from websockets.asyncio import messages as asyncio_messages
    from websockets.sync import messages as sync_messages

    # The suite runs without WEBSOCKETS_MAX_FRAGMENTS.
    assert "WEBSOCKETS_MAX_FRAGMENTS" not in os.environ
    assert asyncio_messages.MAX_FRAGMENTS is None
    assert sync_messages.MAX_FRAGMENTS is None
