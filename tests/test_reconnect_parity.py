"""
Reconnection (``async for ... in connect(...)``, ``reconnect()``) and
``serve_forever()`` compared with websockets 17.4 on edge cases: which errors
are retried, which are raised, the backoff and the log records.

"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


RECONNECT = r"""import asyncio, logging, re, socket, sys, threading
records = []
class H(logging.Handler):
    def emit(self, r):
        msg = re.sub(r"\d+\.\d+ seconds", "N seconds", r.getMessage())
        msg = re.sub(r"127\.0\.0\.1:\d+|\('127\.0\.0\.1', \d+\)", "ADDR", msg)
        records.append(f"{r.levelname} {r.name} {msg}")
logging.getLogger("websockets").addHandler(H()); logging.getLogger("websockets").setLevel(logging.INFO)
case = sys.argv[1]; api = sys.argv[2]
plans = {
 "503_then_ok": ["503", "ok"], "500": ["500", "ok"], "502": ["502", "ok"], "504": ["504", "ok"],
 "404": ["404"], "403": ["403"], "close_then_ok": ["close", "ok"], "junk_then_ok": ["junk", "ok"],
 "bad_accept": ["badaccept"], "redirect_loop": ["redirect"] * 12, "timeout_then_ok": ["silent", "ok"],
 "http10": ["http10"],
}
plan = list(plans[case])
attempts = []
s = socket.create_server(("127.0.0.1", 0)); P = s.getsockname()[1]
import base64, hashlib
def accept_key(k): return base64.b64encode(hashlib.sha1((k + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
def serve():
    while True:
        try: c, _ = s.accept()
        except OSError: return
        d = b""
        while b"\r\n\r\n" not in d:
            x = c.recv(4096)
            if not x: break
            d += x
        step = plan.pop(0) if plan else "ok"
        attempts.append(step)
        key = re.search(rb"Sec-WebSocket-Key: (\S+)", d)
        if step == "ok":
            c.sendall(f"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept_key(key.group(1).decode())}\r\n\r\n".encode())
            c.sendall(b"\x88\x02\x03\xe9")  # close 1001
            try:
                c.settimeout(2); c.recv(100)
            except Exception: pass
        elif step in ("503", "500", "502", "504", "404", "403"):
            c.sendall(f"HTTP/1.1 {step} X\r\nContent-Length: 0\r\n\r\n".encode())
        elif step == "close": pass
        elif step == "junk": c.sendall(b"junk\r\n\r\n")
        elif step == "badaccept": c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: xxx\r\n\r\n")
        elif step == "redirect": c.sendall(b"HTTP/1.1 302 Found\r\nLocation: /r\r\nContent-Length: 0\r\n\r\n")
        elif step == "silent":
            import time; time.sleep(1.0)
        elif step == "http10": c.sendall(b"HTTP/1.0 200 OK\r\n\r\n")
        c.close()
threading.Thread(target=serve, daemon=True).start()
out = []
if api == "asyncio":
    from websockets.asyncio.client import connect
    async def main():
        n = 0
        try:
            async for ws in connect(f"ws://127.0.0.1:{P}/", open_timeout=0.5):
                n += 1
                try: await ws.recv()
                except Exception as e: out.append(f"body {type(e).__name__}: {e}")
                if n >= 2: break
        except Exception as e:
            out.append(f"raised {type(e).__name__}: {e} | cause {e.__cause__!r}")
    asyncio.run(main())
else:
    from websockets.sync.client import connect
    from websockets.sync.client import reconnect
    n = 0
    try:
        for ws in reconnect(f"ws://127.0.0.1:{P}/", open_timeout=0.5):
            n += 1
            try: ws.recv(timeout=5)
            except Exception as e: out.append(f"body {type(e).__name__}: {e}")
            if n >= 2: break
    except Exception as e:
        out.append(f"raised {type(e).__name__}: {e} | cause {e.__cause__!r}")
print("attempts", attempts)
for o in out: print(o)
for r in records: print(r)
"""

SERVE_FOREVER = r"""import asyncio, random, sys
from websockets.asyncio.server import serve
import websockets.client as wc, websockets.asyncio.client as ac
bk = getattr(ac, "backoff", None) or getattr(wc, "backoff")
random.seed(1); g = bk(); print("backoff", [round(next(g), 4) for _ in range(12)])
random.seed(1); g = bk(1, 2, 10, 3); print("backoff args", [round(next(g), 4) for _ in range(6)])
async def echo(ws): await ws.wait_closed()
async def main():
    # a) close from another task
    server = await serve(echo, "127.0.0.1", 0)
    t = asyncio.create_task(server.serve_forever()); await asyncio.sleep(0.05)
    server.close()
    try: r = await asyncio.wait_for(t, 2); print("a) returned", r)
    except BaseException as e: print("a)", type(e).__name__, e)
    await server.wait_closed()
    # b) start_serving=False
    server = await serve(echo, "127.0.0.1", 0, start_serving=False)
    print("b) serving before", server.is_serving())
    t = asyncio.create_task(server.serve_forever()); await asyncio.sleep(0.05)
    print("b) serving during", server.is_serving())
    # c) twice
    t2 = asyncio.create_task(server.serve_forever()); await asyncio.sleep(0.05)
    try: await asyncio.wait_for(t2, 1); print("c) second returned")
    except BaseException as e: print("c)", type(e).__name__, e)
    # e) cancel
    t.cancel()
    try: await t
    except BaseException as e: print("e)", type(e).__name__, e)
    print("e) serving after cancel", server.is_serving())
    try: await asyncio.wait_for(server.wait_closed(), 2); print("e) wait_closed ok")
    except BaseException as e: print("e) wait_closed", type(e).__name__)
    # d) after close
    try: await asyncio.wait_for(server.serve_forever(), 1); print("d) returned")
    except BaseException as e: print("d)", type(e).__name__, e)
    # f) async with + serve_forever + close inside handler-less
    async with serve(echo, "127.0.0.1", 0) as server:
        asyncio.get_running_loop().call_later(0.05, server.close)
        try: await server.serve_forever(); print("f) returned")
        except BaseException as e: print("f)", type(e).__name__, e)
asyncio.run(main())
"""

# Short delays, read by both packages at import time.
FAST_BACKOFF = {
    "WEBSOCKETS_BACKOFF_INITIAL_DELAY": "0.05",
    "WEBSOCKETS_BACKOFF_MIN_DELAY": "0.05",
    "WEBSOCKETS_BACKOFF_MAX_DELAY": "0.2",
}


def compare(upstream, script: str, *args: str) -> str:
    env = dict(os.environ, **FAST_BACKOFF)
    released = upstream.run(
        "-c", script, *args, capture_output=True, text=True, timeout=120, env=env
    )
    ours = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert released.returncode == 0, released.stderr
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == released.stdout
    return ours.stdout


@pytest.mark.parametrize("api", ["asyncio", "sync"])
@pytest.mark.parametrize(
    "case",
    [
        "503_then_ok",  # retried
        "404",  # raised
        "close_then_ok",  # InvalidMessage caused by EOFError: retried
        "junk_then_ok",  # InvalidMessage caused by ValueError: raised
        "bad_accept",  # InvalidHeaderValue: raised
        "redirect_loop",  # SecurityError: raised
        "http10",  # raised
    ],
)
def test_reconnection_matches_websockets(api, case, upstream):
    output = compare(upstream, RECONNECT, case, api)
    if case in ("503_then_ok", "close_then_ok"):
        # The retry is logged with the exception's qualified name.
        assert "reconnecting in N seconds: websockets.exceptions." in output


def test_serve_forever_and_backoff_match_websockets(upstream):
    compare(upstream, SERVE_FOREVER)
