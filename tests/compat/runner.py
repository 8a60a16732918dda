"""
Run scenarios of the differential conformance suite and print what they saw.

This file is passed as the ``-c`` program of both interpreters: the one that
imports this package and the one that imports the released websockets. It
must therefore not import anything from the repository; it only imports
``websockets``, whichever that is.

Usage: ``python -c "$(cat runner.py)" SCENARIOS.json``, where the JSON file
maps scenario ids to Python source. The runner imports websockets once, then
forks one child per scenario, so that each scenario starts from the same
state (no event loop, no patched module, no log handler, no thread) and a
scenario that hangs or crashes costs only itself. Each child executes its
source in a namespace holding the helpers below and reports the dictionary
``R`` that the source filled, through a pipe. The parent prints one JSON
object: scenario id to ``{"ok": R}``, ``{"crash": ...}`` or ``{"timeout": ...}``.

"""

import asyncio
import contextlib
import json
import logging
import os
import re
import select
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback
import warnings

import websockets  # noqa: F401  (imported once, before forking)
import websockets.asyncio.client  # noqa: F401
import websockets.asyncio.router  # noqa: F401
import websockets.asyncio.server  # noqa: F401
import websockets.client  # noqa: F401
import websockets.server  # noqa: F401
import websockets.sync.client  # noqa: F401
import websockets.sync.server  # noqa: F401


# A scenario that takes longer than this is killed and reported as a timeout.
SCENARIO_DEADLINE = 20.0


# --- helpers available to scenarios ------------------------------------------

R = {}
"""What the scenario observed, in the order it observed it."""

LOGS = []
"""Log records of the ``websockets`` loggers not yet reported."""

_REPLACEMENTS = []


def fixed_token_bytes(n):
    """Stand-in for :func:`secrets.token_bytes`: the same bytes every time."""
    return (b"\x12\x34\x56\x78" * n)[:n]


def fix_randomness():
    """Make keys, masks and ping payloads deterministic."""
    import random
    import secrets

    secrets.token_bytes = fixed_token_bytes
    random.seed(0)


def alias(value, name):
    """Replace ``value`` (a port, a path) by ``name`` in everything reported."""
    _REPLACEMENTS.append((str(value), name))
    return value


