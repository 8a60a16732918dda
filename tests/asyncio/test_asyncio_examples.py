"""
The getting-started examples run unchanged, each as a separate process.

They listen on the ports the documentation shows (8765, 5678, 6789); a test
fails with a clear message when another process holds one of them.

"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import json
import pathlib
import shutil
import socket
import sys
import tempfile
import time

import pytest
from conftest import subprocess_env

from websockets.asyncio.client import connect


EXAMPLES = pathlib.Path(__file__).with_name("examples")


# Every wait on an example process ends by this deadline, in seconds.
DEADLINE = 30


@pytest.fixture(autouse=True)
def documented_ports():
    """
    Hold the documented ports for this test, against other runs of the suite.

    Two runs on one machine (CI runs several Python versions at once) would
    otherwise start the same example on the same port; the second would fail
    for a reason that has nothing to do with the code. A lock file in the
    system's temporary directory serializes these tests across runs; a
    process that isn't a test run still makes check_port_is_free() fail.

    """
    path = pathlib.Path(tempfile.gettempdir()) / "websockets-speedy-example-ports.lock"
    with open(path, "a") as lock:
        deadline = time.monotonic() + 10 * DEADLINE
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"another test run held {path} for {10 * DEADLINE}s"
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def check_port_is_free(port: int) -> None:
    """
    Fail loudly if something already listens on an example's documented port.

    The examples run unchanged, so they listen where the documentation says;
    a test that connected to another process there would test nothing.

    """
    for family, address in [(socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")]:
        with socket.socket(family) as sock:
            # Like the examples' servers: a connection in TIME_WAIT doesn't
            # hold the port, a listening socket does.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((address, port))
            except OSError as exc:
                if exc.errno == errno.EADDRNOTAVAIL:  # no IPv6 on this host
                    continue
                raise AssertionError(
                    f"port {port} on {address} is taken by another process; this"
                    f" example must listen on its documented port: stop that"
                    f" process (e.g. examples/echo.py from README's 'Try it')"
                ) from exc


async def start(script: pathlib.Path, port: int) -> asyncio.subprocess.Process:
    check_port_is_free(port)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        env=subprocess_env(),
        cwd=str(script.parent),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    # Wait until the server accepts connections, or exits, or the deadline.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE
    while loop.time() < deadline and process.returncode is None:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.01)
        else:
            writer.close()
            # The port was free before: the listener is this example.
            assert process.returncode is None
            return process
    if process.returncode is None:
        process.kill()
    _, stderr = await asyncio.wait_for(process.communicate(), DEADLINE)
    raise AssertionError(f"{script.name} didn't start: {stderr.decode()}")


async def stop(process: asyncio.subprocess.Process) -> bytes:
    process.terminate()
    stdout, _ = await asyncio.wait_for(process.communicate(), DEADLINE)
    return stdout


async def run_client(script: pathlib.Path, stdin: bytes) -> bytes:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        env=subprocess_env(),
        cwd=str(script.parent),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(stdin), DEADLINE)
    finally:
        if process.returncode is None:
            process.kill()
            await asyncio.wait_for(process.wait(), DEADLINE)
    assert process.returncode == 0, stderr.decode()
    return stdout


async def test_basic_server_and_client():
    server = await start(EXAMPLES / "server.py", 8765)
    try:
        output = await run_client(EXAMPLES / "client.py", b"Alice\n")
        assert output.endswith(b"> Alice\n< Hello Alice!\n")
    finally:
        output = await stop(server)
    assert output == b"< Alice\n> Hello Alice!\n"


async def test_secure_server_and_client(tmp_path, certs):
    ca, cert, _, _ = certs
    for name in ["secure_server.py", "secure_client.py"]:
        shutil.copy(EXAMPLES / name, tmp_path / name)
    # One file serves both: the server loads the key and the chain, the
    # client trusts every certificate in it, including the CA.
    pem = cert.private_key_and_cert_chain_pem.bytes()
    (tmp_path / "localhost.pem").write_bytes(pem + ca.cert_pem.bytes())
    server = await start(tmp_path / "secure_server.py", 8765)
    try:
        output = await run_client(tmp_path / "secure_client.py", b"Bob\n")
        assert output.endswith(b"> Bob\n< Hello Bob!\n")
    finally:
        await stop(server)


async def test_show_time_server():
    server = await start(EXAMPLES / "show_time.py", 5678)
    try:
        async with connect("ws://127.0.0.1:5678/") as ws:
            message = await ws.recv()
            assert message.endswith("Z") and "T" in message
    finally:
        await stop(server)


async def test_counter_server_with_broadcast():
    server = await start(EXAMPLES / "counter.py", 6789)
    try:
        async with connect("ws://localhost:6789/") as ws1:
            assert json.loads(await ws1.recv()) == {"type": "users", "count": 1}
            assert json.loads(await ws1.recv()) == {"type": "state", "value": 0}
            async with connect("ws://localhost:6789/") as ws2:
                assert json.loads(await ws1.recv()) == {"type": "users", "count": 2}
                await ws2.recv()
                await ws2.recv()
                await ws2.send(json.dumps({"action": "plus"}))
                assert json.loads(await ws1.recv()) == {"type": "state", "value": 1}
                assert json.loads(await ws2.recv()) == {"type": "state", "value": 1}
            assert json.loads(await ws1.recv()) == {"type": "users", "count": 1}
    finally:
        await stop(server)
