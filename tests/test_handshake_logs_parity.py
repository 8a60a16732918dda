"""
Log records of the opening and closing handshakes, compared with websockets
17.4: each scenario runs under both packages and the records must match.

"""

from __future__ import annotations

import subprocess
import sys

import pytest


ASYNCIO_SERVER = r"""import asyncio, logging, sys, re
records = []
class H(logging.Handler):
    def emit(self, r):
        exc = r.exc_info[1] if r.exc_info else None
        chain = []
        while exc is not None:
            chain.append(f"{type(exc).__name__}: {exc}"); exc = exc.__cause__
        msg = r.getMessage()
        msg = re.sub(r"127\.0\.0\.1:\d+", "ADDR", msg); msg = re.sub(r"Date: .*", "Date: X", msg)
        msg = re.sub(r"Key: .*|Accept: .*", "K", msg)
        records.append(f"{r.levelname} {r.name} {msg} {chain}")
logging.getLogger("websockets").addHandler(H()); logging.getLogger("websockets").setLevel(logging.DEBUG)
from websockets.asyncio.server import serve
H_ = b"GET / HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
case = sys.argv[1]
async def handler(ws):
    await ws.close()
async def main():
    async with serve(handler, "127.0.0.1", 0, open_timeout=0.5, process_request=(lambda c, r: c.respond(403, "no\n")) if case == "rejected" else None) as server:
        port = server.sockets[0].getsockname()[1]
        r, w = await asyncio.open_connection("127.0.0.1", port)
        if case == "junk": w.write(b"\x00junk\r\n\r\n")
        elif case == "close": pass
        elif case == "partial": w.write(H_[:30])
        elif case == "timeout": pass
        elif case in ("ok", "rejected"): w.write(H_)
        elif case == "eof_after_request": w.write(H_); w.write_eof()
        if case in ("close", "partial"):
            await asyncio.sleep(0.1); w.close()
        try:
            await asyncio.wait_for(r.read(), 3)
        except Exception as e: records.append(f"client read {type(e).__name__}")
        w.close()
        await asyncio.sleep(0.2)
asyncio.run(main())
for rec in records: print(rec)
"""

SYNC_SERVER = r"""import logging, sys, re, socket, threading, time
records = []
class H(logging.Handler):
    def emit(self, r):
        exc = r.exc_info[1] if r.exc_info else None
        chain = []
        while exc is not None:
            chain.append(f"{type(exc).__name__}: {exc}"); exc = exc.__cause__
        msg = r.getMessage()
        msg = re.sub(r"127\.0\.0\.1:\d+", "ADDR", msg); msg = re.sub(r"Date: .*", "Date: X", msg)
        msg = re.sub(r"Key: .*|Accept: .*", "K", msg)
        records.append(f"{r.levelname} {r.name} {msg} {chain}")
logging.getLogger("websockets").addHandler(H()); logging.getLogger("websockets").setLevel(logging.DEBUG)
from websockets.sync.server import serve
H_ = b"GET / HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
case = sys.argv[1]
def handler(ws):
    ws.close()
with serve(handler, "127.0.0.1", 0, open_timeout=0.5, close_timeout=0.5, process_request=(lambda c, r: c.respond(403, "no\n")) if case == "rejected" else None) as server:
    t = threading.Thread(target=server.serve_forever); t.start()
    c = socket.create_connection(server.socket.getsockname()); c.settimeout(3)
    if case == "junk": c.sendall(b"\x00junk\r\n\r\n")
    elif case == "partial": c.sendall(H_[:30])
    elif case in ("ok", "rejected"): c.sendall(H_)
    elif case == "eof_after_request": c.sendall(H_); c.shutdown(socket.SHUT_WR)
    if case in ("close", "partial"):
        time.sleep(0.1); c.close()
    else:
        try:
            while c.recv(4096): pass
        except Exception as e: records.append(f"client read {type(e).__name__}")
        c.close()
    time.sleep(0.7)
    server.shutdown(); t.join(5)
for rec in records: print(rec)
"""

