"""
Helpers for the tests of websockets.sync.

"""

from __future__ import annotations

import contextlib
import pathlib
import threading
import time
from collections.abc import Callable

from tests.children import child_env as subprocess_env  # noqa: F401


REPO = pathlib.Path(__file__).resolve().parents[2]

# Every wait in these tests ends by this deadline, in seconds: a regression
# fails the test instead of hanging the run.
DEADLINE = 10


def wait_until(predicate: Callable[[], object], timeout: float = DEADLINE) -> None:
    """Poll ``predicate`` until it's true; fail the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout}s: {predicate}")
        time.sleep(0.001)


def join(thread: threading.Thread, timeout: float = DEADLINE) -> None:
    """Join ``thread``; fail the test if it's still running after ``timeout``."""
    thread.join(timeout)
    assert not thread.is_alive(), f"{thread.name} still running after {timeout}s"


@contextlib.contextmanager
def run_server(handler, host="127.0.0.1", port=0, **kwargs):
    """Run a sync server in a thread; shut it down and join it on exit."""
    from websockets.sync.server import serve

    with serve(handler, host, port, **kwargs) as server:
        thread = threading.Thread(target=server.serve_forever)
        thread.start()
        try:
            yield server
        finally:
            server.shutdown()
            join(thread)


@contextlib.contextmanager
def run_unix_server(handler, path, **kwargs):
    """Like :func:`run_server` for a Unix socket."""
    from websockets.sync.server import unix_serve

    with unix_serve(handler, path, **kwargs) as server:
        thread = threading.Thread(target=server.serve_forever)
        thread.start()
        try:
            yield server
        finally:
            server.shutdown()
            join(thread)


def uri(server, scheme="ws", path="/"):
    host, port = server.socket.getsockname()[:2]
    return f"{scheme}://{host}:{port}{path}"


def echo(websocket):
    for message in websocket:
        websocket.send(message)
