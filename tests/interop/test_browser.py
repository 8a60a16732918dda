"""
Chromium against our server: the seed's browser examples, echo, close codes.

Chromium is Debian's, driven by Playwright (from PyPI; its own browser
download isn't used). Each test saves screenshots in build/artifacts/interop/.

"""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import json
import os
import pathlib
import re
import socket
import sys
import threading

import pytest

from .harness import ARTIFACTS, HERE, REPO


pytestmark = pytest.mark.interop

EXAMPLES = REPO / "tests" / "asyncio" / "examples"
PAGES = HERE / "pages"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Upper bound for each wait on the page, in milliseconds. The conditions
# normally hold within a second or two (show_time.py sends a timestamp every
# 1.5 s on average); the bound only keeps a broken run from hanging.
WAIT = 60_000


@pytest.fixture
async def browser(chromium, tmp_path):
    """A Chromium with a fresh profile."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 800, "height": 600},
        )
        try:
            yield context
        finally:
            await context.close()


async def screenshot(page, name: str) -> pathlib.Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve_pages(pages: dict[str, bytes]):
    """Serve static pages over HTTP on 127.0.0.1; yield the base URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextlib.asynccontextmanager
async def run_example(name: str, port: int, tmp_path: pathlib.Path):
    """
    Run a seed example from tests/asyncio/examples with our websockets.

    The example is copied with its port number replaced by a free one, so it
    doesn't collide with tests/asyncio's runs of the same example.

    """
    source = (EXAMPLES / name).read_text()
    default_port = {"show_time.py": "5678", "counter.py": "6789"}[name]
    assert source.count(default_port) == 1, f"{name} no longer binds {default_port}"
    script = tmp_path / name
    script.write_text(source.replace(default_port, str(port)))
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        # Wait until the example accepts connections.
        for _ in range(3000):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                assert process.returncode is None, await process.stderr.read()
                await asyncio.sleep(0.01)
            else:
                writer.close()
                await writer.wait_closed()
                break
        else:
            raise AssertionError(f"{name} didn't listen on port {port}")
        yield process
    finally:
        process.terminate()
        await process.communicate()


def page_with_port(name: str, default_port: str, port: int) -> bytes:
    html = (PAGES / name).read_text()
    assert html.count(default_port) == 1
    return html.replace(default_port, str(port)).encode()


TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


async def test_show_time_page_lists_timestamps(browser, tmp_path):
    port = free_port()
    async with run_example("show_time.py", port, tmp_path):
        pages = {"/": page_with_port("show_time.html", "5678", port)}
        with serve_pages(pages) as base:
            page = await browser.new_page()
            await page.goto(base + "/")
            await page.wait_for_function(
                "document.querySelectorAll('li').length >= 4", timeout=WAIT
            )
            await screenshot(page, "show_time")
            items = await page.locator("li").all_text_contents()
    assert all(TIMESTAMP.fullmatch(item) for item in items), items
    assert items == sorted(items)


async def test_counter_pages_stay_in_sync(browser, tmp_path):
    from playwright.async_api import expect

    port = free_port()
    async with run_example("counter.py", port, tmp_path):
        html = page_with_port("counter.html", "6789", port)
        with serve_pages({"/": html}) as base:
            pages = []
            for count in [1, 2, 3]:
                pages.append(await browser.new_page())
                await pages[-1].goto(base + "/")
                users = "1 user" if count == 1 else f"{count} users"
                for page in pages:
                    await expect(page.locator(".users")).to_have_text(
                        users, timeout=WAIT
                    )
            for page in pages:
                await expect(page.locator(".value")).to_have_text("0", timeout=WAIT)

            # Clicks in one page show in all three.
            await pages[0].click(".plus")
            await pages[0].click(".plus")
            for page in pages:
                await expect(page.locator(".value")).to_have_text("2", timeout=WAIT)
            await pages[1].click(".minus")
            for page in pages:
                await expect(page.locator(".value")).to_have_text("1", timeout=WAIT)
            await pages[2].click(".plus")
            for number, page in enumerate(pages, 1):
                await expect(page.locator(".value")).to_have_text("2", timeout=WAIT)
                await screenshot(page, f"counter-page-{number}-of-3")

            # The count of users follows pages closing.
            await pages.pop().close()
            for page in pages:
                await expect(page.locator(".users")).to_have_text(
                    "2 users", timeout=WAIT
                )
            await pages.pop().close()
            await expect(pages[0].locator(".users")).to_have_text(
                "1 user", timeout=WAIT
            )
            await expect(pages[0].locator(".value")).to_have_text("2", timeout=WAIT)
            await screenshot(pages[0], "counter-last-page")


