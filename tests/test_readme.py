"""
The commands README.rst gives a new user work as written.

"""

import os
import pathlib
import re
import socket
import subprocess
import sys
import threading


ROOT = pathlib.Path(__file__).resolve().parent.parent
README = (ROOT / "README.rst").read_text()


def free_port():
    with socket.socket() as sock:
        sock.bind(("localhost", 0))
        return sock.getsockname()[1]


# Every wait on a subprocess ends by this deadline, in seconds.
DEADLINE = 30


def kill_after_deadline(*processes: subprocess.Popen) -> threading.Timer:
    """
    Kill ``processes`` once the deadline passes.

    Reading a pipe has no timeout; a killed process closes its pipes, so a
    blocked ``readline()`` returns and the test fails instead of hanging.

    """
    timer = threading.Timer(DEADLINE, lambda: [p.kill() for p in processes])
    timer.daemon = True
    timer.start()
    return timer


def test_readme_try_it_runs_the_echo_example_and_the_interactive_client():
    assert "python examples/echo.py" in README
    assert "python -m websockets ws://localhost:8765/" in README
    port = free_port()
    env = dict(os.environ, PORT=str(port), PYTHONPATH=str(ROOT))
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "examples" / "echo.py")],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    watchdog = kill_after_deadline(server)
    try:
        assert "listening" in server.stdout.readline()
        client = subprocess.Popen(
            [sys.executable, "-m", "websockets", f"ws://localhost:{port}/"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        client_watchdog = kill_after_deadline(client)
        try:
            client.stdin.write("Hello, world!\n")
            client.stdin.flush()
            output = ""
            # Wait for the echo before closing stdin (Ctrl-D), which closes
            # the connection.
            while "< Hello, world!" not in output:
                line = client.stdout.readline()
                assert line, output
                output += line
            client.stdin.close()
            output += client.stdout.read()
            assert client.wait(timeout=DEADLINE) == 0
        finally:
            client_watchdog.cancel()
            client.kill()
        assert f"Connected to ws://localhost:{port}/." in output
        assert "Connection closed: 1000 (OK)." in output
    finally:
        watchdog.cancel()
        server.terminate()
        server.wait(timeout=DEADLINE)


def test_readme_test_command_runs_both_modes():
    commands = re.findall(r"^\s+\$ (.*)$", README, re.MULTILINE)
    assert any(
        "WEBSOCKETS_REQUIRE_SPEEDUPS=1 python -m pytest" in command
        and "WEBSOCKETS_NO_SPEEDUPS=1 python -m pytest" in command
        for command in commands
    )
