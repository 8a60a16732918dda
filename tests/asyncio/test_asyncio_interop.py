"""Interoperability with the released websockets 17.4, run as a subprocess."""

from __future__ import annotations

import asyncio
import textwrap

import pytest
from asyncio_utils import uri_of

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosedError


UPSTREAM_SERVER = textwrap.dedent(
    """
    import asyncio, sys
    from websockets.asyncio.server import serve

    async def handler(ws):
        async for message in ws:
            if message == "close 4002":
                await ws.close(4002, "upstream says bye")
                return
            await ws.send(message)

    async def main():
        compression = None if sys.argv[1] == "none" else "deflate"
        async with serve(handler, "127.0.0.1", 0, max_size=None,
                         compression=compression) as server:
            print(server.sockets[0].getsockname()[1], flush=True)
            await asyncio.Future()

    asyncio.run(main())
    """
)

UPSTREAM_CLIENT = textwrap.dedent(
    """
    import asyncio, sys
    from websockets.asyncio.client import connect

    async def main():
        compression = None if sys.argv[2] == "none" else "deflate"
        async with connect(sys.argv[1], max_size=None,
                           compression=compression) as ws:
            await ws.send("text é")
            assert await ws.recv() == "text é"
            await ws.send(b"\\x00binary")
            assert await ws.recv() == b"\\x00binary"
            await ws.send(["frag", "mented"])
            assert await ws.recv() == "fragmented"
            big = bytes(range(256)) * (16 * 4096)
            await ws.send(big)
            assert await ws.recv() == big
            latency = await (await ws.ping(b"up"))
            assert latency >= 0
            await ws.close(4001, "from upstream")
        print("ok", ws.close_code, flush=True)

    asyncio.run(main())
    """
)


@pytest.mark.parametrize("compression", ["deflate", "none"])
async def test_our_client_with_upstream_server(upstream, compression):
    process = await asyncio.create_subprocess_exec(
        *upstream.command("-c", UPSTREAM_SERVER, compression),
        stdout=asyncio.subprocess.PIPE,
        cwd=upstream.cwd,
    )
    try:
        port = int(await asyncio.wait_for(process.stdout.readline(), 30))
        uri = f"ws://127.0.0.1:{port}/"
        kwargs = {
            "max_size": None,
            "compression": None if compression == "none" else "deflate",
        }
        async with connect(uri, **kwargs) as ws:
            await ws.send("text é")
            assert await ws.recv() == "text é"
            await ws.send(b"\x00binary")
            assert await ws.recv() == b"\x00binary"
            await ws.send([b"frag", b"mented"])
            assert await ws.recv() == b"fragmented"
            big = bytes(range(256)) * (16 * 4096)
            await ws.send(big)
            assert await ws.recv() == big
            assert await (await ws.ping()) >= 0
        assert ws.close_code == 1000
        async with connect(uri, **kwargs) as ws:
            await ws.send("close 4002")
            with pytest.raises(ConnectionClosedError) as excinfo:
                await ws.recv()
            assert excinfo.value.rcvd.code == 4002
            assert excinfo.value.rcvd.reason == "upstream says bye"
    finally:
        process.kill()
        await process.wait()


@pytest.mark.parametrize("compression", ["deflate", "none"])
async def test_upstream_client_with_our_server(upstream, compression):
    codes = []

    async def handler(ws):
        try:
            async for message in ws:
                await ws.send(message)
        except ConnectionClosedError as exc:
            codes.append((exc.rcvd.code, exc.rcvd.reason))

    async with serve(
        handler,
        "127.0.0.1",
        0,
        max_size=None,
        compression=None if compression == "none" else "deflate",
    ) as server:
        process = await asyncio.create_subprocess_exec(
            *upstream.command("-c", UPSTREAM_CLIENT, uri_of(server), compression),
            stdout=asyncio.subprocess.PIPE,
            cwd=upstream.cwd,
        )
        stdout, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0
    assert stdout.split() == [b"ok", b"4001"]
    assert codes == [(4001, "from upstream")]