_DATE = re.compile(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT")
_ADDRESS = re.compile(r"(127\.0\.0\.1|localhost|::1|\[::1\])(', |:| port )(\d+)")


def norm(value):
    """Normalise what depends on the run (ports, paths) in ``value``."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        value = bytes(value)
        try:
            return {"bytes": norm(value.decode("latin-1"))}
        except Exception:  # pragma: no cover
            return {"hex": value.hex()}
    if isinstance(value, str):
        for old, new in _REPLACEMENTS:
            # A port is a whole number: 34567 in a payload "12345678" stays.
            if old.isdigit():
                value = re.sub(rf"(?<!\d){old}(?!\d)", new, value)
            else:
                value = value.replace(old, new)
        value = _DATE.sub("DATE", value)
        return _ADDRESS.sub(lambda m: m.group(1) + m.group(2) + "PORT", value)
    if isinstance(value, dict):
        return {str(norm(k)): norm(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [norm(v) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return norm(repr(value))


def rec(key, value):
    """Record ``value`` as ``key``; a repeated key gets a numbered suffix."""
    base, n = key, 1
    while key in R:
        n += 1
        key = f"{base}#{n}"
    R[key] = norm(value)


def describe(exc):
    """Type, message and cause of an exception, as a user sees them."""
    if exc is None:
        return None
    info = {"type": type(exc).__name__, "msg": str(exc)}
    for attr in ("code", "reason"):
        if isinstance(getattr(exc, attr, None), (int, str)):
            info[attr] = getattr(exc, attr)
    if exc.__cause__ is not None:
        info["cause"] = describe(exc.__cause__)
    return info


@contextlib.contextmanager
def catch(key):
    """Record the exception raised in the block as ``key``, or ``None``."""
    try:
        yield
    except BaseException as exc:  # noqa: BLE001  (SystemExit is observable)
        if isinstance(exc, KeyboardInterrupt):
            raise
        rec(key, describe(exc))
    else:
        rec(key, None)


async def acatch(key, awaitable):
    """Await ``awaitable``; record its result or its exception as ``key``."""
    try:
        result = await awaitable
    except Exception as exc:  # noqa: BLE001
        rec(key, {"raised": describe(exc)})
        return None
    rec(key, {"returned": result})
    return result


def call(key, fn, *args, **kwargs):
    """Call ``fn``; record its result or its exception as ``key``."""
    try:
        result = fn(*args, **kwargs)
    except BaseException as exc:  # noqa: BLE001
        if isinstance(exc, KeyboardInterrupt):
            raise
        rec(key, {"raised": describe(exc)})
        return None
    rec(key, {"returned": result})
    return result


# Records that both packages emit or not depending on thread scheduling:
# the threading client's reader thread sees the socket closed under it.
_RACY = {"! error while receiving data"}


class _Capture(logging.Handler):
    def emit(self, record):
        if record.getMessage() in _RACY:
            return
        entry = f"{record.name} {record.levelname} {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            entry += f" [{type(record.exc_info[1]).__name__}]"
        LOGS.append(entry)


def capture_logs(level=logging.DEBUG):
    """Send records of the ``websockets`` loggers to :data:`LOGS`."""
    logger = logging.getLogger("websockets")
    logger.setLevel(level)
    logger.addHandler(_Capture())
    logger.propagate = False


def rec_logs(key="logs", name=None):
    """Record (and forget) the captured records, optionally of one logger."""
    kept = [entry for entry in LOGS if name is None or entry.startswith(name + " ")]
    LOGS[:] = [entry for entry in LOGS if entry not in kept]
    rec(key, kept)


def wait_for_log(suffix, timeout=5.0):
    """Wait until a captured record ends with ``suffix`` (threads log it)."""
    deadline = time.monotonic() + timeout
    while not any(entry.endswith(suffix) for entry in LOGS):
        if time.monotonic() > deadline:
            raise TimeoutError(f"no log record ending with {suffix!r}")
        time.sleep(0.01)


async def await_log(suffix, timeout=5.0):
    """Like :func:`wait_for_log`, in a coroutine."""
    deadline = time.monotonic() + timeout
    while not any(entry.endswith(suffix) for entry in LOGS):
        if time.monotonic() > deadline:
            raise TimeoutError(f"no log record ending with {suffix!r}")
        await asyncio.sleep(0.01)


def head(data):
    """Status or request line and headers of a raw HTTP message, normalised."""
    text = bytes(data).split(b"\r\n\r\n", 1)[0].decode("latin-1")
    lines = text.split("\r\n")
    kept = [lines[0]]
    for line in lines[1:]:
        name = line.split(":", 1)[0].lower()
        if name == "date":
            continue
        kept.append(line)
    return kept


def headers(h):
    """Headers object as a list of pairs, without ``Date``."""
    return [[k, v] for k, v in h.raw_items() if k.lower() != "date"]


def parse_frames(data, mask=False):
    """Split raw bytes into frames: [fin, rsv, opcode, masked, key, payload]."""
    frames = []
    data = bytes(data)
    while len(data) >= 2:
        b0, b1 = data[0], data[1]
        length, pos = b1 & 0x7F, 2
        if length == 126:
            length, pos = int.from_bytes(data[2:4], "big"), 4
        elif length == 127:
            length, pos = int.from_bytes(data[2:10], "big"), 10
        key = b""
        if b1 & 0x80:
            key, pos = data[pos : pos + 4], pos + 4
        if pos + length > len(data):
            break
        payload = data[pos : pos + length]
        if key:
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        frames.append(
            [
                bool(b0 & 0x80),
                (b0 >> 4) & 7,
                b0 & 0x0F,
                bool(b1 & 0x80),
                key.hex(),
                payload.hex() if len(payload) < 200 else f"{len(payload)} bytes",
            ]
        )
        data = data[pos + length :]
    if data:
        frames.append(["trailing", data.hex()])
    return frames


def frame(opcode, payload=b"", fin=True, mask=True, rsv=0):
    """Build a raw frame, masked with a fixed key by default."""
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    n = len(payload)
    if n < 126:
        hdr = bytes([b0, (0x80 if mask else 0) | n])
    elif n < 65536:
        hdr = bytes([b0, (0x80 if mask else 0) | 126]) + n.to_bytes(2, "big")
    else:
        hdr = bytes([b0, (0x80 if mask else 0) | 127]) + n.to_bytes(8, "big")
    if mask:
        key = b"\x01\x02\x03\x04"
        return hdr + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return hdr + payload


REQUEST = (
    b"GET / HTTP/1.1\r\n"
    b"Host: 127.0.0.1\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Sec-WebSocket-Version: 13\r\n"
    b"\r\n"
)
"""A valid opening handshake request, with the key of RFC 6455."""

RESPONSE = (
    b"HTTP/1.1 101 Switching Protocols\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Accept: {accept}\r\n"
    b"\r\n"
)


def accept_for(request):
    """The Sec-WebSocket-Accept value that answers a raw request."""
    import base64
    import hashlib

    for line in bytes(request).split(b"\r\n"):
        if line.lower().startswith(b"sec-websocket-key:"):
            key = line.split(b":", 1)[1].strip()
            digest = hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
            return base64.b64encode(digest.digest())
    return b""


def read_until(sock, marker=b"\r\n\r\n", limit=65536, timeout=5.0):
    """Read from a blocking socket until ``marker``, EOF or ``timeout``."""
    sock.settimeout(timeout)
    data = b""
    try:
        while marker not in data and len(data) < limit:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except (TimeoutError, OSError):
        pass
    return data


def read_all(sock, timeout=2.0):
    """Read from a blocking socket until EOF or ``timeout``."""
    sock.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except (TimeoutError, OSError):
        pass
    return data


def raw_exchange(
    port, payload, host="127.0.0.1", timeout=3.0, then=b"", shutdown=False
):
    """Connect, send ``payload`` (then ``then``), return all bytes until EOF."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(payload)
        if then:
            data = read_until(sock, timeout=timeout)
            sock.sendall(then)
        else:
            data = b""
        if shutdown:
            sock.shutdown(socket.SHUT_WR)
        return data + read_all(sock, timeout=timeout)


def _frames_in(data):
    return [f for f in parse_frames(data) if f[0] != "trailing"]


def _complete(data):
    # True when data is a whole number of frames.
    frames = parse_frames(data)
    return bool(frames) and frames[-1][0] != "trailing"


def ws_session(
    port,
    request=REQUEST,
    messages=(),
    close=None,
    family=None,
    timeout=3.0,
    wrap=None,
    shutdown=False,
):
    """
    Play a client from raw bytes: send ``request``; if the answer is 101, send
    each message and wait for one frame after it, then send ``close`` (if
    any) and read until EOF. Return the response head and what followed.

    """
    if family == "unix":
        sock = socket.socket(socket.AF_UNIX)
        sock.settimeout(timeout)
        sock.connect(port)
    else:
        sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    if wrap is not None:
        sock = wrap(sock)
    with sock:
        sock.sendall(request)
        if shutdown:
            sock.shutdown(socket.SHUT_WR)
        data = read_until(sock, timeout=timeout)
        head_bytes, sep, rest = data.partition(b"\r\n\r\n")
        if not sep or not head_bytes.startswith(b"HTTP/1.1 101"):
            return head_bytes, rest + read_all(sock, timeout=timeout)
        for message in messages:
            sock.sendall(message)
            seen = len(_frames_in(rest))
            sock.settimeout(timeout)
            try:
                while len(_frames_in(rest)) <= seen or not _complete(rest):
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    rest += chunk
            except OSError:
                pass
        # close="never": don't answer the server's close frame either.
        never = close == "never"
        if never:
            close = b""
        if close is not None:
            try:
                sock.sendall(close)
            except OSError:
                pass
        # Read until EOF; answer the server's close frame if it comes first.
        sock.settimeout(timeout)
        try:
            while True:
                if close is None and any(f[2] == 8 for f in _frames_in(rest)):
                    close = frame(
                        8,
                        bytes.fromhex(
                            next(f for f in _frames_in(rest) if f[2] == 8)[5]
                        ),
                    )
                    sock.sendall(close)
                chunk = sock.recv(65536)
                if not chunk:
                    break
                rest += chunk
        except OSError:
            pass
        return head_bytes, rest


def session(port, **kwargs):
    """Record the response head and frames of :func:`ws_session`."""
    head_bytes, rest = ws_session(port, **kwargs)
    rec("response", head(head_bytes))
    if head_bytes.startswith(b"HTTP/1.1 101"):
        rec("frames", parse_frames(rest))
    else:
        rec("body", rest)


CLOSE_1000 = frame(8, b"\x03\xe8")


class AndClose:
    """An answer for :class:`RawServer` after which it half-closes at once."""

    def __init__(self, answer):
        self.answer = answer


class StartTLS:
    """
    A step for :class:`RawServer`: start TLS as the server, with the context
    that ``get_context()`` returns (when the step runs, so that a scenario
    may create it after the server).

    """

    def __init__(self, get_context):
        self.get_context = get_context


class RawServer:
    """
    A TCP server on a thread that records what it receives and answers with
    canned bytes: ``answers`` is a list of byte strings or callables taking
    the request and returning bytes; each connection gets the next one.

    """

    def __init__(self, answers, close=True, linger=1.0, wrap=None, preamble=None):
        self.wrap = wrap
        # preamble(conn) runs first on each connection, e.g. a SOCKS proxy's
        # handshake; it returns what it saw and whether to go on.
        self.preamble = preamble
        self.preambles = []
        self.answers = list(answers)
        self.requests = []
        self.after = []
        self.close = close
        self.linger = linger
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        self.sock.settimeout(8)
        try:
            for answer in self.answers:
                conn, _ = self.sock.accept()
                with conn:
                    if self.wrap is not None:
                        try:
                            conn = self.wrap(conn)
                        except OSError as exc:
                            # The client rejected the certificate.
                            self.preambles.append(["tls failed", type(exc).__name__])
                            continue
                    if self.preamble is not None:
                        seen, go_on = self.preamble(conn)
                        self.preambles.append(seen)
                        if not go_on:
                            continue
                    # A tuple answers several requests on one connection,
                    # e.g. a proxy's CONNECT then the opening handshake.
                    steps = answer if isinstance(answer, tuple) else (answer,)
                    for step in steps:
                        if isinstance(step, StartTLS):
                            # E.g. wss:// through a proxy: TLS in the tunnel.
                            try:
                                conn = step.get_context().wrap_socket(conn, server_side=True)
                            except OSError as exc:
                                self.preambles.append(["tls failed", type(exc).__name__])
                                break
                            continue
                        request = read_until(conn)
                        self.requests.append(request)
                        if step is None:
                            # Never answer: wait for the client to give up.
                            self.after.append(read_all(conn, timeout=5))
                            break
                        close_after = isinstance(step, AndClose)
                        if close_after:
                            step = step.answer
                        if callable(step):
                            step = step(request)
                        conn.sendall(step)
                        if close_after:
                            conn.shutdown(socket.SHUT_WR)
                    else:
                        # close=False: never answer a close frame; read until
                        # the client gives up and closes the connection.
                        self.after.append(
                            self.drain(conn)
                            if self.close
                            else read_all(conn, timeout=5)
                        )
        except OSError:
            pass
        finally:
            self.sock.close()

    def drain(self, conn):
        # Read what the client sends; answer a close frame like a server
        # would, so that the client's closing handshake completes.
        conn.settimeout(self.linger)
        data = b""
        try:
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
                closes = [
                    f for f in parse_frames(data) if f[0] != "trailing" and f[2] == 8
                ]
                if closes:
                    conn.sendall(frame(8, bytes.fromhex(closes[0][5]), mask=False))
                    conn.shutdown(socket.SHUT_WR)
                    # Wait for the client to close. Once shut down, a TLS
                    # socket reads raw records (the client's encrypted
                    # close_notify): they aren't the client's frames.
                    rest = read_all(conn, timeout=self.linger)
                    if not hasattr(conn, "cipher"):
                        data += rest
                    break
        except OSError:
            pass
        return data

    def join(self):
        # The client is done: stop waiting for connections that won't come
        # (on Linux, shutdown() wakes up a thread blocked in accept()).
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.thread.join(10)


def _recv_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError("the client closed the connection")
        data += chunk
    return data


def _recv_cstring(conn):
    data = b""
    while not data.endswith(b"\0"):
        data += _recv_exact(conn, 1)
    return data[:-1]


def socks_proxy(reply=0, auth=None):
    """
    A ``preamble`` for :class:`RawServer`: the server side of a SOCKS 4, 4a or
    5 handshake, which records what the client asked for, then answers with
    ``reply`` (0 is success, else a SOCKS 5 error code). With ``auth``, a
    ``(username, password)`` pair, SOCKS 5 asks for credentials.

    """

    def handshake(conn):
        conn.settimeout(5)
        try:
            version = _recv_exact(conn, 1)[0]
            if version == 4:
                command, port = _recv_exact(conn, 1)[0], _recv_exact(conn, 2)
                address = _recv_exact(conn, 4)
                user = _recv_cstring(conn)
                host = address.hex()
                if address[:3] == b"\0\0\0" and address[3]:
                    host = _recv_cstring(conn).decode()  # SOCKS 4a
                status = 0x5A if reply == 0 else 0x5B
                conn.sendall(bytes([0, status]) + bytes(6))
                seen = ["socks4", command, host, int.from_bytes(port, "big"), user]
                return seen, reply == 0
            methods = list(_recv_exact(conn, _recv_exact(conn, 1)[0]))
            credentials = None
            if auth is not None and 2 in methods:
                conn.sendall(b"\x05\x02")
                _recv_exact(conn, 1)
                user = _recv_exact(conn, _recv_exact(conn, 1)[0])
                password = _recv_exact(conn, _recv_exact(conn, 1)[0])
                credentials = [user, password]
                ok = [user.decode(), password.decode()] == list(auth)
                conn.sendall(b"\x01" + (b"\x00" if ok else b"\x01"))
                if not ok:
                    return ["socks5", methods, credentials], False
            else:
                conn.sendall(b"\x05\x00")
            _, command, _, kind = _recv_exact(conn, 4)
            if kind == 1:
                host = socket.inet_ntoa(_recv_exact(conn, 4))
            elif kind == 3:
                host = _recv_exact(conn, _recv_exact(conn, 1)[0]).decode()
            else:
                host = socket.inet_ntop(socket.AF_INET6, _recv_exact(conn, 16))
            port = int.from_bytes(_recv_exact(conn, 2), "big")
            conn.sendall(bytes([5, reply, 0, 1]) + bytes(6))
            seen = ["socks5", methods, credentials, command, kind, host, port]
            return seen, reply == 0
        except (OSError, EOFError) as exc:
            return ["handshake failed", type(exc).__name__], False

    return handshake


def upgrade(extra=b"", then=b""):
    """An answer for :class:`RawServer`: a valid 101 response, then frames."""

    def answer(request):
        return (
            RESPONSE.replace(b"{accept}", accept_for(request))[:-2]
            + extra
            + b"\r\n"
            + then
        )

    return answer


def http_response(status, headers=(), body=b""):
    """An answer for :class:`RawServer`: an HTTP response with a body."""
    lines = [b"HTTP/1.1 " + status.encode()]
    lines += [f"{k}: {v}".encode() for k, v in headers]
    lines.append(f"Content-Length: {len(body)}".encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def pyrun(args, env=None, timeout=20, stdin=None):
    """Run this interpreter (isolated when the runner is) with ``args``."""
    import subprocess

    command = [sys.executable]
    if sys.flags.isolated:
        command.append("-I")
    full_env = dict(os.environ)
    full_env.update(env or {})
    result = subprocess.run(
        command + list(args),
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin,
    )
    return {
        "rc": result.returncode,
        "out": result.stdout,
        "err": result.stderr.strip().splitlines()[-1:] if result.stderr else [],
    }


def tmp_socket_path():
    """A fresh path for a Unix socket, reported as SOCKPATH."""
    path = os.path.join(tempfile.mkdtemp(), "s.sock")
    alias(path, "SOCKPATH")
    return path


def arun(coro, timeout=10.0):
    """Run a coroutine in a new event loop, with a deadline."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def settle(baseline=1, timeout=5.0):
    """Wait until at most ``baseline`` asyncio tasks are left (handlers done)."""
    deadline = time.monotonic() + timeout
    while len(asyncio.all_tasks()) > baseline and time.monotonic() < deadline:
        await asyncio.sleep(0.01)


def settle_threads(baseline, timeout=5.0):
    """Wait until at most ``baseline`` threads are left (handlers done)."""
    deadline = time.monotonic() + timeout
    while threading.active_count() > baseline and time.monotonic() < deadline:
        time.sleep(0.01)


def start_thread(target, *args):
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def event(e):
    """A Sans-I/O event (request, response or frame) as plain data."""
    from websockets.frames import Frame
    from websockets.http11 import Request, Response

    if isinstance(e, Frame):
        return ["frame", e.opcode.name, bytes(e.data), e.fin, e.rsv1, e.rsv2, e.rsv3]
    if isinstance(e, Request):
        return ["request", e.path, headers(e.headers)]
    if isinstance(e, Response):
        return [
            "response",
            e.status_code,
            e.reason_phrase,
            headers(e.headers),
            bytes(e.body) if e.body is not None else None,
        ]
    return ["other", type(e).__name__]


def snap(p, key):
    """Record what a Sans-I/O protocol shows: events, output, state, errors."""
    rec(key + ".events", [event(e) for e in p.events_received()])
    out = p.data_to_send()
    rec(key + ".out", [bytes(chunk) for chunk in out])
    rec(key + ".state", p.state.name)
    rec(key + ".close_expected", p.close_expected())
    rec(key + ".handshake_exc", describe(p.handshake_exc))
    if p.state.name == "CLOSED":
        rec(key + ".close", [p.close_code, p.close_reason, describe(p.close_exc)])
    return out


HELPERS = {
    name: value for name, value in globals().items() if not name.startswith("__")
}


# --- the runner ---------------------------------------------------------------


class ScenarioTimeout(BaseException):
    pass


def _alarm(signum, frame):
    raise ScenarioTimeout(f"still running after {SCENARIO_DEADLINE}s")


def _child(source, out):
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(int(SCENARIO_DEADLINE))
    namespace = dict(HELPERS)
    try:
        code = compile(source, "<scenario>", "exec")
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            exec(code, namespace)
        payload = {"ok": R}
    except BaseException as exc:  # noqa: BLE001
        payload = {
            "crash": describe(exc),
            # Only the scenario's own lines: not the source of either package.
            "traceback": [
                line.strip()
                for line in traceback.format_exc().splitlines()
                if line.startswith('  File "<scenario>"')
            ],
            "partial": R,
        }
    try:
        data = json.dumps(payload).encode()
    except Exception as exc:  # noqa: BLE001
        data = json.dumps(
            {"crash": {"type": "unserialisable", "msg": str(exc)}}
        ).encode()
    os.write(out, data)


class _Child:
    """A running scenario: its process, the pipe it reports through, its data."""

    def __init__(self, name, source):
        self.name = name
        self.started = time.monotonic()
        read_fd, write_fd = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no cover  (the child)
            os.close(read_fd)
            status = 0
            try:
                # Scenarios print nothing to the runner's stdout, which is the
                # report; anything they print goes away.
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                _child(source, write_fd)
            except BaseException:  # noqa: BLE001
                status = 1
            finally:
                os._exit(status)
        os.close(write_fd)
        self.pid = pid
        self.fd = read_fd
        self.chunks = []

    def result(self, timed_out=False):
        os.close(self.fd)
        if timed_out:
            os.kill(self.pid, signal.SIGKILL)
        _, status = os.waitpid(self.pid, 0)
        if timed_out:
            return {"timeout": SCENARIO_DEADLINE}
        data = b"".join(self.chunks)
        if not data:
            return {"crash": {"type": "died", "msg": f"wait status {status}"}}
        result = json.loads(data)
        result["elapsed"] = round(time.monotonic() - self.started, 3)
        return result


def run_all(scenarios, parallel):
    """Run scenarios in forked children, ``parallel`` at a time."""
    pending = list(scenarios.items())
    running = {}
    results = {}
    while pending or running:
        while pending and len(running) < parallel:
            name, source = pending.pop(0)
            child = _Child(name, source)
            running[child.fd] = child
        ready, _, _ = select.select(list(running), [], [], 1.0)
        for fd in ready:
            child = running[fd]
            chunk = os.read(fd, 1 << 16)
            if chunk:
                child.chunks.append(chunk)
            else:
                del running[fd]
                results[child.name] = child.result()
        now = time.monotonic()
        for fd, child in list(running.items()):
            if now - child.started > SCENARIO_DEADLINE + 5:
                del running[fd]
                results[child.name] = child.result(timed_out=True)
    return results


def main(path, parallel=4):
    with open(path) as file:
        scenarios = json.load(file)
    results = run_all(scenarios, parallel)
    sys.stdout.write(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1], *map(int, sys.argv[2:3]))
