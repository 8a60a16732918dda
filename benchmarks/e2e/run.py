"""
End-to-end benchmark: echo round trips and many connections, this project
against websockets, aiohttp, picows' websockets API and raw picows.

Run from the repository root, with the project's virtualenv (the compiled
kernels built in place)::

    .venv/bin/python -m benchmarks.e2e.run            # full matrix
    .venv/bin/python -m benchmarks.e2e.run --quick    # CI smoke run, < 1 min

The method is websocket-benchmark's: a client sends a message of N bytes,
waits for the echo, sends the next, for a fixed time after a warm-up; the
result is requests per second. Beside it, the CPU time of the process under
test per round trip, which is far steadier than throughput on a shared
machine. See ``benchmarks/README.rst`` for the matrix and how to read it.

Every library runs in its own process: the peers from
``benchmarks/.venv-peers`` (created and filled from
``benchmarks/requirements-peers.txt`` on first use), this project from the
interpreter running this script with ``PYTHONPATH=<repository>``.

"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pathlib
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any


HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:  # When run as a file rather than with -m.
    sys.path.insert(0, str(ROOT))

from benchmarks.e2e import harness  # noqa: E402
from benchmarks.e2e.harness import COMMON, COMMON_LOOP, OURS, Cell, Sample  # noqa: E402
from benchmarks.micro.common import metadata  # noqa: E402


WORKER = HERE / "worker.py"
PEERS_VENV = ROOT / "benchmarks" / ".venv-peers"
PEERS_REQUIREMENTS = ROOT / "benchmarks" / "requirements-peers.txt"
OURS_DEPS = ROOT / "benchmarks" / ".venv-ours-deps"
RESULTS_DIR = ROOT / "benchmarks" / "results"
CHARTS_DIR = ROOT / "benchmarks" / "charts"
README = ROOT / "benchmarks" / "README.rst"
README_BEGIN = ".. BEGIN E2E RESULTS (written by python -m benchmarks.e2e.run)"
README_END = ".. END E2E RESULTS"
# Runs of only the permessage-deflate scenarios have their own section.
README_DEFLATE_BEGIN = (
    ".. BEGIN E2E DEFLATE RESULTS (written by python -m benchmarks.e2e.run)"
)
README_DEFLATE_END = ".. END E2E DEFLATE RESULTS"

SERVER_START_TIMEOUT = 20.0
"""Seconds for a server process to import its library and listen."""

CONNECT_BUDGET = 30.0
"""Seconds allowed to a client, beyond warm-up and measurement, to connect;
many-connection clients get more, per connection."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# Environments.


