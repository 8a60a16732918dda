"""
Helpers for the tests of websockets.sync.

"""

from __future__ import annotations

import contextlib
import os
import pathlib
import threading


REPO = pathlib.Path(__file__).resolve().parents[2]


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


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
            thread.join()


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
            thread.join()


def uri(server, scheme="ws", path="/"):
    host, port = server.socket.getsockname()[:2]
    return f"{scheme}://{host}:{port}{path}"


def echo(websocket):
    for message in websocket:
        websocket.send(message)
