"""Names that 17.4 binds in its modules, with their behaviour (issue 16)."""

from __future__ import annotations

import asyncio
import inspect
import subprocess
import sys
import warnings

import pytest

import websockets.asyncio.client
import websockets.asyncio.connection
import websockets.asyncio.messages
import websockets.asyncio.server
import websockets.client
import websockets.exceptions
import websockets.server
import websockets.sync.client
import websockets.sync.connection
import websockets.sync.messages
import websockets.sync.server
from tests.compat.twin_run import REPO, run_twins
from websockets.client import ClientProtocol, process_exception
from websockets.datastructures import Headers
from websockets.exceptions import InvalidHandshake, InvalidMessage, InvalidStatus
from websockets.frames import DATA_OPCODES, PONG
from websockets.http11 import Response
from websockets.protocol import CLOSED, OPEN, State
from websockets.server import ServerProtocol
from websockets.uri import parse_uri


def invalid_message_from(cause):
    exc = InvalidMessage("did not receive a valid HTTP response")
    exc.__cause__ = cause
    return exc


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionResetError(),
        TimeoutError(),
        asyncio.TimeoutError(),
        invalid_message_from(EOFError()),
        InvalidStatus(Response(503, "Service Unavailable", Headers())),
        InvalidStatus(Response(502, "Bad Gateway", Headers())),
    ],
)
def test_process_exception_retries_network_and_server_errors(exc):
    assert process_exception(exc) is None


@pytest.mark.parametrize(
    "exc",
    [
        EOFError(),
        ValueError(),
        InvalidHandshake(),
        invalid_message_from(ValueError()),
        InvalidStatus(Response(404, "Not Found", Headers())),
    ],
)
def test_process_exception_gives_up_on_other_errors(exc):
    assert process_exception(exc) is exc


def test_process_exception_is_shared_by_both_io_layers():
    assert websockets.asyncio.client.process_exception is process_exception
    assert websockets.sync.client.process_exception is process_exception
    default = (
        inspect.signature(websockets.sync.client.reconnect)
        .parameters["process_exception"]
        .default
    )
    assert default is process_exception


def test_client_connection_is_a_deprecated_client_protocol():
    with pytest.warns(
        DeprecationWarning, match="ClientConnection was renamed to ClientProtocol"
    ):
        protocol = websockets.client.ClientConnection(parse_uri("ws://example.com/"))
    assert isinstance(protocol, ClientProtocol)


def test_server_connection_is_a_deprecated_server_protocol():
    with pytest.warns(
        DeprecationWarning, match="ServerConnection was renamed to ServerProtocol"
    ):
        protocol = websockets.server.ServerConnection()
    assert isinstance(protocol, ServerProtocol)


def test_sans_io_modules_bind_their_exceptions():
    assert websockets.server.InvalidMethod is websockets.exceptions.InvalidMethod
    assert websockets.server.InvalidProtocol is websockets.exceptions.InvalidProtocol
    assert (
        websockets.client.StatusLineTooLong is websockets.exceptions.StatusLineTooLong
    )


@pytest.mark.parametrize("layer", ["asyncio", "sync"])
def test_broadcast_is_importable_from_connection_modules(layer):
    connection = getattr(websockets, layer).connection
    server = getattr(websockets, layer).server
    assert "broadcast" in dir(connection)
    assert connection.broadcast is server.broadcast


def test_connection_modules_bind_states_and_opcodes():
    for module in [websockets.asyncio.connection, websockets.sync.connection]:
        assert module.CLOSED is CLOSED
        assert module.PONG is PONG
    assert websockets.asyncio.connection.OPEN is OPEN
    assert websockets.asyncio.connection.State is State
    assert websockets.asyncio.connection.DATA_OPCODES is DATA_OPCODES


def test_asyncio_connection_is_an_asyncio_protocol_that_reads_into_buffers():
    connection_class = websockets.asyncio.connection.Connection
    assert issubclass(connection_class, asyncio.Protocol)
    assert issubclass(connection_class, asyncio.BufferedProtocol)