def find_python312() -> str:
    """Return a Python 3.12 interpreter to create the peers virtualenv."""
    if sys.version_info[:2] == (3, 12):
        return getattr(sys, "_base_executable", sys.executable)
    for candidate in ("python3.12", "python3"):
        path = shutil.which(candidate)
        if path is None:
            continue
        version = subprocess.run(
            [path, "-c", "import sys; print(sys.version_info[:2] == (3, 12))"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        if version == "True":
            return path
    raise SystemExit("the peers virtualenv needs Python 3.12; none found")


def ensure_peers_venv(requirements: Sequence[str] | None = None) -> pathlib.Path:
    """
    Create ``benchmarks/.venv-peers`` if needed and install the peers.

    ``requirements`` restricts the installation to some lines of
    ``requirements-peers.txt`` (by project name), e.g. for the smoke run.
    A stamp file records what was installed, so later runs skip pip.

    """
    python = PEERS_VENV / "bin" / "python"
    if not python.exists():
        base = find_python312()
        log(f"creating {PEERS_VENV.relative_to(ROOT)} with {base}")
        subprocess.run([base, "-m", "venv", str(PEERS_VENV)], check=True)
    lines = [
        line.strip()
        for line in PEERS_REQUIREMENTS.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if requirements is not None:
        lines = [
            line
            for line in lines
            if re.split(r"[<>=!~\[ ;]", line, maxsplit=1)[0].lower() in requirements
        ]
    digest = hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()
    stamps = PEERS_VENV / "installed.txt"
    done = stamps.read_text(encoding="utf-8").split() if stamps.exists() else []
    if (
        digest not in done
        and "full:" + hashlib.sha256(PEERS_REQUIREMENTS.read_bytes()).hexdigest()
        not in done
    ):
        log(f"installing peers: {' '.join(lines)}")
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                *lines,
            ],
            check=True,
        )
        with stamps.open("a", encoding="utf-8") as file:
            file.write(digest + "\n")
            if requirements is None:
                full = hashlib.sha256(PEERS_REQUIREMENTS.read_bytes()).hexdigest()
                file.write(f"full:{full}\n")
    return python


class Runtime:
    """How to start a worker process for each library."""

    def __init__(
        self,
        peers_python: pathlib.Path,
        ours_python: str,
        pure: bool,
        ours_tls: str | None = None,
        deflate_impl: str | None = None,
    ) -> None:
        self.peers_python = peers_python
        self.ours_python = ours_python
        self.pure = pure
        self.ours_tls = ours_tls
        self.deflate_impl = deflate_impl
        self.ours_paths = [str(ROOT)]

    def command(self, library: str, *args: str) -> list[str]:
        if library == OURS:
            return [self.ours_python, str(WORKER), *args]
        # -I: isolated mode keeps the repository, and its websockets package,
        # off sys.path, so the upstream release is imported.
        return [str(self.peers_python), "-I", str(WORKER), *args]

    def env(self, library: str) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("WEBSOCKETS_", "PYTHON"))
        }
        if library == OURS:
            env["PYTHONPATH"] = os.pathsep.join(self.ours_paths)
            if self.pure:
                env["WEBSOCKETS_NO_SPEEDUPS"] = "1"
            else:
                env["WEBSOCKETS_REQUIRE_SPEEDUPS"] = "1"
            if self.ours_tls is not None:
                env["WEBSOCKETS_TLS"] = self.ours_tls
            if self.deflate_impl is not None:
                env["WEBSOCKETS_DEFLATE_IMPL"] = self.deflate_impl
        return env

    def check(self, library: str, *code: str) -> bool:
        python = (
            [self.ours_python] if library == OURS else [str(self.peers_python), "-I"]
        )
        result = subprocess.run(
            [*python, "-c", *code],
            env=self.env(library),
            capture_output=True,
            cwd=tempfile.gettempdir(),
        )
        return result.returncode == 0

    def ensure_ours_uvloop(self) -> None:
        """Make uvloop importable by our process, without touching its venv."""
        if self.check(OURS, "import uvloop"):
            return
        self.ours_paths.append(str(OURS_DEPS))
        if self.check(OURS, "import uvloop"):
            return
        log(f"installing uvloop into {OURS_DEPS.relative_to(ROOT)} for our process")
        subprocess.run(
            [
                self.ours_python,
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                "--target",
                str(OURS_DEPS),
                "uvloop",
            ],
            check=True,
        )

    def info(self, library: str) -> dict[str, Any]:
        output = subprocess.run(
            self.command(library, "info", "--lib", library),
            env=self.env(library),
            capture_output=True,
            text=True,
            cwd=tempfile.gettempdir(),
        )
        if output.returncode != 0:
            return {"error": output.stderr.strip().splitlines()[-1:]}
        info: dict[str, Any] = json.loads(output.stdout)
        return info


# Running one cell.


def pin(cpu: int | None) -> Any:
    """Return a ``preexec_fn`` pinning the child to ``cpu``, like taskset."""
    if cpu is None:
        return None
    return lambda: os.sched_setaffinity(0, {cpu})


