"""
Helpers for the tests of websockets.trio.

pytest-trio and pytest-asyncio's auto mode both claim ``async def`` tests, so
trio tests are plain functions: :func:`trio_test` runs the coroutine with
:func:`trio.run`, under a deadline.

"""

from __future__ import annotations

import functools
import os

import trio

from websockets.frames import Frame
from websockets.protocol import Protocol, Side, State
from websockets.trio.connection import Connection


# Deadline of each test, scaled like the other suites' timeouts.
TIMEOUT = 10 * float(os.environ.get("WEBSOCKETS_TESTS_TIMEOUT_FACTOR", "1"))


def trio_test(fn):
    """Run an ``async def`` test with :func:`trio.run`, within ``TIMEOUT``."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        async def main():
            with trio.fail_after(TIMEOUT):
                await fn(*args, **kwargs)

        trio.run(main)

    return wrapper


def connection_pair(nursery, *, stream_pair=None, **kwargs):
    """A client and a server :class:`Connection`, open, over memory streams."""
    if stream_pair is None:
        stream_pair = trio.testing.memory_stream_pair
    client_stream, server_stream = stream_pair()
    client = Connection(
        nursery, client_stream, Protocol(Side.CLIENT, state=State.OPEN), **kwargs
    )
    server = Connection(
        nursery, server_stream, Protocol(Side.SERVER, state=State.OPEN), **kwargs
    )
    return client, server


class RawPeer:
    """
    The server end of a connection, driven frame by frame by the test.

    It writes frames when told, and parses what it reads with a Sans-I/O
    :class:`Protocol`, so tests can delay, split or drop frames.

    """

    def __init__(self, stream):
        self.stream = stream
        self.protocol = Protocol(Side.SERVER, state=State.OPEN)
        self.events = []

    def frame_bytes(self, frame):
        return frame.serialize(mask=False)

    async def write(self, data):
        await self.stream.send_all(data)

    async def send_frame(self, frame):
        await self.write(self.frame_bytes(frame))

    async def read_frame(self):
        """Return the next frame the connection sent; answer nothing."""
        while not self.events:
            data = await self.stream.receive_some()
            if not data:
                self.protocol.receive_eof()
            else:
                self.protocol.receive_data(data)
            self.events.extend(self.protocol.events_received())
            if not data and not self.events:
                raise EOFError("connection closed")
        return self.events.pop(0)

    async def read_until_eof(self):
        frames = []
        while True:
            try:
                frames.append(await self.read_frame())
            except EOFError:
                return frames


def raw_pair(nursery, *, stream_pair=None, **kwargs):
    """A client :class:`Connection` and a :class:`RawPeer` as its server."""
    if stream_pair is None:
        stream_pair = trio.testing.memory_stream_pair
    client_stream, server_stream = stream_pair()
    client = Connection(
        nursery, client_stream, Protocol(Side.CLIENT, state=State.OPEN), **kwargs
    )
    return client, RawPeer(server_stream)


__all__ = ["Frame", "TIMEOUT", "connection_pair", "raw_pair", "trio_test"]