SANS_IO_CLOSE = r"""import logging, sys
logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s %(message)s", stream=sys.stdout)
from websockets.server import ServerProtocol
from websockets.client import ClientProtocol
from websockets.uri import parse_uri
def pump(a, b):
    for d in a.data_to_send():
        if d: b.receive_data(d)
        else: b.receive_eof()
for case in ["server_closes", "client_closes", "eof_midway"]:
    print("=====", case)
    c = ClientProtocol(parse_uri("ws://example.com/")); s = ServerProtocol()
    c.send_request(c.connect()); pump(c, s)
    req = s.events_received()[0]; s.send_response(s.accept(req)); pump(s, c); c.events_received()
    if case == "eof_midway":
        s.receive_eof(); print("server data", s.data_to_send()); continue
    a, b = (s, c) if case == "server_closes" else (c, s)
    a.send_close(1000, "bye"); pump(a, b); pump(b, a); pump(a, b); pump(b, a)
    print(a.state, b.state, s.close_expected(), c.close_expected())
    if case == "client_closes": c.receive_eof(); print(c.state)
"""

SANS_IO_BAD_REQUESTS = r"""import logging, sys
logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s %(message)s", stream=sys.stdout)
from websockets.server import ServerProtocol
H = b"Host: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
cases = {
 "junk": b"\x00\x01junk\r\n\r\n",
 "longline": b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n" + H,
 "manyheaders": b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 200 + H,
 "longheader": b"GET / HTTP/1.1\r\nX: " + b"y" * 9000 + b"\r\n" + H,
 "post_noupgrade": b"POST / HTTP/1.1\r\nHost: x\r\n\r\n",
 "http10_noupgrade": b"GET / HTTP/1.0\r\nHost: x\r\n\r\n",
 "eof": None,
}
for name, data in cases.items():
    print("=====", name)
    p = ServerProtocol()
    if data is None:
        p.receive_data(b"GET / HT"); p.receive_eof()
    else:
        p.receive_data(data)
    evs = p.events_received()
    print("handshake_exc", repr(p.handshake_exc), "cause", repr(p.handshake_exc.__cause__) if p.handshake_exc else None)
    print("data", [d[:200] for d in p.data_to_send()])
    if evs:
        resp = p.accept(evs[0])
        print("accept ->", resp.status_code, bytes(resp.body))
        print("handshake_exc after accept", repr(p.handshake_exc))
"""

TLS_SERVER = r"""import asyncio, logging, sys, re, threading, socket, ssl, time
records = []
class H(logging.Handler):
    def emit(self, r):
        exc = r.exc_info[1] if r.exc_info else None
        msg = re.sub(r"127\.0\.0\.1:\d+", "ADDR", r.getMessage())
        records.append(f"{r.levelname} {r.name} {msg} {type(exc).__name__ if exc else ''}")
logging.getLogger("websockets").addHandler(H()); logging.getLogger("websockets").setLevel(logging.DEBUG)
api, case = sys.argv[1], sys.argv[2]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(sys.argv[3])
def client(port):
    c = socket.create_connection(("127.0.0.1", port)); c.settimeout(5)
    if case == "plain": c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    t0 = time.monotonic()
    try:
        d = c.recv(100)
        records.append(f"client got {d[:10]!r} quick={time.monotonic()-t0 < 2}")
    except Exception as e: records.append(f"client {type(e).__name__}")
    c.close()
if api == "asyncio":
    from websockets.asyncio.server import serve
    async def h(ws): pass
    async def main():
        async with serve(h, "127.0.0.1", 0, ssl=ctx, open_timeout=0.5) as server:
            await asyncio.to_thread(client, server.sockets[0].getsockname()[1])
            await asyncio.sleep(0.3)
    asyncio.run(main())
else:
    from websockets.sync.server import serve
    def h(ws): pass
    with serve(h, "127.0.0.1", 0, ssl=ctx, open_timeout=0.5) as server:
        t = threading.Thread(target=server.serve_forever); t.start()
        client(server.socket.getsockname()[1]); time.sleep(0.3)
        server.shutdown(); t.join(5)
for r in records: print(r)
"""