def start_server(
    runtime: Runtime,
    library: str,
    loop: str,
    certs: str | None,
    mode: str,
    connections: int,
    size: int,
    cpu: int | None,
    stderr: Any,
    extra: Sequence[str] = (),
) -> tuple[subprocess.Popen[str], int]:
    """Start a server process; return it and the port it listens on."""
    args = [
        "server",
        *extra,
        "--lib",
        library,
        "--loop",
        loop,
        "--mode",
        mode,
        "--connections",
        str(connections),
        "--size",
        str(size),
    ]
    if certs is not None:
        args += ["--tls", certs]
    process = subprocess.Popen(
        runtime.command(library, *args),
        env=runtime.env(library),
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        preexec_fn=pin(cpu),
        cwd=tempfile.gettempdir(),
    )
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], SERVER_START_TIMEOUT)
    line = process.stdout.readline() if ready else ""
    if not line.startswith("READY "):
        stop(process)
        raise RuntimeError(f"{library} server did not start: {line.strip()!r}")
    _, port, loop_module = line.split()
    check_loop(loop, loop_module)
    return process, int(port)


def check_loop(requested: str, module: str) -> None:
    """Fail if a process didn't run the event loop it was asked for."""
    if not module.startswith(requested):
        raise RuntimeError(f"asked for {requested}, got a loop from {module}")


def stop(process: subprocess.Popen[str]) -> None:
    """Terminate a server process started by :func:`start_server`."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def cell_plan(cell: Cell) -> dict[str, Any]:
    """Say which library and loop run on each side of a cell."""
    deflate = harness.deflate_scenario(cell.scenario)
    if deflate is not None:
        role, payload = deflate
        peer = harness.DEFLATE_PEER
        under_test = (cell.library, cell.loop)
        return dict(
            server=peer if role == "client" else under_test,
            client=under_test if role == "client" else peer,
            mode="echo",
            under_test=role,
            extra=["--compression", "deflate", "--payload", payload],
        )
    if cell.scenario == "client":
        return dict(
            server=(COMMON, COMMON_LOOP),
            client=(cell.library, cell.loop),
            mode="echo",
            under_test="client",
        )
    if cell.scenario == "server":
        return dict(
            server=(cell.library, cell.loop),
            client=(COMMON, COMMON_LOOP),
            mode="echo",
            under_test="server",
        )
    mode = "many-echo" if cell.scenario == "many-echo" else "broadcast"
    return dict(
        server=(cell.library, cell.loop),
        client=(COMMON, COMMON_LOOP),
        mode=mode,
        under_test="server",
    )


def run_cell(
    runtime: Runtime,
    cell: Cell,
    round_index: int,
    *,
    certs: str | None,
    warmup: float,
    duration: float,
    connections: int,
    cpus: tuple[int | None, int | None],
    many_cpus: tuple[int | None, int | None],
    log_file: Any,
) -> Sample:
    """Run one cell: start the server, run the client, stop the server."""
    plan = cell_plan(cell)
    many = plan["mode"] != "echo"
    count = connections if many else 1
    server_cpu, client_cpu = many_cpus if many else cpus
    cell_certs = certs if cell.transport == "tls" else None
    server_library, server_loop = plan["server"]
    client_library, client_loop = plan["client"]
    print(f"--- {cell} round {round_index}", file=log_file, flush=True)
    try:
        server, port = start_server(
            runtime,
            server_library,
            server_loop,
            cell_certs,
            plan["mode"],
            count,
            cell.size,
            server_cpu,
            log_file,
            plan.get("extra", ()),
        )
    except Exception as exc:  # noqa: BLE001 - a failed cell mustn't stop the run.
        return Sample(cell, round_index, 0, 0, 0, error=str(exc))
    try:
        args = [
            "client",
            *plan.get("extra", ()),
            "--lib",
            client_library,
            "--loop",
            client_loop,
            "--port",
            str(port),
            "--mode",
            plan["mode"],
            "--size",
            str(cell.size),
            "--connections",
            str(count),
            "--warmup",
            str(warmup),
            "--duration",
            str(duration),
            "--peer-pid",
            str(server.pid),
        ]
        if cell_certs is not None:
            args += ["--tls", cell_certs]
        timeout = warmup + duration + CONNECT_BUDGET + (count * 0.05 if many else 0)
        try:
            output = subprocess.run(
                runtime.command(client_library, *args),
                env=runtime.env(client_library),
                capture_output=True,
                text=True,
                timeout=timeout,
                preexec_fn=pin(client_cpu),
                cwd=tempfile.gettempdir(),
            )
        except subprocess.TimeoutExpired:
            return Sample(
                cell,
                round_index,
                0,
                0,
                0,
                error=f"client timed out after {timeout:.0f} s",
            )
        log_file.write(output.stderr)
        if output.returncode != 0 or not output.stdout.strip():
            last = (output.stderr.strip().splitlines() or ["no output"])[-1]
            return Sample(cell, round_index, 0, 0, 0, error=f"client failed: {last}")
        try:
            result = json.loads(output.stdout)
            check_loop(client_loop, result["loop"])
        except (ValueError, KeyError, RuntimeError) as exc:
            return Sample(cell, round_index, 0, 0, 0, error=f"client: {exc}")
        return sample_from_result(cell, round_index, result, plan["under_test"])
    finally:
        stop(server)


def sample_from_result(
    cell: Cell, round_index: int, result: dict[str, float], under_test: str
) -> Sample:
    """Turn a client's measurement into a sample for the process under test."""
    count = result["count"]
    if count <= 0:
        return Sample(cell, round_index, 0, 0, 0, error="no message in the measurement")
    own, other = result["cpu"], result["peer_cpu"]
    if under_test == "server":
        own, other = other, own
    return Sample(
        cell,
        round_index,
        rate=count / result["elapsed"],
        cpu_us=own / count * 1e6,
        peer_cpu_us=other / count * 1e6,
    )


