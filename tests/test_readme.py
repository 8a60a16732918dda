"""
The commands README.rst gives a new user work as written.

"""

import os
import pathlib
import re
import socket
import subprocess
import sys


ROOT = pathlib.Path(__file__).resolve().parent.parent
README = (ROOT / "README.rst").read_text()


def free_port():
    with socket.socket() as sock:
        sock.bind(("localhost", 0))
        return sock.getsockname()[1]


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
    try:
        assert "listening" in server.stdout.readline()
        client = subprocess.run(
            [sys.executable, "-m", "websockets", f"ws://localhost:{port}/"],
            input="Hello, world!\n",
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert f"Connected to ws://localhost:{port}/." in client.stdout
        assert "< Hello, world!" in client.stdout
        assert client.returncode == 0
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_readme_test_command_runs_both_modes():
    commands = re.findall(r"^\s+\$ (.*)$", README, re.MULTILINE)
    assert any(
        "WEBSOCKETS_REQUIRE_SPEEDUPS=1 python -m pytest" in command
        and "WEBSOCKETS_NO_SPEEDUPS=1 python -m pytest" in command
        for command in commands
    )
