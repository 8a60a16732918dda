"""
Echo client with :mod:`websockets.trio`, driven by Autobahn's
``fuzzingserver``.

Usage::

    WEBSOCKETS_NO_SPEEDUPS=1 python -m tests.compliance.trio_echo_client \\
        --url ws://127.0.0.1:9001 --agent websockets-pure-trio

Like :mod:`tests.compliance.echo_client`: it runs every case by echoing
every message until the server closes the connection, then asks the server
to write its reports. It exits with status 1 if a case didn't end within
``--case-timeout`` seconds.

"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.parse

import trio

from websockets.exceptions import ConnectionClosed, WebSocketException
from websockets.trio.client import connect

from .common import MAX_SIZE, check_mode


async def get_case_count(server: str) -> int:
    """
    Return the number of cases that the fuzzing server runs.

    """
    async with connect(f"{server}/getCaseCount") as websocket:
        count = await websocket.recv()
    return int(count)


async def run_case(server: str, case: int, agent: str) -> None:
    """
    Run case number ``case`` (1-based) by echoing every message.

    """
    query = urllib.parse.urlencode({"case": case, "agent": agent})
    try:
        async with connect(f"{server}/runCase?{query}", max_size=MAX_SIZE) as websocket:
            async for message in websocket:
                await websocket.send(message)
    except ConnectionClosed:
        # Many cases end with a protocol error on purpose.
        pass
    except WebSocketException as exc:
        # The report records the outcome; carry on with the next case.
        print(f"case {case}: {type(exc).__name__}: {exc}", flush=True)


async def update_reports(server: str, agent: str) -> None:
    """
    Ask the fuzzing server to write the reports for ``agent``.

    """
    query = urllib.parse.urlencode({"agent": agent})
    async with connect(
        f"{server}/updateReports?{query}", open_timeout=None
    ) as websocket:
        # The server closes the connection once the reports are written.
        try:
            await websocket.recv()
        except ConnectionClosed:
            pass


async def main(server: str, agent: str, case_timeout: float) -> int:
    """
    Run every case, write the reports and return an exit status.

    """
    mode = check_mode()
    count = await get_case_count(server)
    print(f"{mode} trio echo client: {count} cases for agent {agent}", flush=True)
    hung = []
    start = time.monotonic()
    for case in range(1, count + 1):
        with trio.move_on_after(case_timeout) as scope:
            await run_case(server, case, agent)
        if scope.cancelled_caught:
            print(f"case {case}: didn't end within {case_timeout}s", flush=True)
            hung.append(case)
        if case % 50 == 0:
            elapsed = time.monotonic() - start
            print(f"{case}/{count} cases run in {elapsed:.0f}s", flush=True)
    await update_reports(server, agent)
    if hung:
        print(f"cases that hung: {hung}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    parser.add_argument("--url", default="ws://127.0.0.1:9001")
    parser.add_argument("--agent", default="websockets-trio")
    parser.add_argument("--case-timeout", type=float, default=600.0)
    parser.add_argument(
        "--update-reports-only",
        action="store_true",
        help="only write the reports of the cases run so far",
    )
    args = parser.parse_args()
    if args.update_reports_only:
        trio.run(update_reports, args.url, args.agent)
    else:
        sys.exit(trio.run(main, args.url, args.agent, args.case_timeout))
