"""
The documentation: its example programs run, and its reference is complete.

Each program in ``docs/examples/`` runs as a separate process, like a reader
would run it, against a real client on 127.0.0.1. The programs listen on the
fixed ports that the documentation shows; tests run copies where the port is
replaced with a free one and ``localhost`` with ``127.0.0.1``, so that they
don't collide with other tests or with another run of the suite.

The reference tests parse the ``auto*`` directives of ``docs/**/*.rst``
rather than building the documentation, which takes too long for the test
suite; ``docs/build.sh`` builds it with warnings as errors.

"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import pathlib
import re
import signal
import socket
import sys

import pytest

from tests.children import child_env as example_env
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus


REPO = pathlib.Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
EXAMPLES = DOCS / "examples"

# The ports that the examples listen on.
EXAMPLE_PORTS = ("8765", "5678", "6789")


# Running the examples


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]




def copy_example(name: str, directory: pathlib.Path, port: int) -> pathlib.Path:
    source = (EXAMPLES / name).read_text()
    # In one pass, whole numbers only: replacing the ports one after the
    # other could replace part of a port written by an earlier replacement.
    documented = "|".join(EXAMPLE_PORTS)
    source = re.sub(rf"\b(?:{documented})\b", str(port), source)
    # Host names, not file names such as localhost.pem.
    source = re.sub(r'(?<=["/])localhost(?=[":])', "127.0.0.1", source)
    target = directory / name
    target.write_text(source)
    return target


# Every wait on an example process ends by this deadline, in seconds.
DEADLINE = 30


class Example:
    """An example server running in a subprocess."""

    def __init__(self, script: pathlib.Path, port: int, **env: str) -> None:
        self.script = script
        self.port = port
        self.env = env
        self.uri = f"ws://127.0.0.1:{port}/"
        self.printed = ""
        self.output: str | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(self.script),
            cwd=str(self.script.parent),
            env=example_env(**self.env),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        # Wait until the server accepts connections, exits, or the deadline.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + DEADLINE
        while self.process.returncode is None and loop.time() < deadline:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                await asyncio.sleep(0.02)
            else:
                writer.close()
                await writer.wait_closed()
                return
        if self.process.returncode is None:
            self.process.kill()
        _, stderr = await asyncio.wait_for(self.process.communicate(), DEADLINE)
        raise AssertionError(f"{self.script.name} didn't start:\n{stderr.decode()}")

    async def wait_for_output(self, text: str) -> None:
        """
        Read what the server prints until it ends with ``text``.

        A handler may still be processing messages after the client has
        closed its connection: a test reads the output it expects before
        stopping the server, so that the stop can't cut it short.

        """
        assert self.process.stdout is not None
        while not self.printed.endswith(text):
            try:
                line = await asyncio.wait_for(self.process.stdout.readline(), DEADLINE)
            except asyncio.TimeoutError:
                raise AssertionError(
                    f"{self.script.name} didn't print {text!r} in {DEADLINE}s;"
                    f" it printed {self.printed!r}"
                ) from None
            assert line, f"{self.script.name} exited; it printed {self.printed!r}"
            self.printed += line.decode()

    async def stop(self) -> str:
        """Stop the server like Ctrl-C would, and return what it printed."""
        if self.output is None:
            if self.process.returncode is None:
                self.process.send_signal(signal.SIGINT)
            try:
                stdout, _ = await asyncio.wait_for(
                    self.process.communicate(), DEADLINE
                )
            finally:
                if self.process.returncode is None:
                    self.process.kill()
                    await asyncio.wait_for(self.process.wait(), DEADLINE)
            self.output = self.printed + stdout.decode()
        return self.output

    async def __aenter__(self) -> Example:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


async def run_script(
    args: list[str], cwd: pathlib.Path, stdin: bytes = b"", **env: str
) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        cwd=str(cwd),
        env=example_env(**env),
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
    return stdout.decode()


@pytest.fixture
def port() -> int:
    return free_port()


async def test_basic_example_greets_the_client(tmp_path, port):
    server = copy_example("server.py", tmp_path, port)
    client = copy_example("client.py", tmp_path, port)
    async with Example(server, port) as example:
        output = await run_script([str(client)], tmp_path, b"Alice\n")
        assert output == "What's your name? > Alice\n< Hello Alice!\n"
        await example.wait_for_output("> Hello Alice!\n")
    assert await example.stop() == "< Alice\n> Hello Alice!\n"


async def test_trio_example_greets_the_client(tmp_path, port):
    server = copy_example("trio_server.py", tmp_path, port)
    client = copy_example("trio_client.py", tmp_path, port)
    async with Example(server, port) as example:
        output = await run_script([str(client)], tmp_path, b"Alice\n")
        assert output == "What's your name? > Alice\n< Hello Alice!\n"
        await example.wait_for_output("> Hello Alice!\n")
    assert await example.stop() == "< Alice\n> Hello Alice!\n"


async def test_secure_example_greets_the_client_over_tls(tmp_path, port, certs):
    ca, cert, _, _ = certs
    # One file serves both: the server loads the key and the certificate
    # chain; the client trusts every certificate in it, including the CA's.
    (tmp_path / "localhost.pem").write_bytes(
        cert.private_key_and_cert_chain_pem.bytes() + ca.cert_pem.bytes()
    )
    server = copy_example("secure_server.py", tmp_path, port)
    client = copy_example("secure_client.py", tmp_path, port)
    async with Example(server, port):
        output = await run_script([str(client)], tmp_path, b"Bob\n")
    assert output == "What's your name? > Bob\n< Hello Bob!\n"


async def test_show_time_example_sends_utc_timestamps(tmp_path, port):
    server = copy_example("show_time.py", tmp_path, port)
    async with Example(server, port) as example:
        async with connect(example.uri) as websocket:
            message = await websocket.recv()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", message)


async def test_show_time_page_connects_to_the_example_port():
    page = (EXAMPLES / "show_time.html").read_text()
    assert 'new WebSocket("ws://localhost:5678/")' in page
    assert '"localhost", 5678' in (EXAMPLES / "show_time.py").read_text()


async def test_counter_example_synchronizes_clients_with_broadcast(tmp_path, port):
    server = copy_example("counter.py", tmp_path, port)
    async with Example(server, port) as example:
        async with connect(example.uri) as ws1:
            assert json.loads(await ws1.recv()) == {"type": "users", "count": 1}
            assert json.loads(await ws1.recv()) == {"type": "value", "value": 0}
            async with connect(example.uri) as ws2:
                assert json.loads(await ws1.recv()) == {"type": "users", "count": 2}
                assert json.loads(await ws2.recv()) == {"type": "users", "count": 2}
                assert json.loads(await ws2.recv()) == {"type": "value", "value": 0}
                await ws2.send(json.dumps({"action": "plus"}))
                assert json.loads(await ws1.recv()) == {"type": "value", "value": 1}
                assert json.loads(await ws2.recv()) == {"type": "value", "value": 1}
                await ws1.send(json.dumps({"action": "minus"}))
                assert json.loads(await ws1.recv()) == {"type": "value", "value": 0}
                assert json.loads(await ws2.recv()) == {"type": "value", "value": 0}
            assert json.loads(await ws1.recv()) == {"type": "users", "count": 1}


async def test_counter_page_connects_to_the_example_port():
    page = (EXAMPLES / "counter.html").read_text()
    assert 'new WebSocket("ws://localhost:6789/")' in page
    assert '"localhost", 6789' in (EXAMPLES / "counter.py").read_text()


async def test_consumer_example_processes_every_message(tmp_path, port):
    server = copy_example("consumer.py", tmp_path, port)
    async with Example(server, port) as example:
        async with connect(example.uri) as websocket:
            await websocket.send("one")
            await websocket.send("two")
        await example.wait_for_output("< two\n")
    assert await example.stop() == "< one\n< two\n"


async def test_producer_example_sends_messages(tmp_path, port):
    server = copy_example("producer.py", tmp_path, port)
    async with Example(server, port) as example:
        async with connect(example.uri) as websocket:
            assert await websocket.recv() == "message 1"
            assert await websocket.recv() == "message 2"


async def test_both_example_consumes_and_produces(tmp_path, port):
    server = copy_example("both.py", tmp_path, port)
    async with Example(server, port) as example:
        async with connect(example.uri) as websocket:
            await websocket.send("hi")
            assert await websocket.recv() == "message 1"
        await example.wait_for_output("< hi\n")
    assert await example.stop() == "< hi\n"


async def test_registration_example_greets_every_connected_client(tmp_path, port):
    server = copy_example("registration.py", tmp_path, port)
    async with Example(server, port) as example:
        async with connect(example.uri) as ws1:
            assert await ws1.recv() == "Hello! 1 connected."
            async with connect(example.uri) as ws2:
                assert await ws1.recv() == "Hello! 2 connected."
                assert await ws2.recv() == "Hello! 2 connected."
            async with connect(example.uri) as ws3:
                # ws2 unregistered when it disconnected.
                assert await ws1.recv() == "Hello! 2 connected."
                assert await ws3.recv() == "Hello! 2 connected."


async def test_interactive_client_sends_lines(tmp_path, port):
    server = copy_example("consumer.py", tmp_path, port)
    async with Example(server, port) as example:
        output = await run_script(
            ["-m", "websockets", example.uri], tmp_path, b"Hello!\n"
        )
        assert f"Connected to {example.uri}." in output
        await example.wait_for_output("< Hello!\n")
    assert await example.stop() == "< Hello!\n"


async def test_basic_auth_example_rejects_then_accepts(tmp_path, port):
    server = copy_example("basic_auth_server.py", tmp_path, port)
    async with Example(server, port, ALICE_PASSWORD="s3cret") as example:
        with pytest.raises(InvalidStatus) as raised:
            async with connect(example.uri):
                pass
        assert raised.value.response.status_code == 401
        with pytest.raises(InvalidStatus) as raised:
            async with connect(f"ws://alice:wrong@127.0.0.1:{port}/"):
                pass
        assert raised.value.response.status_code == 401
        async with connect(f"ws://alice:s3cret@127.0.0.1:{port}/") as websocket:
            assert await websocket.recv() == "Hello alice!"


async def test_health_check_example_answers_http_and_websocket(tmp_path, port):
    server = copy_example("health_check_server.py", tmp_path, port)
    async with Example(server, port) as example:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        response = await reader.read()
        writer.close()
        await writer.wait_closed()
        assert response.startswith(b"HTTP/1.1 200 OK\r\n")
        assert response.endswith(b"\r\n\r\nOK\n")
        async with connect(example.uri) as websocket:
            await websocket.send("ping?")
            assert await websocket.recv() == "ping?"


async def test_reconnecting_client_example_survives_a_server_restart(tmp_path, port):
    server = copy_example("producer.py", tmp_path, port)
    client_script = copy_example("reconnecting_client.py", tmp_path, port)
    # Short backoff delays, so that the client reconnects quickly.
    backoff = {
        "WEBSOCKETS_BACKOFF_INITIAL_DELAY": "0.05",
        "WEBSOCKETS_BACKOFF_MIN_DELAY": "0.05",
        "WEBSOCKETS_BACKOFF_MAX_DELAY": "0.2",
    }
    example = Example(server, port)
    await example.start()
    client = await asyncio.create_subprocess_exec(
        sys.executable,
        str(client_script),
        cwd=str(tmp_path),
        env=example_env(**backoff),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert client.stdout is not None
        for expected in [b"< message 1\n", b"< message 2\n"]:
            line = await asyncio.wait_for(client.stdout.readline(), DEADLINE)
            assert line == expected
        await example.stop()
        # A new server process: it counts messages from 1 again.
        example = Example(server, port)
        await example.start()
        stdout, stderr = await asyncio.wait_for(client.communicate(), DEADLINE)
        assert client.returncode == 0, stderr.decode()
        assert stdout.decode().splitlines() == [
            "< message 1",
            "< message 2",
            "< message 3",
        ]
    finally:
        if client.returncode is None:
            client.kill()
            await asyncio.wait_for(client.wait(), DEADLINE)
        await example.stop()


# The API reference


# Public modules, whose __all__ the reference must cover.
PUBLIC_MODULES = [
    "websockets",
    "websockets.asyncio.server",
    "websockets.asyncio.client",
    "websockets.asyncio.connection",
    "websockets.asyncio.router",
    "websockets.sync.server",
    "websockets.sync.client",
    "websockets.sync.connection",
    "websockets.sync.router",
    "websockets.trio.server",
    "websockets.trio.client",
    "websockets.trio.connection",
    "websockets.trio.router",
    "websockets.trio.utils",
    "websockets.trio.messages",
    "websockets.protocol",
    "websockets.client",
    "websockets.server",
    "websockets.frames",
    "websockets.http11",
    "websockets.datastructures",
    "websockets.uri",
    "websockets.headers",
    "websockets.extensions",
    "websockets.extensions.base",
    "websockets.extensions.permessage_deflate",
    "websockets.exceptions",
    "websockets.typing",
    "websockets.utils",
]

DIRECTIVE = re.compile(r"^\s*\.\. (?:py:)?(\w+)::\s*(\S+)", re.MULTILINE)
MODULE_DIRECTIVES = {"automodule", "module", "currentmodule"}
OBJECT_DIRECTIVES = {
    "autofunction",
    "autoclass",
    "autoexception",
    "autodata",
    "autoattribute",
    "automethod",
    "function",
    "class",
    "exception",
    "data",
    "attribute",
}


def rst_files() -> list[pathlib.Path]:
    return [
        path
        for path in sorted(DOCS.rglob("*.rst"))
        if path.relative_to(DOCS).parts[0] not in {"design", "examples"}
    ]


def documented_names() -> set[str]:
    """Full names of the objects that the reference documents."""
    names = set()
    for path in rst_files():
        module = None
        for directive, argument in DIRECTIVE.findall(path.read_text()):
            if directive in MODULE_DIRECTIVES:
                module = argument
            elif directive in OBJECT_DIRECTIVES:
                names.add(argument if module is None else f"{module}.{argument}")
    return names


def resolve(name: str) -> object:
    """Import the object that a full name refers to."""
    parts = name.split(".")
    for index in range(len(parts), 0, -1):
        try:
            value = importlib.import_module(".".join(parts[:index]))
        except ImportError:
            continue
        for part in parts[index:]:
            value = getattr(value, part)
        return value
    raise ImportError(name)


def test_reference_documents_every_public_name():
    # A name is documented when the reference documents the same object
    # under the same name, in its defining module or in a re-exporting one.
    documented: dict[str, list[object]] = {}
    for name in documented_names():
        documented.setdefault(name.rpartition(".")[2], []).append(resolve(name))
    missing = []
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            value = getattr(module, name)
            if not any(value is other for other in documented.get(name, [])):
                missing.append(f"{module_name}.{name}")
    assert missing == [], f"not in docs/reference: {missing}"


def test_reference_documents_only_existing_names():
    for name in documented_names():
        resolve(name)  # raises if the name doesn't exist


def test_package_page_lists_every_top_level_name():
    import websockets

    page = (DOCS / "reference" / "websockets.rst").read_text()
    listed = set(re.findall(r":\w+:`(\w+) <websockets\.[\w.]+>`", page))
    assert set(websockets.__all__) - listed == set()
    for name in websockets.__all__:
        # Each link points to the object that websockets.<name> is.
        target = re.search(rf":\w+:`{name} <([\w.]+)>`", page)
        assert target is not None
        assert resolve(target.group(1)) is getattr(websockets, name)


# Docstrings


# Public callables allowed to lack a docstring of their own or inherited.
# It's empty: library code owns the fix, by writing the docstring.
KNOWN_MISSING_DOCSTRINGS: set[str] = set()

# Public functions allowed not to describe some of their parameters in an
# Args section. It's empty: library code owns the fix, in the docstring.
KNOWN_UNDOCUMENTED_PARAMETERS: set[str] = set()


def public_callables() -> dict[str, object]:
    """Public functions and classes, and the public methods of the classes."""
    callables: dict[str, object] = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            value = getattr(module, name)
            if not (inspect.isclass(value) or inspect.isfunction(value)):
                continue
            # Document each object once, where it's defined.
            if value.__module__ != module_name:
                continue
            callables[f"{module_name}.{name}"] = value
            if not inspect.isclass(value):
                continue
            for attr, member in vars(value).items():
                if attr.startswith("_"):
                    continue
                if isinstance(member, (classmethod, staticmethod)):
                    member = member.__func__
                if inspect.isfunction(member) or isinstance(member, property):
                    callables[f"{module_name}.{name}.{attr}"] = getattr(value, attr)
    return callables


def test_every_public_callable_has_a_docstring():
    missing = {
        name
        for name, value in public_callables().items()
        # inspect.getdoc() finds docstrings that methods inherit, such as
        # those of asyncio.Protocol's callbacks.
        if not inspect.getdoc(value)
    }
    assert sorted(missing - KNOWN_MISSING_DOCSTRINGS) == []


def test_every_public_function_documents_its_parameters():
    undocumented = set()
    for name, value in public_callables().items():
        # Module-level functions; classes and methods may refer to them.
        if not inspect.isfunction(value) or "." in value.__qualname__:
            continue
        doc = inspect.getdoc(value) or ""
        for parameter in inspect.signature(value).parameters.values():
            if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                continue
            if not re.search(rf"^\s*{parameter.name}\b.*:", doc, re.MULTILINE):
                undocumented.add(f"{name}({parameter.name})")
    assert sorted(undocumented - KNOWN_UNDOCUMENTED_PARAMETERS) == []
