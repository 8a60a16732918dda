"""
Starting interop peers as processes and reading what they report.

"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import queue
import subprocess
import threading


HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[1]
PEERS = HERE / "peers"
NODE = HERE / "node"
ARTIFACTS = REPO / "build" / "artifacts" / "interop"

# How long a peer may stay silent before the test gives up on it. Exchanging
# 2 × 16 MiB with compression, in pure-Python mode, on a busy machine, takes
# a few seconds; the bound only keeps a broken peer from hanging the suite.
TIMEOUT = 120


def expected_kernels() -> str | None:
    """The kernels our peers must report in this run, if the mode is forced."""
    if os.environ.get("WEBSOCKETS_NO_SPEEDUPS"):
        return "pure"
    if os.environ.get("WEBSOCKETS_REQUIRE_SPEEDUPS"):
        return "compiled"
    return None


RUN_PEER = (
    "import os, runpy, sys; path = sys.argv[1]; sys.argv = sys.argv[1:];"
    " sys.path.insert(0, os.path.dirname(path)); runpy.run_path(path, run_name='__main__')"
)


@dataclasses.dataclass(frozen=True)
class Runtimes:
    """Where the programs that run the peers are."""

    python: str
    upstream_python: str
    node: str

    def command(self, peer: str, *args: str) -> list[str]:
        if peer == "node-ws":
            return [self.node, str(NODE / "peer.mjs"), *args]
        library, api = peer.split("-")
        script = str(PEERS / f"{api}_peer.py")
        if library == "ours":
            return [self.python, script, *args]
        # The released package runs isolated (-I): neither PYTHONPATH nor a
        # directory on sys.path can put this repository's websockets first.
        # -I also leaves out the script's directory, which the peer needs
        # for `import common`, so RUN_PEER adds that one explicitly.
        return [self.upstream_python, "-I", "-c", RUN_PEER, script, *args]

    def env(self, peer: str) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        env["PYTHONIOENCODING"] = "utf-8"
        if peer.startswith("ours-"):
            # Import this working tree's websockets, in the current mode.
            env["PYTHONPATH"] = str(REPO)
        return env


class Process:
    """A peer process whose standard output is read line by line."""

    def __init__(self, command: list[str], env: dict[str, str], name: str) -> None:
        self.name = name
        self.command = command
        self.popen = subprocess.Popen(
            command,
            env=env,
            cwd=str(HERE),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stderr = b""
        self.threads = [
            threading.Thread(target=self._read_stdout, daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True),
        ]
        for thread in self.threads:
            thread.start()

    def _read_stdout(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.put(line.decode("utf-8").rstrip("\n"))
        self.lines.put(None)

    def _read_stderr(self) -> None:
        assert self.popen.stderr is not None
        self.stderr = self.popen.stderr.read()

    def describe(self) -> str:
        stderr = self.stderr.decode("utf-8", "replace").strip()
        return f"{self.name} ({' '.join(self.command)}); stderr:\n{stderr}"

    def readline(self) -> str:
        """Next line of output; fail if the peer exits or stays silent."""
        try:
            line = self.lines.get(timeout=TIMEOUT)
        except queue.Empty:
            self.kill()
            raise AssertionError(
                f"no output for {TIMEOUT}s from {self.describe()}"
            ) from None
        if line is None:
            self.popen.wait()
            for thread in self.threads:
                thread.join()
            raise AssertionError(
                f"exited with status {self.popen.returncode}: {self.describe()}"
            )
        return line

    def finish(self) -> list[str]:
        """Close standard input, wait for the exit, return remaining lines."""
        assert self.popen.stdin is not None
        try:
            self.popen.stdin.close()
        except BrokenPipeError:  # pragma: no cover - the peer died already
            pass
        try:
            self.popen.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(
                f"didn't exit within {TIMEOUT}s: {self.describe()}"
            ) from None
        for thread in self.threads:
            thread.join()
        lines = []
        while (line := self.lines.get()) is not None:
            lines.append(line)
        assert self.popen.returncode == 0, (
            f"exited with status {self.popen.returncode}: {self.describe()}"
        )
        return lines

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.wait()
        for thread in self.threads:
            thread.join()


def check_library(peer: str, description: str) -> None:
    """Fail unless a peer imported the websockets it's meant to test."""
    if peer == "node-ws":
        assert description.startswith("ws "), description
        return
    version, kernels, location = description.split(" ", 2)
    if peer.startswith("ours-"):
        assert pathlib.Path(location) == REPO, f"{peer} imported {description}"
        expected = expected_kernels()
        if expected is not None:
            assert kernels == expected, f"{peer} ran {kernels} kernels: {description}"
        else:
            assert kernels in {"pure", "compiled"}, description
    else:
        assert (version, kernels) == ("17.4", "upstream"), f"{peer}: {description}"
