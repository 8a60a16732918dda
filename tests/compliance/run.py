"""
Run the Autobahn|Testsuite against our server and our client.

Usage::

    python -m tests.compliance.run --all             # 517 cases x 2 roles x 2 builds
    python -m tests.compliance.run --roles server --modes pure \\
        --cases "1.*,2.*,3.*,4.*,5.*,6.*,7.*,9.*,10.*" --exclude "12.*,13.*"

For each selected role and build ("mode"):

* role ``server``: start :mod:`tests.compliance.echo_server` and run
  ``wstest -m fuzzingclient`` against it;
* role ``client``: start ``wstest -m fuzzingserver`` and drive every case
  with :mod:`tests.compliance.echo_client`;
* mode ``compiled`` sets ``WEBSOCKETS_REQUIRE_SPEEDUPS=1``, mode ``pure``
  sets ``WEBSOCKETS_NO_SPEEDUPS=1``;
* implementation ``asyncio`` (the default) runs the modules above,
  ``trio`` runs :mod:`tests.compliance.trio_echo_server` and
  :mod:`tests.compliance.trio_echo_client` instead (``--impls trio``).

The suite is installed on first use (see :mod:`tests.compliance.autobahn`).
Reports go to ``.cache/autobahn/reports/{role}-{mode}/`` (with a ``-trio``
suffix for the trio implementation) (``index.html``
for a browser, ``index.json`` for :mod:`tests.compliance.summary`); the logs
of each run go next to them, in ``{role}-{mode}.log``. Once the runs are
done, the summary is printed and its exit status becomes this command's.

The compiled kernels must be built first (``python setup.py build_ext
--inplace``); otherwise the ``compiled`` runs stop at once.

"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from typing import IO

from . import summary
from .autobahn import REPORTS, ROOT, install, write_spec, wstest_command, wstest_env
from .common import MODES, mode_env


__all__ = ["ROLES", "IMPLS", "run_server_role", "run_client_role", "main"]


ROLES = ("server", "client")
"""``server``: our echo server under test; ``client``: our echo client."""

IMPLS = ("asyncio", "trio")
"""I/O implementations under test."""


def run_name(role: str, mode: str, impl: str = "asyncio") -> str:
    """
    Name of a run, its reports folder and its agent: ``{role}-{mode}``, with
    a ``-trio`` suffix for the trio implementation.

    """
    return f"{role}-{mode}" if impl == "asyncio" else f"{role}-{mode}-{impl}"


def echo_module(role: str, impl: str) -> str:
    """Module of the echo server or client of an implementation."""
    kind = "echo_server" if role == "server" else "echo_client"
    prefix = "" if impl == "asyncio" else f"{impl}_"
    return f"tests.compliance.{prefix}{kind}"


def free_port() -> int:
    """
    Return a TCP port on the loopback interface that's free right now.

    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    """
    Wait until something accepts TCP connections on ``port``.

    Raises:
        RuntimeError: If ``process`` exits or ``timeout`` elapses first.

    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), 1),
        ):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout}s")


@contextlib.contextmanager
def background(
    command: Sequence[str], env: dict[str, str], log: IO[bytes]
) -> Iterator[subprocess.Popen[bytes]]:
    """
    Run ``command`` for the duration of the ``with`` block, then stop it.

    """
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def spec_cases(cases: Sequence[str], exclude: Sequence[str]) -> dict[str, object]:
    """
    Return the case selection part of a ``wstest`` specification.

    """
    return {
        "cases": list(cases),
        "exclude-cases": list(exclude),
        "exclude-agent-cases": {},
    }


def run_server_role(
    mode: str,
    cases: Sequence[str],
    exclude: Sequence[str],
    log: IO[bytes],
    timeout: float | None,
    impl: str = "asyncio",
) -> int:
    """
    Test our echo server with ``wstest -m fuzzingclient``; return its status.

    """
    name = run_name("server", mode, impl)
    outdir = REPORTS / name
    port = free_port()
    spec = REPORTS / f"{name}.spec.json"
    agent = "websockets-" + name.partition("-")[2]
    write_spec(
        spec,
        {
            "outdir": str(outdir),
            "servers": [{"agent": agent, "url": f"ws://127.0.0.1:{port}"}],
            **spec_cases(cases, exclude),
        },
    )
    server = [sys.executable, "-m", echo_module("server", impl), "--port", str(port)]
    with background(server, mode_env(mode), log) as process:
        wait_for_port(port, process, 30)
        log.flush()
        return subprocess.call(
            wstest_command(["-m", "fuzzingclient", "-s", str(spec)]),
            env=wstest_env(),
            cwd=REPORTS,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=timeout,
        )


def run_client_role(
    mode: str,
    cases: Sequence[str],
    exclude: Sequence[str],
    log: IO[bytes],
    timeout: float | None,
    impl: str = "asyncio",
) -> int:
    """
    Test our echo client with ``wstest -m fuzzingserver``; return its status.

    """
    name = run_name("client", mode, impl)
    outdir = REPORTS / name
    port = free_port()
    spec = REPORTS / f"{name}.spec.json"
    write_spec(
        spec,
        {
            "url": f"ws://127.0.0.1:{port}",
            "outdir": str(outdir),
            **spec_cases(cases, exclude),
        },
    )
    # -u 0 disables the embedded web server, which would listen on port 8080
    # and prevent running two fuzzing servers at once.
    fuzzingserver = wstest_command(["-m", "fuzzingserver", "-s", str(spec), "-u", "0"])
    with background(fuzzingserver, wstest_env(), log) as process:
        wait_for_port(port, process, 60)
        log.flush()
        client = [
            sys.executable,
            "-m",
            echo_module("client", impl),
            "--url",
            f"ws://127.0.0.1:{port}",
            "--agent",
            "websockets-" + name.partition("-")[2],
        ]
        try:
            return subprocess.call(
                client,
                env=mode_env(mode),
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            # Unlike the fuzzing client, the fuzzing server can write the
            # reports of the cases run so far: keep them.
            subprocess.call(
                [*client, "--update-reports-only"],
                env=mode_env(mode),
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=300,
            )
            raise


def run_one(
    role: str,
    mode: str,
    cases: Sequence[str],
    exclude: Sequence[str],
    timeout: float | None = None,
    impl: str = "asyncio",
) -> int:
    """
    Run the suite for one role and one build; return the exit status.

    Args:
        role: ``server`` or ``client``.
        mode: ``compiled`` or ``pure``.
        cases: Patterns of the cases to run.
        exclude: Patterns of the cases to leave out.
        timeout: Stop the run after this many seconds.
        impl: ``asyncio`` or ``trio``.

    """
    name = run_name(role, mode, impl)
    outdir = REPORTS / name
    # Stale reports from an earlier run would make the summary lie.
    shutil.rmtree(outdir, ignore_errors=True)
    outdir.mkdir(parents=True)
    log_path = REPORTS / f"{name}.log"
    print(f"{name}: started, log in {log_path}", flush=True)
    start = time.monotonic()
    runner = run_server_role if role == "server" else run_client_role
    with open(log_path, "wb") as log:
        try:
            status = runner(mode, cases, exclude, log, timeout, impl)
        except subprocess.TimeoutExpired:
            message = f"{name}: stopped after {timeout}s"
            log.write(f"{message}\n".encode())
            print(message, flush=True)
            status = 1
        except RuntimeError as exc:
            log.write(f"{exc}\n".encode())
            print(f"{name}: {exc}", flush=True)
            status = 1
    elapsed = time.monotonic() - start
    if not (outdir / "index.json").exists():
        print(f"{name}: no index.json written", flush=True)
        status = status or 1
    print(f"{name}: finished with status {status} in {elapsed:.0f}s", flush=True)
    return status


def split(patterns: str) -> list[str]:
    """
    Split a comma-separated list of case patterns.

    """
    return [pattern.strip() for pattern in patterns.split(",") if pattern.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    """
    Parse the command line, run the selected runs and print the summary.

    """
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0].strip(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="every case, both roles, both builds (the default selection, spelled out)",
    )
    parser.add_argument("--roles", default=",".join(ROLES), help="server,client")
    parser.add_argument("--modes", default=",".join(MODES), help="compiled,pure")
    parser.add_argument(
        "--impls", default="asyncio", help="asyncio,trio (default: asyncio)"
    )
    parser.add_argument(
        "--cases",
        default="*",
        help='patterns, e.g. "1.*,2.*,9.1.1" (with "*", wstest matches a prefix)',
    )
    parser.add_argument("--exclude", default="", help='patterns, e.g. "12.*,13.*"')
    parser.add_argument(
        "--jobs", type=int, default=1, help="runs to do at once (default: 1)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=3600,
        help="stop a run after this many seconds (default: 3600)",
    )
    parser.add_argument(
        "--no-summary", action="store_true", help="don't print the summary at the end"
    )
    args = parser.parse_args(argv)
    roles, modes, impls = split(args.roles), split(args.modes), split(args.impls)
    cases, exclude = split(args.cases), split(args.exclude)
    if args.all and (
        roles != list(ROLES) or modes != list(MODES) or cases != ["*"] or exclude
    ):
        parser.error("--all runs everything; don't combine it with a selection")
    for role in roles:
        if role not in ROLES:
            parser.error(f"unknown role: {role}")
    for mode in modes:
        if mode not in MODES:
            parser.error(f"unknown mode: {mode}")
    for impl in impls:
        if impl not in IMPLS:
            parser.error(f"unknown implementation: {impl}")

    install()
    REPORTS.mkdir(parents=True, exist_ok=True)
    # Our echo server and client import websockets from the working tree.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    runs = [(role, mode, impl) for impl in impls for role in roles for mode in modes]
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as executor:
        futures = [
            executor.submit(run_one, role, mode, cases, exclude, args.timeout, impl)
            for role, mode, impl in runs
        ]
        statuses = [future.result() for future in futures]
    print(f"all runs finished in {time.monotonic() - start:.0f}s", flush=True)
    status = 1 if any(statuses) else 0
    if not args.no_summary:
        names = [run_name(role, mode, impl) for role, mode, impl in runs]
        status = max(status, summary.main(names))
    return status


if __name__ == "__main__":
    sys.exit(main())
