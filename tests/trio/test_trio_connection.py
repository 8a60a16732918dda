"""websockets.trio.connection over trio's in-memory streams."""

from __future__ import annotations

import logging

import pytest
import trio
import trio.testing

from websockets.exceptions import (
    ConcurrencyError,
    ConnectionClosedError,
    ConnectionClosedOK,
)
from websockets.frames import (
    OP_BINARY,
    OP_CLOSE,
    OP_CONT,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    Close,
    CloseCode,
    Frame,
)
from websockets.protocol import State

from .trio_utils import connection_pair, raw_pair, trio_test


# Sending and receiving


@trio_test
async def test_send_and_recv_text_and_binary():
    async with trio.open_nursery() as nursery:
        client, server = connection_pair(nursery)
        await client.send("café")
        await client.send(b"\x00\xff")
        await client.send(bytearray(b"ba"))
        await client.send(memoryview(b"mv"))
        assert await server.recv() == "café"
        assert await server.recv() == b"\x00\xff"
        assert await server.recv() == b"ba"
        assert await server.recv() == b"mv"
        await client.aclose()


@trio_test
async def test_recv_decode_overrides_frame_type():
    async with trio.open_nursery() as nursery:
        client, server = connection_pair(nursery)
        await client.send("text")
        await client.send(b"binary")
        assert await server.recv(decode=False) == b"text"
        assert await server.recv(decode=True) == "binary"
        await client.aclose()


@trio_test
async def test_send_text_flag_overrides_message_type():
    async with trio.open_nursery() as nursery:
        client, peer = raw_pair(nursery)
        await client.send(b"utf-8", text=True)
        await client.send("str", text=False)
        first, second = await peer.read_frame(), await peer.read_frame()
        assert (first.opcode, first.data) == (OP_TEXT, b"utf-8")
        assert (second.opcode, second.data) == (OP_BINARY, b"str")
        await trio.aclose_forcefully(client.stream)


@trio_test
async def test_send_fragments_from_iterable_and_async_iterable():
    async def agen():
        yield "c"
        yield "d"

    async with trio.open_nursery() as nursery:
        client, server = connection_pair(nursery)
        await client.send(["a", "b"])
        await client.send(agen())
        await client.send([b"x", bytearray(b"y")])
        assert await server.recv() == "ab"
        assert await server.recv() == "cd"
        assert await server.recv() == b"xy"
        await client.aclose()


@trio_test
async def test_send_rejects_dict_and_unsupported_types():
    async with trio.open_nursery() as nursery:
        client, server = connection_pair(nursery)
        with pytest.raises(TypeError, match="data is a dict-like object"):
            await client.send({"a": 1})
        with pytest.raises(
            TypeError, match="data must be str, bytes, iterable, or async iterable"
        ):
            await client.send(42)
        assert client.state is State.OPEN
        await client.aclose()


@trio_test
async def test_send_mixed_fragments_fails_connection():
    async with trio.open_nursery() as nursery:
        client, server = connection_pair(nursery)
        with pytest.raises(TypeError, match="iterable must contain uniform types"):
            await client.send(["a", b"b"])
        with pytest.raises(ConnectionClosedError) as raised:
            await server.recv()
        assert raised.value.rcvd.code == CloseCode.INTERNAL_ERROR
        assert raised.value.rcvd.reason == "error in fragmented message"


@trio_test
async def test_recv_streaming_yields_fragments():
    async with trio.open_nursery() as nursery:
        client, server = connection_pair(nursery)
        await client.send(["é", "t", "é"])
        fragments = [fragment async for fragment in server.recv_streaming()]
        # The final, empty frame ends the message.
        assert fragments == ["é", "t", "é", ""]
        await client.send([b"1", b"2"])
        assert [f async for f in server.recv_streaming(decode=True)] == ["1", "2", ""]
        await client.aclose()


@trio_test
async def test_concurrent_recv_raises_concurrency_error():
    async with trio.open_nursery() as nursery:
        client, server = connection_pair(nursery)
        nursery.start_soon(server.recv)
        await trio.testing.wait_all_tasks_blocked()
        with pytest.raises(ConcurrencyError, match="cannot call recv while"):
            await server.recv()
        await client.send("unblock")
        await client.aclose()


@trio_test
async def test_async_iteration_ends_on_normal_closure():
    async with trio.open_nursery() as nursery:
        client, server = connection_pair(nursery)
        await client.send("one")
        await client.send("two")
        nursery.start_soon(client.aclose)
        assert [message async for message in server] == ["one", "two"]


@trio_test
async def test_async_iteration_raises_on_error_closure():
    async with trio.open_nursery() as nursery:
        client, server = connection_pair(nursery)
        nursery.start_soon(client.aclose, CloseCode.INTERNAL_ERROR, "boom")
        with pytest.raises(ConnectionClosedError) as raised:
            async for _ in server:
                pass
        assert raised.value.rcvd == Close(1011, "boom")