# Outputs.


def write_outputs(
    document: dict[str, Any],
    summaries: Sequence[harness.Summary],
    labels: dict[str, str],
    output: pathlib.Path,
    charts: pathlib.Path | None,
    peers_python: pathlib.Path,
) -> tuple[pathlib.Path, pathlib.Path, list[pathlib.Path]]:
    """Write JSON and Markdown in ``output`` and PNG charts in ``charts``."""
    output.mkdir(parents=True, exist_ok=True)
    stamp = document["date"][:19].replace(":", "").replace("-", "")
    base = output / f"e2e-{stamp}-{document['commit']}"
    json_path = base.with_suffix(".json")
    json_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    md_path = base.with_suffix(".md")
    md_path.write_text(
        f"# End-to-end benchmark, {document['date']}, commit {document['commit']}\n\n"
        f"{describe_run(document)}\n\n{harness.markdown_tables(summaries, labels)}",
        encoding="utf-8",
    )
    images: list[pathlib.Path] = []
    if charts is not None:
        charts.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [
                str(peers_python),
                "-I",
                str(HERE / "charts.py"),
                str(json_path),
                str(charts),
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            log(f"charts failed: {result.stderr.strip()}")
        else:
            images = [pathlib.Path(line) for line in result.stdout.split()]
    return json_path, md_path, images


def describe_run(document: dict[str, Any]) -> str:
    """One paragraph saying how and where the numbers were taken."""
    settings = document["settings"]
    return (
        f"{document['cpu']} ({document['cpu_count']} CPUs), {document['platform']}, "
        f"Python {document['python']}. Warm-up {settings['warmup']} s, "
        f"measurement {settings['duration']} s, {settings['rounds']} rounds "
        "interleaved across libraries; median (min–max). Round trips: client and "
        f"server pinned to CPU {settings['cpu']}. CPU µs: time of the process "
        "under test per round trip (per delivered message for broadcast). "
        "Ratios: ours ÷ peer (above 1 for req/s, below 1 for CPU µs means ours "
        "is better)."
        + (
            " permessage-deflate scenarios: both sides in their default "
            "configuration, the common peer is "
            f"{settings.get('deflate_peer', 'websockets on asyncio')}, clients "
            "send 64 distinct messages in rotation."
            if any(s in harness.DEFLATE for s in settings.get("scenarios", ()))
            else ""
        )
    )


def update_readme(
    document: dict[str, Any],
    summaries: Sequence[harness.Summary],
    labels: dict[str, str],
    images: Sequence[pathlib.Path],
    json_path: pathlib.Path,
) -> bool:
    """Replace the results section of ``benchmarks/README.rst``."""
    if not README.exists():
        return False
    begin, end = README_BEGIN, README_END
    if all(s.cell.scenario in harness.DEFLATE for s in summaries):
        begin, end = README_DEFLATE_BEGIN, README_DEFLATE_END
    text = README.read_text(encoding="utf-8")
    if begin not in text or end not in text:
        return False
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    section = [
        begin,
        "",
        f"Latest run: {document['date']}, commit ``{document['commit']}``, "
        f"raw data in ``{json_path.relative_to(ROOT / 'benchmarks')}``.",
        "",
        describe_run(document),
        "",
        harness.rst_tables(summaries, labels),
    ]
    for image in images:
        section += [
            f".. image:: {image.relative_to(ROOT / 'benchmarks')}",
            f"   :alt: {image.stem}",
            "",
        ]
    section.append(end)
    README.write_text(head + "\n".join(section) + tail, encoding="utf-8")
    return True


# Command line.


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.e2e.run",
        description="End-to-end WebSocket benchmark: ours vs websockets, "
        "aiohttp, picows.websockets and picows.",
    )
    add = parser.add_argument
    add(
        "--quick",
        action="store_true",
        help="CI smoke run: 256 B, 1 round, 1 s, TCP, asyncio, ours and picows, "
        "client and server scenarios; results go to build/e2e-quick",
    )
    add(
        "--scenarios",
        default="client,server,many-echo,broadcast",
        help="comma-separated: client, server, many-echo, broadcast, or "
        "with permessage-deflate: " + ", ".join(harness.DEFLATE) + " (sizes: "
        "--sizes " + ",".join(map(str, harness.DEFLATE_SIZES)) + ")",
    )
    add(
        "--libs",
        default=",".join(harness.LIBRARIES),
        help="comma-separated libraries under test: " + ", ".join(harness.LIBRARIES),
    )
    add("--loops", default="asyncio,uvloop")
    add("--transports", default="tcp,tls")
    add("--sizes", default=",".join(map(str, harness.SIZES)))
    add("--rounds", type=int, default=3)
    add("--warmup", type=float, default=1.0, help="seconds (default: 1)")
    add(
        "--duration",
        type=float,
        default=3.0,
        help="seconds measured per cell (default: 3)",
    )
    add("--connections", type=int, default=1000, help="for many-echo and broadcast")
    add(
        "--cpu",
        type=int,
        default=1,
        help="CPU for both processes of round-trip cells (default: 1; -1: no pinning)",
    )
    add(
        "--ours-python",
        default=sys.executable,
        help="interpreter for this project (default: the one running this script)",
    )
    add(
        "--pure",
        action="store_true",
        help="run this project without its compiled kernels",
    )
    add(
        "--ours-tls",
        choices=["builtin", "asyncio"],
        help="TLS implementation of this project on asyncio (WEBSOCKETS_TLS; "
        "default: the package's default)",
    )
    add(
        "--deflate-impl",
        choices=("zlib", "zlib-ng"),
        help="deflate library of this project (WEBSOCKETS_DEFLATE_IMPL; default: "
        "zlib-ng if installed, else zlib); results record the one that ran",
    )
    add("--output", type=pathlib.Path, help="directory for JSON and Markdown results")
    add("--no-charts", action="store_true")
    add("--no-readme", action="store_true", help="don't update benchmarks/README.rst")
    add(
        "--render",
        type=pathlib.Path,
        metavar="RESULT_JSON",
        help="don't measure: redo the table, charts and README from a result file",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.scenarios, args.libs, args.loops = (
            "client,server",
            "ours,picows",
            "asyncio",
        )
        args.transports, args.sizes, args.rounds = "tcp", "256", 1
        args.warmup, args.duration = 0.5, 1.0
        args.no_charts = args.no_readme = True
        if args.output is None:
            args.output = ROOT / "build" / "e2e-quick"
    if args.output is None:
        args.output = RESULTS_DIR
    return args


def split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def render(args: argparse.Namespace) -> int:
    """Redo the outputs of an earlier run from its JSON file."""
    document = json.loads(args.render.read_text(encoding="utf-8"))
    summaries = [
        harness.Summary(
            Cell(
                *(
                    s[field]
                    for field in ("scenario", "loop", "transport", "size", "library")
                )
            ),
            **{
                key: value
                for key, value in s.items()
                if key not in ("scenario", "loop", "transport", "size", "library")
            },
        )
        for s in document["summaries"]
    ]
    labels = {
        **harness.LABELS,
        **{name: info["label"] for name, info in document["libraries"].items()},
    }
    images = []
    if not args.no_charts:
        result = subprocess.run(
            [
                str(ensure_peers_venv()),
                "-I",
                str(HERE / "charts.py"),
                str(args.render),
                str(CHARTS_DIR),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        images = [pathlib.Path(line) for line in result.stdout.split()]
    table = harness.markdown_tables(summaries, labels)
    md_path = args.render.with_suffix(".md")
    md_path.write_text(
        f"# End-to-end benchmark, {document['date']}, commit {document['commit']}\n\n"
        f"{describe_run(document)}\n\n{table}",
        encoding="utf-8",
    )
    print(table)
    if not args.no_readme and update_readme(
        document, summaries, labels, images, args.render.resolve()
    ):
        log(f"updated {README.relative_to(ROOT)}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.render is not None:
        return render(args)
    scenarios, libraries = split(args.scenarios), split(args.libs)
    loops, transports = split(args.loops), split(args.transports)
    sizes = [int(size) for size in split(args.sizes)]
    for library in libraries:
        if library not in harness.LIBRARIES:
            raise SystemExit(f"unknown library {library!r}; known: {harness.LIBRARIES}")
    started = time.monotonic()

    # The smoke run installs only what it runs: the common peer, picows on
    # uvloop. The full run installs every peer plus matplotlib.
    quick_requirements = None
    if args.quick:
        quick_requirements = ["picows", "uvloop", "trustme"]
    peers_python = ensure_peers_venv(quick_requirements)
    runtime = Runtime(
        peers_python,
        args.ours_python,
        args.pure,
        ours_tls=args.ours_tls,
        deflate_impl=args.deflate_impl,
    )
    if OURS in libraries and "uvloop" in loops:
        runtime.ensure_ours_uvloop()

    infos = {library: runtime.info(library) for library in libraries}
    labels = dict(harness.LABELS)
    for library, info in infos.items():
        if "error" in info:
            raise SystemExit(f"cannot load {library}: {info['error']}")
        if library == OURS:
            if info.get("project") != "ours":
                raise SystemExit(
                    f"{args.ours_python} imports {info.get('file')}, not this project"
                )
            # Which deflate library ran matters to the deflate scenarios.
            deflate = info.get("deflate")
            labels[library] = (
                f"ours ({info.get('mode')}, {deflate})"
                if deflate is not None and any(s in harness.DEFLATE for s in scenarios)
                else f"ours ({info.get('mode')})"
            )
        else:
            if library == "websockets" and info.get("project") != "upstream":
                raise SystemExit(
                    "the peers virtualenv doesn't import upstream websockets"
                )
            labels[library] = f"{harness.LABELS[library]} {info['version']}"

    cpu = None if args.cpu < 0 or (os.cpu_count() or 1) < 2 else args.cpu
    cpus = (cpu, cpu)
    # Many connections: both processes stay busy, so no wake-up latency to
    # hide; give each its CPU so the client doesn't steal the server's.
    many_cpus: tuple[int | None, int | None] = (
        (cpu, 1 - cpu) if cpu in (0, 1) else (None, None)
    )
    cells = harness.build_cells(
        scenarios=scenarios,
        loops=loops,
        transports=transports,
        sizes=sizes,
        libraries=libraries,
    )
    order = harness.interleave(cells, args.rounds)
    args.output.mkdir(parents=True, exist_ok=True)
    # Keep the log of a full run out of results/, which is committed.
    log_dir = ROOT / "build" / "e2e" if args.output == RESULTS_DIR else args.output
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / "e2e-last.log"
    samples: list[Sample] = []
    with (
        tempfile.TemporaryDirectory(prefix="e2e-certs-") as certs,
        log_path.open("w", encoding="utf-8") as log_file,
    ):
        if "tls" in transports:
            subprocess.run(
                [str(peers_python), "-I", str(WORKER), "certs", certs], check=True
            )
        log(
            f"{len(order)} runs of {args.warmup} + {args.duration} s; log in {log_path}"
        )
        for index, (round_index, cell) in enumerate(order, 1):
            sample = run_cell(
                runtime,
                cell,
                round_index,
                certs=certs,
                warmup=args.warmup,
                duration=args.duration,
                connections=args.connections,
                cpus=cpus,
                many_cpus=many_cpus,
                log_file=log_file,
            )
            samples.append(sample)
            status = (
                f"FAILED: {sample.error}"
                if sample.error
                else f"{sample.rate:10,.0f}/s {sample.cpu_us:8.2f} µs"
            )
            log(
                f"[{index}/{len(order)}] r{round_index} {cell.scenario} {cell.loop} "
                f"{cell.transport} {harness.format_size(cell.size)} "
                f"{labels[cell.library]}: {status}"
            )

    summaries = harness.summarize(samples)
    document: dict[str, Any] = {
        "benchmark": "e2e",
        **metadata(),
        "settings": {
            "scenarios": scenarios,
            "libraries": libraries,
            "loops": loops,
            "transports": transports,
            "sizes": sizes,
            "rounds": args.rounds,
            "warmup": args.warmup,
            "duration": args.duration,
            "connections": args.connections,
            "cpu": cpu,
            "many_cpus": many_cpus,
            "common_peer": f"{COMMON} on {COMMON_LOOP}",
            "deflate_peer": " on ".join(harness.DEFLATE_PEER),
            "pure": args.pure,
            "deflate_impl": infos.get(OURS, {}).get("deflate"),
        },
        "libraries": {
            library: {**infos[library], "label": labels[library]}
            for library in libraries
        },
        "seconds": round(time.monotonic() - started, 1),
        "summaries": [summary.as_dict() for summary in summaries],
        "samples": [sample.as_dict() for sample in samples],
    }
    charts = None if args.no_charts else CHARTS_DIR
    if charts is not None:
        ensure_peers_venv()  # matplotlib
    json_path, md_path, images = write_outputs(
        document, summaries, labels, args.output, charts, peers_python
    )
    print(harness.markdown_tables(summaries, labels))
    log(f"results: {json_path}\ntable: {md_path}")
    for image in images:
        log(f"chart: {image}")
    if not args.no_readme and update_readme(
        document, summaries, labels, images, json_path
    ):
        log(f"updated {README.relative_to(ROOT)}")
    failures = [summary for summary in summaries if summary.error]
    for summary in failures:
        log(f"FAILED {summary.cell}: {summary.error}")
    log(f"done in {time.monotonic() - started:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