async def test_set_connection_exc_keeps_the_first_exception():
    async def handler(websocket):
        await websocket.wait_closed()

    async with websockets.asyncio.server.serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        async with websockets.asyncio.client.connect(
            f"ws://127.0.0.1:{port}/"
        ) as client:
            first, second = ValueError("first"), ValueError("second")
            client.set_connection_exc(first)
            client.set_connection_exc(second)
            assert client.recv_exc is first


@pytest.mark.parametrize(
    "module", [websockets.asyncio.messages, websockets.sync.messages]
)
def test_max_fragments_is_none_by_default(module):
    assert module.MAX_FRAGMENTS is None


def test_max_fragments_comes_from_the_environment():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import websockets.asyncio.messages as a, websockets.sync.messages as s;"
            "print(a.MAX_FRAGMENTS, s.MAX_FRAGMENTS)",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"WEBSOCKETS_MAX_FRAGMENTS": "12", "PYTHONPATH": str(REPO)},
        timeout=60,
        check=True,
    )
    assert result.stdout.split() == ["12", "12"]


with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from websockets.legacy.protocol import WebSocketCommonProtocol
    from websockets.legacy.server import WebSocketServer


async def test_legacy_common_protocol_takes_the_legacy_arguments():
    protocol = WebSocketCommonProtocol(
        ping_interval=None, close_timeout=3, max_size=None, read_limit=7
    )
    assert (protocol.ping_interval, protocol.close_timeout, protocol.max_size) == (
        None,
        3,
        None,
    )
    assert protocol.read_limit == 7
    assert not protocol.open and not protocol.closed


async def test_legacy_common_protocol_warns_about_deprecated_arguments():
    with pytest.warns(DeprecationWarning) as record:
        protocol = WebSocketCommonProtocol(
            timeout=5, loop=asyncio.get_running_loop(), legacy_recv=True
        )
    assert [str(warning.message) for warning in record] == [
        "legacy_recv is deprecated",
        "rename timeout to close_timeout",
        "remove loop argument",
    ]
    assert protocol.close_timeout == 5 and protocol.legacy_recv


def test_legacy_signatures_have_no_asyncio_extras():
    assert list(inspect.signature(WebSocketCommonProtocol.recv).parameters) == ["self"]
    assert list(inspect.signature(WebSocketCommonProtocol.send).parameters) == [
        "self",
        "message",
    ]
    assert list(inspect.signature(WebSocketServer.close).parameters) == [
        "self",
        "close_connections",
    ]


LEGACY_COMMON_PROTOCOL_PROGRAM = r"""
import asyncio, os, warnings
warnings.simplefilter("ignore")
from websockets.legacy.protocol import WebSocketCommonProtocol

async def main():
    for kwargs in [
        {}, {"timeout": 5}, {"loop": asyncio.get_running_loop()}, {"legacy_recv": True},
        {"close_timeout": 3, "timeout": 5},
        {"max_queue": None, "ping_interval": None, "max_size": None},
        {"host": "h", "port": 1, "secure": True, "read_limit": 7, "write_limit": 9},
        {"timeout": 1, "loop": asyncio.get_running_loop(), "legacy_recv": True},
    ]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            protocol = WebSocketCommonProtocol(**kwargs)
        print(sorted(kwargs), [(str(w.message), os.path.basename(w.filename)) for w in caught])
        print(protocol.close_timeout, protocol.ping_interval, protocol.ping_timeout,
              protocol.max_size, protocol.read_limit, protocol.legacy_recv,
              int(protocol.state), protocol.open, protocol.closed)

asyncio.run(main())
"""


def test_legacy_common_protocol_constructor_behaves_as_in_17_4(upstream, tmp_path):
    ours, released = run_twins(upstream, tmp_path, LEGACY_COMMON_PROTOCOL_PROGRAM)
    assert "rename timeout to close_timeout" in released
    assert ours == released
