"""
Small version of the load test (:mod:`tests.reliability.load`).

Both servers, this repository's and the released websockets', run in their
own processes and broadcast to the same clients; see ``docs/reliability.rst``
for the full-size run (10,000 connections, 60 s).

"""

from __future__ import annotations

import sys

import pytest

from tests.reliability.load import REPO, kernels, run_load


CONNECTIONS = 300
DURATION = 3
RATE = 2


def run(python: str, pythonpath: str | None) -> dict:
    return run_load(
        connections=CONNECTIONS,
        duration=DURATION,
        rate=RATE,
        size=1024,
        clients=2,
        server_python=python,
        server_pythonpath=pythonpath,
    )


@pytest.fixture(scope="module")
def ours() -> dict:
    return run(sys.executable, str(REPO))


@pytest.fixture(scope="module")
def upstream_load(upstream) -> dict:
    return run(upstream.python, None)


def test_server_under_test_is_this_repository(ours, upstream_load):
    assert ours["websockets"].startswith(str(REPO))
    assert not upstream_load["websockets"].startswith(str(REPO))
    # The server process runs the same kernels (compiled or pure) as this one.
    assert ours["kernels"] == kernels()


def test_every_connection_receives_every_broadcast_in_order(ours):
    assert ours["connections"] == CONNECTIONS
    assert ours["connections_after_broadcast"] == CONNECTIONS
    assert ours["errors"] == []
    assert ours["min_received"] == ours["max_received"] == DURATION * RATE


def test_released_websockets_passes_the_same_load(upstream_load):
    assert upstream_load["errors"] == []
    assert upstream_load["min_received"] == upstream_load["max_received"] == DURATION * RATE


def test_memory_per_connection_is_no_more_than_websockets(ours, upstream_load):
    # At a few hundred connections, RSS per connection is noisy: buffers
    # freed after the handshakes may leave the heap larger, by up to 6 KiB
    # per connection in repeated runs. The allowance still catches a buffer
    # kept per connection (bug 3 in docs/reliability.rst measured 78 KiB
    # against 15 KiB); the full-size run in the docs is the real measure.
    assert ours["bytes_per_connection"] <= upstream_load["bytes_per_connection"] + 8192
