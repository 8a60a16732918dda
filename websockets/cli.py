"""
Interactive WebSocket client: ``python -m websockets URI``.

It connects to a WebSocket server, prints incoming messages prefixed with
``<``, and sends each line typed by the user as a text message. Ctrl-D
closes the connection.

"""

from __future__ import annotations

import argparse
import asyncio
import os
import ssl
import sys
import threading
from typing import Any, Callable

from .asyncio.client import ClientConnection, connect
from .exceptions import ConnectionClosed
from .frames import Close
from .version import version as websockets_version


__all__ = ["main"]


# Escape control characters, C0 and DEL then C1, so that messages cannot
# move the cursor, change colors or otherwise take over the terminal.
TERMINAL_ESCAPES = {
    codepoint: repr(chr(codepoint))[1:-1]
    for codepoint in [*range(0x20), *range(0x7F, 0xA0)]
}


def escape(string: str) -> str:
    """Make a string safe for a terminal by escaping control characters."""
    return string.translate(TERMINAL_ESCAPES)


def print_during_input(string: str) -> None:
    """
    Print a line above the one where the user is typing.

    """
    # Save the cursor position, open a line above the input line with
    # "cursor up" then "insert line", print, then restore the cursor and
    # move it down, since the input line moved down by one line.
    sys.stdout.write(
        "\N{ESC}7"  # save cursor position
        "\N{LINE FEED}"  # move to the next line, scrolling if needed
        "\N{ESC}[A"  # move cursor up
        "\N{ESC}[L"  # insert blank line
        f"{string}"  # print string in the inserted blank line
        "\N{LINE FEED}"  # move to next line
        "\N{ESC}8"  # restore cursor position
        "\N{ESC}[B"  # move cursor down
    )
    sys.stdout.flush()


def print_over_input(string: str) -> None:
    """
    Print a line in place of the one where the user is typing.

    """
    sys.stdout.write(
        "\N{CARRIAGE RETURN}"  # move cursor to beginning of line
        "\N{ESC}[K"  # delete up to end of line
        f"{string}"  # print string
        "\N{LINE FEED}"  # move to next line
    )
    sys.stdout.flush()


async def print_incoming_messages(websocket: ClientConnection) -> None:
    """Print messages received from the server until the connection closes."""
    async for message in websocket:
        if isinstance(message, str):
            print_during_input("< " + escape(message))
        else:
            print_during_input("< (binary) " + message.hex())


async def send_outgoing_messages(
    websocket: ClientConnection,
    messages: asyncio.Queue[str],
) -> None:
    """Send messages typed by the user until the connection closes."""
    while True:
        message = await messages.get()
        try:
            await websocket.send(message)
        except ConnectionClosed:  # pragma: no cover
            break


def stdin_descriptor() -> tuple[int, bool]:
    """Return the file descriptor of stdin and whether it's a terminal."""
    try:
        return sys.stdin.fileno(), sys.stdin.isatty()
    except (AttributeError, OSError, ValueError):
        return -1, True


def show_prompt() -> None:
    sys.stdout.write("> ")
    sys.stdout.flush()


def read_outgoing_messages(
    queue_for_sending: Callable[[str], None],
    notify_end_of_file: Callable[[], None],
) -> None:
    """
    Read lines typed by the user; run in a thread because input() blocks.

    When stdin isn't a terminal, the caller shows the first prompt before
    starting this thread, so that it comes before any incoming message.

    """
    fd, interactive = stdin_descriptor()
    if interactive:
        while True:
            try:
                message = input("> ")
            except EOFError:
                break
            queue_for_sending(message)
    else:
        # Read the file descriptor rather than sys.stdin: this daemon thread
        # may still be waiting for input when the interpreter exits, and a
        # read blocked in sys.stdin's buffer holds a lock that the shutdown
        # needs (Python aborts with a fatal error, exit status -6).
        pending = b""
        while True:
            while b"\n" not in pending:
                chunk = os.read(fd, 4096)
                if not chunk:
                    break
                pending += chunk
            if not pending:
                break
            line, _, pending = pending.partition(b"\n")
            queue_for_sending(line.decode(errors="replace").removesuffix("\r"))
            show_prompt()
    notify_end_of_file()