@contextlib.asynccontextmanager
async def echo_server(compression: str | None):
    """
    Our asyncio server: the page at /, echo and close commands at /ws.

    Yields the server's URL and a list with, for each WebSocket connection
    that ended: the close code and reason (as received), the close frame
    sent, and the names of the negotiated extensions.

    """
    from websockets.asyncio.server import serve
    from websockets.exceptions import ConnectionClosedError

    html = (PAGES / "echo.html").read_text()
    connections: list[dict[str, object]] = []

    def process_request(connection, request):
        if request.path == "/":
            response = connection.respond(200, html)
            del response.headers["Content-Type"]
            response.headers["Content-Type"] = "text/html; charset=utf-8"
            return response
        return None

    async def handler(ws):
        try:
            async for message in ws:
                if isinstance(message, str) and message.startswith("!close "):
                    _, code, reason = message.split(" ", 2)
                    await ws.close(int(code), reason)
                else:
                    await ws.send(message)
        except ConnectionClosedError:
            pass  # e.g. 4001 from the page or 1009 from us: recorded below
        finally:
            sent = ws.protocol.close_sent
            connections.append(
                {
                    "code": ws.close_code,
                    "reason": ws.close_reason,
                    "sent": None if sent is None else (sent.code, sent.reason),
                    "extensions": [ext.name for ext in ws.protocol.extensions],
                }
            )

    async with serve(
        handler,
        "127.0.0.1",
        0,
        process_request=process_request,
        compression=compression,
    ) as server:
        port = server.sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}", connections


# Around each length boundary of the frame header (RFC 6455, 5.2), up to the
# default max_size of 1 MiB, which a message may reach but not exceed.
SIZES = [0, 1, 125, 126, 127, 65535, 65536, 65537, 2**20]


@pytest.mark.parametrize("compression", ["deflate", None], ids=["deflate", "none"])
async def test_page_echoes_text_and_binary_up_to_1_mib(browser, compression):
    async with echo_server(compression) as (base, connections):
        page = await browser.new_page()
        await page.goto(base + "/")
        result = await page.evaluate("sizes => runEcho(sizes)", SIZES)
        name = "deflate" if compression else "none"
        await screenshot(page, f"echo-{name}")
    failed = [check for check in result["checks"] if not check["ok"]]
    assert failed == []
    assert len(result["checks"]) == 2 * len(SIZES) + 2
    if compression:
        # Chromium offers permessage-deflate; the page sees what we accepted,
        # with websockets' default parameters.
        assert result["extensions"] == (
            "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12"
        )
        extensions = ["permessage-deflate"]
    else:
        assert result["extensions"] == ""
        extensions = []
    assert connections == [
        {"code": 1000, "reason": "", "sent": (1000, ""), "extensions": extensions}
    ]


async def test_page_sees_close_codes_and_reasons(browser):
    async with echo_server("deflate") as (base, connections):
        page = await browser.new_page()
        await page.goto(base + "/")
        by_server = await page.evaluate(
            "([code, reason]) => runServerClose(code, reason)", [4002, "bye é"]
        )
        by_page = await page.evaluate(
            "([code, reason]) => runPageClose(code, reason)", [4001, "page bye é"]
        )
        too_big = await page.evaluate("size => runTooBig(size)", 2**20 + 1)
        normal = await page.evaluate(
            "([code, reason]) => runPageClose(code, reason)", [1000, ""]
        )
        await screenshot(page, "close-codes")

    assert by_server == {"code": 4002, "reason": "bye é", "wasClean": True}
    assert by_page == {"code": 4001, "reason": "page bye é", "wasClean": True}
    assert too_big["code"] == 1009, json.dumps(too_big)
    assert re.fullmatch(r".* exceeds limit of 1048576 bytes", too_big["reason"]), (
        too_big
    )
    assert too_big["wasClean"] is True
    assert normal == {"code": 1000, "reason": "", "wasClean": True}
    # After failing the connection with 1009, websockets discards what it
    # receives, the page's close frame included: like the released
    # websockets, the server reports 1006 (no close frame received).
    assert [(c["code"], c["reason"], c["sent"]) for c in connections] == [
        (4002, "bye é", (4002, "bye é")),
        (4001, "page bye é", (4001, "page bye é")),
        (1006, "", (1009, too_big["reason"])),
        (1000, "", (1000, "")),
    ]