# Closing


@trio_test
async def test_aclose_performs_closing_handshake():
    async with trio.open_nursery() as nursery:
        client, server = connection_pair(nursery)
        await client.aclose(CloseCode.GOING_AWAY, "bye")
        assert client.state is State.CLOSED
        await server.wait_closed()
        assert server.state is State.CLOSED
        assert (client.close_code, client.close_reason) == (1001, "bye")
        assert (server.close_code, server.close_reason) == (1001, "bye")
        with pytest.raises(ConnectionClosedOK):
            await server.recv()
        with pytest.raises(ConnectionClosedOK):
            await client.send("late")
        with pytest.raises(ConnectionClosedOK):
            await client.ping()
        # aclose() is idempotent.
        await client.aclose()


@trio_test
async def test_async_context_manager_closes_with_1011_on_exception():
    async with trio.open_nursery() as nursery:
        client, server = connection_pair(nursery)
        with pytest.raises(ZeroDivisionError):
            async with client:
                raise ZeroDivisionError
        with pytest.raises(ConnectionClosedError) as raised:
            await server.recv()
        assert raised.value.rcvd.code == CloseCode.INTERNAL_ERROR


@trio_test
async def test_messages_received_before_close_are_delivered():
    async with trio.open_nursery() as nursery:
        client, server = connection_pair(nursery)
        for i in range(5):
            await client.send(str(i))
        await client.aclose()
        assert [message async for message in server] == ["0", "1", "2", "3", "4"]


@trio_test
async def test_dropped_close_frame_times_out_after_close_timeout():
    async with trio.open_nursery() as nursery:
        client, peer = raw_pair(nursery, close_timeout=0.2)
        start = trio.current_time()
        # The peer reads the close frame but never answers it.
        nursery.start_soon(peer.read_frame)
        await client.aclose()
        elapsed = trio.current_time() - start
        assert 0.2 <= elapsed < 2
        assert client.state is State.CLOSED
        with pytest.raises(ConnectionClosedError) as raised:
            await client.recv()
        assert raised.value.rcvd is None
        assert isinstance(raised.value.__cause__, TimeoutError)


@trio_test
async def test_broken_stream_closes_with_1006():
    async with trio.open_nursery() as nursery:
        client, peer = raw_pair(nursery)
        await trio.aclose_forcefully(peer.stream)
        with pytest.raises(ConnectionClosedError) as raised:
            await client.recv()
        assert raised.value.rcvd is None
        assert raised.value.sent is None
        assert client.close_code == CloseCode.ABNORMAL_CLOSURE


# Delayed and split frames


@trio_test
async def test_frame_split_across_reads_is_reassembled():
    async with trio.open_nursery() as nursery:
        client, peer = raw_pair(nursery)
        data = peer.frame_bytes(Frame(OP_TEXT, b"split frame"))
        await peer.write(data[:3])
        with trio.move_on_after(0.05):
            await client.recv()
            pytest.fail("recv returned a partial frame")
        await peer.write(data[3:])
        assert await client.recv() == "split frame"
        await trio.aclose_forcefully(client.stream)


@trio_test
async def test_delayed_fragments_form_one_message():
    async with trio.open_nursery() as nursery:
        client, peer = raw_pair(nursery)

        async def send_slowly():
            await peer.send_frame(Frame(OP_TEXT, b"a", fin=False))
            await trio.sleep(0.05)
            await peer.send_frame(Frame(OP_CONT, b"b", fin=False))
            await trio.sleep(0.05)
            await peer.send_frame(Frame(OP_CONT, b"c"))
            await peer.send_frame(Frame(OP_TEXT, b"next"))

        nursery.start_soon(send_slowly)
        assert await client.recv() == "abc"
        assert await client.recv() == "next"
        await trio.aclose_forcefully(client.stream)


@trio_test
async def test_peer_stops_mid_message_closes_with_1006():
    async with trio.open_nursery() as nursery:
        client, peer = raw_pair(nursery)
        await peer.send_frame(Frame(OP_TEXT, b"half", fin=False))
        await trio.aclose_forcefully(peer.stream)
        with pytest.raises(ConnectionClosedError):
            await client.recv()


# Cancellation


@trio_test
async def test_canceled_recv_loses_no_message():
    async with trio.open_nursery() as nursery:
        client, peer = raw_pair(nursery)
        with trio.move_on_after(0.05) as scope:
            await client.recv()
        assert scope.cancelled_caught
        await peer.send_frame(Frame(OP_TEXT, b"first"))
        await peer.send_frame(Frame(OP_TEXT, b"second"))
        assert await client.recv() == "first"
        assert await client.recv() == "second"
        await trio.aclose_forcefully(client.stream)


