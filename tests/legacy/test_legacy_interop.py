"""The legacy layer against the released websockets 17.4 legacy implementation."""

from __future__ import annotations

import asyncio
import textwrap
import warnings

from .legacy_utils import uri_of


with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from websockets.legacy.client import connect
    from websockets.legacy.exceptions import InvalidStatusCode
    from websockets.legacy.server import serve


UPSTREAM_LEGACY_SERVER = textwrap.dedent(
    """
    import asyncio, http, warnings
    warnings.simplefilter("ignore", DeprecationWarning)
    from websockets.legacy.server import serve

    async def handler(ws, path):
        await ws.send(f"{path} {ws.subprotocol} {ws.request_headers['X-Client']}")
        async for message in ws:
            await ws.send(message)

    async def process_request(path, request_headers):
        if path == "/health":
            return http.HTTPStatus.OK, [("X-Health", "up")], b"OK\\n"

    async def main():
        async with serve(handler, "127.0.0.1", 0, subprotocols=["chat"],
                         process_request=process_request,
                         extra_headers={"X-Server": "upstream"}) as server:
            print(server.sockets[0].getsockname()[1], flush=True)
            await asyncio.Future()

    asyncio.run(main())
    """
)

UPSTREAM_LEGACY_CLIENT = textwrap.dedent(
    """
    import asyncio, sys, warnings
    warnings.simplefilter("ignore", DeprecationWarning)
    from websockets.legacy.client import connect
    from websockets.legacy.exceptions import InvalidStatusCode

    async def main():
        try:
            await connect(sys.argv[1] + "health")
        except InvalidStatusCode as exc:
            print("health", exc.status_code, exc.headers["X-Health"], flush=True)
        async with connect(sys.argv[1] + "room", subprotocols=["chat"],
                           extra_headers={"X-Client": "upstream"}) as ws:
            print(await ws.recv(), ws.response_headers["X-Server"], flush=True)
            await ws.send(b"\\x00bytes")
            assert await ws.recv() == b"\\x00bytes"
            await ws.send(["frag", "mented"])
            assert await ws.recv() == "fragmented"
            await (await ws.ping())
        print("closed", ws.close_code, flush=True)

    asyncio.run(main())
    """
)


async def test_our_legacy_client_with_upstream_legacy_server(upstream):
    process = await asyncio.create_subprocess_exec(
        *upstream.command("-c", UPSTREAM_LEGACY_SERVER),
        stdout=asyncio.subprocess.PIPE,
        cwd=upstream.cwd,
    )
    try:
        port = int(await asyncio.wait_for(process.stdout.readline(), 30))
        try:
            await connect(f"ws://127.0.0.1:{port}/health")
        except InvalidStatusCode as exc:
            assert exc.status_code == 200
            assert exc.headers["X-Health"] == "up"
        else:  # pragma: no cover
            raise AssertionError("expected InvalidStatusCode")
        async with connect(
            f"ws://127.0.0.1:{port}/room",
            subprotocols=["chat"],
            extra_headers={"X-Client": "ours"},
        ) as ws:
            assert await ws.recv() == "/room chat ours"
            assert ws.response_headers["X-Server"] == "upstream"
            await ws.send("text é")
            assert await ws.recv() == "text é"
            await (await ws.ping())
        assert ws.close_code == 1000
    finally:
        process.kill()
        await process.wait()


async def test_upstream_legacy_client_with_our_legacy_server(upstream):
    async def handler(ws, path):
        await ws.send(f"{path} {ws.subprotocol} {ws.request_headers['X-Client']}")
        async for message in ws:
            await ws.send(message)

    async def process_request(path, request_headers):
        if path == "/health":
            return 200, [("X-Health", "up")], b"OK\n"

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        server = serve(
            handler,
            "127.0.0.1",
            0,
            subprotocols=["chat"],
            process_request=process_request,
            extra_headers={"X-Server": "ours"},
        )
    async with server as server:
        process = await asyncio.create_subprocess_exec(
            *upstream.command("-c", UPSTREAM_LEGACY_CLIENT, uri_of(server)),
            stdout=asyncio.subprocess.PIPE,
            cwd=upstream.cwd,
        )
        stdout, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0
    assert stdout.decode().splitlines() == [
        "health 200 up",
        "/room chat upstream ours",
        "closed 1000",
    ]