SANS_IO_EOF_AFTER_REQUEST = r"""import logging, sys
logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(message)s", stream=sys.stdout)
from websockets.server import ServerProtocol
H = b"GET / HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
p = ServerProtocol()
p.receive_data(H + (b"\x81\x82abcd" + bytes([ord('h') ^ ord('a'), ord('i') ^ ord('b')]) if len(sys.argv) > 1 else b""))
p.receive_eof()
ev = p.events_received()
print("events", ev)
print("state", p.state, "handshake_exc", repr(p.handshake_exc), "data", p.data_to_send(), "close_expected", p.close_expected())
print("close_exc", repr(p.close_exc), repr(p.close_exc.__cause__))
try:
    r = p.accept(ev[0]); p.send_response(r); print("sent", r.status_code, p.data_to_send(), p.state)
except Exception as e: print("accept/send failed", repr(e))
"""


def normalize(output: str) -> list[str]:
    # Tracebacks name files, which differ between the packages; dates vary.
    lines = []
    for line in output.splitlines():
        if line.startswith((" ", "Traceback", "  File")):
            continue
        for prefix in ("Date: ", "Sec-WebSocket-Key: ", "Sec-WebSocket-Accept: "):
            if prefix in line:
                line = line[: line.index(prefix) + len(prefix)] + "X"
        lines.append(line)
    return lines


def compare(upstream, script: str, *args: str) -> list[str]:
    released = upstream.run(
        "-c", script, *args, capture_output=True, text=True, timeout=60
    )
    ours = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert released.returncode == 0, released.stderr
    assert ours.returncode == 0, ours.stderr
    assert normalize(ours.stdout + ours.stderr) == normalize(
        released.stdout + released.stderr
    )
    return normalize(ours.stdout)


@pytest.mark.parametrize(
    "case",
    ["junk", "close", "partial", "timeout", "ok", "rejected", "eof_after_request"],
)
@pytest.mark.differential
def test_asyncio_server_logs_match_websockets(case, upstream):
    records = compare(upstream, ASYNCIO_SERVER, case)
    if case in ("junk", "close", "partial", "timeout"):
        assert any("! no valid HTTP request" in record for record in records)


# eof_after_request is left out: whether the threading server answers before
# it sees the end of the stream depends on thread scheduling, in both packages.
@pytest.mark.parametrize(
    "case", ["junk", "close", "partial", "timeout", "ok", "rejected"]
)
@pytest.mark.differential
def test_sync_server_logs_match_websockets(case, upstream):
    records = compare(upstream, SYNC_SERVER, case)
    if case in ("junk", "close", "partial", "timeout"):
        assert any("! no valid HTTP request" in record for record in records)


@pytest.mark.differential
def test_sans_io_closing_logs_match_websockets(upstream):
    compare(upstream, SANS_IO_CLOSE)


@pytest.mark.differential
def test_sans_io_bad_request_logs_match_websockets(upstream):
    records = compare(upstream, SANS_IO_BAD_REQUESTS)
    assert "DEBUG websockets.server ! request line too long" in records
    assert "DEBUG websockets.server ! header fields too large" in records


# With a frame between the request and the end of the stream, websockets
# also returns the frame as an event; see docs/differences.rst.
@pytest.mark.differential
def test_sans_io_eof_after_request_matches_websockets(upstream):
    records = compare(upstream, SANS_IO_EOF_AFTER_REQUEST)
    assert "INFO connection closed" in records


@pytest.mark.parametrize("api", ["asyncio", "sync"])
@pytest.mark.parametrize("case", ["plain", "silent"])
def test_failed_tls_handshake_logs_match_websockets(api, case, upstream, tmp_path):
    # A client that speaks plain HTTP to a TLS server, or nothing at all.
    import trustme

    cert_path = tmp_path / "server.pem"
    trustme.CA().issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(
        str(cert_path)
    )
    records = compare(upstream, TLS_SERVER, api, case, str(cert_path))
    # The server closes the connection at once; with unread bytes, that's a
    # reset.
    outcomes = [record for record in records if record.startswith("client ")]
    assert outcomes in (["client got b'' quick=True"], ["client ConnectionResetError"])