async def interactive_client(uri: str, **kwargs: Any) -> None:
    """Run the interactive client until the connection closes."""
    try:
        websocket = await connect(uri, **kwargs)
    except Exception as exc:
        print(f"Failed to connect to {uri}: {exc}.")
        sys.exit(1)
    else:
        print(f"Connected to {uri}.")

    loop = asyncio.get_running_loop()
    messages: asyncio.Queue[str] = asyncio.Queue()
    end_of_file = loop.create_future()

    def queue_for_sending(message: str) -> None:
        loop.call_soon_threadsafe(messages.put_nowait, message)

    def notify_end_of_file() -> None:
        def set_end_of_file() -> None:
            if not end_of_file.done():
                end_of_file.set_result(None)

        loop.call_soon_threadsafe(set_end_of_file)

    # input() blocks and asyncio cannot read from a terminal portably: read
    # in a daemon thread, which doesn't prevent exiting once the connection
    # closes while it's waiting for the next line.
    if not stdin_descriptor()[1]:
        show_prompt()
    thread = threading.Thread(
        target=read_outgoing_messages,
        args=(queue_for_sending, notify_end_of_file),
        daemon=True,
    )
    thread.start()

    incoming = asyncio.create_task(print_incoming_messages(websocket))
    outgoing = asyncio.create_task(send_outgoing_messages(websocket, messages))
    try:
        await asyncio.wait(
            [incoming, end_of_file],
            return_when=asyncio.FIRST_COMPLETED,
        )
    finally:
        # Ctrl-D, Ctrl-C (which cancels this coroutine) or the server closing
        # the connection: close it normally, if it's still open.
        outgoing.cancel()
        end_of_file.cancel()
        await websocket.close()
        incoming.cancel()
        close_status = Close(
            websocket.protocol.close_code,  # type: ignore[arg-type]
            websocket.protocol.close_reason,  # type: ignore[arg-type]
        )
        print_over_input(f"Connection closed: {close_status}.")


def implementation() -> str:
    """
    Describe the active implementation: this project, its kernels, its path.

    The released websockets doesn't print this line, so its presence tells
    which of the two ``import websockets`` resolves to.

    """
    from . import _accel

    kinds = set(_accel.ACTIVE.values())
    if len(kinds) == 1:
        (kind,) = kinds
        kernels = f"{kind} kernels"
    else:
        kernels = ", ".join(f"{name}: {kind}" for name, kind in _accel.ACTIVE.items())
    package = os.path.dirname(os.path.abspath(__file__))
    return f"websockets-speedy {websockets_version} ({kernels}) in {package}"


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and run the interactive client."""
    parser = argparse.ArgumentParser(
        prog="websockets",
        usage="websockets [--help] [--insecure] [--version] [<uri>]",
        add_help=False,
    )
    parser.add_argument("--help", action="store_true")
    parser.add_argument("--insecure", action="store_true")
    parser.add_argument("--version", action="store_true")
    parser.add_argument("uri", metavar="<uri>", nargs="?")
    args = parser.parse_args(argv)

    # Exit like argparse's own --help and --version actions, so that a caller
    # of main() sees the same SystemExit(0) as with websockets.
    if args.help:
        parser.print_usage()
        sys.exit(0)

    if args.version:
        # The first line is the release's, for scripts that parse it; the
        # second one tells that this project, not the release, is active.
        print(f"websockets {websockets_version}")
        print(implementation())
        sys.exit(0)

    if args.uri is None:
        parser.print_usage()
        sys.exit(2)

    kwargs: dict[str, Any] = {}
    if args.insecure and args.uri.startswith("wss://"):
        # Skip certificate verification, for testing against servers with
        # self-signed certificates.
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        kwargs["ssl"] = context

    # Enable VT100 escape sequences, which print_during_input relies on.
    if sys.platform == "win32":  # pragma: no cover
        os.system("")

    try:
        asyncio.run(interactive_client(args.uri, **kwargs))
    except KeyboardInterrupt:  # pragma: no cover
        # Python 3.10 raises KeyboardInterrupt out of asyncio.run() instead
        # of cancelling the main task.
        pass