@trio_test
async def test_recv_canceled_between_fragments_loses_and_duplicates_nothing():
    async with trio.open_nursery() as nursery:
        client, peer = raw_pair(nursery)
        await peer.send_frame(Frame(OP_TEXT, b"he", fin=False))
        await peer.send_frame(Frame(OP_CONT, b"ll", fin=False))
        with trio.move_on_after(0.05) as scope:
            await client.recv()
        assert scope.cancelled_caught
        await peer.send_frame(Frame(OP_CONT, b"o"))
        await peer.send_frame(Frame(OP_TEXT, b"world"))
        assert await client.recv() == "hello"
        assert await client.recv() == "world"
        await trio.aclose_forcefully(client.stream)


@trio_test
async def test_nursery_cancellation_mid_recv_keeps_messages():
    async with trio.open_nursery() as nursery:
        client, peer = raw_pair(nursery)
        received = []

        async def consumer():
            while True:
                received.append(await client.recv())

        async with trio.open_nursery() as inner:
            inner.start_soon(consumer)
            await peer.send_frame(Frame(OP_TEXT, b"1"))
            await peer.send_frame(Frame(OP_TEXT, b"2", fin=False))
            await trio.testing.wait_all_tasks_blocked()
            inner.cancel_scope.cancel()
        await peer.send_frame(Frame(OP_CONT, b"3"))
        assert received == ["1"]
        assert await client.recv() == "23"
        await trio.aclose_forcefully(client.stream)


@trio_test
async def test_send_canceled_waiting_for_writer_sends_nothing():
    async with trio.open_nursery() as nursery:
        client, peer = raw_pair(nursery)
        release = trio.Event()

        async def hold_writer():
            async with client.send_lock:
                await release.wait()

        # Another task holds the writer: the send waits for it.
        nursery.start_soon(hold_writer)
        await trio.testing.wait_all_tasks_blocked()
        with trio.move_on_after(0.05) as scope:
            await client.send("canceled")
        assert scope.cancelled_caught
        release.set()
        await client.send("sent")
        frame = await peer.read_frame()
        assert frame.data == b"sent"
        await client.send("again")
        assert (await peer.read_frame()).data == b"again"
        assert client.state is State.OPEN
        await trio.aclose_forcefully(client.stream)


@trio_test
async def test_send_canceled_mid_write_aborts_connection():
    async with trio.open_nursery() as nursery:
        # lockstep streams block send_all until the peer reads.
        client, peer = raw_pair(nursery, stream_pair=trio.testing.lockstep_stream_pair)
        with trio.move_on_after(0.05) as scope:
            await client.send(b"x" * 100_000)
        assert scope.cancelled_caught
        # The peer can't know where the next frame starts: abort.
        assert client.state is State.CLOSED
        with pytest.raises(ConnectionClosedError):
            await client.send("after")


# Peer that stops reading


@trio_test
async def test_keepalive_closes_connection_when_peer_stops_reading():
    async with trio.open_nursery() as nursery:
        client, peer = raw_pair(
            nursery,
            stream_pair=trio.testing.lockstep_stream_pair,
            ping_interval=0.05,
            ping_timeout=0.1,
            close_timeout=0.1,
        )
        client.start_keepalive()

        # A send blocks: the peer never reads. Keepalive times out and the
        # close timer aborts the connection, which unblocks the send.
        with pytest.raises(ConnectionClosedError) as raised:
            await client.send(b"x" * 100_000)
        assert client.state is State.CLOSED
        assert raised.value.sent == Close(1011, "keepalive ping timeout")
        assert isinstance(
            raised.value.__cause__, trio.ClosedResourceError | TimeoutError
        )


# Pings and pongs


@trio_test
async def test_ping_returns_event_set_by_pong():
    async with trio.open_nursery() as nursery:
        client, server = connection_pair(nursery)
        pong_received = await client.ping()
        assert isinstance(pong_received, trio.Event)
        await pong_received.wait()
        assert client.latency > 0
        await client.aclose()


@trio_test
async def test_ping_with_same_data_raises_concurrency_error():
    async with trio.open_nursery() as nursery:
        client, peer = raw_pair(nursery)
        await client.ping("same")
        with pytest.raises(
            ConcurrencyError, match="already waiting for a pong with the same data"
        ):
            await client.ping(b"same")
        frame = await peer.read_frame()
        assert (frame.opcode, frame.data) == (OP_PING, b"same")
        await trio.aclose_forcefully(client.stream)


@trio_test
async def test_pong_for_later_ping_acknowledges_earlier_pings():
    async with trio.open_nursery() as nursery:
        client, peer = raw_pair(nursery)
        first = await client.ping(b"1")
        second = await client.ping(b"2")
        await peer.send_frame(Frame(OP_PONG, b"2"))
        await second.wait()
        assert first.is_set()
        assert client.pending_pings == {}
        await trio.aclose_forcefully(client.stream)


