"""
Tests for the interactive client, ``python -m websockets``.

End-to-end tests run it in a pseudo-terminal against a server on 127.0.0.1.

"""

from __future__ import annotations

import contextlib
import os
import pathlib
import select
import socket
import subprocess
import sys
import threading
import time

import pytest

import websockets
from websockets import _accel
from websockets.cli import (
    escape,
    main,
    print_during_input,
    print_over_input,
)
from websockets.sync.server import serve
from websockets.version import version


REPO = pathlib.Path(__file__).resolve().parents[1]

# Safety net against hangs; no assertion depends on it.
TIMEOUT = 10


# Helpers


def test_escape_leaves_printable_text_alone():
    assert escape("hello, wörld! 😀") == "hello, wörld! 😀"


@pytest.mark.parametrize(
    "string, escaped",
    [
        ("\x00", "\\x00"),
        ("\t", "\\t"),
        ("\n", "\\n"),
        ("\r", "\\r"),
        ("\x1b[31mred", "\\x1b[31mred"),
        ("\x7f", "\\x7f"),
        ("\x9b", "\\x9b"),
        ("\xa0", "\xa0"),
    ],
)
def test_escape_escapes_control_characters(string, escaped):
    assert escape(string) == escaped


def test_print_during_input(capsys):
    print_during_input("< hello")
    assert capsys.readouterr().out == "\x1b7\n\x1b[A\x1b[L< hello\n\x1b8\x1b[B"


def test_print_over_input(capsys):
    print_over_input("Connection closed.")
    assert capsys.readouterr().out == "\r\x1b[KConnection closed.\n"


# Command line


def test_version_exits_with_0_and_first_line_is_the_releases(capsys):
    with pytest.raises(SystemExit) as raised:
        main(["--version"])
    assert raised.value.code == 0
    assert capsys.readouterr().out.splitlines()[0] == f"websockets {version}"


def test_version_second_line_names_this_project_kernels_and_path(capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    kinds = set(_accel.ACTIVE.values())
    assert len(kinds) == 1
    package = os.path.dirname(os.path.abspath(websockets.__file__))
    assert capsys.readouterr().out.splitlines()[1:] == [
        f"websockets-speedy {version} ({kinds.pop()} kernels) in {package}"
    ]


def test_help_prints_usage_and_exits_with_0(capsys):
    with pytest.raises(SystemExit) as raised:
        main(["--help"])
    assert raised.value.code == 0
    assert capsys.readouterr().out == (
        "usage: websockets [--help] [--insecure] [--version] [<uri>]\n"
    )


def test_missing_uri_prints_usage_and_exits_with_2(capsys):
    with pytest.raises(SystemExit) as raised:
        main([])
    assert raised.value.code == 2
    assert capsys.readouterr().out.startswith("usage: websockets")


def test_unknown_option_exits_with_2(capsys):
    with pytest.raises(SystemExit) as raised:
        main(["--bogus"])
    assert raised.value.code == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


def test_connection_failure_exits_with_1(capsys):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(SystemExit) as raised:
        main([f"ws://127.0.0.1:{port}/"])
    assert raised.value.code == 1
    out = capsys.readouterr().out
    assert out.startswith(f"Failed to connect to ws://127.0.0.1:{port}/: ")
    assert out.endswith(".\n")


def test_invalid_uri_exits_with_1(capsys):
    with pytest.raises(SystemExit) as raised:
        main(["http://127.0.0.1/"])
    assert raised.value.code == 1
    assert capsys.readouterr().out == (
        "Failed to connect to http://127.0.0.1/: "
        "http://127.0.0.1/ isn't a valid URI: scheme isn't ws or wss.\n"
    )


# End-to-end, in a pseudo-terminal


def handler(websocket):
    path = websocket.request.path
    if path == "/greet":
        websocket.send("hello \x1b[31mred\x1b[0m")
        websocket.send(b"\x01\x02bin")
    if path == "/bye":
        websocket.close(1001, "bye")
        return
    for message in websocket:
        websocket.send(message)


@contextlib.contextmanager
def run_server(**kwargs):
    with serve(handler, "127.0.0.1", 0, **kwargs) as server:
        thread = threading.Thread(target=server.serve_forever)
        thread.start()
        try:
            yield server.socket.getsockname()[1]
        finally:
            server.shutdown()
            thread.join()


class Terminal:
    """Run ``python -m websockets`` in a pseudo-terminal."""

    def __init__(self, *args):
        import pty  # not available on Windows

        self.master, slave = pty.openpty()
        env = dict(os.environ)
        env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "websockets", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=REPO,
            env=env,
        )
        os.close(slave)
        self.output = b""

    def expect(self, marker):
        """Read until ``marker`` is in the output; return the output."""
        deadline = time.monotonic() + TIMEOUT
        while marker not in self.output:
            timeout = deadline - time.monotonic()
            assert timeout > 0, f"{marker!r} not in {self.output!r}"
            ready, _, _ = select.select([self.master], [], [], timeout)
            if ready:
                try:
                    data = os.read(self.master, 4096)
                except OSError:  # EIO: the process closed the terminal
                    data = b""
                assert data, f"{marker!r} not in {self.output!r}"
                self.output += data
        return self.output

    def type(self, data):
        os.write(self.master, data)

    def wait(self):
        try:
            return self.process.wait(TIMEOUT)
        finally:
            os.close(self.master)

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@contextlib.contextmanager
def terminal(*args):
    term = Terminal(*args)
    try:
        yield term
    finally:
        term.kill()


def test_send_line_receive_echo_and_close_with_ctrl_d():
    with run_server() as port:
        uri = f"ws://127.0.0.1:{port}/"
        with terminal(uri) as term:
            term.expect(f"Connected to {uri}.\r\n> ".encode())
            term.type(b"hello\n")
            term.expect(b"< hello\r\n")
            term.type(b"\x04")  # Ctrl-D
            output = term.expect(b"Connection closed: 1000 (OK).\r\n")
            assert term.wait() == 0
    assert b"\x1b7\r\n\x1b[A\x1b[L< hello\r\n\x1b8\x1b[B" in output


def test_incoming_messages_are_escaped_and_binary_is_hex():
    with run_server() as port:
        with terminal(f"ws://127.0.0.1:{port}/greet") as term:
            term.expect(b"< hello \\x1b[31mred\\x1b[0m\r\n")
            term.expect(b"< (binary) 010262696e\r\n")
            term.type(b"\x04")
            term.expect(b"Connection closed: 1000 (OK).\r\n")
            assert term.wait() == 0


def test_server_closing_connection_ends_client():
    with run_server() as port:
        with terminal(f"ws://127.0.0.1:{port}/bye") as term:
            term.expect(b"\r\x1b[KConnection closed: 1001 (going away) bye.\r\n")
            assert term.wait() == 0


def test_self_signed_certificate_is_rejected(server_ssl):
    with run_server(ssl=server_ssl) as port:
        uri = f"wss://127.0.0.1:{port}/"
        with terminal(uri) as term:
            term.expect(f"Failed to connect to {uri}: ".encode())
            term.expect(b"CERTIFICATE_VERIFY_FAILED")
            assert term.wait() == 1


def test_insecure_skips_certificate_verification(server_ssl):
    with run_server(ssl=server_ssl) as port:
        uri = f"wss://127.0.0.1:{port}/"
        with terminal("--insecure", uri) as term:
            term.expect(f"Connected to {uri}.\r\n".encode())
            term.type(b"secret\n")
            term.expect(b"< secret\r\n")
            term.type(b"\x04")
            term.expect(b"Connection closed: 1000 (OK).\r\n")
            assert term.wait() == 0