@trio_test
async def test_ping_ack_on_close_sets_event_when_connection_closes():
    async with trio.open_nursery() as nursery:
        client, peer = raw_pair(nursery)
        acked = await client.ping(b"a", ack_on_close=True)
        not_acked = await client.ping(b"b")
        await trio.aclose_forcefully(peer.stream)
        await client.wait_closed()
        assert acked.is_set()
        assert not not_acked.is_set()


@trio_test
async def test_pong_sends_unsolicited_pong():
    async with trio.open_nursery() as nursery:
        client, peer = raw_pair(nursery)
        await client.pong("heartbeat")
        frame = await peer.read_frame()
        assert (frame.opcode, frame.data) == (OP_PONG, b"heartbeat")
        with pytest.raises(TypeError, match="data must be str or bytes-like"):
            await client.pong(42)
        await trio.aclose_forcefully(client.stream)


@trio_test
async def test_keepalive_sends_pings_and_measures_latency(caplog):
    async with trio.open_nursery() as nursery:
        with caplog.at_level(logging.DEBUG, logger="websockets"):
            client, server = connection_pair(nursery, ping_interval=0.02)
            client.start_keepalive()
            with trio.fail_after(2):
                while client.latency == 0:
                    await trio.sleep(0.01)
        assert "% sent keepalive ping" in caplog.messages
        await client.aclose()


@trio_test
async def test_keepalive_pings_at_once_when_latency_exceeds_interval(caplog):
    async with trio.open_nursery() as nursery:
        client, peer = raw_pair(nursery, ping_interval=0.01, ping_timeout=None)
        # A previous round trip took longer than ping_interval.
        client.latency = 1.0
        with caplog.at_level(logging.ERROR, logger="websockets"):
            client.start_keepalive()
            frame = await peer.read_frame()
        assert frame.opcode == OP_PING
        assert "keepalive ping failed" not in caplog.messages
        await trio.aclose_forcefully(client.stream)


# Limits


@trio_test
async def test_max_queue_pauses_and_resumes_reading():
    async with trio.open_nursery() as nursery:
        client, peer = raw_pair(nursery, max_queue=4)
        for i in range(12):
            await peer.send_frame(Frame(OP_TEXT, str(i).encode()))
        await trio.testing.wait_all_tasks_blocked()
        # Reading stopped above the high-water mark: frames wait in the
        # stream, not in memory.
        assert not client.reading_allowed.is_set()
        assert 4 < len(client.recv_messages.frames) < 12
        received = [await client.recv() for _ in range(12)]
        assert received == [str(i) for i in range(12)]
        assert client.reading_allowed.is_set()
        await trio.aclose_forcefully(client.stream)


@trio_test
async def test_message_above_max_size_closes_with_1009():
    from websockets.protocol import Protocol, Side
    from websockets.trio.connection import Connection

    async with trio.open_nursery() as nursery:
        client_stream, server_stream = trio.testing.memory_stream_pair()
        client = Connection(
            nursery,
            client_stream,
            Protocol(Side.CLIENT, state=State.OPEN, max_size=10),
        )
        server = Connection(
            nursery, server_stream, Protocol(Side.SERVER, state=State.OPEN)
        )
        await server.send(b"x" * 11)
        with pytest.raises(ConnectionClosedError) as raised:
            await client.recv()
        assert raised.value.sent.code == CloseCode.MESSAGE_TOO_BIG
        with pytest.raises(ConnectionClosedError):
            await server.recv()


@trio_test
async def test_invalid_utf8_closes_with_1007():
    async with trio.open_nursery() as nursery:
        client, peer = raw_pair(nursery, close_timeout=0.1)
        frames = []

        async def read_frames():
            frames.extend(await peer.read_until_eof())

        nursery.start_soon(read_frames)
        await peer.send_frame(Frame(OP_TEXT, b"\xff"))
        with pytest.raises(ConnectionClosedError) as raised:
            await client.recv()
        assert raised.value.sent.code == CloseCode.INVALID_DATA
    assert frames[0].opcode == OP_CLOSE
    assert Close.parse(frames[0].data).code == CloseCode.INVALID_DATA


# Attributes


@trio_test
async def test_attributes():
    async with trio.open_nursery() as nursery:
        client, server = connection_pair(nursery)
        assert client.id != server.id
        assert client.state is State.OPEN
        assert client.request is None and client.response is None
        assert client.subprotocol is None
        assert client.close_code is None and client.close_reason is None
        assert client.latency == 0
        assert client.logger.logger.name == "websockets.client"
        # Memory streams have no socket.
        with pytest.raises(AttributeError):
            _ = client.local_address
        await client.aclose()
